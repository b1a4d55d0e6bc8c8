"""Blocking calls where code must not block: operability/blocking-in-async.

Queries over the model: calls flagged CALL_IN_ASYNC (inside an async function; a closure or lambda there is not
run in place, so it is left out), for JavaScript also every call in a function that serves a route (one thread
serves every request), for Java the methods that return a Reactor `Mono`/`Flux`, matched against per-family
tables of blocking callees: sleeps, synchronous HTTP clients, process calls, blocking database drivers, file
I/O, and a synchronous ORM used from async code (Django's ORM, a SQLAlchemy `Session` parameter).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from analysis.frameworks import language_family
from analysis.model import CALL_AWAITED, CALL_IN_ASYNC, CALL_IN_LAMBDA, CALL_IN_TEST, Call, FileModel, Function
from analysis.routes.handlers import RequestFunctions, request_functions
from auditor.context import Context
from auditor.model import Check, Confidence, Effort, NotApplicable, Severity, Verdict

__all__ = ["BLOCKING_CALLS", "BlockingInAsync", "blocking_sites"]

_HTTP = "a synchronous HTTP request"
_PROC = "waits for a child process"
_DB = "a blocking database driver"
_FILE = "blocking file I/O"
# Per family: callee (resolved through imports, or as written) -> what it does.
BLOCKING_CALLS: dict[str, dict[str, str]] = {
    "python": {
        "time.sleep": "sleeps", **{f"requests.{m}": _HTTP for m in ("get", "post", "put", "patch", "delete", "head",
                                                                    "options", "request")},
        **{f"httpx.{m}": _HTTP for m in ("get", "post", "put", "patch", "delete", "head", "options", "request", "stream")},
        "urllib.request.urlopen": _HTTP, "urllib3.request": _HTTP,
        "subprocess.run": _PROC, "subprocess.call": _PROC, "subprocess.check_call": _PROC, "subprocess.check_output": _PROC,
        "os.system": _PROC, "psycopg2.connect": _DB, "pymysql.connect": _DB, "MySQLdb.connect": _DB,
        "mysql.connector.connect": _DB, "sqlite3.connect": _DB, "pymongo.MongoClient": _DB,
        "smtplib.SMTP": "a blocking SMTP connection",
        "smtplib.SMTP_SSL": "a blocking SMTP connection",
    },
    "javascript": {
        **{f"fs.{m}": _FILE for m in ("readFileSync", "writeFileSync", "appendFileSync", "readdirSync", "statSync", "copyFileSync",
                                      "mkdirSync", "unlinkSync", "rmSync", "openSync", "readSync", "writeSync", "lstatSync")},
        **{f"child_process.{m}": _PROC for m in ("execSync", "execFileSync", "spawnSync")},
        **{f"crypto.{m}": "a CPU-bound hash on the event loop" for m in ("pbkdf2Sync", "scryptSync")},
        **{f"zlib.{m}": "CPU-bound compression on the event loop" for m in ("gzipSync", "gunzipSync", "deflateSync",
                                                                             "inflateSync", "brotliCompressSync")},
        "bcrypt.hashSync": "a CPU-bound hash on the event loop", "bcrypt.compareSync": "a CPU-bound hash on the event loop",
        "bcryptjs.hashSync": "a CPU-bound hash on the event loop", "bcryptjs.compareSync": "a CPU-bound hash on the event loop",
    },
    "rust": {
        "std::thread::sleep": "sleeps", "thread::sleep": "sleeps", **{f"{p}{m}": _FILE for p in ("std::fs::", "fs::")
                                                                      for m in ("read", "read_to_string", "write",
                                                                                "read_dir", "create_dir_all", "remove_file",
                                                                                "copy", "metadata")},
        "std::fs::File::open": _FILE, "File::open": _FILE, "std::fs::File::create": _FILE, "File::create": _FILE,
        "reqwest::blocking::get": _HTTP, "std::net::TcpStream::connect": "a blocking socket",
    },
    "java": {
        "Thread.sleep": "sleeps", "DriverManager.getConnection": _DB,
        **{f"restTemplate.{m}": _HTTP for m in ("getForObject", "getForEntity", "postForObject", "postForEntity", "exchange",
                                                "put", "delete")},
        **{f"jdbcTemplate.{m}": "blocking JDBC" for m in ("query", "queryForObject", "queryForList", "queryForMap", "update",
                                                          "execute", "batchUpdate")},
    },
}
# JavaScript: any `xxxSync` of these modules, however it was imported.
_JS_SYNC = re.compile(r"^(readFile|writeFile|appendFile|readdir|stat|lstat|copyFile|mkdir|unlink|rm|open|read|write|exec|"
                      r"execFile|spawn|pbkdf2|scrypt|gzip|gunzip|deflate|inflate|hash|compare)Sync$")
_DJANGO_EVALUATING = frozenset({"get", "first", "last", "count", "exists", "create", "update", "delete", "get_or_create",
                                "update_or_create", "aggregate", "bulk_create", "bulk_update", "in_bulk", "latest",
                                "earliest", "contains"})
_SESSION_METHODS = frozenset({"execute", "scalars", "scalar", "get", "query", "commit", "flush", "refresh", "merge", "exec",
                              "scalar_one", "get_one"})
_SYNC_SESSION = re.compile(r"^(Annotated\[\s*)?(sqlalchemy\.orm\.|orm\.)?(Session|sqlmodel\.Session)\b(?!Local)")
_REACTIVE = re.compile(r"^(reactor\.core\.publisher\.)?(Mono|Flux)\b")
_OFFLOADED = frozenset({"subscribeOn", "publishOn", "fromCallable", "boundedElastic"})


@dataclass(frozen=True, slots=True)
class BlockingSite:
    path: str
    line: int
    callee: str
    what: str
    function: str
    severity: Severity
    confidence: Confidence


def _blocking(family: str, call: Call) -> tuple[str, Severity, Confidence] | None:
    table = BLOCKING_CALLS.get(family, {})
    for name in (call.qualified, call.callee):
        if name and name in table:
            return table[name], Severity.MEDIUM, Confidence.HIGH
    if family == "python" and call.callee == "open" and not call.qualified:
        return _FILE, Severity.LOW, Confidence.MEDIUM
    if family == "javascript" and _JS_SYNC.match(call.name):
        return (_PROC if call.name.startswith(("exec", "spawn")) else _FILE if "ile" in call.name or call.name.startswith(
            ("read", "write", "stat", "mkdir", "unlink", "rm", "open", "lstat")) else "CPU-bound work on the event loop",
            Severity.MEDIUM, Confidence.HIGH)
    if family == "java" and call.name == "block" and not call.args:
        return "waits for a reactive result on the event loop", Severity.MEDIUM, Confidence.HIGH
    return None


def _sync_session_names(model: FileModel, fn: Function) -> frozenset[str]:
    """Parameters of `fn` annotated with a synchronous SQLAlchemy Session (or an Annotated alias of one)."""
    aliases = {t for a in model.assigns if a.function < 0 for t in a.targets if "Annotated[Session" in a.value[1]}
    names = set()
    for name, annotation, _default, _kind in fn.params:
        if annotation and (_SYNC_SESSION.match(annotation.strip()) or annotation.strip() in aliases):
            names.add(name)
    return frozenset(names)


def _python_orm(model: FileModel, call: Call, fn: Function) -> tuple[str, Severity, Confidence] | None:
    if call.flags & CALL_AWAITED:
        return None
    if ".objects." in f".{call.callee}" and call.name in _DJANGO_EVALUATING:
        return ("Django's synchronous ORM (it raises SynchronousOnlyOperation in async code; use the `a`-prefixed "
                "methods or sync_to_async)", Severity.MEDIUM, Confidence.HIGH)
    root = call.receiver.split(".", 1)[0]
    if call.name in _SESSION_METHODS and root and root in _sync_session_names(model, fn):
        return "a synchronous SQLAlchemy Session", Severity.MEDIUM, Confidence.HIGH
    return None


def _sites(ctx: Context) -> list[BlockingSite]:
    reach: RequestFunctions | None = None
    out: list[BlockingSite] = []
    for model in ctx.analysis.files(roles=("source",)):
        family = language_family(model.language)
        if family == "python" and _flask_only(model):
            continue  # Flask runs an async view in an event loop of its own per request: blocking it stalls no one else
        reactive: set[int] = set()
        if family == "java":
            reactive = {i for i, fn in enumerate(model.functions) if fn.returns and _REACTIVE.match(fn.returns.strip())}
            offloaded = {c.function for c in model.calls if c.name in _OFFLOADED or "boundedElastic" in c.callee}
            reactive -= offloaded
        for call in model.calls:
            if call.flags & CALL_IN_TEST or call.function < 0:
                continue
            fn = model.function(call.function)
            if fn is None or fn.is_test:
                continue
            if family == "java":
                if not _in(model, call.function, reactive):
                    continue
            elif family == "javascript" and not call.flags & CALL_IN_ASYNC:
                reach = reach or request_functions(ctx.analysis)
                if not reach.serves(model.path, call.function):
                    continue
            elif not call.flags & CALL_IN_ASYNC or call.flags & CALL_IN_LAMBDA:
                continue
            found = _blocking(family, call) or (_python_orm(model, call, fn) if family == "python" else None)
            if found is None:
                continue
            what, severity, confidence = found
            owner = next(iter(model.enclosing(call.function)), fn)
            out.append(BlockingSite(model.path, call.line, call.callee or call.name, what, owner.name, severity, confidence))
    return out


def _flask_only(model: FileModel) -> bool:
    modules = {imp.module.split(".", 1)[0] for imp in model.imports}
    return "flask" in modules and not modules & {"quart", "fastapi", "starlette", "aiohttp", "sanic", "litestar"}


def _in(model: FileModel, index: int, wanted: set[int]) -> bool:
    return any(i in wanted for i in _chain(model, index))


def _chain(model: FileModel, index: int) -> Iterator[int]:
    seen = 0
    while 0 <= index < len(model.functions) and seen <= len(model.functions):
        yield index
        index = model.functions[index].parent
        seen += 1


def blocking_sites(ctx: Context) -> list[BlockingSite]:
    return ctx.fact(_sites)


class BlockingInAsync(Check):
    id = "operability/blocking-in-async"
    title = "No blocking calls in async code or request paths of an event loop"
    category = "operability"
    severity = Severity.MEDIUM
    backend_only = True
    rationale = (
        "An async function runs on an event loop that serves every other request at the same time: a blocking call "
        "inside it (`time.sleep`, `requests.get`, `subprocess.run`, a synchronous database driver or ORM, "
        "`readFileSync`/`execSync` in a Node request path, `std::thread::sleep` or `std::fs` in async Rust, JDBC or "
        "`.block()` in a reactive handler) stalls all of them for as long as it takes. Calls inside a closure handed "
        "to an executor (`run_in_executor`, `spawn_blocking`) are not run in place and are not flagged; neither is "
        "blocking code in ordinary synchronous functions, nor in Flask's async views (Flask gives each one an event loop "
        "of its own). Plain `open()` in async Python is low: local files are fast, but not always."
    )
    remediation = (
        "Use the async counterpart (`asyncio.sleep`, httpx.AsyncClient/aiohttp, asyncio.create_subprocess_exec, "
        "asyncpg or an AsyncSession, Django's `aget`/`acreate`, `fs.promises`, `tokio::time::sleep`, `tokio::fs`, "
        "reqwest's async client, R2DBC or WebClient).",
        "Or move the blocking work off the loop: `await asyncio.to_thread(...)`, `run_in_executor`, "
        "`tokio::task::spawn_blocking`, `Mono.fromCallable(...).subscribeOn(Schedulers.boundedElastic())`.",
    )
    effort = Effort.SMALL

    def run(self, ctx: Context) -> Verdict:
        if not any(f.is_async for _, f in ctx.analysis.functions(roles=("source",))) and not any(
                language_family(m.language) in ("javascript", "java") for m in ctx.analysis.files(roles=("source",))):
            raise NotApplicable("no async code in this project")
        sites = blocking_sites(ctx)
        findings = tuple(self.finding(ctx, f"`{s.callee}()` in `{s.function}`: {s.what}, which blocks the event loop and "
                                      "every request it serves", s.path, s.line, severity=s.severity,
                                      confidence=s.confidence, key=f"{s.function}:{s.callee}") for s in sites)
        return Verdict(findings=findings, metrics={"blocking_calls": len(sites)})
