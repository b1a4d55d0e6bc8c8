"""HTTP routes the code declares, with the prefixes they are mounted under, for every language.

Adapters record what one file says (`RouteDecl`, `Mount` in analysis/model.py, with symbolic owner keys);
a resolver per language family puts the files together (imports, module constants, mount chains) into
`Endpoint`s. The openapi family compares them with the spec; security and operability checks ask which
routes exist and what guards them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from analysis.routes.paths import Endpoint, join_paths, normalise_path, path_matches, segments

if TYPE_CHECKING:
    from analysis.project import ProjectAnalysis

__all__ = ["RESOLVERS", "Endpoint", "join_paths", "normalise_path", "path_matches", "project_endpoints", "segments"]

Resolver = Callable[["ProjectAnalysis"], list[Endpoint]]

# Language family ("python", "javascript", "go", "java", "rust") -> the resolver of its files' routes.
RESOLVERS: dict[str, Resolver] = {}


def _load() -> None:
    if RESOLVERS:
        return
    from analysis.routes.go import go_endpoints
    from analysis.routes.java import java_endpoints
    from analysis.routes.javascript import javascript_endpoints
    from analysis.routes.python import python_endpoints
    from analysis.routes.rust import rust_endpoints

    RESOLVERS["python"] = python_endpoints
    RESOLVERS["javascript"] = javascript_endpoints
    RESOLVERS["rust"] = rust_endpoints
    RESOLVERS["java"] = java_endpoints
    RESOLVERS["go"] = go_endpoints


def project_endpoints(analysis: ProjectAnalysis) -> list[Endpoint]:
    """Every endpoint of the project's source files, memoised per project and process."""

    def compute(a: ProjectAnalysis) -> list[Endpoint]:
        _load()
        out: list[Endpoint] = []
        for family in sorted(RESOLVERS):
            out.extend(RESOLVERS[family](a))
        return out

    return analysis.memo("endpoints", compute)
