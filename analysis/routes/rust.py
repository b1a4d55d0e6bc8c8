"""Rust routes across files: axum `nest`/`merge`, actix-web `scope`/`service`/`configure`, Rocket `mount`.

Reads only the model (analysis/rust.py): routes as each file declares them (`RouteDecl`, with the scopes and
nesting prefixes written in that file already applied) and registrations (`Mount`). Owners are the function
whose router chain declares a route (`file#fn`), a `let` router variable in it (`file#fn@var`), or, for attribute
handlers (`#[get("/x")] async fn h`), the handler itself. A registration names a function as written
(`rsfn:routes::users::routes`, `rsfn:Self::router`, `rsfn:ping`, `rsfn:other_crate::routes`); it is found by
name within the project, narrowed by the crate it names (a workspace member whose folder ends the crate's
name), its `mod` path, `use` imports, `impl` type and the caller's crate.

An endpoint's guards are the middleware and attributes where it is declared, the middleware of every mount above
it (`App::new().wrap(auth).configure(routes)`), and `auth-extractor:` for a handler parameter whose type
authenticates the request (a `FromRequest` / `FromRequestParts` impl of the project that reads credentials, or
a library's auth extractor such as `BearerAuth`). A router nobody mounts is served as it is;
an attribute handler nobody registers keeps its path with its prefix marked unknown.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from analysis.frameworks import WEB_FRAMEWORK_IMPORTS
from analysis.model import FileModel, Function
from analysis.project import ProjectAnalysis
from analysis.routes.mounts import MountGraph
from analysis.routes.paths import Endpoint
from analysis.rust import ATTRIBUTE_ROUTE, FUNCTION_REF, RESOURCE_ROUTE, ROUTER_ROUTE, crate_module, test_only_files

__all__ = ["rust_endpoints"]

# Which frameworks declare routes in each style, and the label used when the code does not tell which.
_STYLES: dict[str, tuple[frozenset[str], str]] = {
    ATTRIBUTE_ROUTE: (frozenset({"actix_web", "rocket"}), "actix/rocket"),
    ROUTER_ROUTE: (frozenset({"axum", "actix_web"}), "axum/actix"),
    RESOURCE_ROUTE: (frozenset({"actix_web"}), "actix_web"),
}


@dataclass(frozen=True, slots=True)
class _Fn:
    key: str  # `file#name`
    file: str
    crate: str  # folder holding `src/` (workspace member)
    module: tuple[str, ...]  # `src/routes/users.rs` -> ("routes", "users")
    impl: str  # type of the enclosing `impl` (or trait), "" for a free function


def _uses(model: FileModel) -> dict[str, tuple[str, ...]]:
    """Local name -> path of its `use` (`use crate::a::{b, c as d}` -> b: (crate, a, b), d: (crate, a, c))."""
    out: dict[str, tuple[str, ...]] = {}
    for imp in model.imports:
        if imp.name == "*" or not imp.alias:
            continue
        path = tuple(p for p in imp.module.split("::") if p) + ((imp.name,) if imp.name else ())
        if path:
            out[imp.alias] = path
    return out


class _Project:
    """Every Rust function of the project by name, and each file's `use` names."""

    def __init__(self, models: list[FileModel]) -> None:
        self.fns: dict[str, list[_Fn]] = {}
        self.uses: dict[str, dict[str, tuple[str, ...]]] = {}
        self.records: dict[str, Function] = {}  # `file#name` -> the first function of that name in the file
        for model in models:
            crate, module = crate_module(model.path)
            for fn in model.functions:
                if fn.name and fn.name != "<closure>":
                    key = f"{model.path}#{fn.name}"
                    self.fns.setdefault(fn.name, []).append(_Fn(key, model.path, crate, module, fn.owner))
                    self.records.setdefault(key, fn)
            self.uses[model.path] = _uses(model)

    def function(self, file: str, path: str) -> str | None:
        """The key of the function a call or reference names (`api_router`, `routes::users::routes`, `Self::r`)."""
        parts = [p.split("<", 1)[0] for p in path.replace(" ", "").split("::") if p]
        if not parts:
            return None
        name = parts[-1]
        candidates = self.fns.get(name, [])
        if not candidates:
            return None
        qualifier = parts[:-1]
        uses = self.uses.get(file, {})
        if not qualifier and name in uses:
            qualifier = list(uses[name][:-1])
        own = next((c for c in candidates if c.file == file), None)
        kind = ""
        if qualifier and qualifier[-1] == "Self":
            kind = next((c.impl for c in candidates if c.file == file and c.impl), "")
            qualifier = []
        elif qualifier and qualifier[-1][:1].isupper():
            kind = qualifier.pop()
        crate = crate_module(file)[0]
        pool = [c for c in candidates if not kind or c.impl == kind]
        if qualifier and qualifier[0] not in ("crate", "self", "super"):
            scores = {c.crate: _crate_match(qualifier[0], c.crate) for c in pool}  # `lemmy_api_routes::config`
            best = max(scores.values(), default=(0, 0))
            if best[0]:
                pool, qualifier = [c for c in pool if scores[c.crate] == best], qualifier[1:]
        qualifier = [q for q in qualifier if q not in ("crate", "self", "super")]
        if qualifier:
            pool = [c for c in pool if len(c.module) >= len(qualifier)
                    and c.module[len(c.module) - len(qualifier):] == tuple(qualifier)] or [
                c for c in pool if c.module and c.module[-1] == qualifier[-1]]
        elif own is not None and own in pool:
            return own.key
        if len(pool) > 1:
            pool = [c for c in pool if c.crate == crate] or pool
        if len(pool) > 1 and not qualifier:
            pool = [c for c in pool if c.impl == ""] or pool
        keys = list(dict.fromkeys(c.key for c in pool))
        return keys[0] if len(keys) == 1 else None


