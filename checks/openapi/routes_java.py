"""Java routes: Spring MVC and JAX-RS mappings, mappings inherited from API interfaces, and the servlet prefixes
Spring Boot reads from `application.properties` / `application.yml` (`server.servlet.context-path`,
`spring.mvc.servlet.path`).

A controller that implements an interface whose source is not in the repository (API-first projects generate
`OwnersApi` at build time) has routes this reader cannot see; they are listed, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from analysis.routes.paths import Endpoint, join_paths
from auditor.context import Context
from checks._ts import has_error_ancestor, line_of, named_children, of_type
from checks.openapi.spec import load_document

if TYPE_CHECKING:
    import tree_sitter

    from auditor.sources import TsFile

__all__ = ["JavaRoutes", "java_routes", "servlet_prefixes"]

_SPRING = {"GetMapping": "GET", "PostMapping": "POST", "PutMapping": "PUT", "PatchMapping": "PATCH",
           "DeleteMapping": "DELETE", "RequestMapping": "ANY"}
_JAXRS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}
_CONTROLLER = {"RestController", "Controller", "Path", "RequestMapping"}
_CLIENTS = {"FeignClient", "HttpExchange", "RegisterRestClient"}  # interfaces that call other services
_SERVLET_KEYS = ("server.servlet.context-path", "spring.mvc.servlet.path")
_CONFIG_NAME = re.compile(r"(?:^|/)application\.(?:properties|ya?ml)$")
_PLACEHOLDER = re.compile(r"^\$\{[^:}]*(?::([^}]*))?\}$")
_MAX_CONFIG = 1024 * 1024


@dataclass(slots=True)
class JavaRoutes:
    endpoints: list[Endpoint] = field(default_factory=list)
    unread_interfaces: list[str] = field(default_factory=list)  # "OwnersApi (implemented by path/Controller.java)"


@dataclass(slots=True)
class _Type:
    file: TsFile
    node: tree_sitter.Node
    name: str
    annotations: dict[str, tree_sitter.Node]
    implements: list[str]


def _annotations(node: tree_sitter.Node) -> list[tree_sitter.Node]:
    mods = next((c for c in node.children if c.type == "modifiers"), None)
    return [c for c in mods.children if c.type in ("annotation", "marker_annotation")] if mods is not None else []


def _ann_name(file: TsFile, ann: tree_sitter.Node) -> str:
    name = ann.child_by_field_name("name")
    return file.text(name).rsplit(".", 1)[-1] if name is not None else ""


def _string(file: TsFile, node: tree_sitter.Node) -> str | None:
    if node.type != "string_literal" or any(c.type == "escape_sequence" for c in node.children):
        return None
    text = file.text(node)
    return text[1:-1] if len(text) >= 2 and text.startswith('"') and not text.startswith('"""') else None


def _annotation_paths(file: TsFile, ann: tree_sitter.Node, keys: tuple[str, ...] = ("value", "path")) -> list[str]:
    args = ann.child_by_field_name("arguments")
    if args is None:
        return [""]
    values: list[tree_sitter.Node] = []
    for child in named_children(args):
        if child.type == "element_value_pair":
            key, value = child.child_by_field_name("key"), child.child_by_field_name("value")
            if key is not None and value is not None and file.text(key) in keys:
                values.append(value)
        else:
            values.append(child)
    paths: list[str] = []
    for value in values:
        items = named_children(value) if value.type == "element_value_array_initializer" else [value]
        paths.extend(s for s in (_string(file, i) for i in items) if s is not None)
    return [_placeholder(p) for p in paths] or [""]


def _placeholder(path: str) -> str:
    """`${openapi.base-path:/api}` (generated interfaces) -> its default; a bare `${x}` -> ""."""
    match = _PLACEHOLDER.match(path.strip())
    return (match.group(1) or "") if match else path


