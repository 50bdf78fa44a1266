"""Read rule files (rules/*.yaml), the shared definitions, documents and profiles into
plain data.

A rule file is the rule and its documentation: titles, what it measures, why, the
clause it rests on with the quoted sentence, its parameters, the dates it is in force,
and the SQL. Every file is checked against rules/rule.schema.json when it is loaded; an
unknown key, a missing key or a citation without its quote is one error naming the file
and the key. `--rules DIR` adds rule files from an analyst's folder (the same id
replaces a built-in rule); profiles (rules/profiles/*.yaml) choose rules and override
their parameters, and may include another profile.
"""

import datetime as dt
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

import jsonschema
import yaml

from checker.errors import RuleDefinitionError, first_line
from checker.resources import data_dir

NOT_RULES = {"definitions.yaml", "documents.yaml"}
# What the reports know how to show (checker/charts.py draws each chart kind).
LABEL_UNITS = {"yuan", "percent", "percentage_points", "count", "flag", "number"}
CHART_KINDS = {"tolerance", "year_start_vs_now", "against_cap", "rows_against_cap"}
LOOKUPS = "lookups"  # folder beside the rule files holding the data tables rules read
_PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
# Bound by the engine for every rule, beside the rule's own parameters.
CONTEXT_PARAMETERS = {
    "comparison_tolerance",
    "as_of_date",
    "baseline_present",
    "fees_present",
    "guarantees_present",
    "guarantors_present",
}


@dataclass(frozen=True)
class Dated:
    """A value in force from effective_from to effective_to (both inclusive, either open)."""

    value: object
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None

    def in_force(self, day: dt.date) -> bool:
        starts = self.effective_from is None or self.effective_from <= day
        ends = self.effective_to is None or day <= self.effective_to
        return starts and ends

    @property
    def window(self) -> str:
        return window_text(self.effective_from, self.effective_to)


def window_text(start: dt.date | None, end: dt.date | None) -> str:
    if start and end:
        return f"{start} to {end}"
    if start:
        return f"from {start}"
    if end:
        return f"until {end}"
    return "always"


class NotInForce(Exception):
    """A rule, its severity or one of its parameters has no value on the as-of date."""


@dataclass(frozen=True)
class Rule:
    id: str
    version: int
    title: dict[str, str]
    severity: str  # the latest severity; see severity_on() for the one in force on a date
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
    standard: str = ""
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    severities: tuple[Dated, ...] = ()
    lookups: dict[str, Path] = field(default_factory=dict)  # table name -> CSV file
    details_labels: dict = field(default_factory=dict)
    chart: dict | None = None  # how the reports draw the finding (checker/charts.py)
    path: Path | None = None

    @property
    def window(self) -> str:
        return window_text(self.effective_from, self.effective_to)

    def in_force(self, day: dt.date) -> bool:
        return Dated(None, self.effective_from, self.effective_to).in_force(day)

    def severity_on(self, day: dt.date) -> str:
        for dated in self.severities:
            if dated.in_force(day):
                return str(dated.value)
        raise NotInForce(f"no severity in force on {day}")

    def parameter_values(self, day: dt.date | None = None) -> dict[str, object]:
        """The value of each parameter on `day` (None: the latest dated value)."""
        return {name: parameter_value(name, spec, day) for name, spec in self.parameters.items()}

    def with_parameters(self, overrides: dict[str, object]) -> "Rule":
        """A copy whose parameters take these values: a plain value, or dated values."""
        merged = dict(self.parameters)
        for name, value in overrides.items():
            kept = {k: v for k, v in merged[name].items() if k not in ("default", "values")}
            if isinstance(value, list):
                merged[name] = kept | {"values": value}
            else:
                merged[name] = kept | {"default": value}
        return replace(self, parameters=merged)


def parameter_value(name: str, spec: dict, day: dt.date | None) -> object:
    if "values" not in spec:
        return spec["default"]
    dated = _dated_list(spec["values"])
    if day is None:
        return dated[-1].value
    for value in dated:
        if value.in_force(day):
            return value.value
    windows = ", ".join(v.window for v in dated)
    raise NotInForce(f"parameter {name} has no value in force on {day} (values: {windows})")


@dataclass(frozen=True)
class Definitions:
    """The shared definitions every rule builds on (NPL, inclusive, private, ...)."""

    parameters: dict[str, dict]
    facts_sql: tuple[str, ...]

    def parameter_values(self) -> dict[str, object]:
        return {name: spec["default"] for name, spec in self.parameters.items()}


