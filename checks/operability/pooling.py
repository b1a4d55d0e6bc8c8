"""Database connections come from a pool: operability/connection-pooling and the facts behind it.

Queries over the model: calls that open one connection (psycopg2.connect, pg's `new Client`, sql.Open,
DriverManager.getConnection, PgConnection::connect) against calls that build a pool or a pooled client
(create_engine, create_pool, `new Pool`, pgxpool, HikariCP, PgPoolOptions), with their pool settings; Django's
DATABASES and CONN_MAX_AGE; pool settings in configuration files; an external pooler (PgBouncer) in a URL. A
connection opened in a function that serves a request (analysis.routes.handlers) is opened once per request.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from analysis.frameworks import language_family
from analysis.model import CALL_IN_TEST, Call, FileModel
from analysis.routes.handlers import request_functions
from auditor.context import Context
from auditor.model import Check, Confidence, Effort, Finding, NotApplicable, Severity, Verdict
from checks.operability._common import dependencies, short

__all__ = ["ConnectionPooling", "PoolingFacts", "pooling_facts"]

# Per family: callee (as resolved through imports, or as written) -> driver name, for calls that open ONE connection.
CONNECT_CALLS: dict[str, dict[str, str]] = {
    "python": {
        "psycopg2.connect": "psycopg2", "psycopg.connect": "psycopg", "psycopg.Connection.connect": "psycopg",
        "psycopg.AsyncConnection.connect": "psycopg", "pymysql.connect": "PyMySQL", "MySQLdb.connect": "mysqlclient",
        "mysql.connector.connect": "mysql-connector", "asyncpg.connect": "asyncpg", "aiomysql.connect": "aiomysql",
        "aiopg.connect": "aiopg", "cx_Oracle.connect": "cx_Oracle", "oracledb.connect": "oracledb", "pyodbc.connect": "pyodbc",
        "pymssql.connect": "pymssql", "pymongo.MongoClient": "pymongo", "motor.motor_asyncio.AsyncIOMotorClient": "motor",
        "sqlalchemy.create_engine": "", "sqlalchemy.ext.asyncio.create_async_engine": "",  # an engine per request
    },
    "javascript": {
        "pg.Client": "pg", "mysql.createConnection": "mysql", "mysql2.createConnection": "mysql2",
        "mysql2/promise.createConnection": "mysql2", "@prisma/client.PrismaClient": "Prisma", "mongodb.MongoClient": "mongodb",
        "mongoose.connect": "mongoose", "mongoose.createConnection": "mongoose", "sequelize.Sequelize": "Sequelize",
        "typeorm.DataSource": "TypeORM", "typeorm.createConnection": "TypeORM",
    },
    "go": {
        "database/sql.Open": "database/sql", "sql.Open": "database/sql", "sqlx.Open": "sqlx", "sqlx.Connect": "sqlx",
        "gorm.Open": "GORM", "pgx.Connect": "pgx", "pgxpool.New": "pgxpool", "pgxpool.Connect": "pgxpool",
        "mongo.Connect": "mongo-driver",
    },
    "java": {"DriverManager.getConnection": "JDBC DriverManager"},
    "rust": {
        "PgConnection::connect": "sqlx", "MySqlConnection::connect": "sqlx", "PgConnection::establish": "diesel",
        "MysqlConnection::establish": "diesel", "tokio_postgres::connect": "tokio-postgres", "postgres::Client::connect": "postgres",
        "Database::connect": "sea-orm", "PgPool::connect": "sqlx", "MySqlPool::connect": "sqlx",
    },
}
# Per family: callee -> what it builds, for calls that make a pool or a client that pools.
POOL_CALLS: dict[str, dict[str, str]] = {
    "python": {
        "sqlalchemy.create_engine": "SQLAlchemy engine", "sqlalchemy.ext.asyncio.create_async_engine": "SQLAlchemy engine",
        "sqlmodel.create_engine": "SQLAlchemy engine", "flask_sqlalchemy.SQLAlchemy": "Flask-SQLAlchemy",
        "psycopg2.pool.SimpleConnectionPool": "psycopg2 pool", "psycopg2.pool.ThreadedConnectionPool": "psycopg2 pool",
        "psycopg_pool.ConnectionPool": "psycopg pool", "psycopg_pool.AsyncConnectionPool": "psycopg pool",
        "asyncpg.create_pool": "asyncpg pool", "aiomysql.create_pool": "aiomysql pool", "aiopg.create_pool": "aiopg pool",
        "databases.Database": "databases", "tortoise.Tortoise.init": "Tortoise ORM", "pymongo.MongoClient": "pymongo",
        "motor.motor_asyncio.AsyncIOMotorClient": "motor", "redis.ConnectionPool": "redis pool",
    },
    "javascript": {
        "pg.Pool": "pg Pool", "mysql.createPool": "mysql pool", "mysql2.createPool": "mysql2 pool",
        "mysql2/promise.createPool": "mysql2 pool", "@prisma/client.PrismaClient": "Prisma", "mongodb.MongoClient": "mongodb",
        "mongoose.connect": "mongoose", "sequelize.Sequelize": "Sequelize", "typeorm.DataSource": "TypeORM",
        "knex": "knex", "postgres": "postgres.js", "@neondatabase/serverless.Pool": "Neon pool",
    },
    "go": {"sql.Open": "database/sql", "database/sql.Open": "database/sql", "sqlx.Open": "sqlx", "sqlx.Connect": "sqlx",
           "gorm.Open": "GORM", "pgxpool.New": "pgxpool", "pgxpool.NewWithConfig": "pgxpool", "pgxpool.Connect": "pgxpool"},
    "java": {"HikariDataSource": "HikariCP", "HikariConfig": "HikariCP", "BasicDataSource": "DBCP", "ComboPooledDataSource": "c3p0"},
    "rust": {"PgPoolOptions::new": "sqlx pool", "MySqlPoolOptions::new": "sqlx pool", "SqlitePoolOptions::new": "sqlx pool",
             "PgPool::connect": "sqlx pool", "MySqlPool::connect": "sqlx pool", "PgPool::connect_lazy": "sqlx pool",
             "Pool::builder": "r2d2/bb8 pool", "Database::connect": "sea-orm pool", "deadpool_postgres::Config": "deadpool"},
}
POOL_SETTING_KEYS = frozenset({
    "pool_size", "max_overflow", "pool_recycle", "pool_timeout", "pool_pre_ping", "poolclass", "pool_use_lifo", "min_size",
    "max_size", "maxconn", "minconn", "max", "min", "idleTimeoutMillis", "connectionLimit", "poolSize", "connection_limit",
    "maxPoolSize", "minPoolSize", "pool", "MaxConns", "MinConns", "max_connections", "min_connections", "acquire_timeout",
    "CONN_MAX_AGE", "conn_max_age", "SQLALCHEMY_ENGINE_OPTIONS", "SQLALCHEMY_POOL_SIZE",
})
_GO_POOL_CALLS = frozenset({"SetMaxOpenConns", "SetMaxIdleConns", "SetConnMaxLifetime", "SetConnMaxIdleTime"})
_RUST_POOL_CALLS = frozenset({"max_connections", "min_connections", "max_size", "min_idle", "acquire_timeout"})
_POOL_PROPERTIES = re.compile(r"(?im)^\s*(spring\.datasource\.hikari\.[\w.-]+|quarkus\.datasource\.jdbc\.(max|min)-size|"
                              r"spring\.r2dbc\.pool\.[\w.-]+|datasources?\.[\w.-]*maximum-pool-size)\s*[=:]")
_PGBOUNCER = re.compile(r"(?i)pgbouncer|:6432\b|[?&]pgbouncer=true")
_SQLITE = re.compile(r"(?i)sqlite")
_HIKARI_STARTERS = ("org.springframework.boot:spring-boot-starter-data-jpa", "org.springframework.boot:spring-boot-starter-jdbc",
                    "com.zaxxer:hikaricp")
_CACHED = frozenset({"lru_cache", "cache", "cached", "cached_property", "functools.lru_cache", "functools.cache"})


@dataclass
class _Site:
    path: str
    line: int
    message: str
    severity: Severity
    confidence: Confidence
    key: str


@dataclass
class PoolingFacts:
    pools: list[str] = field(default_factory=list)  # pools and pooled clients, with where
    settings: list[str] = field(default_factory=list)  # pool settings given, with where
    connections: list[str] = field(default_factory=list)  # single connections opened, with where
    external_pooler: list[str] = field(default_factory=list)
    sites: list[_Site] = field(default_factory=list)  # what the check reports


def _callee(call: Call) -> tuple[str, str]:
    return call.qualified, call.callee


def _lookup(table: dict[str, str], call: Call) -> str | None:
    for name in _callee(call):
        if not name:
            continue
        if name in table:
            return table[name]
        short_name = name.rsplit(".", 2)
        if len(short_name) >= 2 and ".".join(short_name[-2:]) in table:
            return table[".".join(short_name[-2:])]
    return None


def _sqlite_only(call: Call) -> bool:
    return any(_SQLITE.search(a[1]) for a in call.args[:1]) or call.callee.startswith("sqlite3")


def _scan_model(model: FileModel, facts: PoolingFacts) -> Iterator[tuple[Call, str]]:
    """Pools, settings and connections of one file; yields (call, driver) for connections opened in functions."""
    family = language_family(model.language)
    connects, pools = CONNECT_CALLS.get(family, {}), POOL_CALLS.get(family, {})
    for call in model.calls:
        if call.flags & CALL_IN_TEST:
            continue
        pool = _lookup(pools, call)
        driver = _lookup(connects, call)
        where = f"{model.path}:{call.line}"
        if pool is not None:
            facts.pools.append(f"{pool} ({where})")
            for arg in call.args:
                if arg[3] in POOL_SETTING_KEYS:
                    facts.settings.append(f"{arg[3]} ({where})")
                    if arg[3] == "poolclass" and "NullPool" in arg[1]:
                        facts.pools.pop()
                        facts.connections.append(f"{pool} with NullPool ({where})")
        rust_pool = family == "rust" and call.name in _RUST_POOL_CALLS and ("Pool" in call.receiver or "::new()" in call.receiver)
        if (family == "go" and call.name in _GO_POOL_CALLS) or rust_pool:
            facts.settings.append(f"{call.name} ({where})")
        if driver is not None and call.function >= 0 and not _sqlite_only(call):
            if driver:
                facts.connections.append(f"{driver} ({where})")
            yield call, driver
        for arg in call.args:
            if arg[4] and _PGBOUNCER.search(arg[4]):
                facts.external_pooler.append(f"PgBouncer URL ({where})")
    for setting in model.settings:
        if setting.key in POOL_SETTING_KEYS and (setting.function < 0 or setting.key.isupper()):
            facts.settings.append(f"{setting.key} ({model.path}:{setting.line})")
        if _PGBOUNCER.search(setting.value) and ("://" in setting.value or "pgbouncer" in setting.key.lower()):
            facts.external_pooler.append(f"PgBouncer ({model.path}:{setting.line})")


def _django(ctx: Context, facts: PoolingFacts) -> None:
    """Django closes its connection at the end of every request unless CONN_MAX_AGE (or a pool) says otherwise."""
    databases: list[tuple[FileModel, int, str]] = []
    persistent = False
    for model in ctx.analysis.files("python", roles=("source", "config")):
        for assign in model.assigns:
            targets = " ".join(assign.targets)
            text = assign.value[1]
            if "CONN_MAX_AGE" in targets or "conn_max_age" in text.lower() or '"pool"' in text or "'pool'" in text:
                persistent = True
            if assign.function < 0 and not assign.owner and assign.targets == ("DATABASES",):
                databases.append((model, assign.line, text))
        persistent = persistent or any(s.key.lower() in ("conn_max_age", "conn_health_checks") for s in model.settings)
    for model, line, text in databases:
        facts.pools.append(f"Django DATABASES ({model.path}:{line})")
        if persistent:
            facts.settings.append(f"CONN_MAX_AGE ({model.path}:{line})")
        elif not (_SQLITE.search(text) and "postgres" not in text.lower() and "mysql" not in text.lower()):
            facts.sites.append(_Site(
                model.path, line, "Django opens a new database connection for every request and closes it after: "
                "`CONN_MAX_AGE` is not set (0), and no connection pool is configured", Severity.LOW, Confidence.MEDIUM,
                "django-conn-max-age"))


def _config_files(ctx: Context, facts: PoolingFacts) -> None:
    for info in ctx.files:
        name = info.path.rsplit("/", 1)[-1]
        if info.role not in ("config", "data") or not (name.startswith("application") or name.startswith(".env")
                                                       or "compose" in name or name.endswith((".properties", ".yml", ".yaml"))):
            continue
        text = ctx.sources.text(info.path) or ""
        match = _POOL_PROPERTIES.search(text)
        if match:
            facts.settings.append(f"{match.group(1)} ({info.path}:{text.count(chr(10), 0, match.start()) + 1})")
        for m in re.finditer(r"(?im)^.*(postgres(ql)?|DATABASE_URL).*$", text):
            if _PGBOUNCER.search(m.group(0)):
                facts.external_pooler.append(f"PgBouncer ({info.path}:{text.count(chr(10), 0, m.start()) + 1})")
                break


def _collect(ctx: Context) -> PoolingFacts:
    facts = PoolingFacts()
    reach = request_functions(ctx.analysis)
    for model in ctx.analysis.files(roles=("source",)):
        for call, driver in _scan_model(model, facts):
            fn = model.function(call.function)
            if fn is None or any(d.lstrip("@").split("(", 1)[0] in _CACHED for d in fn.decorators):
                continue
            what = f"opens a new {driver} connection" if driver else "creates a new engine, and a new pool with it,"
            if reach.serves(model.path, call.function):
                facts.sites.append(_Site(model.path, call.line, f"`{call.callee}()` {what} in the request handler "
                                         f"`{fn.name}`: one connection per request instead of one from a pool",
                                         Severity.MEDIUM, Confidence.HIGH, f"connect:{fn.name}:{call.callee}"))
            elif reach.reached(model.path, call.function):
                facts.sites.append(_Site(model.path, call.line, f"`{call.callee}()` in `{fn.name}` {what} each time it "
                                         f"runs, and request handlers call `{fn.name}` (directly or through a helper): one "
                                         "connection per request instead of one from a pool", Severity.MEDIUM, Confidence.MEDIUM,
                                         f"connect:{fn.name}:{call.callee}"))
    for model in ctx.analysis.files(roles=("config",)):
        for _ in _scan_model(model, facts):
            pass
    _django(ctx, facts)
    _config_files(ctx, facts)
    deps = dependencies(ctx)
    if any(d in deps for d in _HIKARI_STARTERS):
        facts.pools.append("HikariCP (Spring Boot's default pool, manifest)")
    if any(d in deps for d in ("io.quarkus:quarkus-agroal",)) or any(d.startswith("io.quarkus:quarkus-jdbc-") for d in deps):
        facts.pools.append("Agroal (Quarkus's pool, manifest)")
    go_pools = [p for p in facts.pools if p.rsplit(" (", 1)[0] in ("database/sql", "sqlx", "GORM")]  # not "sqlx pool" (Rust)
    if go_pools and not any(s.startswith(("SetMaxOpenConns", "SetMaxIdleConns")) for s in facts.settings):
        where = go_pools[0].rsplit("(", 1)[-1].rstrip(")")
        path, _, line = where.rpartition(":")
        facts.sites.append(_Site(path, int(line) if line.isdigit() else 1, "database/sql pools connections but the pool is "
                                 "unbounded: `SetMaxOpenConns` is never called, so a burst of requests can open more "
                                 "connections than the database allows", Severity.LOW, Confidence.MEDIUM, "go-unbounded"))
    facts.pools, facts.settings = short(facts.pools, 20), short(facts.settings, 20)
    facts.connections, facts.external_pooler = short(facts.connections, 20), short(facts.external_pooler)
    return facts


def pooling_facts(ctx: Context) -> PoolingFacts:
    return ctx.fact(_collect)


def facts_json(ctx: Context) -> dict[str, object]:
    facts = pooling_facts(ctx)
    return {"pooled": bool(facts.pools or facts.external_pooler), "pools": facts.pools, "settings": facts.settings,
            "configured": bool(facts.settings), "external_pooler": facts.external_pooler,
            "connections": facts.connections, "per_request": [f"{s.path}:{s.line}" for s in facts.sites][:10]}


class ConnectionPooling(Check):
    id = "operability/connection-pooling"
    title = "Database connections come from a pool"
    category = "operability"
    severity = Severity.MEDIUM
    backend_only = True
    rationale = (
        "Opening a database connection costs a network round trip or several (TCP, TLS, authentication) and memory on "
        "the server; a service that opens one per request is slow and runs the database out of connections under load. "
        "A pool (SQLAlchemy's engine, asyncpg/psycopg pools, pg's Pool, database/sql, pgxpool, HikariCP, sqlx pools, "
        "r2d2/bb8/deadpool) or an external pooler (PgBouncer) keeps connections open and bounded. A connection opened "
        "in a request handler, or in a helper a handler calls, is a finding (medium); so is Django's default of "
        "closing the connection after every request (`CONN_MAX_AGE` unset, low) and a database/sql pool never bounded "
        "with `SetMaxOpenConns` (low). SQLite files are left alone."
    )
    remediation = (
        "Create one pool (or engine, or client) at start-up and take connections from it in handlers "
        "(`create_engine(url, pool_size=10, max_overflow=5)`, `asyncpg.create_pool`, `new Pool({ max: 10 })`, "
        "`pgxpool.New`, HikariCP, `PgPoolOptions::new().max_connections(10)`).",
        "Django: set `CONN_MAX_AGE` (e.g. 60) and `CONN_HEALTH_CHECKS = True`, or the psycopg pool option.",
        "Go: bound the pool with `db.SetMaxOpenConns` and `db.SetMaxIdleConns`.",
    )
    effort = Effort.SMALL

    def run(self, ctx: Context) -> Verdict:
        facts = pooling_facts(ctx)
        if not (facts.pools or facts.connections or facts.sites or facts.external_pooler):
            raise NotApplicable("no database client found in this project")
        findings: list[Finding] = [self.finding(ctx, s.message, s.path, s.line, severity=s.severity,
                                                confidence=s.confidence, key=s.key) for s in facts.sites]
        return Verdict(findings=tuple(findings), metrics=facts_json(ctx))
