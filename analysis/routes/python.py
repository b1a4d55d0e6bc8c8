"""Python routes across modules: FastAPI, Flask (and its API extensions), django-ninja, Django and DRF.

Reads only the model: router declarations and includes (`Mount`), decorated handlers and urlpatterns entries
(`RouteDecl`), module constants and class attributes (`Assign`), imports. Prefixes are string templates with
holes (analysis.python.HOLE) filled here from constants, also imported ones, and settings attributes; a hole
that cannot be filled marks its routes' prefix unknown instead of guessing it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from analysis.model import FileModel, Mount, RouteDecl
from analysis.project import ProjectAnalysis
from analysis.python import HOLE, module_name
from analysis.routes.paths import Endpoint, join_paths

__all__ = ["python_endpoints"]

ROUTER_CLASSES = {
    "FastAPI": "fastapi", "APIRouter": "fastapi", "Flask": "flask", "Blueprint": "flask",
    "NinjaAPI": "django-ninja", "Router": "django-ninja",
}
_MAX_DEPTH = 20
_UNRESOLVED = "\x01"  # a prefix segment whose value could not be read statically


@dataclass
class _Project:
    models: dict[str, FileModel]  # module name -> model
    imports: dict[str, dict[str, str]] = field(default_factory=dict)  # module -> local name -> absolute target
    values: dict[str, dict[str, tuple[str, str, str | None]]] = field(default_factory=dict)  # module -> name -> value
    attrs: dict[str, set[str]] = field(default_factory=dict)  # class attribute name -> string values

    def find(self, dotted: str) -> str | None:
        """A module of the project by dotted name, or by a unique-enough suffix (source roots such as src/ vary)."""
        if dotted in self.models:
            return dotted
        hits = [n for n in self.models if n.endswith("." + dotted)]
        return min(hits, key=len) if hits else None


def _absolute(package: str, module: str) -> str:
    level = len(module) - len(module.lstrip("."))
    name = module[level:]
    if not level:
        return name
    parts = package.split(".") if package else []
    keep = parts[: len(parts) - (level - 1)] if level > 1 else parts
    return ".".join([*keep, name] if name else keep)


def _imports(model: FileModel) -> dict[str, str]:
    own = module_name(model.path)
    package = own if model.path.endswith("__init__.py") else own.rpartition(".")[0]
    names: dict[str, str] = {}
    for imp in model.imports:
        if not imp.name:  # import a.b [as c]
            names[imp.alias or imp.module.split(".")[0]] = imp.module if imp.alias else imp.module.split(".")[0]
        else:
            base = _absolute(package, imp.module)
            names[imp.alias or imp.name] = f"{base}.{imp.name}" if base else imp.name
    return names


def _project(analysis: ProjectAnalysis) -> _Project:
    models = {module_name(m.path): m for m in analysis.files("python", roles=("source",))}
    project = _Project(models)
    for name, model in models.items():
        project.imports[name] = _imports(model)
        own: dict[str, tuple[str, str, str | None]] = {}
        for assign in model.assigns:
            if assign.function >= 0 or len(assign.targets) != 1:
                continue
            kind, text, _names, _kw, literal = assign.value
            if assign.owner:
                if kind == "str" and literal is not None:
                    project.attrs.setdefault(assign.targets[0], set()).add(literal)
                continue
            own.setdefault(assign.targets[0], (kind, text, literal))
        project.values[name] = own
    return project


class _Strings:
    """Fills template holes: module constants (also imported), settings attributes, f-strings and `+`."""

    def __init__(self, project: _Project) -> None:
        self.p = project

    def template(self, template: str | None, module: str) -> str | None:
        if template is None:
            return None
        if HOLE not in template:
            return template
        parts = template.split(HOLE)
        out: list[str] = []
        for i, part in enumerate(parts):
            if i % 2 == 0:
                out.append(part)
                continue
            value = self.ref(part, module, 0)
            if value is None:
                return None
            out.append(value)
        return "".join(out)

    def ref(self, ref: str, module: str, depth: int) -> str | None:
        if depth > _MAX_DEPTH or ref in ("", "?"):
            return None
        if "." not in ref:
            return self._constant(module, ref, depth)
        head, _, rest = ref.partition(".")
        target = self.p.imports.get(module, {}).get(head, "")
        found = self.p.find(target) if target and "(" not in head else None
        if found is not None and "." not in rest:  # `config.API_PREFIX` with `from app import config`
            return self._constant(found, rest, depth + 1)
        values = self.p.attrs.get(ref.rsplit(".", 1)[-1], set())  # `settings.api_prefix`, `get_settings().API_V1`
        return next(iter(values)) if len(values) == 1 else None

    def _value(self, value: tuple[str, str, str | None], module: str, depth: int) -> str | None:
        kind, text, literal = value
        if kind == "str":
            return literal
        if kind in ("interpolated", "concat") and literal is not None:
            parts = literal.split(HOLE)
            out = []
            for i, part in enumerate(parts):
                if i % 2 == 0:
                    out.append(part)
                else:
                    filled = self.ref(part, module, depth + 1)
                    if filled is None:
                        return None
                    out.append(filled)
            return "".join(out)
        if kind in ("name", "attr"):
            return self.ref(text, module, depth + 1)
        return None

    def _constant(self, module: str, name: str, depth: int) -> str | None:
        """A module-level constant, following `from x import NAME` re-exports."""
        for _ in range(_MAX_DEPTH - depth):
            value = self.p.values.get(module, {}).get(name)
            if value is not None:
                return self._value(value, module, depth + 1)
            owner, _, var = self.p.imports.get(module, {}).get(name, "").rpartition(".")
            found = self.p.find(owner) if owner else None
            if found is None or (found, var) == (module, name):
                return None
            module, name = found, var
        return None


@dataclass(frozen=True, slots=True)
class _Router:
    module: str
    name: str
    prefix: str  # resolved, with _UNRESOLVED segments where a hole could not be filled
    framework: str
    guards: tuple[str, ...] = ()  # dependencies declared on the router itself (APIRouter(dependencies=[...]))


def _router_classes(analysis: ProjectAnalysis) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """Router class names -> framework, with the project's own subclasses (`class UserAPIRouter(APIRouter)`), and
    the dependencies such a subclass always passes (`super().__init__(dependencies=[Depends(get_admin_user)])`)."""
    classes = dict(ROUTER_CLASSES)
    declared = [c for _, c in analysis.classes("python", roles=("source",))]
    for _ in range(4):
        for cls in declared:
            for base in cls.bases:
                framework = classes.get(base.rsplit(".", 1)[-1])
                if framework and cls.name not in classes:
                    classes[cls.name] = framework
    guards: dict[str, tuple[str, ...]] = {}
    for model in analysis.files("python", roles=("source",)):
        for call in model.calls:
            fn = model.function(call.function)
            if fn is None or fn.name != "__init__" or fn.owner.rsplit(".", 1)[-1] not in classes:
                continue
            if call.name == "__init__" and call.receiver.startswith("super"):
                deps = tuple(f"dependencies={a[1]}" for a in call.args if a[3] == "dependencies")
                if deps:
                    guards[fn.owner.rsplit(".", 1)[-1]] = deps
    return classes, guards


_DEPENDS = re.compile(r"^(?:[\w.]+\.)?(?:Depends|Security)\(")


def _controller_dependencies(analysis: ProjectAnalysis) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """{class name: (bases, dependencies)} for classes whose body declares `user: User = Depends(get_current_user)`,
    and every other class with bases: a class-based view (fastapi-utils' `@cbv(router)`, mealie's
    `@controller(router)`) resolves such attributes for every route its methods declare."""
    out: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for model in analysis.files("python", roles=("source",)):
        deps: dict[str, list[str]] = {}
        for assign in model.assigns:
            if assign.owner and assign.function < 0 and assign.value[0] == "call" and _DEPENDS.match(assign.value[1]):
                deps.setdefault(assign.owner.rsplit(".", 1)[-1], []).extend(
                    f"param:{t}={assign.value[1]}" for t in assign.targets[:1])
        for cls in model.classes:
            if cls.bases or cls.name in deps:
                bases = tuple(b.rsplit(".", 1)[-1] for b in cls.bases)
                out[cls.name] = (bases, tuple(deps.get(cls.name, ())))
    return out if any(d for _, d in out.values()) else {}


_ANNOTATED_DEPENDENCY = re.compile(r"^(?:[\w.]+\.)?Annotated\[.*\b(?:Depends|Security)\(", re.DOTALL)


def _dependency_aliases(analysis: ProjectAnalysis) -> dict[str, tuple[str, ...]]:
    """{alias name: its definitions} for the project's module-level `CurrentUser = Annotated[User, Depends(...)]`
    (or `type CurrentUser = ...`): FastAPI resolves a parameter annotated with such an alias as that dependency."""
    out: dict[str, list[str]] = {}
    for model in analysis.files("python", roles=("source",)):
        for assign in model.assigns:
            if assign.function < 0 and not assign.owner and len(assign.targets) == 1 \
                    and _ANNOTATED_DEPENDENCY.match(assign.value[1]):
                out.setdefault(assign.targets[0].rsplit(".", 1)[-1], []).append(assign.value[1])
    return {name: tuple(texts) for name, texts in out.items()}


def _resolve_annotations(guards: tuple[str, ...], aliases: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """`annotation:user=deps.CurrentUser` -> `param:user=Annotated[User, Depends(get_current_user)]` when the name is
    one of the project's dependency aliases; any other annotation is a plain type and no dependency."""
    if not any(g.startswith("annotation:") for g in guards):
        return guards
    out: list[str] = []
    for guard in guards:
        if not guard.startswith("annotation:"):
            out.append(guard)
            continue
        param, _, name = guard[len("annotation:"):].partition("=")
        out.extend(f"param:{param}={text}" for text in aliases.get(name.rsplit(".", 1)[-1], ()))
    return tuple(out)


