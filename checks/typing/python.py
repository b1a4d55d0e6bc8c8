"""Python: how much of the code is annotated, where `Any` is used, and which type checker is configured."""

from __future__ import annotations

import ast
import configparser
import re
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from auditor.context import Context
from auditor.sources import PyModule
from checks._util import imported_names
from checks.typing.tsconfig import JsoncError, parse_jsonc

__all__ = ["AnyUse", "CheckerConfig", "FunctionGap", "PythonScan", "python_scan", "type_checker"]

CODE_ROLES = ("source",)  # tests, migrations and examples are left out
MAX_CONFIG_BYTES = 1024 * 1024
_ANY = frozenset({"typing.Any", "typing_extensions.Any"})

FuncDef = ast.FunctionDef | ast.AsyncFunctionDef


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


def _decorator_names(fn: FuncDef) -> set[str]:
    names: set[str] = set()
    for dec in fn.decorator_list:
        target = dec.func if isinstance(dec, ast.Call) else dec
        if isinstance(target, ast.Name):
            names.add(target.id)
        elif isinstance(target, ast.Attribute):
            names.add(target.attr)
    return names


def _qualname(module: PyModule, fn: FuncDef) -> str:
    parts = [fn.name]
    for anc in module.ancestors(fn):
        if isinstance(anc, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            parts.append(anc.name)
    return ".".join(reversed(parts))


def function_gap(module: PyModule, fn: FuncDef) -> FunctionGap | None:
    """What `fn` lacks: every parameter and the return need annotations, with the usual exemptions."""
    args = fn.args
    positional = [*args.posonlyargs, *args.args]
    is_method = isinstance(module.parent(fn), ast.ClassDef)
    decorators = _decorator_names(fn)
    if is_method and "staticmethod" not in decorators and positional:
        positional = positional[1:]  # self / cls
    params: list[ast.arg] = [*positional, *args.kwonlyargs]
    if args.vararg is not None:
        params.append(args.vararg)
    if args.kwarg is not None:
        params.append(args.kwarg)
    missing = tuple(
        ("*" if a is args.vararg else "**" if a is args.kwarg else "") + a.arg
        for a in params if a.annotation is None
    )
    missing_return = fn.returns is None and fn.name != "__init__"
    if not missing and not missing_return:
        return None
    return FunctionGap(
        path=module.path,
        line=fn.lineno,
        end_line=fn.lineno,
        name=_qualname(module, fn),
        missing_params=missing,
        missing_return=missing_return,
        params=len(params),
    )


def _annotation_nodes(module: PyModule) -> Iterator[tuple[ast.expr, str]]:
    """Every annotation of the module with what it annotates; `*args`/`**kwargs` are marked `*`."""
    for fn in module.nodes_of(ast.FunctionDef, ast.AsyncFunctionDef):
        assert isinstance(fn, FuncDef)
        a = fn.args
        for arg in (*a.posonlyargs, *a.args, *a.kwonlyargs):
            if arg.annotation is not None:
                yield arg.annotation, f"parameter `{arg.arg}` of `{fn.name}`"
        for star in (a.vararg, a.kwarg):
            if star is not None and star.annotation is not None:
                yield star.annotation, "*"  # each element is Any: the tuple/dict itself is typed
        if fn.returns is not None:
            yield fn.returns, f"return of `{fn.name}`"
    for ann in module.nodes(ast.AnnAssign):
        target = ann.target
        name = target.id if isinstance(target, ast.Name) else target.attr if isinstance(target, ast.Attribute) else "?"
        yield ann.annotation, f"`{name}`"


class _AnyNames:
    """How `Any` is spelled in one module: imported names and typing module aliases."""

    def __init__(self, names: set[str], aliases: set[str]) -> None:
        self.names = names
        self.aliases = aliases
        alternatives = [re.escape(n) for n in sorted(names)] + [re.escape(a) + r"\s*\.\s*Any" for a in sorted(aliases)]
        self.pattern = re.compile(r"(?<![\w.])(?:" + "|".join(alternatives) + r")(?!\w)")

    def is_any(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.names
        return isinstance(node, ast.Attribute) and node.attr == "Any" and isinstance(node.value, ast.Name) \
            and node.value.id in self.aliases

    def is_none(self, node: ast.expr) -> bool:
        return isinstance(node, ast.Constant) and node.value is None

    def bare(self, node: ast.expr) -> ast.expr | None:
        """The `Any` node when `node` as a whole is Any (also `Optional[Any]`, `Any | None`), else None."""
        if self.is_any(node):
            return node
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            for one, other in ((node.left, node.right), (node.right, node.left)):
                if self.is_any(one) and self.is_none(other):
                    return one
        if isinstance(node, ast.Subscript):
            head = node.value
            head_name = head.id if isinstance(head, ast.Name) else head.attr if isinstance(head, ast.Attribute) else ""
            inner = node.slice
            if head_name == "Optional" and self.is_any(inner):
                return inner
            if head_name == "Union" and isinstance(inner, ast.Tuple) and len(inner.elts) == 2:
                a, b = inner.elts
                if self.is_any(a) and self.is_none(b):
                    return a
                if self.is_any(b) and self.is_none(a):
                    return b
        return None

    def bare_text(self, text: str) -> bool:
        """Whether a string annotation as a whole is Any (matched as text, never evaluated)."""
        compact = "".join(text.split())
        forms = {*self.names, *(f"{a}.Any" for a in self.aliases)}
        for any_form in forms:
            if compact in (any_form, f"Optional[{any_form}]", f"{any_form}|None", f"None|{any_form}"):
                return True
            if compact.endswith(f"Optional[{any_form}]") and compact[: -len(f"Optional[{any_form}]")].endswith("."):
                return True
        return False


def _any_uses(module: PyModule) -> list[AnyUse]:
    imports = imported_names(module)
    any_names = {local for local, full in imports.items() if full in _ANY}
    typing_aliases = {local for local, full in imports.items() if full in ("typing", "typing_extensions")}
    if not any_names and not typing_aliases:
        return []
    spell = _AnyNames(any_names, typing_aliases)
    bare: dict[int, str] = {}  # id of a bare Any node -> what it annotates
    uses: list[AnyUse] = []
    for ann, where in _annotation_nodes(module):
        if isinstance(ann, ast.Constant) and isinstance(ann.value, str):  # forward reference: text only
            count = len(spell.pattern.findall(ann.value)) if "Any" in ann.value else 0
            whole = count == 1 and where != "*" and spell.bare_text(ann.value)
            uses += [AnyUse(module.path, ann.lineno, whole, where if whole else "")] * count
            continue
        node = spell.bare(ann)
        if node is not None and where != "*":
            bare[id(node)] = where
    for call in module.nodes(ast.Call):  # cast(Any, x): a bare escape from the checker
        fn = call.func
        fn_name = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else ""
        if fn_name == "cast" and call.args and spell.is_any(call.args[0]):
            bare[id(call.args[0])] = "`cast(Any, ...)`"
    nodes: list[ast.expr] = [n for n in module.nodes(ast.Name) if n.id in any_names]
    nodes += [n for n in module.nodes(ast.Attribute) if spell.is_any(n)]
    for n in nodes:
        where = bare.get(id(n), "")
        uses.append(AnyUse(module.path, n.lineno, bool(where), where))
    return uses


def python_scan(ctx: Context) -> PythonScan:
    functions = annotated = 0
    gaps: list[FunctionGap] = []
    any_uses: list[AnyUse] = []
    for module in ctx.python_modules(*CODE_ROLES):
        for fn in module.nodes_of(ast.FunctionDef, ast.AsyncFunctionDef):
            assert isinstance(fn, FuncDef)
            functions += 1
            gap = function_gap(module, fn)
            if gap is None:
                annotated += 1
            else:
                gaps.append(gap)
        any_uses += _any_uses(module)
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
