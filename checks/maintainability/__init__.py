"""Maintainability: cyclomatic complexity per function (every language, radon's numbers for Python), radon's
maintainability index for large Python modules, and modules and classes that do too much. Thresholds are check
options (`[tool.auditor.options."maintainability/complexity"] threshold = 20`)."""

from __future__ import annotations

from auditor.model import Check
from checks.maintainability.complexity import Complexity
from checks.maintainability.modules import GodModule

__all__ = ["CHECKS"]

CHECKS: list[type[Check]] = [Complexity, GodModule]
