"""The Go adapter: one tree-sitter reading of a Go file into the shared model (analysis/model.py).

Facts only. Besides what every adapter records (imports, functions with their parameters, results and
complexity, struct and interface declarations, calls with their arguments, assignments, literal settings,
error details sent to clients, routes, tests, `interface{}`/`any` in signatures), a Go file records:

* `Discard`s: call results dropped by an expression statement or assigned to `_` in last position, each with a
  *symbolic* receiver type (below) that the project-level resolver (analysis/golang_types.py) finishes against
  the declarations of every file, to decide which of them drop an error.
* the declarations that resolver reads: functions with their receiver type (`Function.owner`) and result text
  (`Function.returns`), structs (`Class` with `fields` and embedded types as `bases`), interfaces (`Class` whose
  `fields` are its methods as `(name, "func(...) results")`), package-level `var`s (`Assign`, op "var"), and the
  package name as the marker `package:<name>`.
* routes and mounts with symbolic owners (resolved by analysis/routes/go.py).

Symbolic types (a small language, so that a file can say what it knows and leave the rest to the project):
a base, then steps separated by spaces.

    T:<pkg>#<Type>     a named type            F:<pkg>#<func>   the (first) result of a package function
    V:<pkg>#<var>      a package-level var     .<field>         a field of the value so far
                                               .<method>()      the (first) result of a method call on it

`<pkg>` is an import path, or `@<directory>` for the file's own package (`@` alone at the repository root):
`T:@api#Resource .Store` is the `Store` field of the receiver `rs *Resource` in package directory `api`.

Everything is read through one tree-sitter query (analysis.treesitter.NodeIndex); each node is attributed to
its innermost function by a binary search over the functions' spans, never by walking parents.
"""

from __future__ import annotations

import ast
import bisect
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

from analysis.frameworks import (
    GO_ERROR_HELPER,
    GO_ROUTER_CONSTRUCTORS,
    GO_ROUTER_TYPES,
    go_framework,
    is_client_error_status,
)
from analysis.model import (
    CALL_BROKEN,
    CALL_DEFERRED,
    CALL_IN_LAMBDA,
    CALL_IN_LOOP,
    CALL_IN_TEST,
    CALL_NEW,
    CALL_STATEMENT,
    EXPOSE_BROKEN,
    EXPOSE_CLIENT_STATUS,
    EXPOSE_ERROR_MIDDLEWARE,
    TEXT_CAP,
    Assign,
    Call,
    Class,
    Discard,
    Exposure,
    FileModel,
    Function,
    Import,
    Mount,
    Param,
    Raise,
    RouteDecl,
    Setting,
    TestCase,
    TypeUse,
    Value,
)
from analysis.treesitter import NodeIndex, Source, parse

if TYPE_CHECKING:
    import tree_sitter

__all__ = ["PARSER", "analyse_go", "go_package_name", "is_declared"]


class _Lined(Protocol):
    @property
    def line(self) -> int: ...


R = TypeVar("R", bound=_Lined)

PARSER = "tree-sitter-go"
_MAX_PATH = 2048  # bytes of a string literal read as a route path or constant
_MAX_DEPTH = 8  # how far an expression's type is followed through bindings, fields and calls
_BUILTIN_TYPES = frozenset({
    "bool", "byte", "complex64", "complex128", "error", "float32", "float64", "int", "int8", "int16", "int32",
    "int64", "rune", "string", "uint", "uint8", "uint16", "uint32", "uint64", "uintptr", "any", "comparable",
})
_BUILTIN_VALUES = frozenset({"nil", "true", "false", "iota"})
_DECISIONS = ("if_statement", "for_statement", "expression_case", "type_case", "communication_case")
_NODE_TYPES = (
    "package_clause", "import_spec", "function_declaration", "method_declaration", "func_literal", "type_spec",
    "type_alias", "var_spec", "const_spec", "range_clause", "call_expression", "composite_literal", "binary_expression",
    "comment", "statement_list", "expression_statement", "short_var_declaration", "assignment_statement",
    "return_statement", "type_switch_statement", *_DECISIONS,
)
_STRINGS = ("interpreted_string_literal", "raw_string_literal")
_FORMAT_FUNCS = frozenset({"fmt.Sprintf", "fmt.Sprint", "fmt.Sprintln"})
_JOIN_FUNCS = frozenset({"strings.Join"})
# Routing: methods that declare a route (-> HTTP method, "" when the method is an argument), groups, mounts.
_VERBS = {
    "GET": "GET", "POST": "POST", "PUT": "PUT", "PATCH": "PATCH", "DELETE": "DELETE", "HEAD": "HEAD",
    "OPTIONS": "OPTIONS", "CONNECT": "CONNECT", "TRACE": "TRACE", "Get": "GET", "Post": "POST", "Put": "PUT",
    "Patch": "PATCH", "Delete": "DELETE", "Head": "HEAD", "Options": "OPTIONS", "Connect": "CONNECT",
    "Trace": "TRACE", "Any": "ANY", "All": "ANY", "Handle": "", "HandleFunc": "", "Method": "", "MethodFunc": "",
    "Match": "", "Add": "",
}
_GROUPS = frozenset({"Group", "Route", "With", "Use", "PathPrefix", "Subrouter", "Host", "Schemes", "Headers", "Queries"})
_HTTP_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "CONNECT", "TRACE"})
_ROUTER_TYPE_NAMES = frozenset(t.rsplit(".", 1)[-1] for t in GO_ROUTER_TYPES)
_METHOD_CONSTANTS = {f"Method{m.capitalize()}": m for m in _HTTP_METHODS}
_VERB = re.compile(r"%(?!%)[-+# 0]*(?:\[\d+\])?(?:\d+|\*)?(?:\.(?:\d+|\*))?[a-zA-Z]")  # fmt verbs, not "%%"
HOLE = "\x00"  # a template's hole, as analysis.python writes it: "SELECT \x00name\x00"
_PATTERN = re.compile(r"^([A-Z]+)\s+(\S*)$")  # Go 1.22 ServeMux patterns: "GET /items/{id}"
_RESPONSE_METHODS = frozenset({"JSON", "String", "XML", "IndentedJSON", "AbortWithStatusJSON", "JSONP",
                               "PureJSON", "SecureJSON", "SendString", "YAML", "JSONPretty", "HTML"})
_NOT_RESPONSES = frozenset({"json", "xml", "yaml", "template"})
_MAP_TYPES = frozenset({"gin.H", "echo.Map", "fiber.Map"})
_ERROR_NAMES = frozenset({"e", "err", "error", "ex", "exc", "exception", "er", "_err", "_error"})
_TEST_CASE = re.compile(r"^(Test|Fuzz)([A-Z0-9_]|$)")
_SUITE_HOOKS = frozenset({"SetupSuite", "SetupTest", "SetupSubTest", "BeforeTest", "TearDownTest", "TearDownSuite"})
_SWAG = re.compile(r"^//\s*@(?:title|Router|Summary)\s")


def is_declared(fn: Function) -> bool:
    """A function or method declared at package level (not a closure: those are `outer.func1`, `glob.func1`)."""
    return fn.parent < 0 and (bool(fn.owner) or fn.qualname == fn.name)


def go_package_name(import_path: str) -> str:
    """The package name an import path binds by default: its last segment, without a `/vN` or `.vN` suffix."""
    parts = [p for p in import_path.split("/") if p and not re.fullmatch(r"v\d+", p)]
    last = parts[-1] if parts else import_path
    return re.sub(r"\.v\d+$", "", last)


@dataclass(frozen=True, slots=True)
class _Router:
    """What a router expression stands for: its owner key, the path prefix and middleware applied so far."""

    key: str
    prefix: str
    guards: tuple[str, ...]
    known: bool
    framework: str
    typed: bool  # known to be a router (made by a constructor, typed as one, or derived from one)
    chain: tuple[int, ...] = ()  # where each group on the way was made (a group's middleware stays in the group)


@dataclass(slots=True)
class _Binding:
    kind: str  # "param" | "recv" | "expr" | "first" | "type" | "none"
    node: tree_sitter.Node | None
    pos: int
    index: int = 0  # parameter position


