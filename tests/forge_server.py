"""Loopback servers that behave like GitHub's and GitLab's REST APIs for comments/notes and commit statuses.

A thread runs `http.server` on 127.0.0.1; production code reaches it through the same environment variables
(GITHUB_API_URL, CI_API_V4_URL) and the same urllib client it uses against the real services. Behaviours a
test can switch on: a read-only token (403 on writes), a body limit (422), a slow answer, a 5xx, an error
message that echoes the token, a redirect or a `next` link to another host.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "ghs_loopbackTESTtoken0123456789abcdefABCD"
PER_PAGE_MAX = 100


@dataclass
class ForgeState:
    kind: str  # github | gitlab
    token: str = TOKEN
    comments: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    log: list[tuple[str, str]] = field(default_factory=list)  # (method, path?query)
    read_only: bool = False
    max_body: int | None = None
    slow: float = 0.0
    fail_status: int | None = None
    echo_token_in_errors: bool = False
    next_link_host: str | None = None  # a `next` link pointing at another host
    redirect_to: str | None = None
    next_id: int = 1000
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_others(self, n: int) -> None:
        for i in range(n):
            self.comments.append({"id": self.next_id, "body": f"comment {i} from someone else", "user": {"login": f"u{i}"}})
            self.next_id += 1

    def ours(self, marker: str) -> list[dict[str, Any]]:
        return [c for c in self.comments if str(c["body"]).splitlines()[:1] == [marker]]

    def count(self, method: str, pattern: str) -> int:
        return sum(1 for m, p in self.log if m == method and re.search(pattern, p))


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = 10

    def log_message(self, format: str, *args: Any) -> None:
        pass

    # -- plumbing -----------------------------------------------------------------------------------------
    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        raw = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(raw)

    def _body(self) -> dict[str, Any]:
        n = int(self.headers.get("Content-Length") or 0)
        doc = json.loads(self.rfile.read(n) or b"{}")
        return doc if isinstance(doc, dict) else {}

    def _authorised(self) -> bool:
        st = self.server.state
        if st.kind == "github":
            return self.headers.get("Authorization") == f"Bearer {st.token}"
        return self.headers.get("PRIVATE-TOKEN") == st.token

    def _handle(self, method: str) -> None:
        st = self.server.state
        with st.lock:
            st.log.append((method, self.path))
        if st.slow:
            time.sleep(st.slow)
        if st.redirect_to:
            self.send_response(302)
            self.send_header("Location", st.redirect_to + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if not self._authorised():
            message = f"Bad credentials {self.headers.get('Authorization') or self.headers.get('PRIVATE-TOKEN')}"
            self._send(401, {"message": message if st.echo_token_in_errors else "Bad credentials"})
            return
        if st.fail_status:
            self._send(st.fail_status, {"message": "Server Error"})
            return
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        route = self._github if st.kind == "github" else self._gitlab
        route(method, url.path, query)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_PUT(self) -> None:
        self._handle("PUT")

    # -- the two APIs -------------------------------------------------------------------------------------
    def _page(self, query: dict[str, str]) -> tuple[list[dict[str, Any]], int, int]:
        st = self.server.state
        per = min(PER_PAGE_MAX, int(query.get("per_page", 30)))
        page = max(1, int(query.get("page", 1)))
        with st.lock:
            items = list(st.comments)
        pages = max(1, -(-len(items) // per))
        return items[(page - 1) * per : page * per], page, pages

    def _write(self, method: str, body: dict[str, Any], existing: int | None) -> dict[str, Any] | None:
        st = self.server.state
        if st.read_only:
            self._send(403, {"message": "Resource not accessible by integration"})
            return None
        text = str(body.get("body", ""))
        if st.max_body is not None and len(text) > st.max_body:
            self._send(422, {"message": "Validation Failed", "errors": [{"message": "body is too long (maximum is "
                                                                                   f"{st.max_body} characters)"}]})
            return None
        with st.lock:
            if existing is None:
                item = {"id": st.next_id, "body": text, "user": {"login": "auditor-bot"}}
                st.next_id += 1
                st.comments.append(item)
                return item
            for item in st.comments:
                if item["id"] == existing:
                    item["body"] = text
                    return item
        self._send(404, {"message": "Not Found"})
        return None

    def _github(self, method: str, path: str, query: dict[str, str]) -> None:
        st = self.server.state
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        if re.fullmatch(r"/repos/([^/]+)/([^/]+)/issues/(\d+)/comments", path):
            if method == "GET":
                items, page, pages = self._page(query)
                links = []
                if page < pages:
                    host = st.next_link_host or base
                    links.append(f'<{host}{path}?per_page={query.get("per_page", 30)}&page={page + 1}>; rel="next"')
                    links.append(f'<{base}{path}?per_page={query.get("per_page", 30)}&page={pages}>; rel="last"')
                self._send(200, items, {"Link": ", ".join(links)} if links else None)
                return
            if method == "POST":
                item = self._write(method, self._body(), None)
                if item is not None:
                    self._send(201, item)
                return
        m = re.fullmatch(r"/repos/([^/]+)/([^/]+)/issues/comments/(\d+)", path)
        if method == "PATCH" and m:
            item = self._write(method, self._body(), int(m.group(3)))
            if item is not None:
                self._send(200, item)
            return
        m = re.fullmatch(r"/repos/([^/]+)/([^/]+)/statuses/([0-9a-f]{40})", path)
        if method == "POST" and m:
            if st.read_only:
                self._send(403, {"message": "Resource not accessible by integration"})
                return
            with st.lock:
                st.statuses.append({"sha": m.group(3), **self._body()})
            self._send(201, {"state": "ok"})
            return
        self._send(404, {"message": "Not Found"})

    def _gitlab(self, method: str, path: str, query: dict[str, str]) -> None:
        st = self.server.state
        if re.fullmatch(r"/api/v4/projects/([^/]+)/merge_requests/(\d+)/notes", path):
            if method == "GET":
                items, page, pages = self._page(query)
                headers = {"X-Page": str(page), "X-Total-Pages": str(pages), "X-Next-Page": str(page + 1) if page < pages else ""}
                self._send(200, items, headers)
                return
            if method == "POST":
                item = self._write(method, self._body(), None)
                if item is not None:
                    self._send(201, item)
                return
        m = re.fullmatch(r"/api/v4/projects/([^/]+)/merge_requests/(\d+)/notes/(\d+)", path)
        if method == "PUT" and m:
            item = self._write(method, self._body(), int(m.group(3)))
            if item is not None:
                self._send(200, item)
            return
        m = re.fullmatch(r"/api/v4/projects/([^/]+)/statuses/([0-9a-f]{40})", path)
        if method == "POST" and m:
            with st.lock:
                st.statuses.append({"sha": m.group(2), **self._body()})
            self._send(201, {"status": "ok"})
            return
        self._send(404, {"message": "404 Not Found"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: ForgeState

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that stops reading (a size limit, a timeout) is expected here, not an error to print."""


@contextmanager
def forge_server(kind: str) -> Iterator[tuple[str, ForgeState]]:
    """(API base URL, state) of a fresh loopback server; shut down on exit."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.state = ForgeState(kind=kind)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    port = server.server_address[1]
    base = f"http://127.0.0.1:{port}" + ("/api/v4" if kind == "gitlab" else "")
    try:
        yield base, server.state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
