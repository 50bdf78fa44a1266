#!/usr/bin/env python3
"""Write the small sample extract next to this file: loans, baseline, fees, guarantees,
guarantors.

Deterministic (fixed seed, Python 3.11 standard library only): running it again writes the
same bytes. All institutions, borrowers and guarantors are invented. Each bank is drawn
from its profile in BANKS and redrawn (from the same seeded generator) until its measures,
computed as DOMAIN.md defines them, land well clear of their thresholds on the intended
side, so the outcome of every core rule is known:

  B001  passes every rule (also with the three invalid demo rows at the end of loans.csv).
  B002  breaches npl-tolerance-private and two-increases-growth; passes the others.
  B003  breaches npl-tolerance-inclusive, two-increases-borrowers, fee-disclosure
        (three loans without a cost list, one undisclosed fee) and prohibited-fees
        (a borrower-borne commitment fee on an inclusive loan, a borrower-borne appraisal fee).
  B004  passes every rule except prohibited-fees, which only warns (a borrower-borne
        consulting fee on an inclusive loan).
  G001  government guarantor, every contract within its cap, average fee below 1%: passes.
  G002  government guarantor, two contracts above their caps, average fee above 1%: breaches.
  G003  commercial guarantor (not government): outside both guarantee rules.
  guarantors.csv gives each guarantor's net assets: G001 guarantees about 6.6 times its
  net assets (guarantee-leverage passes, at least 5), G002 about 3.4 times (breaches).

The last three rows of loans.csv (bank B001) are deliberately invalid, for demonstrating
rejected rows: a negative balance, classification "unknown", maturity before start.

Usage: python3 sample_data/make_sample.py
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

SEED = 20250930
AS_OF = date(2025, 9, 30)
YEAR_START = date(2024, 12, 31)
OUT_DIR = Path(__file__).resolve().parent
INCLUSIVE_CREDIT_LINE_CAP = 10_000_000 * 100  # in fen (all amounts are kept in integer fen)

LOAN_COLUMNS = [
    "institution_id", "institution_name", "as_of_date", "loan_id", "borrower_id",
    "borrower_name", "borrower_type", "ownership", "enterprise_size", "industry",
    "credit_line", "balance", "classification", "overdue_days", "interest_rate",
    "start_date", "maturity_date", "purpose", "renewal_without_repayment", "guarantee_mode",
    "loan_kind", "is_syndicated", "is_first_loan", "is_agricultural", "disclosure_provided",
]  # fmt: skip
FEE_COLUMNS = ["institution_id", "loan_id", "fee_type", "amount", "borne_by", "disclosed"]
GUARANTEE_COLUMNS = [
    "guarantor_id", "guarantor_name", "is_government", "contract_id", "kind", "borrower_id",
    "borrower_size", "is_agricultural", "amount", "fee_rate",
]  # fmt: skip

# --- the banks and what each one is built to show --------------------------------------------
# npl: target NPL ratio per segment. P_only = private enterprise, not inclusive; PI = private
# enterprise and inclusive; I_only = inclusive, not a private enterprise; O = neither.
# growth: target growth since year-start of inclusive / non-inclusive balance (bills excluded).
# inclusive_new / inclusive_gone: inclusive borrowers that joined / left since year-start.
# expect: the outcome each core loan rule must have; check_design() redraws until it does.
BANKS = [
    {
        "id": "B001",
        "name": "三明农商银行",
        "places": ["三明市", "三明市", "沙县"],
        "borrowers": 123,
        "private_share": 0.50,
        "npl": {"P_only": 0.018, "PI": 0.022, "I_only": 0.022, "O": 0.016},
        "growth": {"inclusive": 0.14, "other": 0.05},
        "inclusive_new": 14, "inclusive_gone": 8, "other_new": 3, "other_gone": 3,
        "expect": {
            "npl_private": "pass",
            "npl_inclusive": "pass",
            "growth": "pass",
            "borrowers": "pass",
        },
    },
    {
        "id": "B002",
        "name": "永安汇民村镇银行",
        "places": ["永安市", "明溪县", "清流县"],
        "borrowers": 120,
        "private_share": 0.45,
        "npl": {"P_only": 0.095, "PI": 0.020, "I_only": 0.012, "O": 0.006},
        "growth": {"inclusive": 0.02, "other": 0.10},
        "inclusive_new": 11, "inclusive_gone": 8, "other_new": 4, "other_gone": 2,
        "expect": {
            "npl_private": "breach",
            "npl_inclusive": "pass",
            "growth": "breach",
            "borrowers": "pass",
        },
    },
    {
        "id": "B003",
        "name": "尤溪闽中村镇银行",
        "places": ["尤溪县", "大田县"],
        "borrowers": 124,
        "private_share": 0.50,
        "npl": {"P_only": 0.008, "PI": 0.050, "I_only": 0.100, "O": 0.008},
        "growth": {"inclusive": 0.12, "other": 0.06},
        "inclusive_new": 5, "inclusive_gone": 16, "other_new": 3, "other_gone": 2,
        "expect": {
            "npl_private": "pass",
            "npl_inclusive": "breach",
            "growth": "pass",
            "borrowers": "breach",
        },
    },
    {
        "id": "B004",
        "name": "将乐金溪农商银行",
        "places": ["将乐县", "泰宁县", "建宁县", "宁化县"],
        "borrowers": 115,
        "private_share": 0.50,
        "npl": {"P_only": 0.020, "PI": 0.025, "I_only": 0.028, "O": 0.018},
        "growth": {"inclusive": 0.10, "other": 0.04},
        "inclusive_new": 13, "inclusive_gone": 8, "other_new": 3, "other_gone": 3,
        "expect": {
            "npl_private": "pass",
            "npl_inclusive": "pass",
            "growth": "pass",
            "borrowers": "pass",
        },
    },
]  # fmt: skip

# --- names ------------------------------------------------------------------------------------
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙朱胡郭何高林罗郑梁谢宋唐许韩冯"
    "邓曹彭曾肖田董潘蔡蒋余叶程魏苏吕丁沈姚卢钟江廖邱赖傅严温翁"
)
GIVEN = "建国华明丽芳伟强军平勇杰娟敏静秀英玉兰金海春晓志宏文斌辉俊峰燕霞红梅清泉生福荣贵新德永长"
TRADE = (
    "鑫达宏源恒信嘉禾顺发华兴瑞丰永盛利民金鹏隆天成泰和"
    "福联创博远汇通泽荣昌德润佳美新宇益晟锦鸿闽森溪岚"
)

# borrower kind -> [(industry, name word, agricultural)]
INDUSTRIES = {
    "large": [
        ("C31", "特钢", False), ("D44", "水电开发", False), ("E48", "路桥建设", False),
        ("K70", "房地产开发", False), ("F51", "贸易", False), ("C26", "化工", False),
        ("C30", "水泥", False), ("C20", "林产", False),
    ],
    "medium": [
        ("C34", "机械制造", False), ("C20", "竹木制品", False), ("C26", "化工", False),
        ("C38", "电气", False), ("E47", "建筑工程", False), ("F51", "商贸", False),
        ("G54", "物流", False), ("C13", "粮油加工", True), ("H61", "酒店管理", False),
        ("C17", "纺织", False), ("A02", "林业开发", True),
    ],
    "small": [
        ("C34", "机械", False), ("C20", "木业", False), ("C21", "家具", False),
        ("C14", "食品", False), ("C13", "农产品加工", True), ("C15", "茶业", False),
        ("E47", "建设工程", False), ("F51", "商贸", False), ("F52", "百货", False),
        ("G54", "运输", False), ("I65", "信息技术", False), ("M75", "科技", False),
        ("A01", "农业开发", True), ("A03", "生态养殖", True), ("C", "五金制品", False),
    ],
    "micro": [
        ("F52", "商行", False), ("H62", "餐饮管理", False), ("C20", "竹制品", False),
        ("A01", "果蔬种植", True), ("A03", "养殖", True), ("L72", "企业管理咨询", False),
        ("I65", "网络科技", False), ("C13", "米业", True), ("E50", "装饰工程", False),
        ("F", "贸易", False),
    ],
    "person": [
        ("F52", False), ("F52", False), ("H62", False), ("O80", False), ("A01", True),
        ("A03", True), ("G54", False), ("C13", True), ("F51", False), ("H", False),
    ],
    "other": [
        ("A01", "果蔬专业合作社", True), ("A01", "茶叶专业合作社", True),
        ("A01", "食用菌专业合作社", True), ("A03", "生猪养殖专业合作社", True),
        ("A02", "毛竹专业合作社", True), ("F52", "供销合作社", False),
    ],
}  # fmt: skip

OWNERSHIP_NOT_PRIVATE = ["state", "state", "collective", "foreign", "other"]

# borrower kind -> (borrower_type, enterprise_size)
KIND_TYPE = {
    "large": ("enterprise", "large"),
    "medium": ("enterprise", "medium"),
    "small": ("enterprise", "small"),
    "micro": ("enterprise", "micro"),
    "individual_business": ("individual_business", ""),
    "micro_owner": ("micro_owner", ""),
    "other": ("other", ""),
}
KIND_WEIGHTS = {
    "large": 6, "medium": 12, "small": 24, "micro": 16,
    "individual_business": 22, "micro_owner": 12, "other": 8,
}  # fmt: skip
GUARANTEE_MODES = ["credit", "guarantee", "mortgage", "pledge"]
GUARANTEE_WEIGHTS = {
    "large": [55, 10, 20, 15],
    "medium": [30, 25, 35, 10],
    "small": [30, 30, 35, 5],
    "micro": [30, 30, 35, 5],
    "individual_business": [35, 25, 35, 5],
    "micro_owner": [35, 25, 35, 5],
    "other": [30, 40, 25, 5],
}


# --- small helpers ----------------------------------------------------------------------------
def add_months(d: date, months: int) -> date:
    month0 = d.month - 1 + months
    year, month = d.year + month0 // 12, month0 % 12 + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError(d)


def random_day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, (last - first).days))


def yuan(fen: int) -> str:
    """Amount in fen -> yuan text: '1250000' or '1250000.35' (two decimals at most)."""
    whole, cents = divmod(fen, 100)
    return f"{whole}" if cents == 0 else f"{whole}.{cents:02d}"


def boolean(value: bool) -> str:
    return "true" if value else "false"


def floor_class(overdue_days: int) -> str:
    """Best classification allowed for the days overdue (2023 risk-classification rules)."""
    if overdue_days > 360:
        return "loss"
    if overdue_days > 270:
        return "doubtful"
    if overdue_days > 90:
        return "substandard"
    if overdue_days > 0:
        return "special_mention"
    return "normal"


class Names:
    """Unique Chinese names per run."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def _unique(self, make) -> str:
        while True:
            name = make()
            if name not in self.used:
                self.used.add(name)
                return name

    def person(self) -> str:
        def make() -> str:
            given = "".join(self.rng.sample(GIVEN, self.rng.choice([1, 2, 2])))
            return self.rng.choice(SURNAMES) + given

        return self._unique(make)

    def company(self, place: str, word: str, kind: str) -> str:
        suffix = "股份有限公司" if kind == "large" else "有限公司"

        def make() -> str:
            return place + "".join(self.rng.sample(TRADE, 2)) + word + suffix

        return self._unique(make)

    def cooperative(self, place: str, word: str) -> str:
        return self._unique(lambda: place + "".join(self.rng.sample(TRADE, 2)) + word)


