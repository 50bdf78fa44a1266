"""The table `loancheck validate` prints: problems grouped by file, column and check, with
counts, the first row numbers and one example in words."""

from pathlib import Path

import polars as pl

FIRST_ROWS = 5
_WORDS = {
    "zh": {
        "file": "{file}：读入 {rows:,} 行，通过 {checked:,} 行，拒收 {rejected:,} 行",
        "group": "  {column} · {check}：{count:,} 行（第 {rows} 行{more}）",
        "example": "      例：{message}",
        "clean": "全部数据通过校验。",
        "written": "拒收明细已写入 {path}",
    },
    "en": {
        "file": "{file}: {rows:,} rows read, {checked:,} checked, {rejected:,} rejected",
        "group": "  {column} · {check}: {count:,} rows (rows {rows}{more})",
        "example": "      e.g. {message}",
        "clean": "Every row passed validation.",
        "written": "Rejected rows written to {path}",
    },
}


def validation_report(extract, rejected_path: Path, lang: str) -> str:
    words = _WORDS[lang]
    lines = []
    for summary in extract.inputs:
        lines.append(
            words["file"].format(
                file=summary.path,
                rows=summary.rows,
                checked=summary.rows_checked,
                rejected=summary.rows_rejected,
            )
        )
        mine = extract.rejections.filter(pl.col("file") == summary.path)
        headers = extract.tables[summary.table].raw.headers
        lines.extend(_groups(mine, headers, words))
    lines.append("")
    lines.append(
        words["written"].format(path=rejected_path) if extract.rejections.height else words["clean"]
    )
    return "\n".join(lines)


def _groups(rejections: pl.DataFrame, headers: dict[str, str], words: dict) -> list[str]:
    grouped = (
        rejections.group_by("column", "check", maintain_order=True)
        .agg(
            pl.len().alias("count"),
            pl.col("row").sort().head(FIRST_ROWS).alias("rows"),
            pl.col("message").first().alias("message"),
        )
        .sort("count", descending=True)
    )
    lines = []
    for group in grouped.iter_rows(named=True):
        more = ", …" if group["count"] > FIRST_ROWS else ""
        lines.append(
            words["group"].format(
                column=_as_written(group["column"], headers),
                check=group["check"],
                count=group["count"],
                rows=", ".join(str(r) for r in group["rows"]),
                more=more,
            )
        )
        lines.append(words["example"].format(message=group["message"]))
    return lines


def _as_written(column: str, headers: dict[str, str]) -> str:
    """The column as the file names it, with the canonical name when they differ."""
    if not column:
        return "—"
    written = headers.get(column, column)
    return written if written == column else f"{written} ({column})"
