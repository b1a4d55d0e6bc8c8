"""Operability: structured logs with correlation ids, pooled database connections, no blocking calls in async code,
no query per row, a versioned API; and, as facts only, caching and background processing.

Every check is a query over the analysis layer (analysis/model.py facts, analysis/routes endpoints and request
handlers, the libraries of analysis/frameworks.py); which call names mean what per language family sits in the
tables at the top of each module.
"""

from __future__ import annotations

from auditor.context import Context
from auditor.model import Check
from checks.maintainability.complexity import facts_json as complexity_json
from checks.operability.blocking import BlockingInAsync, blocking_sites
from checks.operability.correlation import CorrelationIds
from checks.operability.correlation import facts_json as correlation_json
from checks.operability.pooling import ConnectionPooling
from checks.operability.pooling import facts_json as pooling_json
from checks.operability.queries import NPlusOne, query_sites
from checks.operability.usage import background_facts, caching_facts
from checks.operability.versioning import ApiVersioning
from checks.operability.versioning import facts_json as versioning_json

__all__ = ["CHECKS", "operability_facts"]


def _versioning(ctx: Context) -> dict[str, object]:
    from analysis.routes import project_endpoints

    if not project_endpoints(ctx.analysis):
        return {"present": False, "scheme": None, "schemes": [], "evidence": [], "versions": [], "deprecation": [],
                "endpoints": 0, "versioned_endpoints": 0}
    return versioning_json(ctx)


def operability_facts(ctx: Context) -> dict[str, object]:
    """The raw facts behind the operability and maintainability checks, apart from their judgement (facts.operability)."""
    return {
        **correlation_json(ctx),
        "pooling": pooling_json(ctx),
        "api_versioning": _versioning(ctx),
        "complexity": complexity_json(ctx),
        "caching": caching_facts(ctx),
        "background": background_facts(ctx),
        "blocking_in_async": len(blocking_sites(ctx)),
        "queries_per_row": len(query_sites(ctx)),
    }


CHECKS: list[type[Check]] = [CorrelationIds, ConnectionPooling, BlockingInAsync, NPlusOne, ApiVersioning]
