"""GitLab Code Quality (`report.gitlab.json`): the subset of the Code Climate issue format GitLab reads.

Each finding is an issue with `description`, `check_name`, `fingerprint` (ours, unique in the report),
`severity` on GitLab's scale (from the one severity table, `reports.base.CI_SEVERITY`) and
`location.path` / `location.lines.begin`. A finding about a whole project is attached to the project's
manifest or README, as in SARIF; a plugin that failed to load is an issue too, since it can move the score.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, ClassVar

from auditor.engine import Scorecard
from auditor.redact import redact
from reports._view import visible_text
from reports.base import CI_SEVERITY, scorecard_to_dict
from reports.sarif import result_anchor

__all__ = ["GitlabReporter", "render_gitlab"]

# Code Climate's categories, which GitLab shows beside an issue.
_CATEGORIES = {
    "security": "Security", "error-handling": "Bug Risk", "testing": "Bug Risk", "database": "Bug Risk",
    "api": "Compatibility", "typing": "Clarity", "maintainability": "Complexity", "operability": "Clarity",
}


def _text(value: object) -> str:
    return visible_text(redact(str(value)))


def render_gitlab(data: dict[str, Any]) -> str:
    """The Code Quality report (a JSON array) for a report dictionary."""
    issues: list[dict[str, Any]] = []
    seen: set[str] = set()

    def unique(fingerprint: str) -> str:
        candidate, n = fingerprint, 1
        while candidate in seen:
            candidate, n = f"{fingerprint}-p{n}", n + 1
        seen.add(candidate)
        return candidate

    for check in data["checks"]:
        for f in check["findings"]:
            path, anchored = result_anchor(data, f)
            description = _text(f["message"])
            if anchored:
                description += f" (project {_text(f['project'])})" if f.get("project") else " (repository)"
            issues.append({
                "type": "issue",
                "description": description,
                "check_name": f["check_id"],
                "fingerprint": unique(str(f["fingerprint"])),
                "severity": CI_SEVERITY[f["severity"]].gitlab,
                "categories": [_CATEGORIES.get(check["category"], "Bug Risk")],
                "location": {"path": path, "lines": {"begin": int(f["line"]) if f.get("line") and not anchored else 1}},
            })
    for error in data.get("plugin_errors") or []:
        path, _ = result_anchor(data, {"path": None, "project": ""})
        digest = hashlib.sha256(str(error).encode("utf-8", "surrogatepass")).hexdigest()[:20]
        issues.append({
            "type": "issue",
            "description": _text(f"a plugin failed to load, so its checks did not run: {error}"),
            "check_name": "auditor/plugin-error",
            "fingerprint": unique(digest),
            "severity": CI_SEVERITY["high"].gitlab,
            "categories": ["Bug Risk"],
            "location": {"path": path, "lines": {"begin": 1}},
        })
    reg = data.get("regression")
    if isinstance(reg, dict) and reg.get("regressed"):
        path, _ = result_anchor(data, {"path": None, "project": ""})
        for reason in reg.get("reasons") or []:
            kind = "score-drop" if str(reason).startswith("score dropped") else "new-findings"
            issues.append({
                "type": "issue",
                "description": _text(f"regression against the previous audit of the branch: {reason}"),
                "check_name": "auditor/regression",
                "fingerprint": unique(hashlib.sha256(f"regression\x1f{kind}".encode()).hexdigest()[:20]),
                "severity": CI_SEVERITY["medium"].gitlab,
                "categories": ["Bug Risk"],
                "location": {"path": path, "lines": {"begin": 1}},
            })
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"


class GitlabReporter:
    name: ClassVar[str] = "gitlab"
    extension: ClassVar[str] = "gitlab.json"

    def render(self, card: Scorecard) -> str:
        return self.render_data(scorecard_to_dict(card))

    def render_data(self, data: dict[str, Any]) -> str:
        return render_gitlab(data)
