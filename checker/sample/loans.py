"""Rows of the loans and baseline tables, a range of rows at a time.

Rows are laid out institution after institution. Within an institution, loans are
numbered: 0 .. repaid-1 were repaid during the year (year-start book only), repaid ..
baseline_loans-1 are in both books, and the rest were granted this year (current book
only). Borrower number = loan number * 5 // 8 (about 1.6 loans per borrower); a borrower's
attributes are drawn from its own key, so its loans agree in both files.
"""

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from checker.sample import names
from checker.sample.draws import Draws, row_keys, subject_keys
from checker.sample.plan import AS_OF, YEAR_START, SamplePlan

REPAID, OLD, NEW = 0, 1, 2
# Two-increases scenarios, by segment (repaid, old, new): the chance that a borrower is an
# inclusive small-micro one, and the scale of credit lines. "growth": new inclusive loans
# are small, so inclusive balances grow less than the book; "borrowers": many inclusive
# borrowers left and few, large ones came, so their number falls while balances grow.
INCLUSIVE_SHARE = {
    "pass": (0.5, 0.5, 0.65),
    "growth": (0.5, 0.5, 0.6),
    "borrowers": (0.9, 0.5, 0.25),
}
INCLUSIVE_LINE_SCALE = {"pass": (1, 1, 1), "growth": (1, 1, 0.3), "borrowers": (1, 1, 8)}
OTHER_LINE_SCALE = {"pass": (1, 1, 1), "growth": (1, 1, 1), "borrowers": (1, 1, 0.1)}
NPL_SHARE, NPL_SHARE_INCLUSIVE, SPECIAL_MENTION_SHARE = 0.019, 0.022, 0.03
NPL_SHARE_BREACH = {"private": 0.3, "inclusive": 0.20}
# Which loans (by number within the institution's current book) carry a planned breach.
OVERDUE_BREACH_EVERY, DISCLOSURE_BREACH_EVERY = 97, 50
INCLUSIVE_LINE_CAP = 10_000_000

LOAN_SCHEMA = pa.schema(
    [
        ("institution_id", pa.string()),
        ("institution_name", pa.string()),
        ("as_of_date", pa.date32()),
        ("loan_id", pa.string()),
        ("borrower_id", pa.string()),
        ("borrower_name", pa.string()),
        ("borrower_type", pa.string()),
        ("ownership", pa.string()),
        ("enterprise_size", pa.string()),
        ("industry", pa.string()),
        ("credit_line", pa.float64()),
        ("balance", pa.float64()),
        ("classification", pa.string()),
        ("overdue_days", pa.int64()),
        ("interest_rate", pa.float64()),
        ("start_date", pa.date32()),
        ("maturity_date", pa.date32()),
        ("purpose", pa.string()),
        ("renewal_without_repayment", pa.bool_()),
        ("guarantee_mode", pa.string()),
        ("loan_kind", pa.string()),
        ("is_syndicated", pa.bool_()),
        ("is_first_loan", pa.bool_()),
        ("is_agricultural", pa.bool_()),
        ("disclosure_provided", pa.bool_()),
    ]
)


