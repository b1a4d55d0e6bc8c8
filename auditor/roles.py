"""Roles that follow a file's content once the analysis layer has read it.

`Repository` gives each file a role from its path (`auditor.repo.classify_role`), and a folder's name can
mislead: a recipe importer's `services/migrations/` is source code, not database migrations. Once the
analysis layer has read the files, a Python file whose path says "migration" keeps that role only when its
model says it is one:

* an Alembic revision or `env.py`, or a Django migration (markers `migration:alembic`,
  `migration:alembic-env`, `migration:django` of analysis.python);
* a migration of another tool: a module-level `upgrade`, `downgrade`, `forwards`, `backwards`, `migrate` or
  `rollback` function (SQLAlchemy-Migrate, peewee_migrate, aerich, pymongo-migrate), a module-level
  `Migration` class, or an import of a migration library (yoyo, peewee_migrate, aerich, piccolo's migrations);
* a file without code (an empty `__init__.py` marks its folder as a package), unless every other module of its
  folder is source: then it is the package marker of application code;
* a file the adapter could not read (nothing tells it apart).

Every other such file is "source": checks read it as the application code it is, and the migrations family
does not look for revisions in it. TypeScript/JavaScript files are judged by folder: a migrations folder none of
whose files exports `up`/`down` or imports a migration library is source (`is_script_migration`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from analysis.model import FileModel
from auditor.repo import FileInfo

__all__ = ["MIGRATION_FUNCTIONS", "content_roles", "is_python_migration", "is_script_migration"]

MIGRATION_FUNCTIONS = frozenset({"upgrade", "downgrade", "forwards", "backwards", "migrate", "rollback"})
_MIGRATION_LIBRARIES = ("yoyo", "peewee_migrate", "playhouse.migrate", "aerich", "piccolo.apps.migrations",
                        "migrate", "mongodb_migrations", "pymongo_migrate", "alembic", "django.db.migrations")


_SCRIPT_MIGRATION_FUNCTIONS = frozenset({"up", "down"})
_SCRIPT_MIGRATION_LIBRARIES = ("umzug", "@mikro-orm/migrations", "node-pg-migrate", "migrate-mongo", "knex",
                               "sequelize", "kysely", "db-migrate")


def is_python_migration(model: FileModel) -> bool:
    """Whether a Python file's model says it is a database migration (see the module docstring)."""
    if not model.parsed or any(m.startswith("migration:") for m in model.markers):
        return True
    if not _has_code(model):
        return True  # no code: an empty package marker
    if any(f.parent < 0 and not f.owner and f.name in MIGRATION_FUNCTIONS for f in model.functions):
        return True
    if any(c.parent < 0 and c.name == "Migration" for c in model.classes):
        return True
    return any(i.module == lib or i.module.startswith(lib + ".") for i in model.imports for lib in _MIGRATION_LIBRARIES)


def content_roles(files: Iterable[FileInfo], model: Callable[[str], FileModel | None]) -> dict[str, str]:
    """{path: new role} for the files whose content contradicts the role their path gave them; `model(path)` is
    the file's model (a ModelStore's `model`), None when it has none."""
    changes: dict[str, str] = {}
    markers: dict[str, str] = {}  # folder -> its empty __init__.py, judged by its siblings below
    kept: set[str] = set()  # folders that still hold a migration
    for info in files:
        if info.language != "python" or info.role != "migration":
            continue
        folder = info.path.rsplit("/", 1)[0] if "/" in info.path else ""
        found = model(info.path)
        if info.path.endswith("__init__.py") and found is not None and found.parsed and not _has_code(found):
            markers[folder] = info.path
        elif found is not None and not is_python_migration(found):
            changes[info.path] = "source"
        else:
            kept.add(folder)
    # The package marker of a folder whose every module is application code is application code too (mealie's
    # `services/migrations/__init__.py` would otherwise make `services` look like a Django app's migrations).
    for folder, path in markers.items():
        if folder not in kept and any(p.startswith(folder + "/") for p in changes):
            changes[path] = "source"
    changes.update(_script_roles(files, model))
    return changes


def _script_roles(files: Iterable[FileInfo], model: Callable[[str], FileModel | None]) -> dict[str, str]:
    """TypeScript/JavaScript files of a folder named migrations none of which is a migration (a recipe importer's
    `services/migrations/*.ts`): source. The whole folder is judged, so a barrel or a list of the migrations
    beside them stays with them."""
    folders: dict[str, list[str]] = {}
    migrating: set[str] = set()
    for info in files:
        if info.language not in ("typescript", "javascript") or info.role != "migration":
            continue
        folder = info.path.rsplit("/", 1)[0] if "/" in info.path else ""
        folders.setdefault(folder, []).append(info.path)
        found = model(info.path)
        if found is None or is_script_migration(found):
            migrating.add(folder)
    return {path: "source" for folder, paths in folders.items() if folder not in migrating for path in paths}


def is_script_migration(model: FileModel) -> bool:
    """Whether a TypeScript/JavaScript file's model says it is a database migration: every JS migration tool
    (TypeORM, Knex, Sequelize, Umzug, MikroORM, migrate-mongo, node-pg-migrate, Kysely) has it export `up` (and
    `down`), as functions, methods or `exports.up = ...`; or it imports a migration library. A file that could
    not be read counts as one (nothing tells it apart)."""
    if not model.parsed:
        return True
    if any(f.name in _SCRIPT_MIGRATION_FUNCTIONS for f in model.functions):
        return True
    if any(t.rsplit(".", 1)[-1] in _SCRIPT_MIGRATION_FUNCTIONS for a in model.assigns for t in a.targets):
        return True
    return any(i.module == lib or i.module.startswith(lib + "/") for i in model.imports
               for lib in _SCRIPT_MIGRATION_LIBRARIES)


def _has_code(model: FileModel) -> bool:
    return bool(model.functions or model.classes or model.calls or model.assigns)
