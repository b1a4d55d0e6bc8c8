"""Error handling: exceptions are neither swallowed nor leaked, and the cause of an error survives.

Every check here is a query over the analysis layer's facts (analysis/model.py: `Handler`, `Raise`,
`Exposure`, `Discard`, `Call`, ...), written once for every language whose adapter produces them. Test files and
examples are never read (only the `source` role).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from analysis.frameworks import (
    CLIENT_ERROR_CLASSES,
    central_handler_evidence,
    language_family,
    not_application_source,
    web_frameworks,
)
from analysis.golang_types import ignored_errors
from analysis.model import (
    BODY_BROKEN,
    BODY_CALLBACK,
    BODY_EMPTY,
    BODY_EXITS,
    BODY_FALLBACK,
    BODY_LOGS,
    BODY_NOTIFIES,
    BODY_PASSES_ON,
    BODY_PRINTS_STACK,
    BODY_RAISES,
    BODY_RERAISES,
    BODY_RETURNS,
    BODY_TRIVIAL,
    BODY_USES_ERROR,
    CALL_AWAITED,
    CALL_BROKEN,
    CALL_GUARD,
    CALL_IN_TEST,
    CALL_LOCAL_ASYNC,
    CALL_MACRO,
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
    RAISE_FROM_NONE,
    RAISE_MESSAGE_ONLY,
    RAISE_RERAISE,
    Call,
    FileModel,
    Handler,
)
from analysis.project import ProjectAnalysis
from analysis.rust import test_only_files
from auditor.context import Context
from auditor.model import Check, Confidence, Effort, Finding, NotApplicable, Severity, Verdict
from checks.errors._common import CODE_ROLES

__all__ = ["CHECKS", "ErrorsFacts", "errors_facts"]

# A comment that says the handler ignores the error on purpose.
_DELIBERATE = re.compile(r"(?i)\b(ignor|intentional|deliberate|on purpose|expected|best[- ]effort|safe to|nothing to do|noqa|nosec"
                         r"|fall ?back|do nothing|no-?op|swallow|handled (?:by|elsewhere|upstream|above|in|via)"
                         r"|handle (?:their|its) own)")  # polar: "Fall back to ...", "Error already handled by update()"


def _handlers(ctx: Context, languages: frozenset[str]) -> Iterator[tuple[FileModel, Handler]]:
    for model, handler in ctx.analysis.handlers(*sorted(languages), roles=CODE_ROLES):
        if not handler.flags & BODY_BROKEN and _application(model):
            yield model, handler


def _application(model: FileModel) -> bool:
    """Whether a file is application code (a build configuration or a database shell script is not)."""
    return model.language not in ("typescript", "javascript") or not_application_source(model) is None


# -- the judgement of a handler, shared by the checks and the facts ---------------------------------------------
@dataclass(frozen=True, slots=True)
class _Verdict:
    kind: str  # "swallowed-exception" | "broad-except" | "empty-catch"
    message: str
    severity: Severity | None
    confidence: Confidence


def _response_interceptor(ctx: Context) -> str:
    """`path:line` of an HTTP client's error interceptor in the project's JS/TS (axios'
    `instance.interceptors.response.use(onSuccess, onError)`), which reports every failed request in one place."""
    def find(analysis: ProjectAnalysis) -> str:
        for model in analysis.files("typescript", "javascript", roles=("source",)):
            for call in model.calls:
                if call.callee.endswith("interceptors.response.use") and len(call.args) >= 2 and \
                        call.args[1][0] == "function":
                    return f"{model.path}:{call.line}"
        return ""
    return ctx.analysis.memo("errors:response-interceptor", find)


def _judge(model: FileModel, h: Handler, interceptor: str = "") -> _Verdict | None:
    """What is wrong with one handler, if anything (bare `except:` is its own check). `interceptor` is where the
    project's HTTP client reports failed requests centrally (see `_response_interceptor`), "" when it has none."""
    verdict = _judge_alone(model, h)
    if (interceptor and verdict is not None and verdict.kind == "swallowed-exception" and h.flags & BODY_CALLBACK
            and model.language in ("typescript", "javascript") and verdict.severity is None):
        # dispatch's Vuex stores: `.catch(() => { commit("SET_LOADING", false) })` after an API call whose failure
        # the axios interceptor has already shown the user: clean-up, not a silently lost error
        return _Verdict("swallowed-exception", f"{verdict.message}; the HTTP client's response interceptor "
                        f"({interceptor}) reports failed requests, so this is likely clean-up", Severity.LOW,
                        Confidence.LOW)
    return verdict


