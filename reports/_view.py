"""The view both human-readable reports render: the JSON report dictionary regrouped for reading.

Everything here reads only `scorecard_to_dict(card)`, so the HTML, Markdown and JSON reports agree.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "SEVERITIES",
    "STATUS_LABELS",
    "CheckGroup",
    "LatencyTable",
    "ReportView",
    "build_view",
    "fact_sections",
    "fact_value",
    "finding_place",
    "latency_tables",
    "visible_text",
]

SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low", "info")
_RANK = {s: 4 - i for i, s in enumerate(SEVERITIES)}

STATUS_LABELS: dict[str, str] = {
    "passed": "passed",
    "failed": "failed",
    "not_applicable": "not applicable",
    "not_available": "not available",
    "error": "error",
}

# Control characters and bidirectional overrides ("Trojan Source") from the target are shown, not obeyed.
_INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def visible_text(text: str) -> str:
    """`text` with control and bidi-override characters replaced by a visible `\\xNN`/`\\uNNNN` escape."""

    def show(m: re.Match[str]) -> str:
        code = ord(m.group(0))
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _INVISIBLE.sub(show, text)


@dataclass(frozen=True)
class CheckGroup:
    """One check and the findings it reported (all of them; reporters cap what they show)."""

    check: dict[str, Any]
    findings: list[dict[str, Any]]
    worst: str

    @property
    def project(self) -> str:
        return str(self.check.get("project") or "")


@dataclass(frozen=True)
class ReportView:
    data: dict[str, Any]
    groups: list[CheckGroup]  # checks with findings, worst first
    unscored: list[dict[str, Any]]  # not applicable, not available, error
    passed: list[dict[str, Any]]  # passed without findings
    finding_counts: dict[str, int]  # per severity, same as data["severity_counts"]
    total_findings: int
    categories_in_findings: list[str]
    multi_project: bool
    skipped_total: int
    check_index: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def score_text(self) -> str:
        score = self.data["score"]
        return "n/a" if score is None else f"{score:.1f}"


def _worst(findings: list[dict[str, Any]], default: str) -> str:
    return max((f["severity"] for f in findings), key=lambda s: _RANK.get(s, -1), default=default)


def build_view(data: dict[str, Any]) -> ReportView:
    """Regroup the report dictionary: findings by check (worst first), checks by outcome."""
    groups: list[CheckGroup] = []
    unscored: list[dict[str, Any]] = []
    passed: list[dict[str, Any]] = []
    categories: Counter[str] = Counter()
    for check in data["checks"]:
        findings = list(check["findings"])
        if findings:
            findings.sort(key=lambda f: (-_RANK.get(f["severity"], -1), f["path"] or "", f["line"] or 0, f["message"]))
            groups.append(CheckGroup(check, findings, _worst(findings, check["severity"])))
            categories[check["category"]] += len(findings)
        elif check["status"] in ("not_applicable", "not_available", "error"):
            unscored.append(check)
        else:
            passed.append(check)
    groups.sort(key=lambda g: (-_RANK.get(g.worst, -1), -len(g.findings), g.check["id"], g.project))
    order = {"error": 0, "not_available": 1, "not_applicable": 2}
    unscored.sort(key=lambda c: (order.get(c["status"], 3), c["id"], c["project"]))
    counts = {s: int(data["severity_counts"].get(s, 0)) for s in SEVERITIES}
    return ReportView(
        data=data,
        groups=groups,
        unscored=unscored,
        passed=passed,
        finding_counts=counts,
        total_findings=sum(len(g.findings) for g in groups),
        categories_in_findings=sorted(categories),
        multi_project=len(data["projects"]) > 1,
        skipped_total=sum(data["files"]["skipped"].values()),
        check_index={c["id"]: c for c in data["checks"]},
    )


MAX_FACT_ITEMS = 8
MAX_FACT_CHARS = 300


def _scalar(value: object) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def fact_value(value: object) -> str:
    """One fact as a short line of plain text: lists joined, one level of mapping spelled out, capped."""
    if isinstance(value, list | tuple):
        items = [_scalar(v) for v in value[:MAX_FACT_ITEMS]]
        text = ", ".join(items) if items else "none"
        if len(value) > MAX_FACT_ITEMS:
            text += f" (+{len(value) - MAX_FACT_ITEMS} more)"
    elif isinstance(value, dict):
        pairs = [f"{k}: {_scalar(v)}" for k, v in list(value.items())[:MAX_FACT_ITEMS]]
        text = "; ".join(pairs) if pairs else "none"
        if len(value) > MAX_FACT_ITEMS:
            text += f" (+{len(value) - MAX_FACT_ITEMS} more)"
    else:
        text = _scalar(value)
    return text if len(text) <= MAX_FACT_CHARS else text[: MAX_FACT_CHARS - 1] + "…"


def fact_sections(facts: dict[str, Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    """(family, [(fact, text)]) for every fact collector, `files` first, then by name."""
    names = sorted(facts, key=lambda n: (n != "files", n))
    out = []
    for name in names:
        value = facts[name]
        rows = [(str(k), fact_value(v)) for k, v in value.items()] if isinstance(value, dict) else [("value", fact_value(value))]
        out.append((name, rows))
    return out


MAX_LATENCY_ROWS = 50


@dataclass(frozen=True)
class LatencyTable:
    """The live API's latency per operation (facts.api.latency) of one project, slowest p95 first."""

    project: str  # label; empty when the repository has one project
    budget_ms: float | None
    rows: list[dict[str, Any]]
    more: int  # rows left out


def latency_tables(data: dict[str, Any]) -> list[LatencyTable]:
    """A table for every project whose facts hold `api.latency` rows (the live API phase ran for it)."""
    multi = len(data["projects"]) > 1
    out = []
    for project in data["projects"]:
        api = project.get("facts", {}).get("api")
        rows = api.get("latency") if isinstance(api, dict) else None
        if not isinstance(rows, list) or not rows:
            continue
        budget = api.get("p95_budget_ms")
        budget = float(budget) if isinstance(budget, int | float) and not isinstance(budget, bool) else None
        good = [r for r in rows if isinstance(r, dict) and isinstance(r.get("p95_ms"), int | float)]
        good.sort(key=lambda r: (-float(r["p95_ms"]), str(r.get("operation", ""))))
        shown = [{**r, "over_budget": bool(r.get("over_budget", budget is not None and r["p95_ms"] > budget))}
                 for r in good[:MAX_LATENCY_ROWS]]
        out.append(LatencyTable(str(project["name"]) if multi else "", budget, shown, len(good) - len(shown)))
    return out


def finding_place(finding: dict[str, Any]) -> str:
    """Where a finding is: its file, or for a finding about a whole project, that project."""
    if finding.get("path"):
        return str(finding["path"])
    return f"(project {finding['project']})" if finding.get("project") else "(repository)"
