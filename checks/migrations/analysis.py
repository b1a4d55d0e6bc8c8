"""One pass over a project that gathers everything the migrations checks need.

Memoised through `ctx.fact(analyse)`: database evidence, migration files by tool, Alembic revisions, Django
migrations and models, schema auto-sync sites and destructive operations.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from analysis.model import CALL_BROKEN, CALL_MACRO, Assign, Call, FileModel
from analysis.project import ProjectAnalysis
from auditor.context import Context
from auditor.model import Severity
from auditor.roles import is_python_migration
from checks.migrations.detect import (
    DOCUMENT,
    JAVA_IMPORTS,
    PY_IMPORTS,
    RELATIONAL,
    RUST_IMPORTS,
    Evidence,
    classify_migration,
    import_evidence,
    is_django_migration_name,
    manifest_evidence,
    manifest_kind,
)

__all__ = ["DOCUMENT_TOOLS", "Analysis", "Django", "Revision", "Site", "analyse"]

DOCUMENT_TOOLS = frozenset({"migrate-mongo", "liquibase-mongodb"})  # they version a document database's data

_TEST_PARTS = frozenset({"test", "tests", "__tests__", "spec", "specs", "testing", "e2e", "it", "testdata", "fixtures"})
_DESTRUCTIVE_SQL = re.compile(r"\bdrop\s+(table|column)\b", re.IGNORECASE)
_DESTRUCTIVE_CALLS = frozenset({"drop_table", "drop_column", "RemoveField", "DeleteModel"})
_JS_DESTRUCTIVE = re.compile(r"\.(dropTable|dropColumn|dropTableIfExists|removeColumn|dropColumns)\s*\(")
_LIQUIBASE_DESTRUCTIVE = re.compile(
    r"<\s*(dropTable|dropColumn|ext:dropCollection)\b|^\s*-\s*(dropTable|dropColumn|dropCollection)\s*:"
    r"|\"(dropTable|dropColumn|dropCollection)\"\s*:", re.MULTILINE)
_DDL_AUTO = re.compile(
    r"^\s*(?P<key>(?:%[\w,-]+\.)?[\w.-]*(?:ddl-auto|ddl_auto|hbm2ddl\.auto|database\.generation|"
    r"schema-management\.strategy))\s*[:=]\s*['\"]?(?:\$\{[^:}]*:)?(?P<value>[\w-]+)",
    re.MULTILINE,
)
# Nested YAML keys of the same settings (Quarkus `database: generation:`, `schema-management: strategy:`).
_YAML_PARENTS = {"generation": "database", "strategy": "schema-management", "auto": "hbm2ddl"}
_DEV_PROFILES = frozenset({"dev", "test", "local"})
_SYNC_SETTING = re.compile(r'"synchronize"\s*:\s*true|^\s*TYPEORM_SYNCHRONIZE\s*=\s*["\']?true', re.MULTILINE | re.IGNORECASE)
_SYNCHRONIZE = "TypeORM `synchronize: true` alters the schema to match the entities at start-up and can drop columns"
_SQL_CREATE_TABLE = re.compile(r"^\s*create\s+table\b", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Revision:
    """One Alembic revision file. `problem` is set when its ids could not be read as literals."""

    rev: str
    parents: tuple[str, ...]
    path: str
    line: int
    labelled: bool = False
    problem: str = ""


@dataclass(frozen=True, slots=True)
class Django:
    """One Django migration: `deps` are (app, name) pairs; `replaces` for squashed migrations."""

    app: str
    name: str
    path: str
    line: int
    deps: tuple[tuple[str, str], ...]
    replaces: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Site:
    """A place in the code worth a finding (auto-sync, destructive operation, model)."""

    path: str
    line: int
    message: str
    severity: Severity = Severity.INFO
    key: str = ""


@dataclass
class Analysis:
    evidence: list[Evidence] = field(default_factory=list)
    ecosystems: set[str] = field(default_factory=set)
    manifest_tools: set[str] = field(default_factory=set)
    django_project: bool = False
    files: dict[str, str] = field(default_factory=dict)  # path -> tool
    alembic: dict[str, list[Revision]] = field(default_factory=lambda: defaultdict(list))
    django: list[Django] = field(default_factory=list)
    django_migration_dirs: dict[str, int] = field(default_factory=dict)  # app dir -> migrations
    django_models: dict[str, list[Site]] = field(default_factory=lambda: defaultdict(list))  # app dir -> models
    auto_sync: list[Site] = field(default_factory=list)
    destructive: list[Site] = field(default_factory=list)
    schema_dumps: list[Site] = field(default_factory=list)
    # Quarkus settings of the default profile (site, key) and the keys a `%prod.` entry sets: in a packaged Quarkus
    # application the prod profile is the one that runs, so its value, not the default's, is what production does
    quarkus_default: list[tuple[Site, str]] = field(default_factory=list)
    quarkus_prod: set[str] = field(default_factory=set)

    @property
    def relational(self) -> list[Evidence]:
        return [e for e in self.evidence if e.kind == RELATIONAL]

    @property
    def document(self) -> list[Evidence]:
        return [e for e in self.evidence if e.kind == DOCUMENT]

    @property
    def migration_files(self) -> dict[str, str]:
        """Files of tools that version a relational schema (a Mongo data-migration tool is not one)."""
        return {p: t for p, t in self.files.items() if t not in DOCUMENT_TOOLS}

    @property
    def configured(self) -> list[str]:
        """Migration tools declared (manifest, config file) that have no migration file."""
        present = set(self.files.values())
        return sorted(t for t in self.manifest_tools if t not in present)


def _in_tests(path: str) -> bool:
    parts = [p.lower() for p in PurePosixPath(path).parts[:-1]]
    return any(p in _TEST_PARTS for p in parts) or "src/test/" in path


def analyse(ctx: Context) -> Analysis:
    a = Analysis()
    _manifests(ctx, a)
    _python(ctx, a)
    _java(ctx, a)
    _tree_sitter(ctx, a)
    _rust(ctx, a)
    _other_files(ctx, a)
    if a.migration_files and not a.relational:
        first = min(a.migration_files)
        a.evidence.append(Evidence(RELATIONAL, f"{a.migration_files[first]} migrations", first))
    return a


# -- manifests ------------------------------------------------------------------------------------------


def _manifests(ctx: Context, a: Analysis) -> None:
    for info in ctx.files:
        kind = manifest_kind(info.path)
        if kind is None or _in_tests(info.path):
            continue
        text = ctx.read_text(info.path)
        if text is None:
            continue
        a.ecosystems.add(kind)
        if kind == "python" and re.search(r"(?<![\w.-])django(?![\w.-])", text.lower()):
            a.django_project = True
        for ev in manifest_evidence(info.path, kind, text):
            a.evidence.append(ev)
            if ev.tool:
                a.manifest_tools.add(ev.tool)


# -- python ----------------------------------------------------------------------------------------------


def _literal_ids(text: str | None) -> tuple[str, ...] | None:
    """A literal str -> (str,), None -> (), tuple/list of str -> tuple, given as source text; else None."""
    if text is None:
        return None
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _module_values(model: FileModel) -> dict[str, Assign]:
    found: dict[str, Assign] = {}
    for assign in model.assigns:
        if assign.function < 0 and not assign.owner:
            for target in assign.targets:
                found.setdefault(target, assign)
    return found


def _versions_dir(path: str) -> str:
    parts = PurePosixPath(path).parts
    for i in range(len(parts) - 2, -1, -1):
        if parts[i] == "versions":
            return "/".join(parts[: i + 1])
    return str(PurePosixPath(path).parent)


def _alembic_revision(model: FileModel, a: Analysis) -> bool:
    assigns = _module_values(model)
    if "revision" not in assigns or "down_revision" not in assigns:
        return False
    revision, down = assigns["revision"], assigns["down_revision"]
    rev = revision.value[4] if revision.value[0] == "str" else None
    downs = _literal_ids(down.value[1])
    labels = assigns.get("branch_labels")
    labelled = labels is not None and labels.value[0] != "none"
    problem = ""
    if rev is None:
        problem = "`revision` is not a literal string"
    elif downs is None:
        problem = "`down_revision` is not a literal (string, tuple of strings or None)"
    a.alembic[_versions_dir(model.path)].append(
        Revision(rev or f"<{model.path}>", downs or (), model.path, revision.line, labelled, problem)
    )
    a.files[model.path] = "alembic"
    return True


def _pairs(text: str) -> list[tuple[str, str]]:
    """The literal (app, name) pairs of a `dependencies = [...]` list; calls such as swappable_dependency() are skipped."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return []
    items = tree.body.elts if isinstance(tree.body, ast.List | ast.Tuple) else []
    out: list[tuple[str, str]] = []
    for elt in items:
        if isinstance(elt, ast.Tuple | ast.List) and len(elt.elts) == 2 and all(
                isinstance(e, ast.Constant) and isinstance(e.value, str) for e in elt.elts):
            out.append((str(elt.elts[0].value), str(elt.elts[1].value)))  # type: ignore[attr-defined]
    return out


