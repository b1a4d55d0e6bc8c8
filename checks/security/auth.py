"""Authentication and JWTs: security/missing-auth and security/jwt, and the auth facts behind them.

Which endpoints a guard protects comes from the analysis layer's endpoints (analysis/routes): each carries the
decorators, dependencies, middleware and guards attached where it is declared and where its router is mounted.
Project-wide protection (Spring Security, DRF's default permission classes, a global auth middleware) covers
every endpoint.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import yaml

from analysis.frameworks import language_family
from analysis.model import FileModel
from analysis.project import ProjectAnalysis
from analysis.routes import Endpoint, project_endpoints
from auditor.context import Context
from auditor.model import Check, Confidence, Effort, Finding, NotApplicable, Severity, Verdict

__all__ = ["AuthFacts", "JwtMisuse", "MissingAuth", "auth_facts"]

_AUTH_GUARD = re.compile(
    r"(?i)(auth|login|jwt|token|session|current_?user|get_?user|require[sd]?_?(user|role|perm|login|admin)|permission|"
    r"is_?authenticated|guard|secur|oauth|api_?key|bearer|protect|verify_?(token|user|key)|roles?_(required|allowed)|"
    r"has_?role|principal|passport|clerk|cognito|firebase_?auth|admin_required|staff_member_required|user_passes_test|"
    r"@Secured|@PreAuthorize|@RolesAllowed|@PermitAll|@Authenticated|@UseGuards|signed_in|authorize|"
    r"get_?(current_?)?(admin|superuser|staff))"  # `Depends(get_admin)`: the dependency yields the logged-in admin
)
_PUBLIC_PATH = re.compile(
    r"(?i)(^|/)(log-?in|log-?out|sign-?(in|up|out)|register|registration|auth|authenticate|oauth2?|token|refresh|callback|"
    r"((receive|handle|process|incoming|inbound)[-_]?)?webhooks?|health|healthz|ready|readyz|live|livez|ping|status|metrics|docs|openapi|swagger|public|password[-_]?(reset|forgot)|"
    r"forgot[-_]?password|reset[-_]?password|verify[-_]?email|confirm|activate|subscribe|contact|tokens|validate)(/|$|\{)"
    # Joining as a member is signing up (djangoproject.com `corporate-membership/join/`): only as the last segment and
    # not after a parameter, since `/teams/<id>/join` is a logged-in user joining that team.
    r"|(^/?|/[^/<{:]+/)join/?$"
)
# A capability URL: the secret in the path is the credential (`/checkouts/client/{client_secret}/opened`,
# `/invitations/{invitation_token}/accept`), so the route needs no login.
_CAPABILITY_PARAM = re.compile(r"(?i)[{<:](?:\w*[_-])?(?:client[_-]?secret|secret|token|signature)[}>]?(?:/|$)")
# A handler whose name says it signs users up or in (`POST /users` -> `UsersRegistration`, `signup`), or that serves a
# public purpose by its first word (`token_refresh`, `webhook_github`), or that resets a forgotten password (Django's
# `auth_views.PasswordResetConfirmView`) or receives a webhook (`views.receive_webhook`): public by purpose.
# It is matched without a class-based view's `.as_view(...)` (see `_handler_name`).
_PUBLIC_HANDLER = re.compile(
    r"(?i)(^|[._])(\w*(registration|register|signup|sign_up|login|log_in|signin|sign_in|password_?reset)\w*)$"
    r"|^(log_?in|sign_?(in|up)|register|registration|create_?account|token|refresh|"
    r"webhook|callback|health|forgot|reset_?password|verify_?email)"
    r"|(^|\.)((receive|handle|process)_?)?webhooks?$"
)
_AS_VIEW = re.compile(r"\.as_view\(.*\)\s*$", re.S)


def _handler_name(handler: str) -> str:
    """The handler without a Django class-based view's `.as_view(...)` call: `auth_views.PasswordResetConfirmView`."""
    return _AS_VIEW.sub("", handler)


