"""Report sets on disk: whole or not at all, under real signals, a full disk and a second audit; the output
folder is the auditor's own and never a path the target chose."""

from __future__ import annotations

import fcntl
import json
import os
import re
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from publishers.files import MARKER, OutputError, check_output, publish

AUDITOR = str(Path(sys.executable).with_name("auditor"))
APP = "def f():\n    try:\n        g()\n    except:\n        pass\n"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "AUDITOR_"))}
    env.update(extra)
    return env


def _cli(root: Path, out: Path, *args: str, env: dict[str, str] | None = None,
         preexec: Callable[[], None] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([AUDITOR, "audit", str(root), "-o", str(out), "--only", "errors/bare-except", *args],
                          env=env or _env(), capture_output=True, text=True, timeout=120, preexec_fn=preexec)


def _set(out: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(out.iterdir())}


def _strays(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if ".auditor-tmp-" in p.name)


def test_a_set_is_replaced_whole_and_honours_the_umask(tmp_path: Path) -> None:
    out = tmp_path / "out"
    publish(out, {"report.json": "{}", "report.md": "old"})
    old = os.umask(0o027)
    try:
        publish(out, {"report.json": '{"new": 1}'})
    finally:
        os.umask(old)
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "report.json"]  # the old report.md is gone
    assert oct(os.stat(out / "report.json").st_mode & 0o777) == oct(0o640)
    assert oct(os.stat(out).st_mode & 0o777) == oct(0o750)
    assert _strays(tmp_path) == []


@pytest.mark.parametrize("kind", ["symlink", "dangling", "loop", "through-target-link", "foreign", "forged-marker", "file"])
def test_an_output_folder_the_target_could_have_chosen_is_refused(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "target"
    elsewhere = tmp_path / "elsewhere"
    (target / "src").mkdir(parents=True)
    elsewhere.mkdir()
    (elsewhere / "report.json").write_text("precious")
    out = target / "auditor-report"
    expected = {
        "symlink": "is a symbolic link (to", "dangling": "is a dangling symbolic link", "loop": "is a symbolic link loop",
        "through-target-link": "passes through a symbolic link", "foreign": "holds files the auditor did not write",
        "forged-marker": "holds files the auditor did not write", "file": "exists and is not a folder",
    }[kind]
    if kind == "symlink":
        os.symlink(elsewhere, out)
    elif kind == "dangling":
        os.symlink(tmp_path / "missing", out)
    elif kind == "loop":
        os.symlink(out, out)
    elif kind == "through-target-link":
        os.symlink(elsewhere, target / "docs")
        out = target / "docs" / "reports"
    elif kind == "foreign":
        out.mkdir()
        (out / "report.md").write_text("## score 99, passed")
    elif kind == "forged-marker":
        out.mkdir()
        (out / "report.md").write_text("## score 99, passed")
        (out / MARKER).write_text(json.dumps({"tool": "auditor", "folder": "1:2", "files": ["report.md"]}))
    else:
        out.write_text("x")
    (target / "src" / "app.py").write_text(APP)
    with pytest.raises(OutputError, match=re.escape(expected)):
        check_output(out, target)
    if kind == "file":
        return  # the CLI refuses a file for --output itself (click: exit 2)
    proc = _cli(target, out)
    assert proc.returncode == 3
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0]
    assert (elsewhere / "report.json").read_text() == "precious" and sorted(p.name for p in elsewhere.iterdir()) == ["report.json"]


