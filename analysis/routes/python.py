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
_HTTP = ("GET", "POST", "PUT", "PATCH", "DELETE", "ANY")
# Generic views outside the project -> the methods they serve (Django's django.views.generic and auth views, DRF's
# generics). A base serving nothing of its own (View, APIView, GenericAPIView, any *Mixin) maps to ().
_GENERIC_VIEWS: dict[str, tuple[str, ...]] = {
    "View": (), "APIView": (), "GenericAPIView": (), "ContextMixin": (),
    **dict.fromkeys(("TemplateView", "ListView", "DetailView", "ArchiveIndexView", "YearArchiveView",
                     "MonthArchiveView", "WeekArchiveView", "DayArchiveView", "TodayArchiveView", "DateDetailView",
                     "PasswordResetDoneView", "PasswordResetCompleteView", "PasswordChangeDoneView",
                     "ListAPIView", "RetrieveAPIView", "SpectacularAPIView", "SpectacularJSONAPIView",
                     "SpectacularYAMLAPIView", "SpectacularSwaggerView", "SpectacularRedocView"), ("GET",)),
    **dict.fromkeys(("FormView", "CreateView", "UpdateView", "LoginView", "PasswordChangeView", "PasswordResetView",
                     "PasswordResetConfirmView"), ("GET", "POST")),
    "DeleteView": ("GET", "POST", "DELETE"), "RedirectView": ("ANY",),
    "CreateAPIView": ("POST",), "DestroyAPIView": ("DELETE",), "UpdateAPIView": ("PUT", "PATCH"),
    "ListCreateAPIView": ("GET", "POST"), "RetrieveUpdateAPIView": ("GET", "PUT", "PATCH"),
    "RetrieveDestroyAPIView": ("GET", "DELETE"), "RetrieveUpdateDestroyAPIView": ("GET", "PUT", "PATCH", "DELETE"),
}
# DRF viewsets registered on a router: the actions a base provides, and where each action is served.
_VIEWSET_ACTIONS: dict[str, tuple[str, ...]] = {
    "ViewSet": (), "GenericViewSet": (), "ViewSetMixin": (),
    "ModelViewSet": ("list", "create", "retrieve", "update", "partial_update", "destroy"),
    "ReadOnlyModelViewSet": ("list", "retrieve"),
    "ListModelMixin": ("list",), "CreateModelMixin": ("create",), "RetrieveModelMixin": ("retrieve",),
    "UpdateModelMixin": ("update", "partial_update"), "DestroyModelMixin": ("destroy",),
}
_ACTION_ROUTES = {"list": ("GET", False), "create": ("POST", False), "retrieve": ("GET", True),
                  "update": ("PUT", True), "partial_update": ("PATCH", True), "destroy": ("DELETE", True)}
_VIEW_DECORATORS = re.compile(r"^(?:[\w.]+\.)?(api_view|require_http_methods)\(\s*[\[(]?([^\])]*)")
_SINGLE_METHOD = {"require_GET": ("GET",), "require_POST": ("POST",), "require_safe": ("GET",)}
_METHOD_WORD = re.compile(r"[\'\"](get|post|put|patch|delete|head|options)[\'\"]", re.I)
_OPEN_PERMISSIONS = re.compile(r"^[\[(]?\s*(?:[\w.]+\.)?AllowAny\s*,?\s*[\])]?$")


@dataclass(frozen=True, slots=True)
class _View:
    """What a view serves: methods (CBV, decorated function view) or viewset routes, and the guards it carries."""

    routes: tuple[tuple[str, str], ...]  # (method, path suffix): ("GET", ""), ("DELETE", "{pk}"), ("POST", "{pk}/x")
    known: bool  # False: a class-based view whose methods could not be read
    guards: tuple[str, ...] = ()


