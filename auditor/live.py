"""The live phase: exercise a running API with schemathesis before the checks run, and hand them plain facts.

THIS TALKS TO A SERVICE, AND WITH `--api-app` OR `--api-command` RUNS THE TARGET'S CODE. It is reached only
when the user passed one of `--api-url`, `--api-app`, `--api-command` (`AuditOptions.live`).

Facts apart from judgement. Checks run in forked processes that the engine kills on a timeout, which would
orphan a service a check had started; so the live run is a phase of the audit, run by the engine once, before
the checks. The `api/*` checks only read the `LiveFacts` it produced (`Context.live`).

How the phase runs (`run_live`):

* `--api-command "CMD {port}"`: the command (split like a shell would, never run through one) starts in the
  target folder, in a session of its own, with `{port}` a free port on 127.0.0.1 (also in `PORT`); the phase
  waits, bounded, until that port answers HTTP, and says why when it does not (exit code, last output).
* The requests are made by a fresh interpreter running `auditor.live_runner` (its own session too), which
  imports schemathesis there and, for `--api-app module:attr`, the target's application (the target folder on
  its `sys.path`, ASGI or WSGI, served in-process). The auditor itself never imports the target.
* The spec: `--api-spec` (a file or a URL), else a spec file committed in the repository, else the service's
  usual spec URLs (`/openapi.json`, `/v3/api-docs`, `/swagger.json`...).
* Bounded: `--api-timeout` covers the whole phase (start-up included); the worker stops drawing examples when
  the budget is spent and writes what it found after every operation, and the parent kills it a few seconds
  after the budget whatever it is doing.
* Whatever happens (success, failure, timeout, Ctrl-C, SIGTERM), every process group the phase started is
  stopped (SIGTERM, then SIGKILL), together with every process left in their sessions or below them.
* Nothing is written into the target: the worker and the service run without bytecode, Hypothesis keeps its
  storage in a private scratch folder (deleted afterwards), and the example database is off.
"""

from __future__ import annotations

import contextlib
import http.client
import importlib.util
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from auditor.context import Project
    from auditor.model import Check
    from auditor.repo import Repository
    from auditor.sources import Sources

__all__ = [
    "DEFAULT_MAX_EXAMPLES",
    "DEFAULT_P95_MS",
    "DEFAULT_TIMEOUT",
    "FAILURE_KINDS",
    "INSTALL_HINT",
    "MODES",
    "SPEC_PATHS",
    "LatencyRow",
    "LiveFacts",
    "LiveFailure",
    "LiveRequest",
    "SpecSource",
    "live_phase",
    "resolve_spec",
    "run_live",
]

MODES = ("url", "app", "command")
DEFAULT_MAX_EXAMPLES = 20  # per operation and per kind of case (positive, negative)
DEFAULT_TIMEOUT = 120.0  # seconds for the whole phase
DEFAULT_P95_MS = 100.0
DEFAULT_SEED = 0
REQUEST_TIMEOUT = 10.0  # seconds for one request
STOP_GRACE = 3.0  # seconds a stopped service gets between SIGTERM and SIGKILL
RUNNER_GRACE = 5.0  # seconds past the budget before the worker is killed (it stops on its own at the budget)
MAX_RESULT_BYTES = 8 * 1024 * 1024
MAX_SPEC_BYTES = 2 * 1024 * 1024
LOG_TAIL = 600
INSTALL_HINT = "pip install 'auditor[live]'"
FAILURE_KINDS = ("server-error", "schema-violation", "undocumented-status", "undocumented-content-type")
SPEC_PATHS = ("/openapi.json", "/openapi.yaml", "/v3/api-docs", "/swagger.json", "/api-docs", "/v2/api-docs",
              "/swagger/v1/swagger.json", "/api/openapi.json", "/docs/openapi.json")
_APP = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
DEAD = "the service stopped answering"  # what the worker writes in `cut` when the service went away
_FIXTURE_DIRS = frozenset({"fixtures", "fixture", "testdata", "test-data", "__fixtures__", "__snapshots__", "node_modules"})


