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
    # webpack/package.json describes nothing; tools/package.json does (it has scripts), but a one-file package of
    # the root's own ecosystem is part of the root project (it used to be a "library" project of its own).
    assert projects(root) == [Project("", manifests=("package.json", "pom.xml", "tools/package.json"))]


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


# -- issue 9: one project per deployable, each with the right kind -----------------------------------------------
def test_setup_py_modules_and_asset_package_json_are_no_projects(make_repo: Callable[..., Path]) -> None:
    """A setup.py that never calls setuptools' setup() is a module (Sphinx's `def setup(app)`); a package.json that
    only runs Tailwind inside a Python package builds CSS: neither makes a project of its own."""
    root = make_repo({
        "pyproject.toml": '[project]\nname = "shop"\ndependencies = ["django"]\n',
        "shop/views.py": "from django.http import HttpResponse\n",
        "shop/setup.py": "def setup(app):\n    app.connect('x', f)\n",
        "shop/sub/setup.py": "import os\nX = 1\n",
        "shop/theme/package.json": '{"name": "theme", "scripts": {"build": "tailwindcss -i a.css -o b.css"}, '
                                   '"devDependencies": {"tailwindcss": "3", "postcss": "8"}}',
        "shop/theme/tailwind.config.js": "module.exports = {};\n",
        "shop/theme/build.js": "require('x');\n",
    })
    assert projects(root) == [Project("", manifests=("pyproject.toml", "shop/theme/package.json"))]


def test_sub_package_sharing_its_parents_migrations_is_part_of_it(make_repo: Callable[..., Path]) -> None:
    root = make_repo({
        "pyproject.toml": '[project]\nname = "svc"\ndependencies = ["sqlalchemy", "alembic", "fastapi"]\n',
        "svc/main.py": PY_APP,
        "migrations/versions/a.py": "revision = 'a'\ndown_revision = None\n\ndef upgrade():\n    pass\n",
        "tests/test_a.py": "def test():\n    pass\n",
        "plugins/extra/pyproject.toml": '[project]\nname = "svc-extra"\ndependencies = ["sqlalchemy"]\n',
        "plugins/extra/svc_extra/models.py": "import sqlalchemy\n",
        "plugins/extra/svc_extra/api.py": "import sqlalchemy\n",
    })
    assert projects(root) == [Project("", manifests=("plugins/extra/pyproject.toml", "pyproject.toml"))]


def test_workspace_tooling_packages_fold_and_apps_split(make_repo: Callable[..., Path]) -> None:
    """A pnpm/turborepo workspace: the API and the web app are projects of their kinds; the ESLint config, the
    tsconfig package and a one-file codemod are not held to backend standards (they join the workspace root, which
    is a library)."""
    root = make_repo({
        "package.json": '{"name": "mono", "private": true, "devDependencies": {"turbo": "1"}}',
        "pnpm-workspace.yaml": "packages: ['apps/*', 'packages/*']\n",
        "packages/eslint-config/package.json": '{"name": "@acme/eslint-config", "dependencies": {"eslint": "8"}}',
        "packages/eslint-config/index.js": "module.exports = {};\n",
        "packages/tsconfig/package.json": '{"name": "@acme/tsconfig"}',
        "packages/tsconfig/base.json": "{}",
        "packages/codemod/package.json": '{"name": "@acme/codemod", "dependencies": {"jscodeshift": "1"}}',
        "packages/codemod/index.ts": "export default function t() {}\n",
        "apps/api/package.json": '{"name": "api", "dependencies": {"express": "4", "pg": "8"}}',
        "apps/api/src/index.ts": "import express from 'express';\n",
        "apps/web/package.json": '{"name": "web", "dependencies": {"react": "18", "vite": "5"}}',
        "apps/web/src/App.tsx": "export const A = () => null;\n",
    })
    assert projects(root) == [
        Project("", "library", ("package.json", "packages/codemod/package.json", "packages/eslint-config/package.json",
                                "packages/tsconfig/package.json"), ("apps/api", "apps/web"), "mono"),
        Project("apps/api", "backend", ("apps/api/package.json",), (), "api"),
        Project("apps/web", "frontend", ("apps/web/package.json",), (), "web"),
    ]


