"""Go: discarded errors (resolved against the project's own declarations), leaked details, error middleware.

A dropped call result is reported only when the callee is known to return an error: a function of the same
(or the imported) package declared in the project, a method of the receiver's type when that type can be told
from the code (receiver, parameter, `var`, `:=` of a literal or of a constructor, struct field; promoted
methods of embedded types), a well-known library function, or a well-known error-returning method name when
the receiver's type is not a project type. Router registrations (`r.Get`, `r.Handle`, `r.Use`, ...) are never
taken for error-returning calls unless the receiver is a project type whose method returns an error.
Conventional discards are not reported: `Close`, `Rollback`, `Write`/`WriteString`, `Flush`, `Sync`,
`fmt.Print*`/`Fprint*` and `log.*` results, and anything run by `defer` or `go`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from auditor.context import Context
from auditor.model import Confidence
from checks._ts import descendants, has_error_ancestor, line_of
from checks.errors._common import CODE_ROLES, ERROR_NAMES, Analysis, Hit, is_4xx

if TYPE_CHECKING:
    import tree_sitter

    from auditor.sources import TsFile

__all__ = ["go_analysis"]

_FRAMEWORKS = {
    "github.com/gin-gonic/gin": "gin", "github.com/labstack/echo": "echo", "github.com/go-chi/chi": "chi",
    "github.com/gofiber/fiber": "fiber", "github.com/gorilla/mux": "gorilla", "github.com/julienschmidt/httprouter":
    "httprouter", "github.com/beego/beego": "beego",
}
WELL_KNOWN_FUNCS = frozenset({
    "json.Unmarshal", "json.Marshal", "json.MarshalIndent", "xml.Unmarshal", "xml.Marshal", "yaml.Unmarshal",
    "yaml.Marshal", "os.Remove", "os.RemoveAll", "os.Mkdir", "os.MkdirAll", "os.WriteFile", "os.Setenv",
    "os.Chdir", "os.Rename", "os.Open", "os.Create", "os.ReadFile", "os.Getwd", "ioutil.WriteFile",
    "ioutil.ReadFile", "ioutil.ReadAll", "io.ReadAll", "io.Copy", "strconv.Atoi", "strconv.ParseInt",
    "strconv.ParseUint", "strconv.ParseFloat", "strconv.ParseBool", "time.Parse", "time.ParseDuration",
    "time.LoadLocation", "url.Parse", "url.ParseQuery", "http.NewRequest", "http.NewRequestWithContext",
    "http.ListenAndServe", "http.ListenAndServeTLS", "uuid.Parse", "sql.Open", "filepath.Abs", "filepath.Rel",
    "bcrypt.GenerateFromPassword", "bcrypt.CompareHashAndPassword", "base64.StdEncoding.DecodeString",
    "hex.DecodeString", "template.ParseFiles", "template.ParseGlob",
})
WELL_KNOWN_METHODS = frozenset({
    "Scan", "Exec", "ExecContext", "Decode", "Unmarshal", "Ping", "PingContext", "Commit", "ShouldBindJSON",
    "ShouldBind", "ShouldBindQuery", "ShouldBindUri", "BindJSON", "Bind",
})
# Method names that return an error only on some library types (asynq's Server.Shutdown returns nothing).
TYPED_METHODS: dict[str, frozenset[str]] = {
    "Shutdown": frozenset({"http.Server", "echo.Echo", "fiber.App"}),
    "ListenAndServe": frozenset({"http.Server"}),
    "ListenAndServeTLS": frozenset({"http.Server"}),
}
# chi/gin/echo/gorilla/fiber route registration: these return a route, a group or nothing, never an error.
ROUTER_METHODS = frozenset({
    "Get", "Post", "Put", "Delete", "Patch", "Head", "Options", "Connect", "Trace", "Any", "Match", "Method",
    "MethodFunc", "Handle", "HandleFunc", "Handler", "HandlerFunc", "Use", "With", "Route", "Mount", "Group",
    "NotFound", "MethodNotAllowed", "Static", "StaticFS", "StaticFile", "GET", "POST", "PUT", "DELETE",
    "PATCH", "HEAD", "OPTIONS", "Methods", "Path", "PathPrefix", "Subrouter", "Name",
})
# Library constructors whose result type matters for the methods above.
KNOWN_CONSTRUCTORS = {
    "chi.NewRouter": "chi.Mux", "chi.NewMux": "chi.Mux", "mux.NewRouter": "mux.Router", "gin.New": "gin.Engine",
    "gin.Default": "gin.Engine", "echo.New": "echo.Echo", "fiber.New": "fiber.App", "http.NewServeMux":
    "http.ServeMux", "sql.Open": "sql.DB", "asynq.NewServer": "asynq.Server",
}
_MAX_DEPTH = 8
CONVENTIONAL = frozenset({"Close", "Rollback", "Write", "WriteString", "Flush", "Sync", "WriteHeader"})
_IGNORED_PACKAGES = frozenset({"fmt", "log"})
_RESPONSE_METHODS = frozenset({"JSON", "String", "XML", "IndentedJSON", "AbortWithStatusJSON", "JSONP",
                               "PureJSON", "SecureJSON", "SendString", "YAML", "JSONPretty", "HTML"})
_MAP_TYPES = frozenset({"gin.H", "echo.Map", "fiber.Map"})
_HELPER = re.compile(
    r"(?i)^((handle|write|respond|render|send|new)?(api|http|json)?(error|err)(handler|middleware|response|json|reply)"
    r"|(handle|write|respond(with)?|render|send|abort)(api|http|json)?(error|err))$"
)


@dataclass(slots=True)
class _Decls:
    """The project's declarations, keyed by package name and bare type name (collisions merge)."""

    funcs: dict[tuple[str, str], set[bool]] = field(default_factory=dict)  # (package, name) -> returns error
    func_types: dict[tuple[str, str], set[str | None]] = field(default_factory=dict)  # first result type
    methods: dict[tuple[str, str], set[bool]] = field(default_factory=dict)  # (type, method) -> returns error
    method_types: dict[tuple[str, str], set[str | None]] = field(default_factory=dict)
    fields: dict[tuple[str, str], set[str | None]] = field(default_factory=dict)  # (struct, field) -> type
    embeds: dict[str, set[str]] = field(default_factory=dict)  # struct or interface -> embedded types
    types: dict[str, set[str]] = field(default_factory=dict)  # type name -> packages declaring it
    package_vars: dict[tuple[str, str], set[str | None]] = field(default_factory=dict)


