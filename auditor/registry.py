"""Plugin discovery through entry points: checks, fact collectors and reporters.

Built-in checks are registered in our own pyproject.toml exactly as a third-party plugin registers its
own, so this path is always exercised. A broken plugin is reported and skipped; it never stops an audit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

from auditor.model import CHECK_ID_PATTERN, Check

__all__ = ["Registry", "load_registry"]

CHECK_GROUP = "auditor.checks"
FACT_GROUP = "auditor.facts"
REPORTER_GROUP = "auditor.reporters"
_REQUIRED = ("id", "title", "category", "severity", "rationale", "remediation")


@dataclass
class Registry:
    checks: list[type[Check]] = field(default_factory=list)
    facts: dict[str, Callable[[Any], Any]] = field(default_factory=dict)
    reporters: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def check(self, check_id: str) -> type[Check] | None:
        return next((c for c in self.checks if c.id == check_id), None)

    def add_check(self, obj: object, origin: str) -> None:
        candidates: Iterable[object] = obj if isinstance(obj, list | tuple) else [obj]
        for cls in candidates:
            if not (isinstance(cls, type) and issubclass(cls, Check)):
                self.errors.append(f"{origin}: {cls!r} is not a Check subclass")
                continue
            missing = [a for a in _REQUIRED if not hasattr(cls, a)]
            if missing:
                self.errors.append(f"{origin}: {cls.__name__} does not declare {', '.join(missing)}")
                continue
            if not CHECK_ID_PATTERN.match(cls.id):
                self.errors.append(f"{origin}: check id {cls.id!r} is not of the form 'family/name'")
                continue
            if self.check(cls.id) is not None:
                self.errors.append(f"{origin}: check id {cls.id!r} is already registered")
                continue
            self.checks.append(cls)


def load_registry() -> Registry:
    reg = Registry()
    for ep in entry_points(group=CHECK_GROUP):
        try:
            reg.add_check(ep.load(), f"plugin {ep.name!r} ({ep.value})")
        except Exception as exc:  # noqa: BLE001 - a broken plugin is reported, not fatal
            reg.errors.append(f"plugin {ep.name!r} ({ep.value}) failed to load: {type(exc).__name__}: {exc}")
    for ep in entry_points(group=FACT_GROUP):
        try:
            reg.facts[ep.name] = ep.load()
        except Exception as exc:  # noqa: BLE001
            reg.errors.append(f"fact collector {ep.name!r} failed to load: {type(exc).__name__}: {exc}")
    for ep in entry_points(group=REPORTER_GROUP):
        try:
            reg.reporters[ep.name] = ep.load()
        except Exception as exc:  # noqa: BLE001
            reg.errors.append(f"reporter {ep.name!r} failed to load: {type(exc).__name__}: {exc}")
    reg.checks.sort(key=lambda c: c.id)
    return reg
