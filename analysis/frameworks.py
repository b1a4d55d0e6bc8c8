"""The one table of what the code's names mean: frameworks, ORMs, drivers, loggers, test tools, middleware."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from analysis.model import FileModel
    from analysis.project import ProjectAnalysis

__all__ = [
    "CLIENT_ERROR_CLASSES",
    "CLIENT_ERROR_NAMES",
    "GO_ERROR_HELPER",
    "GO_ROUTER_CONSTRUCTORS",
    "GO_ROUTER_TYPES",
    "NON_GUARD_MIDDLEWARE",
    "TOOL_CONFIG_FILES",
    "WEB_FRAMEWORK_IMPORTS",
    "central_handler_evidence",
    "go_framework",
    "is_client_error_status",
    "language_family",
    "not_application_source",
    "web_frameworks",
]

CLIENT_ERROR_NAMES = frozenset({
    "StatusBadRequest", "StatusUnauthorized", "StatusForbidden", "StatusNotFound", "StatusConflict",
    "StatusUnprocessableEntity", "StatusMethodNotAllowed", "StatusTooManyRequests", "StatusGone",
    "BAD_REQUEST", "UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND", "CONFLICT", "UNPROCESSABLE_ENTITY",
    "HTTP_400_BAD_REQUEST", "HTTP_401_UNAUTHORIZED", "HTTP_403_FORBIDDEN", "HTTP_404_NOT_FOUND",
    "HTTP_409_CONFLICT", "HTTP_422_UNPROCESSABLE_ENTITY", "badRequest", "notFound",
})


# Library error classes whose messages are written for clients by whoever throws them (language family -> names).
CLIENT_ERROR_CLASSES: dict[str, frozenset[str]] = {
    "javascript": frozenset({
        "HttpError", "HttpException", "BadRequestException", "UnauthorizedException", "ForbiddenException",
        "NotFoundException", "MethodNotAllowedException", "NotAcceptableException", "RequestTimeoutException",
        "ConflictException", "GoneException", "PreconditionFailedException", "PayloadTooLargeException",
        "UnsupportedMediaTypeException", "ImATeapotException", "MisdirectedException", "UnprocessableEntityException",
        "InternalServerErrorException", "NotImplementedException", "BadGatewayException",
        "ServiceUnavailableException", "GatewayTimeoutException", "HttpVersionNotSupportedException",
    }),
}


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
# Go routers: constructors by package name, and the types a router is declared as.
GO_ROUTER_CONSTRUCTORS: dict[str, frozenset[str]] = {
    "gin": frozenset({"New", "Default"}), "echo": frozenset({"New"}), "chi": frozenset({"NewRouter", "NewMux"}),
    "mux": frozenset({"NewRouter"}), "http": frozenset({"NewServeMux"}), "fiber": frozenset({"New"}),
    "httprouter": frozenset({"New"}),
}
GO_ROUTER_TYPES = frozenset({
    "gin.Engine", "gin.RouterGroup", "gin.IRouter", "gin.IRoutes", "echo.Echo", "echo.Group", "chi.Router", "chi.Mux",
    "mux.Router", "http.ServeMux", "fiber.App", "fiber.Router", "fiber.Group", "httprouter.Router",
})
# A Go function that turns an error into a response (errorResponse, writeError, respondWithError, ErrorHandler...).
GO_ERROR_HELPER = re.compile(
    r"(?i)^((handle|write|respond|render|send|new)?(api|http|json)?(error|err)(handler|middleware|response|json|reply)"
    r"|(handle|write|respond(with)?|render|send|abort)(api|http|json)?(error|err))$"
)


def go_framework(module: str) -> str:
    """The web framework a Go import path belongs to ("net/http" for the standard library's), "" for none."""
    if module == "net/http":
        return "net/http"
    for prefix, name in WEB_FRAMEWORK_IMPORTS["go"].items():
        if _matches(module, prefix):
            return name
    return ""


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


# -- middleware -------------------------------------------------------------------------------------------------
# Express/Koa/Fastify middleware that parses, logs, compresses or serves files: not a guard of the routes below it.
NON_GUARD_MIDDLEWARE = re.compile(
    r"^(express|bodyParser|koaBody|koa)\.(json|urlencoded|raw|text|static)\b|^(bodyParser|cors|helmet|compression|morgan|"
    r"cookieParser|methodOverride|express\.static|serveStatic|favicon|responseTime|hpp|xss|mongoSanitize|"
    r"requestLogger|logger|pinoHttp|expressWinston\.\w+|passport\.(initialize|session)|session|cookieSession|"
    r"express\.Router|multer|timeout|nocache)\s*(\(|$)"
)


# -- files that are not the application ------------------------------------------------------------------------
# TypeScript / JavaScript that configures or drives tools rather than being the product: *.config.js, *.preset.js,
# .*rc.js, task runner files, webpack configs, anything in a dot-folder (.husky/, .hygen/) or a webpack/ folder.
TOOL_CONFIG_FILES = re.compile(
    r"(^|/)([\w.-]+\.config\.[cm]?[jt]s|[\w.-]+\.preset\.[cm]?[jt]s|\.[\w-]+rc\.[cm]?[jt]s|[Gg]runtfile\.[jt]s"
    r"|[Gg]ulpfile\.[jt]s|Jakefile\.js|package-scripts\.js|webpack(\.[\w-]+)*\.[cm]?[jt]s)$|(^|/)\.[^/]+(/|$)"
    r"|(^|/)webpack/"
)
# Globals of the MongoDB shell (mongosh scripts run by the database container at first start).
_DB_SHELL_CALLS = frozenset({
    "db.createUser", "db.getSiblingDB", "db.createCollection", "db.auth", "db.adminCommand", "db.createRole",
    "db.grantRolesToUser", "rs.initiate", "sh.enableSharding", "sh.shardCollection", "db.runCommand",
})


def not_application_source(model: FileModel) -> str | None:
    """Why a TypeScript/JavaScript source file is not part of the application ("build configuration", "database
    shell script"), or None when it is."""
    if TOOL_CONFIG_FILES.search(model.path):
        return "build configuration"
    if not model.imports and any(c.callee in _DB_SHELL_CALLS or c.callee.startswith(("db.getSiblingDB(", "rs."))
                                 for c in model.calls[:200]):
        return "database shell script"
    return None


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
        elif model.language == "go":
            out.extend(_go_central(model))
        elif model.language in ("typescript", "javascript"):
            out.extend(_js_central(model))
        elif model.language == "rust":
            out.extend(_rust_central(model))
        elif model.language == "java":
            out.extend(_java_central(model))
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


def _go_central(model: FileModel) -> list[str]:
    """echo's `e.HTTPErrorHandler = h`, an `ErrorHandler:` field of a config literal (fiber, asynq), and error
    response helpers (`errorResponse`, `writeError`, `respondWithError`)."""
    from analysis.model import CALL_NEW

    out: list[str] = []
    for assign in model.assigns:
        if any(t.endswith(".HTTPErrorHandler") for t in assign.targets):
            out.append(f"{model.path}:{assign.line} HTTPErrorHandler")
    for call in model.calls:
        if call.flags & CALL_NEW and any(arg[3] == "ErrorHandler" for arg in call.args):
            out.append(f"{model.path}:{call.line} ErrorHandler config")
    for fn in model.functions:
        if fn.parent < 0 and (fn.owner or fn.qualname == fn.name) and GO_ERROR_HELPER.match(fn.name):
            out.append(f"{model.path}:{fn.line} {fn.name}()")
    return out


_JS_ERROR_PARAMS = frozenset({"e", "err", "error", "ex", "exc", "exception", "er", "_err", "_error"})
_JS_CENTRAL_CALLS = frozenset({"useGlobalFilters", "setErrorHandler", "onError"})


def _js_central(model: FileModel) -> list[str]:
    """Express error middleware (four parameters, the first an error), NestJS exception filters (`@Catch`,
    `implements ExceptionFilter`, `useGlobalFilters`, an APP_FILTER provider), Fastify `setErrorHandler`, Hono
    `app.onError`."""
    out: list[str] = []
    for fn in model.functions:
        if len(fn.params) == 4:
            first = fn.params[0][0]
            if first in _JS_ERROR_PARAMS or first.lower().startswith("err"):
                names = ", ".join(p[0] for p in fn.params)
                out.append(f"{model.path}:{fn.line} error middleware ({names[:60]})")
    for cls in model.classes:
        for dec in cls.decorators:
            if dec.startswith("@Catch"):
                out.append(f"{model.path}:{cls.line} @Catch exception filter")
        if any(b.rsplit(".", 1)[-1] == "ExceptionFilter" or b.startswith("BaseExceptionFilter") for b in cls.bases):
            out.append(f"{model.path}:{cls.line} ExceptionFilter")
    for call in model.calls:
        if call.name in _JS_CENTRAL_CALLS and call.receiver:
            out.append(f"{model.path}:{call.line} {call.name}()")
    for imp in model.imports:
        if imp.module == "@nestjs/core" and imp.name == "APP_FILTER":
            out.append(f"{model.path}:{imp.line} APP_FILTER provider")
    return out


# Rust: an error type the framework turns into a response, or an error-handling middleware / catcher.
_RUST_RESPONSE_TRAITS = frozenset({"IntoResponse", "Responder", "Reject"})
_RUST_ERROR_MIDDLEWARE = frozenset({"default_handler", "handler"})


def _rust_central(model: FileModel) -> list[str]:
    out: list[str] = []
    for cls in model.classes:
        if cls.kind != "impl" or not cls.bases:
            continue
        trait = cls.bases[0].rsplit("::", 1)[-1]
        if trait == "ResponseError" or (trait in _RUST_RESPONSE_TRAITS and "err" in cls.name.lower()):
            out.append(f"{model.path}:{cls.line} impl {trait} for {cls.name[:40]}")
    for call in model.calls:
        if call.name in _RUST_ERROR_MIDDLEWARE and "ErrorHandlers" in call.receiver:
            out.append(f"{model.path}:{call.line} ErrorHandlers::{call.name}")  # actix-web error middleware
        elif call.callee.endswith("HandleErrorLayer::new"):
            out.append(f"{model.path}:{call.line} HandleErrorLayer")  # axum / tower error handling
    for fn in model.functions:
        if any(d.startswith(("#[catch(", "#[rocket::catch(")) for d in fn.decorators):
            out.append(f"{model.path}:{fn.line} #[catch] {fn.name}")  # Rocket catcher
    return out


# Java: Spring's @ControllerAdvice / @ExceptionHandler, JAX-RS ExceptionMapper providers, Micronaut @Error, and the
# framework types that turn exceptions into responses when a class extends or implements them.
_JAVA_CENTRAL_ANNOTATIONS = frozenset({"ControllerAdvice", "RestControllerAdvice", "ExceptionHandler"})
_JAVA_CENTRAL_SUPERTYPES = frozenset({
    "ResponseEntityExceptionHandler", "ExceptionMapper", "ErrorController", "HandlerExceptionResolver",
    "ProblemHandling", "ErrorWebExceptionHandler", "AbstractErrorWebExceptionHandler",
})


def _java_central(model: FileModel) -> list[str]:
    from analysis.java import annotation_name

    out: list[str] = []
    micronaut = any(i.module.startswith("io.micronaut") for i in model.imports)
    mapper = any(b.split("<", 1)[0].rsplit(".", 1)[-1] == "ExceptionMapper" for c in model.classes for b in c.bases)
    records = [(c.line, c.decorators) for c in model.classes] + [(f.line, f.decorators) for f in model.functions]
    for line, decorators in sorted(records):
        for dec in decorators:
            name = annotation_name(dec)
            if name in _JAVA_CENTRAL_ANNOTATIONS or (name == "Error" and micronaut) or (name == "Provider" and mapper):
                out.append(f"{model.path}:{line} @{name}")
    for cls in model.classes:
        for base in cls.bases:
            head = base.split("<", 1)[0].strip()
            name = head.rsplit(".", 1)[-1]
            # Micronaut's ExceptionHandler<E, R> interface (the annotation of the same name is Spring's)
            if name in _JAVA_CENTRAL_SUPERTYPES or (name == "ExceptionHandler" and "<" in base):
                out.append(f"{model.path}:{cls.line} {base[:60]}")
    return out
