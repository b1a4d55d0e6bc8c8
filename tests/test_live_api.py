"""The live API phase and the api/* checks, against the real sample service (sample_repos/fastapi-live).

Every mode is exercised for real: `--api-command` (uvicorn on a free port started and stopped by the
auditor), `--api-app` (the ASGI app imported in the worker) and `--api-url` (a uvicorn this test starts and
stops). After every test no process the test caused is left: none under this test's temporary folder (by
working directory or command line; the auditor's scratch folder is put there through TMPDIR / tempfile) and
no descendant of the test process. Every wait has a timeout.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from auditor import audit
from auditor.config import Config, ConfigError
from auditor.context import AuditOptions, Context
from auditor.engine import Scorecard, run_check
from auditor.live import INSTALL_HINT, LatencyRow, LiveFacts, LiveRequest
from auditor.model import Confidence, Finding, Severity, Status
from auditor.repo import Repository
from auditor.sources import Sources
from checks.api import Latency
from reports.base import scorecard_to_dict
from reports.html import HtmlReporter
from reports.markdown import MarkdownReporter
from tests.helpers import write_tree

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_repos" / "fastapi-live"
SCHEMA = ROOT / "reports" / "schema" / "report.schema.json"
MAX_EXAMPLES = 3  # small: the whole file runs in a few tens of seconds
ONLY = Config(only=("api/*",))

EXPECTED_LIVE = {
    ("api/server-error", "GET /v1/items/{item_id}/share"),
    ("api/schema-violation", "GET /v1/items/{item_id}"),
    ("api/undocumented-response", "GET /v1/orders/{order_id}"),
    ("api/latency", "GET /v1/reports/daily"),
}
KINDS = {"api/server-error": "server-error", "api/schema-violation": "schema-violation",
         "api/undocumented-response": "undocumented-status", "api/latency": "latency"}
OPERATIONS = ["GET /v1/items", "GET /v1/items/{item_id}", "GET /v1/items/{item_id}/share", "GET /v1/orders/{order_id}",
              "GET /v1/reports/daily"]
UVICORN = f"{sys.executable} -m uvicorn shop.main:app --host 127.0.0.1 --port {{port}}"


# -- processes -------------------------------------------------------------------------------------------
def _stat(pid: str) -> list[str]:
    with open(f"/proc/{pid}/stat", "rb") as fh:
        text = fh.read().decode("ascii", "replace")
    return text[text.rfind(")") + 2:].split()


def _touching(folder: Path) -> list[str]:
    """Live processes whose working directory or command line is inside `folder`."""
    marker = str(folder)
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            if _stat(pid)[0] in ("Z", "X"):
                continue
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        if marker in cmdline or cwd == marker or cwd.startswith(marker + "/"):
            found.append(f"{pid}: {cmdline.strip()}")
    return found


def _descendants(root_pid: int) -> list[str]:
    table: dict[int, int] = {}
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            with contextlib.suppress(OSError):
                fields = _stat(pid)
                if fields[0] not in ("Z", "X"):
                    table[int(pid)] = int(fields[1])
    found, frontier = [], {root_pid}
    while frontier:
        children = {pid for pid, ppid in table.items() if ppid in frontier}
        found += sorted(children)
        frontier = children
    return [str(p) for p in found]


def _wait_for(condition: Any, timeout: float, step: float = 0.05) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(step)
    return bool(condition())


@pytest.fixture
def nothing_left(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The test's folder; the auditor's scratch folder goes under it, and after the test no process is left."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    yield tmp_path
    left = _wait_for(lambda: not _touching(tmp_path) and not _descendants(os.getpid()), timeout=5)
    assert left, f"processes left running: {_touching(tmp_path)} / children {_descendants(os.getpid())}"
    assert not list(scratch.iterdir()), f"scratch files left: {list(scratch.iterdir())}"


def _copy_sample(dest: Path) -> Path:
    root = dest / "shop-service"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("__pycache__", ".hypothesis"))
    return root


def _snapshot(root: Path) -> list[tuple[str, int]]:
    return sorted((p.relative_to(root).as_posix(), p.stat().st_mtime_ns) for p in root.rglob("*"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def _service(root: Path) -> Iterator[str]:
    """The sample served by uvicorn on a free port, started and stopped by the test itself."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "shop.main:app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=root, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        assert _wait_for(lambda: _answers(port) or proc.poll() is not None, timeout=30), "uvicorn did not start"
        assert proc.poll() is None, "uvicorn exited"
        yield f"http://127.0.0.1:{port}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