@dataclass(slots=True)
class _File:
    """One parsed Go file: its nodes by type, its package and its imports (local name -> package name)."""

    file: TsFile
    by_type: dict[str, list[tree_sitter.Node]]
    package: str
    imports: dict[str, str]
    envs: dict[tuple[int, int], dict[str, set[str | None]]] = field(default_factory=dict)
    names: dict[tuple[int, int], set[str]] = field(default_factory=dict)


def _returns_error(file: TsFile, decl: tree_sitter.Node) -> bool:
    result = decl.child_by_field_name("result")
    if result is None:
        return False
    if result.type == "parameter_list":
        params = [p for p in result.named_children if p.type == "parameter_declaration"]
        if not params:
            return False
        typ = params[-1].child_by_field_name("type")
        return typ is not None and file.text(typ) == "error"
    return file.text(result) == "error"


def go_analysis(ctx: Context) -> Analysis:
    """Every Go hit of the project, one walk per file plus a pass over the declarations it collected."""
    decls = _Decls()
    parsed: list[_File] = []
    frameworks: set[str] = set()
    for file in ctx.trees("go", roles=CODE_ROLES):
        by_type: dict[str, list[tree_sitter.Node]] = {}
        for node in descendants(file.tree.root_node):
            by_type.setdefault(node.type, []).append(node)
        pkg = ""
        for clause in by_type.get("package_clause", []):
            pkg = next((file.text(c) for c in clause.named_children if c.type == "package_identifier"), "")
        parsed.append(_File(file, by_type, pkg, _imports(file, by_type, frameworks)))
        for spec in by_type.get("type_spec", []):
            name = spec.child_by_field_name("name")
            if name is not None:
                decls.types.setdefault(file.text(name), set()).add(pkg)
    for gf in parsed:
        _declare(gf, decls)
    hits: list[Hit] = []
    central: list[str] = []
    for gf in parsed:
        hits.extend(_ignored(gf, decls))
        hits.extend(_leaks(gf.file, gf.by_type))
        central.extend(_central(gf.file, gf.by_type))
    return Analysis(tuple(hits), 0, frozenset(frameworks), tuple(central))