# Sign-up as REST spells it: POST to the users collection itself, handled by `createUser` (simplebank
# `router.POST("/users", server.createUser)` beside its guarded group, the RealWorld spec's `POST /api/users`).
# `POST /accounts` is not one: a bank account or a tenant is created by someone logged in. In a users module the verb
# alone says it (microblog-api `@users.route('/users', methods=['POST'])` on `def new`, "Register a new user").
_SIGNUP_PATH = re.compile(r"(?i)(^|/)users?/?$")
_SIGNUP_HANDLER = re.compile(r"(?i)(^|[._])(create|add|new)(_?users?)?$")
_MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _public_by_purpose(ep: Endpoint) -> bool:
    """Login, registration, tokens, webhooks, health checks, docs: endpoints meant to be called by anyone."""
    handler = _handler_name(ep.handler)
    if _PUBLIC_PATH.search(ep.path) or _PUBLIC_HANDLER.search(handler) or _CAPABILITY_PARAM.search(ep.path):
        return True
    return ep.method == "POST" and bool(_SIGNUP_PATH.search(ep.path)) and bool(_SIGNUP_HANDLER.search(handler))


# The handler's own documentation says it is public: polar's license-key `validate`/`deactivate` docstrings, "This
# endpoint doesn't require authentication and can be safely used on a public client".
_DOCUMENTED_PUBLIC = re.compile(
    r"(?i)\b(?:does(?:n['\u2019]t| not)|do(?:n['\u2019]t| not)|need(?:s)? not) (?:require|need) (?:any )?"
    r"auth(?:entication|orization)?\b"
    r"|\bno auth(?:entication)? (?:is )?(?:required|needed)\b|\bpublic(?:ly accessible)? endpoint\b")
_DOC_LINES = 40  # lines below the route's first line in which its handler's docstring is looked for


def _handler_says(ctx: Context, ep: Endpoint, pattern: re.Pattern[str], limit: int) -> bool:
    """Whether a line of the route's declaration and its handler (from its first line up to the next decorator of
    the file, at most `limit` lines) matches `pattern`."""
    lines = ctx.sources.lines(ep.file)
    if not 0 < ep.line <= len(lines):
        return False
    for offset, text in enumerate(lines[ep.line - 1 : ep.line - 1 + limit]):
        if offset and text.startswith("@"):
            return False  # the next decorator: the handler's own lines are over
        if pattern.search(text):
            return True
    return False


def _documented_public(ctx: Context, ep: Endpoint) -> bool:
    """Whether the route's declaration or its handler's docstring says that it needs no authentication."""
    return _handler_says(ctx, ep, _DOCUMENTED_PUBLIC, _DOC_LINES)


# A handler that checks the caller's signature over the request (Slack's `x_slack_signature` and
# `verify_slack_signature`, Stripe's `construct_event`, an HMAC compared in constant time) authenticates the caller
# as a webhook provider: it needs no login (polar's `POST /v1/integrations/slack/events`).
_SIGNATURE_CHECK = re.compile(
    r"(?i)\b(?:\w*verify\w*signature\w*|\w*signature\w*verif\w*|validate\w*signature\w*|construct_event|"
    r"compare_digest|timingSafeEqual|ConstantTimeCompare|MessageDigest\.isEqual)\s*\(")
_HANDLER_LINES = 80  # lines of a route's handler in which a signature check is looked for


def _signature_checked(ctx: Context, ep: Endpoint) -> bool:
    """Whether the route's handler verifies a signature of the request before acting on it."""
    return _handler_says(ctx, ep, _SIGNATURE_CHECK, _HANDLER_LINES)


