"""The words, numbers and charts of the reports, and the mail summary, worked out by hand."""

import dataclasses

import pytest
import yaml

from checker.charts import _BUILDERS, chart_for
from checker.errors import RuleDefinitionError
from checker.finding_text import finding_message
from checker.findings import Finding
from checker.labels import format_value, load_labels
from checker.rules import CHART_KINDS, load_rule, load_rules
from checker.summary import _md
from tests.conftest import REPO
from tests.rules.harness import write_extract

RULES = load_rules()
ZH, EN = load_labels("zh"), load_labels("en")


def _finding(rule_id: str, status: str, metric, threshold, **details) -> Finding:
    return Finding(
        institution_id="B1",
        institution_name="Bank One",
        rule_id=rule_id,
        rule_version=1,
        status=status,
        metric=metric,
        threshold=threshold,
        unit=RULES[rule_id].unit,
        exceptions=0,
        message="",
        source={},
        details=details,
    )


def test_catalogue_has_the_same_labels_in_both_languages():
    catalogue = yaml.safe_load((REPO / "reports" / "messages.yaml").read_text(encoding="utf-8"))
    assert set(catalogue["zh"]) == set(catalogue["en"])


# --- the finding's sentence: the rule's message plus how far over or within the line


def test_private_npl_message_says_how_far_over_the_tolerance():
    # The example: 5.20% against 1.90% is a gap of 3.30 points, 0.30 over 3.
    rule = RULES["npl-tolerance-private"]
    details = {"segment_npl_ratio": 5.2, "all_npl_ratio": 1.9}
    assert finding_message(rule, "zh", 5.2 - 1.9, 3.0, details) == (
        "民营企业不良率 5.20%，各项贷款不良率 1.90%，差 3.300 个百分点，"
        "超出 3.00 个百分点的容忍度 0.300 个百分点"
    )
    assert finding_message(rule, "en", 5.2 - 1.9, 3.0, details) == (
        "Private-enterprise NPL ratio 5.20%, all-loan NPL ratio 1.90%: gap 3.300 points, "
        "0.300 points over the 3.00-point tolerance"
    )


def test_npl_gap_exactly_on_the_tolerance_is_within_it():
    rule = RULES["npl-tolerance-private"]
    details = {"segment_npl_ratio": 10.0, "all_npl_ratio": 7.0}
    assert finding_message(rule, "zh", 3.0, 3.0, details).endswith(
        "在 3.00 个百分点的容忍度以内（尚余 0.000 个百分点）"
    )


def test_borrower_message_counts_the_shortfall_and_the_surplus():
    rule = RULES["two-increases-borrowers"]
    assert finding_message(rule, "zh", 78, 89, {}) == (
        "有贷款余额的普惠型小微企业 78 户，年初 89 户，比年初少 11 户"
    )
    assert finding_message(rule, "en", 90, 89, {}).endswith(", not below year-start (1 more)")


def test_growth_message_counts_points_slower():
    rule = RULES["two-increases-growth"]
    # 2.0% against 8.25%: 6.25 points slower.
    assert finding_message(rule, "en", 2.0, 8.25, {}) == (
        "Inclusive small-micro loans grew 2.000% since year-start; all loans grew 8.250%, "
        "6.250 points slower than all loans"
    )


def test_message_template_with_an_unknown_field_still_says_the_numbers():
    rule = dataclasses.replace(RULES["fee-disclosure"], message={"zh": "{nope} 笔", "en": "x"})
    assert finding_message(rule, "zh", 4, 0, {}) == "4 vs 0 (count)"


# --- numbers as a person reads them


@pytest.mark.parametrize(
    ("value", "unit", "labels", "shown"),
    [
        (11994747.005, "yuan", ZH, "11,994,747.01 元"),
        (7.65409942, "percent", EN, "7.6541%"),
        (4.7385592, "percentage_points", ZH, "4.7386 个百分点"),
        (26, "count", EN, "26"),
        (True, "flag", ZH, "是"),
        (None, "yuan", EN, "—"),
    ],
)
def test_values_are_written_with_their_unit(value, unit, labels, shown):
    assert format_value(value, unit, labels, digits=4) == shown


