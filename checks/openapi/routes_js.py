"""HTTP routes declared in TypeScript/JavaScript with the prefixes they are mounted under.

Express (`app.use('/x', router)`, `router.route('/x').get().post()`), Fastify (`register(plugin, {prefix})`,
`@fastify/autoload` directories), Hono (`app.route('/x', sub)`), NestJS (`@Controller`, `setGlobalPrefix`,
URI versioning) and routing-controllers (`routePrefix`). Imports, `require`, `export default` and
`module.exports` are followed between project files.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from analysis.routes.mounts import MountGraph, resolve_module
from analysis.routes.paths import Endpoint, join_paths, normalise_path
from auditor.context import Context
from checks._ts import has_error_ancestor, line_of, named_children, of_type

if TYPE_CHECKING:
    import tree_sitter

    from auditor.sources import TsFile

__all__ = ["js_endpoints"]

_VERBS = ("get", "post", "put", "patch", "delete", "head", "options")
_JS_METHODS = {*_VERBS, "all"}
# Receivers of `.get('/x')` that are HTTP clients or maps, not routers.
_JS_NOT_ROUTERS = {
    "axios", "got", "superagent", "http", "https", "fetch", "ky", "client", "request", "supertest", "cache",
    "map", "redis", "headers", "params", "query", "config", "req", "res", "response", "api", "$http", "agent",
    "httpservice", "httpclient", "store", "storage", "localstorage", "searchparams", "url", "router.query",
}
_PREFILTER = re.compile(
    rb"\.(?:get|post|put|patch|delete|all|route|use|register|setGlobalPrefix)\s*\(|@(?:Json)?Controller|routePrefix"
    rb"|process\.env"
)
_APP_FACTORIES = {"express", "fastify", "Fastify", "Koa", "Hono", "polka", "restify.createServer", "createServer",
                  "express.default"}
_FUNCTIONS = ("arrow_function", "function_expression", "function_declaration", "function", "method_definition",
              "generator_function_declaration")
_NEST_VERBS = {"Get": "GET", "Post": "POST", "Put": "PUT", "Patch": "PATCH", "Delete": "DELETE", "Head": "HEAD",
               "Options": "OPTIONS", "All": "ANY"}


@dataclass
class _Nest:
    """NestJS / routing-controllers routes and the app-wide settings that prefix them."""

    routes: list[tuple[Endpoint, list[str] | None, str]] = field(default_factory=list)  # (ep, versions, kind)
    global_prefix: str | None = ""
    exclude: set[str] = field(default_factory=set)
    uri_versioning: bool = False
    default_version: list[str] = field(default_factory=list)
    route_prefix: str | None = ""
    config_keys: list[str] = field(default_factory=list)  # setGlobalPrefix(config.get('app.apiPrefix'))
    defaults: dict[str, set[str]] = field(default_factory=dict)  # `apiPrefix: env.X || 'api'`


def _string(file: TsFile, node: tree_sitter.Node | None) -> str | None:
    if node is None:
        return None
    if node.type == "string":
        text = file.text(node)
        return text[1:-1] if len(text) >= 2 else None
    if node.type == "template_string" and not any(c.type == "template_substitution" for c in node.children):
        return file.text(node)[1:-1]
    return None


def _args(node: tree_sitter.Node) -> list[tree_sitter.Node]:
    args = node.child_by_field_name("arguments")
    return named_children(args) if args is not None else []


def _fields(file: TsFile, obj: tree_sitter.Node | None) -> dict[str, tree_sitter.Node]:
    if obj is None or obj.type != "object":
        return {}
    out: dict[str, tree_sitter.Node] = {}
    for pair in named_children(obj):
        key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
        if pair.type == "pair" and key is not None and value is not None:
            out[file.text(key).strip("'\"")] = value
    return out


def js_endpoints(ctx: Context) -> list[Endpoint]:
    files = [f for f in ctx.trees("typescript", "javascript", roles=("source",)) if _PREFILTER.search(f.source)]
    all_paths = {i.path for i in ctx.files_where(languages=("typescript", "javascript"), roles=("source",))}
    stems: dict[str, list[str]] = {}
    for path in all_paths:
        stem = posixpath.splitext(posixpath.basename(path))[0]
        stems.setdefault(stem, []).append(path)
        if stem == "index":
            stems.setdefault(posixpath.basename(posixpath.dirname(path)), []).append(path)
    graph = MountGraph()
    routes: list[tuple[Endpoint, str]] = []
    nest = _Nest()
    for file in files:
        _Scanner(file, graph, all_paths, stems, nest).scan(routes)
    return graph.apply(routes) + _nest_endpoints(nest)


class _Scanner:
    def __init__(self, file: TsFile, graph: MountGraph, paths: set[str], stems: dict[str, list[str]],
                 nest: _Nest) -> None:
        self.file, self.graph, self.paths, self.stems, self.nest = file, graph, paths, stems, nest
        self.autoload: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.file.path}#{name}"

    def module(self, node: tree_sitter.Node | None) -> str | None:
        spec = _string(self.file, node)
        return resolve_module(self.file.path, spec, self.paths, self.stems) if spec else None

    # -- owners -------------------------------------------------------------------------------------------------
    def function_owner(self, fn: tree_sitter.Node) -> str:
        parent = fn.parent
        name = fn.child_by_field_name("name")
        if parent is not None and parent.type == "export_statement" and any(c.type == "default" for c in parent.children):
            return self.key("default")
        if parent is not None and parent.type == "variable_declarator":
            var = parent.child_by_field_name("name")
            if var is not None and var.type == "identifier":
                return self.key(self.file.text(var))
        if parent is not None and parent.type == "assignment_expression":
            exported = self.exported_name(parent.child_by_field_name("left"))
            if exported is not None:
                return self.key(exported)
        if name is not None and fn.type != "method_definition":
            return self.key(self.file.text(name))
        return self.key(f"@{fn.start_byte}")

    def exported_name(self, left: tree_sitter.Node | None) -> str | None:
        text = self.file.text(left) if left is not None else ""
        if text == "module.exports":
            return "default"
        match = re.fullmatch(r"(?:module\.)?exports\.(\w+)", text)
        return match.group(1) if match else None

    def owner_of(self, node: tree_sitter.Node) -> str | None:
        """The owner key an expression names: a router variable, a parameter's function, an imported module."""
        file = self.file
        if node.type == "await_expression" and named_children(node):
            return self.owner_of(named_children(node)[0])
        if node.type in ("parenthesized_expression", "as_expression", "non_null_expression") and named_children(node):
            return self.owner_of(named_children(node)[0])
        if node.type == "identifier":
            name = file.text(node)
            fn = self.declaring_function(node, name)
            return self.function_owner(fn) if fn is not None else self.key(name)
        if node.type in _FUNCTIONS:
            return self.function_owner(node)
        if node.type == "member_expression":
            obj, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
            if obj is not None and prop is not None:
                if obj.type == "call_expression":  # require('./x').router
                    target = self.required(obj)
                    if target is not None:
                        return f"{target}#{file.text(prop)}"
                if obj.type == "identifier":
                    resolved = self.graph.resolve(self.key(file.text(obj)))
                    if resolved.endswith("#*"):
                        return resolved[:-1] + file.text(prop)
            return self.key(file.text(node))
        if node.type == "call_expression":
            target = self.required(node)
            if target is not None:
                return f"{target}#default"
            func = node.child_by_field_name("function")
            args = _args(node)
            if func is not None and func.type == "identifier" and args:  # fp(plugin): a wrapper keeps the plugin
                return self.owner_of(args[0])
        return None

    def required(self, call: tree_sitter.Node) -> str | None:
        func = call.child_by_field_name("function")
        if func is None or self.file.text(func) not in ("require", "import"):
            return None
        args = _args(call)
        return self.module(args[0]) if args else None

    def declaring_function(self, node: tree_sitter.Node, name: str) -> tree_sitter.Node | None:
        """The nearest enclosing function that takes `name` as a parameter, or None."""
        current = node.parent
        while current is not None:
            if current.type in _FUNCTIONS:
                params = current.child_by_field_name("parameters") or current.child_by_field_name("parameter")
                if params is not None:
                    if params.type == "identifier":
                        if self.file.text(params) == name:
                            return current
                    else:
                        for param in named_children(params):
                            target = param.child_by_field_name("pattern") or param
                            if target.type == "identifier" and self.file.text(target) == name:
                                return current
            current = current.parent
        return None

    # -- the walk -----------------------------------------------------------------------------------------------
    def scan(self, routes: list[tuple[Endpoint, str]]) -> None:
        file = self.file
        nodes = list(of_type(file, "import_statement", "variable_declarator", "export_statement",
                                 "assignment_expression", "call_expression", "class_declaration", "pair"))
        for node in nodes:  # aliases first, so that `ns.router` and autoload names resolve during the calls
            if has_error_ancestor(node):
                continue
            if node.type == "import_statement":
                self.on_import(node)
            elif node.type == "variable_declarator":
                self.on_declarator(node)
            elif node.type == "export_statement":
                self.on_export(node)
            elif node.type == "assignment_expression":
                self.on_assignment(node)
            elif node.type == "pair":
                self.on_pair(node)
        for node in nodes:
            if has_error_ancestor(node):
                continue
            if node.type == "call_expression":
                self.on_call(node, routes)
            elif node.type == "class_declaration":
                self.on_class(node)

    def on_import(self, node: tree_sitter.Node) -> None:
        source = node.child_by_field_name("source")
        spec = _string(self.file, source) or ""
        clause = next((c for c in node.children if c.type == "import_clause"), None)
        if clause is None:
            return
        if spec == "@fastify/autoload" or spec == "fastify-autoload":
            self.autoload.update(self.file.text(c) for c in named_children(clause) if c.type == "identifier")
        target = self.module(source)
        if target is None:
            return
        for part in named_children(clause):
            if part.type == "identifier":
                self.graph.alias(self.key(self.file.text(part)), f"{target}#default")
            elif part.type == "namespace_import":
                ident = next((c for c in named_children(part) if c.type == "identifier"), None)
                if ident is not None:
                    self.graph.alias(self.key(self.file.text(ident)), f"{target}#*")
            elif part.type == "named_imports":
                for spec_node in named_children(part):
                    name, alias = spec_node.child_by_field_name("name"), spec_node.child_by_field_name("alias")
                    if name is not None:
                        local = self.file.text(alias or name)
                        self.graph.alias(self.key(local), f"{target}#{self.file.text(name)}")

    def on_declarator(self, node: tree_sitter.Node) -> None:
        name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
        if name is None or value is None:
            return
        while value.type in ("await_expression", "as_expression", "parenthesized_expression") and named_children(value):
            value = named_children(value)[0]
        if name.type == "object_pattern" and value.type == "call_expression":
            target = self.required(value)
            for part in named_children(name) if target else []:
                if part.type == "shorthand_property_identifier_pattern":
                    self.graph.alias(self.key(self.file.text(part)), f"{target}#{self.file.text(part)}")
                elif part.type == "pair_pattern":
                    key, val = part.child_by_field_name("key"), part.child_by_field_name("value")
                    if key is not None and val is not None:
                        self.graph.alias(self.key(self.file.text(val)), f"{target}#{self.file.text(key)}")
            return
        if name.type != "identifier":
            return
        local = self.key(self.file.text(name))
        if value.type in ("call_expression", "new_expression"):
            func = value.child_by_field_name("function") or value.child_by_field_name("constructor")
            if func is not None and self.file.text(func) in _APP_FACTORIES:
                self.graph.root(local)
                return
        if value.type in ("identifier", "member_expression", "call_expression"):
            target = self.owner_of(value)
            if target is not None and target != local and (value.type != "call_expression" or self.required(value)):
                self.graph.alias(local, target)

    def on_export(self, node: tree_sitter.Node) -> None:
        is_default = any(c.type == "default" for c in node.children)
        value = node.child_by_field_name("value")
        if is_default and value is not None and value.type not in _FUNCTIONS:
            target = self.owner_of(value)
            if target is not None:
                self.graph.alias(self.key("default"), target)
        clause = next((c for c in node.children if c.type == "export_clause"), None)
        if clause is not None:
            source = self.module(node.child_by_field_name("source"))
            for spec in named_children(clause):
                name, alias = spec.child_by_field_name("name"), spec.child_by_field_name("alias")
                if name is None:
                    continue
                exported = self.file.text(alias or name)
                origin = f"{source}#{self.file.text(name)}" if source else self.key(self.file.text(name))
                self.graph.alias(self.key(exported), origin)

    def on_assignment(self, node: tree_sitter.Node) -> None:
        exported = self.exported_name(node.child_by_field_name("left"))
        right = node.child_by_field_name("right")
        if exported is None or right is None or right.type in _FUNCTIONS:
            return
        if right.type == "object" and exported == "default":
            for part in named_children(right):
                if part.type == "shorthand_property_identifier":
                    continue  # same name in the same file
                key, value = part.child_by_field_name("key"), part.child_by_field_name("value")
                target = self.owner_of(value) if value is not None else None
                if key is not None and target is not None:
                    self.graph.alias(self.key(self.file.text(key)), target)
            return
        target = self.owner_of(right)
        if target is not None:
            self.graph.alias(self.key(exported), target)

    def on_pair(self, node: tree_sitter.Node) -> None:
        """`apiPrefix: process.env.API_PREFIX || 'api'`: a configured default the NestJS prefix may name."""
        key, value = node.child_by_field_name("key"), node.child_by_field_name("value")
        if key is None or value is None or value.type != "binary_expression":
            return
        operator = value.child_by_field_name("operator")
        if operator is None or self.file.text(operator) not in ("||", "??"):
            return
        literal = _string(self.file, value.child_by_field_name("right"))
        if literal is not None:
            self.nest.defaults.setdefault(self.file.text(key).strip("'\""), set()).add(literal)

    def on_call(self, node: tree_sitter.Node, routes: list[tuple[Endpoint, str]]) -> None:
        file = self.file
        func = node.child_by_field_name("function")
        if func is None or func.type != "member_expression":
            if func is not None and file.text(func) in ("createExpressServer", "useExpressServer", "createKoaServer"):
                self.on_routing_controllers(node)
            return
        prop, obj = func.child_by_field_name("property"), func.child_by_field_name("object")
        if prop is None or obj is None:
            return
        name = file.text(prop)
        args = _args(node)
        if name in ("setGlobalPrefix", "enableVersioning"):
            self.on_nest_app(name, args)
            return
        receiver = file.text(obj)
        if receiver.lower().split(".")[-1] in _JS_NOT_ROUTERS:
            return
        if name == "use" or (name == "route" and len(args) == 2):
            self.on_use(obj, args)
            return
        if name == "register" and args:
            self.on_register(obj, args)
            return
        if name == "route" and args and args[0].type == "object":  # fastify.route({ method, url })
            spec = _fields(file, args[0])
            url = _string(file, spec.get("url") or spec.get("path"))
            methods = spec.get("method")
            listed = ([_string(file, m) for m in named_children(methods)] if methods is not None and methods.type == "array"
                      else [_string(file, methods)])
            owner = self.owner_of(obj)
            if url is not None and url.startswith("/") and owner is not None:
                for method in [m for m in listed if m] or ["ANY"]:
                    routes.append((Endpoint(method.upper(), url, file.path, line_of(node), "fastify"), owner))
            return
        if name not in _JS_METHODS:
            return
        path: str | None
        base = obj
        while base.type == "call_expression":  # router.route('/x').get(h).post(h)
            inner = base.child_by_field_name("function")
            if inner is None or inner.type != "member_expression":
                return
            inner_prop = inner.child_by_field_name("property")
            inner_obj = inner.child_by_field_name("object")
            if inner_prop is None or inner_obj is None:
                return
            if file.text(inner_prop) == "route":
                break
            if file.text(inner_prop) not in _JS_METHODS:
                return
            base = inner_obj
        if base.type == "call_expression":
            route_args = _args(base)
            path = _string(file, route_args[0]) if route_args else None
            inner = base.child_by_field_name("function")
            receiver_node = inner.child_by_field_name("object") if inner is not None else None
            if not args or receiver_node is None:
                return
        else:
            receiver_node = obj
            if len(args) < 2:  # a route needs a handler after the path
                return
            path = _string(file, args[0])
        if path is None or not path.startswith("/") or file.text(receiver_node).lower().split(".")[-1] in _JS_NOT_ROUTERS:
            return
        owner = self.owner_of(receiver_node)
        if owner is None:
            return
        method = "ANY" if name == "all" else name.upper()
        routes.append((Endpoint(method, path, file.path, line_of(prop if obj.type == "call_expression" else node), "express"), owner))

    def on_use(self, obj: tree_sitter.Node, args: list[tree_sitter.Node]) -> None:
        parent = self.owner_of(obj)
        if parent is None or not args:
            return
        prefix = _string(self.file, args[0])
        rest = args[1:] if prefix is not None else args
        computed = ("template_string", "identifier", "member_expression", "binary_expression")
        if prefix is None and args[0].type in computed and (args[0].type != "identifier" or len(args) > 1):
            return  # a computed prefix: leave the child unmounted rather than guess
        for arg in rest:
            if arg.type in ("identifier", "member_expression", "call_expression", "await_expression"):
                child = self.owner_of(arg)
                if child is not None and child != parent:
                    self.graph.mount(parent, prefix or "", child)

    def on_register(self, obj: tree_sitter.Node, args: list[tree_sitter.Node]) -> None:
        file = self.file
        parent = self.owner_of(obj)
        if parent is None:
            return
        options = _fields(file, args[1]) if len(args) > 1 else {}
        plugin = args[0]
        if plugin.type == "identifier" and file.text(plugin) in self.autoload:
            self.on_autoload(parent, options)
            return
        prefix_node = options.get("prefix")
        prefix = _string(file, prefix_node) if prefix_node is not None else ""
        child = self.owner_of(plugin)
        if child is not None and prefix is not None:
            self.graph.mount(parent, prefix, child)

    def on_autoload(self, parent: str, options: dict[str, tree_sitter.Node]) -> None:
        """`register(autoload, { dir: join(__dirname, 'routes') })`: each folder below is a route prefix."""
        dir_node = options.get("dir")
        if dir_node is None:
            return
        literal = _string(self.file, dir_node)
        if literal is None and dir_node.type == "call_expression":
            parts = [_string(self.file, a) for a in _args(dir_node)[1:]]
            literal = "/".join(p for p in parts if p is not None) if all(p is not None for p in parts) else None
        if not literal:
            return
        inner = _fields(self.file, options.get("options"))
        base_prefix = _string(self.file, inner.get("prefix")) if "prefix" in inner else ""
        if base_prefix is None:
            return
        root = posixpath.normpath(posixpath.join(posixpath.dirname(self.file.path), literal))
        for path in sorted(self.paths):
            if not path.startswith(root + "/"):
                continue
            rel = path[len(root) + 1:]
            name = posixpath.basename(rel)
            if name.startswith((".", "_")) or name.split(".")[0] in ("autohooks", "hooks") or ".test." in name:
                continue
            folders = [re.sub(r"^_", ":", d) for d in rel.split("/")[:-1]]
            self.graph.mount(parent, join_paths(base_prefix, *folders), f"{path}#default")

    # -- NestJS / routing-controllers ---------------------------------------------------------------------------
    def on_nest_app(self, name: str, args: list[tree_sitter.Node]) -> None:
        file, nest = self.file, self.nest
        if name == "setGlobalPrefix" and args:
            literal = _string(file, args[0])
            if literal is not None:
                nest.global_prefix = literal
            else:
                keys = [_string(file, a) for a in _args(args[0])] if args[0].type == "call_expression" else []
                nest.config_keys = [k.rsplit(".", 1)[-1] for k in keys if k]
                nest.global_prefix = None
            exclude = _fields(file, args[1]).get("exclude") if len(args) > 1 else None
            if exclude is not None and exclude.type == "array":
                nest.exclude = {normalise_path(s) for s in (_string(file, e) for e in named_children(exclude)) if s}
        elif name == "enableVersioning":
            options = _fields(file, args[0]) if args else {}
            kind = options.get("type")
            if kind is None or file.text(kind).endswith("URI"):
                nest.uri_versioning = True
                nest.default_version = _versions(file, options.get("defaultVersion")) or []

    def on_routing_controllers(self, node: tree_sitter.Node) -> None:
        for arg in _args(node):
            value = _fields(self.file, arg).get("routePrefix")
            if value is not None:
                self.nest.route_prefix = _string(self.file, value)

    def on_class(self, cls: tree_sitter.Node) -> None:
        file = self.file
        prefixes: list[str] | None = None
        versions: list[str] | None = None
        kind = "nestjs"
        for deco in _decorators(cls):
            name, args = _decorator_call(file, deco)
            if name in ("Controller", "JsonController"):
                prefixes = _nest_path(file, args)
                kind = "nestjs" if name == "Controller" else "routing-controllers"
                fields = _fields(file, args[0]) if args else {}
                versions = _versions(file, fields.get("version")) if "version" in fields else None
        body = cls.child_by_field_name("body")
        if prefixes is None or body is None:
            return
        pending: list[tree_sitter.Node] = []
        for child in body.children:
            if child.type == "decorator":
                pending.append(child)
                continue
            if child.type == "method_definition":
                decos = pending + [c for c in child.children if c.type == "decorator"]
                method_versions = versions
                for deco in decos:
                    name, args = _decorator_call(file, deco)
                    if name == "Version" and args:
                        method_versions = _versions(file, args[0])
                for deco in decos:
                    name, args = _decorator_call(file, deco)
                    if name not in _NEST_VERBS:
                        continue
                    for prefix in prefixes:
                        for sub in _nest_path(file, args):
                            ep = Endpoint(_NEST_VERBS[name], join_paths(prefix, sub), file.path, line_of(deco), kind)
                            self.nest.routes.append((ep, method_versions, kind))
            pending = []


