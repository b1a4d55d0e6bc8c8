"""The TypeScript / JavaScript adapter: one tree-sitter reading of a file into the shared model (analysis/model.py).

`.ts .mts .cts` are read with the typescript grammar, `.tsx` with tsx, `.js .jsx .mjs .cjs` with javascript.

How it stays fast: one compiled query per grammar finds every node the model needs (functions, classes, calls,
declarations, catch clauses, decision points, `any`, ...) in C; Python then visits only those nodes, once, in
document order, keeping a stack of the enclosing functions, loops, catch clauses and calls (the syntax tree is
properly nested, so a node's context is the top of that stack: no climbing of parents, no walk of every node).
The few questions that need a node's surroundings (is an error narrowed to the app's own class where it is sent
to a client?) climb a bounded number of parents for those rare nodes only.

Facts only, no judgement. What the layer records that is particular to this language:

* Owner keys of routes: `<path>#<name>` for a name of this file (a router variable, `default` for the default
  export, a function that takes the router as a parameter), `module:<specifier>#<name>` for a name imported
  from another module; the resolver (analysis/routes/javascript.py) maps specifiers to project files.
  `Mount(parent="", child=k, guards=("root", framework))` declares an app object; `guards=("alias",)` says the
  key `parent` names the same router as `child` (exports, re-exports, `const r = other`);
  `guards=("autoload",)` mounts every file below `child` ("autoload:<folder>") as @fastify/autoload does;
  a child "middleware:<text>" is an argument of `use()` (or a Fastify hook) that may be a middleware rather than a
  router: its guards hold the owner key the argument names, if any, for the resolver to tell the two apart.
  NestJS and routing-controllers routes are owned by "nest:controllers" / "rc:controllers", and the app-wide
  `setGlobalPrefix` / `enableVersioning` / `routePrefix` are mounts of those keys (guards carry exclusions,
  configuration keys and versions).
* `.catch(fn)` callbacks are handlers (BODY_CALLBACK) like catch clauses.
* Promise facts on calls: CALL_THEN_CHAIN, CALL_REJECTION_HANDLED, CALL_LOCAL_ASYNC (see analysis/model.py).
* An object-literal field `key: process.env.X || 'literal'` is a setting with its literal default as value.
* Complexity: 1 + if (else-if included), loops, `case` arms, catch clauses, `&&` `||` `??`, ternaries.
  Calls inside a callback of forEach/map/filter/reduce/... are CALL_IN_LOOP: the callback is a loop body.
"""

from __future__ import annotations

import bisect
import operator
import posixpath
import re
import threading
from typing import Any

from analysis.model import (
    BODY_BROKEN,
    BODY_CALLBACK,
    BODY_EMPTY,
    BODY_EXITS,
    BODY_FALLBACK,
    BODY_LOGS,
    BODY_NOTIFIES,
    BODY_PASSES_ON,
    BODY_RAISES,
    BODY_RERAISES,
    BODY_RETURNS,
    BODY_ROLLBACK,
    BODY_TRIVIAL,
    BODY_USES_ERROR,
    CALL_AWAITED,
    CALL_BROKEN,
    CALL_IN_ASYNC,
    CALL_IN_LAMBDA,
    CALL_IN_LOOP,
    CALL_IN_TEST,
    CALL_LOCAL_ASYNC,
    CALL_NEW,
    CALL_REJECTION_HANDLED,
    CALL_STATEMENT,
    CALL_THEN_CHAIN,
    EXPOSE_BROKEN,
    EXPOSE_CLIENT_STATUS,
    EXPOSE_ENV_GUARDED,
    EXPOSE_ERROR_MIDDLEWARE,
    EXPOSE_NARROWED_OWN,
    EXPOSE_STACK,
    RAISE_CHAINED,
    RAISE_MESSAGE_ONLY,
    RAISE_RERAISE,
    TEXT_CAP,
    Assign,
    Call,
    Class,
    Exposure,
    FileModel,
    Function,
    Handler,
    Import,
    Mount,
    Param,
    Raise,
    RouteDecl,
    Setting,
    TestCase,
    TypeUse,
    Value,
)
from analysis.treesitter import Source, language, parse

__all__ = ["HOLE", "JS_TEST_FILE", "analyse_javascript", "grammar_of"]

HOLE = "\x00"  # a template's hole: "\x00API\x00/users" is `${API}/users` (as analysis.python.HOLE)

JS_TEST_FILE = re.compile(r"\.(test|spec)\.[cm]?[jt]sx?$")
_FUNCTION_TYPES = ("function_declaration", "function_expression", "arrow_function", "method_definition",
                   "generator_function_declaration", "generator_function", "function")
_CLOSURE_TYPES = frozenset({"function_expression", "arrow_function", "generator_function", "function"})
_CLASS_TYPES = {"class_declaration": "class", "abstract_class_declaration": "class", "class": "class",
                "interface_declaration": "interface", "enum_declaration": "enum", "type_alias_declaration": "type"}
_LOOP_TYPES = ("for_statement", "for_in_statement", "while_statement", "do_statement")
_STATEMENT_TYPES = ("expression_statement", "lexical_declaration", "variable_declaration", "return_statement",
                    "throw_statement", "try_statement", "switch_statement", "break_statement", "continue_statement",
                    "labeled_statement")
_COMMENTS = frozenset({"comment", "html_comment"})
_ITERATION_METHODS = frozenset({"forEach", "map", "flatMap", "filter", "reduce", "reduceRight", "some", "every",
                                "find", "findIndex", "findLast", "findLastIndex"})

# handler bodies
_LOG_OBJECTS = frozenset({"console", "logger", "log", "winston", "pino", "Sentry", "bunyan"})
_LOG_METHODS = frozenset({"error", "warn", "warning", "info", "debug", "log", "fatal", "trace", "exception",
                          "captureException", "captureMessage", "notify", "report"})
_PASS_ON = frozenset({"next", "reject", "callback", "cb", "done", "fail", "onError", "handleError"})
# A call that puts the failure in front of the user: a UI's error state or a toast (`setError(msg)`,
# `reportError(fallbackError)`, `toast.error(msg)`, `message.error(msg)`).
_NOTIFY_CALL = re.compile(r"(?i)^(?:set|show|display|report|present|push|add)\w*?(?:error|fail|alert)\w*$"
                          r"|^(?:alert|toast|enqueueSnackbar)$")  # `setSendFailed(true)`, `toast({ title: ... })`
_NOTIFY_OBJECTS = frozenset({"toast", "message", "notification", "notifications", "snackbar", "notify", "Alert",
                             "Swal", "enqueueSnackbar"})
_NOTIFY_METHODS = frozenset({"error", "warning", "warn", "show", "open", "fire", "alert"})
_TRIVIAL_VALUES = frozenset({"null", "undefined", "false", "[]", "{}", "''", '""', "void 0"})
_EXIT_CALLS = frozenset({"process.exit", "process.abort"})

# leaked details
_ERROR_NAMES = frozenset({"e", "err", "error", "ex", "exc", "exception", "er", "_err", "_error"})
_RESPONSE_METHODS = frozenset({"send", "json", "end", "write", "jsonp"})
_RESPONSE_OBJECTS = frozenset({"res", "response", "reply", "resp"})
_ENV_GUARD = re.compile(r"NODE_ENV|production|development|isDev|isProd|debug|env\.", re.IGNORECASE)
# NestJS exceptions whose message is sent to the client as the response body, and their status
_NEST_EXCEPTIONS = {
    "HttpException": "", "InternalServerErrorException": "500", "BadGatewayException": "502",
    "ServiceUnavailableException": "503", "GatewayTimeoutException": "504", "NotImplementedException": "501",
    "BadRequestException": "400", "UnauthorizedException": "401", "ForbiddenException": "403",
    "NotFoundException": "404", "MethodNotAllowedException": "405", "NotAcceptableException": "406",
    "RequestTimeoutException": "408", "ConflictException": "409", "GoneException": "410",
    "PreconditionFailedException": "412", "PayloadTooLargeException": "413",
    "UnsupportedMediaTypeException": "415", "ImATeapotException": "418", "MisdirectedException": "421",
    "UnprocessableEntityException": "422",
}

# routes
_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "all"})
_NOT_ROUTERS = frozenset({
    "axios", "got", "superagent", "http", "https", "fetch", "ky", "client", "request", "supertest", "cache",
    "map", "redis", "headers", "params", "query", "config", "req", "res", "response", "api", "$http", "agent",
    "httpservice", "httpclient", "store", "storage", "localstorage", "searchparams", "url", "router.query",
})
_APP_FACTORIES = {"express": "express", "fastify": "fastify", "Fastify": "fastify", "Koa": "koa", "Hono": "hono",
                  "polka": "polka", "restify.createServer": "restify", "createServer": "", "express.default": "express"}
_ROUTE_FRAMEWORKS = {"fastify": "fastify", "hono": "hono", "koa-router": "koa", "@koa/router": "koa",
                     "restify": "restify", "polka": "polka"}
_NEST_VERBS = {"Get": "GET", "Post": "POST", "Put": "PUT", "Patch": "PATCH", "Delete": "DELETE", "Head": "HEAD",
               "Options": "OPTIONS", "All": "ANY"}
_ROUTE_METHODS = _VERBS | {"use", "route", "register", "addHook", "setGlobalPrefix", "enableVersioning"}
_CHAIN_METHODS = _VERBS | {"use"}  # router methods that return the router: `Router().use(a).get('/x', h)`
_ROUTER_FACTORIES = frozenset({"Router", "KoaRouter"})
_RC_SERVERS = frozenset({"createExpressServer", "useExpressServer", "createKoaServer", "useKoaServer"})
_AUTOLOAD = frozenset({"@fastify/autoload", "fastify-autoload"})

# tests
_TEST_CALLS = frozenset({
    "it", "test", "specify", "it.only", "it.skip", "it.todo", "test.only", "test.skip", "test.todo", "it.concurrent",
    "test.concurrent", "t.test", "Deno.test", "it.failing", "test.failing", "xit", "fit",
})
_EACH_CALLS = frozenset({"it.each", "test.each", "it.concurrent.each", "test.concurrent.each", "it.only.each",
                         "test.only.each", "it.skip.each", "test.skip.each"})
_PROPERTY_CALLS = frozenset({"it.prop", "test.prop"})  # @fast-check/jest and @fast-check/vitest
_HOOK_CALLS = frozenset({
    "beforeEach", "beforeAll", "afterEach", "afterAll", "before", "after", "t.before", "t.beforeEach", "t.after",
    "t.afterEach", "test.beforeEach", "test.beforeAll", "test.afterEach", "test.afterAll", "t.teardown",
})
_BENCH_CALLS = frozenset({"bench", "bench.skip", "bench.only"})
_TEST_FRAMEWORK_IMPORTS = {"vitest": "vitest", "node:test": "node:test", "ava": "ava", "tap": "tap", "uvu": "uvu",
                           "@playwright/test": "playwright", "mocha": "mocha", "@jest/globals": "jest",
                           "bun:test": "bun"}

_TS_DIRECTIVE = re.compile(rb"@ts-(ignore|expect-error|nocheck|check)\b")
_HEAD_DIRECTIVE = re.compile(r"^\s*(?://\s*@ts-(check|nocheck)\b|/\*\s*@ts-(check|nocheck)\b)", re.MULTILINE)
_WS_NEWLINE = re.compile(r"\s*\n\s*")
_CODE_COMMENT = re.compile(r"^[\w$.\[\]'\"]+\s*(\(.*\))?\s*;?$|^(await|return|throw|const|let|var)\b")  # commented-out code
_ESCAPES = re.compile(r"\\(.)", re.DOTALL)
_ESCAPE_MAP = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "b": "\b", "f": "\f", "v": "\v"}

