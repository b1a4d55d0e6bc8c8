"""TypeScript and JavaScript: the effective tsconfig strictness, explicit `any`, and untyped JavaScript."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from analysis.frameworks import TOOL_CONFIG_FILES, not_application_source
from auditor.context import Context
from checks.typing.tsconfig import (
    JsoncError,
    ResolvedConfig,
    TsStrictness,
    line_of_key,
    parse_jsonc,
    resolve_config,
    strictness,
)

__all__ = ["JsScan", "TsAny", "TsConfigState", "js_scan", "ts_any", "ts_configs"]

MAX_CONFIG_BYTES = 1024 * 1024
# Build and maintenance folders at the project root (config/ for bundler or node-config settings, scripts/
# for build and release scripts); a src/config/ module below the source tree is application code.
_TOOL_ROOT_DIRS = frozenset({"webpack", "config", "scripts"})


@dataclass(frozen=True, slots=True)
class TsConfigState:
    path: str
    resolved: ResolvedConfig
    strictness: TsStrictness
    line: int | None  # where `strict` (or `compilerOptions`) is written in this file
    referenced_by: str = ""  # the solution-style tsconfig.json that builds this one through `references`


def _config_names(ctx: Context, stem: str) -> list[str]:
    """Repository-relative `<stem>.json` files of this project, the project root's first."""
    found = [f.path for f in ctx.files if posixpath.basename(f.path) == f"{stem}.json"]
    return sorted(found, key=lambda p: (p.count("/"), p))


def ts_configs(ctx: Context) -> tuple[TsConfigState, ...]:
    """Every tsconfig.json and jsconfig.json of the project, with `extends` followed inside the repository."""

    def read(rel: str) -> bytes | None:
        return ctx.repo.read_bytes(rel, limit=MAX_CONFIG_BYTES)

    def state(path: str, referenced_by: str = "") -> TsConfigState:
        resolved = resolve_config(path, read)
        text = ctx.sources.text(path) or ""
        line = None
        for key in ("strict", "compilerOptions"):
            if resolved.origin.get(key, path) == path:
                line = line_of_key(text, key)
                if line is not None:
                    break
        return TsConfigState(path, resolved, strictness(resolved), line, referenced_by)

    states: list[TsConfigState] = []
    for path in [*_config_names(ctx, "tsconfig"), *_config_names(ctx, "jsconfig")]:
        referenced = _solution_references(path, read(path))
        if referenced:  # compiles nothing itself: the configs it references are the project's
            # A reference to a config that is not committed (jhipster-sample-app-micronaut's `tsconfig.e2e.json`)
            # compiles nothing either: there is no file to judge, so it is no "unreadable" config.
            states.extend(state(ref, path) for ref in referenced if read(ref) is not None)
        else:
            states.append(state(path))
    return tuple(states)


def _solution_references(path: str, data: bytes | None) -> list[str]:
    """The configs a solution-style tsconfig (`"files": []` and `references`, Vite and Vue's scaffold) builds,
    repository-relative and inside the repository; [] for an ordinary config."""
    if data is None:
        return []
    try:
        doc = parse_jsonc(data)
    except JsoncError:
        return []
    if not isinstance(doc, dict) or doc.get("files") != [] or "include" in doc or not isinstance(doc.get("references"), list):
        return []
    base = posixpath.dirname(path)
    out: list[str] = []
    for ref in doc["references"][:32]:
        target = ref.get("path") if isinstance(ref, dict) else None
        if not isinstance(target, str) or not target:
            continue
        rel = posixpath.normpath(posixpath.join(base, target))
        if rel.startswith("../") or rel == ".." or rel.startswith("/"):
            continue
        if not rel.endswith(".json"):
            rel = posixpath.join(rel, "tsconfig.json")
        if rel != path and rel not in out:
            out.append(rel)
    return out


@dataclass(frozen=True, slots=True)
class TsAny:
    """Explicit `any` in TypeScript: (path, first line, count) per source file, and the count in tests."""

    files: tuple[tuple[str, int, int], ...]
    count: int
    in_tests: int


_ANY_KINDS = frozenset({"any", "any-nested", "cast-any"})


_DECLARE_MODULE = re.compile(r"""^\s*declare\s+module\s+(["'])(?P<name>[^"']*)\1""")


def _outside_wildcard_modules(text: list[str], lines: list[int]) -> list[int]:
    """The lines not inside a wildcard module declaration of a `.d.ts` file (`declare module '*.json' { const
    value: any; export default value; }`, TypeScript's documented way to import non-code files, whose contents
    it cannot know): express-typescript-boilerplate `src/types/json.d.ts:2`."""
    module_of: dict[int, str] = {}
    current = ""
    for number, line in enumerate(text, 1):
        m = _DECLARE_MODULE.match(line)
        if m:
            current = m.group("name")
        module_of[number] = current
    return [n for n in lines if not module_of.get(n, "").startswith("*")]


def ts_any(ctx: Context) -> TsAny:
    """Every explicit `any` of the project's TypeScript (the analysis layer's TypeUse facts)."""
    files: list[tuple[str, int, int]] = []
    total = tests = 0
    for model in ctx.analysis.files("typescript", roles=("source", "test")):
        lines = [u.line for u in model.type_uses if u.kind in _ANY_KINDS]
        if lines and model.path.endswith(".d.ts"):
            lines = _outside_wildcard_modules(ctx.sources.lines(model.path), lines)
        if not lines:
            continue
        if model.role == "test":
            tests += len(lines)
        else:
            total += len(lines)
            files.append((model.path, min(lines), len(lines)))
    return TsAny(tuple(files), total, tests)


@dataclass(frozen=True, slots=True)
class JsScan:
    """Plain JavaScript source files of the project and which of them a type checker reads."""

    files: int
    checked: int
    unchecked: tuple[str, ...]
    typescript_files: int
    checked_by: tuple[str, ...]  # configs with checkJs on


def _tooling(ctx: Context, path: str) -> bool:
    """Whether a JavaScript file configures or drives the build rather than being the product."""
    if TOOL_CONFIG_FILES.search(path):
        return True
    prefix = ctx.project.path + "/" if ctx.project.path else ""
    rel = path[len(prefix):] if path.startswith(prefix) else path
    return "/" in rel and rel.split("/", 1)[0] in _TOOL_ROOT_DIRS


def js_scan(ctx: Context, configs: tuple[TsConfigState, ...]) -> JsScan:
    js = [f for f in ctx.files_where(languages=("javascript",), roles=("source",)) if not _tooling(ctx, f.path)]
    ts_files = len(ctx.files_where(languages=("typescript",), roles=("source",)))
    checking = [
        c for c in configs
        if c.strictness.check_js and (c.path.endswith("jsconfig.json") or c.strictness.allow_js)
    ]
    dirs = [posixpath.dirname(c.path) for c in checking]
    unchecked: list[str] = []
    application = 0
    models = {m.path: m for m in ctx.analysis.files("javascript", roles=("source",))}
    for info in js:
        model = models.get(info.path)
        if model is not None and not_application_source(model) is not None:
            continue  # a database shell script run by a container, not the product's code
        application += 1
        if any(not d or info.path.startswith(d + "/") for d in dirs):
            continue
        if model is not None and "ts-check" in model.markers:
            continue
        unchecked.append(info.path)
    return JsScan(application, application - len(unchecked), tuple(unchecked), ts_files,
                  tuple(c.path for c in checking))