AUTH_LIBRARIES: dict[str, dict[str, str]] = {
    "python": {"jwt": "jwt", "jose": "jwt", "flask_jwt_extended": "jwt", "fastapi_jwt_auth": "jwt", "rest_framework_simplejwt": "jwt",
               "flask_login": "session", "django.contrib.auth": "session", "fastapi_users": "jwt",
               "authlib": "oauth2", "oauthlib": "oauth2", "social_django": "oauth2", "allauth": "oauth2",
               "fastapi.security": "oauth2", "flask_httpauth": "basic", "knox": "token", "rest_framework.authtoken": "token"},
    "javascript": {"jsonwebtoken": "jwt", "@nestjs/jwt": "jwt", "passport-jwt": "jwt", "jose": "jwt", "express-jwt": "jwt",
                   "@fastify/jwt": "jwt", "express-session": "session", "@fastify/session": "session", "cookie-session": "session",
                   "passport": "session", "passport-oauth2": "oauth2", "next-auth": "oauth2", "@auth/core": "oauth2",
                   "passport-http": "basic", "express-basic-auth": "basic", "passport-headerapikey": "api-key",
                   "@nestjs/passport": "session", "lucia": "session", "better-auth": "session"},
    "go": {"github.com/golang-jwt/jwt": "jwt", "github.com/dgrijalva/jwt-go": "jwt", "github.com/lestrrat-go/jwx": "jwt",
           "github.com/appleboy/gin-jwt": "jwt", "github.com/gorilla/sessions": "session", "github.com/alexedwards/scs": "session",
           "golang.org/x/oauth2": "oauth2", "github.com/coreos/go-oidc": "oauth2", "github.com/casbin/casbin": "rbac"},
    "java": {"io.jsonwebtoken": "jwt", "com.auth0.jwt": "jwt", "com.nimbusds.jose": "jwt",
             "org.springframework.security.oauth2": "oauth2", "org.springframework.security": "session",
             "org.springframework.session": "session", "io.quarkus.security": "session", "io.micronaut.security": "jwt"},
    "rust": {"jsonwebtoken": "jwt", "jwt_simple": "jwt", "actix_session": "session", "tower_sessions": "session",
             "axum_login": "session", "oauth2": "oauth2", "actix_web_httpauth": "basic",
             "axum_extra::headers::authorization": "basic"},
}
_RBAC = re.compile(r"(?i)(has_?role|roles?_(required|allowed)|require_role|@RolesAllowed|hasRole|hasAuthority|@Roles\(|"
                   r"permission_classes|IsAdminUser|DjangoModelPermissions|@PreAuthorize|casbin|casl|check_permission|"
                   r"user\.is_(admin|staff|superuser)|role\s*[!=]=)")
_SEPARATOR = "\x00"  # matched by nothing in _RBAC, so one search of the joined texts finds what one per text would


def _joined(model: FileModel) -> str:
    """The decorators, setting keys and values and callees of a file that _RBAC looks at, as one text: a search per
    call was 6% of the check processes' time on typeorm."""
    texts = [d for fn in model.functions for d in fn.decorators]
    texts += [t for s in model.settings for t in (s.key, s.value)]
    texts += [c.callee for c in model.calls]
    return _SEPARATOR.join(texts)


_GLOBAL_GUARD = re.compile(r"(?i)(EnableWebSecurity|SecurityFilterChain|APP_GUARD|DEFAULT_PERMISSION_CLASSES|"
                           r"LoginRequiredMiddleware|before_request)")


@dataclass
class AuthFacts:
    mechanisms: list[str] = field(default_factory=list)
    rbac: bool = False
    where: list[str] = field(default_factory=list)
    global_guard: str = ""  # what protects every endpoint, if anything does
    endpoints: int = 0
    guarded: int = 0


# A database session handed to a handler (`Depends(generate_session)`, `SessionDep`, `get_db_session`) is no login
# session: the word is taken out before the guard is judged.
_DB_SESSION = re.compile(r"(?i)\w*(db|database|sql|orm|async|sync|engine|get|generate|create|new|local|scoped)_?session\w*"
                         r"|\bSession(Dep|Local|Maker)?\b")