def _crate_match(name: str, folder: str) -> tuple[int, int]:
    """How well a workspace member's folder spells the crate `name`: (trailing folder names that end the name,
    minus the folder names left over), (0, 0) for none. `lemmy_api_routes` is (2, -1) for `crates/api/routes/`
    and (1, -1) for `crates/routes/`; a package's name ends with its folder's path, `-` read as `_`."""
    parts = [p for p in folder.replace("-", "_").split("/") if p]
    name = name.replace("-", "_")
    for i in range(len(parts)):
        tail = "_".join(parts[i:])
        if name == tail or name.endswith("_" + tail):
            return len(parts) - i, -i
    return 0, 0


# Request extractors (actix `FromRequest`, axum `FromRequestParts`, Rocket request guards) whose code rejects a
# request without credentials guard every handler that takes them; so do the auth extractors of libraries.
_EXTRACTOR_TRAITS = frozenset({"FromRequest", "FromRequestParts"})
_AUTH_WORDS = re.compile(r"(?i)(login|auth|token|jwt|bearer|session|unauthori[sz]ed|forbidden|credential|identity|"
                         r"api_?key|claims|password)")
_LIBRARY_AUTH_TYPES = re.compile(r"\b(Identity|BearerAuth|BasicAuth|Authorization<|AuthSession|AuthUser|"
                                 r"AuthenticatedUser|CurrentUser|Claims|JwtClaims)\b")
_MAX_GUARD_DEPTH = 24
_MAX_GUARDS = 20


def _auth_extractors(models: list[FileModel]) -> set[str]:
    """Types of the project whose request-extractor impl reads credentials: `impl FromRequest for LocalUserView`
    whose `from_request` fails with `IncorrectLogin`, an axum `FromRequestParts` impl that decodes a JWT."""
    out: set[str] = set()
    for model in models:
        for cls in model.classes:
            if cls.kind != "impl" or not cls.bases or cls.bases[0].rsplit("::", 1)[-1] not in _EXTRACTOR_TRAITS:
                continue
            inside = {i for i, fn in enumerate(model.functions) if cls.line <= fn.line <= cls.end_line}
            texts = (f"{c.callee} {c.receiver} {' '.join(a[1] for a in c.args)}" for c in model.calls
                     if c.function in inside)
            if any(_AUTH_WORDS.search(t) for t in texts):
                out.add(cls.name)
    return out


def _param_guards(fn: Function | None, extractors: set[str]) -> tuple[str, ...]:
    """`auth-extractor:T` for each parameter of a handler whose type authenticates the request (not `Option<T>`,
    which lets anonymous requests through)."""
    if fn is None:
        return ()
    out: list[str] = []
    for name, annotation, _default, _kind in fn.params:
        text = (annotation or "").replace(" ", "")
        if not text or text.startswith("Option<"):
            continue
        base = re.sub(r"^(&|mut|web::|actix_web::web::)+", "", text).split("<", 1)[0].rsplit("::", 1)[-1]
        if base in extractors or _LIBRARY_AUTH_TYPES.search(text):
            out.append(f"auth-extractor:{name}: {annotation}")
    return tuple(out)


