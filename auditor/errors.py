"""The errors an audit raises to its caller, in a module of their own so the CLI can catch them without
importing the engine at start-up (auditor.engine re-exports both)."""

from __future__ import annotations

__all__ = ["AuditError", "UsageError"]


class AuditError(Exception):
    """The audit could not run at all (exit code 3)."""


class UsageError(Exception):
    """The caller asked for something that does not exist (exit code 2)."""
