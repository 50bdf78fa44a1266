"""`loancheck sample`: deterministic, streamed, valid, and breaching where it plans to."""

import json

import polars as pl
import pytest

import checker.sample as sample_module
from checker.sample import TABLES, write_sample
from checker.sample.plan import BANK_BREACHES, GUARANTOR_BREACHES, make_plan


def _files(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("file_format", ["parquet", "csv"])
def test_same_seed_writes_the_same_bytes(tmp_path, file_format):
    first = write_sample(tmp_path / "a", 3000, 4, seed=11, file_format=file_format)
    write_sample(tmp_path / "b", 3000, 4, seed=11, file_format=file_format)
    write_sample(tmp_path / "c", 3000, 4, seed=12, file_format=file_format)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    loans = f"loans.{file_format}"
    assert _files(tmp_path / "a")[loans] != _files(tmp_path / "c")[loans]
    assert sorted(_files(tmp_path / "a")) == sorted(f"{t}.{file_format}" for t in TABLES)
    assert first.loans == 3000


def test_rows_do_not_depend_on_the_chunk_size(tmp_path, monkeypatch):
    write_sample(tmp_path / "whole", 2500, 3, seed=5)
    monkeypatch.setattr(sample_module, "CHUNK", 700)  # several chunks per table
    write_sample(tmp_path / "chunked", 2500, 3, seed=5)
    for table in TABLES:
        whole = pl.read_parquet(tmp_path / "whole" / f"{table}.parquet")
        chunked = pl.read_parquet(tmp_path / "chunked" / f"{table}.parquet")
        assert whole.equals(chunked), table


def test_row_counts_follow_the_plan(tmp_path):
    plan = write_sample(tmp_path, 5000, 5, seed=3)
    height = {t: pl.read_parquet(tmp_path / f"{t}.parquet").height for t in TABLES}
    assert height["loans"] == plan.loans == 5000
    assert (
        height["baseline"]
        == plan.baseline_loans
        == sum(i.baseline_loans for i in plan.institutions)
    )
    assert height["guarantees"] == plan.contracts
    assert height["guarantors"] == len(plan.guarantors)
    loans = pl.read_parquet(tmp_path / "loans.parquet")
    per_bank = dict(loans.group_by("institution_id").len().iter_rows())
    assert per_bank == {i.id: i.loans for i in plan.institutions}
    assert loans.get_column("as_of_date").n_unique() == 1
    assert (loans["maturity_date"] > loans["start_date"]).all()
    # fees belong to current loans only, as the schema's reference demands
    fees = pl.read_parquet(tmp_path / "fees.parquet")
    assert fees.join(loans, on=["institution_id", "loan_id"], how="anti").height == 0


def test_plan_gives_every_core_measure_a_breacher_and_leaves_banks_clean():
    plan = make_plan(100_000, 50, seed=1)
    planned_rules = {rule for _, rule in plan.expected_breaches()}
    assert planned_rules == set(BANK_BREACHES) | set(GUARANTOR_BREACHES)
    breaching = {subject for subject, _ in plan.expected_breaches()}
    assert len([i for i in plan.institutions if i.id not in breaching]) >= 30


@pytest.mark.parametrize("file_format", ["parquet", "csv"])
def test_generated_extract_passes_validation(tmp_path, run_cli, file_format):
    write_sample(tmp_path / "x", 4000, 4, seed=2, file_format=file_format)
    code, out, _ = run_cli(
        "validate", tmp_path / "x", "--rejected", tmp_path / "rejected.csv", "--lang", "en"
    )
    assert code == 0, out
    assert "0 rejected" in out


def test_check_finds_exactly_the_planned_breaches(tmp_path, run_cli):
    plan = write_sample(tmp_path / "x", 40_000, 8, seed=1)
    code, _, err = run_cli("check", tmp_path / "x", "--out", tmp_path / "out", "--quiet")
    assert code == 1, err
    document = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))
    assert document["run"]["rejected_rows"] == 0
    found = {(f["institution_id"], f["rule_id"]) for f in document["findings"]}
    breaches = {
        (f["institution_id"], f["rule_id"]) for f in document["findings"] if f["status"] == "breach"
    }
    assert breaches == plan.expected_breaches()
    # every planned subject was checked by the rule it is meant to breach
    assert plan.expected_breaches() <= found


def test_sample_command_prints_the_plan(tmp_path, run_cli):
    code, out, _ = run_cli(
        "sample", tmp_path / "x", "--loans", 2000, "--institutions", 3, "--seed", 4
    )
    assert code == 0
    expected = make_plan(2000, 3, seed=4).expected_breaches()
    printed = {tuple(line.split()[2:4]) for line in out.splitlines() if "planned breach" in line}
    assert printed == expected


def test_sample_refuses_a_folder_with_tables(tmp_path, run_cli):
    (tmp_path / "loans.csv").write_text("x\n", encoding="utf-8")
    code, _, err = run_cli("sample", tmp_path, "--loans", 100, "--institutions", 2, "--lang", "en")
    assert code == 2
    assert "loans.csv" in err and "Traceback" not in err
    assert (tmp_path / "loans.csv").read_text(encoding="utf-8") == "x\n"


def test_sample_needs_ten_loans_per_institution(tmp_path, run_cli):
    code, _, err = run_cli("sample", tmp_path / "x", "--loans", 19, "--institutions", 2)
    assert code == 2
    assert "--loans" in err
    assert not (tmp_path / "x").exists()
