"""The CLI on the sample extract and on broken ones: exit codes, files, nothing lost."""

import csv
import json
from collections import defaultdict

import polars as pl

from tests.conftest import SAMPLE
from tests.rules.harness import write_extract

CORE_RULES = [
    "npl-tolerance-private",
    "npl-tolerance-inclusive",
    "two-increases-growth",
    "two-increases-borrowers",
    "guarantee-fee-cap",
    "guarantee-fee-average",
    "fee-disclosure",
    "prohibited-fees",
]


def test_sample_breaches_exit_1_and_every_output_file_is_written(sample_run):
    result, out, findings = sample_run
    assert result.exit_code == 1
    for name in ("findings.json", "rejected_rows.csv", "index.html"):
        assert (out / name).is_file()
    assert {p.name for p in (out / "institutions").iterdir()} >= {"B001.html", "G002.html"}
    assert "Reports:" in result.stdout and "npl-tolerance-private" in result.stdout


def test_findings_json_keeps_the_contract(sample_run):
    _, _, document = sample_run
    run = document["run"]
    assert set(run) >= {
        "as_of_date",
        "started_at",
        "tool_version",
        "profile",
        "inputs",
        "rejected_rows",
    }
    assert run["as_of_date"] == "2025-09-30" and run["profile"] == "national"
    for finding in document["findings"]:
        assert set(finding) >= {
            "institution_id",
            "rule_id",
            "status",
            "metric",
            "threshold",
            "unit",
            "exceptions",
            "message",
            "source",
            "details",
        }
        assert set(finding["source"]) == {"doc", "clause", "quote"}
    pairs = [(f["institution_id"], f["rule_id"]) for f in document["findings"]]
    assert len(pairs) == len(set(pairs)), "one finding per (institution, rule)"


def test_run_timings_give_seconds_for_every_stage(sample_run):
    _, _, document = sample_run
    timings = document["run"]["timings"]
    assert list(timings) == ["load_and_validate", "rules", "write_reports"]
    assert all(isinstance(seconds, float) and seconds >= 0 for seconds in timings.values())


def test_sample_shows_every_rule_both_passing_and_breaching(sample_run):
    _, _, document = sample_run
    statuses = defaultdict(set)
    for finding in document["findings"]:
        statuses[finding["rule_id"]].add(finding["status"])
    for rule_id in CORE_RULES:
        assert {"pass", "breach"} <= statuses[rule_id], rule_id
    assert "warn" in statuses["prohibited-fees"]


def test_every_row_is_checked_or_rejected(sample_run):
    _, out, document = sample_run
    for entry in document["run"]["inputs"]:
        assert entry["rows"] == entry["rows_checked"] + entry["rows_rejected"]
    with (out / "rejected_rows.csv").open(encoding="utf-8-sig") as handle:
        rejected = list(csv.DictReader(handle))
    assert document["run"]["rejected_rows"] == len({(r["file"], r["row"]) for r in rejected}) == 3


def test_exception_csv_has_bom_and_matches_the_count(sample_run):
    _, out, document = sample_run
    breach = next(f for f in document["findings"] if f["status"] == "breach" and f["exceptions"])
    path = out / "exceptions" / breach["institution_id"] / f"{breach['rule_id']}.csv"
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert len(raw.decode("utf-8-sig").strip().splitlines()) - 1 == breach["exceptions"]


def test_parquet_extract_gives_the_same_findings_as_csv(sample_run, tmp_path, run_cli):
    _, _, from_csv = sample_run
    extract = tmp_path / "parquet"
    extract.mkdir()
    for path in SAMPLE.glob("*.csv"):
        pl.read_csv(path, infer_schema_length=None).write_parquet(extract / f"{path.stem}.parquet")
    code, _, _ = run_cli("check", extract, "--out", tmp_path / "out", "--lang", "en")
    from_parquet = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))
    assert code == 1
    # Findings carry no row numbers, so they match exactly (only run.inputs differ).
    assert from_parquet["findings"] == from_csv["findings"]


