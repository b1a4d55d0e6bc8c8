"""Rust: `.unwrap()`, `.expect()` and panicking macros outside tests; error types that render responses."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from auditor.context import Context
from auditor.model import Confidence
from checks._ts import descendants, has_error_ancestor, line_of
from checks.errors._common import CODE_ROLES, Analysis, Hit

if TYPE_CHECKING:
    import tree_sitter

    from auditor.sources import TsFile

__all__ = ["rust_analysis"]

_FRAMEWORK = re.compile(rb"\b(actix_web|axum|rocket|warp|poem|tide|salvo|hyper)::")
_PANICS = frozenset({"panic", "unreachable", "todo", "unimplemented"})
# A poisoned lock is the conventional reason to unwrap; `write!` into a String cannot fail.
_LOCKS = frozenset({"lock", "read", "write"})
_RESPONSE_TRAITS = frozenset({"ResponseError", "IntoResponse", "Responder", "Reject"})


def rust_analysis(ctx: Context) -> Analysis:
    """Every Rust hit of the project (tests, examples, benches and build scripts excluded), one walk per file."""
    hits: list[Hit] = []
    frameworks: set[str] = set()
    central: list[str] = []
    for file in ctx.trees("rust", roles=CODE_ROLES):
        if file.path.rsplit("/", 1)[-1] == "build.rs":
            continue
        frameworks.update(m.group(1).decode() for m in _FRAMEWORK.finditer(file.source))
        test_cache: dict[int, bool] = {}
        for node in descendants(file.tree.root_node):
            t = node.type
            if t == "call_expression":
                hit = _method_call(file, node, test_cache)
                if hit:
                    hits.append(hit)
            elif t == "macro_invocation":
                hit = _panic(file, node, test_cache)
                if hit:
                    hits.append(hit)
            elif t == "token_tree":
                hits.extend(_in_macro(file, node, test_cache))
            elif t == "impl_item":
                evidence = _central_impl(file, node)
                if evidence:
                    central.append(evidence)
    return Analysis(tuple(hits), 0, frozenset(frameworks), tuple(central))


def _is_test_attr(text: str) -> bool:
    return "test" in text and "not(test)" not in text


def _in_test(file: TsFile, node: tree_sitter.Node, cache: dict[int, bool]) -> bool:
    """Whether the node sits in a `#[cfg(test)]` module or a `#[test]`-like function."""
    current = node.parent
    seen: list[int] = []
    result = False
    while current is not None:
        if current.id in cache:
            result = cache[current.id]
            break
        seen.append(current.id)
        if current.type in ("function_item", "mod_item"):
            sib = current.prev_named_sibling
            while sib is not None and sib.type in ("attribute_item", "line_comment", "block_comment"):
                if sib.type == "attribute_item" and _is_test_attr(file.text(sib)):
                    result = True
                    break
                sib = sib.prev_named_sibling
            if result:
                break
        current = current.parent
    for i in seen:
        cache[i] = result
    return result


def _confidence(file: TsFile, node: tree_sitter.Node, receiver: str) -> Confidence:
    if receiver in _LOCKS or file.path.endswith("main.rs"):
        return Confidence.LOW
    current = node.parent
    while current is not None:
        if current.type == "function_item":
            name = current.child_by_field_name("name")
            return Confidence.LOW if name is not None and file.text(name) == "main" else Confidence.HIGH
        current = current.parent
    return Confidence.HIGH


def _method_call(file: TsFile, call: tree_sitter.Node, cache: dict[int, bool]) -> Hit | None:
    fn = call.child_by_field_name("function")
    if fn is None or fn.type != "field_expression":
        return None
    field = fn.child_by_field_name("field")
    if field is None:
        return None
    method = file.text(field)
    if method not in ("unwrap", "expect") or has_error_ancestor(call, file) or _in_test(file, call, cache):
        return None
    value = fn.child_by_field_name("value")
    receiver = ""
    if value is not None and value.type == "macro_invocation":
        macro = value.child_by_field_name("macro")
        receiver = "write" if macro is not None and file.text(macro) in ("write", "writeln") else ""
    elif value is not None and value.type == "call_expression":
        inner = value.child_by_field_name("function")
        if inner is not None and inner.type == "field_expression":
            f2 = inner.child_by_field_name("field")
            receiver = file.text(f2) if f2 is not None else ""
    line = field.start_point[0] + 1
    what = "`.unwrap()`" if method == "unwrap" else "`.expect(...)`"
    return Hit(method, file.path, line, line, f"{what} panics on error instead of propagating it with `?`",
               _confidence(file, call, receiver), key=f"{method}:{file.text(call)[-120:]}")


def _panic(file: TsFile, node: tree_sitter.Node, cache: dict[int, bool]) -> Hit | None:
    macro = node.child_by_field_name("macro")
    if macro is None:
        return None
    name = file.text(macro).rsplit("::", 1)[-1]
    if name not in _PANICS or has_error_ancestor(node) or _in_test(file, node, cache):
        return None
    return Hit("panic", file.path, line_of(node), node.end_point[0] + 1,
               f"`{name}!` aborts the request or the process instead of returning an error",
               _confidence(file, node, ""), key=f"{name}:{file.text(node)[:120]}")


def _in_macro(file: TsFile, tree: tree_sitter.Node, cache: dict[int, bool]) -> Iterator[Hit]:
    """`.unwrap()` / `.expect(..)` written inside a macro's token tree (`json!`, `format!`...)."""
    children = tree.children
    for i in range(1, len(children) - 1):
        ident = children[i]
        if ident.type != "identifier" or children[i - 1].type != "." or children[i + 1].type != "token_tree":
            continue
        method = file.text(ident)
        if method not in ("unwrap", "expect") or not file.text(children[i + 1]).startswith("("):
            continue
        if has_error_ancestor(ident) or _in_test(file, tree, cache):
            continue
        line = line_of(ident)
        what = "`.unwrap()`" if method == "unwrap" else "`.expect(...)`"
        yield Hit(method, file.path, line, line, f"{what} panics on error instead of propagating it with `?`",
                  _confidence(file, tree, ""), key=f"{method}:{file.text(tree)[:120]}")


def _central_impl(file: TsFile, impl: tree_sitter.Node) -> str | None:
    trait = impl.child_by_field_name("trait")
    typ = impl.child_by_field_name("type")
    if trait is None or typ is None:
        return None
    name = file.text(trait).split("<")[0].rsplit("::", 1)[-1]
    target = file.text(typ)
    if name == "ResponseError" or (name in _RESPONSE_TRAITS and "err" in target.lower()):
        return f"{file.path}:{line_of(impl)} impl {name} for {target[:40]}"
    return None
