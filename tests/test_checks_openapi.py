"""OpenAPI family: spec discovery, safe loading, validation, quality, generated specs and endpoint coverage."""

from __future__ import annotations

import json
import time
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.routes.paths import normalise_path, path_matches, segments
from auditor import audit
from auditor.config import Config
from auditor.context import Context
from auditor.model import Severity, Status
from auditor.repo import Repository
from auditor.sources import Sources
from checks.openapi import openapi_facts, openapi_model
from checks.openapi.spec import load_document, looks_like_spec, validate_spec

GOOD_SPEC = """\
openapi: 3.0.3
info: {title: Pets, version: "1"}
servers:
  - url: https://api.example.com/v1
paths:
  /pets:
    get:
      operationId: listPets
      summary: List pets
      responses:
        200: {description: ok}
        400: {description: bad}
    post:
      operationId: createPet
      summary: Create a pet
      requestBody:
        content:
          application/json:
            schema: {type: object}
      responses:
        "201": {description: created}
        "422": {description: invalid}
  /pets/{petId}:
    get:
      operationId: getPet
      summary: Get a pet
      parameters:
        - {name: petId, in: path, required: true, schema: {type: string}}
      responses:
        "200": {description: ok}
        "404": {description: missing}
"""

FASTAPI_APP = """\
from fastapi import FastAPI, APIRouter

router = APIRouter(prefix="/pets")

@router.get("/")
def list_pets(): ...

@router.post("/")
def create_pet(): ...

@router.get("/{pet_id}")
def get_pet(pet_id: str): ...

@router.delete("/{pet_id}")
def delete_pet(pet_id: str): ...

app = FastAPI()
app.include_router(router, prefix="/v1")
"""


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root


def context(root: Path) -> Context:
    repo = Repository.scan(root)
    return Context(repo=repo, sources=Sources(repo), config=Config())


def run(root: Path) -> dict[str, object]:
    card = audit(root, Config(only=("openapi/*",)))
    return {r.id: r for r in card.projects[0].results}


def findings(results: dict[str, object], check: str) -> list[tuple[str, str | None, int | None]]:
    result = results[check]
    return [(f.severity.value, f.path, f.line) for f in result.findings]  # type: ignore[attr-defined]


# -- discovery and validation ---------------------------------------------------------------------------------
def test_valid_spec_documents_fastapi_routes_except_one(tmp_path: Path) -> None:
    write(tmp_path, {"docs/openapi.yaml": GOOD_SPEC, "app/main.py": FASTAPI_APP})
    results = run(tmp_path)
    assert results["openapi/spec-present"].status is Status.PASSED  # type: ignore[attr-defined]
    assert results["openapi/spec-valid"].status is Status.PASSED  # type: ignore[attr-defined]
    assert findings(results, "openapi/spec-quality") == []
    undocumented = results["openapi/undocumented-endpoint"]
    assert [(f.path, f.line, f.message) for f in undocumented.findings] == [  # type: ignore[attr-defined]
        ("app/main.py", 14, "DELETE /v1/pets/{pet_id} (fastapi) is not in the OpenAPI spec"),
    ]
    assert undocumented.measure.value == 75.0  # type: ignore[attr-defined]
    assert undocumented.findings[0].key == "DELETE /v1/pets/{}"  # type: ignore[attr-defined]
    facts = openapi_facts(context(tmp_path))
    assert (facts.status, facts.files, facts.valid, facts.endpoints_in_code, facts.endpoints_documented) == (
        "file", ("docs/openapi.yaml",), True, 4, 3)
    assert facts.documented_fraction == 0.75


def test_non_openapi_spec_yaml_is_not_a_spec(tmp_path: Path) -> None:
    write(tmp_path, {
        "spec.yaml": "name: zero2prod\nregion: fra\nservices:\n  - name: app\n    http_port: 8000\n",
        "config.yml": "swagger:\n  enabled: true\n",
        "nested.json": json.dumps({"info": {"openapi": "3.0.0"}}),
        "src/main.rs": 'fn main() { App::new().route("/health_check", web::get().to(h)); }\n',
    })
    facts = openapi_facts(context(tmp_path))
    assert (facts.status, facts.files, facts.endpoints_in_code) == ("none", (), 1)
    results = run(tmp_path)
    assert findings(results, "openapi/spec-present") == [("high", None, None)]
    assert results["openapi/spec-valid"].status is Status.NOT_APPLICABLE  # type: ignore[attr-defined]


def test_json_with_comments_is_invalid_not_fine(tmp_path: Path) -> None:
    write(tmp_path, {"api/openapi.json": '// generated\n{"openapi": "3.0.0", "info": {}, "paths": {}}\n'})
    results = run(tmp_path)
    assert findings(results, "openapi/spec-valid") == [("high", "api/openapi.json", 1)]
    assert "not valid JSON" in results["openapi/spec-valid"].findings[0].message  # type: ignore[attr-defined]
    assert openapi_facts(context(tmp_path)).valid is False


def test_schema_error_is_named(tmp_path: Path) -> None:
    write(tmp_path, {"swagger.json": json.dumps({"swagger": "2.0", "info": {"title": "x"}, "paths": {}})})
    results = run(tmp_path)
    [finding] = results["openapi/spec-valid"].findings  # type: ignore[attr-defined]
    assert finding.path == "swagger.json"
    assert finding.message == 'invalid Swagger 2.0 document: "version" is a required property (at info)'


def test_ecma_regex_pattern_is_not_an_error(tmp_path: Path) -> None:
    spec = GOOD_SPEC.replace("schema: {type: object}", "schema: {type: string, pattern: '^[\\p{L}]+$'}")
    write(tmp_path, {"openapi.yml": spec})
    assert openapi_facts(context(tmp_path)).valid is True


def test_spec_quality_findings(tmp_path: Path) -> None:
    spec = {
        "openapi": "3.0.0", "info": {"title": "t", "version": "1"},
        "paths": {
            "/items": {
                "get": {"responses": {"200": {"description": "ok"}}},
                "post": {"operationId": "add", "summary": "Add",
                         "requestBody": {"content": {"application/json": {}}},
                         "responses": {"400": {"description": "bad"}}},
            },
        },
    }
    write(tmp_path, {"openapi.json": json.dumps(spec, indent=1)})
    results = run(tmp_path)
    got = sorted((f.severity.value, f.key, f.message) for f in results["openapi/spec-quality"].findings)  # type: ignore[attr-defined]
    assert got == [
        ("low", "operationId", "1 of 2 operations have no operationId (e.g. GET /items)"),
        ("low", "summary", "1 of 2 operations have no summary or description (e.g. GET /items)"),
        ("low", "version", "paths carry no API version (`/v1/...`, or a version in `servers`/`basePath`)"),
        ("medium", "4xx", "1 of 2 operations document no 4xx error response (e.g. GET /items)"),
        ("medium", "body", "1 of 2 operations take a request body without a schema (e.g. POST /items)"),
    ]


def test_a_few_unversioned_paths_beside_versioned_ones_are_named_issue_9(tmp_path: Path) -> None:
    # go-gin-example's swag output: eleven `/api/v1/...` paths and `/auth`; "paths carry no API version" was false.
    ok = {"responses": {"200": {"description": "ok"}, "400": {"description": "bad"}}, "operationId": "x", "summary": "s"}
    paths = {"/api/v1/articles": {"get": ok}, "/api/v1/tags": {"get": ok, "post": ok}, "/auth": {"get": ok}}
    spec = {"swagger": "2.0", "info": {"title": "t", "version": "1.0"}, "paths": paths}
    text = json.dumps(spec, indent=4)
    write(tmp_path, {"docs/swagger.json": text})
    auth_line = text.splitlines().index('        "/auth": {') + 1
    [finding] = run(tmp_path)["openapi/spec-quality"].findings  # type: ignore[attr-defined]
    assert (finding.severity.value, finding.key, finding.line) == ("low", "version", auth_line)
    assert finding.message == "1 of 3 paths carry no API version while the others do (e.g. /auth)"
    spec["paths"] = {"/api/v1/articles": {"get": ok}}
    write(tmp_path, {"docs/swagger.json": json.dumps(spec, indent=4)})
    assert "openapi/spec-quality" not in {k for k, v in run(tmp_path).items() if getattr(v, "findings", None)}


