"""Rule files as data: schema check on load, effective dates, --rules folders, profiles."""

import json
from pathlib import Path

import pytest
import yaml

from checker.errors import RuleDefinitionError
from checker.rules import load_profile, load_rule, load_rule_set, rules_to_run
from tests.rules.harness import run_rule, write_extract

REPO = Path(__file__).resolve().parent.parent

# An analyst's rule: loans above a size limit, counted per institution.
LARGE_LOANS = {
    "id": "large-loan-count",
    "version": 1,
    "title": {"zh": "大额贷款笔数", "en": "Loans above a size limit"},
    "severity": "breach",
    "subject": "institution",
    "requires": ["loans"],
    "unit": "count",
    "comparison": "at_most",
    "measures": "Per institution: loans whose balance is above max_balance.",
    "why": "A local supervisor watches concentration in single large loans.",
    "example_breach": "Two loans of 600 yuan against a limit of 500.",
    "source": {
        "doc": "LN-2025",
        "clause": "五",
        "quote": "指导金融机构加强服务价格披露，做好充分告知",
    },
    "parameters": {
        "max_balance": {"default": 500, "unit": "yuan", "description": "Largest balance."},
        "max_loans": {"default": 0, "unit": "count", "description": "Loans allowed above it."},
    },
    "message": {"zh": "{metric:.0f} 笔", "en": "{metric:.0f} loans"},
    "metric_sql": (
        "SELECT institution_id,"
        " count(*) FILTER (WHERE balance > $max_balance) AS metric,"
        " CAST($max_loans AS DOUBLE) AS threshold"
        " FROM loans GROUP BY institution_id"
    ),
}


def write_rule(folder: Path, raw: dict, name: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name or raw['id']}.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def rule_with(tmp_path: Path, **changes) -> Path:
    return write_rule(tmp_path / "rules", {**LARGE_LOANS, **changes})


def loans(as_of: str, *balances: float) -> dict:
    return {
        "loans": [
            {"loan_id": f"L{i}", "balance": b, "as_of_date": as_of}
            for i, b in enumerate(balances, 1)
        ]
    }


def only(result):
    [finding] = result.findings
    return finding


# --- the schema check: one line naming the file and the key ----------------------------------


def test_unknown_key_names_the_file_and_the_key(tmp_path):
    path = rule_with(tmp_path, threshhold=3)
    with pytest.raises(
        RuleDefinitionError, match=r"large-loan-count\.yaml: unknown key 'threshhold'"
    ):
        load_rule(path)


def test_unknown_key_inside_a_parameter_is_named_with_its_path(tmp_path):
    parameters = {"max_balance": {"default": 500, "unti": "yuan"}, "max_loans": {"default": 0}}
    path = rule_with(tmp_path, parameters=parameters)
    with pytest.raises(RuleDefinitionError, match="parameters.max_balance: unknown key 'unti'"):
        load_rule(path)


def test_missing_citation_is_refused(tmp_path):
    raw = {k: v for k, v in LARGE_LOANS.items() if k != "source"}
    path = write_rule(tmp_path, raw)
    with pytest.raises(RuleDefinitionError, match="missing key 'source'"):
        load_rule(path)


def test_citation_without_its_quote_is_refused(tmp_path):
    path = rule_with(tmp_path, source={"doc": "LN-2025", "clause": "五"})
    with pytest.raises(RuleDefinitionError, match="source: citation without 'quote'"):
        load_rule(path)


def test_unknown_document_is_refused(tmp_path):
    path = rule_with(tmp_path, source={**LARGE_LOANS["source"], "doc": "XX-2099"})
    with pytest.raises(RuleDefinitionError, match="cites unknown document 'XX-2099'"):
        load_rule(path)


def test_wrong_severity_lists_the_allowed_ones(tmp_path):
    path = rule_with(tmp_path, severity="fatal")
    with pytest.raises(RuleDefinitionError, match="severity: 'fatal' is not one of breach, warn"):
        load_rule(path)


