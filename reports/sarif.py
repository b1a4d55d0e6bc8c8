"""SARIF 2.1.0 (`report.sarif`), the format GitHub code scanning reads, rendered from the report dictionary.

* One rule per check (`tool.driver.rules`) with its title, rationale, remediation as help text and Markdown,
  a help URI, tags (category, CWE ids, `security` and a `security-severity` for security rules) and a default
  level from the one severity table (`reports.base.CI_SEVERITY`).
* One result per finding with `ruleId`/`ruleIndex`, a level mapped from its severity, a location relative to
  the repository root (`uriBaseId` `%SRCROOT%`) and `partialFingerprints` from our fingerprint, so code scanning
  keeps an alert across line moves. A finding about a whole project is anchored to the project's manifest or
  README (`anchor` in the report): code scanning drops a result without a location.
* `versionControlProvenance` from the git facts when the repository's URL is known; plugin load errors and
  errored checks as tool execution notifications.
"""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath
from typing import Any, ClassVar
from urllib.parse import quote

from auditor.engine import Scorecard
from auditor.redact import redact
from reports._view import SEVERITIES, visible_text
from reports.base import CI_SEVERITY, scorecard_to_dict
from reports.links import Forge
from reports.markdown import md_prose

__all__ = ["CHECKS_DOC_URL", "MAX_RESULTS", "PROJECT_URL", "SCHEMA_URI", "SarifReporter", "render_sarif", "result_anchor"]

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
PROJECT_URL = "https://github.com/auditor/auditor"
CHECKS_DOC_URL = f"{PROJECT_URL}/blob/main/docs/checks.md"
MAX_RESULTS = 25_000  # GitHub code scanning's limit of results per run; the worst are kept
FINGERPRINT_KEY = "auditorFingerprint/v1"
_CWE = re.compile(r"^CWE-(\d+)$", re.IGNORECASE)
_RANK = {s: i for i, s in enumerate(SEVERITIES)}


def _text(value: object) -> str:
    """Plain text from the target for a SARIF message: redacted, control characters made visible."""
    return visible_text(redact(str(value)))


def _rule_name(check_id: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[/-]", check_id) if part)


def _help_uri(check: dict[str, Any]) -> str:
    url = str(check.get("help_url") or "")
    return url if url.startswith(("https://", "http://")) else f"{CHECKS_DOC_URL}#{check['id'].replace('/', '')}"


def _is_security(check: dict[str, Any]) -> bool:
    return check.get("category") == "security" or any(_CWE.match(t) for t in check.get("tags") or [])


def _rule(check: dict[str, Any]) -> dict[str, Any]:
    steps = list(check.get("remediation") or [])
    rationale = str(check.get("rationale") or check["title"])
    help_text = rationale + ("\n\nRemediation:\n" + "\n".join(f"{i}. {s}" for i, s in enumerate(steps, 1)) if steps else "")
    help_md = md_prose(rationale) + ("\n\n**Remediation**\n\n" + "\n".join(f"{i}. {md_prose(s)}" for i, s in enumerate(steps, 1))
                                     if steps else "")
    tags = [str(check["category"])]
    for tag in check.get("tags") or []:
        tags.append(str(tag))
        m = _CWE.match(str(tag))
        if m:
            tags.append(f"external/cwe/cwe-{int(m.group(1)):03d}")
    severity = CI_SEVERITY[check["severity"]]
    properties: dict[str, Any] = {"precision": check.get("confidence", "high"), "problem.severity": _problem(check["severity"])}
    if _is_security(check):
        tags.append("security")
        if severity.security_severity is not None:
            properties["security-severity"] = severity.security_severity
    properties["tags"] = list(dict.fromkeys(tags))
    return {
        "id": check["id"],
        "name": _rule_name(check["id"]),
        "shortDescription": {"text": str(check["title"])},
        "fullDescription": {"text": rationale},
        "help": {"text": help_text, "markdown": help_md},
        "helpUri": _help_uri(check),
        "defaultConfiguration": {"level": severity.sarif_level},
        "properties": properties,
    }


def _problem(severity: str) -> str:
    level = CI_SEVERITY[severity].sarif_level
    return {"error": "error", "warning": "warning"}.get(level, "recommendation")


def result_anchor(data: dict[str, Any], finding: dict[str, Any]) -> tuple[str | None, bool]:
    """(path, anchored): a finding's file, or for a finding about a whole project the file it is attached to."""
    if finding.get("path"):
        return str(finding["path"]), False
    label = finding.get("project") or ""
    projects = data.get("projects") or []
    project = next((p for p in projects if p.get("name") == label), projects[0] if projects else None)
    for p in ([project] if project else []) + list(projects):
        anchor = p.get("anchor") or (p.get("manifests") or [None])[0]
        if anchor:
            return str(anchor), True
    return "README.md", True


def _uri(path: str) -> str:
    return quote(PurePosixPath(path).as_posix().lstrip("/"), safe="/")


def _result(data: dict[str, Any], finding: dict[str, Any], rule_index: int) -> dict[str, Any]:
    path, anchored = result_anchor(data, finding)
    message = _text(finding["message"])
    if anchored:
        where = f"project {finding['project']}" if finding.get("project") else "the repository"
        message += f" (about {_text(where)}, shown on {_text(path)})"
    line = finding.get("line") if not anchored else None
    region: dict[str, Any] = {"startLine": int(line) if line else 1}
    end = finding.get("end_line")
    if line and end and int(end) >= int(line):
        region["endLine"] = int(end)
    if finding.get("snippet") and line:
        region["snippet"] = {"text": _text(finding["snippet"])}
    result: dict[str, Any] = {
        "ruleId": finding["check_id"],
        "ruleIndex": rule_index,
        "level": CI_SEVERITY[finding["severity"]].sarif_level,
        "message": {"text": message},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(str(path)), "uriBaseId": "%SRCROOT%"},
                                            "region": region}}],
        "partialFingerprints": {FINGERPRINT_KEY: finding["fingerprint"]},
        "properties": {"severity": finding["severity"], "confidence": finding["confidence"]},
    }
    if finding.get("project"):
        result["properties"]["project"] = finding["project"]
    change = finding.get("change")
    if change in ("new", "unchanged"):
        result["baselineState"] = change
    return result


