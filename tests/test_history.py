"""The run history: what a run records, re-runs replacing their record, the schema
version, and the new / persisting / resolved marks over nights."""

import hashlib

import duckdb

from checker.history import SCHEMA_VERSION, open_history
from tests.nightly import findings_of, run_document, write_night

RULE = "fee-disclosure"


def _check(run_cli, extract, out, *extra):
    return run_cli("check", extract, "--out", out, "--lang", "en", "--quiet", *extra)


def test_history_defaults_beside_the_output_folder_and_records_the_run(tmp_path, run_cli):
    extract = write_night(tmp_path / "n1", "2025-09-29", {"B1": 1})
    code, _, err = _check(run_cli, extract, tmp_path / "out")
    assert code == 1, err
    history = tmp_path / "history.duckdb"
    assert history.is_file()
    with open_history(history, read_only=True) as store:
        runs = store.runs()
        assert runs.height == 1
        assert str(runs["as_of_date"][0]) == "2025-09-29" and runs["profile"][0] == "national"
        findings = store.findings()
        document = findings_of(tmp_path / "out")
        assert findings.height == len(document)
        row = findings.filter(institution_id="B1", rule_id=RULE).row(0, named=True)
        assert (row["status"], row["metric"], row["threshold"]) == ("breach", 1.0, 0.0)
        inputs = store.connection.execute(
            "SELECT table_name, path, size_bytes, sha256, rows FROM run_inputs"
        ).fetchall()
        loans = (extract / "loans.csv").read_bytes()
        assert inputs == [("loans", "loans.csv", len(loans), hashlib.sha256(loans).hexdigest(), 4)]
        rules = dict(
            store.connection.execute(
                "SELECT rule_id, rule_version FROM run_rules WHERE rule_id = ?", [RULE]
            ).fetchall()
        )
        assert rules == {RULE: 1}
    assert run_document(tmp_path / "out")["history"]["compared_with"] is None


def test_rerunning_the_same_date_replaces_the_record_and_leaves_an_audit_line(tmp_path, run_cli):
    extract = write_night(tmp_path / "n1", "2025-09-29", {"B1": 1})
    _check(run_cli, extract, tmp_path / "out")
    write_night(extract, "2025-09-29", {})  # corrected extract, same date
    code, _, _ = _check(run_cli, extract, tmp_path / "out")
    assert code == 0
    with open_history(tmp_path / "history.duckdb", read_only=True) as store:
        assert store.runs().height == 1
        findings = store.findings(rule=RULE)
        assert findings["status"].to_list() == ["pass", "pass"]
        audit = store.audit()
        assert audit["action"].to_list() == ["recorded", "rerun"]
        assert audit["replaced_run_id"][1] == audit["run_id"][0]
        assert audit["run_id"][1] == store.runs()["run_id"][0]


def test_a_history_from_a_newer_version_is_refused_in_one_line(tmp_path, run_cli):
    history = tmp_path / "history.duckdb"
    with duckdb.connect(str(history)) as connection:
        connection.execute("CREATE TABLE meta (key VARCHAR, value VARCHAR)")
        connection.execute(
            "INSERT INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION + 1)]
        )
    extract = write_night(tmp_path / "n1", "2025-09-29", {})
    code, out, err = _check(run_cli, extract, tmp_path / "out")
    assert code == 2
    assert err.count("\n") == 1 and "newer loancheck" in err and str(history) in err
    assert not (tmp_path / "out").exists()


def test_a_file_that_is_not_a_history_is_refused_in_one_line(tmp_path, run_cli):
    history = tmp_path / "notes.duckdb"
    history.write_text("not a database\n" * 200, encoding="utf-8")
    extract = write_night(tmp_path / "n1", "2025-09-29", {})
    code, _, err = _check(run_cli, extract, tmp_path / "out", "--history", history)
    assert code == 2 and err.count("\n") == 1 and "not a readable history" in err


def test_an_empty_history_file_from_an_older_layout_is_migrated(tmp_path, run_cli):
    """A DuckDB file without the meta table is version 0: opening it creates the tables."""
    history = tmp_path / "history.duckdb"
    duckdb.connect(str(history)).close()
    extract = write_night(tmp_path / "n1", "2025-09-29", {})
    code, _, err = _check(run_cli, extract, tmp_path / "out")
    assert code == 0, err
    with duckdb.connect(str(history), read_only=True) as connection:
        version = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'")
        assert version.fetchall()[0] == (str(SCHEMA_VERSION),)


