"""What checks ask of a project's code: its files' models, and questions across files answered once.

A check reads `ctx.analysis` (one `ProjectAnalysis` per project and process): the models of the project's
files, decoded lazily, and memoised project-level answers (the project's own class names, resolved routes).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from analysis.model import Call, Class, Exposure, FileModel, Function, Handler, Import, Raise

if TYPE_CHECKING:
    from analysis.pool import ModelStore
    from auditor.repo import FileInfo, Repository
    from auditor.scope import Recorded

__all__ = ["ProjectAnalysis"]

T = TypeVar("T")
R = TypeVar("R")


class ProjectAnalysis:
    def __init__(self, store: ModelStore, files: Iterable[FileInfo], repo: Repository | None = None) -> None:
        self._store = store
        self._files = [f for f in files if store.has(f.path)]
        self._repo = repo  # whose reads a memoised computation's are (auditor.scope.record)
        self._memo: dict[object, tuple[object, Recorded]] = {}
        self._lock = threading.Lock()

    # -- files -----------------------------------------------------------------------------------------------
    def files(self, *languages: str, roles: tuple[str, ...] = ()) -> Iterator[FileModel]:
        """The models of the project's files in path order, optionally only of some languages and roles."""
        for info in self._files:
            if (languages and info.language not in languages) or (roles and info.role not in roles):
                continue
            model = self._store.model(info.path)
            if model is not None:
                yield model

    def model(self, path: str) -> FileModel | None:
        return self._store.model(path) if any(f.path == path for f in self._files) else None

    def records(self, section: str, *languages: str, roles: tuple[str, ...] = ()) -> Iterator[tuple[FileModel, Any]]:
        """(model, record) for every record of one section (`calls`, `handlers`, ...) of the chosen files."""
        for model in self.files(*languages, roles=roles):
            for record in getattr(model, section):
                yield model, record

    def calls(self, *languages: str, roles: tuple[str, ...] = (), names: Iterable[str] = ()) -> Iterator[tuple[FileModel, Call]]:
        wanted = frozenset(names)
        for model in self.files(*languages, roles=roles):
            for call in model.calls:
                if not wanted or call.name in wanted:
                    yield model, call

    def functions(self, *languages: str, roles: tuple[str, ...] = ()) -> Iterator[tuple[FileModel, Function]]:
        return self.records("functions", *languages, roles=roles)

    def handlers(self, *languages: str, roles: tuple[str, ...] = ()) -> Iterator[tuple[FileModel, Handler]]:
        return self.records("handlers", *languages, roles=roles)

    def raises(self, *languages: str, roles: tuple[str, ...] = ()) -> Iterator[tuple[FileModel, Raise]]:
        return self.records("raises", *languages, roles=roles)

    def exposures(self, *languages: str, roles: tuple[str, ...] = ()) -> Iterator[tuple[FileModel, Exposure]]:
        return self.records("exposures", *languages, roles=roles)

    def imports(self, *languages: str, roles: tuple[str, ...] = ()) -> Iterator[tuple[FileModel, Import]]:
        return self.records("imports", *languages, roles=roles)

    def classes(self, *languages: str, roles: tuple[str, ...] = ()) -> Iterator[tuple[FileModel, Class]]:
        return self.records("classes", *languages, roles=roles)

    def imports_module(self, model: FileModel, *prefixes: str) -> bool:
        """Whether `model` imports a module that is, or lies below, one of `prefixes` (absolute imports only)."""
        for imp in model.imports:
            module = imp.module
            if module.startswith("."):
                continue
            for p in prefixes:
                if module == p or module.startswith(p + ".") or module.startswith(p + "/"):
                    return True
        return False

    # -- memoised project-level answers --------------------------------------------------------------------------
    def memo(self, key: object, compute: Callable[[ProjectAnalysis], R]) -> R:
        """`compute(self)` once per project and process (route resolution, type declarations, ...)."""
        from auditor.scope import record, replay

        with self._lock:
            found = self._memo.get(key)
        if found is not None:
            replay(self._repo, found[1])  # what computing it read counts for every unit that uses it
            return found[0]  # type: ignore[return-value]
        computed = record(self._repo, lambda: compute(self))
        with self._lock:
            kept = self._memo.setdefault(key, computed)
        if kept is not computed:
            replay(self._repo, kept[1])
        return kept[0]  # type: ignore[return-value]

    def own_classes(self, *languages: str) -> frozenset[str]:
        """Names of the classes the project's own source declares (their messages are the project's words)."""
        return self.memo(("own-classes", languages), lambda a: frozenset(
            c.name for _, c in a.classes(*languages, roles=("source",))))