# -- values ------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LiveRequest:
    """What the user asked the live phase to exercise. Construction validates it (ValueError, one line)."""

    mode: str  # url | app | command
    target: str  # the URL, the `module:attr`, or the command template with `{port}`
    spec: str | None = None  # --api-spec: a file or an http(s) URL
    max_examples: int = DEFAULT_MAX_EXAMPLES
    timeout: float = DEFAULT_TIMEOUT
    p95_ms: float | None = None  # None: the `p95_ms` option of api/latency (default 100)
    seed: int = DEFAULT_SEED

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown live mode {self.mode!r}")
        if self.mode == "url" and not re.match(r"^https?://[^/\s]+", self.target, re.I):
            raise ValueError(f"--api-url must be an http:// or https:// URL, not {self.target!r}")
        if self.mode == "app" and not _APP.match(self.target):
            raise ValueError(f"--api-app must be module:attribute (e.g. app.main:app), not {self.target!r}")
        if self.mode == "command":
            if "{port}" not in self.target:
                raise ValueError("--api-command must contain {port}, where the service is told which port to listen on")
            try:
                if not shlex.split(self.target):
                    raise ValueError("--api-command is empty")
            except ValueError as exc:
                raise ValueError(f"--api-command: {exc}") from None
        if not 1 <= self.max_examples <= 10_000:
            raise ValueError("--api-max-examples must be between 1 and 10000")
        if not 1 <= self.timeout <= 86_400:
            raise ValueError("--api-timeout must be between 1 and 86400 seconds")
        if self.p95_ms is not None and not 0 < self.p95_ms <= 600_000:
            raise ValueError("--api-p95-ms must be a positive number of milliseconds")


@dataclass(frozen=True, slots=True)
class LiveFailure:
    """The first example of one kind of failure of one operation, and how many requests failed that way."""

    operation: str  # "GET /items/{item_id}"
    kind: str  # one of FAILURE_KINDS
    message: str  # what schemathesis reported, one line
    status: int | None  # the response status; None when there was no response (crash, timeout)
    curl: str  # reproduces the request
    excerpt: str  # the start of the response body
    requests: int = 1
    statuses: tuple[int, ...] = ()  # every status seen with this failure


@dataclass(frozen=True, slots=True)
class LatencyRow:
    """Latency of an operation over the requests made with documented inputs."""

    operation: str
    p50_ms: float
    p95_ms: float
    max_ms: float
    requests: int
    curl: str = ""  # the slowest request


@dataclass(frozen=True, slots=True)
class LiveFacts:
    """What the live phase did and saw; no judgement (that is the api/* checks')."""

    request: LiveRequest
    target: str = ""  # what was exercised, as shown to the user
    base_url: str = ""
    spec: str = ""  # where the spec came from
    spec_path: str | None = None  # the committed spec file used, relative to the target
    schemathesis: str = ""  # its version
    operations: tuple[str, ...] = ()  # declared by the spec
    tested: tuple[str, ...] = ()  # exercised
    requests: int = 0
    duration: float = 0.0
    failures: tuple[LiveFailure, ...] = ()
    latency: tuple[LatencyRow, ...] = ()
    errors: tuple[str, ...] = ()  # problems that did not stop the run
    cut: tuple[str, ...] = ()  # what was not done, and why (time limit, service gone)
    fatal: str = ""  # non-empty: nothing could be exercised, and why
    unavailable: str = ""  # non-empty: schemathesis is missing
    elsewhere: str = ""  # non-empty: the live API belongs to this other project of the repository


@dataclass(frozen=True, slots=True)
class SpecSource:
    """The spec the run uses: a parsed document (`data`), a URL, or neither (the service's usual URLs)."""

    label: str
    data: dict[str, Any] | None = field(default=None, hash=False, compare=False)
    url: str | None = None
    repo_path: str | None = None  # a committed spec file, relative to the target
    error: str = ""  # non-empty: the spec the user named cannot be used


