"""The API is versioned and says what is deprecated: operability/api-versioning and the facts behind it.

Path versions are read from the routes the code declares, with their mount prefixes resolved (analysis.routes),
never from strings elsewhere: an import path such as `echo/v4`, a variable named `v1`, a docs version string or a
third-party URL with `/v3/` in it is not a route. Header and media-type versioning are read from the header names
and media types the code uses, and from versioning settings and libraries (DRF's DEFAULT_VERSIONING_CLASS,
fastapi-versioning, NestJS enableVersioning/@Version, Spring's version attributes). Deprecation: `deprecated=True`
on a route, `@Deprecated` on a handler, Sunset/Deprecation headers, `deprecated: true` in an OpenAPI document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from analysis.frameworks import language_family
from analysis.routes import Endpoint, segments
from auditor.context import Context
from auditor.model import Check, Confidence, Effort, NotApplicable, Severity, Verdict
from checks.operability._common import endpoints_or_not_applicable, short

__all__ = ["ApiVersioning", "VersioningFacts", "versioning_facts"]

_VERSION_SEGMENT = re.compile(r"(?i)^(api-?)?v\d+(\.\d+)?(-(alpha|beta)\d*)?$|^\d{4}-\d{2}-\d{2}$")
_INFRA = re.compile(r"(?i)^(health|healthz|healthcheck|ready|readyz|readiness|live|livez|liveness|ping|metrics|status|docs|"
                    r"redoc|openapi(\.json|\.ya?ml)?|swagger(-ui)?|favicon\.ico|robots\.txt|static|assets|admin|"
                    r"__debug__|\.well-known|version)$")
_VERSION_HEADER = re.compile(r"(?i)^(x-)?(api-)?version$|^accept-version$|^api-version$|^x-api-version$")
_MEDIA_TYPE = re.compile(r"(?i)application/vnd\.[\w.-]+[.-]v\d+(\+\w+)?|application/[\w.+-]+;\s*version=\d")
_HEADER_READS = frozenset({"get", "getHeader", "header", "Header", "get_header", "Get", "headers", "getHeaders"})
_DRF_VERSIONING = re.compile(r"(URLPath|AcceptHeader|Namespace|HostName|QueryParameter)Versioning")
_VERSION_LIBRARIES: dict[str, tuple[str, ...]] = {
    "python": ("fastapi_versioning", "versioned_fastapi", "fastapi_versionizer", "flask_smorest"),
    "javascript": ("express-routes-versioning", "express-version-route", "express-api-versioning"),
    "go": (),
    "java": (),
    "rust": (),
}
_DEPRECATION_HEADER = re.compile(r"(?i)^(sunset|deprecation)$")
_SPEC_FILE = re.compile(r"(?i)(^|/)(openapi|swagger|api-?spec)[\w.-]*\.(json|ya?ml)$")
_SPEC_DEPRECATED = re.compile(r"""(?m)["']?deprecated["']?\s*:\s*true""")
MIN_ENDPOINTS = 3


@dataclass
class VersioningFacts:
    schemes: list[str] = field(default_factory=list)  # "path", "header", "media-type", "query"
    evidence: list[str] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)  # path versions seen: v1, v2, 2024-01-01
    deprecation: list[str] = field(default_factory=list)
    endpoints: int = 0  # endpoints that are part of the API (infrastructure routes left out)
    versioned: int = 0  # of those, under a path version
    unknown_prefix: int = 0  # endpoints whose mount prefix could not be read


def _api_endpoints(endpoints: list[Endpoint]) -> list[Endpoint]:
    out = []
    for ep in endpoints:
        segs = [s for s in segments(ep.path) if s]
        if (segs and _INFRA.match(segs[0])) or (len(segs) >= 2 and segs[0].lower() == "api" and _INFRA.match(segs[1])):
            continue
        if not segs and ep.method in ("GET", "ANY", "HEAD"):
            continue  # the root page
        out.append(ep)
    return out