def _small_extract(folder, **overrides):
    loans = [
        {
            "loan_id": "L1",
            "ownership": "private",
            "enterprise_size": "small",
            "credit_line": 1000000,
        },
        {"loan_id": "L2"},
        {"loan_id": "L3", **overrides},
    ]
    folder.mkdir(exist_ok=True)
    write_extract(folder, {"loans": loans})
    return folder


def test_clean_extract_passes_with_exit_0(tmp_path, run_cli):
    code, stdout, _ = run_cli("check", _small_extract(tmp_path / "x"), "--out", tmp_path / "out")
    assert code == 0, stdout


def test_one_bad_value_is_rejected_with_its_row_and_excluded(tmp_path, run_cli):
    extract = _small_extract(tmp_path / "x", balance=-5)
    code, _, _ = run_cli("check", extract, "--out", tmp_path / "out", "--quiet")
    assert code == 0
    with (tmp_path / "out" / "rejected_rows.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    # L3 is the third record: file row 4, after the header.
    assert rows == [
        {
            "file": "loans.csv",
            "row": "4",
            "column": "balance",
            "check": "min",
            "value": "'-5",
            "message": "loans.csv：第 4 行 balance 列：'-5' 小于 0",
        }
    ]
    document = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))
    assert document["run"]["rejected_rows"] == 1
    assert document["run"]["inputs"][0]["rows_checked"] == 2


def _assert_unusable(code, stdout, stderr, out, *words):
    assert code == 2
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    for word in words:
        assert word in lines[0]
    assert "Traceback" not in stderr + stdout
    assert not out.exists()
    assert not list(out.parent.glob(".out.tmp-*")), "no staging folder left behind"


def test_missing_required_column_exits_2_naming_file_and_column(tmp_path, run_cli):
    extract = _small_extract(tmp_path / "x")
    frame = pl.read_csv(extract / "loans.csv", infer_schema=False).drop("balance")
    frame.write_csv(extract / "loans.csv")
    out = tmp_path / "out"
    _assert_unusable(*run_cli("check", extract, "--out", out), out, "loans.csv", "balance")


def test_binary_garbage_exits_2(tmp_path, run_cli):
    extract = _small_extract(tmp_path / "x")
    (extract / "loans.csv").write_bytes(b"\x00\xff\xfe\x81garbage\n\x00\x00")
    out = tmp_path / "out"
    _assert_unusable(*run_cli("check", extract, "--out", out), out, "loans.csv")


def test_empty_file_exits_2(tmp_path, run_cli):
    extract = _small_extract(tmp_path / "x")
    (extract / "loans.csv").write_bytes(b"")
    out = tmp_path / "out"
    _assert_unusable(
        *run_cli("check", extract, "--out", out, "--lang", "en"), out, "loans.csv", "empty"
    )


def test_folder_without_loans_exits_2(tmp_path, run_cli):
    (tmp_path / "x").mkdir()
    out = tmp_path / "out"
    _assert_unusable(*run_cli("check", tmp_path / "x", "--out", out), out, "loans")


def test_ragged_csv_line_is_rejected_alone(tmp_path, run_cli):
    """A record with too many fields is listed with its row; the other rows are checked."""
    extract = _small_extract(tmp_path / "x")
    with (extract / "loans.csv").open("a", encoding="utf-8") as handle:
        handle.write("a,b,c," * 20 + "\n")
    code, _, _ = run_cli("check", extract, "--out", tmp_path / "out", "--lang", "en")
    assert code == 0
    with (tmp_path / "out" / "rejected_rows.csv").open(encoding="utf-8-sig") as handle:
        [rejected] = list(csv.DictReader(handle))
    assert (rejected["row"], rejected["check"], rejected["value"]) == ("5", "field_count", "61")
    assert "61 fields" in rejected["message"]
    document = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))
    assert document["run"]["inputs"][0]["rows"] == 4
    assert document["run"]["inputs"][0]["rows_checked"] == 3


