"""What the operability checks share: the project's dependencies, its endpoints, where a finding about the whole
project sits, and evidence lists kept short."""

from __future__ import annotations

from analysis.routes import Endpoint, project_endpoints
from auditor.context import Context
from auditor.model import NotApplicable

__all__ = ["MAX_EVIDENCE", "dependencies", "endpoints_or_not_applicable", "short"]

MAX_EVIDENCE = 10


def _dependencies(ctx: Context) -> frozenset[str]:
    from auditor.projects import manifest_dependencies

    return manifest_dependencies(ctx.repo, ctx.project.manifests)


def dependencies(ctx: Context) -> frozenset[str]:
    """Every dependency the project's manifests name (lower case; Java group:artifact, Go module paths)."""
    return ctx.fact(_dependencies)


def endpoints_or_not_applicable(ctx: Context) -> list[Endpoint]:
    endpoints = project_endpoints(ctx.analysis)
    if not endpoints:
        raise NotApplicable("no HTTP endpoints found in this project")
    return endpoints


def short(items: list[str], n: int = MAX_EVIDENCE) -> list[str]:
    """At most `n` items, in order, without repeats."""
    return list(dict.fromkeys(items))[:n]
