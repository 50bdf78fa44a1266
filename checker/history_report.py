"""`loancheck history`: the recorded runs and findings as a table for a person, or as
CSV / JSON for other tools. Reading only; the store is checker/history.py."""

import json
import unicodedata

import polars as pl

from checker.labels import load_labels
from checker.output import csv_text

RUN_COLUMNS = (
    "as_of_date",
    "profile",
    "recorded_at",
    "reruns",
    "breaches",
    "warnings",
    "waived",
    "findings",
    "run_id",
)
FINDING_COLUMNS = (
    "as_of_date",
    "profile",
    "institution_id",
    "rule_id",
    "status",
    "metric",
    "threshold",
    "change_mark",
    "since",
    "waiver_reference",
)


def history_json(runs: pl.DataFrame, findings: pl.DataFrame) -> str:
    document = {"runs": runs.to_dicts(), "findings": findings.to_dicts()}
    return json.dumps(document, ensure_ascii=False, indent=2, default=str)


def history_csv(findings: pl.DataFrame) -> str:
    """One row per finding per run; text cells that look like formulas neutralised."""
    return csv_text(findings.with_columns(pl.col(pl.Date, pl.Datetime).cast(pl.String)))


def history_table(runs: pl.DataFrame, findings: pl.DataFrame, lang: str) -> str:
    labels = load_labels(lang)
    names = labels["history_columns"]
    lines = [labels["history_runs"], *_table(runs, RUN_COLUMNS, names, labels)]
    lines += ["", labels["history_findings"]]
    if findings.height:
        lines += _table(findings, FINDING_COLUMNS, names, labels)
    else:
        lines.append(labels["history_no_findings"])
    return "\n".join(lines)


def _table(frame: pl.DataFrame, columns, names: dict, labels: dict) -> list[str]:
    rows = [[names[c] for c in columns]]
    for record in frame.iter_rows(named=True):
        rows.append([_cell(c, record[c], labels) for c in columns])
    widths = [max(_width(row[i]) for row in rows) for i in range(len(columns))]
    return [
        "  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def _cell(column: str, value, labels: dict) -> str:
    if value is None:
        return "—"
    if column == "status":
        return labels.get(f"status_{value}", value)
    if column == "change_mark":
        return labels.get(f"mark_{value}", value)
    if isinstance(value, float):
        return f"{value:.6g}"
    # One line per row, whatever the data holds.
    return " ".join(str(value).split())


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
