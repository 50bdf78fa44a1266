"""Put a rejected row's problem in words a person can act on:
"loans.csv: column 贷款余额 (balance) row 1042: '12,3a4' is not a number"."""

import re

import polars as pl

from checker import messages
from checker.schemas import SchemaSet, TableSpec

# Stand-ins for a rejection's own row and value while a sentence is built once per
# (file, column, check); polars then puts each row's cells in their place. No template
# holds a NUL, so the stand-ins cannot meet real text.
_ROW, _VALUE = "\x00row\x00", "\x00value\x00"
_STAND_INS = re.compile(f"({re.escape(_ROW)}|{re.escape(_VALUE)})")


def explain(rejections: pl.DataFrame, tables: dict, schemas: SchemaSet, lang: str) -> pl.DataFrame:
    """Add a `message` column; `tables` maps file name -> RawTable (for the file's headers).

    The words depend on the file, column and check only, apart from the row and value:
    so each kind of problem is put in words once, not once per row (3M rejections took
    close to a minute one by one)."""
    if rejections.is_empty():
        return rejections.with_columns(message=pl.lit(None, pl.String))
    numbered = rejections.with_row_index("_order")
    explained = []
    for (file, column, check), group in numbered.group_by(
        ["file", "column", "check"], maintain_order=True
    ):
        record = {"file": file, "column": column, "check": check, "row": _ROW, "value": _VALUE}
        sentence = _sentence(record, tables.get(file), lang)
        explained.append(group.with_columns(message=_filled(sentence)))
    return pl.concat(explained).sort("_order").drop("_order")


def _filled(sentence: str) -> pl.Expr:
    """The sentence with each row's own row number and value in place of the stand-ins."""
    pieces = []
    for piece in _STAND_INS.split(sentence):
        if piece == _ROW:
            pieces.append(pl.col("row").cast(pl.String))
        elif piece == _VALUE:
            pieces.append(pl.col("value").fill_null(""))
        elif piece:
            pieces.append(pl.lit(piece))
    return pl.concat_str(pieces) if pieces else pl.lit("")


def _sentence(record: dict, raw, lang: str) -> str:
    spec: TableSpec | None = raw.spec if raw is not None else None
    column = record["column"]
    header, limit = column, ""
    if spec is not None and column in spec.column_names:
        column_spec = spec.column(column)
        header = _header(raw, column_spec)
        limit = _limit(record["check"], column_spec, raw)
    elif spec is not None and record["check"] == "reference":
        limit = spec.references["table"]
    elif raw is not None and record["check"] == "field_count":
        limit = raw.header_width
    problem = messages.text(
        record["check"], lang, value=record["value"], limit=limit, allowed=limit
    )
    if not column:
        return f"{record['file']}: {_row_word(lang, record['row'])}: {problem}"
    return messages.text(
        "row_problem", lang, file=record["file"], row=record["row"], header=header, problem=problem
    )


def _header(raw, column) -> str:
    """The header as the file wrote it, with the canonical name when they differ."""
    written = raw.headers.get(column.name, column.label)
    return written if written == column.name else f"{written} ({column.name})"


def _limit(check: str, column, raw):
    match check:
        case "one_of":
            return ", ".join(_with_chinese(column, value) for value in column.values)
        case "min":
            return f"{column.min:g}"
        case "max":
            return f"{column.max:g}"
        case "pattern":
            return column.pattern
        case "not_before":
            return _header(raw, raw.spec.column(column.not_before))
    return ""


def _with_chinese(column, value: str) -> str:
    chinese = next((s for s, v in column.spellings.items() if v == value and not s.isascii()), None)
    return f"{value}/{chinese}" if chinese else value


def _row_word(lang: str, row: int) -> str:
    return f"第 {row} 行" if lang == "zh" else f"row {row}"
