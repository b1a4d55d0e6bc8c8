"""HTTP routes declared in Rust, read from the shared tree-sitter trees (TypeScript/JavaScript and Go routes are
read from the analysis layer: analysis/routes/javascript.py, analysis/routes/go.py)."""

from __future__ import annotations

from analysis.routes.paths import Endpoint
from auditor.context import Context
from checks.openapi.routes_rust import rust_endpoints

__all__ = ["tree_endpoints"]


def tree_endpoints(ctx: Context) -> list[Endpoint]:
    out: list[Endpoint] = []
    out.extend(rust_endpoints(list(ctx.trees("rust", roles=("source",)))))
    return out
