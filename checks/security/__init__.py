"""Security: no committed secrets, no queries or commands built from input, validated input, authenticated and
rate-limited endpoints, sound CORS, security headers, debug off.

Every check is a query over the analysis layer (analysis/model.py facts, analysis/routes endpoints, the secret
hits); which names mean what per language sits in the tables of each module.
"""

from __future__ import annotations

import dataclasses

from auditor.context import Context
from auditor.model import Check
from checks.security.auth import JwtMisuse, MissingAuth, auth_facts
from checks.security.config import (
    DebugMode,
    InsecureCors,
    RateLimiting,
    SecurityHeaders,
    cors_facts,
    debug_facts,
    headers_facts,
    rate_limit_facts,
)
from checks.security.injection import CommandInjection, SqlInjection
from checks.security.secrets import HardcodedSecret, secret_facts
from checks.security.validation import InputValidation, validation_facts

__all__ = ["CHECKS", "security_facts"]


def security_facts(ctx: Context) -> dict[str, object]:
    """The raw facts behind the security checks, apart from their judgement (facts.security)."""
    cors = cors_facts(ctx)
    auth = auth_facts(ctx)
    return {
        "secrets": secret_facts(ctx),
        "cors": {"configured": cors.configured, "wildcard_origin": cors.wildcard_origin, "credentials": cors.credentials,
                 "where": cors.where[:10]},
        "rate_limiting": rate_limit_facts(ctx),
        "auth": {k: v for k, v in dataclasses.asdict(auth).items()},
        "headers": headers_facts(ctx),
        "debug": debug_facts(ctx),
        "input_validation": validation_facts(ctx),
    }


CHECKS: list[type[Check]] = [
    HardcodedSecret, SqlInjection, CommandInjection, InputValidation, MissingAuth, JwtMisuse, RateLimiting,
    InsecureCors, SecurityHeaders, DebugMode,
]
