"""The run history: every check run and its findings, kept in a DuckDB file.

One row per run in `runs` (as-of date, profile, start time, tool version, timings), what
it was judged with in `run_rules` (rule versions and parameters) and `run_inputs` (file
names, sizes, SHA-256), every finding with its metric in `findings`, and a line per
recording in `run_audit`. A run is keyed by (as-of date, profile): recording the same
pair again replaces the earlier record and says so in the audit (a re-run is idempotent).

Everything one run writes goes in one transaction, so a run killed at any moment leaves
the history as it was. Values are always bound or appended from Arrow, never formatted
into SQL. The schema carries a version in `meta`; an older file is migrated when opened,
a newer one is refused rather than misread.
"""

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from checker import history_rows
from checker.errors import InputError, first_line
from checker.history_schema import SCHEMA_VERSION, migrate, schema_version
from checker.pause import pause_point


@dataclass
class PreviousRun:
    """The latest recorded run of a profile before an as-of date, as the marks need it."""

    as_of_date: str
    # (institution_id, rule_id) -> (status before any waiver, start of its flagged streak)
    findings: dict[tuple[str, str], tuple[str, str | None]]


@dataclass
class Recorded:
    run_id: str
    replaced_run_id: str | None


class History:
    def __init__(self, connection: duckdb.DuckDBPyConnection, path: Path):
        self.connection = connection
        self.path = path

    def previous_run(self, profile: str, as_of_date: str) -> PreviousRun | None:
        row = self.connection.execute(
            "SELECT run_id, as_of_date FROM runs WHERE profile = ? AND as_of_date < ? "
            "ORDER BY as_of_date DESC LIMIT 1",
            [profile, dt.date.fromisoformat(as_of_date)],
        ).fetchall()
        if not row:
            return None
        row = row[0]
        rows = self.connection.execute(
            "SELECT institution_id, rule_id, original_status, since FROM findings WHERE run_id = ?",
            [row[0]],
        ).fetchall()
        return PreviousRun(
            as_of_date=row[1].isoformat(),
            findings={
                (i, r): (status, since.isoformat() if since else None)
                for i, r, status, since in rows
            },
        )

    def recent_metrics(self, profile: str, as_of_date: str, runs: int) -> pl.DataFrame:
        """institution_id, rule_id, as_of_date, metric, threshold of the last `runs` runs
        of the profile before the as-of date, oldest first."""
        return self._frame(
            """WITH recent AS (
                   SELECT run_id, as_of_date FROM runs
                   WHERE profile = ? AND as_of_date < ?
                   ORDER BY as_of_date DESC LIMIT ?)
               SELECT f.institution_id, f.rule_id, r.as_of_date, f.metric, f.threshold
               FROM findings f JOIN recent r USING (run_id)
               ORDER BY r.as_of_date""",
            [profile, dt.date.fromisoformat(as_of_date), runs],
        )

    def record(self, result) -> Recorded:
        """Record a run, replacing an earlier record of the same as-of date and profile,
        all in one transaction."""
        as_of = dt.date.fromisoformat(result.as_of_date)
        run_id = str(uuid.uuid4())
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
        db = self.connection
        db.begin()
        try:
            replaced = db.execute(
                "SELECT run_id FROM runs WHERE as_of_date = ? AND profile = ?",
                [as_of, result.profile],
            ).fetchall()
            for (old_run_id,) in replaced:
                for table in ("findings", "run_rules", "run_inputs", "runs"):
                    # Table names are constants of this module, never data.
                    db.execute(f"DELETE FROM {table} WHERE run_id = ?", [old_run_id])
            db.execute(
                "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    run_id,
                    as_of,
                    result.profile,
                    result.started_at,
                    now,
                    result.tool_version,
                    result.rows_rejected,
                    json.dumps(result.timings),
                ],
            )
            self._append("run_rules", history_rows.rules_frame(run_id, result))
            self._append("run_inputs", history_rows.inputs_frame(run_id, result))
            self._append("findings", history_rows.findings_frame(run_id, result))
            replaced_id = replaced[-1][0] if replaced else None
            db.execute(
                "INSERT INTO run_audit VALUES (?, ?, ?, ?, ?, ?)",
                [
                    now,
                    as_of,
                    result.profile,
                    run_id,
                    "rerun" if replaced else "recorded",
                    replaced_id,
                ],
            )
            pause_point("before-history-commit")
            db.commit()
        except BaseException:
            db.rollback()
            raise
        return Recorded(run_id, replaced_id)

    def runs(self, profile: str | None = None) -> pl.DataFrame:
        return self._frame(
            """SELECT r.as_of_date, r.profile, r.run_id, r.started_at, r.recorded_at,
                      r.tool_version,
                      (SELECT count(*) FROM run_audit a
                       WHERE a.as_of_date = r.as_of_date AND a.profile = r.profile
                         AND a.action = 'rerun') AS reruns,
                      count(f.rule_id) FILTER (WHERE f.status = 'breach') AS breaches,
                      count(f.rule_id) FILTER (WHERE f.status = 'warn') AS warnings,
                      count(f.rule_id) FILTER (WHERE f.status = 'waived') AS waived,
                      count(f.rule_id) AS findings
               FROM runs r LEFT JOIN findings f USING (run_id)
               WHERE ? IS NULL OR r.profile = ?
               GROUP BY ALL ORDER BY r.as_of_date, r.profile""",
            [profile, profile],
        )

    def findings(
        self,
        institution: str | None = None,
        rule: str | None = None,
        profile: str | None = None,
    ) -> pl.DataFrame:
        return self._frame(
            """SELECT r.as_of_date, r.profile, f.institution_id, f.institution_name,
                      f.rule_id, f.rule_version, f.status, f.original_status, f.metric,
                      f.threshold, f.unit, f.exceptions, f.change_mark, f.since,
                      f.waiver_reference, r.run_id
               FROM findings f JOIN runs r USING (run_id)
               WHERE (? IS NULL OR f.institution_id = ?) AND (? IS NULL OR f.rule_id = ?)
                 AND (? IS NULL OR r.profile = ?)
               ORDER BY r.as_of_date, r.profile, f.institution_id, f.rule_id""",
            [institution, institution, rule, rule, profile, profile],
        )

    def audit(self) -> pl.DataFrame:
        return self._frame("SELECT * FROM run_audit ORDER BY recorded_at, as_of_date, profile")

    def _frame(self, sql: str, params: list | None = None) -> pl.DataFrame:
        relation = self.connection.sql(sql, params=params)
        return pl.from_arrow(relation.to_arrow_table())

    def _append(self, table: str, frame: pl.DataFrame) -> None:
        """Insert a frame's rows by column name through Arrow: no value passes through SQL."""
        self.connection.register("incoming", frame.to_arrow())
        try:
            columns = ", ".join(frame.columns)
            # Table and column names are constants of this module, never data.
            self.connection.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM incoming"
            )
        finally:
            self.connection.unregister("incoming")


@contextmanager
def open_history(path: Path, read_only: bool = False) -> Iterator[History]:
    """Open (creating and migrating as needed) the history file; refuse a newer one."""
    path = Path(path)
    if read_only and not path.is_file():
        raise InputError(str(path), "history_missing")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        connection = duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as error:
        detail = first_line(error)
        # A check run holds the file open for writing; DuckDB then refuses readers.
        key = "history_busy" if "lock" in detail.lower() else "history_unreadable"
        raise InputError(str(path), key, detail=detail) from None
    try:
        version = schema_version(connection)
        if version > SCHEMA_VERSION:
            raise InputError(str(path), "history_too_new", found=version, supported=SCHEMA_VERSION)
        if version < SCHEMA_VERSION:
            if read_only:
                raise InputError(str(path), "history_old", found=version, supported=SCHEMA_VERSION)
            migrate(connection, version)
        yield History(connection, path)
    finally:
        connection.close()