def _class_dependencies(name: str, classes: dict[str, tuple[tuple[str, ...], tuple[str, ...]]]) -> tuple[str, ...]:
    """The dependencies a class and its bases (by name, bounded) declare as class attributes."""
    found: list[str] = []
    seen: set[str] = set()
    pending = [name]
    while pending and len(seen) < 64:
        current = pending.pop()
        if current in seen or current not in classes:
            continue
        seen.add(current)
        bases, deps = classes[current]
        found.extend(deps)
        pending.extend(bases)
    return tuple(found)


def python_endpoints(analysis: ProjectAnalysis) -> list[Endpoint]:
    project = _project(analysis)
    if not project.models:
        return []
    out = _router_endpoints(analysis, project)
    out.extend(_django_endpoints(project))
    return out


def _resolve(key: str, project: _Project, routers: dict[tuple[str, str], _Router]) -> tuple[str, str] | None:
    """The router a symbolic key names: `py:module#var` or `pyref:absolute.dotted.name`."""
    if key.startswith("py:"):
        module, _, var = key[3:].partition("#")
        return (module, var) if (module, var) in routers else None
    if key.startswith("pyref:"):
        target = key[6:]
        owner, _, var = target.rpartition(".")
        found = project.find(owner) if owner else None
        if found and (found, var) in routers:
            return (found, var)
        found = project.find(target)  # `from pkg import router` where router is a module
        if found and (found, "router") in routers:
            return (found, "router")
    return None