def test_overlapping_dated_values_are_refused(tmp_path):
    values = [
        {"value": 500, "effective_to": "2025-06-30"},
        {"value": 300, "effective_from": "2025-06-30"},
    ]
    parameters = {**LARGE_LOANS["parameters"], "max_balance": {"values": values}}
    path = rule_with(tmp_path, parameters=parameters)
    with pytest.raises(RuleDefinitionError, match="parameters.max_balance: dated values overlap"):
        load_rule(path)


def test_sql_naming_an_undefined_parameter_is_refused_on_load(tmp_path):
    rule_with(tmp_path, metric_sql=LARGE_LOANS["metric_sql"].replace("$max_loans", "$max_lons"))
    with pytest.raises(RuleDefinitionError, match=r"metric_sql uses \$max_lons"):
        load_rule_set((tmp_path / "rules",))


def test_bad_rule_file_on_the_command_line_is_one_line_exit_2(tmp_path, run_cli):
    rule_with(tmp_path, threshhold=3)
    extract = tmp_path / "x"
    extract.mkdir()
    write_extract(extract, loans("2025-09-30", 100))
    out = tmp_path / "out"
    code, stdout, stderr = run_cli("check", extract, "--out", out, "--rules", tmp_path / "rules")
    assert code == 2
    assert stderr.strip().splitlines() == [
        f"loancheck: {tmp_path / 'rules' / 'large-loan-count.yaml'}: unknown key 'threshhold'"
    ]
    assert not out.exists() and "Traceback" not in stdout + stderr


def test_rules_folder_that_does_not_exist_is_exit_2(tmp_path, run_cli):
    code, _, stderr = run_cli("rules", "list", "--rules", tmp_path / "nowhere")
    assert code == 2 and "not a folder" in stderr and len(stderr.strip().splitlines()) == 1


# --- an analyst's rule in a new folder ---------------------------------------------------


def test_analysts_rule_runs_with_rules_folder(tmp_path, run_cli):
    rule_with(tmp_path)
    extract = tmp_path / "x"
    extract.mkdir()
    write_extract(extract, loans("2025-09-30", 500, 600, 700))
    out = tmp_path / "out"
    code, _, stderr = run_cli("check", extract, "--out", out, "--rules", tmp_path / "rules")
    assert code == 1, stderr
    findings = json.loads((out / "findings.json").read_text(encoding="utf-8"))["findings"]
    [mine] = [f for f in findings if f["rule_id"] == "large-loan-count"]
    # 600 and 700 are above 500; 500 itself is not
    assert mine["status"] == "breach" and mine["metric"] == 2 and mine["threshold"] == 0
    assert mine["parameters"] == {"max_balance": 500, "max_loans": 0}
    assert {f["rule_id"] for f in findings} >= {"npl-tolerance-private", "large-loan-count"}


def test_same_id_in_rules_folder_replaces_the_builtin_rule(tmp_path):
    raw = yaml.safe_load((REPO / "rules" / "npl-tolerance-private.yaml").read_text("utf-8"))
    raw["parameters"]["tolerance_pp"]["default"] = 2.5
    raw["version"] = 2
    write_rule(tmp_path / "rules", raw)
    rule_set = load_rule_set((tmp_path / "rules",))
    rule = rule_set.rules["npl-tolerance-private"]
    assert rule.version == 2 and rule.parameter_values()["tolerance_pp"] == 2.5
    profile = load_profile("national", rule_set.rules, rule_set.folders)
    ran = rules_to_run(profile, rule_set)
    assert [r.id for r in ran].count("npl-tolerance-private") == 1
    assert next(r for r in ran if r.id == "npl-tolerance-private").version == 2


