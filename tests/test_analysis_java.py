"""The Java adapter of the analysis layer: facts read from small real snippets, and lizard's complexity."""

from __future__ import annotations

import lizard
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.java import HOLE, analyse_java
from analysis.model import (
    BODY_BROKEN,
    BODY_EMPTY,
    BODY_EXITS,
    BODY_FALLBACK,
    BODY_LOGS,
    BODY_PASSES_ON,
    BODY_PRINTS_STACK,
    BODY_RAISES,
    BODY_RERAISES,
    BODY_RETURNS,
    BODY_ROLLBACK,
    BODY_TRIVIAL,
    BODY_USES_ERROR,
    CALL_BROKEN,
    CALL_IN_LAMBDA,
    CALL_IN_LOOP,
    CALL_IN_TEST,
    CALL_NEW,
    CALL_STATEMENT,
    EXPOSE_CLIENT_STATUS,
    EXPOSE_ERROR_MIDDLEWARE,
    RAISE_CHAINED,
    RAISE_MESSAGE_ONLY,
    RAISE_RERAISE,
    FileModel,
)


def model(source: str, path: str = "src/main/java/app/A.java", role: str = "source") -> FileModel:
    return analyse_java(path, role, source.encode())


def test_imports_package_and_qualified_calls() -> None:
    m = model(
        "package app.web;\n"
        "import org.slf4j.LoggerFactory;\n"
        "import java.util.*;\n"
        "import static org.assertj.core.api.Assertions.assertThat;\n"
        "class A {\n"
        "  void f() { LoggerFactory.getLogger(A.class); assertThat(1); System.exit(1); helper(); }\n"
        "}\n"
    )
    assert m.marker("package") == "app.web"
    assert [(i.module, i.name, i.alias) for i in m.imports] == [
        ("org.slf4j", "LoggerFactory", "LoggerFactory"), ("java.util", "*", ""),
        ("org.assertj.core.api.Assertions", "assertThat", "assertThat"),
    ]
    assert [(c.callee, c.qualified) for c in m.calls] == [
        ("LoggerFactory.getLogger", "org.slf4j.LoggerFactory.getLogger"),
        ("assertThat", "org.assertj.core.api.Assertions.assertThat"),
        ("System.exit", "java.lang.System.exit"), ("helper", ""),
    ]


def test_calls_carry_their_context_and_arguments() -> None:
    m = model(
        "class A {\n"
        "  void f(List<String> ids, String name) {\n"
        "    for (String id : ids) { repo.find(id); }\n"
        "    ids.forEach(x -> notify(x));\n"
        "    Object o = new ArrayList<>(3);\n"
        "    jdbc.query(\"SELECT * FROM u WHERE name = '\" + name + \"'\", 1, true, null, A.MAX, this::g,\n"
        "               String.format(\"%s\", name), new int[] {1}, build());\n"
        "    jdbc.query(\"SELECT 1\" + \" AND 2\");\n"
        "  }\n"
        "}\n"
    )
    by = {c.callee: c for c in m.calls}
    assert by["repo.find"].flags & CALL_IN_LOOP and by["repo.find"].flags & CALL_STATEMENT
    assert by["repo.find"].receiver == "repo"
    assert by["notify"].flags & CALL_IN_LAMBDA and not by["notify"].flags & CALL_IN_LOOP
    assert by["notify"].function == 1 and m.functions[1].name == "<lambda>" and m.functions[1].parent == 0
    assert by["ArrayList"].flags & CALL_NEW and not by["ArrayList"].flags & CALL_STATEMENT
    first, second = [c for c in m.calls if c.callee == "jdbc.query"]
    assert [a[0] for a in first.args] == ["concat", "num", "bool", "none", "attr", "function", "interpolated",
                                          "collection", "call"]
    assert first.args[0][2] == ("name",) and first.args[0][4] == f"SELECT * FROM u WHERE name = '{HOLE}name{HOLE}'"
    assert second.args[0][0] == "str" and second.args[0][4] == "SELECT 1 AND 2"


