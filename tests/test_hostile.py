"""The auditor on a hostile repository: it finishes in bounded time, runs nothing of the target's, opens and writes
nothing outside it (strace says so), leaks no secret and lets no markup or control character through, in git and
plain-directory form."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from auditor import Config, audit
from auditor.model import Check, Finding, Severity, Status
from auditor.registry import Registry
from tests.hostile import INVISIBLE, PAYLOADS, Hostile, build_hostile

AUDITOR = str(Path(sys.executable).with_name("auditor"))
CLI_TIMEOUT = 300
STRACE = shutil.which("strace")
TRACED = "open,openat,openat2,creat,rename,renameat,renameat2,unlink,unlinkat,mkdir,mkdirat"


def _env(h: Hostile) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "AUDITOR_", "COV_", "COVERAGE"))}
    env["HOME"] = str(h.markers.parent)  # no user config of the test runner leaks in
    env["TMPDIR"] = str(h.markers.parent / "tmp")  # the auditor's private temporary folders, and nothing else
    env["XDG_CACHE_HOME"] = str(h.markers.parent / "cache")  # its model cache: the one place besides the output
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    # "." and an empty entry put the current directory, the target, on PATH: its own `git` must still never run.
    env["PATH"] = ".:" + env.get("PATH", "/usr/bin:/bin") + ":"
    return env


def _run_cli(h: Hostile, out: Path | None, *extra: str, trace: Path | None = None) -> subprocess.CompletedProcess[str]:
    (h.markers.parent / "tmp").mkdir(exist_ok=True)
    command = [AUDITOR, "audit", ".", "--format", "json,md,html", *(["-o", str(out)] if out else []), *extra]
    if trace is not None:
        command = [str(STRACE), "-f", "-qq", "-y", "-e", f"trace={TRACED}", "-o", str(trace), *command]
    try:
        # Run from inside the target, as CI does (`auditor audit .`): nothing there may be imported.
        return subprocess.run(command, cwd=h.root, env=_env(h), capture_output=True, text=True, timeout=CLI_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the audit did not finish within {CLI_TIMEOUT}s")


def _outside_code_spans(md: str) -> str:
    """Markdown with fenced blocks and inline code removed: what a renderer would treat as markup."""
    md = re.sub(r"(?ms)^(```+|~~~+).*?^\1", "", md)
    return re.sub(r"(`+)(?:(?!\1).)+?\1", "", md)


@dataclass
class Run:
    h: Hostile
    out: Path
    proc: subprocess.CompletedProcess[str]
    trace: Path | None
    seconds: float

    def __iter__(self) -> Iterator[object]:  # the older tests unpack (hostile, out, proc)
        return iter((self.h, self.out, self.proc))


@pytest.fixture(scope="module", params=["git", "plain"])
def hostile_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    base = tmp_path_factory.mktemp(f"hostile-{request.param}")
    h = build_hostile(base, git_repo=request.param == "git")
    out = base / "report"
    trace = base / "trace.txt" if STRACE and sys.platform.startswith("linux") else None
    started = time.monotonic()
    proc = _run_cli(h, out, trace=trace)
    yield Run(h, out, proc, trace, time.monotonic() - started)


# -- what the process opened and wrote ---------------------------------------------------------------------------

_CALL = re.compile(r"^(\d+)\s+(\w+)\((.*)\)\s+=\s+(-?\d+|\?)")
_WRITES = ("creat", "rename", "renameat", "renameat2", "unlink", "unlinkat", "mkdir", "mkdirat")


_NAMED = re.compile(r'(?:(AT_FDCWD|\d+<((?:[^>\\]|\\.)*)>),\s*)?"((?:[^"\\]|\\.)*)"')


def _unquote(text: str) -> str:
    raw = text.encode("latin-1", "backslashreplace").decode("unicode_escape").encode("latin-1", "replace")
    return raw.decode("utf-8", "replace")


def _traced(trace: Path, cwd: Path) -> list[tuple[str, str, bool]]:
    """(path, call, writes?) for every path a traced call named. A name relative to a directory descriptor is
    resolved against that directory (strace -y prints it), any other relative name against the cwd (every process
    of the auditor runs in the target)."""
    out = []
    for line in trace.read_text(errors="replace").splitlines():
        m = _CALL.match(line)
        if not m:
            continue
        call, args = m.group(2), m.group(3)
        writes = call in _WRITES or (call.startswith("open") and bool(re.search(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC", args)))
        for dirfd, folder, name in _NAMED.findall(args):
            base = _unquote(folder) if dirfd and dirfd != "AT_FDCWD" else str(cwd)
            out.append((os.path.normpath(os.path.join(base, _unquote(name))), call, writes))
    return out


def _inside(path: str, roots: list[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


def _interpreter_roots() -> list[str]:
    import auditor

    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable))}
    roots |= {v for k, v in sysconfig.get_paths().items() if v}
    source = Path(auditor.__file__).resolve().parents[1]  # an editable install imports from the source tree
    roots |= {str(source / pkg) for pkg in ("auditor", "analysis", "checks", "reports", "publishers")}
    roots |= {os.path.realpath(r) for r in list(roots)}
    # System files every process reads: the dynamic loader, C and locale data, TLS config, mime types, timezone,
    # and git's own programs.
    roots |= {"/lib", "/lib64", "/usr/lib", "/usr/lib64", "/usr/share/locale", "/usr/share/zoneinfo", "/usr/bin/git",
              "/usr/share/git-core", "/proc", "/sys", "/dev/null", "/dev/urandom", "/etc/ld.so.cache", "/etc/localtime",
              "/etc/mime.types", "/etc/ssl", "/usr/lib/ssl", "/etc/gai.conf"}
    return sorted(roots)


def test_nothing_outside_the_target_was_opened_or_written(hostile_run: Run) -> None:
    if hostile_run.trace is None:
        if sys.platform.startswith("linux"):
            pytest.fail("strace is required on Linux (`make test` installs it)")
        pytest.skip("strace is Linux-only")
    h, out = hostile_run.h, hostile_run.out
    tmp = str(h.markers.parent / "tmp")
    cache = str(h.markers.parent / "cache")  # the auditor's own model cache (README: "What an audit sees")
    parent = str(out.parent)
    ours = [str(h.root), str(out), tmp, cache]
    reads_ok = [*ours, *_interpreter_roots()]
    temp_beside = re.compile(re.escape(parent) + r"/\.report\.auditor-tmp-[^/]+(/.*)?$")
    strays = []
    for path, call, writes in _traced(hostile_run.trace, h.root):
        if temp_beside.match(path) or (path == parent and call == "openat" and not writes):  # the swap and the lock
            continue
        if writes and not _inside(path, [str(out), tmp, cache, "/dev/null"]):
            strays.append(("wrote", call, path))
        elif not writes and not _inside(path, reads_ok):
            strays.append(("opened", call, path))
    assert strays == [], "\n".join(map(str, strays))
    names = {p for p, _, _ in _traced(hostile_run.trace, h.root)}
    assert [str(d) for d in h.devices if str(d) in names] == [], "a device node was opened"
    assert [p for p in names if _inside(p, [str(h.outside), str(h.markers)])] == []
    assert os.listdir(tmp) == [], "the auditor left a temporary folder behind"


def test_the_audit_finished_within_its_bound(hostile_run: Run) -> None:
    report = json.loads((hostile_run.out / "report.json").read_text(encoding="utf-8"))
    # The target asked for check_timeout = 86400 and audit_timeout = 1e12: it got the caps, and was told.
    assert (report["limits"]["check_timeout"], report["limits"]["audit_timeout"]) == (900, 3600)
    assert report["limits"]["exhausted"] is False
    assert report["duration_seconds"] < report["limits"]["audit_timeout"] and hostile_run.seconds < CLI_TIMEOUT
    assert hostile_run.proc.stderr.count("auditor: warning:") == 3
    spec = next(p for p in report["projects"] if p["path"] == ".")["facts"]["openapi"]
    assert any("api/huge.json: 6000 paths, the first 2000" in c for c in spec["cut"])
    assert report["files"]["skipped"]["folder nested too deep"] == 1


def test_git_facts_or_the_reason_git_was_not_used(hostile_run: Run) -> None:
    h, out, proc = hostile_run.h, hostile_run.out, hostile_run.proc
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    md = (out / "report.md").read_text(encoding="utf-8")
    if (h.root / ".git").is_dir():
        assert report["target"]["commit"] and report["target"]["git_error"] is None
        assert report["target"]["branch"] == "tok-ghp_[redacted 40 chars]-\u202eniam"
        assert "tok-ghp_[redacted 40 chars]-\\u202eniam" in proc.stdout
    else:
        assert report["target"]["commit"] is None
        assert "names a git directory outside the work tree" in report["target"]["git_error"]
        assert any(n.startswith("git was not used") for n in report["notices"])
        assert "git was not used" in md and "git was not used" in proc.stdout
        assert "git was not used" in (out / "report.html").read_text(encoding="utf-8")


def test_no_control_or_bidi_character_reaches_a_human(hostile_run: Run) -> None:
    out, proc = hostile_run.out, hostile_run.proc
    for name, text in (("stdout", proc.stdout), ("stderr", proc.stderr), ("report.md", (out / "report.md").read_text()),
                       ("report.html", (out / "report.html").read_text())):
        assert [hex(ord(c)) for c in INVISIBLE if c in text] == [], name


def test_the_default_output_folder_linked_out_of_the_target_is_refused(hostile_run: Run) -> None:
    h = hostile_run.h
    proc = _run_cli(h, None)
    assert proc.returncode == 3
    lines = proc.stderr.strip().splitlines()
    assert lines[-1].startswith("auditor: error: output folder auditor-report is a symbolic link (to ")
    assert sorted(p.name for p in (h.outside / "reports").iterdir()) == ["report.json"]
    assert (h.outside / "reports" / "report.json").read_text() == '{"precious": true}\n'


def test_a_committed_git_dir_in_a_subfolder_is_just_files(hostile_run: Run) -> None:
    h = hostile_run.h
    card = audit(h.root / "services" / "api", Config())
    assert "handlers.py" in [f.path for f in card.repo.files]  # not hidden by the fake info/exclude
    if (h.root / ".git").is_dir():
        assert card.repo.git is not None and card.repo.git.commit == json.loads(
            (hostile_run.out / "report.json").read_text())["target"]["commit"]
    assert h.executed() == []


def test_audit_completes_with_valid_reports(hostile_run: Run) -> None:
    _, out, proc = hostile_run
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert (out / "report.md").read_text(encoding="utf-8").strip()
    assert (out / "report.html").read_text(encoding="utf-8").strip()
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]
    statuses = {(c["id"], c["project"]): (c["status"], c["reason"]) for c in report["checks"]}
    assert not {k: v for k, v in statuses.items() if v[0] == "error"}, "a check crashed or hung on hostile input"
    facts_errors = {(p["name"], k): v for p in report["projects"] for k, v in p["facts"].items()
                    if isinstance(v, dict) and "error" in v}
    assert not facts_errors, "a fact collector crashed or hung on hostile input"
    paths = {f["path"] for c in report["checks"] for f in c["findings"] if c["id"] == "errors/bare-except"}
    # Names with markup, quotes, spaces, newlines and non-ASCII are audited like any other file.
    assert {"app/<img src=x onerror=alert(1)>.py", "app/dir with space/it's \"quoted\" ünï.py", "app/new\nline.py",
            "app/módulo/çà.py", "app/crlf.py", "untracked/<svg onload=alert(5)>.py", "app/nested_ok.py"} <= paths
    crlf = [f for c in report["checks"] for f in c["findings"] if f["path"] == "app/crlf.py"]
    assert [f["line"] for f in crlf if f["check_id"] == "errors/bare-except"] == [4]
    problems = {p["path"]: p["kind"] for p in report["problems"]}
    assert problems["app/broken.py"] == "syntax"
    assert problems["app/new_syntax.py"] == "syntax"  # syntax newer than the running interpreter
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
    (tmp_path / "tmp").mkdir()
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
