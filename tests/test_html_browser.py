"""The HTML report in a real headless Chromium: it renders, its filters work, target text cannot inject markup.

`--dump-dom` gives the DOM after the page's script ran; a URL hash (`#severity=high`) selects filters on load.
Clicks are driven through the DevTools protocol over `--remote-debugging-pipe` (no socket, no network).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_reports import HOSTILE, demo_card, parse_html

from reports.base import scorecard_to_dict
from reports.html import render_html

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (CI installs Debian's chromium)")

BASH = shutil.which("bash") or "/bin/bash"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-extensions", "--disable-dev-shm-usage", "--mute-audio",
]


def _dump_dom(page: Path, profile: Path, hash_: str = "") -> str:
    url = page.resolve().as_uri() + hash_
    out = subprocess.run([str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
                         capture_output=True, text=True, timeout=90, check=True)
    assert "<html" in out.stdout, out.stderr[-2000:]
    return out.stdout


def _write(tmp_path: Path, hostile: bool = False) -> Path:
    page = tmp_path / "report.html"
    page.write_text(render_html(scorecard_to_dict(demo_card(hostile=hostile))), encoding="utf-8")
    return page


def _findings(dom: str) -> list[tuple[str, bool]]:
    """(severity, visible) of every finding element in document order."""
    return [(a["data-severity"] or "", "hidden" not in a) for t, a in parse_html(dom).tags
            if t == "li" and "finding" in (a.get("class") or "").split()]


def _visible_count(dom: str) -> str:
    body = next(a for t, a in parse_html(dom).tags if t == "body")
    return body.get("data-visible-findings") or ""


@pytest.fixture
def page(tmp_path: Path) -> Path:
    return _write(tmp_path)


def test_hash_selects_filters_on_load(page: Path, tmp_path: Path) -> None:
    dom = _dump_dom(page, tmp_path / "profile", "#severity=high")
    assert _findings(dom) == [("critical", False), ("high", True), ("high", True), ("info", False)]
    assert _visible_count(dom) == "2"
    assert '<span id="visible-count">2</span>' in dom
    groups = {a["data-check"]: "hidden" not in a for t, a in parse_html(dom).tags if t == "details" and "data-check" in a}
    assert groups == {"security/sql-injection": False, "errors/bare-except": True, "ops/logging": False}
    boxes = {a["value"]: "checked" in a for t, a in parse_html(dom).tags if t == "input" and a.get("type") == "checkbox"}
    assert boxes["high"] and not boxes["critical"] and boxes["security"]


def test_target_text_cannot_inject_markup(tmp_path: Path) -> None:
    page = _write(tmp_path, hostile=True)
    dom = _dump_dom(page, tmp_path / "profile")
    p = parse_html(dom)
    assert [t for t, _ in p.tags if t in ("img", "svg", "b", "iframe")] == []
    assert sum(1 for t, _ in p.tags if t == "script") == 1
    assert [k for _, a in p.tags for k in a if k.startswith("on")] == []
    assert p.title == "Audit report: demo-service" + HOSTILE["img"]
    assert "PWNED" not in p.title
    assert _visible_count(dom) == "4"  # the page's own script still ran


# -- clicks through the DevTools protocol over a pipe -----------------------------------------------
class _Cdp:
    """A minimal DevTools protocol client over --remote-debugging-pipe (NUL-separated JSON on fds 3 and 4)."""

    def __init__(self, profile: Path) -> None:
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        high_r = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
        high_w = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
        for fd in (to_browser_r, from_browser_w):
            os.close(fd)

        # bash (dash cannot name fds above 9) maps our pipe ends to the fds 3 (commands in) and 4 (replies out) Chromium expects.
        shell = f'exec "$@" 3<&{high_r} 4>&{high_w} {high_r}<&- {high_w}>&-'
        self.proc = subprocess.Popen(
            [BASH, "-c", shell, "bash", str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}",
             "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, pass_fds=(high_r, high_w),
        )
        os.close(high_r)
        os.close(high_w)
        self._buffer = b""
        self._next = 0
        self.session = ""

    def call(self, method: str, params: dict[str, Any] | None = None, timeout: float = 30.0) -> dict[str, Any]:
        self._next += 1
        msg: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if self.session:
            msg["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            for reply in self._messages(deadline):
                if reply.get("id") == self._next:
                    assert "error" not in reply, reply
                    result: dict[str, Any] = reply["result"]
                    return result

    def _messages(self, deadline: float) -> Iterator[dict[str, Any]]:
        left = deadline - time.monotonic()
        assert left > 0, "no answer from chromium"
        ready, _, _ = select.select([self._from_browser], [], [], left)
        if ready:
            chunk = os.read(self._from_browser, 1 << 16)
            assert chunk, "chromium closed the pipe"
            self._buffer += chunk
        *done, self._buffer = self._buffer.split(b"\0")
        for raw in done:
            yield json.loads(raw)

    def evaluate(self, expression: str) -> Any:
        out = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        return out["result"].get("value")

    def open(self, url: str) -> None:
        target = self.call("Target.createTarget", {"url": url})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        deadline = time.monotonic() + 30
        ready = f"location.href === {json.dumps(url)} && document.readyState === 'complete'"
        while self.evaluate(ready) is not True:
            assert time.monotonic() < deadline, "page did not load"
            time.sleep(0.05)

    def close(self) -> None:
        self.session = ""
        with contextlib.suppress(AssertionError, OSError):
            self.call("Browser.close", timeout=5)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[_Cdp]:
    cdp = _Cdp(tmp_path / "profile")
    try:
        yield cdp
    finally:
        cdp.close()


VISIBLE = "Array.from(document.querySelectorAll('.finding')).map(f => f.hidden ? 0 : 1).join('')"


def test_clicking_filters_hides_and_shows_findings(page: Path, browser: _Cdp) -> None:
    browser.open(page.resolve().as_uri())
    assert browser.evaluate(VISIBLE) == "1111"
    browser.evaluate("document.querySelector('input[data-filter=severity][value=high]').click()")
    assert browser.evaluate(VISIBLE) == "1001"
    assert browser.evaluate("document.getElementById('visible-count').textContent") == "2"
    assert browser.evaluate("document.querySelector('details[data-check=\"errors/bare-except\"]').hidden") is True
    browser.evaluate("document.querySelector('input[data-filter=category][value=security]').click()")
    assert browser.evaluate(VISIBLE) == "0001"
    browser.evaluate("document.querySelector('button[data-set=all]').click()")
    assert browser.evaluate(VISIBLE) == "1111"
    assert browser.evaluate("document.getElementById('visible-count').textContent") == "4"
    assert browser.evaluate("document.title") == "Audit report: demo-service"


def test_hash_changes_select_filters(page: Path, browser: _Cdp) -> None:
    browser.open(page.resolve().as_uri())
    for hash_, visible, count in [
        ("#category=security", "1000", "1"),
        ("#severity=info,critical&category=operability,error-handling", "0001", "1"),
        ("#severity=", "0000", "0"),
        ("#severity=critical,high,medium,low,info&category=security,error-handling,operability", "1111", "4"),
        ("#severity=%E0%A4%A&category=security", "1000", "1"),  # a malformed part is ignored
    ]:
        browser.evaluate(f"location.hash = {json.dumps(hash_)}")
        deadline = time.monotonic() + 10
        while browser.evaluate("document.body.getAttribute('data-visible-findings')") != count:
            assert time.monotonic() < deadline, (hash_, browser.evaluate(VISIBLE))
            time.sleep(0.05)
        assert browser.evaluate(VISIBLE) == visible, hash_


def test_screenshot_renders(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    subprocess.run([str(CHROMIUM), *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--hide-scrollbars",
                    f"--screenshot={shot}", "--window-size=1280,2000", page.resolve().as_uri()],
                   capture_output=True, timeout=90, check=True)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1280, 2000)


def test_trend_svg_renders_under_the_csp_without_scripts(tmp_path: Path) -> None:
    import json as json_module

    from test_reports import with_regression_and_history

    data = with_regression_and_history(json_module.loads(json_module.dumps(scorecard_to_dict(demo_card()))), category=HOSTILE["img"])
    page = tmp_path / "report.html"
    page.write_text(render_html(data), encoding="utf-8")
    dom = _dump_dom(page, tmp_path / "profile")
    p = parse_html(dom)
    lines = [a for t, a in p.tags if t == "polyline"]
    assert [a["data-series"] for a in lines] == ["overall", HOSTILE["img"], "testing"]
    assert [t for t, _ in p.tags if t in ("img", "b")] == [] and sum(1 for t, _ in p.tags if t == "script") == 1
    assert _visible_count(dom) == "4"  # the page's own script ran: the CSP still admits it, and only it