def _versions(file: TsFile, node: tree_sitter.Node | None) -> list[str] | None:
    if node is None:
        return None
    items = named_children(node) if node.type == "array" else [node]
    out: list[str] = []
    for item in items:
        literal = _string(file, item)
        if literal is not None:
            out.append(literal)
        elif file.text(item).endswith("VERSION_NEUTRAL"):
            out.append("")
    return out


def _nest_endpoints(nest: _Nest) -> list[Endpoint]:
    prefix = nest.global_prefix
    if prefix is None:  # configured: a unique default literal for the named key
        found = {v for k in nest.config_keys for v in nest.defaults.get(k, set())}
        prefix = found.pop() if len(found) == 1 else None
    out: list[Endpoint] = []
    for ep, versions, kind in nest.routes:
        if kind == "routing-controllers":
            base, known = nest.route_prefix or "", nest.route_prefix is not None
            out.append(Endpoint(ep.method, join_paths(base, ep.path), ep.file, ep.line, kind, known))
            continue
        excluded = normalise_path(ep.path) in nest.exclude
        base = "" if excluded or prefix is None else prefix
        chosen = (versions if versions is not None else nest.default_version) if nest.uri_versioning else []
        for version in chosen or [""]:
            path = join_paths(base, f"v{version}" if version else "", ep.path)
            out.append(Endpoint(ep.method, path, ep.file, ep.line, kind, prefix is not None or excluded))
    return out


def _decorators(node: tree_sitter.Node) -> list[tree_sitter.Node]:
    found = [c for c in node.children if c.type == "decorator"]
    parent = node.parent
    if parent is not None and parent.type == "export_statement":
        found.extend(c for c in parent.children if c.type == "decorator")
    return found


def _decorator_call(file: TsFile, deco: tree_sitter.Node) -> tuple[str, list[tree_sitter.Node]]:
    inner = named_children(deco)
    if not inner:
        return "", []
    expr = inner[0]
    if expr.type == "call_expression":
        func = expr.child_by_field_name("function")
        return (file.text(func) if func is not None else ""), _args(expr)
    return file.text(expr), []


def _nest_path(file: TsFile, args: list[tree_sitter.Node]) -> list[str]:
    if not args:
        return [""]
    first = args[0]
    if first.type == "object":
        value = _fields(file, first).get("path")
        return _nest_path(file, [value]) if value is not None else [""]
    if first.type == "array":
        return [s for s in (_string(file, e) for e in named_children(first)) if s is not None] or [""]
    literal = _string(file, first)
    return [literal] if literal is not None else [""]