def test_angular_client_inside_a_nestjs_root_is_a_frontend_project(make_repo: Callable[..., Path]) -> None:
    ng = "import { Component } from '@angular/core';\n"
    root = make_repo({
        "package.json": '{"name": "nest", "dependencies": {"@nestjs/core": "10", "@angular/core": "17", "typeorm": "0.3"}}',
        "src/main.ts": "import { NestFactory } from '@nestjs/core';\n",
        "src/app.module.ts": "import { Module } from '@nestjs/common';\n",
        "client/src/app/app.component.ts": ng, "client/src/app/a.component.ts": ng, "client/src/app/b.component.ts": ng,
        "client/src/main.ts": "import { bootstrapApplication } from '@angular/platform-browser';\n",
    })
    assert projects(root) == [
        Project("", "backend", ("package.json",), ("client",), "nest"),
        Project("client", "frontend", ("package.json",), (), "client"),
    ]


def test_nx_apps_are_projects_by_their_targets_and_e2e_and_libs_are_not(make_repo: Callable[..., Path]) -> None:
    root = make_repo({
        "package.json": '{"name": "nxws", "dependencies": {"@nestjs/core": "10", "@angular/core": "17"}}',
        "nx.json": "{}",
        "apps/api/project.json": '{"name": "api", "targets": {"serve": {"executor": "@nx/js:node"}}}',
        "apps/api/src/main.ts": "import { NestFactory } from '@nestjs/core';\n",
        "apps/web/project.json": '{"name": "web", "targets": {"build": {"executor": "@angular-devkit/build-angular:application"}}}',
        "apps/web/src/app.component.ts": "import { Component } from '@angular/core';\n",
        "apps/api-e2e/project.json": '{"name": "api-e2e", "targets": {"e2e": {"executor": "@nx/jest:jest"}}}',
        "apps/api-e2e/src/api.spec.ts": "describe('x', () => {});\n",
        "libs/shared/project.json": '{"name": "shared", "projectType": "library"}',
        "libs/shared/src/index.ts": "export const x = 1;\n",
    })
    assert projects(root) == [
        Project("", "library", ("apps/api-e2e/project.json", "libs/shared/project.json", "package.json"),
                ("apps/api", "apps/web"), "nxws"),
        Project("apps/api", "backend", ("apps/api/project.json",), (), "api"),
        Project("apps/web", "frontend", ("apps/web/project.json",), (), "web"),
    ]


def test_go_workspace_modules_split_and_a_v2_module_is_named_before_it(make_repo: Callable[..., Path]) -> None:
    root = make_repo({
        "go.work": "go 1.22\nuse ./api\nuse ./worker\n",
        "api/go.mod": "module github.com/acme/api/v2\n\nrequire github.com/gin-gonic/gin v1.9.0\n",
        "api/main.go": 'package main\nimport "github.com/gin-gonic/gin"\n',
        "worker/go.mod": "module github.com/acme/worker\n",
        "worker/main.go": GO_MAIN,
    })
    assert projects(root) == [
        Project("api", "backend", ("api/go.mod",), (), "api"),
        Project("worker", "library", ("worker/go.mod",), (), "worker"),
    ]


def test_a_test_harness_package_is_the_test_suite_of_its_parent(make_repo: Callable[..., Path]) -> None:
    """lemmy's `api_tests/` (a package.json of TypeScript tests against the Rust server) is no project."""
    root = make_repo({
        "Cargo.toml": '[package]\nname = "lemmy"\n\n[dependencies]\nactix-web = "4"\n',
        "src/main.rs": "fn main() {}\n",
        "api_tests/package.json": '{"name": "api_tests", "dependencies": {"lemmy-js-client": "1"}, "scripts": {"api-test": "jest"}}',
        "api_tests/src/shared.ts": "export async function setup() {}\n",
        "api_tests/src/post.spec.ts": "test('x', () => {});\n",
    })
    assert projects(root) == [Project("", manifests=("Cargo.toml", "api_tests/package.json"))]


def _pom(artifact: str, *, plugin: str = "", managed: str = "", deps: str = "") -> str:
    build = f"<build><plugins><plugin><artifactId>{plugin}</artifactId></plugin></plugins></build>" if plugin else ""
    managed_build = (f"<build><pluginManagement><plugins><plugin><artifactId>{managed}</artifactId></plugin></plugins>"
                     "</pluginManagement></build>") if managed else ""
    return (f"<project xmlns='http://maven.apache.org/POM/4.0.0'><artifactId>{artifact}</artifactId>"
            f"<dependencies>{deps}</dependencies>{build}{managed_build}</project>")


