"""Render the HTML reports from the templates in reports/ (Jinja, autoescape on).

The templates get plain data (checker/pages.py) and draw it; every label comes from
reports/messages.yaml, rule titles and working labels from the rule files. Nothing from
the extract is ever marked safe: names such as `<script>` or `Bank & Co` show as text,
in the pages and in the charts alike.
"""

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from checker import nightly_pages, pages
from checker.labels import load_labels
from checker.resources import data_dir
from checker.rules import load_documents


def render_reports(result, out_dir: Path, lang: str, exception_paths: dict) -> None:
    labels = load_labels(lang)
    env = _environment()
    rules_by_id = {rule.id: rule for rule in result.rules}
    subjects = pages.subjects(result)
    common = {
        "run": result,
        "run_time": pages.run_time(result.started_at),
        "labels": labels,
        "lang": lang,
        "rules": result.rules,
    }
    index = env.get_template("index.html").render(
        **common,
        subjects=subjects,
        totals=pages.totals(result),
        headline=pages.headline(subjects, labels),
        notable=pages.notable_findings(subjects, rules_by_id, labels, lang),
        not_applicable=pages.not_applicable_groups(result, rules_by_id, labels, lang),
        changes=nightly_pages.changes(result, subjects, rules_by_id, labels, lang),
        waivers=nightly_pages.waivers(result, subjects, rules_by_id, labels, lang),
    )
    (out_dir / "index.html").write_text(index, encoding="utf-8")
    context = {
        "labels": labels,
        "lang": lang,
        "documents": load_documents(),
        "exceptions": result.exceptions,
        "exception_paths": exception_paths,
        "trends": result.history.trends if result.history else {},
    }
    page = env.get_template("institution.html")
    for subject in subjects:
        sections = [pages.section(f, rules_by_id[f.rule_id], context) for f in subject["findings"]]
        html = page.render(**common, subject=subject, sections=sections)
        target = out_dir / "institutions" / f"{subject['file']}.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(data_dir("reports") / "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
