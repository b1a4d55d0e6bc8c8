"""TypeScript/JavaScript: empty and swallowing catch blocks, unhandled promises, leaked details, error middleware."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from auditor.context import Context
from auditor.model import Confidence, Severity
from checks._ts import descendants, has_error_ancestor, line_of
from checks.errors._common import CODE_ROLES, ERROR_NAMES, Analysis, Hit, is_4xx

if TYPE_CHECKING:
    import tree_sitter

    from auditor.sources import TsFile

__all__ = ["js_analysis"]

_FRAMEWORKS = {
    "express": "express", "@nestjs/core": "nestjs", "@nestjs/common": "nestjs", "fastify": "fastify",
    "koa": "koa", "@hapi/hapi": "hapi", "hapi": "hapi", "restify": "restify", "@adonisjs/core": "adonis",
}
_LOG_OBJECTS = frozenset({"console", "logger", "log", "winston", "pino", "Sentry", "bunyan"})
_LOG_METHODS = frozenset({"error", "warn", "warning", "info", "debug", "log", "fatal", "trace", "exception",
                          "captureException", "captureMessage", "notify", "report"})
_PASS_ON = frozenset({"next", "reject", "callback", "cb", "done", "fail", "onError", "handleError"})
_TRIVIAL_VALUES = frozenset({"null", "undefined", "false", "[]", "{}", "''", '""', "void 0"})
_RESPONSE_METHODS = frozenset({"send", "json", "end", "write", "jsonp"})
_RESPONSE_OBJECTS = frozenset({"res", "response", "reply", "resp"})
_ENV_GUARD = re.compile(r"NODE_ENV|production|development|isDev|isProd|debug|env\.", re.IGNORECASE)
_COMMENTS = frozenset({"comment", "html_comment"})
# Library error classes whose messages are written for clients by the application (`new NotFoundException("...")`).
_CLIENT_ERROR_CLASSES = frozenset({"HttpException", "HttpError"})
_CLIENT_ERROR_GUARDS = frozenset({"isHttpError"})
_FUNCTIONS = frozenset({"function_declaration", "function_expression", "arrow_function", "method_definition",
                        "function", "generator_function_declaration"})


def js_analysis(ctx: Context) -> Analysis:
    """Every TypeScript/JavaScript error-handling hit of the project, one walk per file."""
    hits: list[Hit] = []
    handlers = 0
    frameworks: set[str] = set()
    central: list[str] = []
    parsed: list[tuple[TsFile, dict[str, list[tree_sitter.Node]]]] = []
    own = _Own(set(_CLIENT_ERROR_CLASSES), set(_CLIENT_ERROR_GUARDS))
    for file in ctx.trees("typescript", "javascript", roles=CODE_ROLES):
        by_type: dict[str, list[tree_sitter.Node]] = {}
        for node in descendants(file.tree.root_node):
            by_type.setdefault(node.type, []).append(node)
        parsed.append((file, by_type))
        own.collect(file, by_type)
    for file, by_type in parsed:
        frameworks.update(_frameworks(file, by_type))
        catch_params = {file.text(p) for c in by_type.get("catch_clause", [])
                        if (p := c.child_by_field_name("parameter")) is not None}
        errors = ERROR_NAMES | catch_params
        for clause in by_type.get("catch_clause", []):
            handlers += 1
            if not has_error_ancestor(clause):
                hits.extend(_catch_hits(file, clause))
        hits.extend(_promises(file, by_type))
        hits.extend(_leaks(file, by_type, errors, own))
        central.extend(_central(file, by_type))
    return Analysis(tuple(hits), handlers, frozenset(frameworks), tuple(central))


def _frameworks(file: TsFile, by_type: dict[str, list[tree_sitter.Node]]) -> Iterator[str]:
    for node in by_type.get("import_statement", []):
        src = node.child_by_field_name("source")
        if src is not None:
            name = file.text(src).strip("'\"`")
            if name in _FRAMEWORKS:
                yield _FRAMEWORKS[name]
    for call in by_type.get("call_expression", []):
        fn = call.child_by_field_name("function")
        if fn is not None and fn.type == "identifier" and file.text(fn) == "require":
            args = call.child_by_field_name("arguments")
            if args is not None and args.named_child_count == 1:
                arg = args.named_children[0]
                if arg.type == "string":
                    name = file.text(arg).strip("'\"`")
                    if name in _FRAMEWORKS:
                        yield _FRAMEWORKS[name]


# -- catch blocks -----------------------------------------------------------------------------------------
def _callee(file: TsFile, call: tree_sitter.Node) -> tuple[str, str]:
    """(object text, method name) of a call: ("console", "error"), ("", "next")."""
    fn = call.child_by_field_name("function")
    if fn is None:
        return "", ""
    if fn.type == "member_expression":
        obj = fn.child_by_field_name("object")
        prop = fn.child_by_field_name("property")
        return (file.text(obj) if obj is not None else ""), (file.text(prop) if prop is not None else "")
    return "", file.text(fn)


def _is_log(file: TsFile, call: tree_sitter.Node) -> bool:
    obj, name = _callee(file, call)
    last_obj = obj.rsplit(".", 1)[-1]
    if name in ("captureException", "printStackTrace"):
        return True
    return (last_obj in _LOG_OBJECTS or "log" in last_obj.lower()) and name in _LOG_METHODS


def _catch_hits(file: TsFile, clause: tree_sitter.Node) -> Iterator[Hit]:
    body = clause.child_by_field_name("body")
    if body is None:
        return
    statements = [c for c in body.named_children if c.type not in _COMMENTS]
    line, end = line_of(clause), body.end_point[0] + 1
    if not statements:
        yield Hit("empty-catch", file.path, line, end, "empty catch block: the error is silently discarded")
        return
    param = clause.child_by_field_name("parameter")
    name = file.text(param) if param is not None and param.type == "identifier" else None
    if _handles(file, body, name, _PASS_ON):
        return
    if all(_fallback_statement(file, s) for s in statements):
        yield Hit("swallowed-exception", file.path, line, end,
                  "catch block replaces the error with a fallback value without logging it",
                  Confidence.LOW, severity=Severity.LOW)
        return
    trivial = all(_trivial_statement(file, s) for s in statements)
    yield Hit("swallowed-exception", file.path, line, end,
              "catch block neither logs, rethrows, passes on nor returns the error",
              Confidence.HIGH if trivial else Confidence.MEDIUM)


def _fallback_statement(file: TsFile, stmt: tree_sitter.Node) -> bool:
    """`x = value` (a plain assignment, not `+=`) or `return value`: the catch recovers with a fallback."""
    if stmt.type == "return_statement":
        return any(c.type not in _COMMENTS for c in stmt.named_children)
    if stmt.type == "expression_statement" and stmt.named_children:
        return stmt.named_children[0].type == "assignment_expression"
    return False


def _trivial_statement(file: TsFile, stmt: tree_sitter.Node) -> bool:
    if stmt.type in ("continue_statement", "break_statement", "empty_statement"):
        return True
    if stmt.type == "return_statement":
        values = [c for c in stmt.named_children if c.type not in _COMMENTS]
        return not values or file.text(values[0]) in _TRIVIAL_VALUES
    return False


def _handles(file: TsFile, body: tree_sitter.Node, name: str | None, pass_on: frozenset[str]) -> bool:
    """Whether a catch body logs, throws, passes the error on, uses it, or returns something real."""
    for node in descendants(body):
        t = node.type
        if t == "throw_statement":
            return True
        if t == "call_expression":
            if _is_log(file, node) or _callee(file, node)[1] in pass_on:
                return True
        elif (t == "identifier" and name is not None and file.text(node) == name) or (
                t == "return_statement" and not _trivial_statement(file, node)):
            return True
    return False


# -- promises -----------------------------------------------------------------------------------------------
def _chain(file: TsFile, call: tree_sitter.Node) -> list[tuple[str, int]]:
    """Method names and argument counts along a call chain, outermost first: a.then(f).catch(g)."""
    out: list[tuple[str, int]] = []
    node: tree_sitter.Node | None = call
    while node is not None and node.type == "call_expression":
        fn = node.child_by_field_name("function")
        args = node.child_by_field_name("arguments")
        if fn is None or fn.type != "member_expression":
            break
        prop = fn.child_by_field_name("property")
        out.append((file.text(prop) if prop is not None else "", args.named_child_count if args is not None else 0))
        node = fn.child_by_field_name("object")
    return out


def _guarded(fn: tree_sitter.Node) -> bool:
    """Whether an async function's whole body is one try/catch: it cannot reject."""
    body = fn.child_by_field_name("body")
    if body is None or body.type != "statement_block":
        return False
    statements = [c for c in body.named_children if c.type not in _COMMENTS]
    return len(statements) == 1 and statements[0].type == "try_statement" and \
        statements[0].child_by_field_name("handler") is not None


