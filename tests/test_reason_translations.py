"""Not-applicable and error reasons are written in English by the rules and the engine;
the Chinese report must show every one of them in Chinese."""

import re
from pathlib import Path

import pytest

from checker.labels import load_labels
from checker.reasons import translated_reason

RULES = Path(__file__).resolve().parents[1] / "rules"
ZH = load_labels("zh")


def _reasons_in_rule_files() -> list[str]:
    """Every literal a rule's SQL gives as a not_applicable_reason."""
    found = set()
    for path in RULES.glob("*.yaml"):
        for block in re.findall(
            r"CASE((?:(?!CASE).)*?)END\s+AS\s+not_applicable_reason", path.read_text(), re.S
        ):
            found.update(re.findall(r"THEN\s+'([^']+)'", block))
    return sorted(found)


def test_the_rule_files_give_reasons():
    assert len(_reasons_in_rule_files()) >= 10


@pytest.mark.parametrize("reason", _reasons_in_rule_files())
def test_every_rule_reason_has_chinese(reason):
    assert translated_reason(reason, ZH) != reason


@pytest.mark.parametrize("table", ["baseline", "fees", "guarantees", "guarantors"])
def test_missing_table_reasons_have_chinese(table):
    reason = f"needs the {table} table, which the extract does not have"
    assert table in translated_reason(reason, ZH)
    assert translated_reason(reason, ZH) != reason


def test_values_in_a_reason_are_carried_into_the_translation():
    reason = "not in force on 2025-03-31 (in force 2025-04-29 to 2028-04-28)"
    assert translated_reason(reason, ZH) == (
        "数据日期 2025-03-31 不在本规则施行期内（施行期间 2025-04-29 至 2028-04-28）"
    )
    reason = "not in force on 2022-12-31 (in force from 2025-04-29)"
    assert translated_reason(reason, ZH) == (
        "数据日期 2022-12-31 不在本规则施行期内（施行期间 2025-04-29 起）"
    )


def test_a_reason_the_catalogue_does_not_know_is_shown_as_it_is():
    assert translated_reason("something new", ZH) == "something new"
    assert translated_reason("not in force somewhere", ZH) == "not in force somewhere"
