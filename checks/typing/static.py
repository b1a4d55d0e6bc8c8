"""Go, Java and Rust are statically typed; what is counted here are the ways around the type system."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from auditor.context import Context
from auditor.sources import TsFile
from checks._ts import descendants, has_error_ancestor, line_of

if TYPE_CHECKING:
    from tree_sitter import Node

__all__ = ["Hatch", "StaticScan", "static_scan"]

CODE_ROLES = ("source",)

# Java generic types that, written without type arguments, turn element types into unchecked Object.
JAVA_GENERICS = frozenset({
    "List", "ArrayList", "LinkedList", "Map", "HashMap", "LinkedHashMap", "TreeMap", "ConcurrentHashMap",
    "Set", "HashSet", "LinkedHashSet", "TreeSet", "Collection", "Iterable", "Iterator", "Queue", "Deque",
    "Optional", "Class", "Comparable", "Comparator", "Stream", "Future", "CompletableFuture", "Supplier",
    "Function", "Consumer", "Predicate", "BiFunction", "Callable", "ResponseEntity", "HttpEntity", "Page",
    "Slice", "Mono", "Flux", "Entry",
})


@dataclass(frozen=True, slots=True)
class Hatch:
    """One public signature that escapes the type system."""

    language: str
    kind: str  # "interface{}/any" | "raw type" | "Object parameter"
    path: str
    line: int
    symbol: str  # function, method or field name
    detail: str  # e.g. the raw type name


@dataclass(frozen=True, slots=True)
class StaticScan:
    languages: tuple[str, ...]
    hatches: tuple[Hatch, ...]
    rust_unsafe_blocks: int


# -- Go ---------------------------------------------------------------------------------------------


def _go_hatches(file: TsFile) -> Iterator[Hatch]:
    if b"interface" not in file.source and b"any" not in file.source:
        return
    for decl in file.tree.root_node.children:
        if decl.type not in ("function_declaration", "method_declaration"):
            continue
        name = decl.child_by_field_name("name")
        if name is None or not file.text(name)[:1].isupper():
            continue
        found = 0
        for field in ("parameters", "result"):
            part = decl.child_by_field_name(field)
            if part is None:
                continue
            for node in descendants(part):
                if (node.type == "interface_type" and node.named_child_count == 0) or (
                    node.type == "type_identifier" and file.text(node) == "any"
                ):
                    found += 1
        if found and not has_error_ancestor(decl, file):
            yield Hatch("go", "interface{}/any", file.path, line_of(decl), file.text(name), str(found))


# -- Java -------------------------------------------------------------------------------------------


def _modifiers(decl: Node) -> tuple[set[str], set[str]]:
    """(keywords, annotation names) of a Java declaration."""
    keywords: set[str] = set()
    annotations: set[str] = set()
    for child in decl.children:
        if child.type != "modifiers":
            continue
        for mod in child.children:
            if mod.type in ("marker_annotation", "annotation"):
                ident = mod.child_by_field_name("name")
                if ident is not None:
                    annotations.add((ident.text or b"").decode("utf-8", "replace").rsplit(".", 1)[-1])
            else:
                keywords.add(mod.type)
    return keywords, annotations


def _raw_types(file: TsFile, type_node: Node) -> Iterator[str]:
    for node in descendants(type_node):
        if node.type != "type_identifier":
            continue
        parent = node.parent
        if parent is not None and parent.type == "scoped_type_identifier":
            if parent.children[-1].id != node.id:
                continue  # the qualifier in Map.Entry
            parent = parent.parent
        if parent is not None and parent.type == "generic_type":
            continue
        name = file.text(node)
        if name in JAVA_GENERICS:
            yield name


def _java_hatches(file: TsFile) -> Iterator[Hatch]:
    for decl in descendants(file.tree.root_node):
        if decl.type not in ("method_declaration", "field_declaration", "constructor_declaration"):
            continue
        parent = decl.parent
        in_interface = parent is not None and parent.type == "interface_body"
        keywords, annotations = _modifiers(decl)
        public = "public" in keywords or (in_interface and "private" not in keywords)
        if not public or has_error_ancestor(decl, file):
            continue
        if decl.type == "field_declaration":
            type_node = decl.child_by_field_name("type")
            declarator = decl.child_by_field_name("declarator")
            name_node = declarator.child_by_field_name("name") if declarator is not None else None
            symbol = file.text(name_node) if name_node is not None else "?"
            if type_node is not None:
                for raw in _raw_types(file, type_node):
                    yield Hatch("java", "raw type", file.path, line_of(decl), symbol, raw)
            continue
        name_node = decl.child_by_field_name("name")
        symbol = file.text(name_node) if name_node is not None else "?"
        if "Override" in annotations:
            continue  # the signature is the overridden one's, not this class's choice
        ret = decl.child_by_field_name("type")
        if ret is not None:
            for raw in _raw_types(file, ret):
                yield Hatch("java", "raw type", file.path, line_of(decl), symbol, raw)
        params = decl.child_by_field_name("parameters")
        if params is None:
            continue
        for param in params.named_children:
            if param.type not in ("formal_parameter", "spread_parameter"):
                continue
            ptype = param.child_by_field_name("type")
            if ptype is None and param.type == "spread_parameter":
                ptype = next((c for c in param.named_children if c.type.endswith("type") or c.type == "type_identifier"), None)
            if ptype is None:
                continue
            if param.type == "formal_parameter" and ptype.type == "type_identifier" and file.text(ptype) == "Object":
                yield Hatch("java", "Object parameter", file.path, line_of(decl), symbol, "Object")
            for raw in _raw_types(file, ptype):
                yield Hatch("java", "raw type", file.path, line_of(decl), symbol, raw)


def static_scan(ctx: Context) -> StaticScan:
    hatches: list[Hatch] = []
    for file in ctx.trees("go", roles=CODE_ROLES):
        hatches += _go_hatches(file)
    for file in ctx.trees("java", roles=CODE_ROLES):
        if b"public" in file.source or b"interface" in file.source:
            hatches += _java_hatches(file)
    unsafe = 0
    for file in ctx.trees("rust", roles=CODE_ROLES):
        if b"unsafe" in file.source:
            unsafe += sum(1 for n in descendants(file.tree.root_node) if n.type == "unsafe_block")
    present = ctx.languages()
    languages = tuple(lang for lang in ("go", "java", "rust") if present.get(lang))
    return StaticScan(languages, tuple(hatches), unsafe)