def _judge_alone(model: FileModel, h: Handler) -> _Verdict | None:
    flags = h.flags
    caught = next((t for t in h.types if t), "")
    what = f"`except {caught}`" if model.language == "python" else (
        f"`catch ({caught} {h.binding})`" if caught and model.language == "java" else (
            "`.catch()` callback" if flags & BODY_CALLBACK else "catch block"))
    script = model.language in ("typescript", "javascript")
    deliberate = bool(_DELIBERATE.search(h.comment))
    if flags & BODY_EMPTY:
        types = " | ".join(h.types) or "an exception"
        suffix = f" for {types}" if model.language == "java" else ""
        message = ("empty `.catch()` callback: the rejection is silently discarded" if flags & BODY_CALLBACK
                   else f"empty catch block{suffix}: the error is silently discarded")
        if deliberate:  # a comment that says the error is ignored on purpose: at most low
            return _Verdict("empty-catch", message + " (its comment says this is intended)", Severity.LOW,
                            Confidence.HIGH)
        return _Verdict("empty-catch", message, None, Confidence.HIGH)
    if not h.catch_all or (model.language == "python" and not h.types):
        return None
    if flags & (BODY_RAISES | BODY_EXITS | BODY_PASSES_ON):
        return None
    if flags & BODY_PRINTS_STACK and not flags & ~(BODY_PRINTS_STACK | BODY_LOGS | BODY_USES_ERROR | BODY_TRIVIAL):
        return _Verdict("swallowed-exception", f"{what} only prints the stack trace and carries on: the failure is "
                        "neither handled nor reported to the application's logs", Severity.MEDIUM, Confidence.MEDIUM)
    if flags & BODY_LOGS:
        if model.language == "python":
            return _Verdict("broad-except", f"{what} logs and carries on: unexpected faults are handled like expected ones",
                            None, Confidence.MEDIUM)
        return None
    if flags & (BODY_USES_ERROR | BODY_RETURNS):
        return None
    if flags & BODY_NOTIFIES:  # polar's `catch { reportError(fallbackError); return }`: handled, but undiagnosable
        return _Verdict("swallowed-exception", f"{what} shows the failure to the user but drops the error itself: "
                        "nothing logs it for diagnosis", Severity.LOW, Confidence.MEDIUM)
    if flags & BODY_FALLBACK:
        return _Verdict("swallowed-exception", f"{what} replaces the error with a fallback value without logging it",
                        Severity.LOW, Confidence.LOW)
    severity = Severity.LOW if deliberate else None
    if flags & BODY_TRIVIAL:
        message = f"{what} discards the error: no log, no re-raise" if model.language == "python" else (
            f"{what} neither logs, rethrows nor returns the error" if model.language == "java"
            else f"{what} neither logs, rethrows, passes on nor returns the error")
        return _Verdict("swallowed-exception", message + (" (its comment says this is intended)" if deliberate else ""),
                        severity, Confidence.HIGH)
    message = (f"{what} neither logs, rethrows, passes on nor returns the error" if script
               else f"{what} neither logs, re-raises nor uses the error")
    return _Verdict("swallowed-exception", message + (" (its comment says this is intended)" if deliberate and script
                                                      else ""), severity, Confidence.MEDIUM)


@dataclass(frozen=True, slots=True)
class ErrorsFacts:
    handlers: int
    bare_except: int
    swallowed: int
    broad: int
    unchained: int
    leaks: int
    empty_catch: int
    floating_promises: int
    unwrap: int
    expect: int
    panic: int
    ignored_error: int
    web_frameworks: tuple[str, ...]
    central_handler: bool
    central_handler_evidence: tuple[str, ...]


_FACT_KINDS = {
    "swallowed": "swallowed-exception", "broad": "broad-except", "unchained": "unchained-raise",
    "leaks": "leaked-details", "empty_catch": "empty-catch", "floating_promises": "unhandled-promise",
    "unwrap": "unwrap", "expect": "expect", "panic": "panic", "ignored_error": "ignored-error",
}
_ALL = frozenset({"python", "typescript", "javascript", "java", "go", "rust"})


def _central(ctx: Context) -> tuple[list[str], list[str]]:
    """(web frameworks the project's code uses, evidence of a central error handler), both languages kinds."""
    frameworks = set(web_frameworks(ctx.analysis, roles=CODE_ROLES))
    evidence = list(central_handler_evidence(ctx.analysis, roles=CODE_ROLES))
    return sorted(frameworks), evidence


def errors_facts(ctx: Context) -> ErrorsFacts:
    counts = dict.fromkeys(_FACT_KINDS.values(), 0)
    handlers = 0
    bare = 0
    interceptor = _response_interceptor(ctx)
    for model, h in _handlers(ctx, _ALL):
        handlers += not h.flags & BODY_CALLBACK  # catch clauses; `.catch(fn)` callbacks are judged, not counted
        if model.language == "python" and not h.types:
            bare += 1
        verdict = _judge(model, h, interceptor)
        if verdict is not None:
            counts[verdict.kind] += 1
    counts["unchained-raise"] += sum(1 for _ in _unchained(ctx))
    counts["ignored-error"] += len(ignored_errors(ctx.analysis))
    for found in _panics(ctx):
        counts[found.kind] += 1
    counts["leaked-details"] += sum(1 for leak in _leaks(ctx, _ALL) if not leak[-1])
    counts["unhandled-promise"] += sum(1 for _ in _floating(ctx))
    frameworks, evidence = _central(ctx)
    return ErrorsFacts(
        handlers=handlers,
        bare_except=bare,
        **{name: counts[kind] for name, kind in _FACT_KINDS.items()},
        web_frameworks=tuple(frameworks),
        central_handler=bool(evidence),
        central_handler_evidence=tuple(evidence[:20]),
    )