# --- borrowers --------------------------------------------------------------------------------
def make_borrower(rng: random.Random, names: Names, bank: dict, seq: int, kind: str) -> dict:
    borrower_type, size = KIND_TYPE[kind]
    place = rng.choice(bank["places"])
    if kind in ("individual_business", "micro_owner"):
        industry, agricultural = rng.choice(INDUSTRIES["person"])
        suffix = "（个体工商户）" if kind == "individual_business" else "（小微企业主）"
        name = names.person() + suffix
        ownership = "private"
    elif kind == "other":
        industry, word, agricultural = rng.choice(INDUSTRIES["other"])
        name = names.cooperative(place, word)
        ownership = "collective"
    else:
        industry, word, agricultural = rng.choice(INDUSTRIES[kind])
        name = names.company(place, word, kind)
        ownership = (
            "private" if rng.random() < bank["private_share"] else rng.choice(OWNERSHIP_NOT_PRIVATE)
        )

    # credit line in yuan, then fen
    if kind == "large":
        line = rng.randrange(20, 51) * 1_000_000
    elif kind == "medium":
        line = rng.randrange(50, 301) * 100_000
    elif kind == "small":
        # about one in eight small firms has a line above 10 million: small, yet not inclusive
        line = (
            rng.randrange(105, 151) * 100_000
            if rng.random() < 0.12
            else rng.randrange(100, 1001) * 10_000
        )
    elif kind == "other":
        line = rng.randrange(10, 151) * 100_000
    else:
        line = rng.randrange(30, 301) * 10_000
    line_fen = line * 100

    inclusive = (
        borrower_type in ("individual_business", "micro_owner")
        or (borrower_type == "enterprise" and size in ("small", "micro"))
    ) and line_fen <= INCLUSIVE_CREDIT_LINE_CAP
    private = borrower_type == "enterprise" and ownership == "private"

    base_rate = {
        "large": 2.9, "medium": 3.4, "small": 3.9, "micro": 4.3,
        "individual_business": 4.6, "micro_owner": 4.4, "other": 3.8,
    }[kind] + rng.uniform(-0.3, 0.6)  # fmt: skip
    return {
        "id": f"{bank['id']}-C{seq:04d}",
        "name": name,
        "kind": kind,
        "type": borrower_type,
        "size": size,
        "ownership": ownership,
        "industry": industry,
        "agricultural": agricultural,
        "line": line_fen,
        "inclusive": inclusive,
        "private": private,
        "segment": {(True, True): "PI", (True, False): "P_only", (False, True): "I_only"}.get(
            (private, inclusive), "O"
        ),
        "base_rate": base_rate,
        "status": "continuing",
        "loans": [],
    }