# -- the query -----------------------------------------------------------------------------------------------
# (capture, pattern, node types it needs); patterns whose types a grammar lacks are left out of its query.
_PATTERNS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    *(("fn", f"({t}) @fn", (t,)) for t in _FUNCTION_TYPES),
    *(("class", f"({t}) @class", (t,)) for t in _CLASS_TYPES),
    *(("loop", f"({t}) @loop", (t,)) for t in _LOOP_TYPES),
    *(("stmt", f"({t}) @stmt", (t,)) for t in _STATEMENT_TYPES),
    ("catch", "(catch_clause) @catch", ("catch_clause",)),
    ("throw", "(throw_statement) @throw", ("throw_statement",)),
    ("return", "(return_statement) @return", ("return_statement",)),
    ("call", "(call_expression) @call", ("call_expression",)),
    ("call", "(new_expression) @call", ("new_expression",)),
    ("stmt_call", "(expression_statement [(call_expression) (new_expression)] @stmt_call)", ("expression_statement",)),
    ("stmt_await", "(expression_statement (await_expression [(call_expression) (new_expression)] @stmt_await))",
     ("expression_statement", "await_expression")),
    ("awaited", "(await_expression [(call_expression) (new_expression)] @awaited)", ("await_expression",)),
    ("import", "(import_statement) @import", ("import_statement",)),
    ("export", "(export_statement) @export", ("export_statement",)),
    ("decls", "(lexical_declaration) @decls", ("lexical_declaration",)),
    ("decls", "(variable_declaration) @decls", ("variable_declaration",)),
    ("decl", "(variable_declarator) @decl", ("variable_declarator",)),
    ("assign", "(assignment_expression) @assign", ("assignment_expression",)),
    ("assign", "(augmented_assignment_expression) @assign", ("augmented_assignment_expression",)),
    ("pair", "(pair) @pair", ("pair",)),
    ("field", "(public_field_definition) @field", ("public_field_definition",)),
    ("field", "(field_definition) @field", ("field_definition",)),
    ("if", "(if_statement) @if", ("if_statement",)),
    ("ternary", "(ternary_expression) @ternary", ("ternary_expression",)),
    ("case", "(switch_case) @case", ("switch_case",)),
    # the operator tokens, not `(binary_expression operator: ...)`: that pattern is quadratic on `a + a + ...` chains
    ("bool", '["&&" "||" "??"] @bool', ("binary_expression",)),
    ("any", '((predefined_type) @any (#eq? @any "any"))', ("predefined_type",)),
)
_IDENT_PATTERN = "[(identifier) (shorthand_property_identifier)] @id"
_QUERIES: dict[str, Any] = {}
_QUERY_LOCK = threading.Lock()


def _query(grammar: str, which: str = "main") -> Any:
    key = f"{grammar}:{which}"
    with _QUERY_LOCK:
        if key in _QUERIES:
            return _QUERIES[key]
    import tree_sitter

    lang = language(grammar)
    if which == "main":
        parts = [p for _, p, types in _PATTERNS if all(_has_type(lang, t) for t in types)]
        source = "\n".join(parts)
    else:
        source = _IDENT_PATTERN
    query = tree_sitter.Query(lang, source)
    with _QUERY_LOCK:
        _QUERIES.setdefault(key, query)
        return _QUERIES[key]


def _has_type(lang: Any, node_type: str) -> bool:
    try:
        return lang.id_for_node_kind(node_type, True) not in (None, 0)
    except (ValueError, TypeError):
        return False


def grammar_of(path: str, lang: str) -> str:
    """The tree-sitter grammar of a file: tsx for .tsx, typescript for the other TypeScript files, else javascript."""
    if path.endswith(".tsx"):
        return "tsx"
    if lang == "typescript" or path.endswith((".ts", ".mts", ".cts")):
        return "typescript"
    return "javascript"


# -- the stack of enclosing nodes ---------------------------------------------------------------------------
class _Frame:
    """An open enclosing node and the context it gives what lies inside it."""

    __slots__ = ("args", "ctx", "end", "flags", "fn", "handler", "kind", "loop", "node", "owner", "qual", "test")

    def __init__(self, end: int, kind: str, fn: int, handler: int, loop: bool, owner: str, qual: str, ctx: str,
                 node: Any = None, flags: int = 0) -> None:
        self.end, self.kind, self.fn, self.handler, self.loop = end, kind, fn, handler, loop
        self.owner, self.qual, self.ctx, self.node = owner, qual, ctx, node
        self.flags = flags  # CALL_* context bits of calls directly inside (loop, async, lambda, test)
        self.args: tuple[Any, ...] = ()
        self.test = ""  # for a test-framework call: the TestCase kind its callback is

    def child(self, end: int, kind: str, ctx: str, node: Any = None) -> _Frame:
        """A frame inside this one that changes only what a call or declaration contributes (its context name)."""
        return _Frame(end, kind, self.fn, self.handler, self.loop, self.owner, self.qual, ctx, node, self.flags)


_ROOT = _Frame(1 << 62, "module", -1, -1, False, "", "", "")
_ROOT_TEST = _Frame(1 << 62, "module", -1, -1, False, "", "", "", None, CALL_IN_TEST)


def _unquote(text: str) -> str:
    """The value of a JS string literal's source text (quotes removed, common escapes decoded)."""
    inner = text[1:-1] if len(text) >= 2 and text[0] in "'\"`" else text
    if "\\" not in inner:
        return inner
    return _ESCAPES.sub(lambda m: _ESCAPE_MAP.get(m.group(1), m.group(1) if m.group(1) != "\n" else ""), inner)


