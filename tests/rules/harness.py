"""Run one rule on a few hand-written rows, through the real load, validation and engine."""

import csv
import datetime as dt
from pathlib import Path

import yaml

from checker.engine import RuleEngine, RuleResult
from checker.pipeline import load_and_validate
from checker.rules import Rule, load_definitions, load_rules
from checker.schemas import load_schemas
from checker.store import Store

HERE = Path(__file__).parent
DEFAULTS = yaml.safe_load((HERE / "defaults.yaml").read_text(encoding="utf-8"))
# The column that names an exception row, in order of preference.
ID_COLUMNS = ("contract_id", "loan_id", "borrower_id", "bucket")


def complete_row(table: str, row: dict) -> dict:
    full = {**DEFAULTS[table], **row}
    if table in ("loans", "baseline"):
        full.setdefault("borrower_id", f"C-{full['loan_id']}")
    return full


def write_extract(folder: Path, tables: dict[str, list[dict]]) -> None:
    schemas = load_schemas()
    for table, rows in tables.items():
        columns = schemas[table].column_names
        with (folder / f"{table}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="raise")
            writer.writeheader()
            for row in rows:
                full = complete_row(table, row)
                writer.writerow({c: _text(full.get(c)) for c in columns})


def run_rule(
    folder: Path, rule_id: str | Rule, tables: dict, parameters: dict | None = None
) -> RuleResult:
    """Run one rule (a built-in id, or a Rule loaded from elsewhere) on these rows."""
    write_extract(folder, tables)
    schemas = load_schemas()
    rule = load_rules()[rule_id] if isinstance(rule_id, str) else rule_id
    rule = rule.with_parameters(parameters or {})
    with Store() as store:  # the run's own store: rules read its tables as a run does
        extract = load_and_validate(folder, schemas, store=store)
        checked = extract.tables
        rejected = {n: t.rejections.height for n, t in checked.items() if t.rejections.height}
        assert not rejected, f"fixture rows were rejected: {rejected}"
        as_of = extract.as_of_date
        engine = RuleEngine(
            store.connection,
            set(checked),
            load_definitions(),
            lang="en",
            as_of_date=dt.date.fromisoformat(as_of) if as_of else None,
        )
        return engine.run(rule)


def exception_ids(result: RuleResult, institution_id: str) -> list[str]:
    rows = result.exceptions.get(institution_id)
    if rows is None:
        return []
    column = next(c for c in ID_COLUMNS if c in rows.columns)
    return sorted(rows.get_column(column).cast(str).to_list())


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
