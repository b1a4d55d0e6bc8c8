"""The TypeScript/JavaScript adapter of the analysis layer: facts read from small real snippets, hostile input."""

from __future__ import annotations

import time

import pytest

from analysis import analyse_file
from analysis.javascript import HOLE, analyse_javascript
from analysis.model import (
    BODY_BROKEN,
    BODY_CALLBACK,
    BODY_EMPTY,
    BODY_EXITS,
    BODY_FALLBACK,
    BODY_LOGS,
    BODY_PASSES_ON,
    BODY_RAISES,
    BODY_RERAISES,
    BODY_RETURNS,
    BODY_ROLLBACK,
    BODY_TRIVIAL,
    BODY_USES_ERROR,
    CALL_AWAITED,
    CALL_BROKEN,
    CALL_IN_ASYNC,
    CALL_IN_LAMBDA,
    CALL_IN_LOOP,
    CALL_IN_TEST,
    CALL_LOCAL_ASYNC,
    CALL_NEW,
    CALL_REJECTION_HANDLED,
    CALL_STATEMENT,
    CALL_THEN_CHAIN,
    EXPOSE_CLIENT_STATUS,
    EXPOSE_ENV_GUARDED,
    EXPOSE_ERROR_MIDDLEWARE,
    EXPOSE_NARROWED_OWN,
    EXPOSE_STACK,
    RAISE_CHAINED,
    RAISE_MESSAGE_ONLY,
    RAISE_RERAISE,
    FileModel,
)


def ts(source: str, path: str = "src/mod.ts", role: str = "source") -> FileModel:
    return analyse_javascript(path, role, source.encode(), lang="typescript")


def js(source: str, path: str = "src/mod.js", role: str = "source") -> FileModel:
    return analyse_javascript(path, role, source.encode(), lang="javascript")


def test_calls_carry_their_context() -> None:
    m = ts(
        "import express, { Router as R } from 'express';\nimport * as fs from 'node:fs/promises';\n"
        "const { join } = require('path');\nconst axios = require('axios');\n"
        "export async function handler(ids: string[]) {\n"
        "  for (const id of await load(ids)) {\n    await db.get(id);\n  }\n"
        "  ids.map((i) => fetchOne(i));\n  const cb = () => notify();\n"
        "  await fs.readFile(join('a', 'b'));\n  axios.get('http://x', { timeout: 3 });\n"
        "  new Thing(1);\n  return express.Router();\n}\ntop();\n"
    )
    by = {c.callee: c for c in m.calls}
    get = by["db.get"]
    assert get.flags & CALL_AWAITED and get.flags & CALL_IN_LOOP and get.flags & CALL_IN_ASYNC
    assert get.flags & CALL_STATEMENT and get.receiver == "db" and get.function == 0
    assert not by["load"].flags & CALL_IN_LOOP  # the loop's header runs once
    assert by["fetchOne"].flags & CALL_IN_LOOP and by["fetchOne"].flags & CALL_IN_LAMBDA  # a map() callback
    assert by["notify"].flags & CALL_IN_LAMBDA and not by["notify"].flags & CALL_IN_LOOP
    assert by["fs.readFile"].qualified == "node:fs/promises.readFile"
    assert by["join"].qualified == "path.join" and by["axios.get"].qualified == "axios.get"
    assert by["express.Router"].qualified == "express.Router"
    assert by["Thing"].flags & CALL_NEW
    assert by["top"].function == -1 and not by["top"].flags & CALL_IN_ASYNC
    assert [(a[0], a[4]) for a in by["axios.get"].args] == [("str", "http://x"), ("collection", None)]
    assert {(i.module, i.name, i.alias) for i in m.imports} >= {
        ("express", "default", "express"), ("express", "Router", "R"), ("node:fs/promises", "*", "fs"),
        ("path", "join", "join"), ("axios", "default", "axios")}


def test_strings_built_from_variables_are_told_apart_from_literals() -> None:
    m = js(
        "db.query(`SELECT * FROM u WHERE id = ${uid}`);\ndb.query('SELECT * FROM u WHERE id = $1', [uid]);\n"
        "db.query('SELECT * FROM u WHERE name = ' + name);\ndb.query(`SELECT 1`);\n"
        "db.query(['SELECT', col].join(' '));\ndb.query(\"it's \\\"quoted\\\"\");\n"
    )
    values = [c.args[0] for c in m.calls if c.name == "query"]
    assert [v[0] for v in values] == ["interpolated", "str", "concat", "str", "concat", "str"]
    assert values[0][2] == ("uid",) and values[0][4] == f"SELECT * FROM u WHERE id = {HOLE}uid{HOLE}"
    assert values[2][4] == f"SELECT * FROM u WHERE name = {HOLE}name{HOLE}"
    assert values[5][4] == 'it\'s "quoted"'


