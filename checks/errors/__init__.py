"""Error handling: exceptions are neither swallowed nor leaked, and the cause of an error survives.

Every check here is a query over the analysis layer's facts (analysis/model.py: `Handler`, `Raise`,
`Exposure`, `Discard`, ...), written once for every language whose adapter produces them. Test files and
examples are never read (only the `source` role). Languages whose adapter does not produce these facts yet are
read by the per-language visitors in this folder (`ANALYSERS`), which the analysis layer replaces one by one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from analysis.frameworks import central_handler_evidence, web_frameworks
from analysis.model import (
    BODY_BROKEN,
    BODY_EMPTY,
    BODY_EXITS,
    BODY_FALLBACK,
    BODY_LOGS,
    BODY_PASSES_ON,
    BODY_PRINTS_STACK,
    BODY_RAISES,
    BODY_RERAISES,
    BODY_RETURNS,
    BODY_TRIVIAL,
    BODY_USES_ERROR,
    EXPOSE_BROKEN,
    EXPOSE_CLIENT_STATUS,
    EXPOSE_ERROR_MIDDLEWARE,
    EXPOSE_NARROWED_OWN,
    EXPOSE_STACK,
    RAISE_CHAINED,
    RAISE_FROM_NONE,
    RAISE_MESSAGE_ONLY,
    RAISE_RERAISE,
    FileModel,
    Handler,
)
from auditor.context import Context
from auditor.model import Check, Confidence, Effort, Finding, NotApplicable, Severity, Verdict
from checks.errors._common import CODE_ROLES, Analysis, Hit
from checks.errors.golang import go_analysis
from checks.errors.java import java_analysis
from checks.errors.javascript import js_analysis
from checks.errors.rust import rust_analysis

__all__ = ["CHECKS", "ErrorsFacts", "errors_facts"]

Analyser = Callable[[Context], Analysis]

# Languages still read by a visitor of their own (until their adapter produces the facts below).
ANALYSERS: dict[str, Analyser] = {
    "typescript": js_analysis,
    "javascript": js_analysis,
    "java": java_analysis,
    "rust": rust_analysis,
    "go": go_analysis,
}
# A comment that says the handler ignores the error on purpose.
_DELIBERATE = re.compile(r"(?i)\b(ignor|intentional|deliberate|on purpose|expected|best[- ]effort|safe to|nothing to do|noqa|nosec)")


def _analyses(ctx: Context, languages: frozenset[str]) -> list[Analysis]:
    present = set(ctx.languages())
    wanted = [ANALYSERS[lang] for lang in sorted(languages or frozenset(ANALYSERS)) if lang in present and lang in ANALYSERS]
    unique = list(dict.fromkeys(wanted))
    return [ctx.fact(fn) for fn in unique]


def _handlers(ctx: Context, languages: frozenset[str]) -> Iterator[tuple[FileModel, Handler]]:
    for model, handler in ctx.analysis.handlers(*sorted(languages), roles=CODE_ROLES):
        if not handler.flags & BODY_BROKEN:
            yield model, handler


# -- the judgement of a handler, shared by the checks and the facts ---------------------------------------------
@dataclass(frozen=True, slots=True)
class _Verdict:
    kind: str  # "swallowed-exception" | "broad-except" | "empty-catch"
    message: str
    severity: Severity | None
    confidence: Confidence


def _judge(model: FileModel, h: Handler) -> _Verdict | None:
    """What is wrong with one handler, if anything (bare `except:` is its own check)."""
    flags = h.flags
    caught = next((t for t in h.types if t), "")
    what = f"`except {caught}`" if model.language == "python" else (
        f"`catch ({caught} {h.binding})`" if caught and model.language == "java" else "catch block")
    if flags & BODY_EMPTY:
        types = " | ".join(h.types) or "an exception"
        suffix = f" for {types}" if model.language == "java" else ""
        return _Verdict("empty-catch", f"empty catch block{suffix}: the error is silently discarded", None, Confidence.HIGH)
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
    deliberate = bool(_DELIBERATE.search(h.comment))
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
    return _Verdict("swallowed-exception", f"{what} neither logs, re-raises nor uses the error",
                    severity, Confidence.MEDIUM)


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
    analyses = _analyses(ctx, frozenset())
    frameworks = set(web_frameworks(ctx.analysis, roles=CODE_ROLES)) | {f for a in analyses for f in a.frameworks}
    evidence = list(central_handler_evidence(ctx.analysis, roles=CODE_ROLES)) + [e for a in analyses for e in a.central]
    return sorted(frameworks), evidence


def errors_facts(ctx: Context) -> ErrorsFacts:
    counts = dict.fromkeys(_FACT_KINDS.values(), 0)
    for analysis in _analyses(ctx, frozenset()):
        for hit in analysis.hits:
            counts[hit.kind] = counts.get(hit.kind, 0) + 1
    handlers = sum(a.handlers for a in _analyses(ctx, frozenset()))
    bare = 0
    for model, h in _handlers(ctx, _ALL):
        handlers += 1
        if model.language == "python" and not h.types:
            bare += 1
        verdict = _judge(model, h)
        if verdict is not None:
            counts[verdict.kind] += 1
    counts["unchained-raise"] += sum(1 for _ in _unchained(ctx))
    counts["leaked-details"] += sum(1 for leak in _leaks(ctx, _ALL) if not leak[-1])
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
    """A check that reports one kind of fact: from the analysis layer, and from the remaining visitors."""

    kind: str = ""
    category = "error-handling"

    def run(self, ctx: Context) -> Iterator[Finding]:
        yield from self.from_model(ctx)
        for analysis in _analyses(ctx, self.languages):
            for hit in analysis.hits:
                if hit.kind == self.kind:
                    yield self._finding(ctx, hit)

    def from_model(self, ctx: Context) -> Iterator[Finding]:
        for model, h in _handlers(ctx, self.languages):
            verdict = _judge(model, h)
            if verdict is not None and verdict.kind == self.kind:
                yield self.finding(ctx, verdict.message, model.path, h.line, h.end_line, severity=verdict.severity,
                                   confidence=verdict.confidence)

    def _finding(self, ctx: Context, hit: Hit) -> Finding:
        return self.finding(ctx, hit.message, hit.path, hit.line, hit.end_line,
                            severity=hit.severity, confidence=hit.confidence, key=hit.key)


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
        "says the error is ignored on purpose. An empty handler, or one that only passes, returns, breaks or "
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


def _unchained(ctx: Context) -> Iterator[tuple[FileModel, int, int, str]]:
    """(model, line, end line, message) of every raise in a handler that drops or hides the cause."""
    for model, r in ctx.analysis.raises(roles=CODE_ROLES):
        if r.handler < 0 or r.flags & (RAISE_RERAISE | RAISE_CHAINED | RAISE_FROM_NONE):
            continue
        if model.language == "python":
            if not r.exception:
                continue
            yield model, r.line, r.end_line, (f"`raise {r.exception}` inside `except` without `from`: the original "
                                              "cause is not chained explicitly")
        elif r.flags & RAISE_MESSAGE_ONLY:
            yield model, r.line, r.end_line, (f"`{r.exception}` keeps only the caught error's message: its cause and "
                                              "stack trace are lost")


class UnchainedRaise(Check):
    id = "errors/unchained-raise"
    title = "New exceptions raised in `except` without `from`"
    category = "error-handling"
    languages = frozenset({"python"})
    severity = Severity.MEDIUM
    rationale = (
        "Raising a new exception inside `except` without `from` reports it as 'during handling of ... another "
        "exception occurred', hiding whether the original error is the cause."
    )
    remediation = (
        "Write `raise NewError(...) from exc` to keep the cause, or `from None` to drop it on purpose.",
    )
    effort = Effort.SMALL

    def run(self, ctx: Context) -> Iterator[Finding]:
        for model, line, end, message in _unchained(ctx):
            if model.language in self.languages:
                yield self.finding(ctx, message, model.path, line, end)


_LEAK_CONFIDENCE = {"python": Confidence.HIGH}


def _leaks(ctx: Context, languages: frozenset[str]) -> Iterator[tuple[FileModel, int, int, str, Confidence, str, bool]]:
    own = {lang: ctx.analysis.own_classes(lang) for lang in languages}
    for model, e in ctx.analysis.exposures(*sorted(languages), roles=CODE_ROLES):
        if e.flags & (EXPOSE_BROKEN | EXPOSE_NARROWED_OWN):
            continue
        if e.error_types and all(t in own.get(model.language, ()) for t in e.error_types):
            continue  # the project's own exception classes: their messages are written for clients
        client = bool(e.flags & EXPOSE_CLIENT_STATUS) and not e.flags & EXPOSE_STACK
        if client or (e.flags & EXPOSE_ERROR_MIDDLEWARE and e.detail.endswith(".message")):
            confidence = Confidence.LOW
        else:
            confidence = _LEAK_CONFIDENCE.get(model.language, Confidence.MEDIUM)
        if e.sink.startswith("return from route"):
            message = f"{e.sink[len('return from '):]} returns `{e.detail}` to the client: internal error details leak"
        else:
            message = f"`{e.detail}` is sent to the client by `{e.sink}(...)`: internal error details leak"
        if client:
            message = (f"`{e.detail}` is sent to the client with a {e.status or '4xx'} status by `{e.sink}(...)`: fine when "
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
    rationale = "An empty or comment-only catch block discards the error without a trace."
    remediation = (
        "Handle the error: log it with context, rethrow it wrapped with its cause, or return an error value.",
        "If ignoring is truly intended, catch the narrowest type and log at debug level saying why.",
    )
    effort = Effort.SMALL


class UnhandledPromise(_HitCheck):
    id = "errors/unhandled-promise"
    kind = "unhandled-promise"
    title = "Promises without rejection handling"
    languages = frozenset({"typescript", "javascript"})
    severity = Severity.MEDIUM
    rationale = (
        "A rejected promise nobody awaits or catches becomes an unhandled rejection: the error is lost, and "
        "recent Node versions crash the process."
    )
    remediation = (
        "`await` the promise inside try/catch, return it to the caller, or end the chain with `.catch()`.",
        "Enable `@typescript-eslint/no-floating-promises` to keep it that way.",
    )
    effort = Effort.SMALL


class Unwrap(_HitCheck):
    id = "errors/unwrap"
    kind = "unwrap"
    title = "`.unwrap()` in production Rust code"
    languages = frozenset({"rust"})
    severity = Severity.MEDIUM
    rationale = "`.unwrap()` turns a recoverable error into a panic that aborts the request or the process."
    remediation = (
        "Propagate with `?` into a typed error (thiserror/anyhow) that the handler maps to a response.",
        "Where failure is truly impossible, use `.expect(\"why it cannot fail\")` to document it.",
    )
    effort = Effort.MEDIUM


class Expect(_HitCheck):
    id = "errors/expect"
    kind = "expect"
    title = "`.expect()` in production Rust code"
    languages = frozenset({"rust"})
    severity = Severity.LOW
    rationale = "`.expect()` documents the assumption but still panics when it does not hold."
    remediation = ("Propagate with `?` unless the failure is a true invariant violation (startup config, poisoned lock).",)
    effort = Effort.SMALL


class Panic(_HitCheck):
    id = "errors/panic"
    kind = "panic"
    title = "`panic!`, `unreachable!`, `todo!` and `unimplemented!` in production Rust code"
    languages = frozenset({"rust"})
    severity = Severity.MEDIUM
    rationale = "A panicking macro in a request path takes down the task or the process instead of returning an error."
    remediation = (
        "Return an error variant instead of panicking.",
        "Finish or remove `todo!()` / `unimplemented!()` before shipping.",
    )
    effort = Effort.MEDIUM


class IgnoredError(_HitCheck):
    id = "errors/ignored-error"
    kind = "ignored-error"
    title = "Go errors discarded"
    languages = frozenset({"go"})
    severity = Severity.MEDIUM
    rationale = "An error assigned to `_` or dropped from a call statement lets the code continue on bad data."
    remediation = (
        "Check the error: `if err != nil { return fmt.Errorf(\"context: %w\", err) }`.",
        "If discarding is intended, say why in a comment next to the `_`.",
    )
    effort = Effort.SMALL


CHECKS: list[type[Check]] = [
    BareExcept, SwallowedException, BroadExcept, UnchainedRaise, LeakedDetails, CentralHandler,
    EmptyCatch, UnhandledPromise, Unwrap, Expect, Panic, IgnoredError,
]
