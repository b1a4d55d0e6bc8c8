"""Every score is computed here and nowhere else; `FORMULA` states it for the README and every report.

* A check that returns a `Measure` scores ``100 * min(1, value / threshold)``.
* Any other check scores ``100 * Π (1 - w(severity)) ** (1 / s)`` over its findings in a file (and
  ``Π (1 - w)`` over findings about the whole project, such as "no rate limiting", which no size dilutes), with
  w = critical 0.5, high 0.25, medium 0.1, low 0.03, info 0, and s = max(1, source lines / 10,000): in a project of
  up to 10,000 source lines one high finding gives 75 and two give 56.25; in one of 100,000 lines it takes ten high
  findings to give 75. The score falls with the findings' density, how much of the code they touch, not with
  the project's size.
* A category scores the weight-averaged mean of its checks (each check's `weight`, default 1), capped by its worst
  finding: at most 75 while one of its findings is high, at most 50 while one is critical. Each check scored by
  findings also bounds it by its own score c: at ``c + (100 - c) / 2`` when its worst finding is high or critical,
  ``c + 3 (100 - c) / 4`` when medium or low. A category cannot score well while one of its checks fails widely,
  however many other checks pass; one finding in a large project barely moves the bound.
* A project scores the weight-averaged mean of its categories (configurable category weights), at most 60 while any
  finding is critical.
* A repository with several projects scores the mean of project scores weighted by their source lines, so a
  handful of tiny workspace packages (an ESLint config, a codemod) cannot outweigh the service beside them; each
  repository category is the same weighted mean under the cap of its worst finding in any project.
* Checks that are not applicable or not available are left out of every mean. A check that errored (crashed,
  timed out, or was not run because the audit's time budget ran out) scores 0 in its category: a failure to
  judge never makes a score better.
* The gate fails when nothing could be scored at all, whatever its thresholds.
* Grade: A >= 90, B >= 80, C >= 70, D >= 60, else F.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from auditor.config import Config, GateConfig
from auditor.model import CheckResult, Effort, Finding, Severity, Status

if TYPE_CHECKING:
    from auditor.engine import ProjectCard, Scorecard

__all__ = [
    "CHECK_BOUND_SLACK",
    "FINDING_WEIGHTS",
    "FORMULA",
    "SIZE_UNIT",
    "CategoryScore",
    "Command",
    "Gate",
    "PreviousAudit",
    "Recommendation",
    "Regression",
    "card_weights",
    "category_deltas",
    "category_scores",
    "check_score",
    "evaluate_change_gate",
    "evaluate_gate",
    "evaluate_regression",
    "gate_with_regression",
    "grade",
    "overall_score",
    "project_weights",
    "recommendations",
    "repository_categories",
    "repository_plan",
    "repository_score",
    "score_delta",
    "size_scale",
    "source_lines_of",
    "unlisted_findings",
]

FINDING_WEIGHTS: dict[Severity, float] = {
    Severity.CRITICAL: 0.5,
    Severity.HIGH: 0.25,
    Severity.MEDIUM: 0.1,
    Severity.LOW: 0.03,
    Severity.INFO: 0.0,
}

# A finding counts 1/s in its check's score, s = max(1, the project's source lines / SIZE_UNIT): a density.
SIZE_UNIT = 10_000
# A check scored by findings bounds its category at s + (100 - s) * slack, by the worst severity of its findings.
CHECK_BOUND_SLACK: dict[Severity, float] = {Severity.CRITICAL: 0.5, Severity.HIGH: 0.5, Severity.MEDIUM: 0.75,
                                            Severity.LOW: 0.75}
# Recommendations whose gain rounds to 0.0 points are listed apart, as "no score change".
NO_SCORE_CHANGE = 0.05

FORMULA = (
    "Check score: a measured check (coverage, typing, documented endpoints, complexity) scores 100 x min(1, value / "
    "threshold); any other 100 x the product of (1 - w)^(1/s) over its findings in a file and of (1 - w) over "
    "the others, w = critical 0.5, high 0.25, medium 0.1, low 0.03, info 0, s = max(1, the project's source "
    "lines / 10,000): findings in the code count by density. "
    "Category = weighted mean of its checks, at most 75 with a high finding, 50 with a critical one, and at most "
    "c + (100 - c) / 2 for each check scored by findings whose worst finding is high or critical (c + 3(100 - c) / 4 "
    "for medium or low), c that check's score. Overall = weighted mean of categories (configured weights), at most "
    "60 with a critical finding; several projects: means weighted by their source lines, under the caps. "
    "Checks not applicable or not available are left out; errored or not run: 0. The gate fails when nothing could "
    "be scored. Grade: A >= 90, B >= 80, C >= 70, D >= 60, F below."
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
    limited_by: str | None = None  # the check whose score bounds the category below its mean and its cap


@dataclass(frozen=True, slots=True)
class Gate:
    passed: bool
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Command:
    """The command that carries out a fix in one project, run from `folder` ("" for the repository's top)."""

    project: str
    folder: str
    command: str

    @property
    def text(self) -> str:
        return f"cd {self.folder} && {self.command}" if self.folder else self.command


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
    project: str = ""  # the first project it is for ("" with one project)
    projects: tuple[str, ...] = ()  # every project the same fix is for (several: one recommendation for all)
    commands: tuple[Command, ...] = ()  # the project-specific command of the fix, where the check knows one

    @property
    def priority(self) -> float:
        return self.gain / self.effort.cost


def size_scale(source_lines: int | None) -> float:
    """s of the formula: how many units of SIZE_UNIT source lines the project holds (at least 1; 1 when unknown)."""
    return max(1.0, (source_lines or 0) / SIZE_UNIT)


def source_lines_of(facts: Mapping[str, object]) -> int | None:
    """A project's source lines, from its `size` facts (None when the audit did not collect them)."""
    size = facts.get("size")
    lines = size.get("source_lines") if isinstance(size, Mapping) else None
    return int(lines) if isinstance(lines, int | float) and not isinstance(lines, bool) else None


def check_score(result: CheckResult, source_lines: int | None = None) -> float | None:
    """0-100, or None for a check that is left out (not applicable, not available). An error scores 0.

    `source_lines` is the project's (see `size_scale`): its findings count by their density."""
    if result.status is Status.ERROR:
        return 0.0
    if not result.status.scored:
        return None
    if result.measure is not None:
        if result.measure.threshold <= 0:
            return 100.0
        return round(100.0 * min(1.0, max(0.0, result.measure.value) / result.measure.threshold), 2)
    exponent = 1.0 / size_scale(source_lines)
    score = 100.0
    for finding in result.findings:
        # a finding in a file counts by density; one about the whole project (no rate limiting) fully
        score *= (1.0 - FINDING_WEIGHTS[finding.severity]) ** (exponent if finding.path else 1.0)
    for severity, count in unlisted_findings(result).items():  # in files too, past the check's listing cap
        score *= (1.0 - FINDING_WEIGHTS[severity]) ** (count * exponent)
    return round(score, 2)


UNLISTED = "unlisted_findings"  # the metric in which a check that lists only its worst findings counts the rest


def unlisted_findings(result: CheckResult) -> dict[Severity, int]:
    """Findings a check found in files but did not list past its cap (its `unlisted_findings` metric, a count),
    at the severity of the least severe one it listed (after triage: an override or suppression applies to them
    too; none listed, none counted). They count in its score like listed ones, so a cap on what a report lists
    never caps how much of the code fails."""
    count = result.metrics.get(UNLISTED) if isinstance(result.metrics, Mapping) else None
    if not isinstance(count, int) or isinstance(count, bool) or count <= 0 or not result.findings:
        return {}
    return {min((f.severity for f in result.findings), key=lambda s: s.rank): count}


def _bound(result: CheckResult, score: float) -> float | None:
    """How far a check scored by its findings lets its category rise (None: no bound)."""
    if result.measure is not None or not result.findings:
        return None
    worst = max((f.severity for f in result.findings), key=lambda s: s.rank)
    slack = CHECK_BOUND_SLACK.get(worst)
    return None if slack is None else round(score + (100.0 - score) * slack, 2)


def _note_bound(bounds: dict[str, tuple[float, str]], category: str, result: CheckResult, score: float) -> None:
    """Keep the lowest bound on `category` (and the check that sets it), with `result`'s among them."""
    bound = _bound(result, score) if result.check.weight > 0 else None
    if bound is not None and (category not in bounds or (bound, result.check.id) < bounds[category]):
        bounds[category] = (bound, result.check.id)


def category_scores(results: Iterable[CheckResult], weights: Mapping[str, float],
                    source_lines: int | None = None,
                    score_of: Callable[[CheckResult], float | None] | None = None) -> list[CategoryScore]:
    """The categories' scores; `score_of(result)` (default: check_score with `source_lines`) gives each check's."""
    sums: dict[str, tuple[float, float, int]] = {}
    worst: dict[str, Severity] = {}
    bounds: dict[str, tuple[float, str]] = {}
    for result in results:
        score = score_of(result) if score_of is not None else check_score(result, source_lines)
        if score is None:
            continue
        category = result.check.category
        total, weight, n = sums.get(category, (0.0, 0.0, 0))
        w = result.check.weight
        sums[category] = (total + score * w, weight + w, n + 1)
        for finding in result.findings:
            if category not in worst or finding.severity.rank > worst[category].rank:
                worst[category] = finding.severity
        _note_bound(bounds, category, result, score)
    out = []
    for name, (total, weight, n) in sums.items():
        if weight > 0:
            mean = round(total / weight, 2)
            capped = _capped(mean, worst.get(name))
            limited_by = None
            if name in bounds and bounds[name][0] < capped:
                capped, limited_by = bounds[name]
            out.append(CategoryScore(name, capped, float(weights.get(name, 1.0)), n, worst.get(name),
                                     mean if capped != mean else None, limited_by))
    return _in_weight_order(out, weights)


def _capped(mean: float, worst: Severity | None) -> float:
    """A category's mean under the cap of its worst finding (CATEGORY_CAPS)."""
    cap = CATEGORY_CAPS.get(worst) if worst is not None else None
    return min(mean, cap) if cap is not None else mean


def _in_weight_order(categories: list[CategoryScore], weights: Mapping[str, float]) -> list[CategoryScore]:
    """Categories in the order the configured weights name them, the others after them by name."""
    order = list(weights)
    return sorted(categories, key=lambda c: (order.index(c.name) if c.name in order else len(order), c.name))


def overall_score(categories: Sequence[CategoryScore]) -> float | None:
    weight = sum(c.weight for c in categories)
    if weight <= 0:
        return None
    score = round(sum(c.score * c.weight for c in categories) / weight, 2)
    if any(c.worst is Severity.CRITICAL for c in categories):
        score = min(score, PROJECT_CAP_CRITICAL)
    return score


def project_weights(sizes: Sequence[tuple[int | None, int]]) -> list[float]:
    """Each project's weight in the repository score, from (source lines or None, code files) per project: its
    source lines (at least 1); by code files for all when any project's lines are unknown (an old report)."""
    if any(lines is None for lines, _ in sizes):
        return [float(max(1, files)) for _, files in sizes]
    return [float(max(1, lines or 0)) for lines, _ in sizes]


def repository_score(scores: Sequence[tuple[float | None, float]]) -> float | None:
    """The mean of (project score, weight), scored projects only."""
    scored = [(s, w) for s, w in scores if s is not None]
    total = sum(w for _, w in scored)
    if not scored or total <= 0:
        return None
    return round(sum(s * w for s, w in scored) / total, 2)


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
    reason = _severity_reason(findings, gate.fail_on, "finding")
    if reason:
        reasons.append(reason)
    return Gate(passed=not reasons, reasons=tuple(reasons))


def _severity_reason(findings: Iterable[Finding], fail_on: Severity | None, what: str) -> str | None:
    if fail_on is None:
        return None
    bad = [f for f in findings if f.severity.rank >= fail_on.rank]
    if not bad:
        return None
    worst = max(bad, key=lambda f: f.severity.rank).severity
    return f"{len(bad)} {what}{'s' if len(bad) != 1 else ''} at or above '{fail_on.value}' (worst: {worst.value})"


def evaluate_change_gate(score: float | None, new_findings: Iterable[Finding], config: Config, delta: float | None,
                         *, fail_under: float | None = None) -> Gate:
    """The gate of a change (auditor pr): only the findings it adds count against `fail_on`, and the score may not
    drop by more than `gate.fail_under_delta` points against the base. The absolute `fail_under` applies only when
    given (`fail_under`, from --fail-under): a pull request is judged by what it changes."""
    gate = config.gate
    reasons: list[str] = []
    if score is None:
        reasons.append("nothing could be scored: every check was not applicable or not available")
    if fail_under is not None and score is not None and score < fail_under:
        reasons.append(f"score {score:.1f} is below the required {fail_under:g}")
    reason = _severity_reason(new_findings, gate.fail_on, "new finding")
    if reason:
        reasons.append(reason)
    if gate.fail_under_delta is not None and delta is not None and -delta > gate.fail_under_delta:
        reasons.append(f"score dropped {-delta:.2f} points against the base (allowed: {gate.fail_under_delta:g})")
    return Gate(passed=not reasons, reasons=tuple(reasons))


def score_delta(head: float | None, base: float | None) -> float | None:
    return None if head is None or base is None else round(head - base, 2)


def category_deltas(head: Sequence[CategoryScore], base: Sequence[CategoryScore]) -> dict[str, float]:
    """Category name to head score minus base score, for the categories scored on both sides."""
    before = {c.name: c.score for c in base}
    return {c.name: round(c.score - before[c.name], 2) for c in head if c.name in before}


def card_weights(cards: Sequence[ProjectCard]) -> list[float]:
    """The weight of each project card in the repository score (see `project_weights`)."""
    return project_weights([(source_lines_of(c.facts), sum(c.languages.values())) for c in cards])


def repository_categories(card: Scorecard) -> list[CategoryScore]:
    """The repository's category scores: its project's, or with several projects each category's mean over the
    projects that score it, weighted like the repository score (by source lines), under the cap of the worst
    finding in any of them."""
    if len(card.projects) == 1:
        return list(card.projects[0].categories)
    rows: dict[str, list[tuple[CategoryScore, float]]] = {}
    for project, weight in zip(card.projects, card_weights(card.projects), strict=True):
        for c in project.categories:
            rows.setdefault(c.name, []).append((c, weight))
    out = []
    for name, items in rows.items():
        total = sum(w for _, w in items)
        mean = round(sum(c.score * w for c, w in items) / total, 2)
        worst = max((c.worst for c, _ in items if c.worst is not None), key=lambda s: s.rank, default=None)
        limited = next((c.limited_by for c, _ in sorted(items, key=lambda i: i[0].score) if c.limited_by), None)
        # A large clean project does not hide a serious failure of another: the repository's category keeps the
        # cap of its worst finding, as each project's does (a backend's committed key leaves security at 75 at most).
        score = _capped(mean, worst)
        out.append(CategoryScore(name, score, float(card.config.weights.get(name, 1.0)),
                                 sum(c.checks for c, _ in items), worst, mean if score != mean else None, limited))
    return _in_weight_order(out, card.config.weights)


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
    metrics = {k: v for k, v in result.metrics.items() if k != UNLISTED}
    return replace(result, findings=(), measure=measure, status=Status.PASSED, metrics=metrics)


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
    results: Sequence[CheckResult], weights: Mapping[str, float], project: str = "", *, folder: str = "",
    source_lines: int | None = None,
) -> list[Recommendation]:
    """One per failed check, in the order a person would fix them, each gain measured by re-scoring.

    The plan is built greedily: at each step, among the failed checks whose prerequisites (PREREQUISITES) are not
    failing any more, the one with the best gain per unit of effort comes next; its gain is the score after fixing
    it minus the score after the steps before it. The gains add up to the score the whole plan reaches, and a fix
    whose effect is hidden by a worse failure (a low finding beside a critical one) gets its real share once that
    failure is fixed, instead of +0. A check that knows the command of its fix in this project (its
    `fix_command` metric: the coverage command of the project's test runner, say) gives it, run from `folder`.
    """
    known: dict[int, tuple[CheckResult, float | None]] = {}  # id -> (the result, kept alive so ids stay unique; its score)

    def score_of(result: CheckResult) -> float | None:
        """A check's score, computed once per result: each trial re-scores every check, and all but one are the
        same results as in the trial before (on Django 183 trials of 56 checks)."""
        found = known.get(id(result))
        if found is None:
            found = known[id(result)] = (result, check_score(result, source_lines))
        return found[1]

    def scored(trial: Sequence[CheckResult]) -> float:
        return overall_score(category_scores(trial, weights, source_lines, score_of)) or 0.0

    current = list(results)
    score = scored(current)
    pending = {i for i, r in enumerate(current) if r.status is Status.FAILED}
    out: list[Recommendation] = []
    steps: list[tuple[int, list[CheckResult]]] = []  # (index fixed, the results after the step)
    while pending:
        failing = {current[i].check.id for i in pending}
        ready = [i for i in pending if not any(p in failing for p in PREREQUISITES.get(current[i].check.id, ()))]
        candidates = ready or sorted(pending)
        best: tuple[tuple[float, int], int, float, list[CheckResult]] | None = None
        for i in sorted(candidates, key=lambda i: current[i].check.id):  # on a tie, the smaller id
            trial = [*current[:i], _fixed(current[i]), *current[i + 1 :]]
            after = scored(trial)
            check = current[i].check
            rank = ((after - score) / check.effort.cost, check.severity.rank)  # gain per effort, then severity
            if best is None or rank > best[0]:
                best = (rank, i, after, trial)
        assert best is not None
        _, i, after, trial = best
        out.append(_recommendation(current[i], round(after - score, 2), project, folder))
        current, score = trial, after
        pending.discard(i)
        steps.append((i, trial))
    return _share_joint_gains(out, steps, list(results), scored)


