"""Golden files pin the text a reader sees on the sample reports, in both languages.

The run's start time is frozen (tests/conftest.py), so the text changes only when the
reports, the labels, the rules or the sample data change. After a deliberate change,
regenerate and review the diff:

    LOANCHECK_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py
    git diff tests/golden/
"""

import os
from pathlib import Path

import pytest

from tests.visible_text import visible_text

GOLDEN = Path(__file__).parent / "golden"
UPDATE = bool(os.environ.get("LOANCHECK_UPDATE_GOLDEN"))
PAGES = [
    ("zh", "index.html"),
    ("en", "index.html"),
    ("zh", "institutions/B003.html"),
    ("en", "institutions/B003.html"),
    ("zh", "institutions/G002.html"),
    ("en", "institutions/G002.html"),
]
SUMMARIES = [(lang, name) for lang in ("zh", "en") for name in ("summary.txt", "summary.md")]


def _golden_name(lang: str, page: str) -> str:
    return f"{Path(page).stem}.{lang}{'.txt' if page.endswith('.html') else Path(page).suffix}"


def _compare(actual: str, name: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
    assert path.is_file(), f"{name} missing: run with LOANCHECK_UPDATE_GOLDEN=1 to write it"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, (
        f"{name} differs from the rendered text; if the change is meant, regenerate with "
        "LOANCHECK_UPDATE_GOLDEN=1 (see this file's docstring) and review the diff"
    )


@pytest.mark.parametrize(("lang", "page"), PAGES)
def test_page_text_matches_golden(frozen_reports, lang, page):
    html = (frozen_reports[lang] / page).read_text(encoding="utf-8")
    _compare(visible_text(html), _golden_name(lang, page))


@pytest.mark.parametrize(("lang", "name"), SUMMARIES)
def test_mail_summary_matches_golden(frozen_reports, lang, name):
    out = frozen_reports[lang]
    text = (out / name).read_text(encoding="utf-8").replace(str(out), "OUT")
    _compare(text, _golden_name(lang, name))
