"""Every score is computed here and nowhere else.

* A check that returns a `Measure` scores ``100 * min(1, value / threshold)``.
* Any other check scores ``100 * Π (1 - w(severity))`` over its findings, with
  w = critical 0.5, high 0.25, medium 0.1, low 0.03, info 0. One high finding gives 75, two give 56.25.
* A category scores the weight-averaged mean of its checks (each check's `weight`, default 1), capped by its worst
  finding: at most 75 while one of its findings is high, at most 50 while one is critical. A category cannot look
  good while its worst failure is serious.
* A project scores the weight-averaged mean of its categories (configurable category weights), at most 60 while any
  finding is critical.
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

from auditor.config import Config, GateConfig
from auditor.model import CheckResult, Effort, Finding, Severity, Status

__all__ = [
    "FINDING_WEIGHTS",
    "CategoryScore",
    "Gate",
    "PreviousAudit",
    "Recommendation",
    "Regression",
    "category_scores",
    "check_score",
    "evaluate_gate",
    "evaluate_regression",
    "gate_with_regression",
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
    "Check score: a measured check (coverage, typing, documented endpoints, complexity) scores 100 x min(1, value /"
    " threshold); any other check scores 100 x the product of (1 - w) over its findings, w = critical 0.5, high "
    "0.25, medium 0.1, low 0.03, info 0. Category = weighted mean of its checks, at most 75 while one of its "
    "findings is high and at most 50 while one is critical; overall = weighted mean of categories (category weights"
    " from configuration), at most 60 while any finding is critical; checks that are not applicable or not "
    "available are left out, and a check that errored or was not run scores 0 in its category. The gate fails when "
    "nothing could be scored. Grade: A >= 90, B >= 80, C >= 70, D >= 60, F below."
)


# A category's score is capped by the worst severity among its findings; a project's by any critical finding.
CATEGORY_CAPS: dict[Severity, float] = {Severity.CRITICAL: 50.0, Severity.HIGH: 75.0}
PROJECT_CAP_CRITICAL = 60.0


@dataclass(frozen=True, slots=True)
class CategoryScore:
    name: str
    score: float
    weight: float
    checks: int  # how many scored checks it averages
    worst: Severity | None = None  # the worst severity among its findings
    mean: float | None = None  # the weighted mean before the cap (None when no cap applied)


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
    worst: dict[str, Severity] = {}
    for result in results:
        score = check_score(result)
        if score is None:
            continue
        category = result.check.category
        total, weight, n = sums.get(category, (0.0, 0.0, 0))
        w = result.check.weight
        sums[category] = (total + score * w, weight + w, n + 1)
        for finding in result.findings:
            if category not in worst or finding.severity.rank > worst[category].rank:
                worst[category] = finding.severity
    out = []
    for name, (total, weight, n) in sums.items():
        if weight > 0:
            mean = round(total / weight, 2)
            cap = CATEGORY_CAPS.get(worst[name]) if name in worst else None
            capped = min(mean, cap) if cap is not None else mean
            out.append(CategoryScore(name, capped, float(weights.get(name, 1.0)), n, worst.get(name),
                                     mean if capped != mean else None))
    order = list(weights)
    out.sort(key=lambda c: (order.index(c.name) if c.name in order else len(order), c.name))
    return out


def overall_score(categories: Sequence[CategoryScore]) -> float | None:
    weight = sum(c.weight for c in categories)
    if weight <= 0:
        return None
    score = round(sum(c.score * c.weight for c in categories) / weight, 2)
    if any(c.worst is Severity.CRITICAL for c in categories):
        score = min(score, PROJECT_CAP_CRITICAL)
    return score


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


@dataclass(frozen=True, slots=True)
class PreviousAudit:
    """What the history remembers of the last audit of a branch: enough to tell a drop and a new finding."""

    commit: str | None
    date: str
    score: float | None
    fingerprints: frozenset[str]  # findings at or above medium


@dataclass(frozen=True, slots=True)
class Regression:
    previous: PreviousAudit
    delta: float | None  # score now minus score then; None when either is n/a
    new_findings: tuple[Finding, ...]  # at or above the configured severity, unknown to the previous audit
    reasons: tuple[str, ...]  # empty: no regression

    @property
    def regressed(self) -> bool:
        return bool(self.reasons)


def evaluate_regression(score: float | None, findings: Iterable[Finding], previous: PreviousAudit,
                        gate: GateConfig) -> Regression:
    """A drop of more than `max_drop` points, or any new finding at or above `regression_severity`."""
    delta = None if score is None or previous.score is None else round(score - previous.score, 2)
    new = tuple(f for f in findings
                if f.severity.rank >= gate.regression_severity.rank and f.fingerprint not in previous.fingerprints)
    since = f"since {previous.commit[:10] if previous.commit else 'the previous audit'} ({previous.date})"
    reasons = []
    if delta is not None and -delta > gate.max_drop:
        reasons.append(f"score dropped {-delta:.2f} points {since} (allowed: {gate.max_drop:g})")
    if new:
        reasons.append(f"{len(new)} new finding{'s' if len(new) != 1 else ''} at or above "
                       f"'{gate.regression_severity.value}' {since}")
    return Regression(previous, delta, new, tuple(reasons))


def gate_with_regression(gate: Gate, regression: Regression | None, config: GateConfig) -> Gate:
    """The gate, failed by a regression when `fail_on_regression` is set."""
    if regression is None or not regression.regressed or not config.fail_on_regression:
        return gate
    reasons = (*gate.reasons, *(f"regression: {r}" for r in regression.reasons))
    return Gate(passed=False, reasons=reasons)


def _fixed(result: CheckResult) -> CheckResult:
    measure = result.measure
    if measure is not None:
        measure = replace(measure, value=max(measure.value, measure.threshold))
    return replace(result, findings=(), measure=measure, status=Status.PASSED)


# A fix that only makes sense after another: coverage needs tests, a spec's quality needs a spec.
PREREQUISITES: dict[str, tuple[str, ...]] = {
    "tests/coverage": ("tests/present",),
    "tests/fixtures": ("tests/present",),
    "tests/property-based": ("tests/present",),
    "tests/failing": ("tests/present",),
    "openapi/spec-valid": ("openapi/spec-present",),
    "openapi/spec-quality": ("openapi/spec-present", "openapi/spec-valid"),
    "openapi/undocumented-endpoint": ("openapi/spec-present",),
    "migrations/alembic-graph": ("migrations/missing",),
    "migrations/django-graph": ("migrations/missing",),
}


def recommendations(
    results: Sequence[CheckResult], weights: Mapping[str, float], project: str = ""
) -> list[Recommendation]:
    """One per failed check, in the order a person would fix them, each gain measured by re-scoring.

    The plan is built greedily: at each step, among the failed checks whose prerequisites (PREREQUISITES) are not
    failing any more, the one with the best gain per unit of effort comes next; its gain is the score after fixing
    it minus the score after the steps before it. The gains add up to the score the whole plan reaches, and a fix
    whose effect is hidden by a worse failure (a low finding beside a critical one) gets its real share once that
    failure is fixed, instead of +0.
    """
    current = list(results)
    score = overall_score(category_scores(current, weights)) or 0.0
    pending = {i for i, r in enumerate(current) if r.status is Status.FAILED}
    out: list[Recommendation] = []
    while pending:
        failing = {current[i].check.id for i in pending}
        ready = [i for i in pending if not any(p in failing for p in PREREQUISITES.get(current[i].check.id, ()))]
        candidates = ready or sorted(pending)
        best: tuple[float, int, float, list[CheckResult]] | None = None
        for i in candidates:
            trial = [*current[:i], _fixed(current[i]), *current[i + 1 :]]
            after = overall_score(category_scores(trial, weights)) or 0.0
            priority = (after - score) / current[i].check.effort.cost
            rank = (priority, current[i].check.severity.rank)
            if best is None or rank > (best[0], current[best[1]].check.severity.rank) or (
                    rank == (best[0], current[best[1]].check.severity.rank) and current[i].check.id < current[best[1]].check.id):
                best = (priority, i, after, trial)
        assert best is not None
        _, i, after, trial = best
        result = current[i]
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
                gain=round(after - score, 2),
                project=project,
            )
        )
        current, score = trial, after
        pending.discard(i)
    return out
