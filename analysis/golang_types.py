"""Go across files: the project's declarations, the types that symbolic expressions stand for, and which
dropped call results are errors.

Each Go file's model says what the file can tell on its own (analysis/go.py): symbolic types such as
`T:@api#Resource .Store` (the `Store` field of a `Resource` in directory `api`) and the declarations it makes.
`GoProject` puts the declarations of every source file together, keyed by package directory (an import path is
matched to the project directory it ends with), and evaluates symbolic types to declared types. Memoised per
project through `ProjectAnalysis.memo`, so the errors and routes queries share one.

A dropped result is an error when the callee is known to return one: a function of the same or an imported
package declared in the project, a method of the receiver's type when that type is known (receiver, parameter,
`var`, `:=` of a literal or a constructor, struct field, promoted methods of embedded types), a well-known library
function, or a well-known error-returning method name when the receiver's type is not a project type. Router
registrations (`r.Get`, `r.Handle`, `r.Use`, ...) are never taken for error-returning calls unless the receiver is
a project type whose method returns an error. Conventional discards are not errors: `Close`, `Rollback`,
`Write`/`WriteString`, `Flush`, `Sync`, `fmt.Print*`/`Fprint*` and `log.*` results, anything run by `defer` or
`go` (never a discard), and the chainable builders of GORM v1's callback `Scope` (`scope.Raw(sql).Exec()` returns
the scope, whose error GORM itself collects).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from analysis.go import go_package_name, is_declared

if TYPE_CHECKING:
    from analysis.model import Assign, Class, Discard, FileModel, Function
    from analysis.project import ProjectAnalysis

__all__ = ["GoProject", "IgnoredError", "go_project", "ignored_errors", "returns_error", "split_results"]

CODE_ROLES = ("source",)
_MAX_DEPTH = 12
WELL_KNOWN_FUNCS = frozenset({
    "json.Unmarshal", "json.Marshal", "json.MarshalIndent", "xml.Unmarshal", "xml.Marshal", "yaml.Unmarshal",
    "yaml.Marshal", "os.Remove", "os.RemoveAll", "os.Mkdir", "os.MkdirAll", "os.WriteFile", "os.Setenv",
    "os.Chdir", "os.Rename", "os.Open", "os.Create", "os.ReadFile", "os.Getwd", "ioutil.WriteFile",
    "ioutil.ReadFile", "ioutil.ReadAll", "io.ReadAll", "io.Copy", "strconv.Atoi", "strconv.ParseInt",
    "strconv.ParseUint", "strconv.ParseFloat", "strconv.ParseBool", "time.Parse", "time.ParseDuration",
    "time.LoadLocation", "url.Parse", "url.ParseQuery", "http.NewRequest", "http.NewRequestWithContext",
    "http.ListenAndServe", "http.ListenAndServeTLS", "uuid.Parse", "sql.Open", "filepath.Abs", "filepath.Rel",
    "bcrypt.GenerateFromPassword", "bcrypt.CompareHashAndPassword", "base64.StdEncoding.DecodeString",
    "hex.DecodeString", "template.ParseFiles", "template.ParseGlob",
})
WELL_KNOWN_METHODS = frozenset({
    "Scan", "Exec", "ExecContext", "Decode", "Unmarshal", "Ping", "PingContext", "Commit", "ShouldBindJSON",
    "ShouldBind", "ShouldBindQuery", "ShouldBindUri", "BindJSON", "Bind",
})
# Method names that return an error only on some library types (asynq's Server.Shutdown returns nothing).
TYPED_METHODS: dict[str, frozenset[str]] = {
    "Shutdown": frozenset({"http.Server", "echo.Echo", "fiber.App"}),
    "ListenAndServe": frozenset({"http.Server"}),
    "ListenAndServeTLS": frozenset({"http.Server"}),
}
# chi/gin/echo/gorilla/fiber route registration: these return a route, a group or nothing, never an error.
ROUTER_METHODS = frozenset({
    "Get", "Post", "Put", "Delete", "Patch", "Head", "Options", "Connect", "Trace", "Any", "Match", "Method",
    "MethodFunc", "Handle", "HandleFunc", "Handler", "HandlerFunc", "Use", "With", "Route", "Mount", "Group",
    "NotFound", "MethodNotAllowed", "Static", "StaticFS", "StaticFile", "GET", "POST", "PUT", "DELETE",
    "PATCH", "HEAD", "OPTIONS", "Methods", "Path", "PathPrefix", "Subrouter", "Name",
})
# Library constructors whose result type matters for the methods above.
KNOWN_CONSTRUCTORS = {
    "chi.NewRouter": "chi.Mux", "chi.NewMux": "chi.Mux", "mux.NewRouter": "mux.Router", "gin.New": "gin.Engine",
    "gin.Default": "gin.Engine", "echo.New": "echo.Echo", "fiber.New": "fiber.App", "http.NewServeMux":
    "http.ServeMux", "sql.Open": "sql.DB", "asynq.NewServer": "asynq.Server",
}
# Library types whose methods return the value itself (a builder), never an error.
CHAINABLE: dict[str, frozenset[str]] = {
    "gorm.Scope": frozenset({"Raw", "Exec", "Set", "Search", "InstanceSet", "Begin", "CommitOrRollback", "Fields",
                             "SetColumn", "NewDB", "DB", "SQLDB"}),
}
CONVENTIONAL = frozenset({"Close", "Rollback", "Write", "WriteString", "Flush", "Sync", "WriteHeader"})
_IGNORED_PACKAGES = frozenset({"fmt", "log"})
_BUILTINS = frozenset({
    "bool", "byte", "complex64", "complex128", "error", "float32", "float64", "int", "int8", "int16", "int32",
    "int64", "rune", "string", "uint", "uint8", "uint16", "uint32", "uint64", "uintptr", "any", "comparable",
})
_IDENT = re.compile(r"^[A-Za-z_]\w*$")
_CALLEE = re.compile(r"^([A-Za-z_]\w*)(?:\.([A-Za-z_]\w*))?\(")
_LITERAL = re.compile(r"^&?([A-Za-z_]\w*)(?:\.([A-Za-z_]\w*))?(?:\[[^{]*\])?\{")

Canon = tuple[str, str, str]  # ("p", directory, Type) for a project type, ("l", package name, Type) for a library one


@dataclass(frozen=True, slots=True)
class _File:
    dir: str
    aliases: dict[str, str]  # local name -> import path

    @property
    def ref(self) -> str:
        return "@" + self.dir


@dataclass(frozen=True, slots=True)
class IgnoredError:
    """A dropped call result that is an error: `name` as the message shows it, `confidence` "high" | "medium"."""

    model: FileModel
    discard: Discard
    name: str
    confidence: str
    responder: bool = False  # the callee is the project's own helper that writes an http.ResponseWriter


def split_results(text: str | None) -> list[str]:
    """The result types of a Go result list as written: `(n int, err error)` -> ["int", "error"]."""
    if not text:
        return []
    text = text.strip()
    if not text.startswith("("):
        return [text]
    inner = text[1:-1] if text.endswith(")") else text[1:]
    items: list[str] = []
    depth = 0
    current = ""
    for ch in inner:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            items.append(current.strip())
            current = ""
        else:
            current += ch
    if current.strip():
        items.append(current.strip())
    named = any(_named(item) for item in items)
    if not named:
        return items
    out: list[str] = []
    pending = 0
    for item in items:
        if _named(item):
            typ = item.split(None, 1)[1].strip()
            out.extend([typ] * (pending + 1))
            pending = 0
        else:
            pending += 1
    return out + [""] * pending


def _named(item: str) -> bool:
    """`err error`, `v []int`: a name followed by a type (a top-level space after an identifier)."""
    head, _, rest = item.partition(" ")
    return bool(rest.strip()) and bool(_IDENT.match(head)) and head != "func" and head != "chan" and head != "map"


def returns_error(text: str | None) -> bool:
    results = split_results(text)
    return bool(results) and results[-1] == "error"


def _signature_result(signature: str) -> str | None:
    """The result part of an interface method's `func(params) results`."""
    if not signature.startswith("func("):
        return None
    depth = 0
    for i, ch in enumerate(signature[4:], start=4):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                rest = signature[i + 1:].strip()
                return rest or None
    return None


