"""Frameworks that generate an OpenAPI document at run time, detected only where they are actually wired up."""

from __future__ import annotations

import re
from dataclasses import dataclass

from auditor.context import Context

__all__ = ["Generator", "code_from_spec", "find_generator"]


@dataclass(frozen=True, slots=True)
class Generator:
    name: str
    path: str
    line: int | None


# Python constructors that produce a spec once given the app (directly or through `init_app`).
_PY_GENERATORS = {
    "flask_smorest.Api": "flask-smorest", "apispec.APISpec": "apispec", "apifairy.APIFairy": "apifairy",
    "flasgger.Swagger": "flasgger", "flask_restx.Api": "flask-restx", "flask_restplus.Api": "flask-restplus",
    "ninja.NinjaAPI": "django-ninja", "flask_openapi3.OpenAPI": "flask-openapi3", "spectree.SpecTree": "spectree",
}
_DJANGO_APPS = {"drf_spectacular": "drf-spectacular", "drf_yasg": "drf-yasg"}
_JAVA_DEPS = (
    ("springdoc-openapi", "springdoc"), ("springfox", "springfox"), ("smallrye-openapi", "smallrye-openapi"),
    ("micronaut-openapi", "micronaut-openapi"), ("swagger-jaxrs", "swagger-jaxrs"),
)
_RUST_CRATES = ("utoipa", "aide", "paperclip", "okapi", "poem_openapi")


# Build plugins that generate server interfaces from a committed spec at build time.
_CODE_FROM_SPEC = (
    ("openapi-generator-maven-plugin", "openapi-generator"), ("org.openapi.generator", "openapi-generator"),
    ("openApiGenerate", "openapi-generator"), ("quarkus-openapi-generator-server", "quarkus-openapi-generator"),
    ("swagger-codegen-maven-plugin", "swagger-codegen"), ("apicurio-codegen", "apicurio-codegen"),
)


def code_from_spec(ctx: Context) -> Generator | None:
    """A build file that generates the server's API interfaces from a spec (the spec is the source of the code)."""
    for info in ctx.files:
        name = info.path.rsplit("/", 1)[-1]
        if name not in ("pom.xml", "build.gradle", "build.gradle.kts"):
            continue
        text = ctx.sources.text(info.path) or ""
        for needle, label in _CODE_FROM_SPEC:
            pos = text.find(needle)
            if pos >= 0:
                return Generator(label, info.path, text.count("\n", 0, pos) + 1)
    return None


def find_generator(ctx: Context) -> Generator | None:
    return _python(ctx) or _javascript(ctx) or _java(ctx) or _rust(ctx) or _go(ctx)


def _python(ctx: Context) -> Generator | None:
    constructed: dict[str, Generator] = {}  # variable name -> generator constructed without the app
    init_apps: set[str] = set()
    for model in ctx.analysis.files("python", roles=("source",)):
        assigned = {(a.line, a.value[1].split("(", 1)[0]): a.targets[0] for a in model.assigns
                    if len(a.targets) == 1 and a.value[0] == "call" and "." not in a.targets[0]}
        for call in model.calls:
            name = call.callee
            full = call.qualified or name
            if full == "fastapi.FastAPI":
                if not any(arg[3] == "openapi_url" and arg[0] == "none" for arg in call.args):
                    return Generator("fastapi", model.path, call.line)
                continue
            if full in _PY_GENERATORS:
                found = Generator(_PY_GENERATORS[full], model.path, call.line)
                if any(not arg[3] or arg[3] == "app" for arg in call.args) or full == "ninja.NinjaAPI":
                    return found
                var = assigned.get((call.line, name))
                if var is not None:
                    constructed[var] = found
            elif call.name == "init_app" and "." in name:
                init_apps.add(name.rsplit(".", 2)[-2])
            elif call.name == "as_view" and "Spectacular" in name:
                return Generator("drf-spectacular", model.path, call.line)
            elif full.startswith("drf_yasg.") and full.endswith("get_schema_view"):
                return Generator("drf-yasg", model.path, call.line)
        for setting in model.settings:
            if setting.key == "INSTALLED_APPS" and not setting.context:
                for app, generator in _DJANGO_APPS.items():
                    match = re.search(rf"""['"]{app}['"]""", setting.value)
                    if match:
                        return Generator(generator, model.path, setting.line + setting.value.count("\n", 0, match.start()))
    for var, gen in constructed.items():
        if var in init_apps:
            return gen
    return None


