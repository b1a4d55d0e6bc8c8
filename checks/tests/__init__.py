"""Tests and coverage: the project has tests, shared fixtures, property-based tests, and measured coverage.

Facts `tests` (frameworks, test files and functions, fixtures, property-based frameworks) and `coverage`
(line coverage read from reports the target already produced: Cobertura, lcov, JaCoCo, Go coverprofile,
coverage.py's `.coverage`). With `--run-tests` (opt-in: it executes the target's code) the Python suite is
run under coverage and failing tests are reported.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from auditor.context import Context
from auditor.model import Check, Confidence, Effort, Finding, Measure, NotApplicable, NotAvailable, Severity, Verdict
from auditor.redact import redact
from checks.tests.coverage_parsers import (
    CoverageReport,
    parse_cobertura,
    parse_coverage_db,
    parse_go_profile,
    parse_jacoco,
    parse_lcov,
)
from checks.tests.discovery import TestInventory, inventory

__all__ = [
    "CHECKS",
    "CoverageFacts",
    "TestsFacts",
    "coverage_facts",
    "coverage_lookup",
    "tests_facts",
]

CATEGORY = "testing"

# Where tools write their reports, relative to the project root, in order of preference: a tool's own
# summary first (it applied the project's include/omit settings), coverage.py's raw data file last.
REPORT_LOCATIONS: tuple[tuple[str, str], ...] = (
    ("coverage.xml", "cobertura"),
    ("coverage/cobertura-coverage.xml", "cobertura"),
    ("cobertura.xml", "cobertura"),
    ("target/tarpaulin/cobertura.xml", "cobertura"),
    ("target/site/jacoco/jacoco.xml", "jacoco"),
    ("build/reports/jacoco/test/jacocoTestReport.xml", "jacoco"),
    ("target/site/jacoco-aggregate/jacoco.xml", "jacoco"),
    ("lcov.info", "lcov"),
    ("coverage/lcov.info", "lcov"),
    ("coverage/lcov/lcov.info", "lcov"),
    ("target/lcov.info", "lcov"),
    ("coverage.out", "go"),
    ("cover.out", "go"),
    ("coverage.txt", "go"),
    ("c.out", "go"),
    (".coverage", "coverage.py"),
)
MAX_REPORT_BYTES = 64 * 1024 * 1024

HOW_TO = {
    "python": "pytest --cov --cov-report=xml",
    "typescript": "npx c8 --reporter=lcov npm test  (or jest --coverage)",
    "javascript": "npx c8 --reporter=lcov npm test  (or jest --coverage)",
    "rust": "cargo llvm-cov --lcov --output-path lcov.info  (or cargo tarpaulin --out Xml)",
    "go": "go test -coverprofile=coverage.out ./...",
    "java": "mvn verify with the jacoco-maven-plugin report goal (or gradle jacocoTestReport)",
}


# -- facts ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TestsFacts:
    frameworks: list[str]
    files: int
    functions: int
    fixtures: int
    property_based: list[str]
    by_language: dict[str, dict[str, int]]
    empty_test_files: list[str]


@dataclass(frozen=True, slots=True)
class CoverageSource:
    path: str
    format: str
    percent: float | None
    error: str | None


@dataclass(frozen=True, slots=True)
class CoverageFacts:
    percent: float | None
    source: str | None  # "path (format)" of the report the percent comes from
    format: str | None
    lines_covered: int
    lines_total: int
    unit: str
    sources: list[CoverageSource]
    from_test_run: bool = False
    # --run-tests could not run the suite (one line of pytest's error): the figure is the committed report's.
    test_run_error: str | None = None


def _inventory(ctx: Context) -> TestInventory:
    return inventory(ctx)


def tests_facts(ctx: Context) -> TestsFacts:
    inv = ctx.fact(_inventory)
    return TestsFacts(
        frameworks=inv.frameworks,
        files=len(inv.test_files),
        functions=inv.functions,
        fixtures=inv.fixtures,
        property_based=inv.property_based,
        by_language={
            name: {"files": sum(1 for m in t.files if m.tests), "functions": t.functions, "fixtures": t.fixtures}
            for name, t in sorted(inv.languages.items())
        },
        empty_test_files=sorted(m.path for m in inv.stubs),
    )


def coverage_lookup(ctx: Context) -> Callable[[str], tuple[str, str] | None]:
    """Map a path recorded in `.coverage` (maybe absolute, maybe from another machine) to a listed file."""
    listed = {f.path for f in ctx.files_where(languages=("python",))}
    root_parts = PurePosixPath(str(ctx.repo.root).replace("\\", "/")).parts

    def lookup(recorded: str) -> tuple[str, str] | None:
        parts = PurePosixPath(recorded.replace("\\", "/")).parts
        if parts[: len(root_parts)] == root_parts:  # recorded on this machine, in this checkout
            parts = parts[len(root_parts):]
        for start in range(len(parts)):  # longest suffix that is a file of the repository wins
            candidate = "/".join(parts[start:])
            if candidate in listed:
                text = ctx.read_text(candidate)
                return (candidate, text) if text is not None else None
        return None

    return lookup


def statement_lines(ctx: Context, rel: str) -> set[int] | None:
    """Lines that start a statement (decorators included, docstrings and `pragma: no cover` lines not), from
    the shared parse: close to coverage.py's own count (within a fraction of a percent on real code)."""
    module = ctx.sources.python(rel)
    if module is None:
        return None
    lines: set[int] = set()
    docstrings: set[int] = set()
    for kind, nodes in module.by_type.items():
        if not issubclass(kind, ast.stmt):
            continue
        for node in nodes:
            assert isinstance(node, ast.stmt)
            lines.add(node.lineno)
            for deco in getattr(node, "decorator_list", ()):
                lines.add(deco.lineno)
            body = getattr(node, "body", None)
            if kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef) and body and _is_docstring(body[0]):
                docstrings.add(body[0].lineno)
    if module.tree.body and _is_docstring(module.tree.body[0]):
        docstrings.add(module.tree.body[0].lineno)
    text_lines = ctx.sources.lines(rel)
    excluded = {i for i, line in enumerate(text_lines, 1) if _PRAGMA.search(line)}
    return lines - docstrings - excluded