class BareExcept(Check):
    id = "errors/bare-except"
    title = "Bare except clauses"
    category = "error-handling"
    languages = frozenset({"python"})
    severity = Severity.HIGH
    rationale = (
        "A bare `except:` also catches KeyboardInterrupt and SystemExit and hides which failure was "
        "expected, so real faults are masked. One that only cleans up and re-raises (`except: rollback(); raise`) "
        "loses nothing and is reported at low severity: `except BaseException:` or `finally` says the same plainly."
    )
    remediation = (
        "Name the exception types the block can handle (`except (ValueError, KeyError) as exc:`).",
        "Let everything else propagate to the framework's error handler.",
    )
    effort = Effort.SMALL
    version = "2"

    def run(self, ctx: Context) -> Iterator[Finding]:
        for model, h in _handlers(ctx, self.languages):
            if h.types:
                continue
            if h.flags & BODY_RERAISES:
                yield self.finding(ctx, "bare `except:` re-raises, so nothing is swallowed, but it still catches "
                                   "SystemExit and KeyboardInterrupt: write `except BaseException:` or use `finally`",
                                   model.path, h.line, severity=Severity.LOW)
            else:
                yield self.finding(ctx, "bare `except:` catches every exception, including SystemExit", model.path, h.line)


class _HitCheck(Check):
    """A check that reports one kind of the analysis layer's facts."""

    kind: str = ""
    category = "error-handling"

    def run(self, ctx: Context) -> Iterator[Finding]:
        yield from self.from_model(ctx)

    def from_model(self, ctx: Context) -> Iterator[Finding]:
        interceptor = _response_interceptor(ctx) if self.languages & {"typescript", "javascript"} else ""
        for model, h in _handlers(ctx, self.languages):
            verdict = _judge(model, h, interceptor)
            if verdict is not None and verdict.kind == self.kind:
                yield self.finding(ctx, verdict.message, model.path, h.line, h.end_line, severity=verdict.severity,
                                   confidence=verdict.confidence)


class SwallowedException(_HitCheck):
    id = "errors/swallowed-exception"
    kind = "swallowed-exception"
    title = "Catch-all handlers that swallow the error"
    languages = frozenset({"python", "typescript", "javascript", "java"})
    severity = Severity.HIGH
    version = "2"
    rationale = (
        "A handler for every exception that neither logs nor re-raises turns any fault, including bugs, "
        "into silent wrong behaviour that nobody can diagnose. A handler whose every statement assigns a fallback "
        "value or returns one (`return None`, `return []`, `payload = undefined`) is a deliberate recovery: it is "
        "reported at low severity and low confidence, because the fault still goes unlogged; so is one whose comment "
        "says the error is ignored on purpose, and a JS/TS catch that shows the failure to the user (`setError(msg)`, "
        "`toast.error(msg)`) without logging it. An empty handler, or one that only passes, returns, breaks or "
        "continues, is a swallow. A Java catch that only prints the stack trace reports to stderr, not to the "
        "application's logs: medium."
    )
    remediation = (
        "Catch only the exception types the code can actually recover from.",
        "Log the error with context, or re-raise / rethrow it (chained to the original cause).",
    )
    effort = Effort.SMALL


class BroadExcept(_HitCheck):
    id = "errors/broad-except"
    kind = "broad-except"
    title = "Broad exception handlers that log and carry on"
    languages = frozenset({"python"})
    severity = Severity.LOW
    rationale = (
        "`except Exception` that only logs treats a programming error like an expected failure: the request "
        "or job continues in an unknown state."
    )
    remediation = (
        "Narrow the handler to the exceptions the block expects.",
        "Re-raise after logging when the failure is unexpected, or let the central handler deal with it.",
    )
    effort = Effort.SMALL


# Exceptions that end a command-line program with an exit code: chaining a cause to them shows nothing to anyone.
_EXIT = re.compile(r"SystemExit|(?:typer|click|click\.exceptions)\.(?:Exit|Abort)")


def _unchained(ctx: Context) -> Iterator[tuple[FileModel, int, int, str]]:
    """(model, line, end line, message) of every raise in a handler that drops or hides the cause."""
    for model, r in ctx.analysis.raises(roles=CODE_ROLES):
        if r.handler < 0 or r.flags & (RAISE_RERAISE | RAISE_CHAINED | RAISE_FROM_NONE):
            continue
        if model.language == "python":
            if not r.exception or _EXIT.fullmatch(r.exception):
                continue  # leaving a command-line program (`raise typer.Exit(1)`) is control flow, not an error
            yield model, r.line, r.end_line, (f"`raise {r.exception}` inside `except` without `from`: the original "
                                              "cause is not chained explicitly")
        elif r.flags & RAISE_MESSAGE_ONLY:
            yield model, r.line, r.end_line, (f"`{r.exception}` keeps only the caught error's message: its cause and "
                                              "stack trace are lost")


