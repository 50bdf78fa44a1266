"""The sample reports in a real browser: Debian's headless Chromium loads the index and
an institution page in both languages, with no console errors, the status matrix and
the charts visible, and every table within an A4 page when printed.

Screenshots go to the test's temporary folder, or to $LOANCHECK_SCREENSHOTS when set
(to look at them). `.ci/run` installs chromium when it is missing; here the test skips,
saying so, only when no chromium can be found.
"""

import os
from pathlib import Path

import pytest

from tests.browser import Browser, find_chromium

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium not found on PATH (apt-get install chromium)"
)
# A4 is 210 mm wide; less the 12 mm print margins each side, 186 mm is about 703 CSS px.
A4_CONTENT_WIDTH = 703
PAGES = ("index.html", "institutions/B003.html", "institutions/G002.html")


@pytest.fixture(scope="module")
def browser():
    with Browser(CHROMIUM) as chromium:
        yield chromium


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = os.environ.get("LOANCHECK_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        return Path(folder)
    return tmp_path_factory.mktemp("screenshots")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_index_loads_cleanly_and_shows_the_matrix(browser, frozen_reports, shots, lang):
    browser.load((frozen_reports[lang] / "index.html").as_uri())
    assert browser.console_errors() == []
    matrix = browser.evaluate(
        """(() => {
            const table = document.querySelector('table.matrix');
            const box = table.getBoundingClientRect();
            const cells = [...table.querySelectorAll('td.status')];
            return {width: box.width, height: box.height,
                    visible: getComputedStyle(table).visibility === 'visible',
                    cells: cells.length,
                    labelled: cells.every(c => c.innerText.trim().length > 0),
                    coloured: cells.every(c => getComputedStyle(c).backgroundColor
                                               !== 'rgba(0, 0, 0, 0)')};
        })()"""
    )
    assert matrix["visible"] and matrix["width"] > 600 and matrix["height"] > 200
    # 4 banks x 9 rules (6 core + 3 data integrity) + 2 guarantors x 2 rules, each labelled.
    assert matrix["cells"] == 40 and matrix["labelled"] and matrix["coloured"]
    breaches = browser.evaluate("document.querySelectorAll('ol.findings li').length")
    assert breaches == 9  # 8 breaches and 1 warning, each a sentence
    path = shots / f"index.{lang}.png"
    browser.screenshot(path)
    assert path.stat().st_size > 20_000


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_institution_page_loads_cleanly_with_its_charts(browser, frozen_reports, shots, lang):
    browser.load((frozen_reports[lang] / "institutions" / "B003.html").as_uri())
    assert browser.console_errors() == []
    charts = browser.evaluate(
        "[...document.querySelectorAll('svg.chart')].map(s => s.getBoundingClientRect().width)"
    )
    assert len(charts) == 4 and all(width > 300 for width in charts)
    path = shots / f"B003.{lang}.png"
    browser.screenshot(path)
    assert path.stat().st_size > 20_000


@pytest.mark.parametrize("page", PAGES)
def test_printed_tables_fit_the_width_of_an_a4_page(browser, frozen_reports, shots, page):
    browser.load((frozen_reports["zh"] / page).as_uri(), width=A4_CONTENT_WIDTH, media="print")
    overflowing = browser.evaluate(
        """[...document.querySelectorAll('table, svg')]
            .filter(t => t.getBoundingClientRect().right > document.body.clientWidth + 1)
            .map(t => t.className.baseVal ?? t.className)"""
    )
    assert overflowing == []
    browser.screenshot(shots / f"print.{Path(page).stem}.zh.png", width=A4_CONTENT_WIDTH)


@pytest.fixture(scope="module")
def nightly_reports(tmp_path_factory) -> Path:
    """Three nights of the tiny nightly extract into one folder, the last with a waiver:
    what changed, a waiver section and trend charts to look at."""
    import yaml
    from click.testing import CliRunner

    from checker.cli import main
    from tests.nightly import write_night

    base = tmp_path_factory.mktemp("nightly-browser")
    waivers = base / "waivers.yaml"
    entry = {"institution": "B2", "rule": "fee-disclosure", "from": "2025-09-30"}
    entry |= {"to": "2025-09-30", "reason": "reprint", "approved_by": "Bureau", "reference": "R1"}
    waivers.write_text(yaml.safe_dump([entry]), encoding="utf-8")
    for as_of, undisclosed in [
        ("2025-09-28", {"B1": 1, "B2": 2}),
        ("2025-09-29", {"B1": 2, "B2": 1}),
        ("2025-09-30", {"B2": 1}),
    ]:
        extract = write_night(base / as_of, as_of, undisclosed)
        CliRunner().invoke(
            main, ["check", str(extract), "--out", str(base / "out"), "--waivers", str(waivers)]
        )
    return base / "out"


def test_nightly_pages_load_cleanly_with_the_trend_chart(browser, nightly_reports, shots):
    browser.load((nightly_reports / "index.html").as_uri())
    assert browser.console_errors() == []
    browser.screenshot(shots / "nightly-index.zh.png")
    browser.load((nightly_reports / "institutions" / "B2.html").as_uri())
    assert browser.console_errors() == []
    trends = browser.evaluate(
        "[...document.querySelectorAll('svg.trend')].map(s => s.getBoundingClientRect().width)"
    )
    assert trends and all(width > 300 for width in trends)
    browser.screenshot(shots / "nightly-B2.zh.png")
    browser.load(
        (nightly_reports / "institutions" / "B2.html").as_uri(),
        width=A4_CONTENT_WIDTH,
        media="print",
    )
    overflowing = browser.evaluate(
        """[...document.querySelectorAll('table, svg')]
            .filter(t => t.getBoundingClientRect().right > document.body.clientWidth + 1)
            .map(t => t.className.baseVal ?? t.className)"""
    )
    assert overflowing == []