class _Reader:
    def __init__(self, path: str, role: str, lang: str, grammar: str, src: Source) -> None:
        self.path, self.role, self.lang, self.grammar, self.src = path, role, lang, grammar, src
        self.data = src.data
        self.test_file = role == "test" or bool(JS_TEST_FILE.search(path))
        self.imports: list[Import] = []
        self.functions: list[Function] = []
        self.fn_nodes: list[Any] = []
        self.fn_keys: list[str] = []  # owner key of each function (a plugin function owns the routes on its param)
        self.fn_params: list[int] = []
        self.complexity: list[int] = []
        self.statements: list[int] = []
        self.classes: list[Class] = []
        self.calls: list[Call] = []
        self.call_starts: list[int] = []
        self.call_info: list[tuple[int, str, str]] = []  # (end byte, callee, name) of each call
        self.assigns: list[Assign] = []
        self.settings: list[Setting] = []
        self.handlers: list[Handler | None] = []
        self.handler_src: list[tuple[Any, Any, str, int, int, int, bool]] = []  # (node, body, binding, fn, parent, line, callback)
        self.handler_statements: list[int] = []
        self.raises: list[Raise] = []
        self.throws: list[tuple[int, int, bool]] = []  # (start byte, function, re-throws its handler's binding)
        self.returns: list[tuple[int, int, str]] = []  # (start byte, function, value text or "")
        self.exposures: list[Exposure] = []
        self.routes: list[RouteDecl] = []
        self.mounts: list[Mount] = []
        self.tests: list[TestCase] = []
        self.type_uses: list[TypeUse] = []
        self.markers: set[str] = set()
        self.bindings: dict[str, tuple[str, str]] = {}  # local name -> (module specifier, member) of imports
        self.qualify: dict[str, str] = {}  # local name -> qualified prefix ("express", "fs/promises.readFile")
        self.exported: set[str] = set()
        self.autoload: set[str] = set()
        self.decl_kind: dict[int, str] = {}  # variable_declarator id -> const/let/var
        self.method_decorators: dict[int, list[str]] = {}  # method node id -> decorator texts (TS class bodies)
        self.export_decorators: dict[int, list[str]] = {}  # class node id -> decorators written on `export`
        self.stmt_calls: set[int] = set()
        self.awaited: set[int] = set()
        self.error_names: frozenset[str] = _ERROR_NAMES
        self.pending_routes: list[tuple[str, str, str, str, Any, str, int, tuple[str, ...], bool]] = []
        self.fn_by_id: dict[int, int] = {}
        self.framework = "express"
        self.test_framework = ""
        self.broken = src.tree.root_node.has_error
        self.ascii: str | None = self.data.decode("ascii") if self.data.isascii() else None

    # -- small readers ----------------------------------------------------------------------------------------
    def text(self, node: Any, cap: int = TEXT_CAP) -> str:
        if node is None:
            return ""
        start = node.start_byte
        if self.ascii is not None:  # byte offsets are character offsets: slice the decoded text
            return self.ascii[start:min(node.end_byte, start + cap)]
        end = min(node.end_byte, start + cap * 4)
        return self.data[start:end].decode("utf-8", "replace")[:cap]

    def full(self, node: Any) -> str:
        if node is None:
            return ""
        if self.ascii is not None:
            return self.ascii[node.start_byte:node.end_byte]
        return self.data[node.start_byte:node.end_byte].decode("utf-8", "replace")

    def flat(self, node: Any, cap: int = TEXT_CAP) -> str:
        """Source text with line breaks (and the indentation around them) removed: `a\\n  .b()` -> `a.b()`."""
        text = self.text(node, cap * 2)
        return (_WS_NEWLINE.sub("", text) if "\n" in text else text)[:cap]

    def string(self, node: Any) -> str | None:
        """The value of a plain string literal (no substitutions), else None."""
        if node is None:
            return None
        t = node.type
        if t == "string":
            return _unquote(self.full(node))
        if t == "template_string" and not any(c.type == "template_substitution" for c in node.children):
            return _unquote(self.full(node))
        return None

    def template(self, node: Any) -> str | None:
        """A string expression as a template with holes for references (`"\\x00API\\x00/users"`); a part that is no
        reference is a `?` hole. None when the expression is not string-like."""
        node = _unwrap(node)
        if node is None:
            return None
        t = node.type
        if t in ("identifier", "member_expression"):
            return HOLE + self.flat(node) + HOLE
        if t != "binary_expression":
            return self._template_part(node, strict=True)
        parts: list[str] = []
        stack = [node]
        budget = 400
        while stack and budget > 0:  # `a + b + c` nests to the left: flatten it without recursion
            budget -= 1
            current = _unwrap(stack.pop())
            if current.type == "binary_expression" and self.text(current.child_by_field_name("operator")) == "+":
                right, left = current.child_by_field_name("right"), current.child_by_field_name("left")
                stack.extend(c for c in (right, left) if c is not None)
                continue
            part = self._template_part(current, strict=False)
            if part is None:
                return None
            parts.append(part)
        if stack:
            return None  # too long to follow
        return "".join(parts)[: TEXT_CAP * 5]

    def _template_part(self, node: Any, strict: bool) -> str | None:
        t = node.type
        if t == "string":
            return _unquote(self.full(node)).replace(HOLE, "")
        if t == "template_string":
            out: list[str] = []
            for c in node.children:
                ct = c.type
                if ct == "string_fragment":
                    out.append(self.full(c).replace(HOLE, ""))
                elif ct == "escape_sequence":
                    out.append(_unquote("'" + self.full(c) + "'"))
                elif ct == "template_substitution":
                    inner = c.named_children[0] if c.named_child_count else None
                    ref = self.flat(inner) if inner is not None and inner.type in ("identifier", "member_expression") \
                        else "?"
                    out.append(HOLE + ref + HOLE)
            return "".join(out)[: TEXT_CAP * 5]
        if t in ("identifier", "member_expression"):
            return HOLE + self.flat(node) + HOLE
        if strict:
            return None
        return HOLE + "?" + HOLE

    def names(self, node: Any, budget: int = 200) -> tuple[str, ...]:
        """Identifiers read anywhere in `node` (bounded walk), roots of member chains included."""
        out: list[str] = []
        cursor = node.walk()
        seen = 0
        depth = 0
        while seen < budget:
            current = cursor.node
            seen += 1
            t = current.type
            if t == "identifier" or t == "shorthand_property_identifier":
                out.append(self.full(current))
            elif t in ("string", "number", "property_identifier", "comment"):
                pass
            elif cursor.goto_first_child():
                depth += 1
                continue
            while not cursor.goto_next_sibling():
                if depth == 0 or not cursor.goto_parent():
                    return tuple(dict.fromkeys(out))
                depth -= 1
        return tuple(dict.fromkeys(out))

    def value(self, node: Any, keyword: str = "") -> Value:
        node = _unwrap(node)
        t = node.type
        if t == "string":
            return ("str", self.text(node), (), keyword, _unquote(self.full(node))[: TEXT_CAP * 5])
        if t == "template_string":
            template = self.template(node) or ""
            if HOLE in template:
                return ("interpolated", self.text(node), self.names(node), keyword, template)
            return ("str", self.text(node), (), keyword, template)
        if t == "number":
            return ("num", self.text(node), (), keyword, None)
        if t in ("true", "false"):
            return ("bool", t, (), keyword, None)
        if t in ("null", "undefined"):
            return ("none", t, (), keyword, None)
        if t == "identifier":
            name = self.full(node)
            if name == "undefined":
                return ("none", name, (), keyword, None)
            return ("name", name, (name,), keyword, None)
        if t == "this":
            return ("name", "this", ("this",), keyword, None)
        if t == "member_expression":
            root = node
            for _ in range(64):
                if root.type not in ("member_expression", "subscript_expression", "call_expression"):
                    break
                root = root.child_by_field_name("object") or root.child_by_field_name("function") or root
                if root.type not in ("member_expression", "subscript_expression", "call_expression"):
                    break
            roots: tuple[str, ...] = (self.full(root),) if root.type in ("identifier", "this") else ()
            return ("attr", self.flat(node), roots, keyword, None)
        if t == "binary_expression":
            op = self.text(node.child_by_field_name("operator"))
            if op == "+":
                built = self.template(node)
                if built is not None and _stringish(node):
                    kind = "concat" if HOLE in built else "str"
                    return (kind, self.text(node), self.names(node) if kind == "concat" else (), keyword, built)
            return ("other", self.text(node), self.names(node), keyword, None)
        if t in ("call_expression", "new_expression"):
            fn = node.child_by_field_name("function")
            if fn is not None and fn.type == "member_expression":
                prop = self.text(fn.child_by_field_name("property"))
                obj = fn.child_by_field_name("object")
                if prop == "join" and obj is not None and obj.type == "array":
                    joined = self.names(obj)
                    return ("concat" if joined else "str", self.text(node), joined, keyword, None)
                if prop == "concat" and obj is not None and obj.type in ("string", "template_string"):
                    joined = self.names(node.child_by_field_name("arguments") or node)
                    return ("concat" if joined else "str", self.text(node), joined, keyword, None)
            return ("call", self.text(node), (), keyword, None)
        if t in ("object", "array"):
            return ("collection", self.text(node), (), keyword, None)
        if t in _FUNCTION_TYPES:  # its head says what it is; its body has records of its own
            return ("function", self.text(node, 80), (), keyword, None)
        if t in ("ternary_expression", "subscript_expression", "unary_expression", "await_expression"):
            return ("other", self.text(node), self.names(node), keyword, None)
        return ("other", self.text(node), (), keyword, None)

    # -- the reading ------------------------------------------------------------------------------------------
    def read(self) -> None:
        root = self.src.tree.root_node
        captures = _captures(self.grammar, root)
        self.stmt_calls = {n.id for n in captures.get("stmt_call", ())}
        stmt_await = {n.id for n in captures.get("stmt_await", ())}
        self.stmt_calls |= stmt_await
        self.awaited = {n.id for n in captures.get("awaited", ())} | stmt_await
        self._imports(captures)
        self._exports_prepass(captures)
        self._head_markers()
        events: list[tuple[int, int, int, int, str, Any]] = []
        append = events.append
        seq = 0
        for tag, rank in _EVENT_TAGS:
            for node in captures.get(tag, ()):
                seq += 1
                append((node.start_byte, -node.end_byte, rank, seq, tag, node))
                if tag == "loop":
                    body = node.child_by_field_name("body")
                    if body is not None:
                        seq += 1
                        append((body.start_byte, -body.end_byte, 0, seq, "loop_body", body))
        events.sort()
        self.error_names = _ERROR_NAMES | frozenset(
            self.full(p) for c in captures.get("catch", ()) if (p := c.child_by_field_name("parameter")) is not None
            and p.type == "identifier")
        self._sweep(events)
        self._finish()

    def _head_markers(self) -> None:
        head = self.data[:2048].decode("utf-8", "replace")
        for found in _HEAD_DIRECTIVE.finditer(head):
            self.markers.add("ts-" + (found.group(1) or found.group(2)))
        if b"@ts-" not in self.data:
            return
        root = self.src.tree.root_node
        for m in _TS_DIRECTIVE.finditer(self.data):
            node = root.descendant_for_byte_range(m.start(), m.start())
            if node is None or node.type not in _COMMENTS:
                continue
            kind = m.group(1).decode()
            if kind in ("ignore", "expect-error"):
                line = self.data.count(b"\n", 0, m.start()) + 1
                self.type_uses.append(TypeUse("ts-ignore", "@ts-" + kind, line, "", -1, False))
            elif kind == "nocheck":
                self.markers.add("ts-nocheck")

    # -- imports and exports (before the sweep: calls are qualified through them) ------------------------------
    def _imports(self, captures: dict[str, list[Any]]) -> None:
        for node in captures.get("import", ()):
            spec = self.string(node.child_by_field_name("source"))
            line = node.start_point[0] + 1
            clause = None
            for c in node.named_children:
                if c.type == "import_clause":
                    clause = c
                elif c.type == "import_require_clause":  # import x = require('y')
                    ident = next((x for x in c.named_children if x.type == "identifier"), None)
                    source = self.string(c.child_by_field_name("source"))
                    if ident is not None and source is not None:
                        self._bind(source, "default", self.full(ident), line)
                    clause = c
            if spec is None:
                continue
            if clause is None:
                self.imports.append(Import(spec, "", "", line))
                continue
            if clause.type != "import_clause":
                continue
            for part in clause.named_children:
                if part.type == "identifier":
                    self._bind(spec, "default", self.full(part), line)
                elif part.type == "namespace_import":
                    ident = next((x for x in part.named_children if x.type == "identifier"), None)
                    if ident is not None:
                        self._bind(spec, "*", self.full(ident), line)
                elif part.type == "named_imports":
                    for item in part.named_children:
                        name, alias = item.child_by_field_name("name"), item.child_by_field_name("alias")
                        if name is not None:
                            self._bind(spec, self.full(name).strip("'\""), self.full(alias or name), line)
            if spec in _AUTOLOAD:
                self.autoload.update(a.alias for a in self.imports if a.module == spec and a.alias)
        requires = b"require" in self.data or b"import(" in self.data
        for node in captures.get("decl", ()) if requires else ():  # const x = require('y'), require('y').z
            value = node.child_by_field_name("value")
            if value is None:
                continue
            value = _unwrap(value)
            member = ""
            if value.type == "member_expression":
                member = self.full(value.child_by_field_name("property"))
                value = _unwrap(value.child_by_field_name("object"))
            spec = self._required(value)
            if spec is None:
                continue
            line = node.start_point[0] + 1
            name = node.child_by_field_name("name")
            if name is None:
                continue
            if name.type == "identifier":
                self._bind(spec, member or "default", self.full(name), line)
            elif name.type == "object_pattern" and not member:
                for part in name.named_children:
                    if part.type == "shorthand_property_identifier_pattern":
                        self._bind(spec, self.full(part), self.full(part), line)
                    elif part.type == "pair_pattern":
                        key, val = part.child_by_field_name("key"), part.child_by_field_name("value")
                        if key is not None and val is not None and val.type == "identifier":
                            self._bind(spec, self.full(key).strip("'\""), self.full(val), line)
            if spec in _AUTOLOAD and name.type == "identifier":
                self.autoload.add(self.full(name))
        for imp in self.imports:
            framework = _ROUTE_FRAMEWORKS.get(imp.module)
            if framework:
                self.framework = framework
            tf = _TEST_FRAMEWORK_IMPORTS.get(imp.module)
            if tf:
                self.test_framework = tf

    def _bind(self, spec: str, member: str, local: str, line: int) -> None:
        self.imports.append(Import(spec, member, local, line))
        self.bindings[local] = (spec, member)
        self.qualify[local] = spec if member in ("default", "*") else f"{spec}.{member}"

    def _required(self, node: Any) -> str | None:
        """The specifier of `require('x')` / `import('x')`, else None."""
        if node is None or node.type != "call_expression":
            return None
        fn = node.child_by_field_name("function")
        if fn is None or fn.type not in ("identifier", "import") or self.full(fn) not in ("require", "import"):
            return None
        args = node.child_by_field_name("arguments")
        first = args.named_children[0] if args is not None and args.named_child_count else None
        return self.string(first)

    def _exports_prepass(self, captures: dict[str, list[Any]]) -> None:
        for node in captures.get("export", ()):
            decl = node.child_by_field_name("declaration")
            if decl is not None:
                name = decl.child_by_field_name("name")
                if name is not None:
                    self.exported.add(self.full(name))
                for d in decl.named_children if decl.type in ("lexical_declaration", "variable_declaration") else ():
                    n = d.child_by_field_name("name")
                    if d.type == "variable_declarator" and n is not None and n.type == "identifier":
                        self.exported.add(self.full(n))
                decorators = [self.text(c) for c in node.children if c.type == "decorator"]
                if decorators:
                    self.export_decorators[decl.id] = decorators
            source = self.string(node.child_by_field_name("source"))
            line = node.start_point[0] + 1
            clause = next((c for c in node.named_children if c.type == "export_clause"), None)
            if clause is not None:
                for spec in clause.named_children:
                    name, alias = spec.child_by_field_name("name"), spec.child_by_field_name("alias")
                    if name is None:
                        continue
                    exported = self.full(alias or name)
                    self.exported.add(exported)
                    if source is not None:  # export { a as b } from './x'
                        self.imports.append(Import(source, self.full(name), exported, line))
                        self._alias(exported, f"module:{source}#{self.full(name)}", line)
                    else:
                        self._alias(exported, self._name_key(self.full(name)), line)
            elif source is not None:  # export * from './x', export * as ns from './x'
                ns = next((c for c in node.named_children if c.type == "namespace_export"), None)
                ident = next((c for c in ns.named_children if c.type == "identifier"), None) if ns is not None else None
                self.imports.append(Import(source, "*", self.full(ident) if ident is not None else "", line))
            if any(c.type == "default" for c in node.children):
                self.exported.add("default")
        for node in captures.get("assign", ()):
            left = self.full(node.child_by_field_name("left"))
            if left == "module.exports":
                right = node.child_by_field_name("right")
                if right is not None and right.type == "object":
                    for part in right.named_children:
                        key = part.child_by_field_name("key") if part.type == "pair" else part
                        if key is not None:
                            self.exported.add(self.full(key).strip("'\""))
                elif right is not None and right.type == "identifier":
                    self.exported.add(self.full(right))
            elif left.startswith(("exports.", "module.exports.")):
                self.exported.add(left.rsplit(".", 1)[-1])

    def _name_key(self, name: str) -> str:
        bound = self.bindings.get(name)
        if bound is not None:
            spec, member = bound
            return f"module:{spec}#{'*' if member == '*' else member}"
        return f"{self.path}#{name}"

    def _alias(self, name: str, target: str, line: int) -> None:
        key = f"{self.path}#{name}"
        if target and target != key:
            self.mounts.append(Mount(key, target, "", line, ("alias",), True))

    # -- the sweep ----------------------------------------------------------------------------------------------
    def _sweep(self, events: list[tuple[int, int, int, int, str, Any]]) -> None:
        stack: list[_Frame] = [_ROOT_TEST if self.test_file else _ROOT]
        handlers = {
            "fn": self._fn, "class": self._class, "loop": self._decision_statement, "loop_body": self._loop_body,
            "catch": self._catch, "call": self._call, "decls": self._decls, "decl": self._decl,
            "assign": self._assign, "pair": self._pair, "field": self._field, "throw": self._throw,
            "return": self._return, "if": self._decision_statement, "ternary": self._decision, "case": self._case,
            "bool": self._decision, "stmt": self._statement, "any": self._any, "export": self._export,
        }
        for start, _neg_end, _rank, _seq, tag, node in events:
            while stack[-1].end <= start:
                stack.pop()
            top = stack[-1]
            frame = handlers[tag](node, top)
            if frame is not None:
                stack.append(frame)

    def _count(self, top: _Frame, complexity: int = 0, statements: int = 0) -> None:
        if top.fn >= 0:
            self.complexity[top.fn] += complexity
            self.statements[top.fn] += statements
        if statements and top.handler >= 0:
            self.handler_statements[top.handler] += statements

    def _statement(self, node: Any, top: _Frame) -> None:
        self._count(top, statements=1)

    def _decision(self, node: Any, top: _Frame) -> None:
        self._count(top, complexity=1)

    def _decision_statement(self, node: Any, top: _Frame) -> None:
        self._count(top, complexity=1, statements=1)

    def _case(self, node: Any, top: _Frame) -> None:
        self._count(top, complexity=1 if node.child_by_field_name("value") is not None else 0)

    def _loop_body(self, node: Any, top: _Frame) -> _Frame:
        frame = top.child(node.end_byte, "loop", top.ctx)
        frame.loop = True
        frame.flags |= CALL_IN_LOOP
        return frame

    # -- functions ----------------------------------------------------------------------------------------------
    def _fn(self, node: Any, top: _Frame) -> _Frame:
        t = node.type
        parent = node.parent
        name, key_name = self._function_name(node, parent, top)
        is_method = t == "method_definition"
        owner = top.owner if is_method and top.kind == "class" else ""
        is_async = False
        for c in node.children:
            ct = c.type
            if ct == "async":
                is_async = True
                break
            if ct in ("formal_parameters", "statement_block", "identifier", "property_identifier", "=>"):
                break
        params, _names = self._params(node)
        returns = node.child_by_field_name("return_type")
        returns_text = self.text(returns).lstrip(":").strip() if returns is not None else None
        decorators: tuple[str, ...] = ()
        if is_method:
            decorators = tuple([*self.method_decorators.get(node.id, ()),
                                *(self.text(c) for c in node.children if c.type == "decorator")])
        visibility = ""
        if is_method:
            visibility = "public"
            for c in node.children:
                if (c.type == "accessibility_modifier" and self.full(c) in ("private", "protected")) \
                        or c.type == "private_property_identifier":
                    visibility = "private"
        elif top.fn < 0 and top.kind in ("module", "call") and parent is not None and name != "<anonymous>":
            visibility = "public" if name in self.exported or key_name == "default" else "private"
        argument = top.kind == "call" and any(a.id == node.id for a in top.args)  # a callback passed to that call
        is_test = top.test in ("test", "property") and argument
        index = len(self.functions)
        qual = f"{top.qual}.{name}" if top.qual else name
        self.functions.append(Function(
            name=name, qualname=qual, line=node.start_point[0] + 1, end_line=node.end_point[0] + 1,
            is_async=is_async, params=params, returns=returns_text, decorators=decorators, owner=owner,
            parent=top.fn, visibility=visibility, is_test=is_test, complexity=1, statements=0))
        self.fn_nodes.append(node)
        self.fn_keys.append(f"{self.path}#{key_name}")
        self.fn_params.append(len(params))
        self.complexity.append(1)
        self.statements.append(0)
        if t in ("function_declaration", "generator_function_declaration"):
            self._count(top, statements=1)
        closure = t in _CLOSURE_TYPES
        iteration = False
        if closure and argument:
            fn_node = top.node.child_by_field_name("function") if top.node is not None else None
            if fn_node is not None and fn_node.type == "member_expression":
                iteration = self.full(fn_node.child_by_field_name("property")) in _ITERATION_METHODS
        loop = iteration or (closure and top.loop)
        flags = (CALL_IN_TEST if self.test_file else 0) | (CALL_IN_ASYNC if is_async else 0) | (
            CALL_IN_LAMBDA if closure else 0) | (CALL_IN_LOOP if loop else 0)
        return _Frame(node.end_byte, "fn", index, -1, loop, "", qual, top.ctx, node, flags)

    def _function_name(self, node: Any, parent: Any, top: _Frame) -> tuple[str, str]:
        """(the function's name, its owner-key name): `default` for the default export, `@<byte>` if anonymous."""
        name_node = node.child_by_field_name("name")
        own = self.full(name_node) if name_node is not None else ""
        anonymous = f"@{node.start_byte}"
        if parent is not None:
            pt = parent.type
            if pt == "export_statement" and any(c.type == "default" for c in parent.children):
                return own or "default", "default"
            if pt == "variable_declarator":
                var = parent.child_by_field_name("name")
                if var is not None and var.type == "identifier":
                    v = self.full(var)
                    return own or v, v
            if pt == "assignment_expression":
                left = self.full(parent.child_by_field_name("left"))
                if left == "module.exports":
                    return own or "default", "default"
                last = left.rsplit(".", 1)[-1]
                if left.startswith(("exports.", "module.exports.")):
                    return own or last, last
                if last.isidentifier():
                    return own or last, own or anonymous
            if pt == "pair":
                key = self.full(parent.child_by_field_name("key")).strip("'\"")
                return own or key, own or anonymous
            if pt in ("public_field_definition", "field_definition"):
                field = parent.child_by_field_name("name") or parent.child_by_field_name("property")
                return own or self.full(field), own or anonymous
        if own and node.type != "method_definition":
            return own, own
        return own or "<anonymous>", anonymous if not own or node.type == "method_definition" else own

    def _params(self, node: Any) -> tuple[tuple[Param, ...], frozenset[str]]:
        params_node = node.child_by_field_name("parameters")
        single = node.child_by_field_name("parameter")
        items = params_node.named_children if params_node is not None else ([single] if single is not None else [])
        out: list[Param] = []
        names: set[str] = set()
        for p in items:
            t = p.type
            if t in _COMMENTS or t == "decorator":
                continue
            annotation: str | None = None
            default: str | None = None
            kind = "positional"
            target = p
            if t in ("required_parameter", "optional_parameter"):
                target = p.child_by_field_name("pattern") or p
                ann = p.child_by_field_name("type")
                annotation = self.text(ann).lstrip(":").strip() if ann is not None else None
                value = p.child_by_field_name("value")
                default = self.text(value) if value is not None else None
            elif t == "assignment_pattern":
                target = p.child_by_field_name("left") or p
                value = p.child_by_field_name("right")
                default = self.text(value) if value is not None else None
            if target.type == "rest_pattern":
                kind = "vararg"
                inner = next((c for c in target.named_children), None)
                target = inner if inner is not None else target
            if target.type == "this":
                kind = "self"
            name = self.text(target, 80)
            if target.type == "identifier":
                names.add(name)
            out.append((name, annotation, default, kind))
        return tuple(out), frozenset(names)

    # -- classes ------------------------------------------------------------------------------------------------
    def _class(self, node: Any, top: _Frame) -> _Frame:
        t = node.type
        kind = _CLASS_TYPES.get(t, "class")
        name_node = node.child_by_field_name("name")
        name = self.full(name_node) if name_node is not None else ""
        if not name and node.parent is not None and node.parent.type == "variable_declarator":
            name = self.full(node.parent.child_by_field_name("name"))
        bases: list[str] = []
        decorators = [*self.export_decorators.get(node.id, ()), *(self.text(c) for c in node.children if c.type == "decorator")]
        for c in node.named_children:
            if c.type == "class_heritage":
                for clause in c.named_children:
                    if clause.type in ("extends_clause", "implements_clause"):
                        for b in clause.named_children:
                            if b.type != "type_arguments":
                                bases.append(self.flat(b, 120))
                    else:
                        bases.append(self.flat(clause, 120))
            elif c.type == "extends_type_clause":
                bases.extend(self.flat(b, 120) for b in c.named_children)
        body = node.child_by_field_name("body")
        fields: list[tuple[str, str]] = []
        methods = 0
        members: list[Any] = []
        if body is not None and kind in ("class", "interface"):
            pending: list[str] = []
            for child in body.named_children:
                ct = child.type
                if ct == "decorator":
                    pending.append(self.text(child))
                    continue
                if ct in ("method_definition", "method_signature", "abstract_method_signature"):
                    methods += 1
                    if pending:
                        self.method_decorators[child.id] = pending
                    members.append(child)
                elif ct in ("public_field_definition", "field_definition", "property_signature"):
                    fname = child.child_by_field_name("name") or child.child_by_field_name("property")
                    ftype = child.child_by_field_name("type")
                    fields.append((self.text(fname, 80), self.text(ftype).lstrip(":").strip() if ftype is not None else ""))
                pending = []
        self.classes.append(Class(name, kind, tuple(bases), tuple(decorators), node.start_point[0] + 1,
                                  node.end_point[0] + 1, tuple(fields), methods, top.fn))
        if decorators and members:
            self._controller(decorators, members)
        qual = f"{top.qual}.{name}" if top.qual else name
        frame = top.child(node.end_byte, "class", top.ctx)
        frame.owner, frame.qual = name, qual
        return frame

    # -- NestJS / routing-controllers controllers ---------------------------------------------------------------
    def _controller(self, decorators: list[str], members: list[Any]) -> None:
        controller = None
        for deco in decorators:
            m = re.match(r"@\s*(Controller|JsonController)\b", deco)
            if m:
                controller = m.group(1)
        if controller is None:
            return
        class_node = members[0].parent.parent if members[0].parent is not None else None
        deco_nodes = self._decorator_nodes(class_node)
        prefixes: list[str] = [""]
        versions: list[str] | None = None
        known = True
        others: list[str] = []
        for deco in deco_nodes:
            name, args = self._decorator_call(deco)
            if name in ("Controller", "JsonController"):
                prefixes, known = self._nest_paths(args)
                opts = self._fields(args[0]) if args else {}
                if "version" in opts:
                    versions = self._versions(opts["version"])
            else:
                others.append(self.text(deco))
        framework = "nestjs" if controller == "Controller" else "routing-controllers"
        owner = "nest:controllers" if controller == "Controller" else "rc:controllers"
        for method in members:
            decos = [*self._pending_decorator_nodes(method), *(c for c in method.children if c.type == "decorator")]
            method_versions = versions
            calls = [(self._decorator_call(d), d) for d in decos]
            for (dname, dargs), _d in calls:
                if dname == "Version" and dargs:
                    method_versions = self._versions(dargs[0])
            guards = [*others, *(self.text(d) for (dname, _a), d in calls if dname not in _NEST_VERBS and dname != "Version")]
            if method_versions is not None:
                guards.extend("version:" + v for v in method_versions)
            handler = self.full(method.child_by_field_name("name"))
            for (dname, dargs), d in calls:
                if dname not in _NEST_VERBS:
                    continue
                subs, sub_known = self._nest_paths(dargs)
                for prefix in prefixes:
                    for sub in subs:
                        path = "/" + "/".join(p.strip("/") for p in (prefix, sub) if p.strip("/"))
                        self.pending_routes.append((framework, _NEST_VERBS[dname], path, owner, method, handler,
                                                    d.start_point[0] + 1, tuple(guards), known and sub_known))

    def _decorator_nodes(self, cls: Any) -> list[Any]:
        if cls is None:
            return []
        found = [c for c in cls.children if c.type == "decorator"]
        parent = cls.parent
        if parent is not None and parent.type == "export_statement":
            found = [c for c in parent.children if c.type == "decorator"] + found
        return found

    def _pending_decorator_nodes(self, method: Any) -> list[Any]:
        out: list[Any] = []
        prev = method.prev_named_sibling
        while prev is not None and prev.type == "decorator":
            out.append(prev)
            prev = prev.prev_named_sibling
        return list(reversed(out))

    def _decorator_call(self, deco: Any) -> tuple[str, list[Any]]:
        inner = deco.named_children
        if not inner:
            return "", []
        expr = inner[0]
        if expr.type == "call_expression":
            fn = expr.child_by_field_name("function")
            args = expr.child_by_field_name("arguments")
            return self.full(fn), [a for a in (args.named_children if args is not None else []) if a.type not in _COMMENTS]
        return self.full(expr), []

    def _nest_paths(self, args: list[Any]) -> tuple[list[str], bool]:
        if not args:
            return [""], True
        first = args[0]
        if first.type == "object":
            value = self._fields(first).get("path")
            return self._nest_paths([value]) if value is not None else ([""], True)
        if first.type == "array":
            found = [s for s in (self.string(e) for e in first.named_children) if s is not None]
            return (found or [""]), len(found) == first.named_child_count
        literal = self.string(first)
        return ([literal], True) if literal is not None else ([""], False)

    def _versions(self, node: Any) -> list[str]:
        items = node.named_children if node.type == "array" else [node]
        out: list[str] = []
        for item in items:
            literal = self.string(item)
            if literal is not None:
                out.append(literal)
            elif self.full(item).endswith("VERSION_NEUTRAL"):
                out.append("")
        return out

    def _fields(self, obj: Any) -> dict[str, Any]:
        if obj is None or obj.type != "object":
            return {}
        out: dict[str, Any] = {}
        for pair in obj.named_children:
            if pair.type == "pair":
                key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
                if key is not None and value is not None:
                    out[self.full(key).strip("'\"")] = value
        return out

    # -- catch clauses ------------------------------------------------------------------------------------------
    def _catch(self, node: Any, top: _Frame) -> _Frame:
        param = node.child_by_field_name("parameter")
        binding = self.full(param) if param is not None and param.type == "identifier" else ""
        body = node.child_by_field_name("body")
        index = self._new_handler(node, body, binding, top.fn, top.handler, node.start_point[0] + 1, False)
        self._count(top, complexity=1)
        frame = top.child(node.end_byte, "handler", top.ctx)
        frame.handler = index
        return frame

    def _new_handler(self, node: Any, body: Any, binding: str, fn: int, parent: int, line: int, callback: bool) -> int:
        self.handlers.append(None)
        self.handler_src.append((node, body, binding, fn, parent, line, callback))
        self.handler_statements.append(0 if not callback or body is None or body.type == "statement_block" else 1)
        return len(self.handlers) - 1

    # -- calls --------------------------------------------------------------------------------------------------
    def _call(self, node: Any, top: _Frame) -> _Frame:
        is_new = node.type == "new_expression"
        fn = node.child_by_field_name("constructor" if is_new else "function")
        args_node = node.child_by_field_name("arguments")
        args = [a for a in args_node.named_children if a.type not in _COMMENTS] if args_node is not None else []
        ft = fn.type if fn is not None else ""
        receiver = ""
        if ft == "member_expression":
            prop = fn.child_by_field_name("property")
            obj = fn.child_by_field_name("object")
            name = self.full(prop) if prop is not None else ""
            receiver = self.flat(obj)
            callee = f"{receiver}.{name}"[:TEXT_CAP]
        elif ft == "identifier":
            name = callee = self.full(fn)
        elif ft == "import":
            name = callee = "import"
        else:
            name, callee = "", self.flat(fn)
        flags = top.flags | (CALL_NEW if is_new else 0)
        nid = node.id
        if nid in self.stmt_calls:
            flags |= CALL_STATEMENT
        if nid in self.awaited:
            flags |= CALL_AWAITED
        broken = self.broken and self.src.broken(node)
        if broken:
            flags |= CALL_BROKEN
        if name in ("then", "catch", "finally") and ft == "member_expression":
            flags |= self._chain_flags(node)
        qualified = ""
        if self.qualify:
            head = callee.split(".", 1)[0]
            if head in self.qualify:
                qualified = self.qualify[head] + callee[len(head):]
        values = tuple(self.value(a) for a in args[:32])
        line = node.start_point[0] + 1
        self.calls.append(Call(name, callee, qualified, values, line, node.end_point[0] + 1, top.fn, top.handler,
                               flags, receiver))
        self.call_starts.append(node.start_byte)
        self.call_info.append((node.end_byte, callee, name))
        frame = top.child(node.end_byte, "call", f"new {callee}" if is_new else callee, node)
        frame.args = tuple(args)
        if not broken:
            if self.test_file:
                frame.test = self._test_call(node, fn, ft, callee, args, line)
            if (name == "require" and ft == "identifier") or ft == "import":
                spec = self.string(args[0]) if args else None
                if spec is not None and not any(i.module == spec and i.line == line for i in self.imports):
                    self.imports.append(Import(spec, "", "", line))
            if (ft == "member_expression" and name in _ROUTE_METHODS) or callee in _RC_SERVERS:
                self._route_call(node, fn, name, callee, args, top, line)
            if name == "catch" and ft == "member_expression" and args and args[0].type in _CLOSURE_TYPES:
                self._callback_handler(args[0], top, fn)
            elif name == "then" and ft == "member_expression" and len(args) >= 2 and args[1].type in _CLOSURE_TYPES:
                self._callback_handler(args[1], top, fn)
            if (name in _RESPONSE_METHODS and ft == "member_expression") or (is_new and name in _NEST_EXCEPTIONS) \
                    or (is_new and callee.rsplit(".", 1)[-1] in _NEST_EXCEPTIONS):
                self._response_call(node, fn, name, callee, args, top, is_new)
        return frame

    def _chain_flags(self, call: Any) -> int:
        """CALL_THEN_CHAIN / CALL_REJECTION_HANDLED of the method chain that ends in `call`."""
        flags = 0
        node = call
        for _ in range(64):
            if node is None or node.type != "call_expression":
                break
            fn = node.child_by_field_name("function")
            if fn is None or fn.type != "member_expression":
                break
            method = self.full(fn.child_by_field_name("property"))
            args = node.child_by_field_name("arguments")
            count = sum(1 for a in args.named_children if a.type not in _COMMENTS) if args is not None else 0
            if method == "then":
                flags |= CALL_THEN_CHAIN
                if count >= 2:
                    flags |= CALL_REJECTION_HANDLED
            elif method == "catch":
                flags |= CALL_REJECTION_HANDLED
            node = _unwrap(fn.child_by_field_name("object"))
        return flags

    def _callback_handler(self, callback: Any, top: _Frame, fn: Any) -> None:
        """`.catch((e) => ...)`: the callback is an exception handler."""
        params, _ = self._params(callback)
        binding = params[0][0] if params and params[0][0].isidentifier() else ""
        body = callback.child_by_field_name("body")
        prop = fn.child_by_field_name("property")
        line = (prop or callback).start_point[0] + 1
        self._new_handler(callback, body, binding, top.fn, top.handler, line, True)

    # -- tests ----------------------------------------------------------------------------------------------------
    def _test_call(self, node: Any, fn: Any, ft: str, callee: str, args: list[Any], line: int) -> str:
        kind = ""
        if ft == "call_expression":  # it.each(table)('name', fn), test.prop([...])('name', fn)
            inner = self.flat(fn.child_by_field_name("function"))
            kind = "test" if inner in _EACH_CALLS else ("property" if inner in _PROPERTY_CALLS else "")
        elif callee in _TEST_CALLS:
            kind = "test"
        elif callee in _HOOK_CALLS:
            kind = "setup"
        elif callee in _BENCH_CALLS:
            kind = "benchmark"
        if not kind:
            return ""
        first = self.string(args[0]) if args and kind != "setup" else None
        label = first if first is not None else (callee if kind == "setup" else "")
        self.tests.append(TestCase(label[:TEXT_CAP], kind, self.test_framework, line))
        return kind

    # -- declarations and assignments ----------------------------------------------------------------------------
    def _decls(self, node: Any, top: _Frame) -> None:
        first = node.child(0)
        kind = self.full(first) if first is not None and first.type in ("const", "let", "var") else "var"
        if kind not in ("const", "let", "var"):
            kind = "var"
        for d in node.named_children:
            if d.type == "variable_declarator":
                self.decl_kind[d.id] = kind
        self._count(top, statements=1)

    def _decl(self, node: Any, top: _Frame) -> _Frame | None:
        name = node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        if name is None:
            return None
        if name.type == "identifier":
            targets: tuple[str, ...] = (self.full(name),)
        elif name.type in ("object_pattern", "array_pattern"):
            targets = tuple(self.full(c) if c.type in ("identifier", "shorthand_property_identifier_pattern")
                            else self.text(c.child_by_field_name("value") or c, 80)
                            for c in name.named_children if c.type not in _COMMENTS)
        else:
            targets = (self.text(name, 80),)
        if value is None:
            return None
        ann = node.child_by_field_name("type")
        op = self.decl_kind.get(node.id, "var")
        line = node.start_point[0] + 1
        self.assigns.append(Assign(targets, self.value(value), line, top.fn, "",
                                   self.text(ann).lstrip(":").strip() if ann is not None else None, op))
        if top.fn < 0 and len(targets) == 1 and _literal(value):
            self.settings.append(Setting(targets[0], self.text(value), line, "", top.fn))
        if name.type == "identifier" and not (self.broken and self.src.broken(node)):
            self._declared_router(targets[0], value, line)
        return top.child(node.end_byte, "decl", targets[0] if len(targets) == 1 else top.ctx)

    def _declared_router(self, var: str, value: Any, line: int) -> None:
        """`const app = express()` declares an app (a root); `const r = other` makes `r` another name for it."""
        inner = _unwrap(value)
        if inner.type in ("call_expression", "new_expression"):
            fn = inner.child_by_field_name("function") or inner.child_by_field_name("constructor")
            callee = self.flat(fn) if fn is not None else ""
            required = self._required(_unwrap(fn)) if fn is not None and fn.type == "call_expression" else None
            if required in _APP_FACTORIES:  # `const app = require('express')()`
                callee = required
            if callee in _APP_FACTORIES:
                framework = _APP_FACTORIES[callee] or self.framework
                self.mounts.append(Mount("", f"{self.path}#{var}", "", line, ("root", f"framework:{framework}"), True))
                return
            if self._required(inner) is None and self._router_root(inner) is inner:
                return  # neither a module nor a router method chain
        if inner.type == "member_expression":  # only `ns.router` of an import names a router elsewhere
            root = _unwrap(inner.child_by_field_name("object"))
            imported = root is not None and root.type == "identifier" and self.full(root) in self.bindings
            if root is None or (not imported and self._required(root) is None):
                return
        if inner.type in ("identifier", "member_expression", "call_expression"):
            target = self._owner_of(value, _ROOT)
            if target is not None:
                self._alias(var, target, line)

    def _assign(self, node: Any, top: _Frame) -> _Frame | None:
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if left is None or right is None:
            return None
        augmented = node.type == "augmented_assignment_expression"
        op = (self.text(node.child_by_field_name("operator")) or "+=") if augmented else "="
        target = self.flat(left, 120)
        line = node.start_point[0] + 1
        self.assigns.append(Assign((target,), self.value(right), line, top.fn, "", None, op))
        broken = self.broken and self.src.broken(node)
        if op == "=" and not broken:
            self._exported_router(target, right, line)
            if target.endswith(("ctx.body", "context.body")):
                self._exposed(node, [right], f"{target} =", "", top)
        return top.child(node.end_byte, "assign", target)

    def _exported_router(self, target: str, right: Any, line: int) -> None:
        if target == "module.exports":
            exported = "default"
        elif target.startswith(("exports.", "module.exports.")) and target.count(".") <= 2:
            exported = target.rsplit(".", 1)[-1]
        else:
            return
        value = _unwrap(right)
        if value.type in _FUNCTION_TYPES:
            return  # the function's own key is `default` / the exported name
        if value.type == "object" and exported == "default":
            self._exported_object(value, line)
            return
        owner = self._owner_of(right, _ROOT)
        if owner is not None:
            self._alias(exported, owner, line)

    def _exported_object(self, obj: Any, line: int) -> None:
        """`module.exports = { a: x, b }`, `export default { a: x }`: each key names what its value names."""
        for part in obj.named_children:
            if part.type == "shorthand_property_identifier":
                name = self.full(part)
                if name in self.bindings:
                    self._alias(name, self._name_key(name), line)
                continue
            if part.type != "pair":
                continue
            key, value = part.child_by_field_name("key"), part.child_by_field_name("value")
            if key is None or value is None or value.type in _FUNCTION_TYPES:
                continue
            owner = self._owner_of(value, _ROOT)
            if owner is not None:
                self._alias(self.full(key).strip("'\""), owner, line)

    def _export(self, node: Any, top: _Frame) -> _Frame | None:
        if not any(c.type == "default" for c in node.children):
            return None
        value = node.child_by_field_name("value")
        line = node.start_point[0] + 1
        if value is not None and value.type not in _FUNCTION_TYPES and not (self.broken and self.src.broken(node)):
            inner = _unwrap(value)
            if inner.type == "object":
                self._exported_object(inner, line)
            else:
                owner = self._owner_of(value, top)
                if owner is not None:
                    self._alias("default", owner, line)
        return top.child(node.end_byte, "export", "export default")

    def _pair(self, node: Any, top: _Frame) -> None:
        key = node.child_by_field_name("key")
        value = node.child_by_field_name("value")
        if key is None or value is None:
            return
        literal = value if _literal(value) else None
        if literal is None and value.type == "binary_expression" and \
                self.text(value.child_by_field_name("operator")) in ("||", "??"):
            right = value.child_by_field_name("right")
            literal = right if right is not None and _literal(right) else None
        if literal is not None:
            self.settings.append(Setting(self.full(key).strip("'\"")[:TEXT_CAP], self.text(literal),
                                         node.start_point[0] + 1, top.ctx, top.fn))

    def _field(self, node: Any, top: _Frame) -> None:
        name = node.child_by_field_name("name") or node.child_by_field_name("property")
        value = node.child_by_field_name("value")
        if name is None or value is None:
            return
        target = self.full(name)
        ann = node.child_by_field_name("type")
        line = node.start_point[0] + 1
        self.assigns.append(Assign((target,), self.value(value), line, top.fn, top.owner,
                                   self.text(ann).lstrip(":").strip() if ann is not None else None, "="))
        if _literal(value):
            self.settings.append(Setting(target, self.text(value), line, top.owner, top.fn))

    # -- throw / return -----------------------------------------------------------------------------------------
    def _throw(self, node: Any, top: _Frame) -> None:
        self._count(top, statements=1)
        expr = next((c for c in node.named_children if c.type not in _COMMENTS), None)
        binding = self.handler_src[top.handler][2] if top.handler >= 0 else ""
        flags = 0
        text = ""
        if expr is not None:
            inner = _unwrap(expr)
            if inner.type == "identifier":
                text = self.full(inner)
                if binding and text == binding:
                    flags |= RAISE_RERAISE
            elif inner.type in ("new_expression", "call_expression"):
                ctor = inner.child_by_field_name("constructor") or inner.child_by_field_name("function")
                text = self.flat(ctor, 120)
                if binding:
                    flags |= self._cause_flags(inner, binding)
            else:
                text = self.text(inner, 120)
        self.throws.append((node.start_byte, top.fn, bool(flags & RAISE_RERAISE)))
        self.raises.append(Raise(text, node.start_point[0] + 1, node.end_point[0] + 1, top.fn, top.handler, flags))

    def _cause_flags(self, new: Any, binding: str) -> int:
        """`new X(msg, { cause: e })` / `new X(msg, e)` keep the cause; `new X(e.message)` keeps only the message."""
        args = new.child_by_field_name("arguments")
        message_only = False
        for arg in args.named_children if args is not None else []:
            a = _unwrap(arg)
            if a.type == "identifier" and self.full(a) == binding:
                return RAISE_CHAINED
            if a.type == "object":
                for part in a.named_children:
                    key = part.child_by_field_name("key") if part.type == "pair" else part
                    if key is not None and self.full(key) == "cause":
                        return RAISE_CHAINED
            if binding in self.names(a, 60):
                text = self.full(a) if a.end_byte - a.start_byte < 400 else ""
                if re.search(rf"(?<![\w.]){re.escape(binding)}\s*\.\s*message\b", text):
                    message_only = True
                elif re.search(rf"(?<![\w.]){re.escape(binding)}(?![\w])(?!\s*\.)", text):
                    return RAISE_CHAINED
        return RAISE_MESSAGE_ONLY if message_only else 0

    def _return(self, node: Any, top: _Frame) -> None:
        self._count(top, statements=1)
        value = next((c for c in node.named_children if c.type not in _COMMENTS), None)
        self.returns.append((node.start_byte, top.fn, self.text(value, 40) if value is not None else ""))

    # -- any -----------------------------------------------------------------------------------------------------
    def _any(self, node: Any, top: _Frame) -> None:
        if self.broken and self.src.broken(node):
            return
        parent = node.parent
        kind, where = "any-nested", ""
        public = top.fn < 0 or self.functions[top.fn].visibility == "public"
        if parent is not None:
            pt = parent.type
            if pt in ("as_expression", "satisfies_expression") or (
                    pt == "type_arguments" and parent.parent is not None and parent.parent.type == "type_assertion"):
                kind = "cast-any"
            elif pt == "type_annotation":
                kind = "any"
                holder = parent.parent
                ht = holder.type if holder is not None else ""
                if ht in ("required_parameter", "optional_parameter"):
                    where = f"parameter `{self.text(holder.child_by_field_name('pattern'), 60)}`"
                elif ht in _FUNCTION_TYPES or ht in ("method_signature", "function_signature"):
                    where = f"return of `{self.text(holder.child_by_field_name('name'), 60) or '<anonymous>'}`"
                elif ht in ("public_field_definition", "property_signature"):
                    where = f"field `{self.text(holder.child_by_field_name('name'), 60)}`"
                elif ht == "variable_declarator":
                    where = f"`{self.text(holder.child_by_field_name('name'), 60)}`"
        self.type_uses.append(TypeUse(kind, "any", node.start_point[0] + 1, where, top.fn, public))

    # -- routes ---------------------------------------------------------------------------------------------------
    def _owner_of(self, node: Any, top: _Frame, depth: int = 0) -> str | None:
        """The owner key an expression names: a router variable, a parameter's function, an imported module."""
        node = _unwrap(node)
        if node is None or depth > 16:
            return None
        t = node.type
        if t == "identifier":
            name = self.full(node)
            frame_fn = self._declaring_function(name, top)
            if frame_fn is not None:
                return self.fn_keys[frame_fn]
            return self._name_key(name)
        if t in _FUNCTION_TYPES:  # an inline plugin: the function's own key (it is read after this call)
            _name, key = self._function_name(node, node.parent, top)
            return f"{self.path}#{key}"
        if t == "member_expression":
            obj = _unwrap(node.child_by_field_name("object"))
            prop = self.full(node.child_by_field_name("property"))
            if obj is not None:
                spec = self._required(obj)
                if spec is not None:
                    return f"module:{spec}#{prop}"
                if obj.type == "identifier" and self._declaring_function(self.full(obj), top) is None:
                    bound = self.bindings.get(self.full(obj))
                    if bound is not None and bound[1] in ("*", "default"):
                        return f"module:{bound[0]}#{prop}"
            return f"{self.path}#{self.flat(node, 120)}"
        if t in ("call_expression", "new_expression") and self._router_factory(node):
            return f"{self.path}#@router{node.start_byte}"  # a router made in place: `export default Router().use(...)`
        if t == "call_expression":
            root = self._router_root(node)
            if root is not node:  # `Router().use(a).use(b)`: the router at the root of the chain
                return self._owner_of(root, top, depth + 1)
            spec = self._required(node)
            if spec is not None:
                return f"module:{spec}#default"
            fn = node.child_by_field_name("function")
            args = node.child_by_field_name("arguments")
            first = args.named_children[0] if args is not None and args.named_child_count else None
            if fn is not None and fn.type == "identifier" and first is not None:  # fp(plugin): a wrapper keeps it
                return self._owner_of(first, top, depth + 1)
        return None

    def _declaring_function(self, name: str, top: _Frame) -> int | None:
        """The innermost enclosing function (on the sweep's stack) that takes `name` as a parameter."""
        frame: _Frame | None = top
        # `top` is the innermost frame; its function index chain is walked through Function.parent
        index = frame.fn if frame is not None else -1
        seen = 0
        while index >= 0 and seen < 64:
            if name in self._param_names(index):
                return index
            index = self.functions[index].parent
            seen += 1
        return None

    def _param_names(self, index: int) -> frozenset[str]:
        fn = self.functions[index]
        return frozenset(p[0] for p in fn.params)

    def _route_call(self, node: Any, fn: Any, name: str, callee: str, args: list[Any], top: _Frame, line: int) -> None:
        if callee in _RC_SERVERS:
            for arg in args:
                value = self._fields(arg).get("routePrefix")
                if value is not None:
                    literal = self.string(value)
                    self.mounts.append(Mount("rc:app", "rc:controllers", literal or "", line, ("route-prefix",),
                                             literal is not None))
            return
        obj = fn.child_by_field_name("object")
        if obj is None:
            return
        if name in ("setGlobalPrefix", "enableVersioning"):
            self._nest_app(name, args, line)
            return
        receiver = self.flat(obj).lower().split(".")[-1]
        if receiver in _NOT_ROUTERS:
            return
        if name == "use" or (name == "route" and len(args) == 2):
            self._use(obj, args, top, line)
        elif name == "register" and args:
            self._register(obj, args, top, line)
        elif name == "addHook":
            self._hook(obj, args, top, line)
        elif name == "route" and args and args[0].type == "object":  # fastify.route({ method, url, handler })
            spec = self._fields(args[0])
            url = self.string(spec.get("url") or spec.get("path"))
            methods = spec.get("method")
            listed = [self.string(m) for m in methods.named_children] if methods is not None and methods.type == "array" \
                else [self.string(methods)]
            owner = self._owner_of(obj, top)
            handler = spec.get("handler")
            if url is not None and url.startswith("/") and owner is not None:
                for method in [m for m in listed if m] or ["ANY"]:
                    self.pending_routes.append(("fastify", method.upper(), url, owner, handler,
                                                self._handler_name(handler), line, (), True))
        elif name in _VERBS:
            self._verb(node, obj, name, args, top)

    def _verb(self, node: Any, obj: Any, name: str, args: list[Any], top: _Frame) -> None:
        """`router.get('/x', mw, handler)`; `router.route('/x').get(h).post(h)` (the path is route()'s);
        `Router().get('/a', h).post('/b', h)` and `router.use(mw).get(...)` (each call names its own path)."""
        base = obj
        route_call = None
        for _ in range(32):
            if base.type != "call_expression":
                break
            inner = base.child_by_field_name("function")
            if inner is None or inner.type != "member_expression":
                break
            inner_prop = self.full(inner.child_by_field_name("property"))
            if inner_prop == "route":
                route_call = base
                break
            if inner_prop not in _CHAIN_METHODS:
                break  # the chain's root call (`express.Router()`): its owner decides
            base = inner.child_by_field_name("object")
            if base is None:
                return
        if route_call is not None:
            route_args = route_call.child_by_field_name("arguments")
            first = route_args.named_children[0] if route_args is not None and route_args.named_child_count else None
            path = self.string(first)
            inner = route_call.child_by_field_name("function")
            receiver_node = inner.child_by_field_name("object") if inner is not None else None
            if not args or receiver_node is None:
                return
            handlers = args
            line = (node.child_by_field_name("function").child_by_field_name("property") or node).start_point[0] + 1
        else:
            receiver_node = obj
            if len(args) < 2:  # a route needs a handler after the path
                return
            path = self.string(args[0])
            handlers = args[1:]
            line = node.start_point[0] + 1
        if path is None or not path.startswith("/") or self.flat(receiver_node).lower().split(".")[-1] in _NOT_ROUTERS:
            return
        owner = self._owner_of(receiver_node, top)
        if owner is None:
            return
        handler = handlers[-1]
        guards = tuple(self.text(h, 120) for h in handlers[:-1])
        method = "ANY" if name == "all" else name.upper()
        self.pending_routes.append((self.framework, method, path, owner, handler, self._handler_name(handler), line,
                                    guards, True))

    def _router_factory(self, node: Any) -> bool:
        """`Router()`, `express.Router({...})`, `new Router()`: a call that makes a router."""
        if node.type not in ("call_expression", "new_expression"):
            return False
        fn = node.child_by_field_name("function") or node.child_by_field_name("constructor")
        callee = self.flat(fn) if fn is not None else ""
        return callee.rsplit(".", 1)[-1] in _ROUTER_FACTORIES

    def _router_root(self, node: Any) -> Any:
        """The object a router method chain starts from: `Router()` of `Router().use(a).get('/x', h)`."""
        current = node
        for _ in range(64):
            if current.type != "call_expression":
                return current
            fn = current.child_by_field_name("function")
            if fn is None or fn.type != "member_expression" or \
                    self.full(fn.child_by_field_name("property")) not in _CHAIN_METHODS:
                return current
            current = _unwrap(fn.child_by_field_name("object"))
            if current is None:
                return node
        return current

    def _handler_name(self, node: Any) -> str:
        if node is None:
            return ""
        inner = _unwrap(node)
        if inner.type in ("identifier", "member_expression"):
            return self.flat(inner, 120)
        if inner.type in _FUNCTION_TYPES:
            name = inner.child_by_field_name("name")
            return self.full(name) if name is not None else ""
        if inner.type == "call_expression":
            return self.flat(inner.child_by_field_name("function"), 120) + "(...)"
        return ""

    def _use(self, obj: Any, args: list[Any], top: _Frame, line: int) -> None:
        parent = self._owner_of(obj, top)
        if parent is None or not args:
            return
        prefix = self.string(args[0])
        rest = args[1:] if prefix is not None else args
        known = True
        computed = ("template_string", "identifier", "member_expression", "binary_expression")
        if prefix is None and args[0].type in computed and (args[0].type != "identifier" or len(args) > 1):
            template = self.template(args[0])
            if template is None:
                return  # a computed prefix: leave the child unmounted rather than guess
            prefix, rest, known = template, args[1:], False
        guards: list[str] = []
        for arg in rest:
            child = None
            if arg.type in ("identifier", "member_expression", "call_expression", "await_expression"):
                child = self._owner_of(arg, top)
                if child is not None and child != parent:
                    self.mounts.append(Mount(parent, child, prefix or "", line, tuple(guards), known))
            text = self.text(arg, 120)
            # any argument may be a middleware instead of a router: the resolver decides by what `child` names
            self.mounts.append(Mount(parent, "middleware:" + text, prefix or "", line, (child,) if child else (), known))
            guards.append(text)

    def _hook(self, obj: Any, args: list[Any], top: _Frame, line: int) -> None:
        """Fastify `addHook('onRequest', fastify.authenticate)`: middleware of the plugin's routes."""
        if len(args) < 2 or self.string(args[0]) not in ("onRequest", "preHandler", "preValidation", "preParsing"):
            return
        parent = self._owner_of(obj, top)
        if parent is not None:
            self.mounts.append(Mount(parent, "middleware:" + self.text(args[1], 120), "", line, (), True))

    def _register(self, obj: Any, args: list[Any], top: _Frame, line: int) -> None:
        parent = self._owner_of(obj, top)
        if parent is None:
            return
        options = self._fields(args[1]) if len(args) > 1 else {}
        plugin = _unwrap(args[0])
        if plugin.type == "identifier" and self.full(plugin) in self.autoload:
            self._autoload(parent, options, line)
            return
        prefix_node = options.get("prefix")
        prefix = self.string(prefix_node) if prefix_node is not None else ""
        known = True
        if prefix is None:
            prefix = self.template(prefix_node)
            known = False
            if prefix is None:
                return
        child = self._owner_of(plugin, top)
        if child is not None:
            self.mounts.append(Mount(parent, child, prefix, line, (), known))

    def _autoload(self, parent: str, options: dict[str, Any], line: int) -> None:
        """`register(autoload, { dir: join(__dirname, 'routes') })`: each folder below is a route prefix."""
        dir_node = options.get("dir")
        if dir_node is None:
            return
        literal = self.string(dir_node)
        if literal is None and dir_node.type == "call_expression":
            args_node = dir_node.child_by_field_name("arguments")
            items = args_node.named_children[1:] if args_node is not None else []
            parts = [self.string(a) for a in items]
            literal = "/".join(p for p in parts if p is not None) if parts and all(p is not None for p in parts) else None
        if not literal:
            return
        inner = self._fields(options.get("options"))
        base_prefix = self.string(inner.get("prefix")) if "prefix" in inner else ""
        if base_prefix is None:
            return
        folder = posixpath.normpath(posixpath.join(posixpath.dirname(self.path), literal))
        hooks = tuple(flag for key, flag in (("autoHooks", "autohooks"), ("cascadeHooks", "cascade"))
                      if key in options and self.full(options[key]) == "true")
        self.mounts.append(Mount(parent, f"autoload:{folder}", base_prefix, line, ("autoload", *hooks), True))

    def _nest_app(self, name: str, args: list[Any], line: int) -> None:
        if name == "setGlobalPrefix" and args:
            literal = self.string(args[0])
            guards = ["global-prefix"]
            if literal is None and args[0].type == "call_expression":
                inner = args[0].child_by_field_name("arguments")
                keys = [self.string(a) for a in (inner.named_children if inner is not None else [])]
                guards.extend("config:" + k.rsplit(".", 1)[-1] for k in keys if k)
            exclude = self._fields(args[1]).get("exclude") if len(args) > 1 else None
            if exclude is not None and exclude.type == "array":
                for item in exclude.named_children:
                    path = self.string(item)
                    if path is None and item.type == "object":
                        path = self.string(self._fields(item).get("path"))
                    if path is not None:
                        guards.append("exclude:" + path)
            self.mounts.append(Mount("nest:app", "nest:controllers", literal or "", line, tuple(guards),
                                     literal is not None))
        elif name == "enableVersioning":
            options = self._fields(args[0]) if args else {}
            kind = options.get("type")
            guards = ["versioning:" + ("URI" if kind is None or self.full(kind).endswith("URI") else
                                       self.full(kind).rsplit(".", 1)[-1])]
            default = options.get("defaultVersion")
            if default is not None:
                guards.extend("default-version:" + v for v in self._versions(default))
            self.mounts.append(Mount("nest:app", "nest:versioning", "", line, tuple(guards), True))

    # -- leaked details ----------------------------------------------------------------------------------------------
    def _response_call(self, node: Any, fn: Any, name: str, callee: str, args: list[Any], top: _Frame,
                       is_new: bool) -> None:
        if is_new:
            cls = callee.rsplit(".", 1)[-1]
            status = _NEST_EXCEPTIONS.get(cls, "")
            if cls == "HttpException":
                status = self.text(args[1]) if len(args) > 1 else ""
            self._exposed(node, args[:1], f"new {cls}", status, top)
            return
        root, calls = self._chain_root(node)
        framework_ctx = root == "c" and self.framework == "hono"
        if root.rsplit(".", 1)[-1] not in _RESPONSE_OBJECTS and not framework_ctx:
            return
        status = ""
        for c in calls:
            cf = c.child_by_field_name("function")
            if cf is not None and cf.type == "member_expression" and \
                    self.full(cf.child_by_field_name("property")) in ("status", "code"):
                a = c.child_by_field_name("arguments")
                status = self.text(a.named_children[0]) if a is not None and a.named_child_count else ""
        if framework_ctx and len(args) > 1:
            status = self.text(args[1])
            args = args[:1]
        self._exposed(node, args, f"{root}.{name}", status, top)

    def _chain_root(self, node: Any) -> tuple[str, list[Any]]:
        calls: list[Any] = []
        current = node
        for _ in range(64):
            if current is None:
                break
            if current.type == "call_expression":
                calls.append(current)
                current = current.child_by_field_name("function")
            elif current.type == "member_expression":
                current = current.child_by_field_name("object")
            else:
                break
        return (self.flat(current, 80) if current is not None else ""), calls

    def _exposed(self, node: Any, args: list[Any], sink: str, status: str, top: _Frame) -> None:
        found: list[tuple[str, tuple[str, ...], int]] = []  # (detail, narrowed types, flags)
        stack_found = False
        for arg in args:
            for detail, err_node, err, kind in self._details(arg):
                if kind == "stack":
                    guarded = self._env_guarded(err_node, node)
                    if guarded and stack_found:
                        continue
                    found.insert(0 if not guarded else len(found), (detail, (), EXPOSE_STACK | (EXPOSE_ENV_GUARDED if guarded else 0)))
                    stack_found = stack_found or not guarded
                    continue
                types, flags = self._narrowed(err_node, err, top)
                found.append((detail, types, flags))
        if not found:
            return
        flags = 0
        if status and _is_client_status(status):
            flags |= EXPOSE_CLIENT_STATUS
        if top.fn >= 0 and self.fn_params[top.fn] == 4:
            flags |= EXPOSE_ERROR_MIDDLEWARE
        if self.broken and self.src.broken(node):
            flags |= EXPOSE_BROKEN
        seen: set[tuple[str, tuple[str, ...]]] = set()
        for detail, types, extra in found[:4]:
            if (detail, types) in seen:
                continue
            seen.add((detail, types))
            self.exposures.append(Exposure(detail, sink, node.start_point[0] + 1, node.end_point[0] + 1, top.fn,
                                           status, types, flags | extra))

    def _details(self, node: Any) -> list[tuple[str, Any, str, str]]:
        """(detail text, error node, error name, kind) for `err.message`, `err.stack` and the error object itself in
        a value sent to a client, in the order they are written."""
        errors = self.error_names
        out: list[tuple[str, Any, str, str]] = []
        inner = _unwrap(node)
        if inner.type == "identifier":
            name = self.full(inner)
            return [(name, inner, name, "object")] if name in errors else []
        cursor = node.walk()
        depth = 0
        budget = 2000
        while budget > 0:
            budget -= 1
            current = cursor.node
            t = current.type
            descend = True
            if t == "member_expression":
                obj = current.child_by_field_name("object")
                if obj is not None and obj.type == "identifier" and self.full(obj) in errors:
                    prop = self.full(current.child_by_field_name("property"))
                    if prop in ("message", "stack"):
                        out.append((self.flat(current, 80), obj, self.full(obj), "stack" if prop == "stack" else "message"))
                    descend = False
            elif t == "pair":
                value = current.child_by_field_name("value")
                if value is not None and value.type == "identifier" and self.full(value) in errors:
                    out.append((self.full(value), value, self.full(value), "object"))
            elif t == "shorthand_property_identifier":
                if self.full(current) in errors:
                    out.append((self.full(current), current, self.full(current), "object"))
            elif t == "template_substitution":
                sub = current.named_children[0] if current.named_child_count else None
                if sub is not None and sub.type == "identifier" and self.full(sub) in errors:
                    out.append((self.full(sub), sub, self.full(sub), "object"))
            elif t in _FUNCTION_TYPES:
                descend = False
            if descend and cursor.goto_first_child():
                depth += 1
                continue
            while not cursor.goto_next_sibling():
                if depth == 0 or not cursor.goto_parent():
                    return out
                depth -= 1
        return out

    def _env_guarded(self, node: Any, stop: Any) -> bool:
        current = node.parent
        for _ in range(64):
            if current is None or current.id == stop.id:
                return False
            if current.type == "ternary_expression":
                cond = current.child_by_field_name("condition")
                if cond is not None and _ENV_GUARD.search(self.text(cond)):
                    return True
            current = current.parent
        return False

    def _narrowed(self, node: Any, err: str, top: _Frame) -> tuple[tuple[str, ...], int]:
        """The types `err` is known to have at `node`: inside `if (err instanceof X)`, a `?:`/`&&` on it, after
        `if (!(err instanceof X)) return/throw`, a type guard `isX(err)` (as "isX()"), a field it has
        (`if (err.errorCode)`, as ".errorCode"), or a parameter typed `X`;
        `err.expose` (http-errors: true only for messages meant for clients) gives EXPOSE_NARROWED_OWN."""
        child, current = node, node.parent
        for _ in range(200):
            if current is None:
                break
            t = current.type
            if t in ("if_statement", "ternary_expression"):
                cond = current.child_by_field_name("condition")
                branch = current.child_by_field_name("consequence")
                if cond is not None and branch is not None and branch.id == child.id:
                    found = self._narrows(cond, err)
                    if found is not None:
                        return found
            elif t == "binary_expression" and self.text(current.child_by_field_name("operator")) == "&&":
                right, left = current.child_by_field_name("right"), current.child_by_field_name("left")
                if right is not None and right.id == child.id and left is not None:
                    found = self._narrows(left, err)
                    if found is not None:
                        return found
            elif t == "statement_block":
                sibling = child.prev_named_sibling
                while sibling is not None:
                    if sibling.type == "if_statement" and _exits(sibling):
                        cond = _unwrap(sibling.child_by_field_name("condition"))
                        if cond is not None and cond.type == "unary_expression" and self.text(cond).startswith("!"):
                            found = self._narrows(cond.child_by_field_name("argument"), err)
                            if found is not None:
                                return found
                    sibling = sibling.prev_named_sibling
            elif t in _FUNCTION_TYPES:
                return self._typed_param(current, err), 0
            child, current = current, current.parent
        return (), 0

    def _narrows(self, cond: Any, err: str, depth: int = 0) -> tuple[tuple[str, ...], int] | None:
        cond = _unwrap(cond)
        if cond is None or depth > 32:
            return None
        if cond.type == "binary_expression":
            op = self.text(cond.child_by_field_name("operator"))
            left, right = cond.child_by_field_name("left"), cond.child_by_field_name("right")
            if left is None or right is None:
                return None
            if op == "instanceof":
                if self.full(_unwrap(left)) == err:
                    return (self.full(right).rsplit(".", 1)[-1].strip(),), 0
                return None
            if op == "&&":
                return self._narrows(left, err, depth + 1) or self._narrows(right, err, depth + 1)
            return None
        if cond.type == "call_expression":
            fn, args = cond.child_by_field_name("function"), cond.child_by_field_name("arguments")
            first = args.named_children[0] if args is not None and args.named_child_count else None
            if fn is not None and first is not None and self.full(first) == err:
                return (self.flat(fn, 80).rsplit(".", 1)[-1] + "()",), 0
            return None
        if self.full(cond) == f"{err}.expose":
            return (), EXPOSE_NARROWED_OWN
        if cond.type == "member_expression" and self.full(cond.child_by_field_name("object")) == err:
            # `if (err.errorCode)`: the error has a field only some classes declare (as ".errorCode")
            return ("." + self.full(cond.child_by_field_name("property")),), 0
        return None

    def _typed_param(self, fn: Any, err: str) -> tuple[str, ...]:
        params = fn.child_by_field_name("parameters")
        for param in params.named_children if params is not None else []:
            pattern, ptype = param.child_by_field_name("pattern"), param.child_by_field_name("type")
            if pattern is not None and ptype is not None and self.full(pattern) == err:
                text = self.text(ptype).lstrip(":").strip()
                if text in ("any", "unknown", "Error"):
                    return ()
                return tuple(t.strip().rsplit(".", 1)[-1] for t in text.split("|") if t.strip())
        return ()

    # -- after the sweep ----------------------------------------------------------------------------------------------
    def _finish(self) -> None:
        for i, fn in enumerate(self.functions):
            self.functions[i] = fn._replace(complexity=self.complexity[i], statements=self.statements[i])
        self.fn_by_id = {n.id: i for i, n in enumerate(self.fn_nodes)}
        for i in range(len(self.handlers)):
            self.handlers[i] = self._handler_record(i)
        local_async = self._local_async()
        if local_async:
            for i, call in enumerate(self.calls):
                target = call.callee[5:] if call.callee.startswith("this.") else call.callee
                if target in local_async and (call.receiver in ("", "this")):
                    self.calls[i] = call._replace(flags=call.flags | CALL_LOCAL_ASYNC)
        by_id = self.fn_by_id
        by_name = {f.name: i for i, f in enumerate(self.functions) if f.parent < 0 and f.name}
        for framework, method, path, owner, handler_node, handler, line, guards, known in self.pending_routes:
            index = -1
            if handler_node is not None:
                index = by_id.get(_unwrap(handler_node).id, -1)
                if index < 0 and handler in by_name:
                    index = by_name[handler]
            self.routes.append(RouteDecl(framework, method, path, owner, handler, line, index, guards, known))

    def _local_async(self) -> set[str]:
        """Async functions of this file whose rejection can escape to the caller (not one whole try/catch)."""
        names: set[str] = set()
        for fn, node in zip(self.functions, self.fn_nodes, strict=True):
            if not fn.is_async or not fn.name or fn.name == "<anonymous>":
                continue
            if node.type not in ("function_declaration", "method_definition") and fn.parent >= 0 and fn.owner == "":
                parent = node.parent
                if parent is None or parent.type != "variable_declarator":
                    continue
            elif node.type not in ("function_declaration", "method_definition", "arrow_function", "function_expression"):
                continue
            if node.type in ("arrow_function", "function_expression") and (node.parent is None
                                                                            or node.parent.type != "variable_declarator"):
                continue
            body = node.child_by_field_name("body")
            if body is not None and body.type == "statement_block":
                statements = [c for c in body.named_children if c.type not in _COMMENTS]
                if len(statements) == 1 and statements[0].type == "try_statement" and \
                        statements[0].child_by_field_name("handler") is not None:
                    continue
            names.add(fn.name)
        return names

    def _handler_record(self, index: int) -> Handler:
        node, body, binding, fn, parent, line, callback = self.handler_src[index]
        flags = BODY_CALLBACK if callback else 0
        comment = ""
        if body is None:
            return Handler((), binding, line, node.end_point[0] + 1, fn, True, flags | BODY_EMPTY, 0, "", parent)
        if body.type == "statement_block":
            statements = []
            for c in body.named_children:
                if c.type in _COMMENTS:
                    text = _comment_text(self.full(c))
                    if not comment or (_CODE_COMMENT.match(comment) and not _CODE_COMMENT.match(text)):
                        comment = text
                else:
                    statements.append(c)
            if (not comment or _CODE_COMMENT.match(comment)) and not callback:
                # `// Ignore errors of duplicates` written above the `try` speaks for its (code-only) catch
                above = self._comment_above(node.parent)
                comment = above or comment
        else:  # an arrow's expression body: `.catch(() => null)` returns its value
            statements = [body]
        if self.broken and self.src.broken(node):
            flags |= BODY_BROKEN
        if not statements:
            flags |= BODY_EMPTY
        else:
            kinds = [self._statement_kind(s, body.type != "statement_block") for s in statements]
            if all(k == "trivial" for k in kinds):
                flags |= BODY_TRIVIAL
            elif all(k in ("trivial", "fallback") for k in kinds):
                flags |= BODY_FALLBACK
        start, end = body.start_byte, body.end_byte
        lo = bisect.bisect_left(self.call_starts, start)
        hi = bisect.bisect_left(self.call_starts, end)
        log_like = 0
        for i in range(lo, hi):
            call = self.calls[i]
            receiver_last = call.receiver.rsplit(".", 1)[-1]
            if call.name in ("captureException", "printStackTrace") or (
                    (receiver_last in _LOG_OBJECTS or "log" in receiver_last.lower()) and call.name in _LOG_METHODS):
                flags |= BODY_LOGS
                log_like += 1
            if call.name in _PASS_ON:
                flags |= BODY_PASSES_ON
            if (_NOTIFY_CALL.match(call.name) or (receiver_last in _NOTIFY_OBJECTS and call.name in _NOTIFY_METHODS)) \
                    and call.args and call.args[0][1] not in _TRIVIAL_VALUES:  # a message, not `setError(null)`
                flags |= BODY_NOTIFIES
            if call.callee in _EXIT_CALLS:
                flags |= BODY_EXITS
            if call.name in ("rollback", "rollbackTransaction", "abortTransaction"):
                flags |= BODY_ROLLBACK
        own_fn = fn if not callback else self.fn_by_id.get(node.id, -2)
        for _start, throw_fn, rethrow in _in_range(self.throws, start, end):
            if throw_fn == own_fn or (not callback and throw_fn == fn):
                flags |= BODY_RAISES
                if rethrow:
                    flags |= BODY_RERAISES
        for _start_byte, ret_fn, value in _in_range(self.returns, start, end):
            if ret_fn == own_fn and value and value not in _TRIVIAL_VALUES:
                flags |= BODY_RETURNS
        if callback and body.type != "statement_block" and self._statement_kind(body, True) == "value":
            flags |= BODY_RETURNS
        if binding and self._uses(body, binding):
            flags |= BODY_USES_ERROR
        statements_count = self.handler_statements[index] if body.type == "statement_block" else 1
        return Handler((), binding, line, node.end_point[0] + 1, fn, True, flags, statements_count, comment, parent)

    def _comment_above(self, stmt: Any) -> str:
        """The comment lines directly above a statement (nearest block, in source order), "" when none."""
        if stmt is None:
            return ""
        lines: list[str] = []
        prev = stmt.prev_sibling
        bottom = stmt.start_point[0]
        for _ in range(8):
            if prev is None or prev.type not in _COMMENTS or prev.end_point[0] < bottom - 1:
                break
            lines.append(_comment_text(self.full(prev)))
            bottom = prev.start_point[0]
            prev = prev.prev_sibling
        return " ".join(reversed(lines))[:120]

    def _statement_kind(self, stmt: Any, expression_body: bool) -> str:
        """"trivial" (break, continue, an empty or bare return), "fallback" (assigns a value, returns a trivial value)
        or "other"; an arrow's expression body is a returned value ("value" when it is not trivial)."""
        t = stmt.type
        if expression_body:
            text = self.text(stmt, 40)
            return "fallback" if text in _TRIVIAL_VALUES else "value"
        if t in ("continue_statement", "break_statement", "empty_statement"):
            return "trivial"
        if t == "return_statement":
            value = next((c for c in stmt.named_children if c.type not in _COMMENTS), None)
            return "trivial" if value is None else "fallback"
        if t == "expression_statement" and stmt.named_child_count:
            first = stmt.named_children[0]
            if first.type == "assignment_expression":
                return "fallback"
        return "other"

    def _uses(self, body: Any, binding: str) -> bool:
        import tree_sitter

        wanted = binding.encode()
        cursor = tree_sitter.QueryCursor(_query(self.grammar, "ident"))
        cursor.set_byte_range(body.start_byte, body.end_byte)
        for nodes in cursor.captures(body).values():
            for n in nodes:
                if self.data[n.start_byte:n.end_byte] == wanted:
                    return True
        return False


