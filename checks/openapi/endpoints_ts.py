"""HTTP routes declared in TypeScript/JavaScript, Rust and Go, read from the shared tree-sitter trees."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from analysis.routes.mounts import MountGraph
from analysis.routes.paths import Endpoint, join_paths
from auditor.context import Context
from checks._ts import has_error_ancestor, line_of, named_children, of_type
from checks.openapi.routes_js import js_endpoints
from checks.openapi.routes_rust import rust_endpoints

if TYPE_CHECKING:
    import tree_sitter

    from auditor.sources import TsFile

__all__ = ["tree_endpoints"]

_VERBS = ("get", "post", "put", "patch", "delete", "head", "options")
_JS_METHODS = {*_VERBS, "all"}
_GO_METHODS = {
    "GET": "GET", "POST": "POST", "PUT": "PUT", "PATCH": "PATCH", "DELETE": "DELETE", "HEAD": "HEAD",
    "OPTIONS": "OPTIONS", "Any": "ANY", "Handle": "ANY", "HandleFunc": "ANY", "Get": "GET", "Post": "POST",
    "Put": "PUT", "Patch": "PATCH", "Delete": "DELETE", "Head": "HEAD", "Options": "OPTIONS",
}
_GO_PREFILTER = re.compile(rb"\.(?:GET|POST|PUT|PATCH|DELETE|Any|Handle|HandleFunc|Get|Post|Put|Patch|Delete|Mount|Group)\(")
_GO_ROUTERS = {"gin.Default", "gin.New", "echo.New", "chi.NewRouter", "chi.NewMux", "mux.NewRouter", "http.NewServeMux",
               "fiber.New"}


def tree_endpoints(ctx: Context) -> list[Endpoint]:
    out: list[Endpoint] = []
    out.extend(js_endpoints(ctx))
    out.extend(rust_endpoints(list(ctx.trees("rust", roles=("source",)))))
    out.extend(_go_project([f for f in ctx.trees("go", roles=("source",)) if _GO_PREFILTER.search(f.source)]))
    return out


def _string(file: TsFile, node: tree_sitter.Node | None) -> str | None:
    """The value of a plain string literal (no interpolation) in any of the grammars, else None."""
    if node is None:
        return None
    if node.type in ("string", "string_literal", "interpreted_string_literal", "raw_string_literal"):
        if any(c.type in ("template_substitution", "escape_sequence") and c.type != "escape_sequence"
               for c in node.children):
            return None
        text = file.text(node)
        if text.startswith(("r#\"", "r\"")):
            text = text[text.index('"'):text.rindex('"') + 1]
        return text[1:-1] if len(text) >= 2 else None
    if node.type == "template_string":
        if any(c.type == "template_substitution" for c in node.children):
            return None
        text = file.text(node)
        return text[1:-1]
    return None


def _args(node: tree_sitter.Node) -> list[tree_sitter.Node]:
    args = node.child_by_field_name("arguments")
    return named_children(args) if args is not None else []


def of_type_in(node: tree_sitter.Node, *types: str) -> list[tree_sitter.Node]:
    from checks._ts import descendants

    return [n for n in descendants(node) if n.type in types]


# -- Go: gin / echo / chi / gorilla / net/http ----------------------------------------------------------------------
def _go_project(files: list[TsFile]) -> list[Endpoint]:
    """Go routes with prefixes followed across functions: a group passed to `Register(v1)`, `r.Mount("/x", f())`."""
    declared: dict[str, list[str]] = {}  # function name -> `folder#Type.name` of its declarations
    for file in files:
        for node in of_type(file, "function_declaration", "method_declaration"):
            name = node.child_by_field_name("name")
            if name is not None:
                declared.setdefault(file.text(name), []).append(_go_owner(file, node))
    graph = MountGraph()
    routes: list[tuple[Endpoint, str]] = []
    for file in files:
        routes.extend(_go(file, graph, declared))
    return graph.apply(routes, default_known=lambda owner: not owner.endswith("@param"))


def _go_function(file: TsFile, node: tree_sitter.Node) -> tree_sitter.Node | None:
    current = node.parent
    while current is not None and current.type not in ("function_declaration", "method_declaration"):
        current = current.parent
    return current


def _go_params(file: TsFile, fn: tree_sitter.Node | None) -> list[str]:
    params = fn.child_by_field_name("parameters") if fn is not None else None
    return [file.text(n) for p in (named_children(params) if params is not None else [])
            for n in p.children if n.type == "identifier"]


def _go_owner(file: TsFile, fn: tree_sitter.Node | None) -> str:
    """`folder#Type.name` of a method (`func (rs *Resource) router()`), `folder#name` of a function."""
    name = fn.child_by_field_name("name") if fn is not None else None
    receiver = fn.child_by_field_name("receiver") if fn is not None else None
    kind = next((file.text(n) for n in of_type_in(receiver, "type_identifier")), "") if receiver is not None else ""
    return f"{file.path.rpartition('/')[0]}#{kind + '.' if kind else ''}{file.text(name) if name is not None else ''}"


def _go_callee(file: TsFile, func: tree_sitter.Node, declared: dict[str, list[str]]) -> str | None:
    """`RegisterRoutes`, `pkg.Register`, `adminAPI.Router`: the declaring folder by name, then by the operand."""
    field = func.child_by_field_name("field") if func.type == "selector_expression" else func
    if field is None or func.type not in ("selector_expression", "identifier"):
        return None
    candidates = list(dict.fromkeys(declared.get(file.text(field), [])))
    if len(candidates) > 1 and func.type == "selector_expression":
        operand = file.text(func.child_by_field_name("operand") or func).lower()
        own = file.path.rpartition("/")[0]
        folder = [c for c in candidates if c.partition("#")[0] != own
                  and any(len(seg) >= 3 and operand.startswith(seg.lower()) for seg in c.partition("#")[0].split("/"))]
        candidates = folder or [c for c in candidates if c.partition("#")[0] == own] or candidates
    if len(candidates) > 1 and func.type == "selector_expression":  # `a.Profile.router()` -> ProfileResource.router
        last = file.text(func.child_by_field_name("operand") or func).rsplit(".", 1)[-1].lower()
        typed = [c for c in candidates if "." in c.partition("#")[2]
                 and c.partition("#")[2].split(".")[0].lower().startswith(last.rstrip("s"))]
        candidates = typed or candidates
    return candidates[0] if len(candidates) == 1 else None


def _go(file: TsFile, graph: MountGraph, declared: dict[str, list[str]]) -> list[tuple[Endpoint, str]]:
    prefixes: dict[str, str] = {}
    derived: set[str] = set()  # groups made from a parameter: their routes belong to the caller's prefix
    calls = [n for n in of_type(file, "call_expression") if not has_error_ancestor(n)]
    # `v1 := r.Group("/api/v1")`, `s := r.PathPrefix("/api").Subrouter()`, `r := gin.Default()`
    for node in of_type(file, "short_var_declaration", "assignment_statement"):
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if left is None or right is None or not named_children(left) or not named_children(right):
            continue
        value = named_children(right)[0]
        group = _go_group(file, value, prefixes)
        if group is not None:
            target = file.text(named_children(left)[0])
            prefixes[target] = group
            root = value
            while root.type in ("call_expression", "selector_expression"):  # `u := g.Group("/x")`, g a parameter
                root = root.child_by_field_name("function") or root.child_by_field_name("operand") or root
                if root.type == "identifier":
                    break
            if root.type == "identifier" and (file.text(root) in derived
                                              or file.text(root) in _go_params(file, _go_function(file, node))):
                derived.add(target)
        elif value.type == "call_expression" and file.text(value.child_by_field_name("function") or value) in _GO_ROUTERS:
            prefixes.setdefault(file.text(named_children(left)[0]), "")
    out: list[tuple[Endpoint, str]] = []
    for node in calls:
        func = node.child_by_field_name("function")
        if func is None:
            continue
        fn = _go_function(file, node)
        owner = _go_owner(file, fn)
        params = _go_params(file, fn)
        args = _args(node)
        field = func.child_by_field_name("field") if func.type == "selector_expression" else None
        operand = func.child_by_field_name("operand") if func.type == "selector_expression" else None
        name = file.text(field) if field is not None else ""
        # a router or group handed to another function: `RegisterRoutes(v1)`, `h.Register(r)`
        for arg in args:
            text = file.text(arg)
            if arg.type == "identifier" and (text in prefixes or text in params) and name not in _GO_METHODS:
                callee = _go_callee(file, func, declared)
                if callee is not None:
                    source = owner + "@param" if text in derived or (text in params and text not in prefixes) else owner
                    if source == owner:
                        graph.root(owner)
                    graph.mount(source, _go_local_prefix(file, node, prefixes, text), callee + "@param")
        if name == "Mount" and len(args) >= 2 and operand is not None:  # chi: r.Mount("/x", api.Router())
            path = _string(file, args[0])
            inner = args[1].child_by_field_name("function") if args[1].type == "call_expression" else None
            callee = _go_callee(file, inner, declared) if inner is not None else None
            if path is not None and callee is not None:
                receiver = file.text(operand)
                source = owner + "@param" if receiver in derived or (receiver in params and receiver not in prefixes) else owner
                prefix = join_paths(_go_local_prefix(file, node, prefixes, receiver), path)
                if source == owner:
                    graph.root(owner)
                graph.mount(source, prefix, callee)
                graph.mount(source, prefix, callee + "@param")
            continue
        if field is None or operand is None or name not in _GO_METHODS or len(args) < 2:
            continue
        path = _string(file, args[0])
        if path is None:
            continue
        method = _GO_METHODS[name]
        pattern = re.match(r"^([A-Z]+)\s+(/.*)$", path)  # Go 1.22 "GET /items/{id}"
        if pattern:
            method, path = pattern.group(1), pattern.group(2)
        if not path.startswith("/"):
            continue
        receiver = file.text(operand)
        if "client" in receiver.lower():
            continue
        if method == "ANY":
            method = _go_methods_chain(file, node) or "ANY"
        prefix = _go_local_prefix(file, node, prefixes, receiver)
        source = owner + "@param" if receiver in derived or (receiver in params and receiver not in prefixes) else owner
        if source == owner:
            graph.root(owner)
        out.append((Endpoint(method, join_paths(prefix, path) if prefix else path, file.path, line_of(node), "go"),
                    source))
    return out


def _go_local_prefix(file: TsFile, node: tree_sitter.Node, prefixes: dict[str, str], receiver: str) -> str:
    prefix = prefixes.get(receiver, "")
    route = _go_route_prefix(file, node)
    return join_paths(route, prefix) if route else prefix


def _go_group(file: TsFile, value: tree_sitter.Node, prefixes: dict[str, str]) -> str | None:
    if value.type != "call_expression":
        return None
    func = value.child_by_field_name("function")
    if func is None or func.type != "selector_expression":
        return None
    field = func.child_by_field_name("field")
    operand = func.child_by_field_name("operand")
    if field is None or operand is None:
        return None
    name = file.text(field)
    if name == "Subrouter" and operand.type == "call_expression":
        return _go_group(file, operand, prefixes)
    if name not in ("Group", "PathPrefix"):
        return None
    args = _args(value)
    path = _string(file, args[0]) if args else None
    if path is None:
        return None
    return join_paths(prefixes.get(file.text(operand), ""), path)


def _go_methods_chain(file: TsFile, call: tree_sitter.Node) -> str | None:
    parent = call.parent
    if parent is not None and parent.type == "selector_expression":
        field = parent.child_by_field_name("field")
        outer = parent.parent
        if field is not None and file.text(field) == "Methods" and outer is not None and outer.type == "call_expression":
            args = _args(outer)
            value = _string(file, args[0]) if args else None
            return value.upper() if value else None
    return None


def _go_route_prefix(file: TsFile, call: tree_sitter.Node) -> str:
    """Prefix from enclosing chi `r.Route("/p", func(r chi.Router) {...})` closures."""
    parts: list[str] = []
    current = call.parent
    while current is not None:
        if current.type == "func_literal" and current.parent is not None and current.parent.type == "argument_list":
            outer = current.parent.parent
            func = outer.child_by_field_name("function") if outer is not None else None
            field = func.child_by_field_name("field") if func is not None and func.type == "selector_expression" else None
            if outer is not None and field is not None and file.text(field) == "Route":
                args = _args(outer)
                value = _string(file, args[0]) if args else None
                if value:
                    parts.append(value)
        current = current.parent
    return join_paths(*reversed(parts)) if parts else ""