def _guarded(ep: Endpoint) -> bool:
    return any(_AUTH_GUARD.search(_DB_SESSION.sub("", g)) for g in ep.guards)


def _auth(analysis: ProjectAnalysis) -> AuthFacts:
    facts = AuthFacts()
    mechanisms: set[str] = set()
    for model, imp in analysis.imports(roles=("source",)):
        table = AUTH_LIBRARIES.get(language_family(model.language), {})
        full = f"{imp.module}.{imp.name}" if imp.name else imp.module
        for prefix, mechanism in table.items():
            if imp.module == prefix or full.startswith(prefix) or imp.module.startswith(prefix + "/"):
                if mechanism == "rbac":
                    facts.rbac = True
                else:
                    mechanisms.add(mechanism)
                facts.where.append(f"{model.path}:{imp.line} {prefix}")
                break
    for model in analysis.files(roles=("source", "config")):
        facts.global_guard = facts.global_guard or _global_guard(model)
        if not facts.rbac:
            facts.rbac = _RBAC.search(_joined(model)) is not None
        for model_fn in model.functions:
            for param in model_fn.params:
                annotation = param[1] or ""
                if "HTTPBasic" in annotation or "HTTPBasicCredentials" in annotation:
                    mechanisms.add("basic")
                if "APIKey" in annotation:
                    mechanisms.add("api-key")
    facts.mechanisms = sorted(mechanisms)
    facts.where = facts.where[:20]
    endpoints = project_endpoints(analysis)
    facts.endpoints = len(endpoints)
    facts.guarded = sum(1 for ep in endpoints if _guarded(ep))
    return facts


def _global_guard(model: FileModel) -> str:
    for setting in model.settings:
        if setting.key == "DEFAULT_PERMISSION_CLASSES" and "IsAuthenticated" in setting.value:
            return f"DRF DEFAULT_PERMISSION_CLASSES ({model.path}:{setting.line})"
        if setting.key in ("REST_FRAMEWORK",) and "IsAuthenticated" in setting.value and "DEFAULT_PERMISSION_CLASSES" in setting.value:
            return f"DRF DEFAULT_PERMISSION_CLASSES ({model.path}:{setting.line})"
        if setting.key == "MIDDLEWARE" and "LoginRequiredMiddleware" in setting.value:
            return f"LoginRequiredMiddleware ({model.path}:{setting.line})"
    if language_family(model.language) == "javascript":  # NestJS: a guard registered for the whole app
        for imp in model.imports:
            if imp.module == "@nestjs/core" and imp.name == "APP_GUARD":
                return f"NestJS APP_GUARD provider ({model.path}:{imp.line})"
        for call in model.calls:
            if call.name == "useGlobalGuards" and call.args and _AUTH_GUARD.search(call.args[0][1]):
                return f"NestJS useGlobalGuards ({model.path}:{call.line})"
    for cls in model.classes:
        if any("EnableWebSecurity" in d for d in cls.decorators):
            return f"Spring Security @EnableWebSecurity ({model.path}:{cls.line})"
    for fn in model.functions:
        if fn.returns and "SecurityFilterChain" in fn.returns:
            return f"Spring Security filter chain ({model.path}:{fn.line})"
        if any(d.startswith("@app.before_request") or d.startswith("@bp.before_request") for d in fn.decorators) and \
                _AUTH_GUARD.search(fn.name):
            return f"before_request {fn.name} ({model.path}:{fn.line})"
    return ""


_MICRONAUT_CONFIG = re.compile(r"^application\.ya?ml$")
_ANONYMOUS = re.compile(r"(?i)^\s*(isAnonymous\(\)|permitAll|denyAll)\s*$")


