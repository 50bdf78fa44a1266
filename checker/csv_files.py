"""Read a CSV extract: its encoding, separator and header first, then its records in batches.

Encodings: UTF-8 (with or without BOM) or GB18030/GBK, detected; a GB18030 file is
transcoded once into a UTF-8 copy in a temporary folder that lives as long as the opened
file. Separator: comma or tab, detected from the header line. Every cell is read as text.

Records are read by polars's streaming reader, BATCH_ROWS at a time, so a CSV of any size
passes through memory a batch at a time, as a Parquet file does. They are numbered as a
spreadsheet shows them: the header is row 1 (blank lines before it counted), and a record
whose quoted cell spans lines is one row.

A ragged record or a stray quote stops polars. The file is then read record by record with
Python's csv module, whole, so that only the broken records are rejected, each with its
row number and its count of fields. If polars stops after batches were handed out, the
caller is told to start the table again that way (ReadByRecord).
"""

import codecs
import csv
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from checker.errors import InputError
from checker.text_frame import ROW, TextFrame

_SNIFF_BYTES = 64 * 1024
_CHUNK_BYTES = 16 * 1024 * 1024
_UTF8 = "utf-8"


class ReadByRecord(Exception):
    """polars could not read a record after batches of the file were handed out: read the
    file again, record by record (csv_by_record)."""


@dataclass
class CsvFile:
    """A CSV extract ready to be read: encoding found, UTF-8 text at hand, header read."""

    path: Path  # the extract's file
    text_path: Path  # its text in UTF-8: the file itself, or a transcoded copy
    separator: str
    first_row: int  # the row number of the first record
    columns: list[str]  # the header, repeated names told apart as polars does
    copy_folder: tempfile.TemporaryDirectory | None = None  # holds the transcoded copy

    def close(self) -> None:
        if self.copy_folder is not None:
            self.copy_folder.cleanup()


def open_csv(path: Path, encoding: str | None) -> CsvFile:
    head = _head(path)
    if not head.strip():
        raise InputError(path.name, "empty_file")
    if b"\x00" in head:
        raise InputError(path.name, "binary_file")
    encoding = encoding or _detect_encoding(path, head)
    copy_folder = None
    text_path = path
    if not _is_utf8(encoding):
        copy_folder = tempfile.TemporaryDirectory(prefix="loancheck-")
        text_path = Path(copy_folder.name) / "utf8.csv"
        try:
            _transcode(path, encoding, text_path)
        except BaseException:
            copy_folder.cleanup()
            raise
        head = text_path.read_bytes()[:_SNIFF_BYTES]
    separator = _separator(head)
    # Blank lines before the header are skipped by both readers; count them so that row
    # numbers stay the ones a spreadsheet shows.
    first_row = 2 + _leading_blank_lines(head)
    source = CsvFile(path, text_path, separator, first_row, [], copy_folder)
    source.columns = _header(source)
    return source


def csv_batches(source: CsvFile, batch_rows: int) -> Iterator[TextFrame]:
    """The records, `batch_rows` at a time; a file with no record gives one empty batch, so
    its columns are still checked. Raises ReadByRecord (see the module's docstring)."""
    scan = pl.scan_csv(
        source.text_path,
        separator=source.separator,
        infer_schema=False,
        encoding="utf8",
        glob=False,
    ).with_row_index(ROW, offset=source.first_row)
    handed_out = False
    try:
        for frame in scan.collect_batches(chunk_size=batch_rows):
            handed_out = True
            numbered = frame.with_columns(pl.col(ROW).cast(pl.Int64))
            yield TextFrame(numbered, [], len(source.columns))
    except pl.exceptions.NoDataError:
        raise InputError(source.path.name, "empty_file") from None
    except pl.exceptions.ComputeError:
        if handed_out:
            raise ReadByRecord(source.path.name) from None
        yield csv_by_record(source)
        return
    if not handed_out:
        empty = pl.DataFrame(schema={ROW: pl.Int64, **dict.fromkeys(source.columns, pl.String)})
        yield TextFrame(empty, [], len(source.columns))