# -- the spec ----------------------------------------------------------------------------------------------
def _load_spec_text(label: str, path: str, text: str) -> SpecSource:
    from checks.openapi.spec import load_document, spec_version  # the openapi family's safe loader

    loaded = load_document(path, text)
    if loaded.error:
        return SpecSource(label, error=f"{label}: {loaded.error}")
    if not isinstance(loaded.data, dict) or not spec_version(loaded.data):
        return SpecSource(label, error=f"{label}: not an OpenAPI 3 or Swagger 2 document")
    return SpecSource(label, data=loaded.data)


def _committed_specs(repo: Repository, sources: Sources) -> list[tuple[str, dict[str, Any]]]:
    from checks.openapi.spec import looks_like_spec, operations

    found: list[tuple[str, dict[str, Any]]] = []
    for info in repo.files:
        if info.language not in ("yaml", "json") or info.role in ("migration", "test"):
            continue
        if any(part in _FIXTURE_DIRS for part in info.path.lower().split("/")[:-1]):
            continue
        text = sources.text(info.path)
        if text is None or not looks_like_spec(info.path, text):
            continue
        spec = _load_spec_text(info.path, info.path, text)
        if spec.data is not None and any(True for _ in operations(spec.data)):
            found.append((info.path, spec.data))
    # The shallowest first, then the conventional names: `openapi.json` at the root before `docs/v1/old.yaml`.
    found.sort(key=lambda item: (item[0].count("/"), not item[0].rsplit("/", 1)[-1].lower().startswith(("openapi", "swagger")),
                                 item[0]))
    return found


def resolve_spec(request: LiveRequest, repo: Repository, sources: Sources) -> SpecSource:
    """The spec to test against: --api-spec, else a committed spec, else whatever the service serves."""
    if request.spec:
        if re.match(r"^https?://", request.spec, re.I):
            return SpecSource(request.spec, url=request.spec)
        named = Path(request.spec)
        try:
            with named.open("rb") as fh:
                raw = fh.read(MAX_SPEC_BYTES + 1)
        except OSError as exc:
            return SpecSource(str(named), error=f"--api-spec {named}: {exc.strerror or exc}")
        if len(raw) > MAX_SPEC_BYTES:
            return SpecSource(str(named), error=f"--api-spec {named}: larger than {MAX_SPEC_BYTES // (1024 * 1024)} MB")
        return _load_spec_text(f"--api-spec {named}", named.name, raw.decode("utf-8", "replace"))
    committed = _committed_specs(repo, sources)
    if committed:
        path, data = committed[0]
        label = path if len(committed) == 1 else f"{path} (first of {len(committed)} committed specs; choose with --api-spec)"
        return SpecSource(label, data=data, repo_path=path)
    return SpecSource("served by the service")


# -- processes ---------------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _proc_table() -> dict[int, tuple[int, int, int]]:
    """pid -> (ppid, process group, session) of every live process, from /proc (empty where there is none)."""
    table: dict[int, tuple[int, int, int]] = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return table
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                stat = fh.read().decode("ascii", "replace")
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) < 4 or fields[0] in ("Z", "X"):
            continue
        table[int(name)] = (int(fields[1]), int(fields[2]), int(fields[3]))
    return table


def _family(leaders: Sequence[int]) -> set[int]:
    """Every process in the sessions or process groups the leaders head, and every descendant of those."""
    table = _proc_table()
    roots = set(leaders)
    members = {pid for pid, (_, pgrp, sid) in table.items() if sid in roots or pgrp in roots} | (roots & set(table))
    grew = True
    while grew:
        children = {pid for pid, (ppid, _, _) in table.items() if ppid in members} - members
        grew = bool(children)
        members |= children
    members.discard(os.getpid())
    return members


