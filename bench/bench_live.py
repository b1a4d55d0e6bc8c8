"""Time the live API phase on sample_repos/fastapi-live in each mode and print what it measured.

    .venv/bin/python bench/bench_live.py [MAX_EXAMPLES]

Prints, per mode (--api-command, --api-app, --api-url), the phase's wall time, the requests sent and the
latency table (p50 / p95 / max per operation), so the default `--api-max-examples` can be checked against its
goal (a small API in well under a minute). Needs the dev extra (fastapi, uvicorn, schemathesis).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from auditor.live import DEFAULT_MAX_EXAMPLES, LiveFacts, LiveRequest, resolve_spec, run_live
from auditor.repo import Repository
from auditor.sources import Sources

SAMPLE = Path(__file__).resolve().parent.parent / "sample_repos" / "fastapi-live"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(root: Path, request: LiveRequest) -> tuple[float, LiveFacts]:
    repo = Repository.scan(root)
    spec = resolve_spec(request, repo, Sources(repo))
    started = time.perf_counter()
    facts = run_live(request, root, spec)
    return time.perf_counter() - started, facts


def _print(mode: str, seconds: float, facts: LiveFacts) -> None:
    print(f"{mode:8} {seconds:6.1f} s  {facts.requests:4} requests  {len(facts.tested)}/{len(facts.operations)} operations"
          + (f"  FATAL: {facts.fatal}" if facts.fatal else "") + (f"  cut: {'; '.join(facts.cut)}" if facts.cut else ""))
    for row in facts.latency:
        print(f"         {row.operation:34} p50 {row.p50_ms:7.1f} ms  p95 {row.p95_ms:7.1f} ms  "
              f"max {row.max_ms:7.1f} ms  ({row.requests} requests)")


def main() -> None:
    examples = int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_MAX_EXAMPLES
    print(f"live API phase on {SAMPLE.name}, --api-max-examples {examples}, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "shop"
        shutil.copytree(SAMPLE, root)
        uvicorn = f"{sys.executable} -m uvicorn shop.main:app --host 127.0.0.1 --port {{port}}"
        _print("command", *_run(root, LiveRequest("command", uvicorn, max_examples=examples)))
        _print("app", *_run(root, LiveRequest("app", "shop.main:app", max_examples=examples)))
        port = _free_port()
        service = subprocess.Popen([sys.executable, "-m", "uvicorn", "shop.main:app", "--host", "127.0.0.1", "--port",
                                    str(port)], cwd=root, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    time.sleep(0.1)
            _print("url", *_run(root, LiveRequest("url", f"http://127.0.0.1:{port}", max_examples=examples)))
        finally:
            os.killpg(service.pid, signal.SIGTERM)
            service.wait(timeout=10)


if __name__ == "__main__":
    main()
