"""`pip install .` gives a CLI that finds its schemas, rules and templates without the
source tree: build the wheel, install it into an empty folder, run it from elsewhere."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_installed_wheel_runs_the_sample_without_the_source_tree(tmp_path):
    wheels, target, elsewhere = tmp_path / "wheels", tmp_path / "site", tmp_path / "cwd"
    elsewhere.mkdir()
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", wheels, REPO], check=True
    )
    [wheel] = wheels.glob("loancheck-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", target, wheel], check=True)

    env = {**os.environ, "PYTHONPATH": str(target)}
    script = (
        "import checker, sys; from checker.cli import main; "
        "print(checker.__file__, file=sys.stderr); main()"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, "check", REPO / "sample_data", "--out", elsewhere / "out"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert str(target) in result.stderr.splitlines()[0], "ran the installed copy"
    assert result.returncode == 1, result.stderr
    assert (elsewhere / "out" / "index.html").is_file()
