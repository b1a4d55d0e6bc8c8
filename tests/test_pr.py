"""`auditor pr`: a change audited against the merge base of its base branch, in real git repositories.

The done-means test drives the real CLI twice against the loopback GitHub server (tests/forge_server.py): one
comment is created, then updated, and it lists exactly the findings the branch added.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from forge_server import TOKEN, forge_server

from reports.pr_comment import MARKER
from tests.helpers import git, git_init, write_tree

SWALLOW = "def {name}(p):\n    try:\n        return open(p).read()\n    except:\n        return None\n"
CLEAN = "def {name}(p):\n    with open(p) as f:\n        return f.read()\n"


def _run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GITLAB_", "CI_"))}
    return subprocess.run([sys.executable, "-m", "auditor", *args], capture_output=True, text=True, timeout=240,
                          env={**base, **(env or {})}, cwd=cwd)


def _repo(tmp_path: Path) -> tuple[Path, str]:
    """main: store.py and legacy.py swallow errors. feature: store.py renamed (its finding stays), legacy.py fixed,
    jobs.py added with a new bare except. Returns the root and the merge base."""
    root = write_tree(tmp_path / "svc", {
        "pyproject.toml": '[project]\nname = "svc"\n',
        "svc/store.py": SWALLOW.format(name="load") + "\n\n" + CLEAN.format(name="other"),
        "svc/legacy.py": SWALLOW.format(name="old"),
    })
    git_init(root)
    merge_base = git(root, "rev-parse", "HEAD").strip()
    git(root, "checkout", "-q", "-b", "feature")
    git(root, "mv", "svc/store.py", "svc/storage.py")
    write_tree(root, {"svc/legacy.py": CLEAN.format(name="old"), "svc/jobs.py": "import os\n\n\n" + SWALLOW.format(name="run")})
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "feature")
    git(root, "checkout", "-q", "main")  # main moves on after the branch point: its new commit is not the base
    write_tree(root, {"svc/later.py": SWALLOW.format(name="later")})
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "main moves on")
    git(root, "checkout", "-q", "feature")
    return root, merge_base


def _findings(report: dict[str, Any]) -> list[tuple[str, int, str]]:
    return sorted((f["path"], f["line"], f.get("change", "")) for c in report["checks"] for f in c["findings"])


def _github_env(tmp_path: Path, api: str, sha: str) -> dict[str, str]:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"number": 7, "pull_request": {"number": 7, "head": {"sha": sha}}}))
    return {"GITHUB_ACTIONS": "true", "GITHUB_API_URL": api, "GITHUB_REPOSITORY": "acme/svc", "GITHUB_TOKEN": TOKEN,
            "GITHUB_EVENT_PATH": str(event), "GITHUB_SERVER_URL": "https://github.com", "GITHUB_RUN_ID": "42",
            "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")}


def _section(body: str, title: str) -> str:
    """The lines of one section of the comment (from its heading to the next heading or <details>)."""
    m = re.search(rf"^### [^\n]*{title}[^\n]*\n(.*?)(?=^### |^<details>|\Z)", body, re.S | re.M)
    return m.group(1) if m else ""


def test_done_means_pr_posts_once_then_updates_listing_exactly_the_added_findings(tmp_path: Path) -> None:
    root, merge_base = _repo(tmp_path)
    head = git(root, "rev-parse", "HEAD").strip()
    status_before = git(root, "status", "--porcelain", "--ignored")
    with forge_server("github") as (api, state):
        state.add_others(120)  # our comment must be found past the first page
        env = _github_env(tmp_path, api, head)
        for _ in range(2):
            result = _run("pr", str(root), "--base", "main", "--only", "errors/*", "--format", "json,md",
                          "-o", str(tmp_path / "out"), "--fail-on", "high", "--post", "github", env=env)
            assert result.returncode == 1, result.stderr  # the one new high finding fails the gate
            assert result.stderr == ""
        [ours] = state.ours(MARKER)
        assert state.count("POST", r"/issues/7/comments$") == 1
        assert state.count("PATCH", rf"/issues/comments/{ours['id']}$") == 1
        assert len(state.comments) == 121
    body = ours["body"]
    new = _section(body, "New findings")
    assert re.findall(r"\*\*\[?([\w/.]+:\d+)", new) == ["svc/jobs.py:7"]
    assert f"https://github.com/acme/svc/blob/{head}/svc/jobs.py#L7" in new
    fixed = _section(body, "Fixed")
    assert "svc/legacy.py:4" in fixed and "svc/jobs.py" not in fixed
    assert "svc/later.py" not in body  # a commit on main after the branch point is neither base nor head
    assert "svc/storage.py:4" in body.split("<details>", 1)[1]  # the renamed file's finding: unchanged, folded
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert _findings(report) == [("svc/jobs.py", 7, "new"), ("svc/storage.py", 4, "unchanged")]
    diff = report["diff"]
    assert (diff["base"], diff["head"], diff["merge_base"], diff["mode"]) == ("main", head, merge_base, "merge-base-audit")
    assert (diff["new"], diff["unchanged"]) == (1, 1)
    assert [(f["path"], f["line"]) for f in diff["fixed"]] == [("svc/legacy.py", 4)]
    assert "error-handling" in diff["category_deltas"] and diff["renames"] == 1
    assert report["gate"]["reasons"] == ["1 new finding at or above 'high' (worst: high)"]
    # nothing touched in the target: no file added, changed or left behind, HEAD where it was
    assert git(root, "status", "--porcelain", "--ignored") == status_before
    assert git(root, "rev-parse", "HEAD").strip() == head


def test_only_new_findings_fail_the_pr_gate(tmp_path: Path) -> None:
    root, _ = _repo(tmp_path)
    git(root, "rm", "-q", "svc/jobs.py")
    git(root, "commit", "-q", "-m", "drop the new file")
    result = _run("pr", str(root), "--base", "main", "--only", "errors/*", "--format", "json", "-o",
                  str(tmp_path / "out"), "--fail-on", "high")
    assert result.returncode == 0, result.stdout + result.stderr  # the unchanged finding does not count
    assert "Against main" in result.stdout and "0 new, 1 unchanged, 1 fixed" in result.stdout
    md = _run("report", str(tmp_path / "out" / "report.json"), "--format", "md", "-o", str(tmp_path / "md"))
    assert md.returncode == 0, md.stderr
    assert "0 new findings, 1 unchanged, 1 fixed" in (tmp_path / "md" / "report.md").read_text()
    # the same tree audited whole fails on the same finding
    assert _run("audit", str(root), "--only", "errors/*", "--format", "json", "-o", str(tmp_path / "o2"),
                "--fail-on", "high").returncode == 1


def test_fail_under_delta_fails_on_a_score_drop(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "svc", {"pyproject.toml": '[project]\nname = "svc"\n',
                                         "svc/a.py": CLEAN.format(name="a")})
    git_init(root)
    git(root, "checkout", "-q", "-b", "feature")
    write_tree(root, {"svc/b.py": SWALLOW.format(name="b")})
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "b")
    args = ("pr", str(root), "--base", "main", "--only", "errors/*", "--format", "json", "--fail-on", "none")
    passing = _run(*args, "-o", str(tmp_path / "o1"))
    assert passing.returncode == 0, passing.stdout + passing.stderr
    failing = _run(*args, "-o", str(tmp_path / "o2"), "--fail-under-delta", "1")
    assert failing.returncode == 1
    report = json.loads((tmp_path / "o2" / "report.json").read_text())
    assert report["diff"]["score_delta"] < -1
    assert any("dropped" in r for r in report["gate"]["reasons"])


def test_base_report_stands_for_the_base(tmp_path: Path) -> None:
    root, _ = _repo(tmp_path)
    git(root, "checkout", "-q", "main~1")  # the merge base, detached
    base = _run("audit", str(root), "--only", "errors/*", "--format", "json", "-o", str(tmp_path / "base"))
    assert base.returncode in (0, 1), base.stderr
    git(root, "checkout", "-q", "feature")
    result = _run("pr", str(root), "--base", "main", "--base-report", str(tmp_path / "base" / "report.json"),
                  "--only", "errors/*", "--format", "json", "-o", str(tmp_path / "out"), "--fail-on", "high")
    assert result.returncode == 1, result.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["diff"]["mode"] == "base-report"
    assert _findings(report) == [("svc/jobs.py", 7, "new"), ("svc/storage.py", 4, "unchanged")]  # rename followed
    assert [f["path"] for f in report["diff"]["fixed"]] == ["svc/legacy.py"]


def test_a_shallow_clone_falls_back_to_a_full_audit_and_says_so(tmp_path: Path) -> None:
    root, _ = _repo(tmp_path)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", "--branch", "feature", "--no-local", root.as_uri(), str(clone)],
                   check=True, capture_output=True, timeout=60)
    subprocess.run(["git", "-C", str(clone), "fetch", "-q", "--depth", "1", "origin", "main:main"], check=True,
                   capture_output=True, timeout=60)
    result = _run("pr", str(clone), "--base", "main", "--only", "errors/*", "--format", "json", "-o",
                  str(tmp_path / "out"), "--fail-on", "none")
    assert result.returncode == 0, result.stderr
    assert "NOT COMPARED with main: shallow clone" in result.stdout
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["diff"]["mode"] == "full-audit-fallback" and "shallow clone" in report["diff"]["reason"]
    assert {c for _, _, c in _findings(report)} == {"new"}


def test_config_from_base_keeps_a_fork_from_switching_checks_off(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "svc", {"pyproject.toml": '[project]\nname = "svc"\n', "svc/a.py": CLEAN.format(name="a")})
    git_init(root)
    git(root, "checkout", "-q", "-b", "fork")
    write_tree(root, {"svc/b.py": SWALLOW.format(name="b"),
                      ".auditor.toml": 'skip = ["errors/bare-except"]\n'})
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "sneaky")
    args = ("pr", str(root), "--base", "main", "--only", "errors/*", "--format", "json", "--fail-on", "high")
    trusting = _run(*args, "-o", str(tmp_path / "o1"))
    guarded = _run(*args, "-o", str(tmp_path / "o2"), "--config-from-base")
    assert (trusting.returncode, guarded.returncode) == (0, 1), trusting.stderr + guarded.stderr
    report = json.loads((tmp_path / "o2" / "report.json").read_text())
    assert _findings(report) == [("svc/b.py", 4, "new")]
    both = _run(*args, "-o", str(tmp_path / "o3"), "--config-from-base", "--config", str(tmp_path / "x.toml"))
    assert both.returncode == 2 and both.stderr.count("\n") == 1 and "exclude each other" in both.stderr


def test_bad_base_is_one_line_and_usage_exit(tmp_path: Path) -> None:
    root, _ = _repo(tmp_path)
    for ref in ("no-such-branch", "--upload-pack=touch /tmp/x"):
        result = _run("pr", str(root), "--base", ref, "--format", "json", "-o", str(tmp_path / "out"))
        assert result.returncode == 2, result.stderr
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    plain = write_tree(tmp_path / "plain", {"a.py": "x = 1\n"})
    result = _run("pr", str(plain), "--base", "main", "--format", "json", "-o", str(tmp_path / "out"))
    assert result.returncode == 3 and result.stderr.count("\n") == 1 and "git" in result.stderr


def test_the_targets_git_config_runs_nothing_during_pr(tmp_path: Path) -> None:
    root, _ = _repo(tmp_path)
    canary = tmp_path / "ran"
    (root / ".gitattributes").write_text("* filter=evil diff=evil\n")
    git(root, "add", ".gitattributes")
    git(root, "commit", "-q", "-m", "attributes")
    for key in ("core.fsmonitor", "core.pager", "diff.external", "core.sshCommand", "filter.evil.smudge",
                "filter.evil.clean", "diff.evil.textconv", "core.hooksPath"):
        git(root, "config", key, f"touch {canary}")
    result = _run("pr", str(root), "--base", "main", "--only", "errors/*", "--format", "json", "-o",
                  str(tmp_path / "out"), "--fail-on", "none")
    assert result.returncode == 0, result.stderr
    assert not canary.exists()
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["diff"]["mode"] == "merge-base-audit" and report["diff"]["new"] == 1
