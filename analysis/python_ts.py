"""Python syntax newer than the running interpreter's `ast` (3.12 `type X = ...`, `def f[T]()`, nested f-string
quotes; 3.14 `except A, B:` and t-strings), read with tree-sitter-python into the same model.

A file reaches this module only when `ast.parse` rejected it. tree-sitter-python reads it; the tree is then
*lowered* into the `ast.Module` that a new enough interpreter's `ast.parse` gives (same node types, fields and
positions), and analysis/python.py's reader turns that module into the model, exactly as for any other file. So
the facts of a file do not depend on which parser read it, and every rule of the Python adapter applies to
newer-syntax files without a second copy of it (tests/test_analysis_python_ts.py lowers every file that `ast`
can read and compares trees and models).

What is a real syntax error stays one. tree-sitter is more lenient than CPython (it accepts Python 2's print
statement, `f(**k, *a)`, `def f(a=1, b)`, ...), so a file is lowered only when the running interpreter accepts
the file with its newer constructs *masked*: type parameters removed, a type alias written as an assignment,
`except A, B` parenthesised, t-strings and newer f-strings replaced by a tuple of their expressions. Whatever
CPython still rejects is a real error; the masked constructs themselves are checked by tree-sitter and by the
lowering (which refuses what CPython refuses in them).

Node types the running interpreter lacks (`TypeAlias`, `TypeVar`, ... before 3.12; `TemplateStr`,
`Interpolation` before 3.14) are defined here with the same fields, so `ast.iter_child_nodes`, `ast.walk`, a
`NodeVisitor` and analysis/python.py's generic fallbacks treat them as the newer interpreter's do.
"""

from __future__ import annotations

import ast
import re
import sys
import unicodedata
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

from analysis.model import FileModel

if TYPE_CHECKING:
    import tree_sitter

__all__ = ["PARSER", "analyse_python_newer", "lower", "parse_newer"]

PARSER = "tree-sitter-python"

_PY312 = sys.version_info >= (3, 12)
_PY313 = sys.version_info >= (3, 13)


# -- node types newer than the running interpreter -----------------------------------------------------------
def _node_class(name: str, base: type[ast.AST], fields: tuple[str, ...]) -> type[ast.AST]:
    native: type[ast.AST] | None = getattr(ast, name, None)
    if native is not None:
        return native
    return type(name, (base,), {"_fields": fields, "__module__": __name__})


class _type_param(ast.AST):
    _attributes = ("lineno", "col_offset", "end_lineno", "end_col_offset")


_TYPE_PARAM: type[ast.AST] = getattr(ast, "type_param", _type_param)
_DEFAULT: tuple[str, ...] = ("default_value",) if _PY313 else ()
# Built with keyword fields like every ast node; typed Any because their fields are not in the typeshed of 3.11.
_TypeAlias: Any = _node_class("TypeAlias", ast.stmt, ("name", "type_params", "value"))
_TypeVar: Any = _node_class("TypeVar", _TYPE_PARAM, ("name", "bound", *_DEFAULT))
_ParamSpec: Any = _node_class("ParamSpec", _TYPE_PARAM, ("name", *_DEFAULT))
_TypeVarTuple: Any = _node_class("TypeVarTuple", _TYPE_PARAM, ("name", *_DEFAULT))
_TemplateStr: Any = _node_class("TemplateStr", ast.expr, ("values",))
_Interpolation: Any = _node_class("Interpolation", ast.expr, ("value", "str", "conversion", "format_spec"))


N = TypeVar("N", bound=ast.AST)


class _Invalid(Exception):
    """The tree holds something CPython rejects (tree-sitter accepted it)."""


# -- entry points --------------------------------------------------------------------------------------------
def parse_newer(text: str, path: str = "<unknown>") -> ast.Module | None:
    """The `ast.Module` of a file whose syntax is newer than the running interpreter's, or None when the file has
    a real syntax error (one tree-sitter sees, or one the running `ast` still finds with the newer constructs
    masked). May raise RecursionError or MemoryError on absurdly nested code, like `ast.parse`."""
    parsed = _parse(text)
    if parsed is None:
        return None
    tree, data = parsed
    if not _valid_when_masked(tree, data, path):
        return None
    try:
        return _Lowering(data).module(tree.root_node)
    except _Invalid:
        return None


def lower(text: str) -> ast.Module | None:
    """The lowering alone, for any file (tests compare it with `ast.parse`): None when tree-sitter finds syntax
    errors or the tree holds what CPython rejects; no check that the file needed it."""
    parsed = _parse(text)
    if parsed is None:
        return None
    tree, data = parsed
    try:
        return _Lowering(data).module(tree.root_node)
    except _Invalid:
        return None


def _parse(text: str) -> tuple[tree_sitter.Tree, bytes] | None:
    """tree-sitter-python's tree of `text` and the bytes it read, None when it found syntax errors."""
    from analysis.treesitter import parse

    # CPython's tokenizer reads \r\n and a lone \r as \n: so must the rows tree-sitter counts
    data = text.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8", "surrogatepass")
    if data.startswith(b"\xef\xbb\xbf"):
        return None  # decoding took the BOM off; a U+FEFF left in the text is an error to CPython
    tree, problem = parse("python", data)
    if tree is None or problem is not None:
        return None
    return tree, data


def analyse_python_newer(path: str, role: str, text: str, error: SyntaxError) -> FileModel | None:
    """The model of a file `ast` rejected, or None when tree-sitter cannot read it either (a real syntax error)."""
    if isinstance(error, IndentationError):  # TabError too: no newer Python accepts what these reject
        return None
    from analysis.python import model_of_module

    try:
        module = parse_newer(text, path)
    except (RecursionError, MemoryError):
        return FileModel(path, "python", role, PARSER, problem=("too-deep", "nesting too deep to parse"))
    if module is None:
        return None
    return model_of_module(path, role, text, module, PARSER)


# -- validation: what CPython says about the rest of the file --------------------------------------------------
_STRING_PREFIX = re.compile(rb"^[A-Za-z]*")


def _valid_when_masked(tree: tree_sitter.Tree, data: bytes, path: str) -> bool:
    """Whether the running `ast` accepts the file once its newer constructs are masked (at least one must be)."""
    from analysis.treesitter import NodeIndex

    index = NodeIndex("python", tree, ("type_parameter", "type_alias_statement", "except_clause", "string"))
    masker = _Masker(data)
    for node in index["type_parameter"]:
        parent = node.parent
        if parent is not None and parent.type in ("function_definition", "class_definition"):
            masker.site(node.start_byte, node.end_byte, lambda _site: b"")
    for node in index["type_alias_statement"]:
        masker.site(node.start_byte, node.end_byte, masker.alias(node))
    for node in index["except_clause"]:
        values = node.children_by_field_name("value")
        if len(values) > 1:
            masker.site(values[0].start_byte, values[-1].end_byte, masker.parenthesised)
    for node in index["string"]:
        prefix = _STRING_PREFIX.match(data[node.start_byte : node.end_byte])
        letters = prefix.group(0).lower() if prefix else b""
        if b"t" in letters or (b"f" in letters and not _parses(data[node.start_byte : node.end_byte])):
            masker.site(node.start_byte, node.end_byte, masker.template(node))
    if not masker.sites:
        return False
    masked = masker.render(0, len(data))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(masked, filename=path)  # RecursionError: too deep for `ast` itself, as the caller says
    except (SyntaxError, ValueError):
        return False
    return True


def _parses(literal: bytes) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(b"(\n" + literal + b"\n)")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


_Site = tuple[int, int, Callable[[int], bytes]]  # (start byte, end byte, replacement given the site's index)


class _Masker:
    """The file's bytes with each site replaced by text the running interpreter reads (a replacement renders
    the site's insides, so sites nest: a t-string in a type alias)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.sites: list[_Site] = []

    def site(self, start: int, end: int, replace: Callable[[int], bytes]) -> None:
        self.sites.append((start, end, replace))

    def render(self, start: int, end: int, own: int = -1) -> bytes:
        """The bytes start..end with every outermost site inside replaced (but `own`, the site being rendered)."""
        if own < 0:
            self.sites.sort(key=lambda s: (s[0], -s[1]))
        out: list[bytes] = []
        at = start
        for i, (s, e, replace) in enumerate(self.sites):
            if i == own or s < at or e > end:
                continue  # the site itself, outside the range, or inside a site already replaced
            if s >= end:
                break
            out.append(self.data[at:s])
            out.append(replace(i))
            at = e
        out.append(self.data[at:end])
        return b"".join(out)

    def alias(self, node: tree_sitter.Node) -> Callable[[int], bytes]:
        """`type X[T] = V` -> `X = V`."""
        def replace(own: int) -> bytes:
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            name = left.named_children[0] if left is not None and left.named_child_count else left
            if name is not None and name.type == "generic_type":
                name = name.named_children[0]
            if name is None or right is None:
                return b"_"
            rendered = self.render(right.start_byte, right.end_byte, own)
            return self.data[name.start_byte : name.end_byte] + b" = " + rendered

        return replace

    def parenthesised(self, own: int) -> bytes:
        """`except A, B:` -> `except (A, B):`."""
        start, end, _ = self.sites[own]
        return b"(" + self.render(start, end, own) + b")"

    def template(self, node: tree_sitter.Node) -> Callable[[int], bytes]:
        """A t-string, or an f-string the running interpreter cannot read -> a tuple of its expressions."""
        def replace(own: int) -> bytes:
            parts: list[bytes] = []
            stack = [node]
            while stack:
                current = stack.pop()
                for child in reversed(current.children):
                    if child.type in ("interpolation", "format_expression"):
                        expr = child.child_by_field_name("expression")
                        if expr is not None:
                            parts.append(b"(" + self.render(expr.start_byte, expr.end_byte, own) + b"\n)")
                        spec = child.child_by_field_name("format_specifier")
                        if spec is not None:
                            stack.append(spec)
            return b"(" + b", ".join(reversed(parts)) + b",)" if parts else b"''"

        return replace


# -- lowering ------------------------------------------------------------------------------------------------
_BINOPS: dict[str, Callable[[], ast.operator]] = {
    "+": ast.Add, "-": ast.Sub, "*": ast.Mult, "@": ast.MatMult, "/": ast.Div, "%": ast.Mod, "//": ast.FloorDiv,
    "**": ast.Pow, "|": ast.BitOr, "&": ast.BitAnd, "^": ast.BitXor, "<<": ast.LShift, ">>": ast.RShift,
}
_AUGOPS = {op + "=": cls for op, cls in _BINOPS.items()}
_CMPOPS: dict[str, Callable[[], ast.cmpop]] = {
    "<": ast.Lt, "<=": ast.LtE, "==": ast.Eq, "!=": ast.NotEq, ">=": ast.GtE, ">": ast.Gt, "in": ast.In,
    "not in": ast.NotIn, "is": ast.Is, "is not": ast.IsNot,
}
_UNARY: dict[str, Callable[[], ast.unaryop]] = {"+": ast.UAdd, "-": ast.USub, "~": ast.Invert}
_SKIP = frozenset({"comment", "line_continuation"})
_ESCAPE = re.compile(
    r"\\(?:(\n)|([\\'\"abfnrtv])|([0-7]{1,3})|x([0-9a-fA-F]{2})|N\{([^}]*)\}|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|(.?))",
    re.S)
_SIMPLE_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t",
                   "v": "\v"}

Point = tuple[int, int]


def _unescape(text: str) -> str:
    """A string literal's body with its escapes decoded as CPython decodes them (invalid ones kept)."""
    if "\\" not in text:
        return text

    def sub(m: re.Match[str]) -> str:
        newline, simple, octal, hex2, name, hex4, hex8, other = m.groups()
        if newline is not None:
            return ""
        if simple is not None:
            return _SIMPLE_ESCAPES[simple]
        if octal is not None:
            return chr(int(octal, 8))
        code = hex2 or hex4 or hex8
        if code is not None:
            value = int(code, 16)
            if value > 0x10FFFF:
                raise _Invalid("escape out of range")
            return chr(value)
        if name is not None:
            try:
                return unicodedata.lookup(name)
            except KeyError:
                raise _Invalid("unknown \\N name") from None
        if other in ("x", "u", "U", "N"):
            raise _Invalid("truncated escape")
        return "\\" + other

    return _ESCAPE.sub(sub, text)


