"""Links to the forge (GitHub, GitLab): a file at a line of a commit, the run that wrote a report.

Everything here is a pure function of its arguments; the CLI fills `Forge` from the CI's environment
(GITHUB_SERVER_URL/GITHUB_REPOSITORY/GITHUB_RUN_ID, CI_PROJECT_URL/CI_JOB_URL) or from flags.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from auditor.remote import WebRemote, forge_of_host, web_remote

__all__ = ["Forge", "commit_link", "finding_link", "finding_linker", "forge_from_env", "remote_dict", "remote_with_forge",
           "safe_url", "source_link"]

_COMMIT = re.compile(r"^[0-9a-fA-F]{7,64}$")


@dataclass(frozen=True, slots=True)
class Forge:
    """Where the audited repository lives: its web URL (no credentials), which forge, the commit to link
    to, and the URL of the full report (a CI run page, say)."""

    repository_url: str | None = None  # https://github.com/owner/name
    kind: str = "github"  # github | gitlab
    commit: str | None = None
    report_url: str | None = None


def safe_url(url: str | None) -> str | None:
    """`url` if it is an http(s) URL, without user:password@, fragment or whitespace; else None."""
    if not url or any(c.isspace() for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return None
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, host, parts.path.rstrip("/"), parts.query, ""))


def source_link(repository_url: str | None, commit: str | None, path: str | None, line: int | None = None,
                end_line: int | None = None, kind: str = "github") -> str | None:
    """The web URL of `path` (at `line`..`end_line`) in `commit`, GitHub's or GitLab's shape; None when
    anything needed is missing or malformed. Every part is percent-encoded, so the URL is safe in a
    Markdown link destination."""
    base = safe_url(repository_url)
    if base is None or not commit or not _COMMIT.match(commit) or not path:
        return None
    file = quote(path.lstrip("/"), safe="/")
    blob = f"{base}/-/blob/{commit}/{file}" if kind == "gitlab" else f"{base}/blob/{commit}/{file}"
    if not line:
        return blob
    if end_line and end_line > line:
        return f"{blob}#L{line}-{end_line}" if kind == "gitlab" else f"{blob}#L{line}-L{end_line}"
    return f"{blob}#L{line}"


def forge_from_env(env: Mapping[str, str], *, repository_url: str | None = None, commit: str | None = None,
                   report_url: str | None = None) -> Forge:
    """The forge as GitHub Actions or GitLab CI describe it; explicit arguments win."""
    if env.get("GITLAB_CI") and not env.get("GITHUB_ACTIONS"):
        return Forge(
            repository_url=safe_url(repository_url or env.get("CI_PROJECT_URL")),
            kind="gitlab",
            commit=commit or env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA") or env.get("CI_COMMIT_SHA"),
            report_url=safe_url(report_url or env.get("CI_JOB_URL")),
        )
    server = env.get("GITHUB_SERVER_URL", "https://github.com")
    repo = env.get("GITHUB_REPOSITORY")
    run = env.get("GITHUB_RUN_ID")
    return Forge(
        repository_url=safe_url(repository_url or (f"{server}/{repo}" if repo else None)),
        kind="github",
        commit=commit,
        report_url=safe_url(report_url or (f"{server}/{repo}/actions/runs/{run}" if repo and run else None)),
    )


FORGE_KINDS = ("github", "gitlab")


def remote_dict(remote: WebRemote | None, commit: str | None, prefix: str, not_at_commit: list[str],
                source: str | None = "git-config") -> dict[str, Any]:
    """`target.remote` of the JSON report: where the audited commit can be browsed, and what of it cannot."""
    return {
        "url": remote.url if remote else None,
        "forge": remote.forge if remote else None,
        "commit": commit if commit and _COMMIT.match(commit) else None,
        "path": prefix,
        "not_at_commit": sorted(not_at_commit),
        "source": source if remote else None,
    }


def remote_with_forge(remote: Any, forge: Forge, *, source: str, kind_known: bool) -> dict[str, Any] | None:
    """`target.remote` (a report's, possibly None) with the repository the CI or a flag names instead of the one
    the target's git configuration names; `remote` unchanged when `forge` names no repository. `kind_known`: the
    forge's kind comes from the CI or `--post`, not only from a default."""
    given = web_remote(forge.repository_url) if forge.repository_url else None
    if given is None:
        url = safe_url(forge.repository_url)
        parts = urlsplit(url) if url else None
        if parts is None or not parts.hostname:
            return remote if isinstance(remote, dict) else None
        given = WebRemote(urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")),
                          forge_of_host(parts.hostname))  # an URL web_remote does not read as a repository (a deep path)
    kind = forge.kind if kind_known and forge.kind in FORGE_KINDS else given.forge
    out = dict(remote) if isinstance(remote, dict) else {"path": "", "not_at_commit": [], "commit": None}
    commit = forge.commit or out.get("commit")
    out.update({"url": given.url, "forge": kind, "source": source,
                "commit": commit if isinstance(commit, str) and _COMMIT.match(commit) else None})
    return out


def finding_linker(data: dict[str, Any], *, commit: str | None = None) -> Callable[[dict[str, Any]], str | None]:
    """`finding_link` for the findings of one report, with its `target.remote` read once. With `commit` (the merge
    base, for the findings a pull request fixed): links to that commit's files instead of the audited ones."""
    remote = (data.get("target") or {}).get("remote")
    if not isinstance(remote, dict) or remote.get("forge") not in FORGE_KINDS:
        return lambda finding: None
    url, kind = remote.get("url"), str(remote.get("forge"))
    commit = commit if commit is not None else remote.get("commit")
    if not isinstance(url, str) or not isinstance(commit, str) or not _COMMIT.match(commit):
        return lambda finding: None
    changed = frozenset(str(p) for p in remote.get("not_at_commit") or ()) if commit == remote.get("commit") else frozenset()
    prefix = str(remote.get("path") or "").strip("/")

    def link(finding: dict[str, Any]) -> str | None:
        path = finding.get("path")
        if not isinstance(path, str) or not path or path in changed:
            return None
        line, end = finding.get("line"), finding.get("end_line")
        return source_link(url, commit, f"{prefix}/{path}" if prefix else path, line if isinstance(line, int) else None,
                           end if isinstance(end, int) else None, kind)

    return link


def commit_link(data: dict[str, Any]) -> str | None:
    """The forge's page of the audited commit (`target.remote`), or None."""
    remote = (data.get("target") or {}).get("remote")
    if not isinstance(remote, dict) or remote.get("forge") not in FORGE_KINDS:
        return None
    base, commit = safe_url(remote.get("url")), remote.get("commit")
    if base is None or not isinstance(commit, str) or not _COMMIT.match(commit):
        return None
    return f"{base}/-/commit/{commit}" if remote["forge"] == "gitlab" else f"{base}/commit/{commit}"


def finding_link(data: dict[str, Any], finding: dict[str, Any]) -> str | None:
    """The forge URL of a finding's file and lines at the audited commit (`target.remote`); None when the remote or
    its forge is unknown, there is no commit, the finding names no file, or the file in the work tree is not the
    committed one."""
    return finding_linker(data)(finding)
