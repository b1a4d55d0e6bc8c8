"""tsconfig.json / jsconfig.json: a safe JSONC reader and an `extends` resolver that never leaves the repository.

TypeScript reads its configuration as JSON with comments and trailing commas. The reader here strips both
(string-aware) and hands the rest to `json.loads`; deep nesting, bad syntax, huge files or a non-object top
level are a `ConfigProblem`, never an exception. `extends` is followed for relative files and for packages
installed under `node_modules` inside the repository only; absolute paths, paths that climb above the
root and cycles are refused and recorded.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "STRICT_FAMILY",
    "JsoncError",
    "ResolvedConfig",
    "TsStrictness",
    "line_of_key",
    "parse_jsonc",
    "resolve_config",
    "strictness",
]

MAX_CONFIG_BYTES = 1024 * 1024
MAX_EXTENDS_DEPTH = 16

# The options `strict: true` turns on, each of which can still be switched off on its own.
STRICT_FAMILY = (
    "noImplicitAny",
    "strictNullChecks",
    "strictFunctionTypes",
    "strictBindCallApply",
    "strictPropertyInitialization",
    "noImplicitThis",
    "alwaysStrict",
    "useUnknownInCatchVariables",
)
# Switched off, these let untyped values flow silently; the others are finer points.
CORE_STRICT = ("noImplicitAny", "strictNullChecks")


class JsoncError(ValueError):
    """The text is not a JSON-with-comments document we accept."""


def strip_jsonc(text: str) -> str:
    """`text` with comments blanked (newlines kept, so lines still match) and trailing commas removed."""
    out: list[str] = []
    i = 0
    n = len(text)
    pending_comma: int | None = None  # index in `out` of a comma that may turn out to be trailing
    while i < n:
        ch = text[i]
        if ch == '"':
            j = i + 1
            while j < n and text[j] != '"':
                if text[j] == "\\":
                    j += 1
                elif text[j] == "\n":
                    raise JsoncError("unterminated string")
                j += 1
            if j >= n:
                raise JsoncError("unterminated string")
            out.append(text[i : j + 1])
            pending_comma = None
            i = j + 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                raise JsoncError("unterminated comment")
            chunk = text[i : j + 2]
            out.append("".join(c if c == "\n" else " " for c in chunk))
            i = j + 2
        elif ch == ",":
            pending_comma = len(out)
            out.append(ch)
            i += 1
        elif ch in "}]":
            if pending_comma is not None:
                out[pending_comma] = " "
                pending_comma = None
            out.append(ch)
            i += 1
        else:
            if not ch.isspace():
                pending_comma = None
            out.append(ch)
            i += 1
    return "".join(out)


def parse_jsonc(data: str | bytes) -> object:
    """The value of a JSON-with-comments document. Raises only `JsoncError`."""
    if isinstance(data, bytes):
        if len(data) > MAX_CONFIG_BYTES:
            raise JsoncError("file too large")
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise JsoncError("not UTF-8") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise JsoncError("file too large")
    data = data.removeprefix("\ufeff")
    cleaned = strip_jsonc(data)
    try:
        return json.loads(cleaned)
    except RecursionError:
        raise JsoncError("nesting too deep") from None
    except ValueError as exc:  # JSONDecodeError, and int conversion limits
        raise JsoncError(str(exc).split(":")[0]) from None


def line_of_key(text: str, key: str) -> int | None:
    """1-based line of the first `"key":` in a JSONC text (comments ignored), or None."""
    try:
        cleaned = strip_jsonc(text)
    except JsoncError:
        return None
    needle = f'"{key}"'
    start = 0
    while True:
        idx = cleaned.find(needle, start)
        if idx < 0:
            return None
        rest = cleaned[idx + len(needle) :].lstrip()
        if rest.startswith(":"):
            return cleaned.count("\n", 0, idx) + 1
        start = idx + 1


@dataclass(frozen=True, slots=True)
class ResolvedConfig:
    """The effective `compilerOptions` of one config after following its `extends` chain."""

    path: str
    options: Mapping[str, object]
    chain: tuple[str, ...]  # the config itself, then each base that was read
    problems: tuple[str, ...] = ()
    unresolved: tuple[str, ...] = ()  # `extends` targets that could not be read (e.g. node_modules absent)
    # Where each option got its value: the config path that set it last.
    origin: Mapping[str, str] = field(default_factory=dict)


Reader = Callable[[str], bytes | None]


def _inside(rel: str) -> str | None:
    """`rel` normalised, or None when it is absolute or climbs above the repository root."""
    if not rel or rel.startswith("/") or "\\" in rel or "\0" in rel or (len(rel) > 1 and rel[1] == ":"):
        return None
    norm = posixpath.normpath(rel)
    if norm == ".." or norm.startswith("../") or norm.startswith("/"):
        return None
    return norm


def _candidates(base_dir: str, spec: str) -> list[str] | None:
    """Repository-relative files an `extends` value may name, in TypeScript's order; None if outside."""
    if spec.startswith("/") or (len(spec) > 1 and spec[1] == ":") or "\\" in spec:
        return None
    if spec.startswith(("./", "../")) or spec in (".", ".."):
        target = _inside(posixpath.join(base_dir, spec) if base_dir else spec)
        if target is None:
            return None
        return [target] if target.endswith(".json") else [target, target + ".json"]
    # A package: node_modules/<spec> in this directory and each parent up to the root.
    out: list[str] = []
    directory = base_dir
    while True:
        root = posixpath.join(directory, "node_modules", spec) if directory else posixpath.join("node_modules", spec)
        target = _inside(root)
        if target is None:
            return None
        if target.endswith(".json"):
            out.append(target)
        else:
            out += [target + ".json", posixpath.join(target, "tsconfig.json")]
        if not directory:
            return out
        directory = posixpath.dirname(directory)