def test_catch_bodies_are_described_not_judged() -> None:
    m = js(
        "function f() {\n"
        "  try { a(); } catch (e) {}\n"  # 2
        "  try { a(); } catch { return; }\n"  # 3
        "  try { a(); } catch (e) { x = null; return null; }\n"  # 4
        "  try { a(); } catch (e) { logger.error('failed', e); }\n"  # 5
        "  try { a(); } catch (err) { await tx.rollback(); throw err; }\n"  # 6
        "  try { a(); } catch (err) { next(err); }\n"  # 7
        "  try { a(); } catch (err) { process.exit(1); }\n"  # 8
        "  try { a(); } catch (err) { return compute(); }\n"  # 9
        "  try { a(); } catch (err) {\n    // best effort: ignored\n    count++;\n  }\n"  # 10
        "  try { a(); } catch (err) { try { b(); } catch (inner) { throw new Error('x'); } }\n"  # 14
        "}\n"
    )
    h = {x.line: x for x in m.handlers}
    assert h[2].flags & BODY_EMPTY and h[2].binding == "e" and h[2].catch_all and h[2].types == ()
    assert h[3].flags & BODY_TRIVIAL and h[3].binding == ""
    assert h[4].flags & BODY_FALLBACK and not h[4].flags & BODY_RETURNS
    assert h[5].flags & BODY_LOGS and h[5].flags & BODY_USES_ERROR
    assert h[6].flags & BODY_RAISES and h[6].flags & BODY_RERAISES and h[6].flags & BODY_ROLLBACK
    assert h[7].flags & BODY_PASSES_ON
    assert h[8].flags & BODY_EXITS
    assert h[9].flags & BODY_RETURNS
    assert h[10].comment == "best effort: ignored" and h[10].statements == 1
    outer = next(x for x in m.handlers if x.line == 14 and x.binding == "err")
    inner = next(x for x in m.handlers if x.binding == "inner")
    assert inner.parent == m.handlers.index(outer) and inner.flags & BODY_RAISES and not inner.flags & BODY_RERAISES
    assert outer.flags & BODY_RAISES and outer.statements == 2  # nested bodies count, as in Python's adapter
    assert all(x.function == 0 for x in m.handlers)


def test_promise_callbacks_are_handlers_and_chains_are_facts() -> None:
    m = ts(
        "async function save(x: number) { await db.insert(x); }\n"
        "const guarded = async () => { try { await db.ping(); } catch (e) { console.error(e); } };\n"
        "export async function run() {\n"
        "  save(1);\n  guarded();\n  this.save(2);\n"
        "  load().then((u) => u.name);\n  load().then(f).catch(() => {});\n  load().then(ok, (e) => fail(e));\n"
        "  load().catch(() => null);\n  load().finally(done);\n"
        "}\n"
    )
    flags = {(c.line, c.callee.split("(")[0]): c.flags for c in m.calls if c.flags & CALL_STATEMENT}
    assert flags[(4, "save")] & CALL_LOCAL_ASYNC and flags[(6, "this.save")] & CALL_LOCAL_ASYNC
    assert not flags[(5, "guarded")] & CALL_LOCAL_ASYNC  # its whole body is one try/catch
    then = next(c for c in m.calls if c.line == 7 and c.name == "then")
    assert then.flags & CALL_THEN_CHAIN and not then.flags & CALL_REJECTION_HANDLED
    caught = next(c for c in m.calls if c.line == 8 and c.name == "catch")
    assert caught.flags & CALL_THEN_CHAIN and caught.flags & CALL_REJECTION_HANDLED
    assert next(c for c in m.calls if c.line == 9).flags & CALL_REJECTION_HANDLED
    assert not next(c for c in m.calls if c.line == 11 and c.name == "finally").flags & CALL_THEN_CHAIN
    callbacks = {h.line: h for h in m.handlers if h.flags & BODY_CALLBACK}
    assert callbacks[8].flags & BODY_EMPTY
    assert callbacks[9].binding == "e" and callbacks[9].flags & BODY_USES_ERROR
    assert callbacks[10].flags & BODY_FALLBACK and callbacks[10].statements == 1
    assert not any(h.flags & BODY_CALLBACK for h in m.handlers if h.line == 2)


