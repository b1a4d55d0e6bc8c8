"""Python: how much of the code is annotated, where `Any` is used, and which type checker is configured."""

from __future__ import annotations

import configparser
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass

from analysis.model import Function
from auditor.context import Context
from checks.typing.tsconfig import JsoncError, parse_jsonc

__all__ = ["AnyUse", "CheckerConfig", "FunctionGap", "PythonScan", "python_scan", "type_checker"]

CODE_ROLES = ("source",)  # tests, migrations and examples are left out
MAX_CONFIG_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class FunctionGap:
    """A function or method with at least one missing annotation."""

    path: str
    line: int
    end_line: int
    name: str  # qualified within the module: Class.method, outer.inner
    missing_params: tuple[str, ...]
    missing_return: bool
    params: int  # parameters that need an annotation

    @property
    def missing(self) -> int:
        return len(self.missing_params) + self.missing_return


@dataclass(frozen=True, slots=True)
class AnyUse:
    """One explicit `Any`. `bare` when it is a whole annotation (`x: Any`, `-> Any`, `Optional[Any]`) or
    `cast(Any, ...)`; `where` then names the annotated thing. Nested uses (`dict[str, Any]`, `*args: Any`) are
    counted, not reported."""

    path: str
    line: int
    bare: bool = False
    where: str = ""


@dataclass(frozen=True, slots=True)
class PythonScan:
    functions: int
    annotated: int
    gaps: tuple[FunctionGap, ...]
    any_uses: tuple[AnyUse, ...]


def function_gap(path: str, fn: Function) -> FunctionGap | None:
    """What `fn` lacks: every parameter and the return need annotations, `self`/`cls` and `__init__`'s return aside."""
    params = [p for p in fn.params if p[3] != "self"]
    missing = tuple(("*" if kind == "vararg" else "**" if kind == "kwarg" else "") + name
                    for name, annotation, _default, kind in params if annotation is None)
    missing_return = fn.returns is None and fn.name != "__init__"
    if not missing and not missing_return:
        return None
    return FunctionGap(path=path, line=fn.line, end_line=fn.line, name=fn.qualname, missing_params=missing,
                       missing_return=missing_return, params=len(params))


def python_scan(ctx: Context) -> PythonScan:
    functions = annotated = 0
    gaps: list[FunctionGap] = []
    any_uses: list[AnyUse] = []
    for model in ctx.analysis.files("python", roles=CODE_ROLES):
        for fn in model.functions:
            functions += 1
            gap = function_gap(model.path, fn)
            if gap is None:
                annotated += 1
            else:
                gaps.append(gap)
        for use in model.type_uses:
            if use.kind in ("any", "any-nested"):
                any_uses.append(AnyUse(model.path, use.line, use.kind == "any", use.where))
    return PythonScan(functions, annotated, tuple(gaps), tuple(sorted(any_uses, key=lambda u: (u.path, u.line))))


# -- type checker configuration ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckerConfig:
    checker: str | None  # "mypy" | "pyright" | "basedpyright" | None
    source: str | None  # the file that configures (or runs) it
    strict: bool | None
    detail: str = ""
    problems: tuple[str, ...] = ()


_TRUE = frozenset({"true", "1", "yes", "on"})
_RUN_PATTERN = re.compile(r"\b(basedpyright|pyright|mypy)\b")


def _read(ctx: Context, rel: str) -> str | None:
    data = ctx.repo.read_bytes(ctx.path(rel), limit=MAX_CONFIG_BYTES)
    return None if data is None else data.decode("utf-8", "replace")


