"""The running API: what schemathesis saw when the live phase exercised it (`--api-url`, `--api-app`,
`--api-command`). These checks only judge the facts the phase gathered (`ctx.live`, see auditor.live); they
never start a service or send a request themselves.

Without one of those flags every check here is *not applicable*, never a silent pass; without schemathesis it
is *not available* with the install command; when the service could not be started or reached it is an error
that says why.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.context import Context
from auditor.live import DEFAULT_P95_MS, INSTALL_HINT, LiveFacts, LiveFailure
from auditor.model import Check, Confidence, Effort, Finding, NotApplicable, NotAvailable, Severity, Verdict

__all__ = ["CHECKS", "ApiFacts", "FailureFact", "LatencyFact", "LivePhaseFailed", "api_facts", "live_facts", "p95_budget"]

_HELP = "https://schemathesis.readthedocs.io/en/stable/"
_NOT_EXERCISED = "no live API was exercised; pass --api-url, --api-app or --api-command"
_NOT_RUN = "the live API phase did not run: no check that needs it was selected"


class LivePhaseFailed(Exception):
    """The live phase could not exercise the API; the message says why (the check's error reason)."""


def live_facts(ctx: Context) -> LiveFacts:
    """The live phase's facts for this project, or the reason there are none (raised as the check's outcome)."""
    if ctx.options.live is None:
        raise NotApplicable(_NOT_EXERCISED)
    live = ctx.live
    if live is None:
        raise NotApplicable(_NOT_RUN)
    if live.elsewhere:
        raise NotApplicable(f"the live API was exercised with project {live.elsewhere}")
    if live.unavailable:
        raise NotAvailable(live.unavailable if INSTALL_HINT in live.unavailable else f"{live.unavailable} ({INSTALL_HINT})")
    if live.fatal:
        raise LivePhaseFailed(live.fatal)
    if not live.tested and not live.requests:
        raise LivePhaseFailed("no operation was exercised" + (f": {'; '.join(live.cut)}" if live.cut else ""))
    return live


def p95_budget(ctx: Context) -> float:
    """The p95 budget in milliseconds: --api-p95-ms, else the `p95_ms` option of api/latency, else 100."""
    if ctx.options.live is not None and ctx.options.live.p95_ms is not None:
        return ctx.options.live.p95_ms
    value = ctx.number_option(Latency, "p95_ms")
    if value <= 0:
        raise ValueError(f"option p95_ms of {Latency.id} must be a positive number of milliseconds, not {value!r}")
    return value


@dataclass(frozen=True, slots=True)
class LatencyFact:
    operation: str
    p50_ms: float
    p95_ms: float
    max_ms: float
    requests: int
    over_budget: bool


@dataclass(frozen=True, slots=True)
class FailureFact:
    operation: str
    kind: str
    status: int | None
    requests: int


@dataclass(frozen=True, slots=True)
class ApiFacts:
    mode: str  # url | app | command
    target: str
    base_url: str
    spec: str
    schemathesis: str
    operations: int  # declared by the spec
    operations_tested: int
    requests: int
    duration_seconds: float
    max_examples: int
    seed: int
    p95_budget_ms: float
    latency: tuple[LatencyFact, ...]
    failures: tuple[FailureFact, ...]
    cut: tuple[str, ...]
    errors: tuple[str, ...]


def api_facts(ctx: Context) -> ApiFacts:
    live = live_facts(ctx)
    budget = p95_budget(ctx)
    return ApiFacts(
        mode=live.request.mode, target=live.target, base_url=live.base_url, spec=live.spec,
        schemathesis=live.schemathesis, operations=len(live.operations), operations_tested=len(live.tested),
        requests=live.requests, duration_seconds=live.duration, max_examples=live.request.max_examples,
        seed=live.request.seed, p95_budget_ms=budget,
        latency=tuple(LatencyFact(r.operation, r.p50_ms, r.p95_ms, r.max_ms, r.requests, r.p95_ms > budget)
                      for r in live.latency),
        failures=tuple(FailureFact(f.operation, f.kind, f.status, f.requests) for f in live.failures),
        cut=live.cut, errors=live.errors,
    )


def _reproduction(curl: str, status: int | None, excerpt: str) -> str:
    lines = [curl]
    lines.append(f"# -> {status}" if status is not None else "# -> no response")
    if excerpt:
        lines += [f"# {line}" for line in excerpt.splitlines()[:6]]
    return "\n".join(lines)


def _requests(n: int, total: int | None = None) -> str:
    return f"{n} request{'' if n == 1 else 's'}" if total is None else f"{n} of {total} requests"


class _LiveCheck(Check):
    category = "api"
    backend_only = True
    capabilities = frozenset({"network", "executes-target"})  # the phase it reads; target code with --api-app/--api-command
    phase = "live"
    help_url = _HELP
    kinds: tuple[str, ...] = ()

    def run(self, ctx: Context) -> Verdict:
        live = live_facts(ctx)
        failures = [f for f in live.failures if f.kind in self.kinds]
        findings = tuple(self._finding(ctx, f) for f in failures)
        return Verdict(findings=findings, metrics=_metrics(live, len({f.operation for f in failures})))

    def _finding(self, ctx: Context, failure: LiveFailure) -> Finding:
        raise NotImplementedError

    def _live_finding(self, ctx: Context, failure: LiveFailure, message: str, key: str) -> Finding:
        return self.finding(ctx, message, snippet=_reproduction(failure.curl, failure.status, failure.excerpt),
                            key=f"{failure.operation} {key}")


def _metrics(live: LiveFacts, failing: int) -> dict[str, object]:
    return {"operations": len(live.operations), "operations_tested": len(live.tested), "requests": live.requests,
            "operations_failing": failing, "cut": list(live.cut)}


class ServerError(_LiveCheck):
    id = "api/server-error"
    title = "The running API never answers with a server error"
    severity = Severity.CRITICAL
    rationale = (
        "A 5xx answer, a crash or a dropped connection on a request the spec allows (or a malformed one the "
        "service should reject) is a bug a client hits in production: the service must answer every request "
        "with a documented status."
    )
    remediation = (
        "Replay the curl command against a local instance and read the service's log for the exception.",
        "Validate the input that triggers it and answer with a documented 4xx, or fix the code path.",
        "Add the failing input as a regression test.",
    )
    effort = Effort.MEDIUM
    tags = ("CWE-248",)  # uncaught exception
    kinds = ("server-error",)

    def _finding(self, ctx: Context, failure: LiveFailure) -> Finding:
        what = failure.message
        if len(failure.statuses) > 1:
            what += f" (statuses seen: {', '.join(str(s) for s in failure.statuses)})"
        return self._live_finding(ctx, failure, f"{failure.operation}: {what} ({_requests(failure.requests)})",
                                  "server-error")


class SchemaViolation(_LiveCheck):
    id = "api/schema-violation"
    title = "The running API answers with bodies that match the documented schema"
    severity = Severity.HIGH
    rationale = (
        "Clients, generated SDKs and contract tests trust the response schema: a body that violates it (a "
        "string where a number is documented, a missing required field) breaks them at run time."
    )
    remediation = (
        "Compare the response in the reproduction with the schema the spec documents for its status.",
        "Fix the serialisation (or the handler) so it matches, or correct the spec if the spec is wrong.",
        "Validate responses against the spec in the service's own tests.",
    )
    effort = Effort.MEDIUM
    kinds = ("schema-violation",)

    def _finding(self, ctx: Context, failure: LiveFailure) -> Finding:
        return self._live_finding(ctx, failure, f"{failure.operation}: {failure.message} (status {failure.status}, "
                                  f"{_requests(failure.requests)})", "schema-violation")


class UndocumentedResponse(_LiveCheck):
    id = "api/undocumented-response"
    title = "The running API answers only with documented status codes and content types"
    severity = Severity.MEDIUM
    rationale = (
        "A status code or content type the spec does not list is one clients were never told to handle: "
        "generated clients raise on it and readers of the spec cannot know it exists."
    )
    remediation = (
        "Document the status code (with its body schema) or content type under the operation's responses.",
        "Or change the handler to answer with one that is documented.",
    )
    effort = Effort.SMALL
    kinds = ("undocumented-status", "undocumented-content-type")

    def _finding(self, ctx: Context, failure: LiveFailure) -> Finding:
        if failure.kind == "undocumented-status" and len(failure.statuses) > 1:
            seen = ", ".join(str(s) for s in failure.statuses)
            message = f"{failure.operation}: answered undocumented statuses {seen}; first: {failure.message}"
        else:
            message = f"{failure.operation}: {failure.message}"
        return self._live_finding(ctx, failure, f"{message} ({_requests(failure.requests)})", failure.kind)


class Latency(Check):
    id = "api/latency"
    title = "Every operation's p95 latency is within budget"
    category = "api"
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM  # latency on a shared CI machine varies from run to run
    backend_only = True
    capabilities = frozenset({"network", "executes-target"})
    phase = "live"
    help_url = _HELP
    options = {"p95_ms": DEFAULT_P95_MS}
    rationale = (
        "Typical queries should answer quickly (p95 under 100 ms by default): a slow operation is usually a "
        "missing index, an N+1 query or blocking work in the request path, and it only gets slower under load."
    )
    remediation = (
        "Profile the operation with the slowest request shown, and look for queries without an index, N+1 "
        "queries and blocking calls.",
        "Cache or precompute what does not change per request; move slow work to a background job.",
        "If the budget does not fit this operation, set `p95_ms` in `[tool.auditor.options.\"api/latency\"]` "
        "or pass `--api-p95-ms`.",
    )
    effort = Effort.MEDIUM

    def run(self, ctx: Context) -> Verdict:
        live = live_facts(ctx)
        budget = p95_budget(ctx)
        slow = [r for r in live.latency if r.p95_ms > budget]
        findings: list[Finding] = []
        for row in slow:
            message = (f"{row.operation}: p95 {row.p95_ms:.0f} ms over {_requests(row.requests)} exceeds the "
                       f"{budget:g} ms budget (p50 {row.p50_ms:.0f} ms, max {row.max_ms:.0f} ms)")
            findings.append(self.finding(ctx, message, snippet=f"{row.curl}\n# slowest: {row.max_ms:.0f} ms",
                                         key=f"{row.operation} latency"))
        metrics = _metrics(live, len(slow))
        metrics["p95_budget_ms"] = budget
        metrics["slowest_p95_ms"] = max((r.p95_ms for r in live.latency), default=0.0)
        return Verdict(findings=tuple(findings), metrics=metrics)


CHECKS: list[type[Check]] = [ServerError, SchemaViolation, UndocumentedResponse, Latency]
