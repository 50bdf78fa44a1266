"""A table's rows as text, as a reader hands them over: the common shape of every format."""

from dataclasses import dataclass

import polars as pl

ROW = "source_row"  # the column that carries each row's number in its file


@dataclass
class TextFrame:
    frame: pl.DataFrame  # ROW plus the file's columns, all text
    broken_rows: list[tuple[int, int]]  # (row, number of fields) for ragged CSV records
    header_width: int
