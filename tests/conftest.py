import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.cli import main

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample_data"


@pytest.fixture
def run_cli():
    """Run `loancheck ARGS`; returns (exit code, stdout, stderr)."""

    def run(*args: str):
        result = CliRunner().invoke(main, [str(a) for a in args])
        return result.exit_code, result.stdout, result.stderr

    return run


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory):
    """One check of sample_data/, shared by the tests that only read its output."""
    out = tmp_path_factory.mktemp("sample") / "out"
    result = CliRunner().invoke(main, ["check", str(SAMPLE), "--out", str(out), "--lang", "en"])
    findings = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    return result, out, findings


# The sample reports with the run's start time frozen, so their text can be pinned
# (tests/test_golden.py) and looked at in a browser (tests/test_browser.py).
FROZEN_STARTED_AT = "2025-10-01T06:00:00+00:00"


@pytest.fixture(scope="session")
def frozen_reports(tmp_path_factory):
    """lang -> output folder of sample_data/ checked in that language."""
    import dataclasses

    from checker.output import write_outputs
    from checker.pipeline import run_check

    folders = {}
    for lang in ("zh", "en"):
        result = run_check(SAMPLE, lang=lang)
        result = dataclasses.replace(result, started_at=FROZEN_STARTED_AT)
        folders[lang] = tmp_path_factory.mktemp(f"frozen-{lang}") / "out"
        write_outputs(result, folders[lang], lang)
    return folders
