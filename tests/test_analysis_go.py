"""The Go adapter of the analysis layer: facts read from small real snippets, the cross-file type resolver, and
the route resolver; broken, deeply nested and huge files never crash it."""

from __future__ import annotations

import time
from pathlib import Path

from analysis.go import analyse_go, go_package_name
from analysis.golang_types import GoProject, split_results
from analysis.model import (
    CALL_BROKEN,
    CALL_DEFERRED,
    CALL_IN_LAMBDA,
    CALL_IN_LOOP,
    CALL_IN_TEST,
    CALL_NEW,
    CALL_STATEMENT,
    EXPOSE_CLIENT_STATUS,
    EXPOSE_ERROR_MIDDLEWARE,
    FileModel,
)
from analysis.pool import ModelStore
from analysis.project import ProjectAnalysis
from analysis.routes.go import go_endpoints
from auditor.repo import Repository
from tests.helpers import write_tree


def model(source: str, path: str = "api/handler.go", role: str = "source") -> FileModel:
    return analyse_go(path, role, source.encode())


def project(root: Path, files: dict[str, str]) -> ProjectAnalysis:
    write_tree(root, files)
    repo = Repository.scan(root)
    return ProjectAnalysis(ModelStore.lazy(repo), repo.files)


def test_imports_package_and_functions() -> None:
    m = model(
        "package api\n"
        "import (\n\t\"fmt\"\n\th \"net/http\"\n\t_ \"example.com/app/docs\"\n\t. \"strings\"\n"
        "\t\"github.com/go-chi/chi/v5\"\n)\n"
        "func (s *Store[T]) Get(ctx context.Context, ids ...int) (n int, err error) {\n"
        "\tfor _, id := range ids {\n\t\tif id > 0 && n < 3 || id == 9 {\n\t\t\tn++\n\t\t} else if id < 0 {\n\t\t\tn--\n\t\t}\n\t}\n"
        "\tswitch n {\n\tcase 1, 2:\n\t\treturn\n\tdefault:\n\t}\n"
        "\tf := func(x int) bool { return x > 0 && x < 9 }\n"
        "\t_ = f\n\treturn n, nil\n}\n"
        "func helper() {}\n"
    )
    assert m.problem is None and m.parser == "tree-sitter-go" and "package:api" in m.markers
    assert [(i.module, i.name, i.alias) for i in m.imports] == [
        ("fmt", "", "fmt"), ("net/http", "", "h"), ("example.com/app/docs", "", ""), ("strings", "*", ""),
        ("github.com/go-chi/chi/v5", "", "chi")]
    get, closure, helper = m.functions
    assert (get.name, get.qualname, get.owner, get.visibility) == ("Get", "Store.Get", "Store", "public")
    assert get.params == (("s", "*Store[T]", None, "self"), ("ctx", "context.Context", None, "positional"),
                          ("ids", "...int", None, "vararg"))
    assert get.returns == "(n int, err error)"
    # 1 + for + if + else-if + && + || + one non-default case
    assert get.complexity == 7 and get.statements >= 8
    assert (closure.name, closure.qualname, closure.parent, closure.complexity) == ("func1", "Store.Get.func1", 0, 2)
    assert (helper.visibility, helper.parent, helper.complexity) == ("private", -1, 1)


