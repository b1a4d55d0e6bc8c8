"""GitHub: the pull-request comment (created once, then updated, found by its marker across every page of
comments), a commit status for the head commit, and the job summary.

What the pull request is comes from what GitHub Actions provides (GITHUB_EVENT_PATH, GITHUB_REPOSITORY,
GITHUB_API_URL, GITHUB_TOKEN) unless the caller says otherwise. Nothing here prints or exits: failures are
`ApiError`s with the token redacted, and the caller decides to fall back to the job summary.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from publishers.http import ApiClient, ApiError

__all__ = ["GitHubPullRequest", "PublishError", "append_step_summary", "find_comment", "pull_request_from_env",
           "set_status", "upsert_comment"]

DEFAULT_API_URL = "https://api.github.com"
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$")
_SHA = re.compile(r"^[0-9a-fA-F]{40}([0-9a-fA-F]{24})?$")
STATUS_DESCRIPTION_MAX = 140


class PublishError(Exception):
    """Not enough known to post (no pull request, no token): the caller falls back and says why."""


@dataclass(frozen=True, slots=True)
class GitHubPullRequest:
    api_url: str
    repository: str  # owner/name
    number: int
    head_sha: str | None
    token: str


def pull_request_from_env(env: Mapping[str, str], *, repository: str | None = None, number: int | None = None,
                          api_url: str | None = None, token: str | None = None, sha: str | None = None) -> GitHubPullRequest:
    """The pull request this job runs for: flags first, then the Actions environment and event payload."""
    event: dict[str, object] = {}
    event_path = env.get("GITHUB_EVENT_PATH")
    if event_path and (number is None or sha is None):
        try:
            raw = Path(event_path).read_bytes()[: 16 * 1024 * 1024]
            loaded = json.loads(raw)
            event = loaded if isinstance(loaded, dict) else {}
        except (OSError, ValueError):
            event = {}
    pr = event.get("pull_request") if isinstance(event.get("pull_request"), dict) else {}
    assert isinstance(pr, dict)
    if number is None:
        value = pr.get("number") or event.get("number")
        number = value if isinstance(value, int) and not isinstance(value, bool) else None
    head = pr.get("head") if isinstance(pr.get("head"), dict) else {}
    assert isinstance(head, dict)
    if sha is None:
        value = head.get("sha")
        sha = value if isinstance(value, str) else None
    repository = repository or env.get("GITHUB_REPOSITORY")
    token = token if token is not None else env.get("GITHUB_TOKEN", "")
    if number is None:
        raise PublishError("no pull request number (not a pull_request event; pass --pr)")
    if not repository or not _REPOSITORY.match(repository):
        raise PublishError("no repository owner/name (set GITHUB_REPOSITORY or pass --repository)")
    if not token:
        raise PublishError("no token (set GITHUB_TOKEN)")
    if sha is not None and not _SHA.match(sha):
        sha = None
    return GitHubPullRequest(api_url or env.get("GITHUB_API_URL") or DEFAULT_API_URL, repository, number, sha, token)


def client_for(pr: GitHubPullRequest, timeout: float) -> ApiClient:
    return ApiClient(pr.api_url, pr.token, timeout=timeout,
                     extra_headers={"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"})


def _repo_path(pr: GitHubPullRequest) -> str:
    owner, name = pr.repository.split("/", 1)
    return f"repos/{quote(owner, safe='')}/{quote(name, safe='')}"


def find_comment(client: ApiClient, pr: GitHubPullRequest, mark: str) -> int | None:
    """The id of the oldest comment carrying `mark`, reading every page of the pull request's comments."""
    for page in client.pages(f"{_repo_path(pr)}/issues/{pr.number}/comments?per_page=100"):
        for comment in page:
            if isinstance(comment, dict) and mark in str(comment.get("body") or "").splitlines()[:1]:
                cid = comment.get("id")
                if isinstance(cid, int):
                    return cid
    return None


def upsert_comment(client: ApiClient, pr: GitHubPullRequest, body: str, mark: str,
                   shorter: Callable[[], str] | None = None) -> tuple[str, int]:
    """Update our comment, else create it: ("updated" | "created", comment id). A 422 (body too long) is
    retried once with `shorter()`."""
    existing = find_comment(client, pr, mark)
    for attempt in (body, None):
        text = attempt if attempt is not None else (shorter() if shorter else None)
        if text is None:
            break
        try:
            if existing is not None:
                resp = client.request("PATCH", f"{_repo_path(pr)}/issues/comments/{existing}", {"body": text})
                return "updated", existing
            resp = client.request("POST", f"{_repo_path(pr)}/issues/{pr.number}/comments", {"body": text})
            cid = resp.body.get("id") if isinstance(resp.body, dict) else None
            return "created", cid if isinstance(cid, int) else -1
        except ApiError as exc:
            if exc.status != 422 or attempt is None or shorter is None:
                raise
    raise ApiError("the comment was refused twice")


def set_status(client: ApiClient, pr: GitHubPullRequest, sha: str, *, passed: bool, description: str,
               context: str = "auditor", target_url: str | None = None) -> None:
    """A commit status on `sha`: success when the gate passed, failure otherwise."""
    payload: dict[str, str] = {"state": "success" if passed else "failure", "context": context,
                               "description": description[:STATUS_DESCRIPTION_MAX]}
    if target_url:
        payload["target_url"] = target_url
    client.request("POST", f"{_repo_path(pr)}/statuses/{sha}", payload)


def append_step_summary(path: str, text: str) -> None:
    """Append Markdown to the job summary file ($GITHUB_STEP_SUMMARY), as GitHub expects."""
    with open(path, "a", encoding="utf-8", newline="\n") as fh:
        fh.write(text if text.endswith("\n") else text + "\n")