def _recommendation(result: CheckResult, gain: float, project: str, folder: str) -> Recommendation:
    severity = max((f.severity for f in result.findings), key=lambda s: s.rank, default=result.check.severity)
    command = result.metrics.get("fix_command") if isinstance(result.metrics, Mapping) else None
    return Recommendation(
        check_id=result.check.id,
        title=result.check.title,
        category=result.check.category,
        severity=severity,
        effort=result.check.effort,
        steps=tuple(result.check.remediation),
        findings=len(result.findings) + sum(unlisted_findings(result).values()),
        gain=gain,
        project=project,
        projects=(project,) if project else (),
        commands=(Command(project, folder, command),) if isinstance(command, str) and command else (),
    )


def _share_joint_gains(plan: list[Recommendation], steps: list[tuple[int, list[CheckResult]]],
                       start: list[CheckResult], scored: Callable[[Sequence[CheckResult]], float]) -> list[Recommendation]:
    """Points that only fixes together regain, shared among them: with two checks failing high in one category,
    fixing either alone leaves its cap at 75 (no gain), and the greedy plan would credit the second fix with all
    the points the first one was needed for. A step whose gain rounds to 0 is needed by a later step when, with it
    undone, the later step would gain less; the later step's gain is then split equally between it and every step
    it needed. The gains still add up to what the whole plan reaches."""
    def undone(state: list[CheckResult], index: int) -> list[CheckResult]:
        return [start[n] if n == index else r for n, r in enumerate(state)]

    gains = [r.gain for r in plan]
    for k, (_, after) in enumerate(steps):
        if plan[k].gain < NO_SCORE_CHANGE:
            continue
        before = steps[k - 1][1] if k else start
        needed = [j for j in range(k) if plan[j].gain < NO_SCORE_CHANGE and
                  scored(undone(after, steps[j][0])) - scored(undone(before, steps[j][0]))
                  < plan[k].gain - NO_SCORE_CHANGE]
        if not needed:
            continue
        share = plan[k].gain / (len(needed) + 1)
        gains[k] -= plan[k].gain - share
        for j in needed:
            gains[j] += share
    return [replace(r, gain=round(g, 2)) for r, g in zip(plan, gains, strict=True)]


