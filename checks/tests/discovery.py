"""Find the tests of a project in every language: test files, test functions, fixtures, frameworks.

Every language is read from the analysis layer's facts (`TestCase`, imports). Manifests
(package.json, Cargo.toml, go.mod, pom.xml, build.gradle, pyproject.toml, requirements files) only name
frameworks; they are read as text, never executed.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field

from auditor.context import Context

__all__ = ["LanguageTests", "TestInventory", "TestModule", "inventory"]

TEST_LANGUAGES = ("python", "typescript", "javascript", "rust", "go", "java")


@dataclass(frozen=True, slots=True)
class TestModule:
    """One file holding tests (or meant to: `tests.py` stubs with none)."""

    path: str
    language: str
    tests: int
    line: int = 1  # first test, for findings


@dataclass
class LanguageTests:
    files: list[TestModule] = field(default_factory=list)
    fixtures: int = 0
    frameworks: set[str] = field(default_factory=set)
    property_based: set[str] = field(default_factory=set)

    @property
    def functions(self) -> int:
        return sum(m.tests for m in self.files)


@dataclass
class TestInventory:
    languages: dict[str, LanguageTests] = field(default_factory=dict)

    def lang(self, name: str) -> LanguageTests:
        return self.languages.setdefault(name, LanguageTests())

    @property
    def functions(self) -> int:
        return sum(t.functions for t in self.languages.values())

    @property
    def test_files(self) -> list[TestModule]:
        return [m for t in self.languages.values() for m in t.files if m.tests > 0]

    @property
    def stubs(self) -> list[TestModule]:
        return [m for t in self.languages.values() for m in t.files if m.tests == 0]

    @property
    def fixtures(self) -> int:
        return sum(t.fixtures for t in self.languages.values())

    @property
    def frameworks(self) -> list[str]:
        return sorted({f for t in self.languages.values() for f in t.frameworks})

    @property
    def property_based(self) -> list[str]:
        return sorted({f for t in self.languages.values() for f in t.property_based})


def inventory(ctx: Context) -> TestInventory:
    inv = TestInventory()
    manifests = _Manifests(ctx)
    _python(ctx, inv, manifests)
    _javascript(ctx, inv, manifests)
    _rust(ctx, inv, manifests)
    _go(ctx, inv, manifests)
    _java(ctx, inv, manifests)
    return inv


# -- manifests ------------------------------------------------------------------------------------------
class _Manifests:
    """Dependency names declared by the project's manifests, by ecosystem (lowercase)."""

    def __init__(self, ctx: Context) -> None:
        self.npm: set[str] = set()
        self.text: dict[str, str] = {}  # ecosystem -> concatenated manifest text (cargo, go, maven, python)
        chunks: dict[str, list[str]] = {"cargo": [], "go": [], "maven": [], "python": []}
        for info in ctx.files:
            name = info.path.rsplit("/", 1)[-1].lower()
            kind = {
                "cargo.toml": "cargo", "go.mod": "go", "pom.xml": "maven", "build.gradle": "maven",
                "build.gradle.kts": "maven", "pyproject.toml": "python", "setup.cfg": "python", "setup.py": "python",
                "tox.ini": "python", "pipfile": "python",
            }.get(name)
            if name == "package.json":
                self._package_json(ctx, info.path)
            elif name.startswith("requirements") and name.endswith((".txt", ".in")):
                kind = "python"
            if kind is not None:
                text = ctx.read_text(info.path)
                if text is not None:
                    chunks[kind].append(text.lower())
        self.text = {k: "\n".join(v) for k, v in chunks.items()}

    def _package_json(self, ctx: Context, path: str) -> None:
        text = ctx.read_text(path)
        if text is None:
            return
        try:
            doc = json.loads(text)
        except (ValueError, RecursionError):
            return
        if not isinstance(doc, dict):
            return
        for key in ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies"):
            deps = doc.get(key)
            if isinstance(deps, dict):
                self.npm.update(str(name).lower() for name in deps)
        scripts = doc.get("scripts")
        if isinstance(scripts, dict):
            for value in scripts.values():
                if isinstance(value, str) and re.search(r"(node|tsx|ts-node)\s+(--[\w-]+(=\S+)?\s+)*--test\b", value):
                    self.npm.add("node:test")

    def mentions(self, ecosystem: str, *names: str) -> bool:
        text = self.text.get(ecosystem, "")
        return any(re.search(rf"(?<![\w.-]){re.escape(n)}(?![\w-])", text) for n in names)