def test_calls_carry_their_context_and_arguments() -> None:
    m = model(
        "package api\nimport \"fmt\"\n"
        "func run(db *sql.DB, ids []int, name string) {\n"
        "\tdefer db.Close()\n"
        "\tgo notify()\n"
        "\tfor _, id := range ids {\n\t\tdb.Exec(\"DELETE FROM t WHERE id = $1\", id)\n\t}\n"
        "\tdb.Query(fmt.Sprintf(\"SELECT * FROM %s\", name))\n"
        "\tdb.Query(\"SELECT \" + name)\n"
        "\tdb.Query(\"SELECT 1\", 2, true, nil, cfg.Limit, []int{1}, func() {})\n"
        "\tx := fmt.Sprintf(\"static\")\n"
        "\tfunc() { log(x) }()\n"
        "}\n"
    )
    by = {c.callee: c for c in m.calls}
    assert by["db.Close"].flags & CALL_DEFERRED and by["notify"].flags & CALL_DEFERRED
    assert by["db.Exec"].flags & CALL_IN_LOOP and by["db.Exec"].flags & CALL_STATEMENT
    assert by["db.Exec"].receiver == "db" and by["fmt.Sprintf"].qualified == "fmt.Sprintf"
    queries = [c for c in m.calls if c.name == "Query"]
    assert [q.args[0][0] for q in queries] == ["interpolated", "concat", "str"]
    assert queries[0].args[0][2] == ("name",) and queries[2].args[0][4] == "SELECT 1"
    assert [a[0] for a in queries[2].args[1:]] == ["num", "bool", "none", "attr", "collection", "function"]
    assert next(a for a in m.assigns if a.targets == ("x",)).value[0] == "str"  # Sprintf of a literal alone
    assert by["log"].flags & CALL_IN_LAMBDA and not by["db.Exec"].flags & CALL_IN_LAMBDA
    test = model("package api\nfunc TestX(t *testing.T) { t.Run(\"a\", nil) }\n", path="api/x_test.go", role="test")
    assert all(c.flags & CALL_IN_TEST for c in test.calls)


def test_struct_literals_are_constructor_calls_with_settings() -> None:
    m = model(
        "package main\nimport \"net/http\"\nconst Port = 8080\nvar debug = true\n"
        "func main() {\n\tsrv := &http.Server{\n\t\tAddr: \":8080\",\n\t\tHandler: mux,\n\t}\n"
        "\tcfg := cors.Config{AllowOrigins: []string{\"*\"}, AllowCredentials: true}\n\t_ = cfg\n\tsrv.ListenAndServe()\n}\n"
    )
    server = next(c for c in m.calls if c.callee == "http.Server")
    assert server.flags & CALL_NEW and server.qualified == "net/http.Server"
    assert [(a[3], a[0]) for a in server.args] == [("Addr", "str"), ("Handler", "name")]
    assert [(s.key, s.value, s.context, s.line) for s in m.settings] == [
        ("Port", "8080", "", 3), ("debug", "true", "", 4), ("Addr", '":8080"', "http.Server", 7),
        ("AllowOrigins", '[]string{"*"}', "cors.Config", 10), ("AllowCredentials", "true", "cors.Config", 10)]
    assigns = {a.targets: a for a in m.assigns}
    assert assigns[("srv",)].op == ":=" and assigns[("srv",)].value[0] == "call"
    assert assigns[("Port",)].op == "const" and assigns[("debug",)].op == "var"


def test_declarations_for_the_resolver() -> None:
    m = model(
        "package store\n"
        "type Base struct{ db *sql.DB }\n"
        "type Store struct {\n\tBase\n\t*log.Logger\n\tcache, index map[string]int\n\tRepo Repository `json:\"r\"`\n}\n"
        "type Repository interface {\n\tio.Closer\n\tSave(id int) error\n\tFind(id int) (*Item, error)\n}\n"
        "type ID = uuid.UUID\n"
        "func (s *Store) Close() error { return nil }\n"
    )
    base, store, repo, alias = m.classes
    assert (base.kind, base.fields) == ("struct", (("db", "*sql.DB"),))
    assert store.bases == ("Base", "log.Logger") and store.methods == 1
    assert store.fields == (("cache", "map[string]int"), ("index", "map[string]int"), ("Repo", "Repository"))
    assert (repo.kind, repo.bases, repo.methods) == ("interface", ("io.Closer",), 2)
    assert repo.fields == (("Save", "func(id int) error"), ("Find", "func(id int) (*Item, error)"))
    assert (alias.kind, alias.bases, alias.decorators) == ("type", ("uuid.UUID",), ("alias",))


