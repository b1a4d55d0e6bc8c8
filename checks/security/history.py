"""security/secret-in-history: secrets that were committed and later removed, still readable in the git history.

The facts come from the history scan (analysis/git_history.py), made once per audit when `--git-history` (or
`git_history = true`) asks for it. A value still present in HEAD is `security/hardcoded-secret`'s finding
(whose message then names the commit that introduced it); this check reports only the values no longer in
HEAD, at the commit and path that introduced them, judged as the work-tree check judges them (a live provider
key is critical, a test fixture low, a placeholder nothing). The value is never kept, so never shown.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from analysis.git_history import HistoryHit
from auditor.context import Context
from auditor.model import Check, Effort, Finding, NotApplicable, Severity
from checks.security.secrets import SecretVerdict, judge_secret_at, secret_name

__all__ = ["SecretInHistory", "history_facts", "removed_secrets"]

NOT_REQUESTED = "the git history was not scanned (pass --git-history or set git_history = true in [tool.auditor])"


def removed_secrets(ctx: Context) -> Iterator[tuple[HistoryHit, SecretVerdict]]:
    """The removed secrets of this project's paths worth a finding, with the work-tree check's verdict."""
    if ctx.history is None:
        return
    for found in ctx.history.removed:
        if not ctx.project.owns(found.path):
            continue
        verdict = judge_secret_at(found.path, found.role, found.language, found.hit)
        if verdict is not None:
            yield found, verdict


class SecretInHistory(Check):
    id = "security/secret-in-history"
    title = "No credentials are left in the git history"
    category = "security"
    severity = Severity.HIGH
    tags = ("CWE-798", "CWE-540")
    rationale = (
        "Deleting a committed key does not un-leak it: every clone keeps the commit that added it, and anyone who can "
        "read the repository can read that commit. With --git-history the commits reachable from HEAD (the newest "
        "ones, up to the configured cap) are read through git, each distinct file version once, and scanned with the "
        "same rules as the work tree (placeholders, example and test files, lock files). A value no longer in HEAD is "
        "reported at the commit and path that introduced it, with the severity the work-tree check gives it."
    )
    remediation = (
        "Rotate the credential at its provider now: removing it from the code did not make it secret again.",
        "Load it from the environment or a secret manager, and keep `.env` files out of the repository (`.gitignore`).",
        "If the repository is or was public, purge the value from the history (git filter-repo) and have every clone "
        "re-cloned; rotation is still required, as forks and caches keep the old commits.",
    )
    effort = Effort.SMALL
    help_url = "https://cwe.mitre.org/data/definitions/540.html"

    def run(self, ctx: Context) -> Iterator[Finding]:
        history = ctx.history
        if history is None:
            raise NotApplicable(NOT_REQUESTED)
        if history.error is not None:
            raise NotApplicable(f"the git history could not be read: {history.error}")
        for found, verdict in removed_secrets(ctx):
            hit = found.hit
            yield self.finding(
                ctx,
                f"{secret_name(hit)} ({hit.length} characters) committed in {found.short} to {found.path} and removed "
                "later: it is still in the git history, so still leaked: rotate it",
                found.path, hit.line, severity=verdict.severity,
                confidence=verdict.confidence, snippet="", key=f"{hit.kind}:{hit.key}:{found.commit}",
            )


def history_facts(ctx: Context) -> dict[str, object]:
    """How the history scan went (for the whole repository) and what it found in this project (never a value)."""
    history = ctx.history
    if history is None:
        return {"scanned": False}
    removed = list(removed_secrets(ctx))
    kinds = Counter(found.hit.kind for found, _ in removed)
    out: dict[str, object] = {
        "scanned": history.error is None,
        "commits": history.commits,
        "blobs": history.blobs,
        "seconds": history.seconds,
        "truncated": history.truncated,
        "max_commits": history.max_commits,
        "max_seconds": history.max_seconds,
        "found": len(removed),
        "by_kind": dict(sorted(kinds.items())),
        "still_present": sum(1 for h in history.hits if h.present and ctx.project.owns(h.path)),
    }
    if history.reason is not None:
        out["reason"] = history.reason
    if history.error is not None:
        out["error"] = history.error
    return out