def test_functions_classes_and_visibility() -> None:
    m = model(
        "package app;\n"
        "@Service\n"
        "public class Svc extends Base<T> implements Api, java.io.Serializable {\n"
        "  private final Repo repo;\n"
        "  public Svc(Repo repo) { this.repo = repo; }\n"
        "  @Transactional(readOnly = true)\n"
        "  public List<X> all(String... names) { return repo.all(); }\n"
        "  private void hidden() {}\n"
        "  protected void sub() {}\n"
        "  static class Inner { void m() {} }\n"
        "}\n"
        "interface Api { List<X> all(String... names); default int n() { return 1; } }\n"
        "record Point(int x, int y) {}\n"
        "enum Color { RED; void paint() {} }\n"
    )
    cls = {c.name: c for c in m.classes}
    assert cls["Svc"].kind == "class" and cls["Svc"].bases == ("Base<T>", "Api", "java.io.Serializable")
    assert cls["Svc"].decorators == ("@Service",) and cls["Svc"].fields == (("repo", "Repo"),)
    assert cls["Svc"].methods == 4
    assert cls["Api"].kind == "interface" and cls["Point"].fields == (("x", "int"), ("y", "int"))
    assert cls["Color"].kind == "enum" and cls["Color"].methods == 1
    fns = {f.qualname: f for f in m.functions}
    assert set(fns) == {"Svc.Svc", "Svc.all", "Svc.hidden", "Svc.sub", "Svc.Inner.m", "Api.n", "Color.paint"}
    assert fns["Svc.all"].params == (("names", "String...", None, "vararg"),)
    assert fns["Svc.all"].returns == "List<X>" and fns["Svc.all"].decorators == ("@Transactional(readOnly = true)",)
    assert [fns[q].visibility for q in ("Svc.all", "Svc.hidden", "Svc.sub", "Api.n")] == ["public", "private", "", "public"]
    assert fns["Svc.Inner.m"].owner == "Inner" and fns["Svc.Svc"].returns is None
    assert ("readOnly", "true", 6, "@Transactional", 1) in m.settings  # the annotated method's


SNIPPET = """\
class C {
    int f(int a, List<String> xs) {
        int n = 0;
        if (a > 0 && a < 10 || a == 42) { n++; } else if (a < 0) { n--; }
        for (int i = 0; i < a; i++) { n += i; }
        for (String x : xs) { while (x.isEmpty()) { x = next(); } }
        do { n--; } while (n > 100);
        switch (a) { case 1: n = 1; break; case 2: case 3: n = 2; break; default: n = 0; }
        try { work(); } catch (IOException e) { n = -1; } catch (RuntimeException e) { n = -2; }
        xs.forEach(x -> { if (x != null) { use(x); } });
        return a > 5 ? n : -n;
    }
    void g() {}
}
"""


def test_complexity_is_lizards_with_lambdas_counted_apart() -> None:
    m = model(SNIPPET)
    reference = {f.name.split("::")[-1]: f.cyclomatic_complexity
                 for f in lizard.analyze_file.analyze_source_code("C.java", SNIPPET).function_list}
    f, lam, g = m.functions
    assert lam.name == "<lambda>" and lam.parent == 0 and lam.complexity == 2
    assert f.complexity == 15 and f.complexity + lam.complexity - 1 == reference["f"]
    assert g.complexity == reference["g"] == 1
    assert f.statements > 10 and g.statements == 0


