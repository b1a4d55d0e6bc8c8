"""Projects inside a repository, found from their manifests: one per deployable, each with the right kind.

Rules (each one is tested in tests/test_projects.py):

* A manifest is `pyproject.toml`, `setup.cfg`, `setup.py`, `Pipfile`, `requirements*.txt` (also
  `requirements/*.txt`, which belong to the folder above), `package.json`, `Cargo.toml`, `go.mod`, `pom.xml`,
  `build.gradle(.kts)`, `settings.gradle(.kts)`, and an Nx `project.json` (only below a folder holding `nx.json`).
  Manifests under test, fixture, example, sample or docs folders and under hidden folders (`.github`,
  `.devcontainer`...) are ignored; vendored and build folders never reach us (`Repository` leaves them out).
* Every manifest in one folder belongs to one project (`package.json` + `pom.xml` side by side is one project).
* Some files named like manifests describe no project: a `package.json` with no name, dependencies, scripts or
  entry points (`{"type": "commonjs"}` beside build scripts), and a `setup.py` that never calls `setup()` (an
  ordinary module of a package).
* A repository with at most one project root is one root project, `Project("")`, audited as a service exactly
  as before monorepo support: the kinds below are only assigned when a repository holds several projects
  (a frontend split out of it, below, makes it hold several).
* Aggregators absorb their own ecosystem's sub-manifests: a Cargo workspace (`[workspace]`), a Maven aggregator
  (`<modules>` or `<packaging>pom</packaging>`) and a Gradle build with `settings.gradle` are ONE project, since
  they build and test as one unit and a service's migrations often live in a member crate/module. Manifests of
  other ecosystems below them (an Angular `package.json` under a Maven root) still make their own projects.
  Except: a Maven/Gradle build whose modules package two or more applications (a Spring Boot, Quarkus or
  Micronaut plugin in the module's own build plugins) and do not depend on each other's modules is several
  deployables; each application module is a project of its own and the build keeps the rest as a "library"
  project. Applications built from shared modules of the build (mall's apps on mall-security) stay one project,
  so that every check sees the code they are built from.
  npm/yarn/pnpm workspaces, turborepo, Nx and Go workspaces (`go.work`) do not absorb: each of their packages,
  apps and modules is a project of its own, since they are often a frontend and a backend side by side.
* A nested project folds back into the project that encloses it (deepest first) when it is not a deployable of
  its own: it holds no code file; or only migrations (SeaORM's `migration/` crate); or it is a test suite of
  the project above (its folder is named for tests, `api_tests`, `front-e2e`, or an Nx e2e target runs it, or
  all its code is tests); or it is a tiny package (at most 5 code files besides tests, no server or database,
  not under `apps/`) of the same ecosystem, or a tooling package (an ESLint, Prettier, TypeScript, Tailwind,
  Jest or Babel config) of any size, or a package of another ecosystem whose only dependencies build CSS and
  assets (a `package.json` running Tailwind inside a Python package), or a package.json that only builds the
  assets of the package of another ecosystem it sits in (no backend or UI dependency, nothing it runs, at most 5
  scripts, every other code file in the parent's language: polar's backoffice views); or it is a sub-package of the same
  ecosystem that uses the database but has no tests and no migrations of its own while its parent has
  migrations (it shares the parent's migrations, tests and spec).
* A UI app inside a backend project is a frontend project of its own: when a backend project's manifests name
  a UI framework (React, Angular, Vue...), the folder that holds at least 90% of its UI code files (files that
  import the framework, `.tsx`/`.jsx`) and no backend code, widened while the folder above holds no backend
  code either, becomes a frontend project: Django's `frontend/`, JHipster's `src/main/webapp`, the Angular
  `client/` of a NestJS service.
* In a workspace (Nx, npm/yarn/pnpm workspaces, turborepo) the root manifest's dependencies are the whole
  workspace's, so the root and the Nx projects (whose `project.json` names no dependency) are classified by
  their own code: what their files import, weighed against what the Nx targets run.
* A workspace root that is not a backend itself hands its schema folders (a top-level folder holding only
  migrations or a Prisma schema, e.g. `prisma/`) to its one backend project, when it has exactly one
  (`Project.shared`): the backend is audited with the migrations it applies.
* Without a root manifest the root is a project only when code files lie outside every nested project.
* Each project lists the nested project roots (and handed-over folders) it does not own (`Project.excluded`).
* Kind: "backend" when a manifest (or, failing that, an import in the code) names a web framework or a database
  library; "frontend" when `package.json` names a UI framework or bundler (react, vue, svelte, angular, next,
  nuxt, vite...) and no backend signal is present; "library" otherwise. The engine holds only backend projects
  to `backend_only` standards such as migrations and API specs; a library or worker without a server or a
  database has no schema to migrate and no API to document.
* Names: the manifest's declared name (a Go module's last path segment, or the one before a `/v2` major-version
  suffix), else the folder's name; names that clash fall back to paths.

Detection is near-linear: each code file is given to the deepest project root above it once (files x
depth), nested roots are folded in one deepest-first pass, nested roots are found by bisection, a frontend is
found in one pass over the backend's files, and no more than a bounded prefix of any file is read.

Manifests come from untrusted repositories: every parser is bounded (size, JSON nesting, defusedxml) and a
manifest that does not parse simply contributes no dependencies.
"""

from __future__ import annotations

import bisect
import json
import re
import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any
from xml.etree.ElementTree import Element as ElementTreeElement  # the type only; parsing is defusedxml

from auditor.context import Project
from auditor.repo import CODE_LANGUAGES, FileInfo, Repository

__all__ = ["MANIFEST_NAMES", "classify_kind", "find_projects", "manifest_dependencies"]

