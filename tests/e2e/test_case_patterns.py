"""Case patterns have one meaning everywhere. The runner's matcher (harness/runner/selection.cpp,
asked by run_suite.py through `wsconform --list --json`) and the report generator's
(reports/patterns.py, for --expect-failures, which must work without the binary) pass the same
vectors, tests/vectors/case_patterns.json; the C++ side is tests/unit/selection_test.cpp."""

from __future__ import annotations

import json
import sys

import pytest

from conftest import ROOT, invoke

sys.path.insert(0, str(ROOT))
from reports.model import Case  # noqa: E402  (the package under test, from the checkout)
from reports.patterns import CasePattern, PatternError  # noqa: E402

VECTORS = json.loads((ROOT / "tests" / "vectors" / "case_patterns.json").read_text())
CASES = [Case(id=c["id"], verdict="OK", tags=list(c["tags"])) for c in VECTORS["cases"]]


@pytest.mark.parametrize("vector", VECTORS["patterns"], ids=lambda v: repr(v["pattern"]))
def test_the_report_generator_selects_as_the_vectors_say(vector):
    pattern = CasePattern.parse(vector["pattern"])
    assert [c.id for c in CASES if pattern.matches(c)] == vector["selects"]


@pytest.mark.parametrize("text", VECTORS["invalid"])
def test_the_report_generator_refuses_the_invalid_patterns(text):
    with pytest.raises(PatternError):
        CasePattern.parse(text)


def listing(binaries, *args: str) -> dict:
    result = invoke(binaries, "--list", "--json", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_binary_lists_its_selection_as_json(binaries):
    listed = listing(binaries, "--cases", "1.1.*,6.4.1,9.9.*", "--exclude-cases", "1.1.8",
                     "--agent", "My Server/2.0")
    ids = [c["id"] for c in listed["cases"]]
    assert ids == [f"1.1.{n}" for n in range(1, 8)] + ["6.4.1"]
    assert listed["unmatched_patterns"] == ["9.9.*"]
    assert listed["agent_folder"] == "my_server_2.0"  # as the report names cases/<folder>/
    first = listed["cases"][0]
    assert first["group"] and first["title"] and isinstance(first["tags"], list)
    # The same selection as the text listing.
    text = invoke(binaries, "--list", "--cases", "1.1.*,6.4.1,9.9.*", "--exclude-cases", "1.1.8")
    assert [line.split("\t")[0] for line in text.stdout.splitlines()] == ids


def test_exclude_agent_cases_applies_to_the_named_agent(binaries):
    # Autobahn's exclude-agent-cases: the agent pattern matches the whole name.
    chosen = ("--cases", "1.1.*,2.*", "--exclude-agent-cases", "tung*=2.*,1.1.2")
    assert {c["id"] for c in listing(binaries, *chosen, "--agent", "tungstenite")["cases"]} \
        == {f"1.1.{n}" for n in range(1, 9)} - {"1.1.2"}
    other = {c["id"] for c in listing(binaries, *chosen, "--agent", "xtungstenite")["cases"]}
    assert "2.1" in other and "1.1.2" in other
    bad = invoke(binaries, "--list", "--exclude-agent-cases", "no-equals-sign")
    assert bad.returncode == 2 and "expected AGENT=PATTERNS" in bad.stderr
