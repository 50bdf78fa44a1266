"""The mail summary of a run: summary.txt (plain text for an email body, and what the
command prints) and summary.md, both written into the output folder.

Both say the same as the top of index.html: the run, one line of totals, every breach,
error and warning as a sentence, then the results per rule. Words come from the label
catalogue in the run's language.
"""

import unicodedata
from pathlib import Path

from checker import nightly_pages, pages
from checker.labels import load_labels

STATUSES = ("breach", "warn", "pass", "not_applicable", "error")
COLUMN = 7  # width of a count column in the text table
MAX_IDS = 6  # breaching ids listed per rule in the text table before "…"
# Characters with a meaning in Markdown or HTML inline text; data gets them escaped.
_MARKDOWN_SPECIAL = set("\\`*_[]<>&|~")


def summary_text(result, out_dir: Path, lang: str = "zh") -> str:
    facts = _facts(result, lang)
    labels = facts["labels"]
    title = labels["report_title"]
    lines = [title, "=" * _width(title), *facts["run_lines"], ""]
    changes = facts["changes"]
    if changes:  # what changed leads: it is the morning's question
        lines.append(changes["title"])
        if changes["first_run"]:
            lines.append(labels["changes_first_run"])
        else:
            lines.append(changes["counts"])
            for mark, items in changes["groups"]:
                lines += [f"  {labels[f'list_{mark}']}"]
                lines += [
                    f"    {n}. {_change_line(item, mark, labels)}"
                    for n, item in enumerate(items, 1)
                ]
            if changes["vanished"]:
                lines += [f"  {labels['list_vanished']}"]
                lines += [f"    - {text}" for text in changes["vanished"]]
        lines.append("")
    lines += [facts["headline"], facts["scope"]]
    for status, items in facts["notable"].items():
        if items:
            lines += ["", labels[f"list_{status}"]]
            lines += [f"  {n}. {_sentence(item, labels)}" for n, item in enumerate(items, 1)]
    lines += _waiver_lines(facts["waivers"], labels, "  - ")
    if facts["not_applicable"]:
        lines += ["", labels["list_not_applicable"]]
        lines += [f"  - {_na_line(group, labels)}" for group in facts["not_applicable"]]
    lines += ["", labels["summary_rule_table"], *_text_table(facts), ""]
    lines.append(f"{labels['summary_reports']}{labels['colon']}{out_dir / 'index.html'}")
    return "\n".join(lines)


def summary_markdown(result, lang: str = "zh") -> str:
    facts = _facts(result, lang)
    labels = facts["labels"]
    lines = [f"# {labels['report_title']}", ""]
    lines += [f"- {_md(line)}" for line in facts["run_lines"]]
    changes = facts["changes"]
    if changes:
        lines += ["", f"## {_md(changes['title'])}", ""]
        if changes["first_run"]:
            lines.append(_md(labels["changes_first_run"]))
        else:
            lines.append(f"**{_md(changes['counts'])}**")
            for mark, items in changes["groups"]:
                lines += ["", f"### {labels[f'list_{mark}']}", ""]
                lines += [
                    f"{n}. {_md(labels[f'mark_{mark}'])} · {_md_sentence(item, labels)}"
                    + (_md_note(item["note"], labels) if item["note"] else "")
                    for n, item in enumerate(items, 1)
                ]
            if changes["vanished"]:
                lines += ["", f"### {_md(labels['list_vanished'])}", ""]
                lines += [f"- {_md(text)}" for text in changes["vanished"]]
    lines += ["", f"**{_md(facts['headline'])}** {_md(facts['scope'])}"]
    for status, items in facts["notable"].items():
        if items:
            lines += ["", f"## {labels[f'list_{status}']}", ""]
            lines += [f"{n}. {_md_sentence(item, labels)}" for n, item in enumerate(items, 1)]
    lines += _md_waivers(facts["waivers"], labels)
    if facts["not_applicable"]:
        lines += ["", f"## {labels['list_not_applicable']}", ""]
        lines += [f"- {_md(_na_line(group, labels))}" for group in facts["not_applicable"]]
    lines += ["", f"## {labels['summary_rule_table']}", "", *_markdown_table(facts), ""]
    lines.append(f"{labels['summary_reports']}{labels['colon']}[index.html](index.html)")
    return "\n".join(lines) + "\n"