def _identifier(name: str) -> str:
    return name if name.isascii() else unicodedata.normalize("NFKC", name)


class _Lowering:
    """tree-sitter-python's tree -> the `ast.Module` CPython's parser builds for the same text."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.tails: dict[int, Point] = {}  # id(last statement of a block) -> end of the `;` after it
        self.substitute: dict[int, tree_sitter.Node] = {}  # node id -> the node to lower in its place
        self.expr_kinds: dict[str, Callable[[tree_sitter.Node], ast.expr]] = {
            "identifier": self.name, "integer": self.number, "float": self.number, "string": self.string,
            "concatenated_string": self.string, "true": self.const, "false": self.const, "none": self.const,
            "ellipsis": self.const, "attribute": self.chain, "subscript": self.chain, "call": self.chain,
            "list": self.list_, "tuple": self.tuple_, "set": self.set_, "dictionary": self.dict_,
            "list_comprehension": self.comprehension, "set_comprehension": self.comprehension,
            "dictionary_comprehension": self.comprehension, "generator_expression": self.comprehension,
            "parenthesized_expression": self.parenthesized, "binary_operator": self.binary,
            "boolean_operator": self.boolean, "comparison_operator": self.compare, "not_operator": self.not_,
            "unary_operator": self.binary, "conditional_expression": self.conditional,
            "named_expression": self.named_expr, "lambda": self.lambda_, "await": self.binary, "yield": self.yield_,
            "list_splat": self.starred, "list_splat_pattern": self.starred, "expression_list": self.bare_tuple,
            "pattern_list": self.bare_tuple, "tuple_pattern": self.tuple_, "list_pattern": self.list_,
            "type": self.type_, "generic_type": self.generic, "union_type": self.union, "member_type": self.member,
            "splat_type": self.splat_type, "keyword_identifier": self.name,
        }
        self.stmt_kinds: dict[str, Callable[[tree_sitter.Node], ast.stmt]] = {
            "expression_statement": self.expression_statement, "return_statement": self.return_,
            "delete_statement": self.delete, "raise_statement": self.raise_, "pass_statement": self.pass_,
            "break_statement": self.break_, "continue_statement": self.continue_, "global_statement": self.global_,
            "nonlocal_statement": self.global_, "import_statement": self.import_,
            "import_from_statement": self.import_from, "future_import_statement": self.import_from,
            "assert_statement": self.assert_, "type_alias_statement": self.type_alias,
            "if_statement": self.if_, "for_statement": self.for_, "while_statement": self.while_,
            "try_statement": self.try_, "with_statement": self.with_, "function_definition": self.function,
            "class_definition": self.class_, "decorated_definition": self.decorated, "match_statement": self.match,
        }

    # -- helpers ----------------------------------------------------------------------------------------------
    def text(self, node: tree_sitter.Node) -> str:
        return self.data[node.start_byte : node.end_byte].decode("utf-8", "surrogatepass")

    @staticmethod
    def at(node: N, start: Point, end: Point) -> N:
        node.lineno, node.col_offset = start[0] + 1, start[1]  # type: ignore[attr-defined]
        node.end_lineno, node.end_col_offset = end[0] + 1, end[1]  # type: ignore[attr-defined]
        return node

    @staticmethod
    def span(node: N, ts: tree_sitter.Node) -> N:
        start, end = ts.start_point, ts.end_point
        node.lineno, node.col_offset = start[0] + 1, start[1]  # type: ignore[attr-defined]
        node.end_lineno, node.end_col_offset = end[0] + 1, end[1]  # type: ignore[attr-defined]
        return node

    @staticmethod
    def start_of(node: ast.AST) -> Point:
        return node.lineno - 1, node.col_offset  # type: ignore[attr-defined]

    @staticmethod
    def end_of(node: ast.AST) -> Point:
        return node.end_lineno - 1, node.end_col_offset  # type: ignore[attr-defined]

    @staticmethod
    def named(node: tree_sitter.Node) -> list[tree_sitter.Node]:
        return [c for c in node.named_children if c.type not in _SKIP]

    @staticmethod
    def field(node: tree_sitter.Node, name: str) -> tree_sitter.Node:
        child = node.child_by_field_name(name)
        if child is None:
            raise _Invalid(f"{node.type} without {name}")
        return child

    # -- module and statements --------------------------------------------------------------------------------
    def module(self, root: tree_sitter.Node) -> ast.Module:
        return ast.Module(body=self.statements(root), type_ignores=[])

    def statements(self, block: tree_sitter.Node) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for child in block.named_children:
            kind = child.type
            if kind in _SKIP:
                continue
            if kind == "print_statement":
                out.append(self.print_chevron(child))
                continue
            lower = self.stmt_kinds.get(kind)
            if lower is None:
                raise _Invalid(f"statement {kind}")  # exec_statement (Python 2)
            out.append(lower(child))
        return out

    def body(self, node: tree_sitter.Node, name: str = "body") -> list[ast.stmt]:
        block = node.child_by_field_name(name)
        if block is None:
            for child in node.named_children:
                if child.type == "block":
                    block = child
        if block is None:
            raise _Invalid(f"{node.type} without a body")
        body = self.statements(block)
        if not body:
            raise _Invalid("empty block")
        tail = next((c for c in reversed(block.children) if c.type not in _SKIP), None)
        if tail is not None and tail.type == ";":
            self.tails[id(body[-1])] = _point(tail.end_point)
        return body

    def block_end(self, body: Sequence[ast.AST]) -> Point:
        """Where a block ends: its last statement, or the semicolon after it (CPython counts that token)."""
        last = body[-1]
        return self.tails.get(id(last)) or self.end_of(last)

    def compound(self, node: N, ts: tree_sitter.Node, last: Sequence[ast.AST]) -> N:
        """A compound statement spans from its keyword to the end of its last block."""
        return self.at(node, _point(ts.start_point), self.block_end(last))

    def print_chevron(self, node: tree_sitter.Node) -> ast.stmt:
        """`print >> f, x`: Python 2's print statement, but also a valid Python 3 expression (a shift)."""
        chevron = next((c for c in node.named_children if c.type == "chevron"), None)
        if chevron is None:
            raise _Invalid("print statement")  # Python 2
        head = node.children[0]
        name = self.span(ast.Name(id="print", ctx=ast.Load()), head)
        target = self.expr(self.named(chevron)[0])
        shift = self.at(ast.BinOp(left=name, op=ast.RShift(), right=target), _point(head.start_point),
                        _point(chevron.end_point))
        rest = [self.expr(c) for c in node.children_by_field_name("argument")]
        value: ast.expr = shift
        if rest or any(c.type == "," for c in node.children):
            value = self.span(ast.Tuple(elts=[shift, *rest], ctx=ast.Load()), node)
        return self.span(ast.Expr(value=value), node)

    def expression_statement(self, node: tree_sitter.Node) -> ast.stmt:
        children = self.named(node)
        if len(children) == 1 and not any(c.type == "," for c in node.children):
            child = children[0]
            if child.type == "assignment":
                return self.assignment(child, node)
            if child.type == "augmented_assignment":
                return self.augmented(child, node)
            value = self.expr(child)
        else:
            value = self.at(ast.Tuple(elts=[self.expr(c) for c in children], ctx=ast.Load()),
                            _point(node.start_point), _point(node.end_point))
        return self.span(ast.Expr(value=value), node)

    def assignment(self, node: tree_sitter.Node, statement: tree_sitter.Node) -> ast.stmt:
        annotation = node.child_by_field_name("type")
        if annotation is not None:
            left = self.field(node, "left")
            right = node.child_by_field_name("right")
            simple = 1 if left.type == "identifier" else 0
            target = self.target(left, ast.Store())
            if not isinstance(target, ast.Name | ast.Attribute | ast.Subscript):
                raise _Invalid("annotated target")
            value = self.rhs(right) if right is not None else None
            return self.span(ast.AnnAssign(target=target, annotation=self.expr(annotation), value=value,
                                           simple=simple), statement)
        targets: list[ast.expr] = []
        current = node
        while current.type == "assignment":
            if current.child_by_field_name("type") is not None:
                raise _Invalid("annotation in a chained assignment")
            targets.append(self.target(self.field(current, "left"), ast.Store()))
            current = self.field(current, "right")
        if current.type == "augmented_assignment":
            raise _Invalid("augmented assignment in a chain")
        value = self.rhs(current)
        return self.span(ast.Assign(targets=targets, value=value, type_comment=None), statement)

    def rhs(self, node: tree_sitter.Node) -> ast.expr:
        if node.type in ("assignment", "augmented_assignment"):
            raise _Invalid("assignment as a value")
        return self.expr(node)

    def augmented(self, node: tree_sitter.Node, statement: tree_sitter.Node) -> ast.stmt:
        op = self.text(self.field(node, "operator"))
        target = self.target(self.field(node, "left"), ast.Store())
        if not isinstance(target, ast.Name | ast.Attribute | ast.Subscript):
            raise _Invalid("augmented target")
        return self.span(ast.AugAssign(target=target, op=_AUGOPS[op](), value=self.rhs(self.field(node, "right"))),
                         statement)

    def target(self, node: tree_sitter.Node, ctx: ast.expr_context) -> ast.expr:
        lowered = self.expr(node)
        _set_ctx(lowered, ctx)
        return lowered

    def return_(self, node: tree_sitter.Node) -> ast.stmt:
        children = self.named(node)
        value = self.expr(children[0]) if children else None
        return self.span(ast.Return(value=value), node)

    def delete(self, node: tree_sitter.Node) -> ast.stmt:
        children = self.named(node)
        if len(children) != 1:
            raise _Invalid("del")
        child = children[0]
        items = self.named(child) if child.type == "expression_list" else [child]
        targets = [self.target(c, ast.Del()) for c in items]
        return self.span(ast.Delete(targets=targets), node)

    def raise_(self, node: tree_sitter.Node) -> ast.stmt:
        cause_node = node.child_by_field_name("cause")
        excs = [c for c in self.named(node) if cause_node is None or c.id != cause_node.id]
        if len(excs) > 1 or (excs and excs[0].type == "expression_list"):
            raise _Invalid("raise with several values")  # Python 2
        exc = self.expr(excs[0]) if excs else None
        cause = self.expr(cause_node) if cause_node is not None else None
        return self.span(ast.Raise(exc=exc, cause=cause), node)

    def pass_(self, node: tree_sitter.Node) -> ast.stmt:
        return self.span(ast.Pass(), node)

    def break_(self, node: tree_sitter.Node) -> ast.stmt:
        return self.span(ast.Break(), node)

    def continue_(self, node: tree_sitter.Node) -> ast.stmt:
        return self.span(ast.Continue(), node)

    def global_(self, node: tree_sitter.Node) -> ast.stmt:
        names = [_identifier(self.text(c)) for c in self.named(node)]
        cls = ast.Global if node.type == "global_statement" else ast.Nonlocal
        return self.span(cls(names=names), node)

    def alias(self, node: tree_sitter.Node) -> ast.alias:
        if node.type == "aliased_import":
            name, asname = self.field(node, "name"), self.field(node, "alias")
            return self.span(ast.alias(name=self.dotted(name), asname=_identifier(self.text(asname))), node)
        return self.span(ast.alias(name=self.dotted(node), asname=None), node)

    def dotted(self, node: tree_sitter.Node) -> str:
        return ".".join(_identifier(self.text(c)) for c in self.named(node))

    def import_(self, node: tree_sitter.Node) -> ast.stmt:
        names = [self.alias(c) for c in node.children_by_field_name("name")]
        return self.span(ast.Import(names=names), node)

    def import_from(self, node: tree_sitter.Node) -> ast.stmt:
        level = 0
        module: str | None
        if node.type == "future_import_statement":
            module = "__future__"
        else:
            source = self.field(node, "module_name")
            if source.type == "relative_import":
                prefix = source.named_children[0]
                level = self.text(prefix).count(".")
                rest = [c for c in source.named_children if c.type == "dotted_name"]
                module = self.dotted(rest[0]) if rest else None
            else:
                module = self.dotted(source)
        names = [self.alias(c) for c in node.children_by_field_name("name")]
        for child in node.named_children:
            if child.type == "wildcard_import":
                names = [self.span(ast.alias(name="*", asname=None), child)]
        return self.span(ast.ImportFrom(module=module, names=names, level=level), node)

    def assert_(self, node: tree_sitter.Node) -> ast.stmt:
        children = self.named(node)
        if len(children) > 2:
            raise _Invalid("assert")
        msg = self.expr(children[1]) if len(children) > 1 else None
        return self.span(ast.Assert(test=self.expr(children[0]), msg=msg), node)

    def type_alias(self, node: tree_sitter.Node) -> ast.stmt:
        left = self.field(node, "left")
        inner = self.named(left)
        head = inner[0] if inner else left
        params: list[ast.AST] = []
        if head.type == "generic_type":
            name_node = head.named_children[0]
            params = self.type_params(head.named_children[1])
        elif head.type == "identifier":
            name_node = head
        else:
            raise _Invalid("type alias name")
        name = self.span(ast.Name(id=_identifier(self.text(name_node)), ctx=ast.Store()), name_node)
        value = self.expr(self.field(node, "right"))
        return cast(ast.stmt, self.span(_TypeAlias(name=name, type_params=params, value=value), node))

    def type_params(self, node: tree_sitter.Node | None) -> list[ast.AST]:
        if node is None:
            return []
        out: list[ast.AST] = []
        for item in self.named(node):
            inner = self.named(item)[0] if item.type == "type" and item.named_child_count else item
            default: dict[str, Any] = {"default_value": None} if _PY313 else {}
            if inner.type == "identifier":
                param = _TypeVar(name=_identifier(self.text(inner)), bound=None, **default)
            elif inner.type == "constrained_type":
                name_type, bound = self.named(inner)
                name_node = self.named(name_type)[0] if name_type.type == "type" else name_type
                if name_node.type != "identifier":
                    raise _Invalid("type parameter name")
                param = _TypeVar(name=_identifier(self.text(name_node)), bound=self.expr(bound), **default)
            elif inner.type == "splat_type":
                stars = self.text(inner).split(None, 1)[0][:2]
                name = _identifier(self.text(self.named(inner)[0]))
                param = _ParamSpec(name=name, **default) if stars == "**" else _TypeVarTuple(name=name, **default)
            else:
                raise _Invalid("type parameter")
            out.append(self.span(param, item))
        return out

    def if_(self, node: tree_sitter.Node) -> ast.stmt:
        test = self.expr(self.field(node, "condition"))
        body = self.body(node, "consequence")
        clauses = node.children_by_field_name("alternative")
        orelse: list[ast.stmt] = []
        for clause in reversed(clauses):
            if clause.type == "else_clause":
                orelse = self.body(clause)
            else:
                inner_body = self.body(clause, "consequence")
                elif_ = ast.If(test=self.expr(self.field(clause, "condition")), body=inner_body, orelse=orelse)
                orelse = [self.compound(elif_, clause, orelse or inner_body)]
        return self.compound(ast.If(test=test, body=body, orelse=orelse), node, orelse or body)

    def for_(self, node: tree_sitter.Node) -> ast.stmt:
        is_async = _starts_with(node, "async")
        target = self.target(self.field(node, "left"), ast.Store())
        iterable = self.expr(self.field(node, "right"))
        body = self.body(node)
        alternative = node.child_by_field_name("alternative")
        orelse = self.body(alternative) if alternative is not None else []
        cls = ast.AsyncFor if is_async else ast.For
        return self.compound(cls(target=target, iter=iterable, body=body, orelse=orelse, type_comment=None), node,
                             orelse or body)

    def while_(self, node: tree_sitter.Node) -> ast.stmt:
        test = self.expr(self.field(node, "condition"))
        body = self.body(node)
        alternative = node.child_by_field_name("alternative")
        orelse = self.body(alternative) if alternative is not None else []
        return self.compound(ast.While(test=test, body=body, orelse=orelse), node, orelse or body)

    def try_(self, node: tree_sitter.Node) -> ast.stmt:
        body = self.body(node)
        handlers: list[ast.ExceptHandler] = []
        orelse: list[ast.stmt] = []
        final: list[ast.stmt] = []
        star: bool | None = None
        for child in node.named_children:
            if child.type == "except_clause":
                is_star = any(c.type == "*" for c in child.children)
                if star is not None and star != is_star:
                    raise _Invalid("except and except* in one try")
                star = is_star
                handlers.append(self.handler(child, is_star))
            elif child.type == "else_clause":
                orelse = self.body(child)
            elif child.type == "finally_clause":
                final = self.body(child)
        if not handlers and not final:
            raise _Invalid("try without except or finally")
        if orelse and not handlers:
            raise _Invalid("try/else without except")
        cls = ast.TryStar if star else ast.Try
        last = final or orelse or handlers
        statement = cls(body=body, handlers=handlers, orelse=orelse, finalbody=final)
        return self.at(statement, _point(node.start_point), self.block_end(last))

    def handler(self, node: tree_sitter.Node, is_star: bool) -> ast.ExceptHandler:
        values = node.children_by_field_name("value")
        alias = node.child_by_field_name("alias")
        type_: ast.expr | None = None
        name: str | None = None
        if len(values) == 1 and values[0].type == "as_pattern" and alias is None:
            pattern = values[0]
            inner = self.named(pattern)
            type_ = self.expr(inner[0])
            name = self.as_name(self.field(pattern, "alias"))
        elif len(values) > 1:  # PEP 758 (3.14): `except A, B:` without `as`
            if alias is not None or any(v.type == "as_pattern" for v in values):
                raise _Invalid("multiple exception types with `as` must be parenthesized")
            elts = [self.expr(v) for v in values]
            type_ = self.at(ast.Tuple(elts=elts, ctx=ast.Load()), _point(values[0].start_point),
                            _point(values[-1].end_point))
        elif values:
            type_ = self.expr(values[0])
            if alias is not None:
                name = self.as_name(alias)
        if is_star and type_ is None:
            raise _Invalid("except* without a type")
        body = self.body(node)
        return self.compound(ast.ExceptHandler(type=type_, name=name, body=body), node, body)

    def as_name(self, node: tree_sitter.Node) -> str:
        inner = self.named(node)[0] if node.type == "as_pattern_target" else node
        if inner.type != "identifier":
            raise _Invalid("except ... as needs a name")
        return _identifier(self.text(inner))

    def with_(self, node: tree_sitter.Node) -> ast.stmt:
        is_async = _starts_with(node, "async")
        clause = next(c for c in node.named_children if c.type == "with_clause")
        values = [self.field(item, "value") for item in self.named(clause)]
        # `with (a, b as c):` holds two items when every element of the group is one (an expression, maybe with
        # `as`: no starred or named expression), as CPython tries that reading first; else one tuple.
        group: tree_sitter.Node | None = None
        if any(c.type == "(" for c in clause.children):
            group = clause
        elif len(values) == 1 and values[0].type in ("tuple", "parenthesized_expression") \
                and self.named(values[0]):
            group, values = values[0], self.named(values[0])
        if group is not None and any(v.type in ("list_splat", "named_expression", "yield") for v in values):
            if group is clause:
                elts = [self.expr(v) for v in values]
                lowered: ast.expr = self.span(ast.Tuple(elts=elts, ctx=ast.Load()), clause)
            else:
                lowered = self.expr(group)
            items = [ast.withitem(context_expr=lowered, optional_vars=None)]
        else:
            items = [self.with_item(v) for v in values]
        body = self.body(node)
        cls = ast.AsyncWith if is_async else ast.With
        return self.compound(cls(items=items, body=body, type_comment=None), node, body)

    def with_item(self, value: tree_sitter.Node) -> ast.withitem:
        pattern = _as_pattern(value)
        if pattern is None:
            return ast.withitem(context_expr=self.expr(value), optional_vars=None)
        target = self.target(self.named(self.field(pattern, "alias"))[0], ast.Store())
        left = self.named(pattern)[0]
        if pattern is value:
            return ast.withitem(context_expr=self.expr(left), optional_vars=target)
        # tree-sitter reads `with a if b else c as d` as `a if b else (c as d)`: lower the expression with the
        # pattern replaced by its left side, and end the nodes that ended with the pattern where that side ends
        self.substitute[pattern.id] = left
        try:
            context = self.expr(value)
        finally:
            del self.substitute[pattern.id]
        wrong, right = _point(pattern.end_point), _point(left.end_point)
        for sub in ast.walk(context):
            if isinstance(sub, ast.expr) and self.end_of(sub) == wrong:
                sub.end_lineno, sub.end_col_offset = right[0] + 1, right[1]
        return ast.withitem(context_expr=context, optional_vars=target)

    def decorated(self, node: tree_sitter.Node) -> ast.stmt:
        decorators = [self.expr(self.named(d)[0]) for d in node.named_children if d.type == "decorator"]
        definition = self.field(node, "definition")
        if definition.type == "function_definition":
            return self.function(definition, decorators)
        return self.class_(definition, decorators)

    def function(self, node: tree_sitter.Node, decorators: list[ast.expr] | None = None) -> ast.stmt:
        is_async = _starts_with(node, "async")
        name = _identifier(self.text(self.field(node, "name")))
        params = self.parameters(self.field(node, "parameters"))
        returns_node = node.child_by_field_name("return_type")
        returns = self.expr(returns_node) if returns_node is not None else None
        type_params = self.type_params(node.child_by_field_name("type_parameters"))
        body = self.body(node)
        cls = ast.AsyncFunctionDef if is_async else ast.FunctionDef
        fields: dict[str, Any] = {"type_params": type_params} if _PY312 else {}
        statement = cls(name=name, args=params, body=body, decorator_list=decorators or [], returns=returns,
                        type_comment=None, **fields)
        if not _PY312 and type_params:
            statement.type_params = type_params  # type: ignore[union-attr]  # 3.11's ast has no such field
        return self.compound(statement, node, body)

    def class_(self, node: tree_sitter.Node, decorators: list[ast.expr] | None = None) -> ast.stmt:
        name = _identifier(self.text(self.field(node, "name")))
        bases: list[ast.expr] = []
        keywords: list[ast.keyword] = []
        superclasses = node.child_by_field_name("superclasses")
        if superclasses is not None:
            bases, keywords = self.arguments(superclasses)
        type_params = self.type_params(node.child_by_field_name("type_parameters"))
        body = self.body(node)
        fields: dict[str, Any] = {"type_params": type_params} if _PY312 else {}
        statement = ast.ClassDef(name=name, bases=bases, keywords=keywords, body=body,
                                 decorator_list=decorators or [], **fields)
        if not _PY312 and type_params:
            statement.type_params = type_params  # type: ignore[attr-defined]
        return self.compound(statement, node, body)

    def parameters(self, node: tree_sitter.Node | None) -> ast.arguments:
        posonly: list[ast.arg] = []
        args: list[ast.arg] = []
        defaults: list[ast.expr] = []
        kwonly: list[ast.arg] = []
        kw_defaults: list[ast.expr | None] = []
        vararg: ast.arg | None = None
        kwarg: ast.arg | None = None
        keyword_only = False
        for param in self.named(node) if node is not None else []:
            kind = param.type
            if kind == "positional_separator":
                if posonly or keyword_only or not args:
                    raise _Invalid("/")
                posonly, args = args, []
                continue
            if kind == "keyword_separator":
                if keyword_only:
                    raise _Invalid("*")
                keyword_only = True
                continue
            if kwarg is not None:
                raise _Invalid("parameter after **")
            annotation: ast.expr | None = None
            default: ast.expr | None = None
            name_node = param
            if kind in ("typed_parameter", "typed_default_parameter"):
                annotation = self.expr(self.field(param, "type"))
                name_node = param.child_by_field_name("name") or self.named(param)[0]
            if kind in ("default_parameter", "typed_default_parameter"):
                name_node = self.field(param, "name")
                default = self.expr(self.field(param, "value"))
            star = ""
            if name_node.type in ("list_splat_pattern", "dictionary_splat_pattern"):
                star = "*" if name_node.type == "list_splat_pattern" else "**"
                name_node = self.named(name_node)[0]
            if name_node.type != "identifier":
                raise _Invalid("parameter name")  # Python 2 tuple parameters
            end = _point(self.field(param, "type").end_point) if annotation is not None \
                else _point(name_node.end_point)
            arg = self.at(ast.arg(arg=_identifier(self.text(name_node)), annotation=annotation, type_comment=None),
                          _point(name_node.start_point), end)
            if star == "*":
                if keyword_only or default is not None:
                    raise _Invalid("*args")
                vararg, keyword_only = arg, True
            elif star == "**":
                if default is not None:
                    raise _Invalid("**kwargs")
                kwarg = arg
            elif keyword_only:
                kwonly.append(arg)
                kw_defaults.append(default)
            else:
                if default is None and defaults:
                    raise _Invalid("non-default argument follows default argument")
                args.append(arg)
                if default is not None:
                    defaults.append(default)
        if keyword_only and vararg is None and not kwonly:
            raise _Invalid("named arguments must follow bare *")
        return ast.arguments(posonlyargs=posonly, args=args, vararg=vararg, kwonlyargs=kwonly,
                             kw_defaults=kw_defaults, kwarg=kwarg, defaults=defaults)

    # -- match ------------------------------------------------------------------------------------------------
    def match(self, node: tree_sitter.Node) -> ast.stmt:
        subjects = node.children_by_field_name("subject")
        trailing = any(c.type == "," for c in node.children)
        if len(subjects) == 1 and not trailing:
            subject = self.expr(subjects[0])
        else:
            elts = [self.expr(s) for s in subjects]
            comma = [c for c in node.children if c.type == ","]
            end = _point(comma[-1].end_point) if trailing and comma[-1].start_byte > subjects[-1].start_byte \
                else _point(subjects[-1].end_point)
            subject = self.at(ast.Tuple(elts=elts, ctx=ast.Load()), _point(subjects[0].start_point), end)
        block = self.field(node, "body")
        cases: list[ast.match_case] = []
        for clause in block.children_by_field_name("alternative"):
            patterns = [c for c in self.named(clause) if c.type == "case_pattern"]
            guard_node = clause.child_by_field_name("guard")
            guard = self.expr(self.named(guard_node)[0]) if guard_node is not None else None
            commas = [c for c in clause.children if c.type == ","]
            if len(patterns) == 1 and not commas:
                pattern = self.pattern(patterns[0])
            else:
                items = [self.pattern(p) for p in patterns]
                end = _point(commas[-1].end_point) if commas and commas[-1].start_byte > patterns[-1].start_byte \
                    else _point(patterns[-1].end_point)
                pattern = self.at(ast.MatchSequence(patterns=items), _point(patterns[0].start_point), end)
            cases.append(ast.match_case(pattern=pattern, guard=guard, body=self.body(clause, "consequence")))
        if not cases:
            raise _Invalid("match without cases")
        statement = ast.Match(subject=subject, cases=cases)
        return self.at(statement, _point(node.start_point), self.block_end(cases[-1].body))

    def pattern(self, node: tree_sitter.Node) -> ast.pattern:
        """A pattern node. tree-sitter inlines Python's simple patterns, so a literal may be several tokens
        (`-` `1`) among its parent's children: `simple` reads such a group."""
        kind = node.type
        if kind == "case_pattern":
            return self.simple([c for c in node.children if c.type not in _SKIP])
        if kind == "as_pattern":
            children = self.named(node)
            inner = self.pattern(children[0])
            name = _identifier(self.text(children[-1]))
            return self.span(ast.MatchAs(pattern=inner, name=name), node)
        if kind == "union_pattern":
            alternatives: list[ast.pattern] = []
            stack = [node]
            while stack:
                current = stack.pop()
                groups: list[list[tree_sitter.Node]] = [[]]
                for child in current.children:
                    if child.type == "|":
                        groups.append([])
                    elif child.type not in _SKIP:
                        groups[-1].append(child)
                for group in groups:
                    if len(group) == 1 and group[0].type == "union_pattern":
                        alternatives.extend(self.pattern(group[0]).patterns)  # type: ignore[attr-defined]
                    else:
                        alternatives.append(self.simple(group))
            return self.span(ast.MatchOr(patterns=alternatives), node)
        if kind in ("list_pattern", "tuple_pattern"):
            children = self.named(node)
            if kind == "tuple_pattern" and len(children) == 1 and not any(c.type == "," for c in node.children):
                return self.pattern(children[0])  # a parenthesised pattern
            items = [self.pattern(c) for c in children]
            return self.span(ast.MatchSequence(patterns=items), node)
        if kind == "splat_pattern":
            if self.text(node).startswith("**"):
                raise _Invalid("** pattern outside a mapping")
            names = self.named(node)
            star_name = _identifier(self.text(names[0])) if names else None
            return self.span(ast.MatchStar(name=star_name), node)
        if kind == "dict_pattern":
            return self.mapping(node)
        if kind == "class_pattern":
            return self.class_pattern(node)
        return self.simple([node])

    def simple(self, tokens: list[tree_sitter.Node]) -> ast.pattern:
        """A literal, value, capture or wildcard pattern given as its tokens, or one structured pattern."""
        if len(tokens) == 2 and tokens[0].type == "-" and tokens[1].type in ("integer", "float"):
            number = self.expr(tokens[1])
            value = self.at(ast.UnaryOp(op=ast.USub(), operand=number), _point(tokens[0].start_point),
                            _point(tokens[1].end_point))
            return self.at(ast.MatchValue(value=value), _point(tokens[0].start_point),
                                             _point(tokens[1].end_point))
        if len(tokens) != 1:
            raise _Invalid("pattern")
        node = tokens[0]
        kind = node.type
        if kind == "_":
            return self.span(ast.MatchAs(pattern=None, name=None), node)
        if kind in ("true", "false", "none"):
            singleton = {"true": True, "false": False, "none": None}[kind]
            return self.span(ast.MatchSingleton(value=singleton), node)
        if kind in ("string", "concatenated_string", "integer", "float"):
            # an f-string is accepted by the parser (the compiler rejects it)
            return self.span(ast.MatchValue(value=self.expr(node)), node)
        if kind == "complex_pattern":
            return self.span(ast.MatchValue(value=self.complex_pattern(node)), node)
        if kind == "dotted_name":
            parts = self.named(node)
            if len(parts) == 1:
                return self.span(ast.MatchAs(pattern=None, name=_identifier(self.text(parts[0]))),
                                                   node)
            return self.span(ast.MatchValue(value=self.dotted_expr(node)), node)
        if kind in ("case_pattern", "as_pattern", "union_pattern", "list_pattern", "tuple_pattern", "splat_pattern",
                    "dict_pattern", "class_pattern"):
            return self.pattern(node)
        raise _Invalid(f"pattern {kind}")

    def mapping(self, node: tree_sitter.Node) -> ast.pattern:
        keys: list[ast.expr] = []
        patterns: list[ast.pattern] = []
        rest: str | None = None
        key: list[tree_sitter.Node] = []
        expect_value = False
        for child in node.children[1:-1]:
            kind = child.type
            if kind in _SKIP or kind == ",":
                continue
            if kind == ":":
                value_pattern = self.simple(key)
                if isinstance(value_pattern, ast.MatchValue):
                    keys.append(value_pattern.value)
                elif isinstance(value_pattern, ast.MatchSingleton):
                    keys.append(self.span(ast.Constant(value=value_pattern.value, kind=None), key[0]))
                else:
                    raise _Invalid("mapping pattern key")
                key, expect_value = [], True
            elif expect_value:
                patterns.append(self.pattern(child))
                expect_value = False
            elif kind == "splat_pattern":
                if rest is not None or not self.text(child).startswith("**"):
                    raise _Invalid("mapping rest")
                rest = _identifier(self.text(self.named(child)[0]))
            else:
                key.append(child)
        if key or len(keys) != len(patterns):
            raise _Invalid("mapping pattern")
        return self.span(ast.MatchMapping(keys=keys, patterns=patterns, rest=rest), node)

    def class_pattern(self, node: tree_sitter.Node) -> ast.pattern:
        children = self.named(node)
        cls = self.dotted_expr(children[0])
        positional: list[ast.pattern] = []
        attrs: list[str] = []
        kwd: list[ast.pattern] = []
        for child in children[1:]:
            keyword, alias = _keyword_pattern(child)
            if keyword is not None:
                tokens = [c for c in keyword.children if c.type not in _SKIP]
                attrs.append(_identifier(self.text(tokens[0])))
                value = self.simple(tokens[2:])
                if alias is not None:  # `k=P() as x`: tree-sitter wraps the keyword, Python the value
                    value = self.at(ast.MatchAs(pattern=value, name=_identifier(self.text(alias))),
                                    _point(tokens[2].start_point), _point(alias.end_point))
                kwd.append(value)
            else:
                if attrs:
                    raise _Invalid("positional pattern follows keyword pattern")
                positional.append(self.pattern(child))
        return self.span(ast.MatchClass(cls=cls, patterns=positional, kwd_attrs=attrs,
                                                          kwd_patterns=kwd), node)

    def dotted_expr(self, node: tree_sitter.Node) -> ast.expr:
        parts = self.named(node)
        value: ast.expr = self.name(parts[0])
        for part in parts[1:]:
            value = self.at(ast.Attribute(value=value, attr=_identifier(self.text(part)), ctx=ast.Load()),
                            self.start_of(value), _point(part.end_point))
        return value

    def complex_pattern(self, node: tree_sitter.Node) -> ast.expr:
        children = [c for c in node.children if c.type not in _SKIP]
        items: list[ast.expr | str] = []
        negative = False
        first_start: Point | None = None
        for child in children:
            if child.type == "-" and not items:
                negative, first_start = True, _point(child.start_point)
                continue
            if child.type in ("+", "-"):
                items.append(child.type)
                continue
            number = self.expr(child)
            if negative and not items:
                number = self.at(ast.UnaryOp(op=ast.USub(), operand=number), cast(Point, first_start),
                                 self.end_of(number))
            items.append(number)
        if len(items) != 3:
            raise _Invalid("complex pattern")
        left, op, right = items
        assert isinstance(left, ast.expr) and isinstance(right, ast.expr) and isinstance(op, str)
        return self.at(ast.BinOp(left=left, op=_BINOPS[op](), right=right), self.start_of(left), self.end_of(right))

    # -- expressions ------------------------------------------------------------------------------------------
    def expr(self, node: tree_sitter.Node) -> ast.expr:
        if self.substitute:
            node = self.substitute.get(node.id, node)
        lower = self.expr_kinds.get(node.type)
        if lower is None:
            raise _Invalid(f"expression {node.type}")  # as_pattern, print-chevron, ...
        return lower(node)

    def name(self, node: tree_sitter.Node) -> ast.expr:
        return self.span(ast.Name(id=_identifier(self.text(node)), ctx=ast.Load()), node)

    def store_name(self, node: tree_sitter.Node) -> ast.Name:
        return self.span(ast.Name(id=_identifier(self.text(node)), ctx=ast.Store()), node)

    def number(self, node: tree_sitter.Node) -> ast.expr:
        text = self.text(node)
        if text.isdigit() and (text[0] != "0" or text.count("0") == len(text)):  # the common case, exactly
            return self.span(ast.Constant(value=int(text), kind=None), node)
        if text[-1:] in ("l", "L"):
            raise _Invalid("long integer literal")  # Python 2
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                value = ast.literal_eval(text)
        except (SyntaxError, ValueError) as exc:
            raise _Invalid("number") from exc
        return self.span(ast.Constant(value=value, kind=None), node)

    def const(self, node: tree_sitter.Node) -> ast.expr:
        value = {"true": True, "false": False, "none": None, "ellipsis": ...}[node.type]
        return self.span(ast.Constant(value=value, kind=None), node)

    def chain(self, node: tree_sitter.Node) -> ast.expr:
        """attribute / subscript / call chains, left spine iterated (a builder chain may be long)."""
        spine: list[tree_sitter.Node] = []
        current = node
        while (base := _CHAIN_BASE.get(current.type)) is not None:
            spine.append(current)
            current = self.field(current, base)
        star = None
        if current.type == "list_splat" and spine:  # tree-sitter reads `*f(x)` as `(*f)(x)`
            star, current = current, self.named(current)[0]
        value = self.expr(current)
        start = _point(current.start_point)  # every link of a chain starts where its base does
        for link in reversed(spine):
            kind = link.type
            end = _point(link.end_point)
            if kind == "attribute":
                attr = self.field(link, "attribute")
                value = self.at(ast.Attribute(value=value, attr=_identifier(self.text(attr)), ctx=ast.Load()), start,
                                end)
            elif kind == "subscript":
                value = self.at(ast.Subscript(value=value, slice=self.subscript(link), ctx=ast.Load()), start, end)
            else:
                arguments = self.field(link, "arguments")
                if arguments.type == "generator_expression":
                    args, keywords = [self.comprehension(arguments)], list[ast.keyword]()
                else:
                    args, keywords = self.arguments(arguments)
                value = self.at(ast.Call(func=value, args=args, keywords=keywords), start, end)
        if star is not None:
            value = self.span(ast.Starred(value=value, ctx=ast.Load()), node)
        return value

    def subscript(self, node: tree_sitter.Node) -> ast.expr:
        items = node.children_by_field_name("subscript")
        comma = None
        for child in reversed(node.children[:-1]):
            if child.type in _SKIP:
                continue
            comma = child if child.type == "," else None
            break
        if len(items) == 1 and comma is None and not _starred(items[0]):
            return self.slice_item(items[0])
        elts = [self.slice_item(i) for i in items]
        end = _point(comma.end_point) if comma is not None else _point(items[-1].end_point)
        return self.at(ast.Tuple(elts=elts, ctx=ast.Load()), _point(items[0].start_point), end)

    def slice_item(self, node: tree_sitter.Node) -> ast.expr:
        if node.type != "slice":
            return self.expr(node)
        parts: list[ast.expr | None] = [None, None, None]
        at = 0
        for child in node.children:
            if child.type == ":":
                at += 1
            elif child.type not in _SKIP:
                parts[at] = self.expr(child)
        return self.span(ast.Slice(lower=parts[0], upper=parts[1], step=parts[2]), node)

    def arguments(self, node: tree_sitter.Node) -> tuple[list[ast.expr], list[ast.keyword]]:
        args: list[ast.expr] = []
        keywords: list[ast.keyword] = []
        for child in self.named(node):
            kind = child.type
            if kind == "keyword_argument":
                name = self.field(child, "name")
                keywords.append(self.span(ast.keyword(arg=_identifier(self.text(name)),
                                                      value=self.expr(self.field(child, "value"))), child))
            elif kind == "dictionary_splat":
                keywords.append(self.span(ast.keyword(arg=None, value=self.expr(self.named(child)[0])), child))
            else:
                args.append(self.expr(child))
        return args, keywords

    def elements(self, node: tree_sitter.Node) -> list[ast.expr]:
        return [self.expr(c) for c in self.named(node)]

    def list_(self, node: tree_sitter.Node) -> ast.expr:
        return self.span(ast.List(elts=self.elements(node), ctx=ast.Load()), node)

    def tuple_(self, node: tree_sitter.Node) -> ast.expr:
        children = self.named(node)
        if node.type == "tuple_pattern" and len(children) == 1 and not any(c.type == "," for c in node.children):
            return self.expr(children[0])  # `(x) = ...`: a parenthesised target
        return self.span(ast.Tuple(elts=[self.expr(c) for c in children], ctx=ast.Load()), node)

    def bare_tuple(self, node: tree_sitter.Node) -> ast.expr:
        """`a, b` without parentheses: it spans its elements and a trailing comma."""
        elts = self.elements(node)
        return self.span(ast.Tuple(elts=elts, ctx=ast.Load()), node)

    def set_(self, node: tree_sitter.Node) -> ast.expr:
        return self.span(ast.Set(elts=self.elements(node)), node)

    def dict_(self, node: tree_sitter.Node) -> ast.expr:
        keys: list[ast.expr | None] = []
        values: list[ast.expr] = []
        for child in self.named(node):
            if child.type == "pair":
                keys.append(self.expr(self.field(child, "key")))
                values.append(self.expr(self.field(child, "value")))
            else:
                keys.append(None)
                values.append(self.expr(self.named(child)[0]))
        return self.span(ast.Dict(keys=keys, values=values), node)

    def comprehension(self, node: tree_sitter.Node) -> ast.expr:
        body = self.field(node, "body")
        generators: list[ast.comprehension] = []
        for clause in self.named(node)[1:]:
            if clause.type == "for_in_clause":
                is_async = _starts_with(clause, "async")
                right = clause.children_by_field_name("right")
                if len(right) != 1 or clause.children[-1].type == ",":
                    raise _Invalid("comprehension over an unparenthesized tuple")
                generators.append(ast.comprehension(target=self.target(self.field(clause, "left"), ast.Store()),
                                                    iter=self.expr(right[0]), ifs=[], is_async=int(is_async)))
            elif clause.type == "if_clause":
                generators[-1].ifs.append(self.expr(self.named(clause)[0]))
        kind = node.type
        if kind == "dictionary_comprehension":
            key, value = self.expr(self.field(body, "key")), self.expr(self.field(body, "value"))
            return self.span(ast.DictComp(key=key, value=value, generators=generators), node)
        elt = self.expr(body)
        cls = {"list_comprehension": ast.ListComp, "set_comprehension": ast.SetComp,
               "generator_expression": ast.GeneratorExp}[kind]
        return self.span(cls(elt=elt, generators=generators), node)

    def parenthesized(self, node: tree_sitter.Node) -> ast.expr:
        children = self.named(node)
        if len(children) != 1:
            raise _Invalid("parentheses")
        inner = children[0]
        if inner.type == "list_splat":
            raise _Invalid("starred expression in parentheses")
        return self.expr(inner)

    def binary(self, node: tree_sitter.Node) -> ast.expr:
        """binary_operator / unary_operator / await: tree-sitter-python's precedences differ from Python's (it binds
        `^` tighter than `&`, and `await` looser than `**`), so the operator region is flattened into its tokens
        and parsed again with Python's grammar (`factor`, `power`, `await_primary`)."""
        tokens: list[tuple[str, tree_sitter.Node]] = []  # ("op" | "unary" | "await" | "operand", node)
        stack = [node]
        while stack:
            current = stack.pop()
            kind = current.type
            if kind == "binary_operator":
                stack.append(self.field(current, "right"))
                stack.append(self.field(current, "operator"))
                stack.append(self.field(current, "left"))
            elif kind == "unary_operator":
                stack.append(self.field(current, "argument"))
                tokens.append(("unary", current))
            elif kind == "await":
                stack.append(self.named(current)[0])
                tokens.append(("await", current))
            elif not current.is_named:
                tokens.append(("op", current))
            else:
                tokens.append(("operand", current))
        star = None
        if tokens[0][0] == "operand" and tokens[0][1].type == "list_splat" and len(tokens) > 1:
            star = tokens[0][1]  # tree-sitter reads `*a + b` as `(*a) + b`
            tokens[0] = ("operand", self.named(star)[0])
        value = _Operators(self, tokens).parse()
        if star is not None:
            value = self.span(ast.Starred(value=value, ctx=ast.Load()), node)
        return value

    def boolean(self, node: tree_sitter.Node) -> ast.expr:
        op_text = self.text(self.field(node, "operator"))
        values: list[ast.expr] = []
        spine = [node]
        current = self.field(node, "left")
        while current.type == "boolean_operator" and self.text(self.field(current, "operator")) == op_text:
            spine.append(current)
            current = self.field(current, "left")
        values.append(self.expr(current))
        for link in reversed(spine):
            values.append(self.expr(self.field(link, "right")))
        op = ast.And() if op_text == "and" else ast.Or()
        return self.span(ast.BoolOp(op=op, values=values), node)

    def compare(self, node: tree_sitter.Node) -> ast.expr:
        operands: list[ast.expr] = []
        ops: list[ast.cmpop] = []
        operators = {c.id for c in node.children_by_field_name("operators")}
        for child in node.children:
            if child.id in operators:
                text = " ".join(self.text(child).replace("\\", " ").split())
                if text == "<>":
                    raise _Invalid("<>")  # Python 2
                ops.append(_CMPOPS[text]())
            elif child.is_named and child.type not in _SKIP:
                operands.append(self.expr(child))
        return self.span(ast.Compare(left=operands[0], ops=ops, comparators=operands[1:]), node)

    def not_(self, node: tree_sitter.Node) -> ast.expr:
        return self.span(ast.UnaryOp(op=ast.Not(), operand=self.expr(self.field(node, "argument"))),
                                        node)

    def conditional(self, node: tree_sitter.Node) -> ast.expr:
        first, test_node, orelse_node = self.named(node)
        if first.type == "named_expression":  # tree-sitter reads `x := a if b else c` as `(x := a) if b else c`
            target = self.store_name(self.field(first, "name"))
            value_node = self.field(first, "value")
            inner = ast.IfExp(test=self.expr(test_node), body=self.expr(value_node), orelse=self.expr(orelse_node))
            self.at(inner, _point(value_node.start_point), _point(node.end_point))
            return self.span(ast.NamedExpr(target=target, value=inner), node)
        body, test, orelse = self.expr(first), self.expr(test_node), self.expr(orelse_node)
        return self.span(ast.IfExp(test=test, body=body, orelse=orelse), node)

    def named_expr(self, node: tree_sitter.Node) -> ast.expr:
        target = self.store_name(self.field(node, "name"))
        return self.span(ast.NamedExpr(target=target, value=self.expr(self.field(node, "value"))),
                                        node)

    def lambda_(self, node: tree_sitter.Node) -> ast.expr:
        params = self.parameters(node.child_by_field_name("parameters"))
        return self.span(ast.Lambda(args=params, body=self.expr(self.field(node, "body"))), node)

    def yield_(self, node: tree_sitter.Node) -> ast.expr:
        children = self.named(node)
        if any(c.type == "from" for c in node.children):
            return self.span(ast.YieldFrom(value=self.expr(children[0])), node)
        value = self.expr(children[0]) if children else None
        return self.span(ast.Yield(value=value), node)

    def starred(self, node: tree_sitter.Node) -> ast.expr:
        return self.span(ast.Starred(value=self.expr(self.named(node)[0]), ctx=ast.Load()), node)

    # -- annotations: tree-sitter reads `list[int]` in a `type` position as a generic type ----------------------
    def type_(self, node: tree_sitter.Node) -> ast.expr:
        children = self.named(node)
        if len(children) != 1:
            raise _Invalid("type")
        return self.expr(children[0])

    def generic(self, node: tree_sitter.Node) -> ast.expr:
        head, params = self.named(node)
        items = self.named(params)
        value = self.name(head)
        comma = next((c for c in reversed(params.children[:-1]) if c.type not in _SKIP), None)
        trailing = comma is not None and comma.type == ","
        if len(items) == 1 and not trailing and not _starred(items[0]):
            slice_ = self.type_item(items[0])
        else:
            elts = [self.type_item(i) for i in items]
            end = _point(comma.end_point) if trailing and comma is not None else _point(items[-1].end_point)
            slice_ = self.at(ast.Tuple(elts=elts, ctx=ast.Load()), _point(items[0].start_point), end)
        return self.span(ast.Subscript(value=value, slice=slice_, ctx=ast.Load()), node)

    def type_item(self, node: tree_sitter.Node) -> ast.expr:
        """An item of `X[...]` read as a generic type: `X[a:b]` is read as a constrained type, i.e. a slice."""
        inner = self.named(node)[0] if node.type == "type" and node.named_child_count == 1 else node
        if inner.type != "constrained_type":
            return self.expr(node)
        parts: list[tree_sitter.Node] = []
        current = inner
        while current.type == "constrained_type":
            left, right = self.named(current)
            parts.append(left)
            current = self.named(right)[0] if right.type == "type" and right.named_child_count == 1 else right
        parts.append(current)
        if len(parts) > 3:
            raise _Invalid("slice")
        bounds: list[ast.expr | None] = [self.expr(p) for p in parts] + [None] * (3 - len(parts))
        return self.span(ast.Slice(lower=bounds[0], upper=bounds[1], step=bounds[2]), inner)

    def union(self, node: tree_sitter.Node) -> ast.expr:
        """`A | B | C` in a type position: tree-sitter nests union types either way, Python's `|` is left-assoc."""
        operands: list[tree_sitter.Node] = []
        stack = [node]
        while stack:
            current = stack.pop()
            if current.type == "type" and current.named_child_count == 1:
                stack.append(self.named(current)[0])
            elif current.type == "union_type":
                left, right = self.named(current)
                stack.extend((right, left))
            elif current.type == "binary_operator" and self.text(self.field(current, "operator")) == "|":
                stack.extend((self.field(current, "right"), self.field(current, "left")))
            else:
                operands.append(current)
        value = self.expr(operands[0])
        start = _point(operands[0].start_point)
        for operand in operands[1:]:
            value = self.at(ast.BinOp(left=value, op=ast.BitOr(), right=self.expr(operand)), start,
                            _point(operand.end_point))
        return value

    def member(self, node: tree_sitter.Node) -> ast.expr:
        value, attr = self.named(node)
        return self.span(ast.Attribute(value=self.expr(value), attr=_identifier(self.text(attr)),
                                                      ctx=ast.Load()), node)

    def splat_type(self, node: tree_sitter.Node) -> ast.expr:
        if self.text(node).startswith("**"):
            raise _Invalid("** in an annotation")
        return self.span(ast.Starred(value=self.name(self.named(node)[0]), ctx=ast.Load()), node)

    # -- strings ----------------------------------------------------------------------------------------------
    def string(self, node: tree_sitter.Node) -> ast.expr:
        parts = [c for c in node.named_children if c.type == "string"] if node.type == "concatenated_string" \
            else [node]
        cased = [self.prefix(p) for p in parts]
        prefixes = [p.lower() for p in cased]
        kinds = {"b" in p for p in prefixes}
        if len(kinds) > 1:
            raise _Invalid("cannot mix bytes and nonbytes literals")
        templates = {"t" in p for p in prefixes}
        if len(templates) > 1:
            raise _Invalid("cannot mix t-string literals with string or bytes literals")
        if any("f" in p or "t" in p for p in prefixes):
            return self.formatted(node, parts, prefixes, template=True in templates, unicode=cased[0] == "u")
        value: str | bytes
        pieces = [self.literal(p) for p in parts]
        value = b"".join(cast(list[bytes], pieces)) if True in kinds else "".join(cast(list[str], pieces))
        kind = "u" if cased[0] == "u" else None  # CPython marks a lower-case u prefix only
        return self.span(ast.Constant(value=value, kind=kind), node)

    def prefix(self, part: tree_sitter.Node) -> str:
        start = part.child(0)
        text = self.text(start) if start is not None else ""
        letters = text.rstrip("'\"")
        if letters.lower() not in _PREFIXES:
            raise _Invalid(f"string prefix {letters!r}")
        return letters

    def literal(self, part: tree_sitter.Node) -> str | bytes:
        text = self.text(part)
        if "\\" not in text:  # no escapes: the text between the quotes (the common case, exactly)
            start = part.child(0)
            opening = self.text(start) if start is not None else ""
            letters = opening.rstrip("'\"").lower()
            quote = len(opening) - len(letters)
            if letters in ("", "r", "u") and len(text) >= len(letters) + 2 * quote:
                return text[len(letters) + quote : len(text) - quote]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                value = ast.literal_eval(self.text(part))
        except (SyntaxError, ValueError) as exc:
            raise _Invalid("string literal") from exc
        if not isinstance(value, str | bytes):
            raise _Invalid("string literal")
        return value

    def formatted(self, node: tree_sitter.Node, parts: Sequence[tree_sitter.Node], prefixes: Sequence[str],
                  template: bool, unicode: bool) -> ast.expr:
        """An f-string (or t-string), as one JoinedStr (TemplateStr) over all implicitly concatenated parts."""
        whole_start, whole_end = _point(node.start_point), _point(node.end_point)
        pieces = _Pieces(self, whole_start, whole_end, template)
        pieces.unicode = unicode
        for part, prefix in zip(parts, prefixes, strict=True):
            if "f" not in prefix and "t" not in prefix:
                value = self.literal(part)
                assert isinstance(value, str)
                pieces.literal(value, _point(part.start_point), _point(part.end_point), token=True,
                               unicode=self.prefix(part) == "u")
                continue
            self.f_part(part, "r" in prefix, pieces)
        values = pieces.finish()
        cls = _TemplateStr if template else ast.JoinedStr
        return self.span(cls(values=values), node)

    def f_part(self, part: tree_sitter.Node, raw: bool, pieces: _Pieces) -> None:
        """One f-string (t-string) part. Its literal text is read from the bytes between the interpolations:
        tree-sitter's tokens may put text in the closing token (`rf'{x}\\''` ends with the token `\\''`)."""
        children = part.children
        pieces.part(_point(part.start_point), _point(part.end_point))
        opening, closing = children[0], children[-1]
        quote = len(self.text(opening)) - len(self.prefix(part))
        pieces.quote = self.data[opening.end_byte - quote : opening.end_byte]
        close_byte = closing.end_byte - quote
        close_point = (closing.end_point[0], closing.end_point[1] - quote)
        at, at_point = opening.end_byte, _point(opening.end_point)
        for child in children[1:-1]:
            if child.type == "string_content" or child.type in _SKIP:
                continue
            if child.type != "interpolation":
                raise _Invalid("f-string")
            if child.start_byte > at:
                pieces.literal(self.chunk(self.data[at : child.start_byte], raw), at_point, _point(child.start_point))
            self.interpolation(child, raw, pieces)
            at, at_point = child.end_byte, _point(child.end_point)
        if close_byte > at:
            pieces.literal(self.chunk(self.data[at:close_byte], raw), at_point, close_point)

    def chunk(self, data: bytes, raw: bool) -> str:
        """A literal stretch of an f-string: `{{` and `}}` are braces, escapes decoded unless raw."""
        return self.decode(data.replace(b"{{", b"{").replace(b"}}", b"}"), raw)

    @staticmethod
    def decode(chunk: bytes, raw: bool) -> str:
        text = chunk.decode("utf-8", "surrogatepass")
        return text if raw else _unescape(text)

    def interpolation(self, node: tree_sitter.Node, raw: bool, pieces: _Pieces) -> None:
        expr_node = self.field(node, "expression")
        if expr_node.type == "lambda":
            raise _Invalid("f-string: lambda expressions are not allowed without parentheses")
        if expr_node.type == "named_expression":  # `{x:=10}` is `x` with the format spec `=10`, not a walrus
            self.walrus_spec(node, expr_node, raw, pieces)
            return
        debug = any(c.type == "=" and c.start_byte >= expr_node.end_byte for c in node.children)
        conversion_node = node.child_by_field_name("type_conversion")
        spec_node = node.child_by_field_name("format_specifier")
        conversion = -1
        if conversion_node is not None:
            letter = self.text(conversion_node)[1:]
            if letter not in ("r", "s", "a"):
                raise _Invalid("f-string conversion")
            conversion = ord(letter)
        if debug:
            after = next(c for c in node.children if c.start_byte > expr_node.start_byte
                         and c.type in ("type_conversion", "format_specifier", "}", "format_expression"))
            pieces.literal(self.data[node.start_byte + 1 : after.start_byte].decode("utf-8", "surrogatepass"),
                           (node.start_point[0], node.start_point[1] + 1), _point(after.start_point))
            if conversion_node is None and spec_node is None:
                conversion = ord("r")
        value = self.expr(expr_node)
        after_expr = next((c for c in node.children if c.start_byte >= expr_node.end_byte
                           and c.type in ("=", "type_conversion", "format_specifier", "}")), node.children[-1])
        if not _PY312 and expr_node.type == "expression_list":  # 3.11 parses `{a, b}` as `(a, b)` in place
            self.at(value, _point(node.start_point), (after_expr.start_point[0], after_expr.start_point[1] + 1))
        spec = self.format_spec(spec_node, raw, pieces) if spec_node is not None else None
        source = self.source_text(node.children[0].end_byte, after_expr.start_byte, expr_node)
        pieces.value(value, source, conversion, spec, _point(node.start_point), _point(node.end_point))

    def source_text(self, start: int, end: int, expr: tree_sitter.Node) -> str:
        """An interpolation's expression as written, without its comments (a t-string keeps it)."""
        data = self.data[start:end]
        if b"#" in data:
            comments: list[tree_sitter.Node] = []
            stack = [expr.parent] if expr.parent is not None else []
            while stack:
                current = stack.pop()
                for child in current.children:
                    if child.type == "comment" and start <= child.start_byte < end:
                        comments.append(child)
                    elif child.child_count and child.start_byte < end and child.end_byte > start:
                        stack.append(child)
            for comment in sorted(comments, key=lambda c: -c.start_byte):
                data = data[: comment.start_byte - start] + data[comment.end_byte - start :]
        return data.decode("utf-8", "surrogatepass")

    def walrus_spec(self, node: tree_sitter.Node, walrus: tree_sitter.Node, raw: bool, pieces: _Pieces) -> None:
        name = self.field(walrus, "name")
        colon = next((c for c in walrus.children if c.type == ":="), None)
        close = node.children[-1]
        if colon is None or close.type != "}" or any(c.type in ("type_conversion", "format_specifier", "=")
                                                     for c in node.children):
            raise _Invalid("f-string walrus")
        spec_text = self.data[colon.start_byte + 1 : close.start_byte]
        if b"{" in spec_text or b"}" in spec_text:
            raise _Invalid("f-string walrus")
        inner = _Pieces(self, pieces.whole_start, pieces.whole_end, False, spec=True)
        inner.part(pieces.part_start, pieces.part_end)
        inner.unicode = pieces.unicode
        spec_start = (colon.start_point[0], colon.start_point[1] + 1)
        inner.literal(self.decode(spec_text, raw), spec_start, _point(close.start_point))
        start = _point(colon.start_point)
        spec = self.at(ast.JoinedStr(values=inner.finish()), *(
            (start, _point(close.start_point)) if _PY312 else (pieces.part_start, pieces.part_end)))
        pieces.value(self.name(name), self.text(name), -1, spec, _point(node.start_point), _point(node.end_point))

    def format_spec(self, node: tree_sitter.Node, raw: bool, pieces: _Pieces) -> ast.expr:
        inner = _Pieces(self, pieces.whole_start, pieces.whole_end, False, spec=True)
        inner.part(pieces.part_start, pieces.part_end)
        inner.unicode = pieces.unicode
        colon = node.children[0]
        at = colon.end_byte
        at_point = _point(colon.end_point)
        parent = node.parent
        close = parent.children[-1] if parent is not None and parent.children[-1].type == "}" else None
        end_byte = close.start_byte if close is not None else node.end_byte  # a spec may end with a newline
        end_point = _point(close.start_point) if close is not None else _point(node.end_point)
        for child in [*node.children[1:], None]:
            if child is not None and child.type != "format_expression":
                continue
            stop = child.start_byte if child is not None else end_byte
            if stop > at:
                literal = self.data[at:stop]
                if pieces.quote in re.sub(rb"\\.", b"", literal):  # an escaped quote is fine
                    raise _Invalid("f-string: the string's quote in a format spec")
                inner.literal(self.decode(literal, raw), at_point,
                              _point(child.start_point) if child is not None else end_point)
            if child is not None:
                self.interpolation(child, raw, inner)
                at, at_point = child.end_byte, _point(child.end_point)
        values = inner.finish()
        return self.at(ast.JoinedStr(values=values), *pieces.spec_span(node, end_point))


