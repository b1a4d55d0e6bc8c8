"""Small helpers shared by the Python-reading checks."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from auditor.sources import PyModule

__all__ = ["call_name", "dotted_name", "imported_names", "imports_any", "is_logging_call", "string_value"]


def dotted_name(node: ast.AST) -> str:
    """`a.b.c` for Name/Attribute chains, "" for anything else."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    if isinstance(node, ast.Call):  # e.g. logging.getLogger(__name__).error -> getLogger().error
        inner = dotted_name(node.func)
        if inner:
            parts.append(inner + "()")
            return ".".join(reversed(parts))
    return ""


def call_name(call: ast.Call) -> str:
    return dotted_name(call.func)


def imported_names(module: PyModule) -> dict[str, str]:
    """Local name -> fully qualified name for every import in the module (`from x import y as z` -> z: x.y)."""
    names: dict[str, str] = {}
    for node in module.nodes(ast.Import):
        for alias in node.names:
            local = alias.asname or alias.name.split(".")[0]
            names[local] = alias.name if alias.asname else alias.name.split(".")[0]
    for frm in module.nodes(ast.ImportFrom):
        base = frm.module or ""
        for alias in frm.names:
            names[alias.asname or alias.name] = f"{base}.{alias.name}" if base else alias.name
    return names


def imports_any(module: PyModule, *prefixes: str) -> bool:
    """Whether the module imports a module starting with one of `prefixes` (`sqlalchemy`, `flask`...)."""
    for node in module.nodes(ast.Import):
        for alias in node.names:
            if any(alias.name == p or alias.name.startswith(p + ".") for p in prefixes):
                return True
    for frm in module.nodes(ast.ImportFrom):
        name = frm.module or ""
        if frm.level == 0 and any(name == p or name.startswith(p + ".") for p in prefixes):
            return True
    return False


_LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log"})


def is_logging_call(call: ast.Call) -> bool:
    """`logger.error(...)`, `logging.exception(...)`, `log.warning(...)`, `print(..., file=sys.stderr)`..."""
    name = call_name(call)
    if not name:
        return False
    last = name.rsplit(".", 1)[-1]
    if last in _LOG_METHODS and "." in name:
        return True
    if name in ("print", "traceback.print_exc", "sentry_sdk.capture_exception", "capture_exception"):
        return True
    return last in ("capture_exception", "captureException", "print_exc", "print_exception")


def string_value(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def walk_body(nodes: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every node inside `nodes`, not descending into nested functions or classes."""
    stack: list[ast.AST] = list(reversed(nodes))
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
                stack.append(child)