def test_discards_and_their_symbolic_receiver_types() -> None:
    m = model(
        "package api\n"
        "import (\n\t\"encoding/json\"\n\t\"example.com/svc/database\"\n)\n"
        "var shared *database.Store\n"
        "func (h *Handler) Serve(s Store, raw []byte) {\n"
        "\tsave()\n"                                  # 8: a plain function
        "\t_ = json.Unmarshal(raw, &h)\n"              # 9: an imported package
        "\th.repo.Save(1)\n"                           # 10: a field of the receiver
        "\tv, _ := s.Get(1)\n"                         # 11: a parameter
        "\tstore := database.NewStore()\n"
        "\tstore.Delete(v)\n"                          # 13: a constructor's result
        "\tlit := &Repo{}\n"
        "\tlit.Save(2)\n"                              # 15: a composite literal
        "\tshared.Flush()\n"                           # 16: a package-level var
        "\th.repo.DB().Exec(\"x\")\n"                  # 17: a method's result
        "\t_ = save() // best effort\n"                # 18: commented
        "\tjson := decoder{}\n"
        "\tjson.Decode()\n"                            # 20: a local shadows the import
        "}\n"
    )
    got = [(d.line, d.callee, d.how, d.receiver_type, d.package, d.commented) for d in m.discards]
    assert got == [
        (8, "save", "statement", "", "", False),
        (9, "json.Unmarshal", "blank", "", "encoding/json", False),
        (10, "h.repo.Save", "statement", "T:@api#Handler .repo", "", False),
        (11, "s.Get", "blank", "T:@api#Store", "", False),
        (13, "store.Delete", "statement", "F:example.com/svc/database#NewStore", "", False),
        (15, "lit.Save", "statement", "T:@api#Repo", "", False),
        (16, "shared.Flush", "statement", "V:@api#shared", "", False),
        (17, "h.repo.DB().Exec", "statement", "T:@api#Handler .repo .DB()", "", False),
        (18, "save", "blank", "", "", True),
        (20, "json.Decode", "statement", "T:@api#decoder", "", False),
    ]
    assert model("package api\nfunc f() { save() }\n", path="api/x_test.go", role="test").discards == ()


def test_resolver_follows_fields_embeds_constructors_and_vars(tmp_path: Path) -> None:
    analysis = project(tmp_path, {
        "go.mod": "module example.com/svc\n",
        "database/store.go": (
            "package database\n"
            "type Base struct{}\nfunc (b *Base) Ping() error { return nil }\n"
            "type Store struct {\n\tBase\n\tconn *Conn\n}\n"
            "type Conn struct{}\nfunc (c Conn) Exec() (int, error) { return 0, nil }\n"
            "func NewStore() *Store { return &Store{} }\n"
            "var Default = NewStore()\n"),
        "api/api.go": (
            "package api\nimport \"example.com/svc/database\"\n"
            "type Handler struct{ store *database.Store }\n"
            "type Alias = database.Store\n"),
    })
    go = GoProject.build(analysis.files("go"))
    assert go.package("example.com/svc/database") == "database" and go.package("github.com/x/y") is None
    assert go.evaluate("T:@api#Handler .store") == ("p", "database", "Store")
    assert go.evaluate("T:@api#Handler .store .Base") == ("p", "database", "Base")
    assert go.evaluate("T:@api#Handler .store .conn") == ("p", "database", "Conn")
    assert go.evaluate("F:example.com/svc/database#NewStore") == ("p", "database", "Store")
    assert go.evaluate("V:example.com/svc/database#Default") == ("p", "database", "Store")
    assert go.evaluate("T:@api#Alias") == ("p", "database", "Store")
    assert go.evaluate("F:github.com/go-chi/chi/v5#NewRouter") == ("l", "chi", "Mux")
    assert go.method(("p", "database", "Store"), "Ping") is not None  # promoted from Base
    assert go.function_keys("T:@api#Handler .store .Ping()") == ["database#Base.Ping"]
    assert go.evaluate("T:@api#Loop .x .y") is None and go.evaluate("") is None
    assert split_results("(a, b int, err error)") == ["int", "int", "error"]
    assert split_results("(map[string]int, error)") == ["map[string]int", "error"]
    assert split_results("func() error") == ["func() error"] and split_results(None) == []
    assert go_package_name("github.com/go-chi/chi/v5") == "chi" and go_package_name("gopkg.in/yaml.v3") == "yaml"


