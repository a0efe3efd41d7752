"""The orchestration package behind run_suite.py: --help lists every subcommand, slow steps show
progress and quick ones print nothing, and each concern imports what it needs (no module is
handed another at run time)."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import PYTHON, ROOT

sys.path.insert(0, str(ROOT))
from orchestration import build as building  # noqa: E402  (the package under test)
from orchestration.cli import SUBCOMMANDS  # noqa: E402
from orchestration.console import RunError  # noqa: E402


def run_suite(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, str(ROOT / "run_suite.py"), *args], capture_output=True,
                          text=True, timeout=60, cwd=ROOT)


def test_help_lists_every_subcommand_with_one_line():
    result = run_suite("--help")
    assert result.returncode == 0
    listed = result.stdout.split("subcommands", 1)[1]
    for name in ("clients", "report", "diff", "test", "fuzz", "fuzz-live"):
        line = next((l for l in listed.splitlines() if l.split()[:1] == [name]), None)
        assert line and len(line.split()) > 3, f"{name} is not listed with a line of help"
    assert set(SUBCOMMANDS) == {"clients", "report", "diff", "test", "fuzz", "fuzz-live"}


@pytest.mark.parametrize("name", ["clients", "report", "diff", "test", "fuzz", "fuzz-live"])
def test_each_subcommand_has_its_own_help(name):
    result = run_suite(name, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: run_suite.py {name}")


def test_a_bad_option_is_one_line_and_exit_2():
    result = run_suite("--no-such-option")
    assert result.returncode == 2
    assert "unrecognized arguments: --no-such-option" in result.stderr


def steps(*lines: str) -> list[str]:
    return ["sh", "-c", "".join(f"echo '{line}';" for line in lines)]


def test_a_build_shows_its_count_of_compiled_units(capsys):
    building.run_with_progress(
        steps("[1/3] Building CXX object harness/CMakeFiles/x.dir/runner/judge.cpp.o",
              "[2/3] Building CXX object cases/CMakeFiles/c.dir/limits.cpp.o",
              "[3/3] Linking CXX executable harness/wsconform"), "building test", "build")
    err = capsys.readouterr().err
    assert "run_suite: building test: 1/3 runner/judge.cpp" in err
    assert "run_suite: building test: done" in err


def test_a_build_with_nothing_to_do_prints_nothing(capsys):
    building.run_with_progress(steps("ninja: no work to do."), "building test", "build")
    assert capsys.readouterr().err == ""


def test_a_failed_build_shows_its_output_and_says_so_in_one_line(capsys):
    with pytest.raises(RunError, match=r"^build failed \(exit 1\)"):
        building.run_with_progress(["sh", "-c", "echo '[1/2] Building CXX object a.cpp.o'; "
                                    "echo 'a.cpp:1: error: boom'; exit 1"], "building test",
                                   "build")
    assert "a.cpp:1: error: boom" in capsys.readouterr().err


def test_no_module_is_handed_another_at_run_time():
    # The import graph is the whole story: nothing reaches into sys.modules to pass itself on.
    for path in [*(ROOT / "orchestration").rglob("*.py"), *(ROOT / "fuzzing").glob("*.py"),
                 ROOT / "run_suite.py"]:
        tree = ast.parse(path.read_text())
        names = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        assert "modules" not in names, f"{path} uses sys.modules"


def test_a_run_without_out_goes_to_out_runs_outside_the_sources(binaries):
    env = dict(os.environ, WSCONFORM_BUILD_DIR=str(binaries.build_dir))
    runs = ROOT / "out" / "runs"
    before = set(runs.iterdir()) if runs.exists() else set()
    result = subprocess.run([PYTHON, str(ROOT / "run_suite.py"), "--cases", "1.1.1"], env=env,
                            capture_output=True, text=True, timeout=300, cwd=ROOT)
    made = sorted(set(runs.iterdir()) - before - {runs / "latest"}) if runs.exists() else []
    try:
        assert result.returncode == 0, result.stderr[-3000:]
        assert len(made) == 1, made
        assert (runs / "latest").resolve() == made[0].resolve()
        assert (made[0] / "index.json").exists() and (made[0] / "index.html").exists()
    finally:
        for run in made:
            shutil.rmtree(run, ignore_errors=True)


def test_wire_log_is_passed_to_the_runner(binaries, tmp_path):
    env = dict(os.environ, WSCONFORM_BUILD_DIR=str(binaries.build_dir))
    records = {}
    for mode in ("full", "failed"):
        out = tmp_path / mode
        result = subprocess.run([PYTHON, str(ROOT / "run_suite.py"), "--cases", "9.1.1",
                                 "--wire-log", mode, "--out", str(out)], env=env,
                                capture_output=True, text=True, timeout=300, cwd=ROOT)
        assert result.returncode == 0, result.stderr[-3000:]
        index = json.loads((out / "index.json").read_text())
        record = out / index["targets"][0]["cases"][0]["wire_log"]
        records[mode] = json.loads(record.read_text())
    # 9.1.1 passed with a 64 KiB echo: kept whole with `full`, shortened by default.
    assert not records["full"].get("shortened")
    assert records["failed"].get("shortened")
    bad = run_suite("--wire-log", "some")
    assert bad.returncode == 2 and "invalid choice" in bad.stderr
