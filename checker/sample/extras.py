"""Rows of the fees, guarantees and guarantors tables."""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from checker.sample.draws import GOLDEN, Draws, mix, row_keys, subject_keys
from checker.sample.loans import INCLUSIVE_LINE_CAP, Book, numbered, per_institution
from checker.sample.plan import SamplePlan

# (fee_type, borne_by). The first five are lawful on any loan; the next two only on loans
# that are not inclusive small-micro ones (prohibited-fees); the last is never lawful and
# is added only to loans of banks planned to breach.
FEE_ITEMS = [
    ("registration", "borrower"),
    ("insurance", "borrower"),
    ("appraisal", "lender"),
    ("registration", "lender"),
    ("other", "borrower"),
    ("commitment", "borrower"),
    ("financial_advisory", "borrower"),
    ("appraisal", "borrower"),
]
FEE_WEIGHTS = [30, 25, 20, 10, 5, 6, 4]
LAWFUL_ON_ANY_LOAN = 5
PROHIBITED_FEE_EVERY = 61
CAP_BREACH_EVERY = 40
_FEE_SALT, _GUARANTEE_SALT = np.uint64(0xFEE5FEE5), np.uint64(0x6A6A6A6A)

FEE_SCHEMA = pa.schema(
    [
        ("institution_id", pa.string()),
        ("loan_id", pa.string()),
        ("fee_type", pa.string()),
        ("amount", pa.float64()),
        ("borne_by", pa.string()),
        ("disclosed", pa.bool_()),
    ]
)
GUARANTEE_SCHEMA = pa.schema(
    [
        ("guarantor_id", pa.string()),
        ("guarantor_name", pa.string()),
        ("is_government", pa.bool_()),
        ("contract_id", pa.string()),
        ("kind", pa.string()),
        ("borrower_id", pa.string()),
        ("borrower_size", pa.string()),
        ("is_agricultural", pa.bool_()),
        ("amount", pa.float64()),
        ("fee_rate", pa.float64()),
    ]
)
GUARANTOR_SCHEMA = pa.schema(
    [("guarantor_id", pa.string()), ("guarantor_name", pa.string()), ("net_assets", pa.float64())]
)
MEAN_GUARANTEE = 2_070_000  # mean of the amount distribution below, for net assets


def fee_rows(book: Book, loans: pa.Table, start: int, stop: int) -> pa.Table:
    """Fee items on the current loans start .. stop-1 (loans holds exactly those rows)."""
    plan = book.plan
    institution, loan_no = book.locate(start, stop)
    local = loan_no - per_institution(plan, lambda i: i.repaid)[institution]
    keys = row_keys(book.keys[institution] ^ _FEE_SALT, loan_no)
    u = Draws(keys).uniform("fee.count")
    prohibited = per_institution(plan, lambda i: i.scenario("fees") == "prohibited")
    planned = prohibited[institution] & (local % PROHIBITED_FEE_EVERY == 2)
    count = (u < 0.22).astype(np.int64) + (u < 0.30) + planned
    row = np.repeat(np.arange(len(loan_no)), count)
    item = np.arange(len(row)) - np.repeat(np.cumsum(count) - count, count)
    draws = Draws(mix(keys[row] + item.astype(np.uint64) * GOLDEN))

    inclusive = _inclusive(loans)[row]
    pick = np.where(
        inclusive,
        draws.choice("fee.item.inclusive", FEE_WEIGHTS[:LAWFUL_ON_ANY_LOAN]),
        draws.choice("fee.item", FEE_WEIGHTS),
    )
    pick = np.where(planned[row] & (item == count[row] - 1), len(FEE_ITEMS) - 1, pick)
    fee_type = np.array([f for f, _ in FEE_ITEMS], dtype=object)[pick]
    borne_by = np.array([b for _, b in FEE_ITEMS], dtype=object)[pick]
    balance = loans.column("balance").to_numpy()[row]
    share = np.select(
        [fee_type == "insurance", fee_type == "commitment", fee_type == "financial_advisory"],
        [draws.between("fee.share", 0.001, 0.003), draws.between("fee.share", 0.001, 0.005),
         draws.between("fee.share", 0.002, 0.01)],
        0.0,
    )  # fmt: skip
    flat = np.select(
        [fee_type == "registration", fee_type == "appraisal"],
        [draws.between("fee.flat", 80, 600), draws.between("fee.flat", 500, 5000)],
        draws.between("fee.flat", 50, 500),
    )
    # a share of the balance for the fees that scale with the loan, else a flat charge
    amount = np.where(share > 0, balance * share, flat)
    taken = pa.array(row)
    columns = [
        pc.take(loans.column("institution_id"), taken),
        pc.take(loans.column("loan_id"), taken),
        fee_type,
        np.maximum(np.round(amount, 2), 0.01),
        borne_by,
        np.ones(len(row), dtype=bool),
    ]
    arrays = [pa.array(c, type=f.type) for c, f in zip(columns, FEE_SCHEMA, strict=True)]
    return pa.Table.from_arrays(arrays, schema=FEE_SCHEMA)