def test_maven_build_of_several_applications_is_one_project_per_application(make_repo: Callable[..., Path]) -> None:
    """issue 9: quarkus-super-heroes and mall build several applications (a Quarkus or Spring Boot plugin in each
    module's build/plugins) from one aggregator: each is a deployable project; the shared libraries stay with the
    parent build, which is a library. A plugin only managed by the parent (pluginManagement) packages nothing."""
    web = "<dependency><groupId>org.springframework.boot</groupId><artifactId>spring-boot-starter-web</artifactId></dependency>"
    java = "package a;\nclass A {}\n"
    root = make_repo({
        "pom.xml": "<project><artifactId>shop</artifactId><packaging>pom</packaging><modules><module>admin</module>"
                   "<module>portal</module><module>common</module></modules>"
                   "<build><pluginManagement><plugins><plugin><artifactId>spring-boot-maven-plugin</artifactId>"
                   "</plugin></plugins></pluginManagement></build></project>",
        "admin/pom.xml": _pom("shop-admin", plugin="spring-boot-maven-plugin", deps=web),
        "admin/src/main/java/a/A.java": java,
        "portal/pom.xml": _pom("shop-portal", plugin="quarkus-maven-plugin", deps=web),
        "portal/src/main/java/a/A.java": java,
        "common/pom.xml": _pom("shop-common", managed="spring-boot-maven-plugin", deps=web),
        "common/src/main/java/a/A.java": java,
    })
    assert projects(root) == [
        Project("", "library", ("common/pom.xml", "pom.xml"), ("admin", "portal"), "shop"),
        Project("admin", "backend", ("admin/pom.xml",), (), "shop-admin"),
        Project("portal", "backend", ("portal/pom.xml",), (), "shop-portal"),
    ]
    one = [Project("", manifests=("admin/pom.xml", "common/pom.xml", "pom.xml", "portal/pom.xml"))]
    # applications built from a module of the build (mall's apps on mall-security, which holds their Spring
    # Security configuration) stay one project, so that the checks see the code they are built from
    common = "<dependency><groupId>com.shop</groupId><artifactId>shop-common</artifactId></dependency>"
    (root / "admin" / "pom.xml").write_text(_pom("shop-admin", plugin="spring-boot-maven-plugin", deps=web + common))
    assert projects(root) == one
    # one application among libraries is one deployable: the build stays one project
    (root / "admin" / "pom.xml").write_text(_pom("shop-admin", plugin="spring-boot-maven-plugin", deps=web))
    (root / "portal" / "pom.xml").write_text(_pom("shop-portal", deps=web))
    assert projects(root) == one


def test_gradle_applications_built_from_a_module_of_the_build_stay_one_project(make_repo: Callable[..., Path]) -> None:
    """issue 9, the Gradle form of mall: two Spring Boot applications of one multi-module build split per application
    unless they are built from another module of the build (`implementation project(':security')`, or Gradle 7's
    type-safe `projects.sharedSecurity`), whose code (their security configuration) the checks must see with them."""
    boot = ("plugins {{\n  id 'org.springframework.boot' version '3.2.0'\n  id 'java'\n}}\ndependencies {{\n"
            "  implementation 'org.springframework.boot:spring-boot-starter-web'\n{extra}}}\n")
    java = "package a;\nclass A {}\n"
    root = make_repo({
        "settings.gradle": "rootProject.name = 'shop'\ninclude 'api', 'worker', 'shared-security'\n",
        "build.gradle": "subprojects { apply plugin: 'java' }\n",
        "api/build.gradle": boot.format(extra=""),
        "api/src/main/java/a/A.java": java,
        "worker/build.gradle": boot.format(extra=""),
        "worker/src/main/java/a/A.java": java,
        "shared-security/build.gradle": "plugins { id 'java-library' }\n",
        "shared-security/src/main/java/a/A.java": java,
    })
    assert [(p.path, p.kind) for p in projects(root)] == [("", "library"), ("api", "backend"), ("worker", "backend")]
    one = [("", "backend")]
    (root / "api/build.gradle").write_text(boot.format(extra="  implementation project(':shared-security')\n"))
    assert [(p.path, p.kind) for p in projects(root)] == one
    (root / "api/build.gradle").write_text(boot.format(extra="  implementation(projects.sharedSecurity)\n"))
    assert [(p.path, p.kind) for p in projects(root)] == one
    (root / "api/build.gradle").write_text(boot.format(extra="  implementation project(path: ':worker')\n"))
    assert [(p.path, p.kind) for p in projects(root)] == one


