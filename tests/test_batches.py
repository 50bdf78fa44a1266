"""A Parquet table checked in batches gives what it gives checked whole: duplicate keys
are found across batch boundaries, and every row is either clean or rejected once.
Batches that checking leaves unchanged are read in place from the extract; the others
are copied; either way the rows and rejections are the same."""

from pathlib import Path

import polars as pl
import pytest

import checker.pipeline
from checker.load import ROW, open_table, read_table
from checker.parse import parse_table
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
    tmp_path.mkdir(exist_ok=True)
    write_extract(tmp_path, {"loans": ROWS})
    path = tmp_path / "loans.parquet"
    pl.read_csv(tmp_path / "loans.csv", infer_schema_length=0).write_parquet(path)
    return path


def _typed_parquet(folder: Path, rows: list[dict], name: str = "loans.parquet") -> Path:
    """The rows as a regulator's Parquet holds them: every column in its type already."""
    folder.mkdir(exist_ok=True)
    write_extract(folder, {"loans": rows})
    schemas = load_schemas()
    typed = parse_table(read_table(schemas["loans"], folder / "loans.csv"), schemas.common).typed
    path = folder / name
    typed.drop(ROW).write_parquet(path)
    return path


def _staged(path: Path, batch_rows: int, copies: list | None = None):
    """Stage loans from `path`; `copies` receives the batch files written."""
    schemas = load_schemas()
    spec = schemas["loans"]
    with Store() as store:  # the file store, as a real run uses
        store.create_table(spec)
        staged = stage_table(store, open_table(spec, path, batch_rows=batch_rows), schemas.common)
        if copies is not None:
            copies.extend(sorted((store.folder / "batches" / "loans").glob("0*.parquet")))
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


@pytest.mark.parametrize("batch_rows", [1, 2, 4, 1_000])
def test_a_typed_parquet_is_read_in_place_with_the_same_results(tmp_path, batch_rows):
    text, _ = _staged(_parquet(tmp_path / "text"), batch_rows=1_000)
    copies = []
    typed, clean = _staged(
        _typed_parquet(tmp_path / "typed", ROWS), batch_rows=batch_rows, copies=copies
    )

    assert copies == []  # nothing needed reading: no batch was copied
    assert typed.rejections.select("row", "column", "check").rows() == EXPECTED
    assert typed.rejections.equals(text.rejections.with_columns(file=pl.lit("loans.parquet")))
    assert clean.get_column(ROW).to_list() == [1, 4]
    assert clean.get_column("loan_id").to_list() == ["L1", "L4"]


def test_only_the_batches_reading_changed_are_copied(tmp_path):
    # Rows 3 and 4 form the middle batch of two; 次级 is read as substandard, so that
    # batch is copied and the two around it are read in place.
    path = _typed_parquet(tmp_path, ROWS)
    fourth = pl.int_range(pl.len()) == 3
    written = pl.when(fourth).then(pl.lit("次级")).otherwise(pl.col("classification"))
    pl.read_parquet(path).with_columns(classification=written).write_parquet(path)
    copies = []
    staged, clean = _staged(path, batch_rows=2, copies=copies)

    assert len(copies) == 1
    assert staged.rejections.select("row", "column", "check").rows() == EXPECTED
    assert clean.select(ROW, "loan_id", "classification").rows() == [
        (1, "L1", "normal"),
        (4, "L4", "substandard"),
    ]


def test_an_extract_path_with_quotes_and_glob_characters_is_read_in_place(tmp_path):
    folder = tmp_path / "bank's [1] *"
    copies = []
    staged, clean = _staged(_typed_parquet(folder, ROWS), batch_rows=2, copies=copies)

    assert copies == []
    assert staged.rejections.select("row", "column", "check").rows() == EXPECTED
    assert clean.get_column("loan_id").to_list() == ["L1", "L4"]


def test_a_file_with_a_column_named_file_row_number_is_copied(tmp_path):
    # DuckDB names its row numbers file_row_number and refuses a file with such a column.
    path = _typed_parquet(tmp_path, ROWS)
    pl.read_parquet(path).with_columns(FILE_ROW_NUMBER=pl.lit("x")).write_parquet(path)
    copies = []
    staged, clean = _staged(path, batch_rows=2, copies=copies)

    assert len(copies) == 3
    assert staged.raw.ignored_columns == ["FILE_ROW_NUMBER"]
    assert staged.rejections.select("row", "column", "check").rows() == EXPECTED
    assert clean.get_column("loan_id").to_list() == ["L1", "L4"]