@contextlib.contextmanager
def _signals_blocked() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait while processes are being stopped, so a second one cannot orphan them."""
    wanted = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, wanted)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


class _Output:
    """The last bytes a process wrote (stdout and stderr), read from its pipe by a daemon thread: bounded, and
    never a file on disk."""

    def __init__(self, limit: int = 64 * 1024) -> None:
        self.limit = limit
        self.data = bytearray()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def attach(self, stream: IO[bytes] | None) -> None:
        if stream is None:
            return
        self.thread = threading.Thread(target=self._read, args=(stream,), name="auditor-live-output", daemon=True)
        self.thread.start()

    def _read(self, stream: IO[bytes]) -> None:
        with contextlib.suppress(OSError, ValueError):
            while chunk := stream.read1(65536):  # type: ignore[attr-defined]  # a BufferedReader
                with self.lock:
                    self.data += chunk
                    del self.data[: max(0, len(self.data) - self.limit)]
        with contextlib.suppress(OSError):
            stream.close()

    def tail(self) -> str:
        """The last few lines, on one line."""
        if self.thread is not None:
            self.thread.join(timeout=1.0)  # the process is gone: what it wrote last is in the pipe
        with self.lock:
            text = bytes(self.data[-4 * LOG_TAIL:]).decode("utf-8", "replace")
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        return " | ".join(lines[-4:])[-LOG_TAIL:]


class _Group:
    """The processes one phase started, each the leader of its own session; `stop` ends them and their kin."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, args: Sequence[str], output: _Output, **kwargs: Any) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(list(args), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=True, **kwargs)
        self.procs.append(proc)
        output.attach(proc.stdout)
        return proc

    def stop(self) -> None:
        if not self.procs:
            return
        with _signals_blocked():
            leaders = [p.pid for p in self.procs]
            known = _family(leaders)
            for proc in self.procs:
                if proc.poll() is None:
                    _signal_group(proc.pid, signal.SIGTERM)
            end = time.monotonic() + STOP_GRACE
            for proc in self.procs:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=max(0.0, end - time.monotonic()))
            for _ in range(5):  # whatever is left: the groups, and anything in their sessions or below them
                left = (known | _family(leaders)) & set(_proc_table()) if sys.platform.startswith("linux") else set()
                for proc in self.procs:
                    _signal_group(proc.pid, signal.SIGKILL)
                for pid in left:
                    with contextlib.suppress(OSError):
                        os.kill(pid, signal.SIGKILL)
                if not left:
                    break
                time.sleep(0.05)
            for proc in self.procs:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=5)
        self.procs.clear()


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(OSError):
        if hasattr(os, "killpg"):
            os.killpg(pgid, sig)
        else:  # pragma: no cover - no process groups (Windows): the process itself
            os.kill(pgid, sig)


class _Terminated(BaseException):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def _terminate_cleanly(cleanup: Callable[[], None]) -> Iterator[None]:
    """SIGTERM / SIGHUP during the phase unwind it: `cleanup` stops every process it started, then the signal
    takes effect as it would have (by default, the process ends with it)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[signal.Signals, Any] = {}

    def handler(signum: int, _frame: object) -> None:
        raise _Terminated(signum)

    for signum in (signal.SIGTERM, signal.SIGHUP):
        current = signal.getsignal(signum)
        if current is signal.SIG_IGN:
            continue  # e.g. under nohup: leave it ignored
        previous[signum] = current
        signal.signal(signum, handler)
    try:
        yield
    except _Terminated as exc:
        cleanup()
        for number, old in previous.items():
            signal.signal(number, old)
        previous.clear()
        os.kill(os.getpid(), exc.signum)
        raise KeyboardInterrupt from None  # a previous handler that returned: stop the audit as Ctrl-C would
    finally:
        for number, old in previous.items():
            signal.signal(number, old)


def _answers_http(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1.0)
    try:
        conn.request("GET", "/")
        conn.getresponse().read(1024)
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()
    return True


def _service_env(scratch: Path, port: int | None) -> dict[str, str]:
    """The environment of the service (`port` given) and of the worker: ours, without bytecode, with
    Hypothesis's storage in the scratch folder. Not traced by a coverage run of the auditor: a tracer in the
    worker slows the client side of every request and would be measured as the service's latency."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COVERAGE_", "PYTEST_"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["HYPOTHESIS_STORAGE_DIRECTORY"] = str(scratch / "hypothesis")
    if port is not None:
        env["PORT"] = str(port)
    return env


