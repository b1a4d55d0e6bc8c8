"""security/sql-injection and security/command-injection: queries and shell commands built from variables.

A query over the model's calls: a call to a SQL or shell sink (by language family, the table below) whose
query/command argument is a string built from variables (an f-string, template literal, `%`/`.format`,
`fmt.Sprintf`, `format!`, concatenation), directly or through a local variable assigned such a string in the
same function. Parameterised queries (`execute("... WHERE id = %s", (uid,))`, `$1`, `?`) and query builders are
not flagged; a string whose only variables are UPPER_CASE constants (a table name) is low.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from analysis.frameworks import language_family
from analysis.model import CALL_IN_TEST, Call, FileModel, Value
from auditor.context import Context
from auditor.model import Check, Confidence, Effort, Finding, Severity

__all__ = ["CommandInjection", "SqlInjection"]

# Calls whose first argument is SQL, by language family: method/function names, and the receivers or qualified
# prefixes that make a generic name (`execute`, `query`) a database call.
SQL_SINKS: dict[str, frozenset[str]] = {
    "python": frozenset({"execute", "executemany", "executescript", "raw", "text", "extra", "fetch", "fetchrow",
                         "fetchval", "mogrify", "read_sql", "read_sql_query", "exec_driver_sql", "RawSQL"}),
    "javascript": frozenset({"query", "raw", "$queryRawUnsafe", "$executeRawUnsafe", "execute", "whereRaw", "orderByRaw",
                             "havingRaw", "joinRaw", "selectRaw", "unsafe", "exec", "prepare", "all", "get", "run"}),
    "go": frozenset({"Query", "QueryRow", "QueryContext", "QueryRowContext", "Exec", "ExecContext", "Raw", "Select",
                     "Get", "Queryx", "QueryRowx", "MustExec", "NamedExec", "Prepare", "PrepareContext"}),
    "java": frozenset({"executeQuery", "executeUpdate", "execute", "addBatch", "createNativeQuery", "createQuery",
                       "prepareStatement", "query", "queryForObject", "queryForList", "queryForMap", "update",
                       "batchUpdate", "nativeQuery"}),
    "rust": frozenset({"query", "query_as", "query_scalar", "execute", "sql_query", "raw_sql", "batch_execute"}),
}
# Generic names (`get`, `all`, `run`, `exec`, `query`) are a SQL sink only on a receiver that looks like a database.
_GENERIC = frozenset({"get", "all", "run", "exec", "prepare", "query", "execute", "fetch", "update", "text", "raw"})
_DB_RECEIVER = re.compile(r"(?i)(^|[._])(db|database|conn|connection|cursor|cur|client|pool|session|sql|knex|sequelize|"
                          r"prisma|tx|txn|trx|transaction|stmt|statement|jdbc|jdbctemplate|template|em|entitymanager|"
                          r"repo|repository|engine|sqlx|pg|mysql|sqlite|orm|executor|query|objects)$|cursor\(\)$")
_SQL_WORDS = re.compile(r"(?i)\b(select\s.+\sfrom|insert\s+into|update\s+\S+\s+set|delete\s+from|where\s|order\s+by|"
                        r"group\s+by|values\s*\(|drop\s+(table|database)|create\s+table|alter\s+table|join\s)")
_SQL_QUALIFIED = re.compile(r"^(sqlalchemy\.(text|sql\.text)|django\.db\.|psycopg|sqlite3|asyncpg|pymysql|MySQLdb)")
_CONSTANT = re.compile(r"^[A-Z][A-Z0-9_]*$")

SHELL_SINKS: dict[str, frozenset[str]] = {
    "python": frozenset({"system", "popen", "getoutput", "getstatusoutput", "run", "call", "check_call", "check_output",
                         "Popen", "spawnl", "execl", "create_subprocess_shell"}),
    "javascript": frozenset({"exec", "execSync"}),
    "go": frozenset({"Command", "CommandContext"}),
    "java": frozenset({"exec", "ProcessBuilder", "command"}),
    "rust": frozenset({"arg", "args"}),
}
_PY_SHELL_QUALIFIED = re.compile(r"^(os\.(system|popen|spawnl|execl)|subprocess\.|commands\.|asyncio\.create_subprocess_shell)")
_SHELLS = re.compile(r"""^["'`]?(/bin/|/usr/bin/)?(sh|bash|zsh|cmd(\.exe)?|powershell)["'`]?$""")


def _built(value: Value) -> bool:
    """A string built from variables (not only from literals)."""
    kind, _text, names, _kw, _literal = value
    return kind in ("interpolated", "concat") and bool(names)


def _only_constants(value: Value) -> bool:
    names = [n for n in value[2] if n not in ("self", "cls", "this")]
    return bool(names) and all(_CONSTANT.match(n) for n in names)


def provenance(model: FileModel, call: Call, value: Value) -> str:
    """Where the variables of a built string come from, as far as the function tells: "parameter" (the caller
    controls them), "local" (computed here), "constant" (UPPER_CASE constants, self/cls attributes), "environment"
    (reads of the process environment and constants: the operator sets them, no request reaches them),
    "configuration" (locals read from the service's settings, `user = settings.READ_USER`: the operator's too)."""
    names = [n for n in value[2] if n not in ("self", "cls", "this")]
    if not names:
        return "constant"
    if all(_CONSTANT.match(n) or _environment_only(value[1], n) for n in names) and \
            not all(_CONSTANT.match(n) for n in names):
        return "environment"
    fn = model.function(call.function)
    params = {p[0] for p in fn.params if p[3] != "self"} if fn is not None else set()
    text = value[1]
    if any(n in params and re.search(rf"(?<![\w.]){re.escape(n)}\b(?!\s*\.)", text) for n in names):
        return "parameter"  # the parameter itself (a string the caller passes), not an attribute of an object
    if any(n in params for n in names):
        return "local"
    # the names whose values the author did not write down (neither constants nor a loop over them)
    variable = [n for n in names if not (_CONSTANT.match(n) or _iterates_constants(model, call, n))]
    if not variable:
        return "constant"
    if all(_from_settings(model, call, n) for n in variable):
        return "configuration"
    return "local"


def _iterates_constants(model: FileModel, call: Call, name: str) -> bool:
    """Whether `name` is the variable of a loop around the call over a module's constant or a literal list
    (polar's `for table in SCOPE_TABLES: text(f"UPDATE {table} ...")`): each value is one the author wrote."""
    for loop in model.loops:
        if loop.function == call.function and loop.line <= call.line <= loop.end_line and name in loop.targets \
                and loop.kind in ("for", "comprehension"):
            kind, text, names, _kw, _literal = loop.iterable
            iterated = [n for n in names if n not in ("self", "cls", "this")]
            if iterated and all(_CONSTANT.match(n) for n in iterated) and re.fullmatch(r"[\w.]+", text.strip()):
                return True
            if not iterated and text.strip()[:1] in "([{" and kind != "interpolated":
                return True
    return False


# The service's own settings, read into a local first (polar's scripts/db.py `read_user = settings.POSTGRES_READ_USER`).
_SETTINGS_READ = re.compile(r"^(?:settings|config|conf|cfg|app\.config)\.[A-Za-z_][\w.]*$|^os\.(?:environ\b|getenv\()")


def _from_settings(model: FileModel, call: Call, name: str) -> bool:
    local = _local_value(model, call, name)
    return local is not None and bool(_SETTINGS_READ.match(local[1]))


# Reads of the process environment: the operator sets them, no request reaches them.
_ENV_READ = {"process": r"process\.env\b", "os": r"os\.(?:environ|getenv|Getenv|LookupEnv)\b", "System": r"System\.getenv\b",
             "env": r"env::var(?:_os)?\b", "std": r"std::env::var(?:_os)?\b"}


def _environment_only(text: str, name: str) -> bool:
    """Whether every use of `name` in the built string is a read of the environment (`process.env.DB_NAME`)."""
    read = _ENV_READ.get(name)
    if read is None:
        return False
    uses = re.findall(rf"(?<![\w.]){re.escape(name)}\b", text)
    return bool(uses) and len(re.findall(rf"(?<![\w.]){read}", text)) == len(uses)


def is_migration(model: FileModel) -> bool:
    return model.role == "migration" or any(m.startswith("migration:") for m in model.markers)


def _local_value(model: FileModel, call: Call, name: str) -> Value | None:
    """The value last assigned to `name` before the call in the same function (one step, no flow analysis)."""
    found: Value | None = None
    for assign in model.assigns:
        if assign.function == call.function and assign.line <= call.line and name in assign.targets \
                and assign.op in ("=", "let", "const", "var", ":=", "Add", "+="):
            found = assign.value if assign.op not in ("Add", "+=") or found is None else (
                "concat", assign.value[1], (*found[2], *assign.value[2]), "", None)
    return found


_GO_QUOTING = re.compile(r"(?i)^[\w.]*(quote|quoted|escape|placeholder|bindvar|addtovars|combinedconditionsql)\w*\(")
_GO_PLACEHOLDERS = re.compile(r"""^strings\.Repeat\(\s*(["`])[\s,?$\d]*\1""")


def _go_safe(model: FileModel, call: Call, value: Value) -> bool:
    """Go SQL built only from identifiers the driver quotes, bind-variable placeholders (`strings.Repeat(",?", n)`
    for an IN list) and literals; or GORM v1's own callback idiom (`scope.Raw(...)` on a callback's `*gorm.Scope`,
    whose parts are quoted table names, bound variables and its parameterised conditions)."""
    fn = model.function(call.function)
    head = call.receiver.split(".", 1)[0]
    if fn is not None and any(p[0] == head and (p[1] or "").endswith("gorm.Scope") for p in fn.params):
        return True
    template = value[4]
    if not template or "\x00" not in template:
        return False
    holes = template.split("\x00")[1::2]
    return all(_go_safe_part(model, call, hole) for hole in holes)


def _go_safe_part(model: FileModel, call: Call, hole: str) -> bool:
    if _GO_QUOTING.match(hole) or _GO_PLACEHOLDERS.match(hole):
        return True
    if hole.isidentifier():
        local = _local_value(model, call, hole)
        return local is not None and (local[0] == "str" or bool(_GO_PLACEHOLDERS.match(local[1])))
    return False


_JAVA_NUMERIC = frozenset({"int", "long", "short", "byte", "double", "float", "boolean", "Integer", "Long", "Short",
                           "Byte", "Double", "Float", "Boolean", "BigDecimal", "BigInteger", "UUID"})
_JAVA_ID_GETTER = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*\.getId\(\)(?:\.(?:toString|intValue|longValue)\(\))?$")


def _java_concat_parts(text: str) -> list[str] | None:
    """The operands of a Java `+` concatenation, outside string literals; None when the text is not one."""
    parts: list[str] = []
    depth, quote, start, i = 0, "", 0, 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "+" and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
        i += 1
    parts.append(text[start:].strip())
    return parts if len(parts) > 1 and all(parts) else None


def _java_numbers_only(model: FileModel, call: Call, value: Value) -> bool:
    """Java SQL concatenated only from literals, variables declared with a numeric type (`Integer id`, `long n`,
    `UUID key`) and entity id getters (`pet.getId()`, `String petId = pet.getId().toString()`): spring-petclinic-rest
    `"DELETE FROM Pet pet WHERE id=" + petId`. A number cannot change the query; the ids are numeric by the JPA
    convention, which the check cannot verify, so such SQL is low, not gone."""
    parts = _java_concat_parts(value[1])
    if parts is None:
        return False
    fn = model.function(call.function)
    params = {p[0]: p[1] or "" for p in fn.params} if fn is not None else {}
    for part in parts:
        if part[:1] in "\"'" or re.fullmatch(r"\d+[lL]?", part):
            continue
        if _JAVA_ID_GETTER.match(part):
            continue
        if not part.isidentifier():
            return False
        declared = next((a for a in reversed(model.assigns) if a.function == call.function and a.line <= call.line
                         and part in a.targets), None)
        if declared is not None:
            if (declared.annotation or "") in _JAVA_NUMERIC or \
                    (declared.value[0] == "call" and _JAVA_ID_GETTER.match(declared.value[1])):
                continue
            return False
        if params.get(part, "") not in _JAVA_NUMERIC:
            return False
    return True


def _resolved(model: FileModel, call: Call, value: Value) -> Value:
    if value[0] == "name":
        local = _local_value(model, call, value[1])
        if local is not None:
            return local
    return value


@dataclass(frozen=True, slots=True)
class _Hit:
    model: FileModel
    call: Call
    value: Value
    via: str  # the variable the string went through, "" when it is built in the call


def _sql_hits(ctx: Context) -> Iterator[_Hit]:
    for model in ctx.analysis.files(roles=("source",)):
        sinks = SQL_SINKS.get(language_family(model.language))
        if not sinks:
            continue
        for call in model.calls:
            if call.name not in sinks or not call.args or call.flags & CALL_IN_TEST:
                continue
            if call.name in _GENERIC and not (_DB_RECEIVER.search(call.receiver) or _SQL_QUALIFIED.match(call.qualified)):
                continue
            first = next((a for a in call.args if not a[3] or a[3] in ("sql", "query", "statement")), None)
            if first is None:
                continue
            value = _resolved(model, call, first)
            if not _built(value):
                continue
            if not _SQL_WORDS.search(value[1]) and not _SQL_QUALIFIED.match(call.qualified):
                continue  # a string built for something else (a log line, a URL) passed to a generic name
            if model.language == "go" and _go_safe(model, call, value):
                continue
            yield _Hit(model, call, value, first[1] if first[0] == "name" else "")


class SqlInjection(Check):
    id = "security/sql-injection"
    title = "SQL is parameterised, never built from strings"
    category = "security"
    severity = Severity.HIGH
    tags = ("CWE-89",)
    help_url = "https://cwe.mitre.org/data/definitions/89.html"
    rationale = (
        "A query built by formatting or concatenating values (f-strings, `%`, `.format`, template literals, "
        "`fmt.Sprintf`, `format!`, `+`) lets any value that reaches it change the query: read other rows, bypass a "
        "login, drop tables. Drivers and ORMs take parameters separately (`%s`/`?`/`$1` placeholders, bound "
        "parameters, query builders), which is never injectable. Severity follows where the variables come from: "
        "high when they are the function's parameters (its callers, ultimately a request, control them), medium when "
        "they are computed in the function, low when they are only constants, attributes (a table name), "
        "environment variables or the service's settings, numbers and entity ids (Java `Integer id`, "
        "`pet.getId()`), or in a migration."
    )
    remediation = (
        "Pass values as parameters: `cursor.execute(\"SELECT ... WHERE id = %s\", (user_id,))`, `db.query(\"... $1\", [id])`, "
        "`db.QueryContext(ctx, \"... = $1\", id)`, a `PreparedStatement` with `?`, `sqlx::query!(\"... $1\", id)`.",
        "Where identifiers (table, column, sort order) must vary, choose them from an allow-list, never from input.",
    )
    effort = Effort.SMALL

    def run(self, ctx: Context) -> Iterator[Finding]:
        for hit in _sql_hits(ctx):
            origin = provenance(hit.model, hit.call, hit.value)
            via = f" (through `{hit.via}`)" if hit.via else ""
            names = ", ".join(f"`{n}`" for n in hit.value[2][:4])
            where = {"parameter": "from the function's parameters", "local": "from values computed here",
                     "constant": "only from constants or attributes",
                     "environment": "only from the environment and constants",
                     "configuration": "only from the service's settings and constants"}[origin]
            message = (f"SQL built from {names}{via}, {where}, is passed to `{hit.call.callee or hit.call.name}`: a value "
                       "that reaches it can change the query")
            if is_migration(hit.model):
                severity, confidence = Severity.LOW, Confidence.MEDIUM
                message += " (in a migration, which runs with the data already in the database)"
            elif language_family(hit.model.language) == "java" and _java_numbers_only(hit.model, hit.call, hit.value):
                severity, confidence = Severity.LOW, Confidence.MEDIUM
                message = (f"SQL concatenated from {names}{via}, numbers and entity ids (`getId()`) only, is passed to "
                           f"`{hit.call.callee or hit.call.name}`: not injectable while the ids are numeric, but a bound "
                           "parameter is the safe form")
            elif origin == "parameter":
                severity, confidence = Severity.HIGH, Confidence.MEDIUM if hit.via else Confidence.HIGH
            elif origin == "local":
                severity, confidence = Severity.MEDIUM, Confidence.MEDIUM
            else:
                severity, confidence = Severity.LOW, Confidence.MEDIUM
            yield self.finding(ctx, message, hit.model.path, hit.call.line, hit.call.end_line, severity=severity,
                               confidence=confidence, key=f"{hit.call.callee}:{hit.value[1]}")


def _shell_hits(ctx: Context) -> Iterator[tuple[FileModel, Call, Value, str]]:
    for model in ctx.analysis.files(roles=("source",)):
        family = language_family(model.language)
        sinks = SHELL_SINKS.get(family)
        if not sinks:
            continue
        for call in model.calls:
            if call.name not in sinks or not call.args or call.flags & CALL_IN_TEST:
                continue
            positional = [a for a in call.args if not a[3]]
            if family == "python":
                if not _PY_SHELL_QUALIFIED.match(call.qualified or call.callee):
                    continue
                shell = call.qualified.startswith(("os.", "commands.", "asyncio.")) or any(
                    a[3] == "shell" and a[1] == "True" for a in call.args)
                if not shell or not positional:
                    continue
                value = _resolved(model, call, positional[0])
            elif family == "javascript":
                if call.receiver not in ("", "child_process", "cp", "childProcess") and "child_process" not in call.qualified:
                    continue
                value = _resolved(model, call, positional[0]) if positional else ("other", "", (), "", None)
            elif family == "go":
                args = positional[1:] if call.name == "CommandContext" else positional
                if call.receiver != "exec" or len(args) < 2 or not _SHELLS.match(args[0][1]):
                    continue
                value = _resolved(model, call, args[-1])
            elif family == "java":
                if call.name == "ProcessBuilder":
                    if len(positional) < 2 or not _SHELLS.match(positional[0][1]):
                        continue
                    value = _resolved(model, call, positional[-1])
                elif call.name == "exec" and "getRuntime" in call.receiver and positional:
                    value = _resolved(model, call, positional[0])
                else:
                    continue
            else:
                continue
            if _built(value):
                yield model, call, value, positional[0][1] if positional and positional[0][0] == "name" else ""


class CommandInjection(Check):
    id = "security/command-injection"
    title = "Shell commands are never built from strings"
    category = "security"
    severity = Severity.HIGH
    tags = ("CWE-78",)
    help_url = "https://cwe.mitre.org/data/definitions/78.html"
    rationale = (
        "A shell command built from values (`os.system(f\"convert {name}\")`, `subprocess.run(cmd, shell=True)`, "
        "`exec(`ls ${dir}`)`, `exec.Command(\"sh\", \"-c\", ...)`) runs whatever a value containing `;`, `|` or `$( )` "
        "adds to it."
    )
    remediation = (
        "Run the program directly with an argument list and no shell: `subprocess.run([\"convert\", name])`, "
        "`execFile(\"ls\", [dir])`, `exec.Command(\"ls\", dir)`, `new ProcessBuilder(\"ls\", dir)`.",
        "Validate values against an allow-list when they select what runs.",
    )
    effort = Effort.SMALL

    def run(self, ctx: Context) -> Iterator[Finding]:
        for model, call, value, via in _shell_hits(ctx):
            names = ", ".join(f"`{n}`" for n in value[2][:4])
            through = f" (through `{via}`)" if via else ""
            yield self.finding(ctx, f"shell command built from {names}{through} is run by `{call.callee or call.name}`",
                               model.path, call.line, call.end_line,
                               severity=Severity.LOW if _only_constants(value) else None,
                               confidence=Confidence.MEDIUM if via else Confidence.HIGH, key=f"{call.callee}:{value[1]}")
