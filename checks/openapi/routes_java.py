"""The servlet prefixes Spring Boot reads from `application.properties` / `application.yml`
(`server.servlet.context-path`, `spring.mvc.servlet.path`), put in front of the Spring endpoints.

This reads configuration files only: the Java routes themselves come from the analysis layer
(analysis/java.py facts, resolved by analysis/routes/java.py).
"""

from __future__ import annotations

import re
from dataclasses import replace

from analysis.routes.paths import Endpoint, join_paths
from auditor.context import Context
from checks.openapi.spec import load_document

__all__ = ["servlet_prefixes", "with_servlet_prefixes"]

_SERVLET_KEYS = ("server.servlet.context-path", "spring.mvc.servlet.path")
_CONFIG_NAME = re.compile(r"(?:^|/)application\.(?:properties|ya?ml)$")
_PLACEHOLDER = re.compile(r"^\$\{[^:}]*(?::([^}]*))?\}$")
_MAX_CONFIG = 1024 * 1024


# -- Spring Boot servlet prefixes -----------------------------------------------------------------------------------
def _module_root(path: str) -> str:
    head, sep, _ = path.partition("src/main/")
    return head if sep else ""


def servlet_prefixes(ctx: Context) -> dict[str, tuple[str, bool]]:
    """Module root -> (context path + servlet path, whether it could be read) from the default-profile config."""
    out: dict[str, tuple[str, bool]] = {}
    for info in ctx.files:
        if not _CONFIG_NAME.search(info.path) or info.role == "test" or "/src/test/" in "/" + info.path:
            continue
        text = ctx.sources.text(info.path)
        if text is None or len(text) > _MAX_CONFIG:
            continue
        values = _properties(text) if info.path.endswith(".properties") else _yaml_values(info.path, text)
        if not values:
            continue
        parts: list[str] = []
        known = True
        for key in _SERVLET_KEYS:
            value = values.get(key)
            if value is None:
                continue
            match = _PLACEHOLDER.match(value.strip())
            if match:
                value = match.group(1)
                if value is None:
                    known = False
                    continue
            value = value.strip().strip("\"'").rstrip("/*")
            if value and value != "/":
                parts.append(value)
        root = _module_root(info.path)
        prefix = join_paths(*parts) if parts else ""
        previous = out.get(root)
        if previous is None or (prefix and not previous[0]):
            out[root] = (prefix, known)
    return out


def _properties(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped[0] in "#!":
            continue
        key, _, value = stripped.partition("=") if "=" in stripped else stripped.partition(":")
        if key.strip() in _SERVLET_KEYS:
            out[key.strip()] = value.strip()
    return out


def _yaml_values(path: str, text: str) -> dict[str, str]:
    """The servlet keys of the first YAML document (the default profile), nested or dotted."""
    first = re.split(r"(?m)^---[ \t]*$", text, maxsplit=1)[0]
    data = load_document(path, first).data
    out: dict[str, str] = {}
    for key in _SERVLET_KEYS:
        current: object = data
        parts = key.split(".")
        i = 0
        while isinstance(current, dict) and i < len(parts):
            joined = next((".".join(parts[i:j]) for j in range(len(parts), i, -1) if ".".join(parts[i:j]) in current),
                          None)
            if joined is None:
                current = None
                break
            current = current[joined]
            i += len(joined.split("."))
        if i == len(parts) and isinstance(current, str | int | float):
            out[key] = str(current)
    return out


def with_servlet_prefixes(ctx: Context, endpoints: list[Endpoint]) -> list[Endpoint]:
    """Spring endpoints with the servlet prefix of their module's configuration in front."""
    if not endpoints:
        return endpoints
    prefixes = servlet_prefixes(ctx)
    if not prefixes:
        return endpoints
    single = next(iter(prefixes.values())) if len(prefixes) == 1 else None
    out: list[Endpoint] = []
    for ep in endpoints:
        found = prefixes.get(_module_root(ep.file), single) if ep.framework == "spring" else None
        if found is None or (not found[0] and found[1]):
            out.append(ep)
            continue
        prefix, known = found
        out.append(replace(ep, path=join_paths(prefix, ep.path), base=prefix, prefix_known=ep.prefix_known and known))
    return out
