"""Java: empty and swallowing catch blocks, exception messages sent to clients, @ControllerAdvice and friends."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from auditor.context import Context
from auditor.model import Confidence
from checks._ts import descendants, has_error_ancestor, line_of
from checks.errors._common import CODE_ROLES, Analysis, Hit, is_4xx

if TYPE_CHECKING:
    import tree_sitter

    from auditor.sources import TsFile

__all__ = ["java_analysis"]

_FRAMEWORKS = {
    "org.springframework.web": "spring", "org.springframework.boot": "spring", "jakarta.ws.rs": "jax-rs",
    "javax.ws.rs": "jax-rs", "io.micronaut.http": "micronaut", "io.quarkus": "quarkus", "io.javalin": "javalin",
    "io.vertx.ext.web": "vertx", "spark.Spark": "spark",
}
_CATCH_ALL = frozenset({"Exception", "Throwable", "RuntimeException"})
_LOG_METHODS = frozenset({"error", "warn", "info", "debug", "trace", "fatal", "log", "printStackTrace", "println",
                          "print", "printf", "severe", "warning", "captureException"})
_TRIVIAL_VALUES = frozenset({"null", "false", "Optional.empty()", "Collections.emptyList()", "List.of()",
                             "Collections.emptyMap()", "Map.of()", "0", "-1", "\"\""})
_COMMENTS = frozenset({"line_comment", "block_comment"})
_DETAIL_METHODS = frozenset({"getMessage", "getLocalizedMessage", "toString", "getStackTrace", "getCause"})
_ADVICE = frozenset({"ControllerAdvice", "RestControllerAdvice", "ExceptionHandler", "Error", "Provider"})
_CENTRAL_SUPERTYPES = ("ResponseEntityExceptionHandler", "ExceptionMapper", "ErrorController",
                       "HandlerExceptionResolver", "ProblemHandling", "ErrorWebExceptionHandler",
                       "AbstractErrorWebExceptionHandler", "ExceptionHandler<")


def java_analysis(ctx: Context) -> Analysis:
    """Every Java error-handling hit of the project, one walk per file."""
    files = list(ctx.trees("java", roles=CODE_ROLES))
    parsed: list[tuple[TsFile, dict[str, list[tree_sitter.Node]]]] = []
    local_classes: set[str] = set()
    for file in files:
        by_type: dict[str, list[tree_sitter.Node]] = {}
        for node in descendants(file.tree.root_node):
            by_type.setdefault(node.type, []).append(node)
        parsed.append((file, by_type))
        for cls in by_type.get("class_declaration", []):
            name = cls.child_by_field_name("name")
            if name is not None:
                local_classes.add(file.text(name))
    hits: list[Hit] = []
    handlers = 0
    frameworks: set[str] = set()
    central: list[str] = []
    for file, by_type in parsed:
        for imp in by_type.get("import_declaration", []):
            text = file.text(imp)
            frameworks.update(v for k, v in _FRAMEWORKS.items() if k in text)
        for clause in by_type.get("catch_clause", []):
            handlers += 1
            if not has_error_ancestor(clause, file):
                hits.extend(_catch_hits(file, clause))
        hits.extend(_leaks(file, by_type, local_classes))
        central.extend(_central(file, by_type))
    return Analysis(tuple(hits), handlers, frozenset(frameworks), tuple(central))


def _catch_param(file: TsFile, clause: tree_sitter.Node) -> tuple[list[str], str | None]:
    for child in clause.named_children:
        if child.type == "catch_formal_parameter":
            types: list[str] = []
            for t in child.named_children:
                if t.type == "catch_type":
                    types = [file.text(x).rsplit(".", 1)[-1] for x in t.named_children]
            name = child.child_by_field_name("name")
            return types, (file.text(name) if name is not None else None)
    return [], None


def _catch_hits(file: TsFile, clause: tree_sitter.Node) -> Iterator[Hit]:
    body = clause.child_by_field_name("body")
    if body is None:
        return
    statements = [c for c in body.named_children if c.type not in _COMMENTS]
    types, name = _catch_param(file, clause)
    line, end = line_of(clause), body.end_point[0] + 1
    if not statements:
        yield Hit("empty-catch", file.path, line, end,
                  f"empty catch block for {' | '.join(types) or 'an exception'}: the error is silently discarded")
        return
    caught = [t for t in types if t in _CATCH_ALL]
    if not caught or _handles(file, body, name):
        return
    trivial = all(_trivial(file, s) for s in statements)
    yield Hit("swallowed-exception", file.path, line, end,
              f"`catch ({caught[0]} {name})` neither logs, rethrows nor returns the error",
              Confidence.HIGH if trivial else Confidence.MEDIUM)


def _trivial(file: TsFile, stmt: tree_sitter.Node) -> bool:
    if stmt.type in ("continue_statement", "break_statement", ";"):
        return True
    if stmt.type == "return_statement":
        values = [c for c in stmt.named_children if c.type not in _COMMENTS]
        return not values or file.text(values[0]) in _TRIVIAL_VALUES
    return False


def _handles(file: TsFile, body: tree_sitter.Node, name: str | None) -> bool:
    for node in descendants(body):
        t = node.type
        if t == "throw_statement":
            return True
        if t == "method_invocation":
            method = node.child_by_field_name("name")
            if method is not None and file.text(method) in _LOG_METHODS:
                return True
        elif (t == "identifier" and name is not None and file.text(node) == name) or (
                t == "return_statement" and not _trivial(file, node)):
            return True
    return False


# -- leaked details ------------------------------------------------------------------------------------------
def _exception_vars(file: TsFile, node: tree_sitter.Node, local_classes: set[str]) -> set[str]:
    """Caught or handled exceptions in scope whose message the project did not write itself."""
    names: set[str] = set()
    current = node.parent
    while current is not None:
        if current.type == "catch_clause":
            types, name = _catch_param(file, current)
            if name and not (types and all(t in local_classes for t in types)):
                names.add(name)
        elif current.type in ("method_declaration", "lambda_expression"):
            params = current.child_by_field_name("parameters")
            for p in params.named_children if params is not None else []:
                ptype = p.child_by_field_name("type")
                pname = p.child_by_field_name("name")
                if ptype is None or pname is None:
                    continue
                tname = file.text(ptype).rsplit(".", 1)[-1]
                if tname.endswith(("Exception", "Throwable")) and tname not in local_classes:
                    names.add(file.text(pname))
            if current.type == "method_declaration":
                break
        current = current.parent
    return names


def _detail(file: TsFile, node: tree_sitter.Node, errors: set[str]) -> str | None:
    for sub in descendants(node):
        if sub.type != "method_invocation":
            continue
        obj = sub.child_by_field_name("object")
        name = sub.child_by_field_name("name")
        if name is None:
            continue
        method = file.text(name)
        if obj is not None and method in _DETAIL_METHODS and file.text(obj) in errors:
            return f"{file.text(obj)}.{method}()"
        if method == "getStackTrace" and obj is not None and file.text(obj).endswith("ExceptionUtils"):
            return file.text(sub)[:60]
    return None


def _leaks(file: TsFile, by_type: dict[str, list[tree_sitter.Node]], local_classes: set[str]) -> Iterator[Hit]:
    sinks: list[tuple[tree_sitter.Node, tree_sitter.Node]] = []  # (whole expression, arguments)
    for call in by_type.get("method_invocation", []):
        text = file.text(call)
        name = call.child_by_field_name("name")
        args = call.child_by_field_name("arguments")
        if name is None or args is None:
            continue
        method = file.text(name)
        if (text.startswith("ResponseEntity") and method in ("body", "ok", "of")) or method in (
                "forStatusAndDetail", "setDetail"):
            sinks.append((call, args))
    for new in by_type.get("object_creation_expression", []):
        ctype = new.child_by_field_name("type")
        args = new.child_by_field_name("arguments")
        if ctype is not None and args is not None and file.text(ctype).split("<")[0] in (
                "ResponseEntity", "ResponseStatusException", "ErrorResponse", "ApiError"):
            sinks.append((new, args))
    seen: set[int] = set()
    for whole, args in sinks:
        line = line_of(whole)
        if line in seen or has_error_ancestor(whole, file):
            continue
        errors = _exception_vars(file, whole, local_classes)
        if not errors:
            continue
        detail = _detail(file, args, errors)
        if detail:
            seen.add(line)
            text = file.text(whole)
            client = any(is_4xx(w) for w in ("BAD_REQUEST", "NOT_FOUND", "badRequest", "notFound", "CONFLICT",
                                              "UNAUTHORIZED", "FORBIDDEN") if w in text)
            yield Hit("leaked-details", file.path, line, whole.end_point[0] + 1,
                      f"`{detail}` is sent to the client: internal error details leak",
                      Confidence.LOW if client else Confidence.MEDIUM, key=detail)


# -- central handlers --------------------------------------------------------------------------------------
def _central(file: TsFile, by_type: dict[str, list[tree_sitter.Node]]) -> Iterator[str]:
    for t in ("marker_annotation", "annotation"):
        for ann in by_type.get(t, []):
            name = ann.child_by_field_name("name")
            if name is None:
                continue
            n = file.text(name).rsplit(".", 1)[-1]
            if n in _ADVICE and (n != "Error" or "micronaut" in file.source.decode("utf-8", "replace")[:4000]) and (
                    n != "Provider" or b"ExceptionMapper" in file.source):
                yield f"{file.path}:{line_of(ann)} @{n}"
    for cls in by_type.get("class_declaration", []):
        for field in ("superclass", "interfaces"):
            part = cls.child_by_field_name(field)
            if part is not None and any(s in file.text(part) for s in _CENTRAL_SUPERTYPES):
                yield f"{file.path}:{line_of(cls)} {file.text(part).strip()[:60]}"