def test_handler_bodies_are_described_not_judged() -> None:
    m = model(
        "class A {\n"
        "  Object f() {\n"
        "    try { w(); } catch (IOException e) { /* nothing */ }\n"  # 0 empty
        "    try { w(); } catch (Exception e) { return null; }\n"  # 1 trivial
        "    try { w(); } catch (Exception e) { result = fallback; }\n"  # 2 fallback
        "    try { w(); } catch (Exception e) { log.error(\"x\", e); }\n"  # 3 logs, uses
        "    try { w(); } catch (Exception e) { throw e; }\n"  # 4 re-raise
        "    try { w(); } catch (Exception e) { System.exit(1); }\n"  # 5 exits
        "    try { w(); } catch (Exception e) { future.completeExceptionally(e); }\n"  # 6 passes on
        "    try { w(); } catch (Exception e) { return ResponseEntity.status(500).build(); }\n"  # 7 returns
        "    try { w(); } catch (SQLException e) { tx.rollback(); throw new DbError(e); }\n"  # 8 rollback, raises
        "    try { w(); } catch (Exception e) { e.printStackTrace(); }\n"  # 9 prints the stack only
        "    try { w(); } catch (Exception e) { e.printStackTrace(); cleanup(); }\n"  # 10 does more
        "    try { w(); } catch (Throwable t) { // ignored on purpose\n counter++; }\n"  # 11 comment
        "    return null;\n"
        "  }\n"
        "}\n"
    )
    h = m.handlers
    assert [x.catch_all for x in h] == [False] + [True] * 7 + [False, True, True, True]
    assert h[0].flags & BODY_EMPTY and h[0].statements == 0 and h[0].comment == "nothing"
    assert h[1].flags & BODY_TRIVIAL and not h[1].flags & BODY_FALLBACK
    assert h[2].flags & BODY_FALLBACK and not h[2].flags & BODY_USES_ERROR
    assert h[3].flags & BODY_LOGS and h[3].flags & BODY_USES_ERROR and h[3].binding == "e"
    assert h[4].flags & BODY_RAISES and h[4].flags & BODY_RERAISES
    assert h[5].flags & BODY_EXITS
    assert h[6].flags & BODY_PASSES_ON
    assert h[7].flags & BODY_RETURNS
    assert h[8].flags & BODY_ROLLBACK and h[8].flags & BODY_RAISES and not h[8].flags & BODY_RERAISES
    assert h[9].flags & BODY_PRINTS_STACK and h[9].flags & BODY_USES_ERROR
    assert not h[10].flags & BODY_PRINTS_STACK
    assert h[11].comment == "ignored on purpose" and h[11].types == ("Throwable",) and h[11].binding == "t"
    assert all(x.function == 0 and x.line == i + 3 for i, x in enumerate(h[:11]))


def test_raises_keep_or_lose_the_cause() -> None:
    m = model(
        "class A {\n"
        "  void f() {\n"
        "    try { w(); } catch (IOException e) { throw new RuntimeException(e.getMessage()); }\n"
        "    try { w(); } catch (IOException e) { throw new RuntimeException(\"read failed: \" + e.getMessage(), e); }\n"
        "    try { w(); } catch (IOException e) { throw (RuntimeException) e; }\n"
        "    try { w(); } catch (IOException e) { throw new BadRequest(\"e is not e.getMessage()\"); }\n"
        "    try { w(); } catch (IOException e) { throw new Wrapped(e.getMessage(), e.getCause()); }\n"
        "    throw new IllegalStateException(\"no handler\");\n"
        "  }\n"
        "}\n"
    )
    r = m.raises
    assert r[0].flags == RAISE_MESSAGE_ONLY and r[0].exception == "new RuntimeException(e.getMessage())"
    assert r[1].flags == RAISE_CHAINED
    assert r[2].flags == RAISE_RERAISE
    assert r[3].flags == 0  # the error's name only inside a string literal
    assert r[4].flags == 0  # the deeper cause is kept
    assert r[5].handler == -1 and r[0].handler == 0 and r[4].handler == 4


def test_exposures_name_the_detail_the_sink_and_the_status() -> None:
    m = model(
        "class A {\n"
        "  ResponseEntity<?> f() {\n"
        "    try { return ok(); } catch (Exception e) { return ResponseEntity.status(500).body(e.getMessage()); }\n"
        "  }\n"
        "  ResponseEntity<?> g() {\n"
        "    try { return ok(); } catch (IllegalArgumentException e) {\n"
        "      return ResponseEntity.badRequest().body(Map.of(\"error\", e.getMessage())); }\n"
        "  }\n"
        "  @ExceptionHandler(DataAccessException.class)\n"
        "  public ProblemDetail h(DataAccessException ex) {\n"
        "    return ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR, ex.getLocalizedMessage());\n"
        "  }\n"
        "  void i() { try { w(); } catch (Exception e) { log.warn(e.getMessage()); } }\n"
        "}\n"
    )
    e = m.exposures
    assert [(x.detail, x.sink, x.line, x.status, x.error_types) for x in e] == [
        ("e.getMessage()", "body", 3, "500", ("Exception",)),
        ("e.getMessage()", "body", 7, "badRequest", ("IllegalArgumentException",)),
        ("ex.getLocalizedMessage()", "forStatusAndDetail", 11, "HttpStatus.INTERNAL_SERVER_ERROR",
         ("DataAccessException",)),
    ]
    assert [bool(x.flags & EXPOSE_CLIENT_STATUS) for x in e] == [False, True, False]
    assert e[2].flags & EXPOSE_ERROR_MIDDLEWARE and not e[0].flags & EXPOSE_ERROR_MIDDLEWARE