# -- Python ---------------------------------------------------------------------------------------------
_PY_TEST_NAMES = re.compile(r"^(tests|test_.*|.*_tests?)\.py$")


def _python(ctx: Context, inv: TestInventory, manifests: _Manifests) -> None:
    lang = LanguageTests()
    imports: Counter[str] = Counter()
    for model in ctx.analysis.files("python"):
        name = model.path.rsplit("/", 1)[-1]
        if not (model.role == "test" or _PY_TEST_NAMES.match(name)):
            continue
        cases = [t for t in model.tests if t.kind in ("test", "property")]
        lang.fixtures += sum(1 for t in model.tests if t.kind == "fixture")
        for imp in model.imports:
            if not imp.module.startswith("."):
                imports[imp.module.split(".")[0]] += 1
        if name in ("conftest.py", "__init__.py"):
            continue
        if cases or _PY_TEST_NAMES.match(name):
            lang.files.append(TestModule(model.path, "python", len(cases), cases[0].line if cases else 1))
    if imports["pytest"] or manifests.mentions("python", "pytest") or any(
        f.path.endswith("conftest.py") for f in ctx.files_where(languages=("python",))
    ):
        lang.frameworks.add("pytest")
    if imports["unittest"]:
        lang.frameworks.add("unittest")
    if imports["django"] and any(m.tests for m in lang.files):
        lang.frameworks.add("django.test")
    if imports["hypothesis"] or manifests.mentions("python", "hypothesis"):
        lang.property_based.add("hypothesis")
    if lang.files or lang.fixtures:
        inv.languages["python"] = lang


# -- JavaScript / TypeScript ------------------------------------------------------------------------------
_JS_FRAMEWORKS = ("jest", "vitest", "mocha", "ava", "tap", "jasmine", "@playwright/test", "cypress", "node:test", "uvu")


def _javascript(ctx: Context, inv: TestInventory, manifests: _Manifests) -> None:
    """Tests, hooks and helpers of the TypeScript/JavaScript test files (the analysis layer's TestCase facts)."""
    lang = LanguageTests()
    for fw in _JS_FRAMEWORKS:
        if fw in manifests.npm:
            lang.frameworks.add("playwright" if fw == "@playwright/test" else fw)
    if "fast-check" in manifests.npm or "@fast-check/jest" in manifests.npm or "@fast-check/vitest" in manifests.npm:
        lang.property_based.add("fast-check")
    for model in ctx.analysis.files("typescript", "javascript", roles=("test",)):
        lines = [t.line for t in model.tests if t.kind in ("test", "property")]
        lang.fixtures += sum(1 for t in model.tests if t.kind in ("setup", "fixture"))
        imported = {i.module for i in model.imports}
        if "node:test" in imported:
            lang.frameworks.add("node:test")
        if any(i == "fast-check" or i.startswith("@fast-check/") for i in imported) or any(
                t.kind == "property" for t in model.tests):
            lang.property_based.add("fast-check")
        if lines:
            lang.files.append(TestModule(model.path, model.language, len(lines), min(lines)))
        elif not model.path.rsplit("/", 1)[-1].startswith(("jest.config", "vitest.config", ".")):
            lang.fixtures += 1  # a helper module in the test tree: shared setup
    if lang.files or (lang.fixtures and lang.frameworks):
        key = "typescript" if any(m.language == "typescript" for m in lang.files) else "javascript"
        inv.languages[key] = lang


# -- Rust -----------------------------------------------------------------------------------------------
def _rust(ctx: Context, inv: TestInventory, manifests: _Manifests) -> None:
    """Rust tests from the analysis layer's `TestCase` facts: `#[test]`-like functions and property tests
    (`proptest!`, `#[quickcheck]`) anywhere (inline `#[cfg(test)]` modules included); `#[fixture]`s and the helper
    functions beside tests (in a `#[cfg(test)]` module, or in a test file that has tests) are shared setup, and so
    is a test-tree file without tests of its own (`tests/common/mod.rs`)."""
    lang = LanguageTests()
    uses: set[str] = set()
    for model in ctx.analysis.files("rust"):
        tests = [t for t in model.tests if t.kind in ("test", "property")]
        lang.fixtures += sum(1 for t in model.tests if t.kind in ("fixture", "setup"))
        uses.update((i.module or i.name).split("::", 1)[0] for i in model.imports)
        if tests:
            lang.files.append(TestModule(model.path, "rust", len(tests), min(t.line for t in tests)))
        elif model.role == "test" and model.path.rsplit("/", 1)[-1] != "main.rs":
            lang.fixtures += 1  # tests/common/mod.rs, tests/api/helpers.rs: shared setup
    if lang.files:
        lang.frameworks.add("cargo test")
        if manifests.mentions("cargo", "rstest"):
            lang.frameworks.add("rstest")
    for fw in ("proptest", "quickcheck"):
        if manifests.mentions("cargo", fw) or fw in uses:
            lang.property_based.add(fw)
    if lang.files or lang.fixtures:
        inv.languages["rust"] = lang


