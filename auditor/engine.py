"""The audit pipeline: scan, parse once, run every selected check in isolation, score, decide the gate."""

from __future__ import annotations

import dataclasses
import enum
import fnmatch
import functools
import gc
import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor.budget import AuditLimits, limits_of
from auditor.checklist import ChecklistItem, evaluate_checklist
from auditor.config import Config
from auditor.context import AuditOptions, Context, Project
from auditor.errors import AuditError, UsageError
from auditor.isolation import Outcome, Unit, fork_available, run_units
from auditor.live import live_phase
from auditor.model import (
    Check,
    CheckResult,
    Finding,
    JSONValue,
    Measure,
    NotApplicable,
    NotAvailable,
    Severity,
    Status,
    Verdict,
    assign_fingerprints,
)
from auditor.registry import Registry, load_registry
from auditor.repo import Repository
from auditor.scoring import (
    CategoryScore,
    Gate,
    Recommendation,
    card_weights,
    category_scores,
    evaluate_gate,
    grade,
    overall_score,
    recommendations,
    repository_plan,
    repository_score,
    source_lines_of,
)
from auditor.sources import ParseProblem, Sources
from auditor.triage import Comparison, SuppressionComment, TriageOutcome, TriageRules

if TYPE_CHECKING:
    from analysis.cache import ModelCache
    from analysis.pool import ModelStore

__all__ = ["AuditError", "ProjectCard", "Scorecard", "UsageError", "audit", "run_check", "select_checks"]

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ProjectCard:
    project: Project
    languages: dict[str, int]
    facts: dict[str, Any]
    results: tuple[CheckResult, ...]
    categories: tuple[CategoryScore, ...]
    score: float | None
    grade: str
    recommendations: tuple[Recommendation, ...]
    anchor: str | None = None  # read back from a report (Scorecard.from_json); None: computed from the files

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.results for f in r.findings]


@dataclass(frozen=True)
class Scorecard:
    target: Path
    repo: Repository
    projects: tuple[ProjectCard, ...]
    score: float | None
    grade: str
    gate: Gate
    problems: tuple[ParseProblem, ...]
    plugin_errors: tuple[str, ...]
    started_at: datetime
    duration: float
    config: Config
    options: AuditOptions = field(default_factory=AuditOptions)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase: scan, analysis, parse, checks, scoring
    analysis: dict[str, int] = field(default_factory=dict)  # files analysed, taken from the cache, failed
    limits: AuditLimits = field(default_factory=AuditLimits)
    triage: TriageOutcome = field(default_factory=TriageOutcome)  # suppressions and baseline (auditor.triage)
    diff: Comparison | None = None  # against a base: auditor pr, or --compare
    ref: str | None = None  # the ref audited from git objects (--ref), not the work tree
    files_audited: int | None = None  # read back from a report; None: len(repo.files)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Scorecard:
        """The scorecard a JSON report (`report.json`) holds, old reports included: a missing key takes its default.
        Raises ValueError (or KeyError, TypeError) when `data` is not a report."""
        from auditor.restore import scorecard_from_json

        return scorecard_from_json(data)
    checklist: tuple[ChecklistItem, ...] = ()  # the standards' checklist (auditor.checklist), from every project's results

    @property
    def results(self) -> list[CheckResult]:
        return [r for p in self.projects for r in p.results]

    @property
    def findings(self) -> list[Finding]:
        return sorted((f for p in self.projects for f in p.findings), key=Finding.sort_key)

    @functools.cached_property
    def _plan(self) -> tuple[tuple[Recommendation, ...], tuple[Recommendation, ...]]:
        """The repository plan and the fixes that change no score, built once (the card is frozen)."""
        plan, rest = repository_plan(r for p in self.projects for r in p.recommendations)
        return tuple(plan), tuple(rest)

    @property
    def recommendations(self) -> list[Recommendation]:
        """The remediation plan: one item per fix, in the order a person would work through it (the fixes that
        change no score are `no_score_change`)."""
        return list(self._plan[0])

    @property
    def no_score_change(self) -> list[Recommendation]:
        """Failed checks whose fix changes no score (a gain that rounds to 0.0 points), apart from the plan."""
        return list(self._plan[1])

    def severity_counts(self) -> dict[str, int]:
        counts = Counter(f.severity for f in self.findings)
        return {s.value: counts.get(s, 0) for s in Severity}