@dataclass(frozen=True)
class Profile:
    name: str
    title: dict[str, str]
    rules: list[Rule]
    documents: tuple[str, ...] = ()
    path: Path | None = None


@dataclass(frozen=True)
class RuleSet:
    """The built-in rules plus those of any --rules folders (a later folder wins)."""

    rules: dict[str, Rule]
    documents: dict[str, dict]
    folders: tuple[Path, ...]  # built-in rules folder first, then the --rules folders
    custom: tuple[str, ...] = ()  # ids that come from a --rules folder


# --- loading ---------------------------------------------------------------------------------


def load_rule_set(extra_folders: Sequence[Path] = ()) -> RuleSet:
    builtin = data_dir("rules")
    documents = load_documents(extra_folders)
    known_parameters = set(load_definitions().parameters) | CONTEXT_PARAMETERS
    rules = load_rules(builtin, documents)
    custom: list[str] = []
    for folder in extra_folders:
        if not folder.is_dir():
            raise RuleDefinitionError(str(folder), "--rules: not a folder")
        found = load_rules(folder, documents, fallback_lookups=builtin / LOOKUPS)
        if not found and not (folder / "profiles").is_dir():
            raise RuleDefinitionError(str(folder), "--rules: no rule files (*.yaml) in this folder")
        rules.update(found)
        custom += [rule_id for rule_id in found if rule_id not in custom]
    for rule in rules.values():
        _check_parameters_used(rule, known_parameters)
    return RuleSet(rules, documents, (builtin, *extra_folders), tuple(custom))


def load_rules(
    folder: Path | None = None,
    documents: dict[str, dict] | None = None,
    fallback_lookups: Path | None = None,
) -> dict[str, Rule]:
    folder = folder or data_dir("rules")
    if documents is None:
        documents = load_documents()
    rules = {}
    for path in sorted(folder.glob("*.yaml")):
        if path.name in NOT_RULES:
            continue
        rule = load_rule(path, documents, fallback_lookups)
        if path.stem != rule.id:
            raise RuleDefinitionError(str(path), f"id {rule.id!r} differs from the file name")
        rules[rule.id] = rule
    return rules


def load_rule(
    path: Path, documents: dict[str, dict] | None = None, fallback_lookups: Path | None = None
) -> Rule:
    raw = _read_yaml(path)
    _validate(path, raw, "rule.schema.json")
    documents = load_documents() if documents is None else documents
    _check_citations(path, raw, documents)
    _check_dates(path, raw)
    _check_presentation(path, raw)
    severities = _severities(raw["severity"])
    return Rule(
        **{k: v for k, v in raw.items() if k not in _CONVERTED},
        severity=str(severities[-1].value),
        severities=severities,
        requires=tuple(raw["requires"]),
        also_cites=tuple(raw.get("also_cites", ())),
        effective_from=_date(raw.get("effective_from")),
        effective_to=_date(raw.get("effective_to")),
        lookups=_lookups(path, raw.get("lookups", ()), fallback_lookups),
        path=path,
    )


_CONVERTED = {"severity", "requires", "also_cites", "effective_from", "effective_to", "lookups"}


def load_definitions(folder: Path | None = None) -> Definitions:
    path = (folder or data_dir("rules")) / "definitions.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Definitions(parameters=raw["parameters"], facts_sql=tuple(raw["facts_sql"]))


def load_documents(extra_folders: Iterable[Path] = ()) -> dict[str, dict]:
    """The documents register: built-in, plus the documents.yaml of each --rules folder."""
    documents = dict(_read_yaml(data_dir("rules") / "documents.yaml"))
    for folder in extra_folders:
        path = Path(folder) / "documents.yaml"
        if path.is_file():
            extra = _read_yaml(path)
            if not isinstance(extra, dict):
                raise RuleDefinitionError(str(path), "is not a mapping of document keys")
            documents.update(extra)
    return documents


