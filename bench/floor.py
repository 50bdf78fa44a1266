#!/usr/bin/env python3
"""The floor: DuckDB reading once every column of every table loancheck reads.

bit_xor(hash(column)) forces every value to be decoded (count(column) would be answered
from Parquet metadata). For CSV, DuckDB's own read_csv scan of the file, the same way.

Usage: floor.py EXTRACT_DIR THREADS
"""

import sys
from pathlib import Path

import duckdb

TABLES = ("loans", "baseline", "fees", "guarantees", "guarantors")


def main() -> None:
    extract, threads = Path(sys.argv[1]), int(sys.argv[2])
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    for table in TABLES:
        for path in sorted(extract.glob(f"{table}.*")):
            reader = "read_parquet" if path.suffix == ".parquet" else "read_csv"
            source = f"{reader}('{path}')"  # our own cache path, not user input
            columns = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
            hashes = ", ".join(f'bit_xor(hash("{c}"))' for c in columns)
            con.execute(f"SELECT {hashes} FROM {source}").fetchall()


if __name__ == "__main__":
    main()
