"""What the reports and summaries show of a nightly run: what changed leads, waivers with
their reasons and the ones refused, and the metric trend on the institution page."""

import re

import pytest
import yaml

from tests.nightly import write_night
from tests.visible_text import visible_text

RULE = "fee-disclosure"
NIGHTS = [
    ("2025-09-28", {"B1": 1}),
    ("2025-09-29", {"B1": 2}),
    ("2025-09-30", {"B2": 1}),
]
WAIVERS = [
    {
        "institution": "B2",
        "rule": RULE,
        "from": "2025-09-30",
        "to": "2025-09-30",
        "reason": "<b>Merger</b> & reprint",
        "approved_by": "Bureau",
        "reference": "REF-1",
    },
    {
        "institution": "B1",
        "rule": RULE,
        "from": "2025-09-01",
        "to": "2025-09-29",
        "reason": "old",
        "approved_by": "Bureau",
        "reference": "REF-0",
    },
]


@pytest.fixture(scope="module", params=["en", "zh"])
def nights(request, tmp_path_factory):
    """Three nights into one output folder and history; the last with a waivers file."""
    from click.testing import CliRunner

    from checker.cli import main

    lang = request.param
    base = tmp_path_factory.mktemp(f"nights-{lang}")
    out = base / "out"
    waivers = base / "waivers.yaml"
    waivers.write_text(yaml.safe_dump(WAIVERS), encoding="utf-8")
    codes = []
    for as_of, undisclosed in NIGHTS:
        extract = write_night(base / as_of, as_of, undisclosed)
        args = ["check", str(extract), "--out", str(out), "--lang", lang]
        if as_of == NIGHTS[-1][0]:
            args += ["--waivers", str(waivers)]
        result = CliRunner().invoke(main, args)
        codes.append(result.exit_code)
    return lang, out, codes, result.stdout


def test_the_last_night_exits_0_because_its_only_breach_is_waived(nights):
    _, _, codes, _ = nights
    assert codes == [1, 1, 0]


def test_summary_leads_with_what_changed(nights):
    lang, out, _, stdout = nights
    text = (out / "summary.txt").read_text(encoding="utf-8")
    assert text.rstrip("\n") == stdout.rstrip("\n").replace("\n\n", "\n\n")
    changed = text.index("2025-09-29")  # the heading names the date compared with
    assert changed < text.index("Institutions checked" if lang == "en" else "共检查")
    if lang == "en":
        assert "What changed since 2025-09-29" in text
        assert "New: 1; persisting: 0; resolved: 1." in text
        assert "[new] Bank B2 (B2)" in text
        assert "[resolved] Bank B1 (B1)" in text and "(last time: breach)" in text
    else:
        assert "与上一数据日期 2025-09-29 相比" in text
        assert "新增 1 项，持续 0 项，已解决 1 项。" in text
        assert "[新增] Bank B2（B2）" in text and "[已解决] Bank B1（B1）" in text


def test_summary_lists_the_waiver_applied_and_the_expired_one(nights):
    lang, out, _, _ = nights
    text = (out / "summary.txt").read_text(encoding="utf-8")
    markdown = (out / "summary.md").read_text(encoding="utf-8")
    if lang == "en":
        assert "Waivers applied" in text
        assert (
            "Bank B2 (B2) · Loan cost disclosed to the borrower: <b>Merger</b> & reprint "
            "(approved by Bureau; reference REF-1; valid 2025-09-30 to 2025-09-30)"
        ) in text
        assert (
            "entry 2 (B1 · fee-disclosure · REF-0): expired on 2025-09-29 "
            "(as-of date 2025-09-30); not applied"
        ) in text
        assert r"\<b\>Merger\</b\> \& reprint" in markdown  # data escaped in Markdown
    else:
        assert "已适用的豁免" in text and "未适用的豁免（请核对豁免文件）" in text
        assert "第 2 条（B1 · fee-disclosure · REF-0）：已于 2025-09-29 到期" in text
        assert "豁免" in text.split("各指标结果")[1].splitlines()[1]  # waived column


def test_index_leads_with_what_changed_and_has_a_waiver_section(nights):
    lang, out, _, _ = nights
    html = (out / "index.html").read_text(encoding="utf-8")
    text = visible_text(html)
    headline = "Institutions checked" if lang == "en" else "共检查"
    changes = "What changed since 2025-09-29" if lang == "en" else "与上一数据日期 2025-09-29 相比"
    waivers = "Waivers applied" if lang == "en" else "已适用的豁免"
    assert text.index(changes) < text.index(headline) < text.index(waivers)
    assert "&lt;b&gt;Merger&lt;/b&gt; &amp; reprint" in html  # escaped, never markup
    assert "<b>Merger" not in html
    assert 'class="status status-waived"' in html


def test_institution_page_shows_the_waiver_mark_and_trend(nights):
    lang, out, _, _ = nights
    html = (out / "institutions" / "B2.html").read_text(encoding="utf-8")
    section = html.split(f'id="{RULE}"')[1].split("</section>")[0]
    assert ("waived" if lang == "en" else "豁免") in visible_text(section)
    assert "mark mark-new" in section
    assert "REF-1" in section
    trend = re.search(r'<svg class="chart trend".*?</svg>', section, re.S).group(0)
    # Three runs: B2's metric 0, 0, 1 against the threshold 0.
    points = re.findall(r"<title>([0-9-]+)[:：] ?([0-9.]+)</title>", trend)
    assert points == [("2025-09-28", "0"), ("2025-09-29", "0"), ("2025-09-30", "1")]
    assert ("Metric over the last 3 runs" if lang == "en" else "最近 3 次运行") in trend
    assert 'class="threshold"' in trend and "<script" not in html


def test_the_trend_keeps_the_last_twelve_runs(tmp_path, run_cli):
    out = tmp_path / "out"
    for day in range(1, 15):
        as_of = f"2025-09-{day:02d}"
        extract = write_night(tmp_path / as_of, as_of, {"B1": day % 2})
        run_cli("check", extract, "--out", out, "--quiet")
    html = (out / "institutions" / "B1.html").read_text(encoding="utf-8")
    trend = re.search(
        r'<svg class="chart trend".*?</svg>', html.split(f'id="{RULE}"')[1], re.S
    ).group(0)
    days = re.findall(r"<title>(2025-09-\d\d)", trend)
    assert days == [f"2025-09-{d:02d}" for d in range(3, 15)]


def test_trend_geometry_puts_higher_values_higher_and_keeps_a_flat_count_above_zero():
    from checker.labels import load_labels
    from checker.trend_chart import trend_chart

    labels = load_labels("en")
    chart = trend_chart(
        [("2025-09-28", 0.0, 0.0), ("2025-09-29", 2.0, 0.0), ("2025-09-30", None, 0.0)],
        "count",
        labels,
    )
    first, second = chart["dots"]  # the night without a metric is left out
    assert second["y"] < first["y"]  # 2 is drawn above 0
    assert (chart["high_text"], chart["low_text"]) == ("2", "0")
    flat = trend_chart([("2025-09-28", 0.0, 0.0), ("2025-09-29", 0.0, 0.0)], "count", labels)
    assert (flat["low_text"], flat["high_text"]) == ("0", "1")
    assert trend_chart([("2025-09-28", 1.0, 0.0)], "count", labels) is None  # one point
