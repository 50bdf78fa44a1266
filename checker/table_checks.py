"""The checks that need a whole table, run in DuckDB over its typed rows (store.py):
duplicate keys, and references to another table's clean rows.

They judge exactly as pandera and polars did when whole tables were held in memory:
- unique: every row of a key that occurs more than once is rejected (pandera's
  report_duplicates="all"), missing key cells counting as equal to each other (polars'
  is_duplicated); rows rejected for other reasons take part, so a duplicate key is
  caught even when its twin has a typo elsewhere. Column: the key columns joined by '+';
  value: the key cells as the file wrote them, joined by '/' (a missing cell reads None).
- reference: a row whose key is missing from the referenced table's clean rows; a
  missing key cell never matches. Value: the typed key cells joined by '/' (missing when
  any cell is).
Grouping and anti-joins run under the store's memory limit and spill beyond it; only the
rejected rows come back to polars.
"""

import polars as pl

from checker.load import ROW, RawTable
from checker.parse import REJECTION_SCHEMA
from checker.schemas import TableSpec
from checker.store import Store, quoted, written_keys


def keys_as_written(raw: RawTable) -> pl.DataFrame:
    """source_row and the key cells as written, for the rows of a batch whose written key
    differs from the typed one (surrounding spaces, blank text): few, so the staged table
    keeps only typed keys and a duplicate is still reported as the file wrote it."""
    keys = raw.spec.unique
    if not keys:
        return pl.DataFrame()
    texts = [
        pl.col(k).cast(pl.String) if k in raw.frame.columns else pl.lit(None, pl.String).alias(k)
        for k in keys
    ]
    frame = raw.frame.select(ROW, *texts)
    # The typed key is the text stripped, or missing when nothing is left (parse.py).
    differs = pl.any_horizontal(
        pl.col(k).is_not_null()
        & ((pl.col(k).str.strip_chars() != pl.col(k)) | (pl.col(k).str.strip_chars() == ""))
        for k in keys
    )
    return frame.filter(differs)


def check_whole_table(
    store: Store,
    spec: TableSpec,
    file: str,
    row_rejections: list[pl.DataFrame],
    type_cells: pl.DataFrame,
) -> pl.DataFrame:
    """Add the table-wide rejections to the row checks' ones, sorted by row and column,
    and delete every rejected row from the stored table, which leaves it clean.

    `type_cells` (row, column) are cells of the wrong type: no other complaint about the
    same cell is listed, as for the row checks."""
    parts = list(row_rejections)
    if spec.unique:
        duplicates = duplicate_keys(store, spec, file)
        parts.append(duplicates.join(type_cells, on=["row", "column"], how="anti"))
    if spec.references:
        parts.append(missing_references(store, spec, file))
    rejected = pl.concat(parts).cast(REJECTION_SCHEMA).sort("row", "column")
    store.delete_rows(spec, rejected.get_column("row"))
    store.drop_written_keys(spec)
    return rejected


def duplicate_keys(store: Store, spec: TableSpec, file: str) -> pl.DataFrame:
    keys = list(spec.unique)
    table, written = quoted(spec.name), written_keys(spec)
    typed = ", ".join(f"t.{quoted(k)}" for k in keys)
    as_written = ", ".join(f"w.{quoted(k)}" for k in keys)
    # IS NOT DISTINCT FROM: a missing key cell equals another, as GROUP BY groups them.
    same_key = " AND ".join(f"t.{quoted(k)} IS NOT DISTINCT FROM r.{quoted(k)}" for k in keys)
    key_list = ", ".join(quoted(k) for k in keys)
    # Grouping 100M loans by their text keys ran out of memory under a 1.4 GiB limit
    # (the strings did not spill); grouping by one 64-bit hash of the key passes. Keys
    # whose hash repeats are the candidates; grouping only those by the keys themselves
    # drops a hash collision between two different keys.
    sql = f"""
        WITH candidates AS (
            SELECT hash({key_list}) AS key_hash FROM {table}
            GROUP BY ALL HAVING count(*) > 1
        ),
        repeated AS (
            SELECT {key_list} FROM {table}
            WHERE hash({key_list}) IN (SELECT key_hash FROM candidates)
            GROUP BY ALL HAVING count(*) > 1
        )
        SELECT t.{ROW}, w.{ROW} IS NOT NULL, {typed}, {as_written}
        FROM {table} t JOIN repeated r ON {same_key}
        LEFT JOIN {written} w ON w.{ROW} = t.{ROW}
    """
    records = []
    for row, rewritten, *cells in store.run(sql):
        shown = cells[len(keys) :] if rewritten else cells[: len(keys)]
        records.append((file, row, "+".join(keys), "unique", "/".join(str(c) for c in shown)))
    return pl.DataFrame(records, schema=REJECTION_SCHEMA, orient="row")


def missing_references(store: Store, spec: TableSpec, file: str) -> pl.DataFrame:
    keys = spec.references["columns"]
    child, parent = quoted(spec.name), quoted(spec.references["table"])
    matches = " AND ".join(f"p.{quoted(k)} = c.{quoted(k)}" for k in keys)
    # `||` gives NULL when any cell is missing, as polars' concat_str did.
    value = " || '/' || ".join(f"CAST(c.{quoted(k)} AS VARCHAR)" for k in keys)
    sql = f"""
        SELECT $file AS "file", c.{ROW} AS "row", $column AS "column",
            'reference' AS "check", {value} AS "value"
        FROM {child} c
        WHERE NOT EXISTS (SELECT 1 FROM {parent} p WHERE {matches})
    """
    relation = store.connection.sql(sql, params={"file": file, "column": "+".join(keys)})
    return pl.from_arrow(relation.to_arrow_table()).cast(REJECTION_SCHEMA)
