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

from analysis.model import Assign, FileModel
from analysis.project import ProjectAnalysis
from auditor.context import Context
from auditor.model import Severity
from auditor.sources import TsFile
from checks._ts import descendants, has_error_ancestor, line_of
from checks.migrations.detect import (
    DOCUMENT,
    PY_IMPORTS,
    RELATIONAL,
    Evidence,
    classify_migration,
    code_evidence,
    is_django_migration_name,
    manifest_evidence,
    manifest_kind,
)

__all__ = ["Analysis", "Django", "Revision", "Site", "analyse"]

_TEST_PARTS = frozenset({"test", "tests", "__tests__", "spec", "specs", "testing", "e2e", "it", "testdata", "fixtures"})
_DESTRUCTIVE_SQL = re.compile(r"\bdrop\s+(table|column)\b", re.IGNORECASE)
_DESTRUCTIVE_CALLS = frozenset({"drop_table", "drop_column", "RemoveField", "DeleteModel"})
_JS_DESTRUCTIVE = re.compile(r"\.(dropTable|dropColumn|dropTableIfExists|removeColumn|dropColumns)\s*\(")
_LIQUIBASE_DESTRUCTIVE = re.compile(r"<\s*(dropTable|dropColumn)\b|^\s*-\s*(dropTable|dropColumn)\s*:", re.MULTILINE)
_DDL_AUTO = re.compile(
    r"^\s*(?P<key>[\w.-]*(?:ddl-auto|ddl_auto|hbm2ddl\.auto|database\.generation))\s*[:=]\s*['\"]?(?:\$\{[^:}]*:)?(?P<value>[\w-]+)",
    re.MULTILINE,
)
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

    @property
    def relational(self) -> list[Evidence]:
        return [e for e in self.evidence if e.kind == RELATIONAL]

    @property
    def document(self) -> list[Evidence]:
        return [e for e in self.evidence if e.kind == DOCUMENT]

    @property
    def migration_files(self) -> dict[str, str]:
        """Files of tools that version a relational schema (a Mongo data-migration tool is not one)."""
        return {p: t for p, t in self.files.items() if t != "migrate-mongo"}

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
    _tree_sitter(ctx, a)
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


def _python(ctx: Context, a: Analysis) -> None:
    imported: set[str] = set()
    analysis = ctx.analysis
    for model in analysis.files("python"):
        role = model.role
        if role == "test" or _in_tests(model.path):
            continue
        tool = ""
        name = PurePosixPath(model.path).name
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
                if owner.endswith("metadata") or owner == "db":
                    a.auto_sync.append(Site(
                        model.path, call.line,
                        f"`{owner}.create_all` creates tables from the models at run time instead of applying "
                        "versioned migrations", Severity.MEDIUM, key=f"create_all:{owner}"))
    for models in a.django_models.values():
        names = ", ".join(s.message for s in models[:3])
        a.evidence.append(Evidence(RELATIONAL, f"django models {names}", models[0].path))


# -- tree-sitter languages --------------------------------------------------------------------------------


def _js_down_ranges(file: TsFile) -> list[tuple[int, int]]:
    """Line ranges of `down` functions/methods, where dropping is the expected rollback."""
    ranges: list[tuple[int, int]] = []
    for node in descendants(file.tree.root_node):
        name_node = None
        if node.type in ("method_definition", "function_declaration"):
            name_node = node.child_by_field_name("name")
        elif node.type in ("assignment_expression", "pair", "variable_declarator"):
            name_node = node.child_by_field_name("left") or node.child_by_field_name("key") or node.child_by_field_name("name")
        if name_node is not None and re.fullmatch(r"(exports\.|module\.exports\.)?down", file.text(name_node)):
            ranges.append((node.start_point[0] + 1, node.end_point[0] + 1))
    return ranges


def _sequelize_sync(file: TsFile, a: Analysis) -> None:
    for node in descendants(file.tree.root_node):
        if node.type != "call_expression" or has_error_ancestor(node):
            continue
        func = node.child_by_field_name("function")
        if func is None or func.type != "member_expression":
            continue
        prop = func.child_by_field_name("property")
        if prop is None or file.text(prop) != "sync":
            continue
        args = file.text(node.child_by_field_name("arguments") or node)
        if re.search(r"\b(force|alter)\s*:\s*true\b", args):
            option = "force" if re.search(r"\bforce\s*:\s*true\b", args) else "alter"
            msg = f"`sync({{ {option}: true }})` rewrites tables from the models at run time and can drop data"
            sev = Severity.HIGH
        else:
            msg = "`sync()` creates tables from the models at run time instead of applying versioned migrations"
            sev = Severity.MEDIUM
        a.auto_sync.append(Site(file.path, line_of(node), msg, sev, key=f"sync:{args[:100]}"))