class UnchainedRaise(Check):
    id = "errors/unchained-raise"
    title = "New exceptions raised in a handler without their cause"
    category = "error-handling"
    languages = frozenset({"python", "java"})
    severity = Severity.MEDIUM
    version = "2"
    rationale = (
        "Raising a new exception inside `except` without `from` reports it as 'during handling of ... another "
        "exception occurred', hiding whether the original error is the cause. In Java, "
        "`throw new X(e.getMessage())` in a catch keeps the message and loses the caught exception: its type, "
        "stack trace and cause chain are gone from the logs."
    )
    remediation = (
        "Write `raise NewError(...) from exc` to keep the cause, or `from None` to drop it on purpose.",
        "Java: pass the caught exception as the cause: `throw new X(\"context\", e)`.",
    )
    effort = Effort.SMALL

    def run(self, ctx: Context) -> Iterator[Finding]:
        for model, line, end, message in _unchained(ctx):
            if model.language in self.languages:
                yield self.finding(ctx, message, model.path, line, end)


_LEAK_CONFIDENCE = {"python": Confidence.HIGH}


def _own_errors(ctx: Context, language: str) -> frozenset[str]:
    """Error classes whose messages the project writes for clients: its own classes (for TypeScript and JavaScript
    also library client-error classes and the project's type guards to them, named `isHttpError()`)."""
    family = language_family(language)
    if family != "javascript":
        return ctx.analysis.own_classes(language)

    def compute(a: ProjectAnalysis) -> frozenset[str]:
        classes = set(a.own_classes("typescript", "javascript")) | CLIENT_ERROR_CLASSES["javascript"]
        guards = {f"{fn.name}()" for _, fn in a.functions("typescript", "javascript", roles=("source",))
                  if fn.returns and (m := _TYPE_PREDICATE.match(fn.returns)) and m.group(1) in classes}
        # `if (err.errorCode)` narrows to the own error classes that declare that field (not fields every error has)
        fields = {f".{name}" for _, cls in a.classes("typescript", "javascript", roles=("source",))
                  if any(re.search(r"(Error|Exception)\b", b) for b in cls.bases)
                  for name, _type in cls.fields if name not in _COMMON_ERROR_FIELDS}
        return frozenset(classes | guards | fields)

    return ctx.analysis.memo("js-client-errors", compute)


_COMMON_ERROR_FIELDS = frozenset({"message", "stack", "name", "cause", "code", "status", "statusCode", "errno",
                                  "errors", "response", "details", "data"})
_TYPE_PREDICATE = re.compile(r"^\s*(?:asserts\s+)?\w+\s+is\s+(?:[\w$]+\.)*([\w$]+)\s*$")


def _leaks(ctx: Context, languages: frozenset[str]) -> Iterator[tuple[FileModel, int, int, str, Confidence, str, bool]]:
    own = {lang: _own_errors(ctx, lang) for lang in languages}
    reported: set[tuple[str, int, int]] = set()
    for model, e in ctx.analysis.exposures(*sorted(languages), roles=CODE_ROLES):
        if e.flags & (EXPOSE_BROKEN | EXPOSE_NARROWED_OWN | EXPOSE_ENV_GUARDED) or not _application(model):
            continue
        if e.error_types and all(t in own.get(model.language, ()) for t in e.error_types) \
                and not e.flags & EXPOSE_STACK:
            continue  # the project's own exception classes: their messages are written for clients
        if (model.path, e.line, e.end_line) in reported:
            continue  # one finding per response: the worst detail it carries
        reported.add((model.path, e.line, e.end_line))
        client = bool(e.flags & EXPOSE_CLIENT_STATUS) and not e.flags & EXPOSE_STACK
        if client or (e.flags & EXPOSE_ERROR_MIDDLEWARE and e.detail.endswith(".message")):
            confidence = Confidence.LOW
        else:
            confidence = _LEAK_CONFIDENCE.get(model.language, Confidence.MEDIUM)
        if e.sink.startswith("return from route"):
            message = f"{e.sink[len('return from '):]} returns `{e.detail}` to the client: internal error details leak"
        elif e.sink.startswith("error handler "):
            message = (f"the error handler `{e.sink[len('error handler '):]}` sends `{e.detail}` to the client for every "
                       "error that reaches it: internal error details leak")
        elif e.sink == "response body":
            message = f"`{e.detail}` is put in a response body: internal error details leak"
        elif not e.sink:
            message = f"`{e.detail}` is sent to the client: internal error details leak"
        elif e.sink.endswith(" ="):
            message = f"`{e.detail}` is sent to the client through `{e.sink[:-2]}`: internal error details leak"
        elif e.sink.startswith("new "):
            message = (f"`{e.detail}` becomes the response body of `{e.sink}(...)`: internal error details leak "
                       "to the client")
        else:
            message = f"`{e.detail}` is sent to the client by `{e.sink}(...)`: internal error details leak"
        if client:
            by = f" by `{e.sink}(...)`" if e.sink and e.sink != "response body" and " " not in e.sink else ""
            message = (f"`{e.detail}` is sent to the client with a {e.status or '4xx'} status{by}: fine when "
                       "the message is written for clients (a validation error), a leak when it comes from a library")
        yield model, e.line, e.end_line, message, confidence, e.detail, client