# -- what a live audit found ----------------------------------------------------------------------------
def _live(root: Path, mode: str, target: str, **kwargs: Any) -> Scorecard:
    request = LiveRequest(mode, target, max_examples=kwargs.pop("max_examples", MAX_EXAMPLES), **kwargs)
    return audit(root, ONLY, AuditOptions(live=request))


def _api_findings(card: Scorecard) -> list[Finding]:
    return [f for f in card.findings if f.check_id.startswith("api/")]


def _found(card: Scorecard) -> set[tuple[str, str]]:
    return {(f.check_id, f.message.split(": ", 1)[0]) for f in _api_findings(card)}


def _expected_fingerprint(check_id: str, operation: str) -> str:
    key = f"{operation} {KINDS[check_id]}"
    return Finding(check_id, Severity.INFO, "", key=key).base_fingerprint()


def _assert_the_planted_defects(card: Scorecard) -> None:
    assert not [r.id for r in card.results if r.status is Status.ERROR], [r.reason for r in card.results]
    assert _found(card) == EXPECTED_LIVE
    findings = _api_findings(card)
    assert len(findings) == 4  # one finding per check: the healthy operation and every other pair have none
    assert not [f for f in findings if f.message.startswith("GET /v1/items:")]
    severity = {f.check_id: f.severity for f in findings}
    assert severity == {"api/server-error": Severity.CRITICAL, "api/schema-violation": Severity.HIGH,
                        "api/undocumented-response": Severity.MEDIUM, "api/latency": Severity.MEDIUM}
    assert next(f for f in findings if f.check_id == "api/latency").confidence is Confidence.MEDIUM
    for f in findings:
        assert f.snippet.startswith("curl -X GET "), f.snippet  # a reproducible request
        assert f.fingerprint == _expected_fingerprint(f.check_id, f.message.split(": ", 1)[0])  # mode-independent
        assert f.path is None
    by_id = {f.check_id: f for f in findings}
    assert "parts=0" in by_id["api/server-error"].snippet
    assert "# -> 200" in by_id["api/schema-violation"].snippet and "status 200" in by_id["api/schema-violation"].message
    assert '"3.50" is not of type "number"' in by_id["api/schema-violation"].message
    assert "status 404 is not documented (documented: 200, 422)" in by_id["api/undocumented-response"].message
    assert "# -> 404" in by_id["api/undocumented-response"].snippet
    assert "exceeds the 100 ms budget" in by_id["api/latency"].message
    facts = card.projects[0].facts["api"]
    assert facts["operations"] == 5 and facts["operations_tested"] == 5 and not facts["cut"] and not facts["errors"]
    rows = {r["operation"]: r for r in facts["latency"]}
    assert sorted(rows) == sorted(OPERATIONS)
    assert [op for op, r in rows.items() if r["over_budget"]] == ["GET /v1/reports/daily"]
    assert rows["GET /v1/reports/daily"]["p95_ms"] >= 190 and rows["GET /v1/reports/daily"]["p50_ms"] >= 190
    assert rows["GET /v1/items"]["p95_ms"] < 100
    assert all(r["requests"] >= 5 and r["p50_ms"] <= r["p95_ms"] <= r["max_ms"] for r in rows.values())
    assert {f["operation"]: f["kind"] for f in facts["failures"]} == {
        "GET /v1/items/{item_id}/share": "server-error", "GET /v1/items/{item_id}": "schema-violation",
        "GET /v1/orders/{order_id}": "undocumented-status"}
    assert facts["max_examples"] == MAX_EXAMPLES and facts["p95_budget_ms"] == 100.0 and facts["schemathesis"]
    jsonschema.validate(json.loads(json.dumps(scorecard_to_dict(card), default=str)), json.loads(SCHEMA.read_text()))


