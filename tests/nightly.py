"""Tiny nightly extracts for the history, change-mark, waiver and safety tests.

Each night is a loans table of two banks, B1 and B2, with two loans each. The rule that
moves is fee-disclosure: its metric is the number of loans without a cost list
(disclosure_provided false), threshold 0, so one undisclosed loan is a breach with metric
1 and none is a pass with metric 0 (worked out in tests/rules/cases/fee-disclosure.yaml).
"""

import json
from pathlib import Path

from tests.rules.harness import write_extract

BANKS = ("B1", "B2")


def write_night(folder: Path, as_of_date: str, undisclosed: dict[str, int], banks=BANKS) -> Path:
    """An extract for one as-of date where bank X has undisclosed[X] loans without a cost
    list (of its two)."""
    folder.mkdir(parents=True, exist_ok=True)
    loans = []
    for bank in banks:
        for number in (1, 2):
            loans.append(
                {
                    "institution_id": bank,
                    "institution_name": f"Bank {bank}",
                    "as_of_date": as_of_date,
                    "loan_id": f"{bank}-L{number}",
                    "disclosure_provided": number > undisclosed.get(bank, 0),
                }
            )
    write_extract(folder, {"loans": loans})
    return folder


def findings_of(out: Path) -> dict[tuple[str, str], dict]:
    document = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    return {(f["institution_id"], f["rule_id"]): f for f in document["findings"]}


def run_document(out: Path) -> dict:
    return json.loads((out / "findings.json").read_text(encoding="utf-8"))["run"]
