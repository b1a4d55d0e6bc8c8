"""Find, load and validate OpenAPI / Swagger documents safely.

Untrusted input: YAML is composed with libyaml after a cheap nesting guard (libyaml's composer recurses in
C and would crash the process on deep input), aliases are counted before anything is constructed, JSON
depth errors are caught, and `$ref`s are resolved only inside the document (no file, no network).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

__all__ = [
    "HTTP_METHODS",
    "LoadResult",
    "Operation",
    "SpecDoc",
    "load_document",
    "looks_like_spec",
    "operations",
    "spec_version",
    "validate_spec",
]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
MAX_SPEC_BYTES = 2 * 1024 * 1024
MAX_FLOW_DEPTH = 200  # `[`/`{` nesting; real specs stay far below
MAX_INDENT = 2000  # columns of block indentation
MAX_NODES = 1_000_000  # YAML nodes after expanding aliases (billion-laughs guard)

_YAML_MARKER = re.compile(r"""^["']?(?:openapi["']?[ \t]*:[ \t]*["']?3|swagger["']?[ \t]*:[ \t]*["']?2\.0)""", re.M)
_JSON_MARKER = re.compile(r'"(?:openapi"\s*:\s*"?3|swagger"\s*:\s*"?2\.0)')
_BRACKETS = re.compile(r"""[\[\]{}]|"(?:[^"\\\n]|\\.)*"|'(?:[^'\n]|'')*'|#[^\n]*""")


class SpecLoadError(Exception):
    """The document cannot be read as data; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class LoadResult:
    data: object = None
    error: str = ""


@dataclass(frozen=True, slots=True)
class Operation:
    method: str  # upper case
    path: str
    spec: dict[str, Any] = field(hash=False, compare=False)


@dataclass(slots=True)
class SpecDoc:
    """One committed spec file: where it is, what it says and whether it validates."""

    path: str
    version: str = ""
    data: dict[str, Any] | None = None
    valid: bool | None = None
    error: str = ""
    error_line: int | None = None
    text: str = ""
    cut: str = ""  # what cap_paths left out of a huge spec ("100000 paths, the first 2000 ... were read")


MAX_SPEC_PATHS = 2_000  # a spec is read this far: every later pass is linear in what is kept
MAX_SPEC_OPERATIONS = 10_000


def cap_paths(data: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """`data` with at most MAX_SPEC_PATHS paths and MAX_SPEC_OPERATIONS operations, and what was cut ("" if none).

    A spec from an untrusted repository may declare 100,000 paths; validating and matching them all took
    minutes and timed a check out.
    """
    paths = data.get("paths")
    if not isinstance(paths, dict) or (len(paths) <= MAX_SPEC_PATHS and _operation_count(paths) <= MAX_SPEC_OPERATIONS):
        return data, ""
    kept: dict[Any, Any] = {}
    operations = 0
    for key, item in paths.items():
        count = _operation_count({key: item})
        if len(kept) >= MAX_SPEC_PATHS or operations + count > MAX_SPEC_OPERATIONS:
            break
        kept[key] = item
        operations += count
    return {**data, "paths": kept}, f"{len(paths)} paths, the first {len(kept)} ({operations} operations) were read"


def _operation_count(paths: dict[Any, Any]) -> int:
    return sum(sum(1 for m in item if isinstance(m, str) and m.lower() in HTTP_METHODS)
               for item in paths.values() if isinstance(item, dict))


def looks_like_spec(path: str, text: str) -> bool:
    """Whether the text declares itself an OpenAPI 3 / Swagger 2 document (top-level version key)."""
    if path.lower().endswith(".json") or text.lstrip()[:1] in ("{", "["):
        return _JSON_MARKER.search(text) is not None
    return _YAML_MARKER.search(text) is not None


def _check_flow_depth(text: str) -> None:
    depth = 0
    for match in _BRACKETS.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > MAX_FLOW_DEPTH:
                raise SpecLoadError(f"nested more than {MAX_FLOW_DEPTH} levels deep")
        elif token in ("]", "}"):
            depth -= 1


def _check_indent(text: str) -> None:
    for line in text.splitlines():
        if len(line) - len(line.lstrip(" ")) > MAX_INDENT:
            raise SpecLoadError("indented too deeply")


def _check_node_graph(root: yaml.Node) -> None:
    """Reject recursive aliases and documents that expand to more than MAX_NODES nodes."""
    size: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_stack.discard(key)
            total = 1 + sum(size[id(c)] for c in _children(node))
            if total > MAX_NODES:
                raise SpecLoadError(f"expands to more than {MAX_NODES:,} nodes (alias bomb)")
            size[key] = total
            continue
        if key in size:
            continue
        if key in on_stack:
            raise SpecLoadError("recursive YAML alias")
        on_stack.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in on_stack:
                raise SpecLoadError("recursive YAML alias")
            if id(child) not in size:
                stack.append((child, False))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [item for pair in node.value for item in pair]
    return []


_YamlLoader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_yaml(text: str) -> object:
    _check_flow_depth(text)
    _check_indent(text)
    loader = _YamlLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_node_graph(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def load_document(path: str, text: str) -> LoadResult:
    """Parse a YAML or JSON document; never raises."""
    if len(text) > MAX_SPEC_BYTES:
        return LoadResult(error=f"larger than {MAX_SPEC_BYTES // (1024 * 1024)} MB")
    is_json = path.lower().endswith(".json")
    try:
        if is_json:
            return LoadResult(data=json.loads(text))
        return LoadResult(data=_load_yaml(text))
    except SpecLoadError as exc:
        return LoadResult(error=str(exc))
    except json.JSONDecodeError as exc:
        return LoadResult(error=f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
    except yaml.MarkedYAMLError as exc:
        where = f" at line {exc.problem_mark.line + 1}" if exc.problem_mark is not None else ""
        return LoadResult(error=f"not valid YAML: {exc.problem or exc.context or 'syntax error'}{where}")
    except yaml.YAMLError as exc:
        return LoadResult(error=f"not valid YAML: {str(exc).splitlines()[0] if str(exc) else 'syntax error'}")
    except RecursionError:
        return LoadResult(error="nested too deeply to parse")
    except (ValueError, TypeError, MemoryError, OverflowError) as exc:
        return LoadResult(error=f"cannot be parsed ({type(exc).__name__})")


def spec_version(data: object) -> str:
    """"3.0.3" / "2.0" when `data` is an OpenAPI 3 or Swagger 2 document at top level, else ""."""
    if not isinstance(data, dict):
        return ""
    openapi = data.get("openapi")
    if isinstance(openapi, str | int | float) and not isinstance(openapi, bool) and str(openapi).startswith("3"):
        return str(openapi)
    swagger = data.get("swagger")
    if isinstance(swagger, str | float) and str(swagger) == "2.0":
        return "2.0"
    return ""


def _ref_cycle(data: dict[str, Any]) -> str:
    """The first local `$ref` that only points at itself through other bare `$ref`s, or ""."""
    refs: list[str] = []
    stack: list[Any] = [data]
    seen = 0
    while stack and seen < MAX_NODES:
        node = stack.pop()
        seen += 1
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#"):
                refs.append(ref)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    for start in dict.fromkeys(refs):
        visited: set[str] = set()
        current: str | None = start
        while current is not None:
            if current in visited:
                return start
            visited.add(current)
            target = _pointer(data, current)
            nxt = target.get("$ref") if isinstance(target, dict) else None
            current = nxt if isinstance(nxt, str) and nxt.startswith("#") else None
    return ""


def _pointer(data: object, ref: str) -> object:
    node = data
    for raw in ref[1:].lstrip("/").split("/") if ref not in ("#", "#/") else []:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _string_keys(data: object) -> object:
    """A copy with every mapping key as a string (YAML reads `200:` as an int), built iteratively."""
    root: list[Any] = [None]
    stack: list[tuple[Any, Any, Any]] = [(data, root, 0)]
    while stack:
        node, holder, slot = stack.pop()
        if isinstance(node, dict):
            copy: dict[str, Any] = {}
            holder[slot] = copy
            for key, value in node.items():
                name = str(key).lower() if isinstance(key, bool) else str(key)
                copy[name] = None
                stack.append((value, copy, name))
        elif isinstance(node, list):
            items: list[Any] = [None] * len(node)
            holder[slot] = items
            stack.extend((value, items, i) for i, value in enumerate(node))
        else:
            holder[slot] = node
    return root[0]


def validate_spec(data: dict[str, Any]) -> tuple[bool | None, str]:
    """(valid, first error) with openapi-spec-validator, resolving only in-document references.

    `None` means the validity could not be decided (an external `$ref` we do not follow, nesting too deep).
    """
    keyed = _string_keys(data)
    if not isinstance(keyed, dict):  # a top-level mapping stays one; this only narrows the type
        return None, "the document is not a mapping"
    data = keyed
    cycle = _ref_cycle(data)
    if cycle:
        return False, f"`$ref` {cycle} refers to itself through a cycle of references"
    try:
        from openapi_spec_validator.shortcuts import get_validator_cls
        from openapi_spec_validator.validation.exceptions import ValidatorDetectError
    except ImportError:  # pragma: no cover - a declared dependency
        return None, "openapi-spec-validator is not installed"
    try:
        base_cls = get_validator_cls(data)
    except (ValidatorDetectError, KeyError, TypeError, ValueError):
        return False, "the `openapi`/`swagger` version field is not a supported version"
    local_only = type("LocalOnly" + base_cls.__name__, (base_cls,), {"resolver_handlers": {}})
    try:
        error = None
        for count, candidate in enumerate(local_only(data).iter_errors()):
            # Python's `re` cannot judge ECMA-262 patterns (`\p{L}`): a "not a regex" verdict is not evidence.
            if getattr(candidate, "validator", None) == "format" and getattr(candidate, "validator_value", None) == "regex":
                if count < 200:
                    continue
                break
            error = candidate
            break
    except RecursionError:
        return None, "nested too deeply to validate"
    except Exception as exc:  # noqa: BLE001 - the validator's resolver raises assorted types
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        kind = type(exc).__name__
        if kind == "PointerToNowhere":
            target = message.split(" does not exist", 1)[0].strip("'")
            return False, f"`$ref` target #{target[:120]} does not exist"
        if kind in ("Unresolvable", "NoSuchResource", "Unretrievable"):
            return None, f"external `$ref` {message[:120]} is not followed"
        return None, f"validator failed: {type(exc).__name__}: {message[:160]}"
    if error is None:
        return True, ""
    return False, _describe(error)


def _describe(error: object) -> str:
    message = str(getattr(error, "message", error)).splitlines()[0]
    where = "/".join(str(p) for p in getattr(error, "absolute_path", ()) or ())
    text = f"{message[:200]}" + (f" (at {where[:120]})" if where else "")
    return text


def operations(data: dict[str, Any]) -> Iterator[Operation]:
    """Every operation (method, path) declared under `paths`."""
    paths = data.get("paths")
    if not isinstance(paths, dict):
        return
    for path, item in paths.items():
        if not isinstance(path, str) or not isinstance(item, dict):
            continue
        for method, op in item.items():
            if isinstance(method, str) and method.lower() in HTTP_METHODS:
                yield Operation(method.upper(), path, op if isinstance(op, dict) else {})


def base_paths(data: dict[str, Any]) -> list[str]:
    """Path prefixes the spec's paths are served under: Swagger 2 `basePath`, OpenAPI 3 `servers[].url` paths."""
    bases = [""]
    base = data.get("basePath")
    if isinstance(base, str):
        bases.append(base)
    servers = data.get("servers")
    if isinstance(servers, list):
        for server in servers:
            url = server.get("url") if isinstance(server, dict) else None
            if isinstance(url, str):
                without_scheme = re.sub(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/]*", "", url)
                bases.append(without_scheme)
    return list(dict.fromkeys(bases))


def line_of_key(text: str, key: str) -> int | None:
    """1-based line where `key` first appears as a mapping key, or None."""
    escaped = re.escape(key)
    match = re.search(rf"""^[ \t]*["']?{escaped}["']?[ \t]*:|"{escaped}"\s*:""", text, re.M)
    if match is None:
        return None
    return text.count("\n", 0, match.start()) + 1
