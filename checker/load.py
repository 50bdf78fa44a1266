"""Find the extract's tables in a folder, read each one as text, and give its columns
their canonical names.

Headers are matched against each column's name and aliases (schemas/*.yaml) ignoring
case, surrounding spaces and full-width characters. A column that matches nothing is
kept out of the checks and reported as ignored; two columns that mean the same thing
are an error naming both.

`open_table` matches a file's headers and hashes it without keeping its rows; its
`batches()` then give the rows a batch at a time (Parquet, CSV) or whole (XLSX), each
batch a RawTable with its own row numbers. `read_table` reads a table whole.
"""

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from checker.csv_files import csv_batches, csv_by_record, open_csv
from checker.errors import InputError
from checker.readers import (
    CSV_SUFFIXES,
    ROW,
    SUFFIXES,
    ReadOptions,
    TextFrame,
    open_parquet,
    parquet_batches,
    read_text,
)
from checker.schemas import SchemaSet, TableSpec, normalise

__all__ = [
    "ROW",
    "OpenedTable",
    "RawTable",
    "ReadOptions",
    "find_tables",
    "open_table",
    "read_table",
]

# Rows per Parquet or CSV batch: the text and typed copies of a batch are what polars
# holds (three batches at most: two being checked, one being stored; staging.py); fewer
# rows per batch cost more per-batch overhead (pandera's passes) for little less memory.
BATCH_ROWS = 500_000


@dataclass
class RawTable:
    """Rows of a table as text: a whole file (read_table) or one batch of it."""

    spec: TableSpec
    path: Path
    sha256: str
    frame: pl.DataFrame  # source_row plus the known columns under canonical names, as text
    headers: dict[str, str]  # canonical name -> the header as the file wrote it
    ignored_columns: list[str]
    broken_rows: list[tuple[int, int]] = field(default_factory=list)  # (row, fields)
    header_width: int = 0

    @property
    def file(self) -> str:
        return self.path.name

    @property
    def rows(self) -> int:
        return self.frame.height + len(self.broken_rows)


@dataclass
class OpenedTable:
    """A table's file with its headers matched and its hash taken; rows come from batches()."""

    spec: TableSpec
    path: Path
    sha256: str
    headers: dict[str, str]  # canonical name -> the header as the file wrote it
    ignored_columns: list[str]
    header_width: int
    rows_expected: int | None  # for progress: the rows the file holds (CSV: not known)
    frames: Callable[[], Iterator[TextFrame]]  # the file's rows as text, batch by batch
    # Parquet: canonical column -> its position in the file (from 1), so that rows
    # checking leaves unchanged can be read in place (batch_files.py); None otherwise.
    positions: dict[str, int] | None = None
    # size, modification time and inode when opened: the rules may read a Parquet file
    # long after it was checked (in place), so the run makes sure it is still that file.
    stamp: tuple[int, int, int] | None = None
    # CSV: the whole file read record by record, when polars stopped at a broken record
    # after batches were handed out (csv_files.py); and what to tidy once it is read.
    frames_by_record: Callable[[], Iterator[TextFrame]] | None = None
    close: Callable[[], None] = lambda: None

    def changed_since_opened(self) -> bool:
        return _stamp(self.path) != self.stamp

    @property
    def file(self) -> str:
        return self.path.name

    def batches(self, by_record: bool = False) -> Iterator[RawTable]:
        """Each batch: source_row plus the known columns under canonical names, as text.
        An XLSX file's rows are handed over, not kept. May raise ReadByRecord (CSV): then
        read again with by_record=True."""
        renames = {header: name for name, header in self.headers.items()}
        frames = self.frames_by_record if by_record and self.frames_by_record else self.frames
        for text in frames():
            frame = text.frame.select(ROW, *renames).rename(renames)
            yield RawTable(
                self.spec,
                self.path,
                self.sha256,
                frame,
                self.headers,
                self.ignored_columns,
                text.broken_rows,
                self.header_width,
            )


