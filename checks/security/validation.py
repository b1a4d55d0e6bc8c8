"""security/input-validation: endpoints that read raw request data without a schema or validator.

Per endpoint (analysis/routes), its handler's facts in the model are read: typed parameters (Pydantic models,
DTOs, `Json<T>`), validation calls (`schema.load`, `serializer.is_valid`, `zod.parse`, `ShouldBindJSON`,
`validate.Struct`) and decorators (`@use_args`, `@Valid`), against raw reads (`request.get_json()`, `req.body`,
`json.NewDecoder(r.Body)`). Each endpoint is validated, raw, or unknown (its handler could not be read); only
raw ones are findings, counted per endpoint.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from analysis.frameworks import language_family
from analysis.model import FileModel, Function
from analysis.project import ProjectAnalysis
from analysis.routes import Endpoint, project_endpoints
from auditor.context import Context
from auditor.model import Check, Confidence, Effort, NotApplicable, Severity, Verdict

__all__ = ["InputValidation", "validation_facts"]

_RAW_READS: dict[str, re.Pattern[str]] = {
    "python": re.compile(r"\brequest\.(get_json|json|form|args|values|data|files|POST|GET|body|get_data|stream|query_params)\b"
                         r"|\bjson\.loads\(\s*request\.body|await\s+request\.(json|body|form)\(|\brequest\.(json|body|form)\(\)"),
    "javascript": re.compile(r"\b(req|request|ctx\.request)\.(body|query|params)\b"),
    "go": re.compile(r"json\.NewDecoder\(\s*\w+\.Body\)|\.PostForm(Value)?\(|\.FormValue\(|\.Query\(\)\.Get\("
                     r"|ioutil\.ReadAll\(\s*\w+\.Body"),
    "java": re.compile(r"@RequestBody|getParameter\(|@RequestParam"),
    "rust": re.compile(r"\bBytes\b|\bString\b body|web::Bytes|body::to_bytes"),
}
_VALIDATES: dict[str, re.Pattern[str]] = {
    "python": re.compile(r"(\.load\(|\.loads\(|\.validate\(|model_validate|parse_obj|parse_raw|validate_json|\.is_valid\(|"
                         r"TypeAdapter|jsonschema|Schema\(|Form\(|Serializer\(|cerberus|voluptuous|@use_args|@use_kwargs|"
                         r"@validate|@expects_json|@arguments|@input|@validate_request|@body\(|@doc\(|@accepts)"),
    "javascript": re.compile(r"(\.parse\(|\.safeParse\(|\.validate\(|validationResult\(|celebrate\(|checkSchema|"
                             r"validateOrReject|plainToInstance|ajv|\.assert\(|Joi\.|yup\.|superstruct|typebox|ValidationPipe)"),
    "go": re.compile(r"(ShouldBind\w*|\bBind(JSON|Query|Uri)?\(|validate\.Struct|validator\.New|\.Validate\(\)|"
                     r"ozzo-validation|govalidator)"),
    "java": re.compile(r"(@Valid\b|@Validated\b|Validator\.validate|validator\.validate)"),
    "rust": re.compile(r"(Json<|Form<|Query<|Path<|\.validate\(\)|Validate\b|ValidatedJson|garde)"),
}
_TYPED_BODY_PY = re.compile(r"^(?!(Request|Response|str|int|float|bool|bytes|dict|list|Any|Optional\[(str|int)\]|"
                            r"Session|AsyncSession|BackgroundTasks|WebSocket|UploadFile)$)[A-Z]\w*")


@dataclass(frozen=True, slots=True)
class _Status:
    endpoint: Endpoint
    status: str  # "validated" | "raw" | "unknown" | "none" (reads nothing)
    evidence: str


def _handler(analysis: ProjectAnalysis, ep: Endpoint) -> tuple[FileModel, Function] | None:
    model = analysis.model(ep.file)
    if model is None or not ep.handler:
        return None
    name = ep.handler.rsplit(".", 1)[-1].split("(", 1)[0].strip()
    candidates = [fn for fn in model.functions if fn.name == name]
    if not candidates:
        return None
    return model, min(candidates, key=lambda fn: abs(fn.line - ep.line))


def _function_text(model: FileModel, index: int, fn: Function) -> str:
    """What a handler's facts say it touches: its calls, their arguments and its assignments (texts)."""
    parts = [*fn.decorators]
    for call in model.calls:
        if call.function == index or (call.function >= 0 and index in _parents(model, call.function)):
            parts.append(call.callee + "(")
            parts.extend(a[1] for a in call.args)
    parts.extend(a.value[1] for a in model.assigns if a.function == index)
    return "\n".join(parts)


