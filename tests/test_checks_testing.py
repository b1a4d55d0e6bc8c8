"""The tests family on small real repositories: exact facts, exact findings, and what must not be flagged."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from coverage import CoverageData

import checks.tests as family
from auditor import audit
from auditor.config import Config
from auditor.context import AuditOptions, Context, Project
from auditor.engine import Scorecard, run_check
from auditor.model import CheckResult, Status
from auditor.repo import Repository
from auditor.sources import Sources
from checks.tests import CHECKS, Coverage, Failing

MakeRepo = Callable[..., Path]


def run(root: Path, config: Config | None = None, options: AuditOptions | None = None) -> Scorecard:
    return audit(root, config or Config(only=("tests",)), options)


def result(card: Scorecard, check_id: str) -> CheckResult:
    return next(r for r in card.results if r.id == check_id)


def facts(card: Scorecard) -> tuple[dict[str, Any], dict[str, Any]]:
    project = card.projects[0].facts
    return project["tests"], project["coverage"]


def context(root: Path, project: Project | None = None, options: AuditOptions | None = None, **config: object) -> Context:
    repo = Repository.scan(root)
    return Context(repo=repo, sources=Sources(repo), config=Config(**config),  # type: ignore[arg-type]
                   options=options or AuditOptions(), project=project or Project(""))


PY_APP = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n"
PY_TESTS = '''import unittest

import pytest
from hypothesis import given, strategies as st

from app.calc import add


@pytest.fixture
def test_data():  # a fixture named test_*: not a test
    return 1


def test_add(test_data):
    assert add(1, test_data) == 2


async def test_async():
    def test_nested():  # not collected
        pass


@given(st.integers())
def test_prop(x):
    assert add(x, 0) == x


class TestCalc:
    def test_one(self):
        assert True

    def helper(self):
        pass


class CalcCase(unittest.TestCase):
    def setUp(self):
        self.x = 1

    def test_two(self):
        self.assertEqual(self.x, 1)


class Helper:
    def test_not_collected(self):
        pass
'''
CONFTEST = (
    "import pytest\n\n\n@pytest.fixture\ndef client():\n    return object()\n\n\n"
    "@pytest.fixture(scope='session')\ndef db():\n    return None\n"
)


def python_repo(make_repo: MakeRepo, git: bool = False, extra: Mapping[str, str | bytes] | None = None) -> Path:
    return make_repo({
        "app/__init__.py": "", "app/calc.py": PY_APP, "tests/__init__.py": "",
        "tests/conftest.py": CONFTEST, "tests/test_calc.py": PY_TESTS, "tests/utils.py": "X = 1\n",
        "app/settings/test.py": "DEBUG = True\n",  # a settings module named test.py is no test module
        **(extra or {}),
    }, git=git)


def test_python_inventory_is_exact(make_repo: MakeRepo) -> None:
    card = run(python_repo(make_repo))
    tests, _ = facts(card)
    assert tests == {
        "frameworks": ["pytest", "unittest"],
        "files": 1,
        "functions": 5,  # test_add, test_async, test_prop, TestCalc.test_one, CalcCase.test_two
        "fixtures": 4,  # test_data, client, db, setUp
        "property_based": ["hypothesis"],
        "by_language": {"python": {"files": 1, "functions": 5, "fixtures": 4}},
        "empty_test_files": [],
    }
    for check_id in ("tests/present", "tests/fixtures", "tests/property-based"):
        assert result(card, check_id).status is Status.PASSED, check_id
    assert result(card, "tests/failing").status is Status.NOT_APPLICABLE


def test_django_stub_tests_py_has_no_tests(make_repo: MakeRepo) -> None:
    root = make_repo({
        "app/upload/models.py": "from django.db import models\n",
        "app/upload/views.py": "def index(request):\n    return None\n",
        "app/upload/tests.py": "from django.test import TestCase\n\n# Create your tests here.\n",
    })
    card = run(root)
    tests, _ = facts(card)
    assert (tests["files"], tests["functions"], tests["empty_test_files"]) == (0, 0, ["app/upload/tests.py"])
    present = result(card, "tests/present")
    assert present.status is Status.FAILED
    assert [(f.severity.value, f.path, f.message) for f in present.findings] == [
        ("high", "app/upload/tests.py", "no automated tests found; 1 test file(s) hold no test, e.g. app/upload/tests.py")
    ]
    assert result(card, "tests/fixtures").status is Status.NOT_APPLICABLE
    assert result(card, "tests/property-based").status is Status.NOT_APPLICABLE


def test_fixtures_and_property_based_findings_when_missing(make_repo: MakeRepo) -> None:
    root = make_repo({
        "app/calc.py": PY_APP,
        "tests/test_calc.py": "def test_a():\n    pass\n\n\ndef test_b():\n    pass\n\n\ndef test_c():\n    pass\n",
    })
    card = run(root)
    assert [f.message for f in result(card, "tests/fixtures").findings] == [
        "3 tests and no fixture, setup hook or shared test helper"
    ]
    assert [f.message for f in result(card, "tests/property-based").findings] == [
        "no property-based testing library is used"
    ]
    assert result(card, "tests/present").status is Status.PASSED


def test_go_tests_fuzz_testmain_and_helpers(make_repo: MakeRepo) -> None:
    root = make_repo({
        "go.mod": "module example.com/svc\n\nrequire github.com/stretchr/testify v1.9.0\n",
        "handler.go": "package svc\n\nfunc TestLooksLikeATest(t *T) {}\n\nfunc Handle() int { return 1 }\n",
        "handler_test.go": (
            'package svc\n\nimport (\n\t"testing"\n\n\t"github.com/stretchr/testify/assert"\n)\n\n'
            "func TestMain(m *testing.M) { m.Run() }\n\n"
            "func setup(t *testing.T) int { t.Helper(); return 1 }\n\n"
            "func TestHandle(t *testing.T) { assert.Equal(t, 1, Handle()) }\n\n"
            "func Test_under(t *testing.T) {}\n\n"
            "func Testlower(t *testing.T) {}\n\n"
            "func FuzzHandle(f *testing.F) {}\n\n"
            "func BenchmarkHandle(b *testing.B) {}\n"
        ),
    })
    tests, _ = facts(run(root))
    assert tests["by_language"] == {"go": {"files": 1, "functions": 3, "fixtures": 2}}
    assert tests["frameworks"] == ["go test", "testify"]
    assert tests["property_based"] == ["go fuzzing"]


def test_go_without_tests_fails_present(make_repo: MakeRepo) -> None:
    root = make_repo({"go.mod": "module x\n", "main.go": "package main\n\nfunc main() {}\n"})
    card = run(root)
    assert [f.message for f in result(card, "tests/present").findings] == ["no automated tests found"]
    cov = result(card, "tests/coverage")
    assert [f.message for f in cov.findings] == [
        "no coverage data found; produce it with: go test -coverprofile=coverage.out ./..."
    ]


def test_rust_inline_cfg_test_and_integration_tests(make_repo: MakeRepo) -> None:
    root = make_repo({
        "Cargo.toml": '[package]\nname = "svc"\n\n[dev-dependencies]\nproptest = "1"\n',
        "src/lib.rs": (
            "pub fn add(a: i32, b: i32) -> i32 { a + b }\n\n"
            "#[cfg(test)]\nmod tests {\n    use super::*;\n\n"
            "    #[test]\n    fn adds() { assert_eq!(add(1, 2), 3); }\n\n"
            "    #[tokio::test]\n    async fn adds_async() {}\n\n"
            "    #[actix_rt::test]\n    #[ignore]\n    async fn slow() {}\n\n"
            "    fn helper() {}\n}\n"
        ),
        "src/main.rs": "fn main() {}\n",
        "tests/api.rs": "mod common;\n\nfn client() -> u8 { 1 }\n\n#[test]\nfn health() {}\n",
        "tests/common/mod.rs": "pub fn spawn_app() {}\n",
    })
    tests, _ = facts(run(root))
    # tests/common/mod.rs, `client()` of tests/api.rs and `helper()` of the #[cfg(test)] module
    assert tests["by_language"] == {"rust": {"files": 2, "functions": 4, "fixtures": 3}}
    assert tests["frameworks"] == ["cargo test"]
    assert tests["property_based"] == ["proptest"]


def test_rust_property_tests_are_counted_one_per_function(make_repo: MakeRepo) -> None:
    root = make_repo({
        "Cargo.toml": '[package]\nname = "svc"\n',
        "src/lib.rs": (
            "#[cfg(test)]\nmod tests {\n    use proptest::prelude::*;\n"
            "    proptest! {\n        #[test]\n        fn a(x in 0..9) {}\n        #[test]\n        fn b(x in 0..9) {}\n    }\n"
            "    #[quickcheck_macros::quickcheck]\n    fn c(x: u8) -> bool { true }\n}\n"
        ),
    })
    tests, _ = facts(run(root))
    assert tests["by_language"] == {"rust": {"files": 1, "functions": 3, "fixtures": 0}}
    assert tests["property_based"] == ["proptest"]


PACKAGE_JSON = {"name": "svc", "devDependencies": {"jest": "^29", "fast-check": "^3", "typescript": "^5"}}


def test_typescript_jest_tests_hooks_and_helpers(make_repo: MakeRepo) -> None:
    root = make_repo({
        "package.json": json.dumps(PACKAGE_JSON),
        "src/app.ts": "export const add = (a: number, b: number) => a + b\n",
        "src/app.test.ts": (
            "import { add } from './app'\n\ndescribe('add', () => {\n  beforeEach(() => {})\n"
            "  it('adds', () => { expect(add(1, 2)).toBe(3) })\n  test.skip('later', () => {})\n"
            "  it.each([[1, 1]])('each %i', (a, b) => {})\n  const test2 = () => {}\n})\n"
        ),
        "test/helper.ts": "export function build() { return {} }\n",
    })
    tests, _ = facts(run(root))
    assert tests["by_language"] == {"typescript": {"files": 1, "functions": 3, "fixtures": 2}}
    assert tests["frameworks"] == ["jest"]
    assert tests["property_based"] == ["fast-check"]


def test_node_test_runner_detected_from_import(make_repo: MakeRepo) -> None:
    root = make_repo({
        "package.json": json.dumps({"name": "svc", "devDependencies": {"c8": "^10"}}),
        "src/app.js": "export const x = 1\n",
        "test/app.test.js": "import { it, before } from 'node:test'\n\nbefore(() => {})\nit('works', () => {})\n",
    })
    tests, _ = facts(run(root))
    assert tests["frameworks"] == ["node:test"]
    assert tests["by_language"] == {"javascript": {"files": 1, "functions": 1, "fixtures": 1}}


def test_java_junit_tests_and_fixtures(make_repo: MakeRepo) -> None:
    root = make_repo({
        "pom.xml": "<project><dependencies><dependency><artifactId>jqwik</artifactId></dependency></dependencies></project>",
        "src/main/java/com/x/Calc.java": "package com.x;\n\npublic class Calc { public int add(int a, int b) { return a + b; } }\n",
        "src/test/java/com/x/CalcTest.java": (
            "package com.x;\n\nimport org.junit.jupiter.api.BeforeEach;\nimport org.junit.jupiter.api.Test;\n"
            "import org.junit.jupiter.params.ParameterizedTest;\n\n@TestConfiguration\nclass CalcTest {\n"
            "    @BeforeEach\n    void setUp() {}\n\n    @Test\n    void adds() {}\n\n"
            "    @ParameterizedTest\n    @ValueSource(ints = {1})\n    void many(int x) {}\n\n    void helper() {}\n}\n"
        ),
    })
    tests, _ = facts(run(root))
    assert tests["by_language"] == {"java": {"files": 1, "functions": 2, "fixtures": 2}}
    assert tests["frameworks"] == ["junit5"]
    assert tests["property_based"] == ["jqwik"]


SPRING_SLICE = """\
package com.acme.web;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.web.servlet.WebMvcTest;
import org.springframework.boot.test.mock.mockito.MockBean;

