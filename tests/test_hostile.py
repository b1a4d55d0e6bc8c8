"""The auditor on a hostile repository: it finishes in bounded time, runs nothing of the target's, reads
nothing outside it, leaks no secret and lets no markup through, in git and plain-directory form."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor import Config, audit
from auditor.model import Check, Finding, Severity, Status
from auditor.registry import Registry
from tests.hostile import PAYLOADS, Hostile, build_hostile

AUDITOR = str(Path(sys.executable).with_name("auditor"))
CLI_TIMEOUT = 120


def _run_cli(h: Hostile, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "AUDITOR_"))}
    env["HOME"] = str(h.markers.parent)  # no user config of the test runner leaks in
    try:
        # Run from inside the target, as CI does (`auditor audit .`): nothing there may be imported.
        return subprocess.run([AUDITOR, "audit", ".", "--format", "json,md,html", "-o", str(out), *extra],
                              cwd=h.root, env=env, capture_output=True, text=True, timeout=CLI_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the audit did not finish within {CLI_TIMEOUT}s")


def _outside_code_spans(md: str) -> str:
    """Markdown with fenced blocks and inline code removed: what a renderer would treat as markup."""
    md = re.sub(r"(?ms)^(```+|~~~+).*?^\1", "", md)
    return re.sub(r"(`+)(?:(?!\1).)+?\1", "", md)


Run = tuple[Hostile, Path, subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module", params=["git", "plain"])
def hostile_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    base = tmp_path_factory.mktemp(f"hostile-{request.param}")
    h = build_hostile(base, git_repo=request.param == "git")
    out = base / "report"
    proc = _run_cli(h, out)
    yield h, out, proc


def test_audit_completes_with_valid_reports(hostile_run: Run) -> None:
    _, out, proc = hostile_run
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert (out / "report.md").read_text(encoding="utf-8").strip()
    assert (out / "report.html").read_text(encoding="utf-8").strip()
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]
    statuses = {c["id"]: (c["status"], c["reason"]) for c in report["checks"]}
    assert not {k: v for k, v in statuses.items() if v[0] == "error"}, "a check crashed or hung on hostile input"
    facts_errors = {k: v for k, v in report["facts"].items() if isinstance(v, dict) and "error" in v}
    assert not facts_errors, "a fact collector crashed or hung on hostile input"
    paths = {f["path"] for c in report["checks"] for f in c["findings"] if c["id"] == "errors/bare-except"}
    # Names with markup, quotes, spaces, newlines and non-ASCII are audited like any other file.
    assert {"app/<img src=x onerror=alert(1)>.py", "app/dir with space/it's \"quoted\" ünï.py", "app/new\nline.py",
            "app/módulo/çà.py", "app/crlf.py", "untracked/<svg onload=alert(5)>.py", "app/nested_ok.py"} <= paths
    crlf = [f for c in report["checks"] for f in c["findings"] if f["path"] == "app/crlf.py"]
    assert [f["line"] for f in crlf if f["check_id"] == "errors/bare-except"] == [4]
    problems = {p["path"]: p["kind"] for p in report["problems"]}
    assert problems["app/broken.py"] == "syntax"
    # Syntax newer than the running interpreter is read (by tree-sitter-python before 3.12), not a problem.
    assert "app/new_syntax.py" not in problems
    parsed_by = report["facts"]["files"]["parsed_by_fallback"]
    assert parsed_by == ({} if sys.version_info >= (3, 12) else {"app/new_syntax.py": "tree-sitter-python"})
    assert problems["app/deep_binop.py"] == "too-deep"
    assert problems["app/latin1.py"] == "decode"
    assert problems["app/bad_cookie.py"] == "decode"
    assert {problems[p] for p in ("src/broken.ts", "src/broken.js", "src/lib.rs", "src/main.go", "src/Broken.java")} == {"partial"}
    audited = report["files"]["audited"]
    assert audited > 60
    assert report["files"]["skipped"]["symlink"] >= 10


def test_no_target_code_runs(hostile_run: Run) -> None:
    h, _, _ = hostile_run
    assert h.executed() == []


def test_nothing_secret_or_outside_reaches_any_output(hostile_run: Run) -> None:
    h, out, proc = hostile_run
    outputs = {"stdout": proc.stdout, "stderr": proc.stderr}
    outputs |= {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()}
    leaks = {(name, s) for name, text in outputs.items() for s in h.forbidden if s in text}
    assert leaks == set()
    assert "root:x:0:0" not in "".join(outputs.values())  # /etc/passwd through a symlink
    # The secrets were quoted: they show up masked, so the snippets were really exercised.
    assert "AKIA[redacted 20 chars]" in outputs["report.json"]


def test_markup_from_the_target_is_escaped(hostile_run: Run) -> None:
    _, out, _ = hostile_run
    html = (out / "report.html").read_text(encoding="utf-8")
    assert [p for p in PAYLOADS if p in html] == []
    assert "&lt;img src=x onerror=alert(1)&gt;" in html or "&lt;img src&#61;x" in html or "&#60;img" in html
    md = _outside_code_spans((out / "report.md").read_text(encoding="utf-8"))
    assert [p for p in PAYLOADS if p in md] == []


def test_invalid_auditor_config_is_a_one_line_error(tmp_path: Path) -> None:
    h = Hostile(root=tmp_path / "t", outside=tmp_path / "o", markers=tmp_path / "m")
    for d in (h.root, h.markers):
        d.mkdir()
    (h.root / ".auditor.toml").write_text("[gate\nfail_under = \n")
    proc = _run_cli(h, tmp_path / "out")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and ".auditor.toml" in lines[0] and "invalid TOML" in lines[0]
    assert not (tmp_path / "out").exists()


# -- a crashing and a hanging check (a registry built by hand, no plugin) ---------------------------------------


def _check(check_id: str, body: object) -> type[Check]:
    def run(self: Check, ctx: object) -> list[Finding]:
        return body()  # type: ignore[operator,no-any-return]

    return type(check_id.replace("/", "_"), (Check,), {
        "id": check_id, "title": check_id, "category": "error-handling", "severity": Severity.HIGH,
        "rationale": "r", "remediation": ("x",), "run": run,
    })


def _crash() -> list[Finding]:
    raise RuntimeError("boom in the check")


def _sleep() -> list[Finding]:
    time.sleep(30)
    return []


def test_crashing_and_hanging_checks_become_errors(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("x = 1\n")
    reg = Registry()
    reg.add_check([_check("t/crash", _crash), _check("t/sleep", _sleep), _check("t/ok", lambda: [])], "test")
    started = time.monotonic()
    card = audit(tmp_path, Config(check_timeout=1.0), registry=reg)
    assert time.monotonic() - started < 20  # not the 30 s the sleeping check asks for
    by_id = {r.id: r for r in card.results}
    assert (by_id["t/crash"].status, by_id["t/crash"].reason) == (Status.ERROR, "RuntimeError: boom in the check")
    assert by_id["t/sleep"].status is Status.ERROR and "did not finish within 1s" in by_id["t/sleep"].reason
    assert by_id["t/ok"].status is Status.PASSED


# -- reports are written atomically ------------------------------------------------------------------------------


def test_failed_write_leaves_previous_report_and_no_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from reports import base

    target = tmp_path / "out" / "report.json"
    base.write_atomic(target, '{"old": true}\n')

    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(base.os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        base.write_atomic(target, '{"new": ' + "1" * 100_000 + "}")
    assert target.read_text() == '{"old": true}\n'
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.json"]