class LeakedDetails(_HitCheck):
    id = "errors/leaked-details"
    kind = "leaked-details"
    title = "Internal error details returned to clients"
    languages = frozenset({"python", "typescript", "javascript", "java", "go"})
    severity = Severity.HIGH
    rationale = (
        "Exception messages and stack traces reveal queries, paths, library versions and data to anyone who "
        "can trigger the error, and they are not a stable contract for clients. A message sent with an explicit 4xx "
        "status is usually written for the client (a validation error): it is reported at low severity and "
        "confidence; the project's own exception classes are not reported."
    )
    remediation = (
        "Log the exception server side with a correlation id.",
        "Return a generic, structured error body (code, message, correlation id) from a central handler.",
    )
    effort = Effort.SMALL

    def from_model(self, ctx: Context) -> Iterator[Finding]:
        for model, line, end, message, confidence, detail, client in _leaks(ctx, self.languages):
            yield self.finding(ctx, message, model.path, line, end, confidence=confidence, key=detail,
                               severity=Severity.LOW if client else None)


class CentralHandler(Check):
    id = "errors/central-handler"
    title = "A central error handler produces structured error responses"
    category = "error-handling"
    languages = frozenset({"python", "typescript", "javascript", "java", "go", "rust"})
    severity = Severity.MEDIUM
    backend_only = True
    rationale = (
        "Without one place that turns exceptions into responses, every route formats errors its own way, "
        "unexpected errors fall through to framework defaults and details leak."
    )
    remediation = (
        "Register one error handler (FastAPI exception_handler, Flask errorhandler, Express error middleware, "
        "NestJS ExceptionFilter, Spring @RestControllerAdvice, an actix ResponseError / axum IntoResponse error "
        "type) that logs and returns a structured body.",
    )
    effort = Effort.MEDIUM

    def run(self, ctx: Context) -> Verdict:
        frameworks, evidence = _central(ctx)
        if not frameworks:
            raise NotApplicable("no web framework is used by this project")
        metrics = {"web_frameworks": frameworks, "evidence": evidence[:20]}
        if evidence:
            return Verdict(metrics=metrics)
        finding = self.finding(
            ctx, f"no central error handler found for {', '.join(frameworks)}: errors are formatted per route "
                 "or by framework defaults", key="central-handler")
        return Verdict(findings=(finding,), metrics=metrics)


class EmptyCatch(_HitCheck):
    id = "errors/empty-catch"
    kind = "empty-catch"
    title = "Empty catch blocks"
    languages = frozenset({"typescript", "javascript", "java"})
    severity = Severity.HIGH
    rationale = (
        "An empty or comment-only catch block, or an empty `.catch(() => {})` callback, discards the error without a "
        "trace. One whose comment says the error is ignored on purpose is reported at low severity."
    )
    remediation = (
        "Handle the error: log it with context, rethrow it wrapped with its cause, or return an error value.",
        "If ignoring is truly intended, catch the narrowest type and log at debug level saying why.",
    )
    effort = Effort.SMALL


def _floating(ctx: Context) -> Iterator[tuple[FileModel, Call, str, Confidence]]:
    """Promises whose rejection nobody handles: a `.then()` chain without `.catch()`, or an async function of the same
    file called as a statement without await, return or `.catch()`. A module-level call of a local async function
    (`bootstrap();`) is the program's entry point: a rejection there ends the process with its error printed,
    which is what a failed start-up should do."""
    for model, call in ctx.analysis.calls("typescript", "javascript", roles=CODE_ROLES):
        flags = call.flags
        if not flags & CALL_STATEMENT or flags & (CALL_AWAITED | CALL_BROKEN):
            continue
        if flags & CALL_THEN_CHAIN:
            if flags & CALL_REJECTION_HANDLED or not _application(model):
                continue
            yield model, call, "`.then()` chain without `.catch()`: a rejection becomes an unhandled rejection", \
                Confidence.MEDIUM
        elif flags & CALL_LOCAL_ASYNC and call.function >= 0 and _application(model):
            target = call.callee.removeprefix("this.")
            yield model, call, (f"async `{target}()` is called without await, return or `.catch()`: its rejection "
                                "is lost"), Confidence.LOW