def _prefix(strings: _Strings, template: str, module: str) -> str:
    if not template:
        return ""
    value = strings.template(template, module)
    return value if value is not None else "/" + _UNRESOLVED


def _router_endpoints(analysis: ProjectAnalysis, project: _Project) -> list[Endpoint]:
    strings = _Strings(project)
    classes, class_guards = _router_classes(analysis)
    routers: dict[tuple[str, str], _Router] = {}
    includes: list[tuple[str, Mount]] = []
    decls: list[tuple[str, FileModel, RouteDecl]] = []
    for module, model in project.models.items():
        for mount in model.mounts:
            if mount.parent == "":
                cls = next((g[6:] for g in mount.guards if g.startswith("class:")), "")
                framework = next((g[10:] for g in mount.guards if g.startswith("framework:")), "")
                if cls == "Router" and framework != "django-ninja":
                    continue
                if cls not in classes:
                    continue
                var = mount.child.partition("#")[2]
                own = tuple(g for g in mount.guards if not g.startswith(("class:", "framework:"))) + class_guards.get(cls, ())
                routers[(module, var)] = _Router(module, var, _prefix(strings, mount.prefix, module),
                                                 framework or classes[cls], own)
            elif mount.parent.startswith("py:") and "#urlpatterns" not in mount.parent:
                includes.append((module, mount))
        decls.extend((module, model, r) for r in model.routes if r.framework == "")
    if not routers:
        return []
    parents: dict[tuple[str, str], list[tuple[tuple[str, str], str]]] = {}
    include_guards: dict[tuple[str, str], list[tuple[tuple[str, str], tuple[str, ...]]]] = {}
    for module, mount in includes:
        parent = _resolve(mount.parent, project, routers)
        child = _resolve(mount.child, project, routers)
        if parent is not None and child is not None and child != parent:
            parents.setdefault(child, []).append((parent, _prefix(strings, mount.prefix, module)))
            include_guards.setdefault(child, []).append((parent, mount.guards))
    full = {key: _full_prefixes(key, routers, parents) for key in routers}
    inherited = {key: _inherited_guards(key, routers, include_guards) for key in routers}
    controller_deps = _controller_dependencies(analysis)
    aliases = _dependency_aliases(analysis)
    out: list[Endpoint] = []
    for module, model, decl in decls:
        key = _resolve(decl.owner, project, routers)
        if key is None:
            continue
        decl = decl._replace(guards=_resolve_annotations(decl.guards, aliases))
        fn = model.function(decl.function)
        if fn is not None and fn.owner and controller_deps:
            decl = decl._replace(guards=(*decl.guards, *_class_dependencies(fn.owner.rsplit(".", 1)[-1], controller_deps)))
        path = strings.template(decl.path, module)
        if path is None:
            continue
        router = routers[key]
        for prefix in full.get(key, [router.prefix]):
            known = _UNRESOLVED not in prefix
            if not known:
                prefix = join_paths(*(p for p in prefix.split("/") if p != _UNRESOLVED))
            route = join_paths(prefix, path) if path.strip("/") else (prefix if prefix.strip("/") else "/")
            out.append(Endpoint(decl.method, route, model.path, decl.line, router.framework, prefix_known=known,
                                handler=decl.handler, guards=(*decl.guards, *inherited.get(key, ()))))
    return out