def _is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


_PRAGMA = re.compile(r"#\s*(pragma|PRAGMA)[:\s]?\s*(no|NO)\s*(cover|COVER)")


def _read_report(ctx: Context, rel: str, fmt: str) -> CoverageReport | None:
    data = ctx.repo.read_bytes(rel, limit=MAX_REPORT_BYTES)
    if data is None:
        return None
    if len(data) >= MAX_REPORT_BYTES:
        return CoverageReport(fmt, error="report too large to read")
    if fmt == "coverage.py":
        return parse_coverage_db(data, coverage_lookup(ctx), lambda rel: statement_lines(ctx, rel))
    text = data.decode("utf-8", "replace")
    if fmt == "go" and not text.startswith("mode:"):
        return None  # coverage.txt / c.out are common names for other things: only a real profile counts
    parser = {"cobertura": parse_cobertura, "jacoco": parse_jacoco, "lcov": parse_lcov, "go": parse_go_profile}[fmt]
    return parser(text)


def coverage_facts(ctx: Context) -> CoverageFacts:
    sources: list[CoverageSource] = []
    chosen: tuple[str, CoverageReport] | None = None
    run_error: str | None = None
    if ctx.options.run_tests and ctx.languages().get("python"):
        from checks.tests.runner import run_tests

        run = ctx.fact(run_tests)
        run_error = run.not_run
        if run.coverage is not None and run.not_run is None:
            sources.append(CoverageSource("(--run-tests)", run.coverage.format, run.coverage.percent, run.coverage.error))
            if run.coverage.percent is not None:
                chosen = ("(--run-tests)", run.coverage)
    for rel, fmt in REPORT_LOCATIONS:
        path = ctx.path(rel)
        report = _read_report(ctx, path, fmt)
        if report is None:
            continue
        sources.append(CoverageSource(path, report.format, report.percent, report.error))
        if chosen is None and report.percent is not None:
            chosen = (path, report)
    if chosen is None:
        return CoverageFacts(None, None, None, 0, 0, "lines", sources, test_run_error=run_error)
    path, report = chosen
    return CoverageFacts(
        percent=report.percent,
        source=f"{path} ({report.format})",
        format=report.format,
        lines_covered=min(report.covered, report.total),
        lines_total=report.total,
        unit=report.unit,
        sources=sources,
        from_test_run=path == "(--run-tests)",
        test_run_error=run_error,
    )