def test_spring_jaxrs_and_micronaut_routes_and_mounts() -> None:
    spring = model(
        "package app;\n"
        "import org.springframework.web.bind.annotation.*;\n"
        "@RestController\n"
        "@RequestMapping(\"${api.base:/api}\")\n"
        "public class Pets implements PetsApi {\n"
        "  static final String ID = \"/{id}\";\n"
        "  @GetMapping(value = {\"\", \"/all\"}, produces = \"application/json\")\n"
        "  public List<Pet> list() { return null; }\n"
        "  @PreAuthorize(\"hasRole('ADMIN')\")\n"
        "  @RequestMapping(path = ID, method = {RequestMethod.PUT, RequestMethod.PATCH})\n"
        "  public Pet put() { return null; }\n"
        "}\n"
    )
    assert [(r.framework, r.method, r.path, r.owner, r.handler, r.line, r.known) for r in spring.routes] == [
        ("spring", "GET", "", "java:app.Pets", "list", 7, True),
        ("spring", "GET", "/all", "java:app.Pets", "list", 7, True),
        ("spring", "PUT", f"{HOLE}ID{HOLE}", "java:app.Pets", "put", 10, False),
        ("spring", "PATCH", f"{HOLE}ID{HOLE}", "java:app.Pets", "put", 10, False),
    ]
    assert spring.routes[2].guards == ("@PreAuthorize(\"hasRole('ADMIN')\")",)
    assert [(mo.parent, mo.child, mo.prefix, mo.guards[:2]) for mo in spring.mounts] == [
        ("", "java:app.Pets", "/api", ("@RestController", '@RequestMapping("${api.base:/api}")')),
        ("java:app.Pets", "java:app.PetsApi", "", ("implements", "PetsApi")),
    ]
    jaxrs = model("package r;\n@Path(\"/todos\")\npublic class Todos {\n  @GET @Path(\"{id}\")\n"
                  "  public Todo one() { return null; }\n  @POST public void add() {}\n}\n")
    assert [(r.framework, r.method, r.path) for r in jaxrs.routes] == [("jax-rs", "GET", "{id}"), ("jax-rs", "POST", "")]
    assert [(mo.child, mo.prefix) for mo in jaxrs.mounts] == [("java:r.Todos", "/todos")]
    micronaut = model("import io.micronaut.http.annotation.*;\n@Controller(\"/hello\")\nclass H {\n"
                      "  @Get(uri = \"/{name}\") String hi() { return \"\"; }\n  @Post void p() {}\n}\n")
    assert [(r.framework, r.method, r.path) for r in micronaut.routes] == [
        ("micronaut", "GET", "/{name}"), ("micronaut", "POST", "/")]
    spring_controller = model("@Controller(\"bean\")\nclass H {\n  @Get(\"/x\") String hi() { return \"\"; }\n}\n")
    assert spring_controller.routes == () and spring_controller.mounts == ()


def test_tests_and_fixtures_by_framework() -> None:
    m = model(
        "import org.junit.jupiter.api.*;\n"
        "import net.jqwik.api.Property;\n"
        "@SpringBootTest\n"
        "class ATest {\n"
        "  @Autowired MockMvc mvc;\n"
        "  @BeforeEach void setUp() {}\n"
        "  @Test void works() { check(); }\n"
        "  @ParameterizedTest @ValueSource(ints = {1}) void many(int x, @TempDir Path dir) {}\n"
        "  @Property boolean holds(@ForAll int x) { return true; }\n"
        "  @ArchTest static final ArchRule layers = classes().should().bePublic();\n"
        "  void helper() {}\n"
        "}\n", path="src/test/java/ATest.java", role="test")
    assert [(t.name, t.kind, t.framework) for t in m.tests] == [
        ("ATest", "fixture", "junit5"), ("mvc", "fixture", "junit5"), ("setUp", "fixture", "junit5"),
        ("works", "test", "junit5"), ("many", "test", "junit5"), ("many", "fixture", "junit5"),
        ("holds", "property", "jqwik"), ("layers", "test", "archunit"),
    ]
    assert [f.name for f in m.functions if f.is_test] == ["works", "many", "holds"]
    assert next(c for c in m.calls if c.name == "check").flags & CALL_IN_TEST
    junit3 = model("public class LegacyTest extends TestCase {\n  protected void setUp() {}\n"
                   "  public void testOne() {}\n  private void helper() {}\n}\n", path="src/test/java/LegacyTest.java",
                   role="test")
    assert [(t.name, t.kind, t.framework) for t in junit3.tests] == [
        ("setUp", "fixture", "junit3"), ("testOne", "test", "junit3")]
    assert model("class A { @Test void t() {} }").tests == ()  # only test files hold tests


