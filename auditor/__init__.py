"""auditor: scores a backend repository against backend quality standards."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from auditor.config import Config, ConfigError
    from auditor.context import AuditOptions
    from auditor.engine import AuditError, Scorecard, UsageError, audit

__all__ = ["AuditError", "AuditOptions", "Config", "ConfigError", "Scorecard", "UsageError", "__version__", "audit"]

# The public names are imported when first used, not with the package: `auditor --version` (which imports
# auditor.cli, hence this package) must not pay for the engine.
_LAZY = {"Config": "auditor.config", "ConfigError": "auditor.config", "AuditOptions": "auditor.context",
         "AuditError": "auditor.errors", "UsageError": "auditor.errors", "Scorecard": "auditor.engine",
         "audit": "auditor.engine"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'auditor' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
