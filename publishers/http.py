"""A small JSON client for forge REST APIs (GitHub, GitLab) on the standard library's urllib.

Bounded in every way a CI job needs: a timeout per request, a cap on the response size, redirects only to
the same host (the token is never sent anywhere else, and neither are `next` page links), HTTPS except
to a loopback address, and the token redacted from every error message.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import urlencode, urljoin, urlsplit

from auditor import __version__
from auditor.redact import redact

__all__ = ["ApiClient", "ApiError", "Response", "next_page_url"]

DEFAULT_TIMEOUT = 15.0
MAX_RESPONSE_BYTES = 8 * 1024 * 1024
MAX_PAGES = 50  # 5,000 comments at 100 a page: enough for any pull request, bounded for a hostile server
_LINK_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


class ApiError(Exception):
    """A request that did not succeed; `status` is the HTTP status when there was one. The message never
    contains the token."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: Mapping[str, str]  # lower-case names
    body: Any  # parsed JSON, or None for an empty body


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    def __init__(self, origin: tuple[str, str]) -> None:
        self.origin = origin

    def redirect_request(self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str,
                         headers: Any, newurl: str) -> urllib.request.Request | None:
        parts = urlsplit(newurl)
        if (parts.scheme, parts.netloc) != self.origin:
            raise ApiError(f"refused a redirect to another host ({parts.netloc or newurl[:80]})", code)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def next_page_url(headers: Mapping[str, str], current: str) -> str | None:
    """The next page: the `Link: <...>; rel="next"` header (GitHub, GitLab), else GitLab's `X-Next-Page`."""
    link = headers.get("link", "")
    for part in link.split(","):
        m = _LINK_NEXT.search(part)
        if m:
            return m.group(1).strip()
    page = headers.get("x-next-page", "").strip()
    if page.isdigit():
        parts = urlsplit(current)
        query = [(k, v) for k, v in (p.split("=", 1) if "=" in p else (p, "") for p in parts.query.split("&") if p) if k != "page"]
        return parts._replace(query=urlencode([*query, ("page", page)])).geturl()
    return None


class ApiClient:
    """JSON over HTTP to one API base URL with one token."""

    def __init__(self, base_url: str, token: str, *, auth_header: str = "Authorization", auth_prefix: str = "Bearer ",
                 timeout: float = DEFAULT_TIMEOUT, max_bytes: int = MAX_RESPONSE_BYTES,
                 extra_headers: Mapping[str, str] | None = None) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ApiError(f"API URL must be an http(s) URL: {base_url[:120]!r}")
        if parts.scheme == "http" and not _is_loopback(parts.hostname):
            raise ApiError(f"refusing to send a token over plain http to {parts.hostname}; use https")
        self.base = base_url.rstrip("/") + "/"
        self.origin = (parts.scheme, parts.netloc)
        self._token = token
        self.timeout = timeout
        self.max_bytes = max_bytes
        self._headers = {"Accept": "application/json", "User-Agent": f"auditor/{__version__}", **(extra_headers or {})}
        if token:
            self._headers[auth_header] = f"{auth_prefix}{token}"
        proxies = urllib.request.ProxyHandler({}) if _is_loopback(parts.hostname) else urllib.request.ProxyHandler()
        self._opener = urllib.request.build_opener(proxies, _SameHostRedirects(self.origin))

    def scrub(self, text: str) -> str:
        """`text` without the token (and any other secret redaction recognises)."""
        if self._token:
            text = text.replace(self._token, "[token]")
        return redact(text)

    def url(self, path: str) -> str:
        """An absolute URL on this API; a full URL (a `next` link) must be on the same scheme and host."""
        full = urljoin(self.base, path.lstrip("/")) if not path.startswith(("http://", "https://")) else path
        parts = urlsplit(full)
        if (parts.scheme, parts.netloc) != self.origin:
            raise ApiError(f"refused a link to another host ({parts.netloc})")
        return full

    def request(self, method: str, path: str, body: Any = None) -> Response:
        url = self.url(path)
        data = None if body is None else json.dumps(body).encode("utf-8")
        headers = dict(self._headers)
        if data is not None:
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310 - http(s) only, checked in __init__ and url()
        where = f"{method} {urlsplit(url).path}"
        try:
            with self._opener.open(req, timeout=self.timeout) as resp:
                raw = resp.read(self.max_bytes + 1)
                status = resp.status
                resp_headers = {k.lower(): v for k, v in resp.headers.items()}
        except urllib.error.HTTPError as exc:
            detail = _error_detail(exc)
            raise ApiError(self.scrub(f"{where}: HTTP {exc.code}{': ' + detail if detail else ''}"), exc.code) from None
        except ApiError:
            raise
        except TimeoutError:
            raise ApiError(f"{where}: no answer within {self.timeout:g} s") from None
        except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError):
                raise ApiError(f"{where}: no answer within {self.timeout:g} s") from None
            raise ApiError(self.scrub(f"{where}: {reason}")) from None
        if len(raw) > self.max_bytes:
            raise ApiError(f"{where}: response larger than {self.max_bytes} bytes", status)
        try:
            parsed = json.loads(raw) if raw.strip() else None
        except ValueError:
            raise ApiError(f"{where}: the response is not JSON", status) from None
        return Response(status, resp_headers, parsed)

    def pages(self, path: str) -> Iterator[list[Any]]:
        """Every page of a list endpoint, following `next` links on the same host, at most MAX_PAGES."""
        url: str | None = self.url(path)
        seen: set[str] = set()
        while url and len(seen) < MAX_PAGES and url not in seen:
            seen.add(url)
            resp = self.request("GET", url)
            if not isinstance(resp.body, list):
                raise ApiError(f"GET {urlsplit(url).path}: expected a list", resp.status)
            yield resp.body
            following = next_page_url(resp.headers, url)
            url = self.url(following) if following else None


def _error_detail(exc: urllib.error.HTTPError) -> str:
    try:
        raw = exc.read(64 * 1024)
    except OSError:
        return ""
    try:
        doc = json.loads(raw)
    except ValueError:
        return " ".join(raw.decode("utf-8", "replace").split())[:200]
    if isinstance(doc, dict):
        message = doc.get("message") or doc.get("error") or ""
        return " ".join(str(message).split())[:200]
    return ""