# --- charts: geometry from numbers, worked out by hand


def test_tolerance_chart_puts_the_limit_at_all_loan_ratio_plus_tolerance():
    # All-loan 2%, segment 6%, tolerance 3 points: limit 5%. The scale runs from 0 to the
    # largest number, 6, so 2% sits at 2/6 of the plot, 5% at 5/6 and 6% at its end.
    finding = _finding(
        "npl-tolerance-private", "breach", 4.0, 3.0, segment_npl_ratio=6.0, all_npl_ratio=2.0
    )
    chart = chart_for(RULES["npl-tolerance-private"], finding, [], ZH, "zh")
    plot = chart["plot_width"]
    reference, segment = chart["bars"]
    assert (reference["label"], reference["tone"]) == ("各项贷款不良率", "reference")
    assert reference["width"] == pytest.approx(plot * 2 / 6, abs=0.1)
    assert (segment["width"], segment["tone"], segment["text"]) == (plot, "over", "6.00%")
    assert chart["band"]["x"] == reference["width"]
    assert chart["band"]["width"] == pytest.approx(plot * 3 / 6, abs=0.2)
    [limit] = chart["limits"]
    assert limit["x"] == pytest.approx(plot * 5 / 6, abs=0.1)
    assert (limit["label"], limit["anchor"]) == ("容忍上限 5.00%", "end")


def test_growth_chart_shows_year_start_and_now_with_the_growth():
    # Inclusive 100 -> 102 (+2%), all loans 400 -> 432 (+8%).
    finding = _finding(
        "two-increases-growth",
        "breach",
        2.0,
        8.0,
        inclusive_balance_year_start=100.0,
        inclusive_balance_now=102.0,
        all_balance_year_start=400.0,
        all_balance_now=432.0,
    )
    chart = chart_for(RULES["two-increases-growth"], finding, [], EN, "en")
    texts = [bar["text"] for bar in chart["bars"]]
    assert texts == [
        "100.00 yuan",
        "102.00 yuan (+2.00% since year-start)",
        "400.00 yuan",
        "432.00 yuan (+8.00% since year-start)",
    ]
    assert [bar["tone"] for bar in chart["bars"]] == ["reference", "over"] + ["reference"] * 2
    widths = [bar["width"] for bar in chart["bars"]]
    plot = chart["plot_width"]
    assert widths == [pytest.approx(plot * v / 432, abs=0.1) for v in (100, 102, 400, 432)]
    # The longest value text still fits in the picture.
    assert chart["bars"][3]["text_x"] + 6.6 * len(texts[3]) <= chart["width"]


def test_fee_cap_chart_draws_each_contract_against_its_own_cap():
    # 1.8% against a 1.0% cap; the scale runs to 1.8, so the cap sits at 1/1.8 of the plot.
    rows = [{"contract_id": "G-1", "fee_rate": 1.8, "fee_cap": 1.0}]
    finding = _finding("guarantee-fee-cap", "breach", 1, 0, in_scope_contracts=3)
    chart = chart_for(RULES["guarantee-fee-cap"], finding, rows, ZH, "zh")
    [bar] = chart["bars"]
    assert (bar["label"], bar["text"], bar["tone"]) == ("G-1", "1.80%（上限 1.00%）", "over")
    assert bar["cap_x"] == pytest.approx(chart["plot_width"] / 1.8, abs=0.1)


def test_not_applicable_finding_has_no_chart():
    finding = _finding("npl-tolerance-private", "not_applicable", None, None)
    assert chart_for(RULES["npl-tolerance-private"], finding, [], ZH, "zh") is None


def test_every_chart_kind_a_rule_file_may_name_can_be_drawn():
    assert set(_BUILDERS) == CHART_KINDS


def _rule_file(tmp_path, change):
    raw = yaml.safe_load((REPO / "rules" / "npl-tolerance-private.yaml").read_text("utf-8"))
    change(raw)
    path = tmp_path / "npl-tolerance-private.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_details_label_without_english_is_refused(tmp_path):
    path = _rule_file(tmp_path, lambda raw: raw["details_labels"].update(all_balance={"zh": "x"}))
    with pytest.raises(RuleDefinitionError, match="details_labels.all_balance: missing key 'en'"):
        load_rule(path)