def write_summaries(result, folder: Path, final_out_dir: Path, lang: str) -> None:
    """summary.txt names the report where it will be, not the staging folder."""
    text = summary_text(result, final_out_dir, lang)
    (folder / "summary.txt").write_text(text + "\n", encoding="utf-8")
    (folder / "summary.md").write_text(summary_markdown(result, lang), encoding="utf-8")


def _facts(result, lang: str) -> dict:
    labels = load_labels(lang)
    rules_by_id = {rule.id: rule for rule in result.rules}
    subjects = pages.subjects(result)
    subject_kind = {f.institution_id: rules_by_id[f.rule_id].subject for f in result.findings}
    kinds = list(subject_kind.values())
    rows_read = sum(i.rows for i in result.inputs)
    scope = labels["summary_subjects"].format(
        institutions=kinds.count("institution"),
        guarantors=kinds.count("government_guarantor"),
        rows=rows_read,
        rejected=result.rows_rejected,
    )
    if result.rows_rejected:
        scope += labels["summary_rejected_see"]
    return {
        "labels": labels,
        "lang": lang,
        "run_lines": [
            f"{labels['as_of_date']}{labels['colon']}{result.as_of_date or '—'}",
            f"{labels['profile']}{labels['colon']}{result.profile}",
            f"{labels['started_at']}{labels['colon']}{pages.run_time(result.started_at)}",
            f"{labels['tool_version']}{labels['colon']}loancheck {result.tool_version}",
        ],
        "scope": scope,
        "headline": pages.headline(subjects, labels),
        "notable": pages.notable_findings(subjects, rules_by_id, labels, lang),
        "not_applicable": pages.not_applicable_groups(result, rules_by_id, labels, lang),
        "changes": nightly_pages.changes(result, subjects, rules_by_id, labels, lang),
        "waivers": nightly_pages.waivers(result, subjects, rules_by_id, labels, lang),
        "statuses": STATUSES + (("waived",) if result.waivers and result.waivers.applied else ()),
        "rules": result.rules,
        "totals": pages.totals(result),
        "breaching": {
            rule.id: [
                f.institution_id
                for f in result.findings
                if f.rule_id == rule.id and f.status == "breach"
            ]
            for rule in result.rules
        },
    }


def _md_note(note: str, labels: dict) -> str:
    text = labels["mark_note"].format(note=note)
    return (" " if text.startswith(" ") else "") + _md(text)


def _change_line(item: dict, mark: str, labels: dict) -> str:
    text = f"[{labels[f'mark_{mark}']}] {_sentence(item, labels)}"
    return text + (labels["mark_note"].format(note=item["note"]) if item["note"] else "")


def _waiver_lines(waivers: dict | None, labels: dict, bullet: str) -> list[str]:
    """The waiver section: applied ones with their reason, then the ones not applied."""
    if not waivers or not (waivers["applied"] or waivers["problems"]):
        return []
    lines = ["", labels["waivers_title"]]
    if waivers["applied"]:
        lines.append(labels["waivers_applied"])
        lines += [
            " ".join(f"{bullet}{w['who']} · {w['rule_title']}{labels['colon']}{w['text']}".split())
            for w in waivers["applied"]
        ]
    if waivers["problems"]:
        lines.append(labels["waivers_problems"])
        lines += [f"{bullet}{text}" for text in waivers["problems"]]
    return lines