_CHAIN_BASE = {"attribute": "object", "subscript": "value", "call": "function"}
_PRECEDENCE = {"|": 1, "^": 2, "&": 3, "<<": 4, ">>": 4, "+": 5, "-": 5, "*": 6, "@": 6, "/": 6, "//": 6, "%": 6}


class _Operators:
    """Python's grammar over a flattened operator region: `sum: sum '+' term | term`, ..., `factor: '-' factor |
    power`, `power: await_primary '**' factor | await_primary`, `await_primary: 'await' primary | primary`."""

    def __init__(self, lowering: _Lowering, tokens: list[tuple[str, tree_sitter.Node]]) -> None:
        self.lowering = lowering
        self.tokens = tokens
        self.at = 0
        self.spans: dict[int, tuple[Point, Point]] = {}

    def parse(self) -> ast.expr:
        value = self.binary(1)
        if self.at != len(self.tokens):
            raise _Invalid("operators")
        return value

    def peek_op(self) -> str | None:
        if self.at < len(self.tokens) and self.tokens[self.at][0] == "op":
            return self.tokens[self.at][1].type
        return None

    def binary(self, level: int) -> ast.expr:
        if level > 6:
            return self.factor()
        left = self.binary(level + 1)
        while True:
            op = self.peek_op()
            if op is None or _PRECEDENCE.get(op) != level:
                return left
            self.at += 1
            right = self.binary(level + 1)
            left = self.lowering.at(ast.BinOp(left=left, op=_BINOPS[op](), right=right), self.start(left),
                                    self.end(right))

    def factor(self) -> ast.expr:
        if self.at >= len(self.tokens):
            raise _Invalid("operand expected")
        kind, node = self.tokens[self.at]
        if kind == "unary":
            self.at += 1
            operand = self.factor()
            op = _UNARY[self.lowering.text(self.lowering.field(node, "operator"))]()
            return self.lowering.at(ast.UnaryOp(op=op, operand=operand), _point(node.start_point),
                                    self.end(operand))
        base = self.await_primary()
        if self.peek_op() == "**":
            self.at += 1
            exponent = self.factor()
            return self.lowering.at(ast.BinOp(left=base, op=ast.Pow(), right=exponent), self.start(base),
                                    self.end(exponent))
        return base

    def await_primary(self) -> ast.expr:
        kind, node = self.tokens[self.at]
        self.at += 1
        if kind == "await":
            if self.at >= len(self.tokens) or self.tokens[self.at][0] != "operand":
                raise _Invalid("await needs a primary")
            operand = self.operand()
            return self.lowering.at(ast.Await(value=operand), _point(node.start_point), self.end(operand))
        if kind != "operand":
            raise _Invalid("operand expected")
        self.at -= 1
        return self.operand()

    def operand(self) -> ast.expr:
        node = self.tokens[self.at][1]
        self.at += 1
        return self.mark(self.lowering.expr(node), node)

    def mark(self, value: ast.expr, node: tree_sitter.Node) -> ast.expr:
        """Remember where the tokens of `value` start and end: a parenthesised operand's include its parentheses."""
        self.spans[id(value)] = (_point(node.start_point), _point(node.end_point))
        return value

    def start(self, value: ast.expr) -> Point:
        span = self.spans.get(id(value))
        return span[0] if span is not None else self.lowering.start_of(value)

    def end(self, value: ast.expr) -> Point:
        span = self.spans.get(id(value))
        return span[1] if span is not None else self.lowering.end_of(value)


