"""Every profile runs on sample_data/ and gives the findings its measures imply.

Figures of the new measures are worked out here again, independently of the rule SQL,
from the sample CSV files with polars.
"""

import json

import polars as pl
import pytest

from checker.rules import load_profile, load_rule_set, profile_names
from tests.conftest import SAMPLE
from tests.test_end_to_end import CORE_RULES

PROFILES = ["national", "liaoning-2025", "sanming-2025", "yantai-2023", "jiyuan-2022"]
RULE_SET = load_rule_set()
# Every measure of DOMAIN.md that is checkable from loan-level data (renewal-approval-days
# needs approval timestamps, which an extract does not carry).
DOMAIN_MEASURES = {
    *CORE_RULES,
    "private-loan-share",
    "small-micro-loan-share",
    "equal-treatment-rate",
    "renewal-scope",
    "inclusive-cost-decline",
    "manufacturing-mlt-growth",
    "guarantee-smallagri-share",
    "guarantee-leverage",
    "first-loan-growth",
    "classification-vs-overdue",
    "borrower-consistency",
    "size-classification",
}


@pytest.fixture(scope="module")
def profile_runs(tmp_path_factory):
    from click.testing import CliRunner

    from checker.cli import main

    runs = {}
    for name in PROFILES:
        out = tmp_path_factory.mktemp(name) / "out"
        args = ["check", str(SAMPLE), "--out", str(out), "--profile", name, "--lang", "en"]
        result = CliRunner().invoke(main, args)
        document = json.loads((out / "findings.json").read_text(encoding="utf-8"))
        runs[name] = (result.exit_code, document)
    return runs


def findings_of(document: dict) -> dict[tuple[str, str], dict]:
    return {(f["institution_id"], f["rule_id"]): f for f in document["findings"]}


def valid_loans() -> pl.DataFrame:
    """loans.csv less the three rows the validator rejects (see make_sample.py)."""
    loans = pl.read_csv(SAMPLE / "loans.csv", infer_schema_length=None)
    return loans.filter(
        (pl.col("balance") >= 0)
        & (pl.col("classification") != "unknown")
        & (pl.col("maturity_date") >= pl.col("start_date"))
    )


def test_the_five_profiles_exist():
    assert set(PROFILES) <= set(profile_names())


def test_rule_catalogue_holds_every_measure():
    assert DOMAIN_MEASURES <= set(RULE_SET.rules)


def test_rules_list_shows_every_measure(run_cli):
    code, stdout, _ = run_cli("rules", "list")
    assert code == 0
    listed = {line.split()[0] for line in stdout.splitlines()}
    assert DOMAIN_MEASURES <= listed


def test_rules_list_for_a_profile_shows_its_rules_only(run_cli):
    code, stdout, _ = run_cli("rules", "list", "--profile", "jiyuan-2022")
    listed = [line.split()[0] for line in stdout.splitlines()]
    expected = [r.id for r in load_profile("jiyuan-2022", RULE_SET.rules).rules]
    assert code == 0 and listed == expected
    assert "inclusive-cost-decline" in listed and "private-loan-share" not in listed


def test_rules_show_gives_the_quote_parameters_dates_and_sql(run_cli):
    code, stdout, _ = run_cli("rules", "show", "small-micro-loan-share")
    assert code == 0
    for part in (
        "力争到2026年底,民营企业、小微企业贷款比重分别占各类贷款的35%、25%以上",
        "warn until 2026-12-30; breach from 2026-12-31",
        "2025-04-29 to 2028-04-28",
        "`min_share` | 25.0",
        "FROM loan_facts",
        "**Why.**",
        "**Example breach.**",
    ):
        assert part in stdout, part


def test_rules_show_unknown_rule_is_exit_2(run_cli):
    code, _, stderr = run_cli("rules", "show", "no-such-rule")
    assert code == 2 and "no such rule" in stderr


@pytest.mark.parametrize("name", PROFILES)
def test_every_profile_runs_on_the_sample(profile_runs, name):
    code, document = profile_runs[name]
    assert code == 1  # the sample has breaches by design
    assert document["run"]["profile"] == name
    found = findings_of(document)
    rules = load_profile(name, RULE_SET.rules).rules
    national = {r.id for r in load_profile("national", RULE_SET.rules).rules}
    assert national <= {r.id for r in rules}, "every regional profile includes national"
    banks = {"B001", "B002", "B003", "B004"}
    guarantors = {"G001", "G002"}
    for rule in rules:
        subjects = banks if rule.subject == "institution" else guarantors
        for subject in subjects:
            assert found[(subject, rule.id)]["status"] != "error", (subject, rule.id)
    assert {f["status"] for f in document["findings"]} <= {
        "pass",
        "breach",
        "warn",
        "not_applicable",
    }


