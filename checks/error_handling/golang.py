"""Go: discarded errors (resolved against the project's own declarations), leaked details, error middleware.

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
from checks.error_handling._common import CODE_ROLES, ERROR_NAMES, Analysis, Hit, is_4xx

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
    "ShouldBind", "ShouldBindQuery", "ShouldBindUri", "BindJSON", "Bind", "Shutdown", "ListenAndServe",
})
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
    funcs: dict[str, set[bool]] = field(default_factory=dict)
    methods: dict[str, set[bool]] = field(default_factory=dict)


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
    parsed: list[tuple[TsFile, dict[str, list[tree_sitter.Node]]]] = []
    for file in ctx.trees("go", roles=CODE_ROLES):
        by_type: dict[str, list[tree_sitter.Node]] = {}
        for node in descendants(file.tree.root_node):
            by_type.setdefault(node.type, []).append(node)
        parsed.append((file, by_type))
        for kind, table in (("function_declaration", decls.funcs), ("method_declaration", decls.methods),
                            ("method_elem", decls.methods), ("method_spec", decls.methods)):
            for decl in by_type.get(kind, []):
                name = decl.child_by_field_name("name")
                if name is not None:
                    table.setdefault(file.text(name), set()).add(_returns_error(file, decl))
    hits: list[Hit] = []
    frameworks: set[str] = set()
    central: list[str] = []
    for file, by_type in parsed:
        packages = _imports(file, by_type, frameworks)
        hits.extend(_ignored(file, by_type, decls, packages))
        hits.extend(_leaks(file, by_type))
        central.extend(_central(file, by_type))
    return Analysis(tuple(hits), 0, frozenset(frameworks), tuple(central))


def _imports(file: TsFile, by_type: dict[str, list[tree_sitter.Node]], frameworks: set[str]) -> set[str]:
    packages: set[str] = set()
    for spec in by_type.get("import_spec", []):
        path_node = spec.child_by_field_name("path")
        if path_node is None:
            continue
        path = file.text(path_node).strip('"`')
        alias = spec.child_by_field_name("name")
        parts = [p for p in path.split("/") if not re.fullmatch(r"v\d+", p)]
        packages.add(file.text(alias) if alias is not None else (parts[-1] if parts else path))
        for prefix, name in _FRAMEWORKS.items():
            if path.startswith(prefix):
                frameworks.add(name)
        if path == "net/http" and b"http.ResponseWriter" in file.source:
            frameworks.add("net/http")
    return packages


def _resolve(file: TsFile, call: tree_sitter.Node, decls: _Decls, packages: set[str]) -> tuple[str, Confidence] | None:
    """(callee text, confidence) when the call's last result is an error, else None."""
    fn = call.child_by_field_name("function")
    if fn is None:
        return None
    if fn.type == "identifier":
        name = file.text(fn)
        return (name, Confidence.HIGH) if decls.funcs.get(name) == {True} else None
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
    if operand.type == "identifier" and file.text(operand) in packages:
        if file.text(operand) in _IGNORED_PACKAGES:
            return None
        if text in WELL_KNOWN_FUNCS:
            return text, Confidence.HIGH
        return (text, Confidence.HIGH) if decls.funcs.get(method) == {True} else None
    if text in WELL_KNOWN_FUNCS:
        return text, Confidence.HIGH
    if method in WELL_KNOWN_METHODS or decls.methods.get(method) == {True}:
        return text, Confidence.MEDIUM
    return None


def _ignored(file: TsFile, by_type: dict[str, list[tree_sitter.Node]], decls: _Decls,
             packages: set[str]) -> Iterator[Hit]:
    for stmt in by_type.get("expression_statement", []):
        expr = stmt.named_children[0] if stmt.named_children else None
        if expr is None or expr.type != "call_expression" or has_error_ancestor(stmt):
            continue
        resolved = _resolve(file, expr, decls, packages)
        if resolved:
            name, conf = resolved
            yield Hit("ignored-error", file.path, line_of(stmt), stmt.end_point[0] + 1,
                      f"the error returned by `{name}` is ignored", conf, key=f"{name}:{file.text(stmt)[:120]}")
    commented = {c.start_point[0] for c in by_type.get("comment", [])}
    for kind in ("assignment_statement", "short_var_declaration"):
        for stmt in by_type.get(kind, []):
            left = stmt.child_by_field_name("left")
            right = stmt.child_by_field_name("right")
            if left is None or right is None or right.named_child_count != 1 or has_error_ancestor(stmt):
                continue
            targets = left.named_children
            call = right.named_children[0]
            if not targets or file.text(targets[-1]) != "_" or call.type != "call_expression":
                continue
            if stmt.end_point[0] in commented:
                continue  # the discard is explained in a comment on the same line
            resolved = _resolve(file, call, decls, packages)
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
        if fn is None or args is None or fn.type != "selector_expression" or has_error_ancestor(call):
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
        if typ is None or body is None or file.text(typ) not in _MAP_TYPES or has_error_ancestor(lit):
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