def _start_service(request: LiveRequest, root: Path, scratch: Path, group: _Group, output: _Output,
                   deadline: float) -> tuple[str, str]:
    """Start `--api-command` and wait until it answers: (base URL, "") or ("", why it did not)."""
    port = _free_port()
    command = request.target.replace("{port}", str(port)).replace("{host}", "127.0.0.1")
    args = shlex.split(command)
    try:
        proc = group.start(args, output, cwd=root, env=_service_env(scratch, port))
    except OSError as exc:
        return "", f"--api-command: cannot start {args[0]!r}: {exc.strerror or exc}"
    startup = min(60.0, max(1.0, (deadline - time.monotonic()) / 2))  # half the budget, the rest for the run
    ready_by = time.monotonic() + startup
    while time.monotonic() < ready_by:
        code = proc.poll()
        if code is not None:
            tail = output.tail()
            return "", (f"--api-command: the service exited with code {code} before it answered on 127.0.0.1:{port}"
                        + (f"; its last output: {tail}" if tail else ""))
        if _answers_http(port):
            return f"http://127.0.0.1:{port}", ""
        time.sleep(0.1)
    group.stop()
    tail = output.tail()
    return "", (f"--api-command: the service did not answer on 127.0.0.1:{port} within {startup:.0f} s"
                + (f"; its last output: {tail}" if tail else ""))


def _unreachable(url: str) -> str:
    """Why nothing answers at `url` (a TCP connection is refused or times out), or ""."""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError:
        return f"--api-url {url}: not a valid port"
    try:
        with socket.create_connection((parts.hostname or "", port), timeout=5):
            return ""
    except OSError as exc:
        return f"--api-url: nothing answers at {parts.hostname}:{port} ({exc.strerror or exc})"


def _runner_request(request: LiveRequest, root: Path, spec: SpecSource, base_url: str, budget: float) -> dict[str, Any]:
    return {
        "mode": request.mode,
        "app": request.target if request.mode == "app" else None,
        "root": str(root),
        "base_url": base_url,
        "spec_data": spec.data,
        "spec_url": spec.url,
        "spec_label": spec.label,
        "spec_paths": list(SPEC_PATHS),
        "max_examples": request.max_examples,
        "budget": budget,
        "seed": request.seed,
        "request_timeout": REQUEST_TIMEOUT,
    }


def _shown_target(request: LiveRequest) -> str:
    from auditor.redact import redact

    return redact(request.target)


def run_live(request: LiveRequest, root: Path, spec: SpecSource,
             progress: Callable[[str, int, int], None] | None = None) -> LiveFacts:
    """Run the live phase against the target at `root`. Never raises for a failure of the service or the run
    (the facts say what happened); only Ctrl-C and SIGTERM end it early, after stopping every process."""
    started = time.monotonic()
    deadline = started + request.timeout
    shown = _shown_target(request)
    if spec.error:
        return LiveFacts(request, shown, spec=spec.label, spec_path=spec.repo_path, fatal=spec.error)
    if importlib.util.find_spec("schemathesis") is None:
        return LiveFacts(request, shown, unavailable=f"schemathesis is not installed ({INSTALL_HINT})")
    scratch = Path(tempfile.mkdtemp(prefix="auditor-live-"))
    group = _Group()

    def cleanup() -> None:
        group.stop()
        shutil.rmtree(scratch, ignore_errors=True)

    try:
        with _terminate_cleanly(cleanup):
            facts = _run(request, root, spec, scratch, group, deadline, shown, progress)
            return _replace(facts, duration=round(time.monotonic() - started, 3))
    finally:
        cleanup()