def _imports(file: TsFile, by_type: dict[str, list[tree_sitter.Node]], frameworks: set[str]) -> dict[str, str]:
    packages: dict[str, str] = {}
    for spec in by_type.get("import_spec", []):
        path_node = spec.child_by_field_name("path")
        if path_node is None:
            continue
        path = file.text(path_node).strip('"`')
        alias = spec.child_by_field_name("name")
        parts = [p for p in path.split("/") if not re.fullmatch(r"v\d+", p)]
        package = parts[-1] if parts else path
        packages[file.text(alias) if alias is not None else package] = package
        for prefix, name in _FRAMEWORKS.items():
            if path.startswith(prefix):
                frameworks.add(name)
        if path == "net/http" and b"http.ResponseWriter" in file.source:
            frameworks.add("net/http")
    return packages


# -- types ------------------------------------------------------------------------------------------------------
def _type_name(gf: _File, node: tree_sitter.Node | None, decls: _Decls) -> str | None:
    """A project type's bare name, "pkg.Type" for a library type, None when unknown (builtin, generic, func)."""
    while node is not None and node.type in ("pointer_type", "generic_type", "parenthesized_type"):
        node = node.child_by_field_name("type") if node.type == "generic_type" else \
            (node.named_children[0] if node.named_children else None)
    if node is None:
        return None
    if node.type == "type_identifier":
        name = gf.file.text(node)
        return name if gf.package in decls.types.get(name, ()) else None
    if node.type == "qualified_type":
        pkg_node, name_node = node.child_by_field_name("package"), node.child_by_field_name("name")
        if pkg_node is None or name_node is None:
            return None
        local, name = gf.file.text(pkg_node), gf.file.text(name_node)
        package = gf.imports.get(local, local)
        return name if package in decls.types.get(name, ()) else f"{package}.{name}"
    return None


def _result_type(gf: _File, decl: tree_sitter.Node, decls: _Decls) -> str | None:
    result = decl.child_by_field_name("result")
    if result is not None and result.type == "parameter_list":
        params = [p for p in result.named_children if p.type == "parameter_declaration"]
        result = params[0].child_by_field_name("type") if params else None
    return _type_name(gf, result, decls)


