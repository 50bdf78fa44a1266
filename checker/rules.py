"""Read rule files (rules/*.yaml), the shared definitions and profiles into plain data.

A rule file is the rule and its documentation: titles, what it measures, why, the
clause it rests on with the quoted sentence, its parameters, and the SQL. Unknown keys
and missing required keys are errors that name the file and the key.
"""

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from checker.errors import RuleDefinitionError
from checker.resources import data_dir
from checker.thresholds import COMPARISONS

REQUIRED_KEYS = {
    "id",
    "version",
    "title",
    "severity",
    "subject",
    "requires",
    "unit",
    "comparison",
    "source",
    "measures",
    "why",
    "example_breach",
    "message",
    "metric_sql",
}
OPTIONAL_KEYS = {
    "also_cites",
    "parameters",
    "setup_sql",
    "exceptions_sql",
    "choices",
    # How the reports show the rule: a label (zh, en, unit) per details key, and a chart.
    "details_labels",
    "chart",
}
SEVERITIES = {"breach", "warn"}
SUBJECTS = {"institution", "government_guarantor"}
SOURCE_KEYS = {"doc", "clause", "quote"}
NOT_RULES = {"definitions.yaml", "documents.yaml"}
# What the reports know how to show (checker/charts.py draws each chart kind).
LABEL_UNITS = {"yuan", "percent", "percentage_points", "count", "flag", "number"}
CHART_KINDS = {"tolerance", "year_start_vs_now", "against_cap", "rows_against_cap"}


@dataclass(frozen=True)
class Rule:
    id: str
    version: int
    title: dict[str, str]
    severity: str
    subject: str
    requires: tuple[str, ...]
    unit: str
    comparison: str
    source: dict[str, str]
    measures: str
    why: str
    example_breach: str
    message: dict[str, str]
    metric_sql: str
    setup_sql: str | None = None
    exceptions_sql: str | None = None
    parameters: dict[str, dict] = field(default_factory=dict)
    also_cites: tuple[dict, ...] = ()
    choices: str = ""
    details_labels: dict[str, dict] = field(default_factory=dict)
    chart: dict | None = None
    path: Path | None = None

    def parameter_values(self) -> dict[str, object]:
        return {name: spec["default"] for name, spec in self.parameters.items()}


@dataclass(frozen=True)
class Definitions:
    """The shared definitions every rule builds on (NPL, inclusive, private, ...)."""

    parameters: dict[str, dict]
    facts_sql: tuple[str, ...]

    def parameter_values(self) -> dict[str, object]:
        return {name: spec["default"] for name, spec in self.parameters.items()}


def load_rule(path: Path) -> Rule:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise RuleDefinitionError(path.name, f"cannot be read: {error}") from None
    if not isinstance(raw, dict):
        raise RuleDefinitionError(path.name, "is not a mapping of keys to values")
    _check_rule(path, raw)
    return Rule(
        **{k: v for k, v in raw.items() if k not in {"requires", "also_cites"}},
        requires=tuple(raw["requires"]),
        also_cites=tuple(raw.get("also_cites", ())),
        path=path,
    )


def load_rules(folder: Path | None = None) -> dict[str, Rule]:
    folder = folder or data_dir("rules")
    rules = {}
    for path in sorted(folder.glob("*.yaml")):
        if path.name in NOT_RULES:
            continue
        rule = load_rule(path)
        if path.stem != rule.id:
            raise RuleDefinitionError(path.name, f"id {rule.id!r} differs from the file name")
        rules[rule.id] = rule
    return rules


def load_definitions(folder: Path | None = None) -> Definitions:
    path = (folder or data_dir("rules")) / "definitions.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Definitions(parameters=raw["parameters"], facts_sql=tuple(raw["facts_sql"]))


def load_documents(folder: Path | None = None) -> dict[str, dict]:
    path = (folder or data_dir("rules")) / "documents.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load_profile(name: str, rules: dict[str, Rule], folder: Path | None = None) -> list[Rule]:
    """The rules a profile names, in the profile's order."""
    path = (folder or data_dir("rules")) / "profiles" / f"{name}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in path.parent.glob("*.yaml"))
        raise RuleDefinitionError(
            f"--profile {name}", f"no such profile; known: {', '.join(known)}"
        )
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    missing = [rule_id for rule_id in raw["rules"] if rule_id not in rules]
    if missing:
        raise RuleDefinitionError(path.name, f"names unknown rule {missing[0]!r}")
    return [rules[rule_id] for rule_id in raw["rules"]]


def _check_rule(path: Path, raw: dict) -> None:
    unknown = sorted(set(raw) - REQUIRED_KEYS - OPTIONAL_KEYS)
    if unknown:
        raise RuleDefinitionError(path.name, f"unknown key {unknown[0]!r}")
    missing = sorted(REQUIRED_KEYS - set(raw))
    if missing:
        raise RuleDefinitionError(path.name, f"missing key {missing[0]!r}")
    documents = load_documents(path.parent) if (path.parent / "documents.yaml").is_file() else None
    for citation in (raw["source"], *raw.get("also_cites", ())):
        absent = sorted(SOURCE_KEYS - set(citation or {}))
        if absent:
            raise RuleDefinitionError(path.name, f"citation without {absent[0]!r}")
        if documents is not None and citation["doc"] not in documents:
            raise RuleDefinitionError(path.name, f"cites unknown document {citation['doc']!r}")
    _check_choice(path, "severity", raw["severity"], SEVERITIES)
    _check_choice(path, "subject", raw["subject"], SUBJECTS)
    _check_choice(path, "comparison", raw["comparison"], set(COMPARISONS))
    for name, spec in raw.get("parameters", {}).items():
        if not isinstance(spec, dict) or "default" not in spec:
            raise RuleDefinitionError(path.name, f"parameter {name!r} has no default")
    _check_presentation(path, raw)


def _check_presentation(path: Path, raw: dict) -> None:
    for key, label in (raw.get("details_labels") or {}).items():
        if not isinstance(label, dict) or not {"zh", "en"} <= set(label):
            raise RuleDefinitionError(path.name, f"details_labels {key!r} needs zh and en")
        _check_choice(
            path, f"details_labels {key!r} unit", label.get("unit", "number"), LABEL_UNITS
        )
    chart = raw.get("chart")
    if chart is not None:
        kind = chart.get("kind") if isinstance(chart, dict) else None
        _check_choice(path, "chart kind", kind, CHART_KINDS)


def _check_choice(path: Path, key: str, value: object, allowed: set[str]) -> None:
    if value not in allowed:
        raise RuleDefinitionError(
            path.name, f"{key} {value!r} is not one of {', '.join(sorted(allowed))}"
        )
