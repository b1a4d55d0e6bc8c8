"""The Rust adapter of the analysis layer: facts read from small real snippets, broken and hostile input."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.model import (
    CALL_AWAITED,
    CALL_BROKEN,
    CALL_GUARD,
    CALL_IN_ASYNC,
    CALL_IN_LAMBDA,
    CALL_IN_LOOP,
    CALL_IN_TEST,
    CALL_MACRO,
    CALL_STATEMENT,
    Call,
    FileModel,
)
from analysis.rust import ATTRIBUTE_ROUTE, FUNCTION_REF, RESOURCE_ROUTE, ROUTER_ROUTE, analyse_rust, crate_module


def model(source: str, path: str = "src/lib.rs", role: str = "source") -> FileModel:
    return analyse_rust(path, role, source.encode())


def calls(m: FileModel, name: str) -> list[Call]:
    return [c for c in m.calls if c.name == name]


# -- calls --------------------------------------------------------------------------------------------------------
def test_calls_carry_where_they_sit() -> None:
    m = model(
        "use reqwest::Client;\n"
        "use actix_web::web;\n"
        "pub async fn handler(ids: Vec<u8>, client: Client) {\n"
        "    for id in ids.iter() {\n"
        "        fetch(id).await;\n"
        "        let f = |x: u8| notify(x);\n"
        "    }\n"
        "    let body = client.get(\"http://x\").send().await.unwrap();\n"
        "    web::get();\n"
        "    let job = async move { spawn_task().await };\n"
        "}\n"
        "fn sync() { helper(); reqwest::blocking::get(\"http://y\"); }\n"
    )
    fetch, = calls(m, "fetch")
    assert fetch.flags & CALL_AWAITED and fetch.flags & CALL_STATEMENT and fetch.flags & CALL_IN_LOOP
    assert fetch.flags & CALL_IN_ASYNC and fetch.function == 0
    iter_call, = calls(m, "iter")
    assert not iter_call.flags & CALL_IN_LOOP  # the iterator is evaluated once, before the loop
    notify, = calls(m, "notify")
    assert notify.flags & CALL_IN_LAMBDA and notify.flags & CALL_IN_LOOP and notify.function == 1
    assert m.functions[1].name == "<closure>" and m.functions[1].parent == 0
    unwrap, = calls(m, "unwrap")
    assert unwrap.receiver == 'client.get("http://x").send().await' and not unwrap.flags & CALL_AWAITED
    send, = calls(m, "send")
    assert send.flags & CALL_AWAITED and not send.flags & CALL_STATEMENT
    get_route = next(c for c in m.calls if c.callee == "web::get")
    assert get_route.qualified == "actix_web::web::get" and get_route.flags & CALL_STATEMENT
    assert next(c for c in m.calls if c.name == "get" and c.receiver == "client").qualified == ""
    spawn, = calls(m, "spawn_task")
    assert spawn.flags & CALL_IN_ASYNC and spawn.flags & CALL_AWAITED
    helper, = calls(m, "helper")
    assert helper.function == 2 and not helper.flags & (CALL_IN_ASYNC | CALL_IN_LOOP | CALL_AWAITED)
    blocking = next(c for c in m.calls if c.callee == "reqwest::blocking::get")
    assert blocking.qualified == "reqwest::blocking::get"  # an absolute crate path as written


def test_guard_clause_conditions() -> None:
    m = model(
        "fn f(r: Result<u8, E>, o: Option<u8>) -> u8 {\n"
        "    if r.is_err() { return 0; }\n"
        "    if !o.is_some() {\n        log();\n        return 1;\n    }\n"
        "    for x in xs { if x.is_none() { continue; } }\n"
        "    if o.is_none() { log(); }\n"
        "    if check(o) { panic!(); }\n"
        "    r.unwrap()\n}\n"
    )
    guarded = sorted((c.name, c.line) for c in m.calls if c.flags & CALL_GUARD)
    assert guarded == [("is_err", 2), ("is_none", 7), ("is_some", 3)]


def test_a_method_in_a_multi_line_chain_is_on_its_own_line() -> None:
    m = model("fn f() {\n    let rows = db\n        .query()\n        .await\n        .unwrap();\n}\n")
    unwrap, = calls(m, "unwrap")
    assert (unwrap.line, unwrap.receiver, unwrap.callee) == (5, "db.query().await", "db.query().await.unwrap")
    assert calls(m, "query")[0].line == 3


def test_macros_are_calls_and_calls_inside_their_tokens_are_read() -> None:
    m = model(
        "fn f(s: &str, row: Row) -> Value {\n"
        "    let n = format!(\"{}\", s.parse::<u32>().unwrap());\n"
        "    sqlx::query!(\"SELECT $1\", id);\n"
        "    json!({\"a\": row.get::<i32, _>(\"a\").expect(\"a\"), \"b\": Foo::new(1), \"c\": inner!(z)})\n"
        "}\n"
        "macro_rules! grab { ($x:expr) => { $x.unwrap() }; }\n"
    )
    fmt, = calls(m, "format")
    assert fmt.flags & CALL_MACRO and [a[0] for a in fmt.args] == ["str", "call"]
    query, = calls(m, "query")
    assert query.callee == "sqlx::query" and query.qualified == "sqlx::query" and query.flags & CALL_STATEMENT
    assert [(a[0], a[4]) for a in query.args] == [("str", "SELECT $1"), ("name", None)]
    unwraps = calls(m, "unwrap")
    assert [(c.line, c.receiver) for c in unwraps] == [(2, "s.parse::<u32>()"), (6, "$x")]
    assert not unwraps[0].flags & CALL_MACRO
    expect, = calls(m, "expect")
    assert expect.receiver == 'row.get::<i32, _>("a")' and expect.line == 4
    assert next(c for c in m.calls if c.callee == "Foo::new").args[0][0] == "num"
    nested, = calls(m, "inner")
    assert nested.flags & CALL_MACRO
    assert any(c.name == "get" and c.receiver == "row" for c in m.calls)


def test_values_tell_literals_from_strings_built_from_variables() -> None:
    m = model(
        "fn q(pool: &Pool, id: i64, name: &str) {\n"
        "    sqlx::query(&format!(\"SELECT * FROM u WHERE id = {}\", id));\n"
        "    sqlx::query(\"SELECT * FROM u WHERE id = $1\");\n"
        "    sqlx::query(&(\"SELECT * FROM u WHERE name = \".to_owned() + name));\n"
        "    run(format!(\"SELECT {name}\"), format!(\"static\"), \"a\" + b, 3, true, None, cfg.port, [1, 2], |x| x);\n"
        "    log!(target: \"x\", level = 3);\n"
        "}\n"
    )
    first, second, third = calls(m, "query")
    assert first.args[0][0] == "interpolated" and first.args[0][2] == ("id",)
    assert second.args[0][0] == "str" and second.args[0][4] == "SELECT * FROM u WHERE id = $1"
    assert third.args[0][0] == "other" and "name" in third.args[0][2]
    run, = calls(m, "run")
    kinds = [a[0] for a in run.args]
    assert kinds == ["interpolated", "str", "concat", "num", "bool", "none", "attr", "collection", "function"]
    assert run.args[0][2] == ("name",) and run.args[6][2] == ("cfg",)
    log, = calls(m, "log")
    assert [(a[3], a[0]) for a in log.args] == [("", "other"), ("level", "num")]


# -- functions, classes, imports ----------------------------------------------------------------------------------
def test_functions_methods_and_their_signatures() -> None:
    m = model(
        "pub struct Svc { pool: Pool }\n"
        "impl Svc {\n"
        "    pub async fn get(&self, id: i32) -> Result<User, Error> { self.pool.get(id).await }\n"
        "    pub(crate) fn internal(&mut self) {}\n"
        "}\n"
        "impl actix_web::ResponseError for Svc { fn status_code(&self) -> u16 { 500 } }\n"
        "pub trait Repo: Send + Sync { fn find(&self); fn count(&self) -> u8 { 0 } }\n"
        "mod inner { #[tracing::instrument] pub fn deep() { fn nested() {} } }\n"
    )
    by_qual = {f.qualname: f for f in m.functions}
    get = by_qual["Svc.get"]
    assert get.is_async and get.owner == "Svc" and get.visibility == "public"
    assert get.params == (("self", "&self", None, "self"), ("id", "i32", None, "positional"))
    assert get.returns == "Result<User, Error>"
    assert by_qual["Svc.internal"].visibility == "private"  # pub(crate) is not the crate's public API
    assert by_qual["Svc.status_code"].visibility == "public"  # a trait's methods are as public as the trait
    assert by_qual["Repo.count"].owner == "Repo" and "Repo.find" not in by_qual  # no body, no function
    deep = by_qual["inner.deep"]
    assert deep.decorators == ("#[tracing::instrument]",) and deep.visibility == "public"
    assert by_qual["inner.deep.nested"].parent == m.functions.index(deep)
    kinds = {(c.kind, c.name): c for c in m.classes}
    assert kinds[("struct", "Svc")].fields == (("pool", "Pool"),)
    impls = [c for c in m.classes if c.kind == "impl"]
    assert [(c.bases, c.methods) for c in impls] == [((), 2), (("actix_web::ResponseError",), 1)]
    assert kinds[("trait", "Repo")].bases == ("Send", "Sync") and kinds[("trait", "Repo")].methods == 2


def test_structs_enums_and_type_aliases() -> None:
    m = model(
        "#[derive(Debug, Serialize)]\npub struct Point(pub i32, i64);\n"
        "enum Shape { Circle(f64), Square { side: f64 }, Empty }\n"
        "type Result<T> = std::result::Result<T, Error>;\n"
    )
    point, shape, alias = m.classes
    assert (point.kind, point.fields, point.decorators) == ("struct", (("0", "i32"), ("1", "i64")),
                                                             ("#[derive(Debug, Serialize)]",))
    assert (shape.kind, [f[0] for f in shape.fields]) == ("enum", ["Circle", "Square", "Empty"])
    assert (alias.kind, alias.name, alias.bases) == ("type", "Result", ("std::result::Result<T, Error>",))


def test_imports_every_form_of_use() -> None:
    m = model(
        "use actix_web::{web, App, middleware::{self, Logger as Log}};\n"
        "use std::io::{self, Read};\n"
        "use crate::db::*;\n"
        "use serde_json;\n"
        "extern crate rocket as rkt;\n"
        "pub use ::axum::Router;\n"
    )
    assert [(i.module, i.name, i.alias) for i in m.imports] == [
        ("actix_web", "web", "web"), ("actix_web", "App", "App"), ("actix_web", "middleware", "middleware"),
        ("actix_web::middleware", "Logger", "Log"), ("std", "io", "io"), ("std::io", "Read", "Read"),
        ("crate::db", "*", ""), ("serde_json", "", "serde_json"), ("rocket", "", "rkt"), ("axum", "Router", "Router"),
    ]


def test_complexity_counts_decisions_per_function_and_closure() -> None:
    m = model(
        "fn f(x: Option<u8>, a: bool, b: bool) -> u8 {\n"
        "    if a && b || !a { 1 } else if b { 2 } else { 3 };\n"  # if, else if, &&, ||: 4
        "    for i in 0..3 {}\n"  # 1
        "    while a {}\n"  # 1
        "    loop { break; }\n"  # 0
        "    match x { Some(1) => 1, Some(_) => 2, None => 3 };\n"  # 3 arms: 2
        "    let Some(v) = x else { return 0; };\n"  # 1
        "    let c = |y: u8| if y > 1 { y } else { 0 };\n"  # the closure's own
        "    v\n"
        "}\n"
        "fn g() {}\n"
    )
    f, closure, g = m.functions
    assert (f.complexity, closure.complexity, g.complexity) == (10, 2, 1)
    assert f.statements == 9  # seven in the body, `break;` and `return 0;` nested in it


# -- assignments, settings, discards -------------------------------------------------------------------------------
def test_assignments_constants_and_literal_fields() -> None:
    m = model(
        "pub const API_PREFIX: &str = \"/api/v1\";\n"
        "static RETRIES: u8 = 3;\n"
        "impl Config { const PORT: u16 = 8080; }\n"
        "#[get(\"/x\", format = \"json\")]\n"
        "fn f() {\n"
        "    let mut total: u32 = 0;\n"
        "    total += 1;\n"
        "    let (a, b) = pair();\n"
        "    let cors = CorsConfig { allow_origin: \"*\", max_age: 3600, origins: vec![], other: x };\n"
        "    let _ = tx.send(msg); // the receiver may be gone\n"
        "    let _ = notify().await;\n"
        "}\n"
    )
    assert [(a.targets, a.op, a.owner) for a in m.assigns] == [
        (("API_PREFIX",), "const", ""), (("RETRIES",), "static", ""), (("PORT",), "const", "Config"),
        (("total",), "let", ""), (("total",), "+=", ""), (("a", "b"), "let", ""), (("cors",), "let", ""),
        (("_",), "let", ""), (("_",), "let", ""),
    ]
    assert m.assigns[3].annotation == "u32"
    settings_ = {(s.context, s.key): s.value for s in m.settings}
    assert settings_[("", "API_PREFIX")] == '"/api/v1"' and settings_[("Config", "PORT")] == "8080"
    assert settings_[("CorsConfig", "allow_origin")] == '"*"' and settings_[("CorsConfig", "max_age")] == "3600"
    assert ("CorsConfig", "other") not in settings_ and settings_[("get", "format")] == '"json"'
    assert [(d.callee, d.receiver, d.method, d.how, d.commented) for d in m.discards] == [
        ("tx.send", "tx", "send", "blank", True), ("notify", "", "notify", "blank", False)]


# -- test code ------------------------------------------------------------------------------------------------------
def test_test_code_is_marked_and_tests_are_recorded() -> None:
    m = model(
        "pub fn add(a: i32) -> i32 { a.checked_add(1).unwrap() }\n"
        "#[cfg(test)]\n"
        "mod tests {\n"
        "    use super::*;\n"
        "    fn helper() -> i32 { setup().unwrap() }\n"
        "    #[test]\n    fn adds() { assert_eq!(add(1), 2); }\n"
        "    #[tokio::test(flavor = \"multi_thread\")]\n    async fn async_adds() {}\n"
        "    #[rstest]\n    #[case(1)]\n    fn cases(#[case] x: i32) {}\n"
        "    #[fixture]\n    fn db() -> Db { Db::new() }\n"
        "    #[quickcheck_macros::quickcheck]\n    fn prop(x: u8) -> bool { true }\n"
        "    proptest! {\n        #[test]\n        fn p1(a in 0..10) {}\n        #[test]\n        fn p2(a in 0..10) {}\n    }\n"
        "}\n"
        "#[cfg(test)]\nimpl Fake { fn make() { build().unwrap(); } }\n"
        "#[cfg(not(test))]\nfn real() { go().unwrap(); }\n"
    )
    assert [(t.name, t.kind, t.framework) for t in m.tests] == [
        ("helper", "setup", "rust"), ("adds", "test", "rust"), ("async_adds", "test", "tokio"),
        ("cases", "test", "rstest"), ("db", "fixture", "rstest"), ("prop", "property", "quickcheck"),
        ("p1", "property", "proptest"), ("p2", "property", "proptest"),
    ]
    assert sorted(x for x in m.markers if x.startswith("test-code:")) == ["test-code:25-25", "test-code:3-23"]
    assert m.in_test_code(5) and not m.in_test_code(1) and not m.in_test_code(27)
    in_test = {c.name: bool(c.flags & CALL_IN_TEST) for c in m.calls}
    assert in_test["checked_add"] is False and in_test["setup"] is True and in_test["assert_eq"] is True
    assert in_test["build"] is True and in_test["go"] is False
    assert {f.name: f.is_test for f in m.functions}["adds"] is True
    assert {f.name: f.is_test for f in m.functions}["helper"] is False


def test_test_files_and_cfg_test_files() -> None:
    helpers = "fn client() -> u8 { 1 }\n#[test]\nfn health() { client(); }\n"
    in_tests = model(helpers, "tests/api.rs", "test")
    assert [(t.name, t.kind) for t in in_tests.tests] == [("client", "setup"), ("health", "test")]
    assert all(c.flags & CALL_IN_TEST for c in in_tests.calls)
    common = model("pub fn spawn_app() {}\n", "tests/common/mod.rs", "test")
    assert common.tests == ()  # no tests of its own: the family counts the file as shared setup
    gated = model("#![cfg(test)]\nfn dump() { run().expect(\"x\"); }\n")
    assert "cfg-test" in gated.markers and all(c.flags & CALL_IN_TEST for c in gated.calls)


# -- cfg_if! / cfg_select! -------------------------------------------------------------------------------------------
def test_items_inside_cfg_select_and_cfg_if_are_items_on_their_own_lines() -> None:
    m = model(
        "cfg_select! {\n"
        "    feature = \"full\" => {\n"
        "        impl actix_web::error::ResponseError for LemmyError {\n"
        "            fn status_code(&self) -> u16 { 400 }\n"
        "        }\n"
        "    }\n"
        "    _ => {}\n"
        "}\n"
        "cfg_if::cfg_if! {\n"
        "    if #[cfg(unix)] { fn unix() { a().unwrap(); } } else { fn other() {} }\n"
        "}\n"
    )
    assert [(c.kind, c.name, c.line, c.bases) for c in m.classes] == [
        ("impl", "LemmyError", 3, ("actix_web::error::ResponseError",))]
    assert [(f.name, f.line) for f in m.functions] == [("status_code", 4), ("unix", 10), ("other", 10)]
    assert calls(m, "unwrap")[0].line == 10


# -- routes ---------------------------------------------------------------------------------------------------------
def test_attribute_routes_of_actix_and_rocket() -> None:
    m = model(
        "#[get(\"/ping\")]\nasync fn ping() -> HttpResponse { ok() }\n"
        "#[route(\"/multi\", method = \"GET\", method = \"POST\")]\n#[has_role(\"admin\")]\nasync fn multi() {}\n"
        "#[rocket::route(PUT, uri = \"/r/<id>\")]\nfn rocket_route(id: i32) {}\n"
        "#[post(\"\")]\nasync fn scope_root() {}\n"
        "#[get(\"relative\")]\nfn not_a_route() {}\n"
        "#[get(concat!(\"/\", \"x\"))]\nfn unreadable() {}\n"
    )
    assert [(r.framework, r.method, r.path, r.owner, r.handler, r.line, r.guards) for r in m.routes] == [
        (ATTRIBUTE_ROUTE, "GET", "/ping", "src/lib.rs#ping", "ping", 1, ()),
        (ATTRIBUTE_ROUTE, "GET", "/multi", "src/lib.rs#multi", "multi", 3, ('#[has_role("admin")]',)),
        (ATTRIBUTE_ROUTE, "POST", "/multi", "src/lib.rs#multi", "multi", 3, ('#[has_role("admin")]',)),
        (ATTRIBUTE_ROUTE, "PUT", "/r/<id>", "src/lib.rs#rocket_route", "rocket_route", 6, ()),
        (ATTRIBUTE_ROUTE, "POST", "", "src/lib.rs#scope_root", "scope_root", 8, ()),
    ]
    assert m.routes[0].function == 0


def test_router_routes_scopes_middleware_and_mounts() -> None:
    m = model(
        "pub fn config(cfg: &mut web::ServiceConfig) {\n"
        "    cfg.service(\n"
        "        web::scope(\"/api/v4\")\n"
        "            .wrap(auth())\n"
        "            .route(\"\", web::get().to(list))\n"
        "            .route(\"/x\", web::post().to(create))\n"
        "            .service(web::resource(\"/r\").route(web::delete().to(remove)))\n"
        "            .service(ping)\n"
        "            .configure(users::config),\n"
        "    );\n"
        "}\n"
        "fn app() -> Router {\n"
        "    let api = Router::new().route(\"/items\", get(list).post(add)).route_layer(Auth);\n"
        "    let v1 = v1_router();\n"
        "    Router::new()\n"
        "        .route(\"/health\", get(health))\n"
        "        .layer(Trace)\n"
        "        .route(\"/open\", any(open))\n"
        "        .nest(\"/api\", api)\n"
        "        .nest(\"/v1\", v1)\n"
        "        .merge(other())\n"
        "}\n"
        "fn rocket() -> Rocket { rocket::build().mount(\"/api\", routes![health, users::show]) }\n"
    )
    routes = [(r.framework, r.method, r.path, r.owner.split("#")[1], r.handler, r.guards) for r in m.routes]
    assert sorted(routes) == sorted([
        (ROUTER_ROUTE, "GET", "/api/v4", "config", "list", ("auth()",)),
        (ROUTER_ROUTE, "POST", "/api/v4/x", "config", "create", ("auth()",)),
        (RESOURCE_ROUTE, "DELETE", "/api/v4/r", "config", "remove", ("auth()",)),
        (ROUTER_ROUTE, "GET", "/items", "app@api", "list", ("Auth",)),
        (ROUTER_ROUTE, "POST", "/items", "app@api", "add", ("Auth",)),
        (ROUTER_ROUTE, "GET", "/health", "app", "health", ("Trace",)),  # the layer wraps what came before it
        (ROUTER_ROUTE, "ANY", "/open", "app", "open", ()),
    ])
    mounts = [(x.parent.split("#")[1], x.child, x.prefix, x.line) for x in m.mounts]
    assert sorted(mounts) == sorted([
        ("config", FUNCTION_REF + "ping", "/api/v4", 8), ("config", FUNCTION_REF + "users::config", "/api/v4", 9),
        ("app", "src/lib.rs#app@api", "/api", 19), ("app", FUNCTION_REF + "v1_router", "/v1", 20),
        ("app", FUNCTION_REF + "other", "", 21),
        ("rocket", FUNCTION_REF + "health", "/api", 23), ("rocket", FUNCTION_REF + "users::show", "/api", 23),
    ])


def test_actix_relative_paths_get_their_slash_and_test_routes_are_not_routes() -> None:
    m = model(
        "use actix_web::{get, web};\n"
        "pub fn config(cfg: &mut web::ServiceConfig) { cfg.route(\".well-known/webfinger\", web::get().to(finger)); }\n"
        "#[get(\"version\")]\nasync fn version() {}\n"
        "#[cfg(test)]\nmod tests {\n    #[get(\"/fake\")]\n    async fn fake() {}\n"
        "    #[actix_web::test]\n    async fn t() { App::new().route(\"/\", web::get().to(service)); }\n}\n"
    )
    assert sorted((r.method, r.path) for r in m.routes) == [("GET", "/.well-known/webfinger"), ("GET", "/version")]
    commented = model("fn f() { App::new().wrap(Cors::default() // any origin\n.allowed_origin(\"http://x\"))"
                      ".route(\"/a\", web::post().to(h)); }\n")
    assert commented.routes[0].guards == ('Cors::default().allowed_origin("http://x")',)
    closures = model("fn main() { App::new().configure(|cfg| { routes::config(cfg, &state); if on { feeds::config(cfg) } })"
                     ".configure(|c| other(1)); }\n")
    assert [x.child for x in closures.mounts] == [FUNCTION_REF + "routes::config", FUNCTION_REF + "feeds::config"]
    axum = model("fn app() -> Router { Router::new().route(\"relative\", get(h)) }\n")
    assert axum.routes == ()  # axum rejects a path without its leading slash


def test_crate_module_of_a_path() -> None:
    assert crate_module("api/src/routes/users.rs") == ("api/", ("routes", "users"))
    assert crate_module("src/routes/mod.rs") == ("", ("routes",))
    assert crate_module("src/main.rs") == ("", ())


# -- markers, unsafe, broken and hostile input ---------------------------------------------------------------------
def test_framework_paths_and_unsafe_blocks() -> None:
    m = model(
        "#[actix_web::main]\nasync fn main() { rocket::build(); }\n"
        "pub fn raw(p: *const u8) -> u8 { unsafe { *p } }\nfn quiet() { let _ = unsafe { g() }; }\n"
        "fn svc(req: &hyper::Request<Body>) -> Option<poem::Response> { None }\n"
    )
    assert {f for f in m.markers if f.startswith("framework:")} == {
        "framework:actix_web", "framework:rocket", "framework:hyper", "framework:poem"}
    assert [(u.kind, u.line, u.public) for u in m.type_uses] == [("unsafe", 3, True), ("unsafe", 4, False)]


def test_clippy_lint_allowances_are_markers_with_their_lines() -> None:
    m = model(
        "#![allow(clippy::panic)]\n"
        "#[expect(clippy::expect_used)]\n#[inline]\nfn a() {\n    x.expect(\"y\");\n}\n"
        "mod m {\n    #![allow(clippy::unwrap_used, dead_code)]\n    fn f() {}\n}\n"
        "#[cfg_attr(test, allow(clippy::unwrap_used))]\nfn b() {}\n"
    )
    assert sorted(x for x in m.markers if x.startswith("lint-allowed:")) == [
        "lint-allowed:expect_used:4-6", "lint-allowed:panic:1-13", "lint-allowed:unwrap_used:7-10"]


def test_broken_code_is_read_where_it_parsed() -> None:
    m = model("fn ok() { a.unwrap(); }\nfn broken( { x.unwrap( \n")
    assert m.problem is not None and m.problem[0] == "partial"
    first = next(c for c in calls(m, "unwrap") if c.receiver == "a")
    assert not first.flags & CALL_BROKEN
    assert all(c.flags & CALL_BROKEN for c in calls(m, "unwrap") if c.receiver == "x")
    assert analyse_rust("src/x.rs", "source", b"fn f() { \xff\xfe }").problem == ("decode", "not valid UTF-8")
    empty = analyse_rust("src/empty.rs", "source", b"")
    assert empty.problem is None and empty.calls == ()
    bom = analyse_rust("src/bom.rs", "source", b"\xef\xbb\xbffn f() { g(); }\n")
    assert calls(bom, "g")[0].line == 1


def test_deep_nesting_and_long_chains_do_not_crash() -> None:
    deep_blocks = model("fn f() " + "{" * 50_000 + "}" * 50_000 + "\n")
    assert deep_blocks.functions and deep_blocks.problem is None
    deep_parens = model("fn f() { let a = " + "(" * 5_000 + "1" + ")" * 5_000 + "; x.unwrap(); }\n")
    assert calls(deep_parens, "unwrap")
    chain = model("fn f() { Router::new()" + ".route(\"/a\", get(h))" * 3_000 + "; }\n")
    assert len(chain.routes) == 3_000
    nested = model("fn f() { App::new()" + ".service(web::scope(\"/a\")" * 500 + ".route(\"/x\", get(h))"
                   + ")" * 500 + "; }\n")
    assert nested.routes[0].path.endswith("/a/a/x")
    tokens = model("fn f() { m!(" + "a.b(), " * 30_000 + "); }\n")
    assert 0 < len(calls(tokens, "b")) <= 30_000
    huge = model("".join(f"pub fn f{i}(x: u8) -> u8 {{ if x > {i} {{ g(x).unwrap() }} else {{ 0 }} }}\n"
                         for i in range(5_000)))
    assert len(huge.functions) == 5_000 and len(calls(huge, "unwrap")) == 5_000


def test_the_model_round_trips_through_its_wire_format() -> None:
    m = model("use axum::Router;\n#[get(\"/x\")]\nasync fn h() { let _ = a().await; json!({\"k\": v.unwrap()}); }\n")
    assert FileModel.from_bytes(m.to_bytes()) == m


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    m = analyse_rust("src/fuzz.rs", "source", data)
    assert m.language == "rust"


_PIECES = st.sampled_from([
    "fn f() {", "}", "{", "(", ")", "x.unwrap()", "json!({", "\"s\"", ";", "#[test]", "#[cfg(test)] mod t {",
    "impl A for B {", "let _ = ", "async move {", "|x| ", ".route(\"/a\", get(h))", "web::scope(\"/s\")",
    "cfg_if! {", "if #[cfg(x)] {", "=>", "match x {", "a && b", "r#\"raw\"#", "'c'", "// c\n", "/*", "*/",
    "macro_rules! m { ($x:expr) => {", "routes![a, b]", "::<T>", "?", ".await",
])


@settings(max_examples=150, deadline=None)
@given(st.lists(_PIECES, max_size=60))
def test_arbitrary_rust_like_text_never_raises(pieces: list[str]) -> None:
    m = analyse_rust("src/fuzz.rs", "source", " ".join(pieces).encode())
    assert FileModel.from_bytes(m.to_bytes()) == m