def _serves_a_page(ctx: Context, ep: Endpoint) -> bool:
    """A Spring MVC `@Controller` method without `@ResponseBody` returns a view name: it serves an HTML page of a
    server-rendered site (techbuzz's `/login`, `/posts/new`), whose URLs are not an API contract to version."""
    if ep.framework != "spring" and not ep.file.endswith((".java", ".kt")):
        return False
    model = ctx.analysis.model(ep.file)
    name = ep.handler.rsplit(".", 1)[-1].split("(", 1)[0].strip()
    if model is None or not name:
        return False
    fns = [fn for fn in model.functions if fn.name == name]
    if not fns:
        return False
    fn = min(fns, key=lambda f: abs(f.line - ep.line))
    owner = next((c for c in model.classes if c.name == fn.owner), None)
    if owner is None:
        return False
    marks = [d.split("(", 1)[0].strip() for d in (*owner.decorators, *fn.decorators)]
    return "@Controller" in marks and "@RestController" not in marks and "@ResponseBody" not in marks \
        and not (fn.returns or "").startswith(("ResponseEntity", "Mono", "Flux"))


def _path_version(ep: Endpoint) -> str:
    for seg in segments(ep.path):
        if _VERSION_SEGMENT.match(seg):
            return seg.lower()
    return ""


def _collect(ctx: Context) -> VersioningFacts:
    facts = VersioningFacts()
    endpoints = [ep for ep in _api_endpoints(endpoints_or_not_applicable(ctx)) if not _serves_a_page(ctx, ep)]
    facts.endpoints = len(endpoints)
    facts.unknown_prefix = sum(1 for ep in endpoints if not ep.prefix_known)
    for ep in endpoints:
        version = _path_version(ep)
        if version:
            facts.versioned += 1
            if version not in facts.versions:
                facts.versions.append(version)
                facts.evidence.append(f"{ep.method} {ep.path} ({ep.file}:{ep.line})")
    if facts.versioned:
        facts.schemes.append("path")
    for model in ctx.analysis.files(roles=("source", "config")):
        family = language_family(model.language)
        for call in model.calls:
            where = f"{model.path}:{call.line}"
            for arg in call.args:
                literal = (arg[4] or "").strip()
                if literal and _VERSION_HEADER.match(literal) and call.name in _HEADER_READS:
                    _add(facts, "header", f"`{literal}` header read ({where})")
                elif literal and _MEDIA_TYPE.search(literal):
                    _add(facts, "media-type", f"`{literal[:60]}` ({where})")
                elif literal and _DEPRECATION_HEADER.match(literal) and call.name in ("set", "setHeader", "header", "Header",
                                                                                      "Set", "add", "append", "insert"):
                    facts.deprecation.append(f"{literal} header ({where})")
            if call.name == "enableVersioning" or (family == "java" and call.name == "configureApiVersioning"):
                _add(facts, "header" if family == "java" else "path", f"{call.callee}() ({where})")
        for setting in model.settings:
            where = f"{model.path}:{setting.line}"
            if setting.key in ("DEFAULT_VERSIONING_CLASS", "versioning_class") or (
                    setting.key == "REST_FRAMEWORK" and "DEFAULT_VERSIONING_CLASS" in setting.value):
                match = _DRF_VERSIONING.search(setting.value)
                scheme = {"URLPath": "path", "Namespace": "path", "AcceptHeader": "media-type", "HostName": "host",
                          "QueryParameter": "query"}.get(match.group(1) if match else "", "header")
                _add(facts, scheme, f"DRF {match.group(0) if match else setting.key} ({where})")
            elif setting.key == "deprecated" and setting.value in ("True", "true"):
                facts.deprecation.append(f"deprecated=True on {setting.context or 'a route'} ({where})")
            elif setting.key == "version" and family in ("java", "javascript") and re.search(
                    r"(Mapping|Controller|Get|Post|Put|Patch|Delete)$", setting.context):
                _add(facts, "header" if family == "java" else "path", f"{setting.context}(version={setting.value}) ({where})")
            elif _MEDIA_TYPE.search(setting.value) and setting.key in ("produces", "consumes", "media_type", "content_type"):
                _add(facts, "media-type", f"{setting.key}={setting.value[:60]} ({where})")
        for assign in model.assigns:
            if any(_DEPRECATION_HEADER.match(t.rsplit("[", 1)[-1].strip("]'\" ")) for t in assign.targets if "[" in t):
                facts.deprecation.append(f"{assign.targets[0][:60]} ({model.path}:{assign.line})")
        for fn in model.functions:
            for dec in fn.decorators:
                name = dec.lstrip("@").split("(", 1)[0].rsplit(".", 1)[-1]
                if name in ("Deprecated", "deprecated") and (model.routes or family == "java"):
                    facts.deprecation.append(f"@{name} {fn.name} ({model.path}:{fn.line})")
                elif name == "Version" and family == "javascript":
                    _add(facts, "path", f"@Version on {fn.name} ({model.path}:{fn.line})")
        libraries = _VERSION_LIBRARIES.get(family, ())
        for imp in model.imports:
            if any(imp.module == lib or imp.module.startswith(lib + ".") for lib in libraries):
                _add(facts, "path", f"{imp.module} ({model.path}:{imp.line})")
    for info in ctx.files:
        if _SPEC_FILE.search(info.path):
            text = ctx.sources.text(info.path) or ""
            match = _SPEC_DEPRECATED.search(text)
            if match:
                line = text.count("\n", 0, match.start()) + 1
                facts.deprecation.append(f"deprecated operation in {PurePosixPath(info.path).name} ({info.path}:{line})")
    facts.evidence, facts.deprecation = short(facts.evidence), short(facts.deprecation)
    return facts