def load_profile(
    name: str, rules: dict[str, Rule], folders: Sequence[Path] = (), _seen: tuple = ()
) -> Profile:
    """The rules a profile names (included profiles first), with its parameter overrides."""
    if name in _seen:
        raise RuleDefinitionError(f"profile {name}", f"includes itself ({' -> '.join(_seen)})")
    path = _profile_path(name, folders)
    raw = _read_yaml(path)
    _validate(path, raw, "profile.schema.json")
    if raw["name"] != name:
        raise RuleDefinitionError(str(path), f"name {raw['name']!r} differs from the file name")
    inherited: dict[str, Rule] = {}
    if "include" in raw:
        parent = load_profile(raw["include"], rules, folders, (*_seen, name))
        inherited = {rule.id: rule for rule in parent.rules}
    ids = list(inherited)
    for rule_id in [*raw.get("rules", ()), *raw.get("exclude", ())]:
        if rule_id not in rules:
            raise RuleDefinitionError(str(path), f"names unknown rule {rule_id!r}")
    ids += [rule_id for rule_id in raw.get("rules", ()) if rule_id not in ids]
    ids = [rule_id for rule_id in ids if rule_id not in raw.get("exclude", ())]
    chosen = [
        _override(
            path, inherited.get(rule_id, rules[rule_id]), raw.get("parameters", {}).get(rule_id, {})
        )
        for rule_id in ids
    ]
    for rule_id in raw.get("parameters", {}):
        if rule_id not in ids:
            raise RuleDefinitionError(str(path), f"parameters for {rule_id!r}, not in the profile")
    return Profile(name, raw["title"], chosen, tuple(raw.get("documents", ())), path)


def rules_to_run(profile: Profile, rule_set: RuleSet) -> list[Rule]:
    """The profile's rules, then any rule from a --rules folder the profile does not name."""
    named = {rule.id for rule in profile.rules}
    return [*profile.rules, *(rule_set.rules[i] for i in rule_set.custom if i not in named)]


def profile_names(folders: Sequence[Path] = ()) -> list[str]:
    names = {p.stem for p in (data_dir("rules") / "profiles").glob("*.yaml")}
    for folder in folders:
        names |= {p.stem for p in (Path(folder) / "profiles").glob("*.yaml")}
    return sorted(names)


# --- checks ----------------------------------------------------------------------------------


@cache
def _schema(name: str) -> dict:
    return json.loads((data_dir("rules") / name).read_text(encoding="utf-8"))


def _validate(path: Path, raw: object, schema_name: str) -> None:
    if not isinstance(raw, dict):
        raise RuleDefinitionError(str(path), "is not a mapping of keys to values")
    validator = jsonschema.Draft202012Validator(_schema(schema_name))
    errors = sorted(
        validator.iter_errors(raw), key=lambda e: (len(e.absolute_path), list(map(str, e.path)))
    )
    if errors:
        raise RuleDefinitionError(str(path), _explain(errors[0]))


def _explain(error: jsonschema.ValidationError) -> str:
    """One line that names the key, in the words an analyst editing the file would use."""
    where = ".".join(str(p) for p in error.absolute_path)
    prefix = f"{where}: " if where else ""
    instance = error.instance
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        allowed = set(error.schema.get("properties", {}))
        unknown = sorted(k for k in instance if k not in allowed)
        return f"{prefix}unknown key {unknown[0]!r}"
    if error.validator == "required" and isinstance(instance, dict):
        missing = [k for k in error.validator_value if k not in instance][0]
        if where.split(".")[0] in ("source", "also_cites"):
            return f"{prefix}citation without {missing!r}"
        return f"{prefix}missing key {missing!r}"
    if error.validator == "enum":
        allowed = ", ".join(map(str, error.validator_value))
        return f"{prefix}{instance!r} is not one of {allowed}"
    if error.validator == "oneOf" and error.context:
        deepest = max(error.context, key=lambda e: len(e.absolute_path))
        return _explain(deepest)
    return f"{prefix}{error.message}"


def _check_citations(path: Path, raw: dict, documents: dict[str, dict]) -> None:
    citations = [raw["source"], *raw.get("also_cites", ())]
    for spec in raw.get("parameters", {}).values():
        citations += [spec["source"]] if "source" in spec else []
    for citation in citations:
        if citation["doc"] not in documents:
            raise RuleDefinitionError(str(path), f"cites unknown document {citation['doc']!r}")


def _check_presentation(path: Path, raw: dict) -> None:
    """Units of the working's labels and the chart kind must be ones the reports can show."""
    for key, label in (raw.get("details_labels") or {}).items():
        unit = label.get("unit", "number") if isinstance(label, dict) else "number"
        if unit not in LABEL_UNITS:
            raise RuleDefinitionError(
                str(path), f"details_labels.{key}.unit: unknown unit {unit!r}"
            )
    kind = (raw.get("chart") or {}).get("kind")
    if raw.get("chart") is not None and kind not in CHART_KINDS:
        raise RuleDefinitionError(str(path), f"chart.kind: unknown kind {kind!r}")