def _declare(gf: _File, decls: _Decls) -> None:
    file = gf.file
    for decl in gf.by_type.get("function_declaration", []):
        name = decl.child_by_field_name("name")
        if name is not None:
            key = (gf.package, file.text(name))
            decls.funcs.setdefault(key, set()).add(_returns_error(file, decl))
            decls.func_types.setdefault(key, set()).add(_result_type(gf, decl, decls))
    for decl in gf.by_type.get("method_declaration", []):
        name, receiver = decl.child_by_field_name("name"), decl.child_by_field_name("receiver")
        params = [p for p in receiver.named_children if p.type == "parameter_declaration"] if receiver else []
        owner = _type_name(gf, params[0].child_by_field_name("type"), decls) if params else None
        if name is not None and owner is not None:
            key = (owner, file.text(name))
            decls.methods.setdefault(key, set()).add(_returns_error(file, decl))
            decls.method_types.setdefault(key, set()).add(_result_type(gf, decl, decls))
    for spec in gf.by_type.get("type_spec", []):
        name, body = spec.child_by_field_name("name"), spec.child_by_field_name("type")
        if name is None or body is None:
            continue
        owner = file.text(name)
        if body.type == "interface_type":
            for elem in body.named_children:
                elem_name = elem.child_by_field_name("name")
                if elem.type in ("method_elem", "method_spec") and elem_name is not None:
                    key = (owner, file.text(elem_name))
                    decls.methods.setdefault(key, set()).add(_returns_error(file, elem))
                    decls.method_types.setdefault(key, set()).add(_result_type(gf, elem, decls))
                elif elem.type in ("type_elem", "constraint_elem"):
                    for sub in elem.named_children:
                        embedded = _type_name(gf, sub, decls)
                        if embedded is not None:
                            decls.embeds.setdefault(owner, set()).add(embedded)
        elif body.type == "struct_type":
            for fdecl in descendants(body):
                if fdecl.type != "field_declaration" or fdecl.parent is None or fdecl.parent.parent != body:
                    continue
                typ = _type_name(gf, fdecl.child_by_field_name("type"), decls)
                names = fdecl.children_by_field_name("name")
                if not names and typ is not None:
                    decls.embeds.setdefault(owner, set()).add(typ)
                    decls.fields.setdefault((owner, typ.rsplit(".", 1)[-1]), set()).add(typ)
                for field_name in names:
                    decls.fields.setdefault((owner, file.text(field_name)), set()).add(typ)
    for spec in gf.by_type.get("var_spec", []):
        if _enclosing_function(spec) is None:
            for var, typ in _var_spec_types(gf, spec, decls, 0):
                decls.package_vars.setdefault((gf.package, var), set()).add(typ)


def _one(types: set[str | None] | None) -> str | None:
    if types and len(types) == 1:
        return next(iter(types))
    return None


_FUNCTIONS = ("function_declaration", "method_declaration", "func_literal")


def _enclosing_function(node: tree_sitter.Node) -> tree_sitter.Node | None:
    current = node.parent
    while current is not None and current.type not in _FUNCTIONS:
        current = current.parent
    return current


def _var_spec_types(gf: _File, spec: tree_sitter.Node, decls: _Decls,
                    depth: int) -> Iterator[tuple[str, str | None]]:
    names = spec.children_by_field_name("name")
    typ_node = spec.child_by_field_name("type")
    value = spec.child_by_field_name("value")
    values = value.named_children if value is not None else []
    for i, name in enumerate(names):
        if typ_node is not None:
            yield gf.file.text(name), _type_name(gf, typ_node, decls)
        elif i == 0 and values:
            yield gf.file.text(name), _expr_type(gf, values[0], decls, depth + 1)
        else:
            yield gf.file.text(name), None


def _env(gf: _File, fn: tree_sitter.Node, decls: _Decls, depth: int) -> dict[str, set[str | None]]:
    """Names a function binds (receiver, parameters, `var`, `:=`) and their types, built once per function."""
    key = (fn.start_byte, fn.end_byte)
    cached = gf.envs.get(key)
    if cached is not None:
        return cached
    env: dict[str, set[str | None]] = {}
    gf.envs[key] = env  # a binding that refers to itself resolves to nothing instead of looping
    for part in ("receiver", "parameters"):
        plist = fn.child_by_field_name(part)
        for param in plist.named_children if plist is not None else []:
            typ = _type_name(gf, param.child_by_field_name("type"), decls)
            for name in param.children_by_field_name("name"):
                env.setdefault(gf.file.text(name), set()).add(typ)
    body = fn.child_by_field_name("body")
    for node in descendants(body) if body is not None else ():
        if node.type == "var_spec":
            for var, typ in _var_spec_types(gf, node, decls, depth):
                env.setdefault(var, set()).add(typ)
        elif node.type == "short_var_declaration":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is None or right is None:
                continue
            rights, targets = right.named_children, left.named_children
            for i, target in enumerate(targets):
                if len(rights) == len(targets):
                    typ = _expr_type(gf, rights[i], decls, depth + 1)
                elif i == 0 and len(rights) == 1:  # v, err := f(): the first result
                    typ = _expr_type(gf, rights[0], decls, depth + 1)
                else:
                    typ = None
                env.setdefault(gf.file.text(target), set()).add(typ)
        elif node.type in ("range_clause", "type_switch_statement"):
            left = node.child_by_field_name("left") or node.child_by_field_name("alias")
            for target in left.named_children if left is not None else []:
                env.setdefault(gf.file.text(target), set()).add(None)
    return env