def test_exposures_of_error_details() -> None:
    m = model(
        "package api\n"
        "func h(w http.ResponseWriter, c *gin.Context, err error) {\n"
        "\thttp.Error(w, err.Error(), http.StatusInternalServerError)\n"
        "\tc.JSON(http.StatusBadRequest, gin.H{\"error\": err.Error()})\n"
        "\tc.JSON(500, err)\n"
        "\tbody := gin.H{\"message\": err.Error()}\n"
        "\tjson.Marshal(err)\n"
        "}\n"
        "func writeError(w http.ResponseWriter, status int, err error) {\n"
        "\twriteJSON(w, status, map[string]string{\"error\": err.Error()})\n"
        "}\n"
    )
    got = [(e.line, e.detail, e.sink, e.status, e.flags) for e in m.exposures]
    assert got == [
        (3, "err.Error()", "", "http.StatusInternalServerError", 0),
        (4, "err.Error()", "", "http.StatusBadRequest", EXPOSE_CLIENT_STATUS),
        (5, "err", "", "500", 0),
        (6, "err.Error()", "response body", "", 0),
        (10, "err.Error()", "error handler writeError", "", EXPOSE_ERROR_MIDDLEWARE),
    ]


def test_tests_fixtures_and_suites() -> None:
    m = model(
        "package api\nimport (\n\t\"testing\"\n\t\"github.com/stretchr/testify/suite\"\n)\n"
        "func TestMain(m *testing.M) {}\nfunc TestGet(t *testing.T) {}\nfunc FuzzParse(f *testing.F) {}\n"
        "func BenchmarkGet(b *testing.B) {}\nfunc ExampleGet() {}\nfunc newRouter() {}\nfunc Testify() {}\n"
        "type S struct{ suite.Suite }\nfunc (s *S) SetupTest() {}\nfunc (s *S) TestList() {}\nfunc (s *S) other() {}\n"
        "var cases = []struct{ init func() }{{func() {}}, {func() {}}}\n",  # closures in a table: not helpers
        path="api/api_test.go", role="test")
    assert [(t.name, t.kind, t.framework) for t in m.tests] == [
        ("TestMain", "fixture", "go"), ("TestGet", "test", "go"), ("FuzzParse", "property", "go"),
        ("BenchmarkGet", "benchmark", "go"), ("newRouter", "setup", "go"), ("SetupTest", "fixture", "testify"),
        ("TestList", "test", "testify")]
    assert [f.name for f in m.functions if f.is_test] == ["TestGet", "FuzzParse", "TestList"]
    assert [f.qualname for f in m.functions[-2:]] == ["glob.func1", "glob.func2"]
    assert model("package api\nfunc TestGet(t *testing.T) {}\n").tests == ()  # not a _test.go file


def test_interface_any_in_signatures() -> None:
    m = model(
        "package api\n"
        "func Exported(a interface{}, b map[string]any) (any, error) { return nil, nil }\n"
        "func hidden(a interface{}) {}\n"
        "func Typed(r interface{ Read() }) {}\n"
        "func Logf(format string, args ...any) {}\n"
        "type Payload struct { Data any }\n"
    )
    got = [(u.text, u.where, u.public, u.function) for u in m.type_uses]
    assert got == [
        ("any", "field `Data` of `Payload`", True, -1),
        ("interface{}", "parameter `a` of `Exported`", True, 0),
        ("any", "parameter `b` of `Exported`", True, 0),
        ("any", "return of `Exported`", True, 0),
        ("interface{}", "parameter `a` of `hidden`", False, 1),
        ("...any", "parameter `args` of `Logf`", True, 3),
    ]


