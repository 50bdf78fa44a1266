"""docs/rules.md is generated from rules/ and cannot go stale."""

from pathlib import Path

from checker.catalogue import catalogue_markdown
from checker.rules import load_rule_set

REPO = Path(__file__).resolve().parent.parent
CATALOGUE = REPO / "docs" / "rules.md"


def test_docs_rules_md_is_the_generated_catalogue():
    expected = catalogue_markdown(load_rule_set())
    assert CATALOGUE.read_text(encoding="utf-8") == expected, (
        "docs/rules.md is stale: run `python -m checker.catalogue > docs/rules.md`"
    )


def test_catalogue_documents_every_rule_with_its_fixed_headings():
    text = CATALOGUE.read_text(encoding="utf-8")
    for rule in load_rule_set().rules.values():
        section = text.split(f"## `{rule.id}`", 1)[1].split("\n## ", 1)[0]
        for heading in ("**Measures.**", "**Why.**", "**Example breach.**", "**Source.**"):
            assert heading in section, (rule.id, heading)
        assert rule.source["quote"] in section


def test_catalogue_command_prints_the_same_text(run_cli):
    code, stdout, _ = run_cli("rules", "catalogue")
    assert code == 0 and stdout == CATALOGUE.read_text(encoding="utf-8")
