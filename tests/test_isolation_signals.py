"""A check's process dies with the audit: SIGKILL, SIGTERM or SIGHUP to the CLI during a slow check."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

# The real CLI (auditor.cli.main) with one extra, slow check registered, as a plugin would register it.
RUNNER = """
import os, sys, time
from auditor import cli, registry
from auditor.model import Check, Severity

PID_FILE = sys.argv[1]

class Slow(Check):
    id = "test/slow"
    title = "slow"
    category = "error-handling"
    severity = Severity.LOW
    rationale = "r"
    remediation = ("x",)

    def run(self, ctx):
        with open(PID_FILE, "w") as fh:
            fh.write(str(os.getpid()))
        time.sleep(120)
        return []

loaded = registry.load_registry
def load_registry():
    reg = loaded()
    reg.add_check([Slow], "test")
    return reg
registry.load_registry = load_registry
cli.load_registry = load_registry
sys.argv = ["auditor", "audit", sys.argv[2], "-o", sys.argv[3], "--only", "test/slow"]
cli.main()
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as fh:
            state = next(line for line in fh if line.startswith("State:"))
    except (FileNotFoundError, StopIteration):
        return False
    return "Z" not in state.split()[1]  # a zombie waiting for a reaper is dead


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGHUP])
def test_the_check_process_dies_with_the_audit(tmp_path: Path, sig: signal.Signals) -> None:
    root = tmp_path / "t"
    root.mkdir()
    (root / "app.py").write_text("x = 1\n")
    pid_file = tmp_path / "child.pid"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "AUDITOR_"))}
    proc = subprocess.Popen([sys.executable, "-c", RUNNER, str(pid_file), str(root), str(tmp_path / "out")], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    child = None
    try:
        until = time.monotonic() + 60
        while not (pid_file.exists() and pid_file.read_text()):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < until, "the slow check never started"
            time.sleep(0.05)
        child = int(pid_file.read_text())
        assert child != proc.pid and _alive(child)
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=30)
        gone_by = time.monotonic() + 2.0
        while _alive(child) and time.monotonic() < gone_by:
            time.sleep(0.02)
        assert not _alive(child), f"the check process outlived its parent after {sig.name}"
        if sig is not signal.SIGKILL:
            assert proc.returncode == 3 and f"terminated by {sig.name}" in stderr
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        if child is not None and _alive(child):
            os.kill(child, signal.SIGKILL)