MANIFEST_NAMES = frozenset({
    "pyproject.toml", "setup.cfg", "setup.py", "pipfile", "package.json", "cargo.toml", "go.mod", "pom.xml",
    "build.gradle", "build.gradle.kts", "settings.gradle", "settings.gradle.kts",
})
_REQUIREMENTS = re.compile(r"^requirements([-_.][\w.-]*)?\.(txt|in)$", re.IGNORECASE)
# Folder names that hold fixtures, samples or documentation rather than a project of the repository.
_NOT_A_PROJECT_DIR = re.compile(
    r"^(tests?|testdata|testing|__tests__|__fixtures__|fixtures?|specs?|e2e|examples?|samples?|docs?|"
    r"documentation)([-_.].*)?$",
    re.IGNORECASE,
)
# A nested project whose folder is named for tests is the test suite of the project above it (api_tests, front-e2e).
_TEST_SUITE_DIR = re.compile(r"(^|[-_.])(tests?|e2e|it|integration[-_]tests?|acceptance[-_]tests?|api[-_]tests?)$",
                             re.IGNORECASE)
# Shared tooling packages of a workspace (`@acme/eslint-config`, `tooling/typescript`): configuration, not code
# that runs. A name is tooling when every word of it (scope aside) is a tool or a word like "config".
_TOOL_WORDS = frozenset({
    "eslint", "prettier", "tsconfig", "typescript", "ts", "tailwind", "tailwindcss", "stylelint", "commitlint",
    "babel", "jest", "vitest", "postcss", "biome", "lint", "lint-staged", "husky",
})
_CONFIG_WORDS = frozenset({"config", "configs", "preset", "presets", "plugin", "custom", "base", "shared", "tooling"})
# Dependencies that only build CSS and static assets.
_ASSET_TOOLS = re.compile(
    r"^(tailwindcss|@tailwindcss/.*|postcss.*|autoprefixer|sass|node-sass|sass-loader|less|stylus|cssnano|clean-css"
    r"|purgecss|@fullhuman/.*|esbuild|webpack(-cli)?|rollup|gulp.*|grunt.*|parcel|bootstrap|@fortawesome/.*"
    r"|font-awesome|daisyui|flowbite|npm-run-all2?|rimraf|cross-env|concurrently|chokidar-cli|browser-sync"
    r"|uglify-js|terser|copyfiles|mini-css-extract-plugin|css-loader|style-loader|@popperjs/core|alpinejs|htmx\.org)$"
)
_LANGUAGE_ECOSYSTEMS = {"python": frozenset({"python"}), "go": frozenset({"go"}), "rust": frozenset({"rust"}),
                        "java": frozenset({"maven", "gradle"}), "kotlin": frozenset({"maven", "gradle"})}
TINY_PACKAGE_FILES = 5  # code files (tests aside) of a package small enough to fold into its workspace
_UI_MODULES = frozenset({
    "react", "react-dom", "vue", "svelte", "preact", "solid-js", "next", "nuxt", "@remix-run/react", "ember-source",
    "@sveltejs/kit", "react-native", "expo", "lit",
})
_UI_EXTENSIONS = (".tsx", ".jsx")
_UI_SHARE = 0.9  # of a backend's UI files that the frontend folder split out of it holds
_UI_MIN_FILES = 3
_UI_FILES_READ = 5000  # JS/TS files whose imports are read when looking for a frontend inside a backend
# Nx executors (the package before the colon) that build a UI, serve a server, or run end-to-end tests.
_NX_FRONTEND = re.compile(r"^@(nx|nrwl)/(angular|react|next|vite|expo|react-native|remix|vue|nuxt|web|storybook)"
                          r"|^@angular-devkit/build-angular|^@angular/build|^@ngx-env/builder|^@nx-plus/")
_NX_BACKEND = re.compile(r"^@(nx|nrwl)/(node|nest)|^@(nx|nrwl)/js:node$")
_NX_E2E = re.compile(r"^@(nx|nrwl)/(cypress|playwright)|^@nx/detox")
# Build plugins that package a JVM module as an application of its own (a deployable, not a library).
_APP_PLUGINS = frozenset({"spring-boot-maven-plugin", "quarkus-maven-plugin", "micronaut-maven-plugin"})
_GRADLE_PROJECT = re.compile(r"""\bproject\s*\(\s*(?:path\s*[:=]\s*)?["'](:[\w.\-:]+)["']""")
_GRADLE_ACCESSOR = re.compile(r"\bprojects\.([A-Za-z_][\w.]*)")
_GRADLE_APP = re.compile(r"""\bid\s*\(?\s*["'](org\.springframework\.boot|io\.quarkus|io\.micronaut\.application)["']""")
_WORKSPACE_MARKERS = frozenset({"nx.json", "pnpm-workspace.yaml", "turbo.json", "lerna.json", "go.work"})
_MANIFEST_LIMIT = 512 * 1024  # bytes; a larger manifest is read only this far
_CODE_SNIFF = 4096  # bytes of a source file looked at for imports when the manifests say nothing
_CODE_FILES_SNIFFED = 200

_ECOSYSTEM = {
    "pyproject.toml": "python", "setup.cfg": "python", "setup.py": "python", "pipfile": "python",
    "package.json": "node", "project.json": "node", "cargo.toml": "rust", "go.mod": "go", "pom.xml": "maven",
    "build.gradle": "gradle", "build.gradle.kts": "gradle", "settings.gradle": "gradle", "settings.gradle.kts": "gradle",
}

