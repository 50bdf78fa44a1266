"""What the report pages show, as plain data for the templates (no HTML here).

From a CheckResult: the institutions ordered by breaches, the totals per rule, the
plain-language list of breaches that leads the index page, and per finding a section
with the working labelled, the chart, the citation and the first exception rows.
"""

import datetime as dt
from collections import Counter

from checker.charts import chart_for
from checker.labels import column_label, detail_label, detail_unit, format_cell, format_value
from checker.nightly_pages import mark_note, waiver_text
from checker.reasons import translated_reason
from checker.safe import safe_filename
from checker.trend_chart import trend_chart

EXCEPTION_PREVIEW_ROWS = 20
STATUS_ORDER = ("breach", "error", "warn", "waived", "pass", "not_applicable")
# The statuses the index page lists one by one, in this order.
NOTABLE = ("breach", "error", "warn")


def subjects(result) -> list[dict]:
    """One entry per institution (or guarantor), most breaches first."""
    grouped: dict[str, dict] = {}
    for finding in result.findings:
        entry = grouped.setdefault(
            finding.institution_id,
            {
                "id": finding.institution_id,
                "name": finding.institution_name,
                "file": safe_filename(finding.institution_id),
                "findings": [],
                "by_rule": {},
            },
        )
        entry["findings"].append(finding)
        entry["by_rule"][finding.rule_id] = finding
    for entry in grouped.values():
        statuses = Counter(f.status for f in entry["findings"])
        entry["breaches"], entry["warnings"] = statuses["breach"], statuses["warn"]
        entry["errors"] = statuses["error"]
    return sorted(
        grouped.values(), key=lambda e: (-e["breaches"], -e["errors"], -e["warnings"], e["id"])
    )


def totals(result) -> dict[str, Counter]:
    counts: dict[str, Counter] = {rule.id: Counter() for rule in result.rules}
    for finding in result.findings:
        counts[finding.rule_id][finding.status] += 1
    return counts


def notable_findings(ordered_subjects: list[dict], rules_by_id: dict, labels: dict, lang: str):
    """The breaches, errors and warnings, each a sentence someone can act on, grouped by
    status, institutions in the matrix order."""
    groups = {status: [] for status in NOTABLE}
    for subject in ordered_subjects:
        for finding in subject["findings"]:
            if finding.status in groups:
                rule = rules_by_id[finding.rule_id]
                groups[finding.status].append(
                    {
                        "subject": subject,
                        "rule_id": rule.id,
                        "rule_title": rule.title[lang],
                        "message": shown_message(finding, labels),
                        "exceptions": finding.exceptions,
                        "link": f"institutions/{subject['file']}.html#{rule.id}",
                    }
                )
    return groups


def not_applicable_groups(result, rules_by_id: dict, labels: dict, lang: str) -> list[dict]:
    """Checks without a verdict, one entry per rule and reason, naming who they concern, so
    a reader knows what was not measured and why."""
    groups: dict[tuple[str, str], dict] = {}
    for finding in result.findings:
        if finding.status == "not_applicable":
            rule = rules_by_id[finding.rule_id]
            reason = shown_message(finding, labels)
            entry = groups.setdefault(
                (rule.id, reason), {"rule_title": rule.title[lang], "reason": reason, "ids": []}
            )
            entry["ids"].append(finding.institution_id)
    return list(groups.values())


def headline(ordered_subjects: list[dict], labels: dict) -> str:
    with_breach = sum(1 for s in ordered_subjects if s["breaches"])
    return labels["headline"].format(
        subjects=len(ordered_subjects),
        with_breach=with_breach,
        breaches=sum(s["breaches"] for s in ordered_subjects),
        warnings=sum(s["warnings"] for s in ordered_subjects),
    )


def shown_message(finding, labels: dict) -> str:
    """The finding's message; a not-applicable or error reason, which rules write in
    English, in the reader's language when the catalogue knows it."""
    if finding.status in ("not_applicable", "error"):
        return translated_reason(finding.message, labels)
    return finding.message


def run_time(started_at: str) -> str:
    """2026-11-23T18:47:06+00:00 -> 2026-11-23 18:47:06 UTC, as a person writes it."""
    try:
        moment = dt.datetime.fromisoformat(started_at)
    except (TypeError, ValueError):
        return str(started_at)
    if moment.utcoffset() == dt.timedelta(0):
        return moment.strftime("%Y-%m-%d %H:%M:%S UTC")
    return moment.isoformat(sep=" ")


def section(finding, rule, context: dict) -> dict:
    """Everything the institution page shows for one finding."""
    labels, lang = context["labels"], context["lang"]
    rows = context["exceptions"].get((finding.institution_id, rule.id))
    preview = rows.head(EXCEPTION_PREVIEW_ROWS).to_dicts() if rows is not None else []
    # The page is about one institution already; the CSV keeps the column.
    columns = [c for c in rows.columns if c != "institution_id"] if rows is not None else []
    return {
        "finding": finding,
        "rule": rule,
        "title": rule.title[lang],
        "message": shown_message(finding, labels),
        "working": working(finding, rule, labels, lang),
        "chart": chart_for(rule, finding, preview, labels, lang),
        "citations": citations(rule, context["documents"]),
        "columns": [column_label(c, labels) for c in columns],
        "rows": [[format_cell(row[c], c, labels) for c in columns] for row in preview],
        "total_rows": rows.height if rows is not None else 0,
        "csv": context["exception_paths"].get((finding.institution_id, rule.id)),
        "mark": (finding.change or {}).get("mark"),
        "mark_note": mark_note(finding, labels),
        "waiver": waiver_text(finding.waiver, labels) if finding.waiver else None,
        "trend": trend_chart(
            context["trends"].get((finding.institution_id, rule.id), []), rule.unit, labels
        ),
    }


def working(finding, rule, labels: dict, lang: str) -> list[dict]:
    """The numbers behind the verdict, labelled from the rule file, then the metric and the
    threshold it was held against."""
    values = dict(finding.details)
    if finding.metric is not None:
        values |= {"metric": finding.metric, "threshold": finding.threshold}
    rows = []
    for key, value in values.items():
        label = detail_label(rule, key, lang)
        if key in ("metric", "threshold") and label == key:
            label = labels[key]
        unit = detail_unit(rule, key)
        rows.append(
            {
                "label": label,
                "value": format_value(value, unit, labels, digits=4),
                "key": key,
                "emphasis": key in ("metric", "threshold"),
            }
        )
    return rows


def citations(rule, documents: dict) -> list[dict]:
    return [
        {
            "doc": citation["doc"],
            "title": documents.get(citation["doc"], {}).get("title", citation["doc"]),
            "clause": citation["clause"],
            "quote": citation["quote"],
        }
        for citation in (rule.source, *rule.also_cites)
    ]
