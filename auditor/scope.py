"""Whether a unit of work of one project read a file another project owns: what lets a monorepo's audit reuse the
outcomes of the projects a change did not touch (auditor.auditcache.ProjectKeys).

A project's key covers its own files' contents, the files no project owns, and the listing of the rest (paths,
languages, roles), not their contents. So an outcome may be reused only if the unit read no file owned by another
project alone. While a unit runs, the Repository and Sources note every listed path asked for by name; `Scope`
remembers whether one of them lay outside what the key covers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from auditor.repo import Repository

__all__ = ["Recorded", "Scope", "note", "noting", "record", "replay", "watching"]

T = TypeVar("T")

_local = threading.local()


@dataclass
class Scope:
    mine: frozenset[str]  # the files the project owns
    owned: frozenset[str]  # the files any project owns
    touched: bool = False  # a file owned by other projects only was asked for

    def covers(self, path: str) -> bool:
        return path in self.mine or path not in self.owned


def note(path: str) -> None:
    """Called with each listed path a unit asks for by name (reading, parsing, testing its existence)."""
    for paths in getattr(_local, "recorders", ()):
        paths.add(path)
    scope: Scope | None = getattr(_local, "scope", None)
    if scope is not None and not scope.touched and not scope.covers(path):
        scope.touched = True


@dataclass(frozen=True)
class Recorded:
    """What a memoised computation read: the unlisted paths (with their answers) and the listed paths noted."""

    reads: dict[tuple[str, str, int], str]
    paths: frozenset[str]


def record(repo: Repository | None, compute: Callable[[], T]) -> tuple[T, Recorded]:
    """`compute()` with what it read. A memo (Context.fact, ProjectAnalysis.memo) keeps both and replays the reads
    into every later unit that takes the value (`replay`): each unit's outcome must depend on everything it used,
    or one kept for its project alone would outlive a change to what only the first unit read."""
    outer = repo.take_reads() if repo is not None else {}
    inner: dict[tuple[str, str, int], str] = {}
    try:
        with noting() as paths:
            value = compute()
    finally:
        if repo is not None:
            inner = repo.take_reads()
            repo.add_reads(outer)
            repo.add_reads(inner)
    return value, Recorded(inner, frozenset(paths))


@contextmanager
def noting() -> Iterator[set[str]]:
    """Within the block, every path noted (in this thread) is added to the set it yields, nested blocks included."""
    stack: list[set[str]] = _local.__dict__.setdefault("recorders", [])
    paths: set[str] = set()
    stack.append(paths)
    try:
        yield paths
    finally:
        stack.pop()


def replay(repo: Repository | None, recorded: Recorded) -> None:
    """Count what a memoised value's computation read as read by the current unit too."""
    if repo is not None:
        repo.add_reads(recorded.reads)
    for path in recorded.paths:
        note(path)


@contextmanager
def watching(scope: Scope | None) -> Iterator[Scope | None]:
    """Within the block, this thread's reads are noted in `scope` (None: not noted)."""
    previous = getattr(_local, "scope", None)
    _local.scope = scope
    try:
        yield scope
    finally:
        _local.scope = previous
