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

from checker.errors import InputError
from checker.pause import pause_point

SCHEMA_VERSION = 1

# Each schema version's steps, applied in order to bring an older file up to date.
_MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        """CREATE TABLE runs (
            run_id VARCHAR NOT NULL,
            as_of_date DATE NOT NULL,
            profile VARCHAR NOT NULL,
            started_at VARCHAR NOT NULL,
            recorded_at TIMESTAMP NOT NULL,
            tool_version VARCHAR NOT NULL,
            rows_rejected BIGINT NOT NULL,
            timings VARCHAR NOT NULL)""",
        """CREATE TABLE run_rules (
            run_id VARCHAR NOT NULL,
            rule_id VARCHAR NOT NULL,
            rule_version INTEGER NOT NULL,
            parameters VARCHAR NOT NULL)""",
        """CREATE TABLE run_inputs (
            run_id VARCHAR NOT NULL,
            table_name VARCHAR NOT NULL,
            path VARCHAR NOT NULL,
            size_bytes BIGINT NOT NULL,
            sha256 VARCHAR NOT NULL,
            rows BIGINT NOT NULL,
            rows_rejected BIGINT NOT NULL)""",
        """CREATE TABLE findings (
            run_id VARCHAR NOT NULL,
            institution_id VARCHAR NOT NULL,
            institution_name VARCHAR,
            rule_id VARCHAR NOT NULL,
            rule_version INTEGER NOT NULL,
            status VARCHAR NOT NULL,
            original_status VARCHAR NOT NULL,
            metric DOUBLE,
            threshold DOUBLE,
            unit VARCHAR,
            exceptions BIGINT NOT NULL,
            change_mark VARCHAR,
            since DATE,
            waiver_reference VARCHAR,
            message VARCHAR,
            parameters VARCHAR NOT NULL)""",
        """CREATE TABLE run_audit (
            recorded_at TIMESTAMP NOT NULL,
            as_of_date DATE NOT NULL,
            profile VARCHAR NOT NULL,
            run_id VARCHAR NOT NULL,
            action VARCHAR NOT NULL,
            replaced_run_id VARCHAR)""",
    ),
}

_FINDING_SCHEMA = {
    "run_id": pl.String(),
    "institution_id": pl.String(),
    "institution_name": pl.String(),
    "rule_id": pl.String(),
    "rule_version": pl.Int32(),
    "status": pl.String(),
    "original_status": pl.String(),
    "metric": pl.Float64(),
    "threshold": pl.Float64(),
    "unit": pl.String(),
    "exceptions": pl.Int64(),
    "change_mark": pl.String(),
    "since": pl.Date(),
    "waiver_reference": pl.String(),
    "message": pl.String(),
    "parameters": pl.String(),
}


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
            self._append("run_rules", _rules_frame(run_id, result))
            self._append("run_inputs", _inputs_frame(run_id, result))
            self._append("findings", _findings_frame(run_id, result))
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
        detail = _first_line(error)
        # A check run holds the file open for writing; DuckDB then refuses readers.
        key = "history_busy" if "lock" in detail.lower() else "history_unreadable"
        raise InputError(str(path), key, detail=detail) from None
    try:
        version = _schema_version(connection)
        if version > SCHEMA_VERSION:
            raise InputError(str(path), "history_too_new", found=version, supported=SCHEMA_VERSION)
        if version < SCHEMA_VERSION:
            if read_only:
                raise InputError(str(path), "history_old", found=version, supported=SCHEMA_VERSION)
            _migrate(connection, version)
        yield History(connection, path)
    finally:
        connection.close()


def _schema_version(connection: duckdb.DuckDBPyConnection) -> int:
    has_meta = connection.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"
    ).fetchall()[0][0]
    if not has_meta:
        return 0
    # DuckDB wants every result read to its end before the next statement: fetchall.
    rows = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
    return int(rows[0][0]) if rows else 0


def _migrate(connection: duckdb.DuckDBPyConnection, version: int) -> None:
    connection.begin()
    try:
        connection.execute(
            "CREATE TABLE IF NOT EXISTS meta (key VARCHAR NOT NULL, value VARCHAR NOT NULL)"
        )
        for step in range(version + 1, SCHEMA_VERSION + 1):
            for statement in _MIGRATIONS[step]:
                connection.execute(statement)
        connection.execute("DELETE FROM meta WHERE key = 'schema_version'")
        connection.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
        connection.commit()
    except BaseException:
        connection.rollback()
        raise


def _rules_frame(run_id: str, result) -> pl.DataFrame:
    parameters = _parameters_by_rule(result)
    return pl.DataFrame(
        {
            "run_id": [run_id] * len(result.rules),
            "rule_id": [rule.id for rule in result.rules],
            "rule_version": [rule.version for rule in result.rules],
            "parameters": [
                json.dumps(
                    parameters.get(rule.id, {}), ensure_ascii=False, sort_keys=True, default=str
                )
                for rule in result.rules
            ],
        },
        schema={
            "run_id": pl.String(),
            "rule_id": pl.String(),
            "rule_version": pl.Int32(),
            "parameters": pl.String(),
        },
    )


def _parameters_by_rule(result) -> dict[str, dict]:
    """The parameter values a rule was judged with on the as-of date (the same for every
    institution), else the rule file's defaults."""
    chosen = {f.rule_id: f.parameters for f in result.findings if f.parameters}
    for rule in result.rules:
        chosen.setdefault(
            rule.id, {name: spec.get("default") for name, spec in rule.parameters.items()}
        )
    return chosen


def _inputs_frame(run_id: str, result) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "run_id": run_id,
                "table_name": i.table,
                "path": i.path,
                "size_bytes": i.size_bytes,
                "sha256": i.sha256,
                "rows": i.rows,
                "rows_rejected": i.rows_rejected,
            }
            for i in result.inputs
        ],
        schema={
            "run_id": pl.String(),
            "table_name": pl.String(),
            "path": pl.String(),
            "size_bytes": pl.Int64(),
            "sha256": pl.String(),
            "rows": pl.Int64(),
            "rows_rejected": pl.Int64(),
        },
    )


def _findings_frame(run_id: str, result) -> pl.DataFrame:
    rows = []
    for f in result.findings:
        change = f.change or {}
        rows.append(
            {
                "run_id": run_id,
                "institution_id": f.institution_id,
                "institution_name": f.institution_name,
                "rule_id": f.rule_id,
                "rule_version": f.rule_version,
                "status": f.status,
                "original_status": f.original_status,
                "metric": f.metric,
                "threshold": f.threshold,
                "unit": f.unit,
                "exceptions": f.exceptions,
                "change_mark": change.get("mark"),
                "since": dt.date.fromisoformat(change["since"]) if change.get("since") else None,
                "waiver_reference": f.waiver["reference"] if f.waiver else None,
                "message": f.message,
                "parameters": json.dumps(
                    f.parameters, ensure_ascii=False, sort_keys=True, default=str
                ),
            }
        )
    return pl.DataFrame(rows, schema=_FINDING_SCHEMA)


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
