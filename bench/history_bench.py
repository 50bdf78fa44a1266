"""How long the history takes at regulator scale, run by hand:

    .venv/bin/python bench/history_bench.py [INSTITUTIONS] [NIGHTS]

Builds a run of INSTITUTIONS x the sample's rules from the sample extract's findings
(copied per institution), records NIGHTS nights into a fresh history, and prints the
time to compare with the history (marks, trends) and to record, for the last night, and
the file size.
"""

import copy
import dataclasses
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

from checker.nightly import compare_with_history, record_in_history
from checker.pipeline import run_check

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"


def main() -> None:
    institutions = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    nights = int(sys.argv[2]) if len(sys.argv) > 2 else 14
    base = run_check(SAMPLE, lang="en")
    template = [f for f in base.findings if f.institution_id == "B003"]
    findings = []
    for number in range(institutions):
        for finding in template:
            copied = copy.copy(finding)
            copied.institution_id = f"I{number:05d}"
            findings.append(copied)
    history = Path(tempfile.mkdtemp()) / "history.duckdb"
    start = dt.date(2025, 9, 1)
    for night in range(nights):
        as_of = (start + dt.timedelta(days=night)).isoformat()
        result = dataclasses.replace(
            base, as_of_date=as_of, findings=[copy.copy(f) for f in findings]
        )
        clock = time.perf_counter()
        compare_with_history(result, history)
        compared = time.perf_counter() - clock
        clock = time.perf_counter()
        record_in_history(result, history)
        recorded = time.perf_counter() - clock
    size = history.stat().st_size / 1e6
    print(
        f"{institutions} institutions x {len(template)} rules = {len(findings)} findings a "
        f"night, {nights} nights: last night compare {compared:.2f} s, record "
        f"{recorded:.2f} s; history {size:.1f} MB"
    )


if __name__ == "__main__":
    main()
