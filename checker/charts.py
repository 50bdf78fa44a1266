"""Small charts for the institution pages, drawn as inline SVG with no script and no network.

Python works out the geometry from numbers only; reports/templates/_charts.html draws
the shapes with Jinja's autoescape, so any text in a chart (labels, values) is escaped
like the rest of the page. Every chart is a horizontal bar chart: one bar per row, an
optional shaded band (the tolerance) and vertical lines at limits. A rule file's `chart`
says which of its numbers to draw:

- tolerance: the segment ratio against the all-loan ratio, with the band up to the
  all-loan ratio plus the tolerance (threshold);
- year_start_vs_now: pairs [year-start key, now key], each a bar, with the growth;
- against_cap: one value against a cap line;
- rows_against_cap: each exception row's value against that row's own cap.
"""

from dataclasses import dataclass, field

from checker.labels import detail_label, detail_unit, format_value

WIDTH = 640
LABEL_HEIGHT = 16
BAR_HEIGHT = 16
ROW_GAP = 10
TOP = 22  # room for the labels of limit lines
MIN_PLOT_WIDTH = 300
FONT_SIZE = 12  # px; an estimate of text widths keeps value texts inside the picture
MAX_ROWS = 10


@dataclass
class Bar:
    label: str
    value: float
    text: str
    tone: str  # reference | within | over
    cap: float | None = None


@dataclass
class Chart:
    title: str
    bars: list[Bar]
    limits: list[tuple[float, str]] = field(default_factory=list)  # (value, label)
    band: tuple[float, float, str] | None = None  # (from, to, legend text)


def chart_for(rule, finding, exception_rows: list[dict], labels: dict, lang: str) -> dict | None:
    """The drawable chart for one finding, or None when the rule has no chart or the
    finding has nothing to draw (not applicable, no exception rows)."""
    spec = rule.chart
    if not spec or finding.metric is None or finding.threshold is None:
        return None
    values = {**finding.details, "metric": finding.metric, "threshold": finding.threshold}
    build = _BUILDERS[spec["kind"]]
    chart = build(spec, rule, finding, values, exception_rows, labels, lang)
    return layout(chart) if chart and chart.bars else None


def _tolerance(spec, rule, finding, values, _rows, labels, lang) -> Chart | None:
    reference, value = values.get(spec["reference"]), values.get(spec["value"])
    if reference is None or value is None:
        return None
    limit = reference + finding.threshold
    unit = detail_unit(rule, spec["value"])
    return Chart(
        title=rule.title[lang],
        bars=[
            _bar(rule, spec["reference"], reference, "reference", labels, lang),
            _bar(rule, spec["value"], value, _tone(finding), labels, lang),
        ],
        limits=[(limit, f"{labels['chart_limit']} {format_value(limit, unit, labels)}")],
        band=(reference, limit, labels["chart_tolerance_band"]),
    )


def _year_start_vs_now(spec, rule, finding, values, _rows, labels, lang) -> Chart | None:
    bars = []
    for index, (before_key, after_key) in enumerate(spec["pairs"]):
        before, after = values.get(before_key), values.get(after_key)
        if before is None or after is None:
            return None
        tone = _tone(finding) if index == 0 else "reference"
        after_bar = _bar(rule, after_key, after, tone, labels, lang)
        if before:
            growth = 100 * (after - before) / before
            after_bar.text += labels["chart_growth"].format(growth=growth)
        bars += [_bar(rule, before_key, before, "reference", labels, lang), after_bar]
    return Chart(title=rule.title[lang], bars=bars)


def _against_cap(spec, rule, finding, values, _rows, labels, lang) -> Chart | None:
    value, cap = values.get(spec["value"]), values.get(spec["cap"])
    if value is None or cap is None:
        return None
    unit = detail_unit(rule, spec["cap"])
    return Chart(
        title=rule.title[lang],
        bars=[_bar(rule, spec["value"], value, _tone(finding), labels, lang)],
        limits=[(cap, f"{labels['chart_cap']} {format_value(cap, unit, labels)}")],
    )


def _rows_against_cap(spec, rule, finding, _values, rows, labels, lang) -> Chart | None:
    bars = []
    for row in rows[:MAX_ROWS]:
        value, cap = row.get(spec["value"]), row.get(spec["cap"])
        if value is None or cap is None:
            continue
        text = labels["chart_value_and_cap"].format(value=value, cap=cap)
        tone = "over" if value > cap else "within"
        bars.append(Bar(str(row.get(spec["label"], "")), value, text, tone, cap=cap))
    return Chart(title=rule.title[lang], bars=bars)


_BUILDERS = {
    "tolerance": _tolerance,
    "year_start_vs_now": _year_start_vs_now,
    "against_cap": _against_cap,
    "rows_against_cap": _rows_against_cap,
}


def _bar(rule, key: str, value: float, tone: str, labels: dict, lang: str) -> Bar:
    text = format_value(value, detail_unit(rule, key), labels)
    return Bar(detail_label(rule, key, lang), value, text, tone)


def _tone(finding) -> str:
    return "over" if finding.status in ("breach", "warn") else "within"


def layout(chart: Chart) -> dict:
    """Coordinates for the template: every number rounded, every text a plain string."""
    numbers = [b.value for b in chart.bars] + [b.cap for b in chart.bars if b.cap is not None]
    numbers += [value for value, _ in chart.limits]
    if chart.band:
        numbers += list(chart.band[:2])
    low, high = min(0.0, *numbers), max(*numbers, 0.0)
    span = (high - low) or 1.0
    longest_text = max(_text_width(bar.text) for bar in chart.bars)
    plot_width = max(WIDTH - longest_text - 12, MIN_PLOT_WIDTH)

    def x(value: float) -> float:
        return round((value - low) / span * plot_width, 1)

    row_height = LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP
    rows_bottom = TOP + row_height * len(chart.bars)
    legend = 18 if chart.band else 0
    bars = []
    for index, bar in enumerate(chart.bars):
        top = TOP + index * row_height
        start, end = sorted((x(0.0), x(bar.value)))
        bars.append(
            {
                "label": bar.label,
                "label_y": top + 12,
                "x": start,
                "y": top + LABEL_HEIGHT,
                "width": round(max(end - start, 1.0), 1),
                "height": BAR_HEIGHT,
                "tone": bar.tone,
                "text": bar.text,
                "text_x": round(max(end, x(bar.cap) if bar.cap is not None else 0) + 6, 1),
                "text_y": top + LABEL_HEIGHT + 12,
                "cap_x": x(bar.cap) if bar.cap is not None else None,
            }
        )
    limits = [
        {
            "x": x(value),
            "label": label,
            "anchor": "end" if x(value) > plot_width / 2 else "start",
        }
        for value, label in chart.limits
    ]
    band = None
    if chart.band:
        band_start, band_end = sorted((x(chart.band[0]), x(chart.band[1])))
        band = {"x": band_start, "width": round(band_end - band_start, 1), "legend": chart.band[2]}
    return {
        "title": chart.title,
        "width": max(WIDTH, plot_width + longest_text + 12),
        "height": rows_bottom + legend + 4,
        "plot_width": plot_width,
        "top": TOP - 4,
        "bottom": rows_bottom,
        "legend_y": rows_bottom + 14,
        "bars": bars,
        "limits": limits,
        "band": band,
    }


def _text_width(text: str) -> int:
    """Rough width in px: a Chinese character is about one em, a Latin one about 0.6."""
    return round(sum(FONT_SIZE if ord(c) > 0x2E80 else 0.6 * FONT_SIZE for c in text))