def _django_migration(model: FileModel, a: Analysis) -> bool:
    p = PurePosixPath(model.path)
    if p.parent.name != "migrations" or not is_django_migration_name(p.name):
        return False
    cls = next((c for c in model.classes if c.name == "Migration" and c.parent < 0), None)
    if cls is None:
        return False
    deps: list[tuple[str, str]] = []
    replaces: list[tuple[str, str]] = []
    for assign in model.assigns:
        if assign.owner != "Migration" or len(assign.targets) != 1 or assign.value[0] != "collection":
            continue
        if assign.targets[0] == "dependencies":
            deps.extend(_pairs(assign.value[1]))
        elif assign.targets[0] == "replaces":
            replaces.extend(_pairs(assign.value[1]))
    app_dir = str(p.parent.parent)
    a.django.append(Django(p.parent.parent.name, p.stem, model.path, cls.line, tuple(deps), tuple(replaces)))
    a.django_migration_dirs[app_dir] = a.django_migration_dirs.get(app_dir, 0) + 1
    a.files[model.path] = "django"
    return True


_FIELD_CALL = re.compile(r"(Field|ForeignKey|OneToOneField|ManyToManyField)$")


def _django_models(model: FileModel, analysis: ProjectAnalysis, a: Analysis) -> None:
    p = PurePosixPath(model.path)
    if p.name == "models.py":
        app_dir = str(p.parent)
    elif p.parent.name == "models":
        app_dir = str(p.parent.parent)
    else:
        return
    if not analysis.imports_module(model, "django"):
        return
    models: set[str] = set()
    skipped = {s.context.rsplit(".", 1)[0] for s in model.settings if s.context.endswith(".Meta")
               and (s.key, s.value) in (("abstract", "True"), ("managed", "False"))}
    for cls in model.classes:
        if cls.parent >= 0 or "." in cls.name:
            continue
        bases = [b.rsplit(".", 1)[-1] for b in cls.bases]
        if not any(b.endswith("Model") or b.startswith("Abstract") or b in models for b in bases):
            continue  # a query expression, form or serializer with `...Field()` attributes is not a model
        models.add(cls.name)
        has_field = any(
            assign.owner == cls.name and assign.value[0] == "call"
            and _FIELD_CALL.search(assign.value[1].split("(", 1)[0].rsplit(".", 1)[-1])
            for assign in model.assigns)
        # abstract: no table; managed = False: Django leaves the table alone
        if has_field and cls.name not in skipped:
            a.django_models[app_dir].append(Site(model.path, cls.line, cls.name, key=cls.name))
    if a.django_models.get(app_dir):
        a.django_project = True