# Dependency names (lower case) that make a project a service. Go and Java entries match as prefixes.
_BACKEND_EXACT = frozenset({
    # Python web frameworks and database libraries
    "fastapi", "flask", "django", "djangorestframework", "starlette", "aiohttp", "sanic", "tornado", "falcon",
    "pyramid", "litestar", "quart", "bottle", "masonite", "sqlalchemy", "flask-sqlalchemy", "sqlmodel", "alembic",
    "psycopg", "psycopg2", "psycopg2-binary", "asyncpg", "aiosqlite", "pymysql", "mysqlclient", "pymongo", "motor",
    "peewee", "tortoise-orm", "pony", "mongoengine", "databases", "piccolo", "yoyo-migrations",
    # Node server frameworks and database libraries
    "express", "fastify", "koa", "@nestjs/core", "@nestjs/common", "hapi", "@hapi/hapi", "restify", "hono",
    "@adonisjs/core", "@feathersjs/feathers", "loopback", "@loopback/core", "sails", "polka",
    "typeorm", "prisma", "@prisma/client", "sequelize", "mongoose", "knex", "pg", "mysql", "mysql2",
    "drizzle-orm", "@mikro-orm/core", "objection", "better-sqlite3", "sqlite3", "mongodb", "postgrator",
    # Rust web frameworks and database libraries
    "axum", "actix-web", "rocket", "warp", "poem", "tide", "salvo", "tonic", "sqlx", "diesel", "sea-orm",
    "tokio-postgres", "deadpool-postgres", "rusqlite", "sea-orm-migration", "refinery", "diesel_migrations",
})
_BACKEND_PREFIXES = (
    # Go module paths
    "github.com/gin-gonic/gin", "github.com/labstack/echo", "github.com/go-chi/chi", "github.com/gorilla/mux",
    "github.com/gofiber/fiber", "github.com/julienschmidt/httprouter", "github.com/grpc-ecosystem/grpc-gateway",
    "google.golang.org/grpc", "github.com/lib/pq", "github.com/jackc/pgx", "gorm.io/gorm", "github.com/jinzhu/gorm",
    "github.com/go-sql-driver/mysql", "github.com/golang-migrate/migrate", "github.com/go-pg/pg",
    "github.com/jmoiron/sqlx", "entgo.io/ent", "github.com/pressly/goose", "go.mongodb.org/mongo-driver",
    "github.com/mattn/go-sqlite3", "github.com/uptrace/bun",
    # Java artifacts (group:artifact)
    "org.springframework.boot:spring-boot-starter-web", "org.springframework.boot:spring-boot-starter-data",
    "org.springframework.boot:spring-boot-starter-jdbc", "org.springframework:spring-webmvc",
    "io.quarkus:quarkus-rest", "io.quarkus:quarkus-resteasy", "io.quarkus:quarkus-hibernate",
    "io.quarkus:quarkus-jdbc", "io.micronaut:micronaut-http-server", "io.micronaut.data:",
    "io.javalin:javalin", "io.dropwizard:dropwizard-core", "org.flywaydb:", "org.liquibase:", "org.hibernate",
    "org.postgresql:postgresql", "com.mysql:mysql-connector", "mysql:mysql-connector", "org.mongodb:",
    "jakarta.persistence:", "org.jooq:", "io.vertx:vertx-web", "io.ktor:ktor-server",
)
_FRONTEND = frozenset({
    "react", "react-dom", "vue", "svelte", "@sveltejs/kit", "@angular/core", "next", "nuxt", "vite", "preact",
    "solid-js", "@remix-run/react", "astro", "ember-source", "@vue/cli-service", "react-scripts", "gatsby",
})
# Imports that make code a service when the manifests name nothing (first segment for Python, path for others).
_PY_BACKEND_IMPORTS = frozenset({
    "fastapi", "flask", "django", "starlette", "aiohttp", "sanic", "tornado", "falcon", "pyramid", "litestar",
    "quart", "bottle", "sqlalchemy", "sqlmodel", "alembic", "psycopg", "psycopg2", "asyncpg", "pymongo", "motor",
    "peewee", "tortoise", "sqlite3", "flask_sqlalchemy",
})
_PY_IMPORT = re.compile(r"^\s*(?:from|import)\s+([A-Za-z_][\w]*)", re.MULTILINE)
_GO_IMPORT = re.compile(r'"([\w.\-]+(?:/[\w.\-]+)*)"')
_JAVA_IMPORT = re.compile(r"^\s*import\s+(?:static\s+)?([\w.]+)", re.MULTILINE)
_JS_IMPORT = re.compile(r"""(?:from\s+|require\(\s*|import\s*\(\s*|import\s+)["']([@\w./-]+)["']""")
_JAVA_BACKEND_IMPORTS = (
    "org.springframework.web", "org.springframework.data", "org.springframework.jdbc", "jakarta.persistence",
    "javax.persistence", "jakarta.ws.rs", "javax.ws.rs", "io.micronaut.http", "io.javalin", "java.sql",
    "io.quarkus", "org.hibernate",
)
_GO_BACKEND_IMPORTS = ("database/sql", *(p for p in _BACKEND_PREFIXES if not (":" in p or p.startswith("org."))))


@dataclass
class _Root:
    path: str
    manifests: list[str] = field(default_factory=list)

    @property
    def ecosystems(self) -> set[str]:
        return {_ecosystem(m) for m in self.manifests}


def _ecosystem(manifest: str) -> str:
    name = PurePosixPath(manifest).name.lower()
    return _ECOSYSTEM.get(name, "python")  # requirements files


