"""What every peer computes, written once: the card measures, their thresholds, the schema.

The peers reimplement, each in its own engine, the measures on the design card as
rules/*.yaml and rules/definitions.yaml define them:

- two-increases-growth: inclusive small-micro loan growth since year-start (bill
  discounts left out) at least the growth of all loans;
- two-increases-borrowers: inclusive small-micro borrowers with a balance now at least
  as many as at year-start;
- npl-tolerance-private / npl-tolerance-inclusive: the segment's NPL ratio at most
  3 percentage points above the all-loan NPL ratio;
- prohibited-fees: no borrower-borne appraisal fee, and no borrower-borne commitment or
  fund-management fee on an inclusive loan that is not syndicated;
- fee-disclosure: every loan has its cost list and every fee was disclosed.

Inclusive: a small-micro borrower (an individual business, a small-micro business owner,
or a small or micro enterprise) whose largest credit line at the institution is at most
10,000,000 yuan. A value on the line passes (tolerance 1e-9).
"""

import json
import sys
from pathlib import Path

CARD_RULES = (
    "two-increases-growth",
    "two-increases-borrowers",
    "npl-tolerance-private",
    "npl-tolerance-inclusive",
    "prohibited-fees",
    "fee-disclosure",
)
TOLERANCE = 1e-9
NPL_TOLERANCE_PP = 3.0
INCLUSIVE_LINE_MAX = 10_000_000
NPL = ("substandard", "doubtful", "loss")
SMALL_MICRO_TYPES = ("individual_business", "micro_owner")
SMALL_MICRO_SIZES = ("small", "micro")

ENUMS = {
    "borrower_type": ("enterprise", "individual_business", "micro_owner", "other"),
    "ownership": ("private", "state", "foreign", "collective", "other"),
    "enterprise_size": ("large", "medium", "small", "micro"),
    "classification": ("normal", "special_mention", "substandard", "doubtful", "loss"),
    "purpose": ("working_capital", "fixed_asset", "other"),
    "guarantee_mode": ("credit", "guarantee", "mortgage", "pledge"),
    "loan_kind": ("loan", "bill_discount", "other"),
}
FEE_ENUMS = {
    "fee_type": ("commitment", "fund_management", "financial_advisory", "consulting",
                 "appraisal", "registration", "insurance", "other"),
    "borne_by": ("borrower", "lender"),
}  # fmt: skip
GUARANTEE_ENUMS = {
    "kind": ("direct", "reguarantee"),
    "borrower_size": ("large", "medium", "small", "micro"),
}
LOAN_STRINGS = ("institution_id", "institution_name", "loan_id", "borrower_id")
LOAN_BOOLS = ("renewal_without_repayment", "is_syndicated", "is_first_loan",
              "is_agricultural", "disclosure_provided")  # fmt: skip
INDUSTRY_PATTERN = r"^[A-T]([0-9]{2})?$"


def table_path(extract: Path, table: str) -> Path:
    for suffix in (".parquet", ".csv"):
        if (extract / f"{table}{suffix}").exists():
            return extract / f"{table}{suffix}"
    raise SystemExit(f"no {table} table in {extract}")


def breaches_from_totals(totals: dict, fee_counts: dict) -> set[tuple[str, str]]:
    """totals: institution -> {snapshot -> sums};
    fee_counts: institution -> (forbidden fees, undisclosed loans and fees)."""
    found = set()
    for institution, snapshots in totals.items():
        now, start = snapshots.get("now"), snapshots.get("year_start")
        if now is None:
            continue
        all_ratio = 100 * now["npl"] / now["balance"] if now["balance"] else None
        for rule, balance, npl in (
            ("npl-tolerance-private", now["private"], now["private_npl"]),
            ("npl-tolerance-inclusive", now["inclusive"], now["inclusive_npl"]),
        ):
            if balance and all_ratio is not None:
                if 100 * npl / balance - all_ratio > NPL_TOLERANCE_PP + TOLERANCE:
                    found.add((institution, rule))
        if start is not None:
            if start["ti_balance"] > 0 and start["ti_inclusive"] > 0:
                growth = 100 * (now["ti_inclusive"] - start["ti_inclusive"]) / start["ti_inclusive"]
                book = 100 * (now["ti_balance"] - start["ti_balance"]) / start["ti_balance"]
                if growth < book - TOLERANCE:
                    found.add((institution, "two-increases-growth"))
            if now["ti_borrowers"] < start["ti_borrowers"] - TOLERANCE:
                found.add((institution, "two-increases-borrowers"))
        forbidden, undisclosed = fee_counts.get(institution, (0, 0))
        if forbidden > 0:
            found.add((institution, "prohibited-fees"))
        if undisclosed > 0:
            found.add((institution, "fee-disclosure"))
    return found


def write_result(path: str, breaches: set, rejected_rows: int, rows: int) -> None:
    Path(path).write_text(
        json.dumps(
            {"breaches": sorted(breaches), "rejected_rows": rejected_rows, "rows": rows},
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )


def arguments() -> tuple[Path, int, str]:
    """peer.py EXTRACT_DIR THREADS RESULT_JSON"""
    extract, threads, result = sys.argv[1:4]
    return Path(extract), int(threads), result
