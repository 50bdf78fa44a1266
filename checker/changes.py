"""What changed since the previous as-of date: each finding marked new, persisting (with
the date its streak began) or resolved, and the metric's recent trend.

A finding is flagged when it is a breach or a warning, judged before any waiver (a waived
breach is still a breach that persists). Against the latest run of the same profile
before this as-of date in the history:

- new: flagged now, not flagged (or absent) then; its streak starts today;
- persisting: flagged now and then; `since` is the first as-of date of the unbroken streak,
  carried forward from run to run in the history;
- resolved: flagged then, passes now (a check that could not be measured now is not
  called resolved: its mark stays empty and `previous_status` says what it was);
- vanished: flagged then, with no finding at all now (the institution is not in
  tonight's extract, or the rule is no longer run): listed apart, as it has no finding.

With no earlier run to compare with, no finding is marked; a flagged one's streak starts
today, so tomorrow's run can say since when it persists.
"""

from dataclasses import dataclass, field

import polars as pl

from checker.findings import FLAGGED, Finding
from checker.history import PreviousRun

TREND_RUNS = 12  # the runs an institution page's trend chart covers, tonight included
MARKS = ("new", "persisting", "resolved")


@dataclass
class HistoryView:
    """What the reports show from the history."""

    path: str
    compared_with: str | None  # the previous as-of date, None when there was none
    # (institution_id, rule_id) -> [(as_of_date, metric, threshold)], oldest first
    trends: dict[tuple[str, str], list[tuple[str, float | None, float | None]]] = field(
        default_factory=dict
    )
    # (institution_id, rule_id, status then) flagged last time with no finding tonight
    vanished: list[tuple[str, str, str]] = field(default_factory=list)


def mark_changes(findings: list[Finding], previous: PreviousRun | None, as_of_date: str) -> None:
    for finding in findings:
        finding.change = _change(finding, previous, as_of_date)


def vanished(findings: list[Finding], previous: PreviousRun | None) -> list[tuple[str, str, str]]:
    """Flagged last time, with no finding tonight: the institution's rows (or the rule) are
    missing from tonight's run. Listed so that a breach never disappears unnoticed because
    a bank was left out of the extract."""
    if previous is None:
        return []
    tonight = {(f.institution_id, f.rule_id) for f in findings}
    return sorted(
        (institution_id, rule_id, status)
        for (institution_id, rule_id), (status, _) in previous.findings.items()
        if status in FLAGGED and (institution_id, rule_id) not in tonight
    )


def _change(finding: Finding, previous: PreviousRun | None, as_of_date: str) -> dict:
    status = finding.original_status
    flagged_now = status in FLAGGED
    before, streak_start = (None, None)
    if previous is not None:
        before, streak_start = previous.findings.get(
            (finding.institution_id, finding.rule_id), (None, None)
        )
    flagged_before = before in FLAGGED
    mark, since = None, None
    if previous is None:
        since = as_of_date if flagged_now else None
    elif flagged_now and flagged_before:
        mark, since = "persisting", streak_start or previous.as_of_date
    elif flagged_now:
        mark, since = "new", as_of_date
    elif flagged_before and status == "pass":
        mark = "resolved"
    return {"mark": mark, "since": since, "previous_status": before}


def trends(
    recent: pl.DataFrame, findings: list[Finding], as_of_date: str
) -> dict[tuple[str, str], list[tuple[str, float | None, float | None]]]:
    """Each finding's metric over the recorded runs before tonight, then tonight's."""
    series: dict[tuple[str, str], list] = {}
    for row in recent.iter_rows(named=True):
        key = (row["institution_id"], row["rule_id"])
        series.setdefault(key, []).append(
            (row["as_of_date"].isoformat(), row["metric"], row["threshold"])
        )
    for finding in findings:
        key = (finding.institution_id, finding.rule_id)
        series.setdefault(key, []).append((as_of_date, finding.metric, finding.threshold))
    return series