def test_routes_groups_chains_and_methods() -> None:
    m = model(
        "package main\n"
        "import (\n\t\"net/http\"\n\t\"github.com/gin-gonic/gin\"\n\t\"github.com/gorilla/mux\"\n)\n"
        "func main() {\n"
        "\tr := gin.Default()\n"
        "\tr.Use(gin.Logger())\n"
        "\tv1 := r.Group(\"api/v1\", limit)\n"
        "\tv1.GET(\"version\", version)\n"
        "\tr.Group(\"/\").Use(auth()).POST(\"/login\", audit, login)\n"
        "\tv1.Match([]string{\"GET\", \"POST\"}, \"/items\", items)\n"
        "\tv1.Handle(\"DELETE\", \"/items/:id\", del)\n"
        "\tm := mux.NewRouter()\n"
        "\tapi := m.PathPrefix(\"/api\").Subrouter()\n"
        "\tapi.HandleFunc(\"/users\", users).Methods(http.MethodGet, \"POST\")\n"
        "\thttp.HandleFunc(\"GET /health\", health)\n"
        "\tclient.Get(\"/remote\", nil)\n"
        "\tcache.Get(\"key\", &v)\n"
        "}\n"
    )
    got = [(r.framework, r.method, r.path, r.handler, r.guards, r.known) for r in m.routes]
    assert got == [
        ("gin", "GET", "/api/v1/version", "version", ("limit", "gin.Logger()"), True),
        ("gin", "POST", "/login", "login", ("auth()", "gin.Logger()", "audit"), True),
        ("gin", "GET", "/api/v1/items", "items", ("limit", "gin.Logger()"), True),
        ("gin", "POST", "/api/v1/items", "items", ("limit", "gin.Logger()"), True),
        ("gin", "DELETE", "/api/v1/items/:id", "del", ("limit", "gin.Logger()"), True),
        ("gorilla", "GET", "/api/users", "users", (), True),
        ("gorilla", "POST", "/api/users", "users", (), True),
        ("net/http", "GET", "/health", "health", (), True),
    ]
    assert len({r.owner for r in m.routes[:5]}) == 1 and m.routes[0].owner == "go:api#main/r"


def test_middleware_stays_in_its_group() -> None:
    """golang-gin-realworld: `v1.Use(auth)` protects what is registered on v1 afterwards, not a sibling group
    `r.Group("/api/ping")` below the same path, nor the group handed on before it."""
    m = model(
        "package main\nimport \"github.com/gin-gonic/gin\"\n"
        "func main() {\n\tr := gin.Default()\n\tv1 := r.Group(\"/api\")\n\tusers.Register(v1.Group(\"/users\"))\n"
        "\tv1.Use(auth)\n\tarticles.Register(v1.Group(\"/articles\"))\n\tv1.GET(\"/me\", me)\n"
        "\tping := r.Group(\"/api/ping\")\n\tping.GET(\"/\", pong)\n}\n")
    assert [(r.path, r.guards) for r in m.routes] == [("/api/me", ("auth",)), ("/api/ping", ())]
    assert [(mt.prefix, mt.guards) for mt in m.mounts] == [("/api/users", ()), ("/api/articles", ("auth",))]


def test_echo_handler_order_chi_callbacks_and_unknown_paths() -> None:
    m = model(
        "package api\nimport (\n\t\"github.com/labstack/echo/v4\"\n\t\"github.com/go-chi/chi/v5\"\n)\n"
        "func Echo(e *echo.Echo) {\n\tg := e.Group(\"/admin\", adminOnly)\n\tg.GET(\"\", list, audit)\n"
        "\tg.POST(prefix+\"/x\", create)\n}\n"
        "func Chi() {\n\tr := chi.NewRouter()\n\tr.Use(logger)\n"
        "\tr.Route(\"/{id}\", func(r chi.Router) {\n\t\tr.Use(load)\n\t\tr.Get(\"/\", get)\n\t})\n"
        "\tr.Group(func(r chi.Router) {\n\t\tr.Use(auth)\n\t\tr.With(limit).Post(\"/x\", post)\n\t})\n"
        "\tr.Get(\"/open\", open)\n}\n"
    )
    got = [(r.method, r.path, r.handler, r.guards, r.owner) for r in m.routes]
    assert got == [
        ("GET", "/admin", "list", ("adminOnly", "audit"), "go:api#Echo@0"),
        ("GET", "/{id}", "get", ("logger", "load"), "go:api#Chi/r"),
        ("POST", "/x", "post", ("limit", "logger", "auth"), "go:api#Chi/r"),
        ("GET", "/open", "open", ("logger",), "go:api#Chi/r"),
    ]  # `prefix + "/x"` cannot be read: no route is guessed