def test_raises_keep_or_lose_the_cause() -> None:
    m = ts(
        "function f() {\n"
        "  try { a(); } catch (err) { throw err; }\n"
        "  try { a(); } catch (err) { throw new AppError('wrapped', { cause: err }); }\n"
        "  try { a(); } catch (err) { throw new AppError(err.message); }\n"
        "  try { a(); } catch (err) { throw new AppError('x', err); }\n"
        "  throw new Error('plain');\n"
        "}\n"
    )
    r = {x.line: x for x in m.raises}
    assert r[2].flags & RAISE_RERAISE and r[2].exception == "err" and r[2].handler == 0
    assert r[3].flags & RAISE_CHAINED and r[3].exception == "AppError"
    assert r[4].flags & RAISE_MESSAGE_ONLY
    assert r[5].flags & RAISE_CHAINED
    assert r[6].flags == 0 and r[6].handler == -1


def test_error_details_sent_to_clients_and_their_narrowing() -> None:
    m = ts(
        "import { HttpException, HttpStatus } from '@nestjs/common';\n"
        "app.get('/x', async (req, res) => {\n"
        "  try { res.json(await work()); } catch (err) {\n"
        "    res.status(500).json({ error: err.message });\n"  # 4
        "    res.status(400).send(err.message);\n"  # 5
        "    if (err instanceof HttpError) { res.json({ error: err.message }); }\n"  # 6
        "    res.json({ m: 'x', stack: process.env.NODE_ENV === 'production' ? null : err.stack });\n"  # 7
        "    if (err.expose) res.send(err.message);\n"  # 8
        "    throw new HttpException(err.message, HttpStatus.BAD_REQUEST);\n"  # 9
        "  }\n"
        "});\n"
        "export function mw(err: HttpError, req: Request, res: Response, next: NextFunction) {\n"
        "  res.status(err.status).json({ message: err.message, trace: err.stack });\n"  # 13
        "}\n"
        "router.get('/k', async (ctx) => { try { await a(); } catch (e) { ctx.body = { error: e.message }; } });\n"
    )
    e = {(x.line, x.detail): x for x in m.exposures}
    assert e[(4, "err.message")].sink == "res.json" and e[(4, "err.message")].status == "500"
    assert e[(5, "err.message")].flags & EXPOSE_CLIENT_STATUS
    assert e[(6, "err.message")].error_types == ("HttpError",)
    assert e[(7, "err.stack")].flags & EXPOSE_STACK and e[(7, "err.stack")].flags & EXPOSE_ENV_GUARDED
    assert e[(8, "err.message")].flags & EXPOSE_NARROWED_OWN
    nest = e[(9, "err.message")]
    assert nest.sink == "new HttpException" and nest.flags & EXPOSE_CLIENT_STATUS
    assert e[(13, "err.stack")].flags & EXPOSE_STACK and e[(13, "err.stack")].flags & EXPOSE_ERROR_MIDDLEWARE
    assert e[(13, "err.message")].error_types == ("HttpError",)
    assert e[(15, "e.message")].sink == "ctx.body ="


def test_functions_classes_and_their_signatures() -> None:
    m = ts(
        "@Controller('users')\nexport class UsersController extends Base implements OnInit {\n"
        "  private readonly count: number = 0;\n"
        "  constructor(private readonly svc: UsersService) { super(); }\n"
        "  @Get(':id')\n  @UseGuards(AuthGuard)\n  async findOne(@Param('id') id: string, ...rest: any[]): Promise<User> {\n"
        "    if (a && b || c) { return x ? 1 : 2; } else if (d) { for (;;) {} }\n"
        "    switch (id) { case '1': break; case '2': break; default: }\n"
        "    try { y(); } catch { z(); }\n    return this.svc.one(id ?? 'x');\n  }\n"
        "  private helper(): void {}\n  #secret() {}\n}\n"
        "interface Shape { area: number; draw(): void }\nenum Color { Red }\ntype Id = string;\n"
        "const double = (n = 1, { a } = {}) => n * 2;\nfunction internal() { function nested() {} }\n"
        "module.exports = function (router) {};\n"
    )
    fns = {f.qualname: f for f in m.functions}
    find = fns["UsersController.findOne"]
    assert find.owner == "UsersController" and find.is_async and find.visibility == "public"
    assert find.decorators == ("@Get(':id')", "@UseGuards(AuthGuard)")
    assert find.params == (("id", "string", None, "positional"), ("rest", "any[]", None, "vararg"))
    assert find.returns == "Promise<User>"
    # 1 + if + && + || + ternary + else-if + for + 2 cases + catch + ??
    assert find.complexity == 11
    assert fns["UsersController.helper"].visibility == "private"
    assert fns["UsersController.#secret"].visibility == "private"
    assert fns["double"].params == (("n", None, "1", "positional"), ("{ a }", None, "{}", "positional"))
    assert fns["internal"].visibility == "private" and fns["internal.nested"].parent == list(fns).index("internal")
    assert fns["default"].name == "default" and fns["default"].params[0][0] == "router"
    classes = {c.name: c for c in m.classes}
    users = classes["UsersController"]
    assert users.bases == ("Base", "OnInit") and users.decorators == ("@Controller('users')",)
    assert users.fields == (("count", "number"),) and users.methods == 4
    assert (classes["Shape"].kind, classes["Shape"].methods, classes["Color"].kind, classes["Id"].kind) == (
        "interface", 1, "enum", "type")