@dataclass
class GoProject:
    """The declarations of a project's Go source files, and the types symbolic expressions stand for."""

    dirs: set[str] = field(default_factory=set)
    types: dict[tuple[str, str], list[tuple[Class, _File]]] = field(default_factory=dict)
    funcs: dict[tuple[str, str], list[tuple[Function, _File]]] = field(default_factory=dict)
    methods: dict[tuple[str, str, str], list[tuple[str | None, _File, str]]] = field(default_factory=dict)
    vars: dict[tuple[str, str], list[tuple[Assign, _File]]] = field(default_factory=dict)
    files: dict[str, _File] = field(default_factory=dict)
    _pkg: dict[str, str | None] = field(default_factory=dict)
    _eval: dict[str, Canon | None] = field(default_factory=dict)

    @classmethod
    def build(cls, models: Iterator[FileModel]) -> GoProject:
        project = cls()
        for model in models:
            directory = model.path.rpartition("/")[0]
            ctx = _File(directory, {i.alias: i.module for i in model.imports if i.alias and not i.name})
            project.files[model.path] = ctx
            project.dirs.add(directory)
            for fn in model.functions:
                if not is_declared(fn):
                    continue
                if fn.owner:
                    key = f"{directory}#{fn.owner}.{fn.name}"
                    project.methods.setdefault((directory, fn.owner, fn.name), []).append((fn.returns, ctx, key))
                else:
                    project.funcs.setdefault((directory, fn.name), []).append((fn, ctx))
            for c in model.classes:
                if c.parent >= 0:
                    continue
                project.types.setdefault((directory, c.name), []).append((c, ctx))
                if c.kind == "interface":
                    for name, signature in c.fields:
                        project.methods.setdefault((directory, c.name, name), []).append(
                            (_signature_result(signature), ctx, ""))
            for a in model.assigns:
                if a.function < 0 and a.op == "var":
                    for target in a.targets:
                        project.vars.setdefault((directory, target), []).append((a, ctx))
        return project

    # -- packages and types ---------------------------------------------------------------------------------
    def package(self, ref: str) -> str | None:
        """The project directory of a symbolic package (`@dir` or an import path), None for a library."""
        if ref.startswith("@"):
            return ref[1:]
        if ref in self._pkg:
            return self._pkg[ref]
        best: str | None = None
        for d in self.dirs:
            if d and (ref == d or ref.endswith("/" + d)) and (best is None or len(d) > len(best)):
                best = d
        self._pkg[ref] = best
        return best

    def type_of_text(self, text: str | None, ctx: _File) -> str:
        """A declared type's text (`*database.Store`, `Store[T]`) as a symbolic type, "" when not a named type."""
        if not text:
            return ""
        t = text.strip().lstrip("*").strip()
        if t.startswith(("[", "map[", "chan", "func", "struct", "interface", "...", "<-", "(")):
            return ""
        t = t.split("[", 1)[0].strip()
        head, dot, name = t.partition(".")
        if dot:
            module = ctx.aliases.get(head)
            return f"T:{module}#{name}" if module and _IDENT.match(name) else ""
        if not _IDENT.match(t) or t in _BUILTINS:
            return ""
        return f"T:{ctx.ref}#{t}"

    def _value_type(self, value: tuple[str, str, tuple[str, ...], str, str | None], ctx: _File) -> str:
        """The symbolic type of a package-level var's value text: `NewDB()`, `pkg.New()`, `&T{}`."""
        text = value[1]
        literal = _LITERAL.match(text)
        if literal:
            head, name = literal.group(1), literal.group(2)
            return self.type_of_text(f"{head}.{name}" if name else head, ctx)
        callee = _CALLEE.match(text)
        if callee:
            head, name = callee.group(1), callee.group(2)
            if name is None:
                return f"F:{ctx.ref}#{head}"
            module = ctx.aliases.get(head)
            return f"F:{module}#{name}" if module else f"V:{ctx.ref}#{head} .{name}()"
        return ""

    def evaluate(self, sym: str, depth: int = 0) -> Canon | None:
        """The type a symbolic expression stands for, None when it cannot be told."""
        if not sym or depth > _MAX_DEPTH:
            return None
        if sym in self._eval:
            return self._eval[sym]
        self._eval[sym] = None  # a definition through itself stands for nothing
        found = self._evaluate(sym, depth)
        self._eval[sym] = found
        return found

    def _evaluate(self, sym: str, depth: int) -> Canon | None:
        base, *steps = sym.split(" ")
        current = self._base(base, depth)
        for step in steps:
            if current is None:
                return None
            is_call = step.endswith("()")
            current = self._method_result(current, step[1:-2], depth) if is_call else self._field(current, step[1:], depth)
        return current

    def _base(self, base: str, depth: int) -> Canon | None:
        kind, _, rest = base.partition(":")
        ref, _, name = rest.rpartition("#")
        if not name:
            return None
        directory = self.package(ref)
        if kind == "T":
            return self._named(directory, ref, name, depth)
        if kind == "V":
            if directory is None:
                return None
            for assign, ctx in self.vars.get((directory, name), []):
                sym = self.type_of_text(assign.annotation, ctx) if assign.annotation else self._value_type(assign.value, ctx)
                found = self.evaluate(sym, depth + 1)
                if found is not None:
                    return found
            return None
        if kind == "F":
            if directory is None or (directory, name) not in self.funcs:
                if directory is not None and (directory, name) in self.types:
                    return self._named(directory, ref, name, depth)  # a conversion `T(x)`
                known = KNOWN_CONSTRUCTORS.get(f"{go_package_name(ref)}.{name}")
                if known:
                    pkg, _, typ = known.partition(".")
                    return ("l", pkg, typ)
                return None
            results = {self.evaluate(self.type_of_text(next(iter(split_results(fn.returns)), None), ctx), depth + 1)
                       for fn, ctx in self.funcs[(directory, name)]}
            return next(iter(results)) if len(results) == 1 else None
        return None

    def _named(self, directory: str | None, ref: str, name: str, depth: int) -> Canon | None:
        if directory is not None and (directory, name) in self.types:
            for cls, ctx in self.types[(directory, name)]:
                if "alias" in cls.decorators and cls.bases:
                    target = self.evaluate(self.type_of_text(cls.bases[0], ctx), depth + 1)
                    if target is not None:
                        return target
            return ("p", directory, name)
        return ("l", go_package_name(ref) if not ref.startswith("@") else ref[1:].rpartition("/")[2], name)

    def embedded(self, owner: Canon, depth: int = 0) -> Iterator[Canon]:
        """`owner`, then every project type it embeds, transitively, each once."""
        seen: set[Canon] = set()
        todo = [owner]
        while todo and len(seen) < 64:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            yield current
            if current[0] != "p":
                continue
            for cls, ctx in self.types.get((current[1], current[2]), []):
                for base in cls.bases if "alias" not in cls.decorators else ():
                    found = self.evaluate(self.type_of_text(base, ctx), depth + 1)
                    if found is not None:
                        todo.append(found)

    def _field(self, owner: Canon, name: str, depth: int) -> Canon | None:
        for current in self.embedded(owner, depth):
            if current[0] != "p":
                continue
            for cls, ctx in self.types.get((current[1], current[2]), []):
                for field_name, type_text in cls.fields if cls.kind == "struct" else ():
                    if field_name == name:
                        return self.evaluate(self.type_of_text(type_text, ctx), depth + 1)
                for base in cls.bases if cls.kind == "struct" else ():
                    if base.split("[", 1)[0].rsplit(".", 1)[-1] == name:
                        return self.evaluate(self.type_of_text(base, ctx), depth + 1)
        return None

    def method(self, owner: Canon, name: str, depth: int = 0) -> list[tuple[str | None, _File, str]] | None:
        """The declarations of `owner.name` (on the type or a type it embeds), None when it has none."""
        for current in self.embedded(owner, depth):
            if current[0] == "p" and (current[1], current[2], name) in self.methods:
                return self.methods[(current[1], current[2], name)]
        return None

    def _method_result(self, owner: Canon, name: str, depth: int) -> Canon | None:
        if owner[0] == "l":
            chain = CHAINABLE.get(f"{owner[1]}.{owner[2]}")
            return owner if chain is not None and name in chain else None
        decls = self.method(owner, name, depth)
        if not decls:
            return None
        results = {self.evaluate(self.type_of_text(next(iter(split_results(returns)), None), ctx), depth + 1)
                   for returns, ctx, _ in decls}
        return next(iter(results)) if len(results) == 1 else None

    # -- callees ----------------------------------------------------------------------------------------------
    def function_keys(self, sym: str) -> list[str]:
        """`dir#name` / `dir#Type.method` of the declarations a symbolic callee names (`F:pkg#f`, `X .m()`)."""
        if sym.startswith("F:") and " " not in sym:
            ref, _, name = sym[2:].rpartition("#")
            directory = self.package(ref)
            if directory is None:
                return []
            return [f"{directory}#{name}"] if (directory, name) in self.funcs else []
        head, _, last = sym.rpartition(" ")
        if not last.endswith("()") or not head:
            return []
        owner = self.evaluate(head)
        if owner is None:
            return []
        decls = self.method(owner, last[1:-2])
        return sorted({key for _, _, key in decls or () if key})

    def is_project_ref(self, ref: str) -> bool:
        return self.package(ref) is not None


