"""A check run as the rows the history stores: one frame per table, appended through
Arrow so no value from the data ever passes through SQL text (checker/history.py)."""

import datetime as dt
import json

import polars as pl

_FINDING_SCHEMA = {
    "run_id": pl.String(),
    "institution_id": pl.String(),
    "institution_name": pl.String(),
    "rule_id": pl.String(),
    "rule_version": pl.Int32(),
    "status": pl.String(),
    "original_status": pl.String(),
    "metric": pl.Float64(),
    "threshold": pl.Float64(),
    "unit": pl.String(),
    "exceptions": pl.Int64(),
    "change_mark": pl.String(),
    "since": pl.Date(),
    "waiver_reference": pl.String(),
    "message": pl.String(),
    "parameters": pl.String(),
}


def rules_frame(run_id: str, result) -> pl.DataFrame:
    parameters = _parameters_by_rule(result)
    return pl.DataFrame(
        {
            "run_id": [run_id] * len(result.rules),
            "rule_id": [rule.id for rule in result.rules],
            "rule_version": [rule.version for rule in result.rules],
            "parameters": [_json(parameters.get(rule.id, {})) for rule in result.rules],
        },
        schema={
            "run_id": pl.String(),
            "rule_id": pl.String(),
            "rule_version": pl.Int32(),
            "parameters": pl.String(),
        },
    )


def _parameters_by_rule(result) -> dict[str, dict]:
    """The parameter values a rule was judged with on the as-of date (the same for every
    institution), else the rule file's defaults."""
    chosen = {f.rule_id: f.parameters for f in result.findings if f.parameters}
    for rule in result.rules:
        chosen.setdefault(
            rule.id, {name: spec.get("default") for name, spec in rule.parameters.items()}
        )
    return chosen


def inputs_frame(run_id: str, result) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "run_id": run_id,
                "table_name": i.table,
                "path": i.path,
                "size_bytes": i.size_bytes,
                "sha256": i.sha256,
                "rows": i.rows,
                "rows_rejected": i.rows_rejected,
            }
            for i in result.inputs
        ],
        schema={
            "run_id": pl.String(),
            "table_name": pl.String(),
            "path": pl.String(),
            "size_bytes": pl.Int64(),
            "sha256": pl.String(),
            "rows": pl.Int64(),
            "rows_rejected": pl.Int64(),
        },
    )


def findings_frame(run_id: str, result) -> pl.DataFrame:
    rows = []
    for f in result.findings:
        change = f.change or {}
        rows.append(
            {
                "run_id": run_id,
                "institution_id": f.institution_id,
                "institution_name": f.institution_name,
                "rule_id": f.rule_id,
                "rule_version": f.rule_version,
                "status": f.status,
                "original_status": f.original_status,
                "metric": f.metric,
                "threshold": f.threshold,
                "unit": f.unit,
                "exceptions": f.exceptions,
                "change_mark": change.get("mark"),
                "since": dt.date.fromisoformat(change["since"]) if change.get("since") else None,
                "waiver_reference": f.waiver["reference"] if f.waiver else None,
                "message": f.message,
                "parameters": _json(f.parameters),
            }
        )
    return pl.DataFrame(rows, schema=_FINDING_SCHEMA)


def _json(parameters: dict) -> str:
    """Parameter values as stored: JSON with sorted keys, so two runs compare as text."""
    return json.dumps(parameters, ensure_ascii=False, sort_keys=True, default=str)
