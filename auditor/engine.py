"""The audit pipeline: scan, parse once, run every selected check in isolation, score, decide the gate."""

from __future__ import annotations

import dataclasses
import enum
import fnmatch
import gc
import logging
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from auditor.config import Config
from auditor.context import AuditOptions, Context, Project
from auditor.model import (
    Check,
    CheckResult,
    Finding,
    JSONValue,
    NotApplicable,
    NotAvailable,
    Severity,
    Status,
    Verdict,
    assign_fingerprints,
)
from auditor.registry import Registry, load_registry
from auditor.repo import CODE_LANGUAGES, Repository
from auditor.scoring import (
    CategoryScore,
    Gate,
    Recommendation,
    category_scores,
    evaluate_gate,
    grade,
    overall_score,
    recommendations,
)
from auditor.sources import ParseProblem, Sources

__all__ = ["AuditError", "ProjectCard", "Scorecard", "UsageError", "audit", "select_checks"]

log = logging.getLogger("auditor")

Progress = Callable[[str, int, int], None]


class AuditError(Exception):
    """The audit could not run at all (exit code 3)."""


class UsageError(Exception):
    """The caller asked for something that does not exist (exit code 2)."""


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

    @property
    def results(self) -> list[CheckResult]:
        return [r for p in self.projects for r in p.results]

    @property
    def findings(self) -> list[Finding]:
        return sorted((f for p in self.projects for f in p.findings), key=Finding.sort_key)

    @property
    def recommendations(self) -> list[Recommendation]:
        recs = [r for p in self.projects for r in p.recommendations]
        return sorted(recs, key=lambda r: (-r.priority, -r.severity.rank, r.check_id))

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