def test_rules_list_and_show_include_the_analysts_rule(tmp_path, run_cli):
    rule_with(tmp_path)
    code, stdout, _ = run_cli("rules", "list", "--rules", tmp_path / "rules")
    assert code == 0 and "large-loan-count" in stdout
    code, stdout, _ = run_cli("rules", "show", "large-loan-count", "--rules", tmp_path / "rules")
    assert code == 0 and "指导金融机构加强服务价格披露" in stdout and "max_balance" in stdout


# --- effective dates -------------------------------------------------------------------------


def test_rule_outside_its_window_is_not_applicable_with_the_reason(tmp_path):
    rule = load_rule(rule_with(tmp_path, effective_from="2026-01-01"))
    finding = only(run_rule(tmp_path, rule, loans("2025-12-31", 900)))
    assert finding.status == "not_applicable"
    assert finding.message == "not in force on 2025-12-31 (in force from 2026-01-01)"


def test_rule_on_the_first_and_last_day_of_its_window_runs(tmp_path):
    rule = load_rule(rule_with(tmp_path, effective_from="2025-01-01", effective_to="2025-12-31"))
    for day in ("2025-01-01", "2025-12-31"):
        folder = tmp_path / day
        folder.mkdir()
        assert only(run_rule(folder, rule, loans(day, 900))).status == "breach"
    folder = tmp_path / "after"
    folder.mkdir()
    assert only(run_rule(folder, rule, loans("2026-01-01", 900))).status == "not_applicable"


def test_dated_parameter_value_in_force_on_the_as_of_date_is_used(tmp_path):
    values = [
        {"value": 500, "effective_to": "2025-06-29"},
        {"value": 800, "effective_from": "2025-06-30"},
    ]
    parameters = {**LARGE_LOANS["parameters"], "max_balance": {"values": values}}
    rule = load_rule(rule_with(tmp_path, parameters=parameters))
    before, after = tmp_path / "before", tmp_path / "after"
    before.mkdir()
    after.mkdir()
    # a 700-yuan loan is above the limit of 500 before 30 June and within 800 from it
    early = only(run_rule(before, rule, loans("2025-06-29", 700)))
    late = only(run_rule(after, rule, loans("2025-06-30", 700)))
    assert (early.status, early.parameters["max_balance"]) == ("breach", 500)
    assert (late.status, late.parameters["max_balance"]) == ("pass", 800)


def test_parameter_without_a_value_on_the_date_is_not_applicable(tmp_path):
    values = [{"value": 500, "effective_from": "2026-01-01"}]
    parameters = {**LARGE_LOANS["parameters"], "max_balance": {"values": values}}
    rule = load_rule(rule_with(tmp_path, parameters=parameters))
    finding = only(run_rule(tmp_path, rule, loans("2025-09-30", 700)))
    assert finding.status == "not_applicable"
    assert "parameter max_balance has no value in force on 2025-09-30" in finding.message


def test_dated_severity_warns_before_and_breaches_from_its_date(tmp_path):
    severity = [
        {"value": "warn", "effective_to": "2026-12-30"},
        {"value": "breach", "effective_from": "2026-12-31"},
    ]
    rule = load_rule(rule_with(tmp_path, severity=severity))
    before, on = tmp_path / "before", tmp_path / "on"
    before.mkdir()
    on.mkdir()
    assert only(run_rule(before, rule, loans("2026-12-30", 700))).status == "warn"
    assert only(run_rule(on, rule, loans("2026-12-31", 700))).status == "breach"


def test_indicator_warns_and_never_breaches(tmp_path):
    rule = load_rule(rule_with(tmp_path, severity="indicator"))
    assert only(run_rule(tmp_path, rule, loans("2025-09-30", 700))).status == "warn"


# --- exception rows -----------------------------------------------------------------------


