"""TypeScript and JavaScript: the effective tsconfig strictness, explicit `any`, and untyped JavaScript."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from auditor.context import Context
from auditor.sources import TsFile
from checks._ts import descendants, has_error_ancestor, line_of
from checks.typing.tsconfig import ResolvedConfig, TsStrictness, line_of_key, resolve_config, strictness

__all__ = ["JsScan", "TsAny", "TsConfigState", "js_scan", "ts_any", "ts_configs"]

MAX_CONFIG_BYTES = 1024 * 1024
# JavaScript that configures tools, not the product: not held to the typing standard. Files in (or named
# as) dot-folders such as .hygen/ or .husky/ are tooling too, and so is anything in a webpack/ folder or named
# webpack.*.js (JHipster's webpack/webpack.custom.js, environment.js).
_TOOL_JS = re.compile(
    r"(^|/)([\w.-]+\.config\.[cm]?js|\.[\w-]+rc\.[cm]?js|[Gg]runtfile\.js|[Gg]ulpfile\.js|Jakefile\.js"
    r"|package-scripts\.js|webpack(\.[\w-]+)*\.[cm]?js)$|(^|/)\.[^/]+(/|$)|(^|/)webpack/"
)
# Build and maintenance folders at the project root (config/ for bundler or node-config settings, scripts/
# for build and release scripts); a src/config/ module below the source tree is application code.
_TOOL_ROOT_DIRS = frozenset({"webpack", "config", "scripts"})
_TS_CHECK = re.compile(r"^\s*(//\s*@ts-check\b|/\*\s*@ts-check\b)", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class TsConfigState:
    path: str
    resolved: ResolvedConfig
    strictness: TsStrictness
    line: int | None  # where `strict` (or `compilerOptions`) is written in this file


def _config_names(ctx: Context, stem: str) -> list[str]:
    """Repository-relative `<stem>.json` files of this project, the project root's first."""
    found = [f.path for f in ctx.files if posixpath.basename(f.path) == f"{stem}.json"]
    return sorted(found, key=lambda p: (p.count("/"), p))


def ts_configs(ctx: Context) -> tuple[TsConfigState, ...]:
    """Every tsconfig.json and jsconfig.json of the project, with `extends` followed inside the repository."""

    def read(rel: str) -> bytes | None:
        return ctx.repo.read_bytes(rel, limit=MAX_CONFIG_BYTES)

    states: list[TsConfigState] = []
    for path in [*_config_names(ctx, "tsconfig"), *_config_names(ctx, "jsconfig")]:
        resolved = resolve_config(path, read)
        text = ctx.sources.text(path) or ""
        line = None
        for key in ("strict", "compilerOptions"):
            if resolved.origin.get(key, path) == path:
                line = line_of_key(text, key)
                if line is not None:
                    break
        states.append(TsConfigState(path, resolved, strictness(resolved), line))
    return tuple(states)


@dataclass(frozen=True, slots=True)
class TsAny:
    """Explicit `any` in TypeScript: (path, first line, count) per source file, and the count in tests."""

    files: tuple[tuple[str, int, int], ...]
    count: int
    in_tests: int


def _count_any(file: TsFile) -> tuple[int, int]:
    if b"any" not in file.source:
        return 0, 0
    count = 0
    first = 0
    for node in descendants(file.tree.root_node):
        if node.type == "predefined_type" and file.source[node.start_byte : node.end_byte] == b"any":
            if has_error_ancestor(node, file):
                continue
            count += 1
            first = first or line_of(node)
    return count, first


def ts_any(ctx: Context) -> TsAny:
    files: list[tuple[str, int, int]] = []
    total = tests = 0
    for file in ctx.trees("typescript", roles=("source", "test")):
        count, first = _count_any(file)
        if not count:
            continue
        if file.info.role == "test":
            tests += count
        else:
            total += count
            files.append((file.path, first, count))
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
    if _TOOL_JS.search(path):
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
    for info in js:
        if any(not d or info.path.startswith(d + "/") for d in dirs):
            continue
        head = (ctx.sources.text(info.path) or "")[:2048]
        if _TS_CHECK.search(head):
            continue
        unchecked.append(info.path)
    return JsScan(len(js), len(js) - len(unchecked), tuple(unchecked), ts_files, tuple(c.path for c in checking))
