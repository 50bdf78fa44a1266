"""Write a check run's files: findings.json, exceptions/, rejected_rows.csv, the reports.

Everything is written into a temporary folder beside OUT and renamed into place at the
end, so a crash or a kill never leaves a half-written report where the old one was.
"""

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import polars as pl

from checker.pause import pause_point
from checker.pipeline import CheckResult
from checker.render import render_reports
from checker.safe import safe_filename
from checker.summary import write_summaries

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
_FORMULA_START = r"^[=+\-@\t\r]"


def write_outputs(
    result: CheckResult, out_dir: Path, lang: str, before_swap: Callable[[], None] | None = None
) -> None:
    """`before_swap` runs once everything is written and before it is renamed into place
    (the nightly run records its history there): if it fails, the old output stays."""
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        clock = time.perf_counter()
        exception_paths = _write_exceptions(result, staging)
        write_csv(result.rejections, staging / "rejected_rows.csv")
        render_reports(result, staging, lang, exception_paths)
        write_summaries(result, staging, out_dir, lang)
        # findings.json last, so that run.timings can say what writing the rest took.
        result.timings["write_reports"] = time.perf_counter() - clock
        (staging / "findings.json").write_text(
            json.dumps(findings_document(result), ensure_ascii=False, indent=2), encoding="utf-8"
        )
        if before_swap is not None:
            before_swap()
        pause_point("before-output-swap")
        _swap_into_place(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def findings_document(result: CheckResult) -> dict:
    return {
        "run": {
            "as_of_date": result.as_of_date,
            "started_at": result.started_at,
            "tool_version": result.tool_version,
            "profile": result.profile,
            "inputs": [asdict(i) for i in result.inputs],
            "rejected_rows": result.rows_rejected,
            "timings": {stage: round(seconds, 3) for stage, seconds in result.timings.items()},
            **_nightly_document(result),
        },
        "findings": [f.to_json() for f in result.findings],
    }


def _nightly_document(result: CheckResult) -> dict:
    """Added keys for a run with a history or waivers; absent otherwise."""
    extra = {}
    if result.history is not None:
        extra["history"] = {
            "path": result.history.path,
            "compared_with": result.history.compared_with,
            "vanished": [
                {"institution_id": institution_id, "rule_id": rule_id, "previous_status": status}
                for institution_id, rule_id, status in result.history.vanished
            ],
        }
    if result.waivers is not None:
        extra["waivers"] = result.waivers.to_json()
    return extra


def write_csv(frame: pl.DataFrame, path: Path) -> None:
    """UTF-8 with BOM so Excel shows Chinese; text cells that look like formulas neutralised."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _neutralised(frame).write_csv(path, include_bom=True)


def csv_text(frame: pl.DataFrame) -> str:
    """The CSV as text for another tool's pipe: no BOM, formulas neutralised all the same."""
    return _neutralised(frame).write_csv()


def _neutralised(frame: pl.DataFrame) -> pl.DataFrame:
    text_columns = [name for name, dtype in frame.schema.items() if dtype == pl.String()]
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(_FORMULA_START))
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name in text_columns
    )


def write_csv_atomically(frame: pl.DataFrame, path: Path) -> None:
    """Write a CSV beside its final place and rename it there, so no half file is left."""
    path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        write_csv(frame, Path(staging))
        os.replace(staging, path)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise


def exception_path(institution_id: str, rule_id: str) -> str:
    return f"exceptions/{safe_filename(institution_id)}/{rule_id}.csv"


def _write_exceptions(result: CheckResult, staging: Path) -> dict[tuple[str, str], str]:
    paths = {}
    for (institution_id, rule_id), rows in result.exceptions.items():
        relative = exception_path(institution_id, rule_id)
        write_csv(rows, staging / relative)
        paths[(institution_id, rule_id)] = relative
    return paths


def _swap_into_place(staging: Path, out_dir: Path) -> None:
    if out_dir.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
        out_dir.rename(retired / out_dir.name)
        staging.rename(out_dir)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        staging.rename(out_dir)
