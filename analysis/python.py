"""The Python adapter: one walk over a module's `ast` into the shared model (analysis/model.py).

Facts only: which calls with which arguments, in which function, loop or handler; what each exception
handler's body does; which error details reach a response; routes and routers as this file declares them;
tests and fixtures; explicit `Any`; settings given literal values; module and class constants.

Speed matters (this runs on every Python file of the target, in the worker pool): statements are visited
recursively (Python's own nesting limit keeps that shallow), expressions iteratively (a 5,000-term `a + a + ...`
must not exhaust the stack), each node once. Cyclomatic complexity is counted in the same walk with radon's
rules (tests compare the two on real code).
"""

from __future__ import annotations

import ast
import re
import warnings
from typing import Any, cast

from analysis.model import (
    BODY_EXITS,
    BODY_FALLBACK,
    BODY_LOGS,
    BODY_PASSES_ON,
    BODY_RAISES,
    BODY_RERAISES,
    BODY_RETURNS,
    BODY_ROLLBACK,
    BODY_TRIVIAL,
    BODY_USES_ERROR,
    CALL_AWAITED,
    CALL_IN_ASYNC,
    CALL_IN_LAMBDA,
    CALL_IN_LOOP,
    CALL_IN_TEST,
    CALL_STATEMENT,
    EXPOSE_CLIENT_STATUS,
    EXPOSE_STACK,
    RAISE_CHAINED,
    RAISE_FROM_NONE,
    RAISE_RERAISE,
    SETTING_CAP,
    TEXT_CAP,
    Assign,
    Call,
    Class,
    Exposure,
    FileModel,
    Function,
    Handler,
    Import,
    Loop,
    Mount,
    Param,
    Raise,
    RouteDecl,
    Setting,
    TestCase,
    TypeUse,
    Value,
)

__all__ = ["HOLE", "analyse_python", "is_4xx", "model_of_module", "module_name", "parse_python"]

# A string template's hole: "\x00settings.API_PREFIX\x00/users" is f"{settings.API_PREFIX}/users".
HOLE = "\x00"
_UNKNOWN_HOLE = HOLE + "?" + HOLE

_LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log"})
_LOG_CALLS = frozenset({"print", "traceback.print_exc", "sentry_sdk.capture_exception", "capture_exception"})
_LOG_LAST = frozenset({"capture_exception", "captureException", "print_exc", "print_exception"})
_EXIT_CALLS = frozenset({"sys.exit", "exit", "os._exit", "quit", "abort", "flask.abort", "os.abort"})
_PASS_ON = frozenset({"set_exception", "reject", "callback", "errback"})
_BROAD = frozenset({"Exception", "BaseException"})
_ROUTE_DECORATORS = frozenset({
    "route", "get", "post", "put", "patch", "delete", "head", "options", "api_view", "api_route", "action",
})
_VIEW_METHODS = frozenset({"get", "post", "put", "patch", "delete", "list", "create", "update", "retrieve", "destroy"})
_RESPONSE_CALLS = frozenset({
    "jsonify", "JSONResponse", "Response", "HttpResponse", "JsonResponse", "HttpResponseServerError",
    "HttpResponseBadRequest", "make_response", "HTTPException", "abort", "json_response", "PlainTextResponse",
    "HTMLResponse", "ORJSONResponse", "UJSONResponse", "APIException", "ValidationError",
    "HTTPInternalServerError", "HTTPBadRequest",
})
_TRACEBACK_CALLS = frozenset({"traceback.format_exc", "format_exc", "traceback.format_exception", "format_exception",
                              "traceback.format_tb"})
_ROUTER_CLASSES = {
    "FastAPI": "fastapi", "APIRouter": "fastapi", "Flask": "flask", "Blueprint": "flask",
    "NinjaAPI": "django-ninja", "Router": "django-ninja",
}
_INCLUDE_CALLS = frozenset({"include_router", "register_blueprint", "add_router"})
_METHOD_DECORATORS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "trace"})
_PATH_FUNCS = frozenset({"path", "re_path", "url"})
# Routes registered by a call instead of a decorator: FastAPI/Starlette `add_api_route(path, endpoint, methods=)`,
# Flask `add_url_rule(rule, endpoint, view_func, methods=)`.
_ADD_ROUTE_CALLS = frozenset({"add_api_route", "add_url_rule"})
_FIXTURE_NAMES = frozenset({"setUp", "setUpClass", "asyncSetUp", "setUpTestData"})
_PY_TEST_FILE = re.compile(r"^(tests|test_.*|.*_tests?)\.py$")
_ANY = frozenset({"typing.Any", "typing_extensions.Any"})
_COMMENT = re.compile(r"#\s*(.+)")


def module_name(path: str) -> str:
    """`app/api/users.py` -> `app.api.users`; a package's `__init__.py` names the package."""
    parts = path[:-3].split("/") if path.endswith(".py") else path.split("/")
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def is_4xx(text: str) -> bool:
    from analysis.frameworks import is_client_error_status

    return is_client_error_status(text)


def parse_python(text: str, path: str) -> ast.Module:
    with warnings.catch_warnings():  # SyntaxWarnings would print target lines on stderr
        warnings.simplefilter("ignore")
        return ast.parse(text, filename=path)


