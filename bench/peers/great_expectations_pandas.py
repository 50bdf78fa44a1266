#!/usr/bin/env python3
"""Peer: Great Expectations (pandas engine) for the schema checks, pandas for the measures
(GX expresses row and column expectations, not per-institution ratios).

Usage: great_expectations_pandas.py EXTRACT_DIR THREADS RESULT_JSON
"""

import os

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import great_expectations as gx  # noqa: E402
from card import (  # noqa: E402
    ENUMS,
    FEE_ENUMS,
    GUARANTEE_ENUMS,
    INDUSTRY_PATTERN,
    LOAN_BOOLS,
    LOAN_STRINGS,
    arguments,
    write_result,
)
from pandas_card import breaches, fees_without_a_loan, load  # noqa: E402

E = gx.expectations


def loan_expectations() -> list:
    checks = [E.ExpectColumnValuesToNotBeNull(column=c) for c in (*LOAN_STRINGS, *LOAN_BOOLS)]
    checks += [E.ExpectColumnValuesToBeInSet(column=c, value_set=list(v)) for c, v in ENUMS.items()]
    checks += [
        E.ExpectColumnValuesToBeBetween(column="credit_line", min_value=0),
        E.ExpectColumnValuesToBeBetween(column="balance", min_value=0),
        E.ExpectColumnValuesToBeBetween(column="overdue_days", min_value=0),
        E.ExpectColumnValuesToBeBetween(column="interest_rate", min_value=0, max_value=36),
        E.ExpectColumnValuesToMatchRegex(column="industry", regex=INDUSTRY_PATTERN),
        E.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="maturity_date", column_B="start_date", or_equal=True
        ),
        E.ExpectCompoundColumnsToBeUnique(column_list=["institution_id", "loan_id"]),
    ]
    return checks


def fee_expectations() -> list:
    return [
        *[E.ExpectColumnValuesToBeInSet(column=c, value_set=list(v)) for c, v in FEE_ENUMS.items()],
        E.ExpectColumnValuesToBeBetween(column="amount", min_value=0),
        E.ExpectColumnValuesToNotBeNull(column="disclosed"),
    ]


def guarantee_expectations() -> list:
    return [
        *[
            E.ExpectColumnValuesToBeInSet(column=c, value_set=list(v))
            for c, v in GUARANTEE_ENUMS.items()
        ],
        E.ExpectColumnValuesToBeBetween(column="amount", min_value=0),
        E.ExpectColumnValuesToBeBetween(column="fee_rate", min_value=0, max_value=36),
        E.ExpectCompoundColumnsToBeUnique(column_list=["guarantor_id", "contract_id"]),
    ]


def main() -> None:
    extract, _threads, result = arguments()
    frames = load(extract)
    context = gx.get_context(mode="ephemeral")
    source = context.data_sources.add_pandas("extract")
    rejected = 0
    for table, expectations in (
        ("loans", loan_expectations()),
        ("baseline", loan_expectations()),
        ("fees", fee_expectations()),
        ("guarantees", guarantee_expectations()),
    ):
        asset = source.add_dataframe_asset(table)
        batch = asset.add_batch_definition_whole_dataframe(table).get_batch(
            batch_parameters={"dataframe": frames[table]}
        )
        suite = gx.ExpectationSuite(name=table, expectations=expectations)
        outcome = batch.validate(suite)
        rejected += sum(r.result.get("unexpected_count", 0) or 0 for r in outcome.results)
    rejected += fees_without_a_loan(frames)
    write_result(result, breaches(frames), rejected, len(frames["loans"]))


if __name__ == "__main__":
    main()
