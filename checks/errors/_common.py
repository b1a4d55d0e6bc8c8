"""What every language analysis of the error-handling family produces: hits, counts and framework evidence."""

from __future__ import annotations

from dataclasses import dataclass

from auditor.model import Confidence, Severity

__all__ = ["CODE_ROLES", "ERROR_NAMES", "Analysis", "Hit", "is_4xx"]

# Findings are about the project's own code: tests and examples are excluded by reading only this role.
CODE_ROLES = ("source",)

# Identifiers that by convention hold a caught error (used where no binding is visible).
ERROR_NAMES = frozenset({"e", "err", "error", "ex", "exc", "exception", "er", "_err", "_error"})


@dataclass(frozen=True, slots=True)
class Hit:
    """One problem found by an analysis; `kind` is the check id without the `errors/` prefix."""

    kind: str
    path: str
    line: int
    end_line: int
    message: str
    confidence: Confidence = Confidence.HIGH
    key: str = ""
    severity: Severity | None = None  # None: the check's own severity


@dataclass(frozen=True, slots=True)
class Analysis:
    """The result of reading every source file of one language family once."""

    hits: tuple[Hit, ...] = ()
    handlers: int = 0  # except/catch clauses seen
    frameworks: frozenset[str] = frozenset()  # web frameworks the code imports
    central: tuple[str, ...] = ()  # evidence of a central error handler, "path:line what"


def is_4xx(text: str) -> bool:
    """Whether a status-code expression is an explicit client error (400-499 or a StatusBadRequest-like name)."""
    t = text.strip()
    if t.isdigit():
        return 400 <= int(t) < 500
    last = t.rsplit(".", 1)[-1]
    return last in _CLIENT_ERROR_NAMES


_CLIENT_ERROR_NAMES = frozenset({
    "StatusBadRequest", "StatusUnauthorized", "StatusForbidden", "StatusNotFound", "StatusConflict",
    "StatusUnprocessableEntity", "StatusMethodNotAllowed", "StatusTooManyRequests", "StatusGone",
    "BAD_REQUEST", "UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND", "CONFLICT", "UNPROCESSABLE_ENTITY",
    "HTTP_400_BAD_REQUEST", "HTTP_401_UNAUTHORIZED", "HTTP_403_FORBIDDEN", "HTTP_404_NOT_FOUND",
    "HTTP_409_CONFLICT", "HTTP_422_UNPROCESSABLE_ENTITY", "badRequest", "notFound",
})
