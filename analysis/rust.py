"""The Rust adapter: one tree-sitter parse of a `.rs` file into the shared model (analysis/model.py).

Facts only: `use` imports; functions, methods and closures (parameters, return type, attributes, visibility,
async, test-ness, complexity); structs, enums, traits and `impl` blocks (the trait an impl implements is its
base); calls, method calls and macro invocations (`CALL_MACRO`) with their arguments and where they sit
(`.await`, a loop, an async fn or block, a closure, a test, the condition of a guard clause). `x.unwrap()` is
a call named "unwrap" with receiver "x", on the line of `.unwrap` (where a multi-line chain writes it). Calls
written inside macro token trees (`json!({"a": x.unwrap()})`), which tree-sitter leaves unparsed, are read
from the tokens. Also `let`/assignments, constants, literal struct-literal and attribute fields; `let _ =`
discards; `unsafe` blocks; tests (`#[test]`, `#[tokio::test]`, `#[rstest]`, `proptest!`, helpers beside
them); routes and router mounts as the file declares them (axum, actix-web, Rocket), resolved across files by
analysis/routes/rust.py; routes that test code registers are not the service's and are not recorded.

Test code: a `#[cfg(test)]` module, impl or function, a `#[test]`-like function, a file under `tests/` or with
`#![cfg(test)]` sets CALL_IN_TEST on its calls. Items inside `cfg_if!` / `cfg_select!` blocks are read as items
(the wrapper is blanked out and the file parsed again, so lines and offsets stay the same).

Speed: one tree-sitter query (analysis.treesitter.NodeIndex) finds the node types read here; they are swept once
in document order with a stack of enclosing scopes (functions, closures, loops, modules, impls), so no node is
visited twice and no subtree is walked from Python except small ones (an argument, a route's handler chain).

Complexity: 1 + each `if` (an `else if` is one more), `let ... else`, `for` and `while` loop, `&&` and `||`, and
each arm of a `match` after the first (a match is exhaustive: n arms are n - 1 decisions). A bare `loop` is not a
decision (the `if` or `match` that breaks out of it is), nor is `?`. Closures count apart from their function.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from analysis.model import (
    CALL_AWAITED,
    CALL_BROKEN,
    CALL_GUARD,
    CALL_IN_ASYNC,
    CALL_IN_LAMBDA,
    CALL_IN_LOOP,
    CALL_IN_TEST,
    CALL_MACRO,
    CALL_STATEMENT,
    TEXT_CAP,
    Assign,
    Call,
    Class,
    Discard,
    FileModel,
    Function,
    Import,
    Mount,
    Param,
    RouteDecl,
    Setting,
    TestCase,
    TypeUse,
    Value,
)
from analysis.treesitter import NodeIndex, Source, parse

if TYPE_CHECKING:
    import tree_sitter

    from analysis.project import ProjectAnalysis

__all__ = [
    "ATTRIBUTE_ROUTE",
    "FUNCTION_REF",
    "RESOURCE_ROUTE",
    "ROUTER_ROUTE",
    "analyse_rust",
    "crate_module",
    "is_test_attribute",
    "test_only_files",
]

PARSER = "tree-sitter-rust"
# RouteDecl.framework of this adapter: how the route is declared (the resolver names the framework).
ATTRIBUTE_ROUTE = "attribute"  # #[get("/x")] async fn h() (actix-web, Rocket)
ROUTER_ROUTE = "router"  # .route("/x", get(h)) (axum, actix-web)
RESOURCE_ROUTE = "resource"  # web::resource("/x").route(web::get().to(h)) (actix-web)
# A Mount child naming a function as written in the file ("rsfn:routes::api_router"), resolved across files.
FUNCTION_REF = "rsfn:"

_TYPES = (
    "function_item", "closure_expression", "async_block", "mod_item", "impl_item", "trait_item", "struct_item",
    "enum_item", "union_item", "type_item", "attribute_item", "inner_attribute_item", "use_declaration",
    "extern_crate_declaration", "call_expression", "macro_invocation", "macro_definition", "for_expression",
    "while_expression", "loop_expression", "if_expression", "match_expression", "binary_expression",
    "let_declaration", "assignment_expression", "compound_assignment_expr", "expression_statement", "const_item",
    "static_item", "struct_expression", "unsafe_block", "await_expression",
)
_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "trace")
_VERB_SET = frozenset(_VERBS)
_NESTING = frozenset({"nest", "merge", "service", "configure", "mount"})
_WITH_PREFIX = frozenset({"nest", "mount"})
_MIDDLEWARE = frozenset({"wrap", "wrap_fn", "layer", "route_layer", "guard"})
_ORDERED_MIDDLEWARE = frozenset({"layer", "route_layer"})  # apply to what the chain declared before them
_NOT_ROUTERS = frozenset({"new", "default", "scope", "resource", "with_openapi"})
_FORMAT_MACROS = frozenset({
    "format", "format_args", "print", "println", "eprint", "eprintln", "write", "writeln", "panic", "anyhow",
    "bail", "ensure", "trace", "debug", "info", "warn", "error", "unreachable", "todo", "unimplemented",
    "assert", "assert_eq", "assert_ne", "expect",
})
_CFG_MACROS = frozenset({"cfg_if", "cfg_select", "cfg_match"})
_COMMENT = re.compile(r'("(?:[^"\\]|\\.)*")|//[^\n]*|/\*.*?\*/', re.S)  # a comment (a string literal is kept)
_PATH_HEAD = re.compile(r"(?<![\w:])([a-z_][a-z0-9_]*)\s*::")
_LINT_ATTR = re.compile(r"^#!?\[\s*(?:allow|expect)\s*\((.*)\)\s*\]$", re.S)
_PANIC_LINTS = frozenset({"unwrap_used", "expect_used", "panic", "todo", "unimplemented", "unreachable"})
_TEST_ATTR = re.compile(r"^#\[\s*(?:\w+\s*::\s*)*(test|rstest|test_case|proptest|quickcheck)\b")
_PROPERTY_ATTRS = frozenset({"proptest", "quickcheck"})
_CFG_TEST = re.compile(r"^#!?\[\s*cfg\s*\((?:(?!not\s*\(\s*test\s*\)).)*\btest\b", re.S)
_PROPERTY_MACROS = frozenset({"proptest", "quickcheck"})
_ARG_SKIP = frozenset({"attribute_item", "line_comment", "block_comment", ",", "(", ")"})
_LITERALS = frozenset({"string_literal", "raw_string_literal", "integer_literal", "float_literal", "boolean_literal",
                       "char_literal", "negative_literal"})
_MAX_WALK = 64
_ROOT = -2  # _Frame.test_mod of the file's top level
_MAX_TOKENS = 20_000  # tokens of one macro read for calls (a generated table is not code to read)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", "'": "'", '"': '"'}


def is_test_attribute(text: str) -> bool:
    """Whether an attribute marks a test function (`#[test]`, `#[tokio::test]`, `#[rstest]`, `#[test_case(..)]`,
    `#[quickcheck]`, `#[proptest]`, any `path::test`)."""
    return bool(_TEST_ATTR.match(text))


def crate_module(path: str) -> tuple[str, tuple[str, ...]]:
    """(crate folder, module path) of a file: `api/src/routes/users.rs` -> ("api/", ("routes", "users"))."""
    crate, sep, rest = path.rpartition("src/")
    if not sep:
        crate, rest = "", path
    parts = rest[:-3].split("/") if rest.endswith(".rs") else rest.split("/")
    if parts and parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return crate, tuple(p for p in parts if p)


def _norm(text: str) -> str:
    """Source text on one line: whitespace runs collapsed, none before a `.` of a method chain."""
    if " " not in text and "\n" not in text and "\t" not in text:
        return text
    return " ".join(text.split()).replace(" .", ".")


class _Frame:
    """An enclosing scope: what a node inside it belongs to."""

    __slots__ = ("end", "flags", "fn", "mod", "named", "owner", "public_methods", "test_mod")

    def __init__(self, end: int, fn: int, named: int, flags: int, owner: str, mod: tuple[str, ...],
                 public_methods: bool, test_mod: int) -> None:
        self.end, self.fn, self.named, self.flags, self.owner = end, fn, named, flags, owner
        self.mod, self.public_methods, self.test_mod = mod, public_methods, test_mod

    def inner(self, end: int, **changes: Any) -> _Frame:
        frame = _Frame(end, self.fn, self.named, self.flags, self.owner, self.mod, self.public_methods, -1)
        for key, value in changes.items():
            setattr(frame, key, value)
        return frame


class _Reader:
    def __init__(self, path: str, role: str, src: Source) -> None:
        self.path, self.role, self.src = path, role, src
        self.has_error = src.tree.root_node.has_error
        self.actix = False  # the file uses actix-web (set once its imports are read)
        self.imports: list[Import] = []
        self.functions: list[Function] = []
        self.complexity: list[int] = []
        self.statements: list[int] = []
        self.classes: list[Class] = []
        self.calls: list[Call] = []
        self.assigns: list[Assign] = []
        self.settings: list[Setting] = []
        self.discards: list[Discard] = []
        self.routes: list[RouteDecl] = []
        self.mounts: list[Mount] = []
        self.tests: list[TestCase] = []
        self.type_uses: list[TypeUse] = []
        self.markers: set[str] = set()
        self.alias: dict[str, str] = {}  # local name -> full path, from `use` and `extern crate`
        self.local: set[str] = set()  # names the file declares (mods, items): not crates
        self.test_file = role == "test"
        self.root_helpers: list[TestCase] = []
        self.route_nodes: list[tuple[tree_sitter.Node, int, int]] = []  # (node, named fn, fn)
        self.lets: dict[int, dict[str, tree_sitter.Node]] = {}  # named fn -> let variable -> value
        self.fn_nodes: list[tree_sitter.Node | None] = []
        # Where a call or macro sits, recorded top-down (a tree-sitter parent lookup costs the node's depth):
        self.awaited: set[int] = set()  # node ids of calls under `.await`
        self.statement_calls: set[int] = set()  # ... that are a whole expression statement
        self.guards: set[int] = set()  # ... that are the condition of a guard clause
        self.up: dict[int, tuple[str, tree_sitter.Node, int]] = {}  # id -> ("recv" | "arg" | "let", outer, arg index)
        self._tops: dict[int, tree_sitter.Node] = {}
        self._bases: dict[int, tree_sitter.Node] = {}
        self._afters: dict[int, tuple[str, ...]] = {}
        self._befores: dict[int, tuple[str, ...]] = {}
        self._contexts: dict[int, tuple[str, tuple[str, ...], tuple[str, ...]]] = {}
        from analysis.frameworks import WEB_FRAMEWORK_IMPORTS

        self.framework_crates = frozenset(WEB_FRAMEWORK_IMPORTS.get("rust", {}))

    # -- text ----------------------------------------------------------------------------------------------------
    def text(self, node: tree_sitter.Node | None) -> str:
        return self.src.text(node)

    def full(self, node: tree_sitter.Node | None) -> str:
        if node is None:
            return ""
        return self.src.data[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def tail(self, node: tree_sitter.Node) -> str:
        """The node's text on one line; when longer than TEXT_CAP, its start and its end (where a callee's name
        and a receiver's last call are) around an ellipsis."""
        start, end = node.start_byte, node.end_byte
        data = self.src.data
        if end - start <= TEXT_CAP * 4:
            text = _norm(data[start:end].decode("utf-8", "replace"))
            if len(text) <= TEXT_CAP:
                return text
            return text[: TEXT_CAP // 2 - 1] + "…" + text[-(TEXT_CAP // 2):]
        head = _norm(data[start : start + TEXT_CAP * 2].decode("utf-8", "replace"))
        tail = _norm(data[end - TEXT_CAP * 2 : end].decode("utf-8", "replace"))
        return head[: TEXT_CAP // 2 - 1] + "…" + tail[-(TEXT_CAP // 2):]

    def span(self, first: tree_sitter.Node, last: tree_sitter.Node) -> str:
        end = min(last.end_byte, first.start_byte + TEXT_CAP * 4)
        return _norm(self.src.data[first.start_byte : end].decode("utf-8", "replace"))[:TEXT_CAP]

    # -- the file ------------------------------------------------------------------------------------------------
    def read(self, tree: tree_sitter.Tree) -> None:
        idx = NodeIndex("rust", tree, _TYPES)
        root = tree.root_node
        for node in idx["inner_attribute_item"]:
            text = self.full(node)
            parent = node.parent
            if parent is not None and parent.type == "source_file" and _CFG_TEST.match(text):
                self.test_file = True
                self.markers.add("cfg-test")
            if parent is not None and "clippy::" in text:  # `#![allow(clippy::unwrap_used)]`: the enclosing item
                self._lints(text, parent.parent if parent.type in ("declaration_list", "block") and parent.parent
                            is not None else parent)
        for node in idx.of("use_declaration", "extern_crate_declaration"):
            self._import(node)
        for kind in ("mod_item", "function_item", "struct_item", "enum_item", "trait_item", "const_item",
                     "static_item", "type_item", "union_item"):
            for node in idx[kind]:
                name = node.child_by_field_name("name")
                if name is not None:
                    self.local.add(self.full(name))
        self.actix = any((i.module or i.name).split("::", 1)[0] == "actix_web" for i in self.imports) \
            or b"actix_web::" in self.src.data
        base = CALL_IN_TEST if self.test_file else 0
        stack = [_Frame(root.end_byte + 1, -1, -1, base, "", (), False, _ROOT)]
        items: list[tuple[int, int, str, tree_sitter.Node]] = []
        for kind in _TYPES:
            if kind in ("use_declaration", "extern_crate_declaration", "inner_attribute_item"):
                continue
            for node in idx[kind]:
                items.append((node.start_byte, -node.end_byte, kind, node))
                if kind in ("for_expression", "while_expression", "loop_expression"):
                    body = node.child_by_field_name("body")
                    if body is not None:
                        items.append((body.start_byte, -body.end_byte, "loop-body", body))
        items.sort(key=lambda item: (item[0], item[1]))
        handlers = self._handlers()
        for start, _neg_end, kind, node in items:
            while stack[-1].end <= start:
                stack.pop()
            frame = stack[-1]
            pushed = handlers[kind](node, frame)
            if pushed is not None:
                stack.append(pushed)
        self._finish()

    def _handlers(self) -> dict[str, Any]:
        return {
            "function_item": self._function, "closure_expression": self._closure, "async_block": self._async_block,
            "mod_item": self._mod, "impl_item": self._impl, "trait_item": self._trait, "struct_item": self._struct,
            "enum_item": self._enum, "union_item": self._struct, "type_item": self._type_item,
            "attribute_item": self._attribute, "call_expression": self._call, "macro_invocation": self._macro,
            "macro_definition": self._macro_definition, "for_expression": self._loop, "while_expression": self._loop,
            "loop_expression": self._nothing, "loop-body": self._loop_body, "if_expression": self._if,
            "match_expression": self._match, "binary_expression": self._binary, "let_declaration": self._let,
            "assignment_expression": self._assignment, "compound_assignment_expr": self._assignment,
            "expression_statement": self._statement, "const_item": self._const, "static_item": self._const,
            "struct_expression": self._struct_expression, "unsafe_block": self._unsafe, "await_expression": self._await,
        }

    def _finish(self) -> None:
        for i, fn in enumerate(self.functions):
            self.functions[i] = fn._replace(complexity=self.complexity[i], statements=self.statements[i])
        real = [t for t in self.tests if t.kind in ("test", "property")]
        if self.role == "test" and real:
            self.tests.extend(self.root_helpers)
        self.tests.sort(key=lambda t: t.line)
        self._routes()
        self._framework_markers()

    def _framework_markers(self) -> None:
        """`framework:<crate>` for a web framework's path written without a `use` (`rocket::build()`,
        `#[actix_web::main]`, `impl actix_web::ResponseError`, `req: actix_web::HttpRequest`)."""
        written: list[str] = [c.callee for c in self.calls if "::" in c.callee]
        for fn in self.functions:
            written.extend(d[2:] for d in fn.decorators)
            written.extend(p[1] for p in fn.params if p[1])
            if fn.returns:
                written.append(fn.returns)
        for cls in self.classes:
            written.extend(cls.bases)
            written.extend(kind for _, kind in cls.fields)
        for text in written:
            if "::" not in text:
                continue
            for match in _PATH_HEAD.finditer(text):
                head = match.group(1)
                if head in self.framework_crates and head not in self.alias:
                    self.markers.add(f"framework:{head}")

    # -- imports -------------------------------------------------------------------------------------------------
    def _import(self, node: tree_sitter.Node) -> None:
        line = Source.line(node)
        if node.type == "extern_crate_declaration":
            name = node.child_by_field_name("name")
            alias = node.child_by_field_name("alias")
            crate = self.full(name)
            if crate:
                local = self.full(alias) if alias is not None else crate
                self.imports.append(Import(crate, "", local, line))
                self.alias[local] = crate
            return
        arg = node.child_by_field_name("argument")
        stack: list[tuple[tree_sitter.Node, tuple[str, ...], int]] = [(arg, (), 0)] if arg is not None else []
        while stack:
            current, base, depth = stack.pop()
            if depth > 16:
                continue
            t = current.type
            if t in ("identifier", "scoped_identifier", "crate", "self", "super"):
                path = (*base, *_segments(self.full(current)))
                if path and path[-1] == "self":  # use std::io::{self, Read}
                    path = path[:-1]
                if path:
                    self._bind(path, path[-1], line)
            elif t == "use_as_clause":
                source, alias = current.child_by_field_name("path"), current.child_by_field_name("alias")
                if source is not None and alias is not None:
                    path = (*base, *_segments(self.full(source)))
                    if path:
                        self._bind(path, self.full(alias), line)
            elif t == "scoped_use_list":
                head = current.child_by_field_name("path")
                items = current.child_by_field_name("list")
                prefix = (*base, *_segments(self.full(head))) if head is not None else base
                if items is not None:
                    stack.extend((c, prefix, depth + 1) for c in reversed(items.named_children))
            elif t == "use_list":
                stack.extend((c, base, depth + 1) for c in reversed(current.named_children))
            elif t == "use_wildcard":
                inner = current.named_children
                path = (*base, *_segments(self.full(inner[0]))) if inner else base
                self.imports.append(Import("::".join(path), "*", "", line))

    def _bind(self, path: tuple[str, ...], local: str, line: int) -> None:
        if len(path) == 1:
            self.imports.append(Import(path[0], "", local, line))
        else:
            self.imports.append(Import("::".join(path[:-1]), path[-1], local, line))
        if local != "_":
            self.alias[local] = "::".join(path)

    def qualify(self, callee: str) -> str:
        """A path callee resolved through `use` (`web::get` -> `actix_web::web::get`); an absolute crate path as
        written (`reqwest::get`); "" for methods, local items and anything unknown."""
        if not callee or "." in callee or "(" in callee:
            return ""
        head, sep, rest = callee.partition("::")
        head = head.split("<", 1)[0]
        if head in self.alias:
            target = self.alias[head]
            return f"{target}::{rest}" if sep else target
        if not sep or head in ("self", "super", "Self") or head in self.local or not head[:1].islower():
            return ""
        return callee

    # -- scopes: functions, closures, modules, impls ---------------------------------------------------------------
    def _attributes(self, node: tree_sitter.Node) -> list[tree_sitter.Node]:
        """The attribute items right above an item, in source order."""
        out: list[tree_sitter.Node] = []
        prev = node.prev_named_sibling
        while prev is not None and prev.type in ("attribute_item", "line_comment", "block_comment"):
            if prev.type == "attribute_item":
                out.append(prev)
            prev = prev.prev_named_sibling
        out.reverse()
        return out

    def _test_region(self, attrs: list[str]) -> bool:
        return any(is_test_attribute(a) or _CFG_TEST.match(a) for a in attrs)

    def _qual(self, frame: _Frame, name: str) -> str:
        if frame.fn >= 0:
            return f"{self.functions[frame.fn].qualname}.{name}"
        return ".".join((*frame.mod, *((frame.owner,) if frame.owner else ()), name))

    def _params(self, node: tree_sitter.Node | None) -> tuple[Param, ...]:
        if node is None:
            return ()
        out: list[Param] = []
        for child in node.named_children:
            t = child.type
            if t == "self_parameter":
                out.append(("self", self.text(child), None, "self"))
            elif t == "parameter":
                pattern = child.child_by_field_name("pattern")
                kind = child.child_by_field_name("type")
                out.append((self.text(pattern), self.text(kind) if kind is not None else None, None, "positional"))
            elif t == "variadic_parameter":
                out.append(("...", None, None, "vararg"))
            elif t in ("identifier", "tuple_pattern", "mut_pattern", "reference_pattern", "_"):
                out.append((self.text(child), None, None, "positional"))
        return tuple(out)

    def _function(self, node: tree_sitter.Node, frame: _Frame) -> _Frame | None:
        body = node.child_by_field_name("body")
        if body is None:
            return None
        name = self.full(node.child_by_field_name("name"))
        attr_nodes = self._attributes(node)
        attrs = [self.text(a) for a in attr_nodes]
        is_test = any(is_test_attribute(a) for a in attrs)
        modifiers = next((c for c in node.children if c.type == "function_modifiers"), None)
        mods = self.full(modifiers) if modifiers is not None else ""
        visibility = next((c for c in node.children if c.type == "visibility_modifier"), None)
        vis_text = "".join(self.full(visibility).split()) if visibility is not None else ""
        public = vis_text == "pub" or frame.public_methods
        owner = frame.owner  # set only on the frame of an impl or trait body, whose items are its methods
        returns = node.child_by_field_name("return_type")
        index = len(self.functions)
        qual = self._qual(frame, name) if not owner else ".".join((*frame.mod, owner, name))
        self.functions.append(Function(
            name=name, qualname=qual, line=Source.line(node), end_line=Source.end_line(node),
            is_async="async" in mods.split(), params=self._params(node.child_by_field_name("parameters")),
            returns=self.text(returns) if returns is not None else None, decorators=tuple(attrs), owner=owner,
            parent=frame.fn, visibility="public" if public else "private", is_test=is_test, complexity=1,
            statements=0))
        self.complexity.append(1)
        self.statements.append(0)
        self.fn_nodes.append(node)
        test_code = frame.flags & CALL_IN_TEST or self._test_region(attrs)
        if test_code and not frame.flags & CALL_IN_TEST:
            self._test_lines(node)
        self._test_case(node, name, attrs, is_test, frame)
        if not test_code:  # a route a test registers is no route of the service
            for attr in attr_nodes:
                self._route_attribute(attr, name, index, attrs)
        flags = (CALL_IN_TEST if test_code else 0) | (CALL_IN_ASYNC if "async" in mods.split() else 0)
        return _Frame(node.end_byte, index, index, flags, "", frame.mod, False, -1)

    def _test_lines(self, node: tree_sitter.Node) -> None:
        """Marker `test-code:FIRST-LAST`: lines of a test module, impl or function inside a source file."""
        if not self.test_file:
            self.markers.add(f"test-code:{Source.line(node)}-{Source.end_line(node)}")

    def _test_case(self, node: tree_sitter.Node, name: str, attrs: list[str], is_test: bool, frame: _Frame) -> None:
        line = Source.line(node)
        if is_test:
            attr = next(a for a in attrs if is_test_attribute(a))
            match = _TEST_ATTR.match(attr)
            word = match.group(1) if match else "test"
            path = attr[2:].split("(", 1)[0].split("]", 1)[0].strip()
            head = path.split("::", 1)[0].strip() if "::" in path else ""
            kind = "property" if word in _PROPERTY_ATTRS else "test"
            framework = word if word != "test" else (head.replace("_", "-") if head else "rust")
            if word == "test_case":
                framework = "test-case"
            self.tests.append(TestCase(name, kind, framework, line))
            return
        if any(a.startswith(("#[fixture", "#[rstest::fixture")) for a in attrs):
            self.tests.append(TestCase(name, "fixture", "rstest", line))
            return
        if frame.test_mod >= 0:  # directly in a #[cfg(test)] module
            self.tests.append(TestCase(name, "setup", "rust", line))
        elif frame.test_mod == _ROOT and self.role == "test":
            self.root_helpers.append(TestCase(name, "setup", "rust", line))

    def _closure(self, node: tree_sitter.Node, frame: _Frame) -> _Frame:
        index = len(self.functions)
        returns = node.child_by_field_name("return_type")
        is_async = any(c.type == "async" for c in node.children)
        self.functions.append(Function(
            name="<closure>", qualname=self._qual(frame, "<closure>"), line=Source.line(node),
            end_line=Source.end_line(node), is_async=is_async,
            params=self._params(node.child_by_field_name("parameters")),
            returns=self.text(returns) if returns is not None else None, decorators=(), owner="", parent=frame.fn,
            visibility="", is_test=False, complexity=1, statements=0))
        self.complexity.append(1)
        self.statements.append(0)
        self.fn_nodes.append(None)
        flags = frame.flags | CALL_IN_LAMBDA | (CALL_IN_ASYNC if is_async else 0)
        return frame.inner(node.end_byte, fn=index, flags=flags)

    def _async_block(self, node: tree_sitter.Node, frame: _Frame) -> _Frame:
        return frame.inner(node.end_byte, flags=frame.flags | CALL_IN_ASYNC, test_mod=frame.test_mod)

    def _mod(self, node: tree_sitter.Node, frame: _Frame) -> _Frame | None:
        body = node.child_by_field_name("body")
        attrs = [self.text(a) for a in self._attributes(node)]
        test = bool(frame.flags & CALL_IN_TEST) or any(_CFG_TEST.match(a) for a in attrs)
        name = self.full(node.child_by_field_name("name"))
        if test and body is not None and not frame.flags & CALL_IN_TEST:
            self._test_lines(node)
        if body is None:
            if test and name:  # `#[cfg(test)] mod tests;`: the module's own file is test code (test_only_files)
                self.markers.add("test-mod:" + "/".join((*frame.mod, name)))
            return None
        return _Frame(node.end_byte, frame.fn, frame.named, frame.flags | (CALL_IN_TEST if test else 0), "",
                      (*frame.mod, name), False, node.start_byte if test else -1)

    def _class(self, node: tree_sitter.Node, frame: _Frame, name: str, kind: str, bases: tuple[str, ...],
               fields: tuple[tuple[str, str], ...], methods: int) -> None:
        attrs = tuple(self.text(a) for a in self._attributes(node))
        self.classes.append(Class(name, kind, bases, attrs, Source.line(node), Source.end_line(node), fields,
                                  methods, frame.fn))

    def _impl(self, node: tree_sitter.Node, frame: _Frame) -> _Frame:
        kind = node.child_by_field_name("type")
        trait = node.child_by_field_name("trait")
        name = _type_name(self.full(kind)) if kind is not None else ""
        body = node.child_by_field_name("body")
        methods = sum(1 for c in body.named_children if c.type == "function_item") if body is not None else 0
        bases = (self.full(trait).split("<", 1)[0].strip(),) if trait is not None else ()
        self._class(node, frame, name, "impl", bases, (), methods)
        attrs = [self.text(a) for a in self._attributes(node)]
        test = bool(frame.flags & CALL_IN_TEST) or any(_CFG_TEST.match(a) for a in attrs)
        if test and not frame.flags & CALL_IN_TEST:
            self._test_lines(node)
        return frame.inner(node.end_byte, owner=name, public_methods=trait is not None,
                           flags=frame.flags | (CALL_IN_TEST if test else 0))

    def _trait(self, node: tree_sitter.Node, frame: _Frame) -> _Frame:
        name = self.full(node.child_by_field_name("name"))
        bounds = node.child_by_field_name("bounds")
        bases = tuple(self.full(b) for b in bounds.named_children) if bounds is not None else ()
        body = node.child_by_field_name("body")
        methods = sum(1 for c in body.named_children if c.type in ("function_item", "function_signature_item")) \
            if body is not None else 0
        self._class(node, frame, name, "trait", bases, (), methods)
        visibility = next((c for c in node.children if c.type == "visibility_modifier"), None)
        public = visibility is not None and "".join(self.full(visibility).split()) == "pub"
        return frame.inner(node.end_byte, owner=name, public_methods=public)

    def _struct(self, node: tree_sitter.Node, frame: _Frame) -> None:
        name = self.full(node.child_by_field_name("name"))
        body = node.child_by_field_name("body")
        fields: list[tuple[str, str]] = []
        if body is not None:
            position = 0
            for child in body.named_children:
                if child.type == "field_declaration":
                    fields.append((self.full(child.child_by_field_name("name")),
                                   self.text(child.child_by_field_name("type"))))
                elif body.type == "ordered_field_declaration_list" and child.type not in (
                        "attribute_item", "visibility_modifier", "line_comment", "block_comment"):
                    fields.append((str(position), self.text(child)))
                    position += 1
        self._class(node, frame, name, "struct", (), tuple(fields), 0)

    def _enum(self, node: tree_sitter.Node, frame: _Frame) -> None:
        name = self.full(node.child_by_field_name("name"))
        body = node.child_by_field_name("body")
        variants = tuple((self.full(v.child_by_field_name("name")), "") for v in body.named_children
                         if v.type == "enum_variant") if body is not None else ()
        self._class(node, frame, name, "enum", (), variants, 0)

    def _type_item(self, node: tree_sitter.Node, frame: _Frame) -> None:
        name = self.full(node.child_by_field_name("name"))
        self._class(node, frame, name, "type", (self.text(node.child_by_field_name("type")),), (), 0)

    # -- control flow --------------------------------------------------------------------------------------------
    def _nothing(self, node: tree_sitter.Node, frame: _Frame) -> None:
        return None

    def _loop(self, node: tree_sitter.Node, frame: _Frame) -> None:
        if frame.fn >= 0:
            self.complexity[frame.fn] += 1

    def _loop_body(self, node: tree_sitter.Node, frame: _Frame) -> _Frame:
        return frame.inner(node.end_byte, flags=frame.flags | CALL_IN_LOOP, test_mod=frame.test_mod)

    def _if(self, node: tree_sitter.Node, frame: _Frame) -> None:
        if frame.fn >= 0:
            self.complexity[frame.fn] += 1
        condition = node.child_by_field_name("condition")
        if condition is not None and condition.type == "unary_expression":
            condition = condition.named_child(0)
        if condition is not None and condition.type == "call_expression" and _leaves(node.child_by_field_name(
                "consequence")):
            self.guards.add(condition.id)  # `if r.is_err() { return ...; }`

    def _match(self, node: tree_sitter.Node, frame: _Frame) -> None:
        body = node.child_by_field_name("body")
        if frame.fn >= 0 and body is not None:
            arms = sum(1 for c in body.named_children if c.type == "match_arm")
            self.complexity[frame.fn] += max(0, arms - 1)

    def _binary(self, node: tree_sitter.Node, frame: _Frame) -> None:
        op = node.child_by_field_name("operator")
        if frame.fn >= 0 and op is not None and op.type in ("&&", "||"):
            self.complexity[frame.fn] += 1

    def _statement(self, node: tree_sitter.Node, frame: _Frame) -> None:
        if frame.fn >= 0:
            self.statements[frame.fn] += 1
        inner = node.named_child(0)
        if inner is not None and inner.type == "await_expression":
            inner = inner.named_child(0)
        if inner is not None and inner.type in ("call_expression", "macro_invocation"):
            self.statement_calls.add(inner.id)

    def _await(self, node: tree_sitter.Node, frame: _Frame) -> None:
        inner = node.named_child(0)
        if inner is not None and inner.type in ("call_expression", "macro_invocation"):
            self.awaited.add(inner.id)

    def _unsafe(self, node: tree_sitter.Node, frame: _Frame) -> None:
        public = frame.fn >= 0 and self.functions[frame.fn].visibility == "public"
        self.type_uses.append(TypeUse("unsafe", self.text(node)[:60], Source.line(node), "`unsafe` block", frame.fn,
                                      public))

    # -- values --------------------------------------------------------------------------------------------------
    def value(self, node: tree_sitter.Node, keyword: str = "") -> Value:
        t = node.type
        if t == "identifier":
            name = self.full(node)
            return ("none", name, (), keyword, None) if name == "None" else ("name", name, (name,), keyword, None)
        if t in ("string_literal", "raw_string_literal"):
            literal = _string_value(self.full(node), t == "raw_string_literal")
            return ("str", self.text(node), (), keyword, literal[0][: TEXT_CAP * 5] if literal else None)
        if t in ("integer_literal", "float_literal", "negative_literal"):
            return ("num", self.text(node), (), keyword, None)
        if t == "boolean_literal":
            return ("bool", self.text(node), (), keyword, None)
        if t == "identifier":
            name = self.full(node)
            return ("none", name, (), keyword, None) if name == "None" else ("name", name, (name,), keyword, None)
        if t == "self":
            return ("name", "self", ("self",), keyword, None)
        if t in ("field_expression", "scoped_identifier"):
            text = self.tail(node)
            root = _root_name(text)
            return ("attr", text, (root,) if root else (), keyword, None)
        if t in ("reference_expression", "parenthesized_expression") or (t == "unary_expression"
                                                                          and self.full(node)[:1] == "*"):
            inner: tree_sitter.Node | None = node
            for _ in range(_MAX_WALK):  # `&x`, `(x)`, `*x`, as deep as they nest, without recursion
                if inner is None or not (inner.type in ("reference_expression", "parenthesized_expression") or (
                        inner.type == "unary_expression" and self.src.data[inner.start_byte:inner.start_byte + 1] == b"*")):
                    break
                inner = inner.child_by_field_name("value") or (inner.named_children[-1] if inner.named_children else None)
            if inner is not None and inner.type not in ("reference_expression", "parenthesized_expression",
                                                        "unary_expression"):
                kind, _text, names, _kw, inner_literal = self.value(inner)
                return (kind, self.text(node), names, keyword, inner_literal)
            return ("other", self.text(node), (), keyword, None)
        if t == "call_expression":
            return ("call", self.text(node), (), keyword, None)
        if t == "macro_invocation":
            return self._macro_value(node, keyword)
        if t == "binary_expression":
            op = node.child_by_field_name("operator")
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            names = self.names(node)
            if op is not None and op.type == "+" and any(
                    s is not None and s.type in ("string_literal", "raw_string_literal") for s in (left, right)):
                return ("concat" if names else "str", self.text(node), names, keyword, None)
            return ("other", self.text(node), names, keyword, None)
        if t == "closure_expression":
            return ("function", self.text(node), (), keyword, None)
        if t in ("array_expression", "tuple_expression"):
            return ("collection", self.text(node), (), keyword, None)
        names = self.names(node) if t in ("index_expression", "if_expression", "unary_expression",
                                          "try_expression", "await_expression", "type_cast_expression",
                                          "match_expression", "range_expression") else ()
        return ("other", self.text(node), names, keyword, None)

    def names(self, node: tree_sitter.Node) -> tuple[str, ...]:
        """Identifiers an expression reads (bounded): roots of paths and field chains, not field or method names."""
        out: list[str] = []
        stack = [node]
        seen = 0
        while stack and seen < 200:
            current = stack.pop()
            seen += 1
            t = current.type
            if t == "identifier":
                out.append(self.full(current))
            elif t == "scoped_identifier":
                root = _root_name(self.full(current))
                if root:
                    out.append(root)
            elif t == "field_expression":
                value = current.child_by_field_name("value")
                if value is not None:
                    stack.append(value)
            elif t == "call_expression":
                func = current.child_by_field_name("function")
                if func is not None and func.type == "field_expression":
                    stack.append(func)
                args = current.child_by_field_name("arguments")
                if args is not None:
                    stack.extend(reversed(args.named_children))
            elif t == "token_tree":
                out.extend(self._token_names(current.children))
            elif t not in _LITERALS:
                stack.extend(reversed(current.named_children))
        return tuple(dict.fromkeys(n for n in out if n not in ("None", "Some", "Ok", "Err")))

    def _token_names(self, tokens: list[tree_sitter.Node]) -> list[str]:
        out: list[str] = []
        prev = ""
        for tok in tokens[:400]:
            if tok.type == "identifier" and prev not in (".", "::"):
                out.append(self.full(tok))
            elif tok.type == "token_tree":
                out.extend(self._token_names(tok.children))
            elif tok.type in ("string_literal", "raw_string_literal"):
                out.extend(_inline_format_names(self.full(tok)))
            prev = tok.type
        return out

    def _macro_value(self, node: tree_sitter.Node, keyword: str) -> Value:
        name = _segments(self.full(node.child_by_field_name("macro")))[-1:] or [""]
        tokens = next((c for c in node.children if c.type == "token_tree"), None)
        if name[0] in _FORMAT_MACROS and tokens is not None:
            groups = _split_tokens(tokens)
            first = next((g for g in groups if len(g) == 1 and g[0].type in ("string_literal", "raw_string_literal")),
                         None)
            if first is not None:
                template = self.full(first[0])
                holes = "{" in template.replace("{{", "")
                names = tuple(dict.fromkeys(self._token_names(tokens.children)))
                literal = _string_value(template, first[0].type == "raw_string_literal")
                if holes and names:
                    return ("interpolated", self.text(node), names, keyword, None)
                return ("str", self.text(node), (), keyword, literal[0] if literal else None)
        return ("call", self.text(node), (), keyword, None)

    def _token_value(self, group: list[tree_sitter.Node]) -> Value:
        """A macro argument read from its tokens (`name = value` gives the keyword)."""
        keyword = ""
        if len(group) > 2 and group[0].type == "identifier" and group[1].type == "=":
            keyword, group = self.full(group[0]), group[2:]
        text = self.span(group[0], group[-1])
        first = group[0]
        if len(group) == 1:
            t = first.type
            if t in ("string_literal", "raw_string_literal"):
                literal = _string_value(self.full(first), t == "raw_string_literal")
                return ("str", text, (), keyword, literal[0][: TEXT_CAP * 5] if literal else None)
            if t in ("integer_literal", "float_literal"):
                return ("num", text, (), keyword, None)
            if t == "boolean_literal" or text in ("true", "false"):
                return ("bool", text, (), keyword, None)
            if t == "identifier":
                return ("none", text, (), keyword, None) if text == "None" else ("name", text, (text,), keyword, None)
            if t == "token_tree":
                return ("collection", text, tuple(dict.fromkeys(self._token_names(first.children))), keyword, None)
        types = [g.type for g in group]
        names = tuple(dict.fromkeys(self._token_names(group)))
        if types[0] == "|":
            return ("function", text, (), keyword, None)
        if "token_tree" in types[1:] and types[-1] == "token_tree":
            return ("call", text, (), keyword, None)
        if all(t in ("identifier", "self", ".", "::", "field_identifier", "crate", "super") for t in types):
            return ("attr", text, names[:1], keyword, None)
        if "+" in types and any(t in ("string_literal", "raw_string_literal") for t in types):
            return ("concat" if names else "str", text, names, keyword, None)
        return ("other", text, names, keyword, None)

    def _literal(self, node: tree_sitter.Node | None) -> bool:
        """A literal, or an array / tuple of literals (bounded)."""
        if node is None:
            return False
        stack = [node]
        budget = 64
        while stack:
            budget -= 1
            current = stack.pop()
            if budget < 0:
                return False
            if current.type in _LITERALS:
                continue
            if current.type in ("array_expression", "tuple_expression"):
                stack.extend(c for c in current.named_children if c.type not in ("line_comment", "block_comment"))
                continue
            if current.type == "reference_expression":
                inner = current.child_by_field_name("value")
                if inner is not None:
                    stack.append(inner)
                    continue
            return False
        return True

    # -- calls ---------------------------------------------------------------------------------------------------
    def _context_flags(self, node: tree_sitter.Node, frame: _Frame) -> int:
        flags = frame.flags
        key = node.id
        if key in self.awaited:
            flags |= CALL_AWAITED
        if key in self.statement_calls:
            flags |= CALL_STATEMENT
        if key in self.guards:
            flags |= CALL_GUARD
        if self.has_error and self.src.broken(node):
            flags |= CALL_BROKEN
        return flags

    def _call(self, node: tree_sitter.Node, frame: _Frame) -> None:
        func = node.child_by_field_name("function")
        if func is None:
            return
        ftype = func.type
        target = func.child_by_field_name("function") if ftype == "generic_function" else func
        ttype = target.type if target is not None else ""
        callee = self.tail(func)
        receiver = ""
        line = node.start_point[0] + 1
        if ttype == "field_expression":
            assert target is not None
            field = target.child_by_field_name("field")
            name = self.full(field)
            if field is not None:
                line = field.start_point[0] + 1  # a chain's call is on its method's line
            value = target.child_by_field_name("value")
            if value is not None and value.type in ("call_expression", "macro_invocation"):
                self.up[value.id] = ("recv", node, 0)
            if ftype == "field_expression" and callee.endswith("." + name) and "…" not in callee:
                receiver = callee[: -len(name) - 1]
            else:
                receiver = self.tail(value) if value is not None else ""
        elif ttype == "identifier" or ttype == "self":
            name = self.full(target)
        elif ttype == "scoped_identifier":
            assert target is not None
            name = self.full(target.child_by_field_name("name"))
        else:
            name = ""
        args_node = node.child_by_field_name("arguments")
        arg_nodes = [a for a in args_node.named_children if a.type not in _ARG_SKIP] if args_node is not None else []
        for i, a in enumerate(arg_nodes):
            if a.type in ("call_expression", "macro_invocation"):
                self.up[a.id] = ("arg", node, i)
        args = tuple([self.value(a) for a in arg_nodes])
        self.calls.append(Call(name, callee, "" if receiver else self.qualify(callee), args, line,
                               node.end_point[0] + 1, frame.fn, -1, self._context_flags(node, frame), receiver))
        if ((receiver and name in ("route", *_NESTING)) or (not receiver and name == "resource")) \
                and not frame.flags & CALL_IN_TEST:
            self.route_nodes.append((node, frame.named, frame.fn))

    def _macro(self, node: tree_sitter.Node, frame: _Frame) -> None:
        path = self.full(node.child_by_field_name("macro"))
        segments = _segments(path)
        name = segments[-1] if segments else ""
        tokens = next((c for c in node.children if c.type == "token_tree"), None)
        groups = _split_tokens(tokens) if tokens is not None else []
        args = tuple(self._token_value(g) for g in groups if g)
        callee = "::".join(segments)
        flags = self._context_flags(node, frame) | CALL_MACRO
        self.calls.append(Call(name, callee, self.qualify(callee), args, Source.line(node), Source.end_line(node),
                               frame.fn, -1, flags, ""))
        if tokens is None:
            return
        self._token_calls(tokens, frame, flags & ~(CALL_STATEMENT | CALL_AWAITED | CALL_MACRO))
        if name == "routes" and not frame.flags & CALL_IN_TEST:
            self.route_nodes.append((node, frame.named, frame.fn))
        elif name in _PROPERTY_MACROS:
            fns = [(self.full(tok.next_sibling), Source.line(tok)) for tok in tokens.children
                   if tok.type == "fn" and tok.next_sibling is not None]
            for label, line in fns or [(name, Source.line(node))]:
                self.tests.append(TestCase(label, "property", name, line))

    def _macro_definition(self, node: tree_sitter.Node, frame: _Frame) -> None:
        for rule in node.named_children:
            if rule.type == "macro_rule":
                right = rule.child_by_field_name("right")
                if right is not None:
                    self._token_calls(right, frame, self._context_flags(node, frame) & ~CALL_STATEMENT)

    def _token_calls(self, tree: tree_sitter.Node, frame: _Frame, flags: int) -> None:
        """Calls written inside a macro's tokens: `x.unwrap()`, `f(a)`, `m!(..)` (nested token trees too)."""
        stack = [tree]
        budget = _MAX_TOKENS
        while stack and budget > 0:
            kids = stack.pop().children
            budget -= len(kids)
            for i in range(1, len(kids) - 1):
                tok = kids[i]
                t = tok.type
                if t == "token_tree":
                    stack.append(tok)
                    continue
                if t != "identifier":
                    continue
                nxt = kids[i + 1]
                args_tree: tree_sitter.Node | None = None
                macro = False
                if nxt.type == "token_tree" and self.src.data[nxt.start_byte : nxt.start_byte + 1] == b"(":
                    args_tree = nxt
                elif nxt.type == "!" and i + 2 < len(kids) and kids[i + 2].type == "token_tree":
                    args_tree, macro = kids[i + 2], True
                elif nxt.type == "::" and i + 2 < len(kids) and kids[i + 2].type == "<":
                    close = _skip_angles(kids, i + 2)
                    if close is not None and close + 1 < len(kids) and kids[close + 1].type == "token_tree":
                        args_tree = kids[close + 1]
                if args_tree is None:
                    continue
                prev = kids[i - 1].type
                name = self.full(tok)
                receiver = ""
                if prev == ".":
                    first = _receiver_start(kids, i - 2)
                    if first is None:
                        continue
                    receiver = self.span(kids[first], kids[i - 2])
                    callee = f"{receiver}.{name}"
                elif prev == "::":
                    first = _path_start(kids, i)
                    callee = "::".join(_segments(self.span(kids[first], tok)))
                else:
                    callee = name
                if macro and receiver:
                    continue
                groups = _split_tokens(args_tree)
                args = tuple(self._token_value(g) for g in groups if g)
                self.calls.append(Call(name, callee, "" if receiver else self.qualify(callee), args,
                                       Source.line(tok), Source.end_line(args_tree), frame.fn, -1,
                                       flags | (CALL_MACRO if macro else 0), receiver))

    # -- assignments, constants, literal fields ------------------------------------------------------------------
    def _let(self, node: tree_sitter.Node, frame: _Frame) -> None:
        if frame.fn >= 0:
            self.statements[frame.fn] += 1
            if node.child_by_field_name("alternative") is not None:  # let-else: a pattern that may not match
                self.complexity[frame.fn] += 1
        pattern = node.child_by_field_name("pattern")
        value = node.child_by_field_name("value")
        if pattern is None or value is None:
            return
        targets = _targets(self, pattern)
        if value.type in ("call_expression", "macro_invocation"):
            self.up[value.id] = ("let", node, 0)
        kind = node.child_by_field_name("type")
        self.assigns.append(Assign(targets, self.value(value), Source.line(node), frame.fn, "",
                                   self.text(kind) if kind is not None else None, "let"))
        if pattern.type == "identifier" and frame.named >= 0:
            self.lets.setdefault(frame.named, {})[self.full(pattern)] = value
        if targets == ("_",):
            call = value
            while call.type in ("await_expression", "try_expression") and call.named_children:
                call = call.named_children[0]
            if call.type in ("call_expression", "macro_invocation"):
                self._discard(node, call, frame)

    def _discard(self, node: tree_sitter.Node, call: tree_sitter.Node, frame: _Frame) -> None:
        func = call.child_by_field_name("function") or call.child_by_field_name("macro")
        callee = self.tail(func) if func is not None else ""
        receiver, method = "", callee
        if func is not None and func.type == "field_expression":
            value = func.child_by_field_name("value")
            receiver = self.tail(value) if value is not None else ""
            method = self.full(func.child_by_field_name("field"))
        line = Source.line(node)
        end = node.end_byte
        row_end = self.src.data.find(b"\n", end)
        rest = self.src.data[end : row_end if row_end >= 0 else len(self.src.data)]
        package = receiver if receiver in self.alias else ""
        self.discards.append(Discard(callee, receiver, _segments(method)[-1] if method else "", line,
                                     Source.end_line(node), frame.fn, "blank", "", package, b"//" in rest))

    def _assignment(self, node: tree_sitter.Node, frame: _Frame) -> None:
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if left is None or right is None:
            return
        op = node.child_by_field_name("operator")
        op_text = op.type if op is not None else "="
        if left.type == "identifier" and frame.named >= 0 and op_text == "=":
            self.lets.setdefault(frame.named, {})[self.full(left)] = right
        self.assigns.append(Assign((_norm(self.text(left)),), self.value(right), Source.line(node), frame.fn, "",
                                   None, op_text))

    def _const(self, node: tree_sitter.Node, frame: _Frame) -> None:
        name = self.full(node.child_by_field_name("name"))
        value = node.child_by_field_name("value")
        kind = node.child_by_field_name("type")
        if value is None:
            return
        op = "const" if node.type == "const_item" else "static"
        self.assigns.append(Assign((name,), self.value(value), Source.line(node), frame.fn, frame.owner,
                                   self.text(kind) if kind is not None else None, op))
        if self._literal(value):
            self.settings.append(Setting(name, self.text(value), Source.line(node), frame.owner, frame.fn))

    def _struct_expression(self, node: tree_sitter.Node, frame: _Frame) -> None:
        name = node.child_by_field_name("name")
        body = node.child_by_field_name("body")
        if name is None or body is None:
            return
        context = _type_name(self.full(name))
        for child in body.named_children:
            if child.type != "field_initializer":
                continue
            value = child.child_by_field_name("value")
            if self._literal(value):
                self.settings.append(Setting(self.full(child.child_by_field_name("field")), self.text(value),
                                             Source.line(child), context, frame.fn))

    def _lints(self, text: str, item: tree_sitter.Node | None) -> None:
        """`#[allow(clippy::unwrap_used)]` / `#[expect(clippy::expect_used)]`: marker `lint-allowed:LINT:FIRST-LAST`
        with the lines of the item it applies to (the project says these panics are deliberate)."""
        match = _LINT_ATTR.match(text)
        if match is None or item is None:
            return
        for lint in re.findall(r"clippy\s*::\s*(\w+)", match.group(1)):
            if lint in _PANIC_LINTS:
                self.markers.add(f"lint-allowed:{lint}:{Source.line(item)}-{Source.end_line(item)}")

    def _attribute(self, node: tree_sitter.Node, frame: _Frame) -> None:
        """`key = literal` pairs of an attribute (`#[get("/", format = "json")]`) as settings."""
        if b"clippy" in self.src.data[node.start_byte : node.end_byte]:
            item = node.next_named_sibling
            while item is not None and item.type in ("attribute_item", "line_comment", "block_comment"):
                item = item.next_named_sibling
            self._lints(self.full(node), item)
        attr = node.named_children[0] if node.named_children else None
        if attr is None or attr.type != "attribute":
            return
        parts = attr.named_children
        if not parts:
            return
        tokens = attr.child_by_field_name("arguments")
        context = "::".join(_segments(self.full(parts[0])))
        if tokens is None:
            value = attr.child_by_field_name("value")  # #[doc = "..."], #[path = "x.rs"]
            if value is not None and value.type in _LITERALS and context not in ("doc",):
                self.settings.append(Setting(context, self.text(value), Source.line(node), "attribute", frame.fn))
            return
        for group in _split_tokens(tokens):
            if len(group) == 3 and group[0].type == "identifier" and group[1].type == "=" and group[2].type in _LITERALS:
                self.settings.append(Setting(self.full(group[0]), self.text(group[2]), Source.line(group[0]), context,
                                             frame.fn))

    # -- routes --------------------------------------------------------------------------------------------------
    def _route_attribute(self, node: tree_sitter.Node, fn_name: str, fn: int, attrs: list[str]) -> None:
        """`#[get("/x")]`, `#[route("/x", method = "GET", method = "POST")]`, Rocket `#[route(GET, uri = "/x")]`."""
        if self.has_error and self.src.broken(node):
            return
        attr = node.named_children[0] if node.named_children else None
        parts = attr.named_children if attr is not None and attr.type == "attribute" else []
        if not parts or attr is None:
            return
        name = _segments(self.full(parts[0]))[-1:] or [""]
        verb = name[0]
        if verb not in _VERB_SET and verb != "route":
            return
        tokens = attr.child_by_field_name("arguments")
        if tokens is None:
            return
        groups = _split_tokens(tokens)
        path: str | None = None
        methods: list[str] = [verb.upper()] if verb != "route" else []
        for group in groups:
            if len(group) == 1 and group[0].type in ("string_literal", "raw_string_literal") and path is None:
                path = _route_string(self.full(group[0]), group[0].type)
            elif len(group) == 1 and group[0].type == "identifier" and verb == "route" and \
                    self.full(group[0]).lower() in _VERB_SET:
                methods.append(self.full(group[0]).upper())
            elif len(group) == 3 and group[1].type == "=" and group[0].type == "identifier":
                key, value = self.full(group[0]), group[2]
                if key == "method" and verb == "route":
                    method = self.full(value).strip('"').upper()
                    if method.lower() in _VERB_SET:
                        methods.append(method)
                elif key in ("uri", "path") and value.type in ("string_literal", "raw_string_literal"):
                    path = _route_string(self.full(value), value.type)
        path = self._route_path(path)
        if path is None or not methods:
            return
        text = self.text(node)
        guards = tuple(a for a in attrs if a != text and not a.startswith(("#[doc", "#[allow", "#[deny", "#[warn")))
        owner = f"{self.path}#{fn_name}"
        for method in dict.fromkeys(methods):
            self.routes.append(RouteDecl(ATTRIBUTE_ROUTE, method, path, owner, fn_name, Source.line(node), fn, guards,
                                         True))

    def _route_path(self, path: str | None) -> str | None:
        """A route path as the framework serves it: "" (a scope's root) and "/x" as written; a relative "x" only
        in actix-web code, which inserts the leading slash (axum and Rocket reject such paths)."""
        if path is None or path == "" or path.startswith("/"):
            return path
        if self.actix and not any(ch.isspace() for ch in path):
            return "/" + path
        return None

    def _routes(self) -> None:
        for node, named, fn in self.route_nodes:
            if self.has_error and self.src.broken(node):
                continue
            if node.type == "macro_invocation":
                self._routes_macro(node, named)
                continue
            name, receiver = _field(self, node)
            args = _args(node)
            if receiver is not None and name == "route" and len(args) >= 2:
                self._router_route(node, args, named, fn)
            elif receiver is not None and name in _NESTING:
                self._nesting(node, name, args, named)
            elif receiver is None and name == "resource" and args:
                self._resource(node, args, named, fn)

    def _owner(self, named: int) -> str:
        fn = self.functions[named].name if 0 <= named < len(self.functions) else ""
        return f"{self.path}#{fn}"

    def _context(self, node: tree_sitter.Node, named: int) -> tuple[str, str, tuple[str, ...]]:
        """(owner, prefix, middleware) of a router expression: scopes and nesting calls around it, up to its
        function or the `let` variable it is stored in. Memoised per nesting level, so routes that share
        scopes climb them once."""
        steps: list[tuple[int, tuple[str, ...], tuple[str, ...]]] = []  # (id, prefix parts innermost first, guards)
        current = node
        lets = self.lets.get(named, {})
        found: tuple[str, tuple[str, ...], tuple[str, ...]] | None = None
        for _ in range(_MAX_WALK * 4):
            if current.id in self._contexts:
                found = self._contexts[current.id]
                break
            parts: list[str] = []
            base = self._chain_base(current)
            scope = _scope_path(self, base)
            if scope is not None:
                parts.append(scope)
            top = self._chain_top(current)
            guards = tuple(self._middleware(current))
            relation, outer, index = self.up.get(top.id, ("", top, 0))
            name, _receiver = _field(self, outer) if relation == "arg" else ("", None)
            if relation == "arg" and name in _NESTING and _receiver is not None:
                args = _args(outer)
                if name in _WITH_PREFIX and len(args) >= 2 and index == len(args) - 1:
                    parts.append(_route_string(self.full(args[0]), args[0].type) or "")
                steps.append((current.id, tuple(parts), guards))
                current = outer
                continue
            owner = self._owner(named)
            if relation == "let":
                pattern = outer.child_by_field_name("pattern")
                if pattern is not None and pattern.type == "identifier":
                    owner = f"{owner}@{self.full(pattern)}"
            elif base.type == "identifier" and self.full(base) in lets:
                owner = f"{owner}@{self.full(base)}"
                value = lets[self.full(base)]  # `let app = App::new().wrap(auth); app.configure(routes)`
                name, text = self._mw(value)
                own = (text,) if text and name not in _ORDERED_MIDDLEWARE else ()
                guards = (*guards, *self._before(value), *own)
            found = (owner, tuple(parts), guards)
            self._contexts[current.id] = found
            break
        owner, parts_out, guards_out = found if found is not None else (self._owner(named), (), ())
        for key, parts_in, guards_in in reversed(steps):
            parts_out, guards_out = parts_in + parts_out, guards_in + guards_out
            self._contexts[key] = (owner, parts_out, guards_out)
        prefix = _join(*reversed(parts_out)) if any(p.strip("/") for p in parts_out) else ""
        return owner, prefix, tuple(dict.fromkeys(guards_out))

    # A method chain is walked once whatever the number of routes on it (a hostile file chains 20,000): the
    # chain's top, its base and the middleware before and after each call are memoised by node id.
    def _chain_top(self, node: tree_sitter.Node) -> tree_sitter.Node:
        """The outermost call of the method chain `node` is part of."""
        path: list[int] = []
        current = node
        while current.id not in self._tops:
            relation, outer, _index = self.up.get(current.id, ("", current, 0))
            path.append(current.id)
            if relation != "recv":
                break
            current = outer
        top = self._tops.get(current.id, current)
        for key in path:
            self._tops[key] = top
        return top

    def _chain_base(self, node: tree_sitter.Node) -> tree_sitter.Node:
        """`web::scope("/x").wrap(m).route(...)` -> the `web::scope("/x")` call."""
        path: list[int] = []
        current = node
        while current.id not in self._bases:
            path.append(current.id)
            _name, receiver = _field(self, current)
            if receiver is None:
                break
            current = receiver
        base = self._bases.get(current.id, current)
        for key in path:
            self._bases[key] = base
        return base

    def _mw(self, call: tree_sitter.Node) -> tuple[str, str]:
        """(method name, middleware text) of a call in a chain; ("", "") when it adds no middleware."""
        name, _receiver = _field(self, call)
        if name not in _MIDDLEWARE:
            return "", ""
        written = self.src.full_text(call.child_by_field_name("arguments"))[:2000]
        return name, _norm(_COMMENT.sub(lambda m: m.group(1) or " ", written))[1:-1].strip()[:120]

    def _after(self, node: tree_sitter.Node) -> tuple[str, ...]:
        """Middleware of the calls applied after `node` in its chain (outward)."""
        path: list[tree_sitter.Node] = []
        current = node
        while current.id not in self._afters:
            relation, outer, _index = self.up.get(current.id, ("", current, 0))
            if relation != "recv":
                self._afters[current.id] = ()
                break
            path.append(current)
            current = outer
        for item in reversed(path):
            relation, outer, _index = self.up[item.id]
            _name, text = self._mw(outer)
            self._afters[item.id] = ((text,) if text else ()) + self._afters[outer.id]
        return self._afters[node.id]

    def _before(self, node: tree_sitter.Node) -> tuple[str, ...]:
        """actix `.wrap(m)` of the calls before `node` in its chain (inward): a scope's wrap applies to it all."""
        path: list[tree_sitter.Node] = []
        current = node
        while current.id not in self._befores:
            _name, receiver = _field(self, current)
            if receiver is None:
                self._befores[current.id] = ()
                break
            path.append(current)
            current = receiver
        for item in reversed(path):
            _name, receiver = _field(self, item)
            assert receiver is not None
            name, text = self._mw(receiver)
            own = (text,) if text and name not in _ORDERED_MIDDLEWARE else ()
            self._befores[item.id] = self._befores[receiver.id] + own
        return self._befores[node.id]

    def _middleware(self, node: tree_sitter.Node) -> list[str]:
        """Middleware in the method chain around `node`: actix `.wrap(m)` anywhere in it, axum `.layer(m)` /
        `.route_layer(m)` only after it (they wrap what was declared before them)."""
        return [g for g in (*self._after(node), *self._before(node)) if g]

    def _handlers_of(self, node: tree_sitter.Node) -> list[tuple[str, str]]:
        """(method, handler) pairs of an axum method router / actix route: `get(a).post(b)`, `web::get().to(h)`,
        `routing::any(h)`; ("ANY", handler) when no method is named."""
        pairs: list[tuple[str, str]] = []
        pending: list[str] = []
        to_handler = ""
        stack = [node]
        seen = 0
        while stack and seen < 200:
            current = stack.pop()
            seen += 1
            if current.type != "call_expression":
                if current.type in ("field_expression", "generic_function"):
                    stack.extend(current.named_children)
                continue
            func = current.child_by_field_name("function")
            args = _args(current)
            name = ""
            if func is not None and func.type == "field_expression":
                name = self.full(func.child_by_field_name("field"))
                value = func.child_by_field_name("value")
                if value is not None:
                    stack.append(value)
            elif func is not None and func.type in ("identifier", "scoped_identifier"):
                name = _segments(self.full(func))[-1]
            if name in _VERB_SET:
                if args:
                    pairs.append((name.upper(), _norm(self.text(args[0]))))
                else:
                    pending.append(name.upper())
            elif name in ("to", "to_async") and args:
                to_handler = _norm(self.text(args[0]))
            elif name in ("any", "any_service") and args:
                pairs.append(("ANY", _norm(self.text(args[0]))))
            elif name == "on" and len(args) >= 2:
                written = self.full(args[0])  # MethodFilter::GET.or(MethodFilter::POST)
                filters = [v.upper() for v in _VERBS if re.search(rf"::{v.upper()}\b", written)] or ["ANY"]
                pairs.extend((v, _norm(self.text(args[1]))) for v in filters)
        pairs.extend((m, to_handler) for m in pending)
        if not pairs:
            verbs = sorted({self.full(n).upper() for n in _small_descendants(node)
                            if n.type in ("identifier", "field_identifier") and self.full(n) in _VERB_SET})
            pairs = [(v, to_handler) for v in verbs] or [("ANY", to_handler)]
        return pairs

    def _router_route(self, node: tree_sitter.Node, args: list[tree_sitter.Node], named: int, fn: int) -> None:
        path = self._route_path(_route_string(self.full(args[0]), args[0].type))
        if path is None:
            return
        owner, prefix, guards = self._context(node, named)
        full = _join(prefix, path) if prefix else path
        own = tuple(_norm(self.text(a))[:120] for a in _method_layers(self, args[1]))
        seen: set[str] = set()
        for method, handler in self._handlers_of(args[1]):
            if method in seen:
                continue
            seen.add(method)
            self.routes.append(RouteDecl(ROUTER_ROUTE, method, full, owner, handler, Source.line(args[0]), fn,
                                         (*guards, *own), True))

    def _resource(self, node: tree_sitter.Node, args: list[tree_sitter.Node], named: int, fn: int) -> None:
        path = self._route_path(_route_string(self.full(args[0]), args[0].type))
        if path is None:
            return
        pairs: list[tuple[str, str]] = []
        current = node
        for _ in range(_MAX_WALK):
            relation, outer, _index = self.up.get(current.id, ("", current, 0))
            if relation != "recv":
                break
            field, _recv = _field(self, outer)
            outer_args = _args(outer)
            if field == "route" and outer_args:
                pairs.extend(p for p in self._handlers_of(outer_args[0]) if p[0] != "ANY" or p[1])
            elif field in _VERB_SET:
                pairs.append((field.upper(), ""))
            elif field in ("to", "to_async") and outer_args:
                pairs.append(("ANY", _norm(self.text(outer_args[0]))))
            current = outer
        owner, prefix, guards = self._context(node, named)
        full = _join(prefix, path)
        seen: set[str] = set()
        for method, handler in sorted(pairs) or [("ANY", "")]:
            if method not in seen:
                seen.add(method)
                self.routes.append(RouteDecl(RESOURCE_ROUTE, method, full, owner, handler, Source.line(node), fn,
                                             guards, True))

    def _children(self, arg: tree_sitter.Node, named: int) -> list[str]:
        """What a registration argument names: a function (called or referenced), a `let` router variable, or
        the functions a closure hands its config to (`.configure(|cfg| routes::config(cfg, &state))`)."""
        lets = self.lets.get(named, {})
        if arg.type == "identifier" and self.full(arg) in lets:
            value = lets[self.full(arg)]
            if value.type == "call_expression" and _field(self, value)[1] is None:
                callee = _callee(self, value)
                if callee and _segments(callee)[-1] not in _NOT_ROUTERS:
                    return [FUNCTION_REF + callee]
            return [f"{self._owner(named)}@{self.full(arg)}"]
        if arg.type in ("identifier", "scoped_identifier"):
            return [FUNCTION_REF + self.full(arg)]
        if arg.type == "call_expression" and _field(self, arg)[1] is None:
            callee = _callee(self, arg)
            if callee and _segments(callee)[-1] not in _NOT_ROUTERS:
                return [FUNCTION_REF + callee]
        if arg.type == "closure_expression":
            params = arg.child_by_field_name("parameters")
            first = params.named_children[0] if params is not None and params.named_children else None
            if first is not None and first.type == "parameter":
                first = first.child_by_field_name("pattern")
            param = self.full(first) if first is not None and first.type == "identifier" else ""
            body = arg.child_by_field_name("body")
            out: list[str] = []
            for node in _small_descendants(body) if body is not None and param else []:
                if node.type != "call_expression" or _field(self, node)[1] is not None:
                    continue
                passed = _args(node)
                if passed and self.full(passed[0]) == param:
                    callee = _callee(self, node)
                    if callee:
                        out.append(FUNCTION_REF + callee)
            return out
        return []

    def _nesting(self, node: tree_sitter.Node, name: str, args: list[tree_sitter.Node], named: int) -> None:
        children = [a for a in args if a.type not in ("string_literal", "raw_string_literal")]
        if not children:
            return
        owner, prefix, guards = self._context(node, named)
        known = True
        if name in _WITH_PREFIX and len(args) >= 2:
            own = _route_string(self.full(args[0]), args[0].type)
            known = own is not None
            prefix = _join(prefix, own or "")
        for arg in children:
            layers = tuple(_norm(self.text(a))[:120] for a in _method_layers(self, arg))
            for child in self._children(arg, named):
                self.mounts.append(Mount(owner, child, prefix, _method_line(node), (*guards, *layers), known))

    def _routes_macro(self, node: tree_sitter.Node, named: int) -> None:
        """Rocket `routes![a, module::b]`: the handlers it lists are mounted where the macro is."""
        tokens = next((c for c in node.children if c.type == "token_tree"), None)
        if tokens is None:
            return
        owner, prefix, guards = self._context(node, named)
        for group in _split_tokens(tokens):
            item = "::".join(_segments("".join(self.full(t) for t in group)))
            if item:
                self.mounts.append(Mount(owner, FUNCTION_REF + item, prefix, Source.line(node), guards, True))


# -- helpers over nodes -------------------------------------------------------------------------------------------
def _segments(path: str) -> list[str]:
    if "<" not in path and " " not in path and "\n" not in path:
        return [p for p in path.split("::") if p]
    return [p.split("<", 1)[0].strip() for p in "".join(path.split()).split("::") if p.split("<", 1)[0].strip()]


def _type_name(text: str) -> str:
    """`crate::a::Err<T>` -> `Err`; `&'a mut X` -> `X`."""
    base = text.split("<", 1)[0].strip().lstrip("&").strip()
    base = re.sub(r"^'\w+\s+", "", base).removeprefix("mut ").removeprefix("dyn ").strip()
    return base.rsplit("::", 1)[-1]


def _root_name(text: str) -> str:
    head = re.split(r"[.:(\[]", text, maxsplit=1)[0].strip()
    return head if head.isidentifier() else ""


def _string_value(text: str, raw: bool) -> tuple[str, bool] | None:
    """(value, had escapes) of a string literal's source text; None when it is not one."""
    if raw or text.startswith(("r", "br")):
        start, end = text.find('"'), text.rfind('"')
        return (text[start + 1 : end], False) if 0 <= start < end else None
    if text.startswith("b"):
        text = text[1:]
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        return None
    body = text[1:-1]
    if "\\" not in body:
        return body, False

    def unescape(m: re.Match[str]) -> str:
        esc = m.group(1)
        if esc.startswith("u{"):
            try:
                return chr(int(esc[2:-1], 16))
            except ValueError:
                return ""
        if esc.startswith("x"):
            try:
                return chr(int(esc[1:], 16))
            except ValueError:
                return ""
        if esc.startswith("\n"):
            return ""
        return _ESCAPES.get(esc, esc)

    return re.sub(r"\\(u\{[0-9a-fA-F]*\}|x[0-9a-fA-F]{2}|\n\s*|.)", unescape, body), True


def _route_string(text: str, node_type: str) -> str | None:
    """A route path from a plain string literal (an escape or anything but a literal: None)."""
    if node_type not in ("string_literal", "raw_string_literal"):
        return None
    value = _string_value(text, node_type == "raw_string_literal")
    if value is None or value[1]:
        return None
    return value[0]


def _inline_format_names(text: str) -> list[str]:
    """`{name}` / `{name:?}` placeholders of a format string (Rust 2021 inline arguments)."""
    return [m.group(1) for m in re.finditer(r"(?<!\{)\{([A-Za-z_]\w*)(?::[^{}]*)?\}", text)]


def _split_tokens(tree: tree_sitter.Node) -> list[list[tree_sitter.Node]]:
    """A token tree's tokens between its delimiters, split at top-level commas (and `;`)."""
    kids = tree.children[1:-1] if tree.child_count >= 2 else []
    groups: list[list[tree_sitter.Node]] = [[]]
    for tok in kids[:_MAX_TOKENS]:
        if tok.type in (",", ";"):
            groups.append([])
        elif tok.type not in ("line_comment", "block_comment"):
            groups[-1].append(tok)
    return [g for g in groups if g]


def _skip_angles(kids: list[tree_sitter.Node], start: int) -> int | None:
    """Index of the `>` closing the `<` at `start` (turbofish `::<T>`), None when unbalanced."""
    depth = 0
    for j in range(start, min(len(kids), start + 64)):
        t = kids[j].type
        if t == "<":
            depth += 1
        elif t == ">":
            depth -= 1
            if depth == 0:
                return j
        elif t == ">>":
            depth -= 2
            if depth <= 0:
                return j
    return None


def _receiver_start(kids: list[tree_sitter.Node], j: int) -> int | None:
    """Where the receiver ending at token `j` starts: `a.b(x)?[0]`, `m!(..)`, `s.parse::<u32>()`, `"1"`."""
    if j < 0:
        return None
    state = "end"
    first: int | None = None
    steps = 0
    while j >= 0 and steps < 256:
        steps += 1
        t = kids[j].type
        if state == "end":  # expecting the end of an operand
            if t in ("?", "await"):
                first = j
                j -= 1
                if t == "await":
                    if j < 0 or kids[j].type != ".":
                        return None
                    j -= 1
                continue
            if t == "token_tree":
                first, state = j, "group"
            elif t in ("identifier", "self", "super", "crate", "metavariable") or t in _LITERALS:
                first, state = j, "atom"
            else:
                return first
            j -= 1
        elif state == "group":  # after `(..)` / `[..]`: a call's callee, a macro's `!`, or more groups
            if t == "identifier":
                first, state = j, "atom"
                j -= 1
            elif t == "!" and j >= 1 and kids[j - 1].type == "identifier":
                first, state = j - 1, "atom"
                j -= 2
            elif t == "token_tree":
                first = j
                j -= 1
            elif t == ">":
                open_at = _open_angle(kids, j)
                if open_at is None or open_at < 2 or kids[open_at - 1].type != "::" \
                        or kids[open_at - 2].type != "identifier":
                    return first
                first, state = open_at - 2, "atom"
                j = open_at - 3
            elif t in (".", "::"):
                j -= 1
                state = "end"
            else:
                return first
        else:  # after an atom: joined by `.` or `::`, or the receiver starts here
            if t in (".", "::"):
                j -= 1
                state = "end"
            else:
                return first
    return first


def _open_angle(kids: list[tree_sitter.Node], close: int) -> int | None:
    depth = 0
    for j in range(close, max(-1, close - 64), -1):
        t = kids[j].type
        if t == ">":
            depth += 1
        elif t == "<":
            depth -= 1
            if depth == 0:
                return j
    return None


def _path_start(kids: list[tree_sitter.Node], i: int) -> int:
    """Start of the path `a::b::name` whose last segment is token `i`."""
    j = i
    while j >= 2 and kids[j - 1].type == "::" and kids[j - 2].type in ("identifier", "crate", "self", "super"):
        j -= 2
    return j


def _targets(reader: _Reader, pattern: tree_sitter.Node) -> tuple[str, ...]:
    t = pattern.type
    if t == "identifier":
        return (reader.full(pattern),)
    if t == "_":
        return ("_",)
    if t in ("tuple_pattern", "slice_pattern"):
        return tuple(_norm(reader.text(c)) for c in pattern.named_children)
    if t == "mut_pattern" and pattern.named_children:
        return _targets(reader, pattern.named_children[-1])
    text = _norm(reader.text(pattern))
    return ("_",) if text == "_" else (text,)


def _field(reader: _Reader, node: tree_sitter.Node | None) -> tuple[str, tree_sitter.Node | None]:
    """`recv.name(...)`: (name, recv); (callee's last segment, None) for a path call; ("", None) otherwise."""
    if node is None or node.type != "call_expression":
        return "", None
    func = node.child_by_field_name("function")
    if func is not None and func.type == "generic_function":
        func = func.child_by_field_name("function")
    if func is None:
        return "", None
    if func.type == "field_expression":
        return reader.full(func.child_by_field_name("field")), func.child_by_field_name("value")
    if func.type in ("identifier", "scoped_identifier"):
        segments = _segments(reader.full(func))
        return (segments[-1] if segments else ""), None
    return "", None


def _leaves(block: tree_sitter.Node | None) -> bool:
    """Whether a block always leaves: its last statement returns, breaks or continues."""
    if block is None or block.type != "block":
        return False
    last = block.named_child(block.named_child_count - 1) if block.named_child_count else None
    while last is not None and last.type in ("line_comment", "block_comment"):
        last = last.prev_named_sibling
    if last is not None and last.type == "expression_statement":
        last = last.named_child(0)
    return last is not None and last.type in ("return_expression", "break_expression", "continue_expression")


def _method_line(call: tree_sitter.Node) -> int:
    """The line of a method call's name (`.service(` on its own line of a chain), else of the call."""
    func = call.child_by_field_name("function")
    field = func.child_by_field_name("field") if func is not None and func.type == "field_expression" else None
    return Source.line(field if field is not None else call)


def _args(node: tree_sitter.Node) -> list[tree_sitter.Node]:
    args = node.child_by_field_name("arguments")
    return [a for a in args.named_children if a.type not in _ARG_SKIP] if args is not None else []


def _callee(reader: _Reader, call: tree_sitter.Node) -> str:
    func = call.child_by_field_name("function") if call.type == "call_expression" else None
    if func is not None and func.type == "generic_function":
        func = func.child_by_field_name("function")
    return reader.full(func) if func is not None and func.type in ("identifier", "scoped_identifier") else ""


def _scope_path(reader: _Reader, base: tree_sitter.Node) -> str | None:
    if _segments(_callee(reader, base))[-1:] == ["scope"]:
        args = _args(base)
        return _route_string(reader.full(args[0]), args[0].type) if args else None
    return None


def _method_layers(reader: _Reader, node: tree_sitter.Node) -> list[tree_sitter.Node]:
    """Arguments of `.layer(x)` / `.route_layer(x)` / `.wrap(x)` calls in an expression's own method chain."""
    out: list[tree_sitter.Node] = []
    current = node
    for _ in range(_MAX_WALK * 4):
        name, receiver = _field(reader, current)
        if receiver is None:
            break
        if name in _MIDDLEWARE:
            out.extend(_args(current)[:1])
        current = receiver
    return out


def _small_descendants(node: tree_sitter.Node, limit: int = 400) -> list[tree_sitter.Node]:
    out: list[tree_sitter.Node] = []
    stack = [node]
    while stack and len(out) < limit:
        current = stack.pop()
        out.append(current)
        stack.extend(reversed(current.named_children))
    return out


def _join(*parts: str) -> str:
    from analysis.routes.paths import join_paths

    return join_paths(*parts)


# -- cfg_if! / cfg_select!: items inside are items ------------------------------------------------------------------
def _expand_cfg_macros(data: bytes, tree: tree_sitter.Tree) -> bytes | None:
    """The file with the wrappers of item-level `cfg_if!` / `cfg_select!` blanked out (newlines kept), so the items
    in their blocks parse as items at the same lines and offsets; None when there is none."""
    found: list[tuple[int, int]] = []  # byte ranges to blank
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        for child in node.named_children:
            if child.type == "mod_item":
                body = child.child_by_field_name("body")
                if body is not None:
                    stack.append(body)
            elif child.type == "macro_invocation":
                macro = child.child_by_field_name("macro")
                name = _segments(macro.text.decode("utf-8", "replace") if macro is not None and macro.text else "")
                tokens = next((c for c in child.children if c.type == "token_tree"), None)
                if not name or name[-1] not in _CFG_MACROS or tokens is None:
                    continue
                keep: list[tuple[int, int]] = []
                for part in tokens.children[1:-1]:
                    if part.type == "token_tree" and data[part.start_byte : part.start_byte + 1] == b"{":
                        keep.append((part.start_byte + 1, part.end_byte - 1))
                cursor = child.start_byte
                for start, end in keep:
                    found.append((cursor, start))
                    cursor = end
                found.append((cursor, child.end_byte))
    if not found:
        return None
    out = bytearray(data)
    for start, end in found:
        for i in range(start, end):
            if out[i] not in (10, 13):
                out[i] = 32
    return bytes(out)


def test_only_files(analysis: ProjectAnalysis) -> frozenset[str]:
    """Rust files that are test code because their parent declares them `#[cfg(test)] mod name;` (the file
    itself cannot tell), with the files of their submodules. Memoised per project."""

    def compute(a: ProjectAnalysis) -> frozenset[str]:
        models = list(a.files("rust"))
        files: list[str] = []
        dirs: list[str] = []
        for model in models:
            folder, _, name = model.path.rpartition("/")
            stem = name[:-3] if name.endswith(".rs") else name
            base = folder if stem in ("mod", "lib", "main") else (f"{folder}/{stem}" if folder else stem)
            for marker in model.markers:
                if marker.startswith("test-mod:"):
                    rel = marker[len("test-mod:"):]
                    target = f"{base}/{rel}" if base else rel
                    files.extend((target + ".rs", target + "/mod.rs"))
                    dirs.append(target + "/")
        wanted = set(files)
        return frozenset(m.path for m in models if m.path in wanted or m.path.startswith(tuple(dirs)))

    return analysis.memo("rust-test-only-files", compute)


def analyse_rust(path: str, role: str, data: bytes) -> FileModel:
    """The model of one Rust file. Never raises for bad input: a file that cannot be read is a model with a
    problem, one that parsed partly is read where it parsed (facts in broken parts carry CALL_BROKEN)."""
    tree, problem = parse("rust", data)
    if tree is None:
        return FileModel(path, "rust", role, PARSER, problem=problem)
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if b"cfg_if" in body or b"cfg_select" in body or b"cfg_match" in body:
        expanded = _expand_cfg_macros(body, tree)
        if expanded is not None:
            again, again_problem = parse("rust", expanded)
            if again is not None and (again_problem is None or problem is not None):
                tree, body = again, expanded
    reader = _Reader(path, role, Source(body, tree, "rust"))
    try:
        reader.read(tree)
    except RecursionError:
        return FileModel(path, "rust", role, PARSER, problem=("too-deep", "nesting too deep to analyse"))
    return FileModel(
        path, "rust", role, PARSER, problem=problem, lines=body.count(b"\n") + 1,
        markers=frozenset(reader.markers), imports=tuple(reader.imports), functions=tuple(reader.functions),
        classes=tuple(reader.classes), calls=tuple(reader.calls), assigns=tuple(reader.assigns),
        settings=tuple(reader.settings), discards=tuple(reader.discards), routes=tuple(reader.routes),
        mounts=tuple(reader.mounts), tests=tuple(reader.tests), type_uses=tuple(reader.type_uses),
    )