def _annotation_method(file: TsFile, ann: tree_sitter.Node) -> list[str]:
    args = ann.child_by_field_name("arguments")
    methods: list[str] = []
    for child in named_children(args) if args is not None else []:
        key = child.child_by_field_name("key") if child.type == "element_value_pair" else None
        if key is not None and file.text(key) == "method":
            text = file.text(child.child_by_field_name("value") or child)
            methods.extend(m for m in re.findall(r"[A-Z]+", text) if m in _JAXRS)
    return methods or ["ANY"]


def _implements(file: TsFile, node: tree_sitter.Node) -> list[str]:
    supers = next((c for c in node.children if c.type in ("super_interfaces", "extends_interfaces")), None)
    types = next((c for c in named_children(supers) if c.type == "type_list"), None) if supers is not None else None
    names = [file.text(t).split("<", 1)[0].rsplit(".", 1)[-1] for t in named_children(types)] if types else []
    return [n.strip() for n in names if n.strip()]


def _prefixes(t: _Type) -> list[str] | None:
    file = t.file
    if "RequestMapping" in t.annotations:
        return _annotation_paths(file, t.annotations["RequestMapping"])
    if "Path" in t.annotations:
        return _annotation_paths(file, t.annotations["Path"], ("value",))
    return None


def _method_routes(t: _Type) -> list[tuple[str, str, str, int, str]]:
    """(method name, verb, sub-path, line, framework) of every mapped method declared in the type's body."""
    file = t.file
    body = t.node.child_by_field_name("body")
    out: list[tuple[str, str, str, int, str]] = []
    for method in named_children(body) if body is not None else []:
        if method.type != "method_declaration":
            continue
        name_node = method.child_by_field_name("name")
        mname = file.text(name_node) if name_node is not None else ""
        names = {_ann_name(file, a): a for a in _annotations(method)}
        for name, ann in names.items():
            if name in _SPRING:
                verbs = [_SPRING[name]] if name != "RequestMapping" else _annotation_method(file, ann)
                subs = _annotation_paths(file, ann)
            elif name in _JAXRS:
                verbs = [name]
                subs = _annotation_paths(file, names["Path"], ("value",)) if "Path" in names else [""]
            else:
                continue
            out.extend((mname, verb, sub, line_of(ann), "spring" if name in _SPRING else "jax-rs")
                       for sub in subs for verb in verbs)
    return out


def _overrides(t: _Type) -> bool:
    body = t.node.child_by_field_name("body")
    return any(m.type == "method_declaration" and "Override" in {_ann_name(t.file, a) for a in _annotations(m)}
               for m in (named_children(body) if body is not None else []))


def java_routes(ctx: Context) -> JavaRoutes:
    """Spring and JAX-RS endpoints of the project, with interface mappings and servlet prefixes applied."""
    types: list[_Type] = []
    for file in ctx.trees("java", roles=("source",)):
        if b"Mapping" not in file.source and b"@Path" not in file.source and b"implements" not in file.source:
            continue
        for node in of_type(file, "class_declaration", "interface_declaration"):
            if has_error_ancestor(node):
                continue
            name = node.child_by_field_name("name")
            types.append(_Type(file, node, file.text(name) if name is not None else "",
                               {_ann_name(file, a): a for a in _annotations(node)}, _implements(file, node)))
    interfaces: dict[str, list[_Type]] = {}
    for t in types:
        if t.node.type == "interface_declaration" and not (_CLIENTS & set(t.annotations)):
            interfaces.setdefault(t.name, []).append(t)
    result = JavaRoutes()
    for t in types:
        if t.node.type != "class_declaration" or not (_CONTROLLER & set(t.annotations)):
            continue
        own = _prefixes(t)
        for _m, verb, sub, line, framework in _method_routes(t):
            result.endpoints.extend(Endpoint(verb, join_paths(p, sub), t.file.path, line, framework)
                                    for p in (own if own is not None else [""]))
        for iface in _inherited(t, interfaces):
            if isinstance(iface, str):
                if {"RestController", "Controller"} & set(t.annotations) and _overrides(t):
                    result.unread_interfaces.append(f"{iface} (implemented by {t.file.path})")
                continue
            prefixes = own if own is not None else (_prefixes(iface) or [""])
            for _m, verb, sub, line, framework in _method_routes(iface):
                result.endpoints.extend(Endpoint(verb, join_paths(p, sub), iface.file.path, line, framework)
                                        for p in prefixes)
    result.endpoints = _with_servlet_prefixes(ctx, result.endpoints)
    return result