class _Reader:
    def __init__(self, path: str, role: str, src: Source) -> None:
        self.path = path
        self.role = role
        self.src = src
        self.data = src.data
        self.dir = path.rpartition("/")[0]
        self.pkg_ref = "@" + self.dir
        self.test_file = path.endswith("_test.go")
        self.idx = NodeIndex("go", src.tree, _NODE_TYPES)
        self.package = ""
        self.imports: list[Import] = []
        self.aliases: dict[str, str] = {}  # local name -> import path
        self.functions: list[Function] = []
        self.fn_nodes: list[tree_sitter.Node] = []
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.parents: list[int] = []
        self.classes: list[Class] = []
        self.calls: list[Call] = []
        self.assigns: list[Assign] = []
        self.settings: list[Setting] = []
        self.raises: list[Raise] = []
        self.exposures: list[Exposure] = []
        self.discards: list[Discard] = []
        self.routes: list[RouteDecl] = []
        self.mounts: list[Mount] = []
        self.tests: list[TestCase] = []
        self.type_uses: list[TypeUse] = []
        self.markers: set[str] = set()
        self.env: list[dict[str, list[_Binding]] | None] = []
        self.memo: dict[int, str] = {}
        self.busy: set[int] = set()
        self.constants: dict[str, str] = {}  # file-level string constants, for route paths
        self.router_memo: dict[tuple[int, int], _Router | None] = {}
        self.callbacks: dict[int, tuple[tree_sitter.Node, int]] = {}  # func literal start -> (Route/Group call, fn)
        self.uses: list[tuple[int, int, _Router, tuple[str, ...]]] = []  # (fn, byte, router, middleware)
        self.error_calls: list[tuple[int, int, str]] = []  # `err.Error()` calls: (start, end, text)
        self.responses: list[tuple[tree_sitter.Node, str, str, list[tree_sitter.Node]]] = []
        self.returns: dict[int, list[tree_sitter.Node]] = {}
        self.suite = False

    # -- small helpers ----------------------------------------------------------------------------------------
    def text(self, node: tree_sitter.Node | None, cap: int = TEXT_CAP) -> str:
        """The source text of a node, capped at `cap` characters."""
        if node is None:
            return ""
        start, end = node.start_byte, node.end_byte
        if end - start > cap:
            return self.data[start : min(end, start + cap * 4)].decode("utf-8", "replace")[:cap]
        return self.data[start:end].decode("utf-8", "replace")

    def full(self, node: tree_sitter.Node | None) -> str:
        return self.data[node.start_byte : node.end_byte].decode("utf-8", "replace") if node is not None else ""

    def fn_of(self, pos: int) -> int:
        """The innermost function whose span holds byte `pos` (-1: package level)."""
        i = bisect.bisect_right(self.starts, pos) - 1
        while i >= 0 and self.ends[i] < pos:
            i = self.parents[i]
        return i

    def fn_key(self, fn: int) -> str:
        if fn < 0:
            return f"go:{self.dir}#"
        return f"go:{self.dir}#{self.functions[fn].qualname}"

    def within(self, fn: int, ancestor: int) -> bool:
        """Whether function `fn` is `ancestor` or lies inside it."""
        seen = 0
        while fn >= 0 and seen <= len(self.functions):
            if fn == ancestor:
                return True
            fn = self.parents[fn]
            seen += 1
        return ancestor < 0

    def string(self, node: tree_sitter.Node | None) -> str | None:
        """The value of a string literal (or a same-file string constant), else None."""
        if node is None:
            return None
        if node.type == "literal_element" and node.named_child_count:
            node = node.named_children[0]
        if node.type in _STRINGS:
            return _unquote(self.full(node)) if node.end_byte - node.start_byte <= _MAX_PATH else None
        if node.type == "identifier":
            return self.constants.get(self.full(node))
        if node.type == "parenthesized_expression" and node.named_child_count:
            return self.string(node.named_children[0])
        if node.type == "binary_expression":
            op = node.child_by_field_name("operator")
            if op is not None and op.type == "+":
                left, right = self.string(node.child_by_field_name("left")), self.string(node.child_by_field_name("right"))
                if left is not None and right is not None:
                    return left + right
        return None

    # -- the walk ---------------------------------------------------------------------------------------------
    def read(self) -> None:
        idx = self.idx
        for clause in idx["package_clause"]:
            name = next((c for c in clause.named_children if c.type == "package_identifier"), None)
            if name is not None:
                self.package = self.full(name)
        if self.package:
            self.markers.add(f"package:{self.package}")
        self._imports()
        self.suite = any(i.module.startswith("github.com/stretchr/testify/suite") for i in self.imports)
        self._functions()
        self._constants()
        self._bindings()
        self._types()
        self._complexity()
        self._calls()
        self._assigns()
        self._discards()
        self._exposures()
        self._comments()
        self._tests()

    def _imports(self) -> None:
        for spec in self.idx["import_spec"]:
            path_node = spec.child_by_field_name("path")
            if path_node is None or self.src.broken(spec):
                continue
            module = _unquote(self.full(path_node))
            alias_node = spec.child_by_field_name("name")
            alias = self.full(alias_node) if alias_node is not None else ""
            line = self.src.line(spec)
            if alias == "_":
                self.imports.append(Import(module, "", "", line))
            elif alias == ".":
                self.imports.append(Import(module, "*", "", line))
            else:
                local = alias or go_package_name(module)
                self.imports.append(Import(module, "", local, line))
                self.aliases[local] = module

    # -- functions --------------------------------------------------------------------------------------------
    def _functions(self) -> None:
        nodes = self.idx.of("function_declaration", "method_declaration", "func_literal")
        stack: list[int] = []
        closures: dict[int, int] = {}
        for node in nodes:
            start, end = node.start_byte, node.end_byte
            while stack and self.ends[stack[-1]] <= start:
                stack.pop()
            parent = stack[-1] if stack else -1
            index = len(self.functions)
            self.functions.append(self._function(node, parent, closures))
            self.fn_nodes.append(node)
            self.starts.append(start)
            self.ends.append(end)
            self.parents.append(parent)
            self.env.append(None)
            stack.append(index)

    def _function(self, node: tree_sitter.Node, parent: int, closures: dict[int, int]) -> Function:
        kind = node.type
        params: list[Param] = []
        owner = ""
        if kind == "method_declaration":
            receiver = node.child_by_field_name("receiver")
            for decl in receiver.named_children if receiver is not None else ():
                if decl.type != "parameter_declaration":
                    continue
                type_node = decl.child_by_field_name("type")
                owner = _base_type_name(self, type_node)
                names = decl.children_by_field_name("name")
                params.append((self.full(names[0]) if names else "", self.text(type_node) or None, None, "self"))
        if kind == "func_literal":
            n = closures.get(parent, 0) + 1
            closures[parent] = n
            name = f"func{n}"
            qualname = f"{self.functions[parent].qualname}.{name}" if parent >= 0 else f"glob.{name}"  # Go's own names
            visibility = "private"
        else:
            name_node = node.child_by_field_name("name")
            name = self.full(name_node) if name_node is not None else ""
            qualname = f"{owner}.{name}" if owner else name
            visibility = "public" if name[:1].isupper() else "private"
        plist = node.child_by_field_name("parameters")
        for decl in plist.named_children if plist is not None else ():
            if decl.type not in ("parameter_declaration", "variadic_parameter_declaration"):
                continue
            type_node = decl.child_by_field_name("type")
            type_text = self.text(type_node) or None
            if decl.type == "variadic_parameter_declaration" and type_text:
                type_text = "..." + type_text
            names = decl.children_by_field_name("name")
            pkind = "vararg" if decl.type == "variadic_parameter_declaration" else "positional"
            for label in [self.full(n) for n in names] or [""]:
                params.append((label, type_text, None, pkind))
        result = node.child_by_field_name("result")
        returns = self.text(result) if result is not None else None
        is_test = False
        if self.test_file and kind == "function_declaration":
            is_test = bool(_TEST_CASE.match(name)) and any(
                p[1] in ("*testing.T", "*testing.F") for p in params)
        elif self.test_file and kind == "method_declaration" and self.suite:
            is_test = bool(_TEST_CASE.match(name))
        return Function(name, qualname, self.src.line(node), self.src.end_line(node), False, tuple(params), returns,
                        (), owner, parent, visibility, is_test, 1, 0)

    def _complexity(self) -> None:
        if not self.functions:
            return
        counts = [1] * len(self.functions)
        statements = [0] * len(self.functions)
        for node_type in _DECISIONS:
            for node in self.idx[node_type]:
                fn = self.fn_of(node.start_byte)
                if fn >= 0:
                    counts[fn] += 1
        for node in self.idx["binary_expression"]:
            op = node.child_by_field_name("operator")
            if op is not None and op.type in ("&&", "||"):
                fn = self.fn_of(node.start_byte)
                if fn >= 0:
                    counts[fn] += 1
        for block in self.idx["statement_list"]:  # the statements of every block (comments taken out below)
            fn = self.fn_of(block.start_byte)
            if fn >= 0:
                statements[fn] += block.named_child_count
        for comment in self.idx["comment"]:
            parent = comment.parent
            if parent is not None and parent.type == "statement_list":
                fn = self.fn_of(comment.start_byte)
                if fn >= 0:
                    statements[fn] -= 1
        self.functions = [f._replace(complexity=counts[i], statements=statements[i])
                          for i, f in enumerate(self.functions)]

    # -- constants and bindings -------------------------------------------------------------------------------
    def _constants(self) -> None:
        for spec in self.idx.of("const_spec", "var_spec"):
            if self.fn_of(spec.start_byte) >= 0:
                continue
            names = spec.children_by_field_name("name")
            value = spec.child_by_field_name("value")
            values = value.named_children if value is not None else []
            if len(names) == len(values):
                for name, v in zip(names, values, strict=True):
                    text = self.string(v)
                    if text is not None:
                        self.constants.setdefault(self.full(name), text)

    def _bind(self, fn: int, name: str, binding: _Binding) -> None:
        if not name or name == "_":
            return
        env = self.env[fn]
        if env is None:
            env = self.env[fn] = {}
        env.setdefault(name, []).append(binding)

    def _bindings(self) -> None:
        """Every name a function binds: receiver, parameters, `var`, `:=`, range and type-switch variables."""
        for fn, node in enumerate(self.fn_nodes):
            if node.type == "method_declaration":
                receiver = node.child_by_field_name("receiver")
                for decl in receiver.named_children if receiver is not None else ():
                    for name in decl.children_by_field_name("name"):
                        self._bind(fn, self.full(name), _Binding("recv", decl.child_by_field_name("type"), node.start_byte))
            plist = node.child_by_field_name("parameters")
            i = 0
            for decl in plist.named_children if plist is not None else ():
                if decl.type not in ("parameter_declaration", "variadic_parameter_declaration"):
                    continue
                type_node = decl.child_by_field_name("type") if decl.type == "parameter_declaration" else None
                names = decl.children_by_field_name("name")
                for name in names:
                    self._bind(fn, self.full(name), _Binding("param", type_node, node.start_byte, i))
                    i += 1
                if not names:
                    i += 1
            result = node.child_by_field_name("result")
            if result is not None and result.type == "parameter_list":  # named results
                for decl in result.named_children:
                    type_node = decl.child_by_field_name("type")
                    for name in decl.children_by_field_name("name"):
                        self._bind(fn, self.full(name), _Binding("type", type_node, node.start_byte))
        for spec in self.idx["var_spec"]:
            fn = self.fn_of(spec.start_byte)
            if fn < 0:
                continue
            names = spec.children_by_field_name("name")
            type_node = spec.child_by_field_name("type")
            value = spec.child_by_field_name("value")
            values = value.named_children if value is not None else []
            for i, name in enumerate(names):
                binding = (_Binding("type", type_node, spec.start_byte) if type_node is not None
                           else _assigned(i, len(names), values, spec.start_byte))
                self._bind(fn, self.full(name), binding)
        for decl in self.idx["short_var_declaration"]:
            fn = self.fn_of(decl.start_byte)
            left, right = decl.child_by_field_name("left"), decl.child_by_field_name("right")
            if fn < 0 or left is None or right is None:
                continue
            targets, values = left.named_children, right.named_children
            for i, target in enumerate(targets):
                self._bind(fn, self.full(target), _assigned(i, len(targets), values, decl.start_byte))
        for clause in self.idx["range_clause"]:
            fn = self.fn_of(clause.start_byte)
            left = clause.child_by_field_name("left")
            for target in left.named_children if fn >= 0 and left is not None else ():
                self._bind(fn, self.full(target), _Binding("none", None, clause.start_byte))
        for switch in self.idx["type_switch_statement"]:
            fn = self.fn_of(switch.start_byte)
            alias = switch.child_by_field_name("alias")
            for target in alias.named_children if fn >= 0 and alias is not None else ():
                self._bind(fn, self.full(target), _Binding("none", None, switch.start_byte))

    def lookup(self, name: str, fn: int, pos: int | None = None) -> tuple[int, list[_Binding]] | None:
        """(function, bindings) of the innermost function around `fn` that binds `name` (before byte `pos`, when
        given), None if none does."""
        seen = 0
        while fn >= 0 and seen <= len(self.functions):
            env = self.env[fn]
            if env is not None and name in env:
                bindings = env[name] if pos is None else [b for b in env[name] if b.pos <= pos]
                if bindings:
                    return fn, bindings
            fn = self.parents[fn]
            seen += 1
        return None

    def is_import(self, node: tree_sitter.Node, fn: int) -> str | None:
        """The import path an identifier names when it is an imported package (not shadowed by a local)."""
        if node.type != "identifier":
            return None
        name = self.full(node)
        if name not in self.aliases or self.lookup(name, fn, node.start_byte) is not None:
            return None
        return self.aliases[name]

    # -- symbolic types ---------------------------------------------------------------------------------------
    def tsym(self, node: tree_sitter.Node | None) -> str:
        """The symbolic type of a type expression ("" for builtins, slices, maps, funcs, ...)."""
        node = _core_type(node)
        if node is None:
            return ""
        if node.type == "type_identifier":
            name = self.full(node)
            return "" if name in _BUILTIN_TYPES else f"T:{self.pkg_ref}#{name}"
        if node.type == "qualified_type":
            pkg, type_name = node.child_by_field_name("package"), node.child_by_field_name("name")
            module = self.aliases.get(self.full(pkg)) if pkg is not None else None
            return f"T:{module}#{self.full(type_name)}" if module and type_name is not None else ""
        return ""

    def binding_sym(self, binding: _Binding, fn: int, depth: int) -> str:
        if binding.kind in ("param", "recv", "type"):
            return self.tsym(binding.node)
        if binding.kind in ("expr", "first") and binding.node is not None:
            key = binding.node.start_byte
            if key in self.memo:
                return self.memo[key]
            if key in self.busy:
                return ""  # a binding that refers to itself
            self.busy.add(key)
            try:
                value = self.sym(binding.node, fn, depth + 1)
            finally:
                self.busy.discard(key)
            self.memo[key] = value
            return value
        return ""

    def sym_name(self, name: str, fn: int, depth: int, pos: int | None = None) -> str:
        found = self.lookup(name, fn, pos)
        if found is not None:
            where, bindings = found
            types = {self.binding_sym(b, where, depth) for b in bindings}
            return next(iter(types)) if len(types) == 1 else ""
        if name in self.aliases or name in _BUILTIN_VALUES:
            return ""
        return f"V:{self.pkg_ref}#{name}"

    def sym(self, node: tree_sitter.Node | None, fn: int, depth: int = 0) -> str:
        """The symbolic type of an expression, as far as this file can tell ("" unknown)."""
        for _ in range(_MAX_DEPTH):
            if node is None or depth > _MAX_DEPTH:
                return ""
            t = node.type
            if t == "unary_expression" and self.src.data[node.start_byte:node.start_byte + 1] == b"&":
                node = node.child_by_field_name("operand")
            elif t == "parenthesized_expression":
                node = node.named_children[0] if node.named_children else None
            else:
                break
        if node is None:
            return ""
        t = node.type
        if t == "composite_literal":
            return self.tsym(node.child_by_field_name("type"))
        if t == "identifier":
            return self.sym_name(self.full(node), fn, depth, node.start_byte)
        if t == "type_assertion_expression":
            return self.tsym(node.child_by_field_name("type"))
        if t == "selector_expression":
            operand, fld = node.child_by_field_name("operand"), node.child_by_field_name("field")
            if operand is None or fld is None:
                return ""
            module = self.is_import(operand, fn)
            if module is not None:
                return f"V:{module}#{self.full(fld)}"
            base = self.sym(operand, fn, depth + 1)
            return f"{base} .{self.full(fld)}" if base else ""
        if t == "call_expression":
            func = node.child_by_field_name("function")
            if func is None:
                return ""
            if func.type == "identifier":
                name = self.full(func)
                if name == "new":
                    args = node.child_by_field_name("arguments")
                    return self.tsym(args.named_children[0]) if args is not None and args.named_children else ""
                if self.lookup(name, fn) is not None or name in ("make", "len", "cap", "append", "recover"):
                    return ""
                return f"F:{self.pkg_ref}#{name}"
            if func.type == "selector_expression":
                operand, fld = func.child_by_field_name("operand"), func.child_by_field_name("field")
                if operand is None or fld is None:
                    return ""
                module = self.is_import(operand, fn)
                if module is not None:
                    return f"F:{module}#{self.full(fld)}"
                base = self.sym(operand, fn, depth + 1)
                return f"{base} .{self.full(fld)}()" if base else ""
            if func.type in ("parenthesized_type", "qualified_type", "type_identifier", "pointer_type"):
                return self.tsym(func)  # a conversion
        return ""

    # -- types ------------------------------------------------------------------------------------------------
    def _types(self) -> None:
        methods: dict[str, int] = {}
        for f in self.functions:
            if f.owner:
                methods[f.owner] = methods.get(f.owner, 0) + 1
        for spec in self.idx.of("type_spec", "type_alias"):
            name_node, body = spec.child_by_field_name("name"), spec.child_by_field_name("type")
            if name_node is None or body is None or self.src.broken(spec):
                continue
            name = self.full(name_node)
            fn = self.fn_of(spec.start_byte)
            line, end = self.src.line(spec), self.src.end_line(spec)
            if spec.type == "type_alias":
                self.classes.append(Class(name, "type", (self.text(body),), ("alias",), line, end, (), 0, fn))
                continue
            bases: list[str] = []
            fields: list[tuple[str, str]] = []
            if body.type == "struct_type":
                kind = "struct"
                flist = next((c for c in body.named_children if c.type == "field_declaration_list"), None)
                for decl in flist.named_children if flist is not None else ():
                    if decl.type != "field_declaration":
                        continue
                    type_node = decl.child_by_field_name("type")
                    type_text = self.text(type_node)
                    names = decl.children_by_field_name("name")
                    if not names:
                        bases.append(type_text.lstrip("*"))
                        self._field_any(type_node, name, type_text.lstrip("*"), fn)
                    for field_name in names:
                        fields.append((self.full(field_name), type_text))
                        self._field_any(type_node, name, self.full(field_name), fn)
                count = methods.get(name, 0)
            elif body.type == "interface_type":
                kind = "interface"
                count = 0
                for elem in body.named_children:
                    elem_name = elem.child_by_field_name("name")
                    if elem.type in ("method_elem", "method_spec") and elem_name is not None:
                        params = elem.child_by_field_name("parameters")
                        result = elem.child_by_field_name("result")
                        signature = "func" + self.text(params) + (" " + self.text(result) if result is not None else "")
                        fields.append((self.full(elem_name), signature))
                        count += 1
                    elif elem.type in ("type_elem", "constraint_elem"):
                        bases.extend(self.text(sub) for sub in elem.named_children)
            else:
                kind, count = "type", methods.get(name, 0)
            self.classes.append(Class(name, kind, tuple(bases), (), line, end, tuple(fields), count, fn))

    def _field_any(self, type_node: tree_sitter.Node | None, owner: str, field: str, fn: int) -> None:
        if type_node is None:
            return
        for text in self._empty_interfaces(type_node):
            self.type_uses.append(TypeUse("interface{}", text, self.src.line(type_node), f"field `{field}` of `{owner}`",
                                          fn, field[:1].isupper() and owner[:1].isupper()))

    def _empty_interfaces(self, node: tree_sitter.Node) -> list[str]:
        """`interface{}` and `any` written anywhere in a type expression (bounded walk)."""
        out: list[str] = []
        stack = [node]
        budget = 200
        while stack and budget > 0:
            budget -= 1
            current = stack.pop()
            t = current.type
            if t == "interface_type":
                if current.named_child_count == 0:
                    out.append("interface{}")
                continue
            if t == "type_identifier":
                if self.full(current) == "any":
                    out.append("any")
                continue
            stack.extend(current.named_children)
        return out

    def _signature_any(self) -> None:
        data = self.src.data
        if b"interface" not in data and b"any" not in data:
            return
        for fn, node in enumerate(self.fn_nodes):
            f = self.functions[fn]
            if node.type == "func_literal" or self.src.broken(node):
                continue
            public = f.visibility == "public"
            plist = node.child_by_field_name("parameters")
            for decl in plist.named_children if plist is not None else ():
                type_node = decl.child_by_field_name("type")
                if type_node is None:
                    continue
                names = decl.children_by_field_name("name")
                label = self.full(names[0]) if names else "_"
                variadic = "..." if decl.type == "variadic_parameter_declaration" and type_node.type != "slice_type" else ""
                for text in self._empty_interfaces(type_node):
                    self.type_uses.append(TypeUse("interface{}", variadic + text, self.src.line(decl),
                                                  f"parameter `{label}` of `{f.name}`", fn, public))
            result = node.child_by_field_name("result")
            if result is not None:
                for text in self._empty_interfaces(result):
                    self.type_uses.append(TypeUse("interface{}", text, self.src.line(result), f"return of `{f.name}`",
                                                  fn, public))

    # -- values -----------------------------------------------------------------------------------------------
    def names(self, node: tree_sitter.Node) -> tuple[str, ...]:
        """Identifiers an expression reads (bounded), imported package names left out."""
        if node.type == "identifier":
            name = self.full(node)
            return () if name in self.aliases else (name,)
        out: list[str] = []
        stack = [node]
        budget = 120
        while stack and budget > 0:
            budget -= 1
            current = stack.pop()
            t = current.type
            if t == "identifier":
                out.append(self.full(current))
            elif t not in _STRINGS and t != "func_literal":
                stack.extend(reversed(current.named_children))
        return tuple(dict.fromkeys(n for n in out if n not in _BUILTIN_VALUES and n not in self.aliases))

    def value(self, node: tree_sitter.Node, keyword: str = "") -> Value:
        while node.type in ("parenthesized_expression", "literal_element") and node.named_child_count == 1:
            node = node.named_children[0]
        t = node.type
        text = self.text(node)
        if t == "identifier":
            return ("name", text, (text,), keyword, None)
        if t == "selector_expression":
            head = text.split(".", 1)[0]
            names = (() if head in self.aliases else (head,)) if head.isidentifier() else self.names(node)
            return ("attr", text, names, keyword, None)
        if t in _STRINGS:
            return ("str", text, (), keyword, _unquote(self.full(node) if node.end_byte - node.start_byte < TEXT_CAP * 20
                                                      else text)[: TEXT_CAP * 5])
        if t in ("int_literal", "float_literal", "imaginary_literal"):
            return ("num", text, (), keyword, None)
        if t in ("true", "false"):
            return ("bool", text, (), keyword, None)
        if t == "nil":
            return ("none", text, (), keyword, None)
        if t == "func_literal":
            return ("function", text, (), keyword, None)
        if t == "composite_literal":
            type_node = node.child_by_field_name("type")
            typed = type_node is not None and type_node.type in ("type_identifier", "qualified_type", "generic_type")
            return ("call" if typed else "collection", text, self.names(node), keyword, None)
        if t == "unary_expression" and text.startswith("&"):
            operand = node.child_by_field_name("operand")
            if operand is not None:
                inner = self.value(operand, keyword)
                return (inner[0], text, inner[2], keyword, None)
        if t == "call_expression":
            func = node.child_by_field_name("function")
            callee = self.full(func) if func is not None and func.end_byte - func.start_byte < 20 else ""
            if callee in _FORMAT_FUNCS or callee in _JOIN_FUNCS:
                args = node.child_by_field_name("arguments")
                argv = args.named_children if args is not None else []
                names = tuple(n for a in argv[1 if callee in _FORMAT_FUNCS else 0:] for n in self.names(a))
                kind = "interpolated" if callee in _FORMAT_FUNCS else "concat"
                if not names and all(a.type in _STRINGS for a in argv[:1]):
                    kind = "str"
                template = self._format_template(argv) if callee == "fmt.Sprintf" else None
                return (kind, text, names, keyword, template)
            return ("call", text, (), keyword, None)
        if t == "binary_expression":
            op = node.child_by_field_name("operator")
            if op is not None and op.type == "+" and self._stringish(node):
                names = self.names(node)
                return ("concat" if names else "str", text, names, keyword, self._concat_template(node))
            return ("other", text, self.names(node), keyword, None)
        return ("other", text, self.names(node) if t not in ("rune_literal",) else (), keyword, None)

    def _hole(self, node: tree_sitter.Node) -> str:
        return HOLE + " ".join(self.text(node, 100).replace(HOLE, "").split()) + HOLE

    def _format_template(self, argv: list[tree_sitter.Node]) -> str | None:
        """`fmt.Sprintf("... %s ...", x)` as a template with holes (analysis.python.HOLE): "... \x00x\x00 ..."."""
        if not argv or argv[0].type not in _STRINGS:
            return None
        pieces = _VERB.split(_unquote(self.text(argv[0], TEXT_CAP * 5)).replace(HOLE, ""))
        out = [pieces[0]]
        for i, piece in enumerate(pieces[1:], start=1):
            out.append(self._hole(argv[i]) if i < len(argv) else HOLE + "?" + HOLE)
            out.append(piece)
        return "".join(out).replace("%%", "%")[: TEXT_CAP * 5]

    def _concat_template(self, node: tree_sitter.Node) -> str | None:
        """`"SELECT " + name + " FROM t"` as a template with holes."""
        parts: list[str] = []
        stack = [node]
        budget = 64
        while stack and budget > 0:
            budget -= 1
            current = stack.pop()
            op = current.child_by_field_name("operator") if current.type == "binary_expression" else None
            if op is not None and op.type == "+":
                right, left = current.child_by_field_name("right"), current.child_by_field_name("left")
                stack.extend(n for n in (right, left) if n is not None)
            elif current.type in _STRINGS:
                parts.append(_unquote(self.text(current, TEXT_CAP * 5)).replace(HOLE, ""))
            else:
                parts.append(self._hole(current))
        return None if stack else "".join(parts)[: TEXT_CAP * 5]

    def _stringish(self, node: tree_sitter.Node) -> bool:
        stack = [node]
        budget = 64
        while stack and budget > 0:
            budget -= 1
            current = stack.pop()
            if current.type in _STRINGS:
                return True
            if current.type == "binary_expression":
                stack.extend(current.named_children)
        return False

    # -- calls ------------------------------------------------------------------------------------------------
    def _loops(self) -> dict[int, list[tuple[int, int]]]:
        loops: dict[int, list[tuple[int, int]]] = {}
        for node in self.idx["for_statement"]:
            body = node.child_by_field_name("body")
            if body is not None:
                loops.setdefault(self.fn_of(node.start_byte), []).append((body.start_byte, body.end_byte))
        return loops

    def _calls(self) -> None:
        loops = self._loops()
        base = CALL_IN_TEST if self.test_file else 0
        route_calls: list[tuple[tree_sitter.Node, int]] = []
        handoffs: list[tuple[tree_sitter.Node, int]] = []
        stmt_uses: list[tuple[tree_sitter.Node, int]] = []
        routerish = any(p[1] and p[1].lstrip("*").rsplit(".", 1)[-1] in _ROUTER_TYPE_NAMES
                        for f in self.functions for p in f.params)
        may_break = self.src.tree.root_node.has_error
        closures = [n.type == "func_literal" for n in self.fn_nodes]
        value = self.value
        for node in self.idx["call_expression"]:
            func = node.child_by_field_name("function")
            if func is None:
                continue
            args_node = node.child_by_field_name("arguments")
            start = node.start_byte
            fn = self.fn_of(start)
            flags = base
            parent_type = node.parent.type if node.parent is not None else ""
            if parent_type == "expression_statement":
                flags |= CALL_STATEMENT
            elif parent_type in ("defer_statement", "go_statement"):
                flags |= CALL_DEFERRED
            if fn >= 0 and closures[fn]:
                flags |= CALL_IN_LAMBDA
            for low, high in loops.get(fn, ()):
                if low <= start < high:
                    flags |= CALL_IN_LOOP
                    break
            broken = may_break and self.src.broken(node)
            if broken:
                flags |= CALL_BROKEN
            func_type = func.type
            operand = None
            if func_type == "selector_expression":
                operand, fld = func.child_by_field_name("operand"), func.child_by_field_name("field")
                name = self.full(fld) if fld is not None else ""
                receiver = self.text(operand) if operand is not None else ""
                module = self.is_import(operand, fn) if operand is not None and receiver in self.aliases else None
                qualified = f"{module}.{name}" if module is not None else ""
                callee = f"{receiver}.{name}" if len(receiver) + len(name) < TEXT_CAP else self.text(func)
            elif func_type == "identifier":
                name = callee = self.full(func)
                receiver = qualified = ""
            else:
                name = receiver = qualified = ""
                callee = self.text(func)
            argv = [a for a in args_node.named_children if a.type != "comment"] if args_node is not None else []
            if name in ("new", "make"):
                args = tuple(value(a) for a in argv if a.type != "type_identifier")
            else:
                args = tuple(value(a) for a in argv)
            self.calls.append(Call(name, callee, qualified, args, node.start_point[0] + 1, node.end_point[0] + 1, fn, -1,
                                   flags, receiver))
            if name == "panic" and func.type == "identifier" and argv:
                self.raises.append(Raise(self.text(argv[0]), self.src.line(node), self.src.end_line(node), fn, -1, 0))
            if broken:
                continue
            if func.type == "selector_expression":
                if name in _VERBS or name in _GROUPS or name in ("Mount", "Handler"):
                    route_calls.append((node, fn))
                    routerish = True
                    if name == "Use" and flags & CALL_STATEMENT:
                        stmt_uses.append((node, fn))
                elif argv:
                    handoffs.append((node, fn))  # may hand a router to another function
                if name == "Error" and operand is not None and operand.type == "identifier" and _is_err(receiver):
                    self.error_calls.append((node.start_byte, node.end_byte, f"{receiver}.Error()"))
                elif (name in _RESPONSE_METHODS or name == "Write" or (receiver == "http" and name == "Error")
                      or (receiver == "fmt" and name.startswith("Fprint"))) and argv:
                    self.responses.append((node, receiver, name, argv))
            elif func.type == "identifier" and argv:
                handoffs.append((node, fn))
        for lit in self.idx["composite_literal"]:
            self._literal(lit, base)
        self.error_calls.sort()
        self._routes(route_calls, handoffs if routerish else [], stmt_uses)

    def _literal(self, lit: tree_sitter.Node, flags: int) -> None:
        """A typed composite literal is Go's constructor call: a `Call` with CALL_NEW, its keyed elements as
        keyword arguments, and a `Setting` for each element with a literal value."""
        type_node = lit.child_by_field_name("type")
        body = lit.child_by_field_name("body")
        if type_node is None or body is None or type_node.type not in ("type_identifier", "qualified_type", "generic_type"):
            return
        fn = self.fn_of(lit.start_byte)
        type_text = self.text(type_node)
        args: list[Value] = []
        for elem in body.named_children:
            if elem.type == "keyed_element":
                key_node = elem.child_by_field_name("key") or (elem.named_children[0] if elem.named_children else None)
                value_node = elem.child_by_field_name("value") or (elem.named_children[-1] if elem.named_children else None)
                if key_node is None or value_node is None:
                    continue
                key = self._key(key_node)
                value = self.value(value_node, key)
                args.append(value)
                if key and _literal_value(value_node):
                    self.settings.append(Setting(key, self.text(value_node), self.src.line(elem), type_text, fn))
            elif elem.type == "literal_element" and elem.named_child_count:
                args.append(self.value(elem.named_children[0]))
        name = type_text.rsplit(".", 1)[-1].split("[", 1)[0]
        if self.src.broken(lit):
            flags |= CALL_BROKEN
        pkg = type_node.child_by_field_name("package") if type_node.type == "qualified_type" else None
        module = self.aliases.get(self.full(pkg)) if pkg is not None else None
        self.calls.append(Call(name, type_text, f"{module}.{name}" if module else "", tuple(args), self.src.line(lit),
                               self.src.end_line(lit), fn, -1, flags | CALL_NEW, ""))

    def _key(self, node: tree_sitter.Node) -> str:
        if node.type == "literal_element" and node.named_child_count:
            node = node.named_children[0]
        if node.type in _STRINGS:
            return _unquote(self.text(node, TEXT_CAP * 2))[:TEXT_CAP]
        return self.full(node) if node.end_byte - node.start_byte < 100 else ""

    # -- assignments ------------------------------------------------------------------------------------------
    def _assigns(self) -> None:
        for node in self.idx.of("short_var_declaration", "assignment_statement"):
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is None or right is None:
                continue
            fn = self.fn_of(node.start_byte)
            op_node = node.child_by_field_name("operator")
            op = ":=" if node.type == "short_var_declaration" else (op_node.type if op_node is not None else "=")
            targets = tuple(self.text(t, 120) for t in left.named_children)
            values = right.named_children
            line = self.src.line(node)
            if len(values) == len(targets) and len(values) > 1:
                for target, v in zip(targets, values, strict=True):
                    self.assigns.append(Assign((target,), self.value(v), line, fn, "", None, op))
            elif values:
                self.assigns.append(Assign(targets, self.value(values[0]), line, fn, "", None, op))
        for spec in self.idx.of("var_spec", "const_spec"):
            names = tuple(self.full(n) for n in spec.children_by_field_name("name"))
            if not names:
                continue
            fn = self.fn_of(spec.start_byte)
            type_node = spec.child_by_field_name("type")
            value = spec.child_by_field_name("value")
            values = value.named_children if value is not None else []
            op = "var" if spec.type == "var_spec" else "const"
            annotation = self.text(type_node) if type_node is not None else None
            line = self.src.line(spec)
            pairs: list[tuple[tuple[str, ...], tree_sitter.Node]]
            if len(values) == len(names) and len(values) > 1:
                pairs = [((n,), v) for n, v in zip(names, values, strict=True)]
            elif values:
                pairs = [(names, values[0])]
            else:
                self.assigns.append(Assign(names, ("none", "", (), "", None), line, fn, "", annotation, op))
                continue
            for targets, v in pairs:
                self.assigns.append(Assign(targets, self.value(v), line, fn, "", annotation, op))
                if fn < 0 and len(targets) == 1 and _literal_value(v):
                    self.settings.append(Setting(targets[0], self.text(v), line, "", fn))

    # -- discarded results --------------------------------------------------------------------------------------
    def _discards(self) -> None:
        if self.role == "test" or self.test_file:
            return
        comment_rows = {c.start_point[0] for c in self.idx["comment"]}
        for stmt in self.idx["expression_statement"]:
            call = stmt.named_children[0] if stmt.named_children else None
            if call is not None and call.type == "call_expression" and not self.src.broken(stmt):
                self._discard(call, stmt, "statement", stmt.end_point[0] in comment_rows)
        for stmt in self.idx.of("assignment_statement", "short_var_declaration"):
            left, right = stmt.child_by_field_name("left"), stmt.child_by_field_name("right")
            if left is None or right is None or right.named_child_count != 1:
                continue
            targets = left.named_children
            call = right.named_children[0]
            if not targets or self.full(targets[-1]) != "_" or call.type != "call_expression" or self.src.broken(stmt):
                continue
            self._discard(call, stmt, "blank", stmt.end_point[0] in comment_rows)

    def _discard(self, call: tree_sitter.Node, stmt: tree_sitter.Node, how: str, commented: bool) -> None:
        func = call.child_by_field_name("function")
        if func is None:
            return
        fn = self.fn_of(stmt.start_byte)
        if func.type == "identifier":
            name = self.full(func)
            if self.lookup(name, fn) is not None:
                return  # a function value held in a variable: nothing the declarations can tell
            self.discards.append(Discard(name, "", name, self.src.line(stmt), self.src.end_line(stmt), fn, how, "", "",
                                         commented))
        elif func.type == "selector_expression":
            operand, fld = func.child_by_field_name("operand"), func.child_by_field_name("field")
            if operand is None or fld is None:
                return
            receiver = self.full(operand) if operand.end_byte - operand.start_byte <= 200 else self.text(operand)
            method = self.full(fld)
            module = self.is_import(operand, fn)
            receiver_type = "" if module is not None else self.sym(operand, fn)
            self.discards.append(Discard(self.text(func), receiver, method, self.src.line(stmt), self.src.end_line(stmt),
                                         fn, how, receiver_type, module or "", commented))

    # -- error details sent to clients ----------------------------------------------------------------------------
    def _detail(self, node: tree_sitter.Node, bare: bool, starts: list[int]) -> str | None:
        """What of a caught error an expression exposes: the error itself (`bare`) or its `.Error()` text."""
        if bare and node.type == "identifier" and _is_err(self.full(node)):
            return self.full(node)
        found = self.error_calls
        i = bisect.bisect_left(starts, node.start_byte)
        if i < len(found) and found[i][1] <= node.end_byte:
            return found[i][2]
        return None

    def _exposures(self) -> None:
        if self.role == "test" or self.test_file:
            return
        starts = [s for s, _, _ in self.error_calls]
        flagged: list[tuple[int, int]] = []
        for node, recv, method, argv in self.responses:
            detail, status = None, ""
            if recv == "http" and method == "Error" and len(argv) == 3:
                detail, status = self._detail(argv[1], True, starts), self.text(argv[2])
            elif method in _RESPONSE_METHODS and recv not in _NOT_RESPONSES:
                for a in argv[1:]:
                    detail = detail or self._detail(a, True, starts)
                status = self.text(argv[0])
            elif recv == "fmt" and method.startswith("Fprint") and self.text(argv[0], 8) == "w":
                for a in argv[1:]:
                    detail = detail or self._detail(a, True, starts)
            elif method == "Write" and len(argv) == 1 and recv in ("w", "rw", "writer"):
                detail = self._detail(argv[0], False, starts)
            if detail:
                flagged.append((node.start_byte, node.end_byte))
                flags = (EXPOSE_CLIENT_STATUS if is_client_error_status(status) else 0) | (
                    EXPOSE_BROKEN if self.src.broken(node) else 0)
                self.exposures.append(Exposure(detail, "", self.src.line(node), self.src.end_line(node),
                                               self.fn_of(node.start_byte), status, (), flags))
        if not self.error_calls:
            return
        for lit in self.idx["composite_literal"]:
            type_node = lit.child_by_field_name("type")
            body = lit.child_by_field_name("body")
            if type_node is None or body is None or self.text(type_node) not in _MAP_TYPES:
                continue
            if any(s <= lit.start_byte and lit.end_byte <= e for s, e in flagged):
                continue
            detail = self._detail(body, False, starts)
            if detail:
                flagged.append((lit.start_byte, lit.end_byte))
                self.exposures.append(Exposure(detail, "response body", self.src.line(lit), self.src.end_line(lit),
                                               self.fn_of(lit.start_byte), "", (),
                                               EXPOSE_BROKEN if self.src.broken(lit) else 0))
        self._helper_exposures(starts, flagged)

    def _helper_exposures(self, starts: list[int], flagged: list[tuple[int, int]]) -> None:
        """An error-response helper (`WriteError(w, status, err)`, `errorResponse(err)`) that writes an error
        parameter's message into the response writes it for every error that reaches it."""
        for fn, node in enumerate(self.fn_nodes):
            f = self.functions[fn]
            if node.type == "func_literal" or not GO_ERROR_HELPER.match(f.name):
                continue
            errors = {p[0] for p in f.params if p[1] == "error" and p[0]}
            if not errors:
                continue
            found = self.error_calls
            i = bisect.bisect_left(starts, node.start_byte)
            while i < len(found) and found[i][0] < node.end_byte:
                start, end, detail = found[i]
                i += 1
                if detail[: -len(".Error()")] not in errors or any(s <= start and end <= e for s, e in flagged):
                    continue
                if self.fn_of(start) != fn:
                    continue
                line = self.src.data.count(b"\n", 0, start) + 1
                flagged.append((start, end))
                self.exposures.append(Exposure(detail, f"error handler {f.name}", line, line, fn, "", (),
                                               EXPOSE_ERROR_MIDDLEWARE))
                break

    # -- comments, markers ------------------------------------------------------------------------------------
    def _comments(self) -> None:
        data = self.src.data
        for comment in self.idx["comment"]:
            line_start = data.rfind(b"\n", 0, comment.start_byte) + 1
            if data[line_start:comment.start_byte].strip():
                continue
            if _SWAG.match(self.text(comment, 60)):
                self.markers.add(f"swag:{self.src.line(comment)}")
                break
        http = next((alias for alias, module in self.aliases.items() if module == "net/http"), None)
        if http is not None and any(p[1] and f"{http}.ResponseWriter" in p[1] for f in self.functions for p in f.params):
            self.markers.add("framework:net/http")
        self._signature_any()

    # -- tests ------------------------------------------------------------------------------------------------
    def _tests(self) -> None:
        if not self.test_file:
            return
        suite = self.suite
        for f in self.functions:
            if not is_declared(f):
                continue
            params = {p[1] for p in f.params}
            if f.owner:
                if not suite:
                    continue
                if _TEST_CASE.match(f.name):
                    self.tests.append(TestCase(f.name, "test", "testify", f.line))
                elif f.name in _SUITE_HOOKS:
                    self.tests.append(TestCase(f.name, "fixture", "testify", f.line))
                continue
            if f.name == "TestMain" and "*testing.M" in params:
                self.tests.append(TestCase(f.name, "fixture", "go", f.line))
            elif f.is_test:
                self.tests.append(TestCase(f.name, "property" if f.name.startswith("Fuzz") else "test", "go", f.line))
            elif f.name.startswith("Benchmark") and "*testing.B" in params:
                self.tests.append(TestCase(f.name, "benchmark", "go", f.line))
            elif not f.name.startswith(("Test", "Fuzz", "Benchmark", "Example")):
                self.tests.append(TestCase(f.name, "setup", "go", f.line))  # newRouter(), setup(t): shared setup

    # -- routes -----------------------------------------------------------------------------------------------
    def _file_framework(self) -> str:
        names = {go_framework(m) for m in self.aliases.values()} - {"", "net/http"}
        if not names and "net/http" in self.aliases.values():
            return "net/http"
        return next(iter(names)) if len(names) == 1 else ""

    def router(self, node: tree_sitter.Node | None, fn: int, depth: int = 0) -> _Router | None:
        """What a router expression stands for, None when it is not one."""
        if node is None or depth > _MAX_DEPTH:
            return None
        key = (node.start_byte, node.end_byte)
        if key in self.router_memo:
            return self.router_memo[key]
        self.router_memo[key] = None  # a router defined through itself is none
        found = self._router(node, fn, depth)
        self.router_memo[key] = found
        return found

    def _router(self, node: tree_sitter.Node, fn: int, depth: int) -> _Router | None:
        t = node.type
        if t in ("parenthesized_expression",) or (t == "unary_expression" and self.text(node).startswith(("&", "*"))):
            inner = node.child_by_field_name("operand") if t == "unary_expression" else (
                node.named_children[0] if node.named_children else None)
            return self.router(inner, fn, depth + 1)
        if t == "identifier":
            return self._router_name(node, fn, depth)
        if t == "selector_expression":
            operand = node.child_by_field_name("operand")
            module = self.is_import(operand, fn) if operand is not None else None
            typed = module == "net/http" and self.full(node).endswith(".DefaultServeMux")
            return _Router(f"{self.fn_key(fn)}/{self.text(node, 80)}", "", (), True,
                           "net/http" if typed else "", typed)
        if t != "call_expression":
            return None
        func = node.child_by_field_name("function")
        if func is None or func.type != "selector_expression":
            return None
        operand, fld = func.child_by_field_name("operand"), func.child_by_field_name("field")
        if operand is None or fld is None:
            return None
        name = self.full(fld)
        module = self.is_import(operand, fn)
        if module is not None:
            framework = go_framework(module)
            if framework and name in GO_ROUTER_CONSTRUCTORS.get(go_package_name(module), ()):
                return _Router("", "", (), True, framework, True)
            return None
        args = self._args(node)
        if name == "Subrouter" or name in ("Host", "Schemes", "Headers", "Queries"):
            return self.router(operand, fn, depth + 1)
        if name not in ("Group", "Route", "With", "Use", "PathPrefix"):
            return None
        parent = self.router(operand, fn, depth + 1)
        if parent is None:
            return None
        path = ""
        known = parent.known
        rest = args
        chi_group = name == "Group" and parent.framework == "chi"  # chi `Group(fn)`: no path of its own
        if name in ("Group", "Route", "PathPrefix") and args and args[0].type != "func_literal" and not chi_group:
            value = self.string(args[0])
            if value is None:
                known = False
            else:
                path = value
            rest = args[1:]
        guards = parent.guards
        if chi_group:
            rest = []
        if name in ("Group", "With", "Use"):
            guards = guards + tuple(self.text(a, 120) for a in rest if a.type != "func_literal")
        prefix = _join(parent.prefix, path)
        return _Router(parent.key, prefix, guards, known, parent.framework, True, (*parent.chain, node.start_byte))

    def _router_name(self, node: tree_sitter.Node, fn: int, depth: int) -> _Router | None:
        name = self.full(node)
        found = self.lookup(name, fn)
        if found is None:
            module = self.aliases.get(name)
            if module is not None:
                typed = module == "net/http"
                return _Router(f"{self.fn_key(fn)}/{name}", "", (), True, "net/http" if typed else "", typed)
            if name in _BUILTIN_VALUES:
                return None
            return _Router(f"go:{self.dir}#{name}", "", (), True, "", False)  # a package-level router variable
        where, bindings = found
        before = [b for b in bindings if b.pos <= node.start_byte]
        binding = before[-1] if before else bindings[0]
        if binding.kind == "param":
            callback = self.callbacks.get(self.starts[where]) if self.fn_nodes[where].type == "func_literal" else None
            if callback is not None and binding.index == 0:
                call, outer = callback
                via = self.router(call, outer, depth + 1)
                if via is not None:
                    return via
            typed, framework = self._router_type(binding.node)
            return _Router(f"{self.fn_key(where)}@{binding.index}", "", (), True, framework, typed)
        own = f"{self.fn_key(where)}/{name}"
        if binding.kind == "type":
            typed, framework = self._router_type(binding.node)
            return _Router(own, "", (), True, framework, typed)
        if binding.kind in ("expr", "first") and binding.node is not None:
            value = self.router(binding.node, where, depth + 1)
            if value is not None:
                return value if value.key else _Router(own, value.prefix, value.guards, value.known, value.framework,
                                                       value.typed, value.chain)
        return _Router(own, "", (), True, "", False)

    def _router_type(self, type_node: tree_sitter.Node | None) -> tuple[bool, str]:
        sym = self.tsym(type_node)
        if not sym.startswith("T:"):
            return False, ""
        module, _, name = sym[2:].rpartition("#")
        framework = go_framework(module) if not module.startswith("@") else ""
        if f"{go_package_name(module)}.{name}" in GO_ROUTER_TYPES:
            return True, framework
        return False, framework

    def _args(self, node: tree_sitter.Node) -> list[tree_sitter.Node]:
        args = node.child_by_field_name("arguments")
        return [a for a in args.named_children if a.type != "comment"] if args is not None else []

    def _routes(self, calls: list[tuple[tree_sitter.Node, int]], handoffs: list[tuple[tree_sitter.Node, int]],
                stmt_uses: list[tuple[tree_sitter.Node, int]]) -> None:
        if not calls and not handoffs:
            return
        references: list[tuple[tree_sitter.Node, tree_sitter.Node, int]] = []
        for node, fn in calls:  # chi `r.Route("/x", func(r chi.Router) {...})`, `r.Group(func(r chi.Router) {...})`
            func = node.child_by_field_name("function")
            fld = func.child_by_field_name("field") if func is not None else None
            if fld is None or self.full(fld) not in ("Route", "Group"):
                continue
            args = self._args(node)
            literal = next((a for a in args if a.type == "func_literal"), None)
            if literal is not None:
                self.callbacks[literal.start_byte] = (node, fn)
            else:  # `r.Route("/users", users.Routes)`, chi `r.Group(admin.Routes)`: a function value
                reference = args[1] if self.full(fld) == "Route" and len(args) >= 2 else (
                    args[0] if len(args) == 1 else None)
                if reference is not None and reference.type in ("identifier", "selector_expression"):
                    references.append((node, reference, fn))
        for node, fn in stmt_uses:
            func = node.child_by_field_name("function")
            operand = func.child_by_field_name("operand") if func is not None else None
            target = self.router(operand, fn)
            if target is None:
                continue
            args = self._args(node)
            if args and self.string(args[0]) is not None:  # fiber `app.Use("/api", mw)`
                target = _Router(target.key, _join(target.prefix, self.string(args[0]) or ""), target.guards,
                                 target.known, target.framework, target.typed, target.chain)
                args = args[1:]
            self.uses.append((fn, node.start_byte, target, tuple(self.text(a, 120) for a in args)))
        default = self._file_framework()
        for node, fn in calls:
            func = node.child_by_field_name("function")
            fld = func.child_by_field_name("field") if func is not None else None
            name = self.full(fld) if fld is not None else ""
            if func is None or fld is None:
                continue
            if name in _VERBS:
                self._route(node, func, name, fn, default)
            elif name in ("Mount", "Handler"):
                self._mount(node, func, name, fn)
        for node, fn in handoffs:
            func = node.child_by_field_name("function")
            if func is not None:
                self._handoff(node, func, fn)
        for node, reference, fn in references:
            via = self.router(node, fn)
            child = self._reference_key(reference, fn)
            if via is not None and via.key and child is not None and via.framework in ("chi", "fiber", ""):
                self.mounts.append(Mount(via.key, f"{child}@0", via.prefix, self.src.line(node),
                                         (*via.guards, *self._active(fn, node.start_byte, via)), via.known))
        for stmt in self.idx["return_statement"]:
            fn = self.fn_of(stmt.start_byte)
            if fn >= 0 and self.fn_nodes[fn].type != "func_literal":
                self.returns.setdefault(fn, []).append(stmt)
        for fn, stmts in self.returns.items():
            self._returned(fn, stmts)

    def _active(self, fn: int, pos: int, router: _Router) -> tuple[str, ...]:
        """Middleware `X.Use(...)`d on the router (or a router it derives from) earlier in this function or one
        around it."""
        out: list[str] = []
        for where, at, target, middleware in self.uses:
            if at < pos and target.key == router.key and router.chain[: len(target.chain)] == target.chain \
                    and _under(router.prefix, target.prefix) and self.within(fn, where):
                out.extend(middleware)
        return tuple(out)

    def _route(self, node: tree_sitter.Node, func: tree_sitter.Node, name: str, fn: int, default: str) -> None:
        args = self._args(node)
        operand = func.child_by_field_name("operand")
        if operand is None:
            return
        method = _VERBS[name]
        path_at = 0
        methods: list[str] = [method] if method else []
        if name in ("Method", "MethodFunc", "Add") or (name in ("Handle", "HandleFunc") and len(args) >= 3
                                                      and (self.string(args[0]) or "") in _HTTP_METHODS):
            verb = self.string(args[0]) if args else None
            if verb is None or verb.upper() not in _HTTP_METHODS:
                return
            methods, path_at = [verb.upper()], 1
        elif name == "Match":
            if not args or args[0].type != "composite_literal":
                return
            body = args[0].child_by_field_name("body")
            listed = [self.string(e) for e in body.named_children] if body is not None else []
            methods = [m.upper() for m in listed if m and m.upper() in _HTTP_METHODS]
            path_at = 1
        if len(args) < path_at + 2 or (not methods and name not in ("Handle", "HandleFunc")):
            return
        path = self.string(args[path_at])
        if path is None:
            return
        router = self.router(operand, fn)
        receiver = self.text(operand, 80)
        if router is None:
            router = _Router(f"{self.fn_key(fn)}/{receiver}", "", (), True, "", False)
        if name in ("Handle", "HandleFunc"):
            pattern = _PATTERN.match(path)
            if pattern:
                methods, path = [pattern.group(1)], pattern.group(2)
            elif not methods:
                methods = self._gorilla_methods(node) or ["ANY"]
        if not router.key:
            router = _Router(f"{self.fn_key(fn)}/{receiver}", router.prefix, router.guards, router.known,
                             router.framework, router.typed, router.chain)
        if not router.typed and (not path.startswith("/") or "client" in receiver.lower()):
            return
        framework = router.framework or default or "go"
        handlers = args[path_at + 1:]
        if framework == "echo":
            handler, middleware = handlers[0], handlers[1:]
        else:
            handler, middleware = handlers[-1], handlers[:-1]
        guards = [*router.guards, *self._active(fn, node.start_byte, router), *(self.text(m, 120) for m in middleware)]
        handler_text = self._handler_text(handler)
        if handler.type == "call_expression":  # `auth.WithJWTAuth(h.handle, store)`: middleware around the handler
            inner = handler.child_by_field_name("function")
            wrapped = self._args(handler)
            callee = self.text(inner, 80)
            if wrapped and wrapped[0].type in ("identifier", "selector_expression", "func_literal") \
                    and callee not in ("http.HandlerFunc", "http.Handler"):
                guards.append(callee)
                handler_text = self._handler_text(wrapped[0])
        full = _join(router.prefix, path) if router.prefix else (path if path.startswith("/") else "/" + path)
        if name == "Handle" and methods == ["ANY"] and full == "/" and handler.type != "func_literal":
            return  # an http.Handler at ServeMux's match-everything "/": a grpc-gateway mux, a FileServer, a router
        for m in methods:
            self.routes.append(RouteDecl(framework, m, full, router.key, handler_text, self.src.line(node), fn,
                                         tuple(guards), router.known))

    def _handler_text(self, node: tree_sitter.Node) -> str:
        """The handler as a reader would name it: `h.list`, `func(w, r) {...}` for an inline function."""
        if node.type == "func_literal":
            body = node.child_by_field_name("body")
            head = self.src.data[node.start_byte:body.start_byte if body is not None else node.end_byte]
            return " ".join(head.decode("utf-8", "replace").split())[:100] + " {...}"
        return " ".join(self.text(node, 120).split())

    def _gorilla_methods(self, call: tree_sitter.Node) -> list[str]:
        """`r.HandleFunc(...).Methods("GET", http.MethodPost)`."""
        parent = call.parent
        if parent is None or parent.type != "selector_expression":
            return []
        fld = parent.child_by_field_name("field")
        outer = parent.parent
        if fld is None or self.full(fld) != "Methods" or outer is None or outer.type != "call_expression":
            return []
        out: list[str] = []
        for arg in self._args(outer):
            value = self.string(arg)
            if value is None and arg.type == "selector_expression":
                last = self.full(arg).rsplit(".", 1)[-1]
                value = _METHOD_CONSTANTS.get(last)
            if value and value.upper() in _HTTP_METHODS:
                out.append(value.upper())
        return out

    def _callee_key(self, call: tree_sitter.Node, fn: int) -> str | None:
        """`gocall:<symbolic callee>|<operand text>|<name>` for a call of a project function or method."""
        func = call.child_by_field_name("function")
        if func is None:
            return None
        if func.type == "identifier":
            name = self.full(func)
            if self.lookup(name, fn) is not None:
                return None
            return f"gocall:F:{self.pkg_ref}#{name}||{name}"
        if func.type != "selector_expression":
            return None
        operand, fld = func.child_by_field_name("operand"), func.child_by_field_name("field")
        if operand is None or fld is None:
            return None
        name = self.full(fld)
        module = self.is_import(operand, fn)
        if module is not None:
            if go_framework(module) or module == "net/http":
                return None
            return f"gocall:F:{module}#{name}|{self.text(operand, 80)}|{name}"
        receiver = self.sym(operand, fn)
        callee = f"{receiver} .{name}()" if receiver else ""
        return f"gocall:{callee}|{self.text(operand, 80).replace('|', '')}|{name}"

    def _reference_key(self, node: tree_sitter.Node, fn: int) -> str | None:
        """The callee key of a function value (`users.Routes`, `routes`, `h.register`) as if it were called."""
        if node.type == "identifier":
            name = self.full(node)
            return None if self.lookup(name, fn, node.start_byte) is not None else f"gocall:F:{self.pkg_ref}#{name}||{name}"
        operand, fld = node.child_by_field_name("operand"), node.child_by_field_name("field")
        if operand is None or fld is None:
            return None
        name = self.full(fld)
        module = self.is_import(operand, fn)
        if module is not None:
            return f"gocall:F:{module}#{name}|{self.text(operand, 80)}|{name}"
        receiver = self.sym(operand, fn)
        callee = f"{receiver} .{name}()" if receiver else ""
        return f"gocall:{callee}|{self.text(operand, 80).replace('|', '')}|{name}"

    def _mount(self, node: tree_sitter.Node, func: tree_sitter.Node, name: str, fn: int) -> None:
        """chi `r.Mount("/admin", adminRouter())`, fiber `app.Mount("/x", sub)`, gorilla
        `r.PathPrefix("/api").Handler(sub)`."""
        operand = func.child_by_field_name("operand")
        args = self._args(node)
        if operand is None:
            return
        if name == "Mount":
            if len(args) < 2:
                return
            path = self.string(args[0])
            target = args[1]
            parent = self.router(operand, fn)
        else:
            if len(args) != 1 or operand.type != "call_expression":
                return
            inner = operand.child_by_field_name("function")
            fld = inner.child_by_field_name("field") if inner is not None and inner.type == "selector_expression" else None
            if fld is None or self.full(fld) != "PathPrefix":
                return
            path = ""
            target = args[0]
            parent = self.router(operand, fn)
        if parent is None or path is None:
            return
        child: str | None
        if target.type == "call_expression":
            child = self._callee_key(target, fn)
        else:
            sub = self.router(target, fn)
            child = sub.key if sub is not None and sub.key != parent.key else None
        if child is None:
            return
        guards = (*parent.guards, *self._active(fn, node.start_byte, parent))
        self.mounts.append(Mount(parent.key, child, _join(parent.prefix, path), self.src.line(node), guards, parent.known))

    def _handoff(self, node: tree_sitter.Node, func: tree_sitter.Node, fn: int) -> None:
        """A router handed to another function: `routes.Register(v1)`, `h.RegisterRoutes(subrouter)`."""
        args = self._args(node)
        candidates: list[tuple[int, _Router]] = []
        for i, arg in enumerate(args):
            if arg.type not in ("identifier", "selector_expression", "call_expression"):
                continue
            if arg.type == "call_expression":
                inner = arg.child_by_field_name("function")
                fld = inner.child_by_field_name("field") if inner is not None and inner.type == "selector_expression" else None
                if fld is None or self.full(fld) not in _GROUPS:
                    continue
            router = self.router(arg, fn)
            if router is None or not router.key or not (router.typed or arg.type == "call_expression"):
                continue
            candidates.append((i, router))
        if not candidates:
            return
        callee = self._callee_key(node, fn)
        if callee is None:
            return
        for i, router in candidates:
            guards = (*router.guards, *self._active(fn, node.start_byte, router))
            self.mounts.append(Mount(router.key, f"{callee}@{i}", router.prefix, self.src.line(node), guards,
                                     router.known))

    def _returned(self, fn: int, stmts: list[tree_sitter.Node]) -> None:
        """`return r` of a router the function made: the function's result is that router (`r.Mount("/x", f())`)."""
        if self.fn_nodes[fn].child_by_field_name("result") is None:
            return
        for stmt in stmts:
            values = stmt.named_children[0].named_children if stmt.named_children else []
            if not values or values[0].type not in ("identifier", "selector_expression"):
                continue
            router = self.router(values[0], fn)
            if router is None or not router.key or "@" in router.key.rpartition("#")[2]:
                continue
            if not router.typed and not any(r.owner == router.key for r in self.routes) \
                    and not any(m.parent == router.key for m in self.mounts):
                continue
            self.mounts.append(Mount(self.fn_key(fn), router.key, router.prefix, self.src.line(stmt), router.guards,
                                     router.known))
            return


