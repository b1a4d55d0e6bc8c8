"""The standards' checklist: one line per standard, its status derived from the results of the checks behind it.

The one table from checklist items to check ids is here; `evaluate_checklist` is called once per audit (auditor.engine) and
the reports show what it decided. An item is

* `failed` when one of its checks failed (in any project),
* `passed` when at least one of its checks passed and none failed, errored or lacked its data,
* `not_applicable` when every one of its checks that ran does not apply (no endpoints, no database, ...),
* `not_checked_yet` otherwise: none of its checks is installed or selected, or they errored or lacked data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from auditor.model import CheckResult, JSONValue, Status

__all__ = ["CHECKLIST", "CHECKLIST_STATUSES", "ChecklistItem", "evaluate_checklist"]

CHECKLIST: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("API contract", ("openapi/spec-present", "openapi/spec-valid", "openapi/spec-quality", "openapi/undocumented-endpoint",
                      "api/server-error", "api/schema-violation", "api/undocumented-response")),
    ("input validation", ("security/input-validation",)),
    ("authn/authz", ("security/missing-auth", "security/jwt")),
    ("secrets in the environment", ("security/hardcoded-secret", "security/secret-in-history")),
    ("structured error handling", ("errors/central-handler", "errors/bare-except", "errors/broad-except",
                                   "errors/swallowed-exception", "errors/empty-catch", "errors/leaked-details",
                                   "errors/unchained-raise", "errors/ignored-error", "errors/unhandled-promise",
                                   "errors/unwrap", "errors/expect", "errors/panic")),
    ("pooling", ("operability/connection-pooling",)),
    ("no N+1", ("operability/n-plus-one",)),
    ("rate limiting", ("security/rate-limiting",)),
    ("correlation IDs", ("operability/correlation-ids",)),
    ("tests", ("tests/present", "tests/coverage", "tests/failing")),
    ("typing", ("typing/annotations", "typing/type-checker", "typing/explicit-any", "typing/escape-hatch",
                "typing/typescript-strict", "typing/untyped-javascript")),
    ("security headers", ("security/headers",)),
    ("CORS", ("security/cors",)),
    ("versioning", ("operability/api-versioning",)),
    ("p95 latency", ("api/latency",)),  # of the running service: only with --api-url, --api-app or --api-command
)
CHECKLIST_STATUSES = ("passed", "failed", "not_applicable", "not_checked_yet")


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    item: str
    status: str  # one of CHECKLIST_STATUSES
    check_ids: tuple[str, ...]  # the checks behind the item (whether they ran or not)
    failed: tuple[str, ...] = ()  # the ids of those that failed
    findings: int = 0  # findings above info of the failed checks

    def to_json(self) -> dict[str, JSONValue]:
        return {"item": self.item, "status": self.status, "check_ids": list(self.check_ids), "failed": list(self.failed),
                "findings": self.findings}


def _status(results: list[CheckResult]) -> str:
    statuses = {r.status for r in results}
    if Status.FAILED in statuses:
        return "failed"
    if Status.PASSED in statuses and not statuses & {Status.ERROR, Status.NOT_AVAILABLE}:
        return "passed"
    if statuses == {Status.NOT_APPLICABLE}:
        return "not_applicable"
    return "not_checked_yet"


def evaluate_checklist(results: Iterable[CheckResult]) -> tuple[ChecklistItem, ...]:
    """The checklist for the results of an audit (every project's)."""
    by_id: dict[str, list[CheckResult]] = {}
    for result in results:
        by_id.setdefault(result.id, []).append(result)
    out = []
    for item, ids in CHECKLIST:
        chosen = [r for i in ids for r in by_id.get(i, ())]
        failed = tuple(dict.fromkeys(r.id for r in chosen if r.status is Status.FAILED))
        findings = sum(1 for r in chosen if r.status is Status.FAILED for f in r.findings if f.severity.rank > 0)
        out.append(ChecklistItem(item, _status(chosen), ids, failed, findings))
    return tuple(out)