def select_checks(registry: Registry, only: Sequence[str], skip: Sequence[str]) -> list[type[Check]]:
    """Checks matching `only` (ids, globs like `errors/*`, or category names) minus those matching `skip`."""

    def matches(check: type[Check], pattern: str) -> bool:
        return fnmatch.fnmatchcase(check.id, pattern) or check.category == pattern or check.id.split("/")[0] == pattern

    for pattern in [*only, *skip]:
        if not any(matches(c, pattern) for c in registry.checks):
            raise UsageError(f"no check matches {pattern!r} (see `auditor checks`)")
    chosen = [c for c in registry.checks if not only or any(matches(c, p) for p in only)]
    return [c for c in chosen if not any(matches(c, p) for p in skip)]


def _to_jsonable(value: object) -> JSONValue:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return _to_jsonable(value.value)
    if isinstance(value, dict):
        return {str(k): _to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_to_jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, Path):
        return value.as_posix()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _time_limit(ctx: Context, runs_tests: bool) -> float:
    """A check's time limit; with --run-tests the testing family may also wait for the target's suite."""
    if runs_tests and ctx.options.run_tests:
        return ctx.config.check_timeout + ctx.config.run_tests_timeout
    return ctx.config.check_timeout


def _family(obj: object) -> str:
    """Checks and fact collectors of one family share a child process (and its memoised facts)."""
    return ".".join(getattr(obj, "__module__", "?").split(".")[:2])


def _precheck(check_cls: type[Check], ctx: Context) -> CheckResult | None:
    """The result of a check that need not run at all in this project, or None."""
    if check_cls.languages and not (set(ctx.languages()) & set(check_cls.languages)):
        langs = ", ".join(sorted(check_cls.languages))
        return CheckResult(check_cls.info(), Status.NOT_APPLICABLE, reason=f"no {langs} code in this project")
    if check_cls.backend_only and ctx.project.kind == "frontend":
        return CheckResult(check_cls.info(), Status.NOT_APPLICABLE, reason="a frontend project is not held to this standard")
    if check_cls.backend_only and ctx.project.kind == "library":
        return CheckResult(check_cls.info(), Status.NOT_APPLICABLE,
                           reason="a library (no server, no database) is not held to this standard")
    return None


_SIGNALLED = frozenset({"ok", "not_applicable", "not_available"})  # outcomes whose value carries reads and problems


def _carried(outcome: Outcome) -> tuple[object, tuple[ParseProblem, ...], dict[tuple[str, str, int], str], bool] | None:
    """(value, parse problems, unlisted reads, read another project's file) of a unit's outcome, or None (an error,
    a timeout, a unit of no check)."""
    if outcome.kind in _SIGNALLED and isinstance(outcome.value, tuple) and len(outcome.value) == 4:
        return outcome.value
    return None


def _with_problems(ctx: Context, fn: Callable[[], object]) -> Callable[[], object]:
    """Run `fn` and return its value with the parse problems it met (they happen in the child), the unlisted
    paths it read (see Repository.record_reads: a cached audit depends on them) and whether it read a file another
    project owns (auditor.scope: then its outcome is not reused for its project alone)."""

    def run() -> object:
        from auditor.scope import Scope, noting, watching

        before = len(ctx.sources.problems)
        scope = Scope(ctx.scope.mine, ctx.scope.owned) if ctx.scope is not None else None

        def problems(read: set[str]) -> tuple[ParseProblem, ...]:
            # those it met, and those of the files it read that an earlier unit of its worker met first (a worker
            # records a file's problem once): a reused outcome must still carry them
            return (*(p for p in ctx.sources.problems[:before] if p.path in read), *ctx.sources.problems[before:])

        read: set[str] = set()
        try:
            with watching(scope), noting() as read:
                value = fn()
        except (NotApplicable, NotAvailable) as signal_:
            # what it read before it found the standard does not apply counts too: a file appearing there later
            # must run it again (these reads were lost when it was the last unit of its worker)
            signal_.payload = (None, problems(read), ctx.repo.take_reads(), scope is not None and scope.touched)
            raise
        return value, problems(read), ctx.repo.take_reads(), scope is not None and scope.touched

    return run


def _check_body(check_cls: type[Check], ctx: Context) -> Callable[[], object]:
    def run() -> object:
        out = check_cls().run(ctx)
        verdict = out if isinstance(out, Verdict) else Verdict(findings=tuple(out))
        if not all(isinstance(f, Finding) for f in verdict.findings):
            raise TypeError("check returned something other than findings")
        return (tuple(verdict.findings), verdict.measure, _to_jsonable(dict(verdict.metrics)), verdict.not_applicable)

    return _with_problems(ctx, run)