def _parents(model: FileModel, index: int) -> list[int]:
    out: list[int] = []
    fn = model.function(index)
    while fn is not None and fn.parent >= 0 and len(out) < 20:
        out.append(fn.parent)
        fn = model.function(fn.parent)
    return out


def classify(analysis: ProjectAnalysis, ep: Endpoint) -> _Status:
    found = _handler(analysis, ep)
    if found is None:
        return _Status(ep, "unknown", "handler not found")
    model, fn = found
    family = language_family(model.language)
    index = model.functions.index(fn)
    text = _function_text(model, index, fn)
    guards = "\n".join(ep.guards)
    raw = _RAW_READS.get(family)
    validates = _VALIDATES.get(family)
    if raw is None or validates is None:
        return _Status(ep, "unknown", f"no rules for {model.language}")
    if family == "python":
        typed = [p for p in fn.params if p[1] and _TYPED_BODY_PY.match(p[1].split("[", 1)[0].split(".")[-1])]
        if typed and not raw.search(text):
            return _Status(ep, "validated", f"typed parameter `{typed[0][0]}: {typed[0][1]}`")
    if validates.search(text) or validates.search(guards):
        return _Status(ep, "validated", "a schema or validator is applied")
    match = raw.search(text)
    if match:
        queries = {m.group(0) for m in raw.finditer(text)}
        only_query = all(re.search(r"(args|query_params|GET|query|Query\(\))\b", q) for q in queries)
        return _Status(ep, "raw-query" if only_query else "raw", match.group(0))
    return _Status(ep, "none", "reads no request data")


_BODYLESS = frozenset({"GET", "HEAD", "DELETE", "OPTIONS"})
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def _statuses(analysis: ProjectAnalysis) -> list[_Status]:
    """Each endpoint's status. One handler serving several methods (`methods=['PUT', 'DELETE']`) reads the body
    for the methods that carry one: its DELETE or GET endpoint is judged on query reads only."""
    endpoints = project_endpoints(analysis)
    body_handlers = {(ep.file, ep.handler) for ep in endpoints if ep.method in _BODY_METHODS and ep.handler}
    out: list[_Status] = []
    for ep in endpoints:
        status = classify(analysis, ep)
        if status.status == "raw" and ep.method in _BODYLESS and (ep.file, ep.handler) in body_handlers:
            status = _Status(ep, "none", f"the body read belongs to the handler's other methods ({status.evidence})")
        out.append(status)
    return out


def validation_facts(ctx: Context) -> dict[str, object]:
    statuses = ctx.analysis.memo("validation", _statuses)
    counts = Counter("raw" if s.status == "raw-query" else s.status for s in statuses)
    return {"endpoints": len(statuses), **{k: counts.get(k, 0) for k in ("validated", "raw", "unknown", "none")}}


class InputValidation(Check):
    id = "security/input-validation"
    title = "Request input is validated against a schema"
    category = "security"
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    tags = ("CWE-20",)
    backend_only = True
    rationale = (
        "An endpoint that reads the raw body, form or query (`request.get_json()`, `req.body`, "
        "`json.NewDecoder(r.Body)`) and uses it without a schema accepts any shape and type: missing fields crash "
        "it, unexpected ones reach the database. A typed body (Pydantic model, DTO with `@Valid`, `Json<T>`), a "
        "serializer's `is_valid()`, `schema.load`, zod/joi/class-validator or go-playground/validator count as "
        "validation. Counted per endpoint; endpoints whose handler could not be read are listed as unknown, never "
        "reported."
    )
    remediation = (
        "Declare the request body as a schema the framework validates (a Pydantic model parameter, a DTO with "
        "`@Valid`, `ShouldBindJSON` with `binding:` tags, `Json<T>`), or validate explicitly before use "
        "(`Schema().load(data)`, `schema.parse(req.body)`).",
    )
    effort = Effort.MEDIUM

    def run(self, ctx: Context) -> Verdict:
        statuses = ctx.analysis.memo("validation", _statuses)
        if not statuses:
            raise NotApplicable("no HTTP endpoints found in this project")
        counts = Counter("raw" if s.status == "raw-query" else s.status for s in statuses)
        metrics = {"endpoints": len(statuses), **{k: counts.get(k, 0) for k in ("validated", "raw", "unknown", "none")}}
        findings = tuple(
            self.finding(ctx, f"`{s.endpoint.method} {s.endpoint.path}` reads `{s.evidence}` without a schema or validator",
                         s.endpoint.file, s.endpoint.line, key=f"{s.endpoint.method} {s.endpoint.path}",
                         severity=Severity.LOW if s.status == "raw-query" else None)
            for s in statuses if s.status in ("raw", "raw-query"))
        return Verdict(findings=findings[:100], metrics=metrics)
