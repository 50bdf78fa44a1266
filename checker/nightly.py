"""The nightly steps around a check: compare it with the history, apply the waivers,
and record it. Each works on the CheckResult the pipeline returned; the CLI calls them in
order, inside the run locks (checker/locks.py)."""

import glob
import shutil
from pathlib import Path

from checker.changes import TREND_RUNS, HistoryView, mark_changes, trends, vanished
from checker.errors import InputError
from checker.history import Recorded, open_history
from checker.pipeline import CheckResult
from checker.waivers import Waiver, WaiverProblem, apply_waivers


def default_history_path(out_dir: Path) -> Path:
    """history.duckdb beside the output folder, so it outlives each night's folder swap."""
    return Path(out_dir).resolve().parent / "history.duckdb"


def remove_leftovers(out_dir: Path) -> None:
    """Staging and retired folders a killed run left beside the output. Only called while
    holding the output lock, so no other run is writing them."""
    out_dir = Path(out_dir).resolve()
    if not out_dir.parent.is_dir():
        return
    name = glob.escape(out_dir.name)
    for pattern in (f".{name}.tmp-*", f".{name}.old-*"):
        for leftover in out_dir.parent.glob(pattern):
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)


def check_history_outside(history_path: Path | None, out_dir: Path) -> None:
    """The output folder is replaced whole each run; a history inside it would be lost."""
    if history_path is None:
        return
    history, out = Path(history_path).resolve(), Path(out_dir).resolve()
    if history.is_relative_to(out):
        raise InputError(str(history_path), "history_inside_out", out=str(out_dir))


def compare_with_history(result: CheckResult, history_path: Path) -> None:
    """Mark each finding against the previous as-of date and gather the trends. Runs
    before the waivers, so a waived breach still counts as the breach it is."""
    view = HistoryView(path=str(history_path), compared_with=None)
    with open_history(history_path) as history:  # migrates, or refuses a newer file
        if result.as_of_date is None:  # an extract without loans has no date to file under:
            return  # nothing is compared or recorded, and the reports say nothing of it
        previous = history.previous_run(result.profile, result.as_of_date)
        recent = history.recent_metrics(result.profile, result.as_of_date, TREND_RUNS - 1)
    mark_changes(result.findings, previous, result.as_of_date)
    view.compared_with = previous.as_of_date if previous else None
    view.trends = trends(recent, result.findings, result.as_of_date)
    view.vanished = vanished(result.findings, previous)
    result.history = view


def apply_waiver_file(
    result: CheckResult, path: Path, loaded: tuple[list[Waiver], list[WaiverProblem]]
) -> None:
    waivers, problems = loaded
    result.waivers = apply_waivers(result.findings, waivers, problems, result.as_of_date, str(path))


def record_in_history(result: CheckResult, history_path: Path) -> Recorded | None:
    if result.as_of_date is None:
        return None
    with open_history(history_path) as history:
        return history.record(result)