def _check_dates(path: Path, raw: dict) -> None:
    _window(path, "rule", raw)
    if isinstance(raw["severity"], list):
        _dated_list(raw["severity"], path, "severity")
    for name, spec in raw.get("parameters", {}).items():
        if ("default" in spec) == ("values" in spec):
            raise RuleDefinitionError(
                str(path), f"parameters.{name}: give either a default or dated values"
            )
        if "values" in spec:
            _dated_list(spec["values"], path, f"parameters.{name}")


def _window(path: Path | None, where: str, raw: dict) -> Dated:
    try:
        dated = Dated(
            raw.get("value"), _date(raw.get("effective_from")), _date(raw.get("effective_to"))
        )
    except ValueError as error:
        raise RuleDefinitionError(str(path), f"{where}: {error}") from None
    if dated.effective_from and dated.effective_to and dated.effective_from > dated.effective_to:
        raise RuleDefinitionError(str(path), f"{where}: effective_from is after effective_to")
    return dated


def _dated_list(items: list[dict], path: Path | None = None, where: str = "") -> list[Dated]:
    """Dated values sorted by start; their windows must not overlap (one value on any day)."""
    dated = sorted(
        (_window(path, where, item) for item in items),
        key=lambda d: d.effective_from or dt.date.min,
    )
    for earlier, later in zip(dated, dated[1:], strict=False):
        if (
            earlier.effective_to is None
            or later.effective_from is None
            or (earlier.effective_to >= later.effective_from)
        ):
            raise RuleDefinitionError(
                str(path), f"{where}: dated values overlap ({earlier.window}; {later.window})"
            )
    return dated


def _severities(raw: str | list) -> tuple[Dated, ...]:
    if isinstance(raw, str):
        return (Dated(raw),)
    return tuple(_dated_list(raw))


def _check_parameters_used(rule: Rule, known: set[str]) -> None:
    """Every $name in the SQL must be a parameter, or the run would fail on every bank."""
    defined = known | set(rule.parameters)
    for key in ("setup_sql", "metric_sql", "exceptions_sql"):
        used = set(_PARAMETER.findall(getattr(rule, key) or ""))
        unknown = sorted(used - defined)
        if unknown:
            raise RuleDefinitionError(
                str(rule.path), f"{key} uses ${unknown[0]}, which no parameter defines"
            )


def _override(path: Path, rule: Rule, values: dict) -> Rule:
    unknown = sorted(set(values) - set(rule.parameters))
    if unknown:
        raise RuleDefinitionError(
            str(path), f"parameters.{rule.id}: rule has no parameter {unknown[0]!r}"
        )
    for name, value in values.items():
        if isinstance(value, list):
            _dated_list(value, path, f"parameters.{rule.id}.{name}")
    return rule.with_parameters(values)


# Tables the engine creates: a lookup table of the same name would hide them.
_RESERVED_TABLES = {
    "loans",
    "baseline",
    "fees",
    "guarantees",
    "guarantors",
    "institutions",
    "government_guarantors",
    "book",
    "borrower_lines",
    "loan_facts",
    "institution_totals",
}


def _lookups(path: Path, names: Iterable[str], fallback: Path | None) -> dict[str, Path]:
    found = {}
    for name in names:
        if name in _RESERVED_TABLES:
            raise RuleDefinitionError(str(path), f"lookups: {name!r} is the name of a table")
        candidates = [path.parent / LOOKUPS / f"{name}.csv"]
        if fallback is not None:
            candidates.append(fallback / f"{name}.csv")
        existing = [c for c in candidates if c.is_file()]
        if not existing:
            raise RuleDefinitionError(str(path), f"lookups: no file {LOOKUPS}/{name}.csv")
        found[name] = existing[0]
    return found


def _profile_path(name: str, folders: Sequence[Path]) -> Path:
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name):
        raise RuleDefinitionError(f"--profile {name}", "not a profile name (a-z, 0-9, -)")
    for folder in [*reversed(folders), data_dir("rules")]:
        path = Path(folder) / "profiles" / f"{name}.yaml"
        if path.is_file():
            return path
    known = ", ".join(profile_names(folders))
    raise RuleDefinitionError(f"--profile {name}", f"no such profile; known: {known}")


def _read_yaml(path: Path) -> object:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise RuleDefinitionError(str(path), f"cannot be read: {first_line(error)}") from None
    return _dates_as_text(raw)


def _dates_as_text(value: object) -> object:
    """YAML reads 2026-12-31 as a date; the schema and the files speak in YYYY-MM-DD text."""
    if isinstance(value, dict):
        return {k: _dates_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD)") from None