def test_mounts_handoffs_and_returned_routers() -> None:
    m = model(
        "package api\nimport (\n\t\"github.com/go-chi/chi/v5\"\n\t\"example.com/svc/admin\"\n)\n"
        "func New(a *admin.API, h *Handler) *chi.Mux {\n\tr := chi.NewRouter()\n"
        "\tr.Mount(\"/admin\", a.Router())\n\tr.Mount(\"/local\", local())\n"
        "\tv1 := r.With(auth)\n\th.Register(v1)\n\tadmin.Attach(r)\n\treturn r\n}\n"
    )
    got = [(mt.parent, mt.child, mt.prefix, mt.guards) for mt in m.mounts]
    assert got == [
        ("go:api#New/r", "gocall:T:example.com/svc/admin#API .Router()|a|Router", "/admin", ()),
        ("go:api#New/r", "gocall:F:@api#local||local", "/local", ()),
        ("go:api#New/r", "gocall:T:@api#Handler .Register()|h|Register@0", "", ("auth",)),
        ("go:api#New/r", "gocall:F:example.com/svc/admin#Attach|admin|Attach@0", "", ()),
        ("go:api#New", "go:api#New/r", "", ()),
    ]


def test_chi_routes_given_as_function_values(tmp_path: Path) -> None:
    analysis = project(tmp_path, {
        "api/api.go": (
            "package api\nimport (\n\t\"github.com/go-chi/chi/v5\"\n\t\"example.com/svc/users\"\n)\n"
            "func New() *chi.Mux {\n\tr := chi.NewRouter()\n\tr.Route(\"/users\", users.Routes)\n"
            "\tr.Group(admin)\n\treturn r\n}\n"
            "func admin(r chi.Router) {\n\tr.Use(auth)\n\tr.Get(\"/admin\", stats)\n}\n"),
        "users/users.go": ("package users\nimport \"github.com/go-chi/chi/v5\"\n"
                           "func Routes(r chi.Router) {\n\tr.Get(\"/{id}\", get)\n}\n"),
    })
    got = sorted((e.method, e.path, e.prefix_known, e.guards) for e in go_endpoints(analysis))
    assert got == [("GET", "/admin", True, ("auth",)), ("GET", "/users/{id}", True, ())]


