"""Go routes across functions and packages: gin, echo, chi, gorilla/mux, fiber, httprouter and net/http.

Reads only the model (analysis/go.py): each file's routes are declared on symbolic owners, a router made in a
function (`go:<dir>#<Func>/<var>`), a router parameter (`go:<dir>#<Func>@<index>`) or a package-level router
(`go:<dir>#<var>`); mounts say where one owner hangs under another with which prefix and middleware: a group
handed to a function (`routes.Register(v1)`), `r.Mount("/admin", admin.Router())`, a function returning the
router it made. Callees are symbolic too (`gocall:<symbolic callee>|<operand>|<name>`): the Go resolver
(analysis/golang_types.py) finds the declaration by package and receiver type; when it cannot, a function or
method name declared once in the project (or told apart by its folder and type names) is taken.

A route whose owner is never reached from a router the project makes has an unknown prefix (prefix_known False).
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis.go import is_declared
from analysis.golang_types import GoProject, go_project
from analysis.project import ProjectAnalysis
from analysis.routes.paths import Endpoint, join_paths

__all__ = ["go_endpoints"]

_MAX_DEPTH = 24
_MAX_PREFIXES = 20


@dataclass(frozen=True, slots=True)
class _Up:
    parent: str
    prefix: str
    guards: tuple[str, ...]
    known: bool


def _is_param(key: str) -> bool:
    head, _, index = key.rpartition("@")
    return bool(head) and index.isdigit()


class _Callees:
    """Symbolic callees to the function keys they name."""

    def __init__(self, project: GoProject, declared: dict[str, list[str]]) -> None:
        self.project = project
        self.declared = declared

    def resolve(self, child: str, importer: str) -> list[str]:
        if not child.startswith("gocall:"):
            return [child]
        sym, _, rest = child[len("gocall:"):].partition("|")
        operand, _, tail = rest.partition("|")
        name, at, index = tail.partition("@")
        suffix = f"@{index}" if at else ""
        keys = self.project.function_keys(sym) if sym else []
        if not keys and self._may_guess(sym):
            keys = self._by_name(name, operand, importer)
        return [f"go:{k}{suffix}" for k in keys]

    def _may_guess(self, sym: str) -> bool:
        """A callee in a library is never guessed to be a project function of the same name."""
        if not sym.startswith("F:"):
            return True
        ref = sym[2:].partition(" ")[0].rpartition("#")[0]
        return ref.startswith("@") or self.project.is_project_ref(ref)

    def _by_name(self, name: str, operand: str, importer: str) -> list[str]:
        """`RegisterRoutes`, `adminAPI.Router`, `a.Profile.router`: a name declared once, or told apart by the
        operand's resemblance to the declaring folder, then to the receiver type."""
        candidates = list(dict.fromkeys(self.declared.get(name, [])))
        if len(candidates) > 1 and operand:
            lowered = operand.lower()
            own = importer.rpartition("/")[0]
            folder = [c for c in candidates if c.partition("#")[0] != own
                      and any(len(seg) >= 3 and lowered.startswith(seg.lower()) for seg in c.partition("#")[0].split("/"))]
            candidates = folder or [c for c in candidates if c.partition("#")[0] == own] or candidates
        if len(candidates) > 1 and operand:
            last = operand.rsplit(".", 1)[-1].lower()
            typed = [c for c in candidates if "." in c.partition("#")[2]
                     and c.partition("#")[2].split(".")[0].lower().startswith(last.rstrip("s"))]
            candidates = typed or candidates
        return candidates if len(candidates) == 1 else []


def go_endpoints(analysis: ProjectAnalysis) -> list[Endpoint]:
    models = list(analysis.files("go", roles=("source",)))
    if not any(m.routes for m in models):
        return []
    project = go_project(analysis)
    declared: dict[str, list[str]] = {}
    for model in models:
        directory = model.path.rpartition("/")[0]
        for fn in model.functions:
            if is_declared(fn):
                declared.setdefault(fn.name, []).append(f"{directory}#{fn.qualname}")
    callees = _Callees(project, declared)
    ups: dict[str, list[_Up]] = {}
    for model in models:
        for mount in model.mounts:
            for child in callees.resolve(mount.child, model.path):
                if child != mount.parent:
                    ups.setdefault(child, []).append(_Up(mount.parent, mount.prefix, mount.guards, mount.known))
    chains: dict[str, list[tuple[str, tuple[str, ...], bool]]] = {}
    out: list[Endpoint] = []
    for model in models:
        for route in model.routes:
            found = chains.get(route.owner)
            if found is None:
                found = chains[route.owner] = _chains(route.owner, ups)
            for prefix, guards, known in found:
                path = join_paths(prefix, route.path) if prefix.strip("/") else route.path
                out.append(Endpoint(route.method, path or "/", model.path, route.line, route.framework,
                                    prefix_known=known and route.known, handler=route.handler,
                                    guards=(*guards, *route.guards)))
    return out


def _chains(owner: str, ups: dict[str, list[_Up]]) -> list[tuple[str, tuple[str, ...], bool]]:
    """Every (prefix, middleware, known) an owner is reached with from the routers the project makes."""
    results: list[tuple[str, tuple[str, ...], bool]] = []
    stack: list[tuple[str, str, tuple[str, ...], bool, int, frozenset[str]]] = [
        (owner, "", (), True, 0, frozenset({owner}))]
    while stack and len(results) < _MAX_PREFIXES:
        current, suffix, guards, known, depth, seen = stack.pop()
        parents = [u for u in ups.get(current, []) if u.parent not in seen]
        if not parents or depth >= _MAX_DEPTH:
            results.append((suffix, guards, known and not _is_param(current)))
            continue
        for up in parents:
            prefix = join_paths(up.prefix, suffix) if up.prefix.strip("/") or suffix.strip("/") else ""
            stack.append((up.parent, prefix, (*up.guards, *guards), known and up.known, depth + 1,
                          seen | {up.parent}))
    unique: dict[tuple[str, tuple[str, ...]], bool] = {}
    for prefix, guards, known in results:
        unique[(prefix, guards)] = unique.get((prefix, guards), True) and known
    return [(p, g, k) for (p, g), k in unique.items()] or [("", (), not _is_param(owner))]