# -- checks ---------------------------------------------------------------------------------------------
def _code_languages(ctx: Context) -> list[str]:
    """Languages with source files in this project, most files first."""
    counts: dict[str, int] = {}
    for f in ctx.files_where(roles=("source",)):
        if f.language in HOW_TO:
            counts[f.language] = counts.get(f.language, 0) + 1
    return sorted(counts, key=lambda k: (-counts[k], k))


_JS_FAMILY = frozenset({"javascript", "typescript"})


def coverage_command(ctx: Context, language: str, frameworks: Sequence[str]) -> str:
    """The command that measures coverage in this project for `language`, with the tool its tests use."""
    manifests = {m.rsplit("/", 1)[-1] for m in ctx.project.manifests}
    if language == "python" and "pytest" not in frameworks and "unittest" in frameworks:
        return "coverage run -m unittest && coverage xml"
    if language in _JS_FAMILY:
        if "vitest" in frameworks:
            return "npx vitest run --coverage"
        if "jest" in frameworks:
            return "npx jest --coverage"
    if language == "java":
        if manifests & {"build.gradle", "build.gradle.kts"} and "pom.xml" not in manifests:
            return "gradle test jacocoTestReport (with the jacoco plugin)"
        if "pom.xml" in manifests:
            return "mvn verify (with the jacoco-maven-plugin report goal)"
    return HOW_TO[language]


class TestsPresent(Check):
    id = "tests/present"
    title = "The project has automated tests"
    category = CATEGORY
    severity = Severity.HIGH
    rationale = (
        "Without automated tests every change is verified by hand or not at all; regressions reach production "
        "and refactoring becomes risky. A handful of tests beside hundreds of source files leaves most of the "
        "code as untested as none: with at least `min_source_files` source files, fewer test functions than "
        "`min_tests_per_source_file` per source file is medium, fewer than a quarter of that high (9 tests for "
        "293 files), and the check is then scored by that density against the option, like a measure; no test at "
        "all scores 0 in a project of any size. "
        "Counting test functions is a proxy for what they exercise (one parametrised test may cover much), so these "
        "findings say so with medium confidence."
    )
    options = {"min_tests_per_source_file": 0.2, "min_source_files": 20}
    version = "2"
    remediation = (
        "Add a test suite with the language's standard runner (pytest, jest/vitest, cargo test, go test, JUnit).",
        "Start with the public API: one test per endpoint for the success path and the main error cases.",
        "Run the suite in CI on every pull request.",
    )
    effort = Effort.LARGE

    def run(self, ctx: Context) -> Verdict:
        langs = _code_languages(ctx)
        if not langs:
            raise NotApplicable("no source code in this project")
        inv = ctx.fact(_inventory)
        findings: list[Finding] = []
        if inv.functions == 0:
            stubs = inv.stubs
            detail = f"; {len(stubs)} test file(s) hold no test, e.g. {stubs[0].path}" if stubs else ""
            findings.append(self.finding(ctx, f"no automated tests found{detail}", stubs[0].path if stubs else None,
                                         None, key="no-tests"))
        else:
            counts = {f.language: 0 for f in ctx.files_where(roles=("source",)) if f.language in HOW_TO}
            for f in ctx.files_where(roles=("source",)):
                if f.language in counts:
                    counts[f.language] += 1
            tested = {m.language for m in inv.test_files}
            if tested & _JS_FAMILY:  # JS and TS suites test each other's sources (mocha on .js, jest on .ts)
                tested |= _JS_FAMILY
            for lang in langs:
                if lang not in tested and counts.get(lang, 0) >= 5:
                    findings.append(self.finding(
                        ctx, f"{counts[lang]} {lang} source files have no {lang} tests", None, None,
                        severity=Severity.MEDIUM, confidence=Confidence.MEDIUM, key=f"untested-{lang}"))
            sparse = self._sparse(ctx, inv.functions, sum(counts.values()))
            if sparse is not None:
                findings.append(sparse)
        sources = sum(1 for f in ctx.files_where(roles=("source",)) if f.language in HOW_TO)
        return Verdict(findings=tuple(findings), measure=self._density(ctx, inv.functions, sources),
                       metrics={"test_files": len(inv.test_files), "test_functions": inv.functions,
                                "source_files": sources,
                                "tests_per_source_file": round(inv.functions / sources, 3) if sources else None})

    def _wanted(self, ctx: Context) -> tuple[float, float] | None:
        """(test functions wanted per source file, the fewest source files a ratio is judged on), None when the
        options say nothing usable."""
        wanted, least = ctx.option(self, "min_tests_per_source_file"), ctx.option(self, "min_source_files")
        if not isinstance(wanted, int | float) or not isinstance(least, int | float) or wanted <= 0:
            return None
        return float(wanted), float(least)

    def _density(self, ctx: Context, tests: int, sources: int) -> Measure | None:
        """Below the wanted density, in a project large enough to judge, the check is scored by it (half the
        wanted density: 50), so 9 tests for 293 files cannot score like 2,000 tests; above it, by findings. No test
        at all is density 0 in a project of any size."""
        options = self._wanted(ctx)
        if options is None or not sources:
            return None
        wanted, least = options
        if (sources < least and tests > 0) or tests >= wanted * sources:
            return None
        return Measure("test functions per source file", round(tests / sources, 3), wanted, unit="")

    def _sparse(self, ctx: Context, tests: int, sources: int) -> Finding | None:
        """A finding when the tests are too few for the code: test functions per source file under the option."""
        options = self._wanted(ctx)
        if options is None:
            return None
        wanted, least = options
        if sources < least or tests >= wanted * sources:
            return None
        ratio = tests / sources
        severity = Severity.HIGH if ratio < wanted / 4 else Severity.MEDIUM
        every = f"one test per {round(1 / ratio):,} source files" if 0 < ratio < 1 else f"{ratio:.2f} per source file"
        return self.finding(
            ctx, f"{tests:,} test function{'s' if tests != 1 else ''} for {sources:,} source files ({every}; at "
                 f"least {wanted:g} per source file expected): most of the code is exercised by no test",
            None, None, severity=severity, confidence=Confidence.MEDIUM, key="sparse-tests")


