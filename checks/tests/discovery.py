"""Find the tests of a project in every language: test files, test functions, fixtures, frameworks.

Python is read from the shared `ast` index, the other languages from the shared tree-sitter trees with the
iterative walkers of `checks._ts`. Manifests (package.json, Cargo.toml, go.mod, pom.xml, build.gradle,
pyproject.toml, requirements files) only name frameworks; they are read as text, never executed.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from auditor.context import Context
from auditor.sources import TsFile
from checks._ts import descendants, has_error_ancestor, line_of, named_children

if TYPE_CHECKING:
    import tree_sitter

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
_RUST_TEST_ATTR = re.compile(r"^#\[\s*((\w+::)*test|rstest|test_case|test_log::test|sqlx::test|proptest|quickcheck)\b")


def _rust(ctx: Context, inv: TestInventory, manifests: _Manifests) -> None:
    lang = LanguageTests()
    uses: set[str] = set()
    for parsed in ctx.trees("rust"):
        if parsed.info.role != "test" and b"test" not in parsed.source and b"fixture" not in parsed.source:
            continue
        tests = first = 0
        for node in descendants(parsed.tree.root_node):
            if node.type == "attribute_item":
                text = parsed.text(node)
                nxt = node.next_named_sibling
                while nxt is not None and nxt.type in ("attribute_item", "line_comment", "block_comment"):
                    nxt = nxt.next_named_sibling
                if nxt is None or nxt.type != "function_item":
                    continue
                if _RUST_TEST_ATTR.match(text):
                    tests += 1
                    first = first or line_of(nxt)
                elif text.startswith("#[fixture"):
                    lang.fixtures += 1
            elif node.type == "mod_item" and _cfg_test(parsed, node):
                lang.fixtures += _rust_helpers(parsed, node)
            elif node.type == "use_declaration":
                uses.add(parsed.text(node))
            elif node.type == "macro_invocation" and parsed.text(node).startswith(("proptest!", "proptest::proptest!")):
                tests += 1
                first = first or line_of(node)
        if tests:
            lang.files.append(TestModule(parsed.path, "rust", tests, first))
            if parsed.info.role == "test":  # fn note(...) -> NewNote beside #[test]s of an integration test
                lang.fixtures += _rust_helpers(parsed, parsed.tree.root_node)
        elif parsed.info.role == "test" and parsed.path.rsplit("/", 1)[-1] != "main.rs":
            lang.fixtures += 1  # tests/common/mod.rs, tests/api/helpers.rs: shared setup
    if lang.files:
        lang.frameworks.add("cargo test")
        if manifests.mentions("cargo", "rstest"):
            lang.frameworks.add("rstest")
    joined = "\n".join(uses)
    for fw in ("proptest", "quickcheck"):
        if manifests.mentions("cargo", fw) or f"{fw}::" in joined:
            lang.property_based.add(fw)
    if lang.files or lang.fixtures:
        inv.languages["rust"] = lang


def _cfg_test(parsed: TsFile, module: tree_sitter.Node) -> bool:
    """Whether a `mod` item is compiled for tests only (`#[cfg(test)]` right above it)."""
    prev = module.prev_named_sibling
    while prev is not None and prev.type in ("attribute_item", "line_comment", "block_comment"):
        if prev.type == "attribute_item" and "".join(parsed.text(prev).split()) == "#[cfg(test)]":
            return True
        prev = prev.prev_named_sibling
    return False


def _rust_helpers(parsed: TsFile, module: tree_sitter.Node) -> int:
    """Functions of a `#[cfg(test)]` module (or a test file) that are not tests themselves: setup helpers."""
    body = module if module.type == "source_file" else module.child_by_field_name("body")
    count = 0
    for item in named_children(body) if body is not None else []:
        if item.type != "function_item":
            continue
        prev = item.prev_named_sibling
        attrs: list[str] = []
        while prev is not None and prev.type in ("attribute_item", "line_comment", "block_comment"):
            if prev.type == "attribute_item":
                attrs.append(parsed.text(prev))
            prev = prev.prev_named_sibling
        if not any(_RUST_TEST_ATTR.match(a) for a in attrs):
            count += 1
    return count


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
_JAVA_TESTS = frozenset({"Test", "ParameterizedTest", "RepeatedTest", "TestFactory", "TestTemplate", "Property", "Example"})
_JAVA_FIXTURES = frozenset({
    # JUnit 4/5 and TestNG setup hooks
    "BeforeEach", "BeforeAll", "Before", "BeforeClass", "BeforeMethod", "BeforeSuite", "BeforeTest",
    "AfterEach", "AfterAll", "After", "AfterClass", "TestConfiguration", "Container",
    # JUnit 5 extensions and JUnit 4 rules: setup supplied by a reusable component
    "ExtendWith", "RegisterExtension", "Rule", "ClassRule", "TempDir", "Testcontainers", "DynamicPropertySource",
    # Spring test slices and injected test doubles: the framework builds the fixture
    "SpringBootTest", "WebMvcTest", "WebFluxTest", "DataJpaTest", "DataJdbcTest", "JdbcTest", "JooqTest", "JsonTest",
    "RestClientTest", "DataMongoTest", "DataR2dbcTest", "DataRedisTest", "DataCassandraTest", "DataNeo4jTest",
    "DataElasticsearchTest", "GraphQlTest", "AutoConfigureMockMvc", "AutoConfigureWebTestClient", "ContextConfiguration",
    "SpringJUnitConfig", "MockBean", "MockitoBean", "SpyBean", "MockitoSpyBean", "Autowired",
    # Mockito, Quarkus, Micronaut
    "Mock", "InjectMocks", "Spy", "Captor", "QuarkusTest", "MicronautTest", "InjectMock",
})


def _java(ctx: Context, inv: TestInventory, manifests: _Manifests) -> None:
    lang = LanguageTests()
    for parsed in ctx.trees("java", roles=("test",)):
        tests = first = 0
        junit3 = b"extends TestCase" in parsed.source
        for node in descendants(parsed.tree.root_node):
            if junit3 and node.type == "method_declaration":  # JUnit 3: public void testX() in a TestCase
                method = node.child_by_field_name("name")
                if method is not None and parsed.text(method).startswith("test"):
                    tests += 1
                    first = first or line_of(node)
                elif method is not None and parsed.text(method) == "setUp":
                    lang.fixtures += 1
                continue
            if node.type == "import_declaration":
                text = parsed.text(node)
                if "org.junit.jupiter" in text:
                    lang.frameworks.add("junit5")
                elif "org.junit." in text:
                    lang.frameworks.add("junit4")
                elif "org.testng" in text:
                    lang.frameworks.add("testng")
                elif "net.jqwik" in text:
                    lang.property_based.add("jqwik")
                    lang.frameworks.add("jqwik")
                continue
            if node.type not in ("marker_annotation", "annotation"):
                continue
            name_node = node.child_by_field_name("name")
            name = parsed.text(name_node).rsplit(".", 1)[-1] if name_node is not None else ""
            holder = node.parent.parent if node.parent is not None else None
            if name in _JAVA_TESTS and holder is not None and holder.type == "method_declaration":
                tests += 1
                first = first or line_of(holder)
            elif name in _JAVA_FIXTURES:
                lang.fixtures += 1
        if tests:
            lang.files.append(TestModule(parsed.path, "java", tests, first))
        elif b"class " in parsed.source or b"interface " in parsed.source:
            lang.fixtures += 1  # a base test class, builder or test-data helper in the test tree: shared setup
    if manifests.mentions("maven", "jqwik"):
        lang.property_based.add("jqwik")
    if manifests.mentions("maven", "junit-jupiter", "junit-jupiter-api", "spring-boot-starter-test") and lang.files:
        lang.frameworks.add("junit5")
    if lang.files or lang.fixtures:
        inv.languages["java"] = lang
