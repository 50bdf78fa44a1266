"""Waivers: a waived breach stops setting exit 1 and shows as `waived` with its reason;
its window is inclusive on both ends; anything wrong with an entry is reported and the
entry not applied; a file that is not a YAML list stops the run."""

import datetime as dt

import pytest
import yaml

from tests.nightly import findings_of, run_document, write_night

RULE = "fee-disclosure"
WAIVER = {
    "institution": "B1",
    "rule": RULE,
    "from": "2025-09-01",
    "to": "2025-09-30",
    "reason": "Cost lists being reprinted after the merger",
    "approved_by": "Fujian Bureau",
    "reference": "闽银保监〔2025〕12号",
}


def _write_waivers(folder, entries) -> str:
    path = folder / "waivers.yaml"
    path.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    return path


def _check(run_cli, tmp_path, as_of, waivers, undisclosed=None):
    extract = write_night(tmp_path / f"x-{as_of}", as_of, undisclosed or {"B1": 1})
    out = tmp_path / f"out-{as_of}"
    code, stdout, err = run_cli(
        "check", extract, "--out", out, "--lang", "en", "--no-history", "--waivers", waivers
    )
    return code, out, stdout, err


def test_a_waived_breach_is_waived_with_its_reason_and_exits_0(tmp_path, run_cli):
    code, out, stdout, _ = _check(
        run_cli, tmp_path, "2025-09-30", _write_waivers(tmp_path, [WAIVER])
    )
    assert code == 0  # B1's only breach is waived
    finding = findings_of(out)[("B1", RULE)]
    assert finding["status"] == "waived"
    assert finding["metric"] == 1
    assert finding["waiver"] == {
        "reason": WAIVER["reason"],
        "approved_by": "Fujian Bureau",
        "reference": "闽银保监〔2025〕12号",
        "from": "2025-09-01",
        "to": "2025-09-30",
        "original_status": "breach",
        "entry": 1,
    }
    assert run_document(out)["waivers"]["problems"] == []
    assert [w["institution"] for w in run_document(out)["waivers"]["applied"]] == ["B1"]


def test_without_the_waiver_the_same_extract_exits_1(tmp_path, run_cli):
    code, out, _, _ = _check(run_cli, tmp_path, "2025-09-30", _write_waivers(tmp_path, []))
    assert code == 1
    assert findings_of(out)[("B1", RULE)]["status"] == "breach"


@pytest.mark.parametrize(
    ("as_of", "applies", "problem"),
    [
        ("2025-08-31", False, "not_yet"),  # the day before `from`
        ("2025-09-01", True, None),  # on `from`
        ("2025-09-30", True, None),  # on `to`: still in force
        ("2025-10-01", False, "expired"),  # the day after `to`
    ],
)
def test_a_waiver_applies_from_its_first_to_its_last_day_inclusive(
    tmp_path, run_cli, as_of, applies, problem
):
    code, out, _, _ = _check(run_cli, tmp_path, as_of, _write_waivers(tmp_path, [WAIVER]))
    assert code == (0 if applies else 1)
    finding = findings_of(out)[("B1", RULE)]
    assert finding["status"] == ("waived" if applies else "breach")
    problems = run_document(out)["waivers"]["problems"]
    assert [p["problem"] for p in problems] == ([problem] if problem else [])
    if problem:
        assert finding["waiver"] is None
        assert problems[0]["reference"] == WAIVER["reference"]


def test_a_waiver_for_a_passing_check_or_an_unknown_bank_is_reported_not_applied(tmp_path, run_cli):
    entries = [{**WAIVER, "institution": "B2"}, {**WAIVER, "institution": "B9"}, WAIVER]
    code, out, _, _ = _check(run_cli, tmp_path, "2025-09-30", _write_waivers(tmp_path, entries))
    assert code == 0
    problems = run_document(out)["waivers"]["problems"]
    assert [(p["entry"], p["problem"], p["status"]) for p in problems] == [
        (1, "unmatched", "pass"),
        (2, "unmatched", "absent"),
    ]
    assert findings_of(out)[("B2", RULE)]["status"] == "pass"


def test_a_second_waiver_for_the_same_breach_is_reported(tmp_path, run_cli):
    entries = [WAIVER, {**WAIVER, "reference": "another"}]
    _, out, _, _ = _check(run_cli, tmp_path, "2025-09-30", _write_waivers(tmp_path, entries))
    problems = run_document(out)["waivers"]["problems"]
    assert [(p["entry"], p["problem"], p["other"]) for p in problems] == [(2, "duplicate", "1")]


@pytest.mark.parametrize(
    ("change", "problem", "key"),
    [
        ({"reason": None}, "missing_key", "reason"),
        ({"approver": "x"}, "unknown_key", "approver"),
        ({"to": "2025-09-31"}, "bad_date", "to"),
        ({"from": "30/09/2025"}, "bad_date", "from"),
        ({"from": "2025-10-01", "to": "2025-09-01"}, "from_after_to", None),
        ({"institution": 1}, "not_text", "institution"),
        ({"reference": "  "}, "empty_value", "reference"),
    ],
)
def test_a_malformed_entry_is_reported_and_never_applied(tmp_path, run_cli, change, problem, key):
    entry = {**WAIVER, **change}
    entry = {k: v for k, v in entry.items() if v is not None}
    code, out, _, _ = _check(run_cli, tmp_path, "2025-09-30", _write_waivers(tmp_path, [entry]))
    assert code == 1
    assert findings_of(out)[("B1", RULE)]["status"] == "breach"
    (reported,) = run_document(out)["waivers"]["problems"]
    assert reported["problem"] == problem and reported["entry"] == 1
    if key:
        assert reported["key"] == key


def test_yaml_dates_are_read_as_dates(tmp_path, run_cli):
    entry = {**WAIVER, "from": dt.date(2025, 9, 1), "to": dt.date(2025, 9, 30)}
    code, _, _, _ = _check(run_cli, tmp_path, "2025-09-30", _write_waivers(tmp_path, [entry]))
    assert code == 0


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("- institution: [unclosed\n", "cannot be read"),
        ("institution: B1\nrule: fee-disclosure\n", "must be a YAML list"),
        ("just a sentence\n", "must be a YAML list"),
    ],
)
def test_a_waivers_file_that_is_not_a_yaml_list_stops_the_run(tmp_path, run_cli, text, words):
    path = tmp_path / "waivers.yaml"
    path.write_text(text, encoding="utf-8")
    code, out, _, err = _check(run_cli, tmp_path, "2025-09-30", path)
    assert code == 2
    assert err.count("\n") == 1 and words in err and str(path) in err
    assert not out.exists()


def test_a_missing_waivers_file_stops_the_run(tmp_path, run_cli):
    code, out, _, err = _check(run_cli, tmp_path, "2025-09-30", tmp_path / "nowhere.yaml")
    assert code == 2 and "cannot be read" in err and not out.exists()


def test_a_waived_breach_still_persists_in_the_change_marks(tmp_path, run_cli):
    """The marks follow the verdict before the waiver: a breach waived tonight that was a
    breach last night is persisting, not resolved."""
    waivers = _write_waivers(tmp_path, [WAIVER])
    out = tmp_path / "out"
    for as_of in ("2025-09-29", "2025-09-30"):
        extract = write_night(tmp_path / as_of, as_of, {"B1": 1})
        run_cli("check", extract, "--out", out, "--lang", "en", "--waivers", waivers)
    finding = findings_of(out)[("B1", RULE)]
    assert finding["status"] == "waived"
    assert finding["change"] == {
        "mark": "persisting",
        "since": "2025-09-29",
        "previous_status": "breach",
    }
