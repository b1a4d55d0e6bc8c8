"""What a change does to the audit: `auditor pr` (the head against the merge base) and `auditor audit --ref`.

`audit_change` audits the work tree (the pull request's head) and the merge base of `base` and HEAD, the base
from a private temporary tree written from git objects (auditor.objects, through the hardened git layer
auditor.gitsafe: no configuration, filter or hook of the target's runs and nothing is written to its `.git`),
or reads the base from a JSON report of it. Findings are matched by fingerprint following git's rename
detection (auditor.triage.compare). When the history held here does not reach the merge base (a shallow clone:
deepening needs the network, which the auditor never uses) the head is audited alone and every finding counts
as new; the `diff` section says so (`mode` = full-audit-fallback, `reason`).

`audit_ref` audits a tag or commit the same way, without touching the work tree.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor import objects
from auditor.config import Config
from auditor.context import AuditOptions
from auditor.engine import AuditError, Scorecard, UsageError, audit
from auditor.gitsafe import SafeGit, open_repository
from auditor.registry import Registry
from auditor.scoring import evaluate_change_gate
from auditor.triage import TriageRules, compare, without_base

__all__ = ["ChangeRequest", "audit_change", "audit_ref", "change_gate", "load_config_from", "read_report", "renames_since"]

ConfigFor = Callable[[Path | None], Config]  # the configuration, given the base tree's folder (None: no base tree)


@dataclass(frozen=True, slots=True)
class ChangeRequest:
    base: str  # the ref the pull request merges into (a branch, tag, remote branch or commit)
    base_report: str | None = None  # a JSON report of the base instead of auditing it
    config_from_base: bool = False  # read the configuration from the merge base, not from the head


def _open(target: str | Path) -> SafeGit:
    git = open_repository(target)
    if isinstance(git, str):
        raise AuditError(f"{target}: cannot read git: {git}")
    return git


def _resolve(git: SafeGit, ref: str, what: str) -> str:
    try:
        commit = objects.resolve(git, ref)
    except objects.ObjectsError as exc:
        raise UsageError(f"{what}: {exc}") from None
    if commit is None:
        raise UsageError(f"{what}: {ref[:80]!r} names no commit in this repository (fetch it first)")
    return commit


def load_config_from(tree: Path, source_name: str) -> Config:
    """The configuration a materialised tree holds (`.auditor.toml` or `[tool.auditor]`), named after its commit."""
    config = Config.load(tree)
    prefix = str(tree)
    source = config.source.replace(prefix, source_name) if config.source else config.source
    return dataclasses.replace(config, source=source,
                               warnings=tuple(w.replace(prefix, source_name) for w in config.warnings))


def read_report(path: str, flag: str = "--base-report") -> Scorecard:
    """The scorecard a JSON report file holds (UsageError naming `flag` when it cannot be read)."""
    import json

    from auditor.safeio import UnreadableFile, read_file

    try:
        raw = read_file(path, 256 * 1024 * 1024, truncate=False, follow=True)
    except UnreadableFile as exc:
        raise UsageError(f"{flag} {path}: {'not found' if exc.missing else exc.reason}") from None
    try:
        return Scorecard.from_json(json.loads(raw))
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise UsageError(f"{flag} {path}: not an auditor JSON report ({str(exc).splitlines()[0][:120]})") from None


def audit_change(target: str | Path, request: ChangeRequest, config_for: ConfigFor, options: AuditOptions, *,
                 registry: Registry | None = None, progress: Any = None,
                 triage: TriageRules | None = None) -> tuple[Scorecard, Config]:
    """The head's scorecard with every finding's `change` and the `diff` section, and the configuration used
    (`config_for` is given the merge base's tree when `config_from_base` asks for it)."""
    timings: dict[str, float] = {}
    git = _open(target) if request.base_report is None or request.config_from_base else open_repository(target)
    try:
        safe = git if isinstance(git, SafeGit) else None
        head = merge_base = reason = ""
        if safe is not None:
            head = _resolve(safe, "HEAD", "HEAD")
        if safe is not None and (request.base_report is None or request.config_from_base):
            base_commit = _resolve(safe, request.base, "--base")
            merge_base = objects.merge_base(safe, base_commit, head) or ""
            if not merge_base:
                if objects.is_shallow(safe):
                    reason = (f"shallow clone: the history held here does not reach the merge base of {request.base} "
                              "and HEAD, and deepening needs the network; this is a full audit of the head, every "
                              "finding counted as new (fetch with fetch-depth: 0 to compare)")
                else:
                    reason = f"{request.base} and HEAD have no common ancestor; this is a full audit of the head"
        base_tree: objects.Tree | None = None
        try:
            if merge_base and request.config_from_base:  # the configuration is read from the tree: write it out
                assert safe is not None
                mark = time.perf_counter()
                base_tree = _materialise(safe, merge_base)
                timings["base_export"] = time.perf_counter() - mark
            if request.config_from_base and base_tree is None:
                raise UsageError(f"--config-from-base: the merge base of {request.base} and HEAD is not available "
                                 f"({reason or 'no git history'})")
            config = config_for(base_tree.root if base_tree is not None and request.config_from_base else None)
            mark = time.perf_counter()
            card = audit(target, config, options, registry=registry, progress=progress, triage=triage)
            timings["head"] = time.perf_counter() - mark
            if request.base_report is not None:
                base_card = read_report(request.base_report)
                report_commit = base_card.repo.git.commit if base_card.repo.git else None
                moved: dict[str, str] = {}
                if safe is not None and report_commit and objects.resolve(safe, report_commit):
                    moved = objects.renames(safe, report_commit, head)
                card = compare(card, base_card, base_name=request.base or request.base_report, mode="base-report",
                               merge_base=report_commit or "", renames=moved, timings=timings)
            elif merge_base:
                assert safe is not None
                mark = time.perf_counter()
                stored = _stored_base(safe, merge_base, config, options, registry, triage)
                found = stored.load()
                if found is None:
                    if base_tree is None:
                        base_tree = _materialise(safe, merge_base)
                        timings["base_export"] = time.perf_counter() - mark
                        mark = time.perf_counter()
                    found = audit(base_tree.root, config, options, registry=registry, triage=triage,
                                  paths=base_tree.paths)
                    stored.save(found)
                base_card = found
                timings["base"] = time.perf_counter() - mark
                moved = objects.renames(safe, merge_base, head)
                card = compare(card, base_card, base_name=request.base, mode="merge-base-audit",
                               merge_base=merge_base, renames=moved, base_cached=stored.hit, timings=timings)
            else:
                card = without_base(card, base_name=request.base, reason=reason, timings=timings)
        finally:
            if base_tree is not None:
                base_tree.close()
    except objects.ObjectsError as exc:
        raise AuditError(str(exc)) from None
    finally:
        if isinstance(git, SafeGit):
            git.close()
    return card, config


def _materialise(git: SafeGit, commit: str) -> objects.Tree:
    try:
        return objects.materialise(git, commit)
    except objects.ObjectsError as exc:
        raise AuditError(str(exc)) from None


@dataclass
class _StoredBase:
    """The merge base's report in the audit cache (auditor.auditcache.base_key): a later `auditor pr` on the same
    base (the next push to the pull request, another pull request) neither writes the base out nor audits it."""

    cache: Any = None  # analysis.cache.ModelCache, None: the audit is not cacheable
    key: str = ""
    hit: bool = False

    def load(self) -> Scorecard | None:
        if self.cache is None:
            return None
        from auditor import auditcache

        data = auditcache.load_report(self.cache, self.key)
        if data is None:
            return None
        try:
            card = Scorecard.from_json(data)
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
            return None
        self.hit = True
        return card

    def save(self, card: Scorecard) -> None:
        from auditor import auditcache
        from auditor.model import Status
        from reports.base import scorecard_to_dict

        if self.cache is None or card.limits.exhausted or card.plugin_errors:
            return
        if any(r.status is Status.ERROR for r in card.results):  # a crash or a timeout may not happen next time
            return
        auditcache.store_report(self.cache, self.key, scorecard_to_dict(card))


def _stored_base(git: SafeGit, commit: str, config: Config, options: AuditOptions, registry: Registry | None,
                 triage: TriageRules | None) -> _StoredBase:
    from datetime import UTC, datetime

    from auditor import auditcache
    from auditor.engine import select_checks
    from auditor.registry import load_registry

    if not options.cache:
        return _StoredBase()
    registry = registry or load_registry()
    selected = select_checks(registry, config.only, config.skip)
    if not auditcache.cacheable(selected, options):
        return _StoredBase()
    tree = objects.tree_id(git, commit)
    if tree is None:
        return _StoredBase()
    from analysis.cache import ModelCache

    cache = ModelCache.open(Path(options.cache_dir) if options.cache_dir else None, target=Path(git.work_tree))
    if cache is None:
        return _StoredBase()
    today = triage.today if triage is not None and triage.today is not None else datetime.now(UTC).date()
    key = auditcache.base_key(tree, git.prefix, config, options, selected, registry.facts, registry.errors, triage,
                              today)
    return _StoredBase(cache, key)


def change_gate(card: Scorecard, config: Config, fail_under: float | None) -> Scorecard:
    """The scorecard judged as a change: only its new findings count (see scoring.evaluate_change_gate)."""
    new = [f for f in card.findings if f.change != "unchanged"]
    delta = card.diff.score_delta if card.diff is not None else None
    return dataclasses.replace(card, gate=evaluate_change_gate(card.score, new, config, delta, fail_under=fail_under))


def audit_ref(target: str | Path, ref: str, config_for: ConfigFor, options: AuditOptions, *,
              registry: Registry | None = None, progress: Any = None,
              triage: TriageRules | None = None) -> Scorecard:
    """The scorecard of a tag or commit, audited from a temporary tree written from git objects; the work tree is
    not touched. `config_for` is given the tree (the configuration the commit holds, unless --config)."""
    git = _open(target)
    try:
        commit = _resolve(git, ref, "--ref")
        try:
            tree = objects.materialise(git, commit)
        except objects.ObjectsError as exc:
            raise AuditError(str(exc)) from None
        try:
            config = config_for(tree.root)
            card = audit(tree.root, config, options, registry=registry, progress=progress, triage=triage,
                         paths=tree.paths)
        finally:
            tree.close()
    finally:
        git.close()
    from auditor.remote import web_remote
    from auditor.repo import GitInfo

    return dataclasses.replace(card, target=Path(target), ref=ref,
                               repo=dataclasses.replace(card.repo, root=Path(target).resolve(),
                                                        git=GitInfo(commit=commit, branch=None, dirty=False,
                                                                    remote=web_remote(git.origin_url), prefix=git.prefix)))


def renames_since(target: str | Path, old: str | None, new: str | None) -> dict[str, str]:
    """The files git says were renamed between two commits of the target's repository; empty when either commit
    is unknown here or the target is not in git (then findings are matched at their own paths)."""
    if not old or not new:
        return {}
    git = open_repository(target)
    if isinstance(git, str):
        return {}
    try:
        if objects.resolve(git, old) is None or objects.resolve(git, new) is None:
            return {}
        return objects.renames(git, old, new)
    except objects.ObjectsError:
        return {}
    finally:
        git.close()