_EVENT_TAGS = (("export", 0), ("class", 1), ("fn", 2), ("catch", 3), ("decls", 4), ("decl", 5), ("assign", 6),
               ("call", 7), ("field", 8), ("pair", 9), ("loop", 10), ("if", 11), ("stmt", 12), ("throw", 13),
               ("return", 14), ("ternary", 15), ("case", 16), ("bool", 17), ("any", 18))


def _captures(grammar: str, root: Any) -> dict[str, list[Any]]:
    import tree_sitter

    found: dict[str, list[Any]] = tree_sitter.QueryCursor(_query(grammar)).captures(root)
    for nodes in found.values():  # in document order: tree-sitter's order of captures changed between runs
        nodes.sort(key=_DOCUMENT_ORDER)
    return found


_DOCUMENT_ORDER = operator.attrgetter("start_byte", "end_byte")


def _in_range(items: list[tuple[int, int, Any]], start: int, end: int) -> list[tuple[int, int, Any]]:
    lo = bisect.bisect_left(items, (start, -(1 << 62)))
    out = []
    for i in range(lo, len(items)):
        if items[i][0] >= end:
            break
        out.append(items[i])
    return out


def _unwrap(node: Any) -> Any:
    """The expression inside parentheses, `await`, `as`/`satisfies` casts and `!`."""
    for _ in range(256):
        if node is None or node.type not in ("parenthesized_expression", "await_expression", "as_expression",
                                             "satisfies_expression", "non_null_expression", "type_assertion"):
            return node
        children = [c for c in node.named_children if c.type not in _COMMENTS and c.type != "type_arguments"]
        if not children:
            return node
        node = children[0] if node.type != "type_assertion" else children[-1]
    return node


