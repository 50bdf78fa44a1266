"""One check run: load -> validate -> rules, returning plain data for output and render.

No file is written here; output.py writes what this returns.
"""

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from checker import __version__
from checker.engine import RuleEngine
from checker.errors import InputError
from checker.explain import explain
from checker.findings import Finding
from checker.load import ReadOptions, find_tables, open_table
from checker.parse import REJECTION_SCHEMA
from checker.pause import pause_point
from checker.progress import NO_PROGRESS, Progress
from checker.rules import Rule, load_definitions, load_profile, load_rule_set, rules_to_run
from checker.schemas import SchemaSet, TableSpec, load_schemas
from checker.staging import StagedTable, stage_table
from checker.store import Store

if TYPE_CHECKING:
    from checker.changes import HistoryView
    from checker.waivers import WaiverOutcome


@dataclass
class InputSummary:
    table: str
    path: str
    sha256: str
    size_bytes: int
    rows: int
    rows_checked: int
    rows_rejected: int
    blank_rows_skipped: int
    ignored_columns: list[str]


@dataclass
class CheckResult:
    as_of_date: str | None
    profile: str
    started_at: str
    tool_version: str
    inputs: list[InputSummary]
    rejections: pl.DataFrame
    rules: list[Rule]
    findings: list[Finding]
    exceptions: dict[tuple[str, str], pl.DataFrame]  # (institution_id, rule_id) -> rows
    timings: dict[str, float] = field(default_factory=dict)
    # For a run that keeps a history (checker/nightly.py): the comparison with the previous
    # as-of date and the metric trends; and the waivers applied or refused.
    history: "HistoryView | None" = None
    waivers: "WaiverOutcome | None" = None

    @property
    def rows_rejected(self) -> int:
        return sum(i.rows_rejected for i in self.inputs)


@dataclass
class ValidatedExtract:
    """What loading and validation leave: the checked tables and every rejection, explained."""

    tables: dict[str, StagedTable]
    rejections: pl.DataFrame  # file, row, column, check, value, message
    as_of_date: str | None
    store: Store  # the clean tables, named as the rules read them

    @property
    def inputs(self) -> list[InputSummary]:
        return [_summary(table) for table in self.tables.values()]


def load_and_validate(
    extract_dir: Path,
    schemas: SchemaSet,
    options: ReadOptions | None = None,
    amount_unit: str = "yuan",
    lang: str = "zh",
    progress: Progress = NO_PROGRESS,
    *,
    store: Store,
) -> ValidatedExtract:
    """Open every table before checking any, so an unusable file stops the run early; then
    check each into `store`.

    Every table of the schemas is created in the store, an absent optional one empty, so
    the rules find the same tables whatever the extract has. loans is checked first: the
    other tables' references need its clean rows."""
    files = find_tables(extract_dir, schemas)
    opened = {}
    for name, path in files.items():
        progress.stage(f"read {path.name}")
        opened[name] = open_table(schemas[name], path, options)
        progress.advance(opened[name].rows_expected or 0)
    for spec in schemas:
        store.create_table(spec)
    staged = {}
    for name in ["loans", *(name for name in opened if name != "loans")]:
        table = opened[name]
        progress.stage(f"validate {table.file}", table.rows_expected)
        try:
            staged[name] = stage_table(store, table, schemas.common, amount_unit, progress)
        finally:
            table.close()  # a transcoded CSV's UTF-8 copy, no longer needed
    rejections = pl.concat([t.rejections for t in staged.values()]).cast(REJECTION_SCHEMA)
    by_file = {table.file: table for table in opened.values()}
    explained = explain(rejections, by_file, schemas, lang)
    as_of_date = _as_of_date(store, schemas["loans"], staged["loans"])
    return ValidatedExtract(tables=staged, rejections=explained, as_of_date=as_of_date, store=store)


def run_check(
    extract_dir: Path,
    profile: str = "national",
    lang: str = "zh",
    threads: int | None = None,
    options: ReadOptions | None = None,
    amount_unit: str = "yuan",
    memory_limit: str | None = None,
    rules_dirs: tuple[Path, ...] = (),
    progress: Progress = NO_PROGRESS,
) -> CheckResult:
    started_at = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    rule_set = load_rule_set(rules_dirs)
    rules = rules_to_run(load_profile(profile, rule_set.rules, rule_set.folders), rule_set)
    definitions = load_definitions()
    schemas = load_schemas()

    # The checked tables live in a database file of the run's own, under the memory limit,
    # until the rules are done; the file goes with the store, whatever happens.
    with Store(memory_limit=memory_limit, threads=threads) as store:
        extract = load_and_validate(
            extract_dir, schemas, options, amount_unit, lang, progress, store=store
        )
        timings["load_and_validate"] = time.perf_counter() - clock

        clock = time.perf_counter()
        engine = RuleEngine(
            store.connection,
            set(extract.tables),
            definitions,
            lang=lang,
            as_of_date=dt.date.fromisoformat(extract.as_of_date) if extract.as_of_date else None,
        )
        findings, exceptions = [], {}
        pause_point("before-rules")
        progress.stage("rules", len(rules), unit="rules")
        for rule in rules:
            result = engine.run(rule)
            progress.advance(1)
            findings.extend(result.findings)
            exceptions.update({(sid, rule.id): rows for sid, rows in result.exceptions.items()})
        timings["rules"] = time.perf_counter() - clock
        _still_the_files_checked(extract)

    findings.sort(key=lambda f: (f.institution_id, [r.id for r in rules].index(f.rule_id)))
    return CheckResult(
        as_of_date=extract.as_of_date,
        profile=profile,
        started_at=started_at,
        tool_version=__version__,
        inputs=extract.inputs,
        rejections=extract.rejections,
        rules=rules,
        findings=findings,
        exceptions=exceptions,
        timings=timings,
    )


def _still_the_files_checked(extract: ValidatedExtract) -> None:
    """The rules read Parquet rows in place (batch_files.py), after they were checked: had
    a file been rewritten meanwhile, they would have read rows nobody checked."""
    for table in extract.tables.values():
        if table.raw.changed_since_opened():
            raise InputError(table.raw.file, "changed_during_run")


def _as_of_date(store: Store, spec: TableSpec, loans: StagedTable) -> str | None:
    dates = store.distinct_values(spec, "as_of_date")
    if len(dates) > 1:
        shown = ", ".join(str(d) for d in dates[:5])
        raise InputError(loans.raw.file, "several_as_of_dates", dates=shown)
    return str(dates[0]) if dates else None


def _summary(table: StagedTable) -> InputSummary:
    return InputSummary(
        table=table.raw.spec.name,
        path=table.raw.file,
        sha256=table.raw.sha256,
        size_bytes=table.raw.path.stat().st_size,
        rows=table.rows,
        rows_checked=table.rows_checked,
        rows_rejected=table.rows_rejected,
        blank_rows_skipped=table.blank_rows,
        ignored_columns=table.raw.ignored_columns,
    )
