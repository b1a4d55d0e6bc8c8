"""Python: swallowed, broad and unchained exceptions, details leaked to clients, central error handlers."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from auditor.context import Context
from auditor.model import Confidence
from auditor.sources import PyModule
from checks._util import call_name, dotted_name, imports_any, is_logging_call, walk_body
from checks.error_handling._common import CODE_ROLES, Analysis, Hit, is_4xx

__all__ = ["python_analysis"]

WEB_FRAMEWORKS = (
    "flask", "fastapi", "django", "starlette", "aiohttp", "sanic", "falcon", "tornado", "pyramid",
    "bottle", "litestar", "quart", "rest_framework",
)
_BROAD = frozenset({"Exception", "BaseException"})
_ROUTE_DECORATORS = frozenset({
    "route", "get", "post", "put", "patch", "delete", "head", "options", "api_view", "api_route", "action",
})
_VIEW_METHODS = frozenset({"get", "post", "put", "patch", "delete", "list", "create", "update", "retrieve", "destroy"})
# Calls that build a response or an HTTP error from their arguments.
_RESPONSE_CALLS = frozenset({
    "jsonify", "JSONResponse", "Response", "HttpResponse", "JsonResponse", "HttpResponseServerError",
    "HttpResponseBadRequest", "make_response", "HTTPException", "abort", "json_response", "PlainTextResponse",
    "HTMLResponse", "ORJSONResponse", "UJSONResponse", "APIException", "ValidationError",
    "HTTPInternalServerError", "HTTPBadRequest",
})
_EXIT_CALLS = frozenset({"sys.exit", "exit", "os._exit", "quit", "abort", "flask.abort", "os.abort"})
_CENTRAL_DECORATORS = frozenset({"exception_handler", "errorhandler", "app_errorhandler", "error_handler"})
_CENTRAL_CALLS = frozenset({"add_exception_handler", "register_error_handler"})


def python_analysis(ctx: Context) -> Analysis:
    """Every Python error-handling hit of the project, read in one pass over each module's node index."""
    modules = list(ctx.python_modules(*CODE_ROLES))
    local_classes = {c.name for m in modules for c in m.nodes(ast.ClassDef)}
    hits: list[Hit] = []
    handlers = 0
    frameworks: set[str] = set()
    central: list[str] = []
    for module in modules:
        frameworks.update(f for f in WEB_FRAMEWORKS if imports_any(module, f))
        for handler in module.nodes(ast.ExceptHandler):
            handlers += 1
            hits.extend(_handler_hits(module, handler))
        hits.extend(_unchained(module))
        hits.extend(_leaks(module, local_classes))
        central.extend(_central(module))
    return Analysis(tuple(hits), handlers, frozenset(frameworks), tuple(central))


# -- swallowed / broad ----------------------------------------------------------------------------------
def _type_names(node: ast.expr | None) -> list[str]:
    if node is None:
        return []
    items = node.elts if isinstance(node, ast.Tuple) else [node]
    return [dotted_name(i).rsplit(".", 1)[-1] for i in items]


def _is_trivial(stmt: ast.stmt) -> bool:
    """`pass`, `...`, a docstring, `continue`, `break`, `return` / `return None`."""
    if isinstance(stmt, ast.Pass | ast.Continue | ast.Break):
        return True
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
        return True
    return isinstance(stmt, ast.Return) and (
        stmt.value is None or (isinstance(stmt.value, ast.Constant) and stmt.value.value is None)
    )


def _handler_hits(module: PyModule, handler: ast.ExceptHandler) -> Iterator[Hit]:
    names = _type_names(handler.type)
    if not any(n in _BROAD for n in names):
        return
    caught = next(n for n in names if n in _BROAD)
    end = handler.end_lineno or handler.lineno
    if all(_is_trivial(s) for s in handler.body):
        yield Hit("swallowed-exception", module.path, handler.lineno, end,
                  f"`except {caught}` discards the error: no log, no re-raise")
        return
    logs = False
    for node in walk_body(handler.body):
        if isinstance(node, ast.Raise):
            return
        if isinstance(node, ast.Call):
            if call_name(node) in _EXIT_CALLS:
                return
            logs = logs or is_logging_call(node)
    if logs:
        yield Hit("broad-except", module.path, handler.lineno, handler.lineno,
                  f"`except {caught}` logs and carries on: unexpected faults are handled like expected ones",
                  Confidence.MEDIUM)