class Coverage(Check):
    id = "tests/coverage"
    title = "Line coverage meets the threshold"
    category = CATEGORY
    severity = Severity.HIGH
    rationale = (
        "Coverage shows which code the tests never execute. Below the threshold, large parts of the service "
        "can break without any test noticing."
    )
    remediation = (
        "Produce a coverage report in CI (pytest --cov --cov-report=xml, c8/jest --coverage, cargo llvm-cov, "
        "go test -coverprofile, JaCoCo) and keep it where the auditor runs.",
        "Add tests for the uncovered modules with the most logic first (see the report's per-file figures).",
        "Fail the build when coverage drops below the threshold (coverage's fail_under, jest coverageThreshold).",
    )
    effort = Effort.LARGE

    def run(self, ctx: Context) -> Verdict:
        langs = _code_languages(ctx)
        if not langs:
            raise NotApplicable("no source code in this project")
        facts = ctx.fact(coverage_facts)
        threshold = ctx.threshold("coverage")
        broken = [s for s in facts.sources if s.error is not None]
        if facts.percent is None:
            # No data is a failure, not "not available": the standard asks for measured coverage, and a
            # project that never measures it cannot show it meets the threshold.
            counts = Counter(f.language for f in ctx.files_where(roles=("source",)))
            major = [lang for lang in langs[:2] if counts[lang] * 5 >= counts[langs[0]]]  # a stray script is no stack
            how = "; ".join(dict.fromkeys(HOW_TO[lang] for lang in major))
            findings = [self.finding(ctx, f"unreadable coverage report ({s.format}): {s.error}", s.path, None,
                                     severity=Severity.MEDIUM, key=f"unreadable-{s.path}") for s in broken]
            not_run = f" (--run-tests could not run the suite: {facts.test_run_error})" if facts.test_run_error else ""
            findings.append(self.finding(ctx, f"no coverage data found{not_run}; produce it with: {how}", None, None,
                                         key="no-data"))
            frameworks = ctx.fact(_inventory).frameworks
            command = " ; ".join(dict.fromkeys(coverage_command(ctx, lang, frameworks) for lang in major))
            return Verdict(findings=tuple(findings), measure=Measure("line coverage", 0.0, threshold),
                           metrics={"fix_command": command})
        measure = Measure("line coverage", facts.percent, threshold)
        findings = []
        if facts.test_run_error:
            # A note, not a second failure: tests/failing carries the finding; the figure is the committed one.
            findings.append(self.finding(
                ctx, f"--run-tests could not run the suite ({facts.test_run_error}); the figure is the committed "
                     f"{facts.source}", None, None, severity=Severity.INFO, key="run-tests-not-run"))
        if not measure.met:
            findings.append(self.finding(
                ctx, f"line coverage {facts.percent:g}% is below {threshold:g}% ({facts.lines_covered} of "
                     f"{facts.lines_total} {facts.unit}, from {facts.source})",
                None if facts.from_test_run else facts.source and facts.source.rsplit(" (", 1)[0], None,
                key="below-threshold"))
        metrics: dict[str, object] = {"source": facts.source, "lines_covered": facts.lines_covered,
                                      "lines_total": facts.lines_total}
        if facts.test_run_error:
            metrics["test_run_error"] = facts.test_run_error
        return Verdict(findings=tuple(findings), measure=measure, metrics=metrics)