# -- the three modes -------------------------------------------------------------------------------------
def test_api_command_starts_the_service_finds_every_planted_defect_and_stops_it(nothing_left: Path) -> None:
    root = _copy_sample(nothing_left)
    before = _snapshot(root)
    card = _live(root, "command", UVICORN)
    _assert_the_planted_defects(card)
    facts = card.projects[0].facts["api"]
    assert facts["mode"] == "command" and facts["spec"] == "openapi.json"  # the committed spec
    assert facts["base_url"].startswith("http://127.0.0.1:")
    server_error = next(f for f in _api_findings(card) if f.check_id == "api/server-error")
    assert "answered 500" in server_error.message and "# -> 500" in server_error.snippet
    assert f"curl -X GET '{facts['base_url']}/v1/items/" in server_error.snippet
    assert _snapshot(root) == before  # nothing written into the target: no .hypothesis, no __pycache__


def test_api_app_imports_the_app_in_process_and_finds_the_same(nothing_left: Path) -> None:
    root = _copy_sample(nothing_left)
    spec = nothing_left / "contract.json"  # --api-spec: a file outside the target
    shutil.copy(root / "openapi.json", spec)
    before = _snapshot(root)
    card = _live(root, "app", "shop.main:app", spec=str(spec))
    _assert_the_planted_defects(card)
    facts = card.projects[0].facts["api"]
    assert facts["mode"] == "app" and facts["spec"] == f"--api-spec {spec}"
    assert facts["base_url"] == "(in-process application)"
    server_error = next(f for f in _api_findings(card) if f.check_id == "api/server-error")
    assert "the application raised ZeroDivisionError" in server_error.message
    assert _snapshot(root) == before
    assert "shop" not in sys.modules and "shop.main" not in sys.modules  # imported in the worker, never here

    # The reports: the latency table, slowest first, the over-budget row marked, everything escaped.
    markdown = MarkdownReporter().render(card)
    table = markdown.split("### Live API latency", 1)[1].split("###", 1)[0]
    assert "p95 budget 100 ms" in table
    lines = [ln for ln in table.splitlines() if ln.startswith("| GET")]
    assert len(lines) == 5 and lines[0].startswith("| GET /v1/reports/daily |") and "over budget" in lines[0]
    assert not [ln for ln in lines[1:] if "over budget" in ln]
    assert "| GET /v1/items/{item\\_id} |" in table  # Markdown-escaped like everything from the target
    html = HtmlReporter().render(card)
    assert html.count('class="latency-row') == 5 and html.count('class="latency-row over-budget"') == 1
    assert "<td class=\"mono\">GET /v1/reports/daily</td>" in html.split('over-budget"', 1)[1].split("</tr>", 1)[0]


def test_api_url_talks_to_a_running_service_and_reads_the_spec_it_serves(nothing_left: Path) -> None:
    root = _copy_sample(nothing_left)
    (root / "openapi.json").unlink()  # no committed spec: the service's /openapi.json is used
    before = _snapshot(root)
    with _service(root) as url:
        card = _live(root, "url", url)
        assert _answers(int(url.rsplit(":", 1)[1]))  # the auditor leaves a service it did not start running
    _assert_the_planted_defects(card)
    facts = card.projects[0].facts["api"]
    assert facts["mode"] == "url" and facts["spec"] == "served at /openapi.json" and facts["base_url"] == url
    assert _snapshot(root) == before


# -- not applicable, not available, errors -----------------------------------------------------------
def test_without_a_live_flag_every_api_check_is_not_applicable(nothing_left: Path) -> None:
    card = audit(_copy_sample(nothing_left), ONLY)
    results = [r for r in card.results if r.id.startswith("api/")]
    assert len(results) == 4
    for r in results:
        assert r.status is Status.NOT_APPLICABLE
        assert r.reason == "no live API was exercised; pass --api-url, --api-app or --api-command"
    assert card.projects[0].facts["api"]["status"] == "not_applicable"


def test_without_schemathesis_the_checks_are_not_available_with_the_install_command(
        nothing_left: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "schemathesis", None)  # what `import schemathesis` sees when it is missing
    card = _live(_copy_sample(nothing_left), "command", UVICORN)
    for r in (r for r in card.results if r.id.startswith("api/")):
        assert r.status is Status.NOT_AVAILABLE
        assert INSTALL_HINT in r.reason and "schemathesis" in r.reason