def _inherited_guards(key: tuple[str, str], routers: dict[tuple[str, str], _Router],
                      includes: dict[tuple[str, str], list[tuple[tuple[str, str], tuple[str, ...]]]]) -> tuple[str, ...]:
    """Dependencies that apply to a router's routes: its own, those given where it is included, and its parents'."""
    out: list[str] = []
    seen: set[tuple[str, str]] = set()
    stack = [key]
    while stack and len(seen) < 200:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        out.extend(routers[current].guards)
        for parent, guards in includes.get(current, []):
            out.extend(guards)
            stack.append(parent)
    return tuple(dict.fromkeys(out))


def _full_prefixes(key: tuple[str, str], routers: dict[tuple[str, str], _Router],
                   parents: dict[tuple[str, str], list[tuple[tuple[str, str], str]]]) -> list[str]:
    results: list[str] = []
    stack: list[tuple[tuple[str, str], str, int]] = [(key, routers[key].prefix, 0)]
    while stack and len(results) < 50:
        current, suffix, depth = stack.pop()
        ups = parents.get(current, [])
        if not ups or depth >= _MAX_DEPTH:
            results.append(suffix)
            continue
        for parent, prefix in ups:
            stack.append((parent, join_paths(routers[parent].prefix, prefix, suffix), depth + 1))
    return list(dict.fromkeys(results)) or [routers[key].prefix]


# -- Django: urlpatterns, include() chains, DRF routers ------------------------------------------------------------
def _django_endpoints(project: _Project) -> list[Endpoint]:
    urls: dict[str, FileModel] = {}
    for module, model in project.models.items():
        if any("urlpatterns" in a.targets and a.function < 0 for a in model.assigns):
            urls[module] = model
    if not urls:
        return []
    included: set[str] = set()
    entries: dict[str, list[tuple[str, str, str, int, str, tuple[str, ...]]]] = {}  # (route, kind, dest, line, view)
    for module, model in urls.items():
        rows: list[tuple[str, str, str, int, str, tuple[str, ...]]] = []
        registered: dict[str, list[RouteDecl]] = {}
        for decl in model.routes:
            if decl.framework == "django-rest-framework":
                registered.setdefault(decl.owner, []).append(decl)
        for mount in model.mounts:
            if not mount.parent.endswith("#urlpatterns"):
                continue
            if mount.child.startswith("pyurls:"):
                found = project.find(mount.child[7:])
                if found in urls:
                    rows.append((mount.prefix, "include", found, mount.line, "", ()))
                    included.add(found)
            else:
                for reg in registered.get(mount.child, []):
                    rows.append((join_paths(mount.prefix, reg.path), "router", "", reg.line, reg.handler, ()))
        for decl in model.routes:
            if decl.framework == "django" and decl.owner.endswith("#urlpatterns"):
                rows.append((decl.path, "view", "", decl.line, decl.handler, decl.guards))
        entries[module] = rows
    roots = [n for n in urls if n not in included]
    out: list[Endpoint] = []
    seen: set[tuple[str, str]] = set()
    stack: list[tuple[str, str, int]] = [(r, "", 0) for r in roots]
    while stack:
        module, prefix, depth = stack.pop()
        if (module, prefix) in seen or depth > _MAX_DEPTH:
            continue
        seen.add((module, prefix))
        path = urls[module].path
        for route, kind, dest, line, view, guards in entries.get(module, []):
            full = join_paths(prefix, route)
            if kind == "include":
                stack.append((dest, full, depth + 1))
            elif kind == "router":
                out.append(Endpoint("ANY", full, path, line, "django-rest-framework", handler=view))
                out.append(Endpoint("ANY", join_paths(full, "{pk}"), path, line, "django-rest-framework", handler=view))
            else:
                out.append(Endpoint("ANY", full, path, line, "django", handler=view, guards=guards))
    return out