class UnhandledPromise(_HitCheck):
    id = "errors/unhandled-promise"
    kind = "unhandled-promise"
    title = "Promises without rejection handling"
    languages = frozenset({"typescript", "javascript"})
    severity = Severity.MEDIUM
    rationale = (
        "A rejected promise nobody awaits or catches becomes an unhandled rejection: the error is lost, and "
        "recent Node versions crash the process (in a frontend project the browser only logs it: low). A "
        "module-level call of the file's own async function "
        "(`bootstrap();`) is the program's entry point: a rejection there ends the process with the error printed, "
        "as a failed start-up should, so it is not reported; neither are build configurations (`vite.config.ts`). "
        "A chain at the top level of a script run by hand (`tools/`, `scripts/`, `bin/`) is low, for the same reason."
    )
    remediation = (
        "`await` the promise inside try/catch, return it to the caller, or end the chain with `.catch()`.",
        "Enable `@typescript-eslint/no-floating-promises` to keep it that way.",
    )
    effort = Effort.SMALL
    version = "3"

    def from_model(self, ctx: Context) -> Iterator[Finding]:
        browser = ctx.project.kind == "frontend"  # the browser logs an unhandled rejection; no process ends
        for model, call, message, confidence in _floating(ctx):
            script = not browser and call.function < 0 and bool(_HAND_SCRIPT.search(model.path))
            yield self.finding(ctx, message + (" (in a browser app, where it is only logged)" if browser else "")
                               + (" (at the top level of a script run by hand, where a rejection ends it with the "
                                  "error printed)" if script else ""),
                               model.path, call.line, call.end_line, confidence=confidence,
                               severity=Severity.LOW if browser or script else None)


# A workspace's scripts (`tools/populate-todos.ts`, `scripts/seed.js`), run by hand with node or ts-node.
_HAND_SCRIPT = re.compile(r"(^|/)(tools|scripts?|bin)/[^/]+$")


# -- Rust: calls that panic --------------------------------------------------------------------------------------
_PANIC_MACROS = frozenset({"panic", "unreachable", "todo", "unimplemented"})
# A poisoned lock is the conventional reason to unwrap; `write!` into a String cannot fail.
_LOCK_RECEIVER = re.compile(r"(?:\.(?:lock|read|write)\(\)|^write(?:ln)?!\(.*\))$", re.S)


def _in_main(model: FileModel, call: Call) -> bool:
    """Whether the innermost named function around `call` (closures are part of theirs) is `main`."""
    for fn in model.enclosing(call.function):
        if fn.name != "<closure>":
            return fn.name == "main"
    return False


# `HttpServer::new(..).bind((host, port))`, `TcpListener::bind(addr).await`: opening the server's listening socket.
_BIND_RECEIVER = re.compile(r"(?:^|[.:])bind\((?:[^()]|\([^()]*\))*\)(?:\.await)?$", re.S)


def _binds_its_address(model: FileModel, call: Call) -> bool:
    """Whether a panic reports a failed bind of the server's address: `.bind(addr).unwrap()` / `.expect(..)`, or a
    `panic!` inside the `.unwrap_or_else(|e| panic!(..))` of one (lemmy's metrics server)."""
    if call.name in ("unwrap", "expect") and not call.flags & CALL_MACRO:
        return bool(_BIND_RECEIVER.search(call.receiver))
    return any(c.name == "unwrap_or_else" and c.line <= call.line <= c.end_line and _BIND_RECEIVER.search(c.receiver)
               for c in model.calls)


@dataclass(frozen=True, slots=True)
class _Panic:
    kind: str  # "unwrap" | "expect" | "panic"
    model: FileModel
    call: Call
    message: str
    confidence: Confidence
    key: str
    severity: Severity | None = None  # None: the check's own


def _guarded(model: FileModel) -> dict[tuple[int, str], int]:
    """(function, receiver) -> the first line of a guard clause on it: `if r.is_err() { return ...; }`, after
    which `r.unwrap()` cannot panic."""
    out: dict[tuple[int, str], int] = {}
    for call in model.calls:
        if call.flags & CALL_GUARD and call.name in ("is_err", "is_none") and call.receiver and "(" not in call.receiver:
            key = (call.function, call.receiver)
            out[key] = min(out.get(key, call.line), call.line)
    return out


# A value a pure constructor or parser builds from literals only (`Regex::new(r"^a+$")`, `"127.0.0.1:80".parse()`):
# unwrapping it fails on the first run or never, like a constant. (Literal arguments alone say nothing:
# `env::var("PORT")` and `File::open("x")` read the world.)
_PURE_TYPES = (r"(?:Regex|RegexSet|RegexBuilder|Url|Uri|HeaderValue|HeaderName|TimeDelta|Duration|NonZero\w+|Version|"
               r"VersionReq|Mime|Selector|Method|StatusCode|IpAddr|Ipv4Addr|Ipv6Addr|SocketAddr|Level|LevelFilter|Params)")