def _inherited(t: _Type, interfaces: dict[str, list[_Type]]) -> list[_Type | str]:
    """Interfaces a class implements (and the ones they extend); a name without a source in the repository as str."""
    out: list[_Type | str] = []
    seen: set[str] = set()
    stack = list(reversed(t.implements))
    while stack and len(seen) < 64:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        found = interfaces.get(name)
        if not found:
            out.append(name)
            continue
        iface = next((i for i in found if i.file.path.rpartition("/")[0] == t.file.path.rpartition("/")[0]), found[0])
        out.append(iface)
        stack.extend(reversed(iface.implements))
    return out


# -- Spring Boot servlet prefixes -----------------------------------------------------------------------------------
def _module_root(path: str) -> str:
    head, sep, _ = path.partition("src/main/")
    return head if sep else ""


def servlet_prefixes(ctx: Context) -> dict[str, tuple[str, bool]]:
    """Module root -> (context path + servlet path, whether it could be read) from the default-profile config."""
    out: dict[str, tuple[str, bool]] = {}
    for info in ctx.files:
        if not _CONFIG_NAME.search(info.path) or info.role == "test" or "/src/test/" in "/" + info.path:
            continue
        text = ctx.sources.text(info.path)
        if text is None or len(text) > _MAX_CONFIG:
            continue
        values = _properties(text) if info.path.endswith(".properties") else _yaml_values(info.path, text)
        if not values:
            continue
        parts: list[str] = []
        known = True
        for key in _SERVLET_KEYS:
            value = values.get(key)
            if value is None:
                continue
            match = _PLACEHOLDER.match(value.strip())
            if match:
                value = match.group(1)
                if value is None:
                    known = False
                    continue
            value = value.strip().strip("\"'").rstrip("/*")
            if value and value != "/":
                parts.append(value)
        root = _module_root(info.path)
        prefix = join_paths(*parts) if parts else ""
        previous = out.get(root)
        if previous is None or (prefix and not previous[0]):
            out[root] = (prefix, known)
    return out


def _properties(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped[0] in "#!":
            continue
        key, _, value = stripped.partition("=") if "=" in stripped else stripped.partition(":")
        if key.strip() in _SERVLET_KEYS:
            out[key.strip()] = value.strip()
    return out


def _yaml_values(path: str, text: str) -> dict[str, str]:
    """The servlet keys of the first YAML document (the default profile), nested or dotted."""
    first = re.split(r"(?m)^---[ \t]*$", text, maxsplit=1)[0]
    data = load_document(path, first).data
    out: dict[str, str] = {}
    for key in _SERVLET_KEYS:
        current: object = data
        parts = key.split(".")
        i = 0
        while isinstance(current, dict) and i < len(parts):
            joined = next((".".join(parts[i:j]) for j in range(len(parts), i, -1) if ".".join(parts[i:j]) in current),
                          None)
            if joined is None:
                current = None
                break
            current = current[joined]
            i += len(joined.split("."))
        if i == len(parts) and isinstance(current, str | int | float):
            out[key] = str(current)
    return out


def _with_servlet_prefixes(ctx: Context, endpoints: list[Endpoint]) -> list[Endpoint]:
    if not endpoints:
        return endpoints
    prefixes = servlet_prefixes(ctx)
    if not prefixes:
        return endpoints
    single = next(iter(prefixes.values())) if len(prefixes) == 1 else None
    out: list[Endpoint] = []
    for ep in endpoints:
        found = prefixes.get(_module_root(ep.file), single) if ep.framework == "spring" else None
        if found is None or (not found[0] and found[1]):
            out.append(ep)
            continue
        prefix, known = found
        out.append(replace(ep, path=join_paths(prefix, ep.path), base=prefix, prefix_known=ep.prefix_known and known))
    return out
