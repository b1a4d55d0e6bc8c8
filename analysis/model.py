"""The shared model of a source file: what checks ask of code, read once per file, in every language.

An adapter (analysis/python.py, javascript.py, go.py, java.py, rust.py) turns one parsed file into a
`FileModel`: plain, immutable facts with no judgement in them. Checks query the facts of a project
(`analysis.project.ProjectAnalysis`); they never walk a syntax tree of their own.

Representation, chosen for speed and memory (a model is built in a worker process, sent to the parent as
`marshal` bytes, cached on disk by content, and decoded lazily in the check processes):

* Every record kind is a `NamedTuple` (compact, immutable, cheap to build).
* What records nest (`Value`, `Param`) is a *plain* tuple with the fields documented at its alias, so a
  record converts to marshal-able builtins with a shallow `tuple(record)`.
* A `FileModel` holds its sections (calls, functions, ...) as tuples of records.

Line numbers are 1-based. `function` fields index into the same file's `functions` (-1: module level);
`handler` fields index into `handlers` (-1: not inside an exception handler).
"""

from __future__ import annotations

import gc
import marshal
from collections.abc import Iterator
from typing import Any, NamedTuple

__all__ = [
    "MODEL_VERSION",
    "Assign",
    "Call",
    "Class",
    "Discard",
    "Exposure",
    "FileModel",
    "Function",
    "Handler",
    "Import",
    "Loop",
    "Mount",
    "Param",
    "Raise",
    "RouteDecl",
    "SecretHit",
    "Setting",
    "TestCase",
    "TypeUse",
    "Value",
    "value_kind",
    "value_literal",
    "value_names",
    "value_text",
]

# Bumped whenever an adapter or a record changes shape, so cached models are never reused across versions.
MODEL_VERSION = "5"

# -- nested plain tuples ----------------------------------------------------------------------------------------
# Value: one expression as a check needs to see it, (kind, text, names, keyword, literal):
#   kind     "str" (a string literal) | "num" | "bool" | "none" | "name" | "attr" | "call" | "interpolated"
#            (f-string, template literal, format!/Sprintf/%/.format with non-literal parts) | "concat" (string
#            built with +, .join or concatenation from non-literal parts) | "collection" | "function" (a lambda,
#            closure or function reference) | "other"
#   text     the source text, capped at TEXT_CAP characters
#   names    identifiers the expression reads (for "is this built from variables", "does it mention err")
#   keyword  the keyword / field name for a keyword argument or an object-literal pair, else ""
#   literal  the value of a string literal (capped), else None
Value = tuple[str, str, tuple[str, ...], str, str | None]
# Param: (name, annotation text or None, default text or None, kind) with kind "positional" | "keyword" |
# "vararg" | "kwarg" | "self" (an implicit receiver: self, cls, a Go/Rust receiver).
Param = tuple[str, str | None, str | None, str]

TEXT_CAP = 200
# Module- and class-level values and settings are configuration (INSTALLED_APPS, migration dependencies): kept longer.
SETTING_CAP = 4000


def value_kind(value: Value) -> str:
    return value[0]


def value_text(value: Value) -> str:
    return value[1]


def value_names(value: Value) -> tuple[str, ...]:
    return value[2]


def value_literal(value: Value) -> str | None:
    return value[4]


# -- records --------------------------------------------------------------------------------------------------
class Import(NamedTuple):
    """One imported name. `module` as written ("fastapi", "./routes/users", "github.com/gin-gonic/gin",
    "org.springframework.web.bind.annotation", "axum::routing"); `name` the imported member ("" for the module
    itself, "*" for a wildcard or namespace import, "default" for a JS default import); `alias` the local name
    it is bound to ("" when nothing is bound, e.g. a side-effect import)."""

    module: str
    name: str
    alias: str
    line: int