def _stringish(node: Any) -> bool:
    """Whether a `+` expression has a string literal or template somewhere along its operands."""
    stack = [node]
    budget = 64
    while stack and budget > 0:
        budget -= 1
        current = stack.pop()
        t = current.type
        if t in ("string", "template_string"):
            return True
        if t == "binary_expression":
            left, right = current.child_by_field_name("left"), current.child_by_field_name("right")
            stack.extend(c for c in (left, right) if c is not None)
        elif t == "parenthesized_expression" and current.named_child_count:
            stack.append(current.named_children[0])
    return False


def _literal(node: Any) -> bool:
    """A literal value, or an array of them (bounded)."""
    stack = [node]
    budget = 64
    while stack:
        budget -= 1
        if budget < 0:
            return False
        current = stack.pop()
        t = current.type
        if t in ("string", "number", "true", "false", "null"):
            continue
        if t == "template_string":
            if any(c.type == "template_substitution" for c in current.children):
                return False
            continue
        if t == "identifier" and current.end_byte - current.start_byte == 9 and current.text == b"undefined":
            continue
        if t == "array":
            stack.extend(c for c in current.named_children if c.type not in _COMMENTS)
        elif t == "unary_expression" and current.named_child_count == 1 and current.named_children[0].type == "number":
            continue
        else:
            return False
    return True