def make_borrowers(rng: random.Random, names: Names, bank: dict) -> list[dict]:
    kinds = list(KIND_WEIGHTS)
    weights = list(KIND_WEIGHTS.values())
    borrowers = [
        make_borrower(rng, names, bank, seq, rng.choices(kinds, weights)[0])
        for seq in range(1, bank["borrowers"] + 1)
    ]
    # who joined and who left since year-start, counted exactly
    for inclusive, new_key, gone_key in (
        (True, "inclusive_new", "inclusive_gone"),
        (False, "other_new", "other_gone"),
    ):
        pool = [b for b in borrowers if b["inclusive"] == inclusive and b["kind"] != "large"]
        rng.shuffle(pool)
        for b in pool[: bank[new_key]]:
            b["status"] = "new"
        for b in pool[bank[new_key] : bank[new_key] + bank[gone_key]]:
            b["status"] = "gone"
    return borrowers


# --- loans ------------------------------------------------------------------------------------
def loan_terms(rng: random.Random, b: dict) -> tuple[str, int]:
    """(purpose, term in months) for a term loan."""
    persons = b["type"] in ("individual_business", "micro_owner")
    purpose = rng.choices(
        ["working_capital", "fixed_asset", "other"], [75, 10, 15] if persons else [70, 22, 8]
    )[0]
    if purpose == "working_capital":
        term = rng.choices([12, 24, 36], [60, 25, 15])[0]
    elif purpose == "fixed_asset":
        term = rng.choice([36, 48, 60, 84, 120])
    else:
        term = rng.choice([12, 24, 36, 60])
    return purpose, term