def _notifications(data: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {"level": "error", "message": {"text": _text(f"plugin failed to load: {e}")}, "descriptor": {"id": "auditor/plugin-error"}}
        for e in data.get("plugin_errors") or []
    ]
    reg = data.get("regression")
    if isinstance(reg, dict) and reg.get("regressed"):
        out += [{"level": "warning", "message": {"text": _text(f"regression: {r}")}, "descriptor": {"id": "auditor/regression"}}
                for r in reg.get("reasons") or []]
    for check in data["checks"]:
        if check["status"] == "error":
            project = f" (project {check['project']})" if check.get("project") else ""
            out.append({"level": "error", "message": {"text": _text(f"{check['id']}{project}: {check['reason']}")},
                        "descriptor": {"id": "auditor/check-error"}, "associatedRule": {"id": check["id"]}})
    return out


def _src_root(data: dict[str, Any]) -> dict[str, Any]:
    path = str(data["target"]["path"]).replace("\\", "/")
    if path.startswith("/"):
        return {"%SRCROOT%": {"uri": "file://" + quote(path.rstrip("/") + "/", safe="/")}}
    return {"%SRCROOT%": {"description": {"text": "The root of the audited repository."}}}


def render_sarif(data: dict[str, Any], *, repository_url: str | None = None) -> str:
    """The SARIF log for a report dictionary. `repository_url` (https://github.com/owner/name) adds
    version control provenance, which the report itself does not know."""
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for check in data["checks"]:
        if check["id"] not in index:
            index[check["id"]] = len(rules)
            rules.append(_rule(check))
    findings = [f for c in data["checks"] for f in c["findings"]]
    findings.sort(key=lambda f: _RANK.get(f["severity"], 9))  # stable: the worst first when capped
    kept = findings[:MAX_RESULTS]
    notifications = _notifications(data)
    if len(findings) > len(kept):
        notifications.append({"level": "warning", "descriptor": {"id": "auditor/results-capped"},
                              "message": {"text": f"{len(findings) - len(kept)} findings of lower severity left out: "
                                                  f"code scanning accepts at most {MAX_RESULTS} results per run"}})
    kept.sort(key=lambda f: (index[f["check_id"]], f.get("project") or "", f.get("path") or "", f.get("line") or 0))
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "auditor",
            "version": str(data["tool"]["version"]),
            "semanticVersion": str(data["tool"]["version"]),
            "informationUri": PROJECT_URL,
            "rules": rules,
        }},
        "originalUriBaseIds": _src_root(data),
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications,
                         "startTimeUtc": _utc(data["generated_at"])}],
        "results": [_result(data, f, index[f["check_id"]]) for f in kept],
        "columnKind": "unicodeCodePoints",
        "properties": {"score": data["score"], "grade": data["grade"], "gatePassed": data["gate"]["passed"],
                       "reportSchemaVersion": data["schema_version"]},
    }
    reg = data.get("regression")
    if isinstance(reg, dict):
        run["properties"]["regression"] = {k: reg.get(k) for k in ("previous", "delta", "regressed", "reasons")}
    target = data["target"]
    if repository_url and target.get("commit"):
        details: dict[str, Any] = {"repositoryUri": repository_url, "revisionId": target["commit"],
                                   "mappedTo": {"uriBaseId": "%SRCROOT%"}}
        if target.get("branch"):
            details["branch"] = target["branch"]
        run["versionControlProvenance"] = [details]
    log = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _utc(stamp: str) -> str:
    """SARIF wants UTC with a Z: 2025-01-02T03:04:05+00:00 -> 2025-01-02T03:04:05Z."""
    return stamp[:-6] + "Z" if stamp.endswith("+00:00") else stamp


class SarifReporter:
    name: ClassVar[str] = "sarif"
    extension: ClassVar[str] = "sarif"

    def __init__(self, forge: Forge | None = None) -> None:
        self.forge = forge or Forge()

    def render(self, card: Scorecard) -> str:
        return self.render_data(scorecard_to_dict(card))

    def render_data(self, data: dict[str, Any]) -> str:
        return render_sarif(data, repository_url=self.forge.repository_url)