_LITERAL_ARGS = r'\((?:\s*(?:r#*"[^"]*"#*|"(?:[^"\\]|\\.)*"|b"(?:[^"\\]|\\.)*"|-?\d[\w.]*|true|false|None)\s*,?)*\)'
_CONSTANT_RECEIVER = re.compile(
    rf"^(?:(?:[\w:]*::)?{_PURE_TYPES}::(?:new|parse|from_str|from_static|from_bytes|from_u16|try_\w+)"
    rf"(?:::<[^()]*>)?{_LITERAL_ARGS}"
    r'|"(?:[^"\\]|\\.)*"\.(?:parse|try_into)(?:::<[^()]*>)?\(\))$')
_LINTS = {"unwrap": "unwrap_used", "expect": "expect_used"}


def _lint_allowed(model: FileModel) -> dict[str, list[tuple[int, int]]]:
    """clippy lint -> line ranges where the code allows it (`#[expect(clippy::expect_used)]`)."""
    out: dict[str, list[tuple[int, int]]] = {}
    for marker in model.markers:
        if marker.startswith("lint-allowed:"):
            _, lint, span = marker.split(":", 2)
            first, _, last = span.partition("-")
            if first.isdigit() and last.isdigit():
                out.setdefault(lint, []).append((int(first), int(last)))
    return out


def _panics(ctx: Context) -> Iterator[_Panic]:
    """Every `.unwrap()`, `.expect(..)` and panicking macro in production Rust code (not tests, `#[cfg(test)] mod
    x;` files, build scripts or parts of a file that did not parse), except where it cannot fail or is allowed on
    purpose: after a guard clause (`if r.is_err() { return ...; } r.unwrap()`), on a value built from literals
    only (`Regex::new(r"..").expect(..)`), or where the code allows the clippy lint (`#[expect(clippy::
    expect_used)]`). Start-up code (`main`, main.rs) gets low confidence, and `main` itself low severity: failing
    fast there is often intended.
    Unwrapping a lock (a poisoned lock is the conventional reason to panic) or a `write!` (into a String it
    cannot fail) is low severity and low confidence."""
    tests = test_only_files(ctx.analysis)
    guards: dict[str, dict[tuple[int, str], int]] = {}
    allowed: dict[str, dict[str, list[tuple[int, int]]]] = {}
    for model, call in ctx.analysis.calls("rust", roles=CODE_ROLES):
        if call.flags & (CALL_IN_TEST | CALL_BROKEN) or model.path.rsplit("/", 1)[-1] == "build.rs":
            continue
        if model.path in tests:
            continue
        if model.path not in allowed:
            allowed[model.path] = _lint_allowed(model)
        lint = _LINTS.get(call.name, call.name) if call.receiver or call.flags & CALL_MACRO else ""
        if any(a <= call.line <= b for a, b in allowed[model.path].get(lint, ())):
            continue  # the project allows this panic where it is written
        args = ", ".join(a[1] for a in call.args)
        severity: Severity | None = None
        if call.flags & CALL_MACRO:
            if call.name not in _PANIC_MACROS:
                continue
            kind, text = "panic", f"{call.callee}!({args})"
            message = f"`{call.name}!` aborts the request or the process instead of returning an error"
            key = f"{call.name}:{text[:120]}"
            low = False
        elif call.receiver and call.name in ("unwrap", "expect"):
            if model.path not in guards:
                guards[model.path] = _guarded(model)
            guard = guards[model.path].get((call.function, call.receiver))
            if (guard is not None and guard < call.line) or _CONSTANT_RECEIVER.match(call.receiver):
                continue
            kind = call.name
            what = "`.unwrap()`" if kind == "unwrap" else "`.expect(...)`"
            message = f"{what} panics on error instead of propagating it with `?`"
            key = f"{kind}:{f'{call.callee}({args})'[-120:]}"
            low = bool(_LOCK_RECEIVER.search(call.receiver))
            if low:
                severity = Severity.LOW
                message += " (on a lock or a `write!`, where panicking is usually intended)"
        else:
            continue
        if severity is None and _binds_its_address(model, call):
            severity = Severity.LOW  # a server that cannot listen has nothing to serve: failing there is intended
            message += " (binding the server's address at start-up, where failing fast is intended)"
        if kind != "panic" and severity is None and _in_main(model, call):
            severity = Severity.LOW  # start-up: a missing variable or a port in use should stop the process
            message += " (at start-up in `main`, where failing fast is often intended)"
        low = low or model.path.endswith("main.rs") or _in_main(model, call)
        yield _Panic(kind, model, call, message, Confidence.LOW if low else Confidence.HIGH, key, severity)


class _PanicCheck(_HitCheck):
    languages = frozenset({"rust"})

    def from_model(self, ctx: Context) -> Iterator[Finding]:
        for p in _panics(ctx):
            if p.kind == self.kind:
                end = p.call.end_line if p.kind == "panic" else p.call.line
                yield self.finding(ctx, p.message, p.model.path, p.call.line, end, severity=p.severity,
                                   confidence=p.confidence, key=p.key)