def _expr_type(gf: _File, node: tree_sitter.Node, decls: _Decls, depth: int = 0) -> str | None:
    """The type of an expression when the code tells it without inference; None otherwise."""
    if depth > _MAX_DEPTH:
        return None
    if node.type == "unary_expression" and gf.file.text(node).startswith("&"):
        operand = node.child_by_field_name("operand")
        return _expr_type(gf, operand, decls, depth + 1) if operand is not None else None
    if node.type == "composite_literal":
        return _type_name(gf, node.child_by_field_name("type"), decls)
    if node.type == "identifier":
        name = gf.file.text(node)
        fn = _enclosing_function(node)
        while fn is not None:
            env = _env(gf, fn, decls, depth)
            if name in env:
                return _one(env[name])
            fn = _enclosing_function(fn)
        return _one(decls.package_vars.get((gf.package, name)))
    if node.type == "selector_expression":
        operand, fld = node.child_by_field_name("operand"), node.child_by_field_name("field")
        if operand is None or fld is None:
            return None
        owner = _expr_type(gf, operand, decls, depth + 1)
        return _member(decls, owner, gf.file.text(fld), decls.fields) if owner else None
    if node.type == "call_expression":
        fn_node = node.child_by_field_name("function")
        if fn_node is None:
            return None
        if fn_node.type == "identifier":
            return _one(decls.func_types.get((gf.package, gf.file.text(fn_node))))
        if fn_node.type == "selector_expression":
            operand, fld = fn_node.child_by_field_name("operand"), fn_node.child_by_field_name("field")
            if operand is None or fld is None:
                return None
            local, name = gf.file.text(operand), gf.file.text(fld)
            if operand.type == "identifier" and local in gf.imports and not _is_bound(gf, operand):
                package = gf.imports[local]
                known = KNOWN_CONSTRUCTORS.get(f"{package}.{name}")
                return known or _one(decls.func_types.get((package, name)))
            owner = _expr_type(gf, operand, decls, depth + 1)
            return _member(decls, owner, name, decls.method_types) if owner else None
    return None


def _is_bound(gf: _File, ident: tree_sitter.Node) -> bool:
    """Whether an identifier names a local binding (which shadows an import of the same name)."""
    name = gf.file.text(ident)
    fn = _enclosing_function(ident)
    while fn is not None:
        key = (fn.start_byte, fn.end_byte)
        names = gf.names.get(key)
        if names is None:
            names = gf.names[key] = {gf.file.text(n) for node in descendants(fn) for n in _bound_names(node)}
        if name in names:
            return True
        fn = _enclosing_function(fn)
    return False


def _bound_names(node: tree_sitter.Node) -> list[tree_sitter.Node]:
    if node.type in ("parameter_declaration", "var_spec"):
        return node.children_by_field_name("name")
    left = node.child_by_field_name("left") if node.type == "short_var_declaration" else None
    return left.named_children if left is not None else []


def _type_and_embedded(decls: _Decls, owner: str) -> Iterator[str]:
    """`owner`, then every type it embeds, transitively, each once (embedding cycles end)."""
    seen: set[str] = set()
    todo = [owner]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        yield current
        todo.extend(decls.embeds.get(current, ()))


def _member(decls: _Decls, owner: str, name: str, table: dict[tuple[str, str], set[str | None]]) -> str | None:
    """A field's or method's type on a project type, looking through embedded types."""
    for current in _type_and_embedded(decls, owner):
        if (current, name) in table:
            return _one(table[(current, name)])
    return None