class _Views:
    """Django views by their urls.py text (`views.ItemView.as_view()`, `views.index`, `UserViewSet`): classes and
    functions of the project found through the urls module's imports, their bases followed by name."""

    def __init__(self, project: _Project) -> None:
        self.p = project
        self.classes: dict[str, list[tuple[str, FileModel, int]]] = {}  # class name -> (module, model, index)
        for module, model in project.models.items():
            for i, cls in enumerate(model.classes):
                self.classes.setdefault(cls.name, []).append((module, model, i))

    def _target(self, text: str, module: str) -> tuple[str | None, str]:
        """(the module a dotted view name lives in -- "" when it is imported from outside the project, None when
        unknown -- and its last name)."""
        head, _, name = text.rpartition(".")
        if not head:
            target = self.p.imports.get(module, {}).get(name, "")
            owner, _, var = target.rpartition(".")
            if not owner:
                return module, name
            return (self.p.find(owner) or ""), (var or name)
        first, _, rest = head.partition(".")
        target = self.p.imports.get(module, {}).get(first, "")
        if target:
            dotted_module = ".".join(p for p in (target, rest) if p)
            found = self.p.find(dotted_module)
            if found is None:  # `from app import views` where views is a module: target is app.views
                found = self.p.find(dotted_module.rpartition(".")[0]) if "." in dotted_module else None
            return (found or ""), name
        return self.p.find(head), name

    def _class(self, name: str, module: str | None) -> tuple[str, FileModel, int] | None:
        """The project's class of that name: in `module`, or the only one when the module is unknown; none when the
        name is imported from outside the project (`auth_views.LoginView` beside a project class `LoginView`)."""
        hits = self.classes.get(name, [])
        if not hits or module == "":
            return None
        return next((h for h in hits if h[0] == module), hits[0] if len(hits) == 1 else None)

    def _walk(self, found: tuple[str, FileModel, int]) -> tuple[set[str], set[str], list[str], bool, str]:
        """Over a class and its project bases: (methods defined, names of outside bases, guards, fully read,
        http_method_names text)."""
        defined: set[str] = set()
        outside: set[str] = set()
        guards: list[str] = []
        allowed = ""
        complete = True
        pending, seen = [found], set[tuple[str, int]]()
        while pending and len(seen) < 32:
            module, model, index = pending.pop()
            if (module, index) in seen:
                continue
            seen.add((module, index))
            cls = model.classes[index]
            guards.extend("@" + d.lstrip("@") for d in cls.decorators)
            for fn in model.functions:
                if fn.owner.rsplit(".", 1)[-1] == cls.name and fn.qualname.endswith(f"{cls.name}.{fn.name}"):
                    defined.add(fn.name)
                    if fn.name in ("get", "post", "put", "patch", "delete", "dispatch", *_ACTION_ROUTES):
                        guards.extend("@" + d.lstrip("@") for d in fn.decorators)
            for assign in model.assigns:
                if assign.owner.rsplit(".", 1)[-1] != cls.name or assign.function >= 0 or not assign.targets:
                    continue
                value = assign.value[1]
                if assign.targets[0] == "permission_classes" and not _OPEN_PERMISSIONS.match(value.strip()):
                    guards.append(f"permission_classes={value}")
                elif assign.targets[0] == "http_method_names" and not allowed:
                    allowed = value
            for base in cls.bases:
                short = base.split("[", 1)[0].rsplit(".", 1)[-1]
                inner = self._class(short, self._target(base.split("[", 1)[0], module)[0])
                if inner is not None and short not in _GENERIC_VIEWS and short not in _VIEWSET_ACTIONS:
                    pending.append(inner)
                    continue
                guards.append(f"base:{short}")
                if short in _GENERIC_VIEWS or short in _VIEWSET_ACTIONS or short.endswith("Mixin") or short == "object":
                    outside.add(short)
                else:
                    complete = False
        return defined, outside, guards, complete, allowed

    def view(self, text: str, module: str) -> _View:
        """The methods a urlpatterns view serves at its route."""
        match = re.match(r"^\s*([\w.]+?)\.as_view\((.*)", text, re.S)
        if match is None:  # a function view (or a call wrapping one): every method unless its decorators say
            name = re.sub(r"^[\w.]+\((?=[\w.]+\)?$)", "", text).rstrip(")").strip()
            if not re.fullmatch(r"[\w.]+", name):
                return _View((("ANY", ""),), True)
            owner, short = self._target(name, module)
            model = self.p.models.get(owner) if owner else None
            fn = next((f for f in model.functions if f.name == short and not f.owner and f.parent < 0), None) \
                if model is not None else None
            if fn is None:
                return _View((("ANY", ""),), True)
            listed_methods: list[str] = []
            for deco in fn.decorators:
                deco = deco.lstrip("@")
                listed = _VIEW_DECORATORS.match(deco)
                if listed:
                    listed_methods.extend(m.upper() for m in _METHOD_WORD.findall(listed.group(2)))
                    if listed.group(1) == "api_view" and not listed_methods:
                        listed_methods.append("GET")  # DRF's @api_view() with no list allows GET only
                listed_methods.extend(_SINGLE_METHOD.get(deco.rsplit(".", 1)[-1], ()))
            decorators = tuple("@" + d.lstrip("@") for d in fn.decorators)
            served = [m for m in dict.fromkeys(listed_methods) if m not in ("HEAD", "OPTIONS")]
            return _View(tuple((m, "") for m in served) or (("ANY", ""),), True, decorators)
        actions = _METHOD_WORD.findall(match.group(2).split(")", 1)[0]) if "{" in match.group(2) else []
        owner, short = self._target(match.group(1), module)
        found = self._class(short, owner)
        if found is None:
            served_outside = _GENERIC_VIEWS.get(short)
            if actions:
                return _View(tuple((m.upper(), "") for m in dict.fromkeys(actions)), True)
            if served_outside:
                return _View(tuple((m, "") for m in served_outside), True)
            return _View((("ANY", ""),), False)
        defined, outside, guards, _complete, allowed = self._walk(found)
        methods: list[str]
        if actions:  # ViewSet.as_view({"get": "list", "post": "create"})
            methods = [m.upper() for m in dict.fromkeys(actions)]
        else:
            methods = [m for m in _HTTP if m.lower() in defined]
            for base in outside:
                methods.extend(m for m in _GENERIC_VIEWS.get(base, ()) if m not in methods)
        if allowed:
            named = {m.upper() for m in _METHOD_WORD.findall(allowed)}
            methods = [m for m in methods if m in named]
        ordered = ["ANY"] if "ANY" in methods else [m for m in _HTTP if m in methods]
        if not ordered:
            return _View((("ANY", ""),), False, tuple(guards))
        return _View(tuple((m, "") for m in ordered), True, tuple(guards))

    def viewset(self, text: str, module: str) -> _View:
        """The routes a DRF router registration serves: the viewset's actions on its list and detail routes, and
        its @action methods under their url_path."""
        unknown = _View((("ANY", ""), ("ANY", "{pk}")), False)
        name = text.strip()
        if not re.fullmatch(r"[\w.]+", name):
            return unknown
        owner, short = self._target(name, module)
        found = self._class(short, owner)
        if found is None:
            provided = _VIEWSET_ACTIONS.get(short)
            if not provided:
                return unknown
            return _View(tuple((m, "{pk}" if detail else "") for a in provided for m, detail in [_ACTION_ROUTES[a]]),
                         True)
        defined, outside, guards, complete, _allowed = self._walk(found)
        actions = [a for a in _ACTION_ROUTES if a in defined]
        for base in outside:
            actions.extend(a for a in _VIEWSET_ACTIONS.get(base, ()) if a not in actions)
        routes = [(m, "{pk}" if detail else "") for a in _ACTION_ROUTES if a in actions for m, detail in [_ACTION_ROUTES[a]]]
        routes.extend(self._extra_actions(found))
        if not routes:
            return unknown if not complete else _View((), True)
        if not complete:
            routes.extend(r for r in unknown.routes if r not in routes)
        return _View(tuple(dict.fromkeys(routes)), complete, tuple(guards))

    def _extra_actions(self, found: tuple[str, FileModel, int]) -> list[tuple[str, str]]:
        """`@action(detail=True, methods=["post"], url_path="set-password")` methods of a viewset (its own)."""
        _module, model, index = found
        cls = model.classes[index]
        out: list[tuple[str, str]] = []
        for fn in model.functions:
            if fn.owner.rsplit(".", 1)[-1] != cls.name:
                continue
            for deco in fn.decorators:
                deco = deco.lstrip("@")
                if not re.match(r"^(?:[\w.]+\.)?action\(", deco):
                    continue
                url = re.search(r"url_path\s*=\s*[rbuf]?[\'\"]([^\'\"]*)[\'\"]", deco)
                suffix = url.group(1) if url else fn.name
                if HOLE in suffix or "{" in suffix:
                    suffix = suffix.replace(HOLE, "")
                detail = re.search(r"detail\s*=\s*True", deco) is not None
                listed = re.search(r"methods\s*=\s*[\[(]([^\])]*)", deco)
                methods = [m.upper() for m in _METHOD_WORD.findall(listed.group(1))] if listed else ["GET"]
                for method in dict.fromkeys(methods or ["GET"]):
                    if method not in ("HEAD", "OPTIONS"):
                        out.append((method, join_paths("{pk}" if detail else "", suffix).lstrip("/")))
        return out


def _django_endpoints(project: _Project) -> list[Endpoint]:
    urls: dict[str, FileModel] = {}
    for module, model in project.models.items():
        if any("urlpatterns" in a.targets and a.function < 0 for a in model.assigns):
            urls[module] = model
    if not urls:
        return []
    views = _Views(project)
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
                continue
            framework = "django-rest-framework" if kind == "router" else "django"
            served = views.viewset(view, module) if kind == "router" else views.view(view, module)
            own = tuple(g for g in guards if not g.endswith(".as_view"))  # `view:X.as_view` wraps nothing
            for method, suffix in served.routes:
                out.append(Endpoint(method, join_paths(full, suffix) if suffix else full, path, line, framework,
                                    handler=view, guards=(*own, *served.guards),
                                    method_known=served.known or method != "ANY"))
    return out
