"""The card measures in plain pandas, as an analyst writes them (shared by the pandas and
the Great Expectations peers, which differ in how they check the schema)."""

from pathlib import Path

import pandas as pd
from card import (
    INCLUSIVE_LINE_MAX,
    NPL,
    SMALL_MICRO_SIZES,
    SMALL_MICRO_TYPES,
    breaches_from_totals,
    table_path,
)

DATES = ("as_of_date", "start_date", "maturity_date")


def load(extract: Path) -> dict[str, pd.DataFrame]:
    frames = {}
    for table in ("loans", "baseline", "fees", "guarantees"):
        path = table_path(extract, table)
        frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
        for column in DATES:
            if column in frame.columns:
                frame[column] = pd.to_datetime(frame[column])
        frames[table] = frame
    return frames


def _flags(book: pd.DataFrame) -> pd.DataFrame:
    line = book.groupby(["institution_id", "borrower_id"])["credit_line"].transform("max")
    small_micro = book["borrower_type"].isin(SMALL_MICRO_TYPES) | (
        (book["borrower_type"] == "enterprise") & book["enterprise_size"].isin(SMALL_MICRO_SIZES)
    )
    return pd.DataFrame(
        {
            "npl": book["classification"].isin(NPL),
            "private": (book["borrower_type"] == "enterprise") & (book["ownership"] == "private"),
            "inclusive": small_micro & (line <= INCLUSIVE_LINE_MAX),
            "ti": book["loan_kind"] != "bill_discount",
        }
    )


def _snapshot_totals(book: pd.DataFrame) -> pd.DataFrame:
    flags = _flags(book)
    balance = book["balance"]
    sums = (
        pd.DataFrame(
            {
                "institution_id": book["institution_id"],
                "balance": balance,
                "npl": balance.where(flags["npl"], 0.0),
                "private": balance.where(flags["private"], 0.0),
                "private_npl": balance.where(flags["private"] & flags["npl"], 0.0),
                "inclusive": balance.where(flags["inclusive"], 0.0),
                "inclusive_npl": balance.where(flags["inclusive"] & flags["npl"], 0.0),
                "ti_balance": balance.where(flags["ti"], 0.0),
                "ti_inclusive": balance.where(flags["ti"] & flags["inclusive"], 0.0),
            }
        )
        .groupby("institution_id")
        .sum()
    )
    counted = book[flags["ti"] & flags["inclusive"] & (balance > 0)]
    sums["ti_borrowers"] = counted.groupby("institution_id")["borrower_id"].nunique()
    sums["ti_borrowers"] = sums["ti_borrowers"].fillna(0)
    return sums


def breaches(frames: dict[str, pd.DataFrame]) -> set[tuple[str, str]]:
    loans, fees = frames["loans"], frames["fees"]
    totals: dict = {}
    for snapshot, book in (("now", loans), ("year_start", frames["baseline"])):
        for institution, record in _snapshot_totals(book).iterrows():
            totals.setdefault(institution, {})[snapshot] = record.to_dict()

    current = loans[["institution_id", "loan_id", "is_syndicated"]].assign(
        inclusive=_flags(loans)["inclusive"]
    )
    joined = fees.merge(current, on=["institution_id", "loan_id"], how="inner")
    forbidden = (
        (joined["borne_by"] == "borrower")
        & (joined["amount"] > 0)
        & (
            (joined["fee_type"] == "appraisal")
            | (
                joined["fee_type"].isin(["commitment", "fund_management"])
                & joined["inclusive"]
                & ~joined["is_syndicated"]
            )
        )
    )
    forbidden_by = forbidden.groupby(joined["institution_id"]).sum()
    undisclosed = (
        (~joined["disclosed"])
        .groupby(joined["institution_id"])
        .sum()
        .add((~loans["disclosure_provided"]).groupby(loans["institution_id"]).sum(), fill_value=0)
    )
    fee_counts = {
        institution: (int(forbidden_by.get(institution, 0)), int(undisclosed.get(institution, 0)))
        for institution in totals
    }
    return breaches_from_totals(totals, fee_counts)


def fees_without_a_loan(frames: dict) -> int:
    """Fee rows whose (institution, loan) is not a current loan: the reference check."""
    keys = frames["loans"][["institution_id", "loan_id"]]
    matched = frames["fees"].merge(
        keys, on=["institution_id", "loan_id"], how="left", indicator=True
    )
    return int((matched["_merge"] != "both").sum())