def _parent(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


def _manifest_root(info: FileInfo) -> str | None:
    """The folder whose project `info` describes, or None when `info` is not a project manifest."""
    parts = info.path.split("/")
    name = parts[-1].lower()
    folders = parts[:-1]
    if name in MANIFEST_NAMES or _REQUIREMENTS.match(name):
        root_parts = folders
    elif folders and folders[-1].lower() == "requirements" and name.endswith((".txt", ".in")):
        root_parts = folders[:-1]  # requirements/base.txt belongs to the folder above
    else:
        return None
    for part in folders:
        if part.startswith(".") or _NOT_A_PROJECT_DIR.match(part):
            return None
    return "/".join(root_parts)


# A generator's template folder (openapi-generator, hygen's _templates, cookiecutter, copier, polar's SDK generator):
# the manifests in it are the packages it generates, not projects of the repository.
_TEMPLATE_DIR = re.compile(r"^(_{0,2}templates?_{0,2}|project_template|app_template)$", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|<%.*?%>", re.DOTALL)
_TEMPLATE_FILE = (".jinja", ".jinja2", ".j2", ".tmpl", ".tpl", ".hbs", ".handlebars", ".mustache", ".ejs", ".t")


def _template_manifests(repo: Repository, manifests: list[str]) -> set[str]:
    """Manifests inside a template folder that are templates: a folder named with a placeholder
    (`{{cookiecutter.project_slug}}/`), a manifest whose text holds placeholders (`{{ version }}`, `{% for %}`,
    `<%= name %>`), or a template folder that holds template files (`*.jinja`, `*.hbs`, `*.ejs.t`)."""
    out: set[str] = set()
    template_files: list[str] | None = None
    for manifest in manifests:
        folders = manifest.split("/")[:-1]
        if any(_PLACEHOLDER.search(part) for part in folders):
            out.add(manifest)
            continue
        named = [i for i, part in enumerate(folders) if _TEMPLATE_DIR.match(part)]
        if not named:
            continue
        text = _read(repo, manifest) or ""
        if _PLACEHOLDER.search(text):
            out.add(manifest)
            continue
        if template_files is None:
            template_files = [f.path for f in repo.files if f.path.lower().endswith(_TEMPLATE_FILE)]
        for i in named:
            folder = "/".join(folders[: i + 1]) + "/"
            if any(f.startswith(folder) for f in template_files):
                out.add(manifest)
                break
    return out


def _placeholder_name(name: str) -> bool:
    """`{{project_name}}`, `<%= name %>`, `${name}`: a name a template fills in, not the project's."""
    return bool(_PLACEHOLDER.search(name)) or "${" in name


_NAME_ORDER = ("pyproject.toml", "cargo.toml", "go.mod", "pom.xml", "settings.gradle.kts", "settings.gradle", "setup.cfg",
               "setup.py", "package.json")


def _name_priority(manifest: str) -> tuple[int, str]:
    """Which manifest names a project: the service's own ecosystem before a side-car package.json."""
    name = PurePosixPath(manifest).name.lower()
    return (_NAME_ORDER.index(name) if name in _NAME_ORDER else len(_NAME_ORDER), manifest)


def _inside(path: str, root: str) -> bool:
    return root == "" or path == root or path.startswith(root + "/")


# -- reading manifests ----------------------------------------------------------------------------------
def _read(repo: Repository, rel: str) -> str | None:
    data = repo.read_bytes(rel, limit=_MANIFEST_LIMIT)
    return None if data is None else data.decode("utf-8", "replace")


def _toml(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError, ValueError):
        return {}


def _json(text: str) -> object:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _xml_root(text: str) -> ElementTreeElement | None:
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    try:
        return ElementTree.fromstring(text)
    except (ElementTree.ParseError, DefusedXmlException, ValueError, RecursionError):
        return None


_REQ_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _requirement_names(lines: Iterable[str]) -> set[str]:
    names = set()
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        match = _REQ_NAME.match(line)
        if match:
            names.add(match.group(1).lower().replace("_", "-"))
    return names


def _strings(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _table(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True, slots=True)
class _Manifest:
    dependencies: frozenset[str] = frozenset()
    name: str = ""
    aggregator: bool = False  # Cargo workspace, Maven aggregator, Gradle settings file
    marker: bool = False  # describes no project: a package.json that only sets a module type, a setup.py module
    workspace: bool = False  # a package.json with `workspaces`
    hint: str = ""  # what an Nx project.json says: "frontend", "backend", "e2e" (its targets), "library" or ""
    runs: bool = False  # a package.json with a `bin` or a `start` script: something is run from it
    application: bool = False  # a JVM module its build packages as an application (Spring Boot, Quarkus, Micronaut)
    modules: frozenset[str] = frozenset()  # other modules of its Gradle build it depends on (see _module_key)


def _parse_manifest(repo: Repository, rel: str) -> _Manifest:
    text = _read(repo, rel)
    if text is None:
        return _Manifest()
    name = PurePosixPath(rel).name.lower()
    try:
        if name == "pyproject.toml":
            return _pyproject(_toml(text))
        if name == "pipfile":
            data = _toml(text)
            packages = set(_table(data.get("packages"))) | set(_table(data.get("dev-packages")))
            return _Manifest(frozenset(d.lower() for d in packages))
        if name == "setup.cfg":
            return _setup_cfg(text)
        if name == "setup.py":
            if not (re.search(r"\b(setuptools|distutils|skbuild)\b", text) and re.search(r"(?<!def )\bsetup\s*\(", text)):
                return _Manifest(marker=True)  # an ordinary module that happens to be called setup.py
            found = re.findall(r"""["']([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:[<>=!~;\[][^"']*)?["']""", text)
            named = re.search(r"""\bname\s*=\s*["']([^"']+)["']""", text)
            return _Manifest(frozenset(d.lower() for d in found), named.group(1) if named else "")
        if name == "package.json":
            return _package_json(_json(text))
        if name == "project.json":
            return _nx_project(_json(text))
        if name == "cargo.toml":
            return _cargo(_toml(text))
        if name == "go.mod":
            module = re.search(r"^\s*module\s+(\S+)", text, re.MULTILINE)
            required = re.findall(r"^\s*(?:require\s+)?([a-z0-9][\w.\-]*\.[a-z]{2,}/\S+)\s+v\d", text, re.MULTILINE)
            # `example.com/shop/v2` is major version 2 of `shop`, not a project named `v2` (`gopkg.in/yaml.v3`: yaml)
            path = re.sub(r"/v\d+$", "", module.group(1).rstrip("/")) if module else ""
            last = re.sub(r"\.v\d+$", "", path.rsplit("/", 1)[-1])
            return _Manifest(frozenset(d.lower() for d in required), last)
        if name == "pom.xml":
            return _pom(_xml_root(text))
        if name.startswith("settings.gradle"):
            # `rootProject.name = 'shop'` (Groovy) / `rootProject.name = "shop"` (Kotlin DSL) names the build
            named = re.search(r"""^\s*rootProject\.name\s*=\s*["']([^"'$]+)["']""", text, re.MULTILINE)
            return _Manifest(name=named.group(1).strip() if named else "",
                             aggregator=bool(re.search(r"^\s*include\b", text, re.MULTILINE)))
        if name.startswith("build.gradle"):
            coordinates = re.findall(r"""["']([\w.\-]+:[\w.\-]+)(?::[^"']*)?["']""", text)
            # other modules of the build: `project(':libs:security')`, `project(path: ':x')`, `projects.libsSecurity`
            modules = {_module_key(m.rsplit(":", 1)[-1]) for m in _GRADLE_PROJECT.findall(text)}
            modules |= {_module_key(m.rsplit(".", 1)[-1]) for m in _GRADLE_ACCESSOR.findall(text)}
            return _Manifest(frozenset(d.lower() for d in coordinates), application=bool(_GRADLE_APP.search(text)),
                             modules=frozenset(modules))
        if name.endswith((".txt", ".in")):
            return _Manifest(frozenset(_requirement_names(text.splitlines())))
    except (ValueError, TypeError, AttributeError, RecursionError):
        return _Manifest()
    return _Manifest()


def _pyproject(data: dict[str, Any]) -> _Manifest:
    project = _table(data.get("project"))
    deps = set(_requirement_names(_strings(project.get("dependencies"))))
    for extra in _table(project.get("optional-dependencies")).values():
        deps |= _requirement_names(_strings(extra))
    for group in _table(data.get("dependency-groups")).values():
        deps |= _requirement_names(_strings(group))
    poetry = _table(_table(data.get("tool")).get("poetry"))
    deps |= {d.lower() for d in _table(poetry.get("dependencies"))}
    deps |= {d.lower() for d in _table(poetry.get("dev-dependencies"))}
    for group in _table(poetry.get("group")).values():
        deps |= {d.lower() for d in _table(_table(group).get("dependencies"))}
    name = project.get("name") or poetry.get("name") or ""
    return _Manifest(frozenset(deps), name if isinstance(name, str) else "")


def _setup_cfg(text: str) -> _Manifest:
    import configparser

    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return _Manifest()
    deps = _requirement_names(parser.get("options", "install_requires", fallback="").splitlines())
    if parser.has_section("options.extras_require"):
        for _, value in parser.items("options.extras_require"):
            deps |= _requirement_names(value.splitlines())
    return _Manifest(frozenset(deps), parser.get("metadata", "name", fallback=""))


def _package_json(data: object) -> _Manifest:
    if not isinstance(data, dict):
        return _Manifest()
    deps: set[str] = set()
    for key in ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies"):
        deps |= {d.lower() for d in _table(data.get(key))}
    name = data.get("name")
    marker = not deps and not name and not any(
        data.get(key) for key in ("workspaces", "scripts", "main", "exports", "bin")
    )
    runs = bool(data.get("bin")) or "start" in _table(data.get("scripts"))
    return _Manifest(frozenset(deps), name if isinstance(name, str) else "", marker=marker,
                     workspace=bool(data.get("workspaces")), runs=runs)


def _nx_project(data: object) -> _Manifest:
    """An Nx project.json: a name and what its targets run (its dependencies are the workspace root's)."""
    if not isinstance(data, dict):
        return _Manifest()
    executors = [str(t.get("executor", "")) for t in _table(data.get("targets")).values() if isinstance(t, dict)]
    hint = ""
    if any(_NX_FRONTEND.search(e) for e in executors):
        hint = "frontend"
    elif any(_NX_BACKEND.search(e) for e in executors):
        hint = "backend"
    elif any(_NX_E2E.search(e) for e in executors):
        hint = "e2e"
    elif data.get("projectType") == "library":
        hint = "library"  # an Nx library is built into the apps that use it, never deployed on its own
    name = data.get("name")
    return _Manifest(name=name if isinstance(name, str) else "", hint=hint)


def _cargo(data: dict[str, Any]) -> _Manifest:
    deps: set[str] = set()
    for key in ("dependencies", "dev-dependencies", "build-dependencies"):
        deps |= {d.lower() for d in _table(data.get(key))}
    workspace = _table(data.get("workspace"))
    deps |= {d.lower() for d in _table(workspace.get("dependencies"))}
    name = _table(data.get("package")).get("name")
    return _Manifest(frozenset(deps), name if isinstance(name, str) else "", aggregator="workspace" in data)


def _pom(root: ElementTreeElement | None) -> _Manifest:
    if root is None:
        return _Manifest()

    def local(tag: object) -> str:
        return str(tag).rsplit("}", 1)[-1]

    deps: set[str] = set()
    name = ""
    aggregator = False
    application = False
    for child in root:
        tag = local(child.tag)
        if tag == "build":  # build/plugins, not build/pluginManagement (a parent's defaults for its modules)
            application = application or any(
                local(plugin.tag) == "plugin" and any(local(part.tag) == "artifactId" and (part.text or "").strip()
                                                      in _APP_PLUGINS for part in plugin)
                for plugins in child if local(plugins.tag) == "plugins" for plugin in plugins)
        if tag == "artifactId":
            name = (child.text or "").strip()
        elif tag == "modules":
            aggregator = aggregator or any(local(m.tag) == "module" for m in child)
        elif tag == "packaging":
            aggregator = aggregator or (child.text or "").strip() == "pom"
    for element in root.iter():
        if local(element.tag) != "dependency":
            continue
        group = artifact = ""
        for part in element:
            if local(part.tag) == "groupId":
                group = (part.text or "").strip()
            elif local(part.tag) == "artifactId":
                artifact = (part.text or "").strip()
        if artifact:
            deps.add(f"{group}:{artifact}".lower())
    return _Manifest(frozenset(deps), name, aggregator, application=application)


def manifest_dependencies(repo: Repository, manifests: Iterable[str]) -> frozenset[str]:
    """Every dependency named by `manifests` (lower case; Java as group:artifact, Go as module path)."""
    out: set[str] = set()
    for rel in manifests:
        out |= _parse_manifest(repo, rel).dependencies
    return frozenset(out)


# -- classification ---------------------------------------------------------------------------------------
def _backend_dependency(dep: str) -> bool:
    return dep in _BACKEND_EXACT or dep.startswith(_BACKEND_PREFIXES)


def _ui_module(module: str) -> bool:
    return module in _UI_MODULES or module.startswith("@angular/") or module.split("/", 1)[0] in ("next", "nuxt")


def _file_signals(repo: Repository, info: FileInfo) -> tuple[bool, bool]:
    """(imports a server framework or database library, imports a UI framework) from the head of one code file."""
    data = repo.read_bytes(info.path, limit=_CODE_SNIFF)
    ui = info.path.endswith(_UI_EXTENSIONS)
    if not data:
        return False, ui
    text = data.decode("utf-8", "replace")
    if info.language == "python":
        return any(m in _PY_BACKEND_IMPORTS for m in _PY_IMPORT.findall(text)), False
    if info.language == "go":
        return any(i == p or i.startswith(p) for i in _GO_IMPORT.findall(text) for p in _GO_BACKEND_IMPORTS), False
    if info.language == "java":
        return any(i.startswith(_JAVA_BACKEND_IMPORTS) for i in _JAVA_IMPORT.findall(text)), False
    if info.language in ("typescript", "javascript"):
        modules = _JS_IMPORT.findall(text)
        return any(_backend_dependency(m) for m in modules), ui or any(_ui_module(m) for m in modules)
    return False, False


def _code_signals(repo: Repository, files: list[FileInfo]) -> tuple[int, int]:
    """How many of the first code files import a server or database library, and how many a UI framework."""
    backend = ui = 0
    for info in files[:_CODE_FILES_SNIFFED]:
        b, u = _file_signals(repo, info)
        backend += b
        ui += u
    return backend, ui


def _code_says_backend(repo: Repository, files: list[FileInfo]) -> bool:
    return any(_file_signals(repo, info)[0] for info in files[:_CODE_FILES_SNIFFED])


def classify_kind(dependencies: Iterable[str], code_is_backend: bool = False) -> str:
    """"backend", "frontend" or "library" from manifest dependencies (and what the code imports)."""
    deps = set(dependencies)
    if any(_backend_dependency(d) for d in deps):
        return "backend"
    if deps & _FRONTEND:
        return "frontend"
    return "backend" if code_is_backend else "library"


def _kind_from_code(backend: int, ui: int, hint: str) -> str:
    """The kind of a project whose manifest lists no dependencies of its own (an Nx project, a workspace root).

    A server file among many UI files (Angular's SSR `server.ts`) does not make an app a backend when its Nx
    targets build a UI; ten API routes among forty pages do. An Nx library is no backend: the apps that use it
    are deployed, and held to backend standards, instead."""
    if hint == "library":
        return "frontend" if ui > backend else "library"
    if backend and (hint != "frontend" or backend * 10 >= ui):
        return "backend"
    if ui or hint == "frontend":
        return "frontend"
    return "backend" if hint == "backend" else "library"


# -- discovery ------------------------------------------------------------------------------------------------
def _roots(repo: Repository) -> dict[str, _Root]:
    nx_roots = {_parent(f.path) for f in repo.files if PurePosixPath(f.path).name == "nx.json"}
    roots: dict[str, _Root] = {}
    for info in repo.files:
        root = _manifest_root(info)
        if root is None and PurePosixPath(info.path).name == "project.json" and _below_any(info.path, nx_roots):
            root = _manifest_root(FileInfo(_parent(info.path) + "/package.json" if "/" in info.path else "package.json",
                                           info.language, info.role, info.size))
        if root is not None:
            roots.setdefault(root, _Root(root)).manifests.append(info.path)
    return roots


def _below_any(path: str, folders: set[str]) -> bool:
    folder = _parent(path)
    while True:
        if folder in folders:
            return True
        if not folder:
            return False
        folder = _parent(folder)


def _descendants(ordered: list[str], path: str) -> list[str]:
    """The paths of `ordered` (sorted) strictly inside `path`, found by bisection (all of them for the root)."""
    if not path:
        return [p for p in ordered if p]
    low = bisect.bisect_left(ordered, path + "/")
    high = bisect.bisect_left(ordered, path + "0")  # '0' sorts right after '/'
    return ordered[low:high]


def _absorb_members(repo: Repository, roots: dict[str, _Root], parsed: dict[str, _Manifest]) -> set[str]:
    """Fold manifests below a Cargo workspace / Maven aggregator / Gradle build of the same ecosystem into it.

    A Maven or Gradle build whose modules package two or more applications (quarkus-super-heroes' rest-heroes,
    rest-villains...; mall's mall-admin and mall-portal) is several deployables: those modules stay projects of
    their own and only the libraries join the build. Returns the builds that kept only libraries that way."""
    split: set[str] = set()
    ordered = sorted(roots)
    for path in sorted(roots, key=lambda p: (p.count("/") if p else -1, p)):
        root = roots.get(path)
        if root is None:
            continue
        absorbing = {_ecosystem(m) for m in root.manifests if parsed[m].aggregator}
        if "gradle" in absorbing or "maven" in absorbing:
            absorbing |= {"gradle", "maven"}
        if not absorbing:
            continue
        applications = {other for other in _descendants(ordered, path) if other in roots and any(
            parsed[m].application for m in roots[other].manifests if _ecosystem(m) in ("maven", "gradle"))}
        if len(applications) < 2 or not absorbing & {"maven", "gradle"} or \
                _share_modules(applications, _descendants(ordered, path), roots, parsed):
            applications = set()
        elif not any(parsed[m].application for m in root.manifests):
            split.add(path)
        for other in _descendants(ordered, path):
            sub = roots.get(other)
            if sub is None or other in applications or any(_inside(other, a) for a in applications):
                continue
            mine = [m for m in sub.manifests if _ecosystem(m) in absorbing]
            if not mine:
                continue
            root.manifests.extend(mine)
            taken = set(mine)
            sub.manifests = [m for m in sub.manifests if m not in taken]
            if not sub.manifests:
                del roots[other]
    return split


def _share_modules(applications: set[str], members: list[str], roots: dict[str, _Root],
                   parsed: dict[str, _Manifest]) -> bool:
    """Whether an application module depends on another module of the same build (mall's apps on mall-security,
    whose Spring Security configuration guards them; a Gradle `implementation project(':security')` or
    `projects.security`): then the build stays one project, so that each check sees
    the code the applications are built from (a split would need those modules shared with every application)."""
    artifacts = {parsed[m].name for other in members if other in roots for m in roots[other].manifests
                 if _ecosystem(m) == "maven" and parsed[m].name}
    modules = {_module_key(other.rsplit("/", 1)[-1]) for other in members if other in roots
               and any(_ecosystem(m) == "gradle" for m in roots[other].manifests)}
    return any(parsed[m].modules & modules or any(dep.rsplit(":", 1)[-1] in artifacts for dep in parsed[m].dependencies)
               for app in applications for m in roots[app].manifests if _ecosystem(m) in ("maven", "gradle"))


def _module_key(name: str) -> str:
    """A Gradle module's folder or project name as its type-safe accessor spells it: `shared-security`,
    `shared_security` and `sharedSecurity` are one key."""
    return re.sub(r"[-_]", "", name).lower()


def _nearest_root(path: str, roots: Mapping[str, object]) -> str | None:
    """The deepest root strictly above `path` ("" included when it is a root), or None."""
    while path:
        path = _parent(path)
        if path in roots:
            return path
    return None


def _owners(repo: Repository, roots: Mapping[str, object]) -> dict[str | None, list[FileInfo]]:
    """Code files by the deepest root that contains them (None: no root does). O(files x depth)."""
    owned: dict[str | None, list[FileInfo]] = defaultdict(list)
    for info in repo.files:
        if info.language not in CODE_LANGUAGES:
            continue
        folder = _parent(info.path)
        owner = folder if folder in roots else _nearest_root(folder, roots)
        owned[owner].append(info)
    return owned


class _Detection:
    """The state of one detection: roots, their parsed manifests, the code files each owns, kinds found."""

    def __init__(self, repo: Repository) -> None:
        self.repo = repo
        self.roots = _roots(repo)
        self.parsed = {m: _parse_manifest(repo, m) for root in self.roots.values() for m in root.manifests}
        names = {PurePosixPath(f.path).name.lower(): None for f in repo.files if "/" not in f.path}
        self.root_workspace = any(n in names for n in _WORKSPACE_MARKERS)
        self.owned: dict[str | None, list[FileInfo]] = {}
        self.kinds: dict[str, str] = {}  # decided kinds (a frontend split out of a backend, workspace members)
        self.shared: dict[str, list[str]] = defaultdict(list)  # project -> folders handed over to it
        self.handed: dict[str, list[str]] = defaultdict(list)  # project -> folders it handed over
        self.names_override: dict[str, str] = {}  # a frontend split out of a backend is named by its folder
        self.split_builds: set[str] = set()  # Maven/Gradle builds whose application modules are projects

    # -- facts about one root --
    def deps(self, path: str) -> frozenset[str]:
        return frozenset(d for m in self.roots[path].manifests for d in self.parsed[m].dependencies)

    def hint(self, path: str) -> str:
        return next((self.parsed[m].hint for m in self.roots[path].manifests if self.parsed[m].hint), "")

    def is_nx_project(self, path: str) -> bool:
        return any(PurePosixPath(m).name == "project.json" for m in self.roots[path].manifests)

    def is_workspace_root(self, path: str) -> bool:
        own = [m for m in self.roots[path].manifests if _parent(m) == path]
        if any(self.parsed[m].workspace for m in own):
            return True
        if path == "":
            return self.root_workspace
        return any(self.repo.get(f"{path}/{n}") is not None for n in _WORKSPACE_MARKERS)

    def kind(self, path: str) -> str:
        if path in self.split_builds:
            return "library"  # a parent build whose applications are projects of their own: it holds libraries
        if path in self.kinds:
            return self.kinds[path]
        code = self.owned.get(path, [])
        deps = self.deps(path)
        nested_js = any(r != path and _inside(r, path) and "node" in self.roots[r].ecosystems for r in self.roots)
        if self.is_nx_project(path) and not any(_backend_dependency(d) or d in _FRONTEND for d in deps):
            kind = _kind_from_code(*_code_signals(self.repo, code), self.hint(path))
        elif self.is_workspace_root(path) and nested_js:
            # the root manifest lists the whole workspace's dependencies: its own code says what it is
            kind = _kind_from_code(*_code_signals(self.repo, code), "")
        else:
            kind = classify_kind(deps, not any(_backend_dependency(d) for d in deps) and _code_says_backend(self.repo, code))
        self.kinds[path] = kind
        return kind

    def name(self, path: str) -> str:
        own = sorted((m for m in self.roots[path].manifests if _parent(m) == path), key=_name_priority)
        declared = next((self.parsed[m].name for m in own
                         if self.parsed[m].name and not _placeholder_name(self.parsed[m].name)), "")
        return declared or (PurePosixPath(path).name if path else "")

    # -- folding --
    def _fold_reason(self, path: str, parent: str | None) -> str:
        """Why the nested root `path` is part of the project above it ("" when it is a project of its own)."""
        code = self.owned.get(path, [])
        if not code:
            return "no code"
        if parent is None:
            return ""
        if all(f.role == "migration" for f in code):
            return "only migrations"
        folder = PurePosixPath(path).name
        if _TEST_SUITE_DIR.search(folder) or self.hint(path) == "e2e" or all(f.role == "test" for f in code):
            return "test suite"
        if self._assets_of_parent(path, parent, code):
            return "builds its parent's assets"
        kind = self.kind(path)
        if kind == "library":
            mine, theirs = self.roots[path].ecosystems, self.roots[parent].ecosystems
            others = [f for f in code if f.role != "test"]
            deps = self.deps(path)
            name = self.name(path)
            under_apps = "apps" in path.split("/")
            if _is_tooling(name) or _is_tooling(folder):
                return "tooling"
            runs = any(self.parsed[m].runs for m in self.roots[path].manifests)
            if mine == {"node"} and len(others) <= TINY_PACKAGE_FILES and not under_apps and not runs and (
                    "node" in theirs or (deps and all(_ASSET_TOOLS.match(d) for d in deps))):
                return "tiny package"
        if kind == "backend" and self.roots[path].ecosystems & self.roots[parent].ecosystems and \
                not any(f.role in ("test", "migration") for f in code) and \
                any(f.role == "migration" for f in self.owned.get(parent, [])) and "apps" not in path.split("/"):
            return "shares its parent's migrations"
        return ""

    def _assets_of_parent(self, path: str, parent: str, code: list[FileInfo]) -> bool:
        """A package.json inside a package of another ecosystem (polar's `server/polar/backoffice/`, beside the
        Python views it styles) that only builds assets: no backend dependency, nothing it runs, a few scripts of
        its own, and every other code file in the parent's language. The code around it is the parent's."""
        if self.roots[path].ecosystems != {"node"} or "apps" in path.split("/") or \
                any(self.parsed[m].runs for m in self.roots[path].manifests) or \
                any(_backend_dependency(d) or d in _UI_MODULES for d in self.deps(path)):
            return False
        theirs = self.roots[parent].ecosystems
        scripts = [f for f in code if f.language in ("typescript", "javascript") and f.role != "test"]
        foreign = [f for f in code if f.language not in ("typescript", "javascript")]
        return bool(foreign) and len(scripts) <= TINY_PACKAGE_FILES and all(
            _LANGUAGE_ECOSYSTEMS.get(f.language, frozenset()) & theirs for f in foreign)

    def fold(self) -> None:
        """Deepest first, in one pass: folding a root changes only the root that encloses it, which comes later."""
        self.owned = _owners(self.repo, self.roots)
        for path in sorted((p for p in self.roots if p), key=lambda p: (-p.count("/"), p)):
            parent = _nearest_root(path, self.roots)
            if not self._fold_reason(path, parent):
                continue
            if parent is not None:
                self.roots[parent].manifests.extend(self.roots[path].manifests)
                self.kinds.pop(parent, None)
            self.owned.setdefault(parent, []).extend(self.owned.pop(path, []))
            self.kinds.pop(path, None)
            del self.roots[path]

    # -- a frontend inside a backend --
    def split_frontends(self) -> None:
        for path in sorted(self.roots):
            if not (self.deps(path) & _FRONTEND) or self.kind(path) != "backend":
                continue
            folder = self._frontend_folder(path)
            if folder is None:
                continue
            ui_manifests = [m for m in self.roots[path].manifests
                            if _ecosystem(m) == "node" and self.parsed[m].dependencies & _FRONTEND]
            self.roots[folder] = _Root(folder, ui_manifests)
            code = self.owned.get(path, [])
            self.owned[folder] = [f for f in code if _inside(f.path, folder)]
            self.owned[path] = [f for f in code if not _inside(f.path, folder)]
            self.kinds[folder] = "frontend"
            self.names_override[folder] = PurePosixPath(folder).name


    def _frontend_folder(self, path: str) -> str | None:
        """The folder of `path`'s UI code that holds no backend code, or None (see the module docstring)."""
        ui: list[str] = []
        blocked: Counter[str] = Counter()  # folder -> backend code files below it
        read = 0
        for info in self.owned.get(path, []):
            if info.role not in ("source", "test"):
                continue
            if info.language in ("typescript", "javascript"):
                if read < _UI_FILES_READ:
                    read += 1
                    is_backend, is_ui = _file_signals(self.repo, info)
                else:
                    is_backend, is_ui = False, info.path.endswith(_UI_EXTENSIONS)
            else:
                is_backend, is_ui = info.role == "source", False
            folder = _parent(info.path)
            if is_ui and info.role == "source":
                ui.append(folder)
            if is_backend:
                while folder != path and _inside(folder, path):
                    blocked[folder] += 1
                    folder = _parent(folder)
        if len(ui) < _UI_MIN_FILES:
            return None
        counts: Counter[str] = Counter()
        for folder in ui:
            while folder != path and _inside(folder, path):
                counts[folder] += 1
                folder = _parent(folder)
        wanted = _UI_SHARE * len(ui)
        candidates = [f for f, n in counts.items() if n >= wanted and not blocked[f]]
        if not candidates:
            return None
        chosen = max(candidates, key=lambda f: (f.count("/"), f))
        while True:
            above = _parent(chosen)
            if above == path or not _inside(above, path) or blocked[above] or above in self.roots:
                return chosen
            chosen = above

    # -- schema folders of a workspace root --
    def hand_over_schemas(self) -> None:
        for path in sorted(self.roots):
            nested = [r for r in self.roots if r != path and _inside(r, path)]
            if not nested or not self.is_workspace_root(path) or self.kind(path) == "backend":
                continue
            backends = [r for r in nested if self.kind(r) == "backend" and _nearest_root(r, self.roots) == path]
            if len(backends) != 1:
                continue
            prefix = path + "/" if path else ""
            candidates: set[str] = set()
            for info in self.repo.files_below(path):
                rest = info.path[len(prefix):]
                if "/" in rest and (info.role == "migration" or rest.endswith(".prisma")):
                    candidates.add(prefix + rest.split("/", 1)[0])
            code_there = {prefix + f.path[len(prefix):].split("/", 1)[0]
                          for f in self.owned.get(path, []) if f.role != "migration"}
            for folder in sorted(candidates - code_there):
                if folder in self.roots or any(_inside(r, folder) for r in nested):
                    continue
                self.shared[backends[0]].append(folder)
                self.handed[path].append(folder)
                self.owned[path] = [f for f in self.owned.get(path, []) if not _inside(f.path, folder)]


def _is_tooling(name: str) -> bool:
    words = [w for w in re.split(r"[-_/.]+", name.lower().rsplit("/", 1)[-1].lstrip("@")) if w]
    return bool(words) and any(w in _TOOL_WORDS for w in words) and all(w in _TOOL_WORDS | _CONFIG_WORDS for w in words)


def find_projects(repo: Repository) -> list[Project]:
    """The projects of `repo`, the root first, then nested ones by path."""
    det = _Detection(repo)
    roots, parsed = det.roots, det.parsed
    # Files named like manifests that describe no project: `{"type": "commonjs"}` beside build scripts
    # (JHipster's webpack/), a setup.py module, a generator's template of the package it generates.
    templates = _template_manifests(repo, [m for r in roots.values() for m in r.manifests])
    for path in list(roots):
        roots[path].manifests = [m for m in roots[path].manifests if not parsed[m].marker and m not in templates]
        if not roots[path].manifests:
            del roots[path]
    det.split_builds = _absorb_members(repo, roots, parsed)
    det.fold()
    det.split_frontends()
    owned = det.owned

    nested_roots = sorted(p for p in roots if p)
    if not nested_roots:
        manifests = tuple(sorted(roots[""].manifests)) if "" in roots else ()
        return [Project("", manifests=manifests)]

    if "" not in roots and owned.get(None):
        roots[""] = _Root("")
        owned[""] = owned.pop(None)
    det.hand_over_schemas()

    names = {path: det.names_override.get(path) or det.name(path) for path in roots}
    taken = Counter(n for n in names.values() if n)
    projects = []
    for path in sorted(roots, key=lambda p: (p != "", p)):
        root = roots[path]
        excluded = tuple(sorted({*_descendants(nested_roots, path), *det.handed.get(path, ())}))
        name = names[path]
        if name and taken[name] > 1:
            name = path or "."
        projects.append(Project(path, kind=det.kind(path), manifests=tuple(sorted(root.manifests)), excluded=excluded,
                                name=name, shared=tuple(det.shared.get(path, ()))))
    return projects