def open_table(
    spec: TableSpec,
    path: Path,
    options: ReadOptions | None = None,
    batch_rows: int = BATCH_ROWS,
) -> OpenedTable:
    """Parquet and CSV: read the footer or header now, the rows batch by batch later. XLSX:
    read now and hand over as one batch. A file that cannot be opened stops the run before
    any table is checked; a CSV record broken beyond repair (a quote left open) stops it
    when that record is reached."""
    stamp = _stamp(path)  # before the first read: a change while it is read shows too
    if path.suffix.lower() == ".parquet":
        footer = open_parquet(path)
        headers = _match_headers(spec, path, footer.columns)
        columns = list(headers.values())
        return _opened(
            spec,
            path,
            stamp,
            footer.columns,
            headers,
            footer.rows,
            lambda: parquet_batches(path, footer, columns, batch_rows),
            positions=_positions(headers, footer.columns),
        )
    options = options or ReadOptions()
    if path.suffix.lower() in CSV_SUFFIXES:
        source = open_csv(path, options.encoding)
        headers = _match_headers(spec, path, source.columns)
        return _opened(
            spec,
            path,
            stamp,
            source.columns,
            headers,
            None,
            lambda: csv_batches(source, batch_rows),
            frames_by_record=lambda: iter([csv_by_record(source)]),
            close=source.close,
        )
    held = [read_text(path, options)]
    text = held[0]
    file_headers = [c for c in text.frame.columns if c != ROW]
    headers = _match_headers(spec, path, file_headers)

    def whole() -> Iterator[TextFrame]:
        yield held.pop()  # handed over, not kept: its cells go when the batch is checked

    rows = text.frame.height + len(text.broken_rows)
    return _opened(spec, path, stamp, file_headers, headers, rows, whole)


def _opened(spec, path, stamp, file_headers, headers, rows_expected, frames, **more):
    """An OpenedTable for a file whose headers are matched: its hash taken, the columns
    no spec names listed as ignored."""
    return OpenedTable(
        spec,
        path,
        _sha256(path),
        headers,
        [h for h in file_headers if h not in headers.values()],
        len(file_headers),
        rows_expected,
        frames,
        stamp=stamp,
        **more,
    )


def find_tables(extract_dir: Path, schemas: SchemaSet) -> dict[str, Path]:
    """Map table name -> file, e.g. loans -> extract/loans.csv (names are case-blind)."""
    if not extract_dir.is_dir():
        raise InputError(str(extract_dir), "not_a_folder")
    files: dict[str, list[Path]] = {}
    for path in sorted(extract_dir.iterdir()):
        if path.is_file() and path.suffix.lower() in SUFFIXES:
            files.setdefault(path.stem.lower(), []).append(path)
    found = {}
    for spec in schemas:
        candidates = files.get(spec.name, [])
        if len(candidates) > 1:
            names = ", ".join(p.name for p in candidates)
            raise InputError(str(extract_dir), "two_files_one_table", names=names)
        if candidates:
            found[spec.name] = candidates[0]
        elif spec.required:
            wanted = " / ".join(spec.name + s for s in SUFFIXES)
            raise InputError(str(extract_dir), "no_table", table=spec.name, wanted=wanted)
    return found


def read_table(spec: TableSpec, path: Path, options: ReadOptions | None = None) -> RawTable:
    text = read_text(path, options or ReadOptions())
    file_headers = [c for c in text.frame.columns if c != ROW]
    headers = _match_headers(spec, path, file_headers)
    ignored = [h for h in file_headers if h not in headers.values()]
    renames = {header: name for name, header in headers.items()}
    frame = text.frame.select(ROW, *renames).rename(renames)
    return RawTable(
        spec, path, _sha256(path), frame, headers, ignored, text.broken_rows, text.header_width
    )


def _match_headers(spec: TableSpec, path: Path, file_headers: list[str]) -> dict[str, str]:
    if any("\n" in header or "\r" in header for header in file_headers):
        raise InputError(path.name, "unbalanced_quote", row=1)  # the header swallowed rows
    duplicated = [h for h in file_headers if "_duplicated_" in h]
    if duplicated:
        name = duplicated[0].split("_duplicated_")[0].strip()
        raise InputError(path.name, "duplicate_header", name=name)
    known = spec.header_names()
    headers: dict[str, str] = {}
    for header in file_headers:
        name = known.get(normalise(header))
        if name is None:
            continue
        if name in headers:
            raise InputError(
                path.name, "two_headers_one_column", first=headers[name], second=header, column=name
            )
        headers[name] = header
    missing = [c for c in spec.columns if c.required and c.name not in headers]
    if missing:
        wanted = ", ".join(c.display for c in missing)
        raise InputError(path.name, "missing_columns", columns=wanted, found=_shown(file_headers))
    return headers


def _positions(headers: dict[str, str], file_headers: list[str]) -> dict[str, int] | None:
    """Where each known column sits in a Parquet file, for DuckDB to read it in place.
    DuckDB names its row numbers file_row_number and refuses a file that has a column of
    that name: such a file is always copied."""
    if any(h.casefold() == "file_row_number" for h in file_headers):
        return None
    return {name: file_headers.index(header) + 1 for name, header in headers.items()}


def _shown(headers: list[str], limit: int = 30) -> str:
    more = f", … (+{len(headers) - limit})" if len(headers) > limit else ""
    return ", ".join(h[:40] for h in headers[:limit]) + more


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return (status.st_size, status.st_mtime_ns, status.st_ino)
