"""The one table of what the code's names mean: frameworks, ORMs, drivers, loggers, test tools, middleware."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from analysis.model import FileModel
    from analysis.project import ProjectAnalysis

__all__ = [
    "BACKGROUND_LIBRARIES",
    "CACHE_LIBRARIES",
    "CLIENT_ERROR_CLASSES",
    "CLIENT_ERROR_NAMES",
    "CORRELATION_LIBRARIES",
    "GO_ERROR_HELPER",
    "GO_ROUTER_CONSTRUCTORS",
    "GO_ROUTER_TYPES",
    "NON_GUARD_MIDDLEWARE",
    "STRUCTURED_LOGGERS",
    "TOOL_CONFIG_FILES",
    "WEB_FRAMEWORK_IMPORTS",
    "Library",
    "LibraryTable",
    "central_handler_evidence",
    "go_framework",
    "is_client_error_status",
    "language_family",
    "libraries_in_use",
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


_BOUNDARY = re.compile(r"[./:]")


def _prefixes(module: str) -> list[str]:
    """Every prefix `p` of `module` with `_matches(module, p)`: the module itself and each part before a `.`, `/`
    or `:`, so a table keyed by prefix is probed once per part instead of scanned whole for every import."""
    out = [module[: m.start()] for m in _BOUNDARY.finditer(module)]
    out.append(module)
    return out


@lru_cache(maxsize=65536)
def _import_prefixes(module: str, name: str) -> tuple[str, ...]:
    """The prefixes of an import (`module`, and `module.name` when it names one), computed once per process: every
    library table is probed with them for every import of the repository (typeorm: 6% of the check processes)."""
    return tuple(_prefixes(module) + (_prefixes(f"{module}.{name}") if name else []))


_BY_PREFIX: dict[int, tuple[object, dict[str, dict[str, tuple[Library, ...]]]]] = {}


def _libraries_by_prefix(table: LibraryTable) -> dict[str, dict[str, tuple[Library, ...]]]:
    """language family -> import prefix -> the libraries imported by it (computed once per table)."""
    cached = _BY_PREFIX.get(id(table))
    if cached is not None and cached[0] is table:
        return cached[1]
    index: dict[str, dict[str, tuple[Library, ...]]] = {}
    for family, libraries in table.items():
        by: dict[str, tuple[Library, ...]] = {}
        for lib in libraries:
            for p in lib.imports:
                if lib not in by.get(p, ()):
                    by[p] = (*by.get(p, ()), lib)
        index[family] = by
    _BY_PREFIX[id(table)] = (table, index)
    return index


def _matches(module: str, prefix: str) -> bool:
    if module == prefix:
        return True
    return module.startswith(prefix) and module[len(prefix)] in "./:" if len(module) > len(prefix) else False


# -- operability: loggers, request ids, database clients, caches and job queues, by import and by package ---------
@dataclass(frozen=True, slots=True)
class Library:
    """A library a check recognises: the module prefixes code imports it by, and the package names a manifest
    lists it under (lower case; Java as group:artifact, Go as module path) for when the name is the only trace."""

    name: str
    imports: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()


LibraryTable = dict[str, tuple[Library, ...]]  # language family -> libraries

# Loggers that write structured records (JSON, or key/value fields a collector parses) without configuration.
STRUCTURED_LOGGERS: LibraryTable = {
    "python": (
        Library("structlog", ("structlog",), ("structlog",)),
        Library("python-json-logger", ("pythonjsonlogger",), ("python-json-logger",)),
        Library("json-log-formatter", ("json_log_formatter",), ("json-log-formatter",)),
        Library("ecs-logging", ("ecs_logging",), ("ecs-logging",)),
        Library("django-structlog", ("django_structlog",), ("django-structlog",)),
        Library("logstash", ("logstash_async", "logstash"), ("python-logstash-async", "python-logstash")),
    ),
    "javascript": (
        Library("pino", ("pino", "pino-http", "nestjs-pino", "@fastify/pino"), ("pino", "pino-http", "nestjs-pino")),
        Library("winston", ("winston", "nest-winston", "express-winston"), ("winston", "nest-winston", "express-winston")),
        Library("bunyan", ("bunyan",), ("bunyan",)),
        Library("@nestjs/pino", ("@nestjs/pino",), ()),
    ),
    "go": (
        Library("log/slog", ("log/slog", "golang.org/x/exp/slog")),
        Library("zap", ("go.uber.org/zap",), ("go.uber.org/zap",)),
        Library("zerolog", ("github.com/rs/zerolog",), ("github.com/rs/zerolog",)),
        Library("logrus", ("github.com/sirupsen/logrus",), ("github.com/sirupsen/logrus",)),
        Library("apex/log", ("github.com/apex/log",), ("github.com/apex/log",)),
    ),
    "java": (
        Library("logstash-logback-encoder", ("net.logstash.logback",), ("net.logstash.logback:logstash-logback-encoder",)),
        Library("ecs-logging-java", ("co.elastic.logging",), ("co.elastic.logging:logback-ecs-encoder",
                                                              "co.elastic.logging:log4j2-ecs-layout")),
        Library("log4j2 JSON template layout", (), ("org.apache.logging.log4j:log4j-layout-template-json",)),
    ),
    "rust": (
        Library("tracing", ("tracing", "tracing_subscriber"), ("tracing", "tracing-subscriber")),
        Library("slog", ("slog",), ("slog",)),
    ),
}
# Libraries that give every request an id and carry it into logs (or trace context that does the same).
CORRELATION_LIBRARIES: LibraryTable = {
    "python": (
        Library("asgi-correlation-id", ("asgi_correlation_id",), ("asgi-correlation-id",)),
        Library("django-structlog", ("django_structlog",), ("django-structlog",)),
        Library("django-guid", ("django_guid",), ("django-guid",)),
        Library("django-log-request-id", ("log_request_id",), ("django-log-request-id",)),
        Library("flask-request-id", ("flask_request_id", "flask_request_id_header"), ("flask-request-id", "flask-request-id-header")),
        Library("starlette-context", ("starlette_context.plugins",), ()),
        Library("opentelemetry", ("opentelemetry.instrumentation",), ("opentelemetry-instrumentation",
                                                                     "opentelemetry-distro")),
        Library("ddtrace", ("ddtrace",), ("ddtrace",)),
    ),
    "javascript": (
        Library("express-request-id", ("express-request-id",), ("express-request-id",)),
        Library("cls-rtracer", ("cls-rtracer",), ("cls-rtracer",)),
        Library("nestjs-cls", ("nestjs-cls",), ("nestjs-cls",)),
        Library("correlation-id", ("correlation-id", "express-correlation-id", "@evanion/express-correlation-id"),
                ("correlation-id", "express-correlation-id")),
        Library("pino-http", ("pino-http", "nestjs-pino", "express-pino-logger"), ("pino-http", "nestjs-pino",
                                                                                  "express-pino-logger")),
        Library("hono request-id", ("hono/request-id",)),
        Library("koa-requestid", ("koa-requestid",), ("koa-requestid",)),
        Library("opentelemetry", ("@opentelemetry/instrumentation-http", "@opentelemetry/auto-instrumentations-node",
                                  "@opentelemetry/sdk-node"),
                ("@opentelemetry/auto-instrumentations-node", "@opentelemetry/sdk-node", "@opentelemetry/instrumentation-http")),
        Library("dd-trace", ("dd-trace",), ("dd-trace",)),
    ),
    "go": (
        Library("gin-contrib/requestid", ("github.com/gin-contrib/requestid",), ("github.com/gin-contrib/requestid",)),
        Library("fiber requestid", ("github.com/gofiber/fiber/v2/middleware/requestid",
                                    "github.com/gofiber/fiber/v3/middleware/requestid")),
        Library("opentelemetry", ("go.opentelemetry.io/contrib/instrumentation",),
                ("go.opentelemetry.io/contrib/instrumentation",)),
    ),
    "java": (
        Library("Micrometer Tracing", ("io.micrometer.tracing",), ("io.micrometer:micrometer-tracing-bridge-brave",
                                                                   "io.micrometer:micrometer-tracing-bridge-otel")),
        Library("Spring Cloud Sleuth", ("org.springframework.cloud.sleuth",),
                ("org.springframework.cloud:spring-cloud-starter-sleuth",)),
        Library("opentelemetry", ("io.opentelemetry",),
                ("io.opentelemetry.instrumentation:opentelemetry-spring-boot-starter", "io.opentelemetry:opentelemetry-api")),
    ),
    "rust": (
        Library("tower-http request-id", ("tower_http::request_id",)),
        Library("tracing-actix-web", ("tracing_actix_web",), ("tracing-actix-web",)),
        Library("actix-request-identifier", ("actix_request_identifier",), ("actix-request-identifier",)),
        Library("opentelemetry", ("axum_tracing_opentelemetry", "opentelemetry"), ("axum-tracing-opentelemetry",
                                                                                  "opentelemetry")),
    ),
}
CACHE_LIBRARIES: LibraryTable = {
    "python": (
        Library("redis", ("redis", "aioredis", "valkey"), ("redis", "aioredis", "valkey", "django-redis")),
        Library("memcached", ("pymemcache", "memcache", "pylibmc", "aiomcache"), ("pymemcache", "python-memcached", "pylibmc")),
        Library("django cache", ("django.core.cache", "django.views.decorators.cache")),
        Library("flask-caching", ("flask_caching",), ("flask-caching",)),
        Library("fastapi-cache", ("fastapi_cache",), ("fastapi-cache2",)),
        Library("aiocache", ("aiocache",), ("aiocache",)),
        Library("cachetools", ("cachetools",), ("cachetools",)),
        Library("dogpile.cache", ("dogpile.cache",), ("dogpile.cache",)),
    ),
    "javascript": (
        Library("redis", ("redis", "ioredis", "@redis/client", "@upstash/redis"), ("redis", "ioredis", "@upstash/redis")),
        Library("cache-manager", ("cache-manager", "@nestjs/cache-manager"), ("cache-manager", "@nestjs/cache-manager")),
        Library("lru-cache", ("lru-cache", "node-cache", "keyv"), ("lru-cache", "node-cache", "keyv")),
        Library("memcached", ("memcached", "memjs"), ("memcached", "memjs")),
    ),
    "go": (
        Library("go-redis", ("github.com/redis/go-redis", "github.com/go-redis/redis", "github.com/gomodule/redigo"),
                ("github.com/redis/go-redis/v9", "github.com/go-redis/redis/v8", "github.com/gomodule/redigo")),
        Library("in-process cache", ("github.com/patrickmn/go-cache", "github.com/dgraph-io/ristretto",
                                     "github.com/allegro/bigcache", "github.com/eko/gocache", "github.com/golang/groupcache")),
        Library("memcache", ("github.com/bradfitz/gomemcache",)),
    ),
    "java": (
        Library("Spring cache", ("org.springframework.cache",), ("org.springframework.boot:spring-boot-starter-cache",)),
        Library("redis", ("org.springframework.data.redis", "redis.clients.jedis", "io.lettuce", "org.redisson"),
                ("org.springframework.boot:spring-boot-starter-data-redis", "redis.clients:jedis", "org.redisson:redisson")),
        Library("caffeine", ("com.github.benmanes.caffeine",), ("com.github.ben-manes.caffeine:caffeine",)),
        Library("ehcache", ("org.ehcache", "net.sf.ehcache"), ("org.ehcache:ehcache",)),
    ),
    "rust": (
        Library("redis", ("redis", "deadpool_redis", "bb8_redis", "fred"), ("redis", "deadpool-redis", "bb8-redis", "fred")),
        Library("moka", ("moka",), ("moka",)),
        Library("cached", ("cached",), ("cached",)),
    ),
}
BACKGROUND_LIBRARIES: LibraryTable = {
    "python": (
        Library("celery", ("celery",), ("celery",)),
        Library("rq", ("rq", "django_rq", "flask_rq2"), ("rq", "django-rq", "flask-rq2")),
        Library("dramatiq", ("dramatiq",), ("dramatiq",)),
        Library("huey", ("huey",), ("huey",)),
        Library("arq", ("arq",), ("arq",)),
        Library("taskiq", ("taskiq",), ("taskiq",)),
        Library("apscheduler", ("apscheduler",), ("apscheduler",)),
        Library("django-q", ("django_q",), ("django-q", "django-q2")),
        Library("FastAPI BackgroundTasks", ("fastapi.BackgroundTasks", "starlette.background")),
    ),
    "javascript": (
        Library("bullmq", ("bullmq", "@nestjs/bullmq"), ("bullmq", "@nestjs/bullmq")),
        Library("bull", ("bull", "@nestjs/bull"), ("bull", "@nestjs/bull")),
        Library("bee-queue", ("bee-queue",), ("bee-queue",)),
        Library("agenda", ("agenda",), ("agenda",)),
        Library("pg-boss", ("pg-boss",), ("pg-boss",)),
        Library("node-cron", ("node-cron", "cron", "@nestjs/schedule"), ("node-cron", "@nestjs/schedule")),
        Library("worker_threads", ("worker_threads", "node:worker_threads", "piscina"), ("piscina",)),
    ),
    "go": (
        Library("asynq", ("github.com/hibiken/asynq",), ("github.com/hibiken/asynq",)),
        Library("river", ("github.com/riverqueue/river",), ("github.com/riverqueue/river",)),
        Library("machinery", ("github.com/RichardKnop/machinery", "github.com/richardknop/machinery")),
        Library("gocraft/work", ("github.com/gocraft/work",), ("github.com/gocraft/work",)),
        Library("robfig/cron", ("github.com/robfig/cron",), ("github.com/robfig/cron/v3",)),
    ),
    "java": (
        Library("Spring @Async/@Scheduled", ("org.springframework.scheduling",)),
        Library("Quartz", ("org.quartz",), ("org.quartz-scheduler:quartz", "org.springframework.boot:spring-boot-starter-quartz")),
        Library("Spring Batch", ("org.springframework.batch",), ("org.springframework.boot:spring-boot-starter-batch",)),
        Library("JobRunr", ("org.jobrunr",), ("org.jobrunr:jobrunr-spring-boot-3-starter", "org.jobrunr:jobrunr")),
    ),
    "rust": (
        Library("apalis", ("apalis",), ("apalis",)),
        Library("tokio-cron-scheduler", ("tokio_cron_scheduler",), ("tokio-cron-scheduler",)),
        Library("faktory", ("faktory",), ("faktory",)),
    ),
}


def libraries_in_use(analysis: ProjectAnalysis, table: LibraryTable, dependencies: frozenset[str] = frozenset(), *,
                     roles: tuple[str, ...] = ("source", "config")) -> list[str]:
    """Evidence that the project uses a library of `table`: "name (path:line)" for an import (or, in Python, a
    module-level setting that names its module, as Django's MIDDLEWARE does), "name (manifest)" for a library
    the manifests list and no code imports."""
    found: dict[str, str] = {}
    by_prefix = _libraries_by_prefix(table)
    for model in analysis.files(roles=roles):
        libraries = table.get(language_family(model.language), ())
        if not libraries:
            continue
        index = by_prefix[language_family(model.language)]
        for imp in model.imports:
            for p in _import_prefixes(imp.module, imp.name):
                for lib in index.get(p, ()):
                    if lib.name not in found:
                        found[lib.name] = f"{lib.name} ({model.path}:{imp.line})"
        if model.language == "python":
            for setting in model.settings:
                if setting.function >= 0:
                    continue
                for lib in libraries:
                    if lib.name not in found and any(f"'{p}." in setting.value or f'"{p}.' in setting.value
                                                     for p in lib.imports if "." not in p or p.count(".") < 2):
                        found[lib.name] = f"{lib.name} ({model.path}:{setting.line} {setting.key})"
    for family_libraries in table.values():
        for lib in family_libraries:
            if lib.name not in found and any(p in dependencies for p in lib.packages):
                found[lib.name] = f"{lib.name} (manifest)"
    return sorted(found.values())


def web_frameworks(analysis: ProjectAnalysis, *, roles: tuple[str, ...] = ("source",)) -> list[str]:
    """Web frameworks the project's code imports, by name."""
    found: set[str] = set()
    for model, imp in analysis.imports(roles=roles):
        table = WEB_FRAMEWORK_IMPORTS.get(language_family(model.language), {})
        if not table:
            continue
        found.update(table[p] for p in _import_prefixes(imp.module, imp.name) if p in table)
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