def _async_names(file: TsFile, by_type: dict[str, list[tree_sitter.Node]]) -> set[str]:
    """Functions of the file declared async whose rejection can escape to the caller."""
    names: set[str] = set()
    for t in ("function_declaration", "method_definition"):
        for fn in by_type.get(t, []):
            if any(c.type == "async" for c in fn.children) and not _guarded(fn):
                name = fn.child_by_field_name("name")
                if name is not None:
                    names.add(file.text(name))
    for decl in by_type.get("variable_declarator", []):
        value = decl.child_by_field_name("value")
        name = decl.child_by_field_name("name")
        if value is not None and name is not None and value.type in ("arrow_function", "function_expression", "function") \
                and any(c.type == "async" for c in value.children) and not _guarded(value):
            names.add(file.text(name))
    return names


def _promises(file: TsFile, by_type: dict[str, list[tree_sitter.Node]]) -> Iterator[Hit]:
    async_names = _async_names(file, by_type)
    for stmt in by_type.get("expression_statement", []):
        expr = stmt.named_children[0] if stmt.named_children else None
        if expr is None or expr.type != "call_expression" or has_error_ancestor(stmt):
            continue
        chain = _chain(file, expr)
        line, end = line_of(stmt), stmt.end_point[0] + 1
        if any(m == "then" for m, _ in chain):
            if not any(m == "catch" or (m == "then" and n >= 2) for m, n in chain):
                yield Hit("unhandled-promise", file.path, line, end,
                          "`.then()` chain without `.catch()`: a rejection becomes an unhandled rejection",
                          Confidence.MEDIUM)
            continue
        fn = expr.child_by_field_name("function")
        if fn is None:
            continue
        target = ""
        if fn.type == "identifier":
            target = file.text(fn)
        elif fn.type == "member_expression":
            obj = fn.child_by_field_name("object")
            prop = fn.child_by_field_name("property")
            if obj is not None and obj.type == "this" and prop is not None:
                target = file.text(prop)
        if target and target in async_names:
            yield Hit("unhandled-promise", file.path, line, end,
                      f"async `{target}()` is called without await, return or `.catch()`: its rejection is lost",
                      Confidence.LOW)