def test_exception_rows_are_queried_only_when_a_finding_is_flagged(tmp_path):
    # error() fails when a row is read, not when the query is bound: the query runs only
    # for breach or warn findings, whose rows are kept.
    rule = load_rule(
        rule_with(
            tmp_path,
            exceptions_sql="SELECT institution_id, loan_id, error('read') AS boom FROM loans",
        )
    )
    clean, breaching = tmp_path / "clean", tmp_path / "breaching"
    clean.mkdir()
    breaching.mkdir()
    assert only(run_rule(clean, rule, loans("2025-09-30", 500))).status == "pass"
    finding = only(run_rule(breaching, rule, loans("2025-09-30", 600)))
    assert finding.status == "error" and "read" in finding.message


def test_exception_rows_are_read_only_for_the_flagged_institutions(tmp_path):
    # B1 breaches (a loan of 600 > 500), B2 passes. Reading any B2 row for the exceptions
    # would fail the rule with error('B2 read'): the query is filtered to B1 before its
    # rows are read. The trailing comment and semicolon must not break the filtering.
    rule = load_rule(
        rule_with(
            tmp_path,
            exceptions_sql=(
                "SELECT institution_id, loan_id, balance,\n"
                "  CASE WHEN institution_id = 'B2' THEN error('B2 read') END AS boom\n"
                "FROM loans WHERE balance > $max_balance\n"
                "ORDER BY loan_id;  -- the loans above the limit\n"
            ),
        )
    )
    rows = [
        {"institution_id": "B1", "loan_id": "L1", "balance": 600, "as_of_date": "2025-09-30"},
        {"institution_id": "B1", "loan_id": "L2", "balance": 400, "as_of_date": "2025-09-30"},
        {"institution_id": "B2", "loan_id": "L3", "balance": 500, "as_of_date": "2025-09-30"},
    ]
    result = run_rule(tmp_path, rule, {"loans": rows})
    statuses = {f.institution_id: (f.status, f.exceptions) for f in result.findings}
    assert statuses == {"B1": ("breach", 1), "B2": ("pass", 0)}
    assert list(result.exceptions) == ["B1"]
    assert result.exceptions["B1"].get_column("loan_id").to_list() == ["L1"]


def test_exception_query_that_does_not_bind_fails_the_rule_even_when_all_pass(tmp_path):
    rule = load_rule(
        rule_with(tmp_path, exceptions_sql="SELECT institution_id, no_such_column FROM loans")
    )
    finding = only(run_rule(tmp_path, rule, loans("2025-09-30", 500)))
    assert finding.status == "error" and "no_such_column" in finding.message


# --- profiles --------------------------------------------------------------------------------


def write_profile(folder: Path, raw: dict) -> None:
    (folder / "profiles").mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(raw, allow_unicode=True, sort_keys=False)
    (folder / "profiles" / f"{raw['name']}.yaml").write_text(text, encoding="utf-8")


def test_profile_includes_another_and_overrides_its_parameters(tmp_path):
    folder = tmp_path / "rules"
    write_profile(
        folder,
        {
            "name": "strict",
            "title": {"zh": "严", "en": "Strict"},
            "include": "national",
            "exclude": ["fee-disclosure"],
            "parameters": {"npl-tolerance-private": {"tolerance_pp": 2.0}},
        },
    )
    write_profile(
        folder,
        {
            "name": "stricter",
            "title": {"zh": "更严", "en": "Stricter"},
            "include": "strict",
            "parameters": {"npl-tolerance-inclusive": {"tolerance_pp": 1.5}},
        },
    )
    rule_set = load_rule_set((folder,))
    national = load_profile("national", rule_set.rules, rule_set.folders)
    stricter = load_profile("stricter", rule_set.rules, rule_set.folders)
    by_id = {rule.id: rule for rule in stricter.rules}
    assert list(by_id) == [r.id for r in national.rules if r.id != "fee-disclosure"]
    assert by_id["npl-tolerance-private"].parameter_values()["tolerance_pp"] == 2.0
    assert by_id["npl-tolerance-inclusive"].parameter_values()["tolerance_pp"] == 1.5


