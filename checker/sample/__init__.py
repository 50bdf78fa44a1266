"""`loancheck sample`: write a large, realistic extract with planned breaches.

The book is written a chunk of rows at a time (Parquet row groups of ROW_GROUP rows, or
CSV), so memory stays bounded whatever the number of loans. Files are written under a
temporary name and renamed when complete.
"""

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from checker.errors import InputError
from checker.readers import SUFFIXES
from checker.sample.extras import (
    FEE_SCHEMA,
    GUARANTEE_SCHEMA,
    Contracts,
    fee_rows,
    guarantee_rows,
    guarantor_rows,
)
from checker.sample.loans import LOAN_SCHEMA, Book, loan_rows
from checker.sample.plan import SamplePlan, make_plan

__all__ = ["ROW_GROUP", "SamplePlan", "make_plan", "write_sample"]

ROW_GROUP = 122_880  # DuckDB's row-group size: one Parquet row group per scan task
CHUNK = 4 * ROW_GROUP
TABLES = ("loans", "baseline", "fees", "guarantees", "guarantors")

# Called with (table, rows written so far, rows in the table).
OnRows = Callable[[str, int, int], None]


def write_sample(
    out_dir: Path,
    loans: int,
    institutions: int,
    seed: int,
    file_format: str = "parquet",
    on_rows: OnRows | None = None,
) -> SamplePlan:
    plan = make_plan(loans, institutions, seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    clashing = [p.name for p in sorted(out_dir.iterdir()) if _is_table_file(p)]
    if clashing:
        raise InputError(str(out_dir), "sample_folder_has_tables", files=", ".join(clashing))
    report = on_rows or (lambda table, done, total: None)
    suffix = "." + file_format
    partial = {name: out_dir / f".{name}{suffix}.partial" for name in TABLES}
    try:
        current, baseline = Book.of(plan, "current"), Book.of(plan, "baseline")
        with (
            _sink(partial["loans"], LOAN_SCHEMA, file_format) as loans_out,
            _sink(partial["fees"], FEE_SCHEMA, file_format) as fees_out,
        ):
            report("loans", 0, current.rows)  # each table reports before its first chunk
            for start, stop in _spans(current.rows):
                chunk = loan_rows(current, start, stop)
                loans_out.write(chunk)
                fees_out.write(fee_rows(current, chunk, start, stop))
                report("loans", stop, current.rows)
        with _sink(partial["baseline"], LOAN_SCHEMA, file_format) as out:
            _write_chunks(out, "baseline", loan_rows, baseline, report)
        contracts = Contracts(plan)
        with _sink(partial["guarantees"], GUARANTEE_SCHEMA, file_format) as out:
            _write_chunks(out, "guarantees", guarantee_rows, contracts, report)
        guarantors = guarantor_rows(plan)
        with _sink(partial["guarantors"], guarantors.schema, file_format) as out:
            out.write(guarantors)
        for name, path in partial.items():
            path.replace(out_dir / f"{name}{suffix}")
    finally:
        for path in partial.values():
            path.unlink(missing_ok=True)
    return plan


def _is_table_file(path: Path) -> bool:
    return path.stem.lower() in TABLES and path.suffix.lower() in SUFFIXES


class _Sink:
    def __init__(self, path: Path, schema: pa.Schema, file_format: str):
        if file_format == "parquet":
            self.writer = pq.ParquetWriter(path, schema)
        else:
            self.writer = pa_csv.CSVWriter(path, schema)
        self.parquet = file_format == "parquet"

    def write(self, table: pa.Table) -> None:
        if self.parquet:
            self.writer.write_table(table, row_group_size=ROW_GROUP)
        else:
            self.writer.write_table(table)

    def __enter__(self) -> "_Sink":
        return self

    def __exit__(self, *exc) -> None:
        self.writer.close()


def _sink(path: Path, schema: pa.Schema, file_format: str) -> _Sink:
    return _Sink(path, schema, file_format)


def _spans(rows: int):
    """(start, stop) of each chunk of CHUNK rows."""
    return ((start, min(start + CHUNK, rows)) for start in range(0, rows, CHUNK))


def _write_chunks(out, table: str, make_rows, source, report: OnRows) -> None:
    """The table's rows make_rows(source, start, stop) written chunk by chunk, with its
    progress reported before the first chunk and after each."""
    report(table, 0, source.rows)
    for start, stop in _spans(source.rows):
        out.write(make_rows(source, start, stop))
        report(table, stop, source.rows)
