"""Run rules in DuckDB over the checked tables and turn their results into findings.

The engine loads the clean tables, builds the shared facts (rules/definitions.yaml)
once, then for each rule runs its SQL with the parameters bound (never formatted into
the text) and judges each subject's metric with the one shared comparison
(thresholds.py). A rule is judged with what is in force on the extract's as-of date:
outside the rule's dates every subject gets not_applicable with the reason; its
severity and parameter values may change by date. Besides its own parameters a rule's
SQL may name $as_of_date, $comparison_tolerance and $<table>_present, and read the data
tables it lists under `lookups`.

Shared facts a rule may read (rules/definitions.yaml): institutions and
government_guarantors (the subjects); book (a view: every loan of either snapshot, with the
flags a loan carries by itself); borrower_lines (one row per borrower and snapshot, from
the one pass that groups the loans by borrower: the credit line that counts and what the
borrower-level measures share); loan_facts (a view: book joined with borrower_lines,
adding borrower_credit_line and is_inclusive; read book where those are not needed);
institution_totals (the sums per institution and snapshot). Grouping or joining millions
of loans by borrower is the costly step at 10M loans: a rule reads borrower_lines rather
than grouping the loans by borrower again.

SQL contract of a rule's metric query, one row per subject:
  institution_id, metric (NULL = not applicable), threshold,
  optional warn_metric / warn_threshold (same comparison; failing only these gives warn),
  optional not_applicable_reason; every other column goes into the finding's details.
Its exceptions query returns the offending rows with an institution_id column; they are
kept for findings that breach or warn, and the query is run for those institutions only.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb
import polars as pl

from checker.errors import first_line
from checker.finding_text import finding_message
from checker.findings import Finding
from checker.rules import Definitions, NotInForce, Rule
from checker.thresholds import TOLERANCE, within

_PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_CONTRACT_COLUMNS = {
    "institution_id",
    "metric",
    "threshold",
    "warn_metric",
    "warn_threshold",
    "not_applicable_reason",
}
OPTIONAL_TABLES = ("baseline", "fees", "guarantees", "guarantors")


@dataclass
class RuleResult:
    findings: list[Finding]
    exceptions: dict[str, pl.DataFrame] = field(default_factory=dict)  # by institution_id


class RuleEngine:
    def __init__(
        self,
        connection: duckdb.DuckDBPyConnection,
        present: set[str],
        definitions: Definitions,
        lang: str = "zh",
        as_of_date: dt.date | None = None,
    ):
        """`connection` holds the checked tables: a run's store (store.py), configured
        there (threads, memory limit), so no table is copied."""
        self.present = present
        self.lang = lang
        # Rules, severities and parameter values in force on this date are used. An
        # extract without one valid loan row has no as-of date: today's rules apply.
        self.as_of_date = as_of_date or dt.date.today()
        self.connection = connection
        self.lookups: set[str] = set()
        self.context = {"comparison_tolerance": TOLERANCE, "as_of_date": self.as_of_date} | {
            f"{name}_present": name in present for name in OPTIONAL_TABLES
        }
        self.definition_values = definitions.parameter_values()
        for statement in definitions.facts_sql:
            self._execute(statement, self.definition_values)
        self.subjects = {
            "institution": self._names("SELECT * FROM institutions ORDER BY 1"),
            "government_guarantor": self._names("SELECT * FROM government_guarantors ORDER BY 1"),
        }

    def run(self, rule: Rule) -> RuleResult:
        subjects = self.subjects[rule.subject]
        try:
            severity, parameters = self._in_force(rule)
        except NotInForce as reason:
            return self._not_applicable(rule, subjects, str(reason))
        missing = [t for t in rule.requires if t not in self.present]
        if missing:
            reason = f"needs the {missing[0]} table, which the extract does not have"
            return self._not_applicable(rule, subjects, reason, parameters)
        values = self.definition_values | parameters
        try:
            self._load_lookups(rule)
            if rule.setup_sql:
                self._execute(rule.setup_sql, values)
            rows = self._rows(rule.metric_sql, values)
            findings = [
                self._judge(rule, severity, parameters, sid, rows.get(sid)) for sid in subjects
            ]
            flagged = [f.institution_id for f in findings if f.status in ("breach", "warn")]
            exceptions = self._exceptions(rule, values, flagged)
        except duckdb.Error as error:
            reason = f"rule failed: {first_line(error)}"
            findings = [
                self._finding(rule, sid, "error", reason, parameters=parameters) for sid in subjects
            ]
            return RuleResult(findings)
        for finding in findings:
            rows = exceptions.get(finding.institution_id)
            finding.exceptions = rows.height if rows is not None else 0
        return RuleResult(findings, exceptions)

    def _in_force(self, rule: Rule) -> tuple[str, dict]:
        """The severity and parameter values in force on the as-of date."""
        if not rule.in_force(self.as_of_date):
            raise NotInForce(f"not in force on {self.as_of_date} (in force {rule.window})")
        return rule.severity_on(self.as_of_date), rule.parameter_values(self.as_of_date)

    def _not_applicable(self, rule, subjects, reason: str, parameters=None) -> RuleResult:
        return RuleResult(
            [
                self._finding(rule, sid, "not_applicable", reason, parameters=parameters)
                for sid in subjects
            ]
        )

    def _load_lookups(self, rule: Rule) -> None:
        """Data tables a rule reads (lookups/<name>.csv), registered once per run."""
        for name, path in rule.lookups.items():
            if name not in self.lookups:
                self.connection.register(name, pl.read_csv(path, infer_schema_length=None))
                self.lookups.add(name)

    def _judge(
        self, rule: Rule, severity: str, parameters: dict, subject_id: str, row: dict | None
    ) -> Finding:
        if row is None:
            return self._finding(
                rule, subject_id, "not_applicable", "nothing to measure", parameters=parameters
            )
        metric, threshold = row["metric"], row["threshold"]
        details = {k: v for k, v in row.items() if k not in _CONTRACT_COLUMNS}
        if metric is None or threshold is None:
            reason = row.get("not_applicable_reason") or "nothing to measure"
            return self._finding(
                rule, subject_id, "not_applicable", reason, details=details, parameters=parameters
            )
        if not within(rule.comparison, metric, threshold):
            # An indicator reports a figure the policy sets no number for: it only warns.
            status = "breach" if severity == "breach" else "warn"
        elif row.get("warn_metric") is not None and not within(
            rule.comparison, row["warn_metric"], row["warn_threshold"]
        ):
            status = "warn"
        else:
            status = "pass"
        message = finding_message(rule, self.lang, metric, threshold, details)
        return self._finding(
            rule, subject_id, status, message, metric, threshold, details, parameters
        )

    def _finding(
        self,
        rule,
        subject_id,
        status,
        message,
        metric=None,
        threshold=None,
        details=None,
        parameters=None,
    ):
        return Finding(
            institution_id=subject_id,
            institution_name=self.subjects[rule.subject][subject_id],
            rule_id=rule.id,
            rule_version=rule.version,
            status=status,
            metric=metric,
            threshold=threshold,
            unit=rule.unit,
            exceptions=0,
            message=message,
            source=dict(rule.source),
            details=details or {},
            parameters=_plain_parameters(parameters or {}),
        )

    def _exceptions(self, rule: Rule, values: dict, flagged: list[str]) -> dict[str, pl.DataFrame]:
        """Exception rows of the flagged (breach, warn) institutions, by institution.

        With none flagged the query is bound (a broken query still fails the rule) but not
        run. Otherwise it is filtered to the flagged institutions, and DuckDB pushes that
        filter down to the scans: at 10M loans an exception query over every institution
        was seconds of joining the loans to their borrowers, most of it thrown away.
        """
        if not rule.exceptions_sql:
            return {}
        query = _one_statement(rule.exceptions_sql)
        bindings = self._bindings(query, values)
        if not flagged:
            self.connection.sql(query, params=bindings)
            return {}
        # The closing parenthesis on a line of its own: the query may end in a comment.
        # The filter goes below the query's ORDER BY, which still orders what is left.
        filtered = f"""
            SELECT * FROM (
                {query}
            ) AS exceptions
            WHERE list_contains($loancheck_flagged_subjects, exceptions.institution_id)
        """
        bindings["loancheck_flagged_subjects"] = sorted(set(flagged))
        frame = pl.from_arrow(self.connection.sql(filtered, params=bindings).to_arrow_table())
        return {
            key[0]: part for key, part in frame.partition_by("institution_id", as_dict=True).items()
        }

    def _rows(self, sql: str, values: dict) -> dict[str, dict]:
        cursor = self._execute(sql, values)
        names = [d[0] for d in cursor.description]
        rows = {}
        for record in cursor.fetchall():
            row = {name: _plain(value) for name, value in zip(names, record, strict=True)}
            rows[row["institution_id"]] = row
        return rows

    def _names(self, sql: str) -> dict[str, str]:
        return dict(self.connection.execute(sql).fetchall())

    def _execute(self, sql: str, values: dict | None = None):
        return self.connection.execute(sql, self._bindings(sql, values))

    def _bindings(self, sql: str, values: dict | None) -> dict:
        """The values of exactly the $parameters the statement names (DuckDB refuses extras)."""
        available = (values or {}) | self.context
        wanted = set(_PARAMETER.findall(sql))
        unknown = wanted - set(available)
        if unknown:
            raise duckdb.BinderException(f"unknown parameter ${sorted(unknown)[0]}")
        return {name: available[name] for name in wanted}


def _one_statement(sql: str) -> str:
    """The statement without the semicolon that may end it, so that it can be a subquery.
    DuckDB's tokenizer tells a final semicolon from one inside a string or a comment."""
    tokens = [(at, kind) for at, kind in duckdb.tokenize(sql) if kind != duckdb.token_type.comment]
    if tokens:
        at, kind = tokens[-1]
        if kind == duckdb.token_type.operator and sql[at] == ";":
            return sql[:at]
    return sql


def _plain_parameters(parameters: dict) -> dict:
    return {name: _plain(value) for name, value in parameters.items()}


def _plain(value):
    """DuckDB values as JSON-friendly Python values."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
