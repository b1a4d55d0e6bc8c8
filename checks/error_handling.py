"""Error handling: exceptions are neither swallowed nor leaked, and the cause of an error survives."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from auditor.context import Context
from auditor.model import Check, Effort, Finding, Severity

__all__ = ["CHECKS", "ErrorsFacts", "errors_facts"]

CODE_ROLES = ("source",)


@dataclass(frozen=True, slots=True)
class ErrorsFacts:
    bare_except: int
    handlers: int


def errors_facts(ctx: Context) -> ErrorsFacts:
    handlers = bare = 0
    for module in ctx.python_modules(*CODE_ROLES):
        for handler in module.nodes(ast.ExceptHandler):
            handlers += 1
            bare += handler.type is None
    return ErrorsFacts(bare_except=bare, handlers=handlers)


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


CHECKS = [BareExcept]