def test_profile_that_includes_itself_is_refused(tmp_path):
    folder = tmp_path / "rules"
    write_profile(folder, {"name": "a", "title": {"zh": "a", "en": "a"}, "include": "b"})
    write_profile(folder, {"name": "b", "title": {"zh": "b", "en": "b"}, "include": "a"})
    rule_set = load_rule_set((folder,))
    with pytest.raises(RuleDefinitionError, match="includes itself"):
        load_profile("a", rule_set.rules, rule_set.folders)


def test_profile_overriding_an_unknown_parameter_is_refused(tmp_path):
    folder = tmp_path / "rules"
    write_profile(
        folder,
        {
            "name": "typo",
            "title": {"zh": "t", "en": "t"},
            "include": "national",
            "parameters": {"npl-tolerance-private": {"tolerence_pp": 2.0}},
        },
    )
    rule_set = load_rule_set((folder,))
    with pytest.raises(RuleDefinitionError, match="rule has no parameter 'tolerence_pp'"):
        load_profile("typo", rule_set.rules, rule_set.folders)


def test_profile_with_an_unknown_key_is_refused(tmp_path):
    folder = tmp_path / "rules"
    write_profile(folder, {"name": "k", "title": {"zh": "k", "en": "k"}, "rule": ["x"]})
    rule_set = load_rule_set((folder,))
    with pytest.raises(RuleDefinitionError, match=r"k\.yaml: unknown key 'rule'"):
        load_profile("k", rule_set.rules, rule_set.folders)


def test_analysts_rule_reads_its_own_lookup_table(tmp_path):
    folder = tmp_path / "rules"
    (folder / "lookups").mkdir(parents=True)
    (folder / "lookups" / "balance_limits.csv").write_text(
        "institution_id,max_balance\nB1,650\n", encoding="utf-8"
    )
    metric_sql = (
        "SELECT l.institution_id,"
        " count(*) FILTER (WHERE l.balance > m.max_balance) AS metric,"
        " CAST($max_loans AS DOUBLE) AS threshold"
        " FROM loans AS l JOIN balance_limits AS m USING (institution_id)"
        " GROUP BY l.institution_id"
    )
    path = rule_with(tmp_path, lookups=["balance_limits"], metric_sql=metric_sql)
    rule = load_rule_set((folder,)).rules["large-loan-count"]
    assert rule.lookups == {"balance_limits": path.parent / "lookups" / "balance_limits.csv"}
    # limit 650 from the table: only the 700 loan is above it
    assert only(run_rule(tmp_path, rule, loans("2025-09-30", 600, 700))).metric == 1


def test_missing_lookup_table_is_named(tmp_path):
    path = rule_with(tmp_path, lookups=["nowhere"])
    with pytest.raises(RuleDefinitionError, match=r"lookups: no file lookups/nowhere\.csv"):
        load_rule(path)


def test_profile_may_set_dated_parameter_values(tmp_path):
    folder = tmp_path / "rules"
    rule_with(tmp_path)
    values = [
        {"value": 500, "effective_to": "2025-06-29"},
        {"value": 800, "effective_from": "2025-06-30"},
    ]
    write_profile(
        folder,
        {
            "name": "dated",
            "title": {"zh": "d", "en": "d"},
            "rules": ["large-loan-count"],
            "parameters": {"large-loan-count": {"max_balance": values}},
        },
    )
    rule_set = load_rule_set((folder,))
    [rule] = load_profile("dated", rule_set.rules, rule_set.folders).rules
    early, late = tmp_path / "early", tmp_path / "late"
    early.mkdir()
    late.mkdir()
    assert only(run_rule(early, rule, loans("2025-06-29", 700))).status == "breach"
    assert only(run_rule(late, rule, loans("2025-06-30", 700))).status == "pass"


def test_lookup_table_may_not_hide_an_extract_table(tmp_path):
    path = rule_with(tmp_path, lookups=["loans"])
    with pytest.raises(RuleDefinitionError, match="lookups: 'loans' is the name of a table"):
        load_rule(path)
