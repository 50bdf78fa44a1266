"""What the reports and the mail summary show of a nightly run, as plain data: what
changed since the previous as-of date, the waivers applied and refused, and per finding
its change mark and waiver. Words come from the label catalogue (reports/messages.yaml).
"""


def changes(result, ordered_subjects: list[dict], rules_by_id: dict, labels: dict, lang: str):
    """The "what changed" block that leads the index and the summary; None for a run
    without a history."""
    view = result.history
    if view is None:
        return None
    if view.compared_with is None:
        return {"title": labels["changes_first_title"], "first_run": True}
    # New and resolved first: they are the news; persisting ones last.
    groups = {"new": [], "resolved": [], "persisting": []}
    for subject in ordered_subjects:
        for finding in subject["findings"]:
            mark = (finding.change or {}).get("mark")
            if mark in groups:
                groups[mark].append(_item(finding, subject, rules_by_id, labels, lang))
    return {
        "title": labels["changes_title"].format(date=view.compared_with),
        "first_run": False,
        "counts": labels["changes_counts"].format(**{k: len(v) for k, v in groups.items()}),
        # (mark, items) in reading order, marks with no finding left out
        "groups": [(mark, items) for mark, items in groups.items() if items],
        "vanished": [
            labels["vanished_item"].format(
                id=institution_id,
                rule=rules_by_id[rule_id].title[lang] if rule_id in rules_by_id else rule_id,
                status=labels[f"status_{status}"],
            )
            for institution_id, rule_id, status in view.vanished
        ],
    }


def _item(finding, subject: dict, rules_by_id: dict, labels: dict, lang: str) -> dict:
    from checker.pages import shown_message  # pages imports this module for its sections

    rule = rules_by_id[finding.rule_id]
    return {
        "subject": subject,
        "rule_id": rule.id,
        "rule_title": rule.title[lang],
        "status": finding.status,
        "message": shown_message(finding, labels),
        "note": mark_note(finding, labels),
        "exceptions": finding.exceptions,
        "link": f"institutions/{subject['file']}.html#{rule.id}",
    }


def mark_note(finding, labels: dict) -> str:
    """since 2025-09-29 · last time: warning — what a reader needs beside the mark: when a
    streak began, and the verdict last time when it differs from tonight's."""
    change = finding.change or {}
    mark, previous = change.get("mark"), change.get("previous_status")
    parts = []
    if mark == "persisting" and change.get("since"):
        parts.append(labels["since"].format(date=change["since"]))
    if mark in ("persisting", "resolved") and previous and previous != finding.original_status:
        parts.append(labels["previous_status"].format(status=labels[f"status_{previous}"]))
    return " · ".join(parts)


def waivers(result, ordered_subjects: list[dict], rules_by_id: dict, labels: dict, lang: str):
    """The waiver section: each waiver applied (who, rule, reason, approval) and each one
    refused with why. None when the run had no waivers file."""
    outcome = result.waivers
    if outcome is None:
        return None
    files = {s["id"]: s["file"] for s in ordered_subjects}
    applied = []
    for _waiver, finding in outcome.applied:
        rule = rules_by_id[finding.rule_id]
        applied.append(
            {
                "who": labels["who"].format(
                    name=finding.institution_name, id=finding.institution_id
                ),
                "rule_title": rule.title[lang],
                "text": waiver_text(finding.waiver, labels),
                "link": f"institutions/{files[finding.institution_id]}.html#{rule.id}",
            }
        )
    problems = [problem_text(p, labels) for p in outcome.problems]
    return {"path": outcome.path, "applied": applied, "problems": problems}


def waiver_text(record: dict, labels: dict) -> str:
    return labels["waiver_line"].format(
        reason=record["reason"],
        approved_by=record["approved_by"],
        reference=record["reference"],
        start=record["from"],
        end=record["to"],
    )


def problem_text(problem, labels: dict) -> str:
    """entry 2 (B1 · fee-disclosure · ref): expired on 2025-09-30 (as-of date …)."""
    params = {key: str(value) for key, value in problem.params.items()}
    if "status" in params:
        params["status"] = labels.get(f"status_{params['status']}", params["status"])
    sentence = labels["waiver_problems"][problem.kind].format(**params)
    named = " · ".join(x for x in (problem.institution, problem.rule, problem.reference) if x)
    key = "waiver_entry_named" if named else "waiver_entry"
    where = labels[key].format(entry=problem.entry, named=named)
    return " ".join(f"{where}{labels['colon']}{sentence}".split())