def _inclusive(loans: pa.Table) -> np.ndarray:
    borrower_type = loans.column("borrower_type").to_numpy(zero_copy_only=False)
    size = loans.column("enterprise_size").to_numpy(zero_copy_only=False)
    small_micro = np.isin(borrower_type, ["individual_business", "micro_owner"]) | (
        (borrower_type == "enterprise") & np.isin(size, ["small", "micro"])
    )
    return small_micro & (loans.column("credit_line").to_numpy() <= INCLUSIVE_LINE_CAP)


class Contracts:
    """Guarantee contracts laid out guarantor after guarantor."""

    def __init__(self, plan: SamplePlan):
        self.plan = plan
        counts = [g.contracts for g in plan.guarantors]
        self.row_starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self.keys = subject_keys(plan.seed, "guarantor", len(plan.guarantors)) ^ _GUARANTEE_SALT

    @property
    def rows(self) -> int:
        return int(self.row_starts[-1])


def guarantee_rows(contracts: Contracts, start: int, stop: int) -> pa.Table:
    plan = contracts.plan
    rows = np.arange(start, stop, dtype=np.int64)
    guarantor = np.searchsorted(contracts.row_starts, rows, side="right") - 1
    local = rows - contracts.row_starts[guarantor]
    draws = Draws(row_keys(contracts.keys[guarantor], local))
    scenario = np.array([g.scenario for g in plan.guarantors], dtype=object)[guarantor]

    direct = draws.uniform("kind") < 0.85
    size = np.array(["small", "micro", "medium", "large"], dtype=object)[
        draws.choice("size", [40, 40, 15, 5])
    ]
    agricultural = draws.uniform("agricultural") < 0.2
    rate = np.where(direct, draws.between("rate", 0.5, 1.0), draws.between("rate", 0.1, 0.3))
    # above every cap, on a contract in scope of the cap rule
    over_cap = (scenario == "cap") & (local % CAP_BREACH_EVERY == 3)
    direct |= over_cap
    size = np.where(over_cap, "small", size)
    rate = np.where(over_cap, draws.between("rate.over", 1.6, 2.5), rate)
    # dear contracts outside the cap rule's scope lift the average above 1%
    dear = (scenario == "average") & direct & ~over_cap & (draws.uniform("dear") < 0.6)
    size = np.where(dear, "medium", size)
    agricultural &= ~dear
    rate = np.where(dear, draws.between("rate.dear", 1.5, 2.2), rate)

    bank = draws.integers("bank", 0, len(plan.institutions) - 1)
    borrowers = per_institution(plan, lambda i: max(1, i.loans * 5 // 8))[bank]
    borrower_no = np.floor(draws.uniform("borrower") * borrowers).astype(np.int64)
    bank_ids = pc.take(pa.array([i.id for i in plan.institutions]), pa.array(bank))
    guarantor_ids = pc.take(pa.array([g.id for g in plan.guarantors]), pa.array(guarantor))
    amount = np.clip(draws.lognormal("amount", 1_500_000, 0.8), 100_000, 30_000_000)
    columns = [
        guarantor_ids,
        pc.take(pa.array([g.name for g in plan.guarantors]), pa.array(guarantor)),
        np.array([g.is_government for g in plan.guarantors])[guarantor],
        numbered(guarantor_ids, "-DB", local, 8),
        np.where(direct, "direct", "reguarantee"),
        numbered(bank_ids, "-C", borrower_no, 9),
        size,
        agricultural,
        np.round(amount, -3),
        np.round(rate, 2),
    ]
    arrays = [pa.array(c, type=f.type) for c, f in zip(columns, GUARANTEE_SCHEMA, strict=True)]
    return pa.Table.from_arrays(arrays, schema=GUARANTEE_SCHEMA)


def guarantor_rows(plan: SamplePlan) -> pa.Table:
    keys = subject_keys(plan.seed, "guarantor.net_assets", len(plan.guarantors))
    leverage = Draws(keys).between("leverage", 3, 8)
    contracts = np.array([g.contracts for g in plan.guarantors], dtype=np.float64)
    net_assets = np.round(contracts * MEAN_GUARANTEE / leverage, -4)
    return pa.Table.from_arrays(
        [
            pa.array([g.id for g in plan.guarantors]),
            pa.array([g.name for g in plan.guarantors]),
            pa.array(net_assets),
        ],
        schema=GUARANTOR_SCHEMA,
    )