# -- unchained raise --------------------------------------------------------------------------------------
def _enclosing_handler(module: PyModule, node: ast.AST) -> ast.ExceptHandler | None:
    for anc in module.ancestors(node):
        if isinstance(anc, ast.ExceptHandler):
            return anc
        if isinstance(anc, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            return None
    return None


def _unchained(module: PyModule) -> Iterator[Hit]:
    for node in module.nodes(ast.Raise):
        if node.exc is None or node.cause is not None:
            continue
        handler = _enclosing_handler(module, node)
        if handler is None:
            continue
        if isinstance(node.exc, ast.Name) and node.exc.id == handler.name:
            continue  # `raise e` re-raises the caught exception itself
        raised = dotted_name(node.exc.func if isinstance(node.exc, ast.Call) else node.exc) or "a new exception"
        yield Hit("unchained-raise", module.path, node.lineno, node.end_lineno or node.lineno,
                  f"`raise {raised}` inside `except` without `from`: the original cause is not chained explicitly")


# -- leaked details ---------------------------------------------------------------------------------------------
def _bound_errors(module: PyModule, node: ast.AST, local_classes: set[str]) -> set[str]:
    """Names of caught exceptions visible at `node` whose text is not authored by the project itself."""
    names: set[str] = set()
    for anc in module.ancestors(node):
        if isinstance(anc, ast.ExceptHandler) and anc.name:
            caught = _type_names(anc.type)
            if not caught or not all(c in local_classes for c in caught):
                names.add(anc.name)
        if isinstance(anc, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            break
    return names


def _detail(node: ast.AST, errors: set[str]) -> str | None:
    """What in `node` exposes error internals, or None."""
    for sub in _walk_expr(node):
        if isinstance(sub, ast.Call):
            name = call_name(sub)
            if name in ("traceback.format_exc", "format_exc", "traceback.format_exception", "format_exception",
                        "traceback.format_tb"):
                return f"{name}()"
            if name in ("str", "repr", "format") and sub.args and _is_error(sub.args[0], errors):
                return f"{name}({dotted_name(sub.args[0])})"
        elif isinstance(sub, ast.Attribute) and sub.attr in ("args", "message") and _is_error(sub.value, errors):
            return f"{dotted_name(sub)}"
        elif isinstance(sub, ast.FormattedValue) and _is_error(sub.value, errors):
            return f"{{{dotted_name(sub.value)}}}"
    return None


def _walk_expr(node: ast.AST) -> Iterator[ast.AST]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(c for c in ast.iter_child_nodes(current) if not isinstance(c, ast.Lambda))


def _is_error(node: ast.AST, errors: set[str]) -> bool:
    return isinstance(node, ast.Name) and node.id in errors


def _is_route(func: ast.FunctionDef | ast.AsyncFunctionDef, module: PyModule) -> bool:
    for dec in func.decorator_list:
        target = dec.func if isinstance(dec, ast.Call) else dec
        if dotted_name(target).rsplit(".", 1)[-1] in _ROUTE_DECORATORS:
            return True
    return func.name in _VIEW_METHODS and isinstance(module.parent(func), ast.ClassDef)


def _status_of(call: ast.Call) -> str:
    for kw in call.keywords:
        if kw.arg in ("status_code", "status", "code"):
            return ast.unparse(kw.value)
    if call.args and isinstance(call.args[0], ast.Constant | ast.Attribute):
        return ast.unparse(call.args[0])
    return ""


def _leaks(module: PyModule, local_classes: set[str]) -> Iterator[Hit]:
    seen: set[int] = set()
    for call in module.nodes(ast.Call):
        name = call_name(call).rsplit(".", 1)[-1]
        if name not in _RESPONSE_CALLS:
            continue
        errors = _bound_errors(module, call, local_classes)
        detail = None
        for arg in [*call.args, *(k.value for k in call.keywords)]:
            detail = _detail(arg, errors)
            if detail:
                break
        if detail and call.lineno not in seen:
            seen.add(call.lineno)
            conf = Confidence.LOW if is_4xx(_status_of(call)) else Confidence.HIGH
            yield Hit("leaked-details", module.path, call.lineno, call.end_lineno or call.lineno,
                      f"`{detail}` is sent to the client by `{name}(...)`: internal error details leak", conf)
    for ret in module.nodes(ast.Return):
        if ret.value is None or ret.lineno in seen:
            continue
        func = module.enclosing_function(ret)
        if func is None or not _is_route(func, module):
            continue
        if not isinstance(ret.value, ast.Dict | ast.Tuple | ast.Call | ast.JoinedStr):
            continue
        detail = _detail(ret.value, _bound_errors(module, ret, local_classes))
        if detail:
            seen.add(ret.lineno)
            conf = Confidence.HIGH
            if isinstance(ret.value, ast.Tuple) and len(ret.value.elts) > 1:
                conf = Confidence.LOW if is_4xx(ast.unparse(ret.value.elts[1])) else Confidence.HIGH
            yield Hit("leaked-details", module.path, ret.lineno, ret.end_lineno or ret.lineno,
                      f"route `{func.name}` returns `{detail}` to the client: internal error details leak", conf)


# -- central handlers ----------------------------------------------------------------------------------------
def _central(module: PyModule) -> Iterator[str]:
    for func in module.nodes_of(ast.FunctionDef, ast.AsyncFunctionDef):
        assert isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef)
        for dec in func.decorator_list:
            target = dec.func if isinstance(dec, ast.Call) else dec
            last = dotted_name(target).rsplit(".", 1)[-1]
            if last in _CENTRAL_DECORATORS:
                yield f"{module.path}:{func.lineno} @{dotted_name(target)}"
    for call in module.nodes(ast.Call):
        if call_name(call).rsplit(".", 1)[-1] in _CENTRAL_CALLS:
            yield f"{module.path}:{call.lineno} {call_name(call)}()"
        elif any(k.arg == "exception_handlers" for k in call.keywords):
            yield f"{module.path}:{call.lineno} {call_name(call)}(exception_handlers=...)"
    for node in module.nodes(ast.Assign):
        for target in node.targets:
            if isinstance(target, ast.Name) and target.id in ("handler500", "handler400", "handler404"):
                yield f"{module.path}:{node.lineno} {target.id}"
    for d in module.nodes(ast.Dict):
        for key in d.keys:
            if isinstance(key, ast.Constant) and key.value == "EXCEPTION_HANDLER":
                yield f"{module.path}:{d.lineno} REST_FRAMEWORK['EXCEPTION_HANDLER']"
