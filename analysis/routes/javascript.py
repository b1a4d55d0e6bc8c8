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

from analysis.javascript import HOLE
from analysis.model import FileModel, Mount, RouteDecl
from analysis.project import ProjectAnalysis
from analysis.routes.mounts import MountGraph, resolve_module
from analysis.routes.paths import Endpoint, join_paths, normalise_path

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

    def module(self, importer: str, spec: str) -> str | None:
        return resolve_module(importer, spec, self.files, self.stems)

    def key(self, importer: str, key: str) -> str:
        """A symbolic owner key with its module specifier resolved to a project file (unchanged when it names a
        package or a file outside the project)."""
        if not key.startswith("module:"):
            return key
        spec, _, name = key[len("module:"):].rpartition("#")
        target = self.module(importer, spec)
        return f"{target}#{name}" if target is not None else key

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
    for model in models:
        for mount in model.mounts:
            _mount(project, graph, nest, model, mount, frameworks)
        for decl in model.routes:
            if decl.owner in ("nest:controllers", "rc:controllers"):
                nest.routes.append((model, decl))
                continue
            ep = Endpoint(decl.method, decl.path, model.path, decl.line, decl.framework, prefix_known=decl.known,
                          handler=decl.handler, guards=decl.guards)
            routes.append((ep, project.key(model.path, decl.owner)))
    out = graph.apply(routes)
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
           frameworks: set[str]) -> None:
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
        _autoload(project, graph, parent, prefix, mount.child[len("autoload:"):])
        return
    graph.mount(parent, prefix, project.key(model.path, mount.child))


def _autoload(project: _Project, graph: MountGraph, parent: str, base: str, root: str) -> None:
    """@fastify/autoload: every plugin file below `root` is mounted under its folders (`_id` folders are `:id`)."""
    for path in sorted(project.files):
        if not path.startswith(root + "/"):
            continue
        rel = path[len(root) + 1:]
        name = posixpath.basename(rel)
        if name.startswith((".", "_")) or name.split(".")[0] in ("autohooks", "hooks") or ".test." in name:
            continue
        folders = [re.sub(r"^_", ":", d) for d in rel.split("/")[:-1]]
        graph.mount(parent, join_paths(base, *folders), f"{path}#default")


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
