"""A scorecard read back from its JSON report (`Scorecard.from_json`): the inverse of
`reports.base.scorecard_to_dict`, so a saved report can stand for an audit (the base of a pull request,
the previous release for `--compare`, a baseline).

Reports of every 1.x schema are read: a key a report does not have takes its default (a check's weight 1, no
content fingerprints, no suppressions). Everything is taken as stored, never re-scored: the report's scores are
what that audit said.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from auditor.budget import AuditLimits
from auditor.config import Config, GateConfig, parse_fail_on
from auditor.context import Project
from auditor.engine import ProjectCard, Scorecard
from auditor.model import CheckInfo, CheckResult, Effort, Finding, Measure, Severity, Status
from auditor.repo import GitInfo, Repository
from auditor.scoring import CategoryScore, Command, Gate, Recommendation
from auditor.sources import ParseProblem
from auditor.triage import BaselineUse, Comparison, Suppression, TriageOutcome

__all__ = ["scorecard_from_json"]


def _num(value: object, default: float | None = None) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else default


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _result(check: dict[str, Any]) -> CheckResult:
    info = CheckInfo.from_json(check)
    measure = None
    m = check.get("measure")
    if isinstance(m, dict):
        measure = Measure(str(m.get("name", "")), float(m.get("value") or 0.0), float(m.get("threshold") or 0.0),
                          str(m.get("unit", "%")))
    return CheckResult(
        check=info,
        status=Status(str(check.get("status", "passed"))),
        findings=tuple(Finding.from_json(f) for f in _list(check.get("findings"))),
        measure=measure,
        metrics=_dict(check.get("metrics")),
        reason=str(check.get("reason") or ""),
        duration=float(_num(check.get("duration_seconds"), 0.0) or 0.0),
    )


def _categories(rows: object, results: list[CheckResult]) -> tuple[CategoryScore, ...]:
    worst: dict[str, Severity] = {}
    for r in results:
        for f in r.findings:
            if r.check.category not in worst or f.severity.rank > worst[r.check.category].rank:
                worst[r.check.category] = f.severity
    return tuple(CategoryScore(str(c["name"]), float(c["score"]), float(_num(c.get("weight"), 1.0) or 0.0),
                               int(c.get("checks") or 0), worst.get(str(c["name"])), None,
                               str(c["limited_by"]) if isinstance(c.get("limited_by"), str) else None)
                 for c in _list(rows))


def _recommendation(r: dict[str, Any]) -> Recommendation:
    return Recommendation(
        check_id=str(r["check_id"]), title=str(r.get("title", "")), category=str(r.get("category", "")),
        severity=Severity.parse(str(r.get("severity", "info"))), effort=Effort(str(r.get("effort", "medium"))),
        steps=tuple(str(s) for s in _list(r.get("steps"))), findings=int(r.get("findings") or 0),
        gain=float(_num(r.get("gain"), 0.0) or 0.0), project=str(r.get("project") or ""),
        projects=tuple(str(p) for p in _list(r.get("projects"))),
        commands=tuple(Command(str(c.get("project") or ""), "" if c.get("folder") in (None, ".") else str(c["folder"]),
                               str(c.get("command") or "")) for c in _list(r.get("commands")) if isinstance(c, dict)))


def _config(data: dict[str, Any]) -> Config:
    gate = _dict(data.get("gate"))
    scoring = _dict(data.get("scoring"))
    limits = _dict(data.get("limits"))
    defaults = GateConfig()
    fail_on = gate.get("fail_on")
    regression = gate.get("regression_severity")
    gate_config = GateConfig(
        fail_under=_num(gate.get("fail_under")),
        fail_on=parse_fail_on(fail_on) if isinstance(fail_on, str) else None,
        max_drop=float(_num(gate.get("max_drop"), defaults.max_drop) or 0.0),
        regression_severity=Severity.parse(regression) if isinstance(regression, str) else defaults.regression_severity,
        fail_on_regression=bool(gate.get("fail_on_regression", False)),
        fail_under_delta=_num(gate.get("fail_under_delta")),
    )
    weights = {str(k): float(v) for k, v in _dict(scoring.get("category_weights")).items() if _num(v) is not None}
    config = Config(gate=gate_config, source="(report)")
    if weights:
        config = config.with_overrides(weights=weights)
    for key in ("check_timeout", "audit_timeout"):
        value = _num(limits.get(key))
        if value is not None:
            config = config.with_overrides(**{key: value})
    return config


def scorecard_from_json(data: dict[str, Any]) -> Scorecard:
    if not isinstance(data, dict) or "checks" not in data or "projects" not in data:
        raise ValueError("not an auditor report (no checks and projects)")
    target = _dict(data.get("target"))
    files = _dict(data.get("files"))
    git = None
    if target.get("commit") or target.get("branch"):
        git = GitInfo(commit=target.get("commit"), branch=target.get("branch"), dirty=target.get("dirty"))
    repo = Repository(root=Path(str(target.get("path", "."))), skipped=Counter({str(k): int(v) for k, v in
                                                                               _dict(files.get("skipped")).items()}),
                      git=git, git_error=target.get("git_error"))
    projects_json = _list(data.get("projects")) or [{"path": ".", "name": "."}]
    single = len(projects_json) == 1
    by_project: dict[str, list[CheckResult]] = {}
    for check in _list(data.get("checks")):
        by_project.setdefault(str(check.get("project") or ""), []).append(_result(check))
    recommendations = [_recommendation(r) for r in (*_list(data.get("recommendations")),
                                                    *_list(data.get("recommendations_no_score_change")))]
    cards = []
    for p in projects_json:
        path = str(p.get("path") or ".")
        label = str(p.get("name") or path)
        project = Project("" if path == "." else path, kind=str(p.get("kind") or "backend"),
                          manifests=tuple(str(m) for m in _list(p.get("manifests"))), name=label)
        key = "" if single else label
        results = by_project.get(key, [])
        score = _num(p.get("score"))
        cards.append(ProjectCard(
            project=project,
            languages={str(k): int(v) for k, v in _dict(p.get("languages")).items()},
            facts=_dict(p.get("facts")) if p.get("facts") is not None else _dict(data.get("facts")),
            results=tuple(results),
            categories=_categories(p.get("categories"), results),
            score=score,
            grade=str(p.get("grade") or "N/A"),
            recommendations=tuple(r for r in recommendations if single or r.project == label),
            anchor=p.get("anchor") if isinstance(p.get("anchor"), str) else None,
        ))
    gate = _dict(data.get("gate"))
    limits = _dict(data.get("limits"))
    started = data.get("generated_at")
    try:
        started_at = datetime.fromisoformat(str(started)) if started else datetime.now(UTC)
    except ValueError:
        started_at = datetime.now(UTC)
    config = _config(data)
    baseline = data.get("baseline")
    diff = data.get("diff")
    return Scorecard(
        target=Path(str(target.get("path", "."))),
        repo=repo,
        projects=tuple(cards),
        score=_num(data.get("score")),
        grade=str(data.get("grade") or "N/A"),
        gate=Gate(passed=bool(gate.get("passed", False)), reasons=tuple(str(r) for r in _list(gate.get("reasons")))),
        problems=tuple(ParseProblem(str(p.get("path", "")), str(p.get("kind", "")), str(p.get("message", "")))
                       for p in _list(data.get("problems"))),
        plugin_errors=tuple(str(e) for e in _list(data.get("plugin_errors"))),
        started_at=started_at,
        duration=float(_num(data.get("duration_seconds"), 0.0) or 0.0),
        config=config,
        timings={str(k): float(v) for k, v in _dict(data.get("timings")).items()},
        analysis={str(k): int(v) for k, v in _dict(data.get("analysis")).items()},
        limits=AuditLimits(
            audit_timeout=float(_num(limits.get("audit_timeout"), config.audit_timeout) or 0.0),
            exhausted=bool(limits.get("exhausted", False)),
            files_not_scanned=int(limits.get("files_not_scanned") or 0),
            files_not_parsed=int(limits.get("files_not_parsed") or 0),
            checks_not_run=int(limits.get("checks_not_run") or 0),
            checks_stopped=int(limits.get("checks_stopped") or 0),
        ),
        triage=TriageOutcome(
            suppressions=tuple(Suppression.from_json(s) for s in _list(data.get("suppressions"))),
            suppressions_not_listed=int(_dict(data.get("triage")).get("suppressions_not_listed") or 0),
            baseline=BaselineUse.from_json(baseline) if isinstance(baseline, dict) else None,
        ),
        diff=Comparison.from_json(diff) if isinstance(diff, dict) else None,
        ref=target.get("ref") if isinstance(target.get("ref"), str) else None,
        files_audited=int(files.get("audited") or 0),
    )
