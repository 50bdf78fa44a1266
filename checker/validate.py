"""Check typed tables against their specs with pandera, and split clean rows from rejected.

The pandera schema is built from the YAML spec (schemas.py). It runs on an eager polars
DataFrame with validation depth SCHEMA_AND_DATA, so the value checks (ranges,
enumerations, uniqueness, date order) really read the data; on a LazyFrame pandera would
check only the column types.

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

# pandera's check names -> our check codes
_CHECK_CODES = {
    "not_nullable": "required",
    "isin": "one_of",
    "greater_than_or_equal_to": "min",
    "less_than_or_equal_to": "max",
    "str_matches": "pattern",
    "not_before": "not_before",
    "multiple_fields_uniqueness": "unique",
}


@dataclass
class CheckedTable:
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


def check_table(
    raw: RawTable,
    common: CommonSpellings,
    amount_unit: str = "yuan",
    referenced: pl.DataFrame | None = None,
) -> CheckedTable:
    """Parse and validate one table; `referenced` is the clean table its keys must exist in.

    Rows with a cell of the wrong type still go through the value checks (that cell then
    reads as empty), so a row's every problem is listed, and a duplicate key is caught
    even when its twin has a typo elsewhere. The empty-cell complaint about a cell that
    was already listed as the wrong type is dropped as noise.
    """
    parsed = parse_table(raw, common, amount_unit)
    typed, type_rejections = parsed.typed, parsed.rejections
    value_rejections = _run_pandera(build_schema(raw.spec), typed, raw).join(
        type_rejections.select("row", "column"), on=["row", "column"], how="anti"
    )
    rejections = [_broken_rows(raw), type_rejections, value_rejections]
    if referenced is not None and raw.spec.references:
        rejections.append(_missing_references(raw, typed, referenced))
    rejected = pl.concat(rejections).sort("row", "column")
    clean = _without_rows(typed, rejected) if rejected.height else typed
    return CheckedTable(raw, clean, rejected, parsed.blank_rows)


def build_schema(spec: TableSpec) -> pa.DataFrameSchema:
    columns = {
        c.name: pa.Column(c.dtype, checks=_checks(c), nullable=c.nullable) for c in spec.columns
    }
    return pa.DataFrameSchema(
        columns, unique=list(spec.unique) or None, report_duplicates="all", name=spec.name
    )


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
    key = list(raw.spec.unique)
    records = []
    for row, check, column in zip(
        rows, cases.get_column("check").to_list(), cases.get_column("column").to_list(), strict=True
    ):
        at = position[row]
        code = _CHECK_CODES.get(check.split("(")[0], check)
        if code == "unique":
            column = "+".join(key)
            value = "/".join(str(cells[c][at]) for c in key)
        else:
            value = cells[column][at] if column in cells else None
            value = None if value is None else str(value)  # Parquet cells may be typed
        records.append((raw.file, row, column, code, value))
    return pl.DataFrame(records, schema=REJECTION_SCHEMA, orient="row")


def _broken_rows(raw: RawTable) -> pl.DataFrame:
    records = [(raw.file, row, "", "field_count", str(fields)) for row, fields in raw.broken_rows]
    return pl.DataFrame(records, schema=REJECTION_SCHEMA, orient="row")


def _without_rows(frame: pl.DataFrame, rejections: pl.DataFrame) -> pl.DataFrame:
    # A filter keeps the frame's order and, unlike an anti-join, gathers no index first.
    return frame.filter(~pl.col(ROW).is_in(rejections.get_column("row").unique().implode()))


def _missing_references(
    raw: RawTable, typed: pl.DataFrame, referenced: pl.DataFrame
) -> pl.DataFrame:
    keys = raw.spec.references["columns"]
    # No unique() of the referenced keys first: an anti-join does not care about repeats.
    orphans = typed.join(referenced.select(keys), on=keys, how="anti", nulls_equal=False)
    return orphans.select(
        pl.lit(raw.file).alias("file"),
        pl.col(ROW).alias("row"),
        pl.lit("+".join(keys)).alias("column"),
        pl.lit("reference").alias("check"),
        pl.concat_str([pl.col(k).cast(pl.String) for k in keys], separator="/").alias("value"),
    ).cast(REJECTION_SCHEMA)