def _method_returns_error(decls: _Decls, owner: str, name: str) -> set[bool] | None:
    """Whether `owner.name` returns an error, as declared on the type or a type it embeds; None if not declared."""
    for current in _type_and_embedded(decls, owner):
        if (current, name) in decls.methods:
            return decls.methods[(current, name)]
    return None


def _resolve(gf: _File, call: tree_sitter.Node, decls: _Decls) -> tuple[str, Confidence] | None:
    """(callee text, confidence) when the call's last result is an error, else None."""
    file = gf.file
    fn = call.child_by_field_name("function")
    if fn is None:
        return None
    if fn.type == "identifier":
        name = file.text(fn)
        return (name, Confidence.HIGH) if decls.funcs.get((gf.package, name)) == {True} else None
    if fn.type != "selector_expression":
        return None
    operand = fn.child_by_field_name("operand")
    fld = fn.child_by_field_name("field")
    if operand is None or fld is None:
        return None
    method = file.text(fld)
    receiver = file.text(operand)
    text = f"{receiver}.{method}" if len(receiver) <= 40 and "\n" not in receiver else f"(...).{method}"
    if method in CONVENTIONAL:
        return None
    if operand.type == "identifier" and receiver in gf.imports and not _is_bound(gf, operand):
        package = gf.imports[receiver]
        if package in _IGNORED_PACKAGES:
            return None
        if f"{package}.{method}" in WELL_KNOWN_FUNCS or text in WELL_KNOWN_FUNCS:
            return text, Confidence.HIGH
        return (text, Confidence.HIGH) if decls.funcs.get((package, method)) == {True} else None
    if text in WELL_KNOWN_FUNCS:
        return text, Confidence.HIGH
    owner = _expr_type(gf, operand, decls)
    if owner is not None and "." not in owner:  # a project type: its declaration decides
        declared = _method_returns_error(decls, owner, method)
        if declared is not None:
            return (text, Confidence.HIGH) if declared == {True} else None
    if method in ROUTER_METHODS:
        return None
    if method in TYPED_METHODS:
        return (text, Confidence.HIGH) if owner in TYPED_METHODS[method] else None
    if method in WELL_KNOWN_METHODS:
        return text, Confidence.MEDIUM
    return None


def _broken(file: TsFile, node: tree_sitter.Node) -> bool:
    """has_error_ancestor, asked only of files that have a parse error (parent walks cost O(depth) each)."""
    return file.tree.root_node.has_error and has_error_ancestor(node)


def _ignored(gf: _File, decls: _Decls) -> Iterator[Hit]:
    file, by_type = gf.file, gf.by_type
    for stmt in by_type.get("expression_statement", []):
        expr = stmt.named_children[0] if stmt.named_children else None
        if expr is None or expr.type != "call_expression" or _broken(file, stmt):
            continue
        resolved = _resolve(gf, expr, decls)
        if resolved:
            name, conf = resolved
            yield Hit("ignored-error", file.path, line_of(stmt), stmt.end_point[0] + 1,
                      f"the error returned by `{name}` is ignored", conf, key=f"{name}:{file.text(stmt)[:120]}")
    commented = {c.start_point[0] for c in by_type.get("comment", [])}
    for kind in ("assignment_statement", "short_var_declaration"):
        for stmt in by_type.get(kind, []):
            left = stmt.child_by_field_name("left")
            right = stmt.child_by_field_name("right")
            if left is None or right is None or right.named_child_count != 1 or _broken(file, stmt):
                continue
            targets = left.named_children
            call = right.named_children[0]
            if not targets or file.text(targets[-1]) != "_" or call.type != "call_expression":
                continue
            if stmt.end_point[0] in commented:
                continue  # the discard is explained in a comment on the same line
            resolved = _resolve(gf, call, decls)
            if resolved:
                name, conf = resolved
                yield Hit("ignored-error", file.path, line_of(stmt), stmt.end_point[0] + 1,
                          f"the error returned by `{name}` is discarded with `_`", conf,
                          key=f"{name}:{file.text(stmt)[:120]}")