def _fact_body(collector: Callable[[Any], Any], ctx: Context) -> Callable[[], object]:
    return _with_problems(ctx, lambda: _to_jsonable(ctx.fact(collector)))


def _check_result(check_cls: type[Check], ctx: Context, outcome: Outcome) -> CheckResult:
    elapsed = outcome.duration
    if outcome.kind in ("timeout", "error"):
        return CheckResult(check_cls.info(), Status.ERROR, reason=outcome.reason, duration=elapsed)
    if outcome.kind in ("not_applicable", "not_available"):
        status = Status.NOT_APPLICABLE if outcome.kind == "not_applicable" else Status.NOT_AVAILABLE
        return CheckResult(check_cls.info(), status, reason=outcome.reason, duration=elapsed)
    payload: tuple[tuple[tuple[Finding, ...], Measure | None, dict[str, Any], str | None], object, object, object]
    payload = outcome.value  # type: ignore[assignment]
    (found, measure, metrics, not_applicable) = payload[0]
    findings = sorted(assign_fingerprints(found), key=Finding.sort_key)  # severity overrides: auditor.triage
    if not_applicable and not findings:
        return CheckResult(check_cls.info(), Status.NOT_APPLICABLE, reason=not_applicable, metrics=metrics, duration=elapsed)
    failed = any(f.severity is not Severity.INFO for f in findings) or (measure is not None and not measure.met)
    return CheckResult(
        check_cls.info(),
        Status.FAILED if failed else Status.PASSED,
        findings=tuple(findings),
        measure=measure,
        metrics=metrics,
        duration=elapsed,
    )


def _fact_value(outcome: Outcome) -> JSONValue:
    if outcome.kind == "ok":
        payload: tuple[JSONValue, object, object, object] = outcome.value  # type: ignore[assignment]
        return payload[0]
    if outcome.kind in ("not_applicable", "not_available"):
        return {"status": outcome.kind, "reason": outcome.reason}
    return {"error": outcome.reason}


def run_check(check_cls: type[Check], ctx: Context) -> CheckResult:
    """Run one check on one project, isolated like in a full audit."""
    skipped = _precheck(check_cls, ctx)
    if skipped is not None:
        return skipped
    unit = Unit(check_cls.id, _family(check_cls), _check_body(check_cls, ctx),
                _time_limit(ctx, check_cls.category == "testing"))
    return _check_result(check_cls, ctx, run_units([unit], jobs=1)[unit.name])


@dataclass
class _ProjectPlan:
    ctx: Context
    results: dict[str, CheckResult] = field(default_factory=dict)
    units: dict[str, type[Check] | str] = field(default_factory=dict)  # unit name -> check class or fact name


def _plan(ctx: Context, selected: Sequence[type[Check]], collectors: dict[str, Callable[[Any], Any]],
          units: list[Unit]) -> _ProjectPlan:
    plan = _ProjectPlan(ctx)
    prefix = f"{ctx.project.path}\x00"
    for check_cls in selected:
        skipped = _precheck(check_cls, ctx)
        if skipped is not None:
            plan.results[check_cls.id] = skipped
            continue
        name = f"{prefix}check\x00{check_cls.id}"
        plan.units[name] = check_cls
        units.append(Unit(name, prefix + _family(check_cls), _check_body(check_cls, ctx),
                          _time_limit(ctx, check_cls.category == "testing")))
    for fact_name, collector in sorted(collectors.items()):
        name = f"{prefix}fact\x00{fact_name}"
        plan.units[name] = fact_name
        units.append(Unit(name, prefix + _family(collector), _fact_body(collector, ctx),
                          _time_limit(ctx, fact_name in ("tests", "coverage"))))
    return plan


# Each built-in family's share of the check phase, the mean of Django's and of gin/fiber/typeorm/petclinic's (they
# agree on the order): the families are spread over the workers by it, heaviest first. Dealt round-robin by name,
# the two workers' loads differed by a fifth (Django's check phase 1.08 -> 0.92 s, the other tree's 0.72 -> 0.66 s).
_FAMILY_SHARE = {
    "checks.operability": 0.26, "checks.security": 0.22, "checks.errors": 0.17, "checks.migrations": 0.11,
    "checks.maintainability": 0.09, "checks.openapi": 0.07, "checks.typing": 0.05, "checks.tests": 0.05,
    "checks.suppressions": 0.0, "checks.api": 0.0,
}