def test_the_worker_without_schemathesis_reports_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from auditor import live_runner

    monkeypatch.setitem(sys.modules, "schemathesis", None)
    request, result = tmp_path / "request.json", tmp_path / "result.json"
    request.write_text(json.dumps({"mode": "url", "budget": 5, "seed": 0}), encoding="utf-8")
    assert live_runner.main(["live_runner", str(request), str(result)]) == 0
    assert "schemathesis cannot be imported" in json.loads(result.read_text())["unavailable"]


def _errors(card: Scorecard) -> list[str]:
    results = [r for r in card.results if r.id.startswith("api/")]
    assert len(results) == 4 and {r.status for r in results} == {Status.ERROR}, [(r.id, r.status) for r in results]
    assert len({r.reason for r in results}) == 1
    return [results[0].reason]


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        (f"{sys.executable} -c \"import sys; print('no database at db:5432'); sys.exit(3)\" {{port}}",
         "the service exited with code 3 before it answered on 127.0.0.1:"),
        ("no-such-binary-for-the-auditor --port {port}", "cannot start 'no-such-binary-for-the-auditor'"),
    ],
)
def test_a_service_that_cannot_start_is_an_error_saying_why(nothing_left: Path, command: str, reason: str) -> None:
    card = _live(_copy_sample(nothing_left), "command", command)
    [why] = _errors(card)
    assert why.startswith("LivePhaseFailed: --api-command: ") and reason in why, why
    if "exited" in reason:
        assert "no database at db:5432" in why  # its last output
    assert card.projects[0].facts["api"]["error"].startswith("LivePhaseFailed")
    jsonschema.validate(json.loads(json.dumps(scorecard_to_dict(card), default=str)), json.loads(SCHEMA.read_text()))


def test_a_service_that_never_answers_is_stopped_at_the_time_limit(nothing_left: Path) -> None:
    root = _copy_sample(nothing_left)
    started = time.monotonic()
    card = _live(root, "command", f"{sys.executable} -c \"import time; time.sleep(120)\" {{port}}", timeout=4)
    assert time.monotonic() - started < 20
    [why] = _errors(card)
    assert "did not answer on 127.0.0.1:" in why and "within 2 s" in why


def test_an_unreachable_url_is_an_error(nothing_left: Path) -> None:
    [why] = _errors(_live(_copy_sample(nothing_left), "url", f"http://127.0.0.1:{_free_port()}"))
    assert "--api-url: nothing answers at 127.0.0.1:" in why


def test_an_unreadable_spec_is_an_error(nothing_left: Path) -> None:
    bad = nothing_left / "bad.yaml"
    bad.write_text("openapi: 3.0.0\npaths: [\n", encoding="utf-8")
    [why] = _errors(_live(_copy_sample(nothing_left), "app", "shop.main:app", spec=str(bad)))
    assert f"--api-spec {bad}: not valid YAML" in why


def test_an_app_that_cannot_be_imported_is_an_error(nothing_left: Path) -> None:
    [why] = _errors(_live(_copy_sample(nothing_left), "app", "shop.nowhere:app"))
    assert "--api-app: cannot import shop.nowhere:app: ModuleNotFoundError" in why


HANGING_WSGI = '''import time


def app(environ, start_response):
    time.sleep(600)  # never answers, and in-process nothing can interrupt it
'''
HANGING_SPEC = json.dumps({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
                           "paths": {"/ping": {"get": {"responses": {"200": {"description": "ok"}}}}}})


def test_a_worker_stuck_in_the_target_is_killed_after_the_time_limit(nothing_left: Path) -> None:
    root = write_tree(nothing_left / "hangs", {"hang.py": HANGING_WSGI, "openapi.json": HANGING_SPEC})
    started = time.monotonic()
    card = _live(root, "app", "hang:app", timeout=8)  # room for the worker's start-up on a loaded machine
    assert time.monotonic() - started < 40  # 8 s, then 5 s of grace before the worker is killed
    [hang] = _api_findings(card)  # the request that never answered is the finding
    assert hang.check_id == "api/server-error" and hang.message.startswith("GET /ping: no answer after ")
    assert "the request was still running when the worker was stopped" in hang.message
    assert hang.snippet.startswith("curl -X GET http://localhost/ping")  # WSGI, in-process
    [cut] = card.projects[0].facts["api"]["cut"]
    assert cut.startswith("the worker was stopped 5 s after the time limit of ") and cut.endswith(", while exercising GET /ping")