# -- the project's own error classes: their messages are written for clients --------------------------------
class _Own:
    """Classes the project declares (and well-known client-error classes), and type guards that narrow to them."""

    def __init__(self, classes: set[str], guards: set[str]) -> None:
        self.classes = classes
        self.guards = guards

    def collect(self, file: TsFile, by_type: dict[str, list[tree_sitter.Node]]) -> None:
        for t in ("class_declaration", "abstract_class_declaration", "class"):
            for cls in by_type.get(t, []):
                name = cls.child_by_field_name("name")
                if name is not None:
                    self.classes.add(file.text(name))
        for pred in by_type.get("type_predicate", []):  # function isHttpError(e: unknown): e is HttpError
            ptype = pred.child_by_field_name("type")
            fn = pred.parent
            while fn is not None and fn.type not in _FUNCTIONS and fn.type != "variable_declarator":
                fn = fn.parent
            name = fn.child_by_field_name("name") if fn is not None else None
            if ptype is not None and name is not None and _last(file.text(ptype)) in self.classes | _CLIENT_ERROR_CLASSES:
                self.guards.add(file.text(name))

    def narrows(self, file: TsFile, cond: tree_sitter.Node, err: str) -> bool:
        """Whether `cond` being true means `err` is one of these classes (instanceof, a type guard, `err.expose`)."""
        cond = _unparen(cond)
        if cond.type == "binary_expression":
            op = cond.child_by_field_name("operator")
            left, right = cond.child_by_field_name("left"), cond.child_by_field_name("right")
            if op is None or left is None or right is None:
                return False
            if op.type == "instanceof":
                return file.text(_unparen(left)) == err and _last(file.text(right)) in self.classes
            if op.type == "&&":
                return self.narrows(file, left, err) or self.narrows(file, right, err)
            return False
        if cond.type == "call_expression":
            fn, args = cond.child_by_field_name("function"), cond.child_by_field_name("arguments")
            return fn is not None and args is not None and _last(file.text(fn)) in self.guards and bool(
                args.named_children) and file.text(args.named_children[0]) == err
        return file.text(cond) == f"{err}.expose"  # http-errors / koa: true only for messages meant for clients

    def negates(self, file: TsFile, cond: tree_sitter.Node, err: str) -> bool:
        cond = _unparen(cond)
        if cond.type == "unary_expression" and file.text(cond).startswith("!"):
            arg = cond.child_by_field_name("argument")
            return arg is not None and self.narrows(file, arg, err)
        return False

    def narrowed(self, file: TsFile, node: tree_sitter.Node, err: str) -> bool:
        """Whether `err` at `node` is known to be an own (client-facing) error: inside `if (err instanceof Own)`,
        a `?:`/`&&` on it, after `if (!(err instanceof Own)) return/throw`, or a parameter typed as one."""
        child, current = node, node.parent
        while current is not None:
            t = current.type
            if t in ("if_statement", "ternary_expression"):
                cond = current.child_by_field_name("condition")
                branch = current.child_by_field_name("consequence")
                if cond is not None and branch is not None and branch == child and self.narrows(file, cond, err):
                    return True
            elif t == "binary_expression" and current.child_by_field_name("right") == child:
                op, left = current.child_by_field_name("operator"), current.child_by_field_name("left")
                if op is not None and op.type == "&&" and left is not None and self.narrows(file, left, err):
                    return True
            elif t == "statement_block":
                sibling = child.prev_named_sibling
                while sibling is not None:
                    if sibling.type == "if_statement" and _exits(sibling):
                        cond = sibling.child_by_field_name("condition")
                        if cond is not None and self.negates(file, cond, err):
                            return True
                    sibling = sibling.prev_named_sibling
            elif t in _FUNCTIONS:
                return self._typed_param(file, current, err)
            child, current = current, current.parent
        return False

    def _typed_param(self, file: TsFile, fn: tree_sitter.Node, err: str) -> bool:
        params = fn.child_by_field_name("parameters")
        for param in params.named_children if params is not None else []:
            pattern, ptype = param.child_by_field_name("pattern"), param.child_by_field_name("type")
            if pattern is not None and ptype is not None and file.text(pattern) == err:
                return _last(file.text(ptype).lstrip(":").strip()) in self.classes
        return False