class Function(NamedTuple):
    """A function, method, closure or lambda that has a body."""

    name: str
    qualname: str  # Class.method, outer.inner (within the file)
    line: int
    end_line: int
    is_async: bool
    params: tuple[Param, ...]
    returns: str | None  # the declared return type / annotation text, None when absent
    decorators: tuple[str, ...]  # decorator, annotation or attribute texts (capped), in source order
    owner: str  # the class, impl type or receiver type it belongs to, "" for a free function
    parent: int  # index of the enclosing function, -1
    visibility: str  # "public" | "private" | "" (the language does not say)
    is_test: bool  # a test case (by the language's and test framework's conventions)
    complexity: int  # cyclomatic complexity: 1 + decision points (branches, loops, boolean operators, catches)
    statements: int


class Class(NamedTuple):
    """A class, interface, struct, enum, trait or (Rust) impl block."""

    name: str
    kind: str  # "class" | "interface" | "struct" | "enum" | "trait" | "impl" | "type"
    bases: tuple[str, ...]  # superclasses, implemented interfaces, embedded types, the trait of an impl
    decorators: tuple[str, ...]
    line: int
    end_line: int
    fields: tuple[tuple[str, str], ...]  # (name, declared type text) of fields / struct members
    methods: int
    parent: int  # index of the enclosing function, -1


class Call(NamedTuple):
    """A call, constructor invocation (`new X()`) or macro invocation."""

    name: str  # the last segment of the callee: "execute", "get", "unwrap", "Sprintf", "panic"
    callee: str  # the callee as written, normalised: "cursor.execute", "fmt.Sprintf", "web::get"
    qualified: str  # the callee resolved through the file's imports ("requests.get"), "" when unknown
    args: tuple[Value, ...]  # positional, then keyword arguments (keyword set)
    line: int
    end_line: int
    function: int
    handler: int
    flags: int  # CALL_* bits below
    receiver: str  # the text of the object a method is called on ("" for a plain function call)


# Call flags
CALL_AWAITED = 1 << 0  # awaited (or `.await` in Rust)
CALL_STATEMENT = 1 << 1  # the whole expression statement: its result is not used
CALL_IN_LOOP = 1 << 2  # inside a loop body (or a comprehension) of the same function
CALL_IN_ASYNC = 1 << 3  # inside an async function
CALL_DEFERRED = 1 << 4  # Go `defer` / `go`
CALL_NEW = 1 << 5  # a constructor invocation
CALL_MACRO = 1 << 6  # a macro invocation (Rust)
CALL_IN_TEST = 1 << 7  # inside a test function or test-only module
CALL_BROKEN = 1 << 8  # inside a part of the file that did not parse: facts there are guesses
CALL_IN_LAMBDA = 1 << 9  # inside a lambda / closure / arrow function literal
# Promise facts (JavaScript/TypeScript), on the last call of a method chain and on calls of the file's functions:
CALL_THEN_CHAIN = 1 << 10  # the chain ending in this call has a `.then()` on the way: `p.then(f).finally(g)`
CALL_REJECTION_HANDLED = 1 << 11  # the chain handles a rejection: `.catch(fn)` or `.then(ok, fail)`
CALL_LOCAL_ASYNC = 1 << 12  # calls an async function of this file whose body is not one whole try/catch (may reject)
CALL_GUARD = 1 << 13  # the condition of an `if` whose body always leaves (return, break, continue): a guard clause


class Loop(NamedTuple):
    """A loop: a for/while statement or a comprehension's `for` clause (one record per clause). Calls inside it
    carry CALL_IN_LOOP; this says what is iterated, so a check can tell a loop over a query's rows from one over
    a literal list."""

    kind: str  # "for" | "while" | "comprehension" | "callback" (xs.forEach(fn), xs.map(fn))
    line: int
    end_line: int
    function: int
    iterable: Value  # what is iterated (a while loop: its condition)
    targets: tuple[str, ...]  # the loop variables ("" entries for what is not a plain name)
    reads: tuple[str, ...]  # attributes of the loop variables the body reads ("order.customer"), as met, capped


class Assign(NamedTuple):
    """An assignment or declaration with a value. Targets are names or dotted attributes; "_" a discard."""

    targets: tuple[str, ...]
    value: Value
    line: int
    function: int
    owner: str  # the class whose body holds it, "" elsewhere
    annotation: str | None  # declared type, if any
    op: str  # "=", ":=", "+=", "let", "const", "var", ...


