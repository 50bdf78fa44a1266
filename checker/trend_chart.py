"""The trend on an institution page: one finding's metric over the last runs in the
history, as a small inline SVG line (no script), with the threshold as a dashed line.

Python works out the geometry from numbers; reports/templates/_charts.html draws it with
autoescape, like the other charts. Runs are spaced evenly (one step per recorded run,
not per calendar day): the question is how the metric moved from night to night.
"""

from checker.labels import format_value

WIDTH = 360
HEIGHT = 140
LEFT = 8
RIGHT = 8
TOP = 20  # room for the highest value's text
BOTTOM = 36  # room for the lowest value's text and the first and last dates
MIN_POINTS = 2  # one point is no trend


def trend_chart(series, unit: str, labels: dict) -> dict | None:
    """series: [(as_of_date, metric, threshold)], oldest first, tonight last."""
    points = [(day, metric, threshold) for day, metric, threshold in series if metric is not None]
    if len(points) < MIN_POINTS:
        return None
    values = [m for _, m, _ in points] + [t for _, _, t in points if t is not None]
    low, high = min(values), max(values)
    if high == low:  # a flat line: some room around it, never below zero for a count
        pad = abs(high) * 0.1 or 1.0
        low, high = (max(low - pad, 0.0) if low >= 0 else low - pad), high + pad
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_width / (len(points) - 1)

    def x(index: int) -> float:
        return round(LEFT + index * step, 1)

    def y(value: float) -> float:
        return round(TOP + (high - value) / (high - low) * plot_height, 1)

    dots = [
        {
            "x": x(i),
            "y": y(metric),
            "title": f"{day}{labels['colon']}{format_value(metric, unit, labels, digits=4)}",
        }
        for i, (day, metric, _) in enumerate(points)
    ]
    thresholds = [(x(i), y(t)) for i, (_, _, t) in enumerate(points) if t is not None]
    return {
        "title": labels["trend_title"].format(n=len(points)),
        "width": WIDTH,
        "height": HEIGHT,
        "line": " ".join(f"{d['x']},{d['y']}" for d in dots),
        "threshold_line": " ".join(f"{tx},{ty}" for tx, ty in thresholds)
        if len(thresholds) >= MIN_POINTS
        else None,
        "threshold_label": labels["trend_threshold"],
        "threshold_y": thresholds[-1][1] if thresholds else None,
        "dots": dots,
        "high_text": format_value(high, unit, labels),
        "low_text": format_value(low, unit, labels),
        "high_y": TOP - 6,
        "low_y": HEIGHT - BOTTOM + 14,
        "first_day": points[0][0],
        "last_day": points[-1][0],
        "day_y": HEIGHT - 4,
        "left": LEFT,
        "right": WIDTH - RIGHT,
    }
