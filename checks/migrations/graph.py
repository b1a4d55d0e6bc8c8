"""Revision graphs of migration tools (Alembic, Django): heads, missing parents, cycles, duplicates.

Pure functions over (id, parents) pairs. Iterative throughout, so hostile graphs (long chains, cycles,
self-references) neither hang nor exhaust the stack.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["GraphReport", "analyse_graph"]


@dataclass(frozen=True, slots=True)
class GraphReport:
    """What is wrong with one revision graph. Every tuple is sorted, so reports compare equal."""

    nodes: int
    heads: tuple[str, ...]  # revisions no other revision names as parent
    bases: tuple[str, ...]  # revisions without parents
    missing: tuple[tuple[str, str], ...]  # (revision, parent that does not exist)
    self_refs: tuple[str, ...]
    duplicates: tuple[str, ...]  # ids defined more than once
    cycles: tuple[tuple[str, ...], ...]  # each a strongly connected set of two or more revisions

    @property
    def sound(self) -> bool:
        return (
            len(self.heads) == 1 and not self.missing and not self.self_refs and not self.duplicates and not self.cycles
        )


def analyse_graph(revisions: Iterable[tuple[str, tuple[str, ...]]]) -> GraphReport:
    """Analyse revisions given as (id, parent ids). The first definition of a duplicated id wins."""
    parents: dict[str, tuple[str, ...]] = {}
    duplicates: set[str] = set()
    for rev, ps in revisions:
        if rev in parents:
            duplicates.add(rev)
            continue
        parents[rev] = tuple(dict.fromkeys(ps))
    has_child: set[str] = set()
    missing: set[tuple[str, str]] = set()
    self_refs: set[str] = set()
    for rev, ps in parents.items():
        for p in ps:
            if p == rev:
                self_refs.add(rev)
            elif p in parents:
                has_child.add(p)
            else:
                missing.add((rev, p))
    heads = sorted(r for r in parents if r not in has_child)
    bases = sorted(r for r, ps in parents.items() if not ps)
    cycles = _cycles({r: tuple(p for p in ps if p in parents and p != r) for r, ps in parents.items()})
    return GraphReport(
        nodes=len(parents),
        heads=tuple(heads),
        bases=tuple(bases),
        missing=tuple(sorted(missing)),
        self_refs=tuple(sorted(self_refs)),
        duplicates=tuple(sorted(duplicates)),
        cycles=cycles,
    )


def _cycles(edges: dict[str, tuple[str, ...]]) -> tuple[tuple[str, ...], ...]:
    """Strongly connected components with two or more members (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[tuple[str, ...]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            succ = edges[node]
            if i < len(succ):
                work.append((node, i + 1))
                nxt = succ[i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(tuple(sorted(component)))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return tuple(sorted(found))
