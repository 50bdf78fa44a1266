"""Turn the text cells of a table into the types its spec declares.

What a cell may say (schemas/*.yaml and schemas/common.yaml): enumerations in English
or Chinese (次级 -> substandard); booleans as true/false, 1/0, 是/否, Y/N; dates as
2025-09-30, 20250930, 2025/9/30, 2025年9月30日, an Excel date-time at midnight or an Excel
serial number; numbers with thousands separators, full-width digits, a currency sign or
a trailing %. Amounts in 万元 are multiplied by 10,000 (and rounded to the fen) before
any check.

A cell that has text but cannot be read as its type becomes a rejection (file, row,
column, check code, value); it is never silently turned into a missing value. Empty
cells and surrounding spaces count as missing. Optional columns the file lacks are added
as empty, so every table reaches the rules with the same columns.
"""

import datetime as dt
import re
import unicodedata

import polars as pl

from checker.load import ROW, RawTable
from checker.schemas import ColumnSpec, CommonSpellings, normalise

REJECTION_SCHEMA = {
    "file": pl.String(),
    "row": pl.Int64(),
    "column": pl.String(),
    "check": pl.String(),
    "value": pl.String(),
}
AMOUNT_UNITS = {"yuan": 1, "wan": 10_000}
_TYPE_CHECK = {
    "float": "not_a_number",
    "int": "not_a_whole_number",
    "date": "not_a_date",
    "bool": "not_a_boolean",
}
_NUMBER_NOISE = r"[,\s¥元%]"
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_SERIAL = re.compile(r"^\d{5}(\.0+)?$")
_MIDNIGHT = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})[ T]00:00(:00(\.0+)?)?$")


def parse_table(
    raw: RawTable, common: CommonSpellings, amount_unit: str = "yuan"
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return (typed frame with every spec column, rejections for cells of the wrong type)."""
    frame = raw.frame
    typed, checked = {}, []
    for spec in raw.spec.columns:
        if spec.name not in frame.columns:
            typed[spec.name] = pl.lit(None, dtype=spec.dtype).alias(spec.name)
            continue
        source = frame.schema[spec.name]
        if source == spec.dtype and source != pl.String():
            typed[spec.name] = _in_unit(pl.col(spec.name), spec, amount_unit)
            continue
        text = _as_text(frame.get_column(spec.name))
        frame = frame.with_columns(text)
        parsed = _parse(text, spec, common)
        typed[spec.name] = _in_unit(pl.lit(parsed), spec, amount_unit).alias(spec.name)
        if spec.type in _TYPE_CHECK:
            checked.append((spec, parsed))
    result = frame.select(pl.col(ROW), *typed.values())
    return result, _rejections(raw.file, frame, checked)


def _as_text(column: pl.Series) -> pl.Series:
    text = column if column.dtype == pl.String() else column.cast(pl.String)
    text = text.str.strip_chars()
    return text.set(text == "", None)


def _parse(text: pl.Series, spec: ColumnSpec, common: CommonSpellings) -> pl.Series:
    match spec.type:
        case "float":
            return _number(text, pl.Float64)
        case "int":
            return _whole_number(text)
        case "date":
            return _by_distinct_value(text, lambda v: _date(v, common.date_formats), pl.Date)
        case "bool":
            return _by_distinct_value(text, lambda v: common.booleans.get(normalise(v)), pl.Boolean)
        case "enum":
            return _by_distinct_value(
                text, lambda v: spec.spellings.get(normalise(v), v), pl.String
            )
        case _:
            return text


def _number(text: pl.Series, dtype) -> pl.Series:
    number = text.cast(dtype, strict=False)
    unread = number.is_null() & text.is_not_null()
    if unread.any():  # only dirty columns pay for the clean-up
        cleaned = text.str.normalize("NFKC").str.replace_all(_NUMBER_NOISE, "")
        number = number.fill_null(cleaned.cast(dtype, strict=False))
    if dtype == pl.Float64:
        number = number.set(~number.is_finite(), None)
    return number


def _whole_number(text: pl.Series) -> pl.Series:
    number = _number(text, pl.Float64)
    whole = number.round(0)
    return whole.set(whole != number, None).cast(pl.Int64, strict=False)


def _by_distinct_value(text: pl.Series, read, dtype) -> pl.Series:
    """Read each distinct text once: enumerations, flags and dates repeat a lot."""
    distinct = text.drop_nulls().unique()
    mapping = {value: read(value) for value in distinct.to_list()}
    return text.replace_strict(mapping, default=None, return_dtype=dtype)


def _date(value: str, formats: tuple[str, ...]) -> dt.date | None:
    value = unicodedata.normalize("NFKC", value).strip()
    if _EXCEL_SERIAL.match(value):
        return _EXCEL_EPOCH + dt.timedelta(days=int(float(value)))
    midnight = _MIDNIGHT.match(value)
    if midnight:
        value = midnight.group(1)
    for form in formats:
        try:
            return dt.datetime.strptime(value, form).date()
        except ValueError:
            continue
    return None


def _in_unit(expression: pl.Expr, spec: ColumnSpec, amount_unit: str) -> pl.Expr:
    factor = AMOUNT_UNITS[amount_unit]
    if not spec.amount or factor == 1:
        return expression
    return (expression * factor).round(2)


def _rejections(file: str, frame: pl.DataFrame, checked: list) -> pl.DataFrame:
    parts = []
    for spec, parsed in checked:
        failed = frame.select(pl.col(ROW), pl.col(spec.name).alias("value")).filter(
            pl.col("value").is_not_null() & parsed.is_null()
        )
        if failed.height:
            parts.append(
                failed.select(
                    pl.lit(file).alias("file"),
                    pl.col(ROW).alias("row"),
                    pl.lit(spec.name).alias("column"),
                    pl.lit(_TYPE_CHECK[spec.type]).alias("check"),
                    pl.col("value"),
                )
            )
    if not parts:
        return pl.DataFrame(schema=REJECTION_SCHEMA)
    return pl.concat(parts).cast(REJECTION_SCHEMA)