def dotted(node: ast.AST) -> str:
    """`a.b.c` for Name/Attribute chains, "" for anything else (`f().x` gives `f().x`)."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    elif isinstance(node, ast.Call):
        inner = dotted(node.func)
        if not inner:
            return ""
        parts.append(inner + "()")
    else:
        return ""
    return ".".join(reversed(parts))


class _Ctx:
    """Where the walk is: the enclosing function, handler chain, and flags of the code around a node."""

    __slots__ = ("flags", "fn", "handler", "handlers", "in_class", "owner", "route")

    def __init__(self, fn: int, handler: int, flags: int, owner: str, handlers: tuple[int, ...], route: bool,
                 in_class: bool = False) -> None:
        self.fn, self.handler, self.flags, self.owner, self.handlers, self.route = fn, handler, flags, owner, handlers, route
        self.in_class = in_class  # directly in a class body: a def here is a method

    def inner(self, *, flags: int | None = None, handler: int | None = None,
              handlers: tuple[int, ...] | None = None) -> _Ctx:
        return _Ctx(self.fn, self.handler if handler is None else handler, self.flags if flags is None else flags,
                    self.owner, self.handlers if handlers is None else handlers, self.route, self.in_class)


class _Reader:
    def __init__(self, path: str, role: str, text: str) -> None:
        self.path = path
        self.role = role
        self.lines = text.split("\n")
        self.encoded: dict[int, bytes] = {}
        self.imports: list[Import] = []
        self.functions: list[Any] = []  # Function records, patched with complexity when their body is done
        self.complexity: list[int] = []
        self.classes: list[Class] = []
        self.calls: list[Call] = []
        self.assigns: list[Assign] = []
        self.settings: list[Setting] = []
        self.handlers: list[Handler] = []
        self.raises: list[Raise] = []
        self.exposures: list[Exposure] = []
        self.routes: list[RouteDecl] = []
        self.mounts: list[Mount] = []
        self.tests: list[TestCase] = []
        self.type_uses: list[TypeUse] = []
        self.local: dict[str, str] = {}  # local name -> qualified target, from imports
        self.import_lines: set[int] = set()
        self.any_names: set[str] = set()
        self.typing_aliases: set[str] = set()
        self.module = module_name(path)
        self.package = self.module if path.endswith("__init__.py") else self.module.rpartition(".")[0]
        name = path.rsplit("/", 1)[-1]
        self.test_file = role == "test" or bool(_PY_TEST_FILE.match(name))
        self.markers: set[str] = set()
        self.test_classes: set[str] = set()
        # nodes the route pass reads after the walk (collected during it, so the tree is walked once)
        self.route_assigns: list[tuple[ast.Assign | ast.AnnAssign, ast.Call]] = []
        self.route_calls: list[ast.Call] = []
        self.route_defs: list[tuple[ast.expr, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, int]] = []
        self.urlpatterns = False
        self.url_routers: list[tuple[str, int]] = []  # `urlpatterns += router.urls`: (router variable, line)
        self.url_lists: dict[str, ast.List | ast.Tuple] = {}  # module-level `extra_patterns = [path(...), ...]`
        self.top_defs: dict[str, tuple[ast.FunctionDef | ast.AsyncFunctionDef, int]] = {}  # name -> (node, index)
        self._cast_pending = False
        self.counting = True  # complexity is counted (not inside an assert, as radon does)
        self.loops: list[Loop] = []
        self.active_loops: dict[str, list[int]] = {}  # loop variable -> the loops (indices) binding it, innermost last
        self.loop_reads: dict[int, dict[str, None]] = {}  # loop index -> `target.attr` read in its body
        # What the maintainability index needs beside Halstead's volume, counted in the same walk: decision points
        # outside functions (module level, and per class body), the classes at module level, logical lines.
        self.module_decisions = 0
        self.class_decisions: dict[str, int] = {}
        self.top_classes: list[str] = []
        self.logical = 0  # statements, clause headers (else/except/finally/case) and decorators: radon's LLOC
        self.multi = 0  # lines of string statements spanning several lines (docstrings): radon's "multi"
        self.single_strings = 0  # one-line string statements (docstrings), counted by radon with comment lines

    # -- source text ------------------------------------------------------------------------------------------
    def seg(self, node: ast.AST, cap: int = TEXT_CAP) -> str:
        """The source text of `node` (ast offsets are UTF-8 byte columns), capped at `cap` characters."""
        lineno: int | None = getattr(node, "lineno", None)
        end_lineno: int | None = getattr(node, "end_lineno", None)
        if lineno is None or end_lineno is None:
            return ""
        line, col = lineno - 1, int(getattr(node, "col_offset", 0))
        end, end_col = end_lineno - 1, int(getattr(node, "end_col_offset", 0))
        if line < 0 or line >= len(self.lines):
            return ""
        text = self.lines[line]
        if text.isascii():  # byte columns are character columns: no encoding (isascii is a flag, not a scan)
            if end == line:
                return text[col:end_col][:cap]
            out = text[col:]
        else:
            first = self._bytes(line)
            if end == line:
                return first[col:end_col].decode("utf-8", "replace")[:cap]
            out = first[col:].decode("utf-8", "replace")
        current = line + 1
        while len(out) < cap and current <= end and current < len(self.lines):
            text = self.lines[current]
            if text.isascii():
                out += "\n" + (text[:end_col] if current == end else text)
            else:
                chunk = self._bytes(current)
                out += "\n" + (chunk[:end_col] if current == end else chunk).decode("utf-8", "replace")
            current += 1
        return out[:cap]

    def _bytes(self, index: int) -> bytes:
        cached = self.encoded.get(index)
        if cached is None:
            cached = self.encoded[index] = self.lines[index].encode("utf-8", "surrogatepass")
        return cached

    # -- values -----------------------------------------------------------------------------------------------
    def value(self, node: ast.AST, keyword: str = "", cap: int = TEXT_CAP) -> Value:
        if cap != TEXT_CAP and isinstance(node, ast.List | ast.Tuple | ast.Set | ast.Dict | ast.Call):
            kind = "call" if isinstance(node, ast.Call) else "collection"
            return (kind, self.seg(node, cap), (), keyword, None)
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, str):
                return ("str", self.seg(node), (), keyword, v[: TEXT_CAP * 5])
            if v is None:
                return ("none", "None", (), keyword, None)
            if isinstance(v, bool):
                return ("bool", "True" if v else "False", (), keyword, None)
            if isinstance(v, int | float | complex):
                return ("num", self.seg(node), (), keyword, None)
            return ("other", self.seg(node), (), keyword, None)
        if isinstance(node, ast.Name):
            return ("name", node.id, (node.id,), keyword, None)
        if isinstance(node, ast.Attribute):
            text = dotted(node) or self.seg(node)
            root = text.split(".", 1)[0]
            return ("attr", text, (root,) if root.isidentifier() else (), keyword, None)
        if isinstance(node, ast.JoinedStr):
            template, names = self.template(node)
            return ("interpolated" if names or HOLE in template else "str", self.seg(node), names, keyword, template)
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Mod) and _stringish(node.left):
                names = self.names(node.right)
                return ("interpolated" if names else "str", self.seg(node), names, keyword, None)
            if isinstance(node.op, ast.Add) and (_stringish(node.left) or _stringish(node.right)):
                template, names = self.template(node)
                return ("concat" if names or HOLE in template else "str", self.seg(node), names, keyword, template)
            return ("other", self.seg(node), self.names(node), keyword, None)
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "format" and _stringish(func.value):
                names = tuple(n for a in [*node.args, *(k.value for k in node.keywords)] for n in self.names(a))
                return ("interpolated" if names else "str", self.seg(node), names, keyword, None)
            if isinstance(func, ast.Attribute) and func.attr == "join" and _stringish(func.value):
                names = tuple(n for a in node.args for n in self.names(a))
                return ("concat" if names else "str", self.seg(node), names, keyword, None)
            return ("call", self.seg(node), (), keyword, None)
        if isinstance(node, ast.List | ast.Tuple | ast.Set | ast.Dict):
            return ("collection", self.seg(node), (), keyword, None)
        if isinstance(node, ast.Lambda):
            return ("function", self.seg(node), (), keyword, None)
        names = self.names(node) if isinstance(node, ast.Subscript | ast.IfExp | ast.BoolOp) else ()
        return ("other", self.seg(node), names, keyword, None)

    def names(self, node: ast.AST) -> tuple[str, ...]:
        """Identifiers read anywhere in `node` (bounded), roots of attribute chains included."""
        out: list[str] = []
        stack = [node]
        seen = 0
        while stack and seen < 200:
            current = stack.pop()
            seen += 1
            if isinstance(current, ast.Name):
                out.append(current.id)
            elif not isinstance(current, ast.Constant):
                stack.extend(ast.iter_child_nodes(current))
        return tuple(dict.fromkeys(out))

    def template(self, node: ast.AST) -> tuple[str, tuple[str, ...]]:
        """A string built from literals and references as a template with holes, and the names it reads."""
        parts: list[str] = []
        names: list[str] = []
        stack: list[ast.AST] = [node]
        budget = 200
        while stack and budget > 0:
            budget -= 1
            current = stack.pop()
            if isinstance(current, ast.Constant) and isinstance(current.value, str):
                parts.append(current.value.replace(HOLE, ""))
            elif isinstance(current, ast.JoinedStr):
                stack.extend(reversed(current.values))
            elif isinstance(current, ast.FormattedValue):
                ref = dotted(current.value) if current.format_spec is None else ""
                parts.append(HOLE + (ref or "?") + HOLE)
                names.extend(self.names(current.value))
            elif isinstance(current, ast.BinOp) and isinstance(current.op, ast.Add):
                stack.append(current.right)
                stack.append(current.left)
            else:
                ref = dotted(current)
                parts.append(HOLE + (ref or "?") + HOLE)
                names.extend(self.names(current))
        return "".join(parts)[: TEXT_CAP * 5], tuple(dict.fromkeys(names))

    # -- module -----------------------------------------------------------------------------------------------
    def read(self, tree: ast.Module) -> None:
        self._imports(tree)
        ctx = _Ctx(-1, -1, CALL_IN_TEST if self.test_file else 0, "", (), False)
        self.stmts(tree.body, ctx, 0)
        self._routes()

    def _imports(self, tree: ast.Module) -> None:
        """Module-level imports (also inside top-level if/try blocks) before the walk, so calls can be qualified."""
        stack: list[ast.stmt] = list(reversed(tree.body))
        while stack:
            node = stack.pop()
            if isinstance(node, ast.If):
                stack.extend(reversed([*node.body, *node.orelse]))
                continue
            if isinstance(node, ast.Try | ast.TryStar):
                for block in (node.body, node.orelse, *(h.body for h in node.handlers), node.finalbody):
                    stack.extend(reversed(block))
                continue
            self._import(node)
        self.any_names = {local for local, full in self.local.items() if full in _ANY}
        self.typing_aliases = {local for local, full in self.local.items() if full in ("typing", "typing_extensions")}

    def _import(self, node: ast.stmt) -> None:
        if not isinstance(node, ast.Import | ast.ImportFrom) or node.lineno in self.import_lines:
            return
        self.import_lines.add(node.lineno)
        if isinstance(node, ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name.split(".")[0]
                self.imports.append(Import(alias.name, "", alias.asname or "", node.lineno))
                self.local[local] = alias.name if alias.asname else alias.name.split(".")[0]
            return
        level = node.level or 0
        written = "." * level + (node.module or "")
        base = self._absolute(node.module or "", level)
        for alias in node.names:
            self.imports.append(Import(written, alias.name, alias.asname or alias.name, node.lineno))
            self.local[alias.asname or alias.name] = f"{base}.{alias.name}" if base else alias.name

    def _absolute(self, module: str, level: int) -> str:
        if not level:
            return module
        parts = self.package.split(".") if self.package else []
        keep = parts[: len(parts) - (level - 1)] if level > 1 else parts
        return ".".join([*keep, module] if module else keep)

    def qualify(self, callee: str) -> str:
        head, _, rest = callee.partition(".")
        target = self.local.get(head)
        if target is None:
            return ""
        return f"{target}.{rest}" if rest else target

    # -- statements -------------------------------------------------------------------------------------------
    def stmts(self, body: list[ast.stmt], ctx: _Ctx, depth: int) -> int:
        """Visit statements; returns how many there were (nested ones included)."""
        count = 0
        for stmt in body:
            count += 1 + self.stmt(stmt, ctx, depth)
        return count

    def _add_complexity(self, ctx: _Ctx, n: int) -> None:
        if not n or not self.counting:
            return
        if ctx.in_class:  # a class body's own code, even inside a function: radon counts it for the class only
            self.class_decisions[ctx.owner] = self.class_decisions.get(ctx.owner, 0) + n
        elif ctx.fn >= 0:
            self.complexity[ctx.fn] += n
        else:
            self.module_decisions += n

    def stmt(self, node: ast.stmt, ctx: _Ctx, depth: int) -> int:
        """Visit one statement; returns how many statements it holds (nested ones)."""
        self.logical += 1
        if isinstance(node, ast.Expr):
            value = node.value
            if type(value) is ast.Constant and isinstance(value.value, str):
                end = node.end_lineno or node.lineno
                if end > node.lineno:
                    self.multi += sum(1 for i in range(node.lineno - 1, min(end, len(self.lines))) if self.lines[i].strip())
                else:
                    self.single_strings += 1
            if isinstance(value, ast.Call):
                self.expr(value, ctx, CALL_STATEMENT)
            elif isinstance(value, ast.Await) and isinstance(value.value, ast.Call):
                self.expr(value.value, ctx, CALL_STATEMENT | CALL_AWAITED)
            else:
                self.expr(value, ctx)
            return 0
        if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            self.logical += type(node) is ast.AnnAssign  # radon counts a line whose colon is not last as two
            self._assign(node, ctx)
            return 0
        if isinstance(node, ast.Return):
            if node.value is not None:
                self.expr(node.value, ctx)
                if ctx.route and ctx.fn >= 0 and ctx.handlers:
                    self._exposed_return(node, ctx)
            return 0
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            self._function(node, ctx, depth)
            return 0
        if isinstance(node, ast.ClassDef):
            self._class(node, ctx, depth)
            return 0
        if isinstance(node, ast.If):
            self._add_complexity(ctx, 1)
            if node.orelse and not (len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If)
                                    and node.orelse[0].col_offset == node.col_offset):
                self.logical += 1  # `else:`
            self.expr(node.test, ctx)
            return self.stmts(node.body, ctx, depth + 1) + self.stmts(node.orelse, ctx, depth + 1)
        if isinstance(node, ast.For | ast.AsyncFor | ast.While):
            self._add_complexity(ctx, 1 + bool(node.orelse))
            self.logical += bool(node.orelse)
            end = node.end_lineno or node.lineno
            index = len(self.loops)
            if isinstance(node, ast.While):
                targets: tuple[str, ...] = ()
                self.loops.append(Loop("while", node.lineno, end, ctx.fn, self.value(node.test), (), ()))
                self.expr(node.test, ctx)
            else:
                targets = _targets(node.target)
                self.loops.append(Loop("for", node.lineno, end, ctx.fn, self.value(node.iter), targets, ()))
                self.expr(node.iter, ctx)
                self.expr(node.target, ctx)
            inner = ctx.inner(flags=ctx.flags | CALL_IN_LOOP)
            bound = [t for t in targets if t.isidentifier()]
            for name in bound:
                self.active_loops.setdefault(name, []).append(index)
            try:
                n = self.stmts(node.body, inner, depth + 1)
            finally:
                for name in bound:
                    self.active_loops[name].pop()
                    if not self.active_loops[name]:
                        del self.active_loops[name]
            if index in self.loop_reads:
                self.loops[index] = self.loops[index]._replace(reads=tuple(self.loop_reads.pop(index)))
            return n + self.stmts(node.orelse, ctx, depth + 1)
        if isinstance(node, ast.Try | ast.TryStar):
            self._add_complexity(ctx, len(node.handlers) + bool(node.orelse))
            self.logical += len(node.handlers) + bool(node.orelse) + bool(node.finalbody)
            n = self.stmts(node.body, ctx, depth + 1)
            for handler in node.handlers:
                n += 1 + self._handler(handler, ctx, depth)
            return n + self.stmts(node.orelse, ctx, depth + 1) + self.stmts(node.finalbody, ctx, depth + 1)
        if isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                self.expr(item.context_expr, ctx)
                if item.optional_vars is not None:
                    self.expr(item.optional_vars, ctx)
            return self.stmts(node.body, ctx, depth + 1)
        if isinstance(node, ast.Raise):
            self._raise(node, ctx)
            return 0
        if isinstance(node, ast.Match):
            wildcard = any(getattr(c.pattern, "pattern", False) is None for c in node.cases)
            self._add_complexity(ctx, max(0, len(node.cases) - wildcard))
            self.logical += len(node.cases)
            self.expr(node.subject, ctx)
            n = 0
            for case in node.cases:
                if case.guard is not None:
                    self.expr(case.guard, ctx)
                n += self.stmts(case.body, ctx, depth + 1)
            return n
        if isinstance(node, ast.Assert):
            self._add_complexity(ctx, 1)  # radon counts the assert, and nothing inside it
            saved, self.counting = self.counting, False
            self.expr(node.test, ctx)
            if node.msg is not None:
                self.expr(node.msg, ctx)
            self.counting = saved
            return 0
        if isinstance(node, ast.Import | ast.ImportFrom):
            self._import(node)
            return 0
        if isinstance(node, ast.Pass | ast.Break | ast.Continue):
            return 0
        for child in ast.iter_child_nodes(node):  # Delete, Global, TypeAlias (3.12) and the like
            if isinstance(child, ast.expr):
                self.expr(child, ctx)
        return 0

    # -- functions and classes --------------------------------------------------------------------------------
    def _decorators(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, ctx: _Ctx) -> tuple[str, ...]:
        out = []
        self.logical += len(node.decorator_list)
        for dec in node.decorator_list:
            out.append("@" + self.seg(dec))
            saved, self.counting = self.counting, False  # nor in decorators
            self.expr(dec, ctx)
            self.counting = saved
            if isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute):
                self.route_defs.append((dec, node, len(self.functions)))
        return tuple(out)

    def _qualname(self, name: str, ctx: _Ctx) -> str:
        if ctx.in_class:
            return f"{ctx.owner}.{name}"
        if ctx.fn >= 0:
            return f"{self.functions[ctx.fn].qualname}.{name}"
        return name

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, ctx: _Ctx, depth: int) -> None:
        decorators = self._decorators(node, ctx)
        is_method = ctx.in_class
        names = {d[1:].split("(", 1)[0].rsplit(".", 1)[-1] for d in decorators}
        params, arg_nodes = self._params(node, is_method and "staticmethod" not in names, ctx)
        is_async = type(node) is ast.AsyncFunctionDef
        is_test = self._is_test(node, ctx, names)
        index = len(self.functions)
        if ctx.fn < 0 and not ctx.in_class:
            self.top_defs[node.name] = (node, index)  # a handler `add_api_route` may name
        record = Function(
            name=node.name, qualname=self._qualname(node.name, ctx), line=node.lineno,
            end_line=node.end_lineno or node.lineno, is_async=is_async, params=params,
            returns=self.seg(node.returns) if node.returns is not None else None, decorators=decorators,
            owner=ctx.owner if is_method else "", parent=ctx.fn,
            visibility="private" if node.name.startswith("_") and not node.name.endswith("__") else "public",
            is_test=is_test, complexity=1, statements=0,
        )
        self.functions.append(record)
        self.complexity.append(1)
        for (pname, _ann, _default, kind), arg in zip(params, arg_nodes, strict=True):
            if arg.annotation is not None:
                self._annotation_any(arg.annotation, "*" if kind in ("vararg", "kwarg") else
                                     f"parameter `{pname}` of `{node.name}`", index)
        if node.returns is not None:
            self._annotation_any(node.returns, f"return of `{node.name}`", index)
        self._test_case(node, names, is_test, ctx)
        flags = (ctx.flags & CALL_IN_TEST) | (CALL_IN_ASYNC if is_async else 0) | (CALL_IN_TEST if is_test else 0)
        is_route = bool(names & _ROUTE_DECORATORS) or (is_method and node.name in _VIEW_METHODS)
        inner = _Ctx(index, -1, flags, ctx.owner if is_method else "", (), is_route)
        n = self.stmts(node.body, inner, depth + 1)
        self.functions[index] = record._replace(complexity=self.complexity[index], statements=n)

    def _params(self, node: ast.FunctionDef | ast.AsyncFunctionDef, drop_first: bool,
                ctx: _Ctx) -> tuple[tuple[Param, ...], list[ast.arg]]:
        a = node.args
        out: list[Param] = []
        nodes: list[ast.arg] = []
        positional = [*a.posonlyargs, *a.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
        for i, arg in enumerate(positional):
            default = defaults[i]
            out.append((arg.arg, self.seg(arg.annotation) if arg.annotation is not None else None,
                        self.seg(default) if default is not None else None,
                        "self" if drop_first and i == 0 else "positional"))
            nodes.append(arg)
        if a.vararg is not None:
            out.append((a.vararg.arg, self.seg(a.vararg.annotation) if a.vararg.annotation else None, None, "vararg"))
            nodes.append(a.vararg)
        for arg, kw_default in zip(a.kwonlyargs, a.kw_defaults, strict=False):
            out.append((arg.arg, self.seg(arg.annotation) if arg.annotation is not None else None,
                        self.seg(kw_default) if kw_default is not None else None, "keyword"))
            nodes.append(arg)
        if a.kwarg is not None:
            out.append((a.kwarg.arg, self.seg(a.kwarg.annotation) if a.kwarg.annotation else None, None, "kwarg"))
            nodes.append(a.kwarg)
        saved, self.counting = self.counting, False  # radon counts no decision point in defaults
        for value in [*a.defaults, *(d for d in a.kw_defaults if d is not None)]:
            self.expr(value, ctx)
        self.counting = saved
        return tuple(out), nodes

    def _is_test(self, node: ast.FunctionDef | ast.AsyncFunctionDef, ctx: _Ctx, decorators: set[str]) -> bool:
        """A test function by pytest's and unittest's collection rules: `test*` at module level or in a test class."""
        if not self.test_file or not node.name.startswith("test") or "fixture" in decorators:
            return False
        if not ctx.in_class:
            return ctx.fn < 0
        return ctx.owner in self.test_classes

    def _test_case(self, node: ast.FunctionDef | ast.AsyncFunctionDef, decorators: set[str], is_test: bool,
                   ctx: _Ctx) -> None:
        if not self.test_file:
            return
        if "fixture" in decorators:
            self.tests.append(TestCase(node.name, "fixture", "pytest", node.lineno))
        elif node.name in _FIXTURE_NAMES and ctx.in_class:
            self.tests.append(TestCase(node.name, "fixture", "unittest", node.lineno))
        elif is_test:
            kind = "property" if "given" in decorators else "test"
            framework = "hypothesis" if kind == "property" else ("unittest" if ctx.in_class else "pytest")
            self.tests.append(TestCase(node.name, kind, framework, node.lineno))

    def _class(self, node: ast.ClassDef, ctx: _Ctx, depth: int) -> None:
        decorators = self._decorators(node, ctx)
        bases = []
        for base in node.bases:
            bases.append(dotted(base) or self.seg(base))
            self.expr(base, ctx)
        for kw in node.keywords:
            self.expr(kw.value, ctx)
        qual = self._qualname(node.name, ctx)
        if ctx.fn < 0 and not ctx.owner:
            self.top_classes.append(qual)
        test_class = node.name.startswith("Test") or any(b.rsplit(".", 1)[-1].endswith("TestCase") for b in bases)
        if self.test_file and test_class and ctx.fn < 0:
            self.test_classes.add(qual)
        fields = []
        methods = 0
        for stmt in node.body:
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                fields.append((stmt.target.id, self.seg(stmt.annotation)))
            elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                methods += 1
        self.classes.append(Class(node.name, "class", tuple(bases), decorators, node.lineno,
                                  node.end_lineno or node.lineno, tuple(fields), methods, ctx.fn))
        inner = _Ctx(ctx.fn, ctx.handler, ctx.flags, qual, ctx.handlers, False, in_class=True)
        self.stmts(node.body, inner, depth + 1)

    # -- assignments and settings -----------------------------------------------------------------------------
    def _assign(self, node: ast.Assign | ast.AnnAssign | ast.AugAssign, ctx: _Ctx) -> None:
        annotation: str | None = None
        if isinstance(node, ast.Assign):
            target_nodes, op = node.targets, "="
        elif isinstance(node, ast.AnnAssign):
            target_nodes, op = [node.target], "="
            annotation = self.seg(node.annotation)
            annotated = node.target
            where = annotated.id if isinstance(annotated, ast.Name) else (
                annotated.attr if isinstance(annotated, ast.Attribute) else "?")
            self._annotation_any(node.annotation, f"`{where}`", ctx.fn)
        else:
            target_nodes, op = [node.target], type(node.op).__name__
        targets: list[str] = []
        for target in target_nodes:
            if isinstance(target, ast.Name | ast.Attribute):
                targets.append(dotted(target) or self.seg(target))
            elif isinstance(target, ast.Tuple | ast.List):
                targets.extend(dotted(e) or "?" for e in target.elts)
            else:
                targets.append(self.seg(target))
                self.expr(target, ctx)
        value_node = node.value
        if value_node is None:
            return
        declaration = ctx.fn < 0 or ctx.in_class  # module or class level: constants and configuration
        value = self.value(value_node, cap=SETTING_CAP if declaration else TEXT_CAP)
        owner = ctx.owner if ctx.in_class else ""
        self.assigns.append(Assign(tuple(targets), value, node.lineno, ctx.fn, owner, annotation, op))
        if declaration and len(targets) == 1 and _literal(value_node):
            self.settings.append(Setting(targets[0], self.seg(value_node, SETTING_CAP), node.lineno, owner, ctx.fn))
        if isinstance(value_node, ast.Call) and not isinstance(node, ast.AugAssign):
            self.route_assigns.append((node, value_node))
        if "urlpatterns" in targets:
            self.urlpatterns = True
            self.url_routers.extend(_router_urls(value_node, node.lineno))
        elif ctx.fn < 0 and not ctx.in_class and len(targets) == 1 and isinstance(value_node, ast.List | ast.Tuple):
            self.url_lists[targets[0]] = value_node  # a list of patterns that `include(extra_patterns)` may mount
        self.expr(value_node, ctx)

    # -- exceptions -------------------------------------------------------------------------------------------
    def _handler(self, node: ast.ExceptHandler, ctx: _Ctx, depth: int) -> int:
        types: tuple[str, ...] = ()
        if node.type is not None:
            items = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
            types = tuple((dotted(i) or self.seg(i)).rsplit(".", 1)[-1] for i in items)
            self.expr(node.type, ctx)
        catch_all = node.type is None or any(t in _BROAD for t in types)
        flags, statements = self._body_flags(node.body, node.name)
        index = len(self.handlers)
        self.handlers.append(Handler(types, node.name or "", node.lineno, node.end_lineno or node.lineno, ctx.fn,
                                     catch_all, flags, statements, self._comment(node), ctx.handler))
        inner = ctx.inner(handler=index, handlers=(*ctx.handlers, index))
        return self.stmts(node.body, inner, depth + 1)

    def _comment(self, node: ast.ExceptHandler) -> str:
        end = min(node.end_lineno or node.lineno, node.lineno + 20, len(self.lines))
        for i in range(node.lineno - 1, end):
            line = self.lines[i]
            if "#" in line:
                match = _COMMENT.search(line)
                if match:
                    return match.group(1).strip()[:120]
        return ""

    def _body_flags(self, body: list[ast.stmt], binding: str | None) -> tuple[int, int]:
        """What a handler body does (analysis.model BODY_* bits), and how many statements it has."""
        flags = 0
        if all(_is_trivial(s) for s in body):
            flags |= BODY_TRIVIAL
        elif all(_is_fallback(s) for s in body):
            flags |= BODY_FALLBACK
        statements = 0
        stack: list[ast.AST] = list(body)
        while stack:
            node = stack.pop()
            if isinstance(node, ast.stmt):
                statements += 1
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
                continue
            if isinstance(node, ast.Raise):
                flags |= BODY_RAISES
                if node.exc is None or (isinstance(node.exc, ast.Name) and node.exc.id == binding):
                    flags |= BODY_RERAISES
            elif isinstance(node, ast.Call):
                name = dotted(node.func)
                last = name.rsplit(".", 1)[-1]
                if _is_log_name(name):
                    flags |= BODY_LOGS
                if name in _EXIT_CALLS:
                    flags |= BODY_EXITS
                if last == "rollback":
                    flags |= BODY_ROLLBACK
                if last in _PASS_ON:
                    flags |= BODY_PASSES_ON
            elif isinstance(node, ast.Name) and binding and node.id == binding:
                flags |= BODY_USES_ERROR
            elif isinstance(node, ast.Return) and node.value is not None and not _none(node.value) \
                    and not _is_fallback(node):
                flags |= BODY_RETURNS
            stack.extend(ast.iter_child_nodes(node))
        return flags, statements

    def _raise(self, node: ast.Raise, ctx: _Ctx) -> None:
        flags = 0
        handler = self.handlers[ctx.handler] if ctx.handler >= 0 else None
        if node.exc is None or (handler is not None and isinstance(node.exc, ast.Name) and node.exc.id == handler.binding):
            flags |= RAISE_RERAISE
        if node.cause is not None:
            flags |= RAISE_FROM_NONE if _none(node.cause) else RAISE_CHAINED
        exc = node.exc
        text = ""
        if exc is not None:
            text = dotted(exc.func if isinstance(exc, ast.Call) else exc) or self.seg(exc)
            self.expr(exc, ctx)
        if node.cause is not None:
            self.expr(node.cause, ctx)
        self.raises.append(Raise(text, node.lineno, node.end_lineno or node.lineno, ctx.fn, ctx.handler, flags))

    # -- expressions ------------------------------------------------------------------------------------------
    def expr(self, root: ast.AST, ctx: _Ctx, root_flags: int = 0) -> None:
        """Every call in `root`, with the context flags around it; complexity of its boolean operators,
        conditional expressions and comprehensions."""
        stack: list[tuple[ast.AST, int]] = [(root, root_flags)]
        pop, push = stack.pop, stack.append
        base = ctx.flags
        while stack:
            node, extra = pop()
            t = type(node)
            if t is ast.Call:
                call = cast(ast.Call, node)
                self._call(call, ctx, base | extra)
                inherited = extra & (CALL_IN_LOOP | CALL_IN_LAMBDA)
                push((call.func, inherited))
                for arg in call.args:
                    push((arg, inherited))
                for kw in call.keywords:
                    push((kw.value, inherited))
                continue
            if t is ast.Name:
                if self.any_names and cast(ast.Name, node).id in self.any_names:
                    self._any_use(node, ctx)
                continue
            if t is ast.Constant:
                continue
            if t is ast.Attribute and self.active_loops:
                attr = cast(ast.Attribute, node)
                if type(attr.value) is ast.Name and attr.value.id in self.active_loops:
                    self._read(attr.value.id, attr.attr, self.active_loops[attr.value.id])
            if t is ast.Attribute and self.typing_aliases and self._is_any(node):
                self._any_use(node, ctx)
                continue
            if t is ast.Await:
                value = cast(ast.Await, node).value
                push((value, extra | CALL_AWAITED if type(value) is ast.Call else extra))
                continue
            if t is ast.BoolOp:
                self._add_complexity(ctx, len(cast(ast.BoolOp, node).values) - 1)
            elif t is ast.IfExp:
                self._add_complexity(ctx, 1)
            elif t is ast.ListComp or t is ast.SetComp or t is ast.GeneratorExp or t is ast.DictComp:
                comp = cast(ast.ListComp, node)
                loop = (extra & ~CALL_AWAITED) | CALL_IN_LOOP
                end = getattr(node, "end_lineno", None) or comp.lineno
                reads = _comprehension_reads(comp)
                for i, gen in enumerate(comp.generators):
                    self._add_complexity(ctx, 1 + len(gen.ifs))
                    targets = _targets(gen.target)
                    self.loops.append(Loop("comprehension", comp.lineno, end, ctx.fn, self.value(gen.iter), targets,
                                           tuple(r for r in reads if r.split(".", 1)[0] in targets)))
                    # The first clause's iterable is evaluated once, before the loop; everything else per element.
                    push((gen.iter, (extra & ~CALL_AWAITED) & (CALL_IN_LOOP | CALL_IN_LAMBDA) if i == 0 else loop))
                    push((gen.target, loop))
                    for cond in gen.ifs:
                        push((cond, loop))
                if t is ast.DictComp:
                    dict_comp = cast(ast.DictComp, node)
                    push((dict_comp.key, loop))
                    push((dict_comp.value, loop))
                else:
                    push((comp.elt, loop))
                continue
            elif t is ast.Lambda:
                lam = cast(ast.Lambda, node)
                push((lam.body, (extra & ~CALL_AWAITED) | CALL_IN_LAMBDA))
                for default in [*lam.args.defaults, *(d for d in lam.args.kw_defaults if d is not None)]:
                    push((default, extra & ~CALL_AWAITED))
                continue
            carried = extra & (CALL_IN_LOOP | CALL_IN_LAMBDA)
            fields = _EXPR_FIELDS.get(t)
            if fields is None:
                for child in ast.iter_child_nodes(node):
                    if isinstance(child, ast.expr):
                        push((child, carried))
                continue
            for name, many in fields:
                child = getattr(node, name)
                if many:
                    for item in child:
                        if item is not None:
                            push((item, carried))
                elif child is not None:
                    push((child, carried))

    def _call(self, node: ast.Call, ctx: _Ctx, flags: int) -> None:
        func = node.func
        callee = dotted(func)
        if type(func) is ast.Attribute:
            name = func.attr
            receiver = callee.rpartition(".")[0] if callee else self.seg(func.value)
        elif type(func) is ast.Name:
            name, receiver = func.id, ""
        else:
            name, receiver = "", ""
            callee = self.seg(func)
        args: list[Value] = [self.value(a) for a in node.args]
        for kw in node.keywords:
            args.append(self.value(kw.value, kw.arg or "**"))
            if kw.arg and _literal(kw.value):
                self.settings.append(Setting(kw.arg, self.seg(kw.value, SETTING_CAP), kw.value.lineno, callee or name,
                                             ctx.fn))
        self.calls.append(Call(name, callee, self.qualify(callee) if callee else "", tuple(args), node.lineno,
                               node.end_lineno or node.lineno, ctx.fn, ctx.handler, flags, receiver))
        if name in _INCLUDE_CALLS or name in _PATH_FUNCS or name in _ADD_ROUTE_CALLS or name == "register":
            self.route_calls.append(node)
        if name in _RESPONSE_CALLS and ctx.handlers:
            self._exposed_call(node, name, ctx)
        if name == "cast" and node.args and self._is_any(node.args[0]):
            self.type_uses.append(TypeUse("any", "cast(Any, ...)", node.lineno, "`cast(Any, ...)`", ctx.fn,
                                          self._public(ctx)))
            self._cast_pending = True

    def _read(self, name: str, attr: str, loops: list[int]) -> None:
        for index in loops:
            reads = self.loop_reads.setdefault(index, {})
            if len(reads) < _MAX_READS:
                reads[f"{name}.{attr}"] = None

    # -- leaked details -----------------------------------------------------------------------------------------
    def _bound(self, ctx: _Ctx) -> dict[str, tuple[str, ...]]:
        """Names bound to caught errors around here (within the function), with the types they were caught as."""
        out: dict[str, tuple[str, ...]] = {}
        for index in ctx.handlers:
            h = self.handlers[index]
            if h.binding:
                out[h.binding] = h.types
        return out

    def _detail(self, node: ast.AST, bound: dict[str, tuple[str, ...]]) -> tuple[str, str] | None:
        """(what exposes error internals, the error's name) in `node`, or None."""
        stack = [node]
        while stack:
            sub = stack.pop()
            if isinstance(sub, ast.Lambda):
                continue
            if isinstance(sub, ast.Call):
                name = dotted(sub.func)
                if name in _TRACEBACK_CALLS and (name.startswith("traceback.") or
                                                 self.local.get(name, "").startswith("traceback.")):
                    return f"{name}()", ""
                first = sub.args[0] if sub.args else None
                if name in ("str", "repr", "format") and isinstance(first, ast.Name) and first.id in bound:
                    return f"{name}({first.id})", first.id
            elif isinstance(sub, ast.Attribute) and sub.attr in ("args", "message"):
                if isinstance(sub.value, ast.Name) and sub.value.id in bound:
                    return dotted(sub), sub.value.id
            elif isinstance(sub, ast.FormattedValue) and isinstance(sub.value, ast.Name) and sub.value.id in bound:
                return "{" + sub.value.id + "}", sub.value.id
            stack.extend(ast.iter_child_nodes(sub))
        return None

    def _exposed_call(self, node: ast.Call, name: str, ctx: _Ctx) -> None:
        bound = self._bound(ctx)
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            found = self._detail(arg, bound)
            if found:
                detail, err = found
                status = _status_of(node, self)
                flags = (EXPOSE_CLIENT_STATUS if is_4xx(status) else 0) | (EXPOSE_STACK if "format_" in detail else 0)
                self.exposures.append(Exposure(detail, name, node.lineno, node.end_lineno or node.lineno, ctx.fn, status,
                                               bound.get(err, ()), flags))
                return

    def _exposed_return(self, node: ast.Return, ctx: _Ctx) -> None:
        value = node.value
        if not isinstance(value, ast.Dict | ast.Tuple | ast.Call | ast.JoinedStr):
            return
        if self.exposures and self.exposures[-1].line == node.lineno:
            return  # a response call on this line already exposes it
        found = self._detail(value, self._bound(ctx))
        if not found:
            return
        detail, err = found
        status = self.seg(value.elts[1]) if isinstance(value, ast.Tuple) and len(value.elts) > 1 else ""
        fn = self.functions[ctx.fn]
        flags = (EXPOSE_CLIENT_STATUS if status and is_4xx(status) else 0) | (EXPOSE_STACK if "format_" in detail else 0)
        self.exposures.append(Exposure(detail, f"return from route `{fn.name}`", node.lineno,
                                       node.end_lineno or node.lineno, ctx.fn, status,
                                       self._bound(ctx).get(err, ()), flags))

    # -- Any -------------------------------------------------------------------------------------------------
    def _is_any(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.any_names
        return isinstance(node, ast.Attribute) and node.attr == "Any" and isinstance(node.value, ast.Name) \
            and node.value.id in self.typing_aliases

    def _any_use(self, node: ast.AST, ctx: _Ctx) -> None:
        """`Any` outside an annotation (`cast(Any, x)` is bare; `JSON = dict[str, Any]`, `TypeVar(bound=Any)` nested)."""
        if self.type_uses and self.type_uses[-1].text == "cast(Any, ...)" and \
                self.type_uses[-1].line == getattr(node, "lineno", 0) and self._cast_pending:
            self._cast_pending = False
            return  # the Any of a cast(Any, ...) recorded just now
        self.type_uses.append(TypeUse("any-nested", "Any", getattr(node, "lineno", 0), "", ctx.fn, self._public(ctx)))

    def _public(self, ctx: _Ctx) -> bool:
        return ctx.fn < 0 or self.functions[ctx.fn].visibility == "public"

    def _annotation_any(self, ann: ast.AST | None, where: str, fn: int) -> None:
        """Explicit Any in an annotation: `bare` (the whole annotation, or Optional[Any]) or nested."""
        if ann is None or (not self.any_names and not self.typing_aliases):
            return
        public = fn < 0 or (fn < len(self.functions) and self.functions[fn].visibility == "public")
        if isinstance(ann, ast.Constant) and isinstance(ann.value, str):  # a forward reference, read as text only
            text = ann.value
            if "Any" not in text:
                return
            pattern = self._any_pattern()
            count = len(pattern.findall(text))
            whole = count == 1 and where != "*" and self._bare_text(text)
            for i in range(count):
                self.type_uses.append(TypeUse("any" if whole and i == 0 else "any-nested", text[:TEXT_CAP], ann.lineno,
                                              where if whole else "", fn, public))
            return
        bare_node = self._bare(ann) if where != "*" else None
        stack = [ann]
        while stack:
            node = stack.pop()
            if self._is_any(node):
                whole = node is bare_node
                self.type_uses.append(TypeUse("any" if whole else "any-nested", "Any", getattr(node, "lineno", 0),
                                              where if whole else "", fn, public))
                continue
            stack.extend(ast.iter_child_nodes(node))

    def _any_pattern(self) -> re.Pattern[str]:
        alternatives = [re.escape(n) for n in sorted(self.any_names)] + [
            re.escape(a) + r"\s*\.\s*Any" for a in sorted(self.typing_aliases)]
        return re.compile(r"(?<![\w.])(?:" + "|".join(alternatives) + r")(?!\w)")

    def _bare(self, node: ast.AST) -> ast.AST | None:
        """The `Any` node when `node` as a whole is Any (also `Optional[Any]`, `Any | None`), else None."""
        if self._is_any(node):
            return node
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            for one, other in ((node.left, node.right), (node.right, node.left)):
                if self._is_any(one) and _none(other):
                    return one
        if isinstance(node, ast.Subscript):
            head = node.value
            head_name = head.id if isinstance(head, ast.Name) else head.attr if isinstance(head, ast.Attribute) else ""
            inner = node.slice
            if head_name == "Optional" and self._is_any(inner):
                return inner
            if head_name == "Union" and isinstance(inner, ast.Tuple) and len(inner.elts) == 2:
                a, b = inner.elts
                if self._is_any(a) and _none(b):
                    return a
                if self._is_any(b) and _none(a):
                    return b
        return None

    def _bare_text(self, text: str) -> bool:
        compact = "".join(text.split())
        forms = {*self.any_names, *(f"{a}.Any" for a in self.typing_aliases)}
        for any_form in forms:
            if compact in (any_form, f"Optional[{any_form}]", f"{any_form}|None", f"None|{any_form}"):
                return True
            if compact.endswith(f"Optional[{any_form}]") and compact[: -len(f"Optional[{any_form}]")].endswith("."):
                return True
        return False

    # -- routes -------------------------------------------------------------------------------------------------
    def key(self, name: str) -> str:
        return f"py:{self.module}#{name}"

    def ref(self, node: ast.AST | None) -> str:
        """A symbolic key for a router expression: own (`py:mod#name`) or imported (`pyref:a.b.name`)."""
        if node is None:
            return ""
        text = dotted(node)
        if not text or "(" in text:
            return ""
        head, _, rest = text.partition(".")
        if head in self.local:
            target = self.local[head]
            return "pyref:" + (f"{target}.{rest}" if rest else target)
        return self.key(text)

    def string(self, node: ast.AST | None) -> str | None:
        """A string expression as a template: literal text with holes for references; None if not string-like."""
        if node is None:
            return None
        if isinstance(node, ast.Constant):
            return node.value.replace(HOLE, "") if isinstance(node.value, str) else None
        if isinstance(node, ast.JoinedStr | ast.BinOp):
            return self.template(node)[0]
        ref = dotted(node)
        if ref:
            return HOLE + ref + HOLE
        if isinstance(node, ast.Call):
            ref = dotted(node.func)
            return HOLE + ref + "()" + HOLE if ref else _UNKNOWN_HOLE
        return _UNKNOWN_HOLE

    def _routes(self) -> None:
        """Routers, mounts and routes, from the nodes the walk collected."""
        assigns = self.route_assigns
        calls = self.route_calls
        for node, value in assigns:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if len(targets) != 1 or not isinstance(targets[0], ast.Name):
                continue
            cls = dotted(value.func).rsplit(".", 1)[-1]
            if not (cls in _ROUTER_CLASSES or cls.endswith(("Router", "API", "Blueprint"))):
                continue
            framework = _ROUTER_CLASSES.get(cls, "")
            if cls == "Router" and "ninja" not in self.local.get(dotted(value.func).split(".")[0], ""):
                framework = ""
            prefix = self.string(_kwarg(value, "prefix", "url_prefix"))
            guards = tuple(f"{kw.arg}={self.seg(kw.value)}" for kw in value.keywords if kw.arg == "dependencies")
            self.mounts.append(Mount("", self.key(targets[0].id), prefix or "", node.lineno,
                                     (f"class:{cls}", f"framework:{framework}", *guards), prefix is None or HOLE not in prefix))
        for call in calls:
            func = call.func
            if type(func) is ast.Attribute and func.attr in _INCLUDE_CALLS and type(func.value) is ast.Name:
                child = call.args[-1 if func.attr == "add_router" else 0] if call.args else _kwarg(call, "router", "blueprint")
                expr = _kwarg(call, "prefix", "url_prefix")
                if expr is None and func.attr == "add_router" and call.args:
                    expr = call.args[0]
                prefix = self.string(expr) or ""
                guards = tuple(f"{kw.arg}={self.seg(kw.value)}" for kw in call.keywords if kw.arg == "dependencies")
                self.mounts.append(Mount(self.key(func.value.id), self.ref(child), prefix, call.lineno, guards,
                                         HOLE not in prefix))
        for call in calls:
            if type(call.func) is ast.Attribute and call.func.attr in _ADD_ROUTE_CALLS:
                self._added_route(call)
        for deco, definition, fn in self.route_defs:
            self._decorated(deco, definition, fn)
        if self.urlpatterns or any(i.module.startswith(("django", "rest_framework")) for i in self.imports):
            self._django(calls)

    def _added_route(self, call: ast.Call) -> None:
        """`router.add_api_route("/x", handler, methods=["PUT"])`, `app.add_url_rule("/x", view_func=f)`; a handler
        defined in the module gives the route its dependencies (`user = Depends(...)` parameters), as a decorator
        would."""
        if type(call.func) is not ast.Attribute:
            return
        owner = self.ref(call.func.value)
        path = self.string(call.args[0] if call.args else _kwarg(call, "path", "rule"))
        flask = call.func.attr == "add_url_rule"
        handler = _kwarg(call, "view_func") if flask else _kwarg(call, "endpoint")
        if handler is None:
            position = 2 if flask else 1
            handler = call.args[position] if len(call.args) > position else None
        if not owner or path is None or handler is None:
            return
        listed = _kwarg(call, "methods")
        elts = listed.elts if isinstance(listed, ast.List | ast.Tuple | ast.Set) else []
        methods = [e.value.upper() for e in elts if isinstance(e, ast.Constant) and isinstance(e.value, str)] or ["GET"]
        deps = tuple(f"{kw.arg}={self.seg(kw.value)}" for kw in call.keywords if kw.arg == "dependencies")
        view, fn = self.seg(handler), -1
        params: tuple[str, ...] = ()
        defined = self.top_defs.get(handler.id) if type(handler) is ast.Name else None
        if defined is not None:
            node, fn = defined
            others = tuple("@" + self.seg(d) for d in node.decorator_list)
            params = (*others, *(f"param:{a.arg}={self.seg(d)}" for a, d in _defaults(node) if isinstance(d, ast.Call)
                                 and dotted(d.func).rsplit(".", 1)[-1] in ("Depends", "Security")))
        for method in methods:
            self.routes.append(RouteDecl("", method, path, owner, view, call.lineno, fn, (*deps, *params),
                                         HOLE not in path))

    def _decorated(self, deco: ast.expr, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, fn: int) -> None:
        if not (type(deco) is ast.Call and type(deco.func) is ast.Attribute):
            return
        attr = deco.func.attr
        if attr not in _METHOD_DECORATORS and attr not in ("route", "api_route", "api_operation"):
            return
        owner = self.ref(deco.func.value)
        if not owner:
            return
        path = self.string(deco.args[0] if deco.args else _kwarg(deco, "path", "rule"))
        if path is None:
            return
        if attr in _METHOD_DECORATORS:
            methods = [attr.upper()]
        else:
            listed = _kwarg(deco, "methods")
            elts = listed.elts if isinstance(listed, ast.List | ast.Tuple | ast.Set) else []
            methods = [e.value.upper() for e in elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
            if not methods and isinstance(node, ast.ClassDef):  # Flask MethodView registered with @bp.route
                methods = [f.name.upper() for f in node.body
                           if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef) and f.name in _METHOD_DECORATORS]
            methods = methods or ["GET"]
        others = tuple("@" + self.seg(d) for d in node.decorator_list if d is not deco)
        deps = tuple(f"{kw.arg}={self.seg(kw.value)}" for kw in deco.keywords if kw.arg == "dependencies")
        params: tuple[str, ...] = ()
        if isinstance(node, ast.ClassDef):
            fn = -1
        else:
            params = tuple(f"param:{a.arg}={self.seg(d)}" for a, d in _defaults(node) if isinstance(d, ast.Call)
                           and dotted(d.func).rsplit(".", 1)[-1] in ("Depends", "Security"))
            params += self._annotated_dependencies(node)
        for method in methods:
            if method == "OPTIONS" and attr == "route":
                continue
            self.routes.append(RouteDecl("", method, path, owner, node.name, deco.lineno, fn, (*others, *deps, *params),
                                         HOLE not in path))

    def _included_lists(self, calls: list[ast.Call]) -> dict[int, str]:
        """id(path() call) -> the route prefix of the include() it is listed in: `path("api/", include([...]))`,
        `include(([...], "app"))` and `include(extra_patterns)` of a module-level list (nested ones joined)."""
        parent: dict[int, tuple[int, str]] = {}  # inner call -> (outer call, outer route)
        for call in calls:
            if dotted(call.func).rsplit(".", 1)[-1] not in _PATH_FUNCS or len(call.args) < 2:
                continue
            route, target = self.string(call.args[0]), call.args[1]
            if route is None or HOLE in route or type(target) is not ast.Call or not target.args \
                    or dotted(target.func).rsplit(".", 1)[-1] != "include":
                continue
            listed: ast.expr | None = target.args[0]
            if type(listed) is ast.Tuple and listed.elts and isinstance(listed.elts[0], ast.List | ast.Tuple | ast.Name):
                listed = listed.elts[0]  # include((patterns, app_name))
            if type(listed) is ast.Name:
                listed = self.url_lists.get(listed.id)
            if not isinstance(listed, ast.List | ast.Tuple):
                continue
            for elt in listed.elts:
                if type(elt) is ast.Call and id(elt) not in parent:
                    parent[id(elt)] = (id(call), route)
        prefixes: dict[int, str] = {}
        for inner in parent:
            chain: list[str] = []
            current, seen = inner, set()
            while current in parent and current not in seen and len(chain) < 32:
                seen.add(current)
                current, route = parent[current]
                chain.append(route)
            prefixes[inner] = "/".join(part.strip("/") for part in reversed(chain) if part.strip("/"))
        return prefixes

    def _annotated_dependencies(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[str, ...]:
        """FastAPI's `Annotated` dependencies: `user: Annotated[User, Depends(get_current_user)]` is one
        (`param:user=...`); `user: CurrentUser` may be an alias of one declared elsewhere (`annotation:user=CurrentUser`,
        resolved by analysis.routes against the project's module-level aliases)."""
        out: list[str] = []
        a = node.args
        for arg in (*a.posonlyargs, *a.args, *a.kwonlyargs):
            ann = arg.annotation
            if ann is None:
                continue
            if _annotated_dependency(ann):
                out.append(f"param:{arg.arg}={self.seg(ann)}")
            elif isinstance(ann, ast.Name | ast.Attribute) and dotted(ann):
                out.append(f"annotation:{arg.arg}={dotted(ann)}")
        return tuple(out)

    def _django(self, calls: list[ast.Call]) -> None:
        """Django urlpatterns entries, include() chains and DRF router registrations."""
        owner = self.key("urlpatterns")
        included = self._included_lists(calls)
        for call in calls:
            func = call.func
            name = dotted(func).rsplit(".", 1)[-1]
            if type(func) is ast.Attribute and func.attr == "register" and type(func.value) is ast.Name and call.args:
                route = self.string(call.args[0])
                if route is not None and HOLE not in route:
                    view = self.seg(call.args[1]) if len(call.args) > 1 else ""
                    self.routes.append(RouteDecl("django-rest-framework", "ANY", route.lstrip("^").rstrip("$"),
                                                 self.key(f"router:{func.value.id}"), view, call.lineno, -1, (), True))
                continue
            if name not in _PATH_FUNCS or len(call.args) < 2:
                continue
            route = self.string(call.args[0])
            if route is None or HOLE in route:
                continue
            if included.get(id(call)):  # listed in an include(): its route continues the include's
                route = included[id(call)] + "/" + route.lstrip("^")
            target = call.args[1]
            if type(target) is ast.Call and dotted(target.func).rsplit(".", 1)[-1] == "include" and target.args:
                inner = target.args[0]
                if type(inner) is ast.Tuple and inner.elts:
                    inner = inner.elts[0]
                dotted_target = self.string(inner)
                if dotted_target is not None and HOLE not in dotted_target:
                    self.mounts.append(Mount(owner, f"pyurls:{dotted_target}", route, call.lineno, (), True))
                elif type(inner) is ast.Attribute and inner.attr == "urls" and type(inner.value) is ast.Name:
                    self.mounts.append(Mount(owner, self.key(f"router:{inner.value.id}"), route, call.lineno, (), True))
                continue
            if type(target) is ast.Attribute and target.attr == "urls":
                if type(target.value) is ast.Attribute and target.value.attr == "site":
                    continue  # admin.site.urls
                if type(target.value) is ast.Name:
                    self.mounts.append(Mount(owner, self.key(f"router:{target.value.id}"), route, call.lineno, (), True))
                continue
            view = self.seg(target)
            guards = tuple(f"view:{dotted(target.func)}" for _ in (0,) if type(target) is ast.Call)
            self.routes.append(RouteDecl("django", "ANY", route, owner, view, call.lineno, -1, guards, True))
        for var, line in self.url_routers:  # `urlpatterns += router.urls` / `[...] + router.urls`
            self.mounts.append(Mount(owner, self.key(f"router:{var}"), "", line, (), True))


# Expression node types -> their expression children (field, is a list), so the walk skips `ast.iter_child_nodes`.
_EXPR_FIELDS: dict[type, tuple[tuple[str, bool], ...]] = {
    ast.Attribute: (("value", False),),
    ast.Subscript: (("value", False), ("slice", False)),
    ast.BinOp: (("left", False), ("right", False)),
    ast.UnaryOp: (("operand", False),),
    ast.BoolOp: (("values", True),),
    ast.Compare: (("left", False), ("comparators", True)),
    ast.IfExp: (("test", False), ("body", False), ("orelse", False)),
    ast.Dict: (("keys", True), ("values", True)),
    ast.List: (("elts", True),),
    ast.Tuple: (("elts", True),),
    ast.Set: (("elts", True),),
    ast.Starred: (("value", False),),
    ast.JoinedStr: (("values", True),),
    ast.FormattedValue: (("value", False), ("format_spec", False)),
    ast.Slice: (("lower", False), ("upper", False), ("step", False)),
    ast.NamedExpr: (("target", False), ("value", False)),
    ast.Yield: (("value", False),),
    ast.YieldFrom: (("value", False),),
}


def _router_urls(value: ast.AST, line: int) -> list[tuple[str, int]]:
    """`router.urls` used directly in a urlpatterns value (not inside a call such as include())."""
    out: list[tuple[str, int]] = []
    stack: list[ast.AST] = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Call):
            continue
        if isinstance(node, ast.Attribute) and node.attr == "urls" and isinstance(node.value, ast.Name) \
                and node.value.id != "site":
            out.append((node.value.id, line))
            continue
        stack.extend(ast.iter_child_nodes(node))
    return out


_MAX_READS = 30


def _comprehension_reads(comp: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) -> tuple[str, ...]:
    """`target.attr` reads of a comprehension's own variables in its element, conditions and later clauses (bounded)."""
    names = {t for gen in comp.generators for t in _targets(gen.target) if t.isidentifier()}
    parts: list[ast.AST] = [comp.key, comp.value] if isinstance(comp, ast.DictComp) else [comp.elt]
    for i, gen in enumerate(comp.generators):
        parts.extend(gen.ifs)
        if i:
            parts.append(gen.iter)
    out: dict[str, None] = {}
    stack, budget = parts[::-1], 500
    while stack and budget > 0 and len(out) < _MAX_READS:
        budget -= 1
        node = stack.pop()
        if type(node) is ast.Attribute and type(node.value) is ast.Name and node.value.id in names:
            out[f"{node.value.id}.{node.attr}"] = None
        stack.extend(reversed(list(ast.iter_child_nodes(node))))
    return tuple(out)


def _targets(node: ast.AST) -> tuple[str, ...]:
    """The loop variables a `for` target binds: `x` -> ("x",), `k, (a, b)` -> ("k", "a", "b")."""
    if isinstance(node, ast.Tuple | ast.List):
        return tuple(t for e in node.elts for t in _targets(e))
    if isinstance(node, ast.Starred):
        return _targets(node.value)
    return (dotted(node),)


def _defaults(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[tuple[ast.arg, ast.expr | None]]:
    a = node.args
    positional = [*a.posonlyargs, *a.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
    return [*zip(positional, defaults, strict=True), *zip(a.kwonlyargs, a.kw_defaults, strict=True)]


def _annotated_dependency(node: ast.expr) -> bool:
    """Whether an annotation is `Annotated[T, Depends(...)]` (or `Security(...)`): a FastAPI dependency."""
    if not isinstance(node, ast.Subscript) or dotted(node.value).rsplit(".", 1)[-1] != "Annotated":
        return False
    return any(isinstance(n, ast.Call) and dotted(n.func).rsplit(".", 1)[-1] in ("Depends", "Security")
               for n in ast.walk(node.slice))


def _kwarg(call: ast.Call, *names: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg in names:
            return kw.value
    return None


def _status_of(call: ast.Call, reader: _Reader) -> str:
    for kw in call.keywords:
        if kw.arg in ("status_code", "status", "code"):
            return reader.seg(kw.value)
    if call.args and type(call.args[0]) in (ast.Constant, ast.Attribute):
        return reader.seg(call.args[0])
    return ""


def _literal(node: ast.AST) -> bool:
    """A literal value, or a list/tuple/set/dict of them (bounded)."""
    stack = [node]
    budget = 64
    while stack:
        budget -= 1
        if budget < 0:
            return False
        current = stack.pop()
        if isinstance(current, ast.Constant):
            continue
        if isinstance(current, ast.List | ast.Tuple | ast.Set):
            stack.extend(current.elts)
        elif isinstance(current, ast.Dict):
            for key in current.keys:
                if key is None:
                    return False
                stack.append(key)
            stack.extend(current.values)
        elif not (isinstance(current, ast.UnaryOp) and isinstance(current.operand, ast.Constant)):
            return False
    return True


def _stringish(node: ast.AST) -> bool:
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)) or isinstance(node, ast.JoinedStr)


def _none(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _is_trivial(stmt: ast.stmt) -> bool:
    """`pass`, `...`, a docstring, `continue`, `break`, a bare `return`: nothing is done about the error."""
    if isinstance(stmt, ast.Pass | ast.Continue | ast.Break):
        return True
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
        return True
    return isinstance(stmt, ast.Return) and stmt.value is None


def _is_fallback(stmt: ast.stmt) -> bool:
    """An assignment, or a `return` of a literal-like value (`None`, `[]`, `False`, a name): a fallback value in
    place of the error."""
    if isinstance(stmt, ast.Assign | ast.AnnAssign):
        return True
    if isinstance(stmt, ast.Return):
        return stmt.value is not None and isinstance(stmt.value, ast.Constant | ast.List | ast.Tuple | ast.Dict | ast.Set
                                                     | ast.Name | ast.Attribute | ast.UnaryOp)
    return _is_trivial(stmt)


def _is_log_name(name: str) -> bool:
    if not name:
        return False
    last = name.rsplit(".", 1)[-1]
    if last in _LOG_METHODS and "." in name:
        return True
    return name in _LOG_CALLS or last in _LOG_LAST


def analyse_python(path: str, role: str, data: bytes, *, text: str | None = None) -> FileModel:
    """The model of one Python file. Never raises for bad input: a file that does not parse is a model with a
    problem (and the tree-sitter fallback reads newer syntax the running interpreter rejects)."""
    from auditor.sources import decode_python

    if text is None:
        try:
            text = decode_python(data)
        except (UnicodeError, SyntaxError, LookupError, ValueError) as exc:
            return FileModel(path, "python", role, "ast",
                             problem=("decode", f"not valid text in its declared encoding ({type(exc).__name__})"))
    try:
        tree = parse_python(text, path)
    except SyntaxError as exc:
        from analysis.python_ts import analyse_python_newer

        fallback = analyse_python_newer(path, role, text, exc)
        if fallback is not None:
            return fallback
        where = f" at line {exc.lineno}" if exc.lineno else ""
        return FileModel(path, "python", role, "ast", problem=("syntax", f"{exc.msg}{where}"),
                         lines=text.count("\n") + 1)
    except (RecursionError, MemoryError):
        return FileModel(path, "python", role, "ast", problem=("too-deep", "nesting too deep to parse"))
    except ValueError as exc:  # e.g. source contains null bytes
        return FileModel(path, "python", role, "ast", problem=("syntax", str(exc)))
    return model_of_module(path, role, text, tree)


def model_of_module(path: str, role: str, text: str, tree: ast.Module, parser: str = "ast") -> FileModel:
    """The model of a parsed module (`parser` says what read it: analysis/python_ts.py gives modules too)."""
    reader = _Reader(path, role, text)
    try:
        reader.read(tree)
        metrics = _metrics(reader, tree)
    except RecursionError:
        return FileModel(path, "python", role, parser, problem=("too-deep", "nesting too deep to analyse"))
    module_names = {t for a in reader.assigns if a.function < 0 and not a.owner for t in a.targets}
    if {"revision", "down_revision"} <= module_names:
        reader.markers.add("migration:alembic")
    if any(c.name == "Migration" and c.parent < 0 for c in reader.classes) and "/migrations/" in f"/{path}":
        reader.markers.add("migration:django")
    if path.endswith("env.py") and any(i.module == "alembic" or i.module.startswith("alembic.") for i in reader.imports):
        reader.markers.add("migration:alembic-env")
    return FileModel(
        path, "python", role, parser, lines=len(reader.lines), markers=frozenset(reader.markers), metrics=metrics,
        imports=tuple(reader.imports), functions=tuple(reader.functions), classes=tuple(reader.classes),
        calls=tuple(reader.calls), assigns=tuple(reader.assigns), settings=tuple(reader.settings),
        handlers=tuple(reader.handlers), raises=tuple(reader.raises), exposures=tuple(reader.exposures),
        routes=tuple(reader.routes), mounts=tuple(reader.mounts), tests=tuple(reader.tests),
        type_uses=tuple(reader.type_uses), loops=tuple(reader.loops),
    )


# The maintainability index costs a walk of radon's Halstead visitor (a third of this adapter's time if done for
# every module): it is computed for modules of this many lines or more, which keeps it under a tenth of the
# adapter's time on Django (24 of 885 modules, 0.28 s of 2.9 s). Small modules rarely score low: on Django every
# module with an MI below 10 has more than 700 lines, and 16 of those 18 have more than 1,000.
MI_MIN_LINES = 1000
# ... and only for the roles whose index anything reads: maintainability/complexity judges application code, and a
# migration module may turn out to be application code (auditor.roles gives it "source" after the analysis). Test
# modules are most of the long ones (on Django's whole sdist 67 of the 93 modules over 1,000 lines: the index
# cost 1.2 s of the adapter's 6 s there, as much as the rest of the walk of those modules).
MI_ROLES = frozenset({"source", "migration"})


def _metrics(reader: _Reader, tree: ast.Module) -> tuple[tuple[str, float], ...]:
    """Lines of code, and for a large module radon's maintainability index from the tree already parsed: Halstead's
    volume by radon (`h_visit_ast`), radon's total cyclomatic complexity and raw line counts from this walk."""
    blank = comment_only = inline = 0
    for line in reader.lines:
        stripped = line.strip()
        if not stripped:
            blank += 1
        elif stripped[0] == "#":
            comment_only += 1
        elif "#" in stripped and _inline_comment(stripped):
            inline += 1
    loc = len(reader.lines) - (1 if reader.lines and not reader.lines[-1] else 0)
    blank -= 1 if reader.lines and not reader.lines[-1] else 0
    code = max(0, loc - blank - comment_only - reader.multi - reader.single_strings)
    out: list[tuple[str, float]] = [("code_lines", float(code))]
    if loc >= MI_MIN_LINES and reader.role in MI_ROLES:
        from radon.metrics import h_visit_ast, mi_compute

        volume = h_visit_ast(tree).total.volume
        comments = (comment_only + inline + reader.multi) / code * 100 if code else 0.0
        out.append(("mi", round(float(mi_compute(volume, _radon_total_complexity(reader), reader.logical, comments)), 2)))
    return tuple(out)


def _inline_comment(stripped: str) -> bool:
    """Whether a line of code ends in a comment: a `#` outside the string literals on that line (a heuristic for
    what the tokenizer knows; a `#` inside a multi-line string is not told apart)."""
    quote = ""
    i = 0
    while i < len(stripped):
        ch = stripped[i]
        if quote:
            if ch == "\\":
                i += 1
            elif stripped.startswith(quote, i):
                i += len(quote) - 1
                quote = ""
        elif ch in "'\"":
            quote = stripped[i:i + 3] if stripped.startswith(ch * 3, i) else ch
            i += len(quote) - 1
        elif ch == "#":
            return True
        i += 1
    return False


def _radon_total_complexity(reader: _Reader) -> int:
    """radon's `ComplexityVisitor.total_complexity` from this walk's counts: 1 + the module's own decision points +
    every module-level function's and top-level class's (closures and nested classes are not counted, as in radon)."""
    total = 1 + reader.module_decisions
    for fn in reader.functions:
        if fn.parent < 0 and not fn.owner:
            total += fn.complexity - 1
    tops = set(reader.top_classes)
    for name in tops:
        total += reader.class_decisions.get(name, 0)
    for fn in reader.functions:
        if fn.parent < 0 and fn.owner in tops:
            total += fn.complexity
    return total
