"""Error handling: exceptions are neither swallowed nor leaked, and the cause of an error survives.

Each language is read once by its analysis (`python`, `javascript`, `java`, `rust`, `golang`), memoised
per project through `ctx.fact`; every check below only selects the hits of its kind. Test files and
examples are never read (only the `source` role).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from auditor.context import Context
from auditor.model import Check, Effort, Finding, NotApplicable, Severity, Verdict
from checks.error_handling._common import CODE_ROLES, Analysis, Hit
from checks.error_handling.golang import go_analysis
from checks.error_handling.java import java_analysis
from checks.error_handling.javascript import js_analysis
from checks.error_handling.python import python_analysis
from checks.error_handling.rust import rust_analysis

__all__ = ["CHECKS", "ErrorsFacts", "errors_facts"]

Analyser = Callable[[Context], Analysis]

ANALYSERS: dict[str, Analyser] = {
    "python": python_analysis,
    "typescript": js_analysis,
    "javascript": js_analysis,
    "java": java_analysis,
    "rust": rust_analysis,
    "go": go_analysis,
}


def _analyses(ctx: Context, languages: frozenset[str]) -> list[Analysis]:
    present = set(ctx.languages())
    wanted = [ANALYSERS[lang] for lang in sorted(languages or frozenset(ANALYSERS)) if lang in present]
    unique = list(dict.fromkeys(wanted))
    return [ctx.fact(fn) for fn in unique]


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


def errors_facts(ctx: Context) -> ErrorsFacts:
    analyses = _analyses(ctx, frozenset())
    counts = dict.fromkeys(_FACT_KINDS.values(), 0)
    for analysis in analyses:
        for hit in analysis.hits:
            counts[hit.kind] = counts.get(hit.kind, 0) + 1
    bare = sum(1 for m in ctx.python_modules(*CODE_ROLES) for h in m.nodes(ast.ExceptHandler) if h.type is None)
    evidence = tuple(e for a in analyses for e in a.central)
    return ErrorsFacts(
        handlers=sum(a.handlers for a in analyses),
        bare_except=bare,
        **{name: counts[kind] for name, kind in _FACT_KINDS.items()},
        web_frameworks=tuple(sorted({f for a in analyses for f in a.frameworks})),
        central_handler=bool(evidence),
        central_handler_evidence=evidence[:20],
    )


class BareExcept(Check):
    id = "errors/bare-except"
    title = "Bare except clauses"
    category = "error-handling"
    languages = frozenset({"python"})
    severity = Severity.HIGH
    rationale = (
        "A bare `except:` also catches KeyboardInterrupt and SystemExit and hides which failure was "
        "expected, so real faults are masked."
    )
    remediation = (
        "Name the exception types the block can handle (`except (ValueError, KeyError) as exc:`).",
        "Let everything else propagate to the framework's error handler.",
    )
    effort = Effort.SMALL

    def run(self, ctx: Context) -> Iterator[Finding]:
        for module in ctx.python_modules(*CODE_ROLES):
            for handler in module.nodes(ast.ExceptHandler):
                if handler.type is None:
                    yield self.finding(ctx, "bare `except:` catches every exception, including SystemExit",
                                       module.path, handler.lineno)


class _HitCheck(Check):
    """A check that reports the hits of one kind from the language analyses."""

    kind: str = ""
    category = "error-handling"

    def run(self, ctx: Context) -> Iterator[Finding]:
        for analysis in _analyses(ctx, self.languages):
            for hit in analysis.hits:
                if hit.kind == self.kind:
                    yield self._finding(ctx, hit)

    def _finding(self, ctx: Context, hit: Hit) -> Finding:
        return self.finding(ctx, hit.message, hit.path, hit.line, hit.end_line,
                            severity=hit.severity, confidence=hit.confidence, key=hit.key)


class SwallowedException(_HitCheck):
    id = "errors/swallowed-exception"
    kind = "swallowed-exception"
    title = "Catch-all handlers that swallow the error"
    languages = frozenset({"python", "typescript", "javascript", "java"})
    severity = Severity.HIGH
    rationale = (
        "A handler for every exception that neither logs nor re-raises turns any fault, including bugs, "
        "into silent wrong behaviour that nobody can diagnose. A TypeScript/JavaScript catch whose every "
        "statement assigns a fallback value (`catch { payload = undefined }`) or returns one (`return null`) is "
        "a deliberate recovery: it is reported at low severity and low confidence, because the fault still "
        "goes unlogged. An empty catch, or one that only returns, breaks or continues, is a swallow."
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


class UnchainedRaise(_HitCheck):
    id = "errors/unchained-raise"
    kind = "unchained-raise"
    title = "New exceptions raised in `except` without `from`"
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


class LeakedDetails(_HitCheck):
    id = "errors/leaked-details"
    kind = "leaked-details"
    title = "Internal error details returned to clients"
    languages = frozenset({"python", "typescript", "javascript", "java", "go"})
    severity = Severity.HIGH
    rationale = (
        "Exception messages and stack traces reveal queries, paths, library versions and data to anyone who "
        "can trigger the error, and they are not a stable contract for clients."
    )
    remediation = (
        "Log the exception server side with a correlation id.",
        "Return a generic, structured error body (code, message, correlation id) from a central handler.",
    )
    effort = Effort.SMALL


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
        analyses = _analyses(ctx, self.languages)
        frameworks = sorted({f for a in analyses for f in a.frameworks})
        if not frameworks:
            raise NotApplicable("no web framework is used by this project")
        evidence = [e for a in analyses for e in a.central]
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