def _python_destructive(model: FileModel, tool: str, a: Analysis) -> None:
    for call in model.calls:
        last = call.name
        fn = model.function(call.function)
        if tool == "alembic" and (fn is None or fn.name != "upgrade"):
            continue  # a downgrade is expected to drop what its upgrade created
        what = ""
        if last in _DESTRUCTIVE_CALLS:
            args = [arg[4] or "" for arg in call.args if not arg[3]]
            kwargs = {arg[3]: arg[4] or "" for arg in call.args if arg[3]}
            args += ["", ""]
            if last == "RemoveField":
                parts = [kwargs.get("model_name", args[0]), kwargs.get("name", args[1])]
            elif last == "drop_column":
                parts = [kwargs.get("table_name", args[0]), kwargs.get("column_name", args[1])]
            else:
                parts = [kwargs.get("name", kwargs.get("table_name", args[0]))]
            target = ".".join(p for p in parts if p)
            what = f"`{last}`" + (f" of `{target}`" if target else "")
        elif last in ("execute", "RunSQL") and call.args:
            m = _DESTRUCTIVE_SQL.search(call.args[0][4] or "")
            if m:
                what = f"SQL `DROP {m.group(1).upper()}`"
        if what:
            text = ", ".join(arg[1] for arg in call.args)
            a.destructive.append(Site(model.path, call.line, f"{what} destroys data when the migration runs",
                                      key=f"{call.callee}:{call.callee}({text})"[:200]))


