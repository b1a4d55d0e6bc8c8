"""Placeholder until the family lands; registers nothing."""
from __future__ import annotations

from auditor.context import Context
from auditor.model import Check, NotAvailable

CHECKS: list[type[Check]] = []


def openapi_facts(ctx: Context) -> object:
    raise NotAvailable("family not built yet")