def _run_isolated(fn: Callable[[], Any], timeout: float) -> tuple[str, Any]:
    """Run `fn` in a daemon thread: ("ok", value) | ("error", message) | ("timeout", None)."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except (NotApplicable, NotAvailable) as signal:
            box["signal"] = signal
        except BaseException as exc:  # noqa: BLE001 - a crashing check becomes an error result
            box["error"] = exc
            box["trace"] = traceback.format_exc()

    thread = threading.Thread(target=target, daemon=True, name="auditor-check")
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        return "timeout", None
    if "signal" in box:
        return "signal", box["signal"]
    if "error" in box:
        log.debug("check crashed:\n%s", box["trace"])
        exc = box["error"]
        return "error", f"{type(exc).__name__}: {exc}".strip()[:500]
    return "ok", box.get("value")


def _time_limit(ctx: Context, runs_tests: bool) -> float:
    """A check's time limit; with --run-tests the testing family may also wait for the target's suite."""
    if runs_tests and ctx.options.run_tests:
        return ctx.config.check_timeout + ctx.config.run_tests_timeout
    return ctx.config.check_timeout


def run_check(check_cls: type[Check], ctx: Context) -> CheckResult:
    start = time.perf_counter()
    if check_cls.languages and not (set(ctx.languages()) & set(check_cls.languages)):
        langs = ", ".join(sorted(check_cls.languages))
        return CheckResult(check_cls, Status.NOT_APPLICABLE, reason=f"no {langs} code in this project")
    if check_cls.backend_only and ctx.project.kind == "frontend":
        return CheckResult(check_cls, Status.NOT_APPLICABLE, reason="a frontend project is not held to this standard")

    def work() -> Verdict:
        out = check_cls().run(ctx)
        return out if isinstance(out, Verdict) else Verdict(findings=tuple(out))

    limit = _time_limit(ctx, check_cls.category == "testing")
    kind, value = _run_isolated(work, limit)
    elapsed = time.perf_counter() - start
    if kind == "timeout":
        return CheckResult(check_cls, Status.ERROR, reason=f"did not finish within {limit:g}s", duration=elapsed)
    if kind == "error":
        return CheckResult(check_cls, Status.ERROR, reason=str(value), duration=elapsed)
    if kind == "signal":
        status = Status.NOT_APPLICABLE if isinstance(value, NotApplicable) else Status.NOT_AVAILABLE
        return CheckResult(check_cls, status, reason=str(value), duration=elapsed)
    verdict: Verdict = value
    if not isinstance(verdict, Verdict) or not all(isinstance(f, Finding) for f in verdict.findings):
        return CheckResult(check_cls, Status.ERROR, reason="check returned something other than findings", duration=elapsed)
    override = ctx.config.severity.get(check_cls.id)
    findings = [dataclasses.replace(f, severity=override) if override else f for f in verdict.findings]
    findings = sorted(assign_fingerprints(findings), key=Finding.sort_key)
    if verdict.not_applicable and not findings:
        return CheckResult(check_cls, Status.NOT_APPLICABLE, reason=verdict.not_applicable,
                           metrics=dict(verdict.metrics), duration=elapsed)
    failed = any(f.severity is not Severity.INFO for f in findings) or (
        verdict.measure is not None and not verdict.measure.met
    )
    return CheckResult(
        check_cls,
        Status.FAILED if failed else Status.PASSED,
        findings=tuple(findings),
        measure=verdict.measure,
        metrics=dict(verdict.metrics),
        duration=elapsed,
    )


def collect_facts(ctx: Context, collectors: dict[str, Callable[[Any], Any]]) -> dict[str, Any]:
    facts: dict[str, Any] = {"files": _file_facts(ctx)}
    for name, collector in sorted(collectors.items()):
        limit = _time_limit(ctx, name in ("tests", "coverage"))
        kind, value = _run_isolated(lambda c=collector: ctx.fact(c), limit)  # type: ignore[misc]
        if kind == "ok":
            facts[name] = _to_jsonable(value)
        elif kind == "signal":
            facts[name] = {"status": "not_applicable" if isinstance(value, NotApplicable) else "not_available",
                           "reason": str(value)}
        else:
            facts[name] = {"error": "timed out" if kind == "timeout" else str(value)}
    return facts


def _file_facts(ctx: Context) -> dict[str, Any]:
    by_language = Counter(f.language for f in ctx.files)
    by_role = Counter(f.role for f in ctx.files)
    return {
        "total": len(ctx.files),
        "by_language": dict(sorted(by_language.items())),
        "by_role": dict(sorted(by_role.items())),
    }


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
) -> Scorecard:
    """Audit the repository at `target` and return its scorecard. Never prints, never exits."""
    from auditor.repo import RepositoryError

    started_at = datetime.now(UTC)
    t0 = time.perf_counter()
    _keep_target_off_import_path(target)
    config = config or Config.load(target)
    options = options or AuditOptions()
    registry = registry or load_registry()
    selected = select_checks(registry, config.only, config.skip)
    try:
        repo = Repository.scan(target, excludes=config.exclude)
    except RepositoryError as exc:
        raise AuditError(str(exc)) from None
    sources = Sources(repo)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # parsing allocates millions of long-lived nodes: collecting in between only costs time
    try:
        return _audit_parsed(repo, sources, selected, config, options, registry, progress, started_at, t0)
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
) -> Scorecard:
    code_files = [f for f in repo.files if f.language in CODE_LANGUAGES]
    for i, info in enumerate(code_files):
        if progress is not None and i % 200 == 0:
            progress("parsing", i, len(code_files))
        if info.language == "python":
            sources.python(info.path)
        else:
            sources.tree(info.path)
    # Millions of parsed nodes live until the audit ends: keep the collector from re-scanning them on
    # every collection (on Django this was 40% of the audit). `audit` unfreezes them when it returns.
    gc.freeze()
    gc.enable()

    projects = detect_projects(repo)
    cards: list[ProjectCard] = []
    total_steps = len(selected) * len(projects)
    step = 0
    for project in projects:
        ctx = Context(repo=repo, sources=sources, config=config, options=options, project=project)
        results = []
        for check_cls in selected:
            if progress is not None:
                progress(check_cls.id, step, total_steps)
            step += 1
            results.append(run_check(check_cls, ctx))
        facts = collect_facts(ctx, registry.facts)
        categories = category_scores(results, config.weights)
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
                recommendations=tuple(recommendations(results, config.weights, project.label)),
            )
        )
    cards = _gains_in_repository_points(cards)
    score = _repository_score(cards)
    all_findings = [f for c in cards for f in c.findings]
    return Scorecard(
        target=repo.root,
        repo=repo,
        projects=tuple(cards),
        score=score,
        grade=grade(score),
        gate=evaluate_gate(score, all_findings, config),
        problems=tuple(sources.problems),
        plugin_errors=tuple(registry.errors),
        started_at=started_at,
        duration=time.perf_counter() - t0,
        config=config,
        options=options,
    )


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


def _project_weight(card: ProjectCard) -> int:
    return max(1, sum(card.languages.values()))


def _gains_in_repository_points(cards: list[ProjectCard]) -> list[ProjectCard]:
    """A project's recommendation gains, re-expressed in points of the repository score (which weights
    projects by code files), so recommendations of different projects can be ordered together."""
    scored = [c for c in cards if c.score is not None]
    total = sum(_project_weight(c) for c in scored)
    if len(scored) <= 1 or total == 0:
        return cards
    out = []
    for card in cards:
        share = _project_weight(card) / total
        recs = tuple(dataclasses.replace(r, gain=round(r.gain * share, 2)) for r in card.recommendations)
        out.append(dataclasses.replace(card, recommendations=recs))
    return out


def _repository_score(cards: Iterable[ProjectCard]) -> float | None:
    scored = [(c.score, _project_weight(c)) for c in cards if c.score is not None]
    if not scored:
        return None
    total = sum(w for _, w in scored)
    return round(sum(s * w for s, w in scored) / total, 2)
