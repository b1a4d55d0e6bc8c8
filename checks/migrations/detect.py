"""Which database a project uses and which migration tool its files belong to.

Manifests and imports are read as text with narrow patterns: a malformed manifest gives no evidence,
never an exception. Nothing here executes, imports or fully parses the target's data files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

__all__ = [
    "DOCUMENT",
    "JAVA_IMPORTS",
    "RELATIONAL",
    "RUST_IMPORTS",
    "Evidence",
    "classify_migration",
    "code_evidence",
    "import_evidence",
    "manifest_evidence",
    "manifest_kind",
]

RELATIONAL = "relational"
DOCUMENT = "document"

MANIFEST_KINDS: dict[str, str] = {
    "requirements.txt": "python", "pyproject.toml": "python", "setup.py": "python", "setup.cfg": "python",
    "pipfile": "python", "package.json": "node", "cargo.toml": "rust", "go.mod": "go", "pom.xml": "java",
    "build.gradle": "java", "build.gradle.kts": "java",
}


def manifest_kind(path: str) -> str | None:
    name = path.rsplit("/", 1)[-1].lower()
    if name in MANIFEST_KINDS:
        return MANIFEST_KINDS[name]
    if re.fullmatch(r"requirements[\w.-]*\.(txt|in)", name) or (
        "/requirements/" in f"/{path.lower()}" and name.endswith((".txt", ".in"))
    ):
        return "python"
    return None


# package -> (database kind, migration tool it implies or "")
_PY_PACKAGES: dict[str, tuple[str, str]] = {
    "sqlalchemy": (RELATIONAL, ""), "sqlmodel": (RELATIONAL, ""), "flask-sqlalchemy": (RELATIONAL, ""),
    "alembic": (RELATIONAL, "alembic"), "flask-migrate": (RELATIONAL, "alembic"), "psycopg": (RELATIONAL, ""),
    "psycopg2": (RELATIONAL, ""), "psycopg2-binary": (RELATIONAL, ""), "psycopg-binary": (RELATIONAL, ""),
    "asyncpg": (RELATIONAL, ""), "pymysql": (RELATIONAL, ""), "mysqlclient": (RELATIONAL, ""),
    "aiosqlite": (RELATIONAL, ""), "aiomysql": (RELATIONAL, ""), "databases": (RELATIONAL, ""),
    "tortoise-orm": (RELATIONAL, ""), "aerich": (RELATIONAL, "aerich"), "peewee": (RELATIONAL, ""),
    "pony": (RELATIONAL, ""), "yoyo-migrations": (RELATIONAL, "yoyo"), "piccolo": (RELATIONAL, ""),
    "pymongo": (DOCUMENT, ""), "motor": (DOCUMENT, ""), "mongoengine": (DOCUMENT, ""), "beanie": (DOCUMENT, ""),
    "odmantic": (DOCUMENT, ""),
}
# Drivers a Django project pulls in for Django's own use: Django's models are the evidence there.
_PY_DRIVERS = frozenset({"psycopg", "psycopg2", "psycopg2-binary", "psycopg-binary", "pymysql", "mysqlclient"})

_NODE_PACKAGES: dict[str, tuple[str, str]] = {
    "prisma": (RELATIONAL, "prisma"), "@prisma/client": (RELATIONAL, "prisma"), "typeorm": (RELATIONAL, ""),
    "@nestjs/typeorm": (RELATIONAL, ""), "knex": (RELATIONAL, ""), "sequelize": (RELATIONAL, ""),
    "sequelize-cli": (RELATIONAL, "sequelize"), "pg": (RELATIONAL, ""), "mysql": (RELATIONAL, ""),
    "mysql2": (RELATIONAL, ""), "sqlite3": (RELATIONAL, ""), "better-sqlite3": (RELATIONAL, ""),
    "drizzle-orm": (RELATIONAL, ""), "drizzle-kit": (RELATIONAL, "drizzle"), "@mikro-orm/core": (RELATIONAL, ""),
    "postgrator": (RELATIONAL, "postgrator"), "postgrator-cli": (RELATIONAL, "postgrator"), "kysely": (RELATIONAL, ""),
    "@fastify/postgres": (RELATIONAL, ""), "@fastify/mysql": (RELATIONAL, ""), "db-migrate": (RELATIONAL, "db-migrate"),
    "node-pg-migrate": (RELATIONAL, "node-pg-migrate"), "umzug": (RELATIONAL, "umzug"),
    "mongoose": (DOCUMENT, ""), "mongodb": (DOCUMENT, ""), "@nestjs/mongoose": (DOCUMENT, ""),
    "migrate-mongo": (DOCUMENT, "migrate-mongo"),
}
_RUST_CRATES: dict[str, tuple[str, str]] = {
    "sqlx": (RELATIONAL, ""), "diesel": (RELATIONAL, ""), "diesel_migrations": (RELATIONAL, "diesel"),
    "sea-orm": (RELATIONAL, ""), "sea-orm-migration": (RELATIONAL, "seaorm"), "refinery": (RELATIONAL, "refinery"),
    "tokio-postgres": (RELATIONAL, ""), "postgres": (RELATIONAL, ""), "rusqlite": (RELATIONAL, ""),
    "mysql_async": (RELATIONAL, ""), "deadpool-postgres": (RELATIONAL, ""), "mongodb": (DOCUMENT, ""),
}
_GO_MODULES: dict[str, tuple[str, str]] = {
    "gorm.io/gorm": (RELATIONAL, ""), "github.com/jinzhu/gorm": (RELATIONAL, ""),
    "github.com/jmoiron/sqlx": (RELATIONAL, ""), "github.com/jackc/pgx": (RELATIONAL, ""),
    "github.com/go-pg/pg": (RELATIONAL, ""), "github.com/go-pg/migrations": (RELATIONAL, "go-pg"),
    "github.com/uptrace/bun": (RELATIONAL, ""), "entgo.io/ent": (RELATIONAL, ""), "github.com/lib/pq": (RELATIONAL, ""),
    "github.com/go-sql-driver/mysql": (RELATIONAL, ""), "github.com/mattn/go-sqlite3": (RELATIONAL, ""),
    "github.com/golang-migrate/migrate": (RELATIONAL, "golang-migrate"), "github.com/pressly/goose": (RELATIONAL, "goose"),
    "ariga.io/atlas": (RELATIONAL, "atlas"), "go.mongodb.org/mongo-driver": (DOCUMENT, ""),
}
_JAVA_ARTIFACTS: dict[str, tuple[str, str]] = {
    "spring-boot-starter-data-jpa": (RELATIONAL, ""), "spring-boot-starter-jdbc": (RELATIONAL, ""),
    "spring-data-jpa": (RELATIONAL, ""), "hibernate-core": (RELATIONAL, ""), "jakarta.persistence-api": (RELATIONAL, ""),
    "quarkus-hibernate-orm": (RELATIONAL, ""), "quarkus-hibernate-orm-panache": (RELATIONAL, ""),
    "micronaut-data-jdbc": (RELATIONAL, ""), "micronaut-data-jpa": (RELATIONAL, ""), "micronaut-data-hibernate-jpa": (RELATIONAL, ""),
    "postgresql": (RELATIONAL, ""), "mysql-connector-java": (RELATIONAL, ""), "mysql-connector-j": (RELATIONAL, ""),
    "mariadb-java-client": (RELATIONAL, ""), "jooq": (RELATIONAL, ""), "mybatis-spring-boot-starter": (RELATIONAL, ""),
    "flyway-core": (RELATIONAL, "flyway"), "quarkus-flyway": (RELATIONAL, "flyway"), "liquibase-core": (RELATIONAL, "liquibase"),
    "spring-boot-starter-liquibase": (RELATIONAL, "liquibase"), "quarkus-liquibase": (RELATIONAL, "liquibase"),
    "spring-boot-starter-flyway": (RELATIONAL, "flyway"),
    "spring-boot-starter-data-mongodb": (DOCUMENT, ""), "mongodb-driver-sync": (DOCUMENT, ""),
    "spring-boot-starter-data-mongodb-reactive": (DOCUMENT, ""), "mongodb-driver-reactivestreams": (DOCUMENT, ""),
    "quarkus-mongodb-client": (DOCUMENT, ""), "quarkus-mongodb-panache": (DOCUMENT, ""),
    "quarkus-mongodb-panache-kotlin": (DOCUMENT, ""),
    # the Liquibase MongoDB extension versions the collections and indexes of a document database
    "liquibase-mongodb": (DOCUMENT, "liquibase-mongodb"), "quarkus-liquibase-mongodb": (DOCUMENT, "liquibase-mongodb"),
}


@dataclass(frozen=True, slots=True)
class Evidence:
    kind: str  # relational | document
    what: str  # e.g. "sqlalchemy"
    where: str  # repository-relative path
    tool: str = ""  # migration tool this evidence configures, if any

    def describe(self) -> str:
        return f"{self.what} ({self.where})"


def _strip_comments(text: str, marker: str) -> str:
    return "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith(marker))


def manifest_evidence(path: str, kind: str, text: str) -> list[Evidence]:
    """Database packages a manifest declares (textual; a broken manifest yields nothing)."""
    found: list[Evidence] = []
    lowered = text.lower()
    if kind == "python":
        body = _strip_comments(lowered, "#")
        django = re.search(r"(?<![\w.-])django(?![\w.-])", body) is not None
        for name, (db, tool) in _PY_PACKAGES.items():
            if django and name in _PY_DRIVERS:
                continue
            if re.search(rf"(?<![\w.-]){re.escape(name)}(?![\w.-])", body):
                found.append(Evidence(db, name, path, tool))
    elif kind == "node":
        for name, (db, tool) in _NODE_PACKAGES.items():
            if re.search(rf'"{re.escape(name)}"\s*:', lowered):
                found.append(Evidence(db, name, path, tool))
    elif kind == "rust":
        body = _strip_comments(lowered, "#")
        for name, (db, tool) in _RUST_CRATES.items():
            n = re.escape(name)
            if re.search(rf"^\s*{n}\s*=|^\s*\[(workspace\.)?(dev-)?dependencies\.{n}\]", body, re.MULTILINE):
                found.append(Evidence(db, name, path, tool))
    elif kind == "go":
        body = _strip_comments(text, "//")
        for name, (db, tool) in _GO_MODULES.items():
            if re.search(rf"(?<![\w./-]){re.escape(name)}(/[\w./-]*)?\s+v", body):
                found.append(Evidence(db, name, path, tool))
    elif kind == "java":
        for name, (db, tool) in _JAVA_ARTIFACTS.items():
            n = re.escape(name)
            if re.search(rf"<artifactId>\s*{n}\s*</artifactId>|['\"][\w.-]+:{n}(:[^'\"]*)?['\"]", text):
                found.append(Evidence(db, name, path, tool))
    return found


# Imports in code: language -> [(pattern, what, kind)]
_CODE_PATTERNS: dict[str, list[tuple[re.Pattern[bytes], str, str]]] = {
    "typescript": [
        (re.compile(rb"""(?:from\s+|require\(\s*|import\s+)['"](typeorm|@nestjs/typeorm|knex|sequelize(?:-typescript)?|pg|mysql2?|"""
                    rb"""@prisma/client|drizzle-orm[\w/-]*|@mikro-orm/[\w-]+|better-sqlite3|sqlite3|kysely)['"]"""),
         "", RELATIONAL),
        (re.compile(rb"""(?:from\s+|require\(\s*|import\s+)['"](mongoose|mongodb|@nestjs/mongoose)['"]"""), "", DOCUMENT),
    ],
    "go": [
        (re.compile(rb'"(database/sql|gorm\.io/gorm|github\.com/jinzhu/gorm|github\.com/jmoiron/sqlx|github\.com/jackc/pgx(?:/v\d)?|'
                    rb'github\.com/go-pg/pg(?:/v\d+)?|github\.com/uptrace/bun|entgo\.io/ent)"'), "", RELATIONAL),
        (re.compile(rb'"(go\.mongodb\.org/mongo-driver)/mongo"'), "", DOCUMENT),
    ],
}
_CODE_PATTERNS["javascript"] = _CODE_PATTERNS["typescript"]

