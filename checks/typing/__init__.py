"""Typed code: annotations and a strict type checker for Python, strict TypeScript, typed JavaScript, and
the escape hatches of statically typed languages (Go `interface{}`/`any`, Java raw types and `Object`).

Check ids (stable): typing/annotations, typing/type-checker, typing/explicit-any, typing/typescript-strict,
typing/untyped-javascript, typing/escape-hatch. Fact key: `typing`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from auditor.context import Context
from auditor.model import Check, Confidence, Effort, Finding, Measure, NotApplicable, Severity, Verdict
from auditor.scoring import UNLISTED
from checks.typing.python import AnyUse, CheckerConfig, PythonScan, python_scan, type_checker
from checks.typing.script import JsScan, TsAny, TsConfigState, js_scan, ts_any, ts_configs
from checks.typing.static import StaticScan, static_scan
from checks.typing.tsconfig import CORE_STRICT

__all__ = [
    "CHECKS",
    "EscapeHatch",
    "ExplicitAny",
    "PythonAnnotations",
    "TypeChecker",
    "TypeScriptStrict",
    "TypingFacts",
    "UntypedJavaScript",
    "typing_facts",
]

MAX_FINDINGS = 50
CATEGORY = "typing"


# -- memoised scans (shared by checks and the fact collector through ctx.fact) ---------------------------


def _python(ctx: Context) -> PythonScan:
    return python_scan(ctx)


def _checker(ctx: Context) -> CheckerConfig:
    return type_checker(ctx)


def _tsconfigs(ctx: Context) -> tuple[TsConfigState, ...]:
    return ts_configs(ctx)


def _ts_any(ctx: Context) -> TsAny:
    return ts_any(ctx)


def _js(ctx: Context) -> JsScan:
    return js_scan(ctx, ctx.fact(_tsconfigs))


def _static(ctx: Context) -> StaticScan:
    return static_scan(ctx)


def _project_tsconfigs(ctx: Context) -> list[TsConfigState]:
    return [c for c in ctx.fact(_tsconfigs) if c.path.rsplit("/", 1)[-1] == "tsconfig.json" or c.referenced_by]


def _governs_tests_only(ctx: Context, config: str) -> bool:
    """Whether every TypeScript file below a tsconfig's folder is test code (an e2e or API test harness): its
    strictness matters less than the product's."""
    folder = config.rpartition("/")[0]
    below = [f for f in ctx.files_where(languages=("typescript",)) if not folder or f.path.startswith(folder + "/")]
    return bool(folder) and bool(below) and all(f.role == "test" for f in below)


# -- facts --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TypingFacts:
    python_functions: int
    python_annotated: int
    python_annotated_fraction: float | None  # 0..1 over source functions and methods; None without any
    type_checker: str | None  # "mypy" | "pyright" | "basedpyright" | None
    type_checker_config: str | None
    strict: bool | None  # None when there is no Python type checker
    any_count: int  # explicit typing.Any in Python source (any_bare + any_nested)
    any_bare: int  # a whole annotation (`x: Any`, `-> Any`, `Optional[Any]`) or `cast(Any, ...)`: reported
    any_nested: int  # inside a container type (`dict[str, Any]`), `*args: Any`, aliases: counted only
    typescript_strict: bool | None  # every tsconfig.json has the whole strict family on; None without TS
    tsconfigs: tuple[Mapping[str, object], ...]
    ts_any_count: int  # explicit `any` in TypeScript source
    ts_any_in_tests: int
    javascript_files: int
    javascript_checked: int
    statically_typed: tuple[str, ...]
    escape_hatches: Mapping[str, int]
    problems: tuple[str, ...]


