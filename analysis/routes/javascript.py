"""TypeScript / JavaScript routes across modules: Express, Fastify, Hono, Koa routers, NestJS, routing-controllers.

Reads only the model (analysis/javascript.py): routes declared on owner keys (`RouteDecl`), mounts, aliases and
app roots (`Mount`), module constants (`Assign`) and configured defaults (`Setting`). Module specifiers
(`module:./users#default`) are resolved here against the project's own files, since a file alone cannot say
which file an import names. A prefix built from a constant (`app.use(API_PREFIX, r)`, also imported) is filled in;
one that cannot be read (an environment variable) leaves its routes' prefix unknown instead of guessing it.
"""

from __future__ import annotations

import posixpath
import re

from analysis.frameworks import NON_GUARD_MIDDLEWARE
from analysis.javascript import HOLE
from analysis.model import FileModel, Mount, RouteDecl
from analysis.project import ProjectAnalysis
from analysis.routes.mounts import MountGraph, resolve_module
from analysis.routes.paths import PARAM, Endpoint, join_paths, normalise_path, segments

__all__ = ["javascript_endpoints"]

_MAX_DEPTH = 12


class _Project:
    def __init__(self, models: list[FileModel]) -> None:
        self.models = {m.path: m for m in models}
        self.files = set(self.models)
        self.stems: dict[str, list[str]] = {}
        for path in self.files:
            stem = posixpath.splitext(posixpath.basename(path))[0]
            self.stems.setdefault(stem, []).append(path)
            if stem == "index":
                self.stems.setdefault(posixpath.basename(posixpath.dirname(path)), []).append(path)
        self._constants: dict[str, dict[str, str]] = {}
        self._modules: dict[tuple[str, str], str | None] = {}
        self._names: dict[str, set[str]] = {}  # file -> the names its routes, mounts and exports use

    def module(self, importer: str, spec: str) -> str | None:
        cache_key = (posixpath.dirname(importer) if spec.startswith(".") else "", spec)
        if cache_key not in self._modules:
            self._modules[cache_key] = resolve_module(importer, spec, self.files, self.stems)
        return self._modules[cache_key]

    def key(self, importer: str, key: str) -> str:
        """A symbolic owner key with its module specifier resolved to a project file (unchanged when it names a
        package or a file outside the project); `export * from './x'` barrels are followed to the file that has it."""
        if not key.startswith("module:"):
            return key
        spec, _, name = key[len("module:"):].rpartition("#")
        target = self.module(importer, spec)
        if target is None:
            return key
        for _ in range(_MAX_DEPTH):
            if name in self.names(target) or name in ("default", "*"):
                break
            stars = [i.module for i in self.models[target].imports if i.name == "*" and not i.alias]
            found = [t for t in (self.module(target, s) for s in stars) if t is not None and name in self.names(t)]
            if len(found) != 1:
                found = [t for t in (self.module(target, s) for s in stars) if t is not None]
                if len(found) != 1:
                    break
            target = found[0]
        return f"{target}#{name}"

    def names(self, path: str) -> set[str]:
        found = self._names.get(path)
        if found is None:
            found = set()
            model = self.models.get(path)
            own = path + "#"
            for mount in model.mounts if model is not None else ():
                for k in (mount.parent, mount.child):
                    if k.startswith(own):
                        found.add(k[len(own):])
            for decl in model.routes if model is not None else ():
                if decl.owner.startswith(own):
                    found.add(decl.owner[len(own):])
            self._names[path] = found
        return found

    def constants(self, path: str) -> dict[str, str]:
        """Module-level string constants of a file: `const API = '/api/v1'`."""
        found = self._constants.get(path)
        if found is None:
            found = {}
            model = self.models.get(path)
            for a in model.assigns if model is not None else ():
                if a.function < 0 and not a.owner and len(a.targets) == 1 and a.op in ("const", "let", "var") \
                        and a.value[0] == "str" and a.value[4] is not None:
                    found.setdefault(a.targets[0], a.value[4])
            self._constants[path] = found
        return found

    def fill(self, path: str, template: str, depth: int = 0) -> str | None:
        """A template with holes, filled from constants of the file or of the file a name is imported from."""
        if HOLE not in template:
            return template
        parts = template.split(HOLE)
        out: list[str] = []
        for i, part in enumerate(parts):
            if i % 2 == 0:
                out.append(part)
                continue
            value = self._constant(path, part, depth)
            if value is None:
                return None
            out.append(value)
        return "".join(out)

    def _constant(self, path: str, name: str, depth: int) -> str | None:
        if depth > _MAX_DEPTH or not re.fullmatch(r"[A-Za-z_$][\w$]*", name):
            return None
        own = self.constants(path).get(name)
        if own is not None:
            return self.fill(path, own, depth + 1)
        model = self.models.get(path)
        for imp in model.imports if model is not None else ():
            if imp.alias == name and imp.name not in ("", "*", "default"):
                target = self.module(path, imp.module)
                if target is not None:
                    return self._constant(target, imp.name, depth + 1)
        return None