def _intercept_url_map(ctx: Context) -> list[tuple[re.Pattern[str], bool]]:
    """Micronaut Security's `micronaut.security.intercept-url-map` in the base `application.yml`, in order: each
    Ant pattern (`/api/**`) and whether it requires a login (`isAuthenticated()`, a role) rather than letting anyone
    through (`isAnonymous()`)."""
    rules: list[tuple[re.Pattern[str], bool]] = []
    for model in ctx.analysis.files(roles=("config",)):
        if not _MICRONAUT_CONFIG.match(PurePosixPath(model.path).name) or "intercept-url-map" not in (
                text := ctx.sources.text(model.path) or ""):
            continue
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError:
            continue
        security = data.get("micronaut", {}).get("security", {}) if isinstance(data, dict) else {}
        entries = security.get("intercept-url-map") if isinstance(security, dict) else None
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, dict) or not isinstance(entry.get("pattern"), str):
                continue
            access = entry.get("access")
            accesses = access if isinstance(access, list) else [access]
            needs_login = bool(accesses) and not any(_ANONYMOUS.match(str(a)) for a in accesses)
            glob = re.escape(entry["pattern"]).replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
            rules.append((re.compile(f"^{glob}$"), needs_login))
    return rules


def _url_map_guarded(rules: list[tuple[re.Pattern[str], bool]], ep: Endpoint) -> bool:
    """Whether the first intercept-url-map pattern that matches the endpoint's path requires a login."""
    path = re.sub(r"\{[^}]*\}", "x", ep.path)
    return next((needs_login for pattern, needs_login in rules if pattern.match(path)), False)


def auth_facts(ctx: Context) -> AuthFacts:
    return ctx.analysis.memo("auth", _auth)


class MissingAuth(Check):
    id = "security/missing-auth"
    title = "Endpoints that change data require authentication"
    category = "security"
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    tags = ("CWE-306", "CWE-862")
    backend_only = True
    rationale = (
        "An endpoint that creates, changes or deletes data without an authentication dependency, guard, decorator "
        "or middleware in reach lets anyone do it. Endpoints that are public by purpose (login, registration, "
        "tokens, webhooks and handlers that verify the request's signature, health checks, docs) are left out, "
        "and project-wide protection (Spring Security, DRF's "
        "default permission classes, a global auth middleware) counts for every endpoint, as Micronaut's "
        "`intercept-url-map` does for the paths it requires a login for. A project with no "
        "authentication at all is one high finding; one unguarded endpoint beside guarded ones is medium with low "
        "confidence, since protection may be applied in ways the code does not show (a gateway, a custom router)."
    )
    remediation = (
        "Require an authenticated user on every endpoint that changes data: a dependency (`Depends(get_current_user)`), "
        "a decorator (`@login_required`, `@jwt_required`), a guard (`@UseGuards(AuthGuard)`), or a middleware on the "
        "router that mounts it.",
        "Check the caller's role or ownership of the resource as well (RBAC), not only that someone is logged in.",
    )
    effort = Effort.MEDIUM

    def run(self, ctx: Context) -> Verdict:
        endpoints = project_endpoints(ctx.analysis)
        mutating = [ep for ep in endpoints if ep.method in _MUTATING and not _public_by_purpose(ep)]
        if not mutating:
            raise NotApplicable("no endpoint that changes data was found")
        facts = auth_facts(ctx)
        metrics = {"mutating_endpoints": len(mutating), "mechanisms": facts.mechanisms, "global_guard": facts.global_guard}
        if facts.global_guard:
            return Verdict(metrics=metrics)
        rules = _intercept_url_map(ctx)
        unguarded = [ep for ep in mutating
                     if not _guarded(ep) and not _url_map_guarded(rules, ep) and not _documented_public(ctx, ep)
                     and not _signature_checked(ctx, ep)]
        metrics["unguarded"] = len(unguarded)
        if not unguarded:
            return Verdict(metrics=metrics)
        if not facts.mechanisms and not facts.guarded:
            sample = ", ".join(f"{ep.method} {ep.path}" for ep in unguarded[:3])
            finding = self.finding(ctx, f"no authentication is used anywhere: {len(unguarded)} endpoint(s) that change data "
                                   f"are open to anyone ({sample}{', ...' if len(unguarded) > 3 else ''})",
                                   unguarded[0].file, unguarded[0].line, key="no-auth")
            return Verdict(findings=(finding,), metrics=metrics)
        findings = tuple(
            self.finding(ctx, f"`{ep.method} {ep.path}` changes data and has no authentication dependency, guard or "
                         "decorator in reach", ep.file, ep.line, severity=Severity.MEDIUM, confidence=Confidence.LOW,
                         key=f"{ep.method} {ep.path}")
            for ep in unguarded[:100])
        return Verdict(findings=findings, metrics=metrics)