def _join(prefix: str, path: str) -> str:
    if not path.strip("/"):
        return prefix if prefix else ("/" if path else "")
    if not prefix.strip("/"):
        return "/" + path.lstrip("/")
    return prefix.rstrip("/") + "/" + path.lstrip("/")


def _under(path: str, prefix: str) -> bool:
    """Whether route prefix `path` lies at or below `prefix`."""
    a = [s for s in path.split("/") if s]
    b = [s for s in prefix.split("/") if s]
    return a[: len(b)] == b


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == "`" and text[-1] == "`":
        return text[1:-1]
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        inner = text[1:-1]
        if "\\" not in inner:
            return inner
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return inner
        return value if isinstance(value, str) else inner
    return text


def _literal_value(node: tree_sitter.Node) -> bool:
    """A literal: a string, number, bool or nil, or a composite literal of them (bounded)."""
    stack = [node]
    budget = 64
    while stack:
        budget -= 1
        if budget < 0:
            return False
        current = stack.pop()
        t = current.type
        if t in ("literal_element", "literal_value", "keyed_element", "parenthesized_expression"):
            stack.extend(current.named_children)
        elif t == "composite_literal":
            body = current.child_by_field_name("body")
            if body is not None:
                stack.append(body)
        elif t == "unary_expression":
            operand = current.child_by_field_name("operand")
            if operand is None or operand.type not in ("int_literal", "float_literal"):
                return False
        elif t not in (*_STRINGS, "int_literal", "float_literal", "imaginary_literal", "rune_literal", "true",
                       "false", "nil"):
            return False
    return True