def javascript_endpoints(analysis: ProjectAnalysis) -> list[Endpoint]:
    models = list(analysis.files("typescript", "javascript", roles=("source",)))
    if not any(m.routes for m in models):
        return []
    project = _Project(models)
    graph = MountGraph()
    routes: list[tuple[Endpoint, str]] = []
    nest = _Nest()
    frameworks: set[str] = set()
    middleware = _Middleware()
    for model in models:
        for mount in model.mounts:
            if mount.child.startswith("middleware:"):
                middleware.candidates.append((model, mount))
                continue
            _mount(project, graph, nest, model, mount, frameworks, middleware)
        for decl in model.routes:
            if decl.owner in ("nest:controllers", "rc:controllers"):
                nest.routes.append((model, decl))
                continue
            ep = Endpoint(decl.method, decl.path, model.path, decl.line, decl.framework, prefix_known=decl.known,
                          handler=decl.handler, guards=decl.guards)
            routes.append((ep, project.key(model.path, decl.owner)))
    middleware.resolve(project, graph, routes)
    routes = [(_guarded(ep, middleware.inherited(graph.resolve(owner), ep.file, ep.line)), owner)
              for ep, owner in routes]
    out = [_scoped(ep) for ep in graph.apply(routes)]
    only = frameworks - {"express", ""}
    if len(only) == 1 and "express" not in frameworks:  # a fastify project: plugin files need not import fastify
        label = next(iter(only))
        out = [_relabel(ep, label) for ep in out]
    return out + nest.endpoints(project)


def _relabel(ep: Endpoint, label: str) -> Endpoint:
    if ep.framework != "express":
        return ep
    return Endpoint(ep.method, ep.path, ep.file, ep.line, label, ep.prefix_known, ep.base, ep.handler, ep.guards)


def _mount(project: _Project, graph: MountGraph, nest: _Nest, model: FileModel, mount: Mount,
           frameworks: set[str], middleware: _Middleware) -> None:
    guards = mount.guards
    if mount.parent == "" and "root" in guards:
        graph.root(mount.child)
        frameworks.update(g[len("framework:"):] for g in guards if g.startswith("framework:"))
        return
    if "alias" in guards:
        graph.alias(project.key(model.path, mount.parent), project.key(model.path, mount.child))
        return
    if mount.parent in ("nest:app", "rc:app"):
        nest.setting(model, mount)
        return
    prefix = project.fill(model.path, mount.prefix)
    if prefix is None:
        return  # a prefix that cannot be read: the child stays unmounted (its routes' prefix is unknown)
    parent = project.key(model.path, mount.parent)
    if "autoload" in guards and mount.child.startswith("autoload:"):
        root = mount.child[len("autoload:"):]
        children = _autoload(project, graph, parent, prefix, root)
        for child in children:
            middleware.edge(child, parent, model.path, mount.line, ())
        if "autohooks" in guards:  # autohooks.ts: its hooks run for the routes of its folder (and below, cascading)
            hooks = {posixpath.dirname(p): p for p in project.files if p.startswith(root + "/")
                     and posixpath.basename(p).split(".")[0] == "autohooks"}
            for child in children:
                folder = posixpath.dirname(child.rpartition("#")[0])
                for hook_dir, hook in hooks.items():
                    if folder == hook_dir or ("cascade" in guards and folder.startswith(hook_dir + "/")):
                        middleware.edge(child, f"{hook}#default", model.path, mount.line, ())
        return
    child = project.key(model.path, mount.child)
    graph.mount(parent, prefix, child)
    middleware.edge(child, parent, model.path, mount.line, mount.guards)


