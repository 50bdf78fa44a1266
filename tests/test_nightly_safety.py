"""Safe nightly runs: a run killed at any point leaves the previous night's reports and
history readable; a second run meanwhile is refused in one line (exit 2), not queued and
not written over. Runs here are real processes, paused at known points by the test hook
in checker/pause.py and killed with SIGKILL."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from checker.history import open_history
from tests.nightly import write_night

RULE = "fee-disclosure"
CLI = [sys.executable, "-c", "from checker.cli import main; main()"]
WAIT_SECONDS = 120


def _check(extract: Path, out: Path, *extra, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CLI, "check", str(extract), "--out", str(out), "--lang", "en", "--quiet", *extra],
        capture_output=True,
        text=True,
        env=env,
        timeout=WAIT_SECONDS,
    )


def _start_paused(extract: Path, out: Path, point: str, marker: Path) -> subprocess.Popen:
    env = {**os.environ, "LOANCHECK_TEST_PAUSE_AT": point, "LOANCHECK_TEST_PAUSE_FILE": str(marker)}
    process = subprocess.Popen(
        [*CLI, "check", str(extract), "--out", str(out), "--lang", "en", "--quiet"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + WAIT_SECONDS
    while not marker.exists():
        if process.poll() is not None:
            pytest.fail(f"the run ended before {point}: {process.stderr.read()}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the run did not reach {point}")
        time.sleep(0.05)
    return process


def _kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=WAIT_SECONDS)
    assert process.returncode == -signal.SIGKILL


def _as_of(out: Path) -> str:
    return json.loads((out / "findings.json").read_text(encoding="utf-8"))["run"]["as_of_date"]


@pytest.fixture
def yesterday(tmp_path):
    """Night one checked and recorded; night two's extract ready."""
    out = tmp_path / "out"
    first = _check(write_night(tmp_path / "n1", "2025-09-29", {"B1": 1}), out)
    assert first.returncode == 1, first.stderr
    tonight = write_night(tmp_path / "n2", "2025-09-30", {"B2": 1})
    return out, tonight, tmp_path / "history.duckdb"


def _yesterday_is_intact(out: Path, history: Path) -> None:
    assert _as_of(out) == "2025-09-29"
    assert "2025-09-29" in (out / "index.html").read_text(encoding="utf-8")
    assert (out / "institutions" / "B1.html").is_file()
    with open_history(history, read_only=True) as store:
        assert [str(d) for d in store.runs()["as_of_date"]] == ["2025-09-29"]
        breach = store.findings(institution="B1", rule=RULE)
        assert breach["status"].to_list() == ["breach"]


def test_a_run_killed_before_its_history_commits_leaves_yesterday_intact(yesterday, tmp_path):
    out, tonight, history = yesterday
    marker = tmp_path / "paused"
    _kill(_start_paused(tonight, out, "before-history-commit", marker))
    _yesterday_is_intact(out, history)
    # The next run finds a consistent history and compares with yesterday.
    again = _check(tonight, out)
    assert again.returncode == 1, again.stderr
    assert _as_of(out) == "2025-09-30"
    findings = json.loads((out / "findings.json").read_text(encoding="utf-8"))["findings"]
    marks = {f["institution_id"]: f["change"]["mark"] for f in findings if f["rule_id"] == RULE}
    assert marks == {"B1": "resolved", "B2": "new"}
    assert not list(tmp_path.glob(".out.tmp-*")), "the killed run's staging folder is cleared"


def test_a_run_killed_before_its_output_is_swapped_leaves_yesterdays_reports(yesterday, tmp_path):
    """Killed after the history committed: the reports are still yesterday's, whole; the
    history holds tonight's run, and re-running tonight replaces it (an audit line)."""
    out, tonight, history = yesterday
    _kill(_start_paused(tonight, out, "before-output-swap", tmp_path / "paused"))
    assert _as_of(out) == "2025-09-29"
    assert (out / "index.html").is_file()
    with open_history(history, read_only=True) as store:
        assert [str(d) for d in store.runs()["as_of_date"]] == ["2025-09-29", "2025-09-30"]
    assert _check(tonight, out).returncode == 1
    assert _as_of(out) == "2025-09-30"
    with open_history(history, read_only=True) as store:
        assert store.audit()["action"].to_list() == ["recorded", "recorded", "rerun"]


def test_a_second_run_meanwhile_is_refused_and_the_first_result_stands(yesterday, tmp_path):
    out, tonight, history = yesterday
    marker = tmp_path / "paused"
    first = _start_paused(tonight, out, "before-history-commit", marker)
    try:
        other = write_night(tmp_path / "n3", "2025-10-01", {})
        same_out = _check(other, out)
        assert same_out.returncode == 2
        assert same_out.stderr.count("\n") == 1
        assert str(out) in same_out.stderr and "in use by another loancheck run" in same_out.stderr
        # Another output folder, the same history: the history is what is locked.
        same_history = _check(other, tmp_path / "elsewhere", "--history", history)
        assert same_history.returncode == 2
        assert str(history) in same_history.stderr and "history.duckdb.lock" in same_history.stderr
        assert not (tmp_path / "elsewhere").exists()
        # Reading the history while the run writes it: one line, exit 2, not a traceback.
        reading = subprocess.run(
            [*CLI, "history", "--history", str(history), "--lang", "en"],
            capture_output=True,
            text=True,
            timeout=WAIT_SECONDS,
        )
        assert reading.returncode == 2, reading.stdout
        assert reading.stderr.count("\n") == 1
        assert "is being written by another run" in reading.stderr
    finally:
        marker.unlink()  # let the first run finish
    assert first.wait(timeout=WAIT_SECONDS) == 1, first.stderr.read()
    assert _as_of(out) == "2025-09-30"
    with open_history(history, read_only=True) as store:
        assert [str(d) for d in store.runs()["as_of_date"]] == ["2025-09-29", "2025-09-30"]


def test_the_lock_is_free_again_after_a_killed_run(yesterday, tmp_path):
    out, tonight, _ = yesterday
    _kill(_start_paused(tonight, out, "before-history-commit", tmp_path / "paused"))
    assert _check(tonight, out).returncode == 1


def test_sigterm_during_a_run_removes_its_temporary_store(yesterday, tmp_path, monkeypatch):
    """A scheduler's SIGTERM unwinds the run: the store under TMPDIR (the staged tables,
    GBs at 100M loans) is removed, and yesterday's reports and history stay."""
    out, tonight, history = yesterday
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    process = _start_paused(tonight, out, "before-rules", tmp_path / "paused")
    assert [p.name[:10] for p in scratch.iterdir()] == ["loancheck-"]  # the store, in use

    process.send_signal(signal.SIGTERM)
    process.wait(timeout=WAIT_SECONDS)

    assert process.returncode == 128 + signal.SIGTERM
    assert list(scratch.iterdir()) == []
    _yesterday_is_intact(out, history)