def _in_workers(units: list[Unit], jobs: int) -> list[Unit]:
    """Units regrouped into `jobs` worker processes, each family (of every project) kept in one worker.

    A worker decodes the models it reads once and every family it runs shares them, instead of each family's
    process decoding the whole repository again; a family's memoised facts stay in one process.
    """
    families = sorted({u.group.rsplit("\x00", 1)[-1] for u in units}, key=lambda f: (-_FAMILY_SHARE.get(f, 0.05), f))
    loads = [0.0] * max(1, jobs)
    bucket: dict[str, int] = {}
    for family in families:  # the heaviest first, each to the least loaded worker
        lightest = loads.index(min(loads))
        bucket[family] = lightest
        loads[lightest] += _FAMILY_SHARE.get(family, 0.05)
    return [dataclasses.replace(u, group=f"worker-{bucket[u.group.rsplit(chr(0), 1)[-1]]}") for u in units]


def _reusable_projects(plans: list[_ProjectPlan], repo: Repository, cache: ModelCache, config: Config,
                       options: AuditOptions, selected: Sequence[type[Check]], registry: Registry
                       ) -> list[tuple[_ProjectPlan, str, dict[str, Outcome]]]:
    """In a monorepo: each project's key and the outcomes of its units a former audit left under it (a change to
    one project re-runs that project's checks, not every project's). Each context gets the scope its units are
    watched in: an outcome that read another project's file is not kept (auditor.scope)."""
    from auditor import auditcache
    from auditor.scope import Scope

    if len(plans) < 2 or not fork_available() or not auditcache.built_in(selected, registry.facts):
        return []
    mine = [frozenset(f.path for f in plan.ctx.files) for plan in plans]
    owned = frozenset().union(*mine)
    keys = auditcache.ProjectKeys(repo, config, options, selected, registry.facts, registry.errors,
                                  [plan.ctx.project for plan in plans])
    out = []
    for plan, own in zip(plans, mine, strict=True):
        plan.ctx.scope = Scope(own, owned)
        key = keys.key(plan.ctx.project, own, owned)
        found = auditcache.load_project(cache, key, repo)
        out.append((plan, key, {name: o for name, o in found.items() if name in plan.units}))
    return out


def _store_outcomes(cache: ModelCache, audit_key: str, keyed: list[tuple[_ProjectPlan, str, dict[str, Outcome]]],
                    outcomes: dict[str, Outcome], reads: dict[tuple[str, str, int], str], repo: Repository,
                    sources: Sources, models: ModelStore, roles: dict[str, str],
                    comments: tuple[SuppressionComment, ...]) -> None:
    """Keep the audit's outcomes (and each project's) unless something was left unread or unfinished."""
    from auditor import auditcache

    for outcome in outcomes.values():
        if (carried := _carried(outcome)) is not None:
            reads.update(carried[2])
    if models.failures or sources.unparsed or repo.budget_exhausted:
        return
    problems = {p.path: (p.kind, p.message) for p in sources.problems}
    auditcache.store(cache, audit_key, auditcache.CachedAudit(outcomes, reads, problems, len(models.encoded), roles,
                                                                dict(models.parsers), comments))
    _store_projects(cache, keyed, outcomes)
    cache.trim_entries()  # an entry per audit and per changed project: bounded, the oldest go first


def _store_projects(cache: ModelCache, keyed: list[tuple[_ProjectPlan, str, dict[str, Outcome]]],
                    outcomes: dict[str, Outcome]) -> None:
    """Keep each project's outcomes that read nothing beyond its key, unless they are the ones it was given."""
    from auditor import auditcache

    for plan, key, found in keyed:
        clean = {name: o for name in plan.units
                 if (o := outcomes.get(name)) is not None and (carried := _carried(o)) is not None and not carried[3]}
        if clean.keys() != found.keys():
            auditcache.store_project(cache, key, clean)


# Parsers that read a file only when its language's first parser could not: Python syntax newer than the
# running interpreter's `ast` (analysis/python_ts.py).
FALLBACK_PARSERS = frozenset({"tree-sitter-python"})
FALLBACK_LISTED = 100  # paths listed per audit; `parsers` has the full count