def test_an_extract_rewritten_during_the_run_stops_it_with_nothing_written(
    tmp_path, run_cli, monkeypatch
):
    """The rules read rows in place after they were checked: a file replaced meanwhile
    would give them rows nobody checked, so the run stops (exit 2) and writes nothing."""
    path = _typed_parquet(tmp_path / "extract", ROWS[:1])
    (path.parent / "loans.csv").unlink()  # the text it was made from

    def rewrite_before_rules(point: str) -> None:
        if point == "before-rules":
            tampered = pl.read_parquet(path).with_columns(balance=pl.lit(-1.0))
            tampered.write_parquet(path.with_suffix(".new"))
            path.with_suffix(".new").replace(path)

    monkeypatch.setattr(checker.pipeline, "pause_point", rewrite_before_rules)
    out = tmp_path / "out"
    code, _, stderr = run_cli("check", path.parent, "--out", out, "--lang", "en", "--no-history")

    assert code == 2
    assert stderr.strip().splitlines() == [
        "loancheck: loans.parquet: was changed or replaced while it was being checked; nothing was "
        "written: run again once the file is complete"
    ]
    assert not out.exists()


def _staged_csv(path: Path, batch_rows: int):
    schemas = load_schemas()
    spec = schemas["loans"]
    with Store() as store:
        store.create_table(spec)
        opened = open_table(spec, path, batch_rows=batch_rows)
        try:
            staged = stage_table(store, opened, schemas.common)
        finally:
            opened.close()
        return staged, store.frame("loans")


@pytest.mark.parametrize("batch_rows", [1, 2, 4])
def test_a_csv_in_batches_gives_what_one_read_gives(tmp_path, batch_rows):
    write_extract(tmp_path, {"loans": ROWS})
    path = tmp_path / "loans.csv"
    # A blank line in the middle: a row with no data, set aside and counted.
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join([*lines[:3], "\n", *lines[3:]]), encoding="utf-8")
    whole, whole_clean = _staged_csv(path, batch_rows=1_000)
    batched, batched_clean = _staged_csv(path, batch_rows=batch_rows)

    # CSV rows are numbered from 2 (the header is row 1); the blank line is row 4.
    assert batched.rejections.select("row", "column", "check").rows() == [
        (3, "interest_rate", "max"),
        (5, "institution_id+loan_id", "unique"),
        (7, "institution_id+loan_id", "unique"),
        (8, "classification", "one_of"),
    ]
    assert batched.rejections.equals(whole.rejections)
    assert batched_clean.equals(whole_clean)
    assert (batched.rows, batched.rows_rejected, batched.blank_rows) == (6, 4, 1)


def test_a_broken_record_after_the_first_batches_reads_the_csv_again_by_record(
    tmp_path, monkeypatch
):
    # polars hands out batches before it reaches the broken last record (measured: 500
    # of 1,000 rows at 100 a batch), so the table is started again record by record.
    write_extract(tmp_path, {"loans": [{"loan_id": f"L{i}"} for i in range(1, 1_001)]})
    path = tmp_path / "loans.csv"
    width = len(path.read_text(encoding="utf-8").splitlines()[0].split(","))
    with path.open("a", encoding="utf-8") as handle:  # one field too many
        handle.write(",".join(["x"] * (width + 1)) + "\n")
    restarts = []
    forget = Store.forget
    monkeypatch.setattr(
        Store, "forget", lambda store, spec: restarts.append(spec.name) or forget(store, spec)
    )

    batched, batched_clean = _staged_csv(path, batch_rows=100)
    whole, whole_clean = _staged_csv(path, batch_rows=10**9)

    assert restarts == ["loans"]
    # the broken record is row 1,002 (header row 1, 1,000 loans in rows 2..1,001)
    assert batched.rejections.select("row", "column", "check", "value").rows() == [
        (1_002, "", "field_count", str(width + 1))
    ]
    assert batched.rejections.equals(whole.rejections)
    assert batched_clean.equals(whole_clean)
    assert (batched.rows, batched.rows_checked) == (1_001, 1_000)


def test_a_gb18030_csv_in_batches_gives_what_one_read_gives(tmp_path):
    write_extract(tmp_path, {"loans": ROWS})
    path = tmp_path / "loans.csv"
    text = path.read_text(encoding="utf-8").replace("normal", "正常")
    path.write_bytes(text.encode("gb18030"))
    whole, whole_clean = _staged_csv(path, batch_rows=1_000)
    batched, batched_clean = _staged_csv(path, batch_rows=2)

    assert batched.rejections.select("row", "column", "check").rows() == [
        (3, "interest_rate", "max"),
        (4, "institution_id+loan_id", "unique"),
        (6, "institution_id+loan_id", "unique"),
        (7, "classification", "one_of"),
    ]
    assert batched.rejections.equals(whole.rejections)
    assert batched_clean.equals(whole_clean)
    assert batched_clean.get_column("classification").to_list() == ["normal", "normal"]
