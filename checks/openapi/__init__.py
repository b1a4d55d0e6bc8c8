"""OpenAPI: the API has a committed, valid, useful spec that documents every endpoint the code declares."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from analysis.routes import project_endpoints
from analysis.routes.java import Implementation, java_routes
from analysis.routes.paths import Endpoint, join_paths, normalise_path, path_matches, segments
from auditor.context import Context
from auditor.model import (
    Check,
    Confidence,
    Effort,
    Finding,
    Measure,
    NotApplicable,
    NotAvailable,
    Severity,
    Verdict,
)
from checks.openapi.generators import Generator, code_from_spec, find_generator
from checks.openapi.routes_java import with_servlet_prefixes
from checks.openapi.spec import (
    SpecDoc,
    base_paths,
    cap_paths,
    line_of_key,
    load_document,
    looks_like_spec,
    operations,
    spec_version,
    validate_spec,
)

__all__ = ["CHECKS", "EndpointFact", "OpenApiFacts", "OpenApiModel", "openapi_facts", "openapi_model"]

_FIXTURE_DIRS = frozenset({"fixtures", "fixture", "testdata", "test-data", "__fixtures__", "__snapshots__", "node_modules"})


_ENDPOINTS_LISTED = 5000  # a list beyond this is cut, and the cut is stated in `cut`


@dataclass(frozen=True, slots=True)
class EndpointFact:
    """One endpoint found in the code, as the report lists it. `confidence` is "low" when the route's router was
    never found mounted, so its full path may lack a prefix, or when its "ANY" method stands for methods that could
    not be read (a class-based view built on classes outside the project): a fact stated as unsure, never a finding."""

    method: str
    path: str
    file: str
    line: int
    handler: str
    framework: str
    confidence: str  # "high" | "low"
    documented: bool | None  # None when no readable spec is committed


@dataclass(frozen=True, slots=True)
class OpenApiFacts:
    status: str  # "file" | "generated" | "none"
    files: tuple[str, ...]
    valid: bool | None
    errors: tuple[str, ...]
    endpoints_in_code: int
    endpoints_documented: int
    endpoints_guessed: int  # documented only by matching the end of the path (prefix not resolved)
    documented_fraction: float | None
    generator: str | None
    unread_interfaces: tuple[str, ...] = ()  # controllers' API interfaces whose source is not in the repository
    cut: tuple[str, ...] = ()  # "<spec>: 100000 paths, the first 2000 (...) were read": what the caps left out
    endpoints: tuple[EndpointFact, ...] = ()  # every endpoint counted in endpoints_in_code (the first 5000)


@dataclass(slots=True)
class OpenApiModel:
    """Everything the checks share: spec documents, code endpoints and the match between them."""

    specs: list[SpecDoc] = field(default_factory=list)
    endpoints: list[Endpoint] = field(default_factory=list)
    generator: Generator | None = None
    documented: list[Endpoint] = field(default_factory=list)
    guessed: list[Endpoint] = field(default_factory=list)  # documented only by a suffix match (last resort)
    undocumented: list[Endpoint] = field(default_factory=list)
    spec_only: list[tuple[SpecDoc, str, str]] = field(default_factory=list)  # (spec, method, path)
    unread_interfaces: list[str] = field(default_factory=list)  # "OwnersApi (implemented by ...)": routes unseen

    @property
    def status(self) -> str:
        if self.specs:
            return "file"
        return "generated" if self.generator is not None else "none"


def _find_specs(ctx: Context) -> list[SpecDoc]:
    specs: list[SpecDoc] = []
    for info in ctx.files_where(languages=("yaml", "json")):
        if info.role == "migration" or any(p in _FIXTURE_DIRS for p in info.path.lower().split("/")[:-1]):
            continue
        text = ctx.sources.text(info.path)
        decode_error = ""
        if text is None:
            raw = ctx.repo.read_bytes(info.path) or b""
            text = raw.decode("utf-8", "replace")
            decode_error = "not valid UTF-8 text"
        if not looks_like_spec(info.path, text):
            continue
        doc = SpecDoc(path=info.path, text=text)
        if decode_error:
            doc.valid, doc.error = False, decode_error
            specs.append(doc)
            continue
        loaded = load_document(info.path, text)
        if loaded.error:
            doc.valid, doc.error = False, loaded.error
            specs.append(doc)
            continue
        version = spec_version(loaded.data)
        if not version or not isinstance(loaded.data, dict):  # the marker was not at the top level
            continue
        doc.data, doc.cut = cap_paths(loaded.data)
        doc.version = version
        doc.valid, doc.error = validate_spec(doc.data)
        specs.append(doc)
    return specs


_PROTO_HTTP = re.compile(r"\b(get|put|post|delete|patch)\s*:\s*\"(/[^\"]*)\"")


def _proto_endpoints(ctx: Context) -> list[Endpoint]:
    """gRPC-gateway routes: `option (google.api.http) = { post: "/v1/x" }` in .proto files."""
    out: list[Endpoint] = []
    for info in ctx.files:
        if not info.path.endswith(".proto") or info.role == "test":
            continue
        text = re.sub(r"//[^\n]*", "", ctx.sources.text(info.path) or "")  # examples live in comments
        if "google.api.http" not in text:
            continue
        for match in _PROTO_HTTP.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            out.append(Endpoint(match.group(1).upper(), match.group(2), info.path, line, "grpc-gateway"))
    return out


def openapi_model(ctx: Context) -> OpenApiModel:
    model = OpenApiModel(specs=_find_specs(ctx))
    java = java_routes(ctx.analysis)
    model.unread_interfaces = list(java.unread)
    model.endpoints = _dedupe(with_servlet_prefixes(ctx, project_endpoints(ctx.analysis) + _implemented(ctx, model))
                              + _proto_endpoints(ctx))
    if not model.specs:
        model.generator = find_generator(ctx)
    documented: list[tuple[SpecDoc, str, str, tuple[str, ...]]] = []
    for spec in model.specs:
        if spec.data is None:
            continue
        for op in operations(spec.data):
            for base in base_paths(spec.data):
                documented.append((spec, op.method, op.path, segments(base + "/" + op.path)))
    if documented:
        used: set[tuple[str, str, str]] = set()
        exact: dict[tuple[str, ...], list[tuple[SpecDoc, str, str, tuple[str, ...]]]] = {}
        for d in documented:
            exact.setdefault(d[3], []).append(d)
        for ep in model.endpoints:
            code = segments(ep.path)
            hits = [d for d in exact.get(code, []) if ep.method in ("ANY", d[1])]
            if not hits and ep.base:  # a spec that leaves the servlet context path to its servers
                local = segments(join_paths(*ep.path.split("/")[len(segments(ep.base)) + 1:]))
                hits = [d for d in exact.get(local, []) if ep.method in ("ANY", d[1])]
            if not hits:  # last resort: a prefix we could not resolve, guessed from the path's end
                hits = [d for d in documented if ep.method in ("ANY", d[1]) and path_matches(code, d[3])]
                if hits:
                    model.guessed.append(ep)
            if hits:
                model.documented.append(ep)
                used.update((d[0].path, d[1], d[2]) for d in hits)
            else:
                model.undocumented.append(ep)
        seen: set[tuple[str, str, str]] = set()
        for spec, method, path, _ in documented:
            key = (spec.path, method, path)
            if key not in used and key not in seen:
                seen.add(key)
                model.spec_only.append((spec, method, path))
    return model


def _implemented(ctx: Context, model: OpenApiModel) -> list[Endpoint]:
    """The committed spec's operations that controllers implement through interfaces generated from it at build
    time (openapi-generator, quarkus-openapi-generator): an operation is implemented by the class that overrides the
    method named after its operationId."""
    implementations = java_routes(ctx.analysis).implementations
    generator = code_from_spec(ctx) if implementations and any(s.data for s in model.specs) else None
    if generator is None:
        return []
    by_method: dict[str, list[tuple[Implementation, int, tuple[str, ...]]]] = {}
    for impl in implementations:
        framework = impl.framework or _generated_framework(impl.interface)
        if not framework:
            continue  # a service or repository class: not a controller
        for name, line, marks in impl.methods:
            by_method.setdefault(name, []).append((replace(impl, framework=framework), line, marks))
    out: list[Endpoint] = []
    for spec in model.specs:
        if spec.data is None:
            continue
        for op in operations(spec.data):
            op_id = op.spec.get("operationId")
            for impl, line, marks in by_method.get(op_id, []) if isinstance(op_id, str) else []:
                out.extend(Endpoint(op.method, join_paths(prefix, op.path), impl.file, line, impl.framework,
                                    handler=f"{impl.cls}.{op_id}", guards=(*impl.guards, *marks))
                           for prefix in impl.prefixes)
    return out


def _generated_framework(interface: str) -> str:
    """The framework of a class with no annotation of its own that implements an interface generated from the spec:
    quarkus-openapi-generator's and openapi-generator's jaxrs-spec `HeroesApi` carry the JAX-RS annotations
    themselves (the resource needs none), and openapi-generator's Spring delegate pattern has a `@Service` implement
    `PetApiDelegate`. Any other class that implements an unread interface is not taken for a controller."""
    if interface.endswith("Delegate"):
        return "spring"
    return "jax-rs" if interface.endswith(("Api", "Resource")) else ""


_DOCS_ROUTE = re.compile(r"(^|/)(swagger[\w-]*|openapi(\.json|\.ya?ml)?|api-docs|redoc|docs)(/|$)", re.I)
_DOCS_HANDLER = re.compile(r"swagger|redoc|openapi|api_?docs", re.I)


def _dedupe(endpoints: list[Endpoint]) -> list[Endpoint]:
    """One endpoint per method and path, leaving out the routes that serve the documentation itself. A route at "/"
    is an endpoint like any other (a Django `path("", views.index)`, an Express `app.all("/")`); a sub-application
    mounted there (Go's `mux.Handle("/", gateway)`) is no route at all (analysis/go.py leaves it out)."""
    seen: dict[tuple[str, str], Endpoint] = {}
    for ep in sorted(endpoints, key=lambda e: (e.file, e.line, e.method, e.path)):
        if _DOCS_ROUTE.search(ep.path) or _DOCS_HANDLER.search(ep.handler.split("(", 1)[0].rsplit(".", 1)[-1]):
            continue  # the docs UI, or a redirect to it (petclinic's `redirectToSwagger` at "/")
        seen.setdefault((ep.method, normalise_path(ep.path)), ep)
    return list(seen.values())


def openapi_facts(ctx: Context) -> OpenApiFacts:
    model = ctx.fact(openapi_model)
    validity = [s.valid for s in model.specs]
    valid: bool | None = None
    if validity:
        valid = False if False in validity else (None if None in validity else True)
    in_code = len(model.endpoints)
    has_docs = any(s.data is not None for s in model.specs)
    fraction = round(len(model.documented) / in_code, 4) if in_code and has_docs else None
    documented = {id(ep) for ep in model.documented}
    listed = tuple(
        EndpointFact(ep.method, ep.path, ep.file, ep.line, ep.handler, ep.framework,
                     "high" if ep.prefix_known and ep.method_known else "low", (id(ep) in documented) if has_docs else None)
        for ep in sorted(model.endpoints, key=lambda e: (e.file, e.line, e.method, e.path))[:_ENDPOINTS_LISTED])
    cut = tuple(f"{s.path}: {s.cut}" for s in model.specs if s.cut)
    if in_code > _ENDPOINTS_LISTED:
        cut += (f"endpoints: {in_code} found, the first {_ENDPOINTS_LISTED} (by file and line) are listed",)
    return OpenApiFacts(
        status=model.status,
        files=tuple(s.path for s in model.specs),
        valid=valid,
        errors=tuple(f"{s.path}: {s.error}" for s in model.specs if s.error),
        endpoints_in_code=in_code,
        endpoints_documented=len(model.documented) if has_docs else 0,
        endpoints_guessed=len(model.guessed) if has_docs else 0,
        documented_fraction=fraction,
        generator=model.generator.name if model.generator else None,
        unread_interfaces=tuple(model.unread_interfaces),
        cut=cut,
        endpoints=listed,
    )


def _require_api(model: OpenApiModel) -> None:
    if not model.specs and not model.endpoints and model.generator is None:
        raise NotApplicable("no HTTP endpoints, web framework or API spec found")


class SpecPresent(Check):
    id = "openapi/spec-present"
    title = "An OpenAPI spec is committed"
    category = "api"
    severity = Severity.HIGH
    backend_only = True
    rationale = (
        "A committed OpenAPI document is the contract clients, reviewers and tools read: changes to it show up "
        "in review, and clients and tests can be generated from it without running the service."
    )
    remediation = (
        "Write or export the OpenAPI 3 document (e.g. `openapi.yaml` at the root or under `docs/`).",
        "When the framework generates it, add a CI step that exports it and fails when the committed copy differs.",
    )
    effort = Effort.MEDIUM

    def run(self, ctx: Context) -> Iterator[Finding]:
        model = ctx.fact(openapi_model)
        _require_api(model)
        if model.status == "generated" and model.generator is not None:
            gen = model.generator
            yield self.finding(
                ctx, f"the spec is generated at run time by {gen.name} but not committed; export it and commit it",
                gen.path, gen.line, severity=Severity.MEDIUM, key=f"generated {gen.name}",
            )
        elif model.status == "none":
            yield self.finding(
                ctx, f"no OpenAPI spec is committed or generated for {len(model.endpoints)} HTTP endpoint(s)",
                key="no spec",
            )


class SpecValid(Check):
    id = "openapi/spec-valid"
    title = "The OpenAPI spec is valid"
    category = "api"
    severity = Severity.HIGH
    backend_only = True
    rationale = "An invalid document breaks client generators, documentation and contract tests that read it."
    remediation = (
        "Run `openapi-spec-validator <file>` locally and fix the error it names.",
        "Validate the spec in CI so it cannot break again.",
    )
    effort = Effort.SMALL

    def run(self, ctx: Context) -> Iterator[Finding]:
        model = ctx.fact(openapi_model)
        if not model.specs:
            raise NotApplicable("no committed OpenAPI spec")
        for spec in model.specs:
            if spec.valid is False:
                yield self.finding(ctx, f"invalid {_label(spec)}: {spec.error}", spec.path, 1,
                                   snippet=spec.text.splitlines()[0][:200] if spec.text else "", key=spec.error)
            elif spec.valid is None:
                yield self.finding(ctx, f"could not fully validate: {spec.error}", spec.path, 1,
                                   severity=Severity.INFO, snippet="", key=spec.error)


def _label(spec: SpecDoc) -> str:
    if spec.version == "2.0":
        return "Swagger 2.0 document"
    return f"OpenAPI {spec.version} document" if spec.version else "OpenAPI document"


class SpecQuality(Check):
    id = "openapi/spec-quality"
    title = "Operations are described, identified, versioned and document their errors"
    category = "api"
    severity = Severity.MEDIUM
    backend_only = True
    rationale = (
        "Client generators name methods after operationIds, readers need a summary, clients must know which errors "
        "to handle, request bodies need a schema to be validated, and a version in the path lets the API evolve."
    )
    remediation = (
        "Give every operation a unique `operationId` and a one-line `summary`.",
        "Document the 4xx responses each operation can return (400, 401, 404, 422...).",
        "Describe every request body with a schema.",
        "Serve the API under a version (`/v1/...` or a versioned `servers` URL).",
    )
    effort = Effort.MEDIUM

    def run(self, ctx: Context) -> Iterator[Finding]:
        model = ctx.fact(openapi_model)
        docs = [s for s in model.specs if s.data is not None]
        if not docs:
            raise NotApplicable("no parsed OpenAPI spec")
        for spec in docs:
            assert spec.data is not None
            ops = list(operations(spec.data))
            if not ops:
                yield self.finding(ctx, "the spec declares no operations", spec.path, line_of_key(spec.text, "paths") or 1,
                                   severity=Severity.MEDIUM, key="no operations")
                continue
            problems: dict[str, list[tuple[str, str]]] = {}
            for op in ops:
                body = op.spec
                if not body.get("operationId"):
                    problems.setdefault("operationId", []).append((op.method, op.path))
                if not body.get("summary") and not body.get("description"):
                    problems.setdefault("summary", []).append((op.method, op.path))
                responses = body.get("responses")
                codes = [str(c) for c in responses] if isinstance(responses, dict) else []
                if not any(c.startswith("4") or c.upper() == "4XX" for c in codes) and "default" not in codes:
                    problems.setdefault("4xx", []).append((op.method, op.path))
                if _body_without_schema(body, spec.version, spec.data):
                    problems.setdefault("body", []).append((op.method, op.path))
            texts = {
                "operationId": ("have no operationId", Severity.LOW),
                "summary": ("have no summary or description", Severity.LOW),
                "4xx": ("document no 4xx error response", Severity.MEDIUM),
                "body": ("take a request body without a schema", Severity.MEDIUM),
            }
            for kind, (what, severity) in texts.items():
                hits = problems.get(kind)
                if not hits:
                    continue
                examples = ", ".join(f"{m} {p}" for m, p in hits[:3]) + (", ..." if len(hits) > 3 else "")
                yield self.finding(ctx, f"{len(hits)} of {len(ops)} operations {what} (e.g. {examples})", spec.path,
                                   line_of_key(spec.text, hits[0][1]), severity=severity, key=kind)
            unversioned = _unversioned(spec.data, [op.path for op in ops])
            paths = {op.path for op in ops}
            if unversioned and len(unversioned) == len(paths):
                yield self.finding(ctx, "paths carry no API version (`/v1/...`, or a version in `servers`/`basePath`)",
                                   spec.path, line_of_key(spec.text, "paths"), severity=Severity.LOW, key="version")
            elif unversioned:
                # Most paths are versioned (`/api/v1/...`) and a few are not (`/auth`): name those, do not say that
                # the spec has no version at all.
                examples = ", ".join(unversioned[:3]) + (", ..." if len(unversioned) > 3 else "")
                yield self.finding(ctx, f"{len(unversioned)} of {len(paths)} paths carry no API version while the "
                                        f"others do (e.g. {examples})",
                                   spec.path, line_of_key(spec.text, unversioned[0]), severity=Severity.LOW,
                                   key="version")


def _body_without_schema(op: dict[str, object], version: str, data: dict[str, object]) -> bool:
    if version == "2.0":
        params = op.get("parameters")
        return any(isinstance(p, dict) and p.get("in") == "body" and not p.get("schema")
                   for p in (params if isinstance(params, list) else []))
    body = op.get("requestBody")
    if not isinstance(body, dict) or "$ref" in body:
        return False
    content = body.get("content")
    if not isinstance(content, dict) or not content:
        return True
    return any(not (isinstance(media, dict) and media.get("schema")) for media in content.values())


_VERSION = r"(?:^|/)v\d+(?:\.\d+)*(?:/|$)|(?:^|/)api/\d"


def _unversioned(data: dict[str, object], paths: list[str]) -> list[str]:
    """The distinct paths without a version, in spec order; none when a base path or server URL carries one."""
    if any(re.search(_VERSION, b) for b in base_paths(data) if b):
        return []
    return list(dict.fromkeys(p for p in paths if not re.search(_VERSION, p)))


class UndocumentedEndpoint(Check):
    id = "openapi/undocumented-endpoint"
    title = "Every endpoint in the code is documented in the spec"
    category = "api"
    severity = Severity.MEDIUM
    backend_only = True
    rationale = (
        "An endpoint the spec does not describe is invisible to clients and contract tests, and drifts without review. "
        "A route whose router was never found mounted (its full path unresolved, perhaps not served at all) is "
        "reported at low severity and confidence."
    )
    remediation = (
        "Add each listed endpoint to the OpenAPI document, or remove the route if it is dead.",
        "Generate the spec from code, or test that the committed spec and the router agree.",
    )
    effort = Effort.MEDIUM
    version = "2"

    def run(self, ctx: Context) -> Verdict:
        model = ctx.fact(openapi_model)
        _require_api(model)
        if not any(s.data is not None for s in model.specs):
            raise NotApplicable("no parsed OpenAPI spec to compare the code with")
        if not model.endpoints and model.unread_interfaces:
            raise NotAvailable(
                "the controllers implement API interfaces whose source is not in the repository (generated at build "
                f"time?): {', '.join(model.unread_interfaces[:3])}{', ...' if len(model.unread_interfaces) > 3 else ''}")
        if not model.endpoints:
            raise NotApplicable("no HTTP endpoints found in the code to compare with the spec")
        findings = [
            self.finding(ctx, f"{ep.method} {ep.path} ({ep.framework}) is not in the OpenAPI spec"
                         + ("" if ep.prefix_known else "; its router was not found mounted, so a prefix may be missing"),
                         ep.file, ep.line, key=f"{ep.method} {normalise_path(ep.path)}",
                         confidence=Confidence.HIGH if ep.prefix_known else Confidence.LOW,
                         severity=None if ep.prefix_known else Severity.LOW)
            for ep in model.undocumented
        ]
        findings.extend(
            self.finding(ctx, f"{method} {path} is in the spec but no route in the code was found for it", spec.path,
                         line_of_key(spec.text, path), severity=Severity.INFO, key=f"spec-only {method} {path}")
            for spec, method, path in model.spec_only
        )
        total = len(model.endpoints)
        value = round(100.0 * len(model.documented) / total, 2)
        threshold = ctx.threshold("openapi_documented")
        return Verdict(
            findings=tuple(findings),
            measure=Measure("documented endpoints", value, threshold),
            metrics={"endpoints_in_code": total, "endpoints_documented": len(model.documented),
                     "endpoints_guessed": len(model.guessed),
                     "spec_only_operations": len(model.spec_only)},
        )


CHECKS: list[type[Check]] = [SpecPresent, SpecValid, SpecQuality, UndocumentedEndpoint]