# -- JWTs ----------------------------------------------------------------------------------------------------
_MIN_HMAC_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}


@dataclass(frozen=True, slots=True)
class _JwtSite:
    path: str
    line: int
    message: str
    severity: Severity
    key: str
    confidence: Confidence = Confidence.HIGH


_JWT_LIBRARIES = frozenset({"jwt", "jose", "authlib", "joserfc", "jwcrypto", "flask_jwt_extended", "rest_framework_simplejwt"})


def _jwt_sites(analysis: ProjectAnalysis) -> Iterator[_JwtSite]:
    for model in analysis.files(roles=("source",)):
        family = language_family(model.language)
        for call in model.calls:
            callee = call.qualified or call.callee
            texts = " ".join(a[1] for a in call.args)
            if family == "python" and (callee.endswith(("jwt.encode", "jose.jwt.encode")) or (callee == "encode" and
                                       "jwt" in call.qualified)):
                first = call.args[0] if call.args else None
                if first is not None and first[0] == "name":
                    first = _local(model, call.function, call.line, first[1]) or first
                # polar's `from polar.kit import jwt; jwt.encode(data=..., type=...)`: the project's own wrapper, whose
                # defaults (an expiry) the call does not show
                wrapper = bool(call.qualified) and call.qualified.split(".", 1)[0] not in _JWT_LIBRARIES
                if first is not None and first[0] == "collection" and first[1].startswith("{") and not wrapper and \
                        not re.search(r"""["']exp["']""", first[1]):
                    yield _JwtSite(model.path, call.line, "a JWT is issued without an `exp` claim: unless the service "
                                   "expires it some other way, a leaked token works forever", Severity.MEDIUM, "no-exp",
                                   Confidence.LOW)
                yield from _weak_secret(model.path, call.line, call.args[1:2], texts)
            elif family == "python" and callee.endswith(("jwt.decode", "jose.jwt.decode")):
                if re.search(r"""["']verify_signature["']\s*:\s*False|verify\s*=\s*False""", texts) or any(
                        a[3] == "verify" and a[1] == "False" for a in call.args):
                    yield _JwtSite(model.path, call.line, "a JWT is decoded without verifying its signature: anyone can "
                                   "forge one", Severity.HIGH, "no-verify")
                if re.search(r"""["']none["']""", texts, re.I):
                    yield _JwtSite(model.path, call.line, "the `none` algorithm is accepted: an unsigned token passes",
                                   Severity.HIGH, "alg-none")
            elif family == "javascript" and call.name == "sign" and call.receiver in ("jwt", "jsonwebtoken", "JWT"):
                options = " ".join(a[1] for a in call.args[2:])
                claims = call.args[0][1] if call.args else ""
                if "expiresIn" not in options and "exp" not in claims and "expiresIn" not in claims:
                    yield _JwtSite(model.path, call.line, "a JWT is signed without `expiresIn` or an `exp` claim: unless "
                                   "the service expires it some other way, it never expires", Severity.MEDIUM, "no-exp",
                                   Confidence.LOW)
            elif family == "javascript" and call.name == "verify" and call.receiver in ("jwt", "jsonwebtoken", "JWT"):
                if re.search(r"""["']none["']""", texts, re.I) or "ignoreExpiration: true" in texts:
                    yield _JwtSite(model.path, call.line, "JWT verification accepts `none` or ignores expiry",
                                   Severity.HIGH, "js-verify")
            elif family == "javascript" and call.name == "decode" and call.receiver in ("jwt", "jsonwebtoken"):
                fn = model.function(call.function)
                if fn is not None and re.search(r"(?i)auth|guard|middleware|verify|current_?user", fn.name):
                    yield _JwtSite(model.path, call.line, "`jwt.decode()` reads a token without verifying it, in "
                                   f"`{fn.name}`: use `jwt.verify()`", Severity.HIGH, "js-decode")
            elif family == "go" and (call.name in ("SigningMethodNone",) or "UnsafeAllowNoneSignatureType" in texts
                                     or "UnsafeAllowNoneSignatureType" in call.callee):
                yield _JwtSite(model.path, call.line, "the JWT `none` signing method is allowed", Severity.HIGH, "go-none")
            elif family == "rust" and call.name == "insecure_disable_signature_validation":
                yield _JwtSite(model.path, call.line, "JWT signature validation is disabled", Severity.HIGH, "rs-noverify")
        for setting in model.settings:
            if setting.key in ("validate_exp", "verify_exp") and setting.value in ("false", "False"):
                yield _JwtSite(model.path, setting.line, f"`{setting.key}` is off: expired JWTs are accepted", Severity.HIGH,
                               f"setting:{setting.key}")