def resolve_config(path: str, read: Reader) -> ResolvedConfig:
    """Merge the `compilerOptions` of `path` and every config it extends (bases first, the child wins).

    `read` returns the bytes of a repository-relative file or None; it is only ever asked for
    normalised paths inside the root. Cycles, depth beyond 16 and outside paths are refused.
    """
    problems: list[str] = []
    unresolved: list[str] = []
    chain: list[str] = []
    layers: list[tuple[str, Mapping[str, object]]] = []  # child first
    seen: set[str] = set()

    def load(rel: str) -> dict[str, Any] | None:
        data = read(rel)
        if data is None:
            return None
        try:
            value = parse_jsonc(data)
        except JsoncError as exc:
            problems.append(f"{rel}: does not parse ({exc})")
            return {}
        if not isinstance(value, dict):
            problems.append(f"{rel}: top level is not an object")
            return {}
        return value

    start = _inside(path)
    if start is None:
        return ResolvedConfig(path, {}, (), ("config path is outside the repository",))
    # Depth-first over the extends graph, iteratively; each entry carries the configs that led to it.
    stack: list[tuple[str, tuple[str, ...]]] = [(start, ())]
    while stack:
        rel, above = stack.pop()
        if rel in above:
            problems.append(f"{above[-1]}: `extends` cycle through {rel}; not followed")
            continue
        if rel in seen:  # a base shared by two branches is merged once
            continue
        if len(above) >= MAX_EXTENDS_DEPTH:
            problems.append(f"{rel}: `extends` chain deeper than {MAX_EXTENDS_DEPTH}; not followed")
            continue
        doc = load(rel)
        if doc is None:
            if not above:
                problems.append(f"{rel}: cannot be read")
            continue
        seen.add(rel)
        chain.append(rel)
        options = doc.get("compilerOptions")
        layers.append((rel, options if isinstance(options, dict) else {}))
        ext = doc.get("extends")
        specs = [ext] if isinstance(ext, str) else [e for e in ext if isinstance(e, str)] if isinstance(ext, list) else []
        if ext is not None and not specs:
            problems.append(f"{rel}: `extends` is neither a string nor a list of strings")
        for spec in specs:  # later bases win; pushed in order, so they are popped (and layered) first
            cands = _candidates(posixpath.dirname(rel), spec)
            if cands is None:
                problems.append(f"{rel}: `extends` {spec!r} points outside the repository; not followed")
                continue
            hit = next((c for c in cands if c in seen or c in above or c == rel or read(c) is not None), None)
            if hit is None:
                unresolved.append(spec)
                continue
            stack.append((hit, (*above, rel)))
    merged: dict[str, object] = {}
    origin: dict[str, str] = {}
    for rel, options in reversed(layers):
        for key, value in options.items():
            merged[key] = value
            origin[key] = rel
    return ResolvedConfig(path, merged, tuple(chain), tuple(problems), tuple(unresolved), origin)


@dataclass(frozen=True, slots=True)
class TsStrictness:
    strict: bool  # every option of the strict family is in effect
    off: tuple[str, ...]  # options of the strict family that are not in effect
    strict_option: bool | None  # the value of `strict` itself, None when unset
    explicit_off: tuple[str, ...]  # options of `off` that a config read switches off in so many words
    check_js: bool
    allow_js: bool


# Published base configs that set `"strict": true` (read from their sources); used when node_modules is
# not committed.
KNOWN_STRICT_BASES = ("@tsconfig/node", "@tsconfig/strictest", "@tsconfig/recommended", "fastify-tsconfig", "@vue/tsconfig")


def strictness(resolved: ResolvedConfig) -> TsStrictness:
    opts = resolved.options
    strict_opt = opts.get("strict")
    strict_value: bool | None = strict_opt if isinstance(strict_opt, bool) else None
    if strict_value is None and any(u.startswith(KNOWN_STRICT_BASES) for u in resolved.unresolved):
        strict_value = True
    off = tuple(
        name for name in STRICT_FAMILY
        if not (opts[name] if isinstance(opts.get(name), bool) else bool(strict_value))
    )
    explicit_off = tuple(name for name in off if opts.get(name) is False or strict_opt is False)
    return TsStrictness(
        strict=not off,
        off=off,
        strict_option=strict_value,
        explicit_off=explicit_off,
        check_js=opts.get("checkJs") is True,
        allow_js=opts.get("allowJs") is True,
    )