def _run(request: LiveRequest, root: Path, spec: SpecSource, scratch: Path, group: _Group, deadline: float,
         shown: str, progress: Callable[[str, int, int], None] | None) -> LiveFacts:
    base_url = request.target if request.mode == "url" else ""
    why = _unreachable(base_url) if request.mode == "url" else ""
    if why:
        return LiveFacts(request, shown, spec=spec.label, spec_path=spec.repo_path, fatal=why)
    service = _Output()
    if request.mode == "command":
        base_url, why = _start_service(request, root, scratch, group, service, deadline)
        if why:
            return LiveFacts(request, shown, spec=spec.label, spec_path=spec.repo_path, fatal=why)
    budget = max(1.0, deadline - time.monotonic())
    req_path, out_path = scratch / "request.json", scratch / "result.json"
    try:
        req_path.write_text(json.dumps(_runner_request(request, root, spec, base_url, budget), default=str), encoding="utf-8")
    except (TypeError, ValueError) as exc:
        return LiveFacts(request, shown, spec=spec.label, fatal=f"the spec cannot be handed to the worker: {exc}")
    args = [sys.executable, "-I", "-B", "-m", "auditor.live_runner", str(req_path), str(out_path)]
    worker = _Output()
    proc = group.start(args, worker, cwd=root if request.mode == "app" else scratch, env=_service_env(scratch, None))
    killed = _wait(proc, budget + RUNNER_GRACE, f"live API ({request.mode})", progress)
    group.stop()
    facts = _read_result(request, shown, spec, out_path, worker.tail(), killed, budget)
    if request.mode == "command" and not facts.fatal and any(DEAD in c for c in facts.cut):
        tail = service.tail()
        facts = _replace(facts, cut=(*facts.cut, f"the service's last output: {tail}") if tail else facts.cut)
    return facts


def _wait(proc: subprocess.Popen[bytes], limit: float, what: str, progress: Callable[[str, int, int], None] | None) -> bool:
    """Wait for `proc` at most `limit` seconds, reporting progress; True when the limit was reached."""
    start = time.monotonic()
    while proc.poll() is None:
        elapsed = time.monotonic() - start
        if elapsed >= limit:
            return True
        if progress is not None:
            progress(f"{what}: {elapsed:.0f} s", int(elapsed), int(limit))
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=min(0.25, max(0.01, limit - elapsed)))
    return False


def _replace(facts: LiveFacts, **changes: Any) -> LiveFacts:
    import dataclasses

    return dataclasses.replace(facts, **changes)