def _file_facts(ctx: Context) -> dict[str, Any]:
    by_language = Counter(f.language for f in ctx.files)
    by_role = Counter(f.role for f in ctx.files)
    facts: dict[str, Any] = {
        "total": len(ctx.files),
        "by_language": dict(sorted(by_language.items())),
        "by_role": dict(sorted(by_role.items())),
    }
    if ctx.models is not None:
        read = {f.path: ctx.models.parsers[f.path] for f in ctx.files if f.path in ctx.models.parsers}
        facts["parsers"] = dict(sorted(Counter(read.values()).items()))
        facts["parsed_by_fallback"] = {path: parser for path, parser in sorted(read.items())
                                       if parser in FALLBACK_PARSERS}
        if len(facts["parsed_by_fallback"]) > FALLBACK_LISTED:
            facts["parsed_by_fallback"] = dict(list(facts["parsed_by_fallback"].items())[:FALLBACK_LISTED])
    return facts


def detect_projects(repo: Repository) -> list[Project]:
    """The projects of the repository: one per manifest root (see auditor.projects)."""
    from auditor.projects import find_projects

    return find_projects(repo) or [Project("")]


def audit(
    target: str | Path,
    config: Config | None = None,
    options: AuditOptions | None = None,
    *,
    registry: Registry | None = None,
    progress: Progress | None = None,
    triage: TriageRules | None = None,
    paths: Sequence[str] | None = None,
) -> Scorecard:
    """Audit the repository at `target` and return its scorecard. Never prints, never exits.

    `triage` adds a baseline (and the day suppressions expire against) to the triage step; `paths` lists the files
    of a tree materialised from git objects (auditor.objects) instead of asking git or walking the folder."""
    from auditor.repo import RepositoryError

    started_at = datetime.now(UTC)
    t0 = time.perf_counter()
    timings: dict[str, float] = {}  # seconds per phase
    _keep_target_off_import_path(target)
    config = config or Config.load(target)
    deadline = time.monotonic() + config.audit_timeout
    options = options or AuditOptions()
    registry = registry or load_registry()
    config.check_names([c.id for c in registry.checks], [c.category for c in registry.checks])
    selected = select_checks(registry, config.only, config.skip)
    config.check_options({c.id: c.options for c in registry.checks})
    try:
        repo = Repository.scan(target, excludes=config.exclude, deadline=deadline, paths=paths)
    except RepositoryError as exc:
        raise AuditError(str(exc)) from None
    timings["scan"] = time.perf_counter() - t0
    sources = Sources(repo)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # parsing allocates millions of long-lived nodes: collecting in between only costs time
    try:
        return _audit_parsed(repo, sources, selected, config, options, registry, progress, started_at, t0, timings,
                             deadline, triage)
    finally:
        gc.unfreeze()
        if gc_was_enabled:
            gc.enable()
        else:
            gc.disable()


