"""Every score is computed here and nowhere else.

* A check that returns a `Measure` scores ``100 * min(1, value / threshold)``.
* Any other check scores ``100 * Π (1 - w(severity))`` over its findings, with
  w = critical 0.5, high 0.25, medium 0.1, low 0.03, info 0. One high finding gives 75, two give 56.25.
* A category scores the weight-averaged mean of its checks (each check's `weight`, default 1).
* A project scores the weight-averaged mean of its categories (configurable category weights).
* A repository with several projects scores the mean of project scores weighted by code-file count.
* Checks that are not applicable or not available are left out of every mean. A check that errored (crashed,
  timed out, or was not run because the audit's time budget ran out) scores 0 in its category: a failure to
  judge never makes a score better.
* The gate fails when nothing could be scored at all, whatever its thresholds.
* Grade: A >= 90, B >= 80, C >= 70, D >= 60, else F.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from auditor.config import Config
from auditor.model import CheckResult, Effort, Finding, Severity, Status

__all__ = [
    "FINDING_WEIGHTS",
    "CategoryScore",
    "Gate",
    "Recommendation",
    "category_scores",
    "check_score",
    "evaluate_gate",
    "grade",
    "overall_score",
    "recommendations",
]

FINDING_WEIGHTS: dict[Severity, float] = {
    Severity.CRITICAL: 0.5,
    Severity.HIGH: 0.25,
    Severity.MEDIUM: 0.1,
    Severity.LOW: 0.03,
    Severity.INFO: 0.0,
}

FORMULA = (
    "Check score: a measured check (coverage, typing) scores 100 x min(1, value / threshold); any other "
    "check scores 100 x the product of (1 - w) over its findings, w = critical 0.5, high 0.25, medium 0.1, "
    "low 0.03, info 0. Category = weighted mean of its checks; overall = weighted mean of categories "
    "(category weights from configuration); checks that are not applicable or not available are left out, and a "
    "check that errored or was not run scores 0 in its category. The gate fails when nothing could be scored. "
    "Grade: A >= 90, B >= 80, C >= 70, D >= 60, F below."
)


@dataclass(frozen=True, slots=True)
class CategoryScore:
    name: str
    score: float
    weight: float
    checks: int  # how many scored checks it averages


@dataclass(frozen=True, slots=True)
class Gate:
    passed: bool
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Recommendation:
    check_id: str
    title: str
    category: str
    severity: Severity
    effort: Effort
    steps: tuple[str, ...]
    findings: int
    gain: float  # overall score points regained by fixing every finding of this check (re-scored)
    project: str = ""

    @property
    def priority(self) -> float:
        return self.gain / self.effort.cost


def check_score(result: CheckResult) -> float | None:
    """0-100, or None for a check that is left out (not applicable, not available). An error scores 0."""
    if result.status is Status.ERROR:
        return 0.0
    if not result.status.scored:
        return None
    if result.measure is not None:
        if result.measure.threshold <= 0:
            return 100.0
        return round(100.0 * min(1.0, max(0.0, result.measure.value) / result.measure.threshold), 2)
    score = 100.0
    for finding in result.findings:
        score *= 1.0 - FINDING_WEIGHTS[finding.severity]
    return round(score, 2)


def category_scores(results: Iterable[CheckResult], weights: Mapping[str, float]) -> list[CategoryScore]:
    sums: dict[str, tuple[float, float, int]] = {}
    for result in results:
        score = check_score(result)
        if score is None:
            continue
        total, weight, n = sums.get(result.check.category, (0.0, 0.0, 0))
        w = result.check.weight
        sums[result.check.category] = (total + score * w, weight + w, n + 1)
    out = []
    for name, (total, weight, n) in sums.items():
        if weight > 0:
            out.append(CategoryScore(name, round(total / weight, 2), float(weights.get(name, 1.0)), n))
    order = list(weights)
    out.sort(key=lambda c: (order.index(c.name) if c.name in order else len(order), c.name))
    return out


def overall_score(categories: Sequence[CategoryScore]) -> float | None:
    weight = sum(c.weight for c in categories)
    if weight <= 0:
        return None
    return round(sum(c.score * c.weight for c in categories) / weight, 2)


def grade(score: float | None) -> str:
    if score is None:
        return "N/A"
    for letter, bound in (("A", 90), ("B", 80), ("C", 70), ("D", 60)):
        if score >= bound:
            return letter
    return "F"


def evaluate_gate(score: float | None, findings: Iterable[Finding], config: Config) -> Gate:
    reasons: list[str] = []
    gate = config.gate
    if score is None:
        reasons.append("nothing could be scored: every check was not applicable or not available")
    if gate.fail_under is not None and score is not None and score < gate.fail_under:
        reasons.append(f"score {score:.1f} is below the required {gate.fail_under:g}")
    if gate.fail_on is not None:
        bad = [f for f in findings if f.severity.rank >= gate.fail_on.rank]
        if bad:
            worst = max(bad, key=lambda f: f.severity.rank).severity
            reasons.append(
                f"{len(bad)} finding{'s' if len(bad) != 1 else ''} at or above '{gate.fail_on.value}' "
                f"(worst: {worst.value})"
            )
    return Gate(passed=not reasons, reasons=tuple(reasons))


def _fixed(result: CheckResult) -> CheckResult:
    measure = result.measure
    if measure is not None:
        measure = replace(measure, value=max(measure.value, measure.threshold))
    return replace(result, findings=(), measure=measure, status=Status.PASSED)


def recommendations(
    results: Sequence[CheckResult], weights: Mapping[str, float], project: str = ""
) -> list[Recommendation]:
    """One per failed check; the gain is measured by re-scoring with that check fixed."""
    base = overall_score(category_scores(results, weights)) or 0.0
    out = []
    for i, result in enumerate(results):
        if result.status is not Status.FAILED:
            continue
        fixed = [*results[:i], _fixed(result), *results[i + 1 :]]
        after = overall_score(category_scores(fixed, weights)) or 0.0
        severity = max((f.severity for f in result.findings), key=lambda s: s.rank, default=result.check.severity)
        out.append(
            Recommendation(
                check_id=result.check.id,
                title=result.check.title,
                category=result.check.category,
                severity=severity,
                effort=result.check.effort,
                steps=tuple(result.check.remediation),
                findings=len(result.findings),
                gain=round(after - base, 2),
                project=project,
            )
        )
    out.sort(key=lambda r: (-r.priority, -r.severity.rank, r.check_id))
    return out