# -- leaked details -------------------------------------------------------------------------------------------
def _is_err(text: str) -> bool:
    return text in ERROR_NAMES or text.endswith(("Err", "err", "Error"))


def _detail(file: TsFile, node: tree_sitter.Node, allow_bare: bool) -> str | None:
    if allow_bare and node.type == "identifier" and _is_err(file.text(node)):
        return file.text(node)
    for sub in descendants(node):
        if sub.type != "call_expression":
            continue
        fn = sub.child_by_field_name("function")
        if fn is None or fn.type != "selector_expression":
            continue
        operand = fn.child_by_field_name("operand")
        fld = fn.child_by_field_name("field")
        if operand is not None and fld is not None and file.text(fld) == "Error" and operand.type == "identifier" \
                and _is_err(file.text(operand)):
            return f"{file.text(operand)}.Error()"
    return None


def _leaks(file: TsFile, by_type: dict[str, list[tree_sitter.Node]]) -> Iterator[Hit]:
    flagged: list[tree_sitter.Node] = []
    for call in by_type.get("call_expression", []):
        fn = call.child_by_field_name("function")
        args = call.child_by_field_name("arguments")
        if fn is None or args is None or fn.type != "selector_expression" or _broken(file, call):
            continue
        operand = fn.child_by_field_name("operand")
        fld = fn.child_by_field_name("field")
        if operand is None or fld is None:
            continue
        recv, method = file.text(operand), file.text(fld)
        argv = args.named_children
        detail, status = None, ""
        if recv == "http" and method == "Error" and len(argv) == 3:
            detail, status = _detail(file, argv[1], True), file.text(argv[2])
        elif method in _RESPONSE_METHODS and recv not in ("json", "xml", "yaml", "template") and argv:
            for a in argv[1:]:
                detail = detail or _detail(file, a, True)
            status = file.text(argv[0])
        elif recv == "fmt" and method.startswith("Fprint") and argv and file.text(argv[0]) == "w":
            for a in argv[1:]:
                detail = detail or _detail(file, a, True)
        elif method == "Write" and len(argv) == 1 and recv in ("w", "rw", "writer"):
            detail = _detail(file, argv[0], False)
        if detail:
            flagged.append(call)
            yield Hit("leaked-details", file.path, line_of(call), call.end_point[0] + 1,
                      f"`{detail}` is sent to the client: internal error details leak",
                      Confidence.LOW if is_4xx(status) else Confidence.MEDIUM, key=detail)
    for lit in by_type.get("composite_literal", []):
        typ = lit.child_by_field_name("type")
        body = lit.child_by_field_name("body")
        if typ is None or body is None or file.text(typ) not in _MAP_TYPES or _broken(file, lit):
            continue
        if any(c.start_byte <= lit.start_byte and lit.end_byte <= c.end_byte for c in flagged):
            continue
        detail = _detail(file, body, False)
        if detail:
            yield Hit("leaked-details", file.path, line_of(lit), lit.end_point[0] + 1,
                      f"`{detail}` is put in a response body: internal error details leak", Confidence.MEDIUM,
                      key=detail)


# -- central handlers ------------------------------------------------------------------------------------------
def _central(file: TsFile, by_type: dict[str, list[tree_sitter.Node]]) -> Iterator[str]:
    for stmt in by_type.get("assignment_statement", []):
        left = stmt.child_by_field_name("left")
        if left is not None and file.text(left).endswith(".HTTPErrorHandler"):
            yield f"{file.path}:{line_of(stmt)} HTTPErrorHandler"
    for el in by_type.get("keyed_element", []):
        key = el.child_by_field_name("key") or (el.named_children[0] if el.named_children else None)
        if key is not None and file.text(key) == "ErrorHandler":
            yield f"{file.path}:{line_of(el)} ErrorHandler config"
    for kind in ("function_declaration", "method_declaration"):
        for decl in by_type.get(kind, []):
            name = decl.child_by_field_name("name")
            if name is not None and _HELPER.match(file.text(name)):
                yield f"{file.path}:{line_of(decl)} {file.text(name)}()"
