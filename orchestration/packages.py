"""Debian packages, by what needs them, and installing the missing ones with apt-get."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading

from .console import Progress, RunError, say

# Debian packages, by what needs them. libboost1.81-dev conflicts with libboost1.74-dev; apt
# removes the older one when asked to install the newer.
BUILD_PACKAGES = {
    "cmake": "cmake",
    "ninja-build": "ninja",
    "g++": "g++",
    "libboost1.81-dev": None,
    "libssl-dev": None,
    "zlib1g-dev": None,
    "libcli11-dev": None,
    "libnghttp2-dev": None,  # HTTP/2 for WebSocket over extended CONNECT (RFC 8441)
    "pkg-config": "pkg-config",  # how CMake finds libnghttp2
}
# The embedded HTTP/2 default (--http2 without --target): nghttpx in front of the reference
# server; openssl makes its certificate for --tls.
HTTP2_PACKAGES = {"nghttp2-proxy": "nghttpx", "openssl": "openssl"}
# The libFuzzer targets (run_suite.py fuzz): clang and its libFuzzer and sanitizer runtimes
# (libclang-rt-14-dev, which clang-14 only recommends).
CLANG_PACKAGES = {"clang-14": "clang++-14", "libclang-rt-14-dev": None}
TEST_PACKAGES = {
    **CLANG_PACKAGES,  # tests/e2e/test_fuzzing.py
    "chromium": "chromium",  # the report's browser tests (headless, driven over DevTools)
    "libgtest-dev": None,
    "openssl": "openssl",  # test certificates for the TLS checks (S.4.*)
    "python3-pytest": None,
    "python3-websockets": None,
    "python3-aiohttp": None,  # a second real client library (tests/e2e/clients/aiohttp_client.py)
    **HTTP2_PACKAGES,  # tests/e2e/test_http2.py: nghttpx in front of the reference server
    "python3-h2": None,  # the faulty HTTP/2 WebSocket server
    "python3-hypercorn": None,  # a real RFC 8441 server (ASGI)
}



def missing_packages(packages: dict[str, str | None]) -> list[str]:
    if not shutil.which("dpkg-query"):
        return []  # not Debian: trust the toolchain and let CMake say what is missing
    missing = []
    for pkg in packages:
        result = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg],
                                capture_output=True, text=True)
        if "install ok installed" not in result.stdout:
            missing.append(pkg)
    return missing


def ensure_packages(packages: dict[str, str | None]) -> None:
    missing = missing_packages(packages)
    if not missing:
        return
    if os.geteuid() != 0:
        raise RunError("missing Debian packages: " + " ".join(missing)
                       + "; install them with: sudo apt-get install -y " + " ".join(missing))
    if "libboost1.81-dev" in missing and not missing_packages({"libboost1.74-dev": None}):
        # The two conflict; apt removes 1.74's headers when 1.81's are installed.
        say("libboost1.74-dev is installed and conflicts with libboost1.81-dev: apt-get will "
            "replace it")
    say("installing " + " ".join(missing) + " (apt-get)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    update = subprocess.run(["apt-get", "update", "-q"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if update.returncode != 0:
        say("apt-get update failed; trying the install anyway")
    _apt_install(missing, env)


# "0 upgraded, 120 newly installed, 0 to remove and 3 not upgraded."
_PLANNED = re.compile(r"(\d+) upgraded, (\d+) newly installed")


def _apt_install(missing: list[str], env: dict[str, str]) -> None:
    """apt-get install, showing how many of the packages it pulls in are set up so far."""
    progress = Progress("installing packages")
    total: int | None = None
    done = 0
    errors: list[str] = []
    process = subprocess.Popen(["apt-get", "install", "-y", "-q", *missing], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               errors="replace")
    # stderr is read beside stdout so that neither pipe can fill up and stall apt-get.
    reader = threading.Thread(target=lambda: errors.extend(process.stderr), daemon=True)
    reader.start()
    for line in process.stdout:
        if total is None and (match := _PLANNED.search(line)):
            total = int(match[1]) + int(match[2])
        elif line.startswith("Setting up "):
            done += 1
            progress.update(done, total, line.split()[2])
    status = process.wait()
    reader.join(timeout=5)
    progress.finish(f"installed {' '.join(missing)}" if status == 0 else None)
    if status != 0:
        tail = [e.strip() for e in errors if e.strip()][-1:] or ["?"]
        raise RunError("apt-get install " + " ".join(missing) + " failed: " + tail[0])
