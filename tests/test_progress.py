"""Progress is for a person at a terminal: never in pipes, cron mail or with --quiet."""

import io

from checker.pipeline import run_check
from checker.progress import NO_PROGRESS, Progress, RichProgress, reporter_for
from tests.conftest import SAMPLE


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Recorder(Progress):
    def __init__(self):
        self.stages: list[tuple[str, int | None]] = []
        self.advanced: dict[str, int] = {}

    def stage(self, name, total=None, unit="rows"):
        self.stages.append((name, total))
        self.advanced[name] = 0

    def advance(self, amount=1):
        self.advanced[self.stages[-1][0]] += amount


def test_no_progress_when_not_a_terminal(run_cli, tmp_path):
    code, out, err = run_cli("check", SAMPLE, "--out", tmp_path / "out", "--lang", "en")
    assert code == 1
    assert err == ""
    assert "rows/s" not in out and "validate loans" not in out


def test_reporter_is_silent_off_a_terminal_or_when_quiet():
    assert reporter_for(quiet=False, stream=io.StringIO()) is NO_PROGRESS
    assert reporter_for(quiet=True, stream=FakeTerminal()) is NO_PROGRESS
    assert isinstance(reporter_for(quiet=False, stream=FakeTerminal()), RichProgress)


def test_reporter_on_a_terminal_prints_the_stages():
    terminal = FakeTerminal()
    with reporter_for(quiet=False, stream=terminal) as progress:
        progress.stage("read loans.parquet")
        progress.advance(1200)
        progress.stage("rules", 2)
        progress.advance(1)
        progress.advance(1)
    shown = terminal.getvalue()
    assert "read loans.parquet" in shown
    assert "rules" in shown
    assert "rows/s" in shown


def test_pipeline_reports_each_file_and_every_rule():
    recorder = Recorder()
    result = run_check(SAMPLE, lang="en", progress=recorder)
    names = [name for name, _ in recorder.stages]
    for table in ("loans", "baseline", "fees", "guarantees", "guarantors"):
        assert f"read {table}.csv" in names
        assert f"validate {table}.csv" in names
    rows_read = {i.path: i.rows for i in result.inputs}
    # A CSV's rows are read while they are validated, a batch at a time (csv_files.py):
    # opening it reads the header only, so the count comes with the validate stage.
    assert recorder.advanced["validate loans.csv"] == rows_read["loans.csv"]
    assert recorder.advanced["rules"] == len(result.rules)
    assert dict(recorder.stages)["rules"] == len(result.rules)