def test_npm_and_yarn_workspaces_split_per_app_and_a_react_client_in_a_nest_root_is_a_frontend(
        make_repo: Callable[..., Path]) -> None:
    """issue 9: npm's `"workspaces": [...]` and yarn's `{"packages": [...]}` make one project per app (the ESLint
    config joins the library root); a React client without a manifest of its own inside a NestJS root is a
    frontend project, like an Angular one."""
    npm = make_repo({
        "package.json": '{"name": "mono", "private": true, "workspaces": ["apps/*", "packages/*"]}',
        "packages/eslint-config/package.json": '{"name": "@acme/eslint-config", "dependencies": {"eslint": "8"}}',
        "packages/eslint-config/index.js": "module.exports = {};\n",
        "apps/api/package.json": '{"name": "api", "dependencies": {"express": "4", "pg": "8"}}',
        "apps/api/src/index.ts": "import express from 'express';\n",
        "apps/web/package.json": '{"name": "web", "dependencies": {"react": "18", "vite": "5"}}',
        "apps/web/src/App.tsx": "export const A = () => null;\n",
    })
    assert [(p.path, p.kind) for p in projects(npm)] == [("", "library"), ("apps/api", "backend"), ("apps/web", "frontend")]
    yarn = make_repo({
        "package.json": '{"name": "mono", "private": true, "workspaces": {"packages": ["services/*"]}}',
        "yarn.lock": "",
        "services/api/package.json": '{"name": "api", "dependencies": {"fastify": "4"}}',
        "services/api/src/index.ts": "import Fastify from 'fastify';\n",
        "services/admin/package.json": '{"name": "admin", "dependencies": {"react": "18", "react-dom": "18"}}',
        "services/admin/src/App.tsx": "export const A = () => null;\n",
    })
    assert [(p.path, p.kind) for p in projects(yarn)] == [
        ("", "library"), ("services/admin", "frontend"), ("services/api", "backend")]
    react = "import React from 'react';\nexport const A = () => null;\n"
    nest = make_repo({
        "package.json": '{"name": "nest", "dependencies": {"@nestjs/core": "10", "react": "18", "react-dom": "18"}}',
        "src/main.ts": "import { NestFactory } from '@nestjs/core';\n",
        "src/app.module.ts": "import { Module } from '@nestjs/common';\n",
        "client/src/App.tsx": react, "client/src/a.tsx": react, "client/src/b.tsx": react,
        "client/src/index.tsx": "import ReactDOM from 'react-dom/client';\n",
    })
    assert [(p.path, p.kind) for p in projects(nest)] == [("", "backend"), ("client", "frontend")]


def test_asset_package_json_inside_a_python_package_with_its_views_is_no_project(make_repo: Callable[..., Path]) -> None:
    """issue 9 (polar's `server/polar/backoffice/`): a package.json beside a Python package's own modules that
    only builds its CSS and bundles one script (tailwind, esbuild, htmx, an icon font) is no project: the views
    beside it (178 endpoints on polar) are the Python backend's, which was split into a "library" of its own."""
    views = "from fastapi import APIRouter\nrouter = APIRouter()\n\n@router.get('/x')\ndef x(): ...\n"
    root = make_repo({
        "server/pyproject.toml": '[project]\nname = "polar"\ndependencies = ["fastapi", "sqlalchemy", "alembic"]\n',
        "server/polar/app.py": "from fastapi import FastAPI\napp = FastAPI()\n",
        "server/migrations/versions/a.py": "revision = 'a'\ndown_revision = None\n\ndef upgrade():\n    pass\n",
        "server/polar/backoffice/package.json": (
            '{"name": "backoffice", "private": true, "scripts": {"build:css": "tailwindcss -i a.css -o b.css", '
            '"build:js": "esbuild scripts.mjs --bundle --outfile=static/scripts.js"}, "dependencies": '
            '{"@tailwindcss/cli": "4", "daisyui": "5", "esbuild": "0.28", "event-source-plus": "0.1", '
            '"htmx.org": "2", "hyperscript.org": "0.9", "lucide-static": "0.5", "tailwindcss": "4"}}'),
        "server/polar/backoffice/pnpm-workspace.yaml": "packages: []\n",
        "server/polar/backoffice/scripts.mjs": "import 'htmx.org';\n",
        **{f"server/polar/backoffice/{name}/endpoints.py": views for name in ("orders", "users", "products", "org",
                                                                              "subs", "refunds", "tasks")},
    })
    assert [(p.path, p.kind) for p in projects(root)] == [("server", "backend")]
    # a Node service beside Python code it does not own stays a project
    (root / "server/polar/backoffice/package.json").write_text('{"name": "bo", "dependencies": {"express": "4"}}')
    assert [(p.path, p.kind) for p in projects(root)] == [("server", "backend"), ("server/polar/backoffice", "backend")]