def test_route_resolver_joins_packages_by_type(tmp_path: Path) -> None:
    analysis = project(tmp_path, {
        "go.mod": "module example.com/shop\n",
        "cmd/api/main.go": (
            "package main\nimport (\n\t\"github.com/gorilla/mux\"\n\t\"example.com/shop/services/user\"\n"
            "\t\"example.com/shop/services/cart\"\n)\n"
            "func main() {\n\tr := mux.NewRouter()\n\tsub := r.PathPrefix(\"/api/v1\").Subrouter()\n"
            "\tu := user.NewHandler()\n\tu.RegisterRoutes(sub)\n\tc := cart.NewHandler()\n\tc.RegisterRoutes(sub)\n}\n"),
        "services/user/routes.go": (
            "package user\nimport \"github.com/gorilla/mux\"\ntype Handler struct{}\n"
            "func NewHandler() *Handler { return &Handler{} }\n"
            "func (h *Handler) RegisterRoutes(r *mux.Router) {\n\tr.HandleFunc(\"/login\", h.login).Methods(\"POST\")\n}\n"),
        "services/cart/routes.go": (
            "package cart\nimport \"github.com/gorilla/mux\"\ntype Handler struct{}\n"
            "func NewHandler() *Handler { return &Handler{} }\n"
            "func (h *Handler) RegisterRoutes(r *mux.Router) {\n\tr.HandleFunc(\"/checkout\", h.pay).Methods(\"POST\")\n}\n"),
        "services/orphan/routes.go": (
            "package orphan\nimport \"github.com/gorilla/mux\"\n"
            "func Attach(r *mux.Router) {\n\tr.HandleFunc(\"/orphan\", x).Methods(\"GET\")\n}\n"),
    })
    got = sorted((e.method, e.path, e.file, e.framework, e.prefix_known, e.handler) for e in go_endpoints(analysis))
    assert got == [
        ("GET", "/orphan", "services/orphan/routes.go", "gorilla", False, "x"),
        ("POST", "/api/v1/checkout", "services/cart/routes.go", "gorilla", True, "h.pay"),
        ("POST", "/api/v1/login", "services/user/routes.go", "gorilla", True, "h.login"),
    ]


def test_broken_deep_and_huge_files_never_crash() -> None:
    broken = model("package m\nfunc f() { _ = save( \n\tdb.Exec(\"x\")\n")
    assert broken.problem is not None and broken.problem[0] == "partial"
    assert all(c.flags & CALL_BROKEN for c in broken.calls if c.line == 2)
    assert broken.discards == ()
    assert analyse_go("x.go", "source", b"\xff\xfe not utf-8").problem == ("decode", "not valid UTF-8")
    deep = "package m\nfunc f() { _ = g(" + "h(" * 3000 + ")" * 3000 + ") }\n"
    assert model(deep).functions[0].name == "f"
    blocks = "package main\nfunc f() " + "{" * 50_000 + "}" * 50_000 + "\n"  # tests/hostile.py: once 40 s in the query
    assert [f.name for f in model(blocks).functions] == ["f"]
    nested = "package m\nfunc run() {\n" + "func() {\n" * 300 + "a := b\nb := a\na.Commit()\n" + "}()\n" * 300 + "}\n"
    m = model(nested)
    assert len(m.functions) == 301 and m.discards[-1].receiver_type == "V:@api#b"  # `b` is bound only after
    body = "".join(f"\tv{i}, err := s.Get({i})\n\tif err != nil && v{i} > 0 {{\n\t\treturn\n\t}}\n" for i in range(3000))
    huge = "package m\nfunc (s *S) f() {\n" + body + "}\n"
    started = time.perf_counter()
    big = model(huge)
    assert time.perf_counter() - started < 30
    assert big.functions[0].complexity == 1 + 2 * 3000 and len(big.calls) == 3000
    blob = "x" * 2_000_000  # embedded data: every text taken from it is capped
    literal = model(f'package m\nconst Blob = "{blob}"\nfunc f(n string) {{\n\tdb.Query(fmt.Sprintf("{blob}%s", n))\n'
                    f'\tr.GET("/{blob}", h)\n}}\n')
    assert len(literal.to_bytes()) < 20_000 and literal.routes == ()


def test_model_round_trips_through_bytes() -> None:
    m = model("package api\nimport \"fmt\"\nfunc F(a any) error { fmt.Println(a); return nil }\n")
    again = FileModel.from_bytes(m.to_bytes())
    assert again == m and again.marker("package") == "api"


def test_calls_that_start_together_come_in_one_order_every_time() -> None:
    """tree-sitter hands captures that start at the same byte in no fixed order; the model (and so the report) must
    not change from one run to the next: the call made on another comes after it (the shorter first)."""
    source = b'package x\n\nimport "text/template"\n\nfunc f() {\n\tt := template.New("").Delims("{[", "]}").Funcs(nil)\n\t_ = t\n}\n'
    orders = {tuple(c.name for c in analyse_go("x.go", "source", source).calls) for _ in range(30)}
    assert orders == {("New", "Delims", "Funcs")}
