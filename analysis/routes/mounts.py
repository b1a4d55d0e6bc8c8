"""Where routers are mounted: owners of routes, aliases across modules and the prefixes they are mounted under.

An owner is a string key `file#name` (a router variable, a plugin function, a Go function...). Routes are
declared on owners; `mount(parent, prefix, child)` records `app.use('/x', child)`-like calls; `alias` records
imports and exports (`import r from './rooms'` -> `rooms.ts#default` -> `rooms.ts#router`). A route's full
path is every chain of mounts up to a root (an app object), and its prefix is *known* only when each chain
reaches a root.
"""

from __future__ import annotations

import dataclasses
import posixpath
from collections.abc import Callable, Iterable

from analysis.routes.paths import Endpoint, join_paths

__all__ = ["MountGraph", "resolve_module"]

_MAX_DEPTH = 24
_MAX_PREFIXES = 20
_JS_EXTENSIONS = (".ts", ".tsx", ".js", ".mjs", ".cjs", ".jsx", ".mts", ".cts")


class MountGraph:
    """Owners, aliases and mounts of one language's routes in a project."""

    def __init__(self) -> None:
        self._alias: dict[str, str] = {}
        self._mounts: list[tuple[str, str, str]] = []  # (parent, prefix, child)
        self._roots: set[str] = set()

    def alias(self, name: str, target: str) -> None:
        if name != target:
            self._alias.setdefault(name, target)

    def mount(self, parent: str, prefix: str, child: str) -> None:
        self._mounts.append((parent, prefix, child))

    def root(self, key: str) -> None:
        self._roots.add(key)

    def resolve(self, key: str) -> str:
        """Follow aliases to the owner that declares the routes (cycles stop where they loop)."""
        seen = {key}
        while key in self._alias:
            key = self._alias[key]
            if key in seen:
                break
            seen.add(key)
        return key

    def prefixes(self) -> dict[str, tuple[list[str], bool]]:
        """Owner -> (every full prefix, whether each mount chain reaches a root)."""
        parents: dict[str, list[tuple[str, str]]] = {}
        for parent, prefix, child in self._mounts:
            p, c = self.resolve(parent), self.resolve(child)
            if p != c:
                parents.setdefault(c, []).append((p, prefix))
        roots = {self.resolve(r) for r in self._roots}
        out: dict[str, tuple[list[str], bool]] = {}
        for owner in parents:
            out[owner] = self._chains(owner, parents, roots)
        for owner in roots:
            out.setdefault(owner, ([""], True))
        return out

    @staticmethod
    def _chains(owner: str, parents: dict[str, list[tuple[str, str]]], roots: set[str]) -> tuple[list[str], bool]:
        results: list[str] = []
        known = True
        stack: list[tuple[str, str, int, frozenset[str]]] = [(owner, "", 0, frozenset({owner}))]
        while stack and len(results) < _MAX_PREFIXES:
            current, suffix, depth, path = stack.pop()
            ups = [(p, pre) for p, pre in parents.get(current, []) if p not in path]
            if not ups or depth >= _MAX_DEPTH:
                results.append(suffix or "")
                known = known and current in roots
                continue
            for parent, prefix in ups:
                stack.append((parent, join_paths(prefix, suffix) if prefix.strip("/") or suffix else "", depth + 1,
                              path | {parent}))
        return list(dict.fromkeys(results)) or [""], known

    def apply(self, routes: Iterable[tuple[Endpoint, str]], *,
              default_known: bool | Callable[[str], bool] = False) -> list[Endpoint]:
        """Endpoints with their owners' prefixes; an owner that is never mounted keeps its path as written."""
        table = self.prefixes()
        out: list[Endpoint] = []
        for endpoint, owner in routes:
            resolved = self.resolve(owner)
            unmounted = default_known(resolved) if callable(default_known) else default_known
            prefixes, known = table.get(resolved, ([""], unmounted))
            for prefix in prefixes:
                path = join_paths(prefix, endpoint.path) if prefix.strip("/") else endpoint.path
                if prefix.strip("/") and not endpoint.path.strip("/"):
                    path = join_paths(prefix)
                out.append(dataclasses.replace(endpoint, path=path, prefix_known=known and endpoint.prefix_known))
        return out


def resolve_module(importer: str, spec: str, files: set[str], stems: dict[str, list[str]]) -> str | None:
    """The project file a JS/TS import specifier names: relative paths exactly, anything else by a unique name."""
    if spec.startswith("."):
        base = posixpath.normpath(posixpath.join(posixpath.dirname(importer), spec))
        root, ext = posixpath.splitext(base)
        candidates = [base] if ext in _JS_EXTENSIONS else []
        if ext in (".js", ".mjs", ".cjs", ".jsx"):  # TS ESM imports name the compiled file
            candidates += [root + e for e in _JS_EXTENSIONS]
        candidates += [base + e for e in _JS_EXTENSIONS] + [f"{base}/index{e}" for e in _JS_EXTENSIONS]
        return next((c for c in candidates if c in files), None)
    if spec.startswith("@") and spec.count("/") >= 1 and not spec.startswith(("@/", "@src/", "@app/")):
        # a workspace library by its package name or tsconfig path (Nx `@org/users` -> libs/users/src/index.ts)
        scope_name = spec.split("/", 2)
        name, sub = scope_name[1], scope_name[2] if len(scope_name) > 2 else ""
        tails = [f"/{name}/src/{sub}" if sub else f"/{name}/src/index", f"/{name}/{sub}" if sub else f"/{name}/index"]
        found = sorted({path for path in files if posixpath.splitext(path)[1] in _JS_EXTENSIONS and any(
            ("/" + posixpath.splitext(path)[0]).endswith(t) or ("/" + posixpath.splitext(path)[0]).endswith(t + "/index")
            for t in tails)})
        return found[0] if len(found) == 1 else None
    if spec.startswith(("@/", "~/", "src/", "@src/", "@app/")):  # path aliases: fall back to a unique name match
        tail = spec.split("/", 1)[1]
        tail = posixpath.splitext(tail)[0] if posixpath.splitext(tail)[1] in _JS_EXTENSIONS else tail
        hits = stems.get(tail.rsplit("/", 1)[-1], [])
        matching = [h for h in hits if posixpath.splitext(h)[0].endswith("/" + tail)
                    or posixpath.splitext(h)[0].endswith("/" + tail + "/index")]
        return matching[0] if len(matching) == 1 else None
    return None