def test_the_history_inside_the_output_folder_is_refused(tmp_path, run_cli):
    extract = write_night(tmp_path / "n1", "2025-09-29", {})
    out = tmp_path / "out"
    code, _, err = _check(run_cli, extract, out, "--history", out / "history.duckdb")
    assert code == 2 and "inside the output folder" in err


def test_no_history_keeps_nothing(tmp_path, run_cli):
    extract = write_night(tmp_path / "n1", "2025-09-29", {})
    code, _, _ = _check(run_cli, extract, tmp_path / "out", "--no-history")
    assert code == 0
    assert not (tmp_path / "history.duckdb").exists()
    assert "history" not in run_document(tmp_path / "out")


def test_three_nights_mark_new_persisting_and_resolved(tmp_path, run_cli):
    """B1 breaches on the 29th and 30th and is clean on 1 October: no mark on the first
    night (nothing to compare with), persisting since the 29th, then resolved.
    B2 is clean on the 29th, breaches on the 30th (new) and 1 October (persisting since
    the 30th)."""
    out = tmp_path / "out"
    nights = [
        ("2025-09-29", {"B1": 1}),
        ("2025-09-30", {"B1": 2, "B2": 1}),
        ("2025-10-01", {"B2": 1}),
    ]
    marks = []
    for as_of, undisclosed in nights:
        extract = write_night(tmp_path / as_of, as_of, undisclosed)
        _check(run_cli, extract, out)
        found = findings_of(out)
        marks.append({bank: found[(bank, RULE)]["change"] for bank in ("B1", "B2")})

    assert marks[0]["B1"] == {"mark": None, "since": "2025-09-29", "previous_status": None}
    assert marks[0]["B2"] == {"mark": None, "since": None, "previous_status": None}
    assert marks[1]["B1"] == {
        "mark": "persisting",
        "since": "2025-09-29",
        "previous_status": "breach",
    }
    assert marks[1]["B2"] == {"mark": "new", "since": "2025-09-30", "previous_status": "pass"}
    assert marks[2]["B1"] == {"mark": "resolved", "since": None, "previous_status": "breach"}
    assert marks[2]["B2"] == {
        "mark": "persisting",
        "since": "2025-09-30",
        "previous_status": "breach",
    }
    assert run_document(out)["history"]["compared_with"] == "2025-09-30"
    # A check that passes on both nights carries no mark.
    assert findings_of(out)[("B1", "npl-tolerance-private")]["change"]["mark"] is None


def test_a_bank_flagged_last_night_and_absent_tonight_is_listed(tmp_path, run_cli):
    """B1 breaches fee-disclosure on the 29th; on the 30th the extract has only B2, so B1
    has no finding at all: its breach must not vanish from the morning's reading."""
    out = tmp_path / "out"
    _check(run_cli, write_night(tmp_path / "29", "2025-09-29", {"B1": 1}), out)
    _check(run_cli, write_night(tmp_path / "30", "2025-09-30", {}, banks=("B2",)), out)
    vanished = run_document(out)["history"]["vanished"]
    assert vanished == [{"institution_id": "B1", "rule_id": RULE, "previous_status": "breach"}]
    line = "B1 · Loan cost disclosed to the borrower: breach last time, no result now"
    assert line in (out / "summary.txt").read_text(encoding="utf-8")
    assert line in (out / "summary.md").read_text(encoding="utf-8")
    assert line in (out / "index.html").read_text(encoding="utf-8")


def test_a_streak_broken_by_a_clean_night_starts_again(tmp_path, run_cli):
    out = tmp_path / "out"
    for as_of, undisclosed in [
        ("2025-09-28", {"B1": 1}),
        ("2025-09-29", {}),
        ("2025-09-30", {"B1": 1}),
    ]:
        _check(run_cli, write_night(tmp_path / as_of, as_of, undisclosed), out)
    change = findings_of(out)[("B1", RULE)]["change"]
    assert change == {"mark": "new", "since": "2025-09-30", "previous_status": "pass"}


