"""Tests and coverage (placeholder until the family lands; registers nothing)."""
from __future__ import annotations

from auditor.context import Context
from auditor.model import Check, NotAvailable

CHECKS: list[type[Check]] = []


def tests_facts(ctx: Context) -> object:
    raise NotAvailable("tests family not built yet")


def coverage_facts(ctx: Context) -> object:
    raise NotAvailable("tests family not built yet")
