"""Check typed rows against their specs with pandera, and split clean rows from rejected.

The pandera schema is built from the YAML spec (schemas.py). It runs on an eager polars
DataFrame with validation depth SCHEMA_AND_DATA, so the value checks (ranges,
enumerations, date order) really read the data; on a LazyFrame pandera would check only
the column types. pandera runs the checks that look at one row at a time, a batch at a
time (check_rows); uniqueness and references need the whole table and run in DuckDB
(table_checks.py).

A row that fails any check is rejected whole and listed once per failed check, with a
stable check code (see checker/messages.py for the words); it takes no part in the
measures. Every row read is either clean or rejected.
"""

from dataclasses import dataclass

import pandera.polars as pa
import polars as pl
from pandera.config import ValidationDepth, config_context

from checker.load import ROW, RawTable
from checker.parse import REJECTION_SCHEMA, parse_table
from checker.schemas import ColumnSpec, CommonSpellings, TableSpec
from checker.store import Store
from checker.table_checks import check_whole_table, keys_as_written

# pandera's check names -> our check codes
_CHECK_CODES = {
    "not_nullable": "required",
    "isin": "one_of",
    "greater_than_or_equal_to": "min",
    "less_than_or_equal_to": "max",
    "str_matches": "pattern",
    "not_before": "not_before",
}


@dataclass
class RowChecks:
    """One batch after the checks that look at one row at a time."""

    typed: pl.DataFrame  # source_row plus every spec column, typed; rejected rows included
    rejections: pl.DataFrame  # broken records, cells of the wrong type, failed value checks
    type_cells: pl.DataFrame  # row, column of the cells of the wrong type
    blank_rows: int  # rows with no cell filled: no data, set aside and counted
    untouched: bool  # the typed rows are the file's own, unchanged (parse.py)


@dataclass
class CheckedTable:
    """One table checked whole in memory (check_table); the pipeline streams (staging.py)."""

    raw: RawTable
    clean: pl.DataFrame  # typed rows that passed every check
    rejections: pl.DataFrame  # file, row, column, check, value
    blank_rows: int = 0  # rows with no cell filled: no data, set aside and counted

    @property
    def rows(self) -> int:
        """Rows read that hold data: rows checked + rows rejected."""
        return self.raw.rows - self.blank_rows

    @property
    def rows_rejected(self) -> int:
        return self.rejections.get_column("row").n_unique()


def check_rows(
    raw: RawTable,
    common: CommonSpellings,
    amount_unit: str = "yuan",
    schema: pa.DataFrameSchema | None = None,
) -> RowChecks:
    """Parse a batch and run every check that looks at one row: all but uniqueness.

    Rows with a cell of the wrong type still go through the value checks (that cell then
    reads as empty), so a row's every problem is listed. The empty-cell complaint about a
    cell that was already listed as the wrong type is dropped as noise. `schema` is
    row_schema(spec), built once per table by a caller that checks many batches.
    """
    parsed = parse_table(raw, common, amount_unit)
    typed, type_rejections = parsed.typed, parsed.rejections
    type_cells = type_rejections.select("row", "column")
    schema = schema if schema is not None else row_schema(raw.spec)
    value_rejections = _run_pandera(schema, typed, raw).join(
        type_cells, on=["row", "column"], how="anti"
    )
    rejections = pl.concat([_broken_rows(raw), type_rejections, value_rejections])
    return RowChecks(typed, rejections, type_cells, parsed.blank_rows, parsed.untouched)


def check_table(raw: RawTable, common: CommonSpellings, amount_unit: str = "yuan") -> CheckedTable:
    """Check one whole table in memory, with the same row and table-wide checks as a run.

    A duplicate key is caught even when its twin has a typo elsewhere: uniqueness is
    judged over every typed row (table_checks.py)."""
    rows = check_rows(raw, common, amount_unit)
    with Store() as store:
        store.create_table(raw.spec)
        store.append(raw.spec, rows.typed, keys_as_written(raw))
        store.seal(raw.spec)
        rejected = check_whole_table(store, raw.spec, raw.file, [rows.rejections], rows.type_cells)
        clean = store.frame(raw.spec.name)
    return CheckedTable(raw, clean, rejected, rows.blank_rows)


