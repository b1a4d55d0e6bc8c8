"""GitLab: the merge-request note (created once, then updated, found by its marker across every page of
notes) and a commit status, from what GitLab CI provides (CI_API_V4_URL, CI_PROJECT_ID,
CI_MERGE_REQUEST_IID, CI_COMMIT_SHA) and a token in GITLAB_TOKEN (a project or personal access token with
the `api` scope: the job token cannot write notes). Nothing here prints or exits.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import quote

from publishers.github import PublishError
from publishers.http import ApiClient, ApiError

__all__ = ["GitLabMergeRequest", "find_note", "merge_request_from_env", "set_status", "upsert_note"]

DEFAULT_API_URL = "https://gitlab.com/api/v4"
_SHA = re.compile(r"^[0-9a-fA-F]{40}([0-9a-fA-F]{24})?$")


@dataclass(frozen=True, slots=True)
class GitLabMergeRequest:
    api_url: str
    project: str  # numeric id or group/project path
    iid: int
    head_sha: str | None
    token: str


def merge_request_from_env(env: Mapping[str, str], *, project: str | None = None, iid: int | None = None,
                           api_url: str | None = None, token: str | None = None, sha: str | None = None) -> GitLabMergeRequest:
    project = project or env.get("CI_PROJECT_ID")
    if iid is None:
        raw = env.get("CI_MERGE_REQUEST_IID", "")
        iid = int(raw) if raw.isdigit() else None
    token = token if token is not None else env.get("GITLAB_TOKEN", "")
    sha = sha or env.get("CI_COMMIT_SHA")
    if iid is None:
        raise PublishError("no merge request (not a merge request pipeline; pass --pr)")
    if not project:
        raise PublishError("no project (set CI_PROJECT_ID or pass --repository)")
    if not token:
        raise PublishError("no token (set GITLAB_TOKEN to a token with the api scope)")
    return GitLabMergeRequest(api_url or env.get("CI_API_V4_URL") or DEFAULT_API_URL, project, iid,
                              sha if sha and _SHA.match(sha) else None, token)


def client_for(mr: GitLabMergeRequest, timeout: float) -> ApiClient:
    return ApiClient(mr.api_url, mr.token, auth_header="PRIVATE-TOKEN", auth_prefix="", timeout=timeout)


def _project_path(mr: GitLabMergeRequest) -> str:
    return f"projects/{quote(mr.project, safe='')}"


def find_note(client: ApiClient, mr: GitLabMergeRequest, mark: str) -> int | None:
    for page in client.pages(f"{_project_path(mr)}/merge_requests/{mr.iid}/notes?per_page=100&sort=asc&order_by=created_at"):
        for note in page:
            if isinstance(note, dict) and mark in str(note.get("body") or "").splitlines()[:1]:
                nid = note.get("id")
                if isinstance(nid, int):
                    return nid
    return None


def upsert_note(client: ApiClient, mr: GitLabMergeRequest, body: str, mark: str,
                shorter: Callable[[], str] | None = None) -> tuple[str, int]:
    existing = find_note(client, mr, mark)
    for attempt in (body, None):
        text = attempt if attempt is not None else (shorter() if shorter else None)
        if text is None:
            break
        try:
            if existing is not None:
                client.request("PUT", f"{_project_path(mr)}/merge_requests/{mr.iid}/notes/{existing}", {"body": text})
                return "updated", existing
            resp = client.request("POST", f"{_project_path(mr)}/merge_requests/{mr.iid}/notes", {"body": text})
            nid = resp.body.get("id") if isinstance(resp.body, dict) else None
            return "created", nid if isinstance(nid, int) else -1
        except ApiError as exc:
            if exc.status not in (400, 413, 422) or attempt is None or shorter is None:
                raise
    raise ApiError("the note was refused twice")


def set_status(client: ApiClient, mr: GitLabMergeRequest, sha: str, *, passed: bool, description: str,
               name: str = "auditor", target_url: str | None = None) -> None:
    payload: dict[str, str] = {"state": "success" if passed else "failed", "name": name, "description": description[:140]}
    if target_url:
        payload["target_url"] = target_url
    client.request("POST", f"{_project_path(mr)}/statuses/{sha}", payload)