def _assigned(i: int, targets: int, values: list[tree_sitter.Node], at: int) -> _Binding:
    """What the i-th of `targets` names is bound to: its own value (`a, b := x, y`), the first result of the one
    call (`v, err := f()`), or nothing known."""
    if len(values) == targets:
        return _Binding("expr", values[i], at)
    if i == 0 and len(values) == 1:
        return _Binding("first", values[0], at)
    return _Binding("none", None, at)


def _core_type(node: tree_sitter.Node | None) -> tree_sitter.Node | None:
    """The named type under pointers, parentheses and type arguments: `Store` of `*(Store[T])`."""
    for _ in range(8):
        if node is None or node.type not in ("pointer_type", "parenthesized_type", "generic_type"):
            return node
        if node.type == "generic_type":
            node = node.child_by_field_name("type")
        else:
            node = node.named_children[0] if node.named_children else None
    return node


def _base_type_name(reader: _Reader, node: tree_sitter.Node | None) -> str:
    """`Store` of `*Store`, `Store[T]`, `*pkg.Store`."""
    node = _core_type(node)
    if node is None:
        return ""
    if node.type == "qualified_type":
        name = node.child_by_field_name("name")
        return reader.full(name) if name is not None else ""
    return reader.full(node) if node.type == "type_identifier" else ""


