"""Project detection: exact project lists for small temp repositories, and hostile manifests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.context import Project
from auditor.projects import classify_kind, find_projects
from auditor.repo import Repository

PY_APP = "from fastapi import FastAPI\napp = FastAPI()\n"
GO_MAIN = "package main\n\nfunc main() {}\n"


def projects(root: Path) -> list[Project]:
    return find_projects(Repository.scan(root))


def test_no_manifest_is_one_root_project(make_repo: Callable[..., Path]) -> None:
    assert projects(make_repo({"app.py": PY_APP})) == [Project("")]


def test_single_root_manifest_keeps_todays_root_project(make_repo: Callable[..., Path]) -> None:
    root = make_repo({
        "package.json": '{"name": "web", "dependencies": {"react": "18", "vite": "5"}}',
        "src/App.tsx": "export const App = () => null;\n",
        "tests/fixtures/demo/package.json": '{"name": "fixture"}',
        "docs/example/pyproject.toml": "[project]\nname = 'doc'\n",
    }, git=True)
    # One project: not renamed and not re-kinded, exactly as before monorepo support.
    assert projects(root) == [Project("", manifests=("package.json",))]


def test_monorepo_without_root_manifest(make_repo: Callable[..., Path]) -> None:
    root = make_repo({
        "README.md": "# shop\n",
        "docker-compose.yml": "services: {}\n",
        "backend/pyproject.toml": '[project]\nname = "shop-api"\ndependencies = ["fastapi", "sqlalchemy>=2"]\n',
        "backend/app/main.py": PY_APP,
        "frontend/package.json": '{"name": "shop-web", "dependencies": {"react": "^18"}, "devDependencies": {"vite": "^5"}}',
        "frontend/src/main.tsx": "export {};\n",
        "services/worker/go.mod": "module github.com/acme/shop/worker\n\ngo 1.22\n",
        "services/worker/main.go": GO_MAIN,
    })
    assert projects(root) == [
        Project("backend", "backend", ("backend/pyproject.toml",), (), "shop-api"),
        Project("frontend", "frontend", ("frontend/package.json",), (), "shop-web"),
        Project("services/worker", "library", ("services/worker/go.mod",), (), "worker"),
    ]


def test_go_major_version_suffix_is_not_the_project_name(make_repo: Callable[..., Path]) -> None:
    """A module path ending in `/v2` is version 2 of the module named before it (issue 9)."""
    root = make_repo({
        "services/shop/go.mod": "module github.com/acme/shop/v2\n\ngo 1.22\n",
        "services/shop/main.go": GO_MAIN,
        "services/yaml/go.mod": "module gopkg.in/acme/yaml.v3\n\ngo 1.22\n",
        "services/yaml/main.go": GO_MAIN,
    })
    assert [(p.path, p.name) for p in projects(root)] == [("services/shop", "shop"), ("services/yaml", "yaml")]


def test_root_manifest_owns_the_rest_and_excludes_nested_projects(make_repo: Callable[..., Path]) -> None:
    root = make_repo({
        "pyproject.toml": '[project]\nname = "api"\ndependencies = ["flask"]\n',
        "requirements-dev.txt": "pytest\n",
        "app.py": PY_APP,
        "web/package.json": '{"name": "web", "dependencies": {"next": "14", "react": "18"}}',
        "web/pages/index.tsx": "export default function Home() { return null; }\n",
        "web/api/package.json": '{"name": "web-api", "dependencies": {"express": "4"}}',
        "web/api/server.ts": "import express from 'express';\n",
    })
    found = projects(root)
    assert found == [
        Project("", "backend", ("pyproject.toml", "requirements-dev.txt"), ("web", "web/api"), "api"),
        Project("web", "frontend", ("web/package.json",), ("web/api",), "web"),
        Project("web/api", "backend", ("web/api/package.json",), (), "web-api"),
    ]
    root_project = found[0]
    assert root_project.owns("app.py") and not root_project.owns("web/pages/index.tsx")
    assert not found[1].owns("web/api/server.ts") and found[2].owns("web/api/server.ts")


def test_same_folder_manifests_are_one_project_and_server_wins_over_ui(make_repo: Callable[..., Path]) -> None:
    root = make_repo({
        "pom.xml": "<project><artifactId>shop</artifactId><dependencies><dependency><groupId>org.springframework.boot"
                   "</groupId><artifactId>spring-boot-starter-web</artifactId></dependency></dependencies></project>",
        "package.json": '{"name": "shop-ui", "dependencies": {"@angular/core": "17"}}',
        "src/main/java/com/acme/App.java": "package com.acme;\nclass App {}\n",
        "tools/gen/setup.py": "from setuptools import setup\nsetup(name='gen', install_requires=['click'])\n",
        "tools/gen/gen.py": "import click\n",
    })
    assert projects(root) == [
        Project("", "backend", ("package.json", "pom.xml"), ("tools/gen",), "shop"),
        Project("tools/gen", "library", ("tools/gen/setup.py",), (), "gen"),
    ]


def test_cargo_workspace_is_one_project(make_repo: Callable[..., Path]) -> None:
    root = make_repo({
        "Cargo.toml": '[workspace]\nmembers = ["api", "migration"]\n',
        "api/Cargo.toml": '[package]\nname = "api"\n[dependencies]\naxum = "0.7"\n',
        "api/src/main.rs": "fn main() {}\n",
        "migration/Cargo.toml": '[package]\nname = "migration"\n[dependencies]\nsea-orm-migration = "1"\n',
        "migration/src/lib.rs": "pub struct Migrator;\n",
        "ui/package.json": '{"name": "ui", "dependencies": {"svelte": "4"}}',
        "ui/src/main.ts": "export {};\n",
    })
    assert projects(root) == [
        Project("", "backend", ("Cargo.toml", "api/Cargo.toml", "migration/Cargo.toml"), ("ui",), ""),
        Project("ui", "frontend", ("ui/package.json",), (), "ui"),
    ]


def test_maven_aggregator_absorbs_modules_but_gradle_free_folders_stay(make_repo: Callable[..., Path]) -> None:
    root = make_repo({
        "pom.xml": "<project xmlns='http://maven.apache.org/POM/4.0.0'><artifactId>parent</artifactId>"
                   "<packaging>pom</packaging><modules><module>app</module><module>e2e-tests</module></modules></project>",
        "app/pom.xml": "<project><artifactId>app</artifactId><dependencies><dependency><groupId>org.flywaydb</groupId>"
                       "<artifactId>flyway-core</artifactId></dependency></dependencies></project>",
        "app/src/main/java/com/acme/App.java": "package com.acme;\nclass App {}\n",
        "e2e-tests/pom.xml": "<project><artifactId>e2e</artifactId></project>",
        "e2e-tests/src/test/java/com/acme/AppIT.java": "package com.acme;\nclass AppIT {}\n",
    })
    # e2e-tests/ is a test folder: its pom is not a project root, its code stays with the root project.
    assert projects(root) == [Project("", manifests=("app/pom.xml", "pom.xml"))]


def test_nested_manifest_without_code_folds_into_parent(make_repo: Callable[..., Path]) -> None:
    root = make_repo({
        "api/pyproject.toml": '[project]\nname = "api"\n',
        "api/main.py": "import flask\n",
        "api/requirements/base.txt": "flask==3.0\n",
        "api/docker/requirements.txt": "gunicorn\n",
        "web/package.json": '{"name": "web", "dependencies": {"vue": "3"}}',
        "web/src/main.js": "export {};\n",
        ".github/actions/x/package.json": '{"name": "action"}',
    })
    assert projects(root) == [
        Project("api", "backend", ("api/docker/requirements.txt", "api/pyproject.toml", "api/requirements/base.txt"),
                (), "api"),
        Project("web", "frontend", ("web/package.json",), (), "web"),
    ]


def test_root_code_outside_projects_makes_a_root_project(make_repo: Callable[..., Path]) -> None:
    root = make_repo({
        "scripts/deploy.py": "import subprocess\n",
        "svc/go.mod": "module example.com/svc\n\ngo 1.22\n\nrequire github.com/labstack/echo/v4 v4.11.4\n",
        "svc/main.go": GO_MAIN,
        "lib/go.mod": "module example.com/lib\n\ngo 1.22\n",
        "lib/lib.go": 'package lib\n\nimport "database/sql"\n\nvar _ sql.DB\n',
    })
    assert projects(root) == [
        Project("", "library", (), ("lib", "svc"), ""),
        Project("lib", "backend", ("lib/go.mod",), (), "lib"),  # imports database/sql
        Project("svc", "backend", ("svc/go.mod",), (), "svc"),
    ]


def test_duplicate_manifest_names_fall_back_to_paths(make_repo: Callable[..., Path]) -> None:
    root = make_repo({
        "a/package.json": '{"name": "app", "dependencies": {"express": "4"}}', "a/index.js": "1;\n",
        "b/package.json": '{"name": "app", "dependencies": {"fastify": "4"}}', "b/index.js": "1;\n",
    })
    assert [p.label for p in projects(root)] == ["a", "b"]


def test_malformed_manifests_never_crash_and_add_no_dependencies(make_repo: Callable[..., Path]) -> None:
    root = make_repo({
        "api/pyproject.toml": "[project\nname = ",
        "api/main.py": "x = 1\n",
        "web/package.json": "[" * 100_000,
        "web/index.js": "1;\n",
        "jvm/pom.xml": '<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><project>&b;</project>',
        "jvm/App.java": "class App {}\n",
        "rs/Cargo.toml": b"\xff\xfe[package]",
        "rs/main.rs": "fn main() {}\n",
    })
    assert [(p.path, p.kind, p.name) for p in projects(root)] == [
        ("api", "library", "api"), ("jvm", "library", "jvm"), ("rs", "library", "rs"), ("web", "library", "web"),
    ]


def test_classify_kind() -> None:
    assert classify_kind({"react", "vite"}) == "frontend"
    assert classify_kind({"react", "express"}) == "backend"
    assert classify_kind({"next", "@prisma/client"}) == "backend"
    assert classify_kind({"github.com/gin-gonic/gin"}) == "backend"
    assert classify_kind({"org.springframework.boot:spring-boot-starter-web"}) == "backend"
    assert classify_kind({"requests", "click"}) == "library"
    assert classify_kind({"requests"}, code_is_backend=True) == "backend"
    assert classify_kind({"vue"}, code_is_backend=True) == "frontend"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=400), st.sampled_from(["pyproject.toml", "package.json", "Cargo.toml", "go.mod", "pom.xml",
                                                  "setup.cfg", "setup.py", "requirements.txt", "build.gradle", "Pipfile"]))
def test_any_manifest_bytes_give_a_well_formed_project_list(tmp_path: Path, data: bytes, manifest: str) -> None:
    root = tmp_path / "r"
    (root / "svc").mkdir(parents=True, exist_ok=True)
    (root / "svc" / manifest).write_bytes(data)
    (root / "svc" / "main.py").write_text("x = 1\n", encoding="utf-8")
    (root / "web").mkdir(exist_ok=True)
    (root / "web" / "package.json").write_text('{"dependencies": {"react": "18"}}', encoding="utf-8")
    (root / "web" / "main.ts").write_text("export {};\n", encoding="utf-8")
    found = projects(root)
    paths = [p.path for p in found]
    assert paths == sorted(set(paths))
    assert all(p.kind in ("backend", "frontend", "library") for p in found)
    web = next(p for p in found if p.path == "web")
    assert web.kind == "frontend" and web.manifests == ("web/package.json",)


def test_module_type_package_json_is_no_project(make_repo: Callable[..., Path]) -> None:
    # JHipster: webpack/ holds build scripts and a package.json that only says {"type": "commonjs"}.
    root = make_repo({
        "pom.xml": "<project><artifactId>jhipster</artifactId><dependencies><dependency><groupId>org.liquibase"
                   "</groupId><artifactId>liquibase-core</artifactId></dependency></dependencies></project>",
        "package.json": '{"name": "jhipster", "dependencies": {"@angular/core": "17"}}',
        "src/main/java/com/mycompany/myapp/App.java": "package com.mycompany.myapp;\nclass App {}\n",
        "src/main/webapp/main.ts": "export {};\n",
        "webpack/package.json": '{\n  "type": "commonjs"\n}\n',
        "webpack/webpack.custom.js": "module.exports = {};\n",
        "tools/package.json": '{"type": "module", "scripts": {"gen": "node gen.js"}}',
        "tools/gen.js": "export {};\n",
    })
    assert projects(root) == [
        Project("", "backend", ("package.json", "pom.xml"), ("tools",), "jhipster"),
        Project("tools", "library", ("tools/package.json",), (), "tools"),
    ]


def test_migration_crate_folds_into_its_service(make_repo: Callable[..., Path]) -> None:
    # sea-orm-cli layout without a workspace: migration/ is its own crate that only migrates the service.
    root = make_repo({
        "Cargo.toml": '[package]\nname = "shop"\n[dependencies]\naxum = "0.8"\nsea-orm = "1"\n',
        "src/main.rs": "fn main() {}\n",
        "migration/Cargo.toml": '[package]\nname = "migration"\n[dependencies]\nsea-orm-migration = "1"\n',
        "migration/src/lib.rs": "pub struct Migrator;\n",
        "migration/src/m20220101_000001_create_table.rs": "pub struct Migration;\n",
        "migration/README.md": "# Running Migrator CLI\n",
        "worker/Cargo.toml": '[package]\nname = "worker"\n[dependencies]\ntokio = "1"\n',
        "worker/src/main.rs": "fn main() {}\n",
    })
    assert projects(root) == [
        Project("", "backend", ("Cargo.toml", "migration/Cargo.toml"), ("worker",), "shop"),
        Project("worker", "library", ("worker/Cargo.toml",), (), "worker"),
    ]


def test_migrations_without_an_enclosing_project_stay_a_project(make_repo: Callable[..., Path]) -> None:
    root = make_repo({
        "api/go.mod": "module example.com/api\n\ngo 1.22\n\nrequire github.com/go-chi/chi/v5 v5.0.12\n",
        "api/main.go": GO_MAIN,
        "migrations/package.json": '{"name": "db-migrations", "dependencies": {"knex": "3"}}',
        "migrations/20240101_init.js": "exports.up = () => {};\n",
    })
    assert projects(root) == [
        Project("api", "backend", ("api/go.mod",), (), "api"),
        Project("migrations", "backend", ("migrations/package.json",), (), "db-migrations"),
    ]
