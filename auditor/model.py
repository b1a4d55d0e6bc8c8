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
    "CAPABILITIES",
    "CHECK_ID_PATTERN",
    "Check",
    "CheckInfo",
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

# What a check may declare it does beyond reading files. The engine runs a check that executes the target's code
# or talks to the network only when the user passed the flag that allows it.
CAPABILITIES = frozenset({"executes-target", "network"})


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
    # The fingerprint without the path (check id + normalised flagged code), so a finding can be followed across
    # a rename; set with `fingerprint` by `assign_fingerprints` (or read back from a report).
    content_fingerprint: str = ""
    # How the finding relates to a base it was compared with (auditor pr, --compare): "new" or "unchanged";
    # empty when it was compared with nothing. Set by auditor.triage.
    change: str = ""

    def base_fingerprint(self) -> str:
        material = "\x1f".join(
            [self.check_id, self.path or "", _normalise_code(self.key or self.snippet or self.message)]
        )
        return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()[:20]

    def path_free_fingerprint(self) -> str:
        """What `base_fingerprint` hashes but the path: equal for the same flagged code in a renamed file."""
        material = "\x1f".join([self.check_id, _normalise_code(self.key or self.snippet or self.message)])
        return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()[:20]

    @property
    def stem(self) -> str:
        """The fingerprint without its occurrence suffix (`-N`): what baselines count."""
        return self.fingerprint.split("-", 1)[0]

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Finding:
        """A finding read back from a JSON report (`reports.base.finding_to_dict`), tolerant of missing keys."""

        def number(key: str) -> int | None:
            value = data.get(key)
            return value if isinstance(value, int) and not isinstance(value, bool) else None

        path = data.get("path")
        change = data.get("change")
        return cls(
            check_id=str(data["check_id"]),
            severity=Severity.parse(str(data.get("severity", "info"))),
            message=str(data.get("message", "")),
            path=path if isinstance(path, str) and path else None,
            line=number("line"),
            end_line=number("end_line"),
            snippet=str(data.get("snippet") or ""),
            fingerprint=str(data.get("fingerprint") or ""),
            confidence=Confidence(str(data.get("confidence", "high"))),
            content_fingerprint=str(data.get("content_fingerprint") or ""),
            change=change if change in ("new", "unchanged") else "",
        )

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
        out.append(replace(f, fingerprint=base if n == 0 else f"{base}-{n}", content_fingerprint=f.path_free_fingerprint()))
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

    payload: object = None  # set by the engine on the way out: what the check read before it gave up


class NotAvailable(Exception):
    """Raised by a check when the data or tool it needs is missing (reason in the message)."""

    payload: object = None  # as NotApplicable.payload


