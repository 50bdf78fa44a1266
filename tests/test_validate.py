"""The pandera schemas built from schemas/*.yaml really read the values."""

from pathlib import Path

import polars as pl

from checker.load import read_table
from checker.schemas import load_schemas
from checker.validate import build_schema, check_table
from tests.rules.harness import write_extract


def _checked(tmp_path: Path, rows: list[dict]):
    write_extract(tmp_path, {"loans": rows})
    schemas = load_schemas()
    return check_table(read_table(schemas["loans"], tmp_path / "loans.csv"), schemas.common)


def test_one_out_of_range_value_is_caught(tmp_path):
    checked = _checked(tmp_path, [{"loan_id": "L1"}, {"loan_id": "L2", "interest_rate": 36.01}])
    assert checked.rejections.select("row", "column", "check").rows() == [
        (3, "interest_rate", "max")
    ]
    assert checked.clean.get_column("loan_id").to_list() == ["L1"]


def test_rate_exactly_36_is_allowed(tmp_path):
    assert _checked(tmp_path, [{"loan_id": "L1", "interest_rate": 36}]).rejections.height == 0


def test_enumeration_date_order_and_uniqueness_are_checked(tmp_path):
    checked = _checked(
        tmp_path,
        [
            {"loan_id": "L1", "classification": "bad"},
            {"loan_id": "L2", "maturity_date": "2024-12-31"},
            {"loan_id": "L3"},
            {"loan_id": "L3"},
            {"loan_id": "L3", "institution_id": "B2"},  # same id at another bank is fine
        ],
    )
    found = checked.rejections.select("row", "column").rows()
    assert found == [
        (2, "classification"),
        (3, "maturity_date"),
        (4, "institution_id+loan_id"),
        (5, "institution_id+loan_id"),
    ]
    assert checked.clean.height == 1


def test_text_that_is_not_a_number_is_rejected_not_emptied(tmp_path):
    checked = _checked(tmp_path, [{"loan_id": "L1", "balance": "12,3a4"}])
    assert checked.rejections.select("column", "check", "value").rows() == [
        ("balance", "not_a_number", "12,3a4")
    ]


def test_empty_required_cell_is_rejected(tmp_path):
    checked = _checked(tmp_path, [{"loan_id": "L1", "borrower_id": " "}])
    assert checked.rejections.select("column", "check").rows() == [("borrower_id", "required")]


def test_schema_is_built_from_yaml_with_value_checks():
    schema = build_schema(load_schemas()["loans"])
    assert schema.unique == ["institution_id", "loan_id"]
    assert [c.name for c in schema.columns["balance"].checks] == ["greater_than_or_equal_to"]
    assert schema.columns["balance"].dtype.type == pl.Float64