# Rust crates whose `use` (or `extern crate`) in the code says a database is used (read from the model).
RUST_IMPORTS: dict[str, str] = {
    "sqlx": RELATIONAL, "diesel": RELATIONAL, "sea_orm": RELATIONAL, "tokio_postgres": RELATIONAL,
    "rusqlite": RELATIONAL, "refinery": RELATIONAL,
}

# Java packages whose import says which kind of database the code talks to (read from the analysis layer's imports).
JAVA_IMPORTS: dict[str, str] = {
    "javax.persistence": RELATIONAL, "jakarta.persistence": RELATIONAL, "java.sql": RELATIONAL,
    "org.springframework.data.jpa": RELATIONAL, "org.springframework.jdbc": RELATIONAL, "org.hibernate": RELATIONAL,
    "io.quarkus.hibernate": RELATIONAL, "org.springframework.data.mongodb": DOCUMENT, "com.mongodb": DOCUMENT,
    "io.quarkus.mongodb": DOCUMENT,
}

PY_IMPORTS: dict[str, str] = {
    "sqlalchemy": RELATIONAL, "sqlmodel": RELATIONAL, "flask_sqlalchemy": RELATIONAL, "psycopg": RELATIONAL,
    "psycopg2": RELATIONAL, "asyncpg": RELATIONAL, "pymysql": RELATIONAL, "MySQLdb": RELATIONAL, "sqlite3": RELATIONAL,
    "aiosqlite": RELATIONAL, "databases": RELATIONAL, "tortoise": RELATIONAL, "peewee": RELATIONAL, "pony": RELATIONAL,
    "piccolo": RELATIONAL, "pymongo": DOCUMENT, "motor": DOCUMENT, "mongoengine": DOCUMENT, "beanie": DOCUMENT,
}


