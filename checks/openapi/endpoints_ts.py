"""HTTP routes declared in TypeScript/JavaScript and Rust, read from the shared tree-sitter trees (Go's are read
from the analysis layer: analysis/routes/go.py)."""

from __future__ import annotations

from analysis.routes.paths import Endpoint
from auditor.context import Context
from checks.openapi.routes_js import js_endpoints
from checks.openapi.routes_rust import rust_endpoints

__all__ = ["tree_endpoints"]


def tree_endpoints(ctx: Context) -> list[Endpoint]:
    out: list[Endpoint] = []
    out.extend(js_endpoints(ctx))
    out.extend(rust_endpoints(list(ctx.trees("rust", roles=("source",)))))
    return out