class Setting(NamedTuple):
    """A key given a literal value: a keyword argument, an object-literal or struct-literal field, a
    decorator/annotation attribute, or a module- or class-level constant. `context` says where: the callee
    or type of the literal ("CORSMiddleware", "new DataSource", "cors.Config"), or the assignment target."""

    key: str
    value: str  # the literal text: "True", "'*'", "[\"*\"]", "100"
    line: int
    context: str
    function: int


class Handler(NamedTuple):
    """An exception handler: `except`, `catch`, `.catch(fn)`, a Go `recover()` block."""

    types: tuple[str, ...]  # caught type names (last segment); () when the clause names none
    binding: str  # the name the error is bound to, ""
    line: int
    end_line: int
    function: int
    catch_all: bool  # catches everything: bare `except`, Exception/BaseException, Throwable, an untyped JS catch
    flags: int  # BODY_* bits below
    statements: int
    comment: str  # the first comment in the body (capped): "intentionally ignored"; JS/TS: the comment right above
    # the `try` when the body holds none but commented-out code
    parent: int  # index of the enclosing handler, -1


# What a handler body does (each bit is a fact about the body, not a verdict)
BODY_EMPTY = 1 << 0  # no statement at all (comments only)
BODY_TRIVIAL = 1 << 1  # only pass / continue / break / return with no value or a null-like value
BODY_FALLBACK = 1 << 2  # every statement assigns a value or returns a literal-like fallback value
BODY_LOGS = 1 << 3  # calls a logger / prints the error / reports it (Sentry)
BODY_RAISES = 1 << 4  # raises / throws (anything)
BODY_RERAISES = 1 << 5  # re-raises the caught error itself (bare `raise`, `throw err`)
BODY_EXITS = 1 << 6  # exits the process or aborts the request (sys.exit, abort)
BODY_USES_ERROR = 1 << 7  # reads the bound error
BODY_PASSES_ON = 1 << 8  # hands the error on: next(err), reject(err), callback(err)
BODY_RETURNS = 1 << 9  # returns something that is not a trivial value
BODY_ROLLBACK = 1 << 10  # rolls a transaction back
BODY_PRINTS_STACK = 1 << 11  # only prints the stack trace (Java printStackTrace)
BODY_BROKEN = 1 << 12  # the handler lies in a part of the file that did not parse
BODY_CALLBACK = 1 << 13  # the handler is a callback (`.catch(fn)`, `.then(ok, fn)`), not a catch clause
BODY_NOTIFIES = 1 << 14  # shows the failure to the user: setError(msg), reportError(msg), toast.error(msg) (JS/TS)


class Raise(NamedTuple):
    """A raise / throw / panic-with-error."""

    exception: str  # what is raised: the constructor or expression text (capped), "" for a bare re-raise
    line: int
    end_line: int
    function: int
    handler: int  # the innermost enclosing handler in the same function, -1
    flags: int  # RAISE_* bits


RAISE_RERAISE = 1 << 0  # re-raises the caught error itself
RAISE_CHAINED = 1 << 1  # the caught error is kept as the cause (`from exc`, `new X(msg, e)`, `%w`)
RAISE_FROM_NONE = 1 << 2  # the cause is dropped on purpose (`from None`)
RAISE_MESSAGE_ONLY = 1 << 3  # only the caught error's message is kept (`new X(e.getMessage())`): the cause is lost


class Exposure(NamedTuple):
    """Error details (message, stack, the error object) put into what is sent to a client."""

    detail: str  # "str(exc)", "err.message", "err.Error()", "e.getMessage()", "traceback.format_exc()"
    sink: str  # how it reaches the client: "jsonify", "res.json", "c.JSON", "return from route handler"
    line: int
    end_line: int
    function: int
    status: str  # the response status expression when one is given
    error_types: tuple[str, ...]  # types the exposed error was caught as or narrowed to (() unknown)
    flags: int  # EXPOSE_* bits


EXPOSE_CLIENT_STATUS = 1 << 0  # the response has an explicit 4xx status
EXPOSE_STACK = 1 << 1  # a stack trace
EXPOSE_ERROR_MIDDLEWARE = 1 << 2  # inside an error-handling middleware
EXPOSE_NARROWED_OWN = 1 << 3  # the error was narrowed (instanceof, type guard, `.expose`) to a client error class
EXPOSE_ENV_GUARDED = 1 << 4  # only in development (a NODE_ENV / debug condition)
EXPOSE_BROKEN = 1 << 5


