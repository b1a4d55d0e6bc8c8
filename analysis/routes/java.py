"""Java routes across files: Spring MVC, JAX-RS and Micronaut controllers, with the mappings they inherit.

Reads only the model (analysis/java.py): a type's own mapping prefixes are `Mount`s with parent "", its
supertypes `Mount`s guarded "extends"/"implements", its mapped methods `RouteDecl`s; controllers are told by
their annotations (`Class.decorators`), constants that build paths by the fields' `Assign`s.

A controller serves its own mappings and the ones of the interfaces it implements (and those interfaces
extend), under its own prefix or else the interface's. A JAX-RS class that implements an interface carrying
`@Path` is a resource even without annotations of its own. Feign, `@HttpExchange` and MicroProfile REST
client interfaces call other services: they are not endpoints. An implemented interface whose source is not
in the repository (API-first projects generate `OwnersApi` at build time) has routes this reader cannot see:
it is listed (`JavaRoutes.unread`), never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from analysis.java import HOLE, annotation_name
from analysis.model import Class, FileModel, RouteDecl
from analysis.project import ProjectAnalysis
from analysis.routes.paths import Endpoint, join_paths

__all__ = ["Implementation", "JavaRoutes", "java_endpoints", "java_routes", "java_unread_interfaces"]

_CONTROLLERS = frozenset({"RestController", "Controller", "Path", "RequestMapping"})
_SPRING_CONTROLLERS = frozenset({"RestController", "Controller"})
_CLIENTS = frozenset({"FeignClient", "HttpExchange", "RegisterRestClient"})
_MAX_DEPTH = 12


@dataclass(frozen=True, slots=True)
class Implementation:
    """A class that implements an interface whose source is not in the project (generated at build time from a
    spec, or a library's): the methods it overrides are that interface's operations, by name."""

    interface: str
    cls: str
    file: str
    framework: str  # "spring" | "jax-rs" | "micronaut" | "" (the class says nothing)
    prefixes: tuple[str, ...]  # the class's own mapping prefixes ("" when it has none)
    methods: tuple[tuple[str, int, tuple[str, ...]], ...]  # (name, line, annotations) of each @Override method
    guards: tuple[str, ...]


@dataclass(slots=True)
class JavaRoutes:
    endpoints: list[Endpoint] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)  # "OwnersApi (implemented by path/OwnerController.java)"
    implementations: list[Implementation] = field(default_factory=list)


@dataclass(slots=True)
class _Type:
    model: FileModel
    cls: Class
    key: str
    annotations: frozenset[str]
    prefixes: list[tuple[str, bool]] = field(default_factory=list)
    supers: list[tuple[str, str, str]] = field(default_factory=list)  # (how, key, name as written)
    routes: list[RouteDecl] = field(default_factory=list)

    @property
    def directory(self) -> str:
        return self.model.path.rpartition("/")[0]


def java_routes(analysis: ProjectAnalysis) -> JavaRoutes:
    """The project's Java endpoints and unread API interfaces, memoised per project and process."""
    return analysis.memo("java-routes", _compute)


def java_endpoints(analysis: ProjectAnalysis) -> list[Endpoint]:
    return list(java_routes(analysis).endpoints)


def java_unread_interfaces(analysis: ProjectAnalysis) -> list[str]:
    return list(java_routes(analysis).unread)


class _Constants:
    """`static final String` fields by class, to fill the holes of paths built from constants."""

    def __init__(self, models: list[FileModel]) -> None:
        self.by_class: dict[str, dict[str, tuple[str, str | None]]] = {}
        self.static_imports: dict[str, dict[str, str]] = {}  # file -> member -> class simple name
        for model in models:
            for assign in model.assigns:
                if not assign.owner or assign.function >= 0 or len(assign.targets) != 1:
                    continue
                kind, _text, _names, _kw, literal = assign.value
                if kind in ("str", "concat") and literal is not None:
                    self.by_class.setdefault(assign.owner, {}).setdefault(assign.targets[0], (kind, literal))
                elif kind in ("name", "attr"):
                    self.by_class.setdefault(assign.owner, {}).setdefault(assign.targets[0], ("ref", _text))
            self.static_imports[model.path] = {
                i.name: i.module.rsplit(".", 1)[-1] for i in model.imports if i.name not in ("", "*")}

    def fill(self, template: str, owner: str, path: str, depth: int = 0) -> str | None:
        if HOLE not in template:
            return template
        if depth > _MAX_DEPTH:
            return None
        parts = template.split(HOLE)
        out: list[str] = []
        for i, part in enumerate(parts):
            if i % 2 == 0:
                out.append(part)
                continue
            value = self.ref(part, owner, path, depth)
            if value is None:
                return None
            out.append(value)
        return "".join(out)

    def ref(self, ref: str, owner: str, path: str, depth: int) -> str | None:
        cls, _, name = ref.rpartition(".")
        cls = cls.rsplit(".", 1)[-1] if cls else self.static_imports.get(path, {}).get(ref, owner)
        found = self.by_class.get(cls, {}).get(name)
        if found is None:
            return None
        kind, literal = found
        if kind == "str":
            return literal
        if kind == "ref" and literal is not None:
            return self.ref(literal, cls, path, depth + 1)
        return self.fill(literal or "", cls, path, depth + 1)


def _compute(analysis: ProjectAnalysis) -> JavaRoutes:
    every = list(analysis.files("java", roles=("source",)))
    if not any(m.routes or m.mounts for m in every):
        return JavaRoutes()
    models = [m for m in every if m.classes]
    types: dict[str, list[_Type]] = {}
    by_name: dict[str, list[_Type]] = {}
    for model in models:
        package = model.marker("package") or ""
        declared: dict[str, _Type] = {}
        for cls in model.classes:
            if cls.kind not in ("class", "interface") or cls.parent >= 0:
                continue
            key = f"java:{package}.{cls.name}" if package else f"java:{cls.name}"
            t = _Type(model, cls, key, frozenset(annotation_name(d) for d in cls.decorators))
            declared.setdefault(key, t)
        for t in declared.values():
            types.setdefault(t.key, []).append(t)
            by_name.setdefault(t.cls.name, []).append(t)
        for mount in model.mounts:
            if mount.parent == "" and mount.child in declared:
                declared[mount.child].prefixes.append((mount.prefix, mount.known))
            elif mount.parent in declared and mount.guards[:1] in (("extends",), ("implements",)):
                declared[mount.parent].supers.append((mount.guards[0], mount.child, mount.guards[1]))
        for decl in model.routes:
            if decl.owner in declared:
                declared[decl.owner].routes.append(decl)
    constants = _Constants(every)  # paths built from constants of any class
    result = JavaRoutes()
    for candidates in types.values():
        for t in candidates:
            if t.cls.kind == "class":
                _serve(t, types, by_name, constants, result)
                _implementations(t, types, by_name, constants, result)
    return result


def _implementations(t: _Type, types: dict[str, list[_Type]], by_name: dict[str, list[_Type]],
                     constants: _Constants, result: JavaRoutes) -> None:
    unread = [i for i in _interfaces(t, types, by_name) if isinstance(i, str)]
    methods = tuple((f.name, f.line, tuple(d for d in f.decorators if d != "@Override")) for f in t.model.functions
                    if f.owner == t.cls.name and "@Override" in f.decorators)
    if not unread or not methods:
        return
    framework = "spring" if _SPRING_CONTROLLERS & t.annotations or "RequestMapping" in t.annotations else (
        "jax-rs" if "Path" in t.annotations or any(i.module.startswith(("jakarta.ws.rs", "javax.ws.rs"))
                                                   for i in t.model.imports) else "")
    prefixes = tuple(constants.fill(p, t.cls.name, t.model.path) or _without_holes(p) for p, _ in t.prefixes) or ("",)
    for name in unread:
        result.implementations.append(Implementation(name, t.cls.name, t.model.path, framework, prefixes, methods,
                                                     tuple(t.cls.decorators)))


def _find(key: str, written: str, near: _Type, types: dict[str, list[_Type]],
          by_name: dict[str, list[_Type]]) -> _Type | None:
    found = types.get(key) or by_name.get(written.rsplit(".", 1)[-1])
    if not found:
        return None
    return next((f for f in found if f.directory == near.directory), found[0])


def _interfaces(t: _Type, types: dict[str, list[_Type]],
                by_name: dict[str, list[_Type]]) -> list[_Type | str]:
    """The interfaces a class implements and the ones they extend; a name without a source in the project as str."""
    out: list[_Type | str] = []
    seen: set[str] = set()
    stack = [(key, written) for how, key, written in reversed(t.supers) if how == "implements"]
    while stack and len(seen) < 64:
        key, written = stack.pop()
        if key in seen:
            continue
        seen.add(key)
        found = _find(key, written, t, types, by_name)
        if found is None or found.cls.kind != "interface":
            if found is None:
                out.append(written.rsplit(".", 1)[-1])
            continue
        out.append(found)
        stack.extend((k, w) for _how, k, w in reversed(found.supers))
    return out


def _serve(t: _Type, types: dict[str, list[_Type]], by_name: dict[str, list[_Type]], constants: _Constants,
           result: JavaRoutes) -> None:
    interfaces = _interfaces(t, types, by_name)
    resource = bool(_CONTROLLERS & t.annotations) or any(
        not isinstance(i, str) and "Path" in i.annotations for i in interfaces)
    if not resource:
        return
    guards = tuple(t.cls.decorators)
    own = t.prefixes or None
    for decl in t.routes:
        _emit(t, t, decl, own or [("", True)], guards, constants, result)
    overrides = any(f.owner == t.cls.name and "@Override" in f.decorators for f in t.model.functions)
    for iface in interfaces:
        if isinstance(iface, str):
            if _SPRING_CONTROLLERS & t.annotations and overrides:
                result.unread.append(f"{iface} (implemented by {t.model.path})")
            continue
        if _CLIENTS & iface.annotations:
            continue
        prefixes = own or iface.prefixes or [("", True)]
        for decl in iface.routes:
            _emit(iface, t, decl, prefixes, guards, constants, result)


def _emit(where: _Type, served_by: _Type, decl: RouteDecl, prefixes: list[tuple[str, bool]],
          guards: tuple[str, ...], constants: _Constants, result: JavaRoutes) -> None:
    """Endpoints of one mapped method declared in `where` (a controller or an interface it implements)."""
    owner, path = where.cls.name, where.model.path
    sub = constants.fill(decl.path, owner, path)
    sub_known = sub is not None
    if sub is None:
        sub = _without_holes(decl.path)
    for template, _known in prefixes:
        prefix = constants.fill(template, owner, path)
        known = prefix is not None and sub_known
        if prefix is None:
            prefix = _without_holes(template)
        result.endpoints.append(Endpoint(decl.method, join_paths(prefix, sub), path, decl.line, decl.framework,
                                         prefix_known=known, handler=f"{served_by.cls.name}.{decl.handler}",
                                         guards=(*guards, *decl.guards)))


def _without_holes(template: str) -> str:
    parts = template.split(HOLE)
    return "".join(p for i, p in enumerate(parts) if i % 2 == 0)
