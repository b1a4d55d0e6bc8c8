"""Whether a unit of work of one project read a file another project owns: what lets a monorepo's audit reuse the
outcomes of the projects a change did not touch (auditor.auditcache.project_key).

A project's key covers its own files' contents, the files no project owns, and the listing of the rest (paths,
languages, roles), not their contents. So an outcome may be reused only if the unit read no file owned by another
project alone. While a unit runs, the Repository and Sources note every listed path asked for by name; `Scope`
remembers whether one of them lay outside what the key covers.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = ["Scope", "note", "watching"]

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
    scope: Scope | None = getattr(_local, "scope", None)
    if scope is not None and not scope.touched and not scope.covers(path):
        scope.touched = True


@contextmanager
def watching(scope: Scope | None) -> Iterator[Scope | None]:
    """Within the block, this thread's reads are noted in `scope` (None: not noted)."""
    previous = getattr(_local, "scope", None)
    _local.scope = scope
    try:
        yield scope
    finally:
        _local.scope = previous