class Discard(NamedTuple):
    """A call whose results are dropped (an expression statement) or whose last result is assigned to `_`.

    For Go, where whether the callee returns an error is settled across files by the project's declarations."""

    callee: str  # as written: "db.Exec", "json.Unmarshal", "s.repo.Save"
    receiver: str  # the receiver text ("" for a plain function)
    method: str
    line: int
    end_line: int
    function: int
    how: str  # "statement" | "blank"
    receiver_type: str  # a symbolic type of the receiver the file can tell ("" unknown); the Go resolver finishes
    package: str  # the imported package the receiver names, "" when the receiver is not an import
    commented: bool  # a comment on the same line explains the discard


class RouteDecl(NamedTuple):
    """An HTTP route as declared in one file, before prefixes from other files are applied."""

    framework: str
    method: str  # "GET", ... or "ANY"
    path: str  # the path as far as this file tells it (its own prefixes applied)
    owner: str  # symbolic key of the router/app/controller it is registered on, resolved by analysis.routes
    handler: str  # the handler's name or text
    line: int
    function: int
    guards: tuple[str, ...]  # middleware, guards, dependencies and decorators attached where it is declared
    known: bool  # False when a part of the path could not be read (a variable, a call)


class Mount(NamedTuple):
    """A router mounted under a prefix: include_router, app.use('/x', r), r.Mount, nest, scope, register."""

    parent: str  # symbolic key of the mounting router/app
    child: str  # symbolic key of the mounted router (may name another module: "module:./users#default")
    prefix: str
    line: int
    guards: tuple[str, ...]
    known: bool


class TestCase(NamedTuple):
    """A test, fixture or property-based test as the test framework sees it."""

    name: str
    kind: str  # "test" | "fixture" | "property" | "setup" | "benchmark" | "stub"
    framework: str  # "pytest", "unittest", "jest", "go", "junit", "rust", ...
    line: int


class TypeUse(NamedTuple):
    """A place where the static type system is escaped: Any/any, interface{}, raw generic types, Object."""

    kind: str  # "any" | "any-nested" | "interface{}" | "raw-type" | "object" | "unsafe" | "ts-ignore" | "cast-any"
    text: str
    line: int
    where: str  # what it types: "parameter `x` of `f`", "return of `f`", "field `y`", ""
    function: int
    public: bool  # in a public signature


class SecretHit(NamedTuple):
    """A secret-shaped value in a file (analysis/secrets.py). The value itself is never kept: only where it is
    (line, columns of the value on that line, 0-based, in characters), its kind, length, entropy and a short hash."""

    kind: str  # "aws-access-key-id", "github-token", "private-key", "jwt", "url-credentials", "assigned-secret", ...
    line: int
    start: int
    end: int
    key: str  # the name it is assigned to, or the URL scheme, "" for a self-evident token
    length: int
    entropy: float
    flags: int  # SECRET_* bits
    fingerprint: str  # sha256 of the value, 16 hex digits: tells values apart without revealing them


SECRET_LIVE = 1 << 0  # a provider's live key format (GitHub, Stripe live, Slack, Google, SendGrid, ...)
SECRET_TEST_KEY = 1 << 1  # a provider's test-mode key (Stripe sk_test_)
SECRET_DEFAULT = 1 << 2  # a common default value (postgres, root, admin, changeme-like but real)
SECRET_LOCAL = 1 << 3  # credentials for a local service (localhost, a compose service name)
SECRET_FALLBACK = 1 << 4  # the default of an environment look-up: os.environ.get("SECRET_KEY", "dev-secret")
SECRET_EXAMPLE_FILE = 1 << 5  # in an example/template/sample file (.env.example)
SECRET_ENV_FILE = 1 << 6  # in a .env file
SECRET_TOOLING = 1 << 7  # in CI, compose or dev-container configuration (throw-away services, test runs)
SECRET_EXPIRED = 1 << 8  # a token whose own expiry lies in the past: a JWT's `exp`, a signed URL's `e=`/`Expires=`
SECRET_READ_ONLY = 1 << 9  # a token that says it only reads: Nx Cloud's `accessToken` in nx.json, `<id>|read`


