"""Projects inside a repository, found from their manifests.

Rules (each one is tested in tests/test_projects.py):

* A manifest is `pyproject.toml`, `setup.cfg`, `setup.py`, `Pipfile`, `requirements*.txt` (also
  `requirements/*.txt`, which belong to the folder above), `package.json`, `Cargo.toml`, `go.mod`, `pom.xml`,
  `build.gradle(.kts)` or `settings.gradle(.kts)`. Manifests under test, fixture, example, sample or docs folders
  and under hidden folders (`.github`, `.devcontainer`...) are ignored; vendored and build folders never reach
  us (`Repository` leaves them out).
* Every manifest in one folder belongs to one project (`package.json` + `pom.xml` side by side is one project).
* A repository with at most one project root is one root project, `Project("")`, audited as a service exactly
  as before monorepo support: the kinds below are only assigned when a repository holds several projects.
* Aggregators absorb their own ecosystem's sub-manifests: a Cargo workspace (`[workspace]`), a Maven aggregator
  (`<modules>` or `<packaging>pom</packaging>`) and a Gradle build with `settings.gradle` are ONE project, since
  they build and test as one unit and a service's migrations often live in a member crate/module. Manifests of
  other ecosystems below them (an Angular `package.json` under a Maven root) still make their own projects.
  npm/yarn/pnpm workspaces do not absorb: their packages are often a frontend and a backend side by side.
* A nested project that holds no code file of its own, or only migrations (SeaORM's `migration/` crate), is
  folded back into its parent. A nested `package.json` with no name, dependencies, scripts or entry points
  (`{"type": "commonjs"}` beside build scripts) is no manifest at all.
* Without a root manifest the root is a project only when code files lie outside every nested project.
* Each project lists the nested project roots it does not own (`Project.excluded`).
* Kind: "backend" when a manifest (or, failing that, an import in the code) names a web framework or a database
  library; "frontend" when `package.json` names a UI framework or bundler (react, vue, svelte, angular, next,
  nuxt, vite...) and no backend signal is present; "library" otherwise. The engine holds only backend projects
  to `backend_only` standards such as migrations and API specs; a library or worker without a server or a
  database has no schema to migrate and no API to document.

Detection is near-linear: each code file is given to the deepest project root above it once (files x
depth), nested roots are folded in one deepest-first pass, and nested roots are found by bisection.

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
_MANIFEST_LIMIT = 512 * 1024  # bytes; a larger manifest is read only this far
_CODE_SNIFF = 4096  # bytes of a source file looked at for imports when the manifests say nothing
_CODE_FILES_SNIFFED = 200

_ECOSYSTEM = {
    "pyproject.toml": "python", "setup.cfg": "python", "setup.py": "python", "pipfile": "python",
    "package.json": "node", "cargo.toml": "rust", "go.mod": "go", "pom.xml": "maven",
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


_NAME_ORDER = ("pyproject.toml", "cargo.toml", "go.mod", "pom.xml", "setup.cfg", "setup.py", "package.json")


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
    marker: bool = False  # a package.json that only sets the module type of its folder: not a project


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
            found = re.findall(r"""["']([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:[<>=!~;\[][^"']*)?["']""", text)
            named = re.search(r"""\bname\s*=\s*["']([^"']+)["']""", text)
            return _Manifest(frozenset(d.lower() for d in found), named.group(1) if named else "")
        if name == "package.json":
            return _package_json(_json(text))
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
            return _Manifest(aggregator=bool(re.search(r"^\s*include\b", text, re.MULTILINE)))
        if name.startswith("build.gradle"):
            coordinates = re.findall(r"""["']([\w.\-]+:[\w.\-]+)(?::[^"']*)?["']""", text)
            return _Manifest(frozenset(d.lower() for d in coordinates))
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
    return _Manifest(frozenset(deps), name if isinstance(name, str) else "", marker=marker)


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
    for child in root:
        tag = local(child.tag)
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
    return _Manifest(frozenset(deps), name, aggregator)


def manifest_dependencies(repo: Repository, manifests: Iterable[str]) -> frozenset[str]:
    """Every dependency named by `manifests` (lower case; Java as group:artifact, Go as module path)."""
    out: set[str] = set()
    for rel in manifests:
        out |= _parse_manifest(repo, rel).dependencies
    return frozenset(out)


# -- classification ---------------------------------------------------------------------------------------
def _backend_dependency(dep: str) -> bool:
    return dep in _BACKEND_EXACT or dep.startswith(_BACKEND_PREFIXES)


def _code_says_backend(repo: Repository, files: list[FileInfo]) -> bool:
    for info in files[:_CODE_FILES_SNIFFED]:
        data = repo.read_bytes(info.path, limit=_CODE_SNIFF)
        if not data:
            continue
        text = data.decode("utf-8", "replace")
        if info.language == "python":
            if any(m in _PY_BACKEND_IMPORTS for m in _PY_IMPORT.findall(text)):
                return True
        elif info.language == "go":
            if any(i == p or i.startswith(p) for i in _GO_IMPORT.findall(text) for p in _GO_BACKEND_IMPORTS):
                return True
        elif info.language == "java":
            if any(i.startswith(_JAVA_BACKEND_IMPORTS) for i in _JAVA_IMPORT.findall(text)):
                return True
        elif info.language in ("typescript", "javascript") and any(
            _backend_dependency(i) for i in _JS_IMPORT.findall(text)
        ):
            return True
    return False


def classify_kind(dependencies: Iterable[str], code_is_backend: bool = False) -> str:
    """"backend", "frontend" or "library" from manifest dependencies (and what the code imports)."""
    deps = set(dependencies)
    if any(_backend_dependency(d) for d in deps):
        return "backend"
    if deps & _FRONTEND:
        return "frontend"
    return "backend" if code_is_backend else "library"


# -- discovery ------------------------------------------------------------------------------------------------
def _roots(repo: Repository) -> dict[str, _Root]:
    roots: dict[str, _Root] = {}
    for info in repo.files:
        root = _manifest_root(info)
        if root is not None:
            roots.setdefault(root, _Root(root)).manifests.append(info.path)
    return roots


def _descendants(ordered: list[str], path: str) -> list[str]:
    """The paths of `ordered` (sorted) strictly inside `path`, found by bisection (all of them for the root)."""
    if not path:
        return [p for p in ordered if p]
    low = bisect.bisect_left(ordered, path + "/")
    high = bisect.bisect_left(ordered, path + "0")  # '0' sorts right after '/'
    return ordered[low:high]


def _absorb_members(repo: Repository, roots: dict[str, _Root], parsed: dict[str, _Manifest]) -> None:
    """Fold manifests below a Cargo workspace / Maven aggregator / Gradle build of the same ecosystem into it."""
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
        for other in _descendants(ordered, path):
            sub = roots.get(other)
            if sub is None:
                continue
            mine = [m for m in sub.manifests if _ecosystem(m) in absorbing]
            if not mine:
                continue
            root.manifests.extend(mine)
            taken = set(mine)
            sub.manifests = [m for m in sub.manifests if m not in taken]
            if not sub.manifests:
                del roots[other]


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


def find_projects(repo: Repository) -> list[Project]:
    """The projects of `repo`, the root first, then nested ones by path."""
    roots = _roots(repo)
    parsed = {m: _parse_manifest(repo, m) for root in roots.values() for m in root.manifests}
    # A nested `{"type": "commonjs"}` package.json switches the module system of a folder of build scripts
    # (JHipster's webpack/): it describes no project.
    for path in [p for p in roots if p]:
        roots[path].manifests = [m for m in roots[path].manifests if not parsed[m].marker]
        if not roots[path].manifests:
            del roots[path]
    _absorb_members(repo, roots, parsed)

    # A nested root without code of its own is not a project: its manifest joins the enclosing one. Nor is a
    # crate or package that holds only migrations (SeaORM's `migration/` crate): it migrates the enclosing service.
    # Deepest first, in one pass: folding a root changes only the root that encloses it, which comes later.
    owned = _owners(repo, roots)
    for path in sorted((p for p in roots if p), key=lambda p: (-p.count("/"), p)):
        code = owned.get(path, [])
        parent = _nearest_root(path, roots)
        if not code or (parent is not None and all(f.role == "migration" for f in code)):
            if parent is not None:
                roots[parent].manifests.extend(roots[path].manifests)
            owned[parent].extend(code)
            owned.pop(path, None)
            del roots[path]

    nested_roots = sorted(p for p in roots if p)
    if not nested_roots:
        manifests = tuple(sorted(roots[""].manifests)) if "" in roots else ()
        return [Project("", manifests=manifests)]

    if "" not in roots and owned.get(None):
        roots[""] = _Root("")
        owned[""] = owned.pop(None)

    names: dict[str, str] = {}
    for path, root in roots.items():
        own = sorted((m for m in root.manifests if _parent(m) == path), key=_name_priority)
        declared = next((parsed[m].name for m in own if parsed[m].name), "")
        names[path] = declared or (PurePosixPath(path).name if path else "")
    taken = Counter(n for n in names.values() if n)
    projects = []
    for path in sorted(roots, key=lambda p: (p != "", p)):
        root = roots[path]
        excluded = tuple(_descendants(nested_roots, path))
        deps = frozenset(d for m in root.manifests for d in parsed[m].dependencies)
        code = owned.get(path, [])
        kind = classify_kind(deps, not any(_backend_dependency(d) for d in deps) and _code_says_backend(repo, code))
        name = names[path]
        if name and taken[name] > 1:
            name = path or "."
        projects.append(Project(path, kind=kind, manifests=tuple(sorted(root.manifests)), excluded=excluded, name=name))
    return projects
