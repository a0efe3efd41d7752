"""What the wsconform binary selects: its case catalogue through `wsconform --list --json`,
so that run_suite.py selects, warns about patterns and names agents' folders exactly as the
runner does (one matcher, one slug: the binary's)."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .console import RunError


@dataclass
class Listing:
    ids: list[str]  # the selected cases, in the catalogue's order
    unmatched: list[str]  # --cases patterns that select none of this kind of run's cases
    agent_folder: str  # where the report keeps the agent's wire records (cases/<folder>/)


def listing(runner: Path, *selection: str) -> Listing:
    """`selection`: the runner's own options (--cases, --exclude-cases, --agent,
    --exclude-agent-cases, --http2, --client-command ...), as a run would be given them."""
    command = [str(runner), "--list", "--json", *selection]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        why = (result.stderr.strip().splitlines() or [f"exit {result.returncode}"])[-1]
        raise RunError(f"wsconform --list: {why.removeprefix('wsconform: ')}")
    try:
        data = json.loads(result.stdout)
        return Listing([c["id"] for c in data["cases"]], list(data["unmatched_patterns"]),
                       data["agent_folder"])
    except (ValueError, KeyError, TypeError) as error:
        raise RunError(f"wsconform --list --json: unreadable listing ({error})")
