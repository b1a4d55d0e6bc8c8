"""Database migrations: a schema in use is versioned by migrations, applied in one sound order.

Detection covers Python (SQLAlchemy/Alembic, Django, ...), JavaScript/TypeScript (Prisma, TypeORM, Knex,
Sequelize, ...), Rust (sqlx, Diesel, SeaORM, refinery), Go (golang-migrate, goose, GORM, ent, ...) and
Java (Flyway, Liquibase, Hibernate). A project that only uses MongoDB is schemaless: migrations do not
apply to it (a data-migration tool such as migrate-mongo is a choice, not a standard).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from auditor.context import Context
from auditor.model import Check, Confidence, Effort, Finding, NotApplicable, Severity
from checks.migrations.analysis import DOCUMENT_TOOLS, Analysis, Revision, analyse
from checks.migrations.graph import GraphReport, analyse_graph

__all__ = ["CHECKS", "MigrationsFacts", "analyse_graph", "migrations_facts"]

CATEGORY = "database"
ALL_LANGUAGES = frozenset({"python", "typescript", "javascript", "rust", "go", "java"})


@dataclass(frozen=True, slots=True)
class MigrationsFacts:
    database: bool  # a relational database is in use
    kinds: tuple[str, ...]  # relational, document
    database_evidence: tuple[str, ...]
    tools: tuple[str, ...]  # tools with at least one migration file
    configured: tuple[str, ...]  # tools declared without a single migration file
    files: int
    files_by_tool: dict[str, int]
    dirs: tuple[str, ...]
    heads: dict[str, list[str]]  # Alembic versions directory -> head revisions
    django_apps: dict[str, int]  # Django app directory -> migration files
    auto_sync: int
    destructive: int
    document_migrations: dict[str, int] = field(default_factory=dict)  # tool -> files versioning a document database


def _dir_of(path: str, tool: str) -> str:
    p = PurePosixPath(path)
    if tool in ("diesel", "prisma") or (tool == "seaorm" and p.parent.name == "src"):
        return str(p.parent.parent)
    return str(p.parent)


def migrations_facts(ctx: Context) -> MigrationsFacts:
    a = ctx.fact(analyse)
    files = a.migration_files
    by_tool = Counter(files.values())
    heads = {d: list(analyse_graph((r.rev, r.parents) for r in revs).heads) for d, revs in sorted(a.alembic.items())}
    return MigrationsFacts(
        database=bool(a.relational),
        kinds=tuple(sorted({e.kind for e in a.evidence})),
        database_evidence=tuple(dict.fromkeys(e.describe() for e in a.evidence))[:20],
        tools=tuple(sorted(by_tool)),
        configured=tuple(a.configured),
        files=len(files),
        files_by_tool=dict(sorted(by_tool.items())),
        dirs=tuple(sorted({_dir_of(p, t) for p, t in files.items()})),
        heads=heads,
        django_apps=dict(sorted(a.django_migration_dirs.items())),
        auto_sync=len(a.auto_sync),
        destructive=len(a.destructive),
        document_migrations=dict(sorted(Counter(t for p, t in a.files.items() if p not in files).items())),
    )


def _require_database(ctx: Context) -> Analysis:
    a = ctx.fact(analyse)
    if a.relational:
        return a
    if a.document:
        versioned = Counter(t for t in a.files.values() if t in DOCUMENT_TOOLS)
        raise NotApplicable(
            "only a document database is in use ("
            + ", ".join(sorted({e.what for e in a.document}))
            + "): it is schemaless, so schema migrations do not apply"
            + "".join(f"; its collections are versioned with {tool} ({n} file{'s' if n > 1 else ''})"
                      for tool, n in sorted(versioned.items()))
        )
    if a.django_project:
        raise NotApplicable("a Django project without models of its own: Django's built-in apps ship their own migrations")
    raise NotApplicable("no database in use (no ORM, driver or migration tool in the manifests or imports)")


_EMBEDDED = re.compile(r"(?i)sqlite")
_VERSIONED = re.compile(r"(?i)\b(schema_version|user_version|schema_migrations)\b")
_CREATES = re.compile(r"(?i)\bcreate\s+table\b")


def _embedded_and_versioned(ctx: Context, a: Analysis) -> str:
    """Where the code keeps an embedded SQLite schema versioned itself (a schema_version table or PRAGMA
    user_version beside its CREATE TABLE statements), when that is the only database: "" otherwise."""
    if not a.relational or not all(_EMBEDDED.search(e.what) for e in a.relational):
        return ""
    for evidence in a.relational:
        text = ctx.read_text(evidence.where) or ""
        if _CREATES.search(text) and _VERSIONED.search(text):
            return evidence.where
    return ""


class MigrationsMissing(Check):
    id = "migrations/missing"
    title = "Database schema without migrations"
    category = CATEGORY
    languages = ALL_LANGUAGES
    severity = Severity.HIGH
    rationale = (
        "Without versioned migrations, every environment's schema is created by hand or by the application, "
        "so schemas drift apart and a deployment cannot be reviewed, repeated or rolled back."
    )
    remediation = (
        "Adopt the migration tool of your stack (Alembic, Django migrations, Prisma Migrate, Flyway, Liquibase, "
        "golang-migrate, sqlx, Diesel...).",
        "Generate a baseline migration from the current schema and commit it.",
        "Apply migrations in CI and at deployment instead of creating tables from the application.",
    )
    effort = Effort.MEDIUM
    backend_only = True
    version = "2"  # the Liquibase MongoDB extension and Quarkus MongoDB artifacts are a document database

    def run(self, ctx: Context) -> Iterator[Finding]:
        a = _require_database(ctx)
        if a.migration_files:
            return
        versioned = _embedded_and_versioned(ctx, a)
        if versioned:
            raise NotApplicable(f"an embedded SQLite database whose schema the code versions itself ({versioned})")
        evidence = a.relational[0]
        described = ", ".join(dict.fromkeys(e.describe() for e in a.relational[:3]))
        message = f"a database is in use ({described}) but the project has no migration file"
        if a.configured:
            message += f"; {', '.join(a.configured)} is set up without a single migration"
        yield self.finding(ctx, message, evidence.where, key="no-migrations")


class SchemaAutoSync(Check):
    id = "migrations/schema-auto-sync"
    title = "Schema created or altered automatically at run time"
    category = CATEGORY
    languages = ALL_LANGUAGES
    severity = Severity.HIGH
    rationale = (
        "Auto-sync (GORM AutoMigrate, TypeORM synchronize, Hibernate ddl-auto / hbm2ddl.auto, Sequelize sync, SQLAlchemy "
        "create_all) changes a production schema without review and cannot rename or migrate data; the "
        "destructive modes drop data. A lone schema script has no history to apply to an existing database. "
        "Quarkus `%dev.`/`%test.` settings, and a default-profile setting that `%prod.` overrides, are not what "
        "production runs."
    )
    remediation = (
        "Turn auto-sync off outside tests (`synchronize: false`, `ddl-auto: validate`, no `create_all` in app code).",
        "Express every schema change as a versioned migration and apply it at deployment.",
    )
    effort = Effort.MEDIUM
    backend_only = True
    version = "2"  # persistence.xml, hibernate.cfg.xml and hibernate.properties are read

    def run(self, ctx: Context) -> Iterator[Finding]:
        a = _require_database(ctx)
        for site in a.auto_sync:
            yield self.finding(ctx, site.message, site.path, site.line, severity=site.severity, key=site.key)
        if not a.migration_files:
            for site in a.schema_dumps:
                yield self.finding(ctx, site.message, site.path, site.line, severity=site.severity, key=site.key)


class UnmigratedModels(Check):
    id = "migrations/unmigrated-models"
    title = "Django models without migrations"
    category = CATEGORY
    languages = frozenset({"python"})
    severity = Severity.HIGH
    rationale = (
        "A Django app whose models have no committed migration gets its tables only where someone ran "
        "makemigrations locally: other environments miss them or create different ones."
    )
    remediation = (
        "Run `python manage.py makemigrations <app>` and commit the generated files.",
        "Add `python manage.py makemigrations --check --dry-run` to CI so a missing migration fails the build.",
    )
    effort = Effort.SMALL
    backend_only = True

    def run(self, ctx: Context) -> Iterator[Finding]:
        a = ctx.fact(analyse)
        if not a.django_models:
            raise NotApplicable("no concrete Django model in this project")
        for app_dir, models in sorted(a.django_models.items()):
            if a.django_migration_dirs.get(app_dir, 0):
                continue
            app = PurePosixPath(app_dir).name or "."
            names = ", ".join(f"`{s.message}`" for s in models[:5]) + (" ..." if len(models) > 5 else "")
            where = f"{app_dir}/migrations" if app_dir not in ("", ".") else "migrations"
            yield self.finding(ctx, f"app `{app}` defines models ({names}) but {where}/ holds no migration",
                               models[0].path, models[0].line, key=f"app:{app_dir}")


def _graph_findings(check: Check, ctx: Context, revisions: list[Revision], label: str) -> Iterator[Finding]:
    """Findings for one Alembic versions directory."""
    unreadable = [r for r in revisions if r.problem]
    for r in unreadable:
        yield check.finding(ctx, f"{r.problem}: the revision graph cannot be checked statically", r.path, r.line,
                            severity=Severity.MEDIUM, key=f"problem:{r.problem}")
    readable = [r for r in revisions if not r.problem]
    report: GraphReport = analyse_graph((r.rev, r.parents) for r in readable)
    by_rev: dict[str, Revision] = {}
    for r in readable:
        by_rev.setdefault(r.rev, r)
    seen: set[str] = set()
    for r in readable:
        if r.rev in seen:
            yield check.finding(ctx, f"revision id `{r.rev}` is defined more than once (also in {by_rev[r.rev].path})",
                                r.path, r.line, key=f"duplicate:{r.rev}")
        seen.add(r.rev)
    for rev in report.self_refs:
        r = by_rev[rev]
        yield check.finding(ctx, f"revision `{rev}` names itself as its down_revision", r.path, r.line, key=f"self:{rev}")
    for cycle in report.cycles:
        r = by_rev[cycle[0]]
        shown = ", ".join(cycle[:6]) + (" ..." if len(cycle) > 6 else "")
        yield check.finding(ctx, f"revisions form a cycle ({shown}): no upgrade order exists", r.path, r.line,
                            key=f"cycle:{','.join(cycle)}")
    if unreadable:
        return  # a revision we could not read may be the missing parent or join the heads: do not guess
    for rev, parent in report.missing:
        r = by_rev[rev]
        yield check.finding(ctx, f"revision `{rev}` revises `{parent}`, which does not exist in {label}",
                            r.path, r.line, key=f"missing:{rev}:{parent}")
    if len(report.heads) > 1:
        r = by_rev[report.heads[0]]
        labelled = any(by_rev[h].labelled for h in report.heads)
        shown = ", ".join(report.heads[:6]) + (" ..." if len(report.heads) > 6 else "")
        yield check.finding(
            ctx, f"{label} has {len(report.heads)} heads ({shown}): `alembic upgrade head` fails until they are merged",
            r.path, r.line, confidence=Confidence.LOW if labelled else Confidence.HIGH, key=f"heads:{label}")


class AlembicGraph(Check):
    id = "migrations/alembic-graph"
    title = "Alembic revision graph is broken"
    category = CATEGORY
    languages = frozenset({"python"})
    severity = Severity.HIGH
    rationale = (
        "Alembic applies revisions along the down_revision chain. Two heads, a missing parent, a cycle or a "
        "duplicate id make `alembic upgrade head` fail or apply revisions in an order nobody reviewed."
    )
    remediation = (
        "Merge divergent heads with `alembic merge heads -m merge` and commit the merge revision.",
        "Point every down_revision at an existing revision; keep revision ids as literal strings.",
        "Run `alembic heads` and an upgrade against an empty database in CI.",
    )
    effort = Effort.SMALL
    backend_only = True

    def run(self, ctx: Context) -> Iterator[Finding]:
        a = ctx.fact(analyse)
        if not a.alembic:
            raise NotApplicable("no Alembic revision in this project")
        for directory, revisions in sorted(a.alembic.items()):
            yield from _graph_findings(self, ctx, revisions, directory)


class DjangoGraph(Check):
    id = "migrations/django-graph"
    title = "Django migration graph is broken"
    category = CATEGORY
    languages = frozenset({"python"})
    severity = Severity.HIGH
    rationale = (
        "Django refuses to migrate when a dependency names a migration that does not exist, when an app has "
        "two leaf migrations (a conflict) or when dependencies form a cycle."
    )
    remediation = (
        "Resolve conflicts with `python manage.py makemigrations --merge`.",
        "Fix dependencies that name a migration that was renamed or deleted.",
    )
    effort = Effort.SMALL
    backend_only = True

    def run(self, ctx: Context) -> Iterator[Finding]:
        a = ctx.fact(analyse)
        if not a.django:
            raise NotApplicable("no Django migration in this project")
        apps = {m.app for m in a.django}
        alias: dict[tuple[str, str], tuple[str, str]] = {}
        names = {(m.app, m.name) for m in a.django}
        for m in a.django:
            for old in m.replaces:
                if old != (m.app, m.name):
                    alias[old] = (m.app, m.name)
        by_app: dict[str, list[tuple[str, tuple[str, ...]]]] = defaultdict(list)
        where: dict[str, tuple[str, int]] = {}
        edges: list[tuple[str, tuple[str, ...]]] = []
        missing: list[tuple[str, str, str, int]] = []
        for m in a.django:
            if (m.app, m.name) in alias:
                continue  # replaced by a squashed migration
            key = f"{m.app}.{m.name}"
            where.setdefault(key, (m.path, m.line))
            parents: list[str] = []
            for raw in m.deps:
                dep = alias.get(raw, raw)
                if dep[0] not in apps or dep[1] in ("__first__", "__latest__"):
                    continue  # another project's or Django's own app
                if dep not in names:
                    missing.append((key, f"{dep[0]}.{dep[1]}", m.path, m.line))
                    continue
                parents.append(f"{dep[0]}.{dep[1]}")
            edges.append((key, tuple(parents)))
            by_app[m.app].append((key, tuple(p for p in parents if p.split(".", 1)[0] == m.app)))
        for key, target, path, line in missing:
            yield self.finding(ctx, f"migration `{key}` depends on `{target}`, which does not exist", path, line,
                               key=f"missing:{key}:{target}")
        report = analyse_graph(edges)
        for cycle in report.cycles:
            path, line = where[cycle[0]]
            yield self.finding(ctx, f"migrations depend on each other in a cycle ({', '.join(cycle[:6])})", path, line,
                               key=f"cycle:{','.join(cycle)}")
        for app, app_edges in sorted(by_app.items()):
            app_report = analyse_graph(app_edges)
            if len(app_report.heads) > 1 and not app_report.cycles:
                path, line = where[app_report.heads[0]]
                leaves = ", ".join(h.split(".", 1)[1] for h in app_report.heads[:6])
                yield self.finding(ctx, f"app `{app}` has {len(app_report.heads)} leaf migrations ({leaves}): "
                                   "Django reports a conflict until they are merged", path, line, key=f"leaves:{app}")


class DestructiveOperations(Check):
    id = "migrations/destructive"
    title = "Migrations that drop tables or columns"
    category = CATEGORY
    languages = ALL_LANGUAGES
    severity = Severity.INFO
    rationale = (
        "Dropping a table or column destroys data and breaks application versions still running during a "
        "rolling deployment. Such migrations deserve a review, a backup and an expand/contract plan."
    )
    remediation = (
        "Stop reading the column or table in one release; drop it in a later one (expand/contract).",
        "Take a backup or keep the data elsewhere before the drop runs in production.",
    )
    effort = Effort.SMALL
    backend_only = True

    def run(self, ctx: Context) -> Iterator[Finding]:
        a = _require_database(ctx)
        if not a.migration_files:
            raise NotApplicable("no migration file in this project")
        for site in a.destructive:
            yield self.finding(ctx, site.message, site.path, site.line, key=site.key)


CHECKS: list[type[Check]] = [
    MigrationsMissing,
    SchemaAutoSync,
    UnmigratedModels,
    AlembicGraph,
    DjangoGraph,
    DestructiveOperations,
]