def test_raw_types_are_resolved_through_the_imports() -> None:
    amqp = model(
        "import org.springframework.amqp.core.*;\n"
        "public class RabbitMqConfig {\n  public Queue orderQueue() { return new Queue(\"q\"); }\n}\n")
    assert amqp.type_uses == ()
    jdk = model(
        "import java.util.Queue;\nimport java.util.Map;\n"
        "public class A {\n"
        "  public Queue q() { return null; }\n"
        "  public Map.Entry e;\n"
        "  public void put(Object value, Map<String, List> nested) {}\n"
        "  private Class<?> fine(Optional<String> o) { return null; }\n"
        "  Comparable raw() { return null; }\n"
        "}\n")
    assert [(u.kind, u.text, u.where, u.public) for u in jdk.type_uses] == [
        ("raw-type", "java.util.Queue", "return of `q`", True),
        ("raw-type", "java.util.Map.Entry", "field `e`", True),
        ("object", "Object", "parameter `value` of `put`", True),
        ("raw-type", "List", "parameter `nested` of `put`", True),
        ("raw-type", "java.lang.Comparable", "return of `raw`", False),
    ]
    own = model("public class Page { }\nclass Use { public Page p() { return null; } }\n")
    assert own.type_uses == ()  # the file's own Page, not Spring Data's


def test_settings_from_annotations_constants_and_property_maps() -> None:
    m = model(
        "@Entity @Table(name = \"products\")\n"
        "class P {\n"
        "  static final int MAX = 40;\n"
        "  void cfg(Properties props) {\n"
        "    props.put(\"hibernate.hbm2ddl.auto\", \"update\");\n"
        "    props.setProperty(AvailableSettings.SHOW_SQL, \"true\");\n"
        "  }\n"
        "}\n")
    assert [(s.key, s.value, s.context) for s in m.settings] == [
        ("name", '"products"', "@Table"), ("MAX", "40", "P"),
        ("hibernate.hbm2ddl.auto", '"update"', "props.put"),
        ("AvailableSettings.SHOW_SQL", '"true"', "props.setProperty"),
    ]


def test_broken_and_undecodable_files() -> None:
    broken = model("class A {\n  void f() {\n    try { w(); } catch (Exception e) {}\n  void g( { x(\n")
    assert broken.problem is not None and broken.problem[0] == "partial"
    assert any(h.flags & BODY_BROKEN for h in broken.handlers) or any(c.flags & CALL_BROKEN for c in broken.calls)
    assert analyse_java("B.java", "source", b"\xff\xfe class").problem == ("decode", "not valid UTF-8")
    empty = analyse_java("E.java", "source", b"")
    assert empty.problem is None and empty.calls == ()


@pytest.mark.parametrize("source", [
    "class A { void f() { int a = " + "(" * 3000 + "1" + ")" * 3000 + "; } }",
    "class A { void f() { x(" + "y(" * 3000 + ")" * 3000 + "); } }",
    "class A { void f() { String s = " + " + ".join(['"a"', "b"] * 3000) + "; } }",
    "class A { void f() { a" + ".b()" * 4000 + "; } }",
    "class A { Runnable r = " + "() -> " * 2000 + "x(); }",
    "class A { " + "class B { " * 600 + "}" * 600 + "}",
    "class A { void f() { " + "try { " * 300 + "w();" + " } catch (Exception e) { log(e); }" * 300 + " } }",
    "class A {\n" + "  void m() { if (a && b) { c(); } }\n" * 20000 + "}\n",
])
def test_deep_nesting_and_huge_files_never_crash(source: str) -> None:
    m = model(source)
    assert m.parsed
    FileModel.from_bytes(m.to_bytes())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list("class A{}();@Test tryctch(Exception e)throw new X.\"+ -> if&&|\n")),
               max_size=300))
def test_arbitrary_text_gives_a_model(text: str) -> None:
    m = model(text)
    assert m.language == "java"
    assert FileModel.from_bytes(m.to_bytes()) == m