def _typeorm_synchronize(file: TsFile, a: Analysis) -> None:
    for node in descendants(file.tree.root_node):
        if node.type != "pair" or has_error_ancestor(node):
            continue
        key = node.child_by_field_name("key")
        value = node.child_by_field_name("value")
        if key is None or value is None or file.text(key).strip("'\"") != "synchronize" or value.type != "true":
            continue
        a.auto_sync.append(Site(file.path, line_of(node), _SYNCHRONIZE, Severity.HIGH, key="synchronize"))


def _go_auto_sync(file: TsFile, a: Analysis) -> None:
    for node in descendants(file.tree.root_node):
        if node.type != "call_expression" or has_error_ancestor(node):
            continue
        func = node.child_by_field_name("function")
        if func is None or func.type != "selector_expression":
            continue
        field_node = func.child_by_field_name("field")
        operand = func.child_by_field_name("operand")
        name = file.text(field_node) if field_node is not None else ""
        if name == "AutoMigrate":
            msg = "GORM `AutoMigrate` changes the schema from the structs at start-up instead of applying versioned migrations"
        elif name == "Create" and operand is not None and file.text(operand).endswith("Schema"):
            msg = "ent `Schema.Create` migrates the schema automatically at start-up instead of applying versioned migrations"
        else:
            continue
        a.auto_sync.append(Site(file.path, line_of(node), msg, Severity.MEDIUM, key=f"{name}:{file.text(node)[:120]}"))


def _tree_sitter(ctx: Context, a: Analysis) -> None:
    seen: set[tuple[str, str]] = set()
    sequelize = any(e.what == "sequelize" for e in a.evidence)
    for file in ctx.trees("typescript", "javascript", "go", "rust", "java"):
        role = file.info.role
        if role == "test" or _in_tests(file.path):
            continue
        lang = file.info.language
        if role == "source":
            for ev in code_evidence(lang, file.path, file.source):
                if (lang, ev.what) not in seen:
                    seen.add((lang, ev.what))
                    a.evidence.append(ev)
                    sequelize |= ev.what.startswith("sequelize")
            if lang in ("typescript", "javascript"):
                if b"synchronize" in file.source:
                    _typeorm_synchronize(file, a)
                if sequelize and b".sync(" in file.source:
                    _sequelize_sync(file, a)
            elif lang == "go" and (b"AutoMigrate" in file.source or b"Schema.Create" in file.source):
                _go_auto_sync(file, a)
        elif role == "migration":
            text = file.source.decode("utf-8", "replace")
            tool = classify_migration(file.path, lang, text, a.manifest_tools, a.ecosystems)
            if tool is None:
                continue
            a.files[file.path] = tool
            if lang in ("typescript", "javascript"):
                downs = _js_down_ranges(file) if _JS_DESTRUCTIVE.search(text) or _DESTRUCTIVE_SQL.search(text) else []
                _text_destructive(file.path, text, a, downs, js=True)


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
    names = {PurePosixPath(f.path).name.lower() for f in ctx.files}
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
        if info.role == "migration" and lang in ("sql", "xml", "yaml", "json"):
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
        elif lang in ("properties", "yaml") and PurePosixPath(info.path).name.lower().startswith(("application", "bootstrap")):
            if not _in_tests(info.path):
                _ddl_auto(ctx, info.path, a)
        elif PurePosixPath(info.path).name.lower() == "ormconfig.json" or PurePosixPath(info.path).name.lower().startswith(".env"):
            text = ctx.read_text(info.path) or ""
            sync = _SYNC_SETTING.search(text)
            if sync:
                line = text.count("\n", 0, sync.start()) + 1
                a.auto_sync.append(Site(info.path, line, _SYNCHRONIZE, Severity.HIGH, key="synchronize"))
    for path, _ in sql_dumps:
        text = ctx.read_text(path)
        if text is None:
            continue
        create = _SQL_CREATE_TABLE.search(text)
        if create:
            name = PurePosixPath(path).name
            a.schema_dumps.append(Site(path, text.count("\n", 0, create.start()) + 1,
                                       f"the schema is kept as a single SQL script (`{name}`), not as versioned migrations",
                                       Severity.MEDIUM, key="schema-dump"))


def _ddl_auto(ctx: Context, path: str, a: Analysis) -> None:
    text = ctx.read_text(path)
    if text is None:
        return
    for m in _DDL_AUTO.finditer(text):
        value = m.group("value").lower()
        if value in ("create", "create-drop", "drop-and-create", "drop"):
            sev = Severity.HIGH
            effect = "drops and recreates the schema"
        elif value == "update":
            sev = Severity.MEDIUM
            effect = "alters the schema to match the entities"
        else:
            continue  # none, validate: the schema is left alone
        a.auto_sync.append(Site(path, text.count("\n", 0, m.start()) + 1,
                                f"Hibernate `{m.group('key')}={value}` {effect} at start-up instead of applying versioned migrations",
                                sev, key=f"{m.group('key')}={value}"))