@WebMvcTest(ProductController.class)
class ProductControllerTest {
    @Autowired
    private MockMvc mvc;

    @MockBean
    private ProductService service;

    @Test
    void lists() throws Exception {}

    @Test
    void gets() throws Exception {}

    @Test
    void missing() throws Exception {}
}
"""


def test_java_spring_slices_extensions_and_junit3_are_fixtures(make_repo: MakeRepo) -> None:
    slice_only = make_repo({"src/main/java/com/acme/web/App.java": "package com.acme.web;\nclass App {}\n",
                            "src/test/java/com/acme/web/ProductControllerTest.java": SPRING_SLICE})
    card = run(slice_only)
    tests, _ = facts(card)
    assert tests["by_language"] == {"java": {"files": 1, "functions": 3, "fixtures": 3}}  # @WebMvcTest, @Autowired, @MockBean
    assert result(card, "tests/fixtures").status is Status.PASSED
    bare = SPRING_SLICE.replace("@WebMvcTest(ProductController.class)\n", "").replace("    @Autowired\n", "") \
        .replace("    @MockBean\n", "")
    card = run(make_repo({"src/main/java/com/acme/web/App.java": "package com.acme.web;\nclass App {}\n",
                          "src/test/java/com/acme/web/ProductControllerTest.java": bare}))
    assert [f.message for f in result(card, "tests/fixtures").findings] == [
        "3 tests and no fixture, setup hook or shared test helper"]
    extension_and_base = make_repo({
        "src/main/java/com/x/App.java": "package com.x;\nclass App {}\n",
        "src/test/java/com/x/ServiceTest.java": (
            "package com.x;\n@ExtendWith(MockitoExtension.class)\nclass ServiceTest extends BaseTest {\n"
            "    @Mock Repo repo;\n    @InjectMocks Service service;\n    @Test void a() {}\n}\n"),
        "src/test/java/com/x/BaseTest.java": "package com.x;\nabstract class BaseTest {}\n",
        "src/test/java/com/x/LegacyTest.java": (
            "package com.x;\npublic class LegacyTest extends TestCase {\n    protected void setUp() {}\n"
            "    public void testOne() {}\n    public void testTwo() {}\n    private void helper() {}\n}\n"),
    })
    tests, _ = facts(run(extension_and_base))
    # @ExtendWith, @Mock, @InjectMocks, BaseTest (a helper class) and the JUnit 3 setUp
    assert tests["by_language"] == {"java": {"files": 2, "functions": 3, "fixtures": 5}}


def test_go_testify_suites_and_helper_packages(make_repo: MakeRepo) -> None:
    root = make_repo({
        "go.mod": "module example.com/svc\n",
        "svc.go": "package svc\n\nfunc Handle() int { return 1 }\n",
        "svc_test.go": (
            'package svc\n\nimport (\n\t"testing"\n\n\t"github.com/stretchr/testify/suite"\n)\n\n'
            "type S struct{ suite.Suite }\n\n"
            "func (s *S) SetupTest() {}\n\nfunc (s *S) TestA() {}\n\nfunc (s *S) TestB() {}\n\n"
            "func (s *S) helper() {}\n\nfunc TestSuite(t *testing.T) { suite.Run(t, new(S)) }\n\n"
            "func newRouter() int { return 1 }\n\nfunc ExampleHandle() {}\n"
        ),
        "internal/testutil/db.go": (
            'package testutil\n\nimport "testing"\n\nfunc DB(t *testing.T) int {\n\tt.Helper()\n\treturn 1\n}\n'),
        "internal/other/other.go": 'package other\n\nimport "testing"\n\nfunc Bench(b *testing.B) {}\n',
    })
    tests, _ = facts(run(root))
    # SetupTest, newRouter() and the testutil package
    assert tests["by_language"] == {"go": {"files": 1, "functions": 3, "fixtures": 3}}


# -- coverage ---------------------------------------------------------------------------------------------
COBERTURA = '<?xml version="1.0" ?>\n<coverage lines-valid="200" lines-covered="150" line-rate="0.75"></coverage>\n'


def test_coverage_below_threshold_from_ignored_coverage_xml(make_repo: MakeRepo) -> None:
    root = python_repo(make_repo, git=True, extra={".gitignore": "coverage.xml\n.coverage\n", "coverage.xml": COBERTURA})
    assert Repository.scan(root).get("coverage.xml") is None  # ignored: not listed, read all the same
    card = run(root)
    cov = result(card, "tests/coverage")
    assert cov.status is Status.FAILED
    assert cov.measure is not None and (cov.measure.value, cov.measure.threshold) == (75.0, 80.0)
    assert [(f.path, f.message) for f in cov.findings] == [
        ("coverage.xml", "line coverage 75% is below 80% (150 of 200 lines, from coverage.xml (cobertura))")
    ]
    _, coverage = facts(card)
    assert {k: coverage[k] for k in ("percent", "source", "lines_covered", "lines_total")} == {
        "percent": 75.0, "source": "coverage.xml (cobertura)", "lines_covered": 150, "lines_total": 200,
    }


def test_coverage_threshold_comes_from_configuration(make_repo: MakeRepo) -> None:
    root = python_repo(make_repo, extra={"coverage.xml": COBERTURA})
    card = run(root, Config(only=("tests",), thresholds={"coverage": 70.0}))
    cov = result(card, "tests/coverage")
    assert cov.status is Status.PASSED and cov.findings == ()
    assert cov.measure is not None and cov.measure.threshold == 70.0


def test_lcov_under_coverage_dir_for_a_js_project(make_repo: MakeRepo) -> None:
    root = make_repo({
        "package.json": json.dumps(PACKAGE_JSON), "src/app.ts": "export const x = 1\n",
        "coverage/lcov.info": "SF:src/app.ts\nDA:1,1\nDA:2,1\nDA:3,1\nDA:4,1\nDA:5,0\nend_of_record\n",
    })
    card = run(root)
    cov = result(card, "tests/coverage")
    assert cov.status is Status.PASSED
    assert cov.measure is not None and cov.measure.value == 80.0
    assert facts(card)[1]["source"] == "coverage/lcov.info (lcov)"


def test_no_coverage_data_is_a_failure_with_the_command(make_repo: MakeRepo) -> None:
    card = run(python_repo(make_repo))
    cov = result(card, "tests/coverage")
    assert cov.status is Status.FAILED
    assert cov.measure is not None and cov.measure.value == 0.0
    assert [(f.severity.value, f.message) for f in cov.findings] == [
        ("high", "no coverage data found; produce it with: pytest --cov --cov-report=xml")
    ]


def test_hostile_and_broken_reports_do_not_give_a_percent(make_repo: MakeRepo) -> None:
    laughs = ('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
              '<coverage lines-valid="1" lines-covered="1">&b;</coverage>')
    root = python_repo(make_repo, extra={"coverage.xml": laughs, ".coverage": b"this is not a database", "lcov.info": ""})
    card = run(root)
    cov = result(card, "tests/coverage")
    assert cov.status is Status.FAILED
    assert sorted((f.severity.value, f.path, f.message) for f in cov.findings) == [
        ("high", None, "no coverage data found; produce it with: pytest --cov --cov-report=xml"),
        ("medium", ".coverage", "unreadable coverage report (coverage.py): not a coverage.py SQLite data file"),
        ("medium", "coverage.xml", "unreadable coverage report (cobertura): refused unsafe XML (EntitiesForbidden)"),
        ("medium", "lcov.info", "unreadable coverage report (lcov): empty file"),
    ]
    assert facts(card)[1]["percent"] is None


def test_dot_coverage_recorded_elsewhere_is_read(make_repo: MakeRepo) -> None:
    root = python_repo(make_repo)
    data = CoverageData(basename=str(root / ".coverage"))
    data.add_lines({"/home/ci/build/svc/app/calc.py": {1, 2, 5}, "/usr/lib/python3/site.py": {1}})
    data.write()
    card = run(root)
    _, coverage = facts(card)
    # app/calc.py has 4 statements (two defs, two returns); lines 1, 2 and 5 ran.
    assert {k: coverage[k] for k in ("percent", "source", "lines_covered", "lines_total")} == {
        "percent": 75.0, "source": ".coverage (coverage.py)", "lines_covered": 3, "lines_total": 4,
    }


def test_go_profile_and_summary_report_preference(make_repo: MakeRepo) -> None:
    root = make_repo({
        "go.mod": "module x\n", "main.go": "package main\n\nfunc main() {}\n",
        "main_test.go": 'package main\n\nimport "testing"\n\nfunc TestMain2(t *testing.T) {}\n',
        "coverage.out": "mode: set\nx/main.go:3.13,3.15 1 1\nx/main.go:4.1,5.2 1 0\n",
        "coverage.txt": "just notes, not a profile\n",
    })
    card = run(root)
    _, coverage = facts(card)
    assert (coverage["percent"], coverage["unit"], coverage["source"]) == (50.0, "statements", "coverage.out (go-coverprofile)")
    assert [s["path"] for s in coverage["sources"]] == ["coverage.out"]  # coverage.txt is not a profile: ignored


def test_coverage_of_a_project_in_a_subfolder(make_repo: MakeRepo) -> None:
    root = make_repo({
        "svc/app.py": PY_APP, "svc/coverage.xml": COBERTURA,
        "coverage.xml": '<coverage lines-valid="10" lines-covered="1"/>',
    })
    ctx = context(root, Project("svc"))
    cov = family.coverage_facts(ctx)
    assert (cov.percent, cov.source) == (75.0, "svc/coverage.xml (cobertura)")


def test_no_source_code_is_not_applicable(make_repo: MakeRepo) -> None:
    card = run(make_repo({"README.md": "# docs only\n"}))
    for check_id in ("tests/present", "tests/coverage", "tests/failing"):
        assert result(card, check_id).status is Status.NOT_APPLICABLE, check_id


def test_facts_are_json_and_check_ids_are_declared(make_repo: MakeRepo) -> None:
    assert [c.id for c in CHECKS] == ["tests/present", "tests/coverage", "tests/fixtures", "tests/property-based", "tests/failing"]
    ctx = context(python_repo(make_repo))
    assert family.tests_facts(ctx).functions == 5


def test_malformed_sources_do_not_crash_discovery(make_repo: MakeRepo) -> None:
    deep = "x = " + "(" * 3000 + ")" * 3000 + "\n"
    root = make_repo({
        "app.py": PY_APP, "tests/test_deep.py": deep, "tests/test_bad.py": "def test_(:\n",
        "package.json": "{not json", "src/a.test.ts": "it('x', () => {\n", "src/b.ts": "export {}\n",
        "x_test.go": "package x\nfunc TestBroken(t *testing.T {\n", "lib.rs": "#[test]\nfn \n",
    })
    card = run(root)
    for r in card.results:
        assert r.status is not Status.ERROR, (r.id, r.reason)


# -- --run-tests (executes the target: only pytest in a temp folder of our own) -------------------------------
RUN_TESTS = {
    "calc.py": PY_APP,
    "test_calc.py": (
        "from calc import add, sub\n\n\ndef test_add():\n    assert add(1, 2) == 3\n\n\n"
        "def test_sub_is_wrong():\n    assert sub(3, 1) == 5\n"
    ),
}


def test_run_tests_reports_failures_and_measures_coverage(make_repo: MakeRepo) -> None:
    root = make_repo(RUN_TESTS)
    card = run(root, options=AuditOptions(run_tests=True))
    failing = result(card, "tests/failing")
    assert failing.status is Status.FAILED
    assert [(f.severity.value, f.path, f.line, f.message.split(":")[0]) for f in failing.findings] == [
        ("critical", "test_calc.py", 8, "test failure")
    ]
    assert "test_calc::test_sub_is_wrong" in failing.findings[0].message
    _, coverage = facts(card)
    assert coverage["from_test_run"] is True
    assert coverage["source"] == "(--run-tests) (coverage.py)"
    # calc.py: 4 statements, test_calc.py: 5 (import, two defs, two asserts), all run.
    assert (coverage["lines_covered"], coverage["lines_total"]) == (9, 9)
    assert not list(root.glob("**/__pycache__")) and not (root / ".coverage").exists()


def test_run_tests_passing_suite_has_no_finding(make_repo: MakeRepo) -> None:
    root = make_repo({"calc.py": PY_APP, "test_calc.py": "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n"})
    failing = result(run(root, options=AuditOptions(run_tests=True)), "tests/failing")
    assert failing.status is Status.PASSED and failing.findings == ()


def test_run_tests_timeout_is_not_available(make_repo: MakeRepo) -> None:
    root = make_repo({"calc.py": PY_APP, "test_slow.py": "import time\n\n\ndef test_slow():\n    time.sleep(60)\n"})
    ctx = context(root, options=AuditOptions(run_tests=True), run_tests_timeout=1.0)
    res = run_check(Failing, ctx)
    assert res.status is Status.NOT_AVAILABLE
    assert res.reason == "the test suite did not finish within 1s"


def test_checks_without_run_tests_never_execute_the_target(make_repo: MakeRepo) -> None:
    root = make_repo({"calc.py": PY_APP, "test_calc.py": "open('EXECUTED', 'w').write('x')\n\ndef test_a():\n    pass\n"})
    ctx = context(root)
    run_check(Coverage, ctx)
    run_check(Failing, ctx)
    assert not (root / "EXECUTED").exists()


def test_large_dot_coverage_uses_estimated_statements_with_the_same_figures(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    import checks.tests.coverage_parsers as parsers

    root = python_repo(make_repo)
    data = CoverageData(basename=str(root / ".coverage"))
    data.add_lines({"/home/ci/build/svc/app/calc.py": {1, 2, 5}})
    data.write()
    exact = family.coverage_facts(context(root))
    monkeypatch.setattr(parsers, "EXACT_LIMIT", 0)
    estimated = family.coverage_facts(context(root))
    assert (exact.unit, estimated.unit) == ("lines", "lines (estimated)")
    assert (estimated.lines_covered, estimated.lines_total, estimated.percent) == (3, 4, 75.0)
    assert (exact.lines_covered, exact.lines_total) == (3, 4)


@pytest.mark.parametrize(("source_ext", "test_ext"), [("js", "js"), ("js", "ts"), ("ts", "js")])
def test_javascript_and_typescript_suites_test_each_other(make_repo: MakeRepo, source_ext: str, test_ext: str) -> None:
    """express-rest-boilerplate: 58 mocha tests in .js files were not counted for its 23 .js sources."""
    sources = {f"src/api/m{i}.{source_ext}": f"export const v{i} = {i}\n" for i in range(6)}
    py = {f"scripts/tool{i}.py": PY_APP for i in range(5)}  # untested Python: still reported
    root = make_repo({
        "package.json": json.dumps({"name": "svc", "devDependencies": {"mocha": "^10"}}),
        **sources, **py,
        f"src/api/tests/m0.test.{test_ext}": "describe('m0', () => {\n  it('works', () => {})\n})\n",
    })
    present = result(run(root), "tests/present")
    assert [(f.severity.value, f.message) for f in present.findings] == [
        ("medium", "5 python source files have no python tests")
    ]


# -- --run-tests that cannot run the suite: the committed report stays, pytest's error is shown -------------
COBERTURA_96 = '<?xml version="1.0" ?>\n<coverage lines-valid="100" lines-covered="96" line-rate="0.96"></coverage>\n'
MISSING_DEPENDENCY = {
    "calc.py": PY_APP,
    "coverage.xml": COBERTURA_96,
    "test_calc.py": "import requests_not_installed_anywhere\nfrom calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n",
}


def test_run_tests_that_cannot_collect_keeps_the_committed_coverage(make_repo: MakeRepo) -> None:
    root = make_repo(MISSING_DEPENDENCY, git=True)
    card = run(root, options=AuditOptions(run_tests=True))
    _, coverage = facts(card)
    assert (coverage["percent"], coverage["source"], coverage["from_test_run"]) == (96.0, "coverage.xml (cobertura)", False)
    assert coverage["test_run_error"] == "ModuleNotFoundError: No module named 'requests_not_installed_anywhere'"
    assert [s["path"] for s in coverage["sources"]] == ["coverage.xml"]  # the run's near-empty data is not a source
    cov = result(card, "tests/coverage")
    assert cov.status is Status.PASSED and cov.measure is not None and cov.measure.value == 96.0
    assert [(f.severity.value, f.message) for f in cov.findings] == [
        ("info", "--run-tests could not run the suite (ModuleNotFoundError: No module named "
                 "'requests_not_installed_anywhere'); the figure is the committed coverage.xml (cobertura)")
    ]
    failing = result(card, "tests/failing")
    assert failing.status is Status.FAILED
    assert [(f.severity.value, f.message) for f in failing.findings] == [
        ("medium", "the suite could not be run: ModuleNotFoundError: No module named 'requests_not_installed_anywhere'")
    ]
    assert "ERROR collecting test_calc.py" in str(failing.metrics["output"])
    assert failing.metrics["exit_code"] == 2


def test_run_tests_broken_conftest_without_committed_data_says_why(make_repo: MakeRepo) -> None:
    root = make_repo({"calc.py": PY_APP, "conftest.py": "import no_such_plugin_module\n",
                      "test_calc.py": "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n"})
    card = run(root, options=AuditOptions(run_tests=True))
    cov = result(card, "tests/coverage")
    assert cov.status is Status.FAILED
    no_data = next(f for f in cov.findings if f.message.startswith("no coverage data found"))
    assert "(--run-tests could not run the suite: ModuleNotFoundError: No module named 'no_such_plugin_module')" in no_data.message
    failing = result(card, "tests/failing")
    assert [f.message for f in failing.findings] == [
        "the suite could not be run: ModuleNotFoundError: No module named 'no_such_plugin_module'"
    ]


def test_run_tests_error_line_is_redacted(make_repo: MakeRepo) -> None:
    token = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
    root = make_repo({"calc.py": PY_APP, "test_calc.py": f"raise RuntimeError('token {token}')\n\n\ndef test_a():\n    pass\n"})
    failing = result(run(root, options=AuditOptions(run_tests=True)), "tests/failing")
    assert len(failing.findings) == 1 and failing.findings[0].message.startswith("the suite could not be run: RuntimeError: token ")
    assert token not in failing.findings[0].message and token not in str(failing.metrics["output"])


def test_run_tests_with_a_chosen_interpreter(make_repo: MakeRepo, tmp_path: Path) -> None:
    import sys

    root = make_repo({"calc.py": PY_APP, "test_calc.py": "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n"})
    card = run(root, options=AuditOptions(run_tests=True, python=sys.executable))
    assert result(card, "tests/failing").status is Status.PASSED
    assert facts(card)[1]["from_test_run"] is True
    bare = tmp_path / "bare-python"  # an interpreter without pytest and coverage: said, not silently replaced
    bare.write_text("#!/bin/sh\nexit 1\n")
    bare.chmod(0o755)
    failing = result(run(root, options=AuditOptions(run_tests=True, python=str(bare))), "tests/failing")
    assert [f.message for f in failing.findings] == [
        f"the suite could not be run: {bare} cannot import pytest and coverage (--python)"
    ]
