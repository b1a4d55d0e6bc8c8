"""Go, Java and Rust are statically typed; what is counted here are the ways around the type system.

Rust is read from the analysis layer (`TypeUse` facts of kind "unsafe"); Go and Java from the tree-sitter trees."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from auditor.context import Context
from auditor.sources import TsFile
from checks._ts import descendants, has_error_ancestor, line_of

__all__ = ["Hatch", "StaticScan", "static_scan"]

CODE_ROLES = ("source",)


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
# Facts from the analysis layer (analysis/java.py TypeUse): raw generic types resolved through the imports, and
# `Object` parameters, in every signature; a public one escapes, unless it overrides a signature chosen elsewhere.


def _java_hatches(ctx: Context) -> Iterator[Hatch]:
    own = ctx.analysis.own_classes("java")
    for model in ctx.analysis.files("java", roles=CODE_ROLES):
        for use in model.type_uses:
            if not use.public or use.kind not in ("raw-type", "object"):
                continue
            fn = model.function(use.function)
            if fn is not None and "@Override" in fn.decorators:
                continue  # the signature is the overridden one's, not this class's choice
            name = use.text.rsplit(".", 1)[-1]
            if use.kind == "raw-type" and use.text.count(".") <= 1 and name in own and \
                    not use.text.startswith("java."):
                continue  # written without an import: the project's own class of that name, not the JDK's
            symbol = use.where.split("`")[1] if use.where.count("`") >= 2 else "?"
            if use.where.startswith("parameter") and use.where.count("`") >= 4:
                symbol = use.where.split("`")[3]
            if use.kind == "object":
                yield Hatch("java", "Object parameter", model.path, use.line, symbol, "Object")
            else:
                yield Hatch("java", "raw type", model.path, use.line, symbol, name)


def static_scan(ctx: Context) -> StaticScan:
    hatches: list[Hatch] = []
    for file in ctx.trees("go", roles=CODE_ROLES):
        hatches += _go_hatches(file)
    hatches += _java_hatches(ctx)
    unsafe = sum(1 for _, use in ctx.analysis.records("type_uses", "rust", roles=CODE_ROLES) if use.kind == "unsafe")
    present = ctx.languages()
    languages = tuple(lang for lang in ("go", "java", "rust") if present.get(lang))
    return StaticScan(languages, tuple(hatches), unsafe)
