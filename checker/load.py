"""Find the extract's tables in a folder and read each one, every cell as text.

Reading everything as text first means a bad cell never stops the read: parse.py turns
the text into types and lists the cells it cannot turn, row by row.

Row numbers are the ones a person sees: in a CSV the header is row 1, so the first
record is row 2 (as in a spreadsheet); in Parquet the first row is row 1.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from checker.errors import InputError
from checker.schemas import SchemaSet, TableSpec

ROW = "source_row"  # the column that carries each row's number in its file
SUFFIXES = (".csv", ".parquet")


@dataclass
class RawTable:
    spec: TableSpec
    path: Path
    sha256: str
    frame: pl.DataFrame  # source_row plus the file's columns as they were read
    ignored_columns: list[str]

    @property
    def file(self) -> str:
        return self.path.name

    @property
    def rows(self) -> int:
        return self.frame.height


def find_tables(extract_dir: Path, schemas: SchemaSet) -> dict[str, Path]:
    """Map table name -> file, e.g. loans -> extract/loans.csv (names are case-blind)."""
    if not extract_dir.is_dir():
        raise InputError(str(extract_dir), "is not a folder")
    files: dict[str, list[Path]] = {}
    for path in sorted(extract_dir.iterdir()):
        if path.is_file() and path.suffix.lower() in SUFFIXES:
            files.setdefault(path.stem.lower(), []).append(path)
    found = {}
    for spec in schemas:
        candidates = files.get(spec.name, [])
        if len(candidates) > 1:
            names = " and ".join(p.name for p in candidates)
            raise InputError(str(extract_dir), f"both {names} found; keep one per table")
        if candidates:
            found[spec.name] = candidates[0]
        elif spec.required:
            wanted = " or ".join(spec.name + s for s in SUFFIXES)
            raise InputError(str(extract_dir), f"no {spec.name} table: expected {wanted}")
    return found


def read_table(spec: TableSpec, path: Path) -> RawTable:
    frame = _read_file(path)
    frame = frame.rename({c: c.strip() for c in frame.columns})
    _check_headers(spec, path, frame.columns)
    first_row = 2 if path.suffix.lower() == ".csv" else 1
    known = [c for c in frame.columns if c in spec.column_names]
    ignored = [c for c in frame.columns if c not in spec.column_names]
    frame = frame.select(known).with_row_index(ROW, offset=first_row)
    frame = frame.with_columns(pl.col(ROW).cast(pl.Int64))
    return RawTable(spec, path, _sha256(path), frame, ignored)


def _read_file(path: Path) -> pl.DataFrame:
    try:
        if path.suffix.lower() == ".parquet":
            return pl.read_parquet(path)
        return pl.read_csv(path, infer_schema=False, encoding="utf8")
    except pl.exceptions.NoDataError:
        raise InputError(path.name, "the file is empty") from None
    except (pl.exceptions.PolarsError, OSError) as error:
        raise InputError(path.name, f"cannot be read: {_first_line(error)}") from None


def _check_headers(spec: TableSpec, path: Path, columns: list[str]) -> None:
    duplicated = [c for c in columns if "_duplicated_" in c]
    if duplicated:
        name = duplicated[0].split("_duplicated_")[0]
        raise InputError(path.name, f"column {name} appears more than once in the header")
    missing = [c for c in spec.required_columns if c not in columns]
    if missing:
        raise InputError(
            path.name,
            f"required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} missing; "
            f"found columns: {', '.join(columns)}",
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