def test_marks_compare_with_the_latest_earlier_date_of_the_same_profile(tmp_path, run_cli):
    """Re-running an older night compares it with the night before it, not with later
    ones; another profile's runs are not compared with."""
    out = tmp_path / "out"
    _check(run_cli, write_night(tmp_path / "a", "2025-09-28", {"B2": 1}), out)
    _check(run_cli, write_night(tmp_path / "b", "2025-09-30", {}), out)
    _check(run_cli, write_night(tmp_path / "c", "2025-09-29", {"B2": 1}), out)
    assert findings_of(out)[("B2", RULE)]["change"]["mark"] == "persisting"
    _check(
        run_cli,
        write_night(tmp_path / "d", "2025-10-01", {"B2": 1}),
        out,
        "--profile",
        "sanming-2025",
    )
    assert run_document(out)["history"]["compared_with"] is None


def _two_nights(tmp_path, run_cli):
    out = tmp_path / "out"
    for as_of, undisclosed in [("2025-09-29", {"B1": 1}), ("2025-09-30", {"B1": 2, "B2": 1})]:
        _check(run_cli, write_night(tmp_path / as_of, as_of, undisclosed), out)
    return tmp_path / "history.duckdb"


def test_history_command_table_lists_runs_and_the_findings_asked_for(tmp_path, run_cli):
    history = _two_nights(tmp_path, run_cli)
    code, out, err = run_cli(
        "history", "--history", history, "--rule", RULE, "--institution", "B1", "--lang", "en"
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "Runs" and lines[1].split()[:2] == ["as-of", "date"]
    assert [line.split()[0] for line in lines[2:4]] == ["2025-09-29", "2025-09-30"]
    findings = lines[lines.index("Findings") + 2 :]
    assert [line.split()[:8] for line in findings] == [
        ["2025-09-29", "national", "B1", RULE, "breach", "1", "0", "—"],
        ["2025-09-30", "national", "B1", RULE, "breach", "2", "0", "persisting"],
    ]
    assert findings[1].split()[8] == "2025-09-29"  # since


def test_history_command_csv_and_json_for_other_tools(tmp_path, run_cli):
    import csv
    import io
    import json

    history = _two_nights(tmp_path, run_cli)
    code, out, _ = run_cli("history", "--history", history, "--rule", RULE, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [
        (r["as_of_date"], r["institution_id"], r["status"], r["change_mark"]) for r in rows
    ] == [
        ("2025-09-29", "B1", "breach", ""),
        ("2025-09-29", "B2", "pass", ""),
        ("2025-09-30", "B1", "breach", "persisting"),
        ("2025-09-30", "B2", "breach", "new"),
    ]
    code, out, _ = run_cli(
        "history", "--history", history, "--institution", "B2", "--format", "json"
    )
    document = json.loads(out)
    assert [r["as_of_date"] for r in document["runs"]] == ["2025-09-29", "2025-09-30"]
    assert {f["institution_id"] for f in document["findings"]} == {"B2"}
    fee = [f for f in document["findings"] if f["rule_id"] == RULE]
    assert [(f["status"], f["metric"]) for f in fee] == [("pass", 0.0), ("breach", 1.0)]


def test_history_command_csv_neutralises_formulas_from_the_data(tmp_path, run_cli):
    from tests.rules.harness import write_extract

    folder = tmp_path / "x"
    folder.mkdir()
    write_extract(
        folder,
        {"loans": [{"institution_id": "=HYPERLINK(1)", "loan_id": "L1"}]},
    )
    _check(run_cli, folder, tmp_path / "out")
    code, out, _ = run_cli(
        "history", "--history", tmp_path / "history.duckdb", "--format", "csv", "--rule", RULE
    )
    assert code == 0
    assert ",'=HYPERLINK(1)," in out


def test_history_command_without_a_history_file_is_one_line(tmp_path, run_cli):
    code, _, err = run_cli("history", "--history", tmp_path / "none.duckdb", "--lang", "en")
    assert code == 2 and err.count("\n") == 1 and "no such history file" in err


def test_history_and_no_history_together_are_a_usage_error(tmp_path, run_cli):
    extract = write_night(tmp_path / "n1", "2025-09-29", {})
    code, _, err = _check(run_cli, extract, tmp_path / "out", "--no-history", "--history", "h.db")
    assert code == 2 and "exclude each other" in err
