"""Links from the reports to the audited commit on its forge: `target.remote`, from a flag, the CI or the target's own
remote.origin.url (hostile text, read without git ever acting on the target's configuration)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from test_reports import _validator

from auditor.remote import MAX_REMOTE_CHARS, WebRemote, forge_of_host, web_remote
from publishers.ci import CiRequest, with_ci_remote
from reports.links import Forge, finding_link, finding_linker, remote_dict
from reports.pr_comment import _with_report_remote
from tests.helpers import git, git_init, write_tree

TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
SWALLOW = "def load(p):\n    try:\n        return open(p).read()\n    except:\n        return None\n"


@pytest.mark.parametrize(("remote", "url", "forge"), [
    ("git@github.com:o/n.git", "https://github.com/o/n", "github"),
    ("github.com:o/n", "https://github.com/o/n", "github"),
    ("ssh://git@github.com/o/n.git", "https://github.com/o/n", "github"),
    ("ssh://git@github.com:22/o/n.git/", "https://github.com/o/n", "github"),
    ("git+ssh://git@gitlab.com/group/sub/n.git", "https://gitlab.com/group/sub/n", "gitlab"),
    ("git://github.com/o/n.git", "https://github.com/o/n", "github"),
    (f"https://user:{TOKEN}@github.com/o/n.git", "https://github.com/o/n", "github"),
    (f"https://x-access-token:{TOKEN}@github.com/o/n", "https://github.com/o/n", "github"),
    ("http://github.com/o/n.git", "https://github.com/o/n", "github"),  # github.com is always https
    (f"https://gitlab.com/o/n.git?private_token={TOKEN}#frag", "https://gitlab.com/o/n", "gitlab"),
    ("https://GitHub.COM/O/N", "https://github.com/O/N", "github"),
    ("git@gitlab.example.com:team/api.git", "https://gitlab.example.com/team/api", "gitlab"),
    ("https://git.example.org:8443/team/api.git", "https://git.example.org:8443/team/api", None),
    ("https://git.example.org:443/team/api", "https://git.example.org/team/api", None),
    ("http://git.example.org:8080/team/api", "http://git.example.org:8080/team/api", None),
    ("ssh://git@git.example.org:2222/team/api.git", "https://git.example.org/team/api", None),  # the ssh port is not the web's
    ("  git@github.com:o/n.git\t", "https://github.com/o/n", "github"),  # git trims a value; so do we
])
def test_remote_forms_are_normalised_without_credentials(remote: str, url: str, forge: str | None) -> None:
    assert web_remote(remote) == WebRemote(url, forge)
    assert TOKEN not in repr(web_remote(remote))


@pytest.mark.parametrize("remote", [
    None, "", "   ",
    "ext::sh -c touch% /tmp/pwned",
    "ext::sh",
    "fd::3",
    "file:///etc",
    "file:///etc/passwd",
    "/srv/git/n.git",
    "../n.git",
    "./n",
    "C:\\repos\\n.git",
    "javascript:alert(1)",
    "javascript://github.com/%0aalert(1)",
    "data:text/html,<script>alert(1)</script>",
    "https://github.com/o/n\nhttps://evil.example/x",
    "https://github.com/o /n",
    "https://github.com/o/n\x00",
    "https://github.com/o/\u202en",
    "https://github.com/o/<script>",
    "https://github.com/o/n\"onmouseover=alert(1)",
    "https://github.com/../../etc/passwd",
    "https://github.com/o/..",
    "https://github.com/only-one-segment",
    "https://github.com",
    "https://-evil.com/o/n",
    "https://exa_mple.com/o/n",
    "https://[::1]/o/n",
    "https://github.com:99999/o/n",
    "-uhttps://github.com/o/n",
    "--upload-pack=touch /tmp/x:o/n",
    "git@github.com:~user/n.git",
    "localhost-no-dot:o/n",
    "ftp://github.com/o/n",
    "https://github.com/o/n" + "/x" * MAX_REMOTE_CHARS,  # a huge value
    "git@github.com:" + "a" * 10_000 + "/n",
])
def test_hostile_or_unreadable_remotes_give_nothing(remote: str | None) -> None:
    assert web_remote(remote) is None


def test_forge_is_told_by_host_only_for_known_hosts() -> None:
    assert forge_of_host("github.com") == "github"
    assert forge_of_host("gitlab.com") == "gitlab"
    assert forge_of_host("gitlab.internal.example") == "gitlab"
    assert forge_of_host("code.gitlab-ee.example") == "gitlab"
    assert forge_of_host("github.com.evil.example") is None  # a look-alike is not GitHub
    assert forge_of_host("bitbucket.org") is None


def _report(remote: dict[str, Any] | None, findings: list[dict[str, Any]]) -> dict[str, Any]:
    return {"target": {"commit": "a" * 40, "remote": remote}, "checks": [{"findings": findings}]}


def test_finding_links_follow_the_remote_the_folder_and_the_changed_files() -> None:
    remote = remote_dict(WebRemote("https://github.com/o/n", "github"), "a" * 40, "services/api", ["app/new.py"])
    data = _report(remote, [])
    sha = "a" * 40
    assert finding_link(data, {"path": "app/x y.py", "line": 3, "end_line": 5}) == \
        f"https://github.com/o/n/blob/{sha}/services/api/app/x%20y.py#L3-L5"
    assert finding_link(data, {"path": "app/new.py", "line": 3}) is None  # modified or untracked: other lines
    assert finding_link(data, {"path": None, "line": None}) is None
    gitlab = remote_dict(WebRemote("https://gitlab.example.com/t/a", "gitlab"), sha, "", [])
    assert finding_link(_report(gitlab, []), {"path": "a.py", "line": 2, "end_line": 4}) == \
        f"https://gitlab.example.com/t/a/-/blob/{sha}/a.py#L2-4"
    unknown = remote_dict(WebRemote("https://git.example.org/t/a", None), sha, "", [])
    assert finding_link(_report(unknown, []), {"path": "a.py", "line": 2}) is None  # no forge kind: no link
    assert finding_link(_report(None, []), {"path": "a.py", "line": 2}) is None
    no_commit = remote_dict(WebRemote("https://github.com/o/n", "github"), None, "", [])
    assert finding_link(_report(no_commit, []), {"path": "a.py", "line": 2}) is None
    base = "b" * 40  # the fixed findings of a pull request link to the merge base, where they were
    assert finding_linker(data, commit=base)({"path": "app/new.py", "line": 1}) == \
        f"https://github.com/o/n/blob/{base}/services/api/app/new.py#L1"


def test_ci_and_the_flag_win_over_the_targets_remote() -> None:
    sha = "c" * 40
    own = remote_dict(WebRemote("https://github.com/mine/fork", "github"), sha, "sub", [])
    data = {"target": {"commit": sha, "remote": own}}
    env = {"GITHUB_ACTIONS": "true", "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/svc"}
    out = with_ci_remote(data, CiRequest(), env)
    assert out["target"]["remote"] == {**own, "url": "https://github.com/acme/svc", "source": "ci"}
    assert data["target"]["remote"] is own  # the report given is not changed
    flag = with_ci_remote(data, CiRequest(repository_url=f"https://u:{TOKEN}@git.example.org/t/a?x=1"), {})
    assert flag["target"]["remote"]["url"] == "https://git.example.org/t/a"
    assert flag["target"]["remote"]["forge"] is None and flag["target"]["remote"]["source"] == "option"
    posted = with_ci_remote(data, CiRequest(repository_url="https://git.example.org/t/a", post="gitlab"), {})
    assert posted["target"]["remote"]["forge"] == "gitlab"  # --post says which forge it is
    gitlab = with_ci_remote(data, CiRequest(), {"GITLAB_CI": "true", "CI_PROJECT_URL": "https://code.example.org/t/a",
                                                "CI_COMMIT_SHA": "d" * 40})
    assert gitlab["target"]["remote"]["forge"] == "gitlab" and gitlab["target"]["remote"]["commit"] == "d" * 40
    assert with_ci_remote(data, CiRequest(), {}) is data  # nothing names a repository: the target's own stands
    bad = with_ci_remote(data, CiRequest(repository_url="javascript:alert(1)"), {})
    assert bad["target"]["remote"] == own


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GITLAB_", "CI_"))}
    return subprocess.run([sys.executable, "-m", "auditor", *args], capture_output=True, text=True, timeout=240,
                          env={**base, **(env or {})})


def _audit(root: Path, out: Path, *extra: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    result = _run("audit", str(root), "--only", "errors/*", "--format", "json,html,md", "-o", str(out), *extra, env=env)
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = json.loads((out / "report.json").read_text())
    return report


def test_a_real_repository_with_a_remote_gets_target_remote_and_links(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {"pyproject.toml": '[project]\nname = "r"\n', "svc/app.py": SWALLOW,
                                          "svc/other.py": SWALLOW})
    git_init(root)
    git(root, "remote", "add", "origin", f"https://deploy:{TOKEN}@github.com/acme/svc.git")
    sha = git(root, "rev-parse", "HEAD").strip()
    write_tree(root, {"svc/other.py": "\n" + SWALLOW, "svc/untracked.py": SWALLOW})  # lines no longer the commit's
    report = _audit(root, tmp_path / "out")
    assert report["target"]["remote"] == {"url": "https://github.com/acme/svc", "forge": "github", "commit": sha,
                                          "path": "", "not_at_commit": ["svc/other.py", "svc/untracked.py"],
                                          "source": "git-config"}
    errors = sorted(str(e.message) for e in _validator().iter_errors(report))
    assert errors == []
    for name in ("report.json", "report.html", "report.md"):
        text = (tmp_path / "out" / name).read_text()
        assert TOKEN not in text and "deploy" not in text
    md = (tmp_path / "out" / "report.md").read_text()
    assert f"[svc/app.py:4](https://github.com/acme/svc/blob/{sha}/svc/app.py#L4)" in md
    assert "[svc/other.py" not in md and "[svc/untracked.py" not in md
    html = (tmp_path / "out" / "report.html").read_text()
    assert f'href="https://github.com/acme/svc/blob/{sha}/svc/app.py#L4" rel="noopener noreferrer"' in html


def test_a_target_below_the_top_links_with_its_folder_and_no_remote_means_no_link(tmp_path: Path) -> None:
    top = write_tree(tmp_path / "mono", {"services/api/pyproject.toml": '[project]\nname = "api"\n',
                                         "services/api/app.py": SWALLOW})
    git_init(top)
    git(top, "remote", "add", "origin", "git@gitlab.com:acme/mono.git")
    sha = git(top, "rev-parse", "HEAD").strip()
    report = _audit(top / "services" / "api", tmp_path / "out")
    assert report["target"]["remote"]["path"] == "services/api"
    md = (tmp_path / "out" / "report.md").read_text()
    assert f"(https://gitlab.com/acme/mono/-/blob/{sha}/services/api/app.py#L4)" in md
    git(top, "remote", "remove", "origin")
    report = _audit(top / "services" / "api", tmp_path / "out2")
    assert report["target"]["remote"]["url"] is None and report["target"]["remote"]["source"] is None
    assert "](https://" not in (tmp_path / "out2" / "report.md").read_text()
    assert "class=\"path source-link\"" not in (tmp_path / "out2" / "report.html").read_text()


def test_the_ci_environment_and_the_flag_name_the_repository(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {"pyproject.toml": '[project]\nname = "r"\n', "app.py": SWALLOW})
    git_init(root)
    git(root, "remote", "add", "origin", "git@github.com:someone/fork.git")
    sha = git(root, "rev-parse", "HEAD").strip()
    env = {"GITHUB_ACTIONS": "true", "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/svc"}
    report = _audit(root, tmp_path / "out", env=env)
    assert report["target"]["remote"]["url"] == "https://github.com/acme/svc"
    assert report["target"]["remote"]["source"] == "ci"
    result = _run("report", str(tmp_path / "out" / "report.json"), "--format", "md", "-o", str(tmp_path / "re"),
                  "--repository-url", "https://gitlab.example.com/acme/svc")
    assert result.returncode == 0, result.stderr
    md = (tmp_path / "re" / "report.md").read_text()
    assert f"(https://gitlab.example.com/acme/svc/-/blob/{sha}/app.py#L4)" in md


def test_a_hostile_git_config_is_neither_run_nor_followed(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {"pyproject.toml": '[project]\nname = "r"\n', "app.py": SWALLOW})
    git_init(root)
    canary = tmp_path / "ran"
    outside = write_tree(tmp_path / "outside", {"included": '[remote "origin"]\n\turl = https://github.com/included/leak\n'})
    config = root / ".git" / "config"
    config.write_text(config.read_text() + (
        f"[core]\n\tfsmonitor = touch {canary}\n\tsshCommand = touch {canary}\n\tpager = touch {canary}\n"
        f"[include]\n\tpath = {outside / 'included'}\n\tpath = /etc/passwd\n"
        f'[includeIf "gitdir:**"]\n\tpath = {outside / "included"}\n'
        f'[remote "origin"]\n\turl = ext::sh -c touch% {canary}\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n'
        f"[credential]\n\thelper = !touch {canary}\n"))
    report = _audit(root, tmp_path / "out")
    assert not canary.exists()
    remote = report["target"]["remote"]
    assert remote["url"] is None  # ext:: is no web address, and the included file was never read
    assert "included" not in json.dumps(report)
    # the same config with a plain url: that url, still nothing run or included
    config.write_text(config.read_text().replace(f"ext::sh -c touch% {canary}", "git@github.com:acme/svc.git"))
    report = _audit(root, tmp_path / "out2")
    assert not canary.exists()
    assert report["target"]["remote"]["url"] == "https://github.com/acme/svc"


def test_a_report_without_a_remote_renders_as_before() -> None:
    data = {"target": {"commit": "a" * 40}, "checks": []}
    assert finding_linker(data)({"path": "a.py", "line": 1}) is None
    # the PR comment falls back on target.remote when the CI names no repository
    remote = remote_dict(WebRemote("https://github.com/o/n", "github"), "a" * 40, "", [])
    assert _with_report_remote(Forge(), {"target": {"remote": remote}}).repository_url == "https://github.com/o/n"
    assert _with_report_remote(Forge("https://x.example/o/n"), {"target": {"remote": remote}}).repository_url == \
        "https://x.example/o/n"