_PREFIXES = frozenset({"", "r", "u", "b", "br", "rb", "f", "fr", "rf", "t", "tr", "rt"})


class _Pieces:
    """The values of one JoinedStr / TemplateStr: adjacent literals merged, empty ones dropped, positioned as the
    running interpreter positions them (3.12+: each piece its own span; 3.11: every piece spans the whole
    string, a format spec the string part it is in)."""

    def __init__(self, lowering: _Lowering, whole_start: Point, whole_end: Point, template: bool,
                 spec: bool = False) -> None:
        self.lowering = lowering
        self.whole_start, self.whole_end = whole_start, whole_end
        self.template = template
        self.spec = spec
        self.values: list[ast.expr] = []
        self.text: list[str] = []
        self.text_start: Point | None = None
        self.text_unicode = False
        self.text_end: Point | None = None
        self.part_start: Point = whole_start
        self.part_end: Point = whole_end
        self.unicode = False  # 3.11 marks every literal of an f-string whose first part has a `u` prefix
        self.quote = b'"'  # the quotes of the part being read

    def literal(self, value: str, start: Point, end: Point, *, token: bool = False, unicode: bool = False) -> None:
        """A literal piece; `token`: a whole plain string part, which (even empty) opens a merged literal's span
        in 3.12+; `unicode`: that part has a `u` prefix (3.12+ marks the literal it opens)."""
        if not value and not token:
            return
        if self.text_start is None:
            self.text_start = start
            self.text_unicode = unicode
        self.text.append(value)
        self.text_end = end

    def flush(self, last: bool = False) -> None:
        value = "".join(self.text)
        if value:
            unicode = self.text_unicode if _PY312 else self.unicode
            constant = ast.Constant(value=value, kind="u" if unicode else None)
            if _PY312:
                self.lowering.at(constant, cast(Point, self.text_start), cast(Point, self.text_end))
            elif last and self.spec:  # 3.11 gives a format spec's last literal the string part's span
                self.lowering.at(constant, self.part_start, self.part_end)
            else:
                self.lowering.at(constant, self.whole_start, self.whole_end)
            self.values.append(constant)
        self.text, self.text_start, self.text_end = [], None, None

    def value(self, value: ast.expr, source: str, conversion: int, spec: ast.expr | None, start: Point,
              end: Point) -> None:
        self.flush()
        node: ast.expr
        if self.template:
            node = cast(ast.expr, _Interpolation(value=value, str=source, conversion=conversion, format_spec=spec))
        else:
            node = ast.FormattedValue(value=value, conversion=conversion, format_spec=spec)
        if _PY312:
            self.lowering.at(node, start, end)
        else:
            self.lowering.at(node, self.whole_start, self.whole_end)
        self.values.append(node)

    def part(self, start: Point, end: Point) -> None:
        self.part_start, self.part_end = start, end

    def spec_span(self, node: tree_sitter.Node, end: Point) -> tuple[Point, Point]:
        if _PY312:
            return _point(node.start_point), end
        return self.part_start, self.part_end

    def finish(self) -> list[ast.expr]:
        self.flush(last=True)
        return self.values


