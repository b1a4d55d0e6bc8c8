"""Issue 7: configuration caps, the time budget, safe reads, text from the target in every output, bounds."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor import Config, audit
from auditor.config import ConfigError
from auditor.engine import UsageError
from auditor.model import Check, Finding, Severity, Status
from auditor.registry import Registry
from auditor.repo import MAX_DEPTH, Repository
from tests.helpers import git, git_init, write_tree

AUDITOR = str(Path(sys.executable).with_name("auditor"))
BARE = "def f():\n    try:\n        g()\n    except:\n        pass\n"
TOKEN = "ghp_" + "R8mZk2Lq9Xv4Tn6Wb1Yc3Hd5Fj7Gp0Se2Ua4"


def cli(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "AUDITOR_"))}
    return subprocess.run([AUDITOR, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


# -- configuration ----------------------------------------------------------------------------------------------


def test_the_targets_own_limits_are_clamped_and_said(make_repo: Callable[..., Path]) -> None:
    root = make_repo({".auditor.toml": "check_timeout = 86400\naudit_timeout = 1e9\nrun_tests_timeout = 1\n"})
    cfg = Config.load(root)
    assert (cfg.check_timeout, cfg.audit_timeout, cfg.run_tests_timeout) == (900, 3600, 10)
    assert len(cfg.warnings) == 3 and all("is outside what a target's own configuration may set" in w for w in cfg.warnings)
    low = Config.load(make_repo({".auditor.toml": "check_timeout = 1\n"}))
    assert low.check_timeout == 10


@pytest.mark.parametrize("weight", ["0", "0.05", "11", "1000"])
def test_the_target_cannot_zero_or_inflate_a_category(make_repo: Callable[..., Path], weight: str) -> None:
    root = make_repo({"pyproject.toml": f"[tool.auditor.weights]\nsecurity = {weight}\n"})
    with pytest.raises(ConfigError, match=r"'weights.security' must be between 0.1 and 10"):
        Config.load(root)


def test_a_config_the_user_names_is_trusted(tmp_path: Path, make_repo: Callable[..., Path]) -> None:
    explicit = tmp_path / "ci.toml"
    explicit.write_text("check_timeout = 86400\n[weights]\nsecurity = 0\n")
    cfg = Config.load(make_repo({}), explicit)
    assert cfg.check_timeout == 86400 and cfg.weights["security"] == 0 and cfg.warnings == ()


def test_unknown_check_ids_and_categories_name_the_file_and_key(make_repo: Callable[..., Path]) -> None:
    for table, message in (("[tool.auditor.severity]\n'errors/bare-excep' = 'low'\n", "'severity.errors/bare-excep': no such check"),
                           ("[tool.auditor.weights]\nsecurty = 2\n", "'weights.securty': no such category")):
        root = make_repo({"pyproject.toml": table, "app.py": "x = 1\n"})
        with pytest.raises(ConfigError, match=message) as err:
            audit(root, Config.load(root))
        assert str(err.value).startswith(str(root / "pyproject.toml"))


def test_a_shadowing_dotfile_warns_through_the_cli(make_repo: Callable[..., Path], tmp_path: Path) -> None:
    root = make_repo({".auditor.toml": "skip = []\n", "pyproject.toml": "[tool.auditor]\nskip = ['openapi/*']\n", "app.py": "x = 1\n"})
    assert any("the [tool.auditor] table in" in w for w in Config.load(root).warnings)
    proc = cli("audit", str(root), "-o", str(tmp_path / "out"), "--only", "errors/bare-except")
    assert proc.returncode in (0, 1), proc.stderr
    assert "auditor: warning:" in proc.stderr and ".auditor.toml is used" in proc.stderr


def test_a_deep_pyproject_that_never_mentions_us_is_not_our_error(make_repo: Callable[..., Path]) -> None:
    deep = "x = " + "[" * 5000 + "]" * 5000 + "\n"
    assert Config.load(make_repo({"pyproject.toml": deep})) == Config()
    with pytest.raises(ConfigError, match="nested too deeply"):
        Config.load(make_repo({"pyproject.toml": "[tool.auditor]\n" + deep}))


def test_an_exclude_pattern_git_would_misread_names_the_key(make_repo: Callable[..., Path], tmp_path: Path) -> None:
    root = make_repo({".auditor.toml": 'exclude = ["[z-a]"]\n', "app.py": "x = 1\n"})
    proc = cli("audit", str(root), "-o", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [f"auditor: error: {root / '.auditor.toml'}: 'exclude': invalid pattern '[z-a]': "
                                                "reversed range z-a"]


@pytest.mark.parametrize("kind", ["zero", "fifo"])
def test_config_that_is_not_a_regular_file_is_refused_at_once(make_repo: Callable[..., Path], tmp_path: Path, kind: str) -> None:
    root = make_repo({"app.py": "x = 1\n"})
    if kind == "zero":
        config = "/dev/zero"
    elif kind == "fifo":
        config = str(tmp_path / "fifo.toml")
        os.mkfifo(config)
    started = time.monotonic()
    proc = cli("audit", str(root), "--config", config, "-o", str(tmp_path / "out"), timeout=60)
    assert time.monotonic() - started < 30
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "not a regular file" in lines[0], lines


def test_a_targets_config_fifo_is_skipped_with_a_warning(make_repo: Callable[..., Path]) -> None:
    root = make_repo({"app.py": "x = 1\n"})
    os.mkfifo(root / ".auditor.toml")
    cfg = Config.load(root)
    assert cfg.warnings and "not a regular file: a named pipe (FIFO)" in cfg.warnings[0]


# -- the audit time budget --------------------------------------------------------------------------------------


def _check(check_id: str, seconds: float) -> type[Check]:
    def run(self: Check, ctx: object) -> list[Finding]:
        time.sleep(seconds)
        return []

    return type(check_id.replace("/", "_"), (Check,), {
        "id": check_id, "title": check_id, "category": "error-handling", "severity": Severity.HIGH,
        "rationale": "r", "remediation": ("x",), "run": run,
    })


def test_the_budget_bounds_checks_and_says_what_it_cut(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("x = 1\n")
    reg = Registry()
    reg.add_check([_check("t/slow", 30), _check("t/next", 0), _check("t/other-family", 0)], "test")
    started = time.monotonic()
    card = audit(tmp_path, Config(check_timeout=60, audit_timeout=2.0), registry=reg)
    assert time.monotonic() - started < 15
    by_id = {r.id: r for r in card.results}
    assert by_id["t/slow"].status is Status.ERROR and by_id["t/slow"].reason == "did not finish: audit time budget exhausted"
    assert by_id["t/next"].reason == "not run: audit time budget exhausted"
    assert card.limits.exhausted and card.limits.checks_stopped >= 1 and card.limits.checks_not_run >= 1
    assert card.score == 0.0  # nothing that was cut counts for the target
    from reports.base import scorecard_to_dict
    from reports.markdown import MarkdownReporter

    data = scorecard_to_dict(card)
    assert data["limits"]["exhausted"] and data["limits"]["audit_timeout"] == 2.0
    assert any("audit time budget (2 s) was exhausted" in n for n in data["notices"])
    assert "audit time budget \\(2 s\\) was exhausted" in MarkdownReporter().render(card)


def test_the_scan_and_the_parse_stop_at_the_deadline(tmp_path: Path) -> None:
    write_tree(tmp_path, {f"m{i}.py": "x = 1\n" for i in range(30)})
    repo = Repository.scan(tmp_path, deadline=time.monotonic() - 1)
    assert repo.files == [] and repo.budget_exhausted
    assert sum(n for why, n in repo.skipped.items() if "audit time budget" in why) >= 1
    from auditor.sources import Sources

    full = Repository.scan(tmp_path)
    sources = Sources(full)
    sources.parse_all(deadline=time.monotonic() - 1)
    assert sources.unparsed == 30


# -- reading the target -----------------------------------------------------------------------------------------


def test_a_walk_a_thousand_folders_deep_is_iterative_and_capped(tmp_path: Path) -> None:
    root = tmp_path / "t"
    path = root
    root.mkdir()
    for _ in range(1_100):  # os.makedirs and shutil.rmtree recurse: build and remove the tree by hand
        path = path / "d"
        path.mkdir()
    (path / "deep.py").write_text("x = 1\n")
    (root / "top.py").write_text("x = 1\n")
    try:
        r = Repository.scan(root)
        assert [f.path for f in r.files] == ["top.py"]
        assert r.skipped["folder nested too deep"] == 1
        assert MAX_DEPTH < 1_100
    finally:
        (path / "deep.py").unlink()
        while path != root:
            path.rmdir()
            path = path.parent


def _device(path: Path) -> bool:
    try:
        os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 3))  # /dev/null's numbers: harmless if opened
    except (PermissionError, OSError):
        return False
    return True


def test_device_nodes_with_report_names_are_never_opened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = ["coverage.xml", "lcov.info", "coverage.out", ".coverage", ".gitignore", "app.py"]
    if not all(_device(tmp_path / n) for n in names):
        pytest.skip("cannot create device nodes here")
    (tmp_path / "real.py").write_text(BARE)
    opened: list[str] = []
    real_open = os.open

    def spy(path: object, flags: int, *args: object, **kwargs: object) -> int:
        opened.append(os.fsdecode(path))  # type: ignore[arg-type]
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", spy)
    card = audit(tmp_path, Config())
    assert [f.path for f in card.repo.files] == ["real.py"]
    touched = [p for p in opened if os.path.basename(p) in names]
    assert touched == [], "a device node was opened"


# -- text from the target ---------------------------------------------------------------------------------------


def _branchy_repo(tmp_path: Path, branch: str, files: dict[str, str | bytes]) -> Path:
    root = write_tree(tmp_path / "t", files)
    git(root, "init", "-q", "-b", branch)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "one")
    return root


def test_a_token_in_the_branch_name_is_redacted_everywhere(tmp_path: Path) -> None:
    root = _branchy_repo(tmp_path, f"tok-{TOKEN}", {"app.py": BARE})
    out = tmp_path / "out"
    proc = cli("audit", str(root), "-o", str(out))
    assert proc.returncode in (0, 1), proc.stderr
    texts = {"stdout": proc.stdout, "stderr": proc.stderr} | {p.name: p.read_text() for p in out.iterdir()}
    assert [name for name, text in texts.items() if TOKEN in text] == []
    assert "ghp_[redacted 40 chars]" in texts["report.json"] and "ghp_[redacted 40 chars]" in texts["stdout"]


@pytest.mark.parametrize("raw", ["\x9b31m", "\u202eevil", "\u2066iso\u2069", "zero\u200bwidth", "\u200fRLM", "a\u2060b",
                                 "bom\ufeff"])
def test_controls_in_branch_paths_and_project_names_never_reach_a_human_raw(tmp_path: Path, raw: str) -> None:
    name = f"svc{raw}"
    files: dict[str, str | bytes] = {
        f"app/{name}.py": BARE,
        "backend/package.json": json.dumps({"name": name + "\x1b[2J\x07", "dependencies": {"express": "1"}}),
        "backend/index.js": "const express = require('express');\n",
        "frontend/package.json": json.dumps({"name": "web", "dependencies": {"react": "1"}}),
        "frontend/src/app.js": f"// {raw}\nexport const x = 1;\n",
    }
    try:
        root = _branchy_repo(tmp_path, "b" + "".join(c for c in raw if c.isprintable() or c in "\u202e\u2066\u2069"), files)
    except subprocess.CalledProcessError:
        root = _branchy_repo(tmp_path, "plain", files)
    out = tmp_path / "out"
    proc = cli("audit", str(root), "-o", str(out))
    assert proc.returncode in (0, 1), proc.stderr
    invisible = [c for c in raw if not c.isascii() or not c.isprintable()] + ["\x1b", "\x07"]
    for text in (proc.stdout, (out / "report.html").read_text(), (out / "report.md").read_text()):
        assert [c for c in invisible if c in text] == []
    data = json.loads((out / "report.json").read_text())
    assert any(raw in p["name"] or raw in p["path"] for p in data["projects"]) or any(raw in f["path"] for f in (
        f for c in data["checks"] for f in c["findings"]))


def test_file_paths_and_project_names_are_redacted_in_every_report(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        f"api/{TOKEN}.py": BARE,
        "api/pyproject.toml": f"[project]\nname = \"svc-{TOKEN}\"\ndependencies = [\"fastapi\"]\n",
        "web/package.json": json.dumps({"name": "web", "dependencies": {"react": "1"}}),
        "web/src/a.js": "export const a = 1;\n",
    }
    root = write_tree(tmp_path / "t", files)
    git_init(root)
    out = tmp_path / "out"
    proc = cli("audit", str(root), "-o", str(out))
    assert proc.returncode in (0, 1), proc.stderr
    for p in out.iterdir():
        assert TOKEN not in p.read_text(), p.name
    assert TOKEN not in proc.stdout


def test_markdown_with_many_projects_and_unscored_checks_fits_a_pr_comment() -> None:
    from reports.base import scorecard_to_dict
    from reports.markdown import GITHUB_COMMENT_LIMIT, render_markdown
    from tests.test_reports import monorepo_card

    data = scorecard_to_dict(monorepo_card())
    proto_project = data["projects"][0]
    data["projects"] = [{**proto_project, "name": f"project-{i:02d}-" + "x" * 60, "path": f"services/p{i}/" + "y" * 60}
                        for i in range(30)]
    proto_check = data["checks"][0]
    data["checks"] = [{**proto_check, "id": f"fam/check-{i}", "status": "error" if i % 2 else "not_applicable",
                       "findings": [], "reason": "did not finish within 120s " + "z" * 300, "project": f"project-{i % 30}"}
                      for i in range(200)]
    text = render_markdown(data)
    assert len(text) < GITHUB_COMMENT_LIMIT
    assert "### Checks not scored" in text and "### Projects" in text and "more (see the HTML or JSON report)" in text


def test_usage_errors_stay_usage_errors() -> None:
    with pytest.raises(UsageError):
        audit(".", Config(only=("no/such-check",)))