def test_a_gradle_build_is_named_by_its_settings_root_project_name(make_repo: Callable[..., Path]) -> None:
    """issue 9 (one project per deployable, each named): `rootProject.name = 'x'` in settings.gradle(.kts) names
    the Gradle build beside the other projects of the repository (it had no name at all, and a side-car
    package.json's name must not win over it), as a pom's artifactId names a Maven build."""
    java = "package a;\nclass A {}\n"
    boot = ("plugins {\n  id 'org.springframework.boot' version '3.2.0'\n}\n"
            "dependencies {\n  implementation 'org.springframework.boot:spring-boot-starter-web'\n}\n")
    web = '{"name": "web", "dependencies": {"react": "^18", "react-dom": "^18"}}'
    groovy = make_repo({
        "settings.gradle": "pluginManagement { repositories { gradlePluginPortal() } }\nrootProject.name = 'petstore'\n",
        "build.gradle": boot,
        "package.json": '{"name": "petstore-assets", "private": true, "devDependencies": {"tailwindcss": "^3"}}',
        "src/main/java/a/A.java": java,
        "web/package.json": web,
        "web/src/App.tsx": "import React from 'react';\nexport const App = () => <div/>;\n",
    })
    assert [(p.path, p.name) for p in projects(groovy)] == [("", "petstore"), ("web", "web")]
    kotlin = make_repo({
        "settings.gradle.kts": 'rootProject.name = "ledger-service"\n',
        "build.gradle.kts": boot,
        "src/main/java/a/A.java": java,
        "web/package.json": web,
        "web/src/App.tsx": "import React from 'react';\nexport const App = () => <div/>;\n",
    })
    assert [(p.path, p.name) for p in projects(kotlin)] == [("", "ledger-service"), ("web", "web")]


def test_a_generators_template_packages_are_no_projects(make_repo: Callable[..., Path]) -> None:
    """issue 9 (one project per deployable): polar's SDK generator keeps the packages it generates in template
    folders -- `sdk/generator/typescript/template/package.json` with `"version": "{{ version }}"` and `{% for %}`
    blocks, `sdk/generator/python/template/pyproject.toml` beside `*.jinja` files -- and a cookiecutter keeps its
    in `{{cookiecutter.project_slug}}/`: they were library projects of their own. They are part of the generator; a
    package under a templates folder that is no template (a starter kit's real manifest) stays a project, and a
    root named `{{project_name}}` (a `django-admin startproject --template`) is not named by the placeholder."""
    root = make_repo({
        "sdk/generator/pyproject.toml": '[project]\nname = "generator"\ndependencies = ["jinja2"]\n',
        "sdk/generator/generator/emitter.py": "import jinja2\n",
        "sdk/generator/typescript/template/package.json":
            '{\n  "name": "@polar-sh/sdk",\n  "version": "{{ version }}",\n  "exports": {\n'
            '    ".": "./dist/index.mjs"\n{% for version in ir.versions %}\n    ,"./{{version.version}}": "./x"\n'
            '{% endfor %}\n  }\n}\n',
        "sdk/generator/typescript/template/src/index.ts": "export const client = 1;\n",
        "sdk/generator/python/template/pyproject.toml": '[project]\nname = "polar-sdk"\ndependencies = ["httpx"]\n',
        "sdk/generator/python/template/code_sample.py.jinja": "import polar\n{{ sample }}\n",
        "sdk/generator/python/template/polar/base.py": "import httpx\n",
        "cookie/{{cookiecutter.project_slug}}/pyproject.toml": '[project]\nname = "{{cookiecutter.project_slug}}"\n',
        "cookie/{{cookiecutter.project_slug}}/app/main.py": "import os\n",
        "starters/templates/todo-api/package.json": '{"name": "todo-api", "dependencies": {"express": "^4"}}',
        "starters/templates/todo-api/index.js": "const express = require('express');\n",
        "web/package.json": '{"name": "{{project_name}}-web", "dependencies": {"react": "^18"}}',
        "web/src/App.tsx": "import React from 'react';\nexport const App = () => <div/>;\n",
    })
    assert [(p.path, p.name) for p in projects(root)] == [
        ("", ""), ("sdk/generator", "generator"), ("starters/templates/todo-api", "todo-api"), ("web", "web")]
