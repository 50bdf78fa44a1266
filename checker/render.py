"""Render the HTML reports from the templates in reports/ (Jinja, autoescape on).

The templates get plain data; every label comes from reports/messages.yaml.
"""

from collections import Counter
from pathlib import Path

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from checker.resources import data_dir
from checker.safe import safe_filename

EXCEPTION_PREVIEW_ROWS = 20
_STATUS_ORDER = {"breach": 0, "error": 1, "warn": 2, "pass": 3, "not_applicable": 4}


def render_reports(result, out_dir: Path, lang: str, exception_paths: dict) -> None:
    folder = data_dir("reports")
    labels = yaml.safe_load((folder / "messages.yaml").read_text(encoding="utf-8"))[lang]
    env = Environment(
        loader=FileSystemLoader(folder / "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["number"] = _number
    common = {"run": result, "labels": labels, "lang": lang, "rules": result.rules}
    subjects = _subjects(result)
    (out_dir / "index.html").write_text(
        env.get_template("index.html").render(**common, subjects=subjects, totals=_totals(result)),
        encoding="utf-8",
    )
    rules_by_id = {rule.id: rule for rule in result.rules}
    page = env.get_template("institution.html")
    for subject in subjects:
        sections = [
            _section(f, rules_by_id[f.rule_id], result, exception_paths)
            for f in subject["findings"]
        ]
        html = page.render(**common, subject=subject, sections=sections)
        target = out_dir / "institutions" / f"{subject['file']}.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")


def _subjects(result) -> list[dict]:
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
    subjects = list(grouped.values())
    for entry in subjects:
        entry["breaches"] = sum(f.status == "breach" for f in entry["findings"])
        entry["warnings"] = sum(f.status == "warn" for f in entry["findings"])
    return sorted(subjects, key=lambda e: (-e["breaches"], -e["warnings"], e["id"]))


def _totals(result) -> dict[str, Counter]:
    totals: dict[str, Counter] = {rule.id: Counter() for rule in result.rules}
    for finding in result.findings:
        totals[finding.rule_id][finding.status] += 1
    return totals


def _section(finding, rule, result, exception_paths: dict) -> dict:
    rows = result.exceptions.get((finding.institution_id, rule.id))
    preview = rows.head(EXCEPTION_PREVIEW_ROWS) if rows is not None else None
    return {
        "finding": finding,
        "rule": rule,
        "columns": preview.columns if preview is not None else [],
        "rows": preview.rows() if preview is not None else [],
        "total_rows": rows.height if rows is not None else 0,
        "csv": exception_paths.get((finding.institution_id, rule.id)),
    }


def _number(value, digits: int = 2) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)