def _is_stamp(model: FileModel, call: Call) -> bool:
    """`command.stamp(cfg, "head")`: Alembic records the schema as being at a revision without running any."""
    return call.name == "stamp" and (call.qualified.startswith("alembic") or call.callee.endswith("command.stamp")
                                     or any(i.module.startswith("alembic") for i in model.imports))


def _stamped_after(model: FileModel, create: Call) -> bool:
    """Whether the function that calls `create_all` then stamps the schema with Alembic, directly or through a
    function of the same module: Alembic's documented way to create a fresh database ("create_all, then
    `alembic stamp head`"), after which every change goes through revisions."""
    stamping = {f.name for i, f in enumerate(model.functions)
                if any(c.function == i and _is_stamp(model, c) for c in model.calls)}
    return any(c.function == create.function and c.line >= create.line and (_is_stamp(model, c) or c.name in stamping)
               for c in model.calls)


def _python(ctx: Context, a: Analysis) -> None:
    imported: set[str] = set()
    analysis = ctx.analysis
    for model in analysis.files("python"):
        role = model.role
        if role == "test" or _in_tests(model.path):
            continue
        if role == "migration" and not is_python_migration(model):
            role = "source"  # a folder called migrations that holds application code (see auditor.roles)
        tool = ""
        name = model.path.rsplit("/", 1)[-1]
        if role == "migration" or "/versions/" in f"/{model.path}":
            if _alembic_revision(model, a):
                tool = "alembic"
            elif _django_migration(model, a):
                tool = "django"
            elif role == "migration" and analysis.imports_module(model, "yoyo"):
                a.files[model.path] = tool = "yoyo"
            elif role == "migration" and name == "env.py" and analysis.imports_module(model, "alembic"):
                a.manifest_tools.add("alembic")
            elif role == "migration" and name == "__init__.py" and PurePosixPath(model.path).parent.name == "migrations":
                a.django_migration_dirs.setdefault(str(PurePosixPath(model.path).parent.parent), 0)
            if tool:
                _python_destructive(model, tool, a)
        if role != "source":
            continue
        _django_models(model, analysis, a)
        for prefix, kind in PY_IMPORTS.items():
            if prefix not in imported and analysis.imports_module(model, prefix):
                imported.add(prefix)
                a.evidence.append(Evidence(kind, f"import {prefix}", model.path))
        for call in model.calls:
            refs = [call.callee] if call.name == "create_all" else [
                arg[1] for arg in call.args if arg[0] == "attr" and arg[1].endswith(".create_all")]
            for ref in refs:
                owner = ref.rsplit(".", 1)[0] if "." in ref else ""
                if (owner.endswith("metadata") or owner == "db") and not _stamped_after(model, call):
                    a.auto_sync.append(Site(
                        model.path, call.line,
                        f"`{owner}.create_all` creates tables from the models at run time instead of applying "
                        "versioned migrations", Severity.MEDIUM, key=f"create_all:{owner}"))
    for models in a.django_models.values():
        names = ", ".join(s.message for s in models[:3])
        a.evidence.append(Evidence(RELATIONAL, f"django models {names}", models[0].path))


# -- Java (from the analysis layer) -------------------------------------------------------------------------
_HBM2DDL_KEYS = ("hibernate.hbm2ddl.auto", "javax.persistence.schema-generation.database.action",
                 "jakarta.persistence.schema-generation.database.action")
_HBM2DDL_CONSTANTS = ("HBM2DDL_AUTO", "HBM2DDL_DATABASE_ACTION", "JAKARTA_HBM2DDL_DATABASE_ACTION")


def _java(ctx: Context, a: Analysis) -> None:
    """Database evidence from imports, Flyway Java migrations, and schema generation switched on in code:
    `props.put("hibernate.hbm2ddl.auto", "update")` and `vendorAdapter.setGenerateDdl(true)`."""
    imported: set[str] = set()
    for info in ctx.files:
        if info.language == "java" and info.role == "migration" and not _in_tests(info.path):
            tool = classify_migration(info.path, "java", None, a.manifest_tools, a.ecosystems)
            if tool is not None:
                a.files[info.path] = tool
    for model in ctx.analysis.files("java", roles=("source",)):
        if _in_tests(model.path):
            continue
        for imp in model.imports:
            full = f"{imp.module}.{imp.name}"
            for prefix, kind in JAVA_IMPORTS.items():
                if prefix not in imported and full.startswith(prefix + "."):
                    imported.add(prefix)
                    a.evidence.append(Evidence(kind, prefix, model.path))
        for setting in model.settings:
            if setting.context.rsplit(".", 1)[-1] not in ("put", "setProperty") or (
                    setting.key not in _HBM2DDL_KEYS and setting.key.rsplit(".", 1)[-1] not in _HBM2DDL_CONSTANTS):
                continue
            value = setting.value.strip().strip('"').lower()
            site = _schema_generation(model.path, setting.line, f"{setting.key}={value}", value, "Hibernate")
            if site is not None:
                a.auto_sync.append(site)
        for call in model.calls:
            if call.name == "setGenerateDdl" and call.args and call.args[0][1] == "true":
                a.auto_sync.append(Site(model.path, call.line, "`setGenerateDdl(true)` lets Hibernate alter the schema to "
                                        "match the entities at start-up instead of applying versioned migrations",
                                        Severity.MEDIUM, key=f"setGenerateDdl:{call.receiver}"))


