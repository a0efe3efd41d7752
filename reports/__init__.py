"""wsconform reports: index.json and the wire records in; HTML, JUnit, Markdown and diffs out.

Standard library only, no network: any old run can be re-rendered from its directory. (The
charts' library, uPlot, is installed once by npm into assets/node_modules: chartlib.py.)

    generate(["out/runs/latest"])              index.html, junit.xml, summary.md, autobahn/
    compare(load_run(old), load_run(new))        verdict changes between two runs
    write_fuzz_page(fuzz_logs_in(OUT / "logs"), OUT / "fuzz.html")   libFuzzer over time
"""

from .baseline import Baseline, Outcome, evaluate, load_baseline, write_baseline
from .diff import Comparison, compare, render_diff_html, render_diff_text
from .fuzz_page import fuzz_logs_in, write_fuzz_page
from .generate import AUTOBAHN_INDEX, OUTPUTS, Report, generate, write_file
from .markdown import append_job_summary
from .model import (SCHEMA, VERDICTS, ReportError, Run, Target, load_run, load_runs, parse_json,
                    read_text)

__all__ = [
    "AUTOBAHN_INDEX", "Baseline", "Comparison", "OUTPUTS", "Outcome", "Report", "ReportError",
    "Run", "SCHEMA", "Target", "VERDICTS", "append_job_summary", "compare", "evaluate",
    "fuzz_logs_in", "generate", "load_baseline", "load_run", "load_runs", "parse_json",
    "read_text", "render_diff_html", "render_diff_text", "write_baseline", "write_file",
    "write_fuzz_page",
]