def test_settings_and_assignments() -> None:
    m = ts(
        "export const DEBUG = true;\nconst PORT = 3000;\nlet x: number;\n"
        "TypeOrmModule.forRoot({ type: 'postgres', synchronize: true, logging: process.env.LOG === '1' });\n"
        "const cfg = { apiPrefix: process.env.API_PREFIX || 'api', retries: [1, 2] };\n"
        "app.use(cors({ origin: '*', credentials: true }));\nclass S { static level = 'info'; }\ncount += 2;\n"
    )
    found = {(s.key, s.value, s.context) for s in m.settings}
    assert {("DEBUG", "true", ""), ("PORT", "3000", "")} <= found
    assert {("type", "'postgres'", "TypeOrmModule.forRoot"), ("synchronize", "true", "TypeOrmModule.forRoot")} <= found
    assert ("apiPrefix", "'api'", "cfg") in found and ("retries", "[1, 2]", "cfg") in found
    assert ("origin", "'*'", "cors") in found and ("level", "'info'", "S") in found
    assert not any(s.key == "logging" for s in m.settings)
    ops = {(a.targets, a.op) for a in m.assigns}
    assert (("DEBUG",), "const") in ops and (("count",), "+=") in ops


def test_routes_mounts_and_aliases() -> None:
    m = ts(
        "import express from 'express';\nimport users from './users';\nimport * as admin from './admin';\n"
        "const app = express();\nconst router = express.Router();\n"
        "router.get('/items/:id', auth, validate(schema), getItem);\n"
        "router.route('/things').get(list).post(create);\n"
        "app.use('/api', limiter, router);\napp.use('/users', users);\napp.use('/admin', admin.router);\n"
        "app.use(`${PREFIX}/v2`, router);\naxios.get('/not-a-route', cfg);\nexport default router;\n"
        "function getItem(req, res) { res.send('x'); }\n",
        path="src/app.ts",
    )
    routes = {(r.method, r.path): r for r in m.routes}
    item = routes[("GET", "/items/:id")]
    assert item.owner == "src/app.ts#router" and item.guards == ("auth", "validate(schema)")
    assert item.handler == "getItem" and m.functions[item.function].name == "getItem"
    assert set(routes) == {("GET", "/items/:id"), ("GET", "/things"), ("POST", "/things")}
    mounts = {(mt.parent, mt.child, mt.prefix, mt.guards, mt.known) for mt in m.mounts}
    assert ("", "src/app.ts#app", "", ("root", "framework:express"), True) in mounts
    assert ("src/app.ts#app", "src/app.ts#router", "/api", ("limiter",), True) in mounts
    assert ("src/app.ts#app", "module:./users#default", "/users", (), True) in mounts
    assert ("src/app.ts#app", "module:./admin#router", "/admin", (), True) in mounts
    assert ("src/app.ts#app", "src/app.ts#router", f"{HOLE}PREFIX{HOLE}/v2", (), False) in mounts
    assert ("src/app.ts#default", "src/app.ts#router", "", ("alias",), True) in mounts