def test_unclosed_quote_exits_2_naming_the_row(tmp_path, run_cli):
    extract = _small_extract(tmp_path / "x")
    path = extract / "loans.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("Borrower", '"Borrower', 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    _assert_unusable(
        *run_cli("check", extract, "--out", out, "--lang", "en"), out, "loans.csv", "row 3"
    )


def test_several_as_of_dates_exit_2(tmp_path, run_cli):
    extract = _small_extract(tmp_path / "x", as_of_date="2025-06-30")
    out = tmp_path / "out"
    _assert_unusable(
        *run_cli("check", extract, "--out", out, "--lang", "en"), out, "loans.csv", "as-of"
    )


def test_failed_run_leaves_the_previous_report_in_place(tmp_path, run_cli):
    extract = _small_extract(tmp_path / "x")
    out = tmp_path / "out"
    assert run_cli("check", extract, "--out", out)[0] == 0
    before = (out / "findings.json").read_bytes()
    (extract / "loans.csv").write_bytes(b"")
    assert run_cli("check", extract, "--out", out)[0] == 2
    assert (out / "findings.json").read_bytes() == before


def test_rerun_replaces_the_output_folder(tmp_path, run_cli):
    extract = _small_extract(tmp_path / "x")
    out = tmp_path / "out"
    run_cli("check", extract, "--out", out)
    (out / "stale.txt").write_text("from an earlier run")
    assert run_cli("check", extract, "--out", out)[0] == 0
    assert not (out / "stale.txt").exists()
    # No staging folder is left; beside the output stay the history and the two lock files.
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".out.lock",
        "history.duckdb",
        "history.duckdb.lock",
        "out",
        "x",
    ]


def test_utf8_bom_csv_is_read(tmp_path, run_cli):
    extract = _small_extract(tmp_path / "x")
    path = extract / "loans.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    code, _, stderr = run_cli("check", extract, "--out", tmp_path / "out")
    assert code == 0, stderr


def test_booleans_accept_1_and_0(tmp_path, run_cli):
    extract = _small_extract(tmp_path / "x")
    path = extract / "loans.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("false", "0").replace("true", "1"))
    code, _, _ = run_cli("check", extract, "--out", tmp_path / "out")
    assert code == 0
    document = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))
    assert document["run"]["rejected_rows"] == 0


def test_data_never_runs_as_html_formula_or_path(tmp_path, run_cli):
    """Names from the extract are shown as text, written as inert cells, never used as paths."""
    hostile = {
        "institution_id": "../../evil",
        "institution_name": "<script>alert(1)</script> Bank & Co",
        "borrower_name": '=HYPERLINK("http://x")',
        "disclosure_provided": False,
    }
    folder = tmp_path / "x"
    folder.mkdir()
    write_extract(folder, {"loans": [{"loan_id": "L1", **hostile}]})
    out = tmp_path / "out"
    code, _, _ = run_cli("check", folder, "--out", out)
    assert code == 1  # the undisclosed loan breaches fee-disclosure
    index = (out / "index.html").read_text(encoding="utf-8")
    assert (
        "<script>alert" not in index
        and "&lt;script&gt;alert(1)&lt;/script&gt; Bank &amp; Co" in index
    )
    pages = list((out / "institutions").iterdir())
    assert len(pages) == 1 and pages[0].parent == out / "institutions"
    assert not (tmp_path / "evil").exists() and not (tmp_path.parent / "evil.html").exists()
    [csv_path] = (out / "exceptions").rglob("fee-disclosure.csv")
    assert out in csv_path.parents
    text = csv_path.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text


def test_unknown_profile_is_a_usage_error(tmp_path, run_cli):
    code, _, stderr = run_cli("check", SAMPLE, "--out", tmp_path / "out", "--profile", "nowhere")
    assert code == 2 and "nowhere" in stderr and len(stderr.strip().splitlines()) == 1