def _audit_parsed(
    repo: Repository,
    sources: Sources,
    selected: list[type[Check]],
    config: Config,
    options: AuditOptions,
    registry: Registry,
    progress: Progress | None,
    started_at: datetime,
    t0: float,
    timings: dict[str, float],
    deadline: float | None = None,
    rules: TriageRules | None = None,
) -> Scorecard:
    from analysis.pool import ANALYSED_LANGUAGES, build_models
    from auditor import auditcache, triage

    mark = time.perf_counter()

    cache = None
    if options.cache:
        from analysis.cache import ModelCache

        cache = ModelCache.open(Path(options.cache_dir) if options.cache_dir else None, target=repo.root)
    audit_key = None
    hit = None
    if cache is not None and auditcache.cacheable(selected, options):
        audit_key = auditcache.audit_key(repo, config, options, selected, registry.facts, registry.errors)
        hit = auditcache.load(cache, audit_key, repo)
    repo.record_reads()
    if hit is not None:  # nothing the checks depend on changed: their outcomes, without reading a file
        from analysis.pool import ModelStore

        models = ModelStore(cached=hit.analysed, parsers=dict(hit.parsers))
        for path, (kind, message) in sorted(hit.problems.items()):
            sources.add_problem(ParseProblem(path, kind, message))
        repo.reassign_roles(hit.roles)  # the roles the files' content gave them when the entry was made
        roles: dict[str, str] = hit.roles
    else:
        models = build_models([(f.path, f.language, f.role, f.size) for f in repo.files], repo.read_bytes,
                              jobs=options.jobs, progress=progress, cache=cache, deadline=deadline, blobs=repo.blobs)
        for path, (kind, message) in sorted({**models.problems, **models.failures}.items()):
            sources.add_problem(ParseProblem(path, kind, message))
        roles = _roles_from_content(repo, models)
    timings["analysis"] = time.perf_counter() - mark
    mark = time.perf_counter()
    if hit is None:
        sources.parse_all(progress, skip=ANALYSED_LANGUAGES, deadline=deadline)
    timings["parse"] = time.perf_counter() - mark
    mark = time.perf_counter()
    # before the fork, so suppressions/missing-reason finds the scan done; a cached audit kept the comments it saw
    if hit is not None and hit.comments is not None:
        comments = hit.comments
    else:  # a file with a model was read by a worker, which noted whether it holds a suppression at all
        comments = triage.scan(sources, repo.files, lambda path: path in models.encoded and path not in models.marked)
    timings["suppressions"] = time.perf_counter() - mark
    # Millions of parsed nodes live until the audit ends: keep the collector from re-scanning them on
    # every collection (on Django this was 40% of the audit). `audit` unfreezes them when it returns.
    gc.freeze()
    gc.enable()

    history = None
    if config.git_history.enabled:
        from analysis.git_history import scan_history

        mark = time.perf_counter()
        if progress is not None:
            progress("git history", 0, 1)
        history = _history(scan_history, repo, config, deadline)
        timings["history"] = time.perf_counter() - mark

    projects = detect_projects(repo)
    # The live API phase (auditor.live) runs here, once, before any check: checks only read its facts.
    mark = time.perf_counter()
    live = live_phase(options.live, repo, sources, projects, selected, progress)
    if live:
        timings["live"] = time.perf_counter() - mark
    units: list[Unit] = []
    plans = [
        _plan(Context(repo=repo, sources=sources, config=config, options=options, project=project, models=models,
                      history=history, live=live.get(project.path)),
              selected, registry.facts, units)
        for project in projects
    ]
    started = iter(range(len(units)))

    def on_start(unit: Unit) -> None:
        if progress is not None:
            progress(unit.name.rsplit("\x00", 1)[-1], next(started, len(units)), len(units))

    jobs = options.jobs or min(4, os.cpu_count() or 1)
    units = _in_workers(units, jobs)
    mark = time.perf_counter()
    reads = repo.take_reads()  # the project detection's; the workers start with none
    if hit is not None and set(hit.outcomes) != {u.name for u in units}:  # never expected: the key covers the plan
        hit = None
        models = build_models([(f.path, f.language, f.role, f.size) for f in repo.files], repo.read_bytes,
                              jobs=options.jobs, cache=cache, deadline=deadline, blobs=repo.blobs)
        roles = _roles_from_content(repo, models)
        for plan in plans:
            plan.ctx.models = models
    reused: dict[str, Outcome] = {}
    if hit is not None:
        outcomes = hit.outcomes
    else:
        keyed = (_reusable_projects(plans, repo, cache, config, options, selected, registry)
                 if audit_key is not None and cache is not None and history is None else [])
        reused = {name: o for _, _, found in keyed for name, o in found.items()}
        outcomes = {**reused, **run_units([u for u in units if u.name not in reused], jobs=jobs, on_start=on_start,
                                          deadline=deadline)}
        if audit_key is not None and cache is not None:
            _store_outcomes(cache, audit_key, keyed, outcomes, reads, repo, sources, models, roles, comments)
    timings["checks"] = time.perf_counter() - mark
    mark = time.perf_counter()
    for outcome in outcomes.values():
        if (carried := _carried(outcome)) is not None:
            for problem in carried[1]:
                sources.add_problem(problem)
    raw: list[tuple[str, list[CheckResult]]] = []
    all_facts: list[dict[str, Any]] = []
    for plan in plans:
        ctx = plan.ctx
        facts: dict[str, Any] = {"files": _file_facts(ctx)}
        for name, target in plan.units.items():
            outcome = outcomes.get(name, Outcome("error", reason="did not run"))
            if isinstance(target, str):
                facts[target] = _fact_value(outcome)
            else:
                plan.results[target.id] = _check_result(target, ctx, outcome)
        raw.append((ctx.project.label if len(plans) > 1 else "", [plan.results[c.id] for c in selected]))
        all_facts.append(facts)
    triaged, outcome_of_triage = triage.apply(raw, comments, config.severity, rules, [c.id for c in registry.checks])
    cards: list[ProjectCard] = []
    for plan, facts, results in zip(plans, all_facts, triaged, strict=True):
        ctx, project = plan.ctx, plan.ctx.project
        lines = source_lines_of(facts)
        categories = category_scores(results, config.weights, lines)
        score = overall_score(categories)
        cards.append(
            ProjectCard(
                project=project,
                languages=dict(ctx.languages()),
                facts=facts,
                results=tuple(results),
                categories=tuple(categories),
                score=score,
                grade=grade(score),
                recommendations=tuple(recommendations(results, config.weights, project.label, folder=project.path,
                                                      source_lines=lines)),
            )
        )
    cards = _gains_in_repository_points(cards)
    timings["scoring"] = time.perf_counter() - mark
    score = _repository_score(cards)
    all_findings = [f for c in cards for f in c.findings]
    return Scorecard(
        target=repo.root,
        repo=repo,
        projects=tuple(cards),
        score=score,
        grade=grade(score),
        gate=evaluate_gate(score, all_findings, config),
        problems=tuple(sorted(sources.problems, key=lambda p: (p.path, p.kind, p.message))),  # not by which worker was first
        plugin_errors=tuple(registry.errors),
        started_at=started_at,
        duration=time.perf_counter() - t0,
        timings={k: round(v, 4) for k, v in timings.items()},
        analysis={"files": hit.analysed if hit is not None else len(models.encoded), "cached": models.cached,
                  "failed": len(models.failures), "checks_reused": len(reused)},
        config=config,
        options=options,
        limits=limits_of(config.audit_timeout, repo.skipped, repo.budget_exhausted, sources.unparsed, outcomes),
        triage=outcome_of_triage,
        checklist=evaluate_checklist(r for c in cards for r in c.results),
    )


