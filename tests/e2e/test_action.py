"""The GitHub Action's shell steps (action/steps.sh, which action.yml runs): inputs as INPUT_*
variables, the status in $GITHUB_OUTPUT, the summary in $GITHUB_STEP_SUMMARY, a server started
from its command, a failing case or a finding giving status 1, and `finish` failing the job."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from conftest import PYTHON, ROOT, free_port

STEPS = ROOT / "action" / "steps.sh"
ECHO = ROOT / "tests" / "e2e" / "servers" / "websockets_echo.py"
FAULTY_SERVER = ROOT / "tests" / "servers" / "faulty_server.py"


def step(binaries, tmp_path: Path, name: str,
         **inputs: str) -> tuple[dict, str, subprocess.CompletedProcess]:
    output, summary = tmp_path / "output", tmp_path / "summary.md"
    env = {k: v for k, v in os.environ.items() if not k.startswith("INPUT_")}
    env.update({f"INPUT_{k.upper()}": v for k, v in inputs.items()},
               GITHUB_OUTPUT=str(output), GITHUB_STEP_SUMMARY=str(summary),
               WSCONFORM_BUILD_DIR=str(binaries.build_dir))
    result = subprocess.run(["bash", str(STEPS), name], cwd=tmp_path, env=env, text=True,
                            capture_output=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]  # a run step never fails itself
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    return outputs, summary.read_text() if summary.exists() else "", result


def test_conformance_starts_the_server_from_its_command(binaries, tmp_path):
    port = free_port()
    outputs, summary, result = step(
        binaries, tmp_path, "conformance", target=f"ws://127.0.0.1:{port}/",
        server_command=f"{PYTHON} {ECHO} --port {port}", cases="1.1.1,1.1.2,2.1",
        agent="my-server", out="report")
    assert outputs["status"] == "0", result.stderr[-3000:]
    index = json.loads((tmp_path / "report" / "index.json").read_text())
    assert [t["agent"] for t in index["targets"]] == ["my-server"]
    assert {c["id"] for c in index["targets"][0]["cases"]} == {"1.1.1", "1.1.2", "2.1"}
    assert "my-server" in summary  # run_suite.py's job summary
    assert (tmp_path / "report" / "index.html").exists()


def test_a_failing_case_gives_status_1_and_finish_fails_the_job(binaries, start_server, tmp_path):
    server = start_server([PYTHON, FAULTY_SERVER, "--host", "127.0.0.1", "--port", "0",
                           "--fault", "rsv"], "faulty")
    outputs, _, _ = step(binaries, tmp_path, "conformance", target=server.url, cases="3.1",
                         out="report")
    assert outputs["status"] == "1"
    finish = subprocess.run(["bash", str(STEPS), "finish", outputs["status"]],
                            capture_output=True, text=True)
    assert finish.returncode == 1 and "exit status is 1" in finish.stderr
    assert subprocess.run(["bash", str(STEPS), "finish", "0"]).returncode == 0


def test_a_server_command_without_a_target_is_status_2(binaries, tmp_path):
    outputs, _, result = step(binaries, tmp_path, "conformance", server_command="true")
    assert outputs["status"] == "2"
    assert "server-command needs target" in result.stderr


def test_fuzz_live_findings_give_status_1_and_replay_lines(binaries, tmp_path):
    command = f"{PYTHON} {FAULTY_SERVER} --host 127.0.0.1 --port 0 --fault crash-len64"
    outputs, summary, result = step(binaries, tmp_path, "fuzz-live", server_command=command,
                                    seconds="6", seed="3", out="findings")
    assert outputs["status"] == "1", result.stderr[-3000:]
    files = sorted(p.name for p in (tmp_path / "findings").glob("*.json"))
    assert files, result.stderr[-3000:]
    assert f"replay {files[0]} --target URL" in summary
    assert "seed 3" in summary


def test_the_cache_key_names_the_source(tmp_path):
    output = tmp_path / "output"
    subprocess.run(["bash", str(STEPS), "cache-key"], check=True,
                   env=dict(os.environ, GITHUB_OUTPUT=str(output)))
    key = output.read_text().strip()
    assert key.startswith("key=wsconform-build-") and len(key) > len("key=wsconform-build-") + 20