def test_core_findings_are_the_same_in_every_profile(profile_runs):
    national = findings_of(profile_runs["national"][1])
    for name in PROFILES[1:]:
        regional = findings_of(profile_runs[name][1])
        for key, finding in national.items():
            assert regional[key]["status"] == finding["status"], (name, key)


def test_sanming_loan_shares_match_the_sample(profile_runs):
    found = findings_of(profile_runs["sanming-2025"][1])
    loans = valid_loans()
    for bank, book in loans.group_by("institution_id"):
        bank = bank[0]
        total = book["balance"].sum()
        private = book.filter(
            (pl.col("borrower_type") == "enterprise") & (pl.col("ownership") == "private")
        )["balance"].sum()
        small_micro = book.filter(
            pl.col("borrower_type").is_in(["individual_business", "micro_owner"])
            | pl.col("enterprise_size").is_in(["small", "micro"])
        )["balance"].sum()
        for rule_id, part, target in (
            ("private-loan-share", private, 35),
            ("small-micro-loan-share", small_micro, 25),
        ):
            finding = found[(bank, rule_id)]
            share = 100 * part / total
            assert finding["metric"] == pytest.approx(share, rel=1e-12)
            # as of 2025-09-30 a shortfall is a warning (a breach from 2026-12-31)
            assert finding["status"] == ("pass" if share >= target else "warn")
    statuses = {found[(b, "private-loan-share")]["status"] for b in ("B001", "B002")}
    assert statuses == {"pass", "warn"}, "the sample shows both outcomes"


def test_sanming_guarantee_leverage_matches_the_sample(profile_runs):
    found = findings_of(profile_runs["sanming-2025"][1])
    guarantees = pl.read_csv(SAMPLE / "guarantees.csv", infer_schema_length=None)
    guarantors = pl.read_csv(SAMPLE / "guarantors.csv", infer_schema_length=None)
    net_assets = dict(zip(guarantors["guarantor_id"], guarantors["net_assets"], strict=True))
    for guarantor, status in (("G001", "pass"), ("G002", "breach")):
        amount = guarantees.filter(pl.col("guarantor_id") == guarantor)["amount"].sum()
        finding = found[(guarantor, "guarantee-leverage")]
        assert finding["metric"] == pytest.approx(amount / net_assets[guarantor], rel=1e-12)
        assert finding["status"] == status


def test_jiyuan_small_agri_share_matches_the_sample(profile_runs):
    found = findings_of(profile_runs["jiyuan-2022"][1])
    guarantees = pl.read_csv(SAMPLE / "guarantees.csv", infer_schema_length=None)
    for guarantor in ("G001", "G002"):
        mine = guarantees.filter(pl.col("guarantor_id") == guarantor)
        scoped = mine.filter(
            pl.col("borrower_size").is_in(["small", "micro"]) | pl.col("is_agricultural")
        )
        share = 100 * scoped["amount"].sum() / mine["amount"].sum()
        finding = found[(guarantor, "guarantee-smallagri-share")]
        assert finding["metric"] == pytest.approx(share, rel=1e-12)
        assert finding["status"] == ("pass" if share >= 80 else "breach")


def test_sample_classifications_respect_their_overdue_floors(profile_runs):
    found = findings_of(profile_runs["national"][1])
    loans = valid_loans()
    rank = {"normal": 1, "special_mention": 2, "substandard": 3, "doubtful": 4, "loss": 5}
    floor = (
        pl.when(pl.col("overdue_days") > 360)
        .then(5)
        .when(pl.col("overdue_days") > 270)
        .then(4)
        .when(pl.col("overdue_days") > 90)
        .then(3)
        .when(pl.col("overdue_days") > 0)
        .then(2)
        .otherwise(1)
    )
    below = loans.filter(pl.col("classification").replace_strict(rank) < floor)
    assert below.height == 0
    for bank in ("B001", "B002", "B003", "B004"):
        assert found[(bank, "classification-vs-overdue")]["status"] == "pass"
        # the sample carries no employees, revenue or total assets
        assert found[(bank, "size-classification")]["status"] == "not_applicable"


def test_profile_parameters_reach_the_findings(profile_runs):
    found = findings_of(profile_runs["yantai-2023"][1])
    caps = found[("G002", "guarantee-fee-cap")]["parameters"]
    assert caps["direct_cap_up_to_limit"] == 1.0 and caps["reguarantee_cap_above_limit"] == 0.5