@dataclass
class Book:
    """Per-institution arrays for one snapshot: where its rows start, its loan numbers."""

    snapshot: str  # "current" or "baseline"
    plan: SamplePlan
    row_starts: np.ndarray
    first_number: np.ndarray
    keys: np.ndarray

    @classmethod
    def of(cls, plan: SamplePlan, snapshot: str) -> "Book":
        current = snapshot == "current"
        counts = [i.loans if current else i.baseline_loans for i in plan.institutions]
        firsts = [i.repaid if current else 0 for i in plan.institutions]
        return cls(
            snapshot=snapshot,
            plan=plan,
            row_starts=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            first_number=np.array(firsts, dtype=np.int64),
            keys=subject_keys(plan.seed, "institution", len(plan.institutions)),
        )

    @property
    def rows(self) -> int:
        return int(self.row_starts[-1])

    def locate(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        """Institution index and loan number of rows start .. stop-1."""
        rows = np.arange(start, stop, dtype=np.int64)
        institution = np.searchsorted(self.row_starts, rows, side="right") - 1
        local = rows - self.row_starts[institution]
        return institution, local + self.first_number[institution]


def per_institution(plan: SamplePlan, value) -> np.ndarray:
    return np.array([value(i) for i in plan.institutions])


def borrower_kinds(plan, institution, borrower_no, draws: Draws) -> tuple[np.ndarray, ...]:
    """Kind index (names.BORROWER_KINDS) and credit line of each row's borrower."""
    repaid = per_institution(plan, lambda i: i.repaid * 5 // 8)[institution]
    new = per_institution(plan, lambda i: i.baseline_loans * 5 // 8)[institution]
    segment = np.where(borrower_no < repaid, REPAID, np.where(borrower_no >= new, NEW, OLD))
    scenario = [i.scenario("two_increases") for i in plan.institutions]

    def by_scenario(table):
        grid = np.array([table[s] for s in scenario], dtype=np.float64)
        return grid[institution, segment]

    inclusive = draws.uniform("inclusive") < by_scenario(INCLUSIVE_SHARE)
    inclusive_weights = [names.BORROWER_KINDS[k][4] for k in names.INCLUSIVE_KINDS]
    other_weights = [names.BORROWER_KINDS[k][4] for k in names.OTHER_KINDS]
    kind = np.where(
        inclusive,
        np.array(names.INCLUSIVE_KINDS)[draws.choice("kind.inclusive", inclusive_weights)],
        np.array(names.OTHER_KINDS)[draws.choice("kind.other", other_weights)],
    )
    median = np.array([k[3] for k in names.BORROWER_KINDS], dtype=np.float64)[kind]
    scale = np.where(inclusive, by_scenario(INCLUSIVE_LINE_SCALE), by_scenario(OTHER_LINE_SCALE))
    line = draws.lognormal("credit_line", median, 0.5) * scale
    low = np.where(inclusive, 50_000, np.where(kind == 7, 20_000, 10_500_000))
    high = np.where(inclusive, INCLUSIVE_LINE_CAP, np.where(kind == 7, 5_000_000, 2e9))
    line = np.round(np.clip(line, low, high) / 10_000) * 10_000
    return kind, line


def loan_rows(book: Book, start: int, stop: int) -> pa.Table:
    plan, current = book.plan, book.snapshot == "current"
    institution, loan_no = book.locate(start, stop)
    borrower_no = loan_no * 5 // 8
    borrower = Draws(row_keys(book.keys[institution], borrower_no))
    loan = Draws(row_keys(book.keys[institution] ^ np.uint64(0x5A5A5A5A), loan_no))
    snap = "now." if current else "year_start."

    kind, credit_line = borrower_kinds(plan, institution, borrower_no, borrower)
    kinds = names.BORROWER_KINDS
    borrower_type = np.array([k[0] for k in kinds], dtype=object)[kind]
    size = np.array([k[1] for k in kinds], dtype=object)[kind]
    is_enterprise = borrower_type == "enterprise"
    inclusive = np.isin(kind, names.INCLUSIVE_KINDS)
    ownership = np.where(
        is_enterprise,
        np.array(names.OWNERSHIPS, dtype=object)[
            borrower.choice("ownership", names.ENTERPRISE_OWNERSHIP_WEIGHTS)
        ],
        np.where(borrower_type == "other", "other", "private"),
    )
    industry_codes = np.array([code for code, _ in names.INDUSTRIES], dtype=object)
    industry = industry_codes[borrower.choice("industry", [w for _, w in names.INDUSTRIES])]

    repaid = per_institution(plan, lambda i: i.repaid)[institution]
    new_from = per_institution(plan, lambda i: i.baseline_loans)[institution]
    segment = np.where(loan_no < repaid, REPAID, np.where(loan_no >= new_from, NEW, OLD))
    local = loan_no - repaid  # position in the current book

    balance = credit_line * loan.between("balance", 0.1, 0.6)
    if current:  # loans also at year-start have paid some of it back since
        balance = np.where(segment == OLD, balance * loan.between("amortised", 0.85, 1.0), balance)
    balance = np.round(balance, 2)

    private_enterprise = is_enterprise & (ownership == "private")
    classification, overdue = _classification(
        plan, institution, inclusive, private_enterprise, loan, snap
    )
    if current:
        planned = per_institution(plan, lambda i: i.scenario("overdue") == "breach")[institution]
        better = planned & (local % OVERDUE_BREACH_EVERY == 3)
        classification = np.where(better, "normal", classification)
        overdue = np.where(better, loan.integers("overdue.breach", 31, 150), overdue)

    start_date, maturity_date = _dates(loan, segment)
    disclosure = np.ones(len(loan_no), dtype=bool)
    if current:
        planned = per_institution(plan, lambda i: i.scenario("fees") == "disclosure")[institution]
        disclosure = ~(planned & (local % DISCLOSURE_BREACH_EVERY == 1))

    as_of = AS_OF if current else YEAR_START
    ids = _institution_strings(plan, institution)
    columns = {
        "institution_id": ids["id"],
        "institution_name": ids["name"],
        "as_of_date": pa.array(np.full(len(loan_no), np.datetime64(as_of, "D"))),
        "loan_id": numbered(ids["id"], "-L", loan_no, 10),
        "borrower_id": numbered(ids["id"], "-C", borrower_no, 9),
        "borrower_name": borrower_names(borrower, borrower_type),
        "borrower_type": borrower_type,
        "ownership": ownership,
        "enterprise_size": size,
        "industry": industry,
        "credit_line": credit_line,
        "balance": balance,
        "classification": classification,
        "overdue_days": overdue,
        "interest_rate": _interest_rates(loan, kind),
        "start_date": start_date,
        "maturity_date": maturity_date,
        "purpose": _pick(
            loan, "purpose", ["working_capital", "fixed_asset", "other"], [68, 22, 10]
        ),
        "renewal_without_repayment": loan.uniform("renewal") < 0.02,
        "guarantee_mode": _pick(
            loan, "guarantee", ["credit", "guarantee", "mortgage", "pledge"], [30, 30, 33, 7]
        ),
        "loan_kind": _pick(loan, "kind", ["loan", "bill_discount", "other"], [94, 4, 2]),
        "is_syndicated": np.isin(kind, [4, 5]) & (loan.uniform("syndicated") < 0.05),
        "is_first_loan": loan.uniform("first") < np.where(segment == NEW, 0.15, 0.03),
        "is_agricultural": np.char.startswith(industry.astype(str), "A")
        | (borrower.uniform("agricultural") < 0.06),
        "disclosure_provided": disclosure,
    }
    arrays = [pa.array(columns[f.name], type=f.type) for f in LOAN_SCHEMA]
    return pa.Table.from_arrays(arrays, schema=LOAN_SCHEMA)


def _classification(plan, institution, inclusive, private_enterprise, loan: Draws, snap: str):
    npl_scenario = per_institution(plan, lambda i: i.scenario("npl"))[institution]
    npl_share = np.where(inclusive, NPL_SHARE_INCLUSIVE, NPL_SHARE)
    npl_share = np.where(
        (npl_scenario == "private") & private_enterprise & ~inclusive,
        NPL_SHARE_BREACH["private"],
        npl_share,
    )
    npl_share = np.where(
        (npl_scenario == "inclusive") & inclusive, NPL_SHARE_BREACH["inclusive"], npl_share
    )
    u = loan.uniform(snap + "classification")
    grade = loan.choice(snap + "npl_grade", [45, 35, 20])  # substandard, doubtful, loss
    npl_days = np.select(
        [grade == 0, grade == 1],
        [
            loan.integers(snap + "days.sub", 91, 270),
            loan.integers(snap + "days.doubtful", 271, 360),
        ],
        loan.integers(snap + "days.loss", 361, 1080),
    )
    mention_days = np.where(
        loan.uniform(snap + "mention_late") < 0.5, 0, loan.integers(snap + "days.sm", 1, 90)
    )
    is_npl = u < npl_share
    is_mention = ~is_npl & (u < npl_share + SPECIAL_MENTION_SHARE)
    classification = np.where(
        is_npl,
        np.array(["substandard", "doubtful", "loss"], dtype=object)[grade],
        np.where(is_mention, "special_mention", "normal"),
    )
    overdue = np.where(is_npl, npl_days, np.where(is_mention, mention_days, 0))
    return classification, overdue.astype(np.int64)


def _dates(loan: Draws, segment: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Granted this year, still running from before, or repaid at maturity this year."""
    as_of, year_start = np.datetime64(AS_OF, "D"), np.datetime64(YEAR_START, "D")
    span = int((AS_OF - YEAR_START).days)
    short_terms = np.array([182, 365, 730, 1095])[loan.choice("term.new", [25, 45, 20, 10])]
    long_terms = np.array([730, 1095, 1825])[loan.choice("term.old", [50, 30, 20])]
    repaid_terms = np.array([365, 730, 1095])[loan.choice("term.repaid", [60, 30, 10])]
    new_start = as_of - loan.integers("age.new", 0, span - 1).astype("timedelta64[D]")
    old_start = as_of - loan.integers("age.old", span + 1, long_terms - 1).astype("timedelta64[D]")
    repaid_maturity = year_start + loan.integers("repaid.on", 1, span).astype("timedelta64[D]")
    term = np.select([segment == NEW, segment == OLD], [short_terms, long_terms], repaid_terms)
    start = np.select(
        [segment == NEW, segment == OLD],
        [new_start, old_start],
        repaid_maturity - repaid_terms.astype("timedelta64[D]"),
    )
    return start, start + term.astype("timedelta64[D]")


def _interest_rates(loan: Draws, kind: np.ndarray) -> np.ndarray:
    low = np.array([3.4, 3.4, 3.6, 3.6, 2.9, 3.2, 3.3, 3.5])[kind]
    high = np.array([5.2, 5.6, 6.0, 6.0, 3.8, 4.8, 5.0, 7.5])[kind]
    return np.round(loan.between("rate", low, high), 2)


def _pick(draws: Draws, stream: str, values: list[str], weights: list[float]) -> np.ndarray:
    return np.array(values, dtype=object)[draws.choice(stream, weights)]


def _institution_strings(plan: SamplePlan, institution: np.ndarray) -> dict[str, pa.Array]:
    indices = pa.array(institution)
    return {
        "id": pc.take(pa.array([i.id for i in plan.institutions]), indices),
        "name": pc.take(pa.array([i.name for i in plan.institutions]), indices),
    }


def numbered(prefix: pa.Array, separator: str, numbers: np.ndarray, width: int) -> pa.Array:
    """prefix + separator + zero-padded number, computed in Arrow (no Python loop)."""
    digits = pc.utf8_lpad(pa.array(numbers).cast(pa.string()), width=width, padding="0")
    return pc.binary_join_element_wise(prefix, separator, digits, "")


def borrower_names(borrower: Draws, borrower_type: np.ndarray) -> pa.Array:
    def take(words: list[str], stream: str) -> pa.Array:
        return pc.take(pa.array(words), pa.array(borrower.choice(stream, [1] * len(words))))

    firm = pc.binary_join_element_wise(
        take(names.CITIES, "name.city"),
        take(names.FIRM_WORDS, "name.word"),
        take(names.FIRM_SUFFIXES, "name.suffix"),
        "",
    )
    person = pc.binary_join_element_wise(
        take(names.SURNAMES, "name.surname"), take(names.GIVEN_NAMES, "name.given"), ""
    )
    shop = pc.binary_join_element_wise(person, "（个体工商户）", "")
    is_enterprise = pa.array(borrower_type == "enterprise")
    is_shop = pa.array(borrower_type == "individual_business")
    return pc.if_else(is_enterprise, firm, pc.if_else(is_shop, shop, person))
