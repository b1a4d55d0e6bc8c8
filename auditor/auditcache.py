"""The outcomes of a whole audit's checks, reused when nothing they depend on has changed.

A re-audit of an unchanged tree (a nightly job, a re-run CI step) need not run a single check: the entry of an
audit is keyed by everything its outcomes depend on —

- the auditor's own code (a digest of the `auditor`, `analysis` and `checks` packages), the version and the code
  of every selected check and fact collector, plugins included, and the plugin load errors;
- the configuration (every field) and the options that change what an audit does;
- the repository as listed: root, every file's path, language, role, size and content (git's blob id for a file
  git's index and status vouch for, else a hash of its bytes), the skipped counts and the git facts;

and it also records each unlisted path the checks read or tested (a `coverage.xml`, a missing `openapi.yaml`)
with a digest of the answer: an entry is used only if every one of them still gives the same answer.

Entries live in the model cache's directory (analysis.cache.ModelCache: outside the repository, MAC-checked
under its own key), so the pickled body is only ever read back from what this user's auditor wrote. An audit
that ran the target's tests, used the network, hit an error, a timeout or the time budget is never stored.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import pickle
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis.cache import ModelCache
from auditor.config import Config
from auditor.context import AuditOptions
from auditor.isolation import Outcome
from auditor.model import Check
from auditor.repo import Repository

if TYPE_CHECKING:
    import jinja2

    from auditor.triage import SuppressionComment

__all__ = ["CachedAudit", "CachedProject", "ProjectKeys", "audit_key", "base_key", "built_in", "load", "load_project", "load_report",
           "store", "store_project", "store_report", "template_cache"]

ENTRY_VERSION = "4"  # 3: the reads of a check that was not applicable are kept (2 lost some); 4: outcomes say
# whether they read another project's files
_UNCACHEABLE = frozenset({"executes-target", "network"})


@dataclass(frozen=True)
class CachedAudit:
    outcomes: dict[str, Outcome]  # by unit name, as engine.run_units returned them
    reads: dict[tuple[str, str, int], str]  # unlisted paths the checks read or tested, with the answer's digest
    problems: dict[str, tuple[str, str]]  # parse problems and analysis failures of the files, by path
    analysed: int  # files with a model
    roles: dict[str, str] = field(default_factory=dict)  # roles the files' content changed (auditor.roles), by path
    parsers: dict[str, str] = field(default_factory=dict)  # which parser read each analysed file (facts.files.parsers)
    # the suppression comments of the files (auditor.triage.scan): a re-audit of the same listing need not read every
    # file again to find them (on Django 0.14 s of a 1.1 s warm audit)
    comments: tuple[SuppressionComment, ...] | None = None


def _package_digest() -> str:
    digest = hashlib.blake2b(ENTRY_VERSION.encode(), digest_size=20)
    for name in ("auditor", "analysis", "checks"):
        package = Path(__file__).resolve().parent.parent / name
        for path in sorted(package.rglob("*.py")):
            digest.update(str(path.relative_to(package.parent)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


_PACKAGE_DIGEST: str | None = None


def _source_digest(obj: object) -> str:
    """A digest of the file `obj` is defined in (a plugin's check), or its qualified name when it has none."""
    with contextlib.suppress(TypeError, OSError):
        source = inspect.getsourcefile(obj)  # type: ignore[arg-type]
        if source:
            return hashlib.blake2b(Path(source).read_bytes(), digest_size=16).hexdigest()
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', '?')}"


def cacheable(checks: Iterable[type[Check]], options: AuditOptions) -> bool:
    """Whether an audit with these checks and options may be taken from, and stored in, the cache."""
    if not options.cache or options.run_tests or options.live is not None:
        return False
    # a check fed by the live phase talks to nothing when the phase does not run (it is then not applicable)
    return not any(c.capabilities & _UNCACHEABLE and c.phase != "live" for c in checks)


def _keyed(kind: str, config: Config, options: AuditOptions, checks: Iterable[type[Check]],
           collectors: dict[str, Callable[[Any], Any]], plugin_errors: Iterable[str]
           ) -> tuple[hashlib.blake2b, Callable[..., None]]:
    """A digest fed with what every audit entry depends on besides the files: the auditor's code, the checks',
    the configuration and the options; and the function that feeds it more."""
    global _PACKAGE_DIGEST
    if _PACKAGE_DIGEST is None:
        _PACKAGE_DIGEST = _package_digest()
    import analysis.cache
    from auditor import __version__

    digest = hashlib.blake2b(digest_size=20)

    def part(*values: object) -> None:
        digest.update(repr(values).encode("utf-8", "surrogatepass"))
        digest.update(b"\x1e")

    part(kind, ENTRY_VERSION, __version__, _PACKAGE_DIGEST, analysis.cache.CODE_DIGEST)
    for check in checks:
        part("check", check.id, check.version, check.__module__, check.__qualname__, _source_digest(check))
    for name, collector in sorted(collectors.items()):
        part("fact", name, _source_digest(collector))
    part("plugin-errors", tuple(plugin_errors))
    part("config", repr(config))
    part("options", tuple((f.name, getattr(options, f.name)) for f in fields(options)
                          if f.name not in ("jobs", "cache", "cache_dir")))
    return digest, part


def audit_key(repo: Repository, config: Config, options: AuditOptions, checks: Iterable[type[Check]],
              collectors: dict[str, Callable[[Any], Any]], plugin_errors: Iterable[str]) -> str:
    digest, part = _keyed("audit", config, options, checks, collectors, plugin_errors)
    part("repo", str(repo.root), repo.git, repo.git_error, sorted(repo.skipped.items()), repo.excludes)
    for info in repo.files:
        part(info.path, info.language, info.role, info.size, repo.content_key(info))
    return "audit-" + digest.hexdigest()


def built_in(checks: Iterable[type[Check]], collectors: dict[str, Callable[[Any], Any]]) -> bool:
    """Whether every check and fact collector is the auditor's own: only those are known to read other projects'
    files only through the Repository and Sources, which note it (auditor.scope); a plugin might not."""
    import sys

    import checks as ours

    home = str(Path(ours.__file__).resolve().parent) + "/"

    def own(obj: object) -> bool:
        name = getattr(obj, "__module__", "") or ""
        module = sys.modules.get(name)
        where = getattr(module, "__file__", None) or ""
        # by name and by place: a plugin's module could call itself checks.x
        return name.startswith("checks.") and str(Path(where).resolve()).startswith(home)

    return all(own(c) for c in (*checks, *collectors.values()))


class ProjectKeys:
    """The keys of the projects of one audit (see `key`), sharing the work every key repeats."""

    def __init__(self, repo: Repository, config: Config, options: AuditOptions, checks: Iterable[type[Check]],
                 collectors: dict[str, Callable[[Any], Any]], plugin_errors: Iterable[str],
                 projects: Iterable[object]) -> None:
        digest, part = _keyed("project", config, options, checks, collectors, plugin_errors)
        part("repo", str(repo.root), repo.git_error, sorted(repo.skipped.items()), repo.excludes)
        part("projects", tuple(repr(p) for p in projects))
        for info in repo.files:  # every file's path, language and role: a file added anywhere invalidates all
            part(info.path, info.language, info.role)
        self._common = digest.hexdigest()
        self._repo = repo
        self._records: dict[str, bytes] = {}

    def key(self, project: object, mine: frozenset[str], owned: frozenset[str]) -> str:
        """The key of one project's outcomes: what every audit entry depends on, the listing, and the size and
        content of the files it owns and of those no project owns; not the contents of other projects' files,
        which its units must not have read (auditor.scope.Scope.touched)."""
        digest = hashlib.blake2b(self._common.encode(), digest_size=20)
        digest.update(repr(project).encode("utf-8", "surrogatepass"))
        for info in self._repo.files:
            if info.path in mine or info.path not in owned:
                record = self._records.get(info.path)
                if record is None:
                    record = self._records[info.path] = repr(
                        (info.path, info.size, self._repo.content_key(info))).encode("utf-8", "surrogatepass")
                digest.update(record)
                digest.update(b"\x1e")
        return "audit-" + digest.hexdigest()


@dataclass(frozen=True)
class CachedProject:
    outcomes: dict[str, Outcome]  # by unit name: the project's units that read nothing beyond what its key covers


def load_project(cache: ModelCache, key: str, repo: Repository) -> dict[str, Outcome]:
    """The outcomes stored under a project's key whose unlisted reads still give the same answers."""
    body = cache.get(key)
    if body is None:
        return {}
    try:
        entry = pickle.loads(body)  # noqa: S301 - MAC-verified entry this user's auditor wrote
    except Exception:  # noqa: BLE001 - an entry of an older layout: a miss
        return {}
    if not isinstance(entry, CachedProject):
        return {}
    return {name: outcome for name, outcome in entry.outcomes.items()
            if isinstance(outcome.value, tuple) and len(outcome.value) == 4 and repo.reads_unchanged(outcome.value[2])}


def store_project(cache: ModelCache, key: str, outcomes: dict[str, Outcome]) -> None:
    if outcomes:
        with contextlib.suppress(pickle.PicklingError, TypeError, AttributeError, RecursionError):
            cache.put(key, pickle.dumps(CachedProject(outcomes), protocol=pickle.HIGHEST_PROTOCOL))


def base_key(tree: str, prefix: str, config: Config, options: AuditOptions, checks: Iterable[type[Check]],
             collectors: dict[str, Callable[[Any], Any]], plugin_errors: Iterable[str], triage: object,
             today: date) -> str:
    """The key of the JSON report of a commit's audit from git objects (the merge base of `auditor pr`): git's id of
    the commit's tree below the target's `prefix` names every file's path and content, so equal trees audited
    alike give equal reports without the tree being written out or read. The triage rules (a baseline) and the
    day (suppressions expire) are part of it."""
    digest, part = _keyed("base-report", config, options, checks, collectors, plugin_errors)
    part("tree", tree, prefix, repr(triage), today.isoformat())
    return "audit-" + digest.hexdigest()


def load_report(cache: ModelCache, key: str) -> dict[str, Any] | None:
    """A report stored by `store_report`, or None."""
    body = cache.get(key)
    if body is None:
        return None
    try:
        data = json.loads(zlib.decompress(body))
    except (ValueError, zlib.error, RecursionError):
        return None
    return data if isinstance(data, dict) and str(data.get("schema_version", "")).startswith("1.") else None


def store_report(cache: ModelCache, key: str, data: dict[str, Any]) -> None:
    cache.put(key, zlib.compress(json.dumps(data, ensure_ascii=False).encode("utf-8", "surrogatepass"), 6))


def template_cache(cache: ModelCache) -> jinja2.BytecodeCache:
    """A jinja2 BytecodeCache that keeps compiled report templates in `cache` (MAC-checked single-file entries, like
    every entry here): compiling the HTML report's template cost every run 0.13 s. jinja2 itself drops a bucket
    whose template source changed (its checksum) or whose Python is another (its magic); the key adds jinja2's
    version and the code that sets the environment up (reports/html.py: autoescaping is compiled in)."""
    import sys

    import jinja2

    import reports.html

    setup = hashlib.blake2b(Path(reports.html.__file__).read_bytes(), digest_size=16).hexdigest()

    def entry(bucket: jinja2.bccache.Bucket) -> str:
        material = repr(("template", ENTRY_VERSION, jinja2.__version__, sys.version, setup, bucket.key))
        return "audit-" + hashlib.blake2b(material.encode(), digest_size=20).hexdigest()

    class Templates(jinja2.BytecodeCache):
        def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            body = cache.get(entry(bucket))
            if body is not None:
                try:  # resets the bucket itself on a wrong magic, checksum or code
                    bucket.bytecode_from_string(body)
                except Exception:  # noqa: BLE001 - an entry of another layout: compile afresh
                    bucket.reset()

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            cache.put(entry(bucket), bucket.bytecode_to_string())

    return Templates()


def load(cache: ModelCache, key: str, repo: Repository) -> CachedAudit | None:
    body = cache.get(key)
    if body is None:
        return None
    try:
        entry = pickle.loads(body)  # noqa: S301 - MAC-verified entry this user's auditor wrote
    except Exception:  # noqa: BLE001 - an entry of an older layout: a miss
        return None
    if not isinstance(entry, CachedAudit) or not repo.reads_unchanged(entry.reads):
        return None
    return entry


def store(cache: ModelCache, key: str, entry: CachedAudit) -> None:
    if any(o.kind in ("error", "timeout") for o in entry.outcomes.values()):
        return
    with contextlib.suppress(pickle.PicklingError, TypeError, AttributeError, RecursionError):
        cache.put(key, pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL))