def _autoload(project: _Project, graph: MountGraph, parent: str, base: str, root: str) -> list[str]:
    """@fastify/autoload: every plugin file below `root` is mounted under its folders (`_id` folders are `:id`)."""
    children: list[str] = []
    for path in sorted(project.files):
        if not path.startswith(root + "/"):
            continue
        rel = path[len(root) + 1:]
        name = posixpath.basename(rel)
        if name.startswith((".", "_")) or name.split(".")[0] in ("autohooks", "hooks") or ".test." in name:
            continue
        folders = [re.sub(r"^_", ":", d) for d in rel.split("/")[:-1]]
        graph.mount(parent, join_paths(base, *folders), f"{path}#default")
        children.append(f"{path}#default")
    return children


# -- middleware: what guards the routes below a `use()` ----------------------------------------------------------
_SCOPED = "\x01"  # a guard that applies only below a path: "\x01/admin\x01requireAdmin"


class _Middleware:
    """Middleware used on routers (`app.use(auth)`, `router.use('/admin', isAdmin)`, Fastify hooks) carried onto every
    route below them, in Express's order: a middleware guards the routes and mounts written after it."""

    def __init__(self) -> None:
        self.candidates: list[tuple[FileModel, Mount]] = []
        self.by_owner: dict[str, list[tuple[str, str, str, int]]] = {}  # owner -> (prefix, text, file, line)
        self.parents: dict[str, list[tuple[str, str, int, tuple[str, ...]]]] = {}  # child -> (parent, file, line, guards)

    def edge(self, child: str, parent: str, path: str, line: int, guards: tuple[str, ...]) -> None:
        self.parents.setdefault(child, []).append((parent, path, line, guards))

    def resolve(self, project: _Project, graph: MountGraph, routes: list[tuple[Endpoint, str]]) -> None:
        routers = {graph.resolve(owner) for _, owner in routes}
        routers.update(graph.resolve(p) for edges in self.parents.values() for p, _f, _l, _g in edges)
        resolved_parents: dict[str, list[tuple[str, str, int, tuple[str, ...]]]] = {}
        for child, edges in self.parents.items():
            resolved_parents.setdefault(graph.resolve(child), []).extend(
                (graph.resolve(p), f, ln, g) for p, f, ln, g in edges)
        self.parents = resolved_parents
        for model, mount in self.candidates:
            text = mount.child[len("middleware:"):]
            if mount.guards and graph.resolve(project.key(model.path, mount.guards[0])) in routers:
                continue  # the argument is a router (mounted in `_mount`), not a middleware
            if NON_GUARD_MIDDLEWARE.search(text):
                continue
            prefix = project.fill(model.path, mount.prefix) if mount.prefix else ""
            owner = graph.resolve(project.key(model.path, mount.parent))
            self.by_owner.setdefault(owner, []).append((prefix or "", text, model.path, mount.line))

    def inherited(self, owner: str, path: str, line: int) -> list[str]:
        """Middleware texts that run before a route of `owner` declared at path:line (scoped ones marked)."""
        if not self.by_owner:
            return []
        out: list[str] = []
        stack: list[tuple[str, str, int, int]] = [(owner, path, line, 0)]
        seen: set[str] = set()
        while stack:
            current, where, at, depth = stack.pop()
            if current in seen or depth > _MAX_DEPTH:
                continue
            seen.add(current)
            for prefix, text, file, mw_line in self.by_owner.get(current, ()):
                if file == where and mw_line > at:
                    continue  # used after the route or mount it would guard: Express runs it only for later ones
                out.append(f"{_SCOPED}{prefix}{_SCOPED}{text}" if prefix.strip("/*") else text)
            for parent, file, mount_line, guards in self.parents.get(current, ()):
                out.extend(g for g in guards if not NON_GUARD_MIDDLEWARE.search(g))
                stack.append((parent, file, mount_line, depth + 1))
        return list(dict.fromkeys(out))


