"""auditor: scores a backend repository against backend quality standards."""

from __future__ import annotations

__version__ = "0.1.0"

from auditor.config import Config, ConfigError
from auditor.context import AuditOptions
from auditor.engine import AuditError, Scorecard, UsageError, audit

__all__ = ["AuditError", "AuditOptions", "Config", "ConfigError", "Scorecard", "UsageError", "__version__", "audit"]
