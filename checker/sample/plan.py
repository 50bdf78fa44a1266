"""Who is who in a generated extract, and which of them are meant to breach which rule.

The plan is small (one entry per institution and guarantor) and decided before a single
loan is drawn, so the loans can be written in chunks and a test can ask the plan which
(institution, rule) breaches `loancheck check` must find.
"""

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from checker.sample.names import CITIES

AS_OF = dt.date(2025, 9, 30)
# The baseline is the year-start book: 31 December of the previous year (schemas/baseline.yaml).
YEAR_START = dt.date(2024, 12, 31)
LOAN_COUNT_GROWTH = 0.25  # loans now against loans at year-start
REPAID_SHARE = 0.15  # of the year-start loans, repaid during the year
MIN_LOANS_PER_INSTITUTION = 10

# Each bank-level breach is one scenario in one independent dimension of a bank's book, so
# a bank can be planned to breach a measure of one dimension without touching another.
BANK_BREACHES = {
    "two-increases-growth": ("two_increases", "growth"),
    "two-increases-borrowers": ("two_increases", "borrowers"),
    "npl-tolerance-private": ("npl", "private"),
    "npl-tolerance-inclusive": ("npl", "inclusive"),
    "fee-disclosure": ("fees", "disclosure"),
    "prohibited-fees": ("fees", "prohibited"),
    "classification-vs-overdue": ("overdue", "breach"),
}
GUARANTOR_BREACHES = {
    "guarantee-fee-cap": "cap",
    "guarantee-fee-average": "average",
}

_BANK_KINDS = ["农村商业银行", "村镇银行", "城市商业银行", "农村信用合作联社"]


@dataclass
class Institution:
    index: int
    id: str
    name: str
    loans: int  # rows in loans
    baseline_loans: int  # rows in baseline
    repaid: int  # year-start loans repaid during the year: loan numbers 0 .. repaid-1
    scenarios: dict[str, str] = field(default_factory=dict)  # dimension -> scenario

    def scenario(self, dimension: str) -> str:
        return self.scenarios.get(dimension, "pass")


@dataclass
class Guarantor:
    index: int
    id: str
    name: str
    is_government: bool
    contracts: int
    scenario: str = "pass"


@dataclass
class SamplePlan:
    seed: int
    institutions: list[Institution]
    guarantors: list[Guarantor]

    @property
    def loans(self) -> int:
        return sum(i.loans for i in self.institutions)

    @property
    def baseline_loans(self) -> int:
        return sum(i.baseline_loans for i in self.institutions)

    @property
    def contracts(self) -> int:
        return sum(g.contracts for g in self.guarantors)

    def expected_breaches(self) -> set[tuple[str, str]]:
        """(institution or guarantor id, rule id) for every breach the plan builds in."""
        expected = set()
        for institution in self.institutions:
            for rule_id, (dimension, scenario) in BANK_BREACHES.items():
                if institution.scenario(dimension) == scenario:
                    expected.add((institution.id, rule_id))
        for guarantor in self.guarantors:
            for rule_id, scenario in GUARANTOR_BREACHES.items():
                if guarantor.is_government and guarantor.scenario == scenario:
                    expected.add((guarantor.id, rule_id))
        return expected


def make_plan(loans: int, institutions: int, seed: int) -> SamplePlan:
    if institutions < 1 or loans < MIN_LOANS_PER_INSTITUTION * institutions:
        raise ValueError(
            f"need at least {MIN_LOANS_PER_INSTITUTION} loans per institution "
            f"({MIN_LOANS_PER_INSTITUTION * max(institutions, 1)} for {institutions})"
        )
    rng = np.random.default_rng([seed, 0])
    banks = [
        _institution(index, count)
        for index, count in enumerate(_institution_sizes(loans, institutions))
    ]
    _assign_bank_breaches(banks, rng)
    guarantors = _guarantors(loans, institutions)
    _assign_guarantor_breaches(guarantors, rng)
    return SamplePlan(seed=seed, institutions=banks, guarantors=guarantors)


def _institution_sizes(loans: int, institutions: int) -> list[int]:
    """A few large banks and many small ones (Zipf-like), each with a floor."""
    zipf = 1.0 / np.arange(1, institutions + 1)
    weights = 0.3 / institutions + 0.7 * zipf / zipf.sum()
    sizes = np.floor(weights * loans).astype(np.int64)
    sizes[: loans - int(sizes.sum())] += 1
    return [int(s) for s in sizes]


def _institution(index: int, loans: int) -> Institution:
    baseline = max(1, round(loans / (1 + LOAN_COUNT_GROWTH)))
    repaid = round(baseline * REPAID_SHARE)
    city = CITIES[index % len(CITIES)]
    kind = _BANK_KINDS[(index // len(CITIES)) % len(_BANK_KINDS)]
    number = f"{index // (len(CITIES) * len(_BANK_KINDS)) + 1}" if index >= 80 else ""
    return Institution(
        index=index,
        id=f"B{index + 1:04d}",
        name=f"{city}{kind}{number}",
        loans=loans,
        baseline_loans=baseline,
        repaid=repaid,
    )


def _breachers_per_rule(subjects: int) -> int:
    return max(1, round(subjects * 0.04))


def _assign_bank_breaches(banks: list[Institution], rng: np.random.Generator) -> None:
    """A few banks per measure; within a dimension a bank has at most one scenario."""
    order = [int(i) for i in rng.permutation(len(banks))]
    per_rule = _breachers_per_rule(len(banks))
    position = 0
    for dimension, scenario in BANK_BREACHES.values():
        for _ in range(per_rule):
            for _attempt in range(len(banks)):
                bank = banks[order[position % len(banks)]]
                position += 1
                if dimension not in bank.scenarios:
                    bank.scenarios[dimension] = scenario
                    break


def _guarantors(loans: int, institutions: int) -> list[Guarantor]:
    count = max(4, -(-institutions // 4))
    contracts = max(50 * count, loans // 40)
    per = [contracts // count + (1 if i < contracts % count else 0) for i in range(count)]
    return [
        Guarantor(
            index=i,
            id=f"G{i + 1:03d}",
            name=f"{CITIES[i % len(CITIES)]}市融资担保有限公司{'' if i < 20 else i // 20 + 1}",
            # every fourth is a commercial guarantor, outside the guarantee-fee rules
            is_government=i % 4 != 3,
            contracts=per[i],
        )
        for i in range(count)
    ]


def _assign_guarantor_breaches(guarantors: list[Guarantor], rng: np.random.Generator) -> None:
    government = [g for g in guarantors if g.is_government]
    order = [government[int(i)] for i in rng.permutation(len(government))]
    per_rule = max(1, round(len(government) * 0.1))
    picks = iter(order)
    for scenario in GUARANTOR_BREACHES.values():
        for _ in range(per_rule):
            guarantor = next(picks, None)
            if guarantor is not None:
                guarantor.scenario = scenario
