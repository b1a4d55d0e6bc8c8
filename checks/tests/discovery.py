"""Find the tests of a project in every language: test files, test functions, fixtures, frameworks.

Python is read from the shared `ast` index, Rust and Java from the analysis layer's facts (`TestCase`, imports),
the other languages from the shared tree-sitter trees with the iterative walkers of `checks._ts`. Manifests
(package.json, Cargo.toml, go.mod, pom.xml, build.gradle, pyproject.toml, requirements files) only name
frameworks; they are read as text, never executed.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field

from auditor.context import Context
from auditor.sources import TsFile
from checks._ts import descendants, has_error_ancestor, line_of, named_children

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
_JS_TEST_CALLS = frozenset({
    "it", "test", "specify", "it.only", "it.skip", "it.todo", "test.only", "test.skip", "test.todo", "it.concurrent",
    "test.concurrent", "t.test", "Deno.test", "it.failing", "test.failing",
})
_JS_EACH = frozenset({"it.each", "test.each", "it.concurrent.each", "test.concurrent.each", "describe.each"})
_JS_HOOKS = frozenset({
    "beforeEach", "beforeAll", "afterEach", "afterAll", "before", "after", "t.before", "t.beforeEach", "t.after",
    "t.afterEach", "test.beforeEach", "test.beforeAll", "test.afterEach", "test.afterAll", "t.teardown",
})
_JS_FRAMEWORKS = ("jest", "vitest", "mocha", "ava", "tap", "jasmine", "@playwright/test", "cypress", "node:test", "uvu")


def _javascript(ctx: Context, inv: TestInventory, manifests: _Manifests) -> None:
    lang = LanguageTests()
    for fw in _JS_FRAMEWORKS:
        if fw in manifests.npm:
            lang.frameworks.add("playwright" if fw == "@playwright/test" else fw)
    if "fast-check" in manifests.npm or "@fast-check/jest" in manifests.npm or "@fast-check/vitest" in manifests.npm:
        lang.property_based.add("fast-check")
    for parsed in ctx.trees("typescript", "javascript", roles=("test",)):
        tests, first, hooks, imported = _js_file(parsed)
        lang.fixtures += hooks
        if "node:test" in imported:
            lang.frameworks.add("node:test")
        if any(i == "fast-check" or i.startswith("@fast-check/") for i in imported):
            lang.property_based.add("fast-check")
        if tests:
            lang.files.append(TestModule(parsed.path, parsed.info.language, tests, first))
        elif not parsed.path.rsplit("/", 1)[-1].startswith(("jest.config", "vitest.config", ".")):
            lang.fixtures += 1  # a helper module in the test tree: shared setup
    if lang.files or (lang.fixtures and lang.frameworks):
        key = "typescript" if any(m.language == "typescript" for m in lang.files) else "javascript"
        inv.languages[key] = lang


def _js_file(parsed: TsFile) -> tuple[int, int, int, set[str]]:
    tests = hooks = first = 0
    imported: set[str] = set()
    if b"(" not in parsed.source:
        return 0, 0, 0, imported
    for node in descendants(parsed.tree.root_node):
        if node.type == "import_statement":
            src = node.child_by_field_name("source")
            if src is not None:
                imported.add(parsed.text(src).strip("'\"`"))
            continue
        if node.type != "call_expression":
            continue
        fn = node.child_by_field_name("function")
        if fn is None:
            continue
        if fn.type == "call_expression":  # it.each([...])("name", fn)
            inner = fn.child_by_field_name("function")
            name = parsed.text(inner) if inner is not None else ""
            if name in _JS_EACH and name != "describe.each":
                tests += 1
                first = first or line_of(node)
            continue
        if fn.type not in ("identifier", "member_expression"):
            continue
        name = parsed.text(fn)
        if name == "require":
            args = node.child_by_field_name("arguments")
            if args is not None:
                for arg in named_children(args):
                    if arg.type == "string":
                        imported.add(parsed.text(arg).strip("'\"`"))
        elif name in _JS_TEST_CALLS and not has_error_ancestor(node):
            tests += 1
            first = first or line_of(node)
        elif name in _JS_HOOKS:
            hooks += 1
    return tests, first or 1, hooks, imported


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
_GO_TEST = re.compile(r"^(Test|Fuzz)([A-Z0-9_]|$)")
_GO_SUITE_HOOKS = frozenset({"SetupSuite", "SetupTest", "SetupSubTest", "BeforeTest", "TearDownTest", "TearDownSuite"})


def _go(ctx: Context, inv: TestInventory, manifests: _Manifests) -> None:
    lang = LanguageTests()
    fuzz = False
    for parsed in ctx.trees("go"):
        if not parsed.path.endswith("_test.go"):
            if b".Helper()" in parsed.source and b"testing" in parsed.source:
                lang.fixtures += 1  # a test helper package (testutil): functions that call t.Helper()
            continue
        tests = first = 0
        suite = b"testify/suite" in parsed.source
        for node in named_children(parsed.tree.root_node):
            if node.type == "import_declaration":
                text = parsed.text(node)
                for lib, fw in (("github.com/leanovate/gopter", "gopter"), ("pgregory.net/rapid", "rapid"),
                                ("testing/quick", "testing/quick")):
                    if f'"{lib}' in text:
                        lang.property_based.add(fw)
                for lib, fw in (("github.com/stretchr/testify", "testify"), ("github.com/onsi/ginkgo", "ginkgo")):
                    if f'"{lib}' in text:
                        lang.frameworks.add(fw)
                continue
            if node.type == "method_declaration" and suite:  # testify suite: func (s *S) TestX(), SetupTest()
                method = node.child_by_field_name("name")
                mname = parsed.text(method) if method is not None else ""
                if _GO_TEST.match(mname):
                    tests += 1
                    first = first or line_of(node)
                elif mname in _GO_SUITE_HOOKS:
                    lang.fixtures += 1
                continue
            if node.type != "function_declaration":
                continue
            name_node = node.child_by_field_name("name")
            params = node.child_by_field_name("parameters")
            if name_node is None or params is None:
                continue
            name, param_text = parsed.text(name_node), parsed.text(params)
            if name == "TestMain" and "testing.M" in param_text:
                lang.fixtures += 1
            elif _GO_TEST.match(name) and ("*testing.T" in param_text or "*testing.F" in param_text):
                tests += 1
                first = first or line_of(node)
                fuzz = fuzz or name.startswith("Fuzz")
            elif not name.startswith(("Test", "Fuzz", "Benchmark", "Example")):
                lang.fixtures += 1  # a helper (newRouter(), setup(t)): shared setup, Go's fixture idiom
        if tests:
            lang.files.append(TestModule(parsed.path, "go", tests, first))
    if lang.files:
        lang.frameworks.add("go test")
    if fuzz:
        lang.property_based.add("go fuzzing")
    for lib, fw in (("github.com/leanovate/gopter", "gopter"), ("pgregory.net/rapid", "rapid")):
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
