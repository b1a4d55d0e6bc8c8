"""What every reporter shares: the scorecard as one plain dictionary (the JSON report's schema),
the reporter interface, and atomic file writing."""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol

from auditor import __version__
from auditor.engine import FALLBACK_LISTED, ProjectCard, Scorecard, _to_jsonable
from auditor.model import CheckResult, Finding, JSONValue, Severity
from auditor.redact import redact, shown_text, stored_text
from auditor.repo import Repository
from auditor.scoring import (
    CHECK_BOUND_SLACK,
    FINDING_WEIGHTS,
    FORMULA,
    SIZE_UNIT,
    CategoryScore,
    Recommendation,
    Regression,
    check_score,
    repository_categories,
    source_lines_of,
)
from reports.links import remote_dict

__all__ = [
    "CI_SEVERITY",
    "SCHEMA_VERSION",
    "CiSeverity",
    "Reporter",
    "anchor_path",
    "finding_to_dict",
    "notices",
    "regression_to_dict",
    "render_report",
    "scorecard_to_dict",
    "terminal_safe",
    "write_atomic",
]

SCHEMA_VERSION = "1.4"


class Reporter(Protocol):
    """A reporter renders a scorecard. One that also has `render_data(report_dict) -> str` can re-render a
    saved report.json (`auditor report`); every built-in reporter does, and `render` is `render_data` of
    `scorecard_to_dict(card)`."""

    name: ClassVar[str]
    extension: ClassVar[str]

    def render(self, card: Scorecard) -> str: ...


@dataclass(frozen=True, slots=True)
class CiSeverity:
    """How one of our severities reads in the formats CI systems consume."""

    sarif_level: str  # SARIF result.level and rule defaultConfiguration.level
    gitlab: str  # GitLab Code Quality severity: info, minor, major, critical, blocker
    security_severity: str | None  # GitHub code scanning's 0.1-10 score, for rules tagged "security"
    annotation: str  # GitHub workflow command: error, warning, notice


# The one table from our severities to SARIF, GitLab and GitHub (GitHub reads security-severity > 9.0 as
# critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low).
CI_SEVERITY: dict[str, CiSeverity] = {
    "critical": CiSeverity("error", "blocker", "9.5", "error"),
    "high": CiSeverity("error", "critical", "8.0", "error"),
    "medium": CiSeverity("warning", "major", "5.5", "warning"),
    "low": CiSeverity("note", "minor", "2.0", "notice"),
    "info": CiSeverity("note", "info", None, "notice"),
}


def render_report(reporter: Any, data: dict[str, Any], card: Scorecard | None = None) -> str:
    """One reporter's text for a report dictionary (or, for a third-party reporter that only knows
    scorecards, for `card`). Raises ValueError when a saved report cannot be rendered by `reporter`."""
    render_data = getattr(reporter, "render_data", None)
    if callable(render_data):
        return str(render_data(data))
    if card is None:
        raise ValueError(f"the {reporter.name!r} reporter renders only live audits, not a saved report")
    return str(reporter.render(card))