# -- generated specs --------------------------------------------------------------------------------------------
def test_fastapi_generates_unless_disabled(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": "from fastapi import FastAPI\napp = FastAPI()\n\n@app.get('/x')\ndef x(): ...\n"})
    results = run(tmp_path)
    assert findings(results, "openapi/spec-present") == [("medium", "app.py", 2)]
    assert openapi_facts(context(tmp_path)).generator == "fastapi"
    (tmp_path / "app.py").write_text("from fastapi import FastAPI\napp = FastAPI(openapi_url=None)\n\n@app.get('/x')\ndef x(): ...\n")
    assert findings(run(tmp_path), "openapi/spec-present") == [("high", None, None)]


def test_flask_extension_only_counts_when_wired(tmp_path: Path) -> None:
    write(tmp_path, {"api/app.py": "from flask import Flask\nfrom apifairy import APIFairy\napp = Flask(__name__)\n"
                     "@app.route('/users', methods=['GET', 'POST'])\ndef users(): ...\n"})
    assert openapi_facts(context(tmp_path)).status == "none"
    (tmp_path / "api/app.py").write_text(
        "from flask import Flask\nfrom apifairy import APIFairy\napifairy = APIFairy()\n"
        "def create_app():\n    app = Flask(__name__)\n    apifairy.init_app(app)\n    return app\n")
    facts = openapi_facts(context(tmp_path))
    assert (facts.status, facts.generator) == ("generated", "apifairy")


def test_django_drf_spectacular_installed(tmp_path: Path) -> None:
    write(tmp_path, {
        "proj/settings.py": "INSTALLED_APPS = ['django.contrib.admin', 'rest_framework', 'drf_spectacular']\n",
        "proj/urls.py": "from django.urls import path, include\nfrom rest_framework import routers\n"
                        "from users.views import UserViewSet\nrouter = routers.DefaultRouter()\n"
                        "router.register(r'users', UserViewSet)\n"
                        "urlpatterns = [path('admin/', admin.site.urls), path('api/v1/', include(router.urls))]\n",
    })
    model = openapi_model(context(tmp_path))
    assert sorted((e.method, e.path) for e in model.endpoints) == [("ANY", "/api/v1/users"), ("ANY", "/api/v1/users/{pk}")]
    assert model.generator is not None and (model.generator.name, model.generator.path) == ("drf-spectacular", "proj/settings.py")


def test_nestjs_swagger_module_and_controllers(tmp_path: Path) -> None:
    write(tmp_path, {
        "src/main.ts": "import { SwaggerModule, DocumentBuilder } from '@nestjs/swagger';\n"
                       "async function boot() { const d = SwaggerModule.createDocument(app, cfg);\n"
                       "  SwaggerModule.setup('docs', app, d); }\n",
        "src/users/users.controller.ts": "@Controller({ path: 'users', version: '1' })\nexport class UsersController {\n"
                                         "  @Get(':id')\n  @HttpCode(200)\n  findOne() {}\n  @Post()\n  create() {}\n}\n",
    })
    model = openapi_model(context(tmp_path))
    assert model.generator is not None and (model.generator.name, model.generator.line) == ("@nestjs/swagger", 2)
    assert sorted((e.method, e.path, e.line) for e in model.endpoints) == [("GET", "/users/:id", 3), ("POST", "/users", 6)]


def test_go_swaggo_needs_docs_package(tmp_path: Path) -> None:
    main = 'package main\n// @title API\nfunc main() { r.GET("/x", h) }\n'
    write(tmp_path, {"main.go": main})
    assert openapi_facts(context(tmp_path)).status == "none"
    (tmp_path / "main.go").write_text('package main\nimport _ "example.com/app/docs"\n' + main[13:])
    assert openapi_facts(context(tmp_path)).generator == "swaggo"


# -- endpoints per language ---------------------------------------------------------------------------------------
def test_endpoints_across_languages(tmp_path: Path) -> None:
    write(tmp_path, {
        "server.js": "const app = express();\napp.get('/users/:id', h);\nrouter.route('/items').post(h);\n"
                     "axios.get('/remote', cfg);\napp.use('/static', serve);\n",
        "main.go": 'package main\nfunc f() {\n v1 := r.Group("/api/v1")\n v1.GET("/tags/:id", h)\n'
                   ' http.HandleFunc("GET /health", h)\n r.Route("/admin", func(r chi.Router) { r.Get("/stats", h) })\n}\n',
        "src/lib.rs": '#[get("/hello/{name}")]\nasync fn hello() {}\nfn r() { Router::new().route("/a/:id", get(h).post(h)); }\n',
        "src/main/java/A.java": '@RestController\n@RequestMapping("/api")\nclass A {\n  @GetMapping("/owners/{id}")\n'
                                '  Owner get() { return null; }\n'
                                '  @RequestMapping(value = "/x", method = RequestMethod.PUT)\n  void x() {}\n}\n',
        "app/views.py": "from flask import Blueprint\nbp = Blueprint('b', __name__, url_prefix='/bp')\n"
                        "@bp.route('/<int:id>', methods=['PATCH'])\ndef p(id): ...\n",
        "tests/test_x.py": "from flask import Flask\napp = Flask(__name__)\n@app.get('/ignored')\ndef t(): ...\n",
    })
    model = openapi_model(context(tmp_path))
    got = sorted((e.method, e.path, e.file, e.line) for e in model.endpoints)
    assert got == [
        ("GET", "/a/:id", "src/lib.rs", 3),
        ("GET", "/admin/stats", "main.go", 6),
        ("GET", "/api/owners/{id}", "src/main/java/A.java", 4),
        ("GET", "/api/v1/tags/:id", "main.go", 4),
        ("GET", "/health", "main.go", 5),
        ("GET", "/hello/{name}", "src/lib.rs", 1),
        ("GET", "/users/:id", "server.js", 2),
        ("PATCH", "/bp/<int:id>", "app/views.py", 3),
        ("POST", "/a/:id", "src/lib.rs", 3),
        ("POST", "/items", "server.js", 3),
        ("PUT", "/api/x", "src/main/java/A.java", 6),
    ]


def test_no_web_code_is_not_applicable(tmp_path: Path) -> None:
    write(tmp_path, {"lib.py": "def add(a, b):\n    return a + b\n"})
    results = run(tmp_path)
    assert {k: r.status for k, r in results.items()} == {  # type: ignore[attr-defined]
        "openapi/spec-present": Status.NOT_APPLICABLE, "openapi/spec-valid": Status.NOT_APPLICABLE,
        "openapi/spec-quality": Status.NOT_APPLICABLE, "openapi/undocumented-endpoint": Status.NOT_APPLICABLE,
    }


# -- hostile input -------------------------------------------------------------------------------------------------
def test_yaml_alias_bomb_is_rejected(tmp_path: Path) -> None:
    lines = ["openapi: 3.0.0", 'a0: &a0 ["lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 12)]
    write(tmp_path, {"openapi.yaml": "\n".join(lines) + "\n"})
    facts = openapi_facts(context(tmp_path))
    assert facts.valid is False and "alias bomb" in facts.errors[0]


def test_recursive_alias_is_rejected() -> None:
    result = load_document("x.yaml", "openapi: 3.0.0\na: &a [*a]\n")
    assert result.error == "recursive YAML alias"


def test_deep_json_and_yaml_do_not_crash(tmp_path: Path) -> None:
    deep = '{"openapi": "3.0.0", "x": ' + "[" * 200_000 + "]" * 200_000 + "}"
    write(tmp_path, {"openapi.json": deep, "other/openapi.yaml": "openapi: 3.0.0\nx: " + "[" * 200_000 + "]" * 200_000})
    facts = openapi_facts(context(tmp_path))
    assert facts.valid is False
    assert sorted(facts.errors) == [
        "openapi.json: nested too deeply to parse",
        "other/openapi.yaml: nested more than 200 levels deep",
    ]


def test_self_and_mutual_refs_are_reported_not_followed_forever() -> None:
    base = json.loads(json.dumps({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}))
    for schemas in ({"A": {"$ref": "#/components/schemas/A"}},
                    {"A": {"$ref": "#/components/schemas/B"}, "B": {"$ref": "#/components/schemas/A"}}):
        valid, error = validate_spec({**base, "components": {"schemas": schemas}})
        assert valid is False and "cycle" in error
    recursive = {"Node": {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Node"}}}}
    assert validate_spec({**base, "components": {"schemas": recursive}}) == (True, "")
    external = {"A": {"$ref": "https://example.invalid/a.json#/A"}}
    valid, error = validate_spec({**base, "paths": {"/a": {"get": {"responses": {"200": {
        "description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}}}}},
        "components": {"schemas": external}})
    assert valid is None and "not followed" in error


def test_big_single_line_and_invalid_utf8(tmp_path: Path) -> None:
    paths = {f"/v1/r{i}": {"get": {"operationId": f"r{i}", "summary": "s",
                                   "responses": {"200": {"description": "x" * 2000}, "404": {"description": "n"}}}}
             for i in range(600)}
    big = json.dumps({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths})
    assert len(big) > 1_000_000 and "\n" not in big
    write(tmp_path, {"openapi.json": big, "bad/openapi.yaml": b"openapi: 3.0.0\ninfo: \xff\xfe\n"})
    facts = openapi_facts(context(tmp_path))
    assert facts.files == ("bad/openapi.yaml", "openapi.json")
    assert facts.errors == ("bad/openapi.yaml: not valid UTF-8 text",)


# -- properties ------------------------------------------------------------------------------------------------------
@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400))
def test_loader_never_raises(text: str) -> None:
    for name in ("a.yaml", "a.json"):
        start = time.perf_counter()
        result = load_document(name, "openapi: 3.0.0\n" + text if name.endswith("yaml") else text)
        assert isinstance(result.error, str)
        assert time.perf_counter() - start < 5
        looks_like_spec(name, text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("/{}<>:*?()abc1_-.^$"), max_size=60))
def test_normaliser_never_raises_and_is_idempotent(path: str) -> None:
    once = normalise_path(path)
    assert once.startswith("/")
    assert normalise_path(once) == once
    assert path_matches(segments(path), segments(path)) or not segments(path)


def test_normaliser_unifies_parameter_styles() -> None:
    forms = ["/users/{id}/", "/users/:id", "/users/<int:id>", "users/<id>", "/users/{id:[0-9]+}", "^users/(?P<pk>[^/.]+)/$"]
    assert {normalise_path(f) for f in forms} == {"/users/{}"}
    assert path_matches(segments("/users/{}"), segments("/api/v1/users/{id}"))
    assert not path_matches(segments("/{id}"), segments("/users/{id}"))


# -- prefix resolution ------------------------------------------------------------------------------------------------
def _routes(root: Path) -> list[tuple[str, str, str, int, bool]]:
    model = openapi_model(context(root))
    return sorted((e.method, e.path, e.file, e.line, e.prefix_known) for e in model.endpoints)


def test_express_prefixes_across_import_require_and_exports(tmp_path: Path) -> None:
    write(tmp_path, {
        "src/app.ts": "import express from 'express';\nimport rooms from './routes/rooms';\n"
                      "import { bookingsRouter as b } from './routes/bookings.js';\nconst v1 = require('./v1');\n"
                      "const app = express();\napp.use('/api/rooms', rooms);\napp.use('/api', auth(), b);\n"
                      "app.use('/v1', v1);\n",
        "src/routes/rooms.ts": "import { Router } from 'express';\nconst router = Router();\n"
                               "router.get('/', h);\nrouter.route('/:id')\n  .get(h)\n  .delete(h);\nexport default router;\n",
        "src/routes/bookings.ts": "export const bookingsRouter = Router();\nbookingsRouter.post('/bookings', h);\n",
        "src/v1/index.js": "const router = express.Router();\nconst users = require('./users');\n"
                           "router.use('/users', users);\nmodule.exports = router;\n",
        "src/v1/users.js": "const r = express.Router();\nr.get('/me', h);\nmodule.exports = r;\n",
        "src/orphan.ts": "const lost = Router();\nlost.get('/lost', h);\n",
    })
    assert _routes(tmp_path) == [
        ("DELETE", "/api/rooms/:id", "src/routes/rooms.ts", 6, True),
        ("GET", "/api/rooms", "src/routes/rooms.ts", 3, True),
        ("GET", "/api/rooms/:id", "src/routes/rooms.ts", 5, True),
        ("GET", "/lost", "src/orphan.ts", 2, False),
        ("GET", "/v1/users/me", "src/v1/users.js", 2, True),
        ("POST", "/api/bookings", "src/routes/bookings.ts", 2, True),
    ]


def test_unmounted_router_is_matched_by_suffix_at_low_confidence(tmp_path: Path) -> None:
    spec = ("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /api/v1/rooms:\n    get:\n"
            "      responses: {'200': {description: ok}}\n  /api/v1/other:\n    get:\n"
            "      responses: {'200': {description: ok}}\n")
    write(tmp_path, {
        "openapi.yaml": spec,
        "src/rooms.ts": "const r = Router();\nr.get('/rooms', h);\nr.get('/missing', h);\n",
        "src/app.ts": "const app = express();\napp.get('/rooms', h);\n",
    })
    model = openapi_model(context(tmp_path))
    assert [(e.path, e.file, e.prefix_known) for e in model.guessed] == [("/rooms", "src/app.ts", True)]
    results = run(tmp_path)
    got = [(f.path, f.line, f.confidence.value) for f in results["openapi/undocumented-endpoint"].findings  # type: ignore[attr-defined]
           if f.severity.value != "info"]
    assert got == [("src/rooms.ts", 3, "low")]
    facts = openapi_facts(context(tmp_path))
    assert (facts.endpoints_in_code, facts.endpoints_documented, facts.endpoints_guessed) == (2, 1, 1)


def test_resolved_prefix_is_not_matched_to_another_prefix(tmp_path: Path) -> None:
    spec = ("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /admin/users:\n    get:\n"
            "      responses: {'200': {description: ok}}\n  /items:\n    get:\n"
            "      responses: {'200': {description: ok}}\n")
    write(tmp_path, {
        "openapi.yaml": spec,
        "app.js": "const app = express();\nconst r = express.Router();\nr.get('/users', h);\nr.get('/items', h);\n"
                  "app.use('/public', r);\n",
    })
    model = openapi_model(context(tmp_path))
    assert [(e.path, e.prefix_known) for e in model.undocumented] == [("/public/users", True)]
    assert [e.path for e in model.guessed] == ["/public/items"]  # the spec lacks the prefix: counted, as a guess
    results = run(tmp_path)
    got = sorted((f.severity.value, f.path, f.line, f.confidence.value)
                 for f in results["openapi/undocumented-endpoint"].findings)  # type: ignore[attr-defined]
    assert got == [("info", "openapi.yaml", 4, "high"), ("medium", "app.js", 3, "high")]


def test_fastify_register_prefix_and_autoload_folders(tmp_path: Path) -> None:
    write(tmp_path, {
        "src/server.ts": "import Fastify from 'fastify';\nimport fp from 'fastify-plugin';\nimport app from './app.js';\n"
                         "const server = Fastify({});\nserver.register(fp(app));\n",
        "src/app.ts": "import autoload from '@fastify/autoload';\nimport path from 'node:path';\nimport legacy from './legacy';\n"
                      "export default async function (fastify) {\n"
                      "  fastify.register(autoload, { dir: path.join(import.meta.dirname, 'routes'), options: {} });\n"
                      "  fastify.register(legacy, { prefix: '/old' });\n}\n",
        "src/legacy.ts": "const plugin = async (f) => {\n  f.get('/ping', async () => 'pong');\n};\nexport default plugin;\n",
        "src/routes/home.ts": "export default async function (fastify) {\n  fastify.get('/', h);\n}\n",
        "src/routes/api/tasks/index.ts": "const plugin = async (fastify) => {\n  fastify.get('/:id', {schema: {}}, h);\n"
                                         "  fastify.route({ method: ['PUT', 'PATCH'], url: '/:id', handler: h });\n};\n"
                                         "export default plugin;\n",
        "src/routes/api/autohooks.ts": "export default async function (fastify) { fastify.get('/hook', h); }\n",
    })
    assert _routes(tmp_path) == [
        ("GET", "/", "src/routes/home.ts", 2, True),
        ("GET", "/api/tasks/:id", "src/routes/api/tasks/index.ts", 2, True),
        ("GET", "/hook", "src/routes/api/autohooks.ts", 1, False),
        ("GET", "/old/ping", "src/legacy.ts", 2, True),
        ("PATCH", "/api/tasks/:id", "src/routes/api/tasks/index.ts", 3, True),
        ("PUT", "/api/tasks/:id", "src/routes/api/tasks/index.ts", 3, True),
    ]


def test_nestjs_global_prefix_versions_and_exclude(tmp_path: Path) -> None:
    write(tmp_path, {
        "src/main.ts": "async function boot() {\n  const app = await NestFactory.create(AppModule);\n"
                       "  app.setGlobalPrefix(config.getOrThrow('app.apiPrefix', { infer: true }), { exclude: ['/'] });\n"
                       "  app.enableVersioning({ type: VersioningType.URI });\n}\n",
        "src/config/app.config.ts": "export default () => ({ apiPrefix: process.env.API_PREFIX || 'api' });\n",
        "src/users.controller.ts": "@Controller({ path: 'users', version: '1' })\nexport class UsersController {\n"
                                   "  @Get(':id')\n  one() {}\n  @Version(['2', VERSION_NEUTRAL])\n  @Post()\n  create() {}\n}\n",
        "src/home.controller.ts": "@Controller()\nexport class HomeController {\n  @Get()\n  home() {}\n}\n",
    })
    assert _routes(tmp_path) == [
        ("GET", "/", "src/home.controller.ts", 3, True),
        ("GET", "/api/v1/users/:id", "src/users.controller.ts", 3, True),
        ("POST", "/api/users", "src/users.controller.ts", 6, True),
        ("POST", "/api/v2/users", "src/users.controller.ts", 6, True),
    ]
    (tmp_path / "src/main.ts").write_text("const app = await NestFactory.create(M);\napp.setGlobalPrefix(prefixFromSomewhere);\n")
    assert [(p, known) for _, p, _, _, known in _routes(tmp_path)] == [
        ("/", False), ("/users/:id", False), ("/users", False)]


def test_express_router_chains_carry_their_mount_prefix(tmp_path: Path) -> None:
    """issue 9: RealWorld's `export default Router().use('/api', api)` with `api = Router().use(a).use(b)`."""
    write(tmp_path, {
        "src/app.ts": "import express from 'express';\nimport routes from './routes/routes';\n"
                      "const app = require('express')();\napp.use(routes);\n",
        "src/routes/routes.ts": "import { Router } from 'express';\nimport tags from './tag/tag.controller';\n"
                                "import articles from './article/article.controller';\n"
                                "const api = Router().use(tags).use(articles);\nexport default Router().use('/api', api);\n",
        "src/routes/tag/tag.controller.ts": "const router = Router();\nrouter.get('/tags', h);\nexport default router;\n",
        "src/routes/article/article.controller.ts": "const router = Router();\nrouter.get('/articles', auth.optional, h);\n"
                                                    "router.post('/articles/:slug/favorite', auth.required, h);\n"
                                                    "export default router;\n",
        "src/legacy.js": "module.exports = require('express').Router().get('/a', h).post('/b', h);\n",
        "src/server.js": "const app = require('express')();\napp.use('/legacy', require('./legacy'));\n",
    })
    assert _routes(tmp_path) == [
        ("GET", "/api/articles", "src/routes/article/article.controller.ts", 2, True),
        ("GET", "/api/tags", "src/routes/tag/tag.controller.ts", 2, True),
        ("GET", "/legacy/a", "src/legacy.js", 1, True),
        ("POST", "/api/articles/:slug/favorite", "src/routes/article/article.controller.ts", 3, True),
        ("POST", "/legacy/b", "src/legacy.js", 1, True),
    ]


def test_middleware_guards_the_routes_below_it_in_order(tmp_path: Path) -> None:
    write(tmp_path, {
        "src/app.js": "const express = require('express');\nconst app = express();\n"
                      "app.use(express.json());\napp.use(helmet());\napp.use('/public', require('./public'));\n"
                      "app.use(requireAuth);\napp.use('/api', require('./api'));\n"
                      "app.use('/admin', isAdmin, require('./admin'));\napp.use('/ops/*', opsOnly);\n",
        "src/api.js": "const router = require('express').Router();\nrouter.get('/open', h);\n"
                      "router.use(passport.authenticate('jwt'));\nrouter.post('/items', validate(schema), h);\n"
                      "module.exports = router;\n",
        "src/public.js": "const r = require('express').Router();\nr.post('/signup', h);\nmodule.exports = r;\n",
        "src/admin.js": "const r = require('express').Router();\nr.delete('/users/:id', h);\nr.get('/ops/stats', h);\n"
                        "module.exports = r;\n",
        "src/plugin.ts": "export default async function (fastify) {\n  fastify.addHook('onRequest', fastify.authenticate);\n"
                         "  fastify.get('/me', h);\n}\n",
    })
    guards = {(e.method, e.path): e.guards for e in openapi_model(context(tmp_path)).endpoints}
    assert guards[("POST", "/public/signup")] == ()
    assert guards[("GET", "/api/open")] == ("requireAuth",)
    assert guards[("POST", "/api/items")] == ("validate(schema)", "passport.authenticate('jwt')", "requireAuth")
    assert guards[("DELETE", "/admin/users/:id")] == ("isAdmin", "requireAuth")
    assert guards[("GET", "/me")] == ("fastify.authenticate",)


def test_fastify_autohooks_guard_the_routes_of_their_folder(tmp_path: Path) -> None:
    """fastify/demo: routes/api/autohooks.ts checks the session for every route below routes/api (cascadeHooks)."""
    write(tmp_path, {
        "src/app.ts": "import fastifyAutoload from '@fastify/autoload';\nexport default async function (fastify) {\n"
                      "  fastify.register(fastifyAutoload, {\n    dir: path.join(import.meta.dirname, 'routes'),\n"
                      "    autoHooks: true,\n    cascadeHooks: true,\n  });\n}\n",
        "src/routes/api/autohooks.ts": "export default async function (fastify) {\n"
                                       "  fastify.addHook('onRequest', requireSession);\n}\n",
        "src/routes/api/tasks/index.ts": "export default async function (fastify) {\n  fastify.delete('/:id', h);\n}\n",
        "src/routes/home.ts": "export default async function (fastify) {\n  fastify.get('/', h);\n}\n",
    })
    guards = {(e.method, e.path): e.guards for e in openapi_model(context(tmp_path)).endpoints}
    assert guards == {("DELETE", "/api/tasks/:id"): ("requireSession",), ("GET", "/"): ()}


def test_workspace_libraries_and_barrels_are_followed(tmp_path: Path) -> None:
    """Nx: apps/api mounts a router exported by libs/users through `@org/users` and an `export *` barrel."""
    write(tmp_path, {
        "package.json": '{"name": "org", "dependencies": {"express": "4"}}',
        "apps/api/src/main.ts": "import express from 'express';\nimport { usersRouter } from '@org/users';\n"
                                "import { health } from '@org/shared/health';\nconst app = express();\n"
                                "app.use('/api/users', usersRouter);\napp.use(health);\n",
        "libs/users/src/index.ts": "export * from './lib/constants';\nexport * from './lib/users.router';\n",
        "libs/users/src/lib/constants.ts": "export const LIMIT = 10;\n",
        "libs/users/src/lib/users.router.ts": "export const usersRouter = Router();\nusersRouter.get('/:id', h);\n",
        "libs/shared/src/health.ts": "export const health = Router();\nhealth.get('/health', h);\n",
        "apps/api-e2e/src/users.spec.ts": "const app = express();\napp.get('/not-a-route', h);\n",
    })
    assert _routes(tmp_path) == [
        ("GET", "/api/users/:id", "libs/users/src/lib/users.router.ts", 2, True),
        ("GET", "/health", "libs/shared/src/health.ts", 2, True),
    ]


def test_prefix_from_a_module_constant_is_filled_in(tmp_path: Path) -> None:
    write(tmp_path, {
        "src/config.ts": "export const API_PREFIX = '/api/v2';\n",
        "src/app.ts": "import { API_PREFIX } from './config';\nconst app = express();\nconst r = Router();\n"
                      "r.get('/items', h);\napp.use(`${API_PREFIX}/shop`, r);\napp.use(process.env.BASE, other);\n"
                      "other.get('/x', h);\n",
    })
    assert _routes(tmp_path) == [("GET", "/api/v2/shop/items", "src/app.ts", 4, True), ("GET", "/x", "src/app.ts", 7, False)]


def test_go_groups_passed_to_functions_and_chi_mounts(tmp_path: Path) -> None:
    write(tmp_path, {
        "cmd/main.go": 'package main\nfunc main() {\n r := gin.Default()\n v1 := r.Group("/api/v1")\n'
                       ' routes.RegisterUsers(v1)\n r.GET("/health", h)\n}\n',
        "routes/users.go": 'package routes\nfunc RegisterUsers(g *gin.RouterGroup) {\n u := g.Group("/users")\n'
                           ' u.GET("/:id", h)\n}\n',
        "api/api.go": 'package api\nfunc New() *chi.Mux {\n r := chi.NewRouter()\n r.Mount("/admin", adminAPI.Router())\n'
                      ' return r\n}\n',
        "api/admin/api.go": 'package admin\nfunc (a *API) Router() *chi.Mux {\n r := chi.NewRouter()\n'
                            ' r.Mount("/accounts", a.Accounts.router())\n r.Mount("/profile", a.Profile.router())\n'
                            ' return r\n}\n',
        "api/admin/accounts.go": 'package admin\nfunc (rs *AccountResource) router() *chi.Mux {\n r := chi.NewRouter()\n'
                                 ' r.Get("/", rs.list)\n return r\n}\n',
        "api/admin/profile.go": 'package admin\nfunc (rs *ProfileResource) router() *chi.Mux {\n r := chi.NewRouter()\n'
                                ' r.Put("/", rs.put)\n return r\n}\n',
        "other/api.go": 'package other\nfunc (x *API) Router() *chi.Mux {\n r := chi.NewRouter()\n r.Get("/x", h)\n'
                        ' return r\n}\n',
        "lib/orphan.go": 'package lib\nfunc Attach(g *gin.RouterGroup) {\n g.POST("/orphan", h)\n}\n',
    })
    assert _routes(tmp_path) == [
        ("GET", "/admin/accounts", "api/admin/accounts.go", 4, True),
        ("GET", "/api/v1/users/:id", "routes/users.go", 4, True),
        ("GET", "/health", "cmd/main.go", 6, True),
        ("GET", "/x", "other/api.go", 4, True),
        ("POST", "/orphan", "lib/orphan.go", 3, False),
        ("PUT", "/admin/profile", "api/admin/profile.go", 4, True),
    ]


def test_gin_and_echo_groups_issue_9(tmp_path: Path) -> None:
    """Groups with an empty or relative path, `Match`, a path without a leading slash, `Group("/").Use(mw).POST`
    chains, a group handed to a function of another package, and echo groups with middleware."""
    write(tmp_path, {
        "go.mod": "module example.com/svc/v2\n",
        "cmd/main.go": (
            "package main\nimport (\n\t\"github.com/gin-gonic/gin\"\n\t\"github.com/labstack/echo/v4\"\n"
            "\t\"example.com/svc/v2/api\"\n)\n"
            "func main() {\n\tr := gin.Default()\n\troot := r.Group(\"\")\n\troot.GET(\"version\", api.Version)\n"
            "\tv1 := r.Group(\"api/v1\")\n\tv1.Match([]string{\"GET\", \"POST\"}, \"/items\", api.Items)\n"
            "\tr.Group(\"/\").Use(auth()).POST(\"/login\", api.Login)\n\tapi.Register(v1.Group(\"users\"))\n"
            "\te := echo.New()\n\tg := e.Group(\"/admin\", adminOnly)\n\tg.GET(\"\", api.Admin)\n}\n"),
        "api/api.go": ("package api\nimport \"github.com/gin-gonic/gin\"\n"
                       "func Register(g *gin.RouterGroup) {\n\tg.GET(\":id\", Get)\n\tg.DELETE(\"\", Del)\n}\n"),
    })
    assert _routes(tmp_path) == [
        ("DELETE", "/api/v1/users", "api/api.go", 5, True),
        ("GET", "/admin", "cmd/main.go", 17, True),
        ("GET", "/api/v1/items", "cmd/main.go", 12, True),
        ("GET", "/api/v1/users/:id", "api/api.go", 4, True),
        ("GET", "/version", "cmd/main.go", 10, True),
        ("POST", "/api/v1/items", "cmd/main.go", 12, True),
        ("POST", "/login", "cmd/main.go", 13, True),
    ]
    login = next(e for e in openapi_model(context(tmp_path)).endpoints if e.path == "/login")
    assert (login.framework, login.handler, login.guards) == ("gin", "api.Login", ("auth()",))


# -- Rust prefixes ----------------------------------------------------------------------------------------------------
def test_axum_nest_and_merge_across_modules(tmp_path: Path) -> None:
    write(tmp_path, {
        "Cargo.toml": "[package]\nname = \"svc\"\n",
        "src/main.rs": "mod routes;\nuse crate::routes::users;\n\nfn app() -> Router {\n    Router::new()\n"
                       "        .route(\"/health\", get(health))\n        .nest(\"/api\", routes::api_router())\n"
                       "        .merge(users::routes())\n}\n",
        "src/routes/mod.rs": "pub mod users;\npub mod items;\n\npub fn api_router() -> Router {\n"
                             "    let v1 = Router::new().nest(\"/items\", items::routes());\n"
                             "    Router::new().nest(\"/v1\", v1)\n}\n",
        "src/routes/items.rs": "pub fn routes() -> Router {\n    Router::new()\n"
                               "        .route(\"/\", get(list).post(create))\n        .route(\"/{id}\", delete(remove))\n}\n",
        "src/routes/users.rs": "pub fn routes() -> Router {\n    Router::new().route(\"/users/:id\", get(show))\n}\n",
        "src/orphan.rs": "pub fn routes() -> Router {\n    Router::new().route(\"/never\", get(x))\n}\n",
    })
    assert _routes(tmp_path) == [
        ("DELETE", "/api/v1/items/{id}", "src/routes/items.rs", 4, True),
        ("GET", "/api/v1/items", "src/routes/items.rs", 3, True),
        ("GET", "/health", "src/main.rs", 6, True),
        ("GET", "/never", "src/orphan.rs", 2, True),  # a router no one nests is served as it is
        ("GET", "/users/:id", "src/routes/users.rs", 2, True),
        ("POST", "/api/v1/items", "src/routes/items.rs", 3, True),
    ]


def test_actix_scopes_configure_and_attribute_handlers(tmp_path: Path) -> None:
    write(tmp_path, {
        "src/main.rs": "mod api;\nmod config;\n\nfn main() {\n    HttpServer::new(move || {\n        App::new()\n"
                       "            .route(\"/\", web::get().to(home))\n"
                       "            .service(web::scope(\"/admin\").wrap(auth).route(\"/dash\", web::get().to(d)))\n"
                       "            .configure(config::app::config_services)\n    });\n}\n",
        "src/config/app.rs": "use crate::api::*;\n\npub fn config_services(cfg: &mut web::ServiceConfig) {\n"
                             "    cfg.service(\n        web::scope(\"/api\")\n            .service(ping_controller::ping)\n"
                             "            .service(web::resource(\"\").route(web::get().to(list)).route(web::post().to(add)))\n"
                             "            .service(web::resource(\"/{id}\").route(web::delete().to(del))),\n    );\n}\n",
        "src/api/ping_controller.rs": "#[get(\"/ping\")]\nasync fn ping() -> HttpResponse { ok() }\n\n"
                                      "#[post(\"/lost\")]\nasync fn lost() -> HttpResponse { ok() }\n",
    })
    assert _routes(tmp_path) == [
        ("DELETE", "/api/{id}", "src/config/app.rs", 8, True),
        ("GET", "/", "src/main.rs", 7, True),
        ("GET", "/admin/dash", "src/main.rs", 8, True),
        ("GET", "/api", "src/config/app.rs", 7, True),
        ("GET", "/api/ping", "src/api/ping_controller.rs", 1, True),
        ("POST", "/api", "src/config/app.rs", 7, True),
        ("POST", "/lost", "src/api/ping_controller.rs", 4, False),  # a handler never registered: prefix unknown
    ]


def test_rocket_mount_prefixes_listed_handlers(tmp_path: Path) -> None:
    write(tmp_path, {
        "src/main.rs": "mod routes;\n\n#[launch]\nfn rocket() -> _ {\n    rocket::build()\n"
                       "        .mount(\"/api\", routes![routes::health::health_check])\n"
                       "        .mount(\"/api/users\", routes::users::routes())\n}\n",
        "src/routes/health.rs": "#[get(\"/health_check\")]\npub fn health_check() -> Status { Status::Ok }\n",
        "src/routes/users.rs": "#[get(\"/<id>\")]\npub fn show(id: i32) {}\n\n#[post(\"/\", data = \"<d>\")]\n"
                               "pub fn create(d: Json<U>) {}\n\npub fn routes() -> Vec<Route> {\n    routes![show, create]\n}\n",
        "src/routes/items.rs": "#[get(\"/<id>\")]\npub fn show(id: i32) {}\n",
    })
    assert _routes(tmp_path) == [
        ("GET", "/<id>", "src/routes/items.rs", 1, False),
        ("GET", "/api/health_check", "src/routes/health.rs", 1, True),
        ("GET", "/api/users/<id>", "src/routes/users.rs", 1, True),
        ("POST", "/api/users", "src/routes/users.rs", 4, True),
    ]


def test_actix_scope_root_routes_and_route_attribute(tmp_path: Path) -> None:
    # lemmy crates/api/routes/src/lib.rs: `web::scope("/api/v4").route("", web::get().to(h))`
    write(tmp_path, {
        "src/main.rs": "use actix_web::{web, App, HttpServer};\nmod api;\n\nfn main() {\n"
                       "    HttpServer::new(|| App::new().configure(api::config));\n}\n",
        "src/api.rs": "use actix_web::{web, route};\n\npub fn config(cfg: &mut web::ServiceConfig) {\n"
                      "    cfg.service(\n        web::scope(\"/api/v4\")\n"
                      "            .route(\"\", web::get().to(get_site))\n"
                      "            .service(web::scope(\"/account\").route(\"\", web::delete().to(delete_account)))\n"
                      "            .service(multi),\n    );\n}\n\n"
                      "#[route(\"/multi\", method = \"GET\", method = \"PUT\")]\nasync fn multi() {}\n",
    })
    model = openapi_model(context(tmp_path))
    assert sorted((e.method, e.path, e.line, e.framework, e.handler) for e in model.endpoints) == [
        ("DELETE", "/api/v4/account", 7, "actix_web", "delete_account"),
        ("GET", "/api/v4", 6, "actix_web", "get_site"),
        ("GET", "/api/v4/multi", 12, "actix_web", "multi"),
        ("PUT", "/api/v4/multi", 12, "actix_web", "multi"),
    ]


def test_rust_routers_of_other_workspace_crates_and_configure_closures(tmp_path: Path) -> None:
    write(tmp_path, {
        "Cargo.toml": "[workspace]\nmembers = [\"crates/*\"]\n",
        "crates/server/src/main.rs": "use actix_web::{web, App};\nfn main() {\n    App::new()\n"
                                     "        .service(web::scope(\"/api\").configure(|cfg| my_api_routes::config(cfg, &s)))\n"
                                     "        .configure(|cfg| lemmy_routes::config(cfg));\n}\n",
        "crates/api/routes/src/lib.rs": "pub fn config(cfg: &mut web::ServiceConfig, s: &S) {\n"
                                        "    cfg.route(\"/users\", web::get().to(users));\n}\n",
        "crates/routes/src/lib.rs": "pub fn config(cfg: &mut web::ServiceConfig) {\n"
                                    "    cfg.route(\"/feeds\", web::get().to(feeds));\n}\n",
    })
    assert _routes(tmp_path) == [
        ("GET", "/api/users", "crates/api/routes/src/lib.rs", 2, True),
        ("GET", "/feeds", "crates/routes/src/lib.rs", 2, True),
    ]


def test_rust_endpoint_guards_from_mounts_and_auth_extractors(tmp_path: Path) -> None:
    # lemmy: SessionMiddleware on the App above `configure`, and handlers taking `LocalUserView`, whose
    # `FromRequest` impl fails with IncorrectLogin
    write(tmp_path, {
        "src/main.rs": "use actix_web::{web, App, HttpServer};\nfn main() {\n    HttpServer::new(move || {\n"
                       "        let app = App::new().wrap(SessionMiddleware::new(ctx.clone()));\n"
                       "        app.configure(|cfg| api::config(cfg))\n    });\n}\n",
        "src/api.rs": "pub fn config(cfg: &mut web::ServiceConfig) {\n"
                      "    cfg.service(web::scope(\"/post\").route(\"\", web::post().to(create_post))\n"
                      "        .route(\"/list\", web::get().to(list_posts)));\n}\n"
                      "pub async fn create_post(data: Json<CreatePost>, local_user_view: LocalUserView) {}\n"
                      "pub async fn list_posts(local_user_view: Option<LocalUserView>) {}\n",
        "src/user.rs": "impl FromRequest for LocalUserView {\n    type Error = LemmyError;\n"
                       "    fn from_request(req: &HttpRequest, _p: &mut Payload) -> Self::Future {\n"
                       "        ready(req.extensions().get::<LocalUserView>().cloned()"
                       ".ok_or(LemmyErrorType::IncorrectLogin.into()))\n    }\n}\n",
    })
    model = openapi_model(context(tmp_path))
    guards = {(e.method, e.path): e.guards for e in model.endpoints}
    assert guards[("POST", "/post")] == ("auth-extractor:local_user_view: LocalUserView",
                                         "SessionMiddleware::new(ctx.clone())")
    assert guards[("GET", "/post/list")] == ("SessionMiddleware::new(ctx.clone())",)  # Option<..>: anonymous too


def test_axum_routes_carry_handlers_and_layers(tmp_path: Path) -> None:
    write(tmp_path, {
        "src/main.rs": "use axum::{routing::{get, post}, Router};\n\nfn app() -> Router {\n    Router::new()\n"
                       "        .route(\"/users\", get(list_users).post(create_user))\n"
                       "        .route_layer(middleware::from_fn(auth))\n        .route(\"/health\", get(health))\n}\n",
    })
    model = openapi_model(context(tmp_path))
    assert sorted((e.method, e.path, e.framework, e.handler, e.guards) for e in model.endpoints) == [
        ("GET", "/health", "axum", "health", ()),
        ("GET", "/users", "axum", "list_users", ("middleware::from_fn(auth)",)),
        ("POST", "/users", "axum", "create_user", ("middleware::from_fn(auth)",)),
    ]


# -- FastAPI prefixes from settings and imported constants ------------------------------------------------------------
def test_fastapi_prefix_from_settings_attribute_and_imported_constants(tmp_path: Path) -> None:
    write(tmp_path, {
        "app/core/settings.py": "from pydantic_settings import BaseSettings\n\nclass AppSettings(BaseSettings):\n"
                                "    debug: bool = False\n    api_prefix: str = \"/api\"\n\n"
                                "def get_settings() -> AppSettings:\n    return AppSettings()\n",
        "app/core/constants.py": "V2 = \"/v2\"\nTAGS = V2 + \"/tags\"\n",
        "app/core/__init__.py": "from .constants import V2\n",
        "app/api/users.py": "from fastapi import APIRouter\nrouter = APIRouter()\n\n@router.get(\"/{user_id}\")\n"
                            "def get_user(user_id: int): ...\n",
        "app/api/tags.py": "from fastapi import APIRouter\nfrom app.core import constants\n"
                           "router = APIRouter(prefix=constants.TAGS)\n\n@router.get(\"\")\ndef tags(): ...\n",
        "app/api/items.py": "from fastapi import APIRouter\nrouter = APIRouter()\n\n@router.post(\"/items\")\ndef add(): ...\n",
        "app/main.py": "from fastapi import FastAPI\nfrom app.api import users, tags, items\nfrom app.core import V2\n"
                       "from app.core.settings import get_settings\n\ndef get_application() -> FastAPI:\n"
                       "    settings = get_settings()\n    application = FastAPI()\n"
                       "    application.include_router(users.router, prefix=f\"{settings.api_prefix}/users\")\n"
                       "    application.include_router(tags.router)\n"
                       "    application.include_router(items.router, prefix=V2)\n"
                       "    application.include_router(items.router, prefix=settings.unknown_prefix)\n"
                       "    return application\n",
    })
    assert _routes(tmp_path) == [
        ("GET", "/api/users/{user_id}", "app/api/users.py", 4, True),
        ("GET", "/v2/tags", "app/api/tags.py", 5, True),
        ("POST", "/items", "app/api/items.py", 4, False),  # `settings.unknown_prefix` is declared nowhere
        ("POST", "/v2/items", "app/api/items.py", 4, True),
    ]


def test_fastapi_ambiguous_settings_attribute_is_not_guessed(tmp_path: Path) -> None:
    write(tmp_path, {
        "app/settings.py": "class Dev:\n    api_prefix = \"/dev\"\n\nclass Prod:\n    api_prefix = \"/api\"\n",
        "app/main.py": "from fastapi import FastAPI, APIRouter\nfrom app.settings import Prod\nsettings = Prod()\n"
                       "router = APIRouter()\n\n@router.get(\"/x\")\ndef x(): ...\n\napp = FastAPI()\n"
                       "app.include_router(router, prefix=settings.api_prefix)\n",
    })
    assert _routes(tmp_path) == [("GET", "/x", "app/main.py", 6, False)]


# -- Spring: servlet prefixes and API interfaces ---------------------------------------------------------------------
_JAVA_DIR = "src/main/java/com/example/"


def test_spring_context_path_and_interface_mappings(tmp_path: Path) -> None:
    write(tmp_path, {
        "src/main/resources/application.yml": "server:\n  servlet:\n    context-path: /shop/\nspring:\n"
                                              "  mvc.servlet.path: ${SERVLET_PATH:/v1}\n---\nserver.servlet.context-path: /dev\n",
        _JAVA_DIR + "PetsApi.java": "public interface PetsApi {\n    @GetMapping(\"/pets/{id}\")\n    Pet get(Long id);\n"
                                    "    @RequestMapping(method = RequestMethod.DELETE, value = \"/pets/{id}\")\n"
                                    "    void delete(Long id);\n}\n",
        _JAVA_DIR + "PetController.java": "@RestController\n@RequestMapping(\"/api\")\n"
                                          "public class PetController implements PetsApi {\n    @Override\n"
                                          "    public Pet get(Long id) { return null; }\n    @PostMapping(\"/pets\")\n"
                                          "    public Pet add() { return null; }\n}\n",
        _JAVA_DIR + "StoreClient.java": "@FeignClient(\"store\")\npublic interface StoreClient {\n"
                                        "    @GetMapping(\"/orders\")\n    List<Order> orders();\n}\n",
        _JAVA_DIR + "Jaxrs.java": "@Path(\"/legacy\")\npublic class Jaxrs {\n    @GET\n    public String g() { return \"\"; }\n}\n",
        "src/test/resources/application.properties": "server.servlet.context-path=/test\n",
    })
    assert _routes(tmp_path) == [
        ("DELETE", "/shop/v1/api/pets/{id}", _JAVA_DIR + "PetsApi.java", 4, True),
        ("GET", "/legacy", _JAVA_DIR + "Jaxrs.java", 3, True),
        ("GET", "/shop/v1/api/pets/{id}", _JAVA_DIR + "PetsApi.java", 2, True),
        ("POST", "/shop/v1/api/pets", _JAVA_DIR + "PetController.java", 6, True),
    ]
    facts = openapi_facts(context(tmp_path))
    assert facts.unread_interfaces == ()


def test_spring_context_path_properties_matches_spec_with_or_without_it(tmp_path: Path) -> None:
    spec = ("openapi: 3.0.3\ninfo: {title: t, version: '1'}\nservers:\n  - url: http://localhost:8080/api\npaths:\n"
            "  /owners:\n    get:\n      responses: {'200': {description: ok}}\n")
    write(tmp_path, {
        "openapi.yaml": spec,
        "src/main/resources/application.properties": "# comment\nserver.servlet.context-path = /petclinic\n",
        _JAVA_DIR + "OwnerController.java": "@RestController\n@RequestMapping(\"/api\")\npublic class OwnerController {\n"
                                            "    @GetMapping(\"/owners\")\n    public List<O> list() { return null; }\n}\n",
        _JAVA_DIR + "RootController.java": "@RestController\n@RequestMapping(\"/\")\npublic class RootController {\n"
                                           "    @RequestMapping(value = \"/\")\n"
                                           "    public void redirectToSwagger(HttpServletResponse response) {}\n}\n",
    })
    model = openapi_model(context(tmp_path))
    assert [(e.method, e.path, e.base) for e in model.endpoints] == [("GET", "/petclinic/api/owners", "/petclinic")]
    assert [e.path for e in model.documented] == ["/petclinic/api/owners"]
    assert model.guessed == [] and model.undocumented == []


def test_spring_generated_interfaces_are_reported_not_guessed(tmp_path: Path) -> None:
    spec = ("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n"
            "  /owners:\n    get:\n      responses: {'200': {description: ok}}\n")
    write(tmp_path, {
        "src/main/resources/openapi.yml": spec,
        _JAVA_DIR + "OwnerController.java": "import com.example.api.OwnersApi;\n@RestController\n@RequestMapping(\"/api\")\n"
                                            "public class OwnerController implements OwnersApi, Serializable {\n"
                                            "    @Override\n    public ResponseEntity<List<O>> listOwners() { return null; }\n}\n",
    })
    facts = openapi_facts(context(tmp_path))
    where = _JAVA_DIR + "OwnerController.java"
    assert facts.unread_interfaces == (f"OwnersApi (implemented by {where})", f"Serializable (implemented by {where})")
    assert facts.endpoints_in_code == 0
    result = run(tmp_path)["openapi/undocumented-endpoint"]
    assert result.status is Status.NOT_AVAILABLE  # type: ignore[attr-defined]
    assert "OwnersApi (implemented by" in result.reason  # type: ignore[attr-defined]


def test_controllers_of_interfaces_generated_from_the_committed_spec_implement_its_operations(tmp_path: Path) -> None:
    """issue 9: API-first projects generate `OwnersApi` from the committed spec at build time (openapi-generator);
    the controller that overrides `listOwners` implements that operation, it is not 'in the spec but no route'."""
    spec = ("openapi: 3.0.3\ninfo: {title: t, version: '1'}\nservers:\n  - url: http://localhost:9966/petclinic/api\n"
            "paths:\n  /owners:\n    get:\n      operationId: listOwners\n      responses: {'200': {description: ok}}\n"
            "    post:\n      operationId: addOwner\n      responses: {'201': {description: ok}}\n"
            "  /oops:\n    get:\n      operationId: failingRequest\n      responses: {'200': {description: ok}}\n")
    controller = ("package app.rest;\nimport app.rest.api.OwnersApi;\n@RestController\n@RequestMapping(\"api\")\n"
                  "public class OwnerRestController implements OwnersApi {\n    @PreAuthorize(\"hasRole(@roles.OWNER_ADMIN)\")\n"
                  "    @Override\n    public ResponseEntity<List<OwnerDto>> listOwners() { return null; }\n"
                  "    @Override\n    public ResponseEntity<OwnerDto> addOwner(OwnerDto o) { return null; }\n}\n")
    files = {
        "src/main/resources/openapi.yml": spec,
        "src/main/resources/application.properties": "server.servlet.context-path=/petclinic/\n",
        _JAVA_DIR + "OwnerRestController.java": controller,
    }
    write(tmp_path, files)
    results = run(tmp_path)
    result = results["openapi/undocumented-endpoint"]
    assert result.status is Status.NOT_AVAILABLE  # type: ignore[attr-defined]  # no generator: nothing is guessed
    write(tmp_path, {"pom.xml": "<project><build><plugins><plugin><artifactId>openapi-generator-maven-plugin</artifactId>"
                                "<configuration><inputSpec>src/main/resources/openapi.yml</inputSpec></configuration>"
                                "</plugin></plugins></build></project>\n"})
    model = openapi_model(context(tmp_path))
    where = _JAVA_DIR + "OwnerRestController.java"
    assert sorted((e.method, e.path, e.file, e.line, e.handler) for e in model.endpoints) == [
        ("GET", "/petclinic/api/owners", where, 6, "OwnerRestController.listOwners"),
        ("POST", "/petclinic/api/owners", where, 9, "OwnerRestController.addOwner"),
    ]
    assert model.undocumented == [] and [(m, p) for _, m, p in model.spec_only] == [("GET", "/oops")]
    assert any("PreAuthorize" in g for g in model.endpoints[0].guards)
    assert openapi_facts(context(tmp_path)).unread_interfaces == (f"OwnersApi (implemented by {where})",)


def test_unannotated_resources_of_interfaces_generated_by_quarkus_openapi_generator_serve_the_spec(tmp_path: Path) -> None:
    """issue 9: quarkus-openapi-generator-server generates `HeroesApi` (with its JAX-RS annotations) from the committed
    spec; `class HeroResource implements HeroesApi` needs no annotation of its own, and openapi-generator's Spring
    delegate pattern has a `@Service` implement `PetsApiDelegate`. Their operations are implemented, not 'in the spec
    but no route'; a class implementing some other unread interface is no controller."""
    spec = ("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /heroes:\n    get:\n"
            "      operationId: getAllHeroes\n      responses: {'200': {description: ok}}\n  /heroes/{id}:\n    delete:\n"
            "      operationId: deleteHero\n      responses: {'204': {description: ok}}\n  /pets:\n    post:\n"
            "      operationId: addPet\n      responses: {'201': {description: ok}}\n  /mail:\n    post:\n"
            "      operationId: send\n      responses: {'202': {description: ok}}\n")
    write(tmp_path, {
        "src/main/openapi/openapi.yaml": spec,
        "pom.xml": "<project><dependencies><dependency><groupId>io.quarkiverse.openapi.generator</groupId>"
                   "<artifactId>quarkus-openapi-generator-server</artifactId></dependency></dependencies></project>\n",
        _JAVA_DIR + "HeroResource.java": "package com.example;\nimport com.example.api.HeroesApi;\n"
                                         "import jakarta.enterprise.context.ApplicationScoped;\n\n@ApplicationScoped\n"
                                         "public class HeroResource implements HeroesApi {\n    @Override\n"
                                         "    public List<Hero> getAllHeroes() { return null; }\n\n    @Override\n"
                                         "    public void deleteHero(Long id) {}\n}\n",
        _JAVA_DIR + "PetsDelegate.java": "package com.example;\n@Service\npublic class PetsDelegate implements PetsApiDelegate {\n"
                                         "    @Override\n    public ResponseEntity<Pet> addPet(Pet p) { return null; }\n}\n",
        _JAVA_DIR + "Mailer.java": "package com.example;\n@ApplicationScoped\npublic class Mailer implements Notifier {\n"
                                   "    @Override\n    public void send(String to) {}\n}\n",
    })
    model = openapi_model(context(tmp_path))
    assert sorted((e.method, e.path, e.file, e.line, e.handler, e.framework) for e in model.endpoints) == [
        ("DELETE", "/heroes/{id}", _JAVA_DIR + "HeroResource.java", 10, "HeroResource.deleteHero", "jax-rs"),
        ("GET", "/heroes", _JAVA_DIR + "HeroResource.java", 7, "HeroResource.getAllHeroes", "jax-rs"),
        ("POST", "/pets", _JAVA_DIR + "PetsDelegate.java", 4, "PetsDelegate.addPet", "spring"),
    ]
    assert [(m, p) for _, m, p in model.spec_only] == [("POST", "/mail")]


def test_jaxrs_resource_implementing_a_path_interface_is_served(tmp_path: Path) -> None:
    write(tmp_path, {
        _JAVA_DIR + "TodosApi.java": "package com.example;\n@Path(\"/todos\")\npublic interface TodosApi {\n"
                                     "    @GET\n    List<Todo> all();\n    @DELETE @Path(\"/{id}\")\n    void remove(long id);\n}\n",
        _JAVA_DIR + "TodoResource.java": "package com.example;\npublic class TodoResource implements TodosApi {\n"
                                         "    @Override public List<Todo> all() { return null; }\n"
                                         "    @Override public void remove(long id) {}\n}\n",
        _JAVA_DIR + "Client.java": "package com.example;\n@RegisterRestClient\n@Path(\"/remote\")\npublic interface Client {\n"
                                   "    @GET String ping();\n}\n",
    })
    assert _routes(tmp_path) == [
        ("DELETE", "/todos/{id}", _JAVA_DIR + "TodosApi.java", 6, True),
        ("GET", "/todos", _JAVA_DIR + "TodosApi.java", 4, True),
    ]


def test_spring_paths_built_from_constants(tmp_path: Path) -> None:
    write(tmp_path, {
        _JAVA_DIR + "Paths.java": "package com.example;\npublic final class Paths {\n"
                                  "    public static final String API = \"/api/v1\";\n"
                                  "    public static final String USERS = API + \"/users\";\n}\n",
        _JAVA_DIR + "Users.java": "package com.example;\nimport static com.example.Paths.USERS;\n@RestController\n"
                                  "@RequestMapping(USERS)\npublic class Users {\n    @GetMapping(Paths.API + \"/me\")\n"
                                  "    public User me() { return null; }\n    @GetMapping(Missing.X)\n"
                                  "    public User x() { return null; }\n}\n",
    })
    assert _routes(tmp_path) == [
        ("GET", "/api/v1/users", _JAVA_DIR + "Users.java", 8, False),
        ("GET", "/api/v1/users/api/v1/me", _JAVA_DIR + "Users.java", 6, True),
    ]


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("server.servlet.context-path:=/ ${}*&!-\n\t#ab'\"[]")), max_size=200))
def test_servlet_config_readers_never_raise(text: str) -> None:
    from checks.openapi.routes_java import _properties, _yaml_values

    for values in (_properties(text), _yaml_values("application.yml", text)):
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in values.items())


def test_fastapi_router_subclass_and_django_function_views_issue_9(tmp_path: Path) -> None:
    """issue 9: a project's own `APIRouter` subclass declares routes like APIRouter, under the prefix given where it
    is included from another module; Django function views in urls.py (`path`, `re_path`, `include()` by dotted
    name, two levels deep) are endpoints, not only DRF routers."""
    write(tmp_path, {
        "svc/routing.py": "from fastapi import APIRouter\n\n\nclass UserAPIRouter(APIRouter):\n    pass\n",
        "svc/api/users.py": "from svc.routing import UserAPIRouter\n\nrouter = UserAPIRouter(prefix=\"/users\")\n\n\n"
                            "@router.get(\"/{uid}\")\ndef get_user(uid: int): ...\n\n\n@router.post(\"\")\ndef add(): ...\n",
        "svc/main.py": "from fastapi import FastAPI\nfrom svc.api import users\n\napp = FastAPI()\n"
                       "app.include_router(users.router, prefix=\"/api\")\n",
        "proj/urls.py": "from django.urls import include, path, re_path\nfrom . import views\n\nurlpatterns = [\n"
                        "    path(\"health/\", views.health),\n    path(\"api/\", include(\"polls.urls\")),\n"
                        "    re_path(r\"^legacy/(?P<pk>[0-9]+)/$\", views.legacy, name=\"legacy\"),\n]\n",
        "proj/views.py": "from django.http import JsonResponse\n\ndef health(request):\n    return JsonResponse({})\n\n"
                         "def legacy(request, pk):\n    return JsonResponse({})\n",
        "polls/urls.py": "from django.urls import include, path\nfrom polls import views\n\nurlpatterns = [\n"
                         "    path(\"polls/\", views.index),\n    path(\"polls/<int:pk>/\", views.detail),\n"
                         "    path(\"v2/\", include(\"polls.v2urls\")),\n]\n",
        "polls/v2urls.py": "from django.urls import path\nfrom polls.views import index\n\nurlpatterns = [path(\"polls/\", index)]\n",
        "polls/views.py": "from django.http import JsonResponse\n\ndef index(request):\n    return JsonResponse([], safe=False)\n\n"
                          "def detail(request, pk):\n    return JsonResponse({})\n",
    })
    routes = _routes(tmp_path)
    assert routes == [
        ("ANY", "/^legacy/(?P<pk>[0-9]+)/$", "proj/urls.py", 7, True),
        ("ANY", "/api/polls", "polls/urls.py", 5, True),
        ("ANY", "/api/polls/<int:pk>", "polls/urls.py", 6, True),
        ("ANY", "/api/v2/polls", "polls/v2urls.py", 4, True),
        ("ANY", "/health", "proj/urls.py", 5, True),
        ("GET", "/api/users/{uid}", "svc/api/users.py", 6, True),
        ("POST", "/api/users", "svc/api/users.py", 10, True),
    ]
    assert normalise_path(routes[0][1]) == "/legacy/{}"  # the regex route matches a spec's /legacy/{pk}


def test_class_based_view_attributes_guard_the_routes_of_its_methods_issue_9(tmp_path: Path) -> None:
    """mealie's controllers (`@controller(router) class X(BaseCrudController)`, fastapi-utils' cbv) declare
    `user: User = Depends(get_current_user)` on a base class: every route a method declares depends on it, so the
    security family sees it guarded (mealie's POST /api/organizers/categories was "no authentication"); a public
    controller's base declares none."""
    from analysis.routes import project_endpoints
    from checks.security.auth import MissingAuth

    write(tmp_path, {
        "pyproject.toml": '[project]\nname = "svc"\ndependencies = ["fastapi", "sqlalchemy"]\n',
        "app/routes/base.py": "from fastapi import Depends\n\nfrom app.deps import get_admin_user, get_current_user, tr\n\n\n"
                              "class _BaseController:\n    translator = Depends(tr)\n\n\n"
                              "class BasePublicController(_BaseController):\n    pass\n\n\n"
                              "class BaseUserController(_BaseController):\n    user: dict = Depends(get_current_user)\n\n\n"
                              "class BaseCrudController(BaseUserController):\n    pass\n",
        "app/routes/categories.py": "from fastapi import APIRouter\n\n"
                                    "from app.routes.base import BaseCrudController, BasePublicController, controller\n\n"
                                    "router = APIRouter(prefix=\"/categories\")\npublic = APIRouter(prefix=\"/explore\")\n\n\n"
                                    "@controller(router)\nclass CategoryController(BaseCrudController):\n"
                                    "    @router.post(\"\")\n    def create_one(self, data: dict):\n        return data\n\n\n"
                                    "@controller(public)\nclass ExploreController(BasePublicController):\n"
                                    "    @public.post(\"/search\")\n    def search(self, data: dict):\n        return data\n",
        "app/main.py": "from fastapi import FastAPI\n\nfrom app.routes import categories\n\napp = FastAPI()\n"
                       "app.include_router(categories.router, prefix=\"/api\")\n"
                       "app.include_router(categories.public, prefix=\"/api\")\n",
    })
    ctx = context(tmp_path)
    guards = {(e.method, e.path): e.guards for e in project_endpoints(ctx.analysis)}
    assert guards == {("POST", "/api/categories"): ("param:user=Depends(get_current_user)", "param:translator=Depends(tr)"),
                      ("POST", "/api/explore/search"): ("param:translator=Depends(tr)",)}
    verdict = MissingAuth().run(ctx)
    assert [(f.path, f.line, f.severity) for f in verdict.findings] == [("app/routes/categories.py", 18, Severity.MEDIUM)]


def test_the_json_report_lists_every_endpoint_with_its_handler_framework_and_confidence(tmp_path: Path) -> None:
    """issue 9: `facts.openapi.endpoints` lists every endpoint counted (method, full path, file, line, handler,
    framework); a route whose router is never found mounted is listed at low confidence, and no finding says an
    endpoint is missing because of it."""
    import jsonschema

    from reports.base import scorecard_to_dict

    spec = ("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /api/rooms:\n    get:\n"
            "      responses: {'200': {description: ok}}\n")
    write(tmp_path, {
        "package.json": '{"name": "svc", "dependencies": {"express": "4"}}',
        "openapi.yaml": spec,
        "src/app.js": "const express = require('express');\nconst app = express();\n"
                      "app.use('/api', require('./rooms'));\n",
        "src/rooms.js": "const router = require('express').Router();\nrouter.get('/rooms', listRooms);\n"
                        "router.post('/rooms', rooms.create);\nmodule.exports = router;\n",
        "src/lost.js": "const lost = require('express').Router();\nlost.delete('/lost/:id', removeLost);\n",
    })
    card = audit(tmp_path, Config(only=("openapi/*",)))
    data = json.loads(json.dumps(scorecard_to_dict(card)))
    schema = json.loads((Path(__file__).parent.parent / "reports/schema/report.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(data)
    facts = data["facts"]["openapi"]
    assert facts["endpoints_in_code"] == len(facts["endpoints"]) == 3
    assert facts["endpoints"] == [
        {"method": "DELETE", "path": "/lost/:id", "file": "src/lost.js", "line": 2, "handler": "removeLost",
         "framework": "express", "confidence": "low", "documented": False},
        {"method": "GET", "path": "/api/rooms", "file": "src/rooms.js", "line": 2, "handler": "listRooms",
         "framework": "express", "confidence": "high", "documented": True},
        {"method": "POST", "path": "/api/rooms", "file": "src/rooms.js", "line": 3, "handler": "rooms.create",
         "framework": "express", "confidence": "high", "documented": False},
    ]
    [undocumented] = [r for r in card.projects[0].results if r.id == "openapi/undocumented-endpoint"]
    lost = [f for f in undocumented.findings if f.path == "src/lost.js"]
    assert [(f.severity.value, f.confidence.value) for f in lost] == [("low", "low")]


def test_django_include_of_a_list_of_patterns_carries_its_prefix(tmp_path: Path) -> None:
    """issue 9 (Django function views through include() chains): `path("credit/", include(extra_patterns))` and
    `path("api/", include([path(...), ...]))` -- Django's documented ways to share a prefix -- serve the listed
    views under it; they were read as routes of their own without the prefix."""
    write(tmp_path, {
        "proj/urls.py": "from django.urls import include, path, re_path\nfrom credit import views as credit_views\n\n"
                        "extra_patterns = [\n    path(\"reports/\", credit_views.report),\n"
                        "    path(\"reports/<int:id>/\", credit_views.report),\n"
                        "    re_path(r\"^charge/$\", credit_views.charge),\n]\n\nurlpatterns = [\n"
                        "    path(\"\", credit_views.home),\n    path(\"credit/\", include(extra_patterns)),\n"
                        "    path(\"api/\", include([\n        path(\"v1/\", include(([\n"
                        "            path(\"items/\", credit_views.items),\n        ], \"v1\"))),\n"
                        "        path(\"health/\", credit_views.health),\n    ])),\n]\n",
        "credit/views.py": "from django.http import JsonResponse\n\n\ndef report(request, id=None):\n"
                           "    return JsonResponse({})\n",
    })
    routes = _routes(tmp_path)
    assert routes == [
        ("ANY", "/", "proj/urls.py", 11, True),
        ("ANY", "/api/health", "proj/urls.py", 17, True),
        ("ANY", "/api/v1/items", "proj/urls.py", 15, True),
        ("ANY", "/credit/charge/$", "proj/urls.py", 7, True),
        ("ANY", "/credit/reports", "proj/urls.py", 5, True),
        ("ANY", "/credit/reports/<int:id>", "proj/urls.py", 6, True),
    ]
    assert normalise_path("/credit/charge/$") == "/credit/charge"


def test_routes_added_by_add_api_route_and_add_url_rule_are_endpoints(tmp_path: Path) -> None:
    """Every route the framework would serve (issue 9): FastAPI's `router.add_api_route(path, endpoint, methods=)`
    and Flask's `app.add_url_rule(rule, view_func=...)` register routes without a decorator; a handler of the module
    brings its `Depends(...)` parameters, so the security family sees it guarded."""
    write(tmp_path, {
        "app/main.py": "from fastapi import APIRouter, Depends, FastAPI\n\nfrom app.deps import get_current_user\n\n"
                       "router = APIRouter(prefix=\"/items\")\n\n\n"
                       "def replace_item(item_id: int, user=Depends(get_current_user)):\n    return {}\n\n\n"
                       "router.add_api_route(\"/{item_id}\", replace_item, methods=[\"PUT\", \"PATCH\"])\n"
                       "app = FastAPI()\napp.include_router(router, prefix=\"/api\")\n"
                       "app.add_api_route(\"/health\", endpoint=lambda: {\"ok\": True})\n",
        "legacy/views.py": "from flask import Flask\nfrom flask.views import MethodView\n\napp = Flask(__name__)\n\n\n"
                           "class UserAPI(MethodView):\n    def get(self):\n        return {}\n\n\n"
                           "app.add_url_rule(\"/users/\", view_func=UserAPI.as_view(\"users\"), methods=[\"GET\"])\n",
    })
    model = openapi_model(context(tmp_path))
    got = sorted((e.method, e.path, e.file, e.line, e.handler) for e in model.endpoints)
    assert got == [
        ("GET", "/health", "app/main.py", 15, 'lambda: {"ok": True}'),
        ("GET", "/users", "legacy/views.py", 12, 'UserAPI.as_view("users")'),
        ("PATCH", "/api/items/{item_id}", "app/main.py", 12, "replace_item"),
        ("PUT", "/api/items/{item_id}", "app/main.py", 12, "replace_item"),
    ]
    put = next(e for e in model.endpoints if e.method == "PUT")
    assert put.guards == ("param:user=Depends(get_current_user)",)


DJANGO_CBV_URLS = """\
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView, TemplateView
from rest_framework.routers import DefaultRouter

from shop import views
from shop.views import ItemDetail

router = DefaultRouter()
router.register(r"orders", views.OrderViewSet)
router.register(r"tags", views.TagViewSet, basename="tag")

urlpatterns = [
    path("about/", TemplateView.as_view(template_name="about.html")),
    path("items/", views.ItemList.as_view(), name="items"),
    path("items/<int:pk>/", ItemDetail.as_view()),
    path("contact/", views.ContactView.as_view()),
    path("ping/", views.ping),
    path("legacy/", views.LegacyView.as_view()),
    path("old/", RedirectView.as_view(url="/about/")),
    path("api/", include(router.urls)),
    path("login/", auth_views.LoginView.as_view()),
]
"""

DJANGO_CBV_VIEWS = """\
from django.contrib.auth.mixins import LoginRequiredMixin
from django.views import View
from rest_framework import generics, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.permissions import IsAuthenticated
from thirdparty import MagicView


@api_view(["GET", "POST"])
def ping(request):
    return None


class ItemList(generics.ListCreateAPIView):
    permission_classes = [IsAuthenticated]


class ItemDetail(generics.RetrieveUpdateDestroyAPIView):
    pass


class BaseForm(LoginRequiredMixin, View):
    def get(self, request):
        return None


class ContactView(BaseForm):
    def post(self, request):
        return None


class LegacyView(MagicView):
    pass


class OrderViewSet(viewsets.ModelViewSet):
    @action(detail=True, methods=["post"], url_path="cancel")
    def cancel(self, request, pk=None):
        return None


class TagViewSet(viewsets.GenericViewSet):
    def list(self, request):
        return None


class LoginView(View):  # the project's own, not the django.contrib.auth one the urls use
    def get(self, request):
        return None
"""


def test_django_class_based_views_serve_the_methods_they_define_or_inherit(tmp_path: Path) -> None:
    """issue 9 (every route the framework would serve): a class-based view serves the methods it defines (`def get`,
    `def post`, also through its project bases) or that its generic base provides (DRF ListCreateAPIView -> GET and
    POST, RetrieveUpdateDestroyAPIView -> GET/PUT/PATCH/DELETE, TemplateView -> GET); a DRF function view the
    methods of its `@api_view([...])`; a router-registered viewset its actions on the list and detail routes and
    its `@action`s. They were all listed as one "ANY". A view built on a class outside the project stays ANY, with
    low confidence; the guards a view carries (permission_classes, LoginRequiredMixin) come with its methods."""
    write(tmp_path, {"proj/urls.py": DJANGO_CBV_URLS, "shop/views.py": DJANGO_CBV_VIEWS})
    model = openapi_model(context(tmp_path))
    got = sorted((e.method, e.path, e.line, e.method_known) for e in model.endpoints)
    assert got == [
        ("ANY", "/legacy", 19, False),
        ("ANY", "/old", 20, True),  # RedirectView answers every method
        ("DELETE", "/api/orders/{pk}", 10, True),
        ("DELETE", "/items/<int:pk>", 16, True),
        ("GET", "/about", 14, True),
        ("GET", "/api/orders", 10, True),
        ("GET", "/api/orders/{pk}", 10, True),
        ("GET", "/api/tags", 11, True),
        ("GET", "/contact", 17, True),
        ("GET", "/items", 15, True),
        ("GET", "/items/<int:pk>", 16, True),
        ("GET", "/login", 22, True),  # Django's LoginView (imported), not the project's own class of that name
        ("GET", "/ping", 18, True),
        ("PATCH", "/api/orders/{pk}", 10, True),
        ("PATCH", "/items/<int:pk>", 16, True),
        ("POST", "/api/orders", 10, True),
        ("POST", "/api/orders/{pk}/cancel", 10, True),
        ("POST", "/contact", 17, True),
        ("POST", "/items", 15, True),
        ("POST", "/login", 22, True),
        ("POST", "/ping", 18, True),
        ("PUT", "/api/orders/{pk}", 10, True),
        ("PUT", "/items/<int:pk>", 16, True),
    ]
    guards = {(e.method, e.path): e.guards for e in model.endpoints}
    assert "permission_classes=[IsAuthenticated]" in guards[("POST", "/items")]
    assert "base:LoginRequiredMixin" in guards[("POST", "/contact")]
    assert guards[("PUT", "/items/<int:pk>")] == ("base:RetrieveUpdateDestroyAPIView",)
    facts = openapi_facts(context(tmp_path))
    assert {(e.path, e.confidence) for e in facts.endpoints if e.method == "ANY"} == {("/legacy", "low"), ("/old", "high")}


def test_a_handler_at_the_root_is_an_endpoint_a_sub_application_mounted_there_is_not(tmp_path: Path) -> None:
    """issue 9 (every route the framework would serve): every route at "/" that serves any method was dropped as a
    catch-all mount, losing a Django `path("", views.index)` home view and an Express `app.all("/", h)`; only a
    sub-application mounted at the root (Go's `mux.Handle("/", gateway)`, an http.Handler at ServeMux's
    match-everything pattern) is no endpoint -- a `HandleFunc("/", index)` beside it is one."""
    django = write(tmp_path / "django", {
        "web/urls.py": "from django.urls import path\n\nfrom web import views\n\nurlpatterns = [\n"
                       "    path(\"\", views.index),\n    path(\"about/\", views.about),\n]\n",
        "web/views.py": "def index(request):\n    return None\n\n\ndef about(request):\n    return None\n",
    })
    express = write(tmp_path / "express", {
        "app.js": "const express = require('express');\nconst app = express();\n"
                  "app.all('/', (req, res) => res.send('hi'));\napp.get('/items', (req, res) => res.json([]));\n"
                  "app.listen(3000);\n",
    })
    go = write(tmp_path / "go", {
        "go.mod": "module example.com/svc\n\ngo 1.22\n",
        "main.go": "package main\n\nimport \"net/http\"\n\nfunc index(w http.ResponseWriter, r *http.Request) {}\n\n"
                   "func main() {\n\tgw := http.NewServeMux()\n\tmux := http.NewServeMux()\n\tmux.Handle(\"/\", gw)\n"
                   "\tmux.HandleFunc(\"/health\", index)\n\thttp.ListenAndServe(\":8080\", mux)\n}\n",
        "site/main.go": "package site\n\nimport \"net/http\"\n\nfunc index(w http.ResponseWriter, r *http.Request) {}\n\n"
                        "func Serve() {\n\tmux := http.NewServeMux()\n\tmux.HandleFunc(\"/\", index)\n}\n",
    })
    assert _routes(django) == [("ANY", "/", "web/urls.py", 6, True), ("ANY", "/about", "web/urls.py", 7, True)]
    assert _routes(express) == [("ANY", "/", "app.js", 3, True), ("GET", "/items", "app.js", 4, True)]
    assert _routes(go) == [("ANY", "/", "site/main.go", 9, True), ("ANY", "/health", "main.go", 11, True)]
