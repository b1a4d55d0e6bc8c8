"""What every reporter shares: the scorecard as one plain dictionary (the JSON report's schema),
the reporter interface, and atomic file writing."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar, Protocol

from auditor import __version__
from auditor.engine import ProjectCard, Scorecard, _to_jsonable
from auditor.model import CheckResult, Finding, JSONValue, Severity
from auditor.redact import redact
from auditor.scoring import FINDING_WEIGHTS, FORMULA, CategoryScore, category_scores, check_score

__all__ = ["SCHEMA_VERSION", "Reporter", "finding_to_dict", "scorecard_to_dict", "write_atomic"]

SCHEMA_VERSION = "1.0"


class Reporter(Protocol):
    name: ClassVar[str]
    extension: ClassVar[str]

    def render(self, card: Scorecard) -> str: ...


def finding_to_dict(f: Finding, project: str = "") -> dict[str, Any]:
    return {
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


def _check_to_dict(r: CheckResult, project: str) -> dict[str, Any]:
    return {
        "id": r.check.id,
        "title": r.check.title,
        "category": r.check.category,
        "severity": r.check.severity.value,
        "effort": r.check.effort.value,
        "status": r.status.value,
        "score": check_score(r),
        "reason": redact(r.reason),
        "measure": None if r.measure is None else {
            "name": r.measure.name, "value": round(r.measure.value, 2),
            "threshold": r.measure.threshold, "unit": r.measure.unit,
        },
        "metrics": _redact_strings(_to_jsonable(dict(r.metrics))),
        "rationale": r.check.rationale,
        "remediation": list(r.check.remediation),
        "project": project,
        "duration_seconds": round(r.duration, 4),
        "findings": [finding_to_dict(f, project) for f in r.findings],
    }


def _categories(cats: Iterable[CategoryScore]) -> list[dict[str, Any]]:
    return [{"name": c.name, "score": c.score, "weight": c.weight, "checks": c.checks} for c in cats]


def _project_to_dict(p: ProjectCard) -> dict[str, Any]:
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


def scorecard_to_dict(card: Scorecard) -> dict[str, Any]:
    single = len(card.projects) == 1
    checks = [_check_to_dict(r, "" if single else p.project.label) for p in card.projects for r in p.results]
    if single:
        facts = _redact_strings(card.projects[0].facts)
        categories = _categories(card.projects[0].categories)
    else:
        facts = {"files": {"total": len(card.repo.files)}}
        categories = _categories(category_scores(card.results, card.config.weights))
    git = card.repo.git
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "auditor", "version": __version__},
        "target": {
            "path": str(card.target),
            "commit": git.commit if git else None,
            "branch": git.branch if git else None,
            "dirty": git.dirty if git else None,
        },
        "generated_at": card.started_at.isoformat(timespec="seconds"),
        "duration_seconds": round(card.duration, 3),
        "timings": dict(card.timings),
        "score": card.score,
        "grade": card.grade,
        "gate": {
            "passed": card.gate.passed,
            "reasons": list(card.gate.reasons),
            "fail_under": card.config.gate.fail_under,
            "fail_on": card.config.gate.fail_on.value if card.config.gate.fail_on else None,
        },
        "severity_counts": card.severity_counts(),
        "facts": facts,
        "categories": categories,
        "checks": checks,
        "recommendations": [
            {
                "check_id": r.check_id, "title": r.title, "category": r.category, "severity": r.severity.value,
                "effort": r.effort.value, "steps": list(r.steps), "findings": r.findings, "gain": r.gain,
                "project": "" if single else r.project,
            }
            for r in card.recommendations
        ],
        "projects": [_project_to_dict(p) for p in card.projects],
        "files": {"audited": len(card.repo.files), "skipped": dict(sorted(card.repo.skipped.items()))},
        "problems": [p.to_json() for p in card.problems],
        "plugin_errors": list(card.plugin_errors),
        "scoring": {
            "formula": FORMULA,
            "finding_weights": {s.value: FINDING_WEIGHTS[s] for s in Severity},
            "category_weights": dict(card.config.weights),
            "grades": {"A": 90, "B": 80, "C": 70, "D": 60, "F": 0},
        },
    }


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


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_safe(text: str) -> str:
    """Text from the target with control characters (ANSI escapes, carriage returns) made visible."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", redact(text))
