"""Frameworks that generate an OpenAPI document at run time, detected only where they are actually wired up."""

from __future__ import annotations

import re
from dataclasses import dataclass

from auditor.context import Context
from checks._ts import line_of, of_type

__all__ = ["Generator", "find_generator"]


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


_JS_IMPORT = re.compile(rb"""(?:from\s+|require\(\s*)['"](@nestjs/swagger|swagger-jsdoc|@fastify/swagger|fastify-swagger|"""
                        rb"""routing-controllers-openapi|tsoa|express-openapi|hono-openapi|@hono/zod-openapi)['"]""")


def _javascript(ctx: Context) -> Generator | None:
    for file in ctx.trees("typescript", "javascript", roles=("source",)):
        match = _JS_IMPORT.search(file.source)
        if match is None:
            continue
        package = match.group(1).decode()
        for node in of_type(file, "call_expression"):
            func = node.child_by_field_name("function")
            text = file.text(func) if func is not None else ""
            if package == "@nestjs/swagger" and text in ("SwaggerModule.setup", "SwaggerModule.createDocument"):
                return Generator("@nestjs/swagger", file.path, line_of(node))
            if package == "swagger-jsdoc" and re.fullmatch(r"swagger_?js_?doc", text, re.I):
                return Generator("swagger-jsdoc", file.path, line_of(node))
            if package in ("@fastify/swagger", "fastify-swagger") and text.endswith(".register"):
                args = node.child_by_field_name("arguments")
                if args is not None and re.search(r"swagger\b|Swagger\b", file.text(args).split(",")[0]):
                    return Generator("@fastify/swagger", file.path, line_of(node))
            if package == "routing-controllers-openapi" and text == "routingControllersToSpec":
                return Generator("routing-controllers-openapi", file.path, line_of(node))
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
    manifests = [f for f in ctx.files if f.path.rsplit("/", 1)[-1] == "Cargo.toml"]
    declared: set[str] = set()
    for info in manifests:
        text = ctx.sources.text(info.path) or ""
        declared.update(c for c in _RUST_CRATES if re.search(rf"^\s*{c}(?:\s*=|\.|\s*\{{)", text, re.M))
    if not declared:
        return None
    for file in ctx.trees("rust", roles=("source",)):
        for crate in declared:
            if re.search(rf"\b{crate}::|use {crate}\b".encode(), file.source):
                for node in of_type(file, "use_declaration", "attribute_item"):
                    if crate in file.text(node):
                        return Generator(crate.replace("_", "-"), file.path, line_of(node))
    return None


def _go(ctx: Context) -> Generator | None:
    annotated: Generator | None = None
    docs_imported = False
    for file in ctx.trees("go", roles=("source",)):
        if annotated is None:
            match = re.search(rb"^\s*//\s*@(?:title|Router|Summary)\s", file.source, re.M)
            if match:
                annotated = Generator("swaggo", file.path, file.source.count(b"\n", 0, match.start()) + 1)
        if re.search(rb'_\s+"[^"]*/docs"|swaggo/', file.source):
            docs_imported = True
    return annotated if annotated is not None and docs_imported else None
