"""Every named case in tests/rules/cases/<rule-id>.yaml becomes one test, <rule-id>_<case>.

`pytest -k npl-tolerance-private` runs one rule's cases.
"""

from pathlib import Path

import pytest
import yaml

from tests.rules.harness import exception_ids, run_rule

CASES_DIR = Path(__file__).parent / "cases"


def _cases():
    for path in sorted(CASES_DIR.glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in document["cases"]:
            yield pytest.param(document["rule"], case, id=f"{document['rule']}_{case['name']}")


@pytest.mark.parametrize(("rule_id", "case"), list(_cases()))
def test_rule_case(rule_id, case, tmp_path):
    result = run_rule(tmp_path, rule_id, case["tables"], case.get("parameters"))
    findings = {f.institution_id: f for f in result.findings}
    for expected in case["expect"]:
        finding = findings.pop(expected["institution_id"])
        assert finding.status == expected["status"], finding.message
        if "message_contains" in expected:
            assert expected["message_contains"] in finding.message
        if "metric" in expected:
            assert finding.metric == pytest.approx(expected["metric"], abs=1e-9)
        if "threshold" in expected:
            assert finding.threshold == pytest.approx(expected["threshold"], abs=1e-9)
        for key, value in expected.get("details", {}).items():
            assert finding.details[key] == pytest.approx(value, abs=1e-9), key
        if "exceptions" in expected:
            assert exception_ids(result, finding.institution_id) == sorted(expected["exceptions"])
            assert finding.exceptions == len(expected["exceptions"])
    assert not findings, f"findings the case did not expect: {sorted(findings)}"
