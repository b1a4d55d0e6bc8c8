"""Publishing to a forge, against loopback servers that behave like GitHub's and GitLab's REST APIs
(tests/forge_server.py), through the same code path as production: the base URL comes from GITHUB_API_URL
or CI_API_V4_URL, the pull request from GITHUB_EVENT_PATH or CI_MERGE_REQUEST_IID."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from forge_server import TOKEN, forge_server
from test_reports import demo_card, many_findings_card

from publishers.annotations import escape_data, escape_property, workflow_commands
from publishers.ci import CiRequest, publish
from publishers.github import GitHubPullRequest, pull_request_from_env, upsert_comment
from publishers.http import ApiClient, ApiError, next_page_url
from reports.base import scorecard_to_dict
from reports.pr_comment import MARKER, marker
from tests.helpers import git, git_init, write_tree

HEAD = "0123456789abcdef0123456789abcdef01234567"


def _data(card: Any = None) -> dict[str, Any]:
    return json.loads(json.dumps(scorecard_to_dict(card or demo_card())))


def _github_env(tmp_path: Path, api: str, *, number: int = 7, sha: str = HEAD, summary: bool = True) -> dict[str, str]:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"number": number, "pull_request": {"number": number, "head": {"sha": sha}}}))
    env = {"GITHUB_ACTIONS": "true", "GITHUB_API_URL": api, "GITHUB_REPOSITORY": "acme/svc", "GITHUB_TOKEN": TOKEN,
           "GITHUB_EVENT_PATH": str(event), "GITHUB_SERVER_URL": "https://github.com", "GITHUB_RUN_ID": "42"}
    if summary:
        env["GITHUB_STEP_SUMMARY"] = str(tmp_path / "summary.md")
    return env


# -- the HTTP client -------------------------------------------------------------------------------------
def test_next_page_from_link_or_gitlab_headers() -> None:
    link = '<https://api.github.com/x?page=2>; rel="next", <https://api.github.com/x?page=5>; rel="last"'
    assert next_page_url({"link": link}, "https://api.github.com/x") == "https://api.github.com/x?page=2"
    assert next_page_url({"x-next-page": "3"}, "https://gl/api/v4/notes?per_page=100&page=2") == \
        "https://gl/api/v4/notes?per_page=100&page=3"
    assert next_page_url({"x-next-page": ""}, "https://gl/x") is None
    assert next_page_url({}, "https://gl/x") is None


def test_client_refuses_plain_http_to_another_host_and_links_elsewhere() -> None:
    with pytest.raises(ApiError, match="plain http"):
        ApiClient("http://api.example.com", TOKEN)
    client = ApiClient("https://api.example.com", TOKEN)
    with pytest.raises(ApiError, match="another host"):
        client.url("https://evil.example.net/steal")
    assert client.url("repos/a/b") == "https://api.example.com/repos/a/b"


def test_a_next_link_to_another_host_is_not_followed() -> None:
    with forge_server("github") as (api, state):
        state.add_others(150)
        state.next_link_host = "http://127.0.0.2:9"
        client = ApiClient(api, TOKEN, timeout=5)
        with pytest.raises(ApiError, match="another host"):
            list(client.pages("repos/acme/svc/issues/7/comments?per_page=100"))
        assert len(state.log) == 1


def test_a_redirect_to_another_host_is_refused_and_the_token_stays_home() -> None:
    with forge_server("github") as (api, state), forge_server("github") as (other, other_state):
        state.redirect_to = other
        client = ApiClient(api, TOKEN, timeout=5)
        with pytest.raises(ApiError, match="refused a redirect to another host"):
            client.request("GET", "repos/acme/svc/issues/7/comments")
        assert other_state.log == []


def test_the_token_never_appears_in_an_error() -> None:
    with forge_server("github") as (api, state):
        state.token = "something-else"
        state.echo_token_in_errors = True
        client = ApiClient(api, TOKEN, timeout=5)
        with pytest.raises(ApiError) as info:
            client.request("GET", "repos/acme/svc/issues/7/comments")
        assert info.value.status == 401
        assert TOKEN not in str(info.value) and "[token]" in str(info.value)


def test_a_response_over_the_size_limit_is_refused() -> None:
    with forge_server("github") as (api, state):
        state.add_others(100)
        client = ApiClient(api, TOKEN, timeout=5, max_bytes=1000)
        with pytest.raises(ApiError, match="larger than 1000 bytes"):
            client.request("GET", "repos/acme/svc/issues/7/comments?per_page=100")


# -- GitHub: find, create, update ------------------------------------------------------------------------
def test_pull_request_from_the_actions_environment(tmp_path: Path) -> None:
    env = _github_env(tmp_path, "https://api.github.com")
    pr = pull_request_from_env(env)
    assert pr == GitHubPullRequest("https://api.github.com", "acme/svc", 7, HEAD, TOKEN)
    assert pull_request_from_env(env, number=9, repository="o/r").number == 9
    from publishers.github import PublishError

    with pytest.raises(PublishError, match="no pull request"):
        pull_request_from_env({**env, "GITHUB_EVENT_PATH": str(tmp_path / "missing.json")})
    with pytest.raises(PublishError, match="no token"):
        pull_request_from_env({**env, "GITHUB_TOKEN": ""})


def test_upsert_finds_our_comment_on_the_third_page_and_updates_it() -> None:
    with forge_server("github") as (api, state):
        state.add_others(250)
        state.comments.append({"id": 1, "body": f"{MARKER}\nold", "user": {"login": "bot"}})
        state.comments.append({"id": 2, "body": f"{marker('other-job')}\nkeep me", "user": {"login": "bot"}})
        pr = GitHubPullRequest(api, "acme/svc", 7, HEAD, TOKEN)
        client = ApiClient(api, TOKEN, timeout=5)
        assert upsert_comment(client, pr, f"{MARKER}\nnew", MARKER) == ("updated", 1)
        assert state.count("GET", r"/issues/7/comments") == 3  # 100 + 100 + 52, following Link rel="next"
        assert [c["body"] for c in state.comments if c["id"] in (1, 2)] == [f"{MARKER}\nnew", f"{marker('other-job')}\nkeep me"]
        assert len(state.comments) == 252


def test_publish_creates_then_updates_and_sets_statuses(tmp_path: Path) -> None:
    with forge_server("github") as (api, state):
        state.add_others(250)
        env = _github_env(tmp_path, api)
        first = publish(_data(), CiRequest(post="github"), env, tmp_path)
        second = publish(_data(), CiRequest(post="github"), env, tmp_path)
        assert (first.posted, second.posted, first.warnings, second.warnings) == ("created", "updated", [], [])
        assert len(state.ours(MARKER)) == 1 and len(state.comments) == 251
        assert state.count("POST", r"/issues/7/comments$") == 1 and state.count("PATCH", r"/issues/comments/") == 1
        assert [(s["sha"], s["state"], s["context"]) for s in state.statuses] == [(HEAD, "failure", "auditor")] * 2
        assert state.statuses[0]["target_url"] == "https://github.com/acme/svc/actions/runs/42"
        assert len(state.statuses[0]["description"]) <= 140
        body = state.ours(MARKER)[0]["body"]
        assert "## " in body and "Audit report" in body
        # the job summary gets the Markdown scorecard (appended, once per run)
        assert (tmp_path / "summary.md").read_text().count("Audit report: score") == 2


def test_two_jobs_keep_two_comments(tmp_path: Path) -> None:
    with forge_server("github") as (api, state):
        env = _github_env(tmp_path, api)
        for _ in range(2):
            publish(_data(), CiRequest(post="github", comment_id="backend"), env, tmp_path)
            publish(_data(), CiRequest(post="github", comment_id="frontend"), env, tmp_path)
        assert len(state.comments) == 2
        assert [s["context"] for s in state.statuses] == ["auditor/backend", "auditor/frontend"] * 2


def test_read_only_token_falls_back_to_the_job_summary(tmp_path: Path) -> None:
    with forge_server("github") as (api, state):
        state.read_only = True
        env = _github_env(tmp_path, api)
        out = publish(_data(), CiRequest(post="github"), env, tmp_path)
        assert out.posted is None and state.ours(MARKER) == [] and state.statuses == []
        [warning] = out.warnings
        assert "HTTP 403" in warning and "read-only token" in warning and "wrote it to the job summary instead" in warning
        summary = (tmp_path / "summary.md").read_text()
        assert summary.startswith(MARKER) and summary.count("Audit report: score") == 1  # the comment, not twice


def test_a_body_over_the_limit_is_retried_shorter(tmp_path: Path) -> None:
    with forge_server("github") as (api, state):
        state.max_body = 15_000
        env = _github_env(tmp_path, api)
        out = publish(_data(many_findings_card(300)), CiRequest(post="github"), env, tmp_path)
        assert out.posted == "created" and out.warnings == []
        assert state.count("POST", r"/issues/7/comments$") == 2  # 422 once, then the shorter body
        stored = state.ours(MARKER)[0]["body"]
        assert len(stored) <= 15_000 < len(out.comment)


@pytest.mark.parametrize("failure", ["slow", "5xx"])
def test_timeouts_and_server_errors_fall_back(tmp_path: Path, failure: str) -> None:
    with forge_server("github") as (api, state):
        if failure == "slow":
            state.slow = 3.0
        else:
            state.fail_status = 502
        env = _github_env(tmp_path, api)
        started = time.monotonic()
        out = publish(_data(), CiRequest(post="github", timeout=1.0), env, tmp_path)
        elapsed = time.monotonic() - started
        [warning] = out.warnings
        assert ("no answer within 1 s" if failure == "slow" else "HTTP 502") in warning
        assert (tmp_path / "summary.md").read_text().startswith(MARKER)
        assert elapsed < 2.9  # one request waited for its timeout, then the fallback


def test_without_a_step_summary_the_comment_goes_to_the_output_folder(tmp_path: Path) -> None:
    with forge_server("github") as (api, state):
        state.read_only = True
        env = _github_env(tmp_path, api, summary=False)
        out = publish(_data(), CiRequest(post="github"), env, tmp_path / "out")
        assert (tmp_path / "out" / "pr-comment.md").read_text().startswith(MARKER)
        assert "pr-comment.md" in out.warnings[0]


# -- GitLab ----------------------------------------------------------------------------------------------
def _gitlab_env(api: str) -> dict[str, str]:
    return {"GITLAB_CI": "true", "CI_API_V4_URL": api, "CI_PROJECT_ID": "12", "CI_MERGE_REQUEST_IID": "3", "GITLAB_TOKEN": TOKEN,
            "CI_COMMIT_SHA": HEAD, "CI_PROJECT_URL": "https://gitlab.example.com/acme/svc",
            "CI_JOB_URL": "https://gitlab.example.com/acme/svc/-/jobs/9"}


def test_gitlab_note_is_created_then_updated_across_pages(tmp_path: Path) -> None:
    with forge_server("gitlab") as (api, state):
        state.add_others(250)
        env = _gitlab_env(api)
        first = publish(_data(), CiRequest(post="gitlab"), env, tmp_path)
        second = publish(_data(), CiRequest(post="gitlab"), env, tmp_path)
        assert (first.posted, second.posted, first.warnings, second.warnings) == ("created", "updated", [], [])
        assert len(state.ours(MARKER)) == 1 and len(state.comments) == 251
        assert state.count("GET", r"/notes\?") == 6  # 3 pages (X-Next-Page) per run
        assert state.count("PUT", r"/notes/\d+$") == 1
        assert [(s["sha"], s["state"], s["name"]) for s in state.statuses] == [(HEAD, "failed", "auditor")] * 2


def test_gitlab_without_a_token_says_so_and_keeps_the_comment(tmp_path: Path) -> None:
    with forge_server("gitlab") as (api, state):
        env = {**_gitlab_env(api), "GITLAB_TOKEN": ""}
        out = publish(_data(), CiRequest(post="gitlab"), env, tmp_path)
        assert state.log == [] and "no token" in out.warnings[0]
        assert (tmp_path / "pr-comment.md").is_file()


# -- annotations -----------------------------------------------------------------------------------------
def test_workflow_command_escaping() -> None:
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_annotations_for_findings_at_or_above_a_severity() -> None:
    data = _data(demo_card(hostile=True))
    lines = workflow_commands(data, "high")
    assert len(lines) == 3 and all(line.startswith("::error ") for line in lines)
    assert all("\n" not in line and "\r" not in line for line in lines)
    first = lines[0]
    assert first.startswith("::error file=src/db/query.py,line=7,title=security/sql-injection (critical)::")
    hostile = next(line for line in lines if "app" in line)
    props = hostile.split("::")[1]
    assert "%2C" not in props.split(",title=")[0] or "svg onload=alert(2)>.py" in props  # the path stays one property
    assert props.count(",") == 2  # file, line, title: the target cannot add a property
    assert len(workflow_commands(data, "info")) == 4
    data["checks"][0]["findings"][0]["change"] = "new"
    assert len(workflow_commands(data, "info")) == 1  # a classified report annotates the new findings only
    capped = workflow_commands(_data(many_findings_card(100)), "low", limit=10)
    assert len(capped) == 11 and capped[-1].startswith("::notice title=auditor::2490 more findings")


# -- done means: a real repository through `auditor audit --post github`, twice ----------------------------
SWALLOW = "def load(p):\n    try:\n        return open(p).read()\n    except:\n        return None\n"


def _audit_cli(root: Path, out: Path, env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GITLAB_", "CI_"))}
    return subprocess.run([sys.executable, "-m", "auditor", "audit", str(root), "--only", "errors/*", "--format", "json,md",
                           "-o", str(out), "--fail-on", "high", "--post", "github", *extra],
                          capture_output=True, text=True, timeout=180, env={**base, **env})


def test_done_means_a_real_repository_posts_once_then_updates(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "svc", {"pyproject.toml": '[project]\nname = "svc"\n', "svc/store.py": SWALLOW})
    git_init(root)
    sha = git(root, "rev-parse", "HEAD").strip()
    with forge_server("github") as (api, state):
        state.add_others(250)
        env = _github_env(tmp_path, api, sha=sha)
        timings = []
        for _ in range(2):
            started = time.monotonic()
            result = _audit_cli(root, tmp_path / "out", env, "--annotations", "github")
            timings.append(time.monotonic() - started)
            assert result.returncode == 1, result.stderr  # the gate (a high finding), not the API
            assert result.stderr == ""
        assert result.stdout.count("::error file=svc/store.py,line=4,title=errors/bare-except (high)::") == 1
        assert "Pull-request comment updated" in result.stdout
        [ours] = state.ours(MARKER)
        assert len(state.comments) == 251
        assert state.count("POST", r"/issues/7/comments$") == 1 and state.count("PATCH", rf"/issues/comments/{ours['id']}$") == 1
        assert "svc/store.py:4" in ours["body"] and "bare" in ours["body"]
        assert [(s["sha"], s["state"]) for s in state.statuses] == [(sha, "failure")] * 2
        print(f"loopback: two `auditor audit --post github` runs, 251 comments on 3 pages: {timings[0]:.2f} s, {timings[1]:.2f} s")


def test_done_means_the_fork_case_writes_the_summary_and_exits_by_the_gate(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "svc", {"pyproject.toml": '[project]\nname = "svc"\n', "svc/store.py": SWALLOW})
    git_init(root)
    with forge_server("github") as (api, state):
        state.read_only = True
        env = _github_env(tmp_path, api)
        failed = _audit_cli(root, tmp_path / "out", env)
        assert failed.returncode == 1
        passing = _audit_cli(root, tmp_path / "out", env, "--fail-on", "none", "--fail-under", "0")
        assert passing.returncode == 0  # the API refused, the gate passed: exit 0
        for result in (failed, passing):
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("auditor: warning: could not post the github comment: ")
            assert "read-only token" in lines[0] and TOKEN not in lines[0]
        assert state.ours(MARKER) == []
        summary = (tmp_path / "summary.md").read_text()
        assert summary.count(MARKER) == 2 and "svc/store.py:4" in summary