class Unwrap(_PanicCheck):
    id = "errors/unwrap"
    kind = "unwrap"
    title = "`.unwrap()` in production Rust code"
    languages = frozenset({"rust"})
    severity = Severity.MEDIUM
    rationale = (
        "`.unwrap()` turns a recoverable error into a panic that aborts the request or the process. An unwrap after "
        "a guard clause (`if r.is_err() { return ...; }`) or on a value built from literals cannot panic at run "
        "time, and one under `#[allow(clippy::unwrap_used)]` is deliberate: neither is reported. One on a lock or a "
        "`write!` is low severity, and one in start-up code (`main`) low confidence."
    )
    remediation = (
        "Propagate with `?` into a typed error (thiserror/anyhow) that the handler maps to a response.",
        "Where failure is truly impossible, use `.expect(\"why it cannot fail\")` to document it.",
    )
    effort = Effort.MEDIUM
    version = "3"


class Expect(_PanicCheck):
    id = "errors/expect"
    kind = "expect"
    title = "`.expect()` in production Rust code"
    languages = frozenset({"rust"})
    severity = Severity.LOW
    rationale = (
        "`.expect()` documents the assumption but still panics when it does not hold. Not reported on a value built "
        "from literals (`Regex::new(r\"..\")`), after a guard clause, or under `#[expect(clippy::expect_used)]`."
    )
    remediation = ("Propagate with `?` unless the failure is a true invariant violation (startup config, poisoned lock).",)
    effort = Effort.SMALL
    version = "3"


class Panic(_PanicCheck):
    id = "errors/panic"
    kind = "panic"
    title = "`panic!`, `unreachable!`, `todo!` and `unimplemented!` in production Rust code"
    languages = frozenset({"rust"})
    severity = Severity.MEDIUM
    rationale = (
        "A panicking macro in a request path takes down the task or the process instead of returning an error. One "
        "the code allows on purpose (`#[allow(clippy::panic)]`, `clippy::todo`, ...) is not reported; one on a failed "
        "bind of the server's address at start-up (`.bind(addr).unwrap_or_else(|e| panic!(..))`) is low."
    )
    remediation = (
        "Return an error variant instead of panicking.",
        "Finish or remove `todo!()` / `unimplemented!()` before shipping.",
    )
    effort = Effort.MEDIUM
    version = "2"


class IgnoredError(_HitCheck):
    id = "errors/ignored-error"
    kind = "ignored-error"
    title = "Go errors discarded"
    languages = frozenset({"go"})
    severity = Severity.MEDIUM
    version = "2"
    rationale = (
        "An error assigned to `_` or dropped from a call statement lets the code continue on bad data. A result is "
        "taken for an error only when the project's own declarations (functions, methods of the receiver's type, "
        "promoted through embedded types) or a well-known library say so; router registrations and conventional "
        "discards (`Close`, `Rollback`, `Write`, `fmt.Print*`, `log.*`, `defer`/`go`) are not reported. The error of the "
        "project's own helper that writes an `http.ResponseWriter` is low: a failed write can only be logged."
    )
    remediation = (
        "Check the error: `if err != nil { return fmt.Errorf(\"context: %w\", err) }`.",
        "If discarding is intended, say why in a comment next to the `_`.",
    )
    effort = Effort.SMALL

    def from_model(self, ctx: Context) -> Iterator[Finding]:
        for item in ignored_errors(ctx.analysis):
            d = item.discard
            how = "is ignored" if d.how == "statement" else "is discarded with `_`"
            text = _statement_text(ctx, item.model.path, d.line, d.end_line, d.commented)
            message, severity = f"the error returned by `{item.name}` {how}", None
            if item.responder:
                message += " (it writes the HTTP response: once the status is sent, a failed write can only be logged)"
                severity = Severity.LOW
            yield self.finding(ctx, message, item.model.path, d.line, d.end_line, severity=severity,
                               confidence=Confidence.HIGH if item.confidence == "high" else Confidence.MEDIUM,
                               key=f"{item.name}:{text[:120]}")


def _statement_text(ctx: Context, path: str, line: int, end: int, commented: bool) -> str:
    """The source of a statement that starts a line (a trailing comment left out), for a stable fingerprint."""
    lines = ctx.sources.lines(path)[line - 1 : end]
    if not lines:
        return ""
    if commented and "//" in lines[-1]:
        lines[-1] = lines[-1][: lines[-1].rfind("//")].rstrip()
    return "\n".join([lines[0].lstrip(), *lines[1:]])


CHECKS: list[type[Check]] = [
    BareExcept, SwallowedException, BroadExcept, UnchainedRaise, LeakedDetails, CentralHandler,
    EmptyCatch, UnhandledPromise, Unwrap, Expect, Panic, IgnoredError,
]