def _schema_generation(path: str, line: int, setting: str, value: str, who: str) -> Site | None:
    if value in ("create", "create-drop", "drop-and-create", "drop"):
        sev, effect = Severity.HIGH, "drops and recreates the schema"
    elif value == "update":
        sev, effect = Severity.MEDIUM, "alters the schema to match the entities"
    else:
        return None  # none, validate: the schema is left alone
    return Site(path, line, f"{who} `{setting}` {effect} at start-up instead of applying versioned migrations", sev,
                key=setting)


# -- tree-sitter languages --------------------------------------------------------------------------------


# -- TypeScript / JavaScript (from the analysis layer) ---------------------------------------------------------------
_JS_DATABASES = (
    (re.compile(r"^(typeorm|@nestjs/typeorm|knex|sequelize(?:-typescript)?|pg|mysql2?|@prisma/client|drizzle-orm[\w/-]*"
                r"|@mikro-orm/[\w-]+|better-sqlite3|sqlite3|kysely)$"), RELATIONAL),
    (re.compile(r"^(mongoose|mongodb|@nestjs/mongoose)$"), DOCUMENT),
)


def _js_evidence(model: FileModel) -> list[Evidence]:
    """Database libraries a TypeScript/JavaScript file imports (ES imports, require, dynamic import)."""
    out: list[Evidence] = []
    seen: set[str] = set()
    for pattern, kind in _JS_DATABASES:
        for imp in model.imports:
            if imp.module not in seen and pattern.match(imp.module):
                seen.add(imp.module)
                out.append(Evidence(kind, imp.module, model.path))
    return out


def _js_auto_sync(model: FileModel, a: Analysis, sequelize: bool) -> None:
    """TypeORM `synchronize: true` (an object-literal setting) and Sequelize `sync()` calls."""
    for setting in model.settings:
        if setting.key == "synchronize" and setting.value == "true":
            a.auto_sync.append(Site(model.path, setting.line, _SYNCHRONIZE, Severity.HIGH, key="synchronize"))
    if not sequelize:
        return
    for call in model.calls:
        if call.name != "sync" or not call.receiver or call.flags & CALL_BROKEN:
            continue
        options = {s.key for s in model.settings if s.context == call.callee and s.value == "true"
                   and call.line <= s.line <= call.end_line}
        args = "(" + ", ".join(v[1] for v in call.args) + ")"
        if options & {"force", "alter"}:
            option = "force" if "force" in options else "alter"
            msg = f"`sync({{ {option}: true }})` rewrites tables from the models at run time and can drop data"
            sev = Severity.HIGH
        else:
            msg = "`sync()` creates tables from the models at run time instead of applying versioned migrations"
            sev = Severity.MEDIUM
        a.auto_sync.append(Site(model.path, call.line, msg, sev, key=f"sync:{args[:100]}"))


def _js_file(ctx: Context, model: FileModel, a: Analysis, seen: set[tuple[str, str]]) -> bool:
    """One TypeScript/JavaScript file: database evidence, auto-sync, migration files; whether it imports Sequelize."""
    sequelize = False
    if model.role == "source":
        for ev in _js_evidence(model):
            if (model.language, ev.what) not in seen:
                seen.add((model.language, ev.what))
                a.evidence.append(ev)
            sequelize |= ev.what.startswith("sequelize")
    elif model.role == "migration":
        text = ctx.read_text(model.path) or ""
        tool = classify_migration(model.path, model.language, text, a.manifest_tools, a.ecosystems)
        if tool is not None:
            a.files[model.path] = tool
            downs = [(f.line, f.end_line) for f in model.functions if f.name == "down"] \
                if _JS_DESTRUCTIVE.search(text) or _DESTRUCTIVE_SQL.search(text) else []
            _text_destructive(model.path, text, a, downs, js=True)
    return sequelize