def _mount_guards(owner: str, ups: dict[str, list[tuple[str, tuple[str, ...]]]]) -> tuple[str, ...]:
    """Middleware of the mounts on every chain from `owner` up to a root (`App::new().wrap(auth).configure(f)`)."""
    out: list[str] = []
    seen = {owner}
    stack = [(owner, 0)]
    while stack and len(out) < _MAX_GUARDS:
        current, depth = stack.pop()
        if depth >= _MAX_GUARD_DEPTH:
            continue
        for parent, guards in ups.get(current, ()):
            out.extend(guards)
            if parent not in seen:
                seen.add(parent)
                stack.append((parent, depth + 1))
    return tuple(dict.fromkeys(out))[:_MAX_GUARDS]


def _frameworks(model: FileModel) -> set[str]:
    table = WEB_FRAMEWORK_IMPORTS.get("rust", {})
    found = {table[m[len("framework:"):]] for m in model.markers
             if m.startswith("framework:") and m[len("framework:"):] in table}
    for imp in model.imports:
        head = imp.module.split("::", 1)[0]
        if head in table:
            found.add(table[head])
    return found


def _label(style: str, here: set[str], project: set[str]) -> str:
    candidates, fallback = _STYLES.get(style, (frozenset(), style))
    for scope in (here, project):
        named = scope & candidates
        if len(named) == 1:
            return next(iter(named))
    return fallback


def rust_endpoints(analysis: ProjectAnalysis) -> list[Endpoint]:
    """Rust routes of a project with their scope, nest and mount prefixes resolved across functions and modules."""
    tests = test_only_files(analysis)
    models = [m for m in analysis.files("rust", roles=("source",)) if m.path not in tests]
    declaring = [m for m in models if m.routes or m.mounts]
    if not declaring:
        return []
    project = _Project(models)
    extractors = _auth_extractors(models)
    used = {name for m in models for name in _frameworks(m)}
    mount_guards: list[tuple[str, str, tuple[str, ...]]] = []  # (child, parent, guards)
    graph = MountGraph()
    routes: list[tuple[Endpoint, str]] = []
    handlers: set[str] = set()
    parents: set[str] = set()
    children: set[str] = set()
    variables: set[str] = set()
    mounted_variables: set[str] = set()
    for model in declaring:
        here = _frameworks(model)
        for decl in model.routes:
            framework = _label(decl.framework, here, used)
            handler = model.function(decl.function) if decl.framework == ATTRIBUTE_ROUTE else None
            if handler is None and decl.handler and "(" not in decl.handler and "|" not in decl.handler:
                key = project.function(model.path, decl.handler)
                handler = project.records.get(key) if key is not None else None
            guards = (*decl.guards, *_param_guards(handler, extractors))
            routes.append((Endpoint(decl.method, decl.path, model.path, decl.line, framework, handler=decl.handler,
                                    guards=guards), decl.owner))
            parents.add(decl.owner)
            if decl.framework == ATTRIBUTE_ROUTE:
                handlers.add(decl.owner)
            if "@" in decl.owner:
                variables.add(decl.owner)
        for mount in model.mounts:
            child: str | None = mount.child
            if mount.child.startswith(FUNCTION_REF):
                child = project.function(model.path, mount.child[len(FUNCTION_REF):])
            elif "@" in mount.child:
                variables.add(mount.child)
                mounted_variables.add(mount.child)
            if "@" in mount.parent:
                variables.add(mount.parent)
            if child is None:
                continue
            graph.mount(mount.parent, mount.prefix, child)
            parents.add(mount.parent)
            children.add(child)
            if mount.guards:
                mount_guards.append((child, mount.parent, mount.guards))
    for var in variables - mounted_variables:  # a router variable that is served, not mounted
        graph.alias(var, var.rpartition("@")[0])
    resolve = graph.resolve
    resolved_children = {resolve(c) for c in children}
    resolved_handlers = {resolve(h) for h in handlers}
    for parent in parents:
        if resolve(parent) not in resolved_children and resolve(parent) not in handlers:
            graph.root(parent)
    ups: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for child, parent, guards in mount_guards:
        ups.setdefault(resolve(child), []).append((resolve(parent), guards))
    if ups:
        memo: dict[str, tuple[str, ...]] = {}
        guarded: list[tuple[Endpoint, str]] = []
        for ep, owner in routes:
            key = resolve(owner)
            if key not in memo:
                memo[key] = _mount_guards(key, ups)
            guarded.append((dataclasses.replace(ep, guards=(*ep.guards, *memo[key])) if memo[key] else ep, owner))
        routes = guarded
    return graph.apply(routes, default_known=lambda owner: owner not in resolved_handlers)
