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