# -- the file model ------------------------------------------------------------------------------------------
_SECTIONS: tuple[tuple[str, Any], ...] = (
    ("imports", Import), ("functions", Function), ("classes", Class), ("calls", Call), ("assigns", Assign),
    ("settings", Setting), ("handlers", Handler), ("raises", Raise), ("exposures", Exposure),
    ("discards", Discard), ("routes", RouteDecl), ("mounts", Mount), ("tests", TestCase), ("type_uses", TypeUse),
    ("secrets", SecretHit), ("loops", Loop),
)
SECTION_NAMES = tuple(name for name, _ in _SECTIONS)
_SECTION_INDEX = {name: i for i, name in enumerate(SECTION_NAMES)}
_COMPARED = ("path", "language", "role", "parser", "problem", "lines", "markers", "metrics", *SECTION_NAMES)


class FileModel:
    """Everything the adapters know about one file. Sections are tuples of records; `markers` holds file-level
    flags ("ts-check", "ts-nocheck", "generated-client", "cfg-test", "package:<name>", "test-code:FIRST-LAST",
    "lint-allowed:LINT:FIRST-LAST")."""

    __slots__ = ("_raw", "language", "lines", "markers", "metrics", "parser", "path", "problem", "role", *SECTION_NAMES)

    path: str
    language: str
    role: str
    parser: str  # "ast" | "tree-sitter-python" | "tree-sitter-typescript" | ...
    problem: tuple[str, str] | None  # (kind, message) of a parse problem: "syntax", "partial", "decode", "too-deep"
    lines: int
    markers: frozenset[str]
    imports: tuple[Import, ...]
    functions: tuple[Function, ...]
    classes: tuple[Class, ...]
    calls: tuple[Call, ...]
    assigns: tuple[Assign, ...]
    settings: tuple[Setting, ...]
    handlers: tuple[Handler, ...]
    raises: tuple[Raise, ...]
    exposures: tuple[Exposure, ...]
    discards: tuple[Discard, ...]
    routes: tuple[RouteDecl, ...]
    mounts: tuple[Mount, ...]
    tests: tuple[TestCase, ...]
    type_uses: tuple[TypeUse, ...]
    secrets: tuple[SecretHit, ...]
    loops: tuple[Loop, ...]
    # File-level measures, name -> number: "code_lines" (lines with code: not blank, not only a comment), and for
    # Python modules of analysis.python.MI_MIN_LINES lines or more "mi" (radon's maintainability index, 0-100), for
    # the roles of analysis.python.MI_ROLES (application code and migrations; not tests).
    metrics: tuple[tuple[str, float], ...]
    _raw: list[bytes]  # a decoded model's sections, each marshalled until first read (then b"")

    def __init__(self, path: str, language: str, role: str, parser: str, *, problem: tuple[str, str] | None = None,
                 lines: int = 0, markers: frozenset[str] = frozenset(), metrics: tuple[tuple[str, float], ...] = (),
                 **sections: tuple[NamedTuple, ...]) -> None:
        self.path, self.language, self.role, self.parser = path, language, role, parser
        self.problem, self.lines, self.markers = problem, lines, markers
        self.metrics = tuple(metrics)
        for name in SECTION_NAMES:
            setattr(self, name, tuple(sections.pop(name, ())))
        if sections:
            raise TypeError(f"unknown sections: {', '.join(sorted(sections))}")

    @property
    def parsed(self) -> bool:
        """Whether the file was read into facts at all (a partial parse still was)."""
        return self.problem is None or self.problem[0] == "partial"

    def function(self, index: int) -> Function | None:
        return self.functions[index] if 0 <= index < len(self.functions) else None

    def handler(self, index: int) -> Handler | None:
        return self.handlers[index] if 0 <= index < len(self.handlers) else None

    def enclosing(self, index: int) -> Iterator[Function]:
        """The function at `index` and every function enclosing it, innermost first."""
        seen = 0
        while 0 <= index < len(self.functions) and seen <= len(self.functions):
            fn = self.functions[index]
            yield fn
            index = fn.parent
            seen += 1

    def metric(self, name: str) -> float | None:
        """A file-level measure (see `metrics`), None when the adapter did not measure it."""
        for key, value in self.metrics:
            if key == name:
                return value
        return None

    def in_test_code(self, line: int) -> bool:
        """Whether `line` lies in test code inside the file: a `test-code:FIRST-LAST` marker (a Rust
        `#[cfg(test)]` module) or a file-level "cfg-test" marker. (Test files are told apart by their role.)"""
        if "cfg-test" in self.markers:
            return True
        for m in self.markers:
            if m.startswith("test-code:"):
                first, _, last = m[len("test-code:"):].partition("-")
                if first.isdigit() and last.isdigit() and int(first) <= line <= int(last):
                    return True
        return False

    def marker(self, prefix: str) -> str | None:
        """The first marker `prefix:value`'s value (e.g. marker("package") -> "handlers")."""
        for m in self.markers:
            if m.startswith(prefix + ":"):
                return m[len(prefix) + 1 :]
        return None

    # -- wire format ------------------------------------------------------------------------------------------
    # Each section is marshalled on its own and decoded the first time it is read: a check process reads only the
    # sections its checks ask for (on Django, decoding every model's every section was 0.4 s per check process).
    def to_bytes(self) -> bytes:
        header = (MODEL_VERSION, self.path, self.language, self.role, self.parser, self.problem, self.lines,
                  tuple(sorted(self.markers)), self.metrics)
        body = tuple(marshal.dumps(tuple(tuple(r) for r in records)) if (records := getattr(self, name)) else b""
                     for name in SECTION_NAMES)
        return marshal.dumps((header, body))

    @classmethod
    def from_bytes(cls, data: bytes) -> FileModel:
        header, body = marshal.loads(data)  # noqa: S302 - written by our own worker or our own cache, never the target
        version = header[0]
        if version != MODEL_VERSION or len(header) != 9 or len(body) != len(_SECTIONS) or not all(
                type(raw) is bytes for raw in body):
            raise ValueError(f"model version {version!r} is not {MODEL_VERSION!r}")
        _, path, language, role, parser, problem, lines, markers, metrics = header
        model = cls(path, language, role, parser, problem=tuple(problem) if problem else None, lines=lines,
                    markers=frozenset(markers), metrics=tuple(tuple(m) for m in metrics))
        for name in SECTION_NAMES:  # left unset: __getattr__ decodes a section when it is first read
            object.__delattr__(model, name)
        model._raw = list(body)
        return model

    def __getattr__(self, name: str) -> Any:
        """A section of a decoded model, decoded from its bytes on first reading (with the cyclic collector paused:
        marshalled tuples of strings and numbers form no cycles, and a collection per thousand tuples made decoding
        four times slower)."""
        index = _SECTION_INDEX.get(name)
        if index is None:
            raise AttributeError(name)
        raw: list[bytes] = object.__getattribute__(self, "_raw")
        data = raw[index]
        value: tuple[NamedTuple, ...] = ()
        if not data:
            try:  # decoded meanwhile by another thread, which then let go of the bytes
                return object.__getattribute__(self, name)
            except AttributeError:
                pass
        else:
            enabled = gc.isenabled()
            gc.disable()
            try:
                value = tuple(map(_SECTIONS[index][1]._make, marshal.loads(data)))  # noqa: S302 - as in from_bytes
            finally:
                if enabled:
                    gc.enable()
        object.__setattr__(self, name, value)
        raw[index] = b""  # the records replace their bytes: a section is held once
        return value

    def __eq__(self, other: object) -> bool:
        """Equal values, field by field (marshal's bytes also encode how objects are shared, so two equal models can
        marshal differently)."""
        if not isinstance(other, FileModel):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in _COMPARED)

    def __hash__(self) -> int:
        return hash((self.path, self.language, self.lines))

    def __repr__(self) -> str:
        counts = ", ".join(f"{n}={len(getattr(self, n))}" for n in SECTION_NAMES if getattr(self, n))
        return f"FileModel({self.path!r}, {self.language}, {self.parser}, {counts})"
