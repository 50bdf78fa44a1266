"""Waivers: a supervisor's recorded exemption that turns one institution's breach of one
rule into `waived` for a window of dates.

The file (`--waivers PATH`) is a YAML list; each entry has exactly the keys institution,
rule, from, to, reason, approved_by, reference. A waiver applies on every as-of date from
`from` to `to`, both included, and only to a breach (a warning needs no exemption). A
waived finding keeps its original verdict in `waiver.original_status`, does not set exit
code 1, and shows with its reason in the reports.

Nothing is ever applied silently wrong: an entry that is malformed (a missing, unknown or
empty key, a date that is not a date, `from` after `to`), out of its dates, or matching no
breach is reported in the summary and the reports and not applied. A file that is not a
YAML list at all stops the run (exit 2): the whole set is unusable.
"""

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from checker.errors import InputError
from checker.findings import Finding

KEYS = ("institution", "rule", "from", "to", "reason", "approved_by", "reference")
TEXT_KEYS = ("institution", "rule", "reason", "approved_by", "reference")


@dataclass
class Waiver:
    entry: int  # 1-based position in the file, as a person counts
    institution: str
    rule: str
    start: dt.date
    end: dt.date
    reason: str
    approved_by: str
    reference: str

    def covers(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def record(self, original_status: str) -> dict:
        return {
            "reason": self.reason,
            "approved_by": self.approved_by,
            "reference": self.reference,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "original_status": original_status,
        }


@dataclass
class WaiverProblem:
    """An entry that was not applied, and why: `kind` keys the catalogue's sentence
    (reports/messages.yaml, waiver_problems), `params` fill it."""

    entry: int
    kind: str  # malformed kinds, or expired | not_yet | unmatched | duplicate
    institution: str | None = None
    rule: str | None = None
    reference: str | None = None
    params: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "entry": self.entry,
            "problem": self.kind,
            "institution": self.institution,
            "rule": self.rule,
            "reference": self.reference,
            **{key: str(value) for key, value in self.params.items()},
        }


@dataclass
class WaiverOutcome:
    path: str
    applied: list[tuple[Waiver, Finding]] = field(default_factory=list)
    problems: list[WaiverProblem] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "path": self.path,
            "applied": [
                {
                    "entry": w.entry,
                    "institution": w.institution,
                    "rule": w.rule,
                    **w.record("breach"),
                }
                for w, _ in self.applied
            ],
            "problems": [p.to_json() for p in self.problems],
        }


def load_waivers(path: Path) -> tuple[list[Waiver], list[WaiverProblem]]:
    """The usable entries, and a problem for each entry that is not."""
    try:
        document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        detail = " ".join(str(error).split())[:200]
        raise InputError(str(path), "waivers_unreadable", detail=detail) from None
    if document is None:  # an empty file: no waivers
        return [], []
    if not isinstance(document, list):
        raise InputError(str(path), "waivers_not_list", found=type(document).__name__)
    waivers, problems = [], []
    for number, entry in enumerate(document, 1):
        parsed = _parse(number, entry)
        (waivers if isinstance(parsed, Waiver) else problems).append(parsed)
    return waivers, problems


def _parse(number: int, entry) -> Waiver | WaiverProblem:
    if not isinstance(entry, dict):
        return WaiverProblem(number, "not_mapping")
    texts = {k: entry.get(k) for k in TEXT_KEYS}
    who = {
        "institution": _text_or_none(texts["institution"]),
        "rule": _text_or_none(texts["rule"]),
        "reference": _text_or_none(texts["reference"]),
    }
    unknown = sorted(str(k) for k in entry if k not in KEYS)
    if unknown:
        return WaiverProblem(number, "unknown_key", **who, params={"key": ", ".join(unknown)})
    missing = [k for k in KEYS if k not in entry]
    if missing:
        return WaiverProblem(number, "missing_key", **who, params={"key": ", ".join(missing)})
    for key in TEXT_KEYS:
        value = texts[key]
        if not isinstance(value, str):
            # 001 in YAML is the number 1: refuse rather than guess which id was meant.
            return WaiverProblem(number, "not_text", **who, params={"key": key})
        if not value.strip():
            return WaiverProblem(number, "empty_value", **who, params={"key": key})
    dates = {}
    for key in ("from", "to"):
        dates[key] = _date(entry[key])
        if dates[key] is None:
            return WaiverProblem(
                number, "bad_date", **who, params={"key": key, "value": entry[key]}
            )
    if dates["from"] > dates["to"]:
        return WaiverProblem(
            number, "from_after_to", **who, params={"from": dates["from"], "to": dates["to"]}
        )
    return Waiver(
        entry=number,
        institution=texts["institution"].strip(),
        rule=texts["rule"].strip(),
        start=dates["from"],
        end=dates["to"],
        reason=texts["reason"].strip(),
        approved_by=texts["approved_by"].strip(),
        reference=texts["reference"].strip(),
    )


def _date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return None  # a time of day has no place in a waiver window
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _text_or_none(value) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def apply_waivers(
    findings: list[Finding],
    waivers: list[Waiver],
    problems: list[WaiverProblem],
    as_of_date: str | None,
    path: str,
) -> WaiverOutcome:
    """Turn each breach a waiver in force covers into `waived`; report every waiver that
    does not apply, and why."""
    outcome = WaiverOutcome(path=path, problems=list(problems))
    by_key = {(f.institution_id, f.rule_id): f for f in findings}
    day = dt.date.fromisoformat(as_of_date) if as_of_date else None
    for waiver in waivers:
        who = {
            "institution": waiver.institution,
            "rule": waiver.rule,
            "reference": waiver.reference,
        }
        dates = {"from": waiver.start, "to": waiver.end, "as_of_date": as_of_date or "—"}
        if day is not None and day > waiver.end:
            outcome.problems.append(WaiverProblem(waiver.entry, "expired", **who, params=dates))
            continue
        if day is not None and day < waiver.start:
            outcome.problems.append(WaiverProblem(waiver.entry, "not_yet", **who, params=dates))
            continue
        finding = by_key.get((waiver.institution, waiver.rule))
        if finding is not None and finding.waiver is not None:
            outcome.problems.append(
                WaiverProblem(
                    waiver.entry, "duplicate", **who, params={"other": finding.waiver["entry"]}
                )
            )
            continue
        if finding is None or finding.status != "breach":
            status = finding.status if finding is not None else "absent"
            outcome.problems.append(
                WaiverProblem(waiver.entry, "unmatched", **who, params={"status": status})
            )
            continue
        finding.waiver = {**waiver.record(finding.status), "entry": waiver.entry}
        finding.status = "waived"
        outcome.applied.append((waiver, finding))
    outcome.problems.sort(key=lambda problem: problem.entry)  # in the file's order
    return outcome
