"""What a check sees: one project of the target, its files, shared parsed sources and memoised facts."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from auditor.config import Config
from auditor.live import LiveFacts, LiveRequest
from auditor.model import Check, JSONValue
from auditor.repo import CODE_LANGUAGES, FileInfo, Repository
from auditor.sources import PyModule, Sources, TsFile

if TYPE_CHECKING:
    from analysis.git_history import HistoryScan
    from analysis.pool import ModelStore
    from analysis.project import ProjectAnalysis
    from auditor.scope import Scope

__all__ = ["AuditOptions", "Context", "Project"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class AuditOptions:
    """Options that change what an audit may do. Each flag that executes target code says so."""

    run_tests: bool = False  # EXECUTES TARGET CODE: runs the target's test suite under coverage
    python: str | None = None  # with run_tests: the interpreter that runs the suite (--python); None: auto
    jobs: int = 0  # check families run in this many processes at once; 0: one per core, at most 4
    cache: bool = True  # reuse file models of unchanged files from the cache directory
    cache_dir: str | None = None  # None: $XDG_CACHE_HOME/auditor or ~/.cache/auditor
    # TALKS TO A SERVICE, and with --api-app / --api-command EXECUTES TARGET CODE: the live API phase
    # (auditor.live), which exercises the API with schemathesis before the checks run.
    live: LiveRequest | None = None


@dataclass(frozen=True, slots=True)
class Project:
    """A project inside the repository, found from its manifest. `path` is "" for the repository root."""

    path: str
    kind: str = "backend"  # backend | frontend | library
    manifests: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()  # nested project roots whose files belong to them, not to this one
    name: str = ""
    # Folders outside `path` whose files belong to this project too: a workspace root's `prisma/` that its one
    # backend app migrates (the project that holds them lists them in `excluded`).
    shared: tuple[str, ...] = ()
    _excluded_set: frozenset[str] = field(default=frozenset(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_excluded_set", frozenset(self.excluded))

    @property
    def label(self) -> str:
        return self.name or self.path or "."

    def owns(self, rel: str) -> bool:
        if any(rel == s or rel.startswith(s + "/") for s in self.shared):
            return True
        if self.path and not (rel == self.path or rel.startswith(self.path + "/")):
            return False
        if not self._excluded_set:
            return True
        folder = rel
        while "/" in folder:  # O(depth), not O(nested projects): a monorepo may hold hundreds
            folder = folder.rsplit("/", 1)[0]
            if folder in self._excluded_set:
                return False
        return True

    def relative(self, rel: str) -> str:
        """`rel` as seen from the project root (a file of a shared folder keeps its repository path)."""
        if not self.path:
            return rel
        return rel[len(self.path) + 1 :] if rel.startswith(self.path + "/") else rel


@dataclass
class Context:
    repo: Repository
    sources: Sources
    config: Config
    options: AuditOptions = field(default_factory=AuditOptions)
    project: Project = field(default_factory=lambda: Project(""))
    live: LiveFacts | None = None  # what the live phase saw, for the project the live API belongs to
    _facts: dict[Any, Any] = field(default_factory=dict)
    _locks: dict[Any, threading.Lock] = field(default_factory=dict)
    _guard: threading.Lock = field(default_factory=threading.Lock)
    _files: list[FileInfo] | None = None
    models: ModelStore | None = None  # every analysed file's model (analysis.pool), shared by all projects
    _analysis: ProjectAnalysis | None = None
    # The git history scan of the whole repository (--git-history), made once in the parent before the checks
    # fork; None when it was not asked for (then nothing of the history is read).
    history: HistoryScan | None = None
    # Which files this project owns, while its units run in a monorepo audit that may reuse a project's outcomes:
    # the Repository and Sources note a file owned by other projects only (auditor.scope).
    scope: Scope | None = None

    @property
    def analysis(self) -> ProjectAnalysis:
        """The analysis layer's view of this project's code (decoded lazily, once per process)."""
        if self._analysis is None:
            from analysis.pool import ModelStore
            from analysis.project import ProjectAnalysis

            with self._guard:
                if self._analysis is None:
                    if self.models is None:  # a context made outside a full audit: analyse files as they are asked for
                        self.models = ModelStore.lazy(self.repo)
                    self._analysis = ProjectAnalysis(self.models, self.files, self.repo)
        return self._analysis

    # -- files of this project --------------------------------------------------------------------
    @property
    def files(self) -> list[FileInfo]:
        if self._files is None:
            files = [f for f in self.repo.files_below(self.project.path) if self.project.owns(f.path)]
            for folder in self.project.shared:
                files += self.repo.files_below(folder)
            self._files = sorted(files, key=lambda f: f.path) if self.project.shared else files
        return self._files

    def files_where(self, *, languages: tuple[str, ...] = (), roles: tuple[str, ...] = ()) -> list[FileInfo]:
        return [
            f for f in self.files
            if (not languages or f.language in languages) and (not roles or f.role in roles)
        ]

    def languages(self) -> Counter[str]:
        return Counter(f.language for f in self.files if f.language in CODE_LANGUAGES)

    def python_modules(self, *roles: str) -> Iterator[PyModule]:
        for info in self.files_where(languages=("python",), roles=roles):
            module = self.sources.python(info.path)
            if module is not None:
                yield module

    def trees(self, *languages: str, roles: tuple[str, ...] = ()) -> Iterator[TsFile]:
        for info in self.files_where(languages=languages, roles=roles):
            parsed = self.sources.tree(info.path)
            if parsed is not None:
                yield parsed

    def path(self, rel_to_project: str) -> str:
        """A project-relative path as a repository-relative one."""
        return f"{self.project.path}/{rel_to_project}" if self.project.path else rel_to_project

    def read_text(self, rel: str) -> str | None:
        """Text of a repository-relative file, listed or not (e.g. an ignored `coverage.xml`)."""
        if self.repo.get(rel) is not None:
            return self.sources.text(rel)
        data = self.repo.read_bytes(rel)
        if data is None:
            return None
        return data.decode("utf-8", "replace")

    # -- facts --------------------------------------------------------------------------------------
    def fact(self, collector: Callable[[Context], T]) -> T:
        """The result of `collector(self)`, computed once per project however many checks ask."""
        with self._guard:
            lock = self._locks.setdefault(collector, threading.Lock())
        from auditor.scope import record, replay

        with lock:
            if collector not in self._facts:
                self._facts[collector] = record(self.repo, lambda: collector(self))
            else:  # what computing it read counts for every unit that uses it
                replay(self.repo, self._facts[collector][1])
            result: T = self._facts[collector][0]
            return result

    def threshold(self, name: str) -> float:
        return self.config.threshold(name)

    def option(self, check: Check | type[Check], name: str) -> JSONValue:
        """The effective value of an option `check` declares: `[tool.auditor.options."<id>"] name = ...` when the
        configuration sets it (validated against the declared default's type), else the declared default."""
        cls = check if isinstance(check, type) else type(check)
        if name not in cls.options:
            raise KeyError(f"{cls.id} declares no option {name!r}")
        default = cls.options[name]
        value = self.config.options.get(cls.id, {}).get(name, default)
        if isinstance(default, int) and not isinstance(default, bool) and isinstance(value, float):
            return int(value)
        return value

    def number_option(self, check: Check | type[Check], name: str) -> float:
        """`option` for a numeric option."""
        value = self.option(check, name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"option {name!r} of {check.id} is not a number")
        return float(value)