def _exits(if_stmt: Any) -> bool:
    """An `if` without else whose branch always leaves: return, throw (possibly as the block's last statement)."""
    if if_stmt.child_by_field_name("alternative") is not None:
        return False
    branch = if_stmt.child_by_field_name("consequence")
    if branch is not None and branch.type == "statement_block":
        statements = [c for c in branch.named_children if c.type not in _COMMENTS]
        branch = statements[-1] if statements else None
    return branch is not None and branch.type in ("return_statement", "throw_statement")


def _comment_text(raw: str) -> str:
    text = raw.strip()
    if text.startswith("//"):
        text = text[2:]
    elif text.startswith("/*"):
        text = text[2:-2] if text.endswith("*/") else text[2:]
    return " ".join(text.replace("*", " ").split())[:120]


def _is_client_status(text: str) -> bool:
    from analysis.frameworks import is_client_error_status

    return is_client_error_status(text)


def analyse_javascript(path: str, role: str, data: bytes, *, lang: str = "") -> FileModel:
    """The model of one TypeScript or JavaScript file. Never raises for bad input: a file that does not parse is a
    model with a problem, a partly parsed one is read where it parsed (facts in broken regions are flagged)."""
    lang = lang or ("typescript" if path.endswith((".ts", ".tsx", ".mts", ".cts")) else "javascript")
    grammar = grammar_of(path, lang)
    parser_name = "tree-sitter-typescript" if grammar in ("typescript", "tsx") else "tree-sitter-javascript"
    tree, problem = parse(grammar, data)
    if tree is None:
        return FileModel(path, lang, role, parser_name, problem=problem)
    src = Source(data, tree, grammar)
    reader = _Reader(path, role, lang, grammar, src)
    try:
        reader.read()
    except RecursionError:
        return FileModel(path, lang, role, parser_name, problem=("too-deep", "nesting too deep to analyse"),
                         lines=src.data.count(b"\n") + 1)
    return FileModel(
        path, lang, role, parser_name, problem=problem, lines=src.data.count(b"\n") + 1,
        markers=frozenset(reader.markers), imports=tuple(reader.imports), functions=tuple(reader.functions),
        classes=tuple(reader.classes), calls=tuple(reader.calls), assigns=tuple(reader.assigns),
        settings=tuple(reader.settings), handlers=tuple(h for h in reader.handlers if h is not None),
        raises=tuple(reader.raises), exposures=tuple(reader.exposures), routes=tuple(reader.routes),
        mounts=tuple(reader.mounts), tests=tuple(reader.tests), type_uses=tuple(reader.type_uses),
    )
