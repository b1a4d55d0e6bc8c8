"""GitHub workflow commands (`::error file=...,line=...,title=...::message`) that annotate findings on the
pull request's diff and the run page.

Values are escaped as GitHub's toolkit does: `%`, CR and LF in the message; also `:` and `,` in properties,
so nothing from the target can end a property or start a command of its own. GitHub shows at most 10
annotations of each level per step and 50 per job, so the worst findings come first and the count is capped.
"""

from __future__ import annotations

from typing import Any

from auditor.redact import redact
from reports._view import SEVERITIES, visible_text
from reports.base import CI_SEVERITY
from reports.sarif import result_anchor

__all__ = ["MAX_ANNOTATIONS", "escape_data", "escape_property", "workflow_commands"]

MAX_ANNOTATIONS = 50
_RANK = {s: i for i, s in enumerate(SEVERITIES)}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _clean(value: object) -> str:
    return visible_text(redact(str(value)))


def workflow_commands(data: dict[str, Any], min_severity: str = "medium", limit: int = MAX_ANNOTATIONS) -> list[str]:
    """One command per finding at or above `min_severity`, worst first, at most `limit` (then one notice
    saying how many more). When the report classifies findings (`change`), only the new ones."""
    floor = _RANK[min_severity]
    findings = [f for c in data["checks"] for f in c["findings"] if _RANK.get(f["severity"], 9) <= floor]
    if any("change" in f for c in data["checks"] for f in c["findings"]):
        findings = [f for f in findings if f.get("change") == "new"]
    findings.sort(key=lambda f: (_RANK.get(f["severity"], 9), f.get("path") or "", f.get("line") or 0))
    lines = []
    for f in findings[:limit]:
        path, anchored = result_anchor(data, f)
        props = {"file": path}
        if f.get("line") and not anchored:
            props["line"] = str(f["line"])
            if f.get("end_line") and f["end_line"] != f["line"]:
                props["endLine"] = str(f["end_line"])
        props["title"] = f"{f['check_id']} ({f['severity']})"
        prop_text = ",".join(f"{k}={escape_property(_clean(v))}" for k, v in props.items())
        lines.append(f"::{CI_SEVERITY[f['severity']].annotation} {prop_text}::{escape_data(_clean(f['message']))}")
    if len(findings) > limit:
        lines.append(f"::notice title=auditor::{len(findings) - limit} more findings at or above {min_severity} are in the report")
    return lines