def finding_to_dict(f: Finding, project: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {
        "check_id": f.check_id,
        "severity": f.severity.value,
        "confidence": f.confidence.value,
        "message": redact(f.message),
        "path": f.path,
        "line": f.line,
        "end_line": f.end_line,
        "snippet": redact(f.snippet),
        "fingerprint": f.fingerprint,
        "project": project,
    }
    if f.content_fingerprint:
        out["content_fingerprint"] = f.content_fingerprint
    if f.change:
        out["change"] = f.change
    return out


def _check_to_dict(r: CheckResult, project: str, source_lines: int | None = None) -> dict[str, Any]:
    return {
        "id": r.check.id,
        "title": r.check.title,
        "category": r.check.category,
        "severity": r.check.severity.value,
        "effort": r.check.effort.value,
        "status": r.status.value,
        "score": check_score(r, source_lines),
        "reason": redact(r.reason),
        "measure": None if r.measure is None else {
            "name": r.measure.name, "value": round(r.measure.value, 2),
            "threshold": r.measure.threshold, "unit": r.measure.unit,
        },
        "metrics": _redact_strings(_to_jsonable(dict(r.metrics))),
        "rationale": r.check.rationale,
        "remediation": list(r.check.remediation),
        "tags": list(r.check.tags),
        "help_url": r.check.help_url,
        "confidence": r.check.confidence.value,
        "weight": r.check.weight,
        "project": project,
        "duration_seconds": round(r.duration, 4),
        "findings": [finding_to_dict(f, project) for f in r.findings],
    }


def _categories(cats: Iterable[CategoryScore]) -> list[dict[str, Any]]:
    return [{"name": c.name, "score": c.score, "weight": c.weight, "checks": c.checks, "limited_by": c.limited_by}
            for c in cats]


_READMES = ("README.md", "README.rst", "README.txt", "README", "readme.md", "Readme.md")


def anchor_path(project_path: str, manifests: Sequence[str], files: Iterable[str]) -> str | None:
    """The file a finding about a whole project is attached to where a format needs a file (SARIF, GitLab):
    the project's manifest, else its README, else the repository's README, else its first file."""
    if manifests:
        return manifests[0]
    names = set(files)
    prefix = f"{project_path}/" if project_path and project_path != "." else ""
    for base in dict.fromkeys((prefix, "")):
        for readme in _READMES:
            if base + readme in names:
                return base + readme
    inside = sorted(n for n in names if n.startswith(prefix))
    return inside[0] if inside else None


def _recommendation_to_dict(r: Recommendation, single: bool) -> dict[str, Any]:
    return {
        "check_id": r.check_id, "title": r.title, "category": r.category, "severity": r.severity.value,
        "effort": r.effort.value, "steps": list(r.steps), "findings": r.findings, "gain": r.gain,
        "project": "" if single else r.project,
        "projects": [] if single else list(r.projects or ((r.project,) if r.project else ())),
        "commands": [{"project": "" if single else c.project, "folder": c.folder or ".", "command": c.command,
                      "text": c.text} for c in r.commands],
    }


def _project_to_dict(p: ProjectCard, repo: Repository) -> dict[str, Any]:
    applied = sorted({r.check.category for r in p.results if r.status.scored})
    return {
        "path": p.project.path or ".",
        "name": p.project.label,
        "kind": p.project.kind,
        "manifests": list(p.project.manifests),
        "languages": dict(sorted(p.languages.items())),
        "score": p.score,
        "grade": p.grade,
        "categories": _categories(p.categories),
        "standards_applied": applied,
        "facts": _redact_strings(p.facts),
        "checks": [r.check.id for r in p.results],
        "anchor": p.anchor if p.anchor is not None else anchor_path(p.project.path, p.project.manifests,
                                                                    (f.path for f in repo.files)),
    }


def _redact_strings(value: JSONValue) -> JSONValue:
    """Every string in facts passes through redaction too: facts quote paths and values from the target."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _redact_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_strings(v) for v in value]
    return value


def regression_to_dict(regression: Regression, data: dict[str, Any]) -> dict[str, Any]:
    """The `regression` key: the previous audit of the branch, the score delta, the new findings (as the
    report's own finding dicts) and why it is a regression (no reasons: it is not one)."""
    new = {f.fingerprint for f in regression.new_findings}
    prev = regression.previous
    return {
        "previous": {"commit": prev.commit, "date": prev.date, "score": prev.score},
        "delta": regression.delta,
        "regressed": regression.regressed,
        "reasons": list(regression.reasons),
        "new_findings": [f for c in data["checks"] for f in c["findings"] if f["fingerprint"] in new],
    }


def scorecard_to_dict(card: Scorecard, *, regression: Regression | None = None,
                      history: Sequence[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The JSON report. `regression` (against the previous audit of the branch) and `history` (the trend,
    oldest first, as `publishers.history` stores it) are there when the audit was run with `--history`."""
    data = _scorecard_to_dict(card)
    gate = card.config.gate
    data["gate"].update(max_drop=gate.max_drop, regression_severity=gate.regression_severity.value,
                        fail_on_regression=gate.fail_on_regression)
    if regression is not None:
        data["regression"] = regression_to_dict(regression, data)
    if history is not None:
        data["history"] = list(history)
    if card.diff is not None:
        data["gate"]["fail_under_delta"] = gate.fail_under_delta
        data["diff"] = _stored(card.diff.to_json(finding_to_dict))
    return data


def _repository_file_facts(card: Scorecard) -> dict[str, Any]:
    """The repository's `files` facts when it holds several projects: its total, and the projects' (disjoint) counts
    of files by parser and files read by a fallback parser, joined."""
    out: dict[str, Any] = {"total": card.files_audited if card.files_audited is not None else len(card.repo.files)}
    parsers: Counter[str] = Counter()
    fallback: dict[str, str] = {}
    seen = False
    for p in card.projects:
        files = p.facts.get("files")
        if not isinstance(files, dict) or "parsers" not in files:
            continue
        seen = True
        parsers.update(files["parsers"])
        fallback.update(files.get("parsed_by_fallback", {}))
    if seen:
        out["parsers"] = dict(sorted(parsers.items()))
        out["parsed_by_fallback"] = dict(sorted(fallback.items())[:FALLBACK_LISTED])
    return out


def _scorecard_to_dict(card: Scorecard) -> dict[str, Any]:
    single = len(card.projects) == 1
    checks = [_check_to_dict(r, "" if single else p.project.label, source_lines_of(p.facts))
              for p in card.projects for r in p.results]
    audited = card.files_audited if card.files_audited is not None else len(card.repo.files)
    facts = _redact_strings(card.projects[0].facts) if single else {"files": _repository_file_facts(card)}
    categories = _categories(repository_categories(card))
    git = card.repo.git
    out = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "auditor", "version": __version__},
        "target": {
            "path": str(card.target),
            "commit": git.commit if git else None,
            "branch": git.branch if git else None,
            "dirty": git.dirty if git else None,
            "git_error": card.repo.git_error,
            "ref": card.ref,
            "remote": _remote(card, checks),
        },
        "generated_at": card.started_at.isoformat(timespec="seconds"),
        "duration_seconds": round(card.duration, 3),
        "timings": dict(card.timings),
        "analysis": dict(card.analysis),
        "score": card.score,
        "grade": card.grade,
        "gate": {
            "passed": card.gate.passed,
            "reasons": list(card.gate.reasons),
            "fail_under": card.config.gate.fail_under,
            "fail_on": card.config.gate.fail_on.value if card.config.gate.fail_on else None,
        },
        "severity_counts": card.severity_counts(),
        "checklist": [item.to_json() for item in card.checklist],
        "facts": facts,
        "categories": categories,
        "checks": checks,
        "recommendations": [_recommendation_to_dict(r, single) for r in card.recommendations],
        "recommendations_no_score_change": [_recommendation_to_dict(r, single) for r in card.no_score_change],
        "projects": [_project_to_dict(p, card.repo) for p in card.projects],
        "files": {"audited": audited, "skipped": dict(sorted(card.repo.skipped.items()))},
        "problems": [p.to_json() for p in card.problems],
        "plugin_errors": list(card.plugin_errors),
        "scoring": {
            "formula": FORMULA,
            "finding_weights": {s.value: FINDING_WEIGHTS[s] for s in Severity},
            "size_unit_lines": SIZE_UNIT,
            "check_bounds": {s.value: CHECK_BOUND_SLACK[s] for s in Severity if s in CHECK_BOUND_SLACK},
            "project_weight": "source_lines" if all(source_lines_of(p.facts) is not None for p in card.projects)
            else "code_files",
            "category_weights": dict(card.config.weights),
            "grades": {"A": 90, "B": 80, "C": 70, "D": 60, "F": 0},
        },
        "limits": {
            "audit_timeout": card.limits.audit_timeout,
            "check_timeout": card.config.check_timeout,
            "exhausted": card.limits.exhausted,
            "files_not_scanned": card.limits.files_not_scanned,
            "files_not_parsed": card.limits.files_not_parsed,
            "checks_not_run": card.limits.checks_not_run,
            "checks_stopped": card.limits.checks_stopped,
        },
        "notices": notices(card),
        "suppressions": [s.to_json(finding_to_dict) for s in card.triage.suppressions],
        "triage": {
            "suppressed": card.triage.suppressed,
            "baselined": len(card.triage.baseline.hidden) if card.triage.baseline else 0,
            "suppressions": len(card.triage.suppressions) + card.triage.suppressions_not_listed,
            "suppressions_not_listed": card.triage.suppressions_not_listed,
            "expired_suppressions": len(card.triage.expired()),
        },
    }
    if card.triage.baseline is not None:
        out["baseline"] = card.triage.baseline.to_json(finding_to_dict)
    stored = _stored(out)
    assert isinstance(stored, dict)
    return stored


def _remote(card: Scorecard, checks: list[dict[str, Any]]) -> dict[str, Any] | None:
    """`target.remote`: the forge address of remote.origin.url, and the files with findings whose work-tree copy
    is not the audited commit's (modified or untracked: a link would show other lines). None outside git."""
    git = card.repo.git
    if git is None or not git.commit:
        return None
    changed: set[str] = set()
    if card.ref is None and git.dirty is not None:  # --ref audits the commit's own files; dirty None: not known
        clean = card.repo.blobs
        changed = {str(f["path"]) for c in checks for f in c["findings"] if f.get("path") and f["path"] not in clean}
    return remote_dict(git.remote, git.commit, git.prefix, sorted(changed))


# Our own text (a check's declaration, the formula): never from the target, so never rewritten.
_OWN_TEXT = frozenset({"rationale", "remediation", "steps", "title", "formula"})


def _stored(value: Any, key: str = "") -> Any:
    """Every string of the report that may come from the target (paths, branch, project names and labels,
    manifests, reasons, facts, messages) passes through `stored_text`: nothing a target holds leaks as is."""
    if isinstance(value, str):
        return value if key in _OWN_TEXT else stored_text(value)
    if isinstance(value, dict):
        return {stored_text(str(k)): _stored(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_stored(v, key) for v in value]
    return value


def notices(card: Scorecard) -> list[str]:
    """What every report states about how the audit was limited: git not used, the time budget, caps."""
    out: list[str] = []
    if card.repo.git_error:
        out.append(f"git was not used ({card.repo.git_error}); the files were listed by walking the folder")
    out += card.limits.cut()
    security = card.projects[0].facts.get("security") if card.projects else None
    history = security.get("history") if isinstance(security, dict) else None
    if isinstance(history, dict) and history.get("error"):
        out.append(f"the git history was not scanned: {history['error']}")
    elif isinstance(history, dict) and history.get("truncated"):
        out.append(f"the git history scan is incomplete ({history.get('commits')} commits, {history.get('blobs')} file "
                   f"versions read in {history.get('seconds')}s): {history.get('reason')}")
    return out


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file in the same folder and a rename: a reader sees
    the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def terminal_safe(text: str) -> str:
    """Text from the target for the terminal: secrets masked, controls (ANSI escapes, carriage returns, line
    breaks), bidi and zero-width characters made visible (auditor.redact.shown_text)."""
    return shown_text(text)