# -- the whole CLI: time limit, SIGTERM, Ctrl-C ---------------------------------------------------------
def _cli(args: list[str], tmp_path: Path) -> subprocess.Popen[str]:
    scratch = tmp_path / "tmp"
    scratch.mkdir(exist_ok=True)
    env = {**os.environ, "TMPDIR": str(scratch)}
    return subprocess.Popen([sys.executable, "-m", "auditor", "audit", *args], cwd=tmp_path, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_cli_time_limit_cuts_the_run_and_still_reports(nothing_left: Path) -> None:
    root = _copy_sample(nothing_left)
    out = nothing_left / "out"
    started = time.monotonic()
    cli = _cli([str(root), "--only", "api/*", "-o", str(out), "--format", "json", "--api-app", "shop.main:app",
                "--api-max-examples", "10000", "--api-timeout", "6"], nothing_left)
    stdout, stderr = cli.communicate(timeout=90)
    assert cli.returncode in (0, 1), stderr  # a verdict on what was exercised before the cut
    assert time.monotonic() - started < 45  # 6 s of live phase (+5 s grace at worst), then the rest of the audit
    report = json.loads((out / "report.json").read_text())
    api = report["facts"]["api"]
    statuses = {c["status"] for c in report["checks"] if c["id"].startswith("api/")}
    if "error" in api:  # a machine so loaded that the worker's start-up took the whole budget: nothing exercised
        assert statuses == {"error"} and "no operation was exercised" in api["error"] and "time limit" in api["error"], api
    else:
        assert any("time limit" in c for c in api["cut"]), api
        assert api["operations_tested"] < api["operations"] or any("while exercising" in c for c in api["cut"])
        assert statuses <= {"passed", "failed"}
    assert "Live API (app):" in stdout or "error: api/latency: LivePhaseFailed: no operation was exercised" in stdout


@pytest.mark.parametrize(("sig", "last_line"), [(signal.SIGTERM, "auditor: error: terminated by SIGTERM"),
                                               (signal.SIGINT, "auditor: error: interrupted")])
def test_cli_stopped_mid_run_stops_the_service_and_the_worker(nothing_left: Path, sig: int, last_line: str) -> None:
    root = _copy_sample(nothing_left)
    cli = _cli([str(root), "--only", "api/*", "-o", str(nothing_left / "out"), "--api-command", UVICORN,
                "--api-max-examples", "60"], nothing_left)
    try:
        def running() -> bool:
            seen = " ".join(_touching(nothing_left))
            return "uvicorn shop.main:app" in seen and "auditor.live_runner" in seen

        assert _wait_for(running, timeout=60), _touching(nothing_left)
        time.sleep(0.5)  # the worker is importing or already sending requests
        cli.send_signal(sig)
        _, stderr = cli.communicate(timeout=30)
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.communicate(timeout=10)
    assert cli.returncode == 3, stderr  # as main's CLI ends on any signal that stops it
    assert stderr.strip().splitlines()[-1] == last_line
    assert not (nothing_left / "out").exists()  # nothing half-written


@pytest.mark.parametrize("mode", ["command", "app", "url"])
def test_cli_reaches_the_sample_through_each_flag_and_reports_it(nothing_left: Path, mode: str) -> None:
    """What a user types: each of --api-command, --api-app and --api-url, with --api-max-examples and
    --api-p95-ms, finds the four planted defects, fails the gate on the server error and writes the latency
    table into every report."""
    root = _copy_sample(nothing_left)
    out = nothing_left / "out"
    with contextlib.ExitStack() as stack:
        if mode == "url":
            flag = ["--api-url", stack.enter_context(_service(root))]
        elif mode == "app":
            flag = ["--api-app", "shop.main:app"]
        else:
            flag = ["--api-command", UVICORN]
        cli = _cli([str(root), "--only", "api/*", "-o", str(out), "--format", "json,md,html", *flag,
                    "--api-max-examples", str(MAX_EXAMPLES), "--api-p95-ms", "150"], nothing_left)
        try:
            stdout, stderr = cli.communicate(timeout=180)
        finally:
            if cli.poll() is None:
                cli.kill()
                cli.communicate(timeout=10)
    assert cli.returncode == 1, stderr  # the gate fails: a critical finding (the server error)
    assert f"Live API ({mode}): 5 of 5 operations" in stdout
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    jsonschema.validate(report, json.loads(SCHEMA.read_text()))
    found = {(f["check_id"], f["message"].split(": ", 1)[0]): f for c in report["checks"] for f in c["findings"]}
    assert set(found) == EXPECTED_LIVE
    assert {k[0]: v["severity"] for k, v in found.items()} == {
        "api/server-error": "critical", "api/schema-violation": "high", "api/undocumented-response": "medium",
        "api/latency": "medium"}
    assert all(f["snippet"].startswith("curl -X GET ") for f in found.values())
    assert "exceeds the 150 ms budget" in found[("api/latency", "GET /v1/reports/daily")]["message"]
    api = report["facts"]["api"]
    assert api["mode"] == mode and api["max_examples"] == MAX_EXAMPLES and api["p95_budget_ms"] == 150.0
    rows = {r["operation"]: r for r in api["latency"]}
    assert sorted(rows) == sorted(OPERATIONS)
    assert all({"p50_ms", "p95_ms", "max_ms", "requests"} <= set(r) and r["requests"] > 0 for r in rows.values())
    assert [op for op, r in rows.items() if r["over_budget"]] == ["GET /v1/reports/daily"]
    checklist = {c["item"]: c for c in report["checklist"]}
    assert checklist["API contract"]["status"] == "failed"
    assert set(checklist["API contract"]["failed"]) == {"api/server-error", "api/schema-violation",
                                                         "api/undocumented-response"}
    assert checklist["p95 latency"]["status"] == "failed" and checklist["p95 latency"]["failed"] == ["api/latency"]
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert "### Live API latency" in markdown and "p95 budget 150 ms" in markdown
    assert "| GET /v1/reports/daily |" in markdown.split("### Live API latency", 1)[1]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count('class="latency-row') == 5 and html.count('class="latency-row over-budget"') == 1


UNDOCUMENTED_TYPE_APP = '''from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

app = FastAPI(title="ping", version="1")


@app.get("/ping", operation_id="ping")
def ping() -> dict[str, str]:
    return PlainTextResponse("pong")  # the spec FastAPI serves says application/json
'''


def test_an_undocumented_content_type_is_a_medium_finding(nothing_left: Path) -> None:
    root = write_tree(nothing_left / "ping", {"ping.py": UNDOCUMENTED_TYPE_APP})
    card = _live(root, "app", "ping:app")
    assert not [r.reason for r in card.results if r.status is Status.ERROR]
    [finding] = [f for f in _api_findings(card) if f.check_id == "api/undocumented-response"]
    assert finding.severity is Severity.MEDIUM
    assert finding.message.startswith("GET /ping: ") and "content type text/plain" in finding.message
    assert "is not documented (documented: application/json)" in finding.message
    assert finding.snippet.startswith("curl -X GET ") and "# -> 200" in finding.snippet
    assert {f["kind"] for f in card.projects[0].facts["api"]["failures"]} >= {"undocumented-content-type"}


# -- the CLI's flags ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--api-url", "http://127.0.0.1:1", "--api-app", "a:b"], "pass only one of --api-url, --api-app and --api-command"),
        (["--api-spec", "openapi.json"], "--api-spec needs --api-url, --api-app or --api-command"),
        (["--api-timeout", "5"], "--api-timeout needs --api-url, --api-app or --api-command"),
        (["--api-app", "not-a-module"], "--api-app must be module:attribute (e.g. app.main:app)"),
        (["--api-command", "uvicorn app:app"], "--api-command must contain {port}"),
        (["--api-url", "ftp://example.com"], "--api-url must be an http:// or https:// URL"),
        (["--api-url", "http://127.0.0.1:1", "--api-spec", "nowhere.json"], "--api-spec: no such file: nowhere.json"),
    ],
)
def test_wrong_live_flags_are_a_one_line_usage_error(tmp_path: Path, args: list[str], message: str) -> None:
    done = subprocess.run([sys.executable, "-m", "auditor", "audit", str(tmp_path), *args], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == f"auditor: error: {message}" or done.stderr.startswith(f"auditor: error: {message}")
    assert len(done.stderr.strip().splitlines()) == 1


# -- judgement without a service: the latency budget -----------------------------------------------------
def _context(root: Path, config: Config, request: LiveRequest) -> Context:
    repo = Repository.scan(root)
    facts = LiveFacts(request, target="t", operations=("GET /fast", "GET /slow"), tested=("GET /fast", "GET /slow"),
                      requests=20, latency=(LatencyRow("GET /fast", 3, 8, 9, 10, "curl fast"),
                                            LatencyRow("GET /slow", 150, 180, 210, 10, "curl slow")))
    return Context(repo=repo, sources=Sources(repo), config=config, options=AuditOptions(live=request), live=facts)


def _slow_ops(result: Any) -> list[str]:
    return [f.message.split(":", 1)[0] for f in result.findings]


def test_latency_budget_is_an_option_and_a_flag(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "svc", {"app.py": "x = 1\n"})
    url = LiveRequest("url", "http://127.0.0.1:1")
    assert _slow_ops(run_check(Latency, _context(root, Config(), url))) == ["GET /slow"]
    relaxed = Config.from_mapping({"options": {"api/latency": {"p95_ms": 200}}})
    assert run_check(Latency, _context(root, relaxed, url)).status is Status.PASSED
    strict = LiveRequest("url", "http://127.0.0.1:1", p95_ms=5)  # --api-p95-ms wins over the option
    assert _slow_ops(run_check(Latency, _context(root, relaxed, strict))) == ["GET /fast", "GET /slow"]
    with pytest.raises(ConfigError, match=r"'options\.\"api/latency\"\.p95_ms' must be a number"):
        Config.from_mapping({"options": {"api/latency": {"p95_ms": "fast"}}}).check_options({Latency.id: Latency.options})
    wrong = Config.from_mapping({"options": {"api/latency": {"p95_ms": -5}}})
    result = run_check(Latency, _context(root, wrong, url))
    assert result.status is Status.ERROR and "option p95_ms of api/latency must be a positive number" in result.reason
    assert Latency.options == {"p95_ms": 100.0} and "network" in Latency.capabilities


def test_the_live_api_belongs_to_the_project_holding_its_spec(nothing_left: Path) -> None:
    root = write_tree(nothing_left / "mono", {
        "backend/pyproject.toml": "[project]\nname = 'api'\ndependencies = ['fastapi']\n",
        "backend/app.py": "from fastapi import FastAPI\napp = FastAPI()\n",
        "backend/openapi.json": HANGING_SPEC,
        "admin/pyproject.toml": "[project]\nname = 'admin'\ndependencies = ['fastapi']\n",
        "admin/app.py": "from fastapi import FastAPI\napp = FastAPI()\n",
    })
    card = _live(root, "command", "no-such-binary-for-the-auditor {port}")
    by_project = {p.project.path: {r.id: r for r in p.results if r.id.startswith("api/")} for p in card.projects}
    assert {r.status for r in by_project["backend"].values()} == {Status.ERROR}
    assert {(r.status, r.reason) for r in by_project["admin"].values()} == {
        (Status.NOT_APPLICABLE, "the live API was exercised with project api")}


def test_latency_table_escapes_what_the_spec_names(tmp_path: Path) -> None:
    from reports.html import render_html
    from reports.markdown import render_markdown

    data = scorecard_to_dict(audit(write_tree(tmp_path / "svc", {"app.py": "x = 1\n"}), ONLY))
    hostile = "GET /<script>alert(1)</script>/|x|/**bold**"
    rows = [{"operation": hostile, "p50_ms": 120, "p95_ms": 300.5, "max_ms": 400, "requests": 7, "over_budget": True},
            {"operation": "GET /ok", "p50_ms": 1, "p95_ms": 2, "max_ms": 3, "requests": 7, "over_budget": False}]
    data["projects"][0]["facts"]["api"] = {"p95_budget_ms": 250.0, "latency": rows}
    html = render_html(data)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count('class="latency-row over-budget"') == 1 and "p95 budget 250 ms" in html
    markdown = render_markdown(data)
    line = next(ln for ln in markdown.splitlines() if "alert" in ln)
    assert line.startswith("| GET /&lt;script&gt;alert\\(1\\)&lt;/script&gt;/\\|x\\|/\\*\\*bold\\*\\* | 120.0 | 300.5 | 400.0 | 7 |")
    assert line.endswith("over budget |")
    assert "Live API latency" not in render_markdown(scorecard_to_dict(audit(tmp_path / "svc", ONLY)))