def _add(facts: VersioningFacts, scheme: str, evidence: str) -> None:
    if scheme not in facts.schemes:
        facts.schemes.append(scheme)
    facts.evidence.append(evidence)


def versioning_facts(ctx: Context) -> VersioningFacts:
    return ctx.fact(_collect)


def facts_json(ctx: Context) -> dict[str, object]:
    facts = versioning_facts(ctx)
    return {"present": bool(facts.schemes), "scheme": facts.schemes[0] if facts.schemes else None, "schemes": facts.schemes,
            "evidence": facts.evidence, "versions": facts.versions, "deprecation": facts.deprecation,
            "endpoints": facts.endpoints, "versioned_endpoints": facts.versioned}


class ApiVersioning(Check):
    id = "operability/api-versioning"
    title = "The API is versioned"
    category = "operability"
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    backend_only = True
    rationale = (
        "Clients break when an API changes under them; a version in the contract (`/api/v1/...`, a dated version, "
        "an API-Version header, a versioned media type) lets a new version ship beside the old one, and a deprecation "
        "signal (OpenAPI `deprecated`, Sunset/Deprecation headers) tells clients when to move. Path versions are read "
        "from the routes the code declares with their mount prefixes, never from other strings: an import path such as "
        "`echo/v4`, a variable named `v1`, a docs version string or a third-party URL with `/v3/` is not API versioning. "
        "Health, metrics and docs routes are left out, and a service with fewer than three API endpoints is not held to "
        "it. Medium confidence: a gateway outside the repository may add the version prefix."
    )
    remediation = (
        "Mount the API under a version prefix (`app.include_router(v1, prefix=\"/api/v1\")`, `app.use(\"/api/v1\", router)`, "
        "`r.Group(\"/api/v1\")`, `@RequestMapping(\"/api/v1\")`, `Router::new().nest(\"/api/v1\", ...)`), or version "
        "by header or media type with the framework's versioning support.",
        "When an operation is to go, mark it `deprecated` in the OpenAPI document and send Deprecation/Sunset headers.",
    )
    effort = Effort.MEDIUM

    def run(self, ctx: Context) -> Verdict:
        facts = versioning_facts(ctx)
        metrics = facts_json(ctx)
        if facts.endpoints < MIN_ENDPOINTS:
            raise NotApplicable(f"{facts.endpoints} API endpoint(s): too few to hold to a versioning scheme")
        if facts.schemes:
            return Verdict(metrics=metrics)
        unknown = facts.unknown_prefix
        confidence = Confidence.LOW if unknown * 2 >= facts.endpoints else Confidence.MEDIUM
        note = f" ({unknown} have a mount prefix the code does not spell out)" if unknown else ""
        finding = self.finding(ctx, f"none of the {facts.endpoints} API endpoints is versioned{note}: no version in any "
                               "route path, no version header or media type, no versioning configuration",
                               confidence=confidence, key="api-versioning")
        return Verdict(findings=(finding,), metrics=metrics)
