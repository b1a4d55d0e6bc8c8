"""The data every layer shares: severities, findings, check declarations and results.

Everything here is a frozen value. Checks produce `Finding`s; the engine wraps them in a `CheckResult`;
`auditor.scoring` turns results into scores. No module below this one knows about files or formats.
"""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from auditor.context import Context

__all__ = [
    "CHECK_ID_PATTERN",
    "Check",
    "CheckResult",
    "Confidence",
    "Effort",
    "Finding",
    "JSONValue",
    "Measure",
    "NotApplicable",
    "NotAvailable",
    "Severity",
    "Status",
    "Verdict",
]

# What a JSON document holds: the type of facts and metrics once they are made serialisable.
JSONValue = None | bool | int | float | str | list["JSONValue"] | dict[str, "JSONValue"]

CHECK_ID_PATTERN = re.compile(r"^[a-z][a-z0-9-]*/[a-z0-9][a-z0-9-]*$")


class Severity(enum.Enum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """4 for critical down to 0 for info, so severities compare by importance."""
        return _SEVERITY_RANK[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls(text.strip().lower())
        except ValueError:
            names = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {text!r} (expected one of: {names})") from None


_SEVERITY_RANK = {
    Severity.CRITICAL: 4,
    Severity.HIGH: 3,
    Severity.MEDIUM: 2,
    Severity.LOW: 1,
    Severity.INFO: 0,
}


class Confidence(enum.Enum):
    """How sure a heuristic check is that a finding is real (Bandit's second axis)."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Effort(enum.Enum):
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"

    @property
    def cost(self) -> int:
        """Relative cost used to order recommendations by gain per effort."""
        return {Effort.SMALL: 1, Effort.MEDIUM: 3, Effort.LARGE: 8}[self]


class Status(enum.Enum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_APPLICABLE = "not_applicable"
    NOT_AVAILABLE = "not_available"
    ERROR = "error"

    @property
    def scored(self) -> bool:
        return self in (Status.PASSED, Status.FAILED)


def _normalise_code(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem at one place. `snippet` is already redacted; `fingerprint` ignores line numbers."""

    check_id: str
    severity: Severity
    message: str
    path: str | None = None
    line: int | None = None
    end_line: int | None = None
    snippet: str = ""
    fingerprint: str = ""
    confidence: Confidence = Confidence.HIGH
    # What the fingerprint hashes besides check id and path; defaults to the snippet. A check sets it when
    # the snippet alone is not specific (e.g. the name of the undocumented endpoint).
    key: str = ""

    def base_fingerprint(self) -> str:
        material = "\x1f".join(
            [self.check_id, self.path or "", _normalise_code(self.key or self.snippet or self.message)]
        )
        return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()[:20]

    def sort_key(self) -> tuple[int, str, int, str]:
        return (-self.severity.rank, self.path or "", self.line or 0, self.message)


def assign_fingerprints(findings: Iterable[Finding]) -> list[Finding]:
    """Give each finding a stable fingerprint; identical ones in one file get an occurrence suffix."""
    from dataclasses import replace

    seen: dict[str, int] = {}
    out: list[Finding] = []
    for f in sorted(findings, key=lambda f: (f.path or "", f.line or 0, f.message)):
        base = f.base_fingerprint()
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.append(replace(f, fingerprint=base if n == 0 else f"{base}-{n}"))
    return out


@dataclass(frozen=True, slots=True)
class Measure:
    """A measured quantity compared with its threshold (coverage 72.5 against 80, say).

    A check that returns a measure is scored by it: 100 * min(1, value / threshold).
    """

    name: str
    value: float
    threshold: float
    unit: str = "%"

    @property
    def met(self) -> bool:
        return self.value >= self.threshold


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a check's `run` may return instead of a bare iterable of findings."""

    findings: tuple[Finding, ...] = ()
    measure: Measure | None = None
    metrics: Mapping[str, object] = field(default_factory=dict)
    # Set to say "nothing wrong, but no facts either", e.g. migrations in a repo with no database.
    not_applicable: str | None = None


class NotApplicable(Exception):
    """Raised by a check when its standard does not apply to the target (reason in the message)."""


class NotAvailable(Exception):
    """Raised by a check when the data or tool it needs is missing (reason in the message)."""


class Check:
    """A check declares itself as class data and does its work in `run`.

    Subclasses set every ClassVar below. `run` reads only from the `Context` (shared, pre-parsed
    sources and memoised facts); it never walks the disk itself and never computes a score.
    """

    id: ClassVar[str]
    title: ClassVar[str]
    category: ClassVar[str]
    languages: ClassVar[frozenset[str]] = frozenset()  # empty: any language
    severity: ClassVar[Severity]
    rationale: ClassVar[str]
    remediation: ClassVar[tuple[str, ...]]
    effort: ClassVar[Effort] = Effort.MEDIUM
    weight: ClassVar[float] = 1.0
    # Standards that only make sense for a service (migrations, API specs) are not held against a
    # frontend or library project in a monorepo.
    backend_only: ClassVar[bool] = False

    def run(self, ctx: Context) -> Verdict | Iterable[Finding]:
        raise NotImplementedError

    # -- helpers for subclasses -------------------------------------------------------------------
    def finding(
        self,
        ctx: Context,
        message: str,
        path: str | None = None,
        line: int | None = None,
        end_line: int | None = None,
        *,
        severity: Severity | None = None,
        confidence: Confidence = Confidence.HIGH,
        snippet: str | None = None,
        key: str = "",
    ) -> Finding:
        """A finding of this check, with the redacted source lines at `path:line` as snippet."""
        if snippet is None:
            snippet = ctx.sources.snippet(path, line, end_line) if path and line else ""
        else:
            from auditor.redact import redact

            snippet = redact(snippet)
        return Finding(
            check_id=self.id,
            severity=severity or self.severity,
            message=message,
            path=path,
            line=line,
            end_line=end_line if end_line is not None else line,
            snippet=snippet,
            confidence=confidence,
            key=key,
        )

    @classmethod
    def describe(cls) -> dict[str, object]:
        return {
            "id": cls.id,
            "title": cls.title,
            "category": cls.category,
            "languages": sorted(cls.languages),
            "severity": cls.severity.value,
            "rationale": cls.rationale,
            "remediation": list(cls.remediation),
            "effort": cls.effort.value,
            "weight": cls.weight,
            "backend_only": cls.backend_only,
        }


@dataclass(frozen=True, slots=True)
class CheckResult:
    check: type[Check]
    status: Status
    findings: tuple[Finding, ...] = ()
    measure: Measure | None = None
    metrics: Mapping[str, object] = field(default_factory=dict)
    reason: str = ""  # why not applicable / not available / error
    duration: float = 0.0

    @property
    def id(self) -> str:
        return self.check.id
