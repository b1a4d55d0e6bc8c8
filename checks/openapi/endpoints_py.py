"""HTTP routes declared in Python: FastAPI, Flask (and its API extensions), django-ninja, Django REST framework."""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from auditor.context import Context
from auditor.sources import PyModule
from checks._util import call_name, string_value
from checks.openapi.paths import Endpoint, join_paths

__all__ = ["python_endpoints"]

_ROUTER_CLASSES = {
    "FastAPI": "fastapi", "APIRouter": "fastapi", "Flask": "flask", "Blueprint": "flask",
    "NinjaAPI": "django-ninja", "Router": "django-ninja",
}
_PREFIX_KWARGS = ("prefix", "url_prefix")
_INCLUDE_CALLS = ("include_router", "register_blueprint", "add_router")
_METHOD_DECORATORS = {"get", "post", "put", "patch", "delete", "head", "options", "trace"}
_MAX_DEPTH = 20


@dataclass(frozen=True, slots=True)
class _Router:
    module: str  # dotted module name
    name: str
    prefix: str
    framework: str


def _module_name(path: str) -> str:
    parts = path[:-3].split("/") if path.endswith(".py") else path.split("/")
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


class _Index:
    """Modules by dotted name, resolving absolute names by suffix (source roots such as `src/` vary)."""

    def __init__(self, modules: list[PyModule]) -> None:
        self.by_name = {_module_name(m.path): m for m in modules}

    def find(self, dotted: str) -> str | None:
        if dotted in self.by_name:
            return dotted
        hits = [n for n in self.by_name if n.endswith("." + dotted)]
        return min(hits, key=len) if hits else None

    def imports(self, module: PyModule) -> dict[str, str]:
        """Local name -> absolute dotted target, with relative imports resolved."""
        own = _module_name(module.path)
        package = own if module.path.endswith("__init__.py") else own.rpartition(".")[0]
        names: dict[str, str] = {}
        for imp in module.nodes(ast.Import):
            for alias in imp.names:
                names[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
        for frm in module.nodes(ast.ImportFrom):
            base = frm.module or ""
            if frm.level:
                parts = package.split(".") if package else []
                keep = parts[: len(parts) - (frm.level - 1)] if frm.level > 1 else parts
                base = ".".join([*keep, base] if base else keep)
            for alias in frm.names:
                names[alias.asname or alias.name] = f"{base}.{alias.name}" if base else alias.name
        return names


def _kwarg(call: ast.Call, *names: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg in names:
            return kw.value
    return None


def _constants(module: PyModule) -> dict[str, str]:
    out: dict[str, str] = {}
    for stmt in module.tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            value = string_value(stmt.value)
            if value is not None:
                out[stmt.targets[0].id] = value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            value = string_value(stmt.value)
            if value is not None:
                out[stmt.target.id] = value
    return out


def _class_attributes(modules: list[PyModule]) -> dict[str, set[str]]:
    """Class-level string attributes (`api_prefix: str = "/api"` in a settings class): name -> every value."""
    out: dict[str, set[str]] = {}
    for module in modules:
        for cls in module.nodes(ast.ClassDef):
            for stmt in cls.body:
                target = stmt.target if isinstance(stmt, ast.AnnAssign) else (
                    stmt.targets[0] if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 else None)
                value = string_value(stmt.value) if isinstance(stmt, ast.AnnAssign | ast.Assign) else None
                if isinstance(target, ast.Name) and value is not None:
                    out.setdefault(target.id, set()).add(value)
    return out


def python_endpoints(ctx: Context) -> list[Endpoint]:
    modules = list(ctx.python_modules("source"))
    index = _Index(modules)
    endpoints = _router_endpoints(modules, index)
    if any(_uses(m, "rest_framework", "ninja") for m in modules):
        endpoints.extend(_django_endpoints(modules, index))
    return endpoints


def _uses(module: PyModule, *prefixes: str) -> bool:
    for imp in module.nodes(ast.Import):
        if any(a.name == p or a.name.startswith(p + ".") for a in imp.names for p in prefixes):
            return True
    return any(
        f.level == 0 and any((f.module or "") == p or (f.module or "").startswith(p + ".") for p in prefixes)
        for f in module.nodes(ast.ImportFrom)
    )


# -- FastAPI / Flask / ninja: router objects, decorators and include calls ---------------------------------------
def _router_endpoints(modules: list[PyModule], index: _Index) -> list[Endpoint]:
    routers: dict[tuple[str, str], _Router] = {}
    imports: dict[str, dict[str, str]] = {}
    consts: dict[str, dict[str, str]] = {}
    own_prefix: dict[tuple[str, str], ast.expr | None] = {}
    for module in modules:
        name = _module_name(module.path)
        imports[name] = index.imports(module)
        consts[name] = _constants(module)
        for assign in module.nodes(ast.Assign):
            if not (isinstance(assign.value, ast.Call) and len(assign.targets) == 1):
                continue
            target = assign.targets[0]
            cls = call_name(assign.value).rsplit(".", 1)[-1]
            resolved = imports[name].get(call_name(assign.value).split(".")[0], "")
            if not isinstance(target, ast.Name) or cls not in _ROUTER_CLASSES:
                continue
            if cls == "Router" and "ninja" not in resolved:
                continue
            routers[(name, target.id)] = _Router(name, target.id, "", _ROUTER_CLASSES[cls])
            own_prefix[(name, target.id)] = _kwarg(assign.value, *_PREFIX_KWARGS)
    if not routers:
        return []
    strings = _Strings(modules, index, imports, consts)
    for key, router in routers.items():
        routers[key] = dataclasses.replace(router, prefix=_prefix(strings, own_prefix.get(key), key[0]))
    # parent -> child mounts with their prefix
    mounts: dict[tuple[str, str], list[tuple[tuple[str, str], str]]] = {}
    for module in modules:
        name = _module_name(module.path)
        for call in module.nodes(ast.Call):
            func = call.func
            if not (isinstance(func, ast.Attribute) and func.attr in _INCLUDE_CALLS and isinstance(func.value, ast.Name)):
                continue
            parent = (name, func.value.id)
            child_expr = call.args[-1 if func.attr == "add_router" else 0] if call.args else _kwarg(call, "router", "blueprint")
            child = _resolve_router(child_expr, name, imports, index, routers)
            if parent in routers and child is not None and child != parent:
                expr = _kwarg(call, *_PREFIX_KWARGS)
                if expr is None and func.attr == "add_router" and call.args:  # ninja: api.add_router("/x", router)
                    expr = call.args[0]
                prefix = _prefix(strings, expr, name)
                mounts.setdefault(child, []).append((parent, prefix))
    full: dict[tuple[str, str], list[str]] = {}
    for key in routers:
        full[key] = _full_prefixes(key, routers, mounts)
    out: list[Endpoint] = []
    for module in modules:
        name = _module_name(module.path)
        for node in module.nodes_of(ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
            for deco in node.decorator_list:  # type: ignore[attr-defined]
                out.extend(_decorated(deco, node, module, name, routers, full, imports, strings, index))
    return out


def _prefix(strings: _Strings, expr: ast.expr | None, module: str) -> str:
    """A router's or include's prefix; a segment that cannot be read statically is marked unresolved."""
    if expr is None:
        return ""
    value = strings.value(expr, module)
    return value if value is not None else "/" + _UNRESOLVED


def _full_prefixes(key: tuple[str, str], routers: dict[tuple[str, str], _Router],
                   mounts: dict[tuple[str, str], list[tuple[tuple[str, str], str]]]) -> list[str]:
    results: list[str] = []
    stack: list[tuple[tuple[str, str], str, int]] = [(key, routers[key].prefix, 0)]
    while stack and len(results) < 50:
        current, suffix, depth = stack.pop()
        parents = mounts.get(current, [])
        if not parents or depth >= _MAX_DEPTH:
            results.append(suffix)
            continue
        for parent, prefix in parents:
            stack.append((parent, join_paths(routers[parent].prefix, prefix, suffix), depth + 1))
    return list(dict.fromkeys(results)) or [routers[key].prefix]


def _resolve_router(expr: ast.expr | None, module: str, imports: dict[str, dict[str, str]], index: _Index,
                    routers: dict[tuple[str, str], _Router]) -> tuple[str, str] | None:
    if isinstance(expr, ast.Name):
        if (module, expr.id) in routers:
            return (module, expr.id)
        target = imports[module].get(expr.id, "")
        owner, _, var = target.rpartition(".")
        found = index.find(owner) if owner else None
        if found and (found, var) in routers:
            return (found, var)
        found = index.find(target) if target else None  # `from pkg import router` where router is a module
        if found and (found, "router") in routers:
            return (found, "router")
    elif isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
        target = imports[module].get(expr.value.id, "")
        found = index.find(target) if target else None
        if found and (found, expr.attr) in routers:
            return (found, expr.attr)
    return None


_UNRESOLVED = "\x00"  # a prefix segment whose value could not be read statically


class _Strings:
    """String values of expressions: literals, module constants (also imported), settings attributes, f-strings."""

    def __init__(self, modules: list[PyModule], index: _Index, imports: dict[str, dict[str, str]],
                 consts: dict[str, dict[str, str]]) -> None:
        self.index, self.imports, self.consts = index, imports, consts
        self.attrs = _class_attributes(modules)
        self.exprs: dict[str, dict[str, ast.expr]] = {}  # module-level `NAME = <expr>` not plain strings
        for module in modules:
            own = self.exprs.setdefault(_module_name(module.path), {})
            for stmt in module.tree.body:
                if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                    own[stmt.targets[0].id] = stmt.value
                elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
                    own[stmt.target.id] = stmt.value

    def value(self, expr: ast.expr | None, module: str) -> str | None:
        return self._value(expr, module, 0)

    def _value(self, expr: ast.expr | None, module: str, depth: int) -> str | None:
        value = string_value(expr)
        if value is not None or expr is None or depth > _MAX_DEPTH:
            return value
        if isinstance(expr, ast.Name):
            return self._constant(module, expr.id, depth)
        if isinstance(expr, ast.Attribute):
            target = self.imports.get(module, {}).get(expr.value.id, "") if isinstance(expr.value, ast.Name) else ""
            found = self.index.find(target) if target else None
            if found is not None:  # `config.API_PREFIX` with `from app import config`
                return self._constant(found, expr.attr, depth + 1)
            values = self.attrs.get(expr.attr, set())  # `settings.api_prefix`, `get_settings().API_V1_STR`
            return next(iter(values)) if len(values) == 1 else None
        if isinstance(expr, ast.JoinedStr):
            parts: list[str] = []
            for part in expr.values:
                inner = part.value if isinstance(part, ast.FormattedValue) else part
                text = self._value(inner, module, depth + 1) if isinstance(inner, ast.expr) else None
                if text is None or (isinstance(part, ast.FormattedValue) and part.format_spec is not None):
                    return None
                parts.append(text)
            return "".join(parts)
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            left, right = self._value(expr.left, module, depth + 1), self._value(expr.right, module, depth + 1)
            return left + right if left is not None and right is not None else None
        return None

    def _constant(self, module: str, name: str, depth: int) -> str | None:
        """A module-level constant, following `from x import NAME` re-exports."""
        for _ in range(_MAX_DEPTH - depth):
            if name in self.consts.get(module, {}):
                return self.consts[module][name]
            if name in self.exprs.get(module, {}):
                return self._value(self.exprs[module][name], module, depth + 1)
            owner, _, var = self.imports.get(module, {}).get(name, "").rpartition(".")
            found = self.index.find(owner) if owner else None
            if found is None or (found, var) == (module, name):
                return None
            module, name = found, var
        return None


def _decorated(deco: ast.expr, node: ast.AST, module: PyModule, name: str, routers: dict[tuple[str, str], _Router],
               full: dict[tuple[str, str], list[str]], imports: dict[str, dict[str, str]],
               strings: _Strings, index: _Index) -> Iterable[Endpoint]:
    if not (isinstance(deco, ast.Call) and isinstance(deco.func, ast.Attribute) and isinstance(deco.func.value, ast.Name)):
        return []
    attr = deco.func.attr
    if attr not in _METHOD_DECORATORS and attr not in ("route", "api_route", "api_operation"):
        return []
    key = _resolve_router(deco.func.value, name, imports, index, routers)
    if key is None:
        return []
    router = routers[key]
    path = strings.value(deco.args[0] if deco.args else _kwarg(deco, "path", "rule"), name)
    if path is None:
        return []
    if attr in _METHOD_DECORATORS:
        methods = [attr.upper()]
    else:
        listed = _kwarg(deco, "methods")
        methods = [m.upper() for m in (string_value(e) for e in getattr(listed, "elts", [])) if m]
        if not methods and isinstance(node, ast.ClassDef):  # Flask MethodView registered with @bp.route
            methods = [f.name.upper() for f in node.body
                       if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef) and f.name in _METHOD_DECORATORS]
        methods = methods or ["GET"]
    line = deco.lineno
    out: list[Endpoint] = []
    for prefix in full.get(key, [router.prefix]):
        known = _UNRESOLVED not in prefix
        prefix = join_paths(*(p for p in prefix.split("/") if p != _UNRESOLVED)) if not known else prefix
        route = join_paths(prefix, path) if path.strip("/") else (prefix if prefix.strip("/") else "/")
        out.extend(Endpoint(m, route, module.path, line, router.framework, prefix_known=known)
                   for m in methods if m != "OPTIONS" or attr != "route")
    return out


# -- Django REST framework: urlpatterns, include() and routers ---------------------------------------------------
_PATH_FUNCS = {"path", "re_path", "url"}


def _django_endpoints(modules: list[PyModule], index: _Index) -> list[Endpoint]:
    urls: dict[str, PyModule] = {}
    for module in modules:
        if any(isinstance(t, ast.Name) and t.id == "urlpatterns" for a in module.nodes(ast.Assign) for t in a.targets):
            urls[_module_name(module.path)] = module
    included: set[str] = set()
    entries: dict[str, list[tuple[str, str, str, int]]] = {}  # module -> (route, kind, target, line)
    for name, module in urls.items():
        imports = index.imports(module)
        rows: list[tuple[str, str, str, int]] = []
        registered = _router_registrations(module)
        for call in module.nodes(ast.Call):
            if call_name(call).rsplit(".", 1)[-1] not in _PATH_FUNCS or not call.args:
                continue
            route = string_value(call.args[0])
            if route is None or len(call.args) < 2:
                continue
            target = call.args[1]
            if isinstance(target, ast.Call) and call_name(target).rsplit(".", 1)[-1] == "include" and target.args:
                inner = target.args[0]
                dotted = string_value(inner)
                if dotted is not None:
                    found = index.find(dotted)
                    if found in urls:
                        rows.append((route, "include", found, call.lineno))
                        included.add(found)
                elif isinstance(inner, ast.Attribute) and inner.attr == "urls" and isinstance(inner.value, ast.Name):
                    for reg_route, line in registered.get(inner.value.id, []):
                        rows.append((join_paths(route, reg_route), "router", "", line))
                continue
            if isinstance(target, ast.Attribute) and target.attr == "urls":
                if dotted_admin(target):
                    continue
                if isinstance(target.value, ast.Name):
                    for reg_route, line in registered.get(target.value.id, []):
                        rows.append((join_paths(route, reg_route), "router", "", line))
                continue
            rows.append((route, "view", "", call.lineno))
        # `urlpatterns += router.urls` / `urlpatterns = router.urls`
        for attr in module.nodes(ast.Attribute):
            if (attr.attr == "urls" and isinstance(attr.value, ast.Name) and attr.value.id in registered
                    and not isinstance(module.parent(attr), ast.Call)):
                for reg_route, line in registered[attr.value.id]:
                    rows.append((reg_route, "router", "", line))
        del imports
        entries[name] = rows
    roots = [n for n in urls if n not in included]
    out: list[Endpoint] = []
    seen: set[tuple[str, str]] = set()
    stack: list[tuple[str, str, int]] = [(r, "", 0) for r in roots]
    while stack:
        name, prefix, depth = stack.pop()
        if (name, prefix) in seen or depth > _MAX_DEPTH:
            continue
        seen.add((name, prefix))
        for route, kind, dest, line in entries.get(name, []):
            full = join_paths(prefix, route)
            if kind == "include":
                stack.append((dest, full, depth + 1))
            elif kind == "router":
                out.append(Endpoint("ANY", full, urls[name].path, line, "django-rest-framework"))
                out.append(Endpoint("ANY", join_paths(full, "{pk}"), urls[name].path, line, "django-rest-framework"))
            else:
                out.append(Endpoint("ANY", full, urls[name].path, line, "django"))
    return out


def dotted_admin(node: ast.Attribute) -> bool:
    return isinstance(node.value, ast.Attribute) and node.value.attr == "site"


def _router_registrations(module: PyModule) -> dict[str, list[tuple[str, int]]]:
    out: dict[str, list[tuple[str, int]]] = {}
    for call in module.nodes(ast.Call):
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr == "register" and isinstance(func.value, ast.Name) and call.args:
            route = string_value(call.args[0])
            if route is not None:
                out.setdefault(func.value.id, []).append((route.lstrip("^").rstrip("$"), call.lineno))
    return out