def _last(name: str) -> str:
    return name.rsplit(".", 1)[-1].strip()


def _unparen(node: tree_sitter.Node) -> tree_sitter.Node:
    while node.type == "parenthesized_expression" and node.named_children:
        node = node.named_children[0]
    return node


def _exits(if_stmt: tree_sitter.Node) -> bool:
    """An `if` without else whose branch always leaves: return, throw (possibly as the block's last statement)."""
    if if_stmt.child_by_field_name("alternative") is not None:
        return False
    branch = if_stmt.child_by_field_name("consequence")
    if branch is not None and branch.type == "statement_block":
        statements = [c for c in branch.named_children if c.type not in _COMMENTS]
        branch = statements[-1] if statements else None
    return branch is not None and branch.type in ("return_statement", "throw_statement")


# -- leaked details --------------------------------------------------------------------------------------
def _root_object(file: TsFile, node: tree_sitter.Node) -> tuple[str, list[tree_sitter.Node]]:
    """The identifier a member/call chain starts from, with the calls met on the way."""
    calls: list[tree_sitter.Node] = []
    current: tree_sitter.Node | None = node
    while current is not None:
        if current.type == "call_expression":
            calls.append(current)
            current = current.child_by_field_name("function")
        elif current.type == "member_expression":
            current = current.child_by_field_name("object")
        else:
            break
    return (file.text(current) if current is not None else ""), calls


def _detail_in(file: TsFile, node: tree_sitter.Node, errors: frozenset[str], own: _Own) -> str | None:
    """`err.message`, `err.stack` or the error object itself passed into a response, unless `err` is known to be
    one of the project's own error classes there (their messages are written for clients)."""
    if node.type == "identifier" and file.text(node) in errors:
        return None if own.narrowed(file, node, file.text(node)) else file.text(node)
    found: str | None = None
    for sub in descendants(node):
        if sub.type == "member_expression":
            obj = sub.child_by_field_name("object")
            prop = sub.child_by_field_name("property")
            if obj is None or prop is None or file.text(obj) not in errors:
                continue
            what = file.text(prop)
            if what == "stack" and not _env_guarded(file, sub, node):
                return file.text(sub)  # the worst a response can carry, own error class or not: report it
            if what == "message" and found is None and not own.narrowed(file, sub, file.text(obj)):
                found = file.text(sub)
        elif sub.type in ("pair", "shorthand_property_identifier"):
            value = sub.child_by_field_name("value") if sub.type == "pair" else sub
            if value is not None and value.type in ("identifier", "shorthand_property_identifier") \
                    and file.text(value) in errors and found is None and not own.narrowed(file, sub, file.text(value)):
                found = file.text(value)
    return found


