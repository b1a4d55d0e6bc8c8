"""The one table of what the code's names mean: frameworks, ORMs, drivers, loggers, test tools, middleware."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from analysis.model import FileModel
    from analysis.project import ProjectAnalysis

__all__ = [
    "CLIENT_ERROR_NAMES",
    "WEB_FRAMEWORK_IMPORTS",
    "central_handler_evidence",
    "is_client_error_status",
    "language_family",
    "web_frameworks",
]

CLIENT_ERROR_NAMES = frozenset({
    "StatusBadRequest", "StatusUnauthorized", "StatusForbidden", "StatusNotFound", "StatusConflict",
    "StatusUnprocessableEntity", "StatusMethodNotAllowed", "StatusTooManyRequests", "StatusGone",
    "BAD_REQUEST", "UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND", "CONFLICT", "UNPROCESSABLE_ENTITY",
    "HTTP_400_BAD_REQUEST", "HTTP_401_UNAUTHORIZED", "HTTP_403_FORBIDDEN", "HTTP_404_NOT_FOUND",
    "HTTP_409_CONFLICT", "HTTP_422_UNPROCESSABLE_ENTITY", "badRequest", "notFound",
})


def is_client_error_status(text: str) -> bool:
    """Whether a status-code expression is an explicit client error (400-499 or a StatusBadRequest-like name)."""
    t = text.strip()
    if t.isdigit():
        return 400 <= int(t) < 500
    return t.rsplit(".", 1)[-1] in CLIENT_ERROR_NAMES


# -- web frameworks, by the modules the code imports ------------------------------------------------------------
# (language family, module prefix) -> framework name. A module matches its prefix exactly or below it.
WEB_FRAMEWORK_IMPORTS: dict[str, dict[str, str]] = {
    "python": {
        "flask": "flask", "fastapi": "fastapi", "django": "django", "starlette": "starlette", "aiohttp": "aiohttp",
        "sanic": "sanic", "falcon": "falcon", "tornado": "tornado", "pyramid": "pyramid", "bottle": "bottle",
        "litestar": "litestar", "quart": "quart", "rest_framework": "rest_framework",
    },
    "javascript": {
        "express": "express", "@nestjs/core": "nestjs", "@nestjs/common": "nestjs", "fastify": "fastify",
        "koa": "koa", "@hapi/hapi": "hapi", "hapi": "hapi", "restify": "restify", "@adonisjs/core": "adonis",
        "hono": "hono",
    },
    "go": {
        "github.com/gin-gonic/gin": "gin", "github.com/labstack/echo": "echo", "github.com/go-chi/chi": "chi",
        "github.com/gofiber/fiber": "fiber", "github.com/gorilla/mux": "gorilla",
        "github.com/julienschmidt/httprouter": "httprouter", "github.com/beego/beego": "beego",
    },
    "java": {
        "org.springframework.web": "spring", "org.springframework.boot": "spring", "jakarta.ws.rs": "jax-rs",
        "javax.ws.rs": "jax-rs", "io.micronaut.http": "micronaut", "io.quarkus": "quarkus", "io.javalin": "javalin",
        "io.vertx.ext.web": "vertx", "spark.Spark": "spark",
    },
    "rust": {
        "actix_web": "actix_web", "axum": "axum", "rocket": "rocket", "warp": "warp", "poem": "poem", "tide": "tide",
        "salvo": "salvo", "hyper": "hyper",
    },
}
_FAMILY = {"python": "python", "typescript": "javascript", "javascript": "javascript", "go": "go", "java": "java",
           "rust": "rust"}


def language_family(language: str) -> str:
    return _FAMILY.get(language, language)


def _matches(module: str, prefix: str) -> bool:
    if module == prefix:
        return True
    return module.startswith(prefix) and module[len(prefix)] in "./:" if len(module) > len(prefix) else False


def web_frameworks(analysis: ProjectAnalysis, *, roles: tuple[str, ...] = ("source",)) -> list[str]:
    """Web frameworks the project's code imports, by name."""
    found: set[str] = set()
    for model, imp in analysis.imports(roles=roles):
        table = WEB_FRAMEWORK_IMPORTS.get(language_family(model.language), {})
        for prefix, name in table.items():
            if _matches(imp.module, prefix) or (imp.name and _matches(f"{imp.module}.{imp.name}", prefix)):
                found.add(name)
    for model in analysis.files(roles=roles):
        found.update(m[len("framework:"):] for m in model.markers if m.startswith("framework:"))
    return sorted(found)


# -- central error handlers -------------------------------------------------------------------------------------
_PY_CENTRAL_DECORATORS = frozenset({"exception_handler", "errorhandler", "app_errorhandler", "error_handler"})
_PY_CENTRAL_CALLS = frozenset({"add_exception_handler", "register_error_handler"})
_PY_CENTRAL_NAMES = frozenset({"handler500", "handler400", "handler404"})


def central_handler_evidence(analysis: ProjectAnalysis, *, roles: tuple[str, ...] = ("source",)) -> list[str]:
    """Where the project registers one place that turns errors into responses ("path:line what")."""
    out: list[str] = []
    for model in analysis.files(roles=roles):
        if model.language == "python":
            out.extend(_python_central(model))
        out.extend(f"{model.path}:{m.split(':', 2)[1]} {m.split(':', 2)[2]}" for m in model.markers
                   if m.startswith("central-handler:") and m.count(":") >= 2)
    return out


def _python_central(model: FileModel) -> list[str]:
    out: list[str] = []
    for fn in model.functions:
        for dec in fn.decorators:
            target = dec[1:].split("(", 1)[0]
            if target.rsplit(".", 1)[-1] in _PY_CENTRAL_DECORATORS:
                out.append(f"{model.path}:{fn.line} @{target}")
    for call in model.calls:
        if call.name in _PY_CENTRAL_CALLS:
            out.append(f"{model.path}:{call.line} {call.callee}()")
        elif any(arg[3] == "exception_handlers" for arg in call.args):
            out.append(f"{model.path}:{call.line} {call.callee}(exception_handlers=...)")
    for assign in model.assigns:
        if assign.function < 0 and not assign.owner:
            for target in assign.targets:
                if target in _PY_CENTRAL_NAMES:
                    out.append(f"{model.path}:{assign.line} {target}")
            if "EXCEPTION_HANDLER" in assign.value[1] and assign.value[0] == "collection":
                out.append(f"{model.path}:{assign.line} REST_FRAMEWORK['EXCEPTION_HANDLER']")
    return out