def _go_file(model: FileModel, role: str, a: Analysis, seen: set[tuple[str, str]]) -> None:
    """A Go file from the analysis layer: database imports and schema auto-sync calls of source files (GORM
    `AutoMigrate`, ent `Schema.Create`), and the migration tool of a file in a migrations folder."""
    if role == "migration":
        if any(c.callee.startswith("goose.AddMigration") for c in model.calls):
            a.files[model.path] = "goose"
        elif any(c.name == "MustRegisterTx" or c.callee.startswith("migrations.Register") for c in model.calls):
            a.files[model.path] = "go-pg"
        return
    for ev in import_evidence("go", model.path, [i.module for i in model.imports]):
        if ("go", ev.what) not in seen:
            seen.add(("go", ev.what))
            a.evidence.append(ev)
    for call in model.calls:
        if call.flags & CALL_BROKEN or not call.receiver:
            continue
        if call.name == "AutoMigrate":
            msg = "GORM `AutoMigrate` changes the schema from the structs at start-up instead of applying versioned migrations"
        elif call.name == "Create" and call.receiver.endswith("Schema"):
            msg = "ent `Schema.Create` migrates the schema automatically at start-up instead of applying versioned migrations"
        else:
            continue
        text = f"{call.callee}({', '.join(arg[1] for arg in call.args)})"
        a.auto_sync.append(Site(model.path, call.line, msg, Severity.MEDIUM, key=f"{call.name}:{text[:120]}"))


def _tree_sitter(ctx: Context, a: Analysis) -> None:
    seen: set[tuple[str, str]] = set()
    sequelize = any(e.what == "sequelize" for e in a.evidence)
    js = {m.path: m for m in ctx.analysis.files("typescript", "javascript")}
    go_models = {m.path: m for m in ctx.analysis.files("go")} if ctx.files_where(languages=("go",)) else {}
    for info in ctx.files_where(languages=("typescript", "javascript", "go")):
        role = info.role
        if role == "test" or _in_tests(info.path) or role not in ("source", "migration"):
            continue
        if info.language == "go":
            model = go_models.get(info.path)
            if model is not None:
                _go_file(model, role, a, seen)
            continue
        model = js.get(info.path)
        if model is not None:
            sequelize |= _js_file(ctx, model, a, seen)
    for model in js.values():  # auto-sync once every file's evidence is known (Sequelize may be imported later)
        if model.role == "source" and not _in_tests(model.path):
            _js_auto_sync(model, a, sequelize)


# -- Rust (analysis layer) --------------------------------------------------------------------------------
# Macros that embed and run a tool's migrations: the tool is set up even where no migration file exists yet.
_RUST_RUNNERS = {"sqlx::migrate": "sqlx", "diesel_migrations::embed_migrations": "diesel",
                 "refinery::embed_migrations": "refinery"}


def _rust(ctx: Context, a: Analysis) -> None:
    """Database crates the code imports (`use sqlx::..`, `extern crate diesel`), the migration runner macros it
    calls (`sqlx::migrate!`, `embed_migrations!`), and SeaORM / refinery migrations written in Rust."""
    seen: set[str] = set()
    for model in ctx.analysis.files("rust"):
        if model.role == "test" or _in_tests(model.path):
            continue
        if model.role == "migration":
            tool = classify_migration(model.path, "rust", None, a.manifest_tools, a.ecosystems)
            if tool is not None:
                a.files[model.path] = tool
            continue
        if model.role != "source":
            continue
        for imp in model.imports:
            crate = (imp.module or imp.name).split("::", 1)[0]
            kind = RUST_IMPORTS.get(crate)
            if kind is not None and crate not in seen:
                seen.add(crate)
                a.evidence.append(Evidence(kind, crate, model.path))
        crates = {(i.module or i.name).split("::", 1)[0] for i in model.imports}
        for call in model.calls:
            if call.flags & CALL_MACRO and call.name in ("migrate", "embed_migrations"):
                tool = _RUST_RUNNERS.get(call.qualified or call.callee)
                if tool is None and call.callee == "embed_migrations":  # #[macro_use] extern crate ...
                    tool = "diesel" if "diesel_migrations" in crates else "refinery" if "refinery" in crates else None
                if tool is not None:
                    a.manifest_tools.add(tool)


# -- SQL, changelogs, configuration --------------------------------------------------------------------------


