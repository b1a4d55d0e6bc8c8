"""Rust HTTP routes with their prefixes: axum `nest`/`merge`, actix-web `scope`/`service`/`configure`, Rocket `mount`.

Routes are owned by the function whose router chain declares them (`file#fn`), by a `let` router variable in it
(`file#fn@var`), or, for attribute handlers (`#[get("/x")] async fn h`), by the handler itself. Registrations
(`.nest("/api", api_router())`, `.service(web::scope("/admin").route(...))`, `.configure(config_services)`,
`.service(ping)`, `.mount("/api", routes![a, b])`) become mounts; functions are found by name within the crate,
narrowed by their `mod` path (`routes::users::routes()`), `use` imports and `impl` type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from analysis.routes.mounts import MountGraph
from analysis.routes.paths import Endpoint, join_paths
from checks._ts import descendants, has_error_ancestor, line_of, named_children, of_type

if TYPE_CHECKING:
    import tree_sitter

    from auditor.sources import TsFile

__all__ = ["rust_endpoints"]

_VERBS = ("get", "post", "put", "patch", "delete", "head", "options")
_NESTING = {"nest", "merge", "service", "configure", "mount"}
_WITH_PREFIX = {"nest", "mount"}
_SCOPES = {"scope"}  # actix `web::scope("/x")`
_PREFILTER = re.compile(rb"route|#\[|mount|scope|nest|merge|service|configure")
_MAX_WALK = 64
_MAX_USE_DEPTH = 16


@dataclass(frozen=True, slots=True)
class _Fn:
    key: str  # `file#name`
    file: str
    crate: str  # folder holding `src/` (workspace member)
    module: tuple[str, ...]  # `src/routes/users.rs` -> ("routes", "users")
    impl: str  # type of the enclosing `impl`, "" for a free function


def _module_of(path: str) -> tuple[str, tuple[str, ...]]:
    crate, sep, rest = path.rpartition("src/")
    if not sep:
        crate, rest = "", path
    parts = rest[:-3].split("/") if rest.endswith(".rs") else rest.split("/")
    if parts and parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return crate, tuple(p for p in parts if p)


def _string(file: TsFile, node: tree_sitter.Node | None) -> str | None:
    if node is None or node.type not in ("string_literal", "raw_string_literal"):
        return None
    if any(c.type == "escape_sequence" for c in node.children):
        return None
    text = file.text(node)
    if text.startswith("r"):
        text = text[text.index('"'):text.rindex('"') + 1] if '"' in text else ""
    return text[1:-1] if len(text) >= 2 else None


def _args(node: tree_sitter.Node) -> list[tree_sitter.Node]:
    args = node.child_by_field_name("arguments")
    return named_children(args) if args is not None else []


def _field(node: tree_sitter.Node) -> tuple[str, tree_sitter.Node | None]:
    """`recv.name(...)`: (name, recv); ("", None) for any other call."""
    func = node.child_by_field_name("function") if node.type == "call_expression" else None
    if func is None or func.type != "field_expression":
        return "", None
    name = func.child_by_field_name("field")
    return (name.text.decode("utf-8", "replace") if name is not None and name.text else ""), func.child_by_field_name(
        "value")


def _enclosing_fn(node: tree_sitter.Node) -> tree_sitter.Node | None:
    current = node.parent
    while current is not None and current.type != "function_item":
        current = current.parent
    return current


def _impl_type(file: TsFile, fn: tree_sitter.Node) -> str:
    current = fn.parent
    while current is not None and current.type not in ("impl_item", "function_item"):
        current = current.parent
    if current is None or current.type != "impl_item":
        return ""
    kind = current.child_by_field_name("type")
    return file.text(kind).split("<", 1)[0].rsplit("::", 1)[-1] if kind is not None else ""


def _uses(file: TsFile) -> dict[str, tuple[str, ...]]:
    """Local name -> path of its `use` (`use crate::a::{b, c as d}` -> b: (a, b), d: (a, c))."""
    out: dict[str, tuple[str, ...]] = {}
    for decl in of_type(file, "use_declaration"):
        arg = decl.child_by_field_name("argument")
        stack: list[tuple[tree_sitter.Node, tuple[str, ...], int]] = [(arg, (), 0)] if arg is not None else []
        while stack:
            node, base, depth = stack.pop()
            if depth > _MAX_USE_DEPTH:
                continue
            if node.type in ("identifier", "scoped_identifier"):
                path = (*base, *file.text(node).split("::"))
                out[path[-1]] = path
            elif node.type == "use_as_clause":
                source, alias = node.child_by_field_name("path"), node.child_by_field_name("alias")
                if source is not None and alias is not None:
                    out[file.text(alias)] = (*base, *file.text(source).split("::"))
            elif node.type == "scoped_use_list":
                head = node.child_by_field_name("path")
                items = node.child_by_field_name("list")
                prefix = (*base, *file.text(head).split("::")) if head is not None else base
                if items is not None:
                    stack.extend((c, prefix, depth + 1) for c in named_children(items))
            elif node.type == "use_list":
                stack.extend((c, base, depth + 1) for c in named_children(node))
    return out


class _Project:
    """Every Rust function by name, and the registrations and routes found in the files."""

    def __init__(self, files: list[TsFile]) -> None:
        self.fns: dict[str, list[_Fn]] = {}
        self.uses: dict[str, dict[str, tuple[str, ...]]] = {}
        for file in files:
            crate, module = _module_of(file.path)
            for fn in of_type(file, "function_item"):
                name = fn.child_by_field_name("name")
                if name is not None:
                    text = file.text(name)
                    self.fns.setdefault(text, []).append(
                        _Fn(f"{file.path}#{text}", file.path, crate, module, _impl_type(file, fn)))
            self.uses[file.path] = _uses(file)
        self.graph = MountGraph()
        self.routes: list[tuple[Endpoint, str]] = []
        self.handlers: set[str] = set()
        self.parents: set[str] = set()
        self.children: set[str] = set()
        self.vars_mounted: set[str] = set()
        self.vars: set[str] = set()

    # -- resolution --------------------------------------------------------------------------------------------
    def function(self, file: TsFile, path: str) -> str | None:
        """The key of the function a call or reference names (`api_router`, `routes::users::routes`, `Self::r`)."""
        parts = [p.split("<", 1)[0] for p in path.replace(" ", "").split("::") if p]
        if not parts:
            return None
        name = parts[-1]
        candidates = self.fns.get(name, [])
        if not candidates:
            return None
        qualifier = parts[:-1]
        if not qualifier and name in self.uses.get(file.path, {}):
            qualifier = list(self.uses[file.path][name][:-1])
        own = next((c for c in candidates if c.file == file.path), None)
        kind = ""
        if qualifier and qualifier[-1] == "Self":
            kind = self._own_impl(file, name)
            qualifier = []
        elif qualifier and qualifier[-1][:1].isupper():
            kind = qualifier.pop()
        qualifier = [q for q in qualifier if q not in ("crate", "self", "super")]
        crate = _module_of(file.path)[0]
        pool = [c for c in candidates if not kind or c.impl == kind]
        if qualifier:
            pool = [c for c in pool if c.module[len(c.module) - len(qualifier):] == tuple(qualifier)
                    and len(c.module) >= len(qualifier)] or [c for c in pool if c.module and c.module[-1] == qualifier[-1]]
        elif own is not None and own in pool:
            return own.key
        if len(pool) > 1:
            pool = [c for c in pool if c.crate == crate] or pool
        if len(pool) > 1 and not qualifier:
            pool = [c for c in pool if c.impl == ""] or pool
        keys = list(dict.fromkeys(c.key for c in pool))
        return keys[0] if len(keys) == 1 else None

    def _own_impl(self, file: TsFile, name: str) -> str:
        return next((c.impl for c in self.fns.get(name, []) if c.file == file.path and c.impl), "")


def _chain_base(node: tree_sitter.Node) -> tree_sitter.Node:
    """`web::scope("/x").wrap(m).route(...)` -> the `web::scope("/x")` call."""
    current = node
    for _ in range(_MAX_WALK * 4):
        _name, receiver = _field(current)
        if receiver is None:
            break
        current = receiver
    return current


def _chain_top(node: tree_sitter.Node) -> tree_sitter.Node:
    """The outermost call of the method chain `node` is part of."""
    current = node
    for _ in range(_MAX_WALK * 4):
        parent = current.parent
        if parent is None:
            break
        if parent.type == "field_expression" and parent.child_by_field_name("value") == current:
            outer = parent.parent
            if outer is not None and outer.type == "call_expression" and outer.child_by_field_name("function") == parent:
                current = outer
                continue
        break
    return current


def _callee(file: TsFile, call: tree_sitter.Node) -> str:
    func = call.child_by_field_name("function") if call.type == "call_expression" else None
    return file.text(func) if func is not None and func.type in ("identifier", "scoped_identifier") else ""


def _scope_path(file: TsFile, base: tree_sitter.Node) -> str | None:
    callee = _callee(file, base)
    if callee.rsplit("::", 1)[-1] in _SCOPES:
        args = _args(base)
        return _string(file, args[0]) if args else None
    return None


def _owner_key(file: TsFile, node: tree_sitter.Node) -> str:
    fn = _enclosing_fn(node)
    name = fn.child_by_field_name("name") if fn is not None else None
    return f"{file.path}#{file.text(name) if name is not None else ''}"


def _let_vars(file: TsFile, fn: tree_sitter.Node | None) -> dict[str, tree_sitter.Node]:
    """`let x = value;` in a function: x -> value (the last one wins)."""
    out: dict[str, tree_sitter.Node] = {}
    if fn is None:
        return out
    for node in descendants(fn):
        if node.type == "let_declaration":
            pattern, value = node.child_by_field_name("pattern"), node.child_by_field_name("value")
            if pattern is not None and value is not None and pattern.type == "identifier" and _enclosing_fn(node) == fn:
                out[file.text(pattern)] = value
    return out


class _File:
    def __init__(self, project: _Project, file: TsFile) -> None:
        self.project = project
        self.file = file
        self._lets: dict[int, dict[str, tree_sitter.Node]] = {}

    def lets(self, node: tree_sitter.Node) -> dict[str, tree_sitter.Node]:
        fn = _enclosing_fn(node)
        key = fn.id if fn is not None else -1
        if key not in self._lets:
            self._lets[key] = _let_vars(self.file, fn)
        return self._lets[key]

    def context(self, node: tree_sitter.Node) -> tuple[str, str]:
        """(owner, prefix) of a router expression: scopes and nesting calls around it, up to its function or `let`."""
        file = self.file
        parts: list[str] = []
        current = node
        for _ in range(_MAX_WALK):
            base = _chain_base(current)
            scope = _scope_path(file, base)
            if scope is not None:
                parts.append(scope)
            top = _chain_top(current)
            parent = top.parent
            outer = parent.parent if parent is not None and parent.type == "arguments" else None
            name, _receiver = _field(outer) if outer is not None else ("", None)
            if outer is not None and name in _NESTING:
                args = _args(outer)
                if name in _WITH_PREFIX and len(args) >= 2 and args[-1] == top:
                    parts.append(_string(file, args[0]) or "")
                current = outer
                continue
            owner = _owner_key(file, top)
            lets = self.lets(top)
            if parent is not None and parent.type == "let_declaration":
                pattern = parent.child_by_field_name("pattern")
                if pattern is not None and pattern.type == "identifier":
                    owner = f"{owner}@{file.text(pattern)}"
                    self.project.vars.add(owner)
            elif base.type == "identifier" and file.text(base) in lets:
                owner = f"{owner}@{file.text(base)}"
                self.project.vars.add(owner)
            return owner, join_paths(*reversed(parts)) if any(p.strip("/") for p in parts) else ""
        return _owner_key(file, node), join_paths(*reversed(parts))

    def child(self, arg: tree_sitter.Node) -> str | None:
        """The owner a registration argument names: a function (called or referenced) or a `let` router variable."""
        file = self.file
        if arg.type == "identifier" and file.text(arg) in self.lets(arg):
            value = self.lets(arg)[file.text(arg)]
            if value.type == "call_expression" and _field(value)[1] is None:
                resolved = self.child(value)
                if resolved is not None:
                    return resolved
            key = f"{_owner_key(file, arg)}@{file.text(arg)}"
            self.project.vars.add(key)
            self.project.vars_mounted.add(key)
            return key
        if arg.type in ("identifier", "scoped_identifier"):
            return self.project.function(file, file.text(arg))
        if arg.type == "call_expression" and _field(arg)[1] is None:
            callee = _callee(file, arg)
            last = callee.rsplit("::", 1)[-1]
            if callee and last not in ("new", "default", *_SCOPES, "resource", "with_openapi"):
                return self.project.function(file, callee)
        return None

    def mount(self, parent: str, prefix: str, child: str) -> None:
        self.project.graph.mount(parent, prefix, child)
        self.project.parents.add(parent)
        self.project.children.add(child)

    def route(self, endpoint: Endpoint, owner: str) -> None:
        self.project.routes.append((endpoint, owner))
        self.project.parents.add(owner)

    def scan(self) -> None:
        file = self.file
        for node in of_type(file, "attribute_item", "call_expression", "macro_invocation"):
            if has_error_ancestor(node):
                continue
            if node.type == "attribute_item":
                self._attribute(node)
            elif node.type == "macro_invocation":
                self._routes_macro(node)
            else:
                self._call(node)

    def _attribute(self, node: tree_sitter.Node) -> None:
        file = self.file
        attr = named_children(node)[0] if named_children(node) else None
        parts = named_children(attr) if attr is not None and attr.type == "attribute" else []
        if not parts:
            return
        name = file.text(parts[0]).rsplit("::", 1)[-1]
        if name not in _VERBS or attr is None:
            return
        tokens = attr.child_by_field_name("arguments")
        literal = next((c for c in named_children(tokens) if c.type == "string_literal"), None) if tokens else None
        path = _string(file, literal)
        if path is None or not path.startswith("/"):
            return
        fn = node.next_named_sibling
        while fn is not None and fn.type in ("attribute_item", "line_comment", "block_comment"):
            fn = fn.next_named_sibling
        fn_name = fn.child_by_field_name("name") if fn is not None and fn.type == "function_item" else None
        owner = f"{file.path}#{file.text(fn_name)}" if fn_name is not None else f"{file.path}#@{line_of(node)}"
        self.project.handlers.add(owner)
        self.project.routes.append((Endpoint(name.upper(), path, file.path, line_of(node), "actix/rocket"), owner))

    def _routes_macro(self, node: tree_sitter.Node) -> None:
        """Rocket `routes![a, module::b]`: the handlers it lists are mounted where the macro is."""
        file = self.file
        macro = node.child_by_field_name("macro")
        if macro is None or file.text(macro).rsplit("::", 1)[-1] != "routes":
            return
        tokens = next((c for c in node.children if c.type == "token_tree"), None)
        if tokens is None:
            return
        owner, prefix = self.context(node)
        for item in file.text(tokens)[1:-1].split(","):
            handler = self.project.function(file, item.strip())
            if handler is not None:
                self.mount(owner, prefix, handler)

    def _call(self, node: tree_sitter.Node) -> None:
        file = self.file
        name, receiver = _field(node)
        args = _args(node)
        if receiver is not None and name == "route" and len(args) >= 2:  # axum / actix `.route("/x", get(h))`
            path = _string(file, args[0])
            if path is None or not path.startswith("/"):
                return
            verbs = sorted({file.text(n).upper() for n in descendants(args[1])
                            if n.type in ("identifier", "field_identifier") and file.text(n) in _VERBS}) or ["ANY"]
            owner, prefix = self.context(node)
            full = join_paths(prefix, path) if prefix else path
            for method in verbs:
                self.route(Endpoint(method, full, file.path, line_of(args[0]), "axum/actix"), owner)
        elif receiver is not None and name in _NESTING:
            children = [a for a in args if a.type != "string_literal"]
            if not children:
                return
            owner, prefix = self.context(node)
            if name in _WITH_PREFIX and len(args) >= 2:
                prefix = join_paths(prefix, _string(file, args[0]) or "")
            for arg in children:
                child = self.child(arg)
                if child is not None:
                    self.mount(owner, prefix, child)
        elif receiver is None and _callee(file, node).rsplit("::", 1)[-1] == "resource" and args:
            path = _string(file, args[0])  # actix `web::resource("/x").route(web::get().to(h))`
            if path is None or (path and not path.startswith("/")):
                return
            methods: set[str] = set()
            current = node
            for _ in range(_MAX_WALK):
                parent = current.parent
                outer = parent.parent if parent is not None and parent.type == "field_expression" else None
                if outer is None or outer.type != "call_expression":
                    break
                field, _recv = _field(outer)
                if field == "route":
                    methods.update(file.text(n).upper() for a in _args(outer) for n in descendants(a)
                                   if n.type in ("identifier", "field_identifier") and file.text(n) in _VERBS)
                elif field in _VERBS:
                    methods.add(field.upper())
                current = outer
            owner, prefix = self.context(node)
            full = join_paths(prefix, path)
            for method in sorted(methods) or ["ANY"]:
                self.route(Endpoint(method, full, file.path, line_of(node), "actix"), owner)


def rust_endpoints(files: list[TsFile]) -> list[Endpoint]:
    """Rust routes of a project with their scope, nest and mount prefixes resolved across functions and modules."""
    files = [f for f in files if _PREFILTER.search(f.source)]
    project = _Project(files)
    for file in files:
        _File(project, file).scan()
    graph = project.graph
    for var in project.vars - project.vars_mounted:  # a router variable that is served, not mounted
        graph.alias(var, var.rpartition("@")[0])
    resolve = graph.resolve
    children = {resolve(c) for c in project.children}
    for parent in project.parents:
        if resolve(parent) not in children and resolve(parent) not in project.handlers:
            graph.root(parent)
    handlers = {resolve(h) for h in project.handlers}
    return graph.apply(project.routes, default_known=lambda owner: owner not in handlers)