def test_fastify_plugins_autoload_and_commonjs_exports() -> None:
    m = js(
        "const autoload = require('@fastify/autoload');\nconst path = require('node:path');\n"
        "module.exports = async function app(fastify, opts) {\n"
        "  fastify.register(autoload, { dir: path.join(__dirname, 'routes'), options: { prefix: '/api' } });\n"
        "  fastify.register(require('./legacy'), { prefix: '/old' });\n"
        "  fastify.route({ method: ['PUT', 'PATCH'], url: '/:id', handler: h });\n"
        "};\nexports.helper = other;\n",
        path="src/app.js",
    )
    mounts = {(mt.parent, mt.child, mt.prefix, mt.guards) for mt in m.mounts}
    assert ("src/app.js#default", "autoload:src/routes", "/api", ("autoload",)) in mounts
    assert ("src/app.js#default", "module:./legacy#default", "/old", ()) in mounts
    assert ("src/app.js#helper", "src/app.js#other", "", ("alias",)) in mounts
    assert sorted((r.method, r.path, r.owner, r.framework) for r in m.routes) == [
        ("PATCH", "/:id", "src/app.js#default", "fastify"), ("PUT", "/:id", "src/app.js#default", "fastify")]


def test_nestjs_controllers_and_app_settings() -> None:
    m = ts(
        "@Controller({ path: 'users', version: '1' })\n@UseGuards(AuthGuard('jwt'))\nexport class UsersController {\n"
        "  @Get(':id')\n  @Roles('admin')\n  one() {}\n  @Version(['2', VERSION_NEUTRAL])\n  @Post()\n  create() {}\n}\n"
        "async function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n"
        "  app.setGlobalPrefix('api', { exclude: ['/health'] });\n"
        "  app.enableVersioning({ type: VersioningType.URI, defaultVersion: '1' });\n}\nbootstrap();\n"
    )
    routes = sorted((r.method, r.path, r.handler, r.guards, r.owner) for r in m.routes)
    assert routes == [
        ("GET", "/users/:id", "one", ("@UseGuards(AuthGuard('jwt'))", "@Roles('admin')", "version:1"),
         "nest:controllers"),
        ("POST", "/users", "create", ("@UseGuards(AuthGuard('jwt'))", "version:2", "version:"), "nest:controllers"),
    ]
    assert all(m.functions[r.function].name == r.handler for r in m.routes)
    mounts = {(mt.child, mt.prefix, mt.guards) for mt in m.mounts if mt.parent == "nest:app"}
    assert mounts == {("nest:controllers", "api", ("global-prefix", "exclude:/health")),
                      ("nest:versioning", "", ("versioning:URI", "default-version:1"))}


def test_tests_hooks_and_property_tests() -> None:
    m = ts(
        "import { describe, it, beforeEach } from 'vitest';\nimport fc from 'fast-check';\n"
        "describe('add', () => {\n  beforeEach(() => {});\n  it('adds', () => { expect(add(1, 2)).toBe(3); });\n"
        "  test.skip('later', () => {});\n  it.each([[1, 1]])('each %i', (a, b) => {});\n"
        "  test.prop([fc.integer()])('commutes', (a) => {});\n  bench('fast', () => {});\n"
        "  const notATest = regex.test('x');\n});\n",
        path="src/add.test.ts", role="test",
    )
    assert [(t.name, t.kind, t.framework) for t in m.tests] == [
        ("beforeEach", "setup", "vitest"), ("adds", "test", "vitest"), ("later", "test", "vitest"),
        ("each %i", "test", "vitest"), ("commutes", "property", "vitest"), ("fast", "benchmark", "vitest")]
    assert all(c.flags & CALL_IN_TEST for c in m.calls)
    tests = [f for f in m.functions if f.is_test]
    assert [f.line for f in tests] == [5, 6, 7, 8]
    assert ts("it('x', () => {})\n", path="src/app.ts").tests == ()


def test_any_ts_ignore_and_checking_markers() -> None:
    m = ts(
        "// @ts-check\nexport function f(a: any, b: Array<any>): any {\n  // @ts-ignore\n"
        "  return a as any;\n}\nlet v: any;\nconst s = '@ts-ignore in a string';\n"
    )
    uses = [(u.kind, u.where, u.line) for u in m.type_uses]
    assert ("any", "parameter `a`", 2) in uses and ("any-nested", "", 2) in uses
    assert ("any", "return of `f`", 2) in uses and ("cast-any", "", 4) in uses and ("any", "`v`", 6) in uses
    assert [u.line for u in m.type_uses if u.kind == "ts-ignore"] == [3]
    assert "ts-check" in m.markers
    assert "ts-nocheck" in js("/* @ts-nocheck */\nvar x = 1;\n").markers
    assert js("var x = 1;\n").markers == frozenset()