def _mypy_ini(text: str, section: str) -> tuple[bool, bool, str] | None:
    """(found, strict, detail) for a `[mypy]` section of an ini file, None if the section is absent."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read_string(text)
    if not parser.has_section(section):
        return None
    opts = {k.lower(): v.strip().lower() for k, v in parser.items(section)}
    return True, *_mypy_strict(lambda k: opts.get(k, "") in _TRUE)


def _mypy_strict(flag: Callable[[str], bool]) -> tuple[bool, str]:
    if flag("strict"):
        return True, "strict = true"
    if flag("disallow_untyped_defs"):
        return True, "disallow_untyped_defs = true"
    return False, "neither `strict` nor `disallow_untyped_defs`"


def type_checker(ctx: Context) -> CheckerConfig:
    """The Python type checker configured for this project, and whether it demands annotations."""
    problems: list[str] = []
    pyproject = _read(ctx, "pyproject.toml")
    tool: dict[str, object] = {}
    if pyproject is not None:
        try:
            data = tomllib.loads(pyproject)
            raw = data.get("tool")
            tool = raw if isinstance(raw, dict) else {}
        except (tomllib.TOMLDecodeError, RecursionError) as exc:
            problems.append(f"pyproject.toml does not parse: {str(exc)[:120]}")
    mypy = tool.get("mypy")
    if isinstance(mypy, dict):
        strict, detail = _mypy_strict(lambda k: mypy.get(k) is True)
        return CheckerConfig("mypy", ctx.path("pyproject.toml"), strict, detail, tuple(problems))
    for name in ("mypy.ini", ".mypy.ini", "setup.cfg", "tox.ini"):
        text = _read(ctx, name)
        if text is None:
            continue
        try:
            found = _mypy_ini(text, "mypy")
        except configparser.Error as exc:
            problems.append(f"{name} does not parse: {type(exc).__name__}")
            continue
        if found is not None:
            return CheckerConfig("mypy", ctx.path(name), found[1], found[2], tuple(problems))
    for key in ("basedpyright", "pyright"):
        section = tool.get(key)
        if isinstance(section, dict):
            strict, detail = _pyright_strict(section, key)
            return CheckerConfig(key, ctx.path("pyproject.toml"), strict, detail, tuple(problems))
    text = _read(ctx, "pyrightconfig.json")
    if text is not None:
        try:
            value = parse_jsonc(text)
        except JsoncError as exc:
            problems.append(f"pyrightconfig.json does not parse: {exc}")
            value = {}
        strict, detail = _pyright_strict(value if isinstance(value, dict) else {}, "pyright")
        return CheckerConfig("pyright", ctx.path("pyrightconfig.json"), strict, detail, tuple(problems))
    run = _run_without_config(ctx)
    if run is not None:
        return CheckerConfig(run[0], run[1], False, "run with its default settings (no configuration found)", tuple(problems))
    return CheckerConfig(None, None, None, "", tuple(problems))


def _pyright_strict(section: dict[str, object], key: str) -> tuple[bool, str]:
    mode = section.get("typeCheckingMode")
    if mode is None:
        mode = "recommended" if key == "basedpyright" else "standard"
    if mode in ("strict", "all", "recommended"):
        return True, f"typeCheckingMode = {mode}"
    if section.get("reportMissingParameterType") in ("error", True) or section.get("reportUnknownParameterType") in ("error", True):
        return True, "missing parameter types are errors"
    return False, f"typeCheckingMode = {mode}"


def _run_without_config(ctx: Context) -> tuple[str, str] | None:
    """A checker run by pre-commit, CI, tox, nox or make although no configuration section exists."""
    for info in ctx.files:
        rel = ctx.project.relative(info.path)
        name = rel.rsplit("/", 1)[-1]
        if not (
            rel.startswith(".github/workflows/") or rel in (".gitlab-ci.yml", ".pre-commit-config.yaml", "Makefile",
                                                            "tox.ini", "noxfile.py", ".travis.yml", "justfile")
            or name in ("requirements-dev.txt", "dev-requirements.txt")
        ):
            continue
        text = ctx.sources.text(info.path)
        match = _RUN_PATTERN.search(text) if text else None
        if match:
            return match.group(1), info.path
    return None