def _as_pattern(value: tree_sitter.Node) -> tree_sitter.Node | None:
    """The `x as y` pattern at the end of a with item's right spine (`with a or b as c`), or None."""
    node = value
    while True:
        if node.type == "as_pattern":
            return node
        if node.type not in ("conditional_expression", "boolean_operator", "not_operator", "lambda"):
            return None
        children = [c for c in node.named_children if c.type not in _SKIP]
        if not children:
            return None
        node = children[-1]


def _keyword_pattern(node: tree_sitter.Node) -> tuple[tree_sitter.Node | None, tree_sitter.Node | None]:
    """(keyword_pattern, `as` name) of a class pattern argument, (None, None) for a positional one."""
    inner = [c for c in node.named_children if c.type not in _SKIP] if node.type == "case_pattern" else []
    if len(inner) != 1:
        return None, None
    if inner[0].type == "keyword_pattern":
        return inner[0], None
    if inner[0].type == "as_pattern":
        parts = [c for c in inner[0].named_children if c.type not in _SKIP]
        keyword, _ = _keyword_pattern(parts[0])
        if keyword is not None:
            return keyword, parts[-1]
    return None, None


def _starts_with(node: tree_sitter.Node, token: str) -> bool:
    first = node.child(0)
    return first is not None and first.type == token