def build_schema(spec: TableSpec) -> pa.DataFrameSchema:
    """The whole spec as a pandera schema, uniqueness included (what an extract must be)."""
    return _schema(spec, unique=list(spec.unique) or None)


def row_schema(spec: TableSpec) -> pa.DataFrameSchema:
    """The spec's checks that look at one row at a time: every check but uniqueness, which
    table_checks.py judges over the whole table, so a table can be checked in batches."""
    return _schema(spec, unique=None)


def _schema(spec: TableSpec, unique: list[str] | None) -> pa.DataFrameSchema:
    columns = {
        c.name: pa.Column(c.dtype, checks=_checks(c), nullable=c.nullable) for c in spec.columns
    }
    return pa.DataFrameSchema(columns, unique=unique, report_duplicates="all", name=spec.name)


def _checks(column: ColumnSpec) -> list[pa.Check]:
    checks = []
    if column.values:
        checks.append(pa.Check.isin(column.values))
    if column.min is not None:
        checks.append(pa.Check.ge(column.min))
    if column.max is not None:
        checks.append(pa.Check.le(column.max))
    if column.pattern:
        checks.append(pa.Check.str_matches(column.pattern))
    if column.not_before:
        checks.append(_not_before(column.not_before))
    return checks


def _not_before(earlier: str) -> pa.Check:
    def in_order(data: pa.PolarsData) -> pl.LazyFrame:
        later = pl.col(data.key)
        return data.lazyframe.select(
            later.is_null() | pl.col(earlier).is_null() | (later >= pl.col(earlier))
        )

    return pa.Check(in_order, name="not_before")


def _run_pandera(schema: pa.DataFrameSchema, typed: pl.DataFrame, raw: RawTable) -> pl.DataFrame:
    try:
        with config_context(validation_depth=ValidationDepth.SCHEMA_AND_DATA):
            schema.validate(typed, lazy=True)
    except pa.errors.SchemaErrors as errors:
        return _to_rejections(errors.failure_cases, typed, raw)
    return pl.DataFrame(schema=REJECTION_SCHEMA)


def _to_rejections(cases: pl.DataFrame, typed: pl.DataFrame, raw: RawTable) -> pl.DataFrame:
    """pandera's failure cases as rejections, with each value as the file wrote it.

    pandera's index is a position in `typed`; its source_row finds the text in raw.frame.
    Only the failing rows are taken from raw.frame (a semi-join of the whole frame cost
    17 s and a full copy at 10M loans).
    """
    cases = cases.filter(pl.col("index").is_not_null())
    rows = typed.get_column(ROW).gather(cases.get_column("index")).to_list()
    failing = raw.frame.filter(
        pl.col(ROW).is_in(pl.Series(rows, dtype=pl.Int64).unique().implode())
    )
    position = {row: i for i, row in enumerate(failing.get_column(ROW).to_list())}
    cells = {name: failing.get_column(name).to_list() for name in failing.columns}
    records = []
    for row, check, column in zip(
        rows, cases.get_column("check").to_list(), cases.get_column("column").to_list(), strict=True
    ):
        at = position[row]
        code = _CHECK_CODES.get(check.split("(")[0], check)
        value = cells[column][at] if column in cells else None
        value = None if value is None else str(value)  # Parquet cells may be typed
        records.append((raw.file, row, column, code, value))
    return pl.DataFrame(records, schema=REJECTION_SCHEMA, orient="row")


def _broken_rows(raw: RawTable) -> pl.DataFrame:
    records = [(raw.file, row, "", "field_count", str(fields)) for row, fields in raw.broken_rows]
    return pl.DataFrame(records, schema=REJECTION_SCHEMA, orient="row")