class Fixtures(Check):
    id = "tests/fixtures"
    title = "Tests share setup through fixtures"
    category = CATEGORY
    severity = Severity.LOW
    rationale = (
        "Fixtures (pytest fixtures, conftest.py, beforeEach hooks, TestMain, @BeforeEach, test helper modules) "
        "keep setup in one place, so tests stay short and a change to setup is made once."
    )
    remediation = (
        "Move repeated setup (app client, database session, test data) into fixtures: conftest.py for pytest, "
        "beforeEach/helpers for jest and node:test, @BeforeEach or Spring test slices for JUnit.",
    )
    effort = Effort.SMALL

    def run(self, ctx: Context) -> list[Finding]:
        inv = ctx.fact(_inventory)
        if inv.functions == 0:
            raise NotApplicable("no tests (see tests/present)")
        if inv.fixtures > 0 or inv.functions < 3:
            return []
        return [self.finding(ctx, f"{inv.functions} tests and no fixture, setup hook or shared test helper",
                             None, None, key="no-fixtures")]


class PropertyBased(Check):
    id = "tests/property-based"
    title = "Property-based tests exercise the input space"
    category = CATEGORY
    severity = Severity.LOW
    rationale = (
        "Property-based tests (hypothesis, fast-check, proptest, gopter/rapid, jqwik) generate many inputs, "
        "including edge cases nobody writes by hand, and shrink failures to a minimal example."
    )
    remediation = (
        "Add a property-based testing library to the test dependencies.",
        "Start with parsers, serialisers and validation: round-trip and never-crash properties.",
    )
    effort = Effort.MEDIUM

    def run(self, ctx: Context) -> list[Finding]:
        inv = ctx.fact(_inventory)
        if inv.functions == 0:
            raise NotApplicable("no tests (see tests/present)")
        if inv.property_based:
            return []
        return [self.finding(ctx, "no property-based testing library is used", None, None, key="none")]


class Failing(Check):
    id = "tests/failing"
    title = "The test suite passes"
    category = CATEGORY
    languages = frozenset({"python"})
    severity = Severity.CRITICAL
    rationale = "A failing test suite means either the code or the tests are wrong, and CI can no longer guard changes."
    remediation = (
        "Run the suite locally (pytest -x) and fix or repair the failing tests.",
        "Make CI block merges while tests fail.",
    )
    effort = Effort.MEDIUM

    def run(self, ctx: Context) -> list[Finding] | Verdict:
        if not ctx.options.run_tests:
            raise NotApplicable("only measured with --run-tests (it executes the target's test suite)")
        from checks.tests.runner import run_tests

        result = ctx.fact(run_tests)
        if result.problem is not None:
            raise NotAvailable(result.problem)
        if result.exit_code == 5 and result.not_run is not None:
            raise NotApplicable("pytest collected no tests")
        if result.not_run is not None:
            # Medium, not critical: a missing dependency of the environment and broken code look the same here.
            return Verdict(findings=(self.finding(ctx, f"the suite could not be run: {result.not_run}", None, None,
                                                  severity=Severity.MEDIUM, key="not-run"),),
                           metrics={"interpreter": result.interpreter, "exit_code": result.exit_code,
                                    "output": result.output})
        findings = [
            self.finding(ctx, redact(f"test {f.kind}: {f.test}: {f.message}"),
                         ctx.path(f.path) if f.path else None, f.line, key=f.test)
            for f in result.failures
        ]
        if result.exit_code not in (0, None) and not findings:
            findings.append(self.finding(ctx, f"pytest exited with code {result.exit_code}", None, None, key="exit"))
        return findings


CHECKS: list[type[Check]] = [TestsPresent, Coverage, Fixtures, PropertyBased, Failing]