def _guarded(ep: Endpoint, inherited: list[str]) -> Endpoint:
    if not inherited:
        return ep
    return Endpoint(ep.method, ep.path, ep.file, ep.line, ep.framework, ep.prefix_known, ep.base, ep.handler,
                    tuple(dict.fromkeys([*ep.guards, *inherited])))


def _scoped(ep: Endpoint) -> Endpoint:
    """Keep a path-scoped middleware only on the endpoints below its path."""
    if not any(g.startswith(_SCOPED) for g in ep.guards):
        return ep
    path = segments(ep.path)
    kept: list[str] = []
    for guard in ep.guards:
        if not guard.startswith(_SCOPED):
            kept.append(guard)
            continue
        prefix, _, text = guard[1:].partition(_SCOPED)
        wanted = list(segments(prefix))
        while wanted and wanted[-1] == PARAM:
            wanted.pop()  # `/api/*`: everything below /api
        if _contains(path, tuple(wanted)):
            kept.append(text)
    return Endpoint(ep.method, ep.path, ep.file, ep.line, ep.framework, ep.prefix_known, ep.base, ep.handler,
                    tuple(dict.fromkeys(kept)))


def _contains(path: tuple[str, ...], part: tuple[str, ...]) -> bool:
    if not part:
        return True
    n = len(part)
    return any(all(p in (PARAM, s) for p, s in zip(part, path[i:i + n], strict=True))
               for i in range(len(path) - n + 1))


class _Nest:
    """NestJS / routing-controllers routes and the app-wide settings that prefix them."""

    def __init__(self) -> None:
        self.routes: list[tuple[FileModel, RouteDecl]] = []
        self.global_prefix: str | None = ""
        self.config_keys: list[str] = []
        self.exclude: set[str] = set()
        self.uri_versioning = False
        self.default_version: list[str] = []
        self.route_prefix: str | None = ""

    def setting(self, model: FileModel, mount: Mount) -> None:
        if mount.child == "nest:controllers":
            self.global_prefix = mount.prefix if mount.known else None
            self.config_keys = [g[len("config:"):] for g in mount.guards if g.startswith("config:")]
            self.exclude = {normalise_path(g[len("exclude:"):]) for g in mount.guards if g.startswith("exclude:")}
        elif mount.child == "nest:versioning":
            self.uri_versioning = "versioning:URI" in mount.guards
            self.default_version = [g[len("default-version:"):] for g in mount.guards
                                    if g.startswith("default-version:")]
        elif mount.child == "rc:controllers":
            self.route_prefix = mount.prefix if mount.known else None

    def endpoints(self, project: _Project) -> list[Endpoint]:
        prefix = self.global_prefix
        if prefix is None and self.config_keys:  # configured: a unique default literal for the named key
            found = {s.value.strip("'\"`") for m in project.models.values() for s in m.settings
                     if s.key in self.config_keys and s.value[:1] in "'\"`"}
            prefix = found.pop() if len(found) == 1 else None
        out: list[Endpoint] = []
        for model, decl in self.routes:
            guards = tuple(g for g in decl.guards if not g.startswith("version:"))
            if decl.framework == "routing-controllers":
                base, known = self.route_prefix or "", self.route_prefix is not None
                out.append(Endpoint(decl.method, join_paths(base, decl.path), model.path, decl.line, decl.framework,
                                    known and decl.known, handler=decl.handler, guards=guards))
                continue
            excluded = normalise_path(decl.path) in self.exclude
            base = "" if excluded or prefix is None else prefix
            versions = [g[len("version:"):] for g in decl.guards if g.startswith("version:")]
            declared = any(g.startswith("version:") for g in decl.guards)
            chosen = (versions if declared else self.default_version) if self.uri_versioning else []
            for version in chosen or [""]:
                path = join_paths(base, f"v{version}" if version else "", decl.path)
                out.append(Endpoint(decl.method, path, model.path, decl.line, decl.framework,
                                    (prefix is not None or excluded) and decl.known, handler=decl.handler,
                                    guards=guards))
        return out
