"""Turn the text cells of a table into the types its spec declares.

A cell that has text but cannot be read as its type becomes a rejection (file, row,
column, check, value); it is never silently turned into a missing value. Empty cells and
surrounding spaces count as missing. Columns a spec marks optional and the file lacks are
added as empty, so every table reaches the rules with the same columns.
"""

import polars as pl

from checker.load import ROW, RawTable
from checker.schemas import ColumnSpec

REJECTION_SCHEMA = {
    "file": pl.String(),
    "row": pl.Int64(),
    "column": pl.String(),
    "check": pl.String(),
    "value": pl.String(),
}
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}
_TYPE_CHECK = {
    "float": "not a number",
    "int": "not a whole number",
    "date": "not a date (YYYY-MM-DD)",
    "bool": "not true/false/1/0",
}


def parse_table(raw: RawTable) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return (typed frame with every spec column, rejections for cells of the wrong type)."""
    frame = raw.frame
    texts, typed = {}, {}
    for spec in raw.spec.columns:
        if spec.name not in frame.columns:
            typed[spec.name] = pl.lit(None, dtype=spec.dtype).alias(spec.name)
            continue
        source = frame.schema[spec.name]
        if source == spec.dtype and source != pl.String():
            typed[spec.name] = pl.col(spec.name)
            continue
        text = _as_text(spec.name, source)
        texts[spec.name] = text
        typed[spec.name] = _parse(text, spec).alias(spec.name)
    result = frame.select(pl.col(ROW), *typed.values())
    return result, _rejections(raw, frame, result, texts)


def _as_text(name: str, source: pl.DataType) -> pl.Expr:
    text = pl.col(name) if source == pl.String() else pl.col(name).cast(pl.String)
    text = text.str.strip_chars()
    return pl.when(text == "").then(None).otherwise(text)


def _parse(text: pl.Expr, spec: ColumnSpec) -> pl.Expr:
    match spec.type:
        case "float":
            number = text.cast(pl.Float64, strict=False)
            return pl.when(number.is_finite()).then(number)
        case "int":
            return text.cast(pl.Int64, strict=False)
        case "date":
            return text.str.to_date("%Y-%m-%d", strict=False)
        case "bool":
            return text.str.to_lowercase().replace_strict(
                _BOOLEANS, default=None, return_dtype=pl.Boolean
            )
        case _:
            return text


def _rejections(
    raw: RawTable, source: pl.DataFrame, typed: pl.DataFrame, texts: dict[str, pl.Expr]
) -> pl.DataFrame:
    parts = []
    for name, text in texts.items():
        spec_type = next(c.type for c in raw.spec.columns if c.name == name)
        if spec_type not in _TYPE_CHECK:
            continue
        failed = source.select(
            pl.col(ROW), text.alias("value"), typed.get_column(name).is_null().alias("is_null")
        ).filter(pl.col("value").is_not_null() & pl.col("is_null"))
        if failed.height:
            parts.append(
                failed.select(
                    pl.lit(raw.file).alias("file"),
                    pl.col(ROW).alias("row"),
                    pl.lit(name).alias("column"),
                    pl.lit(_TYPE_CHECK[spec_type]).alias("check"),
                    pl.col("value"),
                )
            )
    if not parts:
        return pl.DataFrame(schema=REJECTION_SCHEMA)
    return pl.concat(parts).cast(REJECTION_SCHEMA)
