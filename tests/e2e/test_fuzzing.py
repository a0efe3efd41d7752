"""`run_suite.py fuzz` (fuzzing/engine.py) and the ClusterFuzzLite build (.clusterfuzzlite/).

Needs clang++-14 with libFuzzer (Debian: clang-14, libclang-rt-14-dev); skipped, saying so,
without them. The real targets come from one clang build shared by the session
(WSCONFORM_FUZZ_BUILD_DIR, default build/fuzz-engine, only the utf8 target is built); the
crash and bad-build tests use a tiny libFuzzer binary compiled here, in a directory of ready
binaries (no CMake cache: the engine then builds nothing). Every subprocess has a timeout.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else "python3"
CLANG = "clang++-14"
BUILD_TIMEOUT = 1800.0  # s: a first clang build of the codec and a target
RUN_TIMEOUT = 300.0  # s: a short fuzz run (build up to date)

# Crashes on inputs starting with "XY"; "K" takes a branch of its own, so a corpus input
# starting with it survives a merge.
CRASHY = r"""
#include <cstddef>
#include <cstdint>
#include <cstdlib>
static volatile int sink;
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size >= 1 && data[0] == 'K') sink = sink + 1;
  if (size >= 2 && data[0] == 'X' && data[1] == 'Y') std::abort();
  return 0;
}
"""


@pytest.fixture(scope="session")
def libfuzzer(tmp_path_factory) -> str:
    """clang++-14 able to link a libFuzzer target, or the module is skipped."""
    if not shutil.which(CLANG):
        pytest.skip(f"{CLANG} not installed (Debian: clang-14 libclang-rt-14-dev)")
    work = tmp_path_factory.mktemp("libfuzzer-probe")
    (work / "probe.cpp").write_text(CRASHY)
    result = subprocess.run([CLANG, "-fsanitize=fuzzer", "probe.cpp", "-o", "probe"], cwd=work,
                            capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        pytest.skip(f"{CLANG} cannot link -fsanitize=fuzzer (Debian: libclang-rt-14-dev): "
                    + (result.stderr.strip().splitlines() or ["?"])[-1])
    return CLANG


def fuzz(*args: str, build_dir: Path | None = None, timeout: float = RUN_TIMEOUT,
         env: dict | None = None) -> subprocess.CompletedProcess:
    environment = dict(os.environ, **(env or {}))
    if build_dir is not None:
        environment["WSCONFORM_FUZZ_BUILD_DIR"] = str(build_dir)
    return subprocess.run([PYTHON, str(ROOT / "run_suite.py"), "fuzz", *args], cwd=ROOT,
                          env=environment, capture_output=True, text=True, timeout=timeout)


def describe(result: subprocess.CompletedProcess) -> str:
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


def summary(out: Path) -> dict:
    data = json.loads((out / "fuzz-summary.json").read_text())
    assert data["schema"] == "wsconform-fuzz-summary/1"
    return data


def table_row(stdout: str, stem: str) -> list[str]:
    lines = stdout.splitlines()
    assert lines and lines[0].split() == ["target", "result", "exec/s", "cov", "ft", "corpus",
                                          "bytes", "new"], stdout
    rows = [line.split() for line in lines[1:] if line.split()[:1] == [stem]]
    assert len(rows) == 1, stdout
    return rows[0]


@pytest.fixture(scope="session")
def engine_build(libfuzzer) -> Path:
    """The clang build the engine uses (built by its first run), shared by the session."""
    value = os.environ.get("WSCONFORM_FUZZ_BUILD_DIR")
    return Path(value) if value else ROOT / "build" / "fuzz-engine"


@pytest.fixture(scope="session")
def first_run(engine_build, tmp_path_factory):
    """`fuzz --seconds 2 --targets utf8`, which builds what it needs first."""
    out = tmp_path_factory.mktemp("fuzz-out")
    result = fuzz("--seconds", "2", "--targets", "utf8", "--out", str(out),
                  build_dir=engine_build, timeout=BUILD_TIMEOUT)
    return out, result


def make_prebuilt(root: Path, compiler: str, regression: bytes | None = None) -> Path:
    """A directory of ready binaries: fuzz/crashy (+ .options, a seed, maybe a regression)."""
    fuzz_dir = root / "fuzz"
    (fuzz_dir / "corpus" / "crashy").mkdir(parents=True)
    (root / "crashy.cpp").write_text(CRASHY)
    subprocess.run([compiler, "-g", "-fsanitize=fuzzer,address", str(root / "crashy.cpp"),
                    "-o", str(fuzz_dir / "crashy")], check=True, timeout=120)
    (fuzz_dir / "crashy.options").write_text("[libfuzzer]\nmax_len = 64\n")
    (fuzz_dir / "crashy.dict").write_text('kw="K"\n')
    (fuzz_dir / "corpus" / "crashy" / "seed-a").write_bytes(b"A")
    if regression is not None:
        (fuzz_dir / "regressions" / "crashy").mkdir(parents=True)
        (fuzz_dir / "regressions" / "crashy" / "known-crash").write_bytes(regression)
    return root


# --- the real targets --------------------------------------------------------------------------

def test_fuzz_prints_a_table_and_keeps_a_corpus(first_run):
    out, result = first_run
    assert result.returncode == 0, describe(result)
    row = table_row(result.stdout, "utf8")
    assert row[1] == "ok", result.stdout
    assert "FOUND" not in result.stdout
    data = summary(out)
    assert data["exit_status"] == 0 and data["seconds_per_target"] == 2
    utf8 = data["targets"]["utf8"]
    assert utf8["status"] == "ok" and utf8["findings"] == []
    assert utf8["exec_per_sec"] > 0 and utf8["cov"] > 0 and utf8["ft"] > 0, utf8
    assert utf8["replayed"] > 0, utf8  # the seeds and regressions ran first
    # The page of exec/s and coverage over time, one target: utf8's.
    page = (out / "fuzz.html").read_text()
    assert "utf8" in page and "fuzz.html" in result.stderr
    corpus = sorted((out / "corpus" / "utf8").iterdir())
    assert len(corpus) == utf8["corpus_files"] > 0
    assert sum(p.stat().st_size for p in corpus) == utf8["corpus_bytes"] > 0
    assert (out / "logs" / "utf8.fuzz.log").is_file()
    assert not list(out.glob(".fuzz-summary.json*")), "temporary summary left behind"
    assert not list((out / "crashes" / "utf8").iterdir())


def test_second_run_starts_from_the_corpus(first_run, engine_build):
    out, first = first_run
    assert first.returncode == 0, describe(first)
    before = summary(out)["targets"]["utf8"]
    # In-process this time (--jobs 1): the other way the engine runs libFuzzer.
    result = fuzz("--seconds", "2", "--jobs", "1", "--targets", "utf8", "--out", str(out),
                  build_dir=engine_build)
    assert result.returncode == 0, describe(result)
    after = summary(out)["targets"]["utf8"]
    assert after["corpus_files"] > 0 and after["exec_per_sec"] > 0
    # The corpus carried over: the run covers at least what the first corpus covered.
    assert after["ft"] >= before["ft"], (before, after)
    assert not list((out / "work" / "utf8" / "new").iterdir()), "new inputs not merged"


def test_replay_only(first_run, engine_build, tmp_path):
    assert first_run[1].returncode == 0, describe(first_run[1])
    result = fuzz("--replay-only", "--targets", "utf8", "--out", str(tmp_path),
                  build_dir=engine_build)
    assert result.returncode == 0, describe(result)
    assert table_row(result.stdout, "utf8")[1] == "replayed"
    data = summary(tmp_path)
    assert data["replay_only"] and data["targets"]["utf8"]["replayed"] > 0
    assert not (tmp_path / "logs" / "utf8.fuzz.log").exists()


# --- findings: a planted crash -----------------------------------------------------------------

@pytest.mark.parametrize("jobs", ["1", "2"], ids=["in-process", "fork"])
def test_crash_exits_1_with_a_repro_command(libfuzzer, tmp_path, jobs):
    build = make_prebuilt(tmp_path / "build", libfuzzer)
    out = tmp_path / "out"
    kept = out / "corpus" / "crashy"
    kept.mkdir(parents=True)
    (kept / "from-an-earlier-run").write_bytes(b"K")
    result = fuzz("--seconds", "60", "--jobs", jobs, "--out", str(out), build_dir=build)
    assert result.returncode == 1, describe(result)
    assert table_row(result.stdout, "crashy")[1] == "found"
    found = [line for line in result.stdout.splitlines() if line.startswith("FOUND crashy: crash")]
    assert found, result.stdout
    inputs = [line.split(":", 1)[1].strip() for line in result.stdout.splitlines()
              if line.strip().startswith("input:")]
    repros = [line.split(":", 1)[1].strip() for line in result.stdout.splitlines()
              if line.strip().startswith("repro:")]
    assert inputs and repros, result.stdout
    crash = Path(inputs[0])
    assert crash.parent == out / "crashes" / "crashy" and crash.read_bytes().startswith(b"XY")
    # The repro command is one line: the binary and the crash file; it crashes again.
    command = shlex.split(repros[0])
    assert command[0] == str(build / "fuzz" / "crashy") and command[-1] == str(crash)
    again = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert again.returncode != 0 and "deadly signal" in again.stderr, again.stderr[-2000:]
    # Nothing already written was lost: the old corpus input's coverage is still there, and
    # the summary was written whole.
    assert any(p.read_bytes().startswith(b"K") for p in kept.iterdir()), list(kept.iterdir())
    data = summary(out)
    assert data["exit_status"] == 1
    kinds = {f["kind"] for f in data["targets"]["crashy"]["findings"]}
    assert kinds == {"crash"}, data["targets"]["crashy"]
    assert "1 finding" in result.stderr or "findings" in result.stderr


def test_a_crashing_regression_fails_the_replay(libfuzzer, tmp_path):
    build = make_prebuilt(tmp_path / "build", libfuzzer, regression=b"XYZ")
    out = tmp_path / "out"
    result = fuzz("--seconds", "60", "--out", str(out), build_dir=build)
    assert result.returncode == 1, describe(result)
    assert table_row(result.stdout, "crashy")[1] == "replay-failed"
    regression = build / "fuzz" / "regressions" / "crashy" / "known-crash"
    repro = [line for line in result.stdout.splitlines() if line.strip().startswith("repro:")]
    assert repro and repro[0].split(":", 1)[1].strip().endswith(shlex.quote(str(regression)))
    assert not (out / "logs" / "crashy.fuzz.log").exists(), "fuzzed a target that fails replay"


# --- could not run: exit 2, one line ------------------------------------------------------------

def assert_usage_error(result: subprocess.CompletedProcess, mention: str) -> None:
    lines = result.stderr.splitlines()
    assert result.returncode == 2, describe(result)
    assert len(lines) == 1 and lines[0].startswith("run_suite: "), result.stderr
    assert mention in lines[0], lines[0]
    assert "Traceback" not in result.stderr and result.stdout == ""


@pytest.mark.parametrize("args, mention", [
    (["--seconds", "0"], "--seconds"),
    (["--seconds", "soon"], "--seconds"),
    (["--jobs", "-1"], "--jobs"),
    (["--no-such-option"], "--no-such-option"),
    (["--targets", "utf8,no_such_target"], "no_such_target"),
    (["--targets", ","], "--targets"),
], ids=["seconds-0", "seconds-word", "jobs-negative", "unknown-option", "unknown-target",
        "empty-targets"])
def test_bad_arguments(tmp_path, args, mention):
    # Rejected before anything is built (no clang needed).
    result = fuzz(*args, "--out", str(tmp_path / "out"), timeout=60)
    assert_usage_error(result, mention)
    assert not (tmp_path / "out" / "fuzz-summary.json").exists()


def test_unknown_target_of_a_prebuilt_directory(libfuzzer, tmp_path):
    build = make_prebuilt(tmp_path / "build", libfuzzer)
    assert_usage_error(fuzz("--targets", "utf8", build_dir=build, timeout=60), "known: crashy")


def test_build_directory_without_binaries(tmp_path):
    (tmp_path / "empty").mkdir()
    assert_usage_error(fuzz("--seconds", "1", build_dir=tmp_path / "empty", timeout=60),
                       "WSCONFORM_FUZZ_BUILD_DIR")


def test_unwritable_out(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    assert_usage_error(fuzz("--targets", "utf8", "--out", str(blocker / "out"), timeout=60),
                       "--out")


# --- ClusterFuzzLite ------------------------------------------------------------------------------

def test_cflite_build_script(libfuzzer):
    """.clusterfuzzlite/build.sh as the builder runs it (ASan, $LIB_FUZZING_ENGINE), no Docker:
    every target lands in $OUT with its .dict, .options and seed corpus zip, and runs it."""
    work = ROOT / "build" / "cflite-check"  # kept: the next run rebuilds only what changed
    work.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(["bash", str(ROOT / "tests" / "fuzz" / "check_cflite_build.sh")],
                            env=dict(os.environ, WORK=str(work)), cwd=ROOT,
                            capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    assert result.returncode == 0, describe(result)
    stems = sorted(p.stem for p in (ROOT / "fuzz").glob("*.options")
                   if (ROOT / "fuzz" / f"{p.stem}.cpp").exists())
    for stem in stems:
        assert f"check_cflite_build: ok {stem} (" in result.stdout, result.stdout
    assert f"check_cflite_build: ok, {len(stems)} targets" in result.stdout
