"""The view both human-readable reports render: the JSON report dictionary regrouped for reading.

Everything here reads only `scorecard_to_dict(card)`, so the HTML, Markdown and JSON reports agree.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from auditor.redact import shown_text

__all__ = [
    "CHECKLIST_LABELS",
    "SEVERITIES",
    "STATUS_LABELS",
    "CheckGroup",
    "ChecklistRow",
    "LatencyTable",
    "ReportView",
    "build_view",
    "check_anchor",
    "display_data",
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

CHECKLIST_LABELS: dict[str, str] = {
    "passed": "passed",
    "failed": "failed",
    "not_applicable": "not applicable",
    "not_checked_yet": "not checked yet",
}


def visible_text(text: str) -> str:
    """`text` with secrets masked and control, bidi and zero-width characters replaced by a visible escape
    (line breaks kept); see auditor.redact.shown_text."""
    return shown_text(text, multiline=True)


# Keys whose values are several lines of the target's text; every other string is shown on one line.
_MULTILINE_KEYS = frozenset({"snippet"})


def display_data(value: Any, key: str = "") -> Any:
    """The report dictionary made safe to show a human: every string (and every key) through `shown_text`, so
    no template or renderer can forget one. Idempotent, like `shown_text`."""
    if isinstance(value, str):
        return shown_text(value, multiline=key in _MULTILINE_KEYS)
    if isinstance(value, dict):
        return {shown_text(str(k)): display_data(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [display_data(v, key) for v in value]
    return value


_ANCHOR_UNSAFE = re.compile(r"[^a-z0-9-]+")


def check_anchor(check_id: str, project: str = "") -> str:
    """The fragment a report's findings of one check (in one project) are linked by: `check-security-cors`."""
    text = f"check-{check_id}" + (f"-{project}" if project else "")
    return _ANCHOR_UNSAFE.sub("-", text.lower()).strip("-")[:120]


@dataclass(frozen=True)
class CheckGroup:
    """One check and the findings it reported (all of them; reporters cap what they show)."""

    check: dict[str, Any]
    findings: list[dict[str, Any]]
    worst: str

    @property
    def project(self) -> str:
        return str(self.check.get("project") or "")

    @property
    def anchor(self) -> str:
        return check_anchor(str(self.check["id"]), self.project)


@dataclass(frozen=True)
class ChecklistRow:
    """One standard of the checklist as a report shows it: its status and links to the findings behind it."""

    item: str
    status: str
    label: str
    check_ids: list[str]
    links: list[tuple[str, str, int]]  # (check id [and project], anchor of its findings, findings)


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
    checklist: list[ChecklistRow] = field(default_factory=list)  # empty for a report written before 1.2

    @property
    def score_text(self) -> str:
        score = self.data["score"]
        return "n/a" if score is None else f"{score:.1f}"


def _worst(findings: list[dict[str, Any]], default: str) -> str:
    return max((f["severity"] for f in findings), key=lambda s: _RANK.get(s, -1), default=default)


def build_view(data: dict[str, Any]) -> ReportView:
    """Regroup the report dictionary (made display-safe first): findings by check (worst first), checks by outcome."""
    data = display_data(data)
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
        checklist=_checklist(data, groups),
    )


def _checklist(data: dict[str, Any], groups: list[CheckGroup]) -> list[ChecklistRow]:
    rows = []
    for entry in data.get("checklist") or []:
        failed = set(entry.get("failed") or [])
        links = [(g.check["id"] + (f" ({g.project})" if g.project else ""), g.anchor, len(g.findings))
                 for g in sorted(groups, key=lambda g: (g.check["id"], g.project)) if g.check["id"] in failed]
        linked = {g.check["id"] for g in groups}
        links += [(check_id, "checks", 0) for check_id in sorted(failed - linked)]  # failed by a measure alone
        status = str(entry.get("status", ""))
        rows.append(ChecklistRow(str(entry.get("item", "")), status, CHECKLIST_LABELS.get(status, status),
                                 [str(i) for i in entry.get("check_ids") or []], links))
    return rows


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