def _is_err(name: str) -> bool:
    return name in _ERROR_NAMES or name.endswith(("Err", "err", "Error"))


def _by_line(records: list[R]) -> tuple[R, ...]:
    """Records in source order (each section is gathered by node type, then merged)."""
    return tuple(sorted(records, key=lambda r: r.line))


def analyse_go(path: str, role: str, data: bytes) -> FileModel:
    """The model of one Go file. Never raises for bad input: a file that does not parse is a model with a problem."""
    tree, problem = parse("go", data)
    if tree is None:
        return FileModel(path, "go", role, PARSER, problem=problem)
    src = Source(data, tree, "go")
    reader = _Reader(path, role, src)
    try:
        reader.read()
    except RecursionError:
        return FileModel(path, "go", role, PARSER, problem=("too-deep", "nesting too deep to analyse"))
    return FileModel(
        path, "go", role, PARSER, problem=problem, lines=src.data.count(b"\n") + 1, markers=frozenset(reader.markers),
        imports=tuple(reader.imports), functions=tuple(reader.functions), classes=tuple(reader.classes),
        calls=_by_line(reader.calls), assigns=_by_line(reader.assigns), settings=_by_line(reader.settings),
        raises=tuple(reader.raises), exposures=_by_line(reader.exposures), discards=_by_line(reader.discards),
        routes=tuple(reader.routes), mounts=tuple(reader.mounts), tests=tuple(reader.tests),
        type_uses=tuple(reader.type_uses),
    )
