"""The sentence a finding carries: the rule's message template, then how far the metric
is over or within the line.

A rule's `message` has one template per language ({metric}, {threshold} and the details
columns are the fields) and may add `over` and `within` templates, each a mapping of
language to text with a {margin} field: the distance between metric and threshold in the
rule's unit. The same sentence goes into findings.json and onto the reports.
"""

from checker.rules import Rule
from checker.thresholds import within


def finding_message(rule: Rule, lang: str, metric, threshold, details: dict) -> str:
    fields = {**details, "metric": metric, "threshold": threshold}
    try:
        text = _template(rule.message, lang).format(**fields)
    except (KeyError, ValueError, TypeError, IndexError):
        return f"{metric} vs {threshold} ({rule.unit})"
    side = "within" if within(rule.comparison, metric, threshold) else "over"
    margin_template = _template(rule.message.get(side) or {}, lang)
    if margin_template:
        try:
            text += margin_template.format(margin=abs(metric - threshold), **fields)
        except (KeyError, ValueError, TypeError, IndexError):
            pass  # the main sentence still says everything a reader must know
    return text


def _template(templates: dict, lang: str) -> str:
    text = templates.get(lang) or templates.get("en") or ""
    return text if isinstance(text, str) else ""
