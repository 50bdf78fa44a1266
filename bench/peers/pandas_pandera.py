#!/usr/bin/env python3
"""Peer: plain pandas with pandera, as an analyst writes it.

Usage: pandas_pandera.py EXTRACT_DIR THREADS RESULT_JSON  (pandas is single-threaded)
"""

import pandera.pandas as pa
from card import (
    ENUMS,
    FEE_ENUMS,
    GUARANTEE_ENUMS,
    INDUSTRY_PATTERN,
    LOAN_BOOLS,
    LOAN_STRINGS,
    arguments,
    write_result,
)
from pandas_card import breaches, fees_without_a_loan, load

LOAN_SCHEMA = pa.DataFrameSchema(
    {
        **{c: pa.Column(str) for c in LOAN_STRINGS},
        "as_of_date": pa.Column("datetime64[ns]", coerce=True),
        **{c: pa.Column(str, pa.Check.isin(v)) for c, v in ENUMS.items()},
        "enterprise_size": pa.Column(str, pa.Check.isin(ENUMS["enterprise_size"]), nullable=True),
        "industry": pa.Column(str, pa.Check.str_matches(INDUSTRY_PATTERN), nullable=True),
        "credit_line": pa.Column(float, coerce=True, checks=pa.Check.ge(0)),
        "balance": pa.Column(float, coerce=True, checks=pa.Check.ge(0)),
        "overdue_days": pa.Column(int, pa.Check.ge(0)),
        "interest_rate": pa.Column(float, coerce=True, checks=pa.Check.in_range(0, 36)),
        "start_date": pa.Column("datetime64[ns]", coerce=True),
        "maturity_date": pa.Column("datetime64[ns]", coerce=True),
        **{c: pa.Column(bool) for c in LOAN_BOOLS},
    },
    checks=[pa.Check(lambda df: df["maturity_date"] >= df["start_date"], name="maturity")],
    unique=["institution_id", "loan_id"],
)
FEE_SCHEMA = pa.DataFrameSchema(
    {
        "institution_id": pa.Column(str),
        "loan_id": pa.Column(str),
        **{c: pa.Column(str, pa.Check.isin(v)) for c, v in FEE_ENUMS.items()},
        "amount": pa.Column(float, coerce=True, checks=pa.Check.ge(0)),
        "disclosed": pa.Column(bool),
    }
)
GUARANTEE_SCHEMA = pa.DataFrameSchema(
    {
        "guarantor_id": pa.Column(str),
        "contract_id": pa.Column(str),
        "kind": pa.Column(str, pa.Check.isin(GUARANTEE_ENUMS["kind"])),
        "borrower_size": pa.Column(
            str, pa.Check.isin(GUARANTEE_ENUMS["borrower_size"]), nullable=True
        ),
        "is_government": pa.Column(bool),
        "is_agricultural": pa.Column(bool),
        "amount": pa.Column(float, coerce=True, checks=pa.Check.ge(0)),
        "fee_rate": pa.Column(float, coerce=True, checks=pa.Check.in_range(0, 36)),
    },
    unique=["guarantor_id", "contract_id"],
)


def rejected_rows(schema: pa.DataFrameSchema, frame) -> int:
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        return int(cases["index"].nunique(dropna=False)) or len(cases)
    return 0


def main() -> None:
    extract, _threads, result = arguments()
    frames = load(extract)
    rejected = sum(
        rejected_rows(schema, frames[table])
        for table, schema in (
            ("loans", LOAN_SCHEMA),
            ("baseline", LOAN_SCHEMA),
            ("fees", FEE_SCHEMA),
            ("guarantees", GUARANTEE_SCHEMA),
        )
    )
    rejected += fees_without_a_loan(frames)
    write_result(result, breaches(frames), rejected, len(frames["loans"]))


if __name__ == "__main__":
    main()
