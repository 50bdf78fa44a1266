"""The layout of the run history file (checker/history.py) and how an older file is
brought up to date: each schema version's steps, applied in order when a file is opened.
A new version adds a step here and raises SCHEMA_VERSION; a step never changes once
released, so any older file can be walked forward.
"""

import duckdb

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


def schema_version(connection: duckdb.DuckDBPyConnection) -> int:
    has_meta = connection.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"
    ).fetchall()[0][0]
    if not has_meta:
        return 0
    # DuckDB wants every result read to its end before the next statement: fetchall.
    rows = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
    return int(rows[0][0]) if rows else 0


def migrate(connection: duckdb.DuckDBPyConnection, version: int) -> None:
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