def _local(model: FileModel, function: int, line: int, name: str) -> tuple[str, str, tuple[str, ...], str, str | None] | None:
    found = None
    for assign in model.assigns:
        if assign.function == function and assign.line <= line and name in assign.targets:
            found = assign.value
    return found


def _weak_secret(path: str, line: int, args: tuple[tuple[str, str, tuple[str, ...], str, str | None], ...],
                 texts: str) -> Iterator[_JwtSite]:
    algorithm = next((alg for alg in _MIN_HMAC_BYTES if alg in texts), "HS256" if "algorithm" not in texts else "")
    if not algorithm or not args or args[0][0] != "str" or args[0][4] is None:
        return
    secret = args[0][4]
    if len(secret.encode()) < _MIN_HMAC_BYTES[algorithm]:
        yield _JwtSite(path, line, f"the {algorithm} signing secret is a {len(secret.encode())}-byte literal: "
                       f"{algorithm} needs at least {_MIN_HMAC_BYTES[algorithm]} random bytes, from the environment",
                       Severity.MEDIUM, "weak-secret")


class JwtMisuse(Check):
    id = "security/jwt"
    title = "JWTs expire, are verified, and are signed with strong secrets"
    category = "security"
    severity = Severity.HIGH
    tags = ("CWE-347", "CWE-613", "CWE-326")
    rationale = (
        "A token accepted without its signature verified (or with the `none` algorithm) can be forged by anyone "
        "(high); one issued without an expiry works forever once leaked (medium); an HMAC secret shorter than the "
        "algorithm's output can be brute-forced offline (medium)."
    )
    remediation = (
        "Verify every token with an explicit algorithm list (`jwt.decode(token, key, algorithms=[\"HS256\"])`, "
        "`jwt.verify`), never `none`.",
        "Give every token an `exp` claim (`expiresIn`) of minutes to hours, with refresh tokens for longer sessions.",
        "Use a random secret of at least 32 bytes from the environment, or asymmetric keys.",
    )
    effort = Effort.SMALL

    def run(self, ctx: Context) -> Iterator[Finding]:
        for site in _jwt_sites(ctx.analysis):
            yield self.finding(ctx, site.message, site.path, site.line, severity=site.severity, key=site.key,
                               confidence=site.confidence)