def repository_plan(recs: Iterable[Recommendation]) -> tuple[list[Recommendation], list[Recommendation]]:
    """The repository's plan from its projects' recommendations (gains already in repository points), and apart
    the fixes that change no score (a gain that rounds to 0.0 points: a check of weight 0, say).

    One recommendation per fix: the same failed check in several projects is one item listing them, with each
    project's command, its gain the sum of theirs. Items are ordered by gain per unit of effort, except that a fix
    never comes before one it needs (PREREQUISITES: tests before coverage, a spec before its quality)."""
    merged: dict[str, Recommendation] = {}
    for r in recs:
        had = merged.get(r.check_id)
        if had is None:
            merged[r.check_id] = r
            continue
        merged[r.check_id] = replace(
            had,
            severity=max(had.severity, r.severity, key=lambda s: s.rank),
            findings=had.findings + r.findings,
            gain=round(had.gain + r.gain, 2),
            projects=tuple(dict.fromkeys((*had.projects, *r.projects))),
            commands=(*had.commands, *(c for c in r.commands if c not in had.commands)),
        )
    plan = [r for r in merged.values() if r.gain >= NO_SCORE_CHANGE]
    rest = sorted((r for r in merged.values() if r.gain < NO_SCORE_CHANGE), key=lambda r: (-r.severity.rank, r.check_id))
    ordered: list[Recommendation] = []
    pending = sorted(plan, key=lambda r: (-r.priority, -r.severity.rank, r.check_id))
    while pending:
        waiting = {r.check_id for r in pending}
        ready = next((r for r in pending if not any(p in waiting for p in PREREQUISITES.get(r.check_id, ()))),
                     pending[0])
        ordered.append(ready)
        pending.remove(ready)
    return ordered, rest