def _starred(node: tree_sitter.Node) -> bool:
    """`*x` (a subscript or type argument of its own is a one-element tuple: `a[*x]`, `tuple[*Ts]`). tree-sitter
    reads `*a[b]` as `(*a)[b]`, so the star may sit at the base of a chain."""
    while True:
        if node.type == "type" and node.named_child_count == 1:
            node = node.named_children[0]
        elif node.type in ("attribute", "subscript", "call", "binary_operator"):
            field = {"attribute": "object", "subscript": "value", "call": "function", "binary_operator": "left"}
            base = node.child_by_field_name(field[node.type])
            if base is None:
                return False
            node = base
        else:
            return node.type in ("list_splat", "splat_type")


def _point(point: Any) -> Point:
    return point[0], point[1]


def _set_ctx(node: ast.expr, ctx: ast.expr_context) -> None:
    """Mark an assignment / deletion target (and the elements of a tuple or list target) with `ctx`."""
    if isinstance(node, ast.Name | ast.Attribute | ast.Subscript):
        node.ctx = ctx
        return
    if isinstance(node, ast.Starred):
        if isinstance(ctx, ast.Del):
            raise _Invalid("cannot delete starred")
        node.ctx = ctx
        _set_ctx(node.value, ctx)
        return
    if isinstance(node, ast.Tuple | ast.List):
        node.ctx = ctx
        for elt in node.elts:
            _set_ctx(elt, ctx)
        return
    raise _Invalid(f"cannot assign to {type(node).__name__}")