def code_evidence(language: str, path: str, source: bytes) -> list[Evidence]:
    """Database libraries imported by one source file of a tree-sitter language."""
    out: list[Evidence] = []
    seen: set[str] = set()
    for pattern, _, kind in _CODE_PATTERNS.get(language, []):
        for match in pattern.finditer(source):
            what = match.group(1).decode("utf-8", "replace")
            if what not in seen:
                seen.add(what)
                out.append(Evidence(kind, what, path))
    return out


def import_evidence(language: str, path: str, modules: list[str]) -> list[Evidence]:
    """Database libraries among the modules one file imports (for languages read by the analysis layer)."""
    out: list[Evidence] = []
    seen: set[str] = set()
    for pattern, _, kind in _CODE_PATTERNS.get(language, []):
        for module in modules:
            match = pattern.search(f'"{module}"'.encode())
            if match is None:
                continue
            what = match.group(1).decode("utf-8", "replace")
            if what not in seen:
                seen.add(what)
                out.append(Evidence(kind, what, path))
    return out


# -- migration files ------------------------------------------------------------------------------------

_FLYWAY = re.compile(r"^(V\d+([._]\d+)*__.+|R__.+)\.(sql|java|kt)$")
_POSTGRATOR = re.compile(r"^\d+\.(do|undo)(\.[\w-]+)?\.sql$")
_UPDOWN = re.compile(r"^\d+[_-].*\.(up|down)\.sql$")
_NUMBERED_SQL = re.compile(r"^\d+[_-].*\.sql$")
_SEAORM = re.compile(r"^m\d{8}_\d{6}_\w+\.rs$")
_DJANGO = re.compile(r"^\d{4}_\w+\.py$")


