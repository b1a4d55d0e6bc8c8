"""Links to the forge (GitHub, GitLab): a file at a line of a commit, the run that wrote a report.

Everything here is a pure function of its arguments; the CLI fills `Forge` from the CI's environment
(GITHUB_SERVER_URL/GITHUB_REPOSITORY/GITHUB_RUN_ID, CI_PROJECT_URL/CI_JOB_URL) or from flags.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

__all__ = ["Forge", "forge_from_env", "safe_url", "source_link"]

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
