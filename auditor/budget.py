"""The audit-wide time budget: what the deadline cut, as a value the reports state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from auditor.isolation import BUDGET_NOT_RUN, BUDGET_STOPPED, Outcome

__all__ = ["AuditLimits", "limits_of"]


@dataclass(frozen=True, slots=True)
class AuditLimits:
    """The bound the audit ran under (`audit_timeout` seconds for scan, parse and checks) and what it cut."""

    audit_timeout: float = 1800.0
    exhausted: bool = False
    files_not_scanned: int = 0  # listed files (or folders) the scan did not reach
    files_not_parsed: int = 0  # code files not parsed up front (checks that wanted them parsed them, if they ran)
    checks_not_run: int = 0  # checks and fact collectors that never started
    checks_stopped: int = 0  # checks and fact collectors killed at the deadline

    def cut(self) -> list[str]:
        """One line per thing the budget cut, for a human."""
        if not self.exhausted:
            return []
        out = [f"the audit time budget ({self.audit_timeout:g} s) was exhausted"]
        for n, what in ((self.files_not_scanned, "files or folders not scanned"),
                        (self.files_not_parsed, "code files not parsed before the checks"),
                        (self.checks_stopped, "checks stopped at the deadline"),
                        (self.checks_not_run, "checks not run")):
            if n:
                out.append(f"{n} {what}")
        return out


def limits_of(audit_timeout: float, skipped: Mapping[str, int], scan_cut: bool, unparsed: int,
              outcomes: Mapping[str, Outcome]) -> AuditLimits:
    not_run = sum(1 for o in outcomes.values() if o.reason == BUDGET_NOT_RUN)
    stopped = sum(1 for o in outcomes.values() if o.reason == BUDGET_STOPPED)
    not_scanned = sum(n for why, n in skipped.items() if "audit time budget" in why)
    exhausted = scan_cut or bool(unparsed or not_run or stopped or not_scanned)
    return AuditLimits(audit_timeout, exhausted, not_scanned, unparsed, not_run, stopped)