def typing_facts(ctx: Context) -> TypingFacts:
    langs = ctx.languages()
    py = ctx.fact(_python)
    checker = ctx.fact(_checker) if langs.get("python") else CheckerConfig(None, None, None)
    configs = _project_tsconfigs(ctx)
    anys = ctx.fact(_ts_any)
    js = ctx.fact(_js)
    static = ctx.fact(_static)
    kinds = Counter((h.language, h.kind) for h in static.hatches)
    escape: dict[str, int] = {
        "go_interface_any": kinds[("go", "interface{}/any")],
        "java_raw_types": kinds[("java", "raw type")],
        "java_object_params": kinds[("java", "Object parameter")],
        "rust_unsafe_blocks": static.rust_unsafe_blocks,
    }
    problems = [*checker.problems, *(p for c in ctx.fact(_tsconfigs) for p in c.resolved.problems)]
    return TypingFacts(
        python_functions=py.functions,
        python_annotated=py.annotated,
        python_annotated_fraction=round(py.annotated / py.functions, 4) if py.functions else None,
        type_checker=checker.checker,
        type_checker_config=checker.source,
        strict=checker.strict,
        any_count=len(py.any_uses),
        any_bare=sum(u.bare for u in py.any_uses),
        any_nested=sum(not u.bare for u in py.any_uses),
        typescript_strict=(all(c.strictness.strict for c in configs) if configs else False)
        if langs.get("typescript") else None,
        tsconfigs=tuple(
            {
                "path": c.path,
                "strict": c.strictness.strict,
                "off": list(c.strictness.off),
                "extends": list(c.resolved.chain[1:]),
                "unresolved_extends": list(c.resolved.unresolved),
            }
            for c in ctx.fact(_tsconfigs)
        ),
        ts_any_count=anys.count,
        ts_any_in_tests=anys.in_tests,
        javascript_files=js.files,
        javascript_checked=js.checked,
        statically_typed=static.languages,
        escape_hatches=escape,
        problems=tuple(dict.fromkeys(problems)),
    )


# -- checks -------------------------------------------------------------------------------------------------