# -- reading the worker's result (it may have run the target's code: trust nothing) ------------------------
def _text(value: object, limit: int = 2000) -> str:
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    return text[:limit]


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _num(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0 else 0.0


def _strings(value: object, limit: int = 200) -> tuple[str, ...]:
    return tuple(_text(v) for v in value[:limit]) if isinstance(value, list) else ()


def _read_result(request: LiveRequest, shown: str, spec: SpecSource, out_path: Path, tail: str, killed: bool,
                 budget: float) -> LiveFacts:
    data: dict[str, Any] = {}
    try:
        if out_path.stat().st_size <= MAX_RESULT_BYTES:
            loaded = json.loads(out_path.read_text(encoding="utf-8"))
            data = loaded if isinstance(loaded, dict) else {}
    except (OSError, ValueError):
        data = {}
    cut = list(_strings(data.get("cut")))
    if killed:
        current = _text(data.get("current"), 300)
        cut.append(f"the worker was stopped {RUNNER_GRACE:g} s after the time limit of {budget:.0f} s"
                   + (f", while exercising {current}" if current else ""))
    fatal = _text(data.get("fatal"))
    if not data:
        fatal = ("the live run was stopped at the time limit before it reported anything" if killed
                 else "the live run ended without a result" + (f"; its last output: {tail}" if tail else ""))
    failures = []
    for item in data.get("failures", [])[:1000] if isinstance(data.get("failures"), list) else []:
        if not isinstance(item, dict) or item.get("kind") not in FAILURE_KINDS:
            continue
        status = item.get("status")
        failures.append(LiveFailure(
            operation=_text(item.get("operation"), 300), kind=str(item["kind"]), message=_text(item.get("message"), 600),
            status=status if isinstance(status, int) and not isinstance(status, bool) else None,
            curl=_text(item.get("curl"), 4000), excerpt=_text(item.get("excerpt"), 600),
            requests=max(1, _int(item.get("requests"))),
            statuses=tuple(s for s in item.get("statuses", [])[:50] if isinstance(s, int) and not isinstance(s, bool))
            if isinstance(item.get("statuses"), list) else (),
        ))
    flight = data.get("in_flight")
    if killed and isinstance(flight, dict):  # a request that never answered: the worker was stopped waiting for it
        hung = LiveFailure(
            operation=_text(flight.get("operation"), 300), kind="server-error",
            message=f"no answer after {_num(flight.get('seconds')):g} s; the request was still running when the worker "
                    "was stopped", status=None, curl=_text(flight.get("curl"), 4000), excerpt="")
        if not any((f.operation, f.kind) == (hung.operation, hung.kind) for f in failures):
            failures.append(hung)
    latency = []
    for item in data.get("latency", [])[:1000] if isinstance(data.get("latency"), list) else []:
        if isinstance(item, dict) and _int(item.get("requests")):
            latency.append(LatencyRow(_text(item.get("operation"), 300), _num(item.get("p50_ms")), _num(item.get("p95_ms")),
                                      _num(item.get("max_ms")), _int(item.get("requests")), _text(item.get("curl"), 4000)))
    unavailable = _text(data.get("unavailable"))
    return LiveFacts(
        request=request, target=shown, base_url=_text(data.get("base_url"), 500) or (request.target if request.mode == "url" else ""),
        spec=_text(data.get("spec"), 500) or spec.label, spec_path=spec.repo_path,
        schemathesis=_text(data.get("schemathesis"), 40), operations=_strings(data.get("operations"), 5000),
        tested=_strings(data.get("tested"), 5000), requests=_int(data.get("requests")),
        failures=tuple(sorted(failures, key=lambda f: (f.operation, f.kind))),
        latency=tuple(sorted(latency, key=lambda r: r.operation)),
        errors=_strings(data.get("errors")), cut=tuple(cut), fatal=fatal,
        unavailable=f"{unavailable} ({INSTALL_HINT})" if unavailable else "",
    )


# -- the engine's hook -------------------------------------------------------------------------------------
def _owner(projects: Sequence[Project], rel: str) -> Project | None:
    owners = [p for p in projects if p.owns(rel)]
    return max(owners, key=lambda p: len(p.path)) if owners else None


def _live_project(request: LiveRequest, repo: Repository, projects: Sequence[Project], spec: SpecSource) -> Project:
    """The project the live API belongs to: the one holding the spec used, else the app's module, else the
    outermost backend project."""
    if spec.repo_path:
        owner = _owner(projects, spec.repo_path)
        if owner is not None:
            return owner
    if request.mode == "app":
        module = request.target.split(":", 1)[0].replace(".", "/")
        for rel in (f"{module}.py", f"{module}/__init__.py"):
            owner = _owner(projects, rel) if repo.get(rel) is not None else None
            if owner is not None:
                return owner
    return min(projects, key=lambda p: (p.kind != "backend", p.path.count("/") + bool(p.path), p.path))


def live_phase(request: LiveRequest | None, repo: Repository, sources: Sources, projects: Sequence[Project],
               checks: Sequence[type[Check]], progress: Callable[[str, int, int], None] | None = None) -> dict[str, LiveFacts]:
    """Run the live phase when it was asked for and a selected check needs it: {project path: its facts}."""
    if request is None or not projects or not any("network" in c.capabilities for c in checks):
        return {}
    if progress is not None:
        progress(f"live API ({request.mode})", 0, 1)
    spec = resolve_spec(request, repo, sources)
    project = _live_project(request, repo, projects, spec)
    facts = {p.path: LiveFacts(request, _shown_target(request), elsewhere=project.label) for p in projects}
    facts[project.path] = run_live(request, repo.root, spec, progress)
    return facts