def classify_migration(
    path: str, language: str, text: str | None, tools_in_manifests: Iterable[str], ecosystems: set[str]
) -> str | None:
    """The migration tool a file of role "migration" belongs to, or None when it is not a migration.

    `text` is the file's text (None when unreadable); `ecosystems` the manifest kinds of the project
    ("go", "rust", ...), which tell golang-migrate from sqlx when the file names alone cannot.
    """
    p = PurePosixPath(path)
    name = p.name
    tools = set(tools_in_manifests)
    body = text or ""
    if language == "sql":
        lowered = path.lower()
        if re.match(r"\s*--\s*liquibase formatted sql", body, re.I):
            return "liquibase"
        if name == "migration.sql":
            return "prisma"
        if name in ("up.sql", "down.sql"):
            return "diesel"
        if "-- +goose" in body:
            return "goose"
        if _FLYWAY.match(name):
            return "refinery" if "refinery" in tools and "flyway" not in tools else "flyway"
        if _POSTGRATOR.match(name):
            return "postgrator"
        if _UPDOWN.match(name):
            if "rust" in ecosystems and "go" not in ecosystems:
                return "sqlx"
            return "golang-migrate" if "go" in ecosystems else "migrate"
        if _NUMBERED_SQL.match(name) and "rust" in ecosystems and "go" not in ecosystems:
            return "sqlx"
        if "atlas" in tools:
            return "atlas"
        return "sql" if "/seed" not in lowered else None
    if language in ("xml", "yaml", "json"):
        if "databaseChangeLog" not in body:
            return None
        # the Liquibase MongoDB extension versions collections and indexes of a document database
        return "liquibase-mongodb" if "liquibase.org/xml/ns/mongodb" in body or (re.search(
            r"\b(?:ext:)?(?:createCollection|insertMany|insertOne|createIndex|runCommand)\b", body) and \
            not re.search(r"\bcreateTable\b", body)) else "liquibase"
    if language in ("typescript", "javascript"):
        if "MigrationInterface" in body or "QueryRunner" in body:
            return "typeorm"
        if "queryInterface" in body:
            return "sequelize"
        if "@mikro-orm/migrations" in body:
            return "mikro-orm"
        if "knex" in body.lower() and re.search(r"\bup\b", body):
            return "knex"
        if "pgm." in body and re.search(r"\bup\b", body):
            return "node-pg-migrate"
        if "migrate-mongo" in body or re.search(r"db\.collection\(", body):
            return "migrate-mongo"
        return None
    if language == "rust":
        if _SEAORM.match(name):
            return "seaorm"
        if _FLYWAY.match(name.replace(".rs", ".sql")):
            return "refinery"
        return None
    if language == "java":
        return "flyway" if _FLYWAY.match(name) else None
    return None


def is_django_migration_name(name: str) -> bool:
    return bool(_DJANGO.match(name))