def _md_waivers(waivers: dict | None, labels: dict) -> list[str]:
    if not waivers or not (waivers["applied"] or waivers["problems"]):
        return []
    lines = ["", f"## {labels['waivers_title']}"]
    if waivers["applied"]:
        lines += ["", f"### {labels['waivers_applied']}", ""]
        lines += [
            f"- **{_md(w['who'])}** · [{_md(w['rule_title'])}]({w['link']})"
            f"{labels['colon']}{_md(w['text'])}"
            for w in waivers["applied"]
        ]
    if waivers["problems"]:
        lines += ["", f"### {labels['waivers_problems']}", ""]
        lines += [f"- {_md(text)}" for text in waivers["problems"]]
    return lines


def _sentence(item: dict, labels: dict) -> str:
    who = labels["who"].format(name=item["subject"]["name"], id=item["subject"]["id"])
    text = f"{who} · {item['rule_title']}{labels['colon']}{item['message']}"
    if item["exceptions"]:
        text += labels["exception_rows"].format(n=item["exceptions"])
    return " ".join(text.split())  # a name with a line break stays on its line


def _na_line(group: dict, labels: dict) -> str:
    return f"{group['rule_title']}{labels['colon']}{group['reason']} — {', '.join(group['ids'])}"


def _md_sentence(item: dict, labels: dict) -> str:
    who = labels["who"].format(name=item["subject"]["name"], id=item["subject"]["id"])
    text = f"**{_md(who)}** · [{_md(item['rule_title'])}]({item['link']})"
    text += f"{labels['colon']}{_md(item['message'])}"
    if item["exceptions"]:
        rows = labels["exception_rows"].format(n=item["exceptions"])
        # _md folds whitespace away; the English label's leading space is meant.
        text += (" " if rows.startswith(" ") else "") + _md(rows)
    return text


def _text_table(facts: dict) -> list[str]:
    labels, totals, statuses = facts["labels"], facts["totals"], facts["statuses"]
    width = max(len(rule.id) for rule in facts["rules"]) if facts["rules"] else 4
    headers = [labels[f"status_{s}"] for s in statuses]
    lines = [
        _pad(labels["summary_rule"], width)
        + "".join(" " + _pad(h, COLUMN, right=True) for h in headers)
        + "  "
        + labels["summary_breaching"]
    ]
    for rule in facts["rules"]:
        ids = facts["breaching"][rule.id]
        who = ", ".join(ids[:MAX_IDS]) + (" …" if len(ids) > MAX_IDS else "")
        counts = "".join(" " + _pad(str(totals[rule.id][s]), COLUMN, right=True) for s in statuses)
        lines.append(f"{_pad(rule.id, width)}{counts}  {who}".rstrip())
    return lines


def _markdown_table(facts: dict) -> list[str]:
    labels, totals, lang = facts["labels"], facts["totals"], facts["lang"]
    statuses = facts["statuses"]
    headers = [labels["summary_rule"], *(labels[f"status_{s}"] for s in statuses)]
    lines = [
        "| " + " | ".join(headers) + f" | {labels['summary_breaching']} |",
        "|---" + "|---:" * len(statuses) + "|---|",
    ]
    for rule in facts["rules"]:
        counts = " | ".join(str(totals[rule.id][s]) for s in statuses)
        ids = ", ".join(_md(i) for i in facts["breaching"][rule.id])
        lines.append(f"| {_md(rule.title[lang])} (`{rule.id}`) | {counts} | {ids} |")
    return lines


def _md(text: str) -> str:
    """Data as literal Markdown text: specials backslash-escaped, one line."""
    flat = " ".join(str(text).split())
    return "".join(f"\\{c}" if c in _MARKDOWN_SPECIAL else c for c in flat)


def _pad(text: str, width: int, right: bool = False) -> str:
    """Pad to a width in terminal columns: a Chinese character takes two."""
    fill = " " * max(width - _width(text), 0)
    return fill + text if right else text + fill


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
