"""Inline suppressions (`# auditor: ignore[check-id] reason`) are applied by the triage step (auditor.triage);
this family holds the one standard about them: a suppression says why."""

from __future__ import annotations

from collections.abc import Iterator

from auditor import triage
from auditor.context import Context
from auditor.model import Check, Effort, Finding, NotApplicable, Severity

__all__ = ["CHECKS", "MissingReason"]


class MissingReason(Check):
    id = triage.MISSING_REASON
    title = "Every inline suppression says why"
    category = "maintainability"
    severity = Severity.LOW
    rationale = (
        "A suppression hides a finding from every report. Without a reason the next reader cannot tell a considered "
        "exception from a way to make the gate pass, and nobody knows when it may be removed."
    )
    remediation = (
        "Write the reason after the brackets: `# auditor: ignore[errors/bare-except] the loader must never raise`.",
        "Give a temporary exception an expiry: `until=2027-03-01`; after that day it stops working.",
    )
    effort = Effort.SMALL

    def run(self, ctx: Context) -> Iterator[Finding]:
        own = {f.path for f in ctx.files}
        comments = [c for c in triage.scan(ctx.sources, ctx.repo.files) if c.path in own]
        if not comments:
            raise NotApplicable("no inline suppression in this project")
        for c in comments:
            if not c.reason:
                yield self.finding(ctx, f"the suppression of {', '.join(c.checks) or '(no check)'} gives no reason",
                                   c.path, c.line, key=f"missing-reason\x1f{','.join(c.checks)}")


CHECKS: list[type[Check]] = [MissingReason]