_JS_PACKAGES = frozenset({"@nestjs/swagger", "swagger-jsdoc", "@fastify/swagger", "fastify-swagger",
                          "routing-controllers-openapi", "tsoa", "express-openapi", "hono-openapi", "@hono/zod-openapi"})


def _javascript(ctx: Context) -> Generator | None:
    """Where a spec generator imported by a TypeScript/JavaScript file is wired up (from the analysis layer)."""
    for model in ctx.analysis.files("typescript", "javascript", roles=("source",)):
        packages = {i.module for i in model.imports if i.module in _JS_PACKAGES}
        if not packages:
            continue
        for call in model.calls:
            text = call.callee
            if "@nestjs/swagger" in packages and text in ("SwaggerModule.setup", "SwaggerModule.createDocument"):
                return Generator("@nestjs/swagger", model.path, call.line)
            if "swagger-jsdoc" in packages and re.fullmatch(r"swagger_?js_?doc", text, re.I):
                return Generator("swagger-jsdoc", model.path, call.line)
            if packages & {"@fastify/swagger", "fastify-swagger"} and call.name == "register" and call.receiver \
                    and call.args and re.search(r"swagger\b|Swagger\b", call.args[0][1]):
                return Generator("@fastify/swagger", model.path, call.line)
            if "routing-controllers-openapi" in packages and text == "routingControllersToSpec":
                return Generator("routing-controllers-openapi", model.path, call.line)
    return None


def _java(ctx: Context) -> Generator | None:
    for info in ctx.files:
        name = info.path.rsplit("/", 1)[-1]
        if name not in ("pom.xml", "build.gradle", "build.gradle.kts"):
            continue
        text = ctx.sources.text(info.path) or ""
        for needle, label in _JAVA_DEPS:
            pos = text.find(needle)
            if pos >= 0:
                return Generator(label, info.path, text.count("\n", 0, pos) + 1)
    return None


def _rust(ctx: Context) -> Generator | None:
    """utoipa / aide / paperclip / okapi / poem-openapi: declared in a Cargo.toml and used by the code (a `use`,
    or an attribute such as `#[utoipa::path(...)]`), read from the analysis layer's model."""
    manifests = [f for f in ctx.files if f.path.rsplit("/", 1)[-1] == "Cargo.toml"]
    declared: set[str] = set()
    for info in manifests:
        text = ctx.sources.text(info.path) or ""
        declared.update(c for c in _RUST_CRATES if re.search(rf"^\s*{c}(?:\s*=|\.|\s*\{{)", text, re.M))
    if not declared:
        return None
    for model in ctx.analysis.files("rust", roles=("source",)):
        lines: list[tuple[int, str]] = []
        for imp in model.imports:
            head = (imp.module or imp.name).split("::", 1)[0]
            if head in declared:
                lines.append((imp.line, head))
        decorated = [(fn.line, fn.decorators) for fn in model.functions] + [
            (cls.line, cls.decorators) for cls in model.classes]
        for line, decorators in decorated:
            for text in decorators:
                crate = next((c for c in declared if f"{c}::" in text or text.startswith(f"#[{c}")), None)
                if crate is not None:
                    lines.append((line, crate))
        if lines:
            first, crate = min(lines)
            return Generator(crate.replace("_", "-"), model.path, first)
    return None


def _go(ctx: Context) -> Generator | None:
    """swaggo: `// @title`, `// @Router` or `// @Summary` annotations, and the generated docs package imported."""
    annotated: Generator | None = None
    docs_imported = False
    for model in ctx.analysis.files("go", roles=("source",)):
        line = model.marker("swag")
        if annotated is None and line is not None and line.isdigit():
            annotated = Generator("swaggo", model.path, int(line))
        if any((imp.module.endswith("/docs") and not imp.alias) or "swaggo/" in imp.module for imp in model.imports):
            docs_imported = True
    return annotated if annotated is not None and docs_imported else None