def read_csv_whole(path: Path, encoding: str | None) -> TextFrame:
    """The whole file as one frame (tests and small tables)."""
    source = open_csv(path, encoding)
    try:
        frames = list(csv_batches(source, batch_rows=1 << 62))
    except ReadByRecord:
        frames = [csv_by_record(source)]
    finally:
        source.close()
    if len(frames) == 1:
        return frames[0]
    return TextFrame(pl.concat([f.frame for f in frames]), [], frames[0].header_width)


def csv_by_record(source: CsvFile) -> TextFrame:
    with source.text_path.open(encoding="utf-8-sig", newline="") as handle:
        records = csv.reader(handle, delimiter=source.separator)
        header = next((record for record in records if record), None)
        if not header:
            raise InputError(source.path.name, "empty_file")
        rows, numbers, broken = [], [], []
        for index, record in enumerate(records):
            row = index + source.first_row
            if len(record) == len(header):
                rows.append(record)
                numbers.append(row)
            elif not record:  # a blank line: no data (load.py counts it as blank)
                rows.append([""] * len(header))
                numbers.append(row)
            elif any("\n" in field for field in record):
                raise InputError(source.path.name, "unbalanced_quote", row=row)
            else:
                broken.append((row, len(record)))
    frame = pl.DataFrame(rows, schema=_unique_names(header), orient="row")
    frame = frame.with_columns(
        pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in frame.columns
    )
    frame = frame.insert_column(0, pl.Series(ROW, numbers, dtype=pl.Int64))
    return TextFrame(frame, broken, len(header))


def _header(source: CsvFile) -> list[str]:
    try:
        return pl.read_csv(
            source.text_path,
            separator=source.separator,
            infer_schema=False,
            encoding="utf8",
            n_rows=0,
        ).columns
    except pl.exceptions.NoDataError:
        raise InputError(source.path.name, "empty_file") from None
    except pl.exceptions.ComputeError:
        return csv_by_record(source).frame.columns[1:]


def _unique_names(header: list[str]) -> list[str]:
    """Keep duplicate headers apart the way polars does, so load.py reports them."""
    seen: dict[str, int] = {}
    names = []
    for name in header:
        if name in seen:
            names.append(f"{name}_duplicated_{seen[name]}")
            seen[name] += 1
        else:
            names.append(name)
            seen[name] = 0
    return names


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(_SNIFF_BYTES)
    except OSError as error:
        raise InputError(path.name, "unreadable", detail=error.strerror or str(error)) from None


def _detect_encoding(path: Path, head: bytes) -> str:
    """UTF-8 if the whole file decodes as UTF-8, else GB18030 (a superset of GBK and GB2312).

    Chinese text in GBK almost never happens to be valid UTF-8, so a strict decode of
    the whole file is a reliable test; it streams, so the file is never held in memory.
    """
    if head.startswith(codecs.BOM_UTF8):
        return _UTF8
    decoder = codecs.getincrementaldecoder(_UTF8)()
    with path.open("rb") as handle:
        try:
            for block in iter(lambda: handle.read(_CHUNK_BYTES), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "gb18030"
    return _UTF8


def _transcode(path: Path, encoding: str, target: Path) -> None:
    try:
        decoder = codecs.getincrementaldecoder(encoding)()
    except LookupError:
        raise InputError(path.name, "unreadable", detail=f"unknown encoding {encoding}") from None
    line = 1
    with path.open("rb") as source, target.open("w", encoding="utf-8", newline="") as sink:
        try:
            for block in iter(lambda: source.read(_CHUNK_BYTES), b""):
                text = decoder.decode(block)
                sink.write(text)
                line += text.count("\n")
            sink.write(decoder.decode(b"", final=True))
        except UnicodeDecodeError as error:
            near = line + error.object[: error.start].count(b"\n")
            raise InputError(path.name, "bad_encoding", encoding=encoding, line=near) from None


def _leading_blank_lines(head: bytes) -> int:
    lines = head.split(b"\n")
    return next((i for i, line in enumerate(lines) if line.strip()), 0)


def _separator(head: bytes) -> str:
    first_line = head.lstrip().split(b"\n", 1)[0]
    return "\t" if first_line.count(b"\t") > first_line.count(b",") else ","


def _is_utf8(encoding: str) -> bool:
    return codecs.lookup(encoding).name in ("utf-8", "utf-8-sig")
