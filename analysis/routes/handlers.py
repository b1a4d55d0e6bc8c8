"""Which functions serve requests: route handlers, and the functions they call (up to two calls away).

Checks that judge what happens per request (a database connection opened per request, a blocking call in a
request path) ask this instead of guessing from names. Facts only, memoised per project.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from analysis.model import FileModel, Function
from analysis.project import ProjectAnalysis
from analysis.routes import project_endpoints

__all__ = ["RequestFunctions", "request_functions"]

# Methods of a class-based view that serve an HTTP method (Django, DRF, Flask MethodView).
_VIEW_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "list", "create", "update", "partial_update",
                           "retrieve", "destroy", "dispatch"})
_IDENT = re.compile(r"[A-Za-z_$][\w$]*")
REACH = 2  # calls followed from a handler


class RequestFunctions:
    """Functions by (path, index): `handlers` serve a route; `called` are called by name from a handler, or from a
    function a handler calls (calls are matched by name, so this is a reach, not a call graph)."""

    def __init__(self, handlers: frozenset[tuple[str, int]], called: frozenset[tuple[str, int]]) -> None:
        self.handlers = handlers
        self.called = called

    def serves(self, path: str, index: int) -> bool:
        return (path, index) in self.handlers

    def reached(self, path: str, index: int) -> bool:
        """A handler or a function a handler calls."""
        return (path, index) in self.handlers or (path, index) in self.called

    def __len__(self) -> int:
        return len(self.handlers)


def _handler_names(text: str) -> tuple[str, str]:
    """The (class, function) a route's handler text names: `views.list_items` -> ("", "list_items"),
    `ItemView.as_view()` -> ("ItemView", ""), `UserController.create` -> ("UserController", "create")."""
    text = text.split("(", 1)[0].replace("::", ".").replace("#", ".")
    parts = [p for p in _IDENT.findall(text) if p not in ("as_view", "self", "this")]
    if not parts:
        return "", ""
    last = parts[-1]
    if last[:1].isupper():
        return last, ""
    return (parts[-2] if len(parts) > 1 and parts[-2][:1].isupper() else ""), last


def _compute(analysis: ProjectAnalysis) -> RequestFunctions:
    models = {m.path: m for m in analysis.files(roles=("source",))}
    handlers: set[tuple[str, int]] = set()
    for model in models.values():
        for decl in model.routes:
            if 0 <= decl.function < len(model.functions):
                handlers.add((model.path, decl.function))
    by_name: dict[str, list[tuple[str, int, Function]]] = {}
    by_class: dict[str, list[tuple[str, int, Function]]] = {}
    for model in models.values():
        for i, fn in enumerate(model.functions):
            if not fn.is_test:
                by_name.setdefault(fn.name, []).append((model.path, i, fn))
                if fn.owner:
                    by_class.setdefault(fn.owner.rsplit(".", 1)[-1], []).append((model.path, i, fn))
    for ep in project_endpoints(analysis):
        declared = models.get(ep.file)
        if declared is not None:  # an inline handler: the function or closure that starts on the route's line
            handlers.update((declared.path, i) for i, fn in enumerate(declared.functions) if fn.line == ep.line)
        cls, name = _handler_names(ep.handler)
        if name:
            handlers.update((p, i) for p, i, fn in by_name.get(name, ()) if not cls or fn.owner.rsplit(".", 1)[-1] == cls)
        elif cls:
            handlers.update((p, i) for p, i, fn in by_class.get(cls, ()) if fn.name in _VIEW_METHODS)
    called: set[tuple[str, int]] = set()
    frontier = set(handlers)
    for _ in range(REACH):
        step: set[tuple[str, int]] = set()
        for path, index in frontier:
            for call in _calls_of(models[path], index):
                for p, i, fn in by_name.get(call, ()):
                    if (p, i) not in handlers and (p, i) not in called and (fn.owner == "" or p == path):
                        step.add((p, i))
        called |= step
        frontier = step
    return RequestFunctions(frozenset(handlers), frozenset(called))


def _calls_of(model: FileModel, index: int) -> Iterable[str]:
    """Names of what the function at `index` calls (itself and the closures inside it)."""
    inside = {index}
    for i, fn in enumerate(model.functions):
        if fn.parent in inside:
            inside.add(i)
    return {c.name for c in model.calls if c.function in inside and c.name}


def request_functions(analysis: ProjectAnalysis) -> RequestFunctions:
    """The project's request-serving functions, memoised per project and process."""
    return analysis.memo("request-functions", _compute)
