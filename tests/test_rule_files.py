"""Every rule file is complete, loads, and cites its clause verbatim."""

import re
from pathlib import Path

import pytest
import yaml

from checker.errors import RuleDefinitionError
from checker.rules import load_documents, load_profile, load_rule, load_rules

REPO = Path(__file__).resolve().parent.parent
# The policy texts sit in shared/seeds beside the clone (in CI) or beside a folder above
# it (a git worktree); the first one found is used.
SEEDS = next(
    (p / "shared" / "seeds" for p in REPO.parents if (p / "shared" / "seeds").is_dir()),
    REPO.parent / "shared" / "seeds",
)
CASES = REPO / "tests" / "rules" / "cases"
RULES = load_rules()


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_documents_itself(rule_id):
    rule = RULES[rule_id]
    for text in (rule.measures, rule.why, rule.example_breach, rule.title["zh"], rule.title["en"]):
        assert text.strip()
    assert rule.message["zh"] and rule.message["en"]


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_has_a_passing_and_a_failing_case(rule_id):
    """A passing case, and a case for each status the rule can give when it fails: breach,
    and warn (a warning or an indicator rule, or a severity that is warn on some dates)."""
    path = CASES / f"{rule_id}.yaml"
    assert path.is_file(), f"no cases for {rule_id}"
    statuses = {
        expected["status"]
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
        for expected in case["expect"]
    }
    failing = {"breach" if d.value == "breach" else "warn" for d in RULES[rule_id].severities}
    assert {"pass", *failing} <= statuses


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"policy texts not found at {SEEDS}")
@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_every_quote_appears_verbatim_in_its_document(rule_id):
    documents = load_documents()
    rule = RULES[rule_id]
    citations = [rule.source, *rule.also_cites]
    citations += [spec["source"] for spec in rule.parameters.values() if "source" in spec]
    for citation in citations:
        text = (SEEDS / documents[citation["doc"]]["seed"]).read_text(encoding="utf-8")
        assert citation["quote"] in text, f"{citation['doc']}: {citation['quote']}"


def test_national_profile_runs_the_core_measures():
    assert [r.id for r in load_profile("national", RULES).rules][:2] == [
        "npl-tolerance-private",
        "npl-tolerance-inclusive",
    ]


def _rule_file(tmp_path, change):
    raw = yaml.safe_load((REPO / "rules" / "fee-disclosure.yaml").read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "fee-disclosure.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_unknown_key_in_a_rule_file_is_named(tmp_path):
    path = _rule_file(tmp_path, lambda raw: raw.update(threshhold=3))
    with pytest.raises(RuleDefinitionError, match="fee-disclosure.yaml: unknown key 'threshhold'"):
        load_rule(path)


def test_citation_without_quote_is_refused(tmp_path):
    path = _rule_file(tmp_path, lambda raw: raw["source"].pop("quote"))
    with pytest.raises(RuleDefinitionError, match="citation without 'quote'"):
        load_rule(path)


@pytest.mark.parametrize("column", ["borrower_type", "enterprise_size", "ownership"])
def test_borrower_lines_gives_every_listed_value_a_bit_of_its_own(column):
    """borrower_lines tells "more than one value" from one bit per listed value
    (rules/definitions.yaml); a value added to schemas/loans.yaml without a bit would stop
    every run, so the two lists must agree."""
    from checker.rules import load_definitions
    from checker.schemas import load_schemas

    [sql] = [s for s in load_definitions().facts_sql if "CREATE TABLE borrower_lines" in s]
    sql = " ".join(sql.split())
    opening = (
        "CASE coalesce(enterprise_size" if column == "enterprise_size" else f"CASE WHEN {column}"
    )
    case = sql[sql.index(opening) :]
    case = case[: case.index(" END")]
    named = set(re.findall(r"'([a-z_]+)'", case)) - {""}
    assert named == set(load_schemas()["loans"].column(column).values)
    bits = [int(b) for b in re.findall(r"THEN (\d+)", case) if int(b)]
    assert len(bits) == len(set(bits)) and all(b & (b - 1) == 0 for b in bits)