def _text_destructive(path: str, text: str, a: Analysis, skip: list[tuple[int, int]] | None = None, *, js: bool = False) -> None:
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("--", 1)[0] if not js else raw
        if skip and any(lo <= number <= hi for lo, hi in skip):
            continue
        m = _DESTRUCTIVE_SQL.search(line)
        j = _JS_DESTRUCTIVE.search(line) if js else None
        if m:
            what = f"SQL `DROP {m.group(1).upper()}`"
        elif j:
            what = f"`{j.group(1)}`"
        else:
            continue
        a.destructive.append(Site(path, number, f"{what} destroys data when the migration runs", key=raw.strip()[:200]))


def _is_rollback(path: str) -> bool:
    name = PurePosixPath(path).name.lower()
    return name == "down.sql" or name.endswith((".down.sql", ".undo.sql")) or ".undo." in name


def _other_files(ctx: Context, a: Analysis) -> None:
    names = {f.path.rsplit("/", 1)[-1].lower() for f in ctx.files}
    if "alembic.ini" in names:
        a.manifest_tools.add("alembic")
    if "schema.prisma" in names:
        a.manifest_tools.add("prisma")
        a.evidence.append(Evidence(RELATIONAL, "prisma schema",
                                   next(f.path for f in ctx.files if f.path.lower().endswith("schema.prisma"))))
    if "diesel.toml" in names:
        a.manifest_tools.add("diesel")
    if "atlas.hcl" in names or "atlas.sum" in names:
        a.manifest_tools.add("atlas")
    sql_dumps: list[tuple[str, str]] = []
    for info in ctx.files:
        lang = info.language
        name = info.path.rsplit("/", 1)[-1].lower()  # a PurePosixPath per test below cost half of this check's time
        # Liquibase changelogs are told by their content wherever they live (db.changelog-master.yaml at the root
        # of the resources, not only under a migrations folder)
        if (info.role == "migration" and lang in ("sql", "xml", "yaml", "json")) or (
                lang in ("xml", "yaml", "json") and info.size < 512 * 1024 and info.role in ("config", "data", "source")
                and "databaseChangeLog" in (ctx.read_text(info.path) or "")):
            if _in_tests(info.path):
                continue
            text = ctx.read_text(info.path)
            tool = classify_migration(info.path, lang, text, a.manifest_tools, a.ecosystems)
            if tool is None or text is None:
                continue
            a.files[info.path] = tool
            if lang == "sql" and not _is_rollback(info.path):
                _text_destructive(info.path, text, a)
            elif tool == "liquibase":
                for m in _LIQUIBASE_DESTRUCTIVE.finditer(text):
                    line = text.count("\n", 0, m.start()) + 1
                    what = m.group(1) or m.group(2)
                    a.destructive.append(Site(info.path, line, f"Liquibase `{what}` destroys data when the changeset runs",
                                              key=text.splitlines()[line - 1].strip()[:200]))
        elif lang == "sql" and not _in_tests(info.path):
            sql_dumps.append((info.path, ""))
        elif lang in ("properties", "yaml") and (name.startswith(("application", "bootstrap"))
                                                 or name == "hibernate.properties"):
            if not _in_tests(info.path):
                _ddl_auto(ctx, info.path, a)
        elif name in ("persistence.xml", "hibernate.cfg.xml"):
            if not _in_tests(info.path):
                _hibernate_xml(ctx, info.path, a)
        elif name == "ormconfig.json" or name.startswith(".env"):
            text = ctx.read_text(info.path) or ""
            sync = _SYNC_SETTING.search(text)
            if sync:
                line = text.count("\n", 0, sync.start()) + 1
                a.auto_sync.append(Site(info.path, line, _SYNCHRONIZE, Severity.HIGH, key="synchronize"))
    a.auto_sync.extend(site for site, key in a.quarkus_default if key not in a.quarkus_prod)
    for path, _ in sql_dumps:
        text = ctx.read_text(path)
        if text is None:
            continue
        if classify_migration(path, "sql", text, a.manifest_tools, a.ecosystems) == "liquibase":
            a.files[path] = "liquibase"  # a Liquibase formatted-SQL changelog outside a migrations folder
            _text_destructive(path, text, a)
            continue
        create = _SQL_CREATE_TABLE.search(text)
        if create:
            name = PurePosixPath(path).name
            a.schema_dumps.append(Site(path, text.count("\n", 0, create.start()) + 1,
                                       f"the schema is kept as a single SQL script (`{name}`), not as versioned migrations",
                                       Severity.MEDIUM, key="schema-dump"))


