"""Structured logs that carry a request or correlation id: operability/correlation-ids and the facts behind it.

Evidence, over the model: a structured logger by import, by the module names a logging configuration holds, or
by the package a manifest lists; a request-id library the same way; or the project's own middleware, which is a
function that both obtains an id (reads a request-id header, generates one) and hands it on (a response header,
a context variable, the logger's bound context, the MDC). A log format or an error body that reads a request-id
header nobody sets is not correlation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from analysis.frameworks import CORRELATION_LIBRARIES, STRUCTURED_LOGGERS, language_family, libraries_in_use
from analysis.model import Call, FileModel
from auditor.context import Context
from auditor.model import Check, Confidence, Effort, Severity, Verdict
from checks.operability._common import dependencies, endpoints_or_not_applicable, short

__all__ = ["CorrelationFacts", "CorrelationIds", "correlation_facts"]

REQUEST_ID_HEADER = re.compile(r"(?i)^(x-)?(request|correlation|trace|req)[-_]?id$|^traceparent$|^x-amzn-trace-id$|^x-b3-traceid$")
_ID_NAME = re.compile(r"(?i)(^|[._])(request|correlation|trace|req)_?id($|[._])|requestId|correlationId|traceId")
_GENERATORS = frozenset({"uuid4", "uuid1", "uuid7", "randomUUID", "new_v4", "now_v7", "NewString", "NewRandom", "nanoid",
                         "token_hex", "token_urlsafe", "ulid", "new_ulid", "cuid", "createId", "v4", "v7"})
_SETTERS = frozenset({"set", "setHeader", "header", "Header", "append", "put", "add", "set_header", "insert", "append_header",
                      "insert_header", "bind", "bind_contextvars", "bind_threadlocal", "contextualize", "With", "WithValue",
                      "Set", "Add", "putIfAbsent", "setAttribute", "setdefault", "__setitem__", "run"})
_HEADER_TARGET = re.compile(r"""(?i)headers?\s*\[\s*["'`](x-)?(request|correlation|trace)-id["'`]\s*\]""")
_STATE_TARGET = re.compile(r"(?i)\.(request_?id|correlation_?id|trace_?id|requestId|correlationId)$")
_LOG_CONFIG_FILE = re.compile(r"(?i)(^|/)(logback[\w.-]*\.xml|log4j2?[\w.-]*\.(xml|json|ya?ml|properties)|logging[\w.-]*\."
                              r"(ya?ml|ini|conf|cfg|json|toml)|application[\w.-]*\.(properties|ya?ml)|gunicorn[\w.-]*\.py)$")
_JSON_LOG_CONFIG = re.compile(r"LogstashEncoder|LoggingEventCompositeJsonEncoder|JsonEncoder|JsonLayout|JsonTemplateLayout|"
                              r"EcsLayout|EcsEncoder|pythonjsonlogger|json_log_formatter|logging\.structured\.format|"
                              r"structlog|JSONRenderer")
_FASTIFY = re.compile(r"(^|\.)(fastify|Fastify)$")
_FASTIFY_LOGGER = re.compile(r"^\{\s*(?:[^{}]*,\s*)?logger\s*:\s*(?!false\b|null\b|undefined\b)\S")


@dataclass
class CorrelationFacts:
    structured: list[str] = field(default_factory=list)  # what writes structured logs, with where
    correlation: list[str] = field(default_factory=list)  # what gives requests an id, with where


def _literal_ids(call: Call) -> bool:
    return any(a[4] is not None and REQUEST_ID_HEADER.match(a[4].strip()) for a in call.args)


def _is_generator(call: Call) -> bool:
    return call.name in _GENERATORS or (call.name in ("New", "NewV4", "NewV7", "new") and "uuid" in call.callee.lower())


def _is_sink(call: Call) -> bool:
    if call.name not in _SETTERS:
        return False
    if _literal_ids(call) or any(a[3] and REQUEST_ID_HEADER.match(a[3]) for a in call.args):
        return True
    # a context variable, context.WithValue(ctx, requestIDKey, id), MDC.put("requestId", id)
    return call.name in ("set", "Set", "WithValue", "run", "put", "putIfAbsent", "setAttribute") and bool(
        _ID_NAME.search(call.receiver) or any(_ID_NAME.search(a[1]) for a in call.args[:2]))


def _own_middleware(model: FileModel) -> Iterator[str]:
    """Functions of this file that obtain a request id and hand it on."""
    sources: dict[int, int] = {}
    sinks: dict[int, int] = {}
    for call in model.calls:
        if call.function < 0:
            continue
        if _is_sink(call):
            sinks.setdefault(call.function, call.line)
        if _is_generator(call) or (_literal_ids(call) and not _is_sink(call)):
            sources.setdefault(call.function, call.line)
    for assign in model.assigns:
        if assign.function < 0:
            continue
        for target in assign.targets:
            if _HEADER_TARGET.search(target) or _STATE_TARGET.search(target):
                sinks.setdefault(assign.function, assign.line)
    for index in sorted(set(sources) & set(sinks)):
        fn = model.function(index)
        if fn is not None and not fn.is_test:
            yield f"request-id middleware `{fn.name}` ({model.path}:{fn.line})"


def _json_formatter(model: FileModel) -> Iterator[str]:
    """A logging formatter class of the project's own that writes JSON."""
    for cls in model.classes:
        if not any(b.rsplit(".", 1)[-1].endswith("Formatter") for b in cls.bases):
            continue
        if any(c.name in ("dumps", "stringify", "Marshal") and cls.line <= c.line <= cls.end_line for c in model.calls):
            yield f"JSON log formatter `{cls.name}` ({model.path}:{cls.line})"


def _collect(ctx: Context) -> CorrelationFacts:
    facts = CorrelationFacts()
    deps = dependencies(ctx)
    facts.structured += libraries_in_use(ctx.analysis, STRUCTURED_LOGGERS, deps)
    facts.correlation += libraries_in_use(ctx.analysis, CORRELATION_LIBRARIES, deps)
    for model in ctx.analysis.files(roles=("source", "config")):
        family = language_family(model.language)
        if model.role == "source":
            facts.correlation += _own_middleware(model)
            facts.structured += _json_formatter(model)
        for setting in model.settings:
            if setting.key == "serialize" and setting.value == "True" and setting.context.endswith(".add"):
                facts.structured.append(f"loguru serialize=True ({model.path}:{setting.line})")
            elif family == "javascript" and _FASTIFY.search(setting.context) and setting.key == "logger" \
                    and setting.value not in ("false", "undefined", "null"):
                facts.structured.append(f"fastify logger (pino) ({model.path}:{setting.line})")
                facts.correlation.append(f"fastify request ids (reqId) ({model.path}:{setting.line})")
            elif family == "javascript" and setting.key in ("genReqId", "requestIdHeader") and _FASTIFY.search(setting.context):
                facts.correlation.append(f"fastify {setting.key} ({model.path}:{setting.line})")
        if family == "javascript":  # `Fastify({ logger: loggerOptions() })`: a logger given by a call or a variable
            for call in model.calls:
                if _FASTIFY.search(call.callee) and call.args and call.args[0][0] == "collection" \
                        and _FASTIFY_LOGGER.search(call.args[0][1]):
                    facts.structured.append(f"fastify logger (pino) ({model.path}:{call.line})")
                    facts.correlation.append(f"fastify request ids (reqId) ({model.path}:{call.line})")
        if family in ("go", "rust", "java"):
            for call in model.calls:
                if call.name in ("RequestID", "RequestIDWithConfig") and call.receiver.rsplit(".", 1)[-1] == "middleware":
                    facts.correlation.append(f"{call.callee} ({model.path}:{call.line})")
                elif call.name in ("SetRequestIdLayer", "PropagateRequestIdLayer") or call.callee.startswith(
                        ("SetRequestIdLayer::", "PropagateRequestIdLayer::")):
                    facts.correlation.append(f"tower-http request id ({model.path}:{call.line})")
    for info in ctx.files:
        if info.role in ("config", "data", "source") and _LOG_CONFIG_FILE.search(info.path):
            text = ctx.sources.text(info.path) or ""
            match = _JSON_LOG_CONFIG.search(text)
            if match:
                line = text.count("\n", 0, match.start()) + 1
                facts.structured.append(f"{match.group(0)} in {PurePosixPath(info.path).name} ({info.path}:{line})")
    facts.structured = short(facts.structured, 20)
    facts.correlation = short(facts.correlation, 20)
    return facts


def correlation_facts(ctx: Context) -> CorrelationFacts:
    return ctx.fact(_collect)


def _names(evidence: list[str]) -> list[str]:
    return list(dict.fromkeys(e.split(" (", 1)[0] for e in evidence))


def _where(evidence: list[str]) -> list[str]:
    out = []
    for e in evidence:
        inside = e.rsplit(" (", 1)[-1].rstrip(")") if e.endswith(")") else ""
        if inside:
            out.append(inside)
    return short(out)


def facts_json(ctx: Context) -> dict[str, dict[str, object]]:
    facts = correlation_facts(ctx)
    return {
        "correlation_ids": {"present": bool(facts.correlation), "how": _names(facts.correlation),
                            "where": _where(facts.correlation)},
        "structured_logging": {"present": bool(facts.structured), "how": _names(facts.structured),
                               "where": _where(facts.structured)},
    }


class CorrelationIds(Check):
    id = "operability/correlation-ids"
    title = "Logs are structured and carry a request or correlation id"
    category = "operability"
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    backend_only = True
    rationale = (
        "When a request fails, its log lines must be found among everyone else's: every line of one request needs "
        "the same id, and lines must be structured (JSON or key/value fields) so the id can be searched. Evidence is a "
        "structured logger (structlog, python-json-logger, loguru with serialize, pino, winston, slog/zap/zerolog, "
        "tracing, logback JSON encoders) and a middleware that generates or propagates a request id "
        "(asgi-correlation-id, django-structlog, express-request-id, cls-rtracer, nestjs-cls, pino-http, tower-http "
        "request-id, echo/chi/gin RequestID, Micrometer Tracing or Sleuth, OpenTelemetry, or the project's own "
        "function that reads or generates the id and sets it on the response, a context variable or the logger). A "
        "log format or an error body that prints a request-id header nobody sets is not correlation. Each missing half "
        "is a finding: no request id (medium), logs not structured (medium; low when requests do carry an id). Medium "
        "confidence: a proxy or an APM agent outside the repository may add ids."
    )
    remediation = (
        "Log through a structured logger that writes JSON (structlog, python-json-logger, pino, slog's JSON handler, "
        "tracing-subscriber's json layer, a logback JSON encoder).",
        "Add a middleware that takes the incoming X-Request-ID (or generates one), binds it to the logging context "
        "for the request and returns it in the response (asgi-correlation-id, express-request-id, tower-http "
        "SetRequestIdLayer, echo/chi RequestID, Micrometer Tracing).",
    )
    effort = Effort.SMALL

    def run(self, ctx: Context) -> Verdict:
        endpoints = endpoints_or_not_applicable(ctx)
        facts = correlation_facts(ctx)
        metrics = facts_json(ctx)
        findings = []
        if not facts.correlation:
            findings.append(self.finding(
                ctx, f"no request or correlation id: nothing generates or propagates an id for the requests of the "
                f"{len(endpoints)} endpoint(s) (no request-id middleware in the code, its configuration or its manifests), "
                "so the log lines of one request cannot be told from another's", key="correlation-id"))
        if not facts.structured:
            with_ids = f" (requests do get an id: {', '.join(_names(facts.correlation)[:3])})" if facts.correlation else ""
            findings.append(self.finding(
                ctx, f"logs are plain text lines{with_ids}: no structured logger (JSON or key/value fields) in the code, "
                "its logging configuration or its manifests, so a request id cannot be searched as a field",
                severity=Severity.LOW if facts.correlation else Severity.MEDIUM, key="structured-logging"))
        return Verdict(findings=tuple(findings), metrics=metrics)
