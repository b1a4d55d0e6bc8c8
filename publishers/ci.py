"""What an audit does in CI besides writing its report files: post or update the pull-request comment (with a
commit status), print annotations, and fill the job summary.

`publish` never fails the run: a forge that refuses (a read-only token on a pull request from a fork, a
timeout, a 5xx) becomes a one-line warning and the comment goes to the job summary instead, so the exit
code keeps following the gate. Nothing here prints; the CLI prints `CiOutcome.stdout` and the warnings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from publishers.annotations import workflow_commands
from publishers.github import PublishError, append_step_summary
from publishers.http import DEFAULT_TIMEOUT, ApiError
from reports.base import write_atomic
from reports.links import Forge, forge_from_env, remote_with_forge
from reports.markdown import render_markdown
from reports.pr_comment import render_pr_comment

__all__ = ["CiOutcome", "CiRequest", "publish", "with_ci_remote"]

FORGES = ("github", "gitlab")


@dataclass(frozen=True, slots=True)
class CiRequest:
    """The CI side of a run, as the CLI parsed it (`--post`, `--annotations` and their options)."""

    post: str | None = None  # github | gitlab
    comment_id: str = ""
    pr: int | None = None
    repository: str | None = None  # owner/name (GitHub) or project id/path (GitLab)
    api_url: str | None = None
    token_env: str | None = None  # the environment variable holding the token
    sha: str | None = None  # the head commit (status, links)
    status: bool = True
    annotations: str | None = None  # github
    annotations_min_severity: str = "medium"
    repository_url: str | None = None  # web URL, for links and SARIF provenance
    report_url: str | None = None  # where the full report is (the CI run page)
    timeout: float = DEFAULT_TIMEOUT


@dataclass
class CiOutcome:
    stdout: list[str] = field(default_factory=list)  # workflow commands
    warnings: list[str] = field(default_factory=list)
    posted: str | None = None  # created | updated
    comment: str = ""


def forge_for(request: CiRequest, env: Mapping[str, str]) -> Forge:
    forge = forge_from_env(env, repository_url=request.repository_url, commit=request.sha, report_url=request.report_url)
    if request.post in FORGES and forge.kind != request.post:
        forge = replace(forge, kind=request.post)
    return forge


def with_ci_remote(data: dict[str, Any], request: CiRequest, env: Mapping[str, str]) -> dict[str, Any]:
    """The report with `target.remote` naming the repository `--repository-url` or the CI names (GitHub Actions,
    GitLab CI), which win over the target's own remote.origin.url; the report itself when neither names one."""
    forge = forge_for(request, env)
    if not forge.repository_url:
        return data
    gitlab = bool(env.get("GITLAB_CI")) and not env.get("GITHUB_ACTIONS")
    kind_known = bool(request.post) or gitlab or bool(env.get("GITHUB_ACTIONS") or env.get("GITHUB_REPOSITORY"))
    target = data.get("target")
    if not isinstance(target, dict):
        return data
    remote = remote_with_forge(target.get("remote"), forge, source="option" if request.repository_url else "ci",
                               kind_known=kind_known)
    if remote is target.get("remote"):
        return data
    return {**data, "target": {**target, "remote": remote}}


def publish(data: dict[str, Any], request: CiRequest, env: Mapping[str, str], output_dir: Path) -> CiOutcome:
    out = CiOutcome()
    summary = env.get("GITHUB_STEP_SUMMARY") or None
    forge = forge_for(request, env)
    comment_written = False
    if request.post:
        comment_written = _post(data, request, env, forge, output_dir, summary, out)
    if summary and not comment_written:
        try:
            append_step_summary(summary, render_markdown(data))
        except OSError as exc:
            out.warnings.append(f"cannot write the job summary {summary}: {exc.strerror or exc}")
    if request.annotations == "github":
        out.stdout += workflow_commands(data, request.annotations_min_severity)
    return out


def _post(data: dict[str, Any], request: CiRequest, env: Mapping[str, str], forge: Forge, output_dir: Path,
          summary: str | None, out: CiOutcome) -> bool:
    """Post the comment; on any failure write it to the job summary (or the output folder). True when the
    comment went to the job summary."""
    token = env.get(request.token_env, "") if request.token_env else None
    body = render_pr_comment(data, comment_id=request.comment_id, forge=forge)
    try:
        if request.post == "gitlab":
            from publishers import gitlab

            mr = gitlab.merge_request_from_env(env, project=request.repository, iid=request.pr, api_url=request.api_url,
                                               token=token, sha=request.sha)
            forge = replace(forge, commit=forge.commit or mr.head_sha)
            body = render_pr_comment(data, comment_id=request.comment_id, forge=forge)
            client = gitlab.client_for(mr, request.timeout)
            mark = body.splitlines()[0]
            out.posted, _ = gitlab.upsert_note(client, mr, body, mark, _shorter(data, request, forge, body))
            sha = mr.head_sha or data["target"].get("commit")
            if request.status and sha:
                _status(lambda: gitlab.set_status(client, mr, sha, passed=data["gate"]["passed"],
                                                  description=_description(data), target_url=forge.report_url), out)
        else:
            from publishers import github

            pr = github.pull_request_from_env(env, repository=request.repository, number=request.pr,
                                              api_url=request.api_url, token=token, sha=request.sha)
            forge = replace(forge, commit=forge.commit or pr.head_sha)
            body = render_pr_comment(data, comment_id=request.comment_id, forge=forge)
            client = github.client_for(pr, request.timeout)
            mark = body.splitlines()[0]
            out.posted, _ = github.upsert_comment(client, pr, body, mark, _shorter(data, request, forge, body))
            sha = pr.head_sha or data["target"].get("commit")
            if request.status and sha:
                context = f"auditor/{request.comment_id}" if request.comment_id else "auditor"
                _status(lambda: github.set_status(client, pr, sha, passed=data["gate"]["passed"], description=_description(data),
                                                  context=context, target_url=forge.report_url), out)
        out.comment = body
        return False
    except (PublishError, ApiError, OSError) as exc:
        out.comment = body
        reason = str(exc) if not isinstance(exc, OSError) else (exc.strerror or str(exc))
        if isinstance(exc, ApiError) and exc.status == 403:
            reason += " (the token cannot write: pull requests from forks get a read-only token)"
        if summary:
            try:
                append_step_summary(summary, body)
                out.warnings.append(f"could not post the {request.post} comment: {reason}; wrote it to the job summary instead")
                return True
            except OSError as err:
                reason += f"; and cannot write the job summary: {err.strerror or err}"
        path = output_dir / "pr-comment.md"
        try:
            write_atomic(path, body)
            out.warnings.append(f"could not post the {request.post} comment: {reason}; wrote it to {path}")
        except OSError:
            out.warnings.append(f"could not post the {request.post} comment: {reason}")
        return False


def _shorter(data: dict[str, Any], request: CiRequest, forge: Forge, body: str) -> Any:
    def shorter() -> str:
        return render_pr_comment(data, comment_id=request.comment_id, forge=forge, limit=max(4_000, len(body) // 2))

    return shorter


def _status(call: Any, out: CiOutcome) -> None:
    try:
        call()
    except ApiError as exc:
        out.warnings.append(f"could not set the commit status: {exc}")


def _description(data: dict[str, Any]) -> str:
    score = "n/a" if data["score"] is None else f"{data['score']:.1f}"
    verdict = "passed" if data["gate"]["passed"] else "failed"
    reasons = "; ".join(data["gate"]["reasons"])
    return f"score {score}, grade {data['grade']}, gate {verdict}" + (f": {reasons}" if reasons else "")
