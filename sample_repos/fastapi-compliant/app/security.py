"""What every request passes through: a bearer token check, a per-client rate limit, security headers."""

import os
from collections.abc import Awaitable, Callable

import jwt
from fastapi import Depends, HTTPException, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from slowapi import Limiter
from slowapi.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, default_limits=["120/minute"])
bearer = HTTPBearer()

SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}


def require_user(credentials: HTTPAuthorizationCredentials = Depends(bearer)) -> str:
    """The caller's user id, from a valid, unexpired token signed with the service's key."""
    try:
        claims = jwt.decode(credentials.credentials, os.environ["ORDERS_JWT_KEY"], algorithms=["HS256"])
    except jwt.InvalidTokenError as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid or expired token") from exc
    return str(claims["sub"])


async def security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    response = await call_next(request)
    response.headers.update(SECURITY_HEADERS)
    return response
