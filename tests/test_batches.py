"""A Parquet table checked in batches gives what it gives checked whole: duplicate keys
are found across batch boundaries, and every row is either clean or rejected once."""

from pathlib import Path

import polars as pl
import pytest

from checker.load import open_table
from checker.schemas import load_schemas
from checker.staging import stage_table
from checker.store import Store
from tests.rules.harness import write_extract

# Parquet rows are numbered from 1. In batches of two: [1, 2], [3, 4], [5, 6].
ROWS = [
    {"loan_id": "L1"},  # 1: clean
    {"loan_id": "L2", "interest_rate": 36.01},  # 2: over the 36% cap
    {"loan_id": "L3"},  # 3: its key repeats in row 5, two batches later
    {"loan_id": "L4"},  # 4: clean
    {"loan_id": "L3"},  # 5: the repeat
    {"loan_id": "L5", "classification": "bad"},  # 6: not a classification
]
EXPECTED = [
    (2, "interest_rate", "max"),
    (3, "institution_id+loan_id", "unique"),
    (5, "institution_id+loan_id", "unique"),
    (6, "classification", "one_of"),
]


def _parquet(tmp_path: Path) -> Path:
    write_extract(tmp_path, {"loans": ROWS})
    path = tmp_path / "loans.parquet"
    pl.read_csv(tmp_path / "loans.csv", infer_schema_length=0).write_parquet(path)
    return path


def _staged(path: Path, batch_rows: int):
    schemas = load_schemas()
    spec = schemas["loans"]
    with Store() as store:  # the file store, as a real run uses
        store.create_table(spec)
        staged = stage_table(store, open_table(spec, path, batch_rows=batch_rows), schemas.common)
        return staged, store.frame("loans")


@pytest.mark.parametrize("batch_rows", [1, 2, 4])
def test_batches_give_the_same_rejections_and_clean_rows_as_one_read(tmp_path, batch_rows):
    path = _parquet(tmp_path)
    whole, whole_clean = _staged(path, batch_rows=1_000)
    batched, batched_clean = _staged(path, batch_rows=batch_rows)

    assert batched.rejections.select("row", "column", "check").rows() == EXPECTED
    assert batched.rejections.equals(whole.rejections)
    assert batched_clean.get_column("loan_id").to_list() == ["L1", "L4"]
    assert batched_clean.equals(whole_clean)
    assert (batched.rows, batched.rows_checked, batched.rows_rejected) == (6, 2, 4)
