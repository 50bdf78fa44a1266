"""Turn the text cells of a table into the types its spec declares.

What a cell may say (schemas/*.yaml and schemas/common.yaml): enumerations in English
or Chinese (次级 -> substandard); booleans as true/false, 1/0, 是/否, Y/N; dates as
2025-09-30, 20250930, 2025/9/30, 2025年9月30日, an Excel date-time at midnight or an Excel
serial number; numbers with thousands separators, full-width digits, a currency sign or
a trailing %. Amounts in 万元 are multiplied by 10,000 (and rounded to the fen) before
any check.

A cell that has text but cannot be read as its type becomes a rejection (file, row,
column, check code, value); it is never silently turned into a missing value. Empty
cells and surrounding spaces count as missing; a row with no cell filled holds no data
and is set aside as blank (counted, not checked). Optional columns the file lacks are
added as empty, so every table reaches the rules with the same columns.

Speed: enumerations, flags and dates repeat a lot, so each distinct text is read once;
numbers are cast directly and only a column with unreadable cells pays for clean-up.
Columns a Parquet file already stores in the right type pass through untouched.
"""

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

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
    "enum": None,  # an unknown spelling is left as written for the one_of check
}
_NUMBER_NOISE = r"[,\s¥元%]"
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_SERIAL = re.compile(r"^\d{5}(\.0+)?$")
_MIDNIGHT = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})[ T]00:00(:00(\.0+)?)?$")


@dataclass
class ParsedTable:
    typed: pl.DataFrame  # source_row plus every spec column, typed; blank rows left out
    rejections: pl.DataFrame  # cells of the wrong type
    blank_rows: int
    # Every column the file has came through as the file holds it (already of its type,
    # clean, canonical, in yuan) and no row was blank: the typed rows are the file's own
    # rows, so a Parquet file's can be read where they lie rather than copied (store.py).
    untouched: bool = False


def parse_table(raw: RawTable, common: CommonSpellings, amount_unit: str = "yuan") -> ParsedTable:
    columns, failures = [], []
    untouched = True
    for spec in raw.spec.columns:
        if spec.name not in raw.frame.columns:
            columns.append(
                pl.repeat(None, raw.frame.height, dtype=spec.dtype, eager=True).alias(spec.name)
            )
            continue
        source = raw.frame.get_column(spec.name)
        if source.dtype == spec.dtype and source.dtype != pl.String():
            parsed = source
        else:
            text = source if source.dtype == pl.String() else source.cast(pl.String)
            parsed, failed = _parse(text, spec, common)
            if failed is not None:
                failures.append((spec, failed))
        in_unit = _in_unit(parsed, spec, amount_unit)
        # Each reading step hands back the very column it was given when it changed
        # nothing, so identity says "unchanged" without comparing a single cell.
        untouched = untouched and in_unit is source
        columns.append(in_unit.alias(spec.name))
    typed = pl.DataFrame([raw.frame.get_column(ROW), *columns])
    rejections = _rejections(raw, failures)
    blank = _blank(typed, raw.frame.columns, rejections)
    blank_rows = int(blank.sum())
    return ParsedTable(typed.filter(~blank), rejections, blank_rows, untouched and not blank_rows)


def _parse(text: pl.Series, spec: ColumnSpec, common: CommonSpellings):
    """(typed column, mask of cells that have text but are not of the type, or None)."""
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
            parsed, _ = _by_distinct_value(
                text, lambda v: spec.spellings.get(normalise(v), v), pl.String
            )
            return parsed, None
        case _:
            stripped = text.str.strip_chars()
            blank = stripped == ""
            if not blank.any() and stripped.str.len_bytes().equals(text.str.len_bytes()):
                return text, None  # already clean: keep the file's buffers, not a copy
            return stripped.set(blank, None), None


def _number(text: pl.Series, dtype):
    number = text.cast(dtype, strict=False)
    unread = number.is_null() & text.is_not_null()
    if not unread.any():
        return _finite(number), None
    cleaned = text.str.normalize("NFKC").str.replace_all(_NUMBER_NOISE, "")
    number = _finite(number.fill_null(cleaned.cast(dtype, strict=False)))
    return number, number.is_null() & (cleaned.fill_null("") != "")


def _finite(number: pl.Series) -> pl.Series:
    return number.set(~number.is_finite(), None) if number.dtype == pl.Float64 else number


def _whole_number(text: pl.Series):
    number, failed = _number(text, pl.Float64)
    whole = number.round(0)
    not_whole = whole != number
    if not_whole.any():
        failed = not_whole if failed is None else (failed | not_whole.fill_null(False))
    return whole.set(not_whole, None).cast(pl.Int64, strict=False), failed


def _by_distinct_value(text: pl.Series, read, dtype):
    """Read each distinct text once; blank text is missing, unreadable text fails."""
    mapping, unreadable = {}, []
    for value in text.drop_nulls().unique().to_list():
        result = None if not value.strip() else read(value)
        mapping[value] = result
        if result is None and value.strip():
            unreadable.append(value)
    failed = text.is_in(unreadable) if unreadable else None
    if dtype == pl.String() and all(key == value for key, value in mapping.items()):
        return text, failed  # already canonical, as a regulator's Parquet usually is
    return text.replace_strict(mapping, default=None, return_dtype=dtype), failed


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


def _in_unit(column: pl.Series, spec: ColumnSpec, amount_unit: str) -> pl.Series:
    factor = AMOUNT_UNITS[amount_unit]
    if not spec.amount or factor == 1:
        return column
    return (column * factor).round(2)


def _blank(typed: pl.DataFrame, present: list[str], rejections: pl.DataFrame) -> pl.Series:
    """Rows with no cell filled: every column the file has is missing and none failed."""
    columns = [c for c in present if c != ROW and c in typed.columns]
    if not columns:
        return pl.Series([False] * typed.height)
    empty = typed.select(pl.all_horizontal(pl.col(columns).is_null())).to_series()
    if rejections.height:
        empty = empty & ~typed.get_column(ROW).is_in(rejections.get_column("row").implode())
    return empty


def _rejections(raw: RawTable, failures: list) -> pl.DataFrame:
    parts = []
    for spec, failed in failures:
        if not failed.any():
            continue
        rows = raw.frame.filter(failed)
        parts.append(
            pl.DataFrame(
                {
                    "file": raw.file,
                    "row": rows.get_column(ROW),
                    "column": spec.name,
                    "check": _TYPE_CHECK[spec.type],
                    "value": rows.get_column(spec.name).cast(pl.String),
                }
            )
        )
    if not parts:
        return pl.DataFrame(schema=REJECTION_SCHEMA)
    return pl.concat(parts).cast(REJECTION_SCHEMA)
