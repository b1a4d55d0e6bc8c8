"""Security configuration: debug mode, CORS, security headers and rate limiting.

Queries over the model (settings given literal values, calls with their arguments, imports, decorators) and
over the configuration files a deployment reads (.env, application.properties/yaml, nginx configs), read as
text. The knowledge of which names mean what sits in the tables at the top.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from analysis.frameworks import language_family
from analysis.model import FileModel
from analysis.project import ProjectAnalysis
from analysis.routes import project_endpoints
from auditor.context import Context
from auditor.model import Check, Confidence, Effort, Finding, NotApplicable, Severity, Verdict

__all__ = [
    "CorsFacts",
    "DebugMode",
    "InsecureCors",
    "RateLimiting",
    "SecurityHeaders",
    "cors_facts",
    "debug_facts",
    "headers_facts",
    "rate_limit_facts",
]

_DEV_SETTINGS = re.compile(r"(?i)(^|/)(settings/|config/)?(dev|development|local|test|testing|ci|debug)[\w-]*\.py$"
                           r"|(^|/)(settings|config)_(dev|development|local|test|testing)\.py$")
_TRUE = re.compile(r"^(True|true|1|'1'|\"1\"|'true'|\"true\"|'True'|\"True\"|yes|on)$")
_ENV_DEBUG_DEFAULT = re.compile(
    r"""(?ix)(?:environ\.get|getenv|env\.bool|env|config)\s*\(\s*["'](?:DJANGO_)?DEBUG["']\s*,\s*(?:default\s*=\s*)?
        (?:True|["'](?:true|1|yes|on)["'])""")
_CONFIG_DEBUG = re.compile(r"(?im)^\s*(debug|spring\.devtools\.restart\.enabled|quarkus\.log\.level|FLASK_DEBUG|APP_DEBUG"
                           r"|DJANGO_DEBUG|DEBUG)\s*[=:]\s*[\"']?(true|1|yes|on|DEBUG)[\"']?\s*$")
_PROD_PROFILE = re.compile(r"(?i)(prod|production|live|release)")
_DEV_FILE = re.compile(r"(?i)(^|[/._-])(dev|development|local|test|testing|example|sample|template|ci)([/._-]|$)")


def _is_dev(path: str) -> bool:
    return bool(_DEV_SETTINGS.search(path) or _DEV_FILE.search(PurePosixPath(path).name))


@dataclass(frozen=True, slots=True)
class _Site:
    path: str
    line: int
    message: str
    severity: Severity
    confidence: Confidence
    key: str


# -- debug mode -----------------------------------------------------------------------------------------------
def _production_overrides(ctx: Context) -> set[str]:
    """Folders whose production settings module turns debug off (`settings/production.py: DEBUG = False`)."""
    out: set[str] = set()
    for model in ctx.analysis.files("python", roles=("source", "config")):
        if _PROD_PROFILE.search(model.path.rsplit("/", 1)[-1]) and any(
                s.key == "DEBUG" and not s.context and s.value == "False" for s in model.settings):
            out.add(model.path.rsplit("/", 1)[0] if "/" in model.path else "")
    return out


def _debug_sites(ctx: Context) -> Iterator[_Site]:
    overridden = _production_overrides(ctx)
    for model in ctx.analysis.files(roles=("source", "config")):
        if model.language == "python":
            folder = model.path.rsplit("/", 1)[0] if "/" in model.path else ""
            yield from _python_debug(model, folder in overridden)
        elif model.role == "config" and not model.path.endswith((".py",)):
            yield from _config_debug(ctx, model)


def _python_debug(model: FileModel, overridden: bool) -> Iterator[_Site]:
    name = model.path.rsplit("/", 1)[-1]
    settings_module = name.startswith(("settings", "config", "conf")) or "/settings/" in f"/{model.path}" \
        or "/config/" in f"/{model.path}"
    for setting in model.settings:
        if setting.key == "DEBUG" and not setting.context and _TRUE.match(setting.value) and settings_module:
            if _is_dev(model.path) or overridden:
                continue  # development settings, or base settings whose production module turns debug off
            yield _Site(model.path, setting.line, "`DEBUG = True` in the settings a deployment loads: tracebacks, settings "
                        "and SQL are shown to anyone who triggers an error", Severity.HIGH, Confidence.HIGH, "DEBUG")
        elif setting.key == "debug" and _TRUE.match(setting.value) and setting.context.rsplit(".", 1)[-1] in (
                "run", "FastAPI", "Starlette", "Flask", "Sanic", "Quart", "Litestar"):
            where = setting.context
            severity = Severity.MEDIUM
            yield _Site(model.path, setting.line, f"`{where}(debug=True)`: the debugger and tracebacks are served to "
                        "clients (Werkzeug's debugger runs code)", severity, Confidence.MEDIUM, f"debug:{where}")
    for assign in model.assigns:
        target = assign.targets[0] if assign.targets else ""
        text = assign.value[1]
        if target == "DEBUG" and assign.function < 0 and _ENV_DEBUG_DEFAULT.search(text) and not _is_dev(model.path):
            yield _Site(model.path, assign.line, "`DEBUG` defaults to true when the environment does not set it: a "
                        "deployment that forgets the variable runs in debug mode", Severity.MEDIUM, Confidence.HIGH,
                        "DEBUG-default")
        elif target.endswith((".debug", ".config['DEBUG']", '.config["DEBUG"]')) and text == "True" and not _is_dev(model.path):
            yield _Site(model.path, assign.line, f"`{target} = True`: the app runs in debug mode", Severity.MEDIUM,
                        Confidence.MEDIUM, f"debug:{target}")


def _config_debug(ctx: Context, model: FileModel) -> Iterator[_Site]:
    path = model.path
    name = PurePosixPath(path).name
    if _DEV_FILE.search(name) or (name.startswith(".env.") and not _PROD_PROFILE.search(name)):
        return
    prod = bool(_PROD_PROFILE.search(name))
    if not (name == ".env" or name.startswith("application") or prod):
        return
    text = ctx.sources.text(path) or ""
    for match in _CONFIG_DEBUG.finditer(text):
        key = match.group(1)
        line = text.count("\n", 0, match.start()) + 1
        severity = Severity.MEDIUM if prod or key.lower() in ("debug", "spring.devtools.restart.enabled") else Severity.LOW
        yield _Site(path, line, f"`{key}` is on in {name}, which a deployment reads", severity,
                    Confidence.MEDIUM if prod else Confidence.LOW, f"config-debug:{key}")


class DebugMode(Check):
    id = "security/debug-mode"
    title = "Debug mode is off outside development"
    category = "security"
    severity = Severity.HIGH
    tags = ("CWE-489", "CWE-215")
    backend_only = True
    rationale = (
        "Debug mode serves stack traces, settings, SQL and sometimes an interactive debugger (Werkzeug) to whoever "
        "triggers an error. `DEBUG = True` in settings that production loads is high; `app.run(debug=True)`, a DEBUG "
        "that defaults to true when the environment does not set it, and debug flags in committed production "
        "configuration are medium. Development settings (`settings/dev.py`, `local.py`, `.env.development`) are left "
        "alone."
    )
    remediation = (
        "Read debug from the environment with a false default (`DEBUG = os.environ.get(\"DEBUG\") == \"1\"`).",
        "Keep development settings in a module production never loads.",
    )
    effort = Effort.SMALL

    def run(self, ctx: Context) -> Iterator[Finding]:
        for site in _debug_sites(ctx):
            yield self.finding(ctx, site.message, site.path, site.line, severity=site.severity,
                               confidence=site.confidence, key=site.key)


def debug_facts(ctx: Context) -> dict[str, object]:
    sites = list(_debug_sites(ctx))
    return {"enabled": bool(sites), "where": [f"{s.path}:{s.line}" for s in sites[:10]]}


# -- CORS -------------------------------------------------------------------------------------------------------
_CORS_CALLEES = re.compile(r"(?i)(^|\.)(CORSMiddleware|CORS|cors|enableCors|CorsLayer|Cors|AllowCors|CrossOrigin"
                           r"|add_middleware|cors\.New|cors\.Handler|handlers\.CORS|setAllowedOrigins)$")
_WILDCARD = re.compile(r"""(^|[\[\s,{(])["'`]\*["'`]|AllowAll|allow_any_origin|permissive\(\)|very_permissive|"""
                       r"""AllowAllOrigins\s*:\s*true|origin\s*:\s*true|^true$""")
_ORIGIN_KEYS = frozenset({"allow_origins", "origins", "origin", "AllowOrigins", "AllowedOrigins", "allowed_origins",
                          "allowedOrigins", "allowedOriginPatterns", "CORS_ORIGINS", "CORS_ALLOWED_ORIGINS",
                          "allow_origin_regex", "resources"})
_CREDENTIAL_KEYS = frozenset({"allow_credentials", "supports_credentials", "credentials", "AllowCredentials",
                              "allowCredentials", "CORS_ALLOW_CREDENTIALS", "CORS_SUPPORTS_CREDENTIALS"})


@dataclass
class CorsFacts:
    configured: bool = False
    wildcard_origin: bool = False
    credentials: bool = False
    where: list[str] = field(default_factory=list)
    sites: list[_Site] = field(default_factory=list)


def _credentialed_calls(model: FileModel) -> set[int]:
    """Lines of the origin settings (`allow_origins=`, `origin:`) given in the same call as a true credentials
    setting: the innermost call around each (its lines) must be the same. polar's app.py builds two
    CORSConfig(...) objects, one for its own frontend with credentials and one for the public API with
    `allow_origins=["*"]` and `allow_credentials=False`: only the first is credentialed."""
    def innermost(line: int) -> tuple[int, int] | None:
        spans = [(c.line, c.end_line) for c in model.calls if c.line <= line <= c.end_line]
        return min(spans, key=lambda span: (span[1] - span[0], -span[0])) if spans else None

    creds = {innermost(c.line) for c in model.settings
             if c.key in _CREDENTIAL_KEYS and not c.key.startswith("CORS_") and _TRUE.match(c.value)}
    creds.discard(None)
    return {o.line for o in model.settings
            if o.key in _ORIGIN_KEYS and not o.key.startswith("CORS_") and innermost(o.line) in creds}


def _cors(analysis: ProjectAnalysis) -> CorsFacts:
    facts = CorsFacts()
    paired: dict[str, set[int]] = {}  # path -> lines of origin settings that share their call with credentials
    global_credentials = False  # Django/Flask `CORS_ALLOW_CREDENTIALS = True`: for every origin setting
    for model in analysis.files(roles=("source", "config")):
        paired[model.path] = _credentialed_calls(model)
        for setting in model.settings:
            key, value = setting.key, setting.value
            context_is_cors = bool(_CORS_CALLEES.search(setting.context)) or "cors" in setting.context.lower()
            if key in ("CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL") and _TRUE.match(value):
                facts.configured = facts.wildcard_origin = True
                facts.where.append(f"{model.path}:{setting.line}")
                facts.sites.append(_Site(model.path, setting.line, f"`{key} = True`: every website may call this API "
                                         "from its visitors' browsers", Severity.MEDIUM, Confidence.HIGH, key))
            elif key in _ORIGIN_KEYS and (context_is_cors or key.startswith("CORS_")):
                facts.configured = True
                facts.where.append(f"{model.path}:{setting.line}")
                if _WILDCARD.search(value):
                    facts.wildcard_origin = True
                    facts.sites.append(_Site(model.path, setting.line, f"CORS allows any origin (`{key}={value[:40]}`)",
                                             Severity.MEDIUM, Confidence.HIGH, f"origin:{key}"))
            elif key in _CREDENTIAL_KEYS and (context_is_cors or key.startswith("CORS_")) and _TRUE.match(value):
                facts.credentials = True
                global_credentials = global_credentials or key.startswith("CORS_") or not any(
                    o.key in _ORIGIN_KEYS and o.context == setting.context and o.function == setting.function
                    for o in model.settings)
        for call in model.calls:
            name = call.name
            if name in ("permissive", "very_permissive", "allow_any_origin") and "Cors" in call.callee + call.receiver:
                facts.configured = facts.wildcard_origin = True
                facts.where.append(f"{model.path}:{call.line}")
                facts.sites.append(_Site(model.path, call.line, f"`{call.callee}()` allows any origin", Severity.MEDIUM,
                                         Confidence.HIGH, f"call:{call.callee}"))
            elif (name in ("cors", "CORS", "enableCors") or call.callee in ("cors.Default", "cors.AllowAll")) \
                    and language_family(model.language) in ("javascript", "python", "go"):
                facts.configured = True
                facts.where.append(f"{model.path}:{call.line}")
                options = [a for a in call.args if a[0] in ("collection", "other") or a[3]]
                if (not options and (name != "CORS" or len(call.args) <= 1)) or call.callee == "cors.AllowAll":
                    facts.wildcard_origin = True
                    facts.sites.append(_Site(model.path, call.line, f"`{call.callee}()` with its defaults allows any origin",
                                             Severity.MEDIUM, Confidence.MEDIUM, f"default:{call.callee}"))
        for fn in model.functions:
            for dec in fn.decorators:
                if dec.startswith("@CrossOrigin"):
                    facts.configured = True
                    if dec in ("@CrossOrigin", "@CrossOrigin()") or '"*"' in dec:
                        facts.wildcard_origin = True
                        facts.sites.append(_Site(model.path, fn.line, f"`{dec[:60]}` allows any origin", Severity.MEDIUM,
                                                 Confidence.MEDIUM, f"annotation:{fn.name}"))
    if facts.wildcard_origin and facts.credentials:
        facts.sites = [_Site(s.path, s.line, s.message + " and credentials (cookies, auth headers): any website can act "
                             "as a logged-in user", Severity.HIGH, s.confidence, s.key)
                       if global_credentials or not s.key.startswith("origin:") or s.line in paired.get(s.path, ())
                       else s for s in facts.sites]
    return facts


def cors_facts(ctx: Context) -> CorsFacts:
    return ctx.analysis.memo("cors", _cors)


class InsecureCors(Check):
    id = "security/cors"
    title = "CORS allows only known origins"
    category = "security"
    severity = Severity.MEDIUM
    tags = ("CWE-942",)
    backend_only = True
    rationale = (
        "A wildcard or reflected origin lets any website call the API from its visitors' browsers; with credentials "
        "allowed (cookies, auth headers) any site can act as a logged-in user (high). Library defaults such as "
        "`cors()`, `app.enableCors()`, `CORS(app)` and `@CrossOrigin` allow every origin. No CORS configuration at all "
        "is safe (browsers refuse cross-origin calls) and is not a finding."
    )
    remediation = (
        "List the origins that may call the API (`allow_origins=[\"https://app.example.com\"]`, `cors({ origin: [...] })`).",
        "Never combine a wildcard or reflected origin with credentials.",
    )
    effort = Effort.SMALL

    def run(self, ctx: Context) -> Iterator[Finding]:
        for site in cors_facts(ctx).sites:
            yield self.finding(ctx, site.message, site.path, site.line, severity=site.severity,
                               confidence=site.confidence, key=site.key)


# -- security headers and rate limiting: present somewhere in the stack ---------------------------------------------
HEADER_LIBRARIES: dict[str, tuple[str, ...]] = {
    "python": ("talisman", "flask_talisman", "secure", "django.middleware.security", "starlette_csrf",
               "fastapi_security_headers", "secweb"),
    "javascript": ("helmet", "@fastify/helmet", "fastify-helmet", "koa-helmet", "hono/secure-headers", "lusca"),
    "go": ("github.com/unrolled/secure", "github.com/gin-contrib/secure", "github.com/goddtriffin/helmet"),
    "java": ("org.springframework.security",),
    "rust": ("actix_web_lab::middleware", "tower_helmet", "axum_helmet"),
}
_HEADER_NAMES = re.compile(r"(?i)strict-transport-security|content-security-policy|x-content-type-options|x-frame-options")
_DJANGO_HEADER_SETTINGS = frozenset({"SECURE_HSTS_SECONDS", "SECURE_CONTENT_TYPE_NOSNIFF", "X_FRAME_OPTIONS",
                                     "SECURE_BROWSER_XSS_FILTER", "CSP_DEFAULT_SRC", "SECURE_SSL_REDIRECT"})
RATE_LIMIT_LIBRARIES: dict[str, tuple[str, ...]] = {
    "python": ("slowapi", "django_ratelimit", "ratelimit", "flask_limiter", "fastapi_limiter", "limits", "aiolimiter",
               "rest_framework.throttling"),
    "javascript": ("express-rate-limit", "@nestjs/throttler", "rate-limiter-flexible", "@fastify/rate-limit",
                   "fastify-rate-limit", "express-slow-down", "koa-ratelimit", "hono-rate-limiter", "bottleneck"),
    "go": ("golang.org/x/time/rate", "github.com/didip/tollbooth", "github.com/ulule/limiter", "github.com/go-chi/httprate",
           "github.com/sethvargo/go-limiter", "github.com/gofiber/fiber/v2/middleware/limiter", "go.uber.org/ratelimit"),
    "java": ("io.github.bucket4j", "com.github.bucket4j", "io.github.resilience4j.ratelimiter",
             "com.google.common.util.concurrent.RateLimiter"),
    "rust": ("tower_governor", "actix_governor", "governor", "tower::limit", "tower_http::limit", "actix_limitation"),
}
_RATE_SETTINGS = frozenset({"DEFAULT_THROTTLE_CLASSES", "DEFAULT_THROTTLE_RATES", "RATELIMIT_ENABLE", "throttle_classes"})
_GATEWAY_RATE = re.compile(r"(?m)^\s*(limit_req(_zone)?\s|rateLimit\s*:|rate-limit|ratelimit:|RateLimit|x-rate-limit)")


def _imports_any(analysis: ProjectAnalysis, table: dict[str, tuple[str, ...]]) -> list[str]:
    found: list[str] = []
    for model, imp in analysis.imports(roles=("source",)):
        prefixes = table.get(language_family(model.language), ())
        full = f"{imp.module}.{imp.name}" if imp.name else imp.module
        for prefix in prefixes:
            if imp.module == prefix or full == prefix or imp.module.startswith(prefix + ".") or \
                    imp.module.startswith(prefix + "/") or imp.module.startswith(prefix + "::"):
                found.append(f"{prefix} ({model.path}:{imp.line})")
                break
    return sorted(set(found))


_PROXY = re.compile(r"(?i)(^|/)(nginx|caddy|traefik|envoy|kong|haproxy|apache2?|httpd)([/._-]|$)|(^|/)caddyfile$")


def _proxy_configs(ctx: Context) -> list[str]:
    """Reverse-proxy and gateway configuration files committed with the project (nginx, Caddy, Traefik, Envoy...)."""
    return [info.path for info in ctx.files if info.role in ("config", "data", "docs") and info.language != "markdown"
            and _PROXY.search(info.path)]


def _headers(ctx: Context) -> dict[str, object]:
    how = _imports_any(ctx.analysis, HEADER_LIBRARIES)
    for model in ctx.analysis.files(roles=("source", "config")):
        for setting in model.settings:
            if setting.key in _DJANGO_HEADER_SETTINGS or (setting.key == "MIDDLEWARE" and "SecurityMiddleware" in setting.value):
                how.append(f"{setting.key} ({model.path}:{setting.line})")
            elif _HEADER_NAMES.search(setting.value):
                how.append(f"{setting.key or setting.context} names security headers ({model.path}:{setting.line})")
        for call in model.calls:
            if any(_HEADER_NAMES.search(a[4] or a[1]) for a in call.args[:3] if a[0] in ("str", "collection")):
                how.append(f"{call.callee}() sets a security header ({model.path}:{call.line})")
        for assign in model.assigns:
            if any(_HEADER_NAMES.search(t) for t in assign.targets):
                how.append(f"{assign.targets[0][:60]} is set ({model.path}:{assign.line})")
    for path in _proxy_configs(ctx):
        if _HEADER_NAMES.search(ctx.sources.text(path) or ""):
            how.append(f"proxy configuration ({path})")
    return {"present": bool(how), "how": sorted(set(how))[:20]}


def headers_facts(ctx: Context) -> dict[str, object]:
    return ctx.fact(_headers)


def _rate_limits(ctx: Context) -> dict[str, object]:
    how = _imports_any(ctx.analysis, RATE_LIMIT_LIBRARIES)
    for model in ctx.analysis.files(roles=("source", "config")):
        for setting in model.settings:
            if setting.key in _RATE_SETTINGS:
                how.append(f"{setting.key} ({model.path}:{setting.line})")
        for fn in model.functions:
            if any(d.startswith(("@limiter.limit", "@ratelimit", "@Throttle", "@RateLimiter", "@throttle")) for d in fn.decorators):
                how.append(f"{fn.decorators[0][:40]} ({model.path}:{fn.line})")
    for path in _proxy_configs(ctx):
        if _GATEWAY_RATE.search(ctx.sources.text(path) or ""):
            how.append(f"gateway configuration ({path})")
    return {"present": bool(how), "how": sorted(set(how))[:20]}


def rate_limit_facts(ctx: Context) -> dict[str, object]:
    return ctx.fact(_rate_limits)


def _needs_http(ctx: Context) -> list[object]:
    endpoints = project_endpoints(ctx.analysis)
    if not endpoints:
        raise NotApplicable("no HTTP endpoints found in this project")
    return list(endpoints)


class SecurityHeaders(Check):
    id = "security/headers"
    title = "Security headers are set (HSTS, CSP, X-Content-Type-Options)"
    category = "security"
    severity = Severity.MEDIUM
    confidence = Confidence.LOW
    tags = ("CWE-693",)
    backend_only = True
    rationale = (
        "Strict-Transport-Security, Content-Security-Policy and X-Content-Type-Options close whole classes of attack "
        "(downgrade, script injection, MIME sniffing) for every response. They are usually set by a middleware "
        "(helmet, Django's SecurityMiddleware settings, Talisman, Spring Security, secure/unrolled) or by the reverse "
        "proxy. When neither the code nor a proxy configuration in the repository sets them this is reported with low "
        "confidence: a proxy outside the repository may set them."
    )
    remediation = (
        "Add the framework's security-headers middleware (helmet, SecurityMiddleware + SECURE_* settings, Talisman, "
        "Spring Security's defaults, unrolled/secure), or set the headers in the proxy configuration you commit.",
    )
    effort = Effort.SMALL

    def run(self, ctx: Context) -> Verdict:
        endpoints = _needs_http(ctx)
        facts = headers_facts(ctx)
        if facts["present"]:
            return Verdict(metrics=facts)
        finding = self.finding(ctx, f"no security headers are set for the {len(endpoints)} HTTP endpoint(s): no middleware "
                               "or proxy configuration in the repository sets HSTS, CSP or X-Content-Type-Options",
                               key="headers")
        return Verdict(findings=(finding,), metrics=facts)


class RateLimiting(Check):
    id = "security/rate-limiting"
    title = "Requests are rate limited"
    category = "security"
    severity = Severity.MEDIUM
    confidence = Confidence.LOW
    tags = ("CWE-770", "CWE-307")
    backend_only = True
    rationale = (
        "Without a limit per client, one caller can exhaust the service, brute-force logins or scrape every record. "
        "A rate limiter in the code (slowapi, django-ratelimit, DRF throttling, express-rate-limit, @nestjs/throttler, "
        "tower-governor, x/time/rate, bucket4j) or in a committed gateway configuration counts; a comment or an "
        "exception that mentions throttling does not. Reported with low confidence: a gateway outside the repository "
        "may limit requests."
    )
    remediation = (
        "Add the framework's rate-limit middleware with per-client limits, stricter on login and write endpoints.",
        "Or commit the gateway configuration that limits requests (nginx limit_req, Traefik/Kong rate-limit).",
    )
    effort = Effort.MEDIUM

    def run(self, ctx: Context) -> Verdict:
        endpoints = _needs_http(ctx)
        facts = rate_limit_facts(ctx)
        if facts["present"]:
            return Verdict(metrics=facts)
        finding = self.finding(ctx, f"no rate limiting found for the {len(endpoints)} HTTP endpoint(s): neither a rate-limit "
                               "middleware in the code nor a gateway configuration in the repository", key="rate-limiting")
        return Verdict(findings=(finding,), metrics=facts)
