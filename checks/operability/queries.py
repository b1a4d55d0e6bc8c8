"""Queries issued once per row: operability/n-plus-one.

Queries over the model: which calls run a database query (per language family: ORM finders, session and cursor
methods, query builders' terminal calls), which loops iterate the rows of another query (`Loop.iterable` is a query,
a variable assigned from one, or a relationship of an outer loop's row), and which ORM relationships load lazily
(SQLAlchemy `relationship()`, Django `ForeignKey`/`ManyToManyField`, with their backrefs and related names). A
query in a loop over rows, a related manager queried per row, or a lazy relationship read per row is N+1; eager
loading (`selectinload`, `joinedload`, `prefetch_related`, `select_related`, `include`, `Preload`, `JOIN FETCH`)
and batched queries are not. A query per element of something that is not known to be rows is low.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from analysis.frameworks import language_family
from analysis.model import CALL_IN_LAMBDA, CALL_IN_LOOP, CALL_IN_TEST, Call, FileModel, Loop
from analysis.project import ProjectAnalysis
from auditor.context import Context
from auditor.model import Check, Confidence, Effort, NotApplicable, Severity, Verdict

__all__ = ["NPlusOne", "QuerySite", "is_query", "lazy_relationships", "query_sites"]

_DB_RECEIVER = re.compile(r"(?i)(^|\.)(session|db|db_?session|dbsession|conn|connection|cursor|cur|engine|database|tx|"
                          r"transaction|uow|pool|client|repo|repository|dao|em|entity_?manager|manager|datasource)$")
_SELECT = re.compile(r"(?is)^\s*\(?\s*(select|with)\b")
_DJANGO = frozenset({"get", "filter", "exclude", "all", "first", "last", "count", "exists", "values", "values_list",
                     "aggregate", "get_or_create", "latest", "earliest", "in_bulk", "annotate", "only", "defer"})
_FLASK_TERMINAL = frozenset({"get", "get_or_404", "first", "first_or_404", "all", "one", "one_or_none", "count", "scalar",
                             "paginate"})
_SESSION_READ = frozenset({"get", "scalars", "scalar", "scalar_one", "scalar_one_or_none", "get_one"})
_RAW_FETCH = frozenset({"fetch", "fetchrow", "fetchval", "fetch_all", "fetch_one", "fetch_val"})
_MONGO = frozenset({"find_one", "find", "count_documents", "aggregate"})
_PRISMA = re.compile(r"\.(findUnique|findUniqueOrThrow|findFirst|findFirstOrThrow|findMany|count|aggregate|groupBy)$")
_TYPEORM = frozenset({"find", "findOne", "findOneBy", "findBy", "findOneOrFail", "findOneByOrFail", "findAndCount", "count",
                      "countBy", "exist", "exists", "findByIds"})
_MODEL_FINDERS = frozenset({"findAll", "findByPk", "findById", "findAndCountAll", "countDocuments"})
_GORM = frozenset({"Find", "First", "Take", "Last", "Count", "Pluck", "Scan"})
_GO_SQL = frozenset({"Query", "QueryRow", "QueryContext", "QueryRowContext", "Get", "Select", "GetContext", "SelectContext",
                     "Queryx", "QueryxContext", "QueryRowx", "QueryRowxContext"})
_JAVA_REPO_METHOD = re.compile(r"^(find|get|read|query|count|exists|search|stream)\w*$")
_SQLX = frozenset({"fetch_one", "fetch_all", "fetch_optional"})
_DIESEL = frozenset({"load", "get_result", "get_results", "first"})
_EAGER = frozenset({"selectinload", "joinedload", "subqueryload", "contains_eager", "immediateload", "prefetch_related",
                    "select_related", "Prefetch", "Preload", "Joins", "leftJoinAndSelect", "innerJoinAndSelect", "populate",
                    "with_related", "defaultload"})
_EAGER_KEYS = frozenset({"include", "relations", "eager", "with"})
_RELATIONSHIP = re.compile(r"^(?:[\w.]+\.)?(relationship|relation|Relationship|ForeignKey|OneToOneField|ManyToManyField|"
                           r"GenericRelation|ForeignKeyField|ManyToManyField)\(")
_NOT_LAZY = re.compile(r"""lazy\s*=\s*(["'](joined|selectin|subquery|immediate|raise|raise_on_sql|noload|write_only|dynamic)"""
                       r"""["']|False)""")
_REVERSE = re.compile(r"""(?:backref\s*=\s*(?:backref\(\s*)?|related_name\s*=\s*)["'](\w+)["']""")
_LITERAL_ITERABLE = re.compile(r"^\s*(range|enumerate\(range|zip\(range)\b|^\s*[\[({]")


@dataclass(frozen=True, slots=True)
class QuerySite:
    path: str
    line: int
    message: str
    severity: Severity
    confidence: Confidence
    key: str


def is_query(model: FileModel, call: Call) -> bool:
    """Whether `call` runs a database query (by the conventions of its language family's ORMs and drivers)."""
    family = language_family(model.language)
    name, callee, receiver = call.name, call.callee, call.receiver
    last = receiver.rsplit(".", 1)[-1] if receiver else ""
    if family == "python":
        if ".objects." in f".{callee}" and name in _DJANGO:
            return True
        if (".query." in f".{callee}" or ".query()." in callee) and name in _FLASK_TERMINAL | {"all", "first", "one"}:
            return True
        root = re.split(r"[.(]", receiver, maxsplit=1)[0] if receiver else ""
        if name in _SESSION_READ and (_DB_RECEIVER.search(receiver) or _DB_RECEIVER.search(root)):
            return True
        if name == "execute" and _DB_RECEIVER.search(receiver) and call.args:
            first = call.args[0]
            return first[1].startswith(("select(", "sa.select(", "sqlalchemy.select(")) or bool(
                first[4] and _SELECT.match(first[4]))
        if name in _RAW_FETCH and _DB_RECEIVER.search(receiver):
            return True
        return name in _MONGO and ("collection" in receiver.lower() or receiver.startswith(("db.", "db[")))
    if family == "javascript":
        if _PRISMA.search(callee) and ("prisma" in receiver.lower() or re.match(r"^(this\.)?(db|client|tx)\.\w+$", receiver)):
            return True
        if name in _TYPEORM and (re.search(r"(?i)(repo|repository|manager|^em|datasource)$", last) or "getRepository(" in receiver):
            return True
        model_receiver = bool(re.fullmatch(r"[A-Z]\w*", receiver))  # Sequelize and Mongoose models: User.findOne
        if model_receiver and (name in _MODEL_FINDERS or name in ("find", "findOne", "count")):
            return True
        if name == "query" and re.search(r"(?i)(pool|client|db|conn|connection|pg|sql)$", last) and call.args:
            first = call.args[0]
            return bool(first[4] and _SELECT.match(first[4]))
        return False
    if family == "go":
        if name in _GORM and re.search(r"(?i)(^|\.)(db|tx|gorm|conn|orm)\b", receiver):
            return True
        return name in _GO_SQL and bool(re.search(r"(?i)(^|\.)(db|tx|conn|pool|sqlx|database)$", last or receiver))
    if family == "java":
        if _JAVA_REPO_METHOD.match(name) and (re.search(r"(?i)(repo|repository|dao)$", last) or _REPOSITORY_TYPE.search(
                declared_type(model, call, last))):
            return True
        if name in ("find", "getReference") and re.search(r"(?i)^(em|entityManager)$", last):
            return True
        if name in ("getResultList", "getSingleResult"):
            return True
        return name in ("query", "queryForObject", "queryForList", "queryForMap") and bool(re.search(r"(?i)jdbc", last))
    if family == "rust":
        if name in _SQLX:
            return True
        imports = {i.module.split("::", 1)[0] for i in model.imports}
        if name in _DIESEL and "diesel" in imports and call.args:
            return True
        return name in ("one", "all") and "sea_orm" in imports and "find" in receiver
    return False


_REPOSITORY_TYPE = re.compile(r"(Repository|Repo|Dao|DAO)\b")


def declared_type(model: FileModel, call: Call, name: str) -> str:
    """The declared type of `name` where `call` is made: a parameter of the enclosing function or a field of a class
    of the file ("" when the file does not say)."""
    if not name:
        return ""
    fn = model.function(call.function)
    if fn is not None:
        for param in fn.params:
            if param[0] == name and param[1]:
                return param[1]
    for cls in model.classes:
        for field_name, field_type in cls.fields:
            if field_name == name and field_type:
                return field_type
    return ""


def _eager(call: Call) -> bool:
    return call.name in _EAGER or any(a[3] in _EAGER_KEYS for a in call.args) or any(
        a[4] and "JOIN FETCH" in a[4].upper() for a in call.args)


@dataclass(frozen=True, slots=True)
class _Relationships:
    names: frozenset[str]  # attributes that load lazily
    where: dict[str, str]  # name -> "Class.attr (path:line)"


def _relationships(analysis: ProjectAnalysis) -> _Relationships:
    names: dict[str, str] = {}
    for model in analysis.files("python", roles=("source",)):
        for assign in model.assigns:
            if not assign.owner or assign.function >= 0 or assign.value[0] != "call":
                continue
            text = assign.value[1]
            if not _RELATIONSHIP.match(text) or _NOT_LAZY.search(text):
                continue
            where = f"{assign.owner}.{assign.targets[0] if assign.targets else '?'} ({model.path}:{assign.line})"
            for target in assign.targets:
                names.setdefault(target.rsplit(".", 1)[-1], where)
            for reverse in _REVERSE.findall(text):
                names.setdefault(reverse, where)
    return _Relationships(frozenset(n for n in names if n.isidentifier() and not n.startswith("_")), names)


def lazy_relationships(analysis: ProjectAnalysis) -> _Relationships:
    return analysis.memo("lazy-relationships", _relationships)


def _related_manager(model: FileModel, call: Call, rels: _Relationships) -> bool:
    """A Django related manager queried through an object: `order.items.all()`, `user.comment_set.count()`."""
    parts = call.receiver.split(".")
    return model.language == "python" and len(parts) == 2 and call.name in _DJANGO and (
        parts[1] in rels.names or parts[1].endswith("_set"))


def _innermost(loops: list[Loop], line: int) -> Loop | None:
    """The innermost loop whose body holds `line` (a for statement's own line is its iterable, run once)."""
    best: Loop | None = None
    for loop in loops:
        inside = loop.line < line <= loop.end_line if loop.kind != "comprehension" else loop.line <= line <= loop.end_line
        if inside and (best is None or loop.line >= best.line):
            best = loop
    return best


def _enclosing(loops: list[Loop], loop: Loop) -> Iterator[Loop]:
    yield loop
    for other in loops:
        if other is not loop and other.line < loop.line <= other.end_line:
            yield other


def _function_sites(model: FileModel, index: int, loops: list[Loop], calls: list[Call], rels: _Relationships,
                    query_ids: set[int]) -> Iterator[QuerySite]:
    queries = [c for c in calls if id(c) in query_ids]
    eager = any(_eager(c) for c in calls)
    query_lines = {c.line for c in queries}
    rows_vars: dict[str, int] = {}
    for assign in model.assigns:
        if assign.function == index and (assign.line in query_lines or assign.line + 1 in query_lines):
            for target in assign.targets:
                rows_vars.setdefault(target, assign.line)
    targets_of = {id(loop): set(loop.targets) for loop in loops}

    def rows_of(loop: Loop) -> str:
        """What query's rows `loop` walks ("" when it is not known to be rows)."""
        kind, text = loop.iterable[0], loop.iterable[1]
        if kind == "name" and text in rows_vars and rows_vars[text] < loop.line + (loop.kind == "comprehension"):
            return f"`{text}` (the query at line {rows_vars[text]})"
        if kind == "call" and any(q.line == loop.line and q.callee and q.callee in text for q in queries):
            return f"`{text[:60]}`"
        root, _, attr = text.partition(".")
        if kind == "attr" and attr in rels.names and any(root in targets_of[id(o)] for o in loops if o is not loop):
            return f"the `{attr}` of each `{root}`"
        return ""

    reported: set[int] = set()
    queried: set[str] = set()  # `row.relation` queried explicitly per row (reported as such)
    for call in queries:
        if not call.flags & CALL_IN_LOOP:
            continue
        loop = _innermost(loops, call.line)
        if loop is None or loop.kind == "while" or call.line in reported:
            continue
        chain = list(_enclosing(loops, loop))
        if _LITERAL_ITERABLE.match(loop.iterable[1]) and loop.iterable[0] in ("call", "collection"):
            continue
        rows = next((r for r in map(rows_of, chain) if r), "")
        root = re.split(r"[.(\[]", call.receiver, maxsplit=1)[0] if call.receiver else ""
        per = "/".join(t for t in loop.targets if t) or "element"
        if root and any(root in targets_of[id(o)] for o in chain):
            if eager:
                continue
            message = (f"`{call.callee}()` queries a relation of each `{root}`: one query per row (N+1); load them with the "
                       "rows (prefetch_related, selectinload, include, Preload, JOIN FETCH)")
            reported.add(call.line)
            queried.add(".".join(call.receiver.split(".")[:2]))
            yield QuerySite(model.path, call.line, message, Severity.MEDIUM, Confidence.MEDIUM, f"relation:{call.callee}")
        elif rows:
            reported.add(call.line)
            yield QuerySite(model.path, call.line, f"`{call.callee}()` runs once per `{per}` of {rows}: N+1 queries; fetch "
                            "what it needs with the first query (a join, eager loading) or in one batched query",
                            Severity.MEDIUM, Confidence.MEDIUM, f"loop:{call.callee}")
        else:
            reported.add(call.line)
            yield QuerySite(model.path, call.line, f"`{call.callee}()` runs once per `{per}` of `{loop.iterable[1][:60]}`: one "
                            "query per element; one batched query (`IN (...)`, a bulk fetch) does the same in one round "
                            "trip", Severity.LOW, Confidence.MEDIUM, f"element:{call.callee}")
    if eager or not rels.names or model.language != "python":
        return
    for loop in loops:
        if loop.kind == "while" or not (rows := rows_of(loop)):
            continue
        lazy = [r for r in loop.reads if r.split(".", 1)[1] in rels.names and r not in queried]
        if lazy and loop.line not in reported:
            reported.add(loop.line)
            target, attr = lazy[0].split(".", 1)
            also = f" (and {', '.join(f'`{r}`' for r in lazy[1:4])})" if len(lazy) > 1 else ""
            yield QuerySite(model.path, loop.line, f"`{target}.{attr}`{also} loads lazily for each `{target}` of {rows}: "
                            f"one query per row (N+1); load `{attr}` with the rows (selectinload/joinedload, "
                            "select_related/prefetch_related)", Severity.MEDIUM, Confidence.MEDIUM, f"lazy:{lazy[0]}")


# Calls that run a function they are given once per element: `orders.forEach(o -> ...)`, `users.map(u => ...)`.
_ITERATORS = frozenset({"forEach", "map", "flatMap", "filter", "forEachOrdered", "each", "for_each", "mapAsync", "flat_map",
                        "filter_map", "then"})


def _rows_assigned(model: FileModel, index: int, queries: list[Call]) -> dict[str, int]:
    """Variables of the function at `index` assigned the result of a query, with the line."""
    lines = {c.line for c in queries if c.function == index}
    out: dict[str, int] = {}
    for assign in model.assigns:
        if assign.function == index and (assign.line in lines or assign.line + 1 in lines):
            for target in assign.targets:
                out.setdefault(target, assign.line)
    return out


def _outer(model: FileModel, index: int) -> int:
    """The nearest enclosing function that is not a lambda or an arrow function."""
    for fn_index in _chain(model, index):
        fn = model.functions[fn_index]
        if fn.name and not fn.name.startswith("<"):
            return fn_index
    return index


def _chain(model: FileModel, index: int) -> Iterator[int]:
    seen = 0
    while 0 <= index < len(model.functions) and seen <= len(model.functions):
        yield index
        index = model.functions[index].parent
        seen += 1


def _loopless_sites(model: FileModel, loops_by_fn: dict[int, list[Loop]], queries: list[Call],
                    reported: set[int]) -> Iterator[QuerySite]:
    """Queries run per element without a loop record: inside a callback given to forEach/map, or in a loop of a
    language whose adapter does not describe its loops (then what is iterated is not known)."""
    for call in queries:
        if call.line in reported or call.function < 0:
            continue
        fn = model.functions[call.function]
        if fn.is_test:
            continue
        iterating: Call | None = None
        if fn.name.startswith("<") or call.flags & CALL_IN_LAMBDA:
            start = fn.line if fn.name.startswith("<") else call.line
            scope = {fn.parent, call.function}
            iterating = next((c for c in model.calls if c.function in scope and c.line == start and c.name in _ITERATORS
                              and any(a[0] == "function" for a in c.args)), None)
        looped = bool(call.flags & CALL_IN_LOOP) and not loops_by_fn.get(call.function)
        if iterating is None and not looped:
            continue
        outer = _outer(model, call.function)
        rows_vars = _rows_assigned(model, outer, queries)
        earlier = {v: line for v, line in rows_vars.items() if line < call.line}
        if iterating is not None:
            over = iterating.receiver or next((a[1] for a in iterating.args if a[0] != "function"), "")
            root = re.split(r"[.(\[]", over, maxsplit=1)[0]
            if root in earlier:
                reported.add(call.line)
                yield QuerySite(model.path, call.line, f"`{call.callee}()` runs once per element of `{root}` (the query at "
                                f"line {earlier[root]}), in the function given to `{iterating.name}`: N+1 queries; fetch "
                                "what it needs with the first query or in one batched query", Severity.MEDIUM,
                                Confidence.MEDIUM, f"callback:{call.callee}")
                continue
            reported.add(call.line)
            yield QuerySite(model.path, call.line, f"`{call.callee}()` runs once per element of `{over[:60] or '?'}`, in the "
                            f"function given to `{iterating.name}`: one query per element; one batched query does the same "
                            "in one round trip", Severity.LOW, Confidence.MEDIUM, f"callback:{call.callee}")
            continue
        reported.add(call.line)
        if earlier:
            first = min(earlier.values())
            yield QuerySite(model.path, call.line, f"`{call.callee}()` runs inside a loop, in a function that first loads rows "
                            f"with the query at line {first}: probably one query per row (N+1)", Severity.MEDIUM,
                            Confidence.LOW, f"loop:{call.callee}")
        else:
            yield QuerySite(model.path, call.line, f"`{call.callee}()` runs once per iteration of a loop: one query per "
                            "element; one batched query does the same in one round trip", Severity.LOW, Confidence.LOW,
                            f"element:{call.callee}")


def _sites(ctx: Context) -> list[QuerySite]:
    rels = lazy_relationships(ctx.analysis)
    out: list[QuerySite] = []
    for model in ctx.analysis.files(roles=("source",)):
        if not model.loops and not any(c.flags & (CALL_IN_LOOP | CALL_IN_LAMBDA) for c in model.calls):
            continue
        loops_by_fn: dict[int, list[Loop]] = {}
        for loop in model.loops:
            loops_by_fn.setdefault(loop.function, []).append(loop)
        calls_by_fn: dict[int, list[Call]] = {}
        queries: list[Call] = []  # each call judged once (it was three times: a quarter of this check's time)
        for call in model.calls:
            if not call.flags & CALL_IN_TEST:
                calls_by_fn.setdefault(call.function, []).append(call)
                if is_query(model, call) or _related_manager(model, call, rels):
                    queries.append(call)
        query_ids = {id(c) for c in queries}
        for index, calls in calls_by_fn.items():
            fn = model.function(index)
            if fn is not None and fn.is_test:
                continue
            loops = loops_by_fn.get(index, [])
            if not loops and not any(c.flags & CALL_IN_LOOP for c in calls):
                continue  # nothing below is run per element here (what _function_sites looks for needs one)
            out.extend(_function_sites(model, index, loops, calls, rels, query_ids))
        reported = {s.line for s in out if s.path == model.path}
        out.extend(_loopless_sites(model, loops_by_fn, queries, reported))
    return out


def query_sites(ctx: Context) -> list[QuerySite]:
    return ctx.fact(_sites)


def _uses_database(ctx: Context) -> bool:
    return any(is_query(model, call) for model in ctx.analysis.files(roles=("source",)) for call in model.calls)


class NPlusOne(Check):
    id = "operability/n-plus-one"
    title = "No query per row (N+1)"
    category = "operability"
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    backend_only = True
    rationale = (
        "A query inside a loop over the rows of another query costs one round trip per row: a page of 100 orders "
        "becomes 101 queries, and the page gets slower as the data grows. Flagged: an ORM or driver query (Django, "
        "SQLAlchemy, Flask-SQLAlchemy, Prisma, TypeORM, Sequelize, Mongoose, GORM, database/sql, Spring Data, JPA, "
        "sqlx, diesel) inside a loop over query results, a related manager queried per row (`order.items.all()`), "
        "and a lazy ORM relationship read per row (`order.customer.name` without `select_related`/`joinedload`), each "
        "medium; a query per element of something not known to be rows (a list of ids) is low. Eager loading and "
        "batched queries are not flagged. Medium confidence: the model does not follow calls into other functions."
    )
    remediation = (
        "Load related rows with the first query: `select_related`/`prefetch_related` (Django), `selectinload`/"
        "`joinedload` (SQLAlchemy), `include` (Prisma, Sequelize), `relations`/`leftJoinAndSelect` (TypeORM), "
        "`Preload` (GORM), `JOIN FETCH` or an entity graph (JPA).",
        "Or fetch all of them in one batched query (`WHERE id IN (...)`, `in_bulk`, `findAllById`) and look them up "
        "in a dictionary inside the loop.",
    )
    effort = Effort.MEDIUM

    def run(self, ctx: Context) -> Verdict:
        sites = query_sites(ctx)
        if not sites and not _uses_database(ctx):
            raise NotApplicable("no database queries found in this project")
        findings = tuple(self.finding(ctx, s.message, s.path, s.line, severity=s.severity, confidence=s.confidence,
                                      key=s.key) for s in sites)
        return Verdict(findings=findings, metrics={"per_row_queries": sum(s.severity is Severity.MEDIUM for s in sites),
                                                   "per_element_queries": sum(s.severity is Severity.LOW for s in sites)})