def test_grammars_by_extension_and_jsx() -> None:
    tsx = analyse_file("src/App.tsx", "typescript", "source", b"export const A = () => <div onClick={() => go()}>x</div>;\n")
    jsx = analyse_file("src/App.jsx", "javascript", "source", b"export const A = () => <div>{items.map(i => f(i))}</div>;\n")
    assert tsx.parser == "tree-sitter-typescript" and tsx.problem is None and {c.name for c in tsx.calls} == {"go"}
    assert jsx.parser == "tree-sitter-javascript" and jsx.problem is None
    assert next(c for c in jsx.calls if c.name == "f").flags & CALL_IN_LOOP
    typed = analyse_file("src/x.mts", "typescript", "source", b"const x = <number>y;\nexport {};\n")
    assert typed.problem is None  # a type assertion: the typescript grammar, not tsx


def test_bad_input_is_a_problem_never_an_exception() -> None:
    assert js("x").problem is None
    undecodable = analyse_javascript("src/a.js", "source", b"\xff\xfe\x00bad")
    assert undecodable.problem is not None and undecodable.problem[0] == "decode"
    broken = js("try { a() } catch (e) {}\nfunction ( { try { b() } catch (e) {} \napp.get('/x', h)\n")
    assert broken.problem is not None and broken.problem[0] == "partial"
    assert [(h.line, h.flags) for h in broken.handlers] == [(1, BODY_EMPTY)]  # nothing is guessed in the rest
    assert [c.name for c in broken.calls] == ["a"]
    partly = js("function f() {\n  foo(1 +);\n  try { x() } catch (e) {}\n}\n")
    assert [(c.name, bool(c.flags & CALL_BROKEN)) for c in partly.calls] == [("foo", True), ("x", False)]
    assert [h.flags & BODY_BROKEN for h in partly.handlers] == [0]


@pytest.mark.parametrize("source", [
    "function f() { try { x(); } catch (e) { const a = " + "[" * 3000 + "]" * 3000 + "; } }\n",
    "const s = " + " + ".join(["a"] * 20000) + ";\n",
    "const s = 'x' + " + " + ".join(f"v{i}" for i in range(5000)) + ";\n",
    "".join(f"const f{i} = () => {{\n" for i in range(400)) + "g();\n" + "};\n" * 400,
    "if (a) {" * 2000 + "x();" + "}" * 2000,
    "a" + ".b()" * 5000 + ";\n",
    "x = " + "a && " * 5000 + "b;\n",
    "res.json({ e: " + "(" * 2000 + "err.message" + ")" * 2000 + " });\n",
])
def test_deep_nesting_and_long_expressions_never_crash(source: str) -> None:
    for model in (js(source), ts(source, "src/deep.ts")):
        assert model.problem is None or model.problem[0] in ("partial", "too-deep")
        assert FileModel.from_bytes(model.to_bytes()) == model


def test_nested_closures_count_separately_and_stay_fast() -> None:
    source = "".join(f"const f{i} = () => {{\n  if (x) {{ y(); }}\n" for i in range(400)) + "};\n" * 400
    started = time.process_time()
    m = js(source)
    assert time.process_time() - started < 10  # a bound that only a quadratic walk could break
    assert len(m.functions) == 400 and all(f.complexity == 2 for f in m.functions)
    assert m.functions[-1].parent == 398 and m.calls[-1].function == 399


def test_round_trip_through_bytes_on_a_large_file() -> None:
    body = "".join(
        f"export async function h{i}(req: Request, res: Response): Promise<void> {{\n"
        f"  try {{ res.json(await db.q{i}(`SELECT ${{req.params.id}}`)); }}\n"
        f"  catch (err) {{ res.status(500).json({{ error: err.message }}); }}\n}}\n"
        for i in range(2000))
    m = ts(body, "src/big.ts")
    assert FileModel.from_bytes(m.to_bytes()) == m
    assert (len(m.functions), len(m.handlers), len(m.exposures)) == (2000, 2000, 2000)


def test_imports_come_in_document_order_every_time() -> None:
    """The captures of an import query came in an order that changed between runs (Django's staticfiles test module)."""
    source = "".join(f'import m{i} from "./m{i}.js";\nimport * as n{i} from "./m{i}.js";\n' for i in range(8)).encode()
    orders = {tuple((i.alias, i.line) for i in analyse_javascript("a.js", "source", source, lang="javascript").imports)
              for _ in range(30)}
    assert orders == {tuple((f"{kind}{i}", 2 * i + 1 + (kind == "n")) for i in range(8) for kind in "mn")}