def test_unknown_chart_kind_is_refused(tmp_path):
    path = _rule_file(tmp_path, lambda raw: raw.update(chart={"kind": "pie"}))
    with pytest.raises(RuleDefinitionError, match="chart.kind: unknown kind 'pie'"):
        load_rule(path)


# --- the mail summary and --quiet


def test_markdown_escapes_data_so_it_shows_as_text():
    assert _md("<script>x</script> Bank & Co *_[a](b)_*\nnext") == (
        r"\<script\>x\</script\> Bank \& Co \*\_\[a\](b)\_\* next"
    )


def test_quiet_prints_nothing_and_still_writes_the_summaries(sample_run, tmp_path, run_cli):
    from tests.conftest import SAMPLE

    out = tmp_path / "out"
    code, stdout, stderr = run_cli("check", SAMPLE, "--out", out, "--quiet")
    assert (code, stdout, stderr) == (1, "", "")
    text = (out / "summary.txt").read_text(encoding="utf-8")
    assert "永安汇民村镇银行（B002） · 民营企业贷款不良率容忍度：民营企业不良率 7.65%" in text
    assert "超出 3.00 个百分点的容忍度 1.739 个百分点" in text
    assert "(institutions/B002.html#npl-tolerance-private)" in (out / "summary.md").read_text(
        encoding="utf-8"
    )


def test_printed_summary_is_summary_txt(sample_run):
    result, out, _ = sample_run
    assert result.stdout == (out / "summary.txt").read_text(encoding="utf-8")


def test_hostile_names_stay_text_in_charts_and_summaries(tmp_path, run_cli):
    hostile_name = "<script>alert(1)</script> Guarantee & Co"
    folder = tmp_path / "x"
    folder.mkdir()
    write_extract(
        folder,
        {
            "loans": [{"loan_id": "L1"}],
            "guarantees": [
                {
                    "guarantor_name": hostile_name,
                    "contract_id": '<img src=x onerror="alert(1)">',
                    "borrower_id": "C-1",
                    "fee_rate": 2.0,  # above the 1.0% cap: a breach with a chart row
                }
            ],
        },
    )
    out = tmp_path / "out"
    code, _, _ = run_cli("check", folder, "--out", out, "--lang", "en")
    assert code == 1
    page = (out / "institutions" / "G1.html").read_text(encoding="utf-8")
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in svg and "<img" not in svg
    assert (
        "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; Guarantee &amp; Co" in page
    )
    markdown = (out / "summary.md").read_text(encoding="utf-8")
    assert r"\<script\>alert(1)\</script\> Guarantee \& Co" in markdown
    assert "<script>" not in markdown
    # Plain text cannot run anything: the name is written as it is.
    assert hostile_name in (out / "summary.txt").read_text(encoding="utf-8")


def test_charts_are_self_contained_svg(frozen_reports):
    for out in frozen_reports.values():
        for page in (out / "institutions").glob("*.html"):
            html = page.read_text(encoding="utf-8")
            assert "<script" not in html and "src=" not in html, page
            assert html.count("<svg") == html.count("</svg>")
    b003 = (frozen_reports["zh"] / "institutions" / "B003.html").read_text(encoding="utf-8")
    assert b003.count("<svg") == 4  # two NPL bands, growth and borrower bars


def test_checks_without_a_verdict_are_listed_with_their_reason(tmp_path, run_cli):
    folder = tmp_path / "x"
    folder.mkdir()
    write_extract(folder, {"loans": [{"loan_id": "L1"}]})  # no baseline, no fees
    out = tmp_path / "out"
    assert run_cli("check", folder, "--out", out, "--quiet")[0] == 0
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "未作判断的检查（缺少数据）" in index
    title = "两增：普惠型小微企业贷款增速不低于各项贷款增速"
    line = f"{title}：缺少年初数据（baseline）表，无法计算 — B1"
    assert line in index
    assert f"  - {line}" in (out / "summary.txt").read_text(encoding="utf-8")
    assert "所有检查均通过" not in index  # nothing breached, but not everything was checked
