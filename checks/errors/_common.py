"""What the error-handling checks share."""

from __future__ import annotations

__all__ = ["CODE_ROLES"]

# Findings are about the project's own code: tests and examples are excluded by reading only this role.
CODE_ROLES = ("source",)
