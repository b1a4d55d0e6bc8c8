"""The standards' checklist: statuses derived from check results, in the JSON report, and linked in HTML/Markdown."""

from __future__ import annotations

import re
from pathlib import Path

import jsonschema
import pytest

from auditor import Config, audit
from auditor.checklist import CHECKLIST, evaluate_checklist
from auditor.model import CheckInfo, CheckResult, Finding, Severity, Status
from reports.base import scorecard_to_dict
from reports.html import render_html
from reports.markdown import render_markdown

SCHEMA = Path(__file__).resolve().parent.parent / "reports" / "schema" / "report.schema.json"
SAMPLES = Path(__file__).resolve().parent.parent / "sample_repos"


def result(check_id: str, status: Status, findings: int = 0) -> CheckResult:
    info = CheckInfo(check_id, check_id, check_id.split("/")[0], Severity.MEDIUM)
    found = tuple(Finding(check_id, Severity.MEDIUM, "x", "a.py", i + 1) for i in range(findings))
    return CheckResult(info, status, findings=found)


def by_item(results: list[CheckResult]) -> dict[str, tuple[str, tuple[str, ...], int]]:
    return {i.item: (i.status, i.failed, i.findings) for i in evaluate_checklist(results)}


def test_status_of_each_item_from_its_checks() -> None:
    items = by_item([
        result("security/cors", Status.PASSED),
        result("security/headers", Status.FAILED, 1),
        result("security/rate-limiting", Status.NOT_APPLICABLE),
        result("operability/connection-pooling", Status.ERROR),
        result("security/missing-auth", Status.PASSED), result("security/jwt", Status.FAILED, 2),
        result("security/missing-auth", Status.FAILED, 1),  # a second project
        result("tests/present", Status.PASSED), result("tests/coverage", Status.NOT_AVAILABLE),
        result("openapi/spec-present", Status.NOT_APPLICABLE), result("openapi/spec-valid", Status.NOT_APPLICABLE),
    ])
    assert items["CORS"] == ("passed", (), 0)
    assert items["security headers"] == ("failed", ("security/headers",), 1)
    assert items["rate limiting"] == ("not_applicable", (), 0)
    assert items["pooling"] == ("not_checked_yet", (), 0)  # it errored
    assert items["authn/authz"] == ("failed", ("security/missing-auth", "security/jwt"), 3)
    assert items["tests"] == ("not_checked_yet", (), 0)  # coverage data missing: not known to pass
    assert items["API contract"] == ("not_applicable", (), 0)
    assert items["versioning"] == ("not_checked_yet", (), 0)  # never ran
    assert [i for i, _ in CHECKLIST] == list(items) == [
        "API contract", "input validation", "authn/authz", "secrets in the environment", "structured error handling",
        "pooling", "no N+1", "rate limiting", "correlation IDs", "tests", "typing", "security headers", "CORS",
        "versioning", "p95 latency"]


@pytest.fixture(scope="module")
def flask_legacy() -> dict[str, object]:
    return scorecard_to_dict(audit(SAMPLES / "flask-legacy", Config()))


def test_the_json_report_carries_the_checklist_and_validates(flask_legacy: dict[str, object]) -> None:
    import json

    jsonschema.validate(flask_legacy, json.loads(SCHEMA.read_text(encoding="utf-8")))
    checklist = {c["item"]: c for c in flask_legacy["checklist"]}  # type: ignore[attr-defined]
    assert checklist["secrets in the environment"]["status"] == "failed"
    assert checklist["secrets in the environment"]["failed"] == ["security/hardcoded-secret"]
    assert checklist["CORS"]["status"] == "passed"
    assert checklist["versioning"]["status"] == "failed"
    assert set(checklist["API contract"]["check_ids"]) >= {"openapi/spec-present"}


def test_html_and_markdown_link_each_failed_item_to_its_findings(flask_legacy: dict[str, object]) -> None:
    page = render_html(flask_legacy)
    section = page[page.index('id="checklist"'):page.index('id="plan"')]
    links = re.findall(r'href="#([^"]+)"', section)
    assert "check-security-hardcoded-secret" in links
    for anchor in links:
        assert f'id="{anchor}"' in page
    text = render_markdown(flask_legacy)
    assert "| secrets in the environment | ❌ failed | [security/hardcoded-secret](#check-security-hardcoded-secret) (1) |" in text
    assert '<a name="check-security-hardcoded-secret"></a>' in text
    assert "| CORS | ✅ passed |   |" in text


def test_a_report_written_before_the_checklist_still_renders(flask_legacy: dict[str, object]) -> None:
    old = {k: v for k, v in flask_legacy.items() if k != "checklist"}
    assert "Standards checklist" not in render_markdown(old)
    assert 'id="checklist"' not in render_html(old)


def test_the_running_service_counts_for_the_api_contract_and_has_its_latency_item() -> None:
    not_exercised = [result(i, Status.NOT_APPLICABLE) for i in
                     ("api/server-error", "api/schema-violation", "api/undocumented-response", "api/latency")]
    items = by_item([result("openapi/spec-present", Status.PASSED), *not_exercised])
    assert items["API contract"] == ("passed", (), 0)  # no API exercised: the spec alone decides
    assert items["p95 latency"] == ("not_applicable", (), 0)
    items = by_item([result("openapi/spec-present", Status.PASSED), result("api/schema-violation", Status.FAILED, 2),
                     result("api/latency", Status.PASSED)])
    assert items["API contract"] == ("failed", ("api/schema-violation",), 2)
    assert items["p95 latency"] == ("passed", (), 0)
    assert by_item([result("api/latency", Status.NOT_AVAILABLE)])["p95 latency"] == ("not_checked_yet", (), 0)