def go_project(analysis: ProjectAnalysis) -> GoProject:
    """The project's Go declarations (source files), built once per project and process."""
    return analysis.memo("go-project", lambda a: GoProject.build(a.files("go", roles=CODE_ROLES)))


def _all_error(flags: list[bool]) -> bool:
    return bool(flags) and all(flags)


def _judge(project: GoProject, model: FileModel, d: Discard) -> tuple[str, str] | None:
    """(callee as shown, confidence) when the dropped result of `d` is an error."""
    ctx = project.files.get(model.path) or _File(model.path.rpartition("/")[0], {})
    if not d.receiver:
        decls = project.funcs.get((ctx.dir, d.method), [])
        return (d.method, "high") if _all_error([returns_error(fn.returns) for fn, _ in decls]) else None
    method = d.method
    receiver = d.receiver
    text = f"{receiver}.{method}" if len(receiver) <= 40 and "\n" not in receiver else f"(...).{method}"
    if method in CONVENTIONAL:
        return None
    if d.package:
        package = go_package_name(d.package)
        if package in _IGNORED_PACKAGES:
            return None
        if f"{package}.{method}" in WELL_KNOWN_FUNCS or text in WELL_KNOWN_FUNCS:
            return text, "high"
        directory = project.package(d.package)
        if directory is None:
            return None
        decls = project.funcs.get((directory, method), [])
        return (text, "high") if _all_error([returns_error(fn.returns) for fn, _ in decls]) else None
    if text in WELL_KNOWN_FUNCS:
        return text, "high"
    owner = project.evaluate(d.receiver_type)
    if owner is not None and owner[0] == "p":  # a project type: its declaration decides
        declared = project.method(owner, method)
        if declared is not None:
            return (text, "high") if _all_error([returns_error(r) for r, _, _ in declared]) else None
    if method in ROUTER_METHODS:
        return None
    library = f"{owner[1]}.{owner[2]}" if owner is not None and owner[0] == "l" else ""
    if method in TYPED_METHODS:
        return (text, "high") if library in TYPED_METHODS[method] else None
    if library in CHAINABLE and method in CHAINABLE[library]:
        return None
    if method in WELL_KNOWN_METHODS:
        return text, "medium"
    return None


