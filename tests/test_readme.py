"""The README's command-line section and Quick start cannot drift from the tool."""

from pathlib import Path

from checker.cli import check

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_check_option_is_documented():
    for option in check.params:
        for name in option.opts:
            if name.startswith("--"):
                assert name in README, f"{name} missing from README"


def test_quick_start_is_exactly_the_two_make_commands():
    section = README.split("## Quick start", 1)[1].split("```")[1]
    assert section.strip().splitlines() == ["make demo", "make test"]