def _roles_from_content(repo: Repository, models: ModelStore) -> dict[str, str]:
    """Files whose content contradicts the role their path gave them get the role it shows (auditor.roles), in
    the repository and in their models, before any check reads either."""
    from auditor.roles import content_roles

    changes = content_roles(repo.files, models.model)
    repo.reassign_roles(changes)
    for path, role in changes.items():
        model = models.model(path)
        if model is not None:
            model.role = role
            models.add(model)
    return dict(changes)


def _history(scan: Callable[..., Any], repo: Repository, config: Config, deadline: float | None) -> Any:
    """The git history scan (--git-history); a failure of it is its own error, never the audit's."""
    from analysis.git_history import HistoryScan

    caps = config.git_history
    try:
        return scan(repo.root, max_commits=caps.max_commits, max_seconds=caps.max_seconds, excludes=config.exclude,
                    deadline=deadline)
    except Exception as exc:  # noqa: BLE001 - like a crashing check: reported, and the audit goes on
        return HistoryScan(error=f"internal error: {type(exc).__name__}: {exc}", max_commits=caps.max_commits,
                           max_seconds=caps.max_seconds)


def _keep_target_off_import_path(target: str | Path) -> None:
    """The target is never importable: a library it ships (a `yaml.py`) must not shadow ours."""
    import sys

    try:
        root = Path(target).resolve()
    except OSError:
        return
    sys.path[:] = [p for p in sys.path if not _same_path(p or ".", root)]


def _same_path(entry: str, root: Path) -> bool:
    try:
        return Path(entry).resolve() == root
    except OSError:
        return False


def _gains_in_repository_points(cards: list[ProjectCard]) -> list[ProjectCard]:
    """A project's recommendation gains, re-expressed in points of the repository score (which weights
    projects by source lines), so recommendations of different projects can be ordered together."""
    weights = card_weights(cards)
    total = sum(w for c, w in zip(cards, weights, strict=True) if c.score is not None)
    if sum(1 for c in cards if c.score is not None) <= 1 or total == 0:
        return cards
    out = []
    for card, weight in zip(cards, weights, strict=True):
        share = weight / total
        recs = tuple(dataclasses.replace(r, gain=round(r.gain * share, 2)) for r in card.recommendations)
        out.append(dataclasses.replace(card, recommendations=recs))
    return out


def _repository_score(cards: Sequence[ProjectCard]) -> float | None:
    """The mean of project scores weighted by their source lines (auditor.scoring.card_weights)."""
    return repository_score([(c.score, w) for c, w in zip(cards, card_weights(cards), strict=True)])