def _writes_response(project: GoProject, model: FileModel, d: Discard) -> bool:
    """Whether the dropped call is a project function that takes an `http.ResponseWriter` (ecom's
    `utils.WriteJSON(w, status, v)`, which returns `json.NewEncoder(w).Encode(v)`): its error is a failed write of
    the response, which a handler can only log."""
    if d.receiver and not d.package:
        return False
    ctx = project.files.get(model.path) or _File(model.path.rpartition("/")[0], {})
    directory = project.package(d.package) if d.package else ctx.dir
    decls = project.funcs.get((directory, d.method), []) if directory is not None else []
    return bool(decls) and all(any("ResponseWriter" in (p[1] or "") for p in fn.params) for fn, _ in decls)


def ignored_errors(analysis: ProjectAnalysis) -> list[IgnoredError]:
    """Every dropped error of the project's Go source files, in file order."""

    def compute(a: ProjectAnalysis) -> list[IgnoredError]:
        project = go_project(a)
        out: list[IgnoredError] = []
        for model in a.files("go", roles=CODE_ROLES):
            for d in model.discards:
                if d.how == "blank" and d.commented:
                    continue  # the discard is explained in a comment on the same line
                judged = _judge(project, model, d)
                if judged is not None:
                    out.append(IgnoredError(model, d, judged[0], judged[1], _writes_response(project, model, d)))
        return out

    return analysis.memo("go-ignored-errors", compute)