def make_loans(rng: random.Random, b: dict) -> None:
    """Term loans of one borrower, with status continuing / new / repaid and a share of the line."""
    count_weights = {
        "large": [0, 3, 2],
        "medium": [4, 4, 2],
        "small": [6, 3, 1],
        "micro": [7, 3, 0],
        "individual_business": [7, 3, 0],
        "micro_owner": [8, 2, 0],
        "other": [7, 3, 0],
    }[b["kind"]]
    n = rng.choices([1, 2, 3], count_weights)[0]
    if b["status"] == "new":
        statuses = ["new"] * n
    elif b["status"] == "gone":
        statuses = ["repaid"] * n
    else:
        statuses = ["continuing"] + [
            rng.choices(["continuing", "new", "repaid"], [62, 24, 14])[0] for _ in range(n - 1)
        ]
    utilisation = rng.uniform(0.45, 0.8)
    weights = [rng.uniform(0.5, 1.5) for _ in statuses]
    for status, w in zip(statuses, weights, strict=True):
        purpose, term = loan_terms(rng, b)
        share = utilisation * w / sum(weights)
        balance = b["line"] * share
        # bullet working-capital loans in round thousands; amortising ones to the fen
        balance = (
            int(balance // 100_000 * 100_000)
            if purpose == "working_capital"
            else int(balance // 100 * 100 + rng.randrange(0, 100))
        )
        trade_finance = b["kind"] in ("large", "medium") and rng.random() < 0.06
        b["loans"].append(
            {
                "status": status,
                "loan_kind": "other" if trade_finance else "loan",
                "purpose": purpose,
                "term": term,
                "balance": max(balance, 5_000_000),  # at least 50,000 yuan
                "base_balance": None,
                "classification": "normal",
                "overdue": 0,
                "guarantee_mode": rng.choices(GUARANTEE_MODES, GUARANTEE_WEIGHTS[b["kind"]])[0],
                "rate": round(b["base_rate"] + rng.uniform(-0.15, 0.25), 2),
                "syndicated": False,
                "renewal": False,
                "first_loan": False,
                "disclosure": True,
            }
        )


def mark_npl(rng: random.Random, bank: dict, borrowers: list[dict]) -> None:
    """Classify continuing loans as NPL until each segment reaches its target NPL ratio."""
    for segment, ratio in bank["npl"].items():
        loans = [
            loan
            for b in borrowers
            if b["segment"] == segment
            for loan in b["loans"]
            if loan["status"] != "repaid"
        ]
        candidates = [loan for loan in loans if loan["status"] == "continuing"]
        rng.shuffle(candidates)
        target = ratio * sum(loan["balance"] for loan in loans)
        remaining = target
        for loan in candidates:
            if loan["balance"] <= remaining:
                loan["classification"] = "npl"
                remaining -= loan["balance"]
        if remaining > 0.05 * target:
            # take a bigger loan, partly repaid down to what is still missing
            rest = [c for c in candidates if c["classification"] != "npl"]
            if rest and remaining >= 5_000_000:
                loan = min(rest, key=lambda c: c["balance"])
                loan["balance"] = int(remaining // 100) * 100
                loan["classification"] = "npl"
    for b in borrowers:
        for loan in b["loans"]:
            if loan["classification"] == "npl":
                loan["classification"] = rng.choices(
                    ["substandard", "doubtful", "loss"], [60, 25, 15]
                )[0]
                low, high = {
                    "substandard": (91, 240),
                    "doubtful": (271, 360),
                    "loss": (361, 640),
                }[loan["classification"]]
                loan["overdue"] = rng.randint(low, high)
            elif loan["status"] == "continuing" and rng.random() < 0.035:
                loan["classification"] = "special_mention"
                loan["overdue"] = rng.choice([0, 0, rng.randint(1, 60)])


def set_dates(rng: random.Random, loan: dict) -> None:
    term = loan["term"]
    if loan["status"] == "continuing":
        if loan["overdue"] > 0:
            loan["maturity"] = AS_OF - timedelta(days=loan["overdue"])
            loan["start"] = add_months(loan["maturity"], -term)
        else:
            first = add_months(AS_OF, -term) + timedelta(days=1)
            loan["start"] = random_day(rng, max(first, date(2015, 1, 1)), YEAR_START)
            loan["maturity"] = add_months(loan["start"], term)
    elif loan["status"] == "new":
        loan["start"] = random_day(rng, date(2025, 1, 2), AS_OF - timedelta(days=1))
        loan["maturity"] = add_months(loan["start"], term)
    else:  # repaid since year-start: matured between the two snapshots
        loan["maturity"] = random_day(rng, date(2025, 1, 2), AS_OF - timedelta(days=1))
        loan["start"] = add_months(loan["maturity"], -term)
    assert loan["start"] <= loan["maturity"]


def set_baseline(rng: random.Random, loan: dict) -> None:
    """Year-start balance and classification of a continuing loan."""
    if loan["classification"] in ("substandard", "doubtful", "loss"):
        loan["base_balance"] = loan["balance"] + rng.choice([0, 0, 1]) * int(loan["balance"] * 0.03)
    elif loan["purpose"] == "working_capital":
        loan["base_balance"] = loan["balance"]
    else:  # amortising: higher at year-start
        loan["base_balance"] = int(loan["balance"] * rng.uniform(1.04, 1.15))
    overdue = max(0, (YEAR_START - loan["maturity"]).days)
    loan["base_overdue"] = overdue
    loan["base_classification"] = floor_class(overdue)


def scale_repaid(bank: dict, borrowers: list[dict]) -> None:
    """Size the repaid loans so each segment grows from year-start by exactly its target.

    When even the largest repaid loans the credit lines allow are not enough (a low growth
    target), the segment's new loans are scaled down first: that bank simply lent less.
    """
    for inclusive, key in ((True, "inclusive"), (False, "other")):
        growth = bank["growth"][key]
        group = [b for b in borrowers if b["inclusive"] == inclusive]
        loans = [loan for b in group for loan in b["loans"]]
        kept = sum(loan["base_balance"] for loan in loans if loan["status"] == "continuing")
        repaid = []  # (loan, nominal, cap)
        for b in group:
            mine = [loan for loan in b["loans"] if loan["status"] == "repaid"]
            if not mine:
                continue
            room = 0.92 * b["line"] - sum(
                loan["base_balance"] for loan in b["loans"] if loan["status"] == "continuing"
            )
            nominal = sum(loan["balance"] for loan in mine)
            repaid += [(loan, loan["balance"], room * loan["balance"] / nominal) for loan in mine]
        capacity = sum(cap for _, _, cap in repaid)
        now = sum(loan["balance"] for loan in loans if loan["status"] != "repaid")
        if now / (1 + growth) - kept > 0.8 * capacity:
            fresh = [loan for loan in loans if loan["status"] == "new"]
            excess = now - (kept + 0.8 * capacity) * (1 + growth)
            factor = 1 - excess / sum(loan["balance"] for loan in fresh)
            if factor < 0.3:
                raise Redraw(f"{bank['id']} {key}: new loans would shrink to {factor:.2f}")
            for loan in fresh:
                loan["balance"] = max(int(loan["balance"] * factor) // 100_000 * 100_000, 5_000_000)
            now = sum(loan["balance"] for loan in loans if loan["status"] != "repaid")
        needed = now / (1 + growth) - kept
        if not 0 < needed < capacity:
            raise Redraw(f"{bank['id']} {key}: repaid {needed:.0f} not in (0, {capacity:.0f})")
        low, high = 0.0, 100.0
        for _ in range(100):  # bisect for the common scale factor
            factor = (low + high) / 2
            if sum(min(factor * nom, cap) for _, nom, cap in repaid) < needed:
                low = factor
            else:
                high = factor
        for loan, nom, cap in repaid:
            amount = int(min(high * nom, cap)) // 100_000 * 100_000
            loan["base_balance"] = max(amount, 5_000_000)


def add_bills(rng: random.Random, borrowers: list[dict]) -> None:
    """A few bill discounts: left out of the two-increases measures on both sides."""
    firms = [
        b
        for b in borrowers
        if b["status"] == "continuing" and b["kind"] in ("large", "medium", "small")
    ]
    rng.shuffle(firms)
    for b, status in zip(firms, ["new"] * 4 + ["repaid"] * 3, strict=False):
        if status == "new":  # on the books now, not at year-start
            held = [loan["balance"] for loan in b["loans"] if loan["status"] != "repaid"]
        else:  # on the books at year-start, discharged since
            held = [loan["base_balance"] for loan in b["loans"] if loan["status"] != "new"]
        if len(held) >= 3:  # three loans a borrower at most
            continue
        used = sum(held)
        room = int(0.9 * b["line"]) - used
        amount = min(room, int(b["line"] * rng.uniform(0.1, 0.3))) // 1_000_000 * 1_000_000
        if amount < 20_000_000:  # under 200,000 yuan: no bill here
            continue
        term = rng.choice([3, 6, 6])
        if status == "new":
            first = add_months(AS_OF, -term) + timedelta(days=1)
            start = random_day(rng, first, AS_OF - timedelta(days=1))
        else:
            start = random_day(rng, add_months(date(2025, 1, 2), -term), YEAR_START)
        b["loans"].append(
            {
                "status": status, "loan_kind": "bill_discount", "purpose": "working_capital",
                "term": term, "balance": amount, "base_balance": amount,
                "classification": "normal", "overdue": 0, "base_classification": "normal",
                "base_overdue": 0, "guarantee_mode": "pledge",
                "rate": round(rng.uniform(1.2, 1.8), 2), "syndicated": False, "renewal": False,
                "first_loan": False, "disclosure": True,
                "start": start, "maturity": add_months(start, term),
            }
        )  # fmt: skip


def decorate(rng: random.Random, bank: dict, borrowers: list[dict]) -> None:
    """Flags: syndication, renewals without repayment, first loans, missing cost lists."""
    large = [b for b in borrowers if b["kind"] == "large"]
    for b in large[:2]:
        for loan in b["loans"][:1]:
            loan["syndicated"] = True
    for b in borrowers:
        for loan in b["loans"]:
            if (
                b["inclusive"]
                and loan["purpose"] == "working_capital"
                and loan["loan_kind"] == "loan"
                and loan["status"] == "continuing"
                and loan["classification"] == "normal"
                and rng.random() < 0.12
            ):
                loan["renewal"] = True
            if b["status"] == "new" and rng.random() < 0.5:
                loan["first_loan"] = True
    if bank["id"] == "B003":
        fresh = [
            loan
            for b in borrowers
            for loan in b["loans"]
            if loan["status"] == "new" and loan["loan_kind"] == "loan"
        ]
        for loan in rng.sample(fresh, 3):
            loan["disclosure"] = False


def assign_ids(bank: dict, borrowers: list[dict]) -> None:
    loans = [loan for b in borrowers for loan in b["loans"]]
    loans.sort(key=lambda loan: loan["start"])
    for seq, loan in enumerate(loans, start=1):
        loan["id"] = f"DK{loan['start'].year}{seq:05d}"


def loan_row(bank: dict, b: dict, loan: dict, as_of: date) -> dict:
    baseline = as_of == YEAR_START
    return {
        "institution_id": bank["id"],
        "institution_name": bank["name"],
        "as_of_date": as_of.isoformat(),
        "loan_id": loan["id"],
        "borrower_id": b["id"],
        "borrower_name": b["name"],
        "borrower_type": b["type"],
        "ownership": b["ownership"],
        "enterprise_size": b["size"],
        "industry": b["industry"],
        "credit_line": yuan(b["line"]),
        "balance": yuan(loan["base_balance"] if baseline else loan["balance"]),
        "classification": loan["base_classification"] if baseline else loan["classification"],
        "overdue_days": loan["base_overdue"] if baseline else loan["overdue"],
        "interest_rate": f"{loan['rate']:.2f}",
        "start_date": loan["start"].isoformat(),
        "maturity_date": loan["maturity"].isoformat(),
        "purpose": loan["purpose"],
        "renewal_without_repayment": boolean(loan["renewal"]),
        "guarantee_mode": loan["guarantee_mode"],
        "loan_kind": loan["loan_kind"],
        "is_syndicated": boolean(loan["syndicated"]),
        "is_first_loan": boolean(loan["first_loan"]),
        "is_agricultural": boolean(b["agricultural"]),
        "disclosure_provided": boolean(loan["disclosure"]),
    }


class Redraw(Exception):
    """This draw of a bank misses its design; draw again (same generator, so still fixed)."""


def _draw_bank(rng: random.Random, names: Names, bank: dict) -> list[dict]:
    borrowers = make_borrowers(rng, names, bank)
    for b in borrowers:
        make_loans(rng, b)
    mark_npl(rng, bank, borrowers)
    for b in borrowers:
        for loan in b["loans"]:
            set_dates(rng, loan)
            if loan["status"] == "continuing":
                set_baseline(rng, loan)
            elif loan["status"] == "repaid":
                loan["base_overdue"], loan["base_classification"] = 0, "normal"
    scale_repaid(bank, borrowers)
    add_bills(rng, borrowers)
    decorate(rng, bank, borrowers)
    assign_ids(bank, borrowers)
    return borrowers


def bank_metrics(borrowers: list[dict]) -> dict:
    """The core loan measures, as DOMAIN.md defines them."""
    now = [(b, loan) for b in borrowers for loan in b["loans"] if loan["status"] != "repaid"]
    then = [(b, loan) for b in borrowers for loan in b["loans"] if loan["status"] != "new"]

    def npl_ratio(rows) -> float:
        total = sum(loan["balance"] for _, loan in rows)
        bad = sum(
            loan["balance"]
            for _, loan in rows
            if loan["classification"] in ("substandard", "doubtful", "loss")
        )
        return 100 * bad / total

    def growth(rows_now, rows_then) -> float:
        base = sum(loan["base_balance"] for _, loan in rows_then)
        return 100 * (sum(loan["balance"] for _, loan in rows_now) - base) / base

    def terms(rows, inclusive_only=False):
        return [
            (b, loan)
            for b, loan in rows
            if loan["loan_kind"] != "bill_discount" and (b["inclusive"] or not inclusive_only)
        ]

    def borrowers_with_balance(rows, field) -> int:
        return len({b["id"] for b, loan in terms(rows, True) if loan[field] > 0})

    npl_all = npl_ratio(now)
    return {
        "rows": len(now),
        "npl_all": npl_all,
        "npl_private": npl_ratio([x for x in now if x[0]["private"]]) - npl_all,
        "npl_inclusive": npl_ratio([x for x in now if x[0]["inclusive"]]) - npl_all,
        "growth": growth(terms(now, True), terms(then, True)) - growth(terms(now), terms(then)),
        "borrowers": borrowers_with_balance(now, "balance")
        - borrowers_with_balance(then, "base_balance"),
    }


def check_design(bank: dict, borrowers: list[dict]) -> None:
    """Keep every outcome well clear of its threshold, so the sample is robust."""
    m = bank_metrics(borrowers)
    clear = {
        # measure: (passes when, breaches when)
        "npl_private": (m["npl_private"] <= 2.5, m["npl_private"] >= 4.0),
        "npl_inclusive": (m["npl_inclusive"] <= 2.5, m["npl_inclusive"] >= 4.0),
        "growth": (m["growth"] >= 1.0, m["growth"] <= -1.0),
        "borrowers": (m["borrowers"] >= 2, m["borrowers"] <= -3),
    }
    for measure, expected in bank["expect"].items():
        passes, breaches = clear[measure]
        if not (passes if expected == "pass" else breaches):
            raise Redraw(measure)
    if not (151 <= m["rows"] <= 156 and 1.5 <= m["npl_all"] <= 3.0):
        raise Redraw("size")


def build_bank(rng: random.Random, names: Names, bank: dict) -> list[dict]:
    for _ in range(200):
        try:
            borrowers = _draw_bank(rng, names, bank)
            check_design(bank, borrowers)
            return borrowers
        except Redraw:
            continue
    raise SystemExit(f"{bank['id']}: no draw meets the design; adjust BANKS")


# --- fees -------------------------------------------------------------------------------------
def make_fees(rng: random.Random, bank: dict, borrowers: list[dict]) -> list[dict]:
    def current(pred) -> list[tuple[dict, dict]]:
        found = [
            (b, loan)
            for b in borrowers
            for loan in b["loans"]
            if loan["status"] != "repaid" and loan["loan_kind"] == "loan" and pred(b, loan)
        ]
        rng.shuffle(found)
        return found

    fees = []

    def fee(loan: dict, fee_type: str, amount_yuan: float, borne_by: str, disclosed=True):
        fees.append(
            {
                "institution_id": bank["id"],
                "loan_id": loan["id"],
                "fee_type": fee_type,
                "amount": yuan(int(round(amount_yuan * 100))),
                "borne_by": borne_by,
                "disclosed": boolean(disclosed),
            }
        )

    mortgaged = current(lambda b, loan: loan["guarantee_mode"] == "mortgage")
    for b, loan in mortgaged[:8]:
        # the lender pays collateral appraisal; registration: lender for small-micro
        fee(loan, "appraisal", rng.randrange(10, 61) * 100, "lender")
        fee(loan, "registration", 550 if b["type"] == "enterprise" else 80,
            "lender" if b["inclusive"] else "borrower")  # fmt: skip
    for _, loan in mortgaged[8:13]:
        fee(loan, "insurance", rng.randrange(6, 31) * 100, "borrower")
    big = current(lambda b, loan: b["kind"] == "large" and not loan["syndicated"])
    for _, loan in big[:2]:
        fee(loan, "commitment", round(loan["balance"] / 100 * 0.0025, -2), "borrower")
    _, loan = big[2]
    fee(loan, "financial_advisory", rng.randrange(5, 21) * 10_000, "borrower")
    syndicated = current(lambda b, loan: loan["syndicated"])
    for _, loan in syndicated[:1]:
        fee(loan, "fund_management", round(loan["balance"] / 100 * 0.001, -2), "borrower")
    for _, loan in current(lambda b, loan: b["type"] == "enterprise")[:2]:
        fee(loan, "other", rng.randrange(2, 11) * 100, "lender")  # notarisation, paid by the bank

    inclusive = current(lambda b, loan: b["inclusive"] and not loan["syndicated"])
    if bank["id"] == "B003":
        b, loan = inclusive[0]
        fee(loan, "commitment", round(loan["balance"] / 100 * 0.003, -1), "borrower")
        b, loan = [x for x in mortgaged[13:] if x[0]["inclusive"]][0]
        fee(loan, "appraisal", 3_800, "borrower")
        b, loan = inclusive[1]
        fee(loan, "insurance", 1_260, "borrower", disclosed=False)
    if bank["id"] == "B004":
        b, loan = inclusive[0]
        fee(loan, "consulting", 8_000, "borrower")
    return fees


# --- guarantees -------------------------------------------------------------------------------
GUARANTORS = [
    ("G001", "三明市融资担保有限公司", True),
    ("G002", "三明沙溪融资担保有限公司", True),
    ("G003", "福建鑫盛融资担保有限公司", False),
]


def make_guarantees(rng: random.Random, banks: list[tuple[dict, list[dict]]]) -> list[dict]:
    candidates = []  # (borrower, guaranteed amount in fen)
    for _, borrowers in banks:
        for b in borrowers:
            amount = sum(
                loan["balance"]
                for loan in b["loans"]
                if loan["status"] != "repaid" and loan["guarantee_mode"] == "guarantee"
            )
            amount = amount // 1_000_000 * 1_000_000
            if amount >= 10_000_000:
                candidates.append((b, amount))
    rng.shuffle(candidates)
    big = [c for c in candidates if c[1] > 500_000_000]
    small = [c for c in candidates if c[1] <= 500_000_000]

    rows = []

    def contract(gid: int, b: dict, kind: str, amount: int, rate: float) -> None:
        guarantor_id, name, government = GUARANTORS[gid]
        size = b["size"] or ("micro" if b["type"] != "other" else "small")
        rows.append(
            {
                "guarantor_id": guarantor_id,
                "guarantor_name": name,
                "is_government": boolean(government),
                "contract_id": f"{guarantor_id}-DB{len(rows) + 1:04d}",
                "kind": kind,
                "borrower_id": b["id"],
                "borrower_size": size,
                "is_agricultural": boolean(b["agricultural"]),
                "amount": yuan(amount),
                "fee_rate": f"{rate:.2f}",
            }
        )

    def half(amount: int) -> int:
        """A re-guarantee covers half the original guarantee (the risk it assumes)."""
        return amount // 2 // 1_000_000 * 1_000_000

    def take(pool, n):
        taken, pool[:] = pool[:n], pool[n:]
        return taken

    def take_capped(pool):
        """One small-micro or agricultural borrower: a contract the fee caps apply to."""
        found = next(c for c in pool if capped(c[0]["size"] or "micro", c[0]["agricultural"]))
        pool.remove(found)
        return found

    # G001: government, every contract within its cap, average well below 1%
    for b, amount in take(small, 22):
        contract(0, b, "direct", amount, rng.choice([0.5, 0.6, 0.7, 0.75, 0.8, 0.8]))
    for b, amount in take(big, 3):
        contract(0, b, "direct", amount, rng.choice([0.8, 1.0, 1.2]))
    for b, amount in take(small, 5):
        contract(0, b, "reguarantee", half(amount), rng.choice([0.1, 0.15, 0.18]))
    for b, amount in take(big, 1):
        contract(0, b, "reguarantee", amount, 0.35)
    # G002: government, average above 1%, two contracts above their caps
    for b, amount in take(big, 3):
        contract(1, b, "direct", amount, rng.choice([1.25, 1.35]))
    for b, amount in take(small, 8):
        contract(1, b, "direct", amount, rng.choice([0.75, 0.8]))
    b, amount = take_capped(small)
    contract(1, b, "direct", amount, 1.8)  # cap 1.0
    for b, amount in take(small, 2):
        contract(1, b, "reguarantee", half(amount), 0.15)
    b, amount = take_capped(small)
    contract(1, b, "reguarantee", half(amount), 0.6)  # cap 0.3
    # G003: commercial guarantor, market fees, outside the government-guarantor rules
    for b, amount in take(small, 8) + take(big, 2):
        contract(2, b, "direct", amount, rng.choice([1.8, 2.0, 2.2, 2.5, 2.8, 3.0]))
    check_guarantees(rows)
    return rows


def capped(size: str, agricultural: bool) -> bool:
    return size in ("small", "micro") or agricultural


def fee_cap(kind: str, amount_fen: int) -> float:
    small = amount_fen <= 5_000_000 * 100
    return (1.0 if small else 1.5) if kind == "direct" else (0.3 if small else 0.5)


def check_guarantees(rows: list[dict]) -> None:
    """G001 clean, G002 two contracts over cap and average over 1%, both well clear."""
    for guarantor_id, over_cap, average_above in (("G001", 0, False), ("G002", 2, True)):
        mine = [r for r in rows if r["guarantor_id"] == guarantor_id]
        over = [
            r
            for r in mine
            if capped(r["borrower_size"], r["is_agricultural"] == "true")
            and float(r["fee_rate"]) > fee_cap(r["kind"], int(float(r["amount"]) * 100))
        ]
        direct = [r for r in mine if r["kind"] == "direct"]
        average = sum(float(r["amount"]) * float(r["fee_rate"]) for r in direct) / sum(
            float(r["amount"]) for r in direct
        )
        if len(over) != over_cap or not (average >= 1.1 if average_above else average <= 0.9):
            raise SystemExit(f"{guarantor_id}: {len(over)} over cap, average {average:.3f}")


# --- the three invalid demo rows --------------------------------------------------------------
def invalid_rows(bank: dict, next_seq: int) -> list[dict]:
    """Rows a validator must reject; a state-owned, non-inclusive borrower, so they cannot
    change any rule outcome even if a checker failed to drop them."""
    common = {
        "institution_id": bank["id"], "institution_name": bank["name"],
        "as_of_date": AS_OF.isoformat(), "borrower_id": f"{bank['id']}-C9001",
        "borrower_name": "三明市国润投资发展有限公司", "borrower_type": "enterprise",
        "ownership": "state", "enterprise_size": "large", "industry": "L72",
        "credit_line": "30000000", "overdue_days": 0, "interest_rate": "3.10",
        "purpose": "working_capital", "renewal_without_repayment": "false",
        "guarantee_mode": "credit", "loan_kind": "loan", "is_syndicated": "false",
        "is_first_loan": "false", "is_agricultural": "false", "disclosure_provided": "true",
    }  # fmt: skip
    return [
        common | {"loan_id": f"DK2025{next_seq:05d}", "balance": "-120000",
                  "classification": "normal", "start_date": "2025-03-12",
                  "maturity_date": "2026-03-12"},
        common | {"loan_id": f"DK2025{next_seq + 1:05d}", "balance": "800000",
                  "classification": "unknown", "start_date": "2025-04-18",
                  "maturity_date": "2026-04-18"},
        common | {"loan_id": f"DK2025{next_seq + 2:05d}", "balance": "500000",
                  "classification": "normal", "start_date": "2025-06-20",
                  "maturity_date": "2025-06-19"},
    ]  # fmt: skip


def write_csv(name: str, columns: list[str], rows: list[dict]) -> None:
    with open(OUT_DIR / name, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


# Net assets in yuan, chosen so that G001's leverage is well above 5 and G002's well below.
NET_ASSETS = {"G001": 12_000_000, "G002": 10_000_000, "G003": 20_000_000}


def make_guarantors(guarantees: list[dict]) -> list[dict]:
    rows = []
    for guarantor_id, name, _ in GUARANTORS:
        amount = sum(float(g["amount"]) for g in guarantees if g["guarantor_id"] == guarantor_id)
        multiple = amount / NET_ASSETS[guarantor_id]
        expected_ok = {"G001": multiple >= 6.0, "G002": multiple <= 4.0, "G003": True}
        if not expected_ok[guarantor_id]:
            raise SystemExit(f"{guarantor_id}: leverage {multiple:.2f} misses the design")
        rows.append(
            {"guarantor_id": guarantor_id, "guarantor_name": name,
             "net_assets": str(NET_ASSETS[guarantor_id])}
        )  # fmt: skip
    return rows


def main() -> None:
    rng = random.Random(SEED)
    names = Names(rng)
    built = [(bank, build_bank(rng, names, bank)) for bank in BANKS]

    loans, baseline, fees = [], [], []
    for bank, borrowers in built:
        now = [(b, loan) for b in borrowers for loan in b["loans"] if loan["status"] != "repaid"]
        then = [(b, loan) for b in borrowers for loan in b["loans"] if loan["status"] != "new"]
        loans += [
            loan_row(bank, b, loan, AS_OF) for b, loan in sorted(now, key=lambda x: x[1]["id"])
        ]
        baseline += [
            loan_row(bank, b, loan, YEAR_START)
            for b, loan in sorted(then, key=lambda x: x[1]["id"])
        ]
        fees += make_fees(rng, bank, borrowers)
    b001 = built[0][1]
    loans += invalid_rows(BANKS[0], 1 + sum(len(b["loans"]) for b in b001))
    guarantees = make_guarantees(rng, built)

    write_csv("loans.csv", LOAN_COLUMNS, loans)
    write_csv("baseline.csv", LOAN_COLUMNS, baseline)
    write_csv("fees.csv", FEE_COLUMNS, fees)
    write_csv("guarantees.csv", GUARANTEE_COLUMNS, guarantees)
    guarantors = make_guarantors(guarantees)
    write_csv("guarantors.csv", ["guarantor_id", "guarantor_name", "net_assets"], guarantors)
    counts = {
        "loans": loans,
        "baseline": baseline,
        "fees": fees,
        "guarantees": guarantees,
        "guarantors": guarantors,
    }
    for name, rows in counts.items():
        print(f"{name}.csv: {len(rows)} rows")


if __name__ == "__main__":
    main()