# -- Go -------------------------------------------------------------------------------------------------
_GO_PROPERTY_LIBS = (("github.com/leanovate/gopter", "gopter"), ("pgregory.net/rapid", "rapid"),
                     ("testing/quick", "testing/quick"))
_GO_FRAMEWORK_LIBS = (("github.com/stretchr/testify", "testify"), ("github.com/onsi/ginkgo", "ginkgo"))


def _go(ctx: Context, inv: TestInventory, manifests: _Manifests) -> None:
    """Go tests from the analysis layer: `TestCase`s of `_test.go` files (tests, fuzz targets, TestMain, testify
    suite hooks, helper functions as shared setup) and test helper packages (functions calling `t.Helper()`)."""
    lang = LanguageTests()
    fuzz = False
    for model in ctx.analysis.files("go"):
        if not model.path.endswith("_test.go"):
            if any(c.name == "Helper" and c.receiver for c in model.calls) \
                    and any(i.module == "testing" for i in model.imports):
                lang.fixtures += 1  # a test helper package (testutil): functions that call t.Helper()
            continue
        for imp in model.imports:
            for lib, fw in _GO_PROPERTY_LIBS:
                if imp.module.startswith(lib):
                    lang.property_based.add(fw)
            for lib, fw in _GO_FRAMEWORK_LIBS:
                if imp.module.startswith(lib):
                    lang.frameworks.add(fw)
        tests = [t for t in model.tests if t.kind in ("test", "property")]
        lang.fixtures += sum(1 for t in model.tests if t.kind in ("fixture", "setup"))
        fuzz = fuzz or any(t.name.startswith("Fuzz") for t in tests)
        if tests:
            lang.files.append(TestModule(model.path, "go", len(tests), min(t.line for t in tests)))
    if lang.files:
        lang.frameworks.add("go test")
    if fuzz:
        lang.property_based.add("go fuzzing")
    for lib, fw in _GO_PROPERTY_LIBS[:2]:
        if manifests.mentions("go", lib):
            lang.property_based.add(fw)
    if lang.files or lang.fixtures:
        inv.languages["go"] = lang


# -- Java -----------------------------------------------------------------------------------------------
# Facts from the analysis layer (analysis/java.py TestCase): JUnit 3/4/5, TestNG, jqwik and ArchUnit tests, and the
# setup hooks, extensions, rules, Spring test slices and injected test doubles that are fixtures.


def _java(ctx: Context, inv: TestInventory, manifests: _Manifests) -> None:
    lang = LanguageTests()
    for model in ctx.analysis.files("java", roles=("test",)):
        tests = [t for t in model.tests if t.kind in ("test", "property")]
        lang.fixtures += sum(1 for t in model.tests if t.kind == "fixture")
        for imp in model.imports:
            full = f"{imp.module}.{imp.name}"
            if "org.junit.jupiter" in full:
                lang.frameworks.add("junit5")
            elif full.startswith("org.junit."):
                lang.frameworks.add("junit4")
            elif full.startswith("org.testng"):
                lang.frameworks.add("testng")
            elif full.startswith("net.jqwik"):
                lang.property_based.add("jqwik")
                lang.frameworks.add("jqwik")
            elif full.startswith("com.tngtech.archunit"):
                lang.frameworks.add("archunit")
        if tests:
            lang.files.append(TestModule(model.path, "java", len(tests), min(t.line for t in tests)))
        elif model.classes:
            lang.fixtures += 1  # a base test class, builder or test-data helper in the test tree: shared setup
    if manifests.mentions("maven", "jqwik"):
        lang.property_based.add("jqwik")
    if manifests.mentions("maven", "junit-jupiter", "junit-jupiter-api", "spring-boot-starter-test") and lang.files:
        lang.frameworks.add("junit5")
    if lang.files or lang.fixtures:
        inv.languages["java"] = lang