def _names(items: list[str] | tuple[str, ...], limit: int = 4) -> str:
    shown = ", ".join(f"`{i}`" for i in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


class PythonAnnotations(Check):
    id = "typing/annotations"
    title = "Python functions are fully annotated"
    category = CATEGORY
    languages = frozenset({"python"})
    severity = Severity.MEDIUM
    rationale = (
        "Annotated parameters and returns let a type checker catch wrong calls before they run and document "
        "the contract of every function. Measured as the share of functions and methods in source files "
        "(tests, migrations and examples excluded) whose parameters (including *args/**kwargs, except self/cls) and "
        "return (except __init__) are all annotated."
    )
    remediation = (
        "Annotate the parameters and return type of the functions listed, starting with the public ones.",
        "Run mypy with `disallow_untyped_defs = true` (or `strict = true`) so new code stays annotated.",
        "Tools such as `monkeytype` or `pyright --createstub` can draft annotations for legacy code.",
    )
    effort = Effort.MEDIUM

    def run(self, ctx: Context) -> Verdict:
        scan = ctx.fact(_python)
        if not scan.functions:
            raise NotApplicable("no functions in Python source files")
        measure = Measure("annotated functions", round(100 * scan.annotated / scan.functions, 2), ctx.threshold("typing"))
        severity = Severity.INFO if measure.met else self.severity
        worst = sorted(scan.gaps, key=lambda g: (-g.missing, g.path, g.line))[:MAX_FINDINGS]
        findings = []
        for gap in worst:
            parts = []
            if gap.missing_params:
                parts.append(f"parameter{'s' if len(gap.missing_params) > 1 else ''} {_names(gap.missing_params)}")
            if gap.missing_return:
                parts.append("the return type")
            findings.append(self.finding(
                ctx, f"`{gap.name}` lacks annotations for {' and '.join(parts)}", gap.path, gap.line,
                severity=severity, key=f"{gap.name}",
            ))
        return Verdict(
            findings=tuple(findings),
            measure=measure,
            metrics={"functions": scan.functions, "annotated": scan.annotated, "unannotated": len(scan.gaps),
                     "listed": len(findings)},
        )


def _section_line(ctx: Context, path: str, header: str) -> int | None:
    text = ctx.read_text(path) or ""
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip().replace(" ", "") == header:
            return number
    return None


class TypeChecker(Check):
    id = "typing/type-checker"
    title = "A Python type checker is configured, in strict mode"
    category = CATEGORY
    languages = frozenset({"python"})
    severity = Severity.MEDIUM
    rationale = (
        "Annotations only pay off when a checker verifies them. mypy (`[tool.mypy]`, mypy.ini, setup.cfg "
        "`[mypy]`), pyright or basedpyright (pyrightconfig.json, `[tool.pyright]`) with strict settings "
        "(`strict`/`disallow_untyped_defs`, `typeCheckingMode = strict`) keeps unannotated code out."
    )
    remediation = (
        "Add `[tool.mypy]` with `strict = true` to pyproject.toml (or pyright with `typeCheckingMode = \"strict\"`).",
        "Run the checker in CI and in pre-commit so a type error fails the build.",
        "Adopt strictness module by module with `[[tool.mypy.overrides]]` if the whole code base is not ready.",
    )
    effort = Effort.SMALL

    def run(self, ctx: Context) -> Verdict:
        cfg = ctx.fact(_checker)
        metrics = {"type_checker": cfg.checker, "config": cfg.source, "strict": cfg.strict}
        if cfg.checker is None:
            return Verdict(findings=(self.finding(ctx, "no Python type checker (mypy, pyright) is configured"),),
                           metrics=metrics)
        if cfg.strict:
            return Verdict(metrics=metrics)
        assert cfg.source is not None
        header = {"pyproject.toml": f"[tool.{cfg.checker}]", "setup.cfg": "[mypy]", "tox.ini": "[mypy]",
                  "mypy.ini": "[mypy]", ".mypy.ini": "[mypy]"}.get(cfg.source.rsplit("/", 1)[-1])
        line = _section_line(ctx, cfg.source, header) if header else None
        return Verdict(
            findings=(self.finding(
                ctx, f"{cfg.checker} is configured in {cfg.source} but not strict ({cfg.detail}); "
                     "unannotated functions are not checked",
                cfg.source, line, severity=Severity.LOW, key=f"{cfg.checker}-not-strict",
            ),),
            metrics=metrics,
        )


class ExplicitAny(Check):
    id = "typing/explicit-any"
    version = "2"  # counts the files past MAX_FINDINGS in its score (unlisted_findings)
    title = "Explicit Any / any (bare Python typing.Any, TypeScript any)"
    category = CATEGORY
    languages = frozenset({"python", "typescript"})
    severity = Severity.LOW
    rationale = (
        "A bare `Any` (Python: a whole parameter, return or attribute annotation such as `x: Any`, `-> Any`, "
        "`Optional[Any]`, or `cast(Any, ...)`) and `any` (TypeScript: `: any`, `as any`, `<any>`, `any[]`, "
        "`Array<any>`) switch the type checker off for the value, and the hole spreads to whatever it flows into. "
        "`Any` nested in a container type (`dict[str, Any]` for JSON-shaped data) and `*args: Any` keep the "
        "container checked and are idiomatic under mypy --strict: they are counted as facts, not reported. "
        "Counted in source files; TypeScript tests are counted separately and not reported."
    )
    remediation = (
        "Replace a bare `Any`/`any` with the real type, a union, a generic (TypeVar), a Protocol/interface, or "
        "`object`/`unknown` when any value is truly accepted.",
        "For JSON payloads, describe them (TypedDict, pydantic, zod, an interface) at the boundary, or at least "
        "name the container (`dict[str, Any]`).",
        "Enable `@typescript-eslint/no-explicit-any` (TypeScript) and mypy's `warn_return_any` to keep new ones out.",
    )
    effort = Effort.MEDIUM

    def run(self, ctx: Context) -> Verdict:
        per_file: list[tuple[str, int, int, str]] = []  # path, first line, count, language
        py = ctx.fact(_python)
        by_path: dict[str, list[AnyUse]] = defaultdict(list)
        for use in py.any_uses:
            if use.bare:
                by_path[use.path].append(use)
        messages: dict[str, str] = {}
        for path, uses in by_path.items():
            per_file.append((path, min(u.line for u in uses), len(uses), "Any"))
            what = list(dict.fromkeys(u.where for u in uses))
            messages[path] = f"{len(uses)} bare `Any` in this file: " + ", ".join(what[:3]) + (
                f" and {len(what) - 3} more" if len(what) > 3 else "")
        ts = ctx.fact(_ts_any)
        per_file += [(path, line, count, "any") for path, line, count in ts.files]
        per_file.sort(key=lambda item: (-item[2], item[0]))
        findings = [
            self.finding(ctx, messages[path] if word == "Any" else f"{count} explicit `any` in this file", path, line,
                         key=f"explicit-{word}")
            for path, line, count, word in per_file[:MAX_FINDINGS]
        ]
        bare = sum(u.bare for u in py.any_uses)
        return Verdict(
            findings=tuple(findings),
            metrics={"python_any": len(py.any_uses), "python_any_bare": bare, "python_any_nested": len(py.any_uses) - bare,
                     "typescript_any": ts.count, "typescript_any_in_tests": ts.in_tests, "files": len(per_file),
                     UNLISTED: max(0, len(per_file) - MAX_FINDINGS)},
        )


class TypeScriptStrict(Check):
    id = "typing/typescript-strict"
    title = "TypeScript compiles in strict mode"
    category = CATEGORY
    languages = frozenset({"typescript"})
    severity = Severity.HIGH
    rationale = (
        "Without `strict` (noImplicitAny, strictNullChecks, strictFunctionTypes, strictBindCallApply, "
        "strictPropertyInitialization, noImplicitThis, alwaysStrict, useUnknownInCatchVariables) TypeScript "
        "accepts untyped parameters and ignores null, so most of its safety is lost. The effective tsconfig is "
        "read with its `extends` chain (inside the repository only). A config under which only test code compiles "
        "(an e2e or API test harness) is low."
    )
    remediation = (
        "Set `\"strict\": true` in compilerOptions and remove options that switch parts of it off.",
        "If the code base is not ready, turn on `noImplicitAny` and `strictNullChecks` first and fix per module.",
    )
    effort = Effort.LARGE

    def run(self, ctx: Context) -> Verdict:
        configs = _project_tsconfigs(ctx)
        if not configs:
            if not ctx.files_where(languages=("typescript",), roles=("source",)):
                raise NotApplicable("TypeScript only in tests; no tsconfig.json")
            return Verdict(findings=(self.finding(
                ctx, "TypeScript code without a tsconfig.json: it compiles with the defaults, strict off"),))
        findings: list[Finding] = []
        for cfg in configs:
            broken = any(p.startswith((f"{cfg.path}: does not parse", f"{cfg.path}: top level")) for p in cfg.resolved.problems)
            if not cfg.resolved.chain or broken:
                findings.append(self.finding(
                    ctx, f"{cfg.path} cannot be read as JSON with comments; its strictness is unknown",
                    cfg.path, 1, severity=Severity.MEDIUM, key="unreadable",
                ))
                continue
            st = cfg.strictness
            if st.strict:
                continue
            if cfg.resolved.unresolved and not st.explicit_off:
                # The missing base may well turn strict on: say what is unknown, do not guess a failure.
                findings.append(self.finding(
                    ctx, f"strictness depends on base config {_names(cfg.resolved.unresolved)}, which is not in the "
                         "repository; set `\"strict\": true` here to make it explicit",
                    cfg.path, cfg.line, severity=Severity.INFO, confidence=Confidence.LOW, key="strict-unknown",
                ))
                continue
            severity = Severity.HIGH if any(f in st.off for f in CORE_STRICT) else Severity.MEDIUM
            confidence = Confidence.MEDIUM if cfg.resolved.unresolved else Confidence.HIGH
            if st.strict_option is not True:
                message = f"`strict` is off; not in effect: {_names(st.off, 8)}"
            else:
                message = f"`strict` is on but switched off in part: {_names(st.off, 8)}"
            if cfg.resolved.unresolved:
                message += f" (base config {_names(cfg.resolved.unresolved)} is not in the repository)"
            if _governs_tests_only(ctx, cfg.path):
                severity = Severity.LOW
                message += "; only test code lies below it (a test harness such as `api_tests/`, Nx's `*-e2e`)"
            findings.append(self.finding(ctx, message, cfg.path, cfg.line, severity=severity,
                                         confidence=confidence, key="strict-off"))
        return Verdict(findings=tuple(findings), metrics={
            "tsconfigs": len(configs), "strict": sum(c.strictness.strict for c in configs)})


class UntypedJavaScript(Check):
    id = "typing/untyped-javascript"
    title = "JavaScript source is type-checked (TypeScript, or JSDoc with checkJs / @ts-check)"
    category = CATEGORY
    languages = frozenset({"javascript"})
    severity = Severity.MEDIUM
    rationale = (
        "Plain JavaScript has no static types: a wrong argument or a missing property is found in production. "
        "JavaScript counts as checked when a jsconfig.json (or tsconfig.json with allowJs) sets `checkJs`, or "
        "the file starts with `// @ts-check`. Tool configuration files (*.config.js, .*rc.js) are not counted."
    )
    remediation = (
        "Adopt TypeScript for the service code (rename to .ts with `allowJs` during the migration).",
        "Or type-check the JavaScript as it is: a jsconfig.json with `\"checkJs\": true` and JSDoc types.",
        "Or, file by file, start each module with `// @ts-check`.",
    )
    effort = Effort.LARGE

    def run(self, ctx: Context) -> Verdict:
        js = ctx.fact(_js)
        metrics = {"javascript_files": js.files, "checked": js.checked, "typescript_files": js.typescript_files,
                   "unchecked": len(js.unchecked)}
        if not js.files:
            raise NotApplicable("no JavaScript source files (tool configuration only)")
        if not js.unchecked:
            return Verdict(metrics=metrics)
        # Medium where JavaScript is the project's main language; low for a few scripts beside other code.
        main = max(ctx.languages().items(), key=lambda item: (item[1], item[0] == "javascript"))[0]
        severity = Severity.MEDIUM if main == "javascript" else Severity.LOW
        anchor = ctx.path("package.json")
        where = anchor if ctx.repo.get(anchor) is not None else js.unchecked[0]
        message = (f"{len(js.unchecked)} of {js.files} JavaScript source files are not type-checked "
                   f"(e.g. {_names(js.unchecked, 3)}); adopt TypeScript or enable `checkJs`")
        return Verdict(findings=(self.finding(ctx, message, where, None, severity=severity, key="untyped-js"),),
                       metrics=metrics)


class EscapeHatch(Check):
    id = "typing/escape-hatch"
    version = "2"  # counts the files past MAX_FINDINGS in its score (unlisted_findings)
    title = "Public signatures do not escape the static type system (Go interface{}/any, Java raw types, Object)"
    category = CATEGORY
    languages = frozenset({"go", "java", "rust"})
    severity = Severity.LOW
    rationale = (
        "Go, Java and Rust are statically typed, but `interface{}`/`any` in an exported Go signature, a raw "
        "generic type (`List`, `Map`, `ResponseEntity` without type arguments) or an `Object` parameter in a "
        "public Java method hand the checking to run-time casts. A Go variadic `args ...any` (fmt's own formatting "
        "and logging idiom) is not counted, nor a signature a library interface dictates (a gRPC interceptor, chi's "
        "`LogEntry.Write`/`Panic`, `sql.Scanner.Scan`), nor a Java `@Override`. Rust `unsafe` blocks are counted as a fact."
    )
    remediation = (
        "Go: use a concrete type, a small interface or a type parameter instead of `interface{}`/`any`.",
        "Java: give generic types their type arguments (`List<Order>`, `ResponseEntity<OrderDto>`).",
        "Java: replace `Object` parameters with the real type, an overload or a generic method.",
    )
    effort = Effort.MEDIUM

    def run(self, ctx: Context) -> Verdict:
        scan = ctx.fact(_static)
        by_file: dict[str, list[str]] = defaultdict(list)
        first: dict[str, int] = {}
        kinds: Counter[str] = Counter()
        for hatch in scan.hatches:
            what = "raw " + hatch.detail if hatch.kind == "raw type" else hatch.kind
            by_file[hatch.path].append(f"`{hatch.symbol}` ({what})")
            first.setdefault(hatch.path, hatch.line)
            kinds[hatch.kind] += 1
        ordered = sorted(by_file.items(), key=lambda item: (-len(item[1]), item[0]))[:MAX_FINDINGS]
        findings = tuple(
            self.finding(ctx, f"{len(items)} public signature{'s escape' if len(items) > 1 else ' escapes'} the type system: "
                              + ", ".join(items[:5]) + (f" and {len(items) - 5} more" if len(items) > 5 else ""),
                         path, first[path], key="escape-hatches")
            for path, items in ordered
        )
        return Verdict(findings=findings, metrics={
            "statically_typed": list(scan.languages), "escape_hatches": len(scan.hatches), **dict(kinds),
            "rust_unsafe_blocks": scan.rust_unsafe_blocks, UNLISTED: max(0, len(by_file) - MAX_FINDINGS),
        })


CHECKS: list[type[Check]] = [PythonAnnotations, TypeChecker, ExplicitAny, TypeScriptStrict, UntypedJavaScript, EscapeHatch]