def _in_error_middleware(node: tree_sitter.Node) -> bool:
    """Whether the node is inside a 4-parameter Express error middleware, where `err.message` is the norm."""
    current = node.parent
    while current is not None:
        if current.type in _FUNCTIONS:
            params = current.child_by_field_name("parameters")
            return params is not None and params.named_child_count == 4
        current = current.parent
    return False


def _env_guarded(file: TsFile, node: tree_sitter.Node, stop: tree_sitter.Node) -> bool:
    current = node.parent
    while current is not None and current != stop:
        if current.type == "ternary_expression":
            cond = current.child_by_field_name("condition")
            if cond is not None and _ENV_GUARD.search(file.text(cond)):
                return True
        current = current.parent
    return False


def _leaks(file: TsFile, by_type: dict[str, list[tree_sitter.Node]], errors: frozenset[str], own: _Own) -> Iterator[Hit]:
    for call in by_type.get("call_expression", []):
        _, method = _callee(file, call)
        if method not in _RESPONSE_METHODS or has_error_ancestor(call):
            continue
        root, calls = _root_object(file, call)
        if root.rsplit(".", 1)[-1] not in _RESPONSE_OBJECTS:
            continue
        args = call.child_by_field_name("arguments")
        if args is None:
            continue
        for arg in args.named_children:
            detail = _detail_in(file, arg, errors, own)
            if detail:
                status = ""
                for c in calls:
                    if _callee(file, c)[1] in ("status", "code"):
                        a = c.child_by_field_name("arguments")
                        status = file.text(a.named_children[0]) if a is not None and a.named_children else ""
                conf = Confidence.LOW if is_4xx(status) or (
                    detail.endswith(".message") and _in_error_middleware(call)) else Confidence.MEDIUM
                yield Hit("leaked-details", file.path, line_of(call), call.end_point[0] + 1,
                          f"`{detail}` is sent to the client: internal error details leak", conf, key=detail)
                break
    for assign in by_type.get("assignment_expression", []):
        left = assign.child_by_field_name("left")
        right = assign.child_by_field_name("right")
        if left is None or right is None or not file.text(left).endswith(("ctx.body", "context.body")):
            continue
        detail = _detail_in(file, right, errors, own)
        if detail and not has_error_ancestor(assign):
            yield Hit("leaked-details", file.path, line_of(assign), assign.end_point[0] + 1,
                      f"`{detail}` is sent to the client: internal error details leak", Confidence.MEDIUM, key=detail)


# -- central handlers ---------------------------------------------------------------------------------------
def _central(file: TsFile, by_type: dict[str, list[tree_sitter.Node]]) -> Iterator[str]:
    for t in _FUNCTIONS:
        for fn in by_type.get(t, []):
            params = fn.child_by_field_name("parameters")
            if params is None or params.named_child_count != 4:
                continue
            first = params.named_children[0]
            ident = first.child_by_field_name("pattern") if first.type in ("required_parameter", "optional_parameter") \
                else first
            if ident is not None and (file.text(ident) in ERROR_NAMES or file.text(ident).lower().startswith("err")):
                yield f"{file.path}:{line_of(fn)} error middleware ({file.text(params)[:60]})"
    for dec in by_type.get("decorator", []):
        text = file.text(dec)
        if text.startswith("@Catch"):
            yield f"{file.path}:{line_of(dec)} @Catch exception filter"
    for heritage in by_type.get("class_heritage", []):
        if "ExceptionFilter" in file.text(heritage):
            yield f"{file.path}:{line_of(heritage)} ExceptionFilter"
    for call in by_type.get("call_expression", []):
        method = _callee(file, call)[1]
        if method in ("useGlobalFilters", "setErrorHandler"):
            yield f"{file.path}:{line_of(call)} {method}()"