def test_a_committed_report_never_passes_for_a_new_one(tmp_path: Path) -> None:
    """A fork commits auditor-report/report.md saying "score 99, passed": the audit refuses that folder, and
    a folder of ours is replaced whole, so no report of an earlier run survives a new one."""
    target = tmp_path / "t"
    (target / "auditor-report").mkdir(parents=True)
    (target / "auditor-report" / "report.md").write_text("## score 99, passed\n")
    (target / "app.py").write_text(APP)
    proc = subprocess.run([AUDITOR, "audit", ".", "--only", "errors/bare-except"], cwd=target, env=_env(),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3 and "holds files the auditor did not write" in proc.stderr
    mine = tmp_path / "mine"
    assert _cli(target, mine).returncode in (0, 1)
    assert "report.md" in _set(mine)
    assert _cli(target, mine, "--format", "json").returncode in (0, 1)
    assert sorted(_set(mine)) == [MARKER, "report.json"]


def test_a_full_disk_leaves_the_old_set(tmp_path: Path) -> None:
    root = tmp_path / "t"
    root.mkdir()
    (root / "app.py").write_text(APP)
    out = tmp_path / "out"
    assert _cli(root, out).returncode in (0, 1)
    before = _set(out)

    def small_files() -> None:  # a real kernel refusal (EFBIG) as a full disk gives ENOSPC
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    # Without coverage measurement in the child: its data file would be cut at the size limit too.
    env = {k: v for k, v in _env().items() if not k.startswith(("COV_", "COVERAGE"))}
    proc = _cli(root, out, "--fail-under", "1", env=env, preexec=small_files)
    assert proc.returncode == 3, proc.stderr
    assert "cannot write reports" in proc.stderr
    assert _set(out) == before
    assert _strays(tmp_path) == []


def test_a_second_audit_waits_for_the_lock(tmp_path: Path) -> None:
    out = tmp_path / "out"
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with pytest.raises(OutputError, match="another audit is writing"):
            publish(out, {"report.json": "{}"}, lock_timeout=0.5)
    finally:
        os.close(fd)
    publish(out, {"report.json": "{}"}, lock_timeout=0.5)
    assert (out / "report.json").read_text() == "{}"


def test_a_killed_audits_temporary_folder_is_cleaned_by_the_next(tmp_path: Path) -> None:
    stale = tmp_path / ".out.auditor-tmp-abc123"
    stale.mkdir()
    (stale / "report.json").write_text("half")
    publish(tmp_path / "out", {"report.json": "{}"})
    assert _strays(tmp_path) == []


@pytest.mark.parametrize(("point", "sig"), [
    ("before-lock", signal.SIGTERM), ("locked", signal.SIGHUP), ("writing", signal.SIGTERM), ("writing", signal.SIGINT),
    ("writing", signal.SIGHUP), ("before-swap", signal.SIGTERM), ("after-swap", signal.SIGINT),
])
def test_a_signal_at_any_point_leaves_the_old_set_or_the_new(tmp_path: Path, point: str, sig: signal.Signals) -> None:
    root = tmp_path / "t"
    root.mkdir()
    (root / "app.py").write_text(APP)
    out = tmp_path / "out"
    assert _cli(root, out, "--fail-under", "10").returncode in (0, 1)
    old = _set(out)
    flag = tmp_path / "paused"
    env = _env(AUDITOR_TEST_PAUSE=f"{point}:{flag}")
    proc = subprocess.Popen([AUDITOR, "audit", str(root), "-o", str(out), "--only", "errors/bare-except", "--fail-under", "20"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        until = time.monotonic() + 60
        while not flag.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < until, "the audit never reached the pause point"
            time.sleep(0.02)
        proc.send_signal(sig)
        time.sleep(0.2)
        flag.unlink()
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    now = _set(out)
    assert _strays(tmp_path) == []
    if now != old:  # the new set, whole: every report of one run (fail_under 20, one start time)
        data = json.loads(now["report.json"])
        assert data["gate"]["fail_under"] == 20 and sorted(now) == sorted(old)
        assert data["generated_at"] in now["report.md"] and data["generated_at"] in now["report.html"]
        # no report of the old run survives beside the new ones (their timestamps may share a second, their content does not;
        # the Markdown need not show the threshold)
        assert [name for name in ("report.json", "report.html") if now[name] == old[name]] == []
    if point in ("before-lock", "locked"):
        assert now == old  # the signal arrived before anything of the new set existed