def _yaml_nested(text: str) -> list[tuple[int, str, str, str]]:
    """(offset, dotted key, value, profile) of schema-generation keys nested in YAML (`database:\n  generation: x`)."""
    out: list[tuple[int, str, str, str]] = []
    parents: list[tuple[int, str]] = []  # (indent, key) of the open mappings
    offset = 0
    for raw in text.splitlines(keepends=True):
        line = raw.split("#", 1)[0].rstrip()
        match = re.match(r"^(\s*)(-\s+)?[\"']?([%\w.,-]+)[\"']?\s*:\s*(.*)$", line)
        if match:
            indent = len(match.group(1))
            while parents and parents[-1][0] >= indent:
                parents.pop()
            key, value = match.group(3), match.group(4).strip().strip("'\"")
            if not value:
                parents.append((indent, key))
            elif key in _YAML_PARENTS and parents and parents[-1][1].endswith(_YAML_PARENTS[key]):
                profile = next((k[1:] for _, k in parents if k.startswith("%")), "")
                dotted = ".".join(k for _, k in parents if not k.startswith("%")) + "." + key
                out.append((offset, dotted, re.sub(r"^\$\{[^:}]*:", "", value).rstrip("}"), profile))
        offset += len(raw)
    return out


_XML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_XML_SCHEMA_GENERATION = re.compile(
    r"""<property\s+name\s*=\s*["'](?P<key>(?:hibernate\.)?hbm2ddl\.auto|(?:javax|jakarta)\.persistence\.schema-generation"""
    r"""\.database\.action)["']\s*(?:value\s*=\s*["'](?P<value>[\w-]+)["']|>\s*(?P<text>[\w-]+)\s*</property)""")


def _hibernate_xml(ctx: Context, path: str, a: Analysis) -> None:
    """JPA's persistence.xml and Hibernate's hibernate.cfg.xml: `<property name="hibernate.hbm2ddl.auto"
    value="update"/>`, `<property name="hbm2ddl.auto">create</property>`, and the standard
    `jakarta.persistence.schema-generation.database.action` (comments left out, lines kept)."""
    text = ctx.read_text(path)
    if text is None or ("hbm2ddl" not in text and "schema-generation" not in text):
        return
    text = _XML_COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    for m in _XML_SCHEMA_GENERATION.finditer(text):
        value = (m.group("value") or m.group("text") or "").lower()
        site = _schema_generation(path, text.count("\n", 0, m.start()) + 1, f"{m.group('key')}={value}", value,
                                  "Hibernate" if "hbm2ddl" in m.group("key") else "JPA")
        if site is not None:
            a.auto_sync.append(site)


def _ddl_auto(ctx: Context, path: str, a: Analysis) -> None:
    text = ctx.read_text(path)
    if text is None:
        return
    found = [(m.start(), m.group("key"), m.group("value")) for m in _DDL_AUTO.finditer(text)]
    if path.endswith((".yml", ".yaml")):
        seen = {text.count("\n", 0, off) for off, _, _ in found}  # lines the flat pattern already read
        found += [(off, (f"%{profile}." if profile else "") + key, value)
                  for off, key, value, profile in _yaml_nested(text) if text.count("\n", 0, off) not in seen]
    for start, key, raw_value in sorted(found):
        profiles = key[1:].split(".", 1)[0].split(",") if key.startswith("%") else []
        base = key.split(".", 1)[1] if profiles and "." in key else key
        if "prod" in profiles and base.startswith("quarkus."):
            a.quarkus_prod.add(base)
        if profiles and all(p in _DEV_PROFILES for p in profiles):
            continue  # Quarkus `%dev.` / `%test.`: only in development and tests
        value = raw_value.lower()
        if value in ("create", "create-drop", "drop-and-create", "drop"):
            sev = Severity.HIGH
            effect = "drops and recreates the schema"
        elif value == "update":
            sev = Severity.MEDIUM
            effect = "alters the schema to match the entities"
        else:
            continue  # none, validate: the schema is left alone
        site = Site(path, text.count("\n", 0, start) + 1,
                    f"Hibernate `{key}={value}` {effect} at start-up instead of applying versioned migrations",
                    sev, key=f"{key}={value}")
        if not profiles and key.startswith("quarkus."):
            a.quarkus_default.append((site, key))  # reported unless a `%prod.` entry overrides it
        else:
            a.auto_sync.append(site)
