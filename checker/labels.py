"""The label catalogue (reports/messages.yaml) and how numbers are written in the reports.

Every word the reports and the mail summary show comes from the catalogue, in the
language of the run; rule titles and the labels of a rule's working come from the rule
file (`title`, `details_labels`).
"""

from functools import cache

import yaml

from checker.resources import data_dir

LANGUAGES = ("zh", "en")


@cache
def load_labels(lang: str) -> dict:
    path = data_dir("reports") / "messages.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))[lang]


def detail_label(rule, key: str, lang: str) -> str:
    """The rule file's label for a details key (or metric / threshold), else the key."""
    label = rule.details_labels.get(key)
    return label[lang] if label else key


def detail_unit(rule, key: str) -> str:
    label = rule.details_labels.get(key) or {}
    if "unit" in label:
        return label["unit"]
    return rule.unit if key in ("metric", "threshold") else "number"


def format_value(value, unit: str, labels: dict, digits: int = 2) -> str:
    """A value with its unit, as a person reads it: 1,234,567.89 元, 7.65%, 3 个百分点."""
    if value is None:
        return "—"
    if isinstance(value, bool) or unit == "flag":
        return labels["flag_yes"] if value else labels["flag_no"]
    if not isinstance(value, int | float):
        return str(value)
    if unit == "count":
        return f"{value:,.0f}"
    if unit == "yuan":
        return f"{value:,.2f}{labels['unit_yuan']}"
    if unit == "percent":
        return f"{value:,.{digits}f}%"
    if unit == "percentage_points":
        return f"{value:,.{digits}f}{labels['unit_percentage_points']}"
    return f"{value:,.2f}"


def format_cell(value, column: str, labels: dict) -> str:
    """A cell of an exception table: enumeration codes in the reader's words (the CSV
    keeps the codes), amounts with thousands separators, row numbers as they are."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return labels["flag_yes"] if value else labels["flag_no"]
    if isinstance(value, float):
        return f"{value:,.2f}"
    text = str(value)
    return labels["values"].get(column, {}).get(text, text)


def column_label(column: str, labels: dict) -> str:
    return labels["columns"].get(column, column)