@dataclass(frozen=True, slots=True)
class CheckInfo:
    """A check's declaration as a plain value: what results, reports and old JSON reports carry.

    A `CheckResult` holds this, never the class, so a scorecard can be rebuilt from a JSON report.
    """

    id: str
    title: str
    category: str
    severity: Severity
    rationale: str = ""
    remediation: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()  # empty: any language
    effort: Effort = Effort.MEDIUM
    weight: float = 1.0
    backend_only: bool = False
    confidence: Confidence = Confidence.HIGH
    tags: tuple[str, ...] = ()  # e.g. "CWE-798"
    help_url: str = ""
    options: Mapping[str, JSONValue] = field(default_factory=dict)  # name -> default
    capabilities: tuple[str, ...] = ()  # subset of CAPABILITIES
    time_limit: float | None = None  # seconds; None: the configured check_timeout
    version: str = "1"  # bumped when the check's logic changes, so cached results are not reused

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "id": self.id,
            "title": self.title,
            "category": self.category,
            "languages": list(self.languages),
            "severity": self.severity.value,
            "confidence": self.confidence.value,
            "rationale": self.rationale,
            "remediation": list(self.remediation),
            "effort": self.effort.value,
            "weight": self.weight,
            "backend_only": self.backend_only,
            "tags": list(self.tags),
            "help_url": self.help_url,
            "options": dict(self.options),
            "capabilities": list(self.capabilities),
            "time_limit": self.time_limit,
            "version": self.version,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> CheckInfo:
        """The inverse of `to_json`, tolerant of reports written before a key existed."""

        def strings(key: str) -> tuple[str, ...]:
            value = data.get(key) or ()
            return tuple(str(v) for v in value) if isinstance(value, list | tuple) else ()

        options = data.get("options")
        weight = data.get("weight", 1.0)
        limit = data.get("time_limit")
        return cls(
            id=str(data["id"]),
            title=str(data.get("title", "")),
            category=str(data.get("category", "")),
            severity=Severity.parse(str(data.get("severity", "info"))),
            rationale=str(data.get("rationale", "")),
            remediation=strings("remediation"),
            languages=strings("languages"),
            effort=Effort(str(data.get("effort", "medium"))),
            weight=float(weight) if isinstance(weight, int | float) else 1.0,
            backend_only=bool(data.get("backend_only", False)),
            confidence=Confidence(str(data.get("confidence", "high"))),
            tags=strings("tags"),
            help_url=str(data.get("help_url", "")),
            options=dict(options) if isinstance(options, dict) else {},
            capabilities=strings("capabilities"),
            time_limit=float(limit) if isinstance(limit, int | float) else None,
            version=str(data.get("version", "1")),
        )


class Check:
    """A check declares itself as class data and does its work in `run`.

    Subclasses set every required ClassVar below (id, title, category, severity, rationale, remediation).
    `run` reads only from the `Context` (shared, pre-parsed sources and memoised facts); it never walks the
    disk itself and never computes a score.
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
    # How sure the check is of its findings by default (a heuristic says so); a finding may set its own.
    confidence: ClassVar[Confidence] = Confidence.HIGH
    tags: ClassVar[tuple[str, ...]] = ()  # CWE ids where one applies ("CWE-798")
    help_url: ClassVar[str] = ""
    # Options with their defaults, so a plugin declares its own thresholds; users set them in
    # `[tool.auditor.options."<check id>"]`.
    options: ClassVar[Mapping[str, JSONValue]] = {}
    capabilities: ClassVar[frozenset[str]] = frozenset()  # see CAPABILITIES
    # An engine phase whose facts the check only reads ("live": the live API phase); its capabilities are that
    # phase's, exercised only when the phase runs.
    phase: ClassVar[str] = ""
    time_limit: ClassVar[float | None] = None  # None: the configured check_timeout
    version: ClassVar[str] = "1"

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
        confidence: Confidence | None = None,
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
            confidence=confidence or self.confidence,
            key=key,
        )

    @classmethod
    def info(cls) -> CheckInfo:
        """The declaration as a value (what results and reports carry)."""
        return CheckInfo(
            id=cls.id,
            title=cls.title,
            category=cls.category,
            severity=cls.severity,
            rationale=cls.rationale,
            remediation=tuple(cls.remediation),
            languages=tuple(sorted(cls.languages)),
            effort=cls.effort,
            weight=cls.weight,
            backend_only=cls.backend_only,
            confidence=cls.confidence,
            tags=tuple(cls.tags),
            help_url=cls.help_url,
            options=dict(cls.options),
            capabilities=tuple(sorted(cls.capabilities)),
            time_limit=cls.time_limit,
            version=cls.version,
        )

    @classmethod
    def describe(cls) -> dict[str, JSONValue]:
        return cls.info().to_json()


@dataclass(frozen=True, slots=True)
class CheckResult:
    check: CheckInfo
    status: Status
    findings: tuple[Finding, ...] = ()
    measure: Measure | None = None
    metrics: Mapping[str, object] = field(default_factory=dict)
    reason: str = ""  # why not applicable / not available / error
    duration: float = 0.0

    @property
    def id(self) -> str:
        return self.check.id
