"""Go, Java and Rust are statically typed; what is counted here are the ways around the type system.

Rust is read from the analysis layer (`TypeUse` facts of kind "unsafe"); Go and Java from the tree-sitter trees."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from auditor.context import Context

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


def _go_hatches(ctx: Context) -> Iterator[Hatch]:
    """Exported functions and methods whose parameters or results use `interface{}`/`any` (one per signature).

    A variadic `args ...any` is fmt's own idiom for formatting and logging (`Printf(format string, a ...any)`), not
    a way around the types: it is left out."""
    for model in ctx.analysis.files("go", roles=CODE_ROLES):
        counts: dict[int, int] = {}
        for use in model.type_uses:
            if use.kind == "interface{}" and use.public and use.function >= 0 and not use.text.startswith("...") \
                    and use.where.startswith(("parameter ", "return ")):
                counts[use.function] = counts.get(use.function, 0) + 1
        for index in sorted(counts):
            fn = model.functions[index]
            if _imposed_by_a_library(fn.name, tuple(p[1] or "" for p in fn.params if p[3] != "self")):
                continue
            yield Hatch("go", "interface{}/any", model.path, fn.line, fn.name, str(counts[index]))


_ANY = frozenset({"any", "interface{}"})
# Parameter types that only a library's callback signature takes: a function with one of them has the `any` of that
# signature (gRPC interceptors: `func(ctx, req interface{}, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler)`).
_LIBRARY_CALLBACK_TYPES = frozenset({"*grpc.UnaryServerInfo", "grpc.UnaryHandler", "*grpc.StreamServerInfo",
                                     "grpc.StreamHandler", "grpc.UnaryInvoker", "grpc.Streamer"})
# Methods whose whole signature is a well-known interface's (the `any` is the interface's, not the author's choice).
_INTERFACE_METHODS: dict[str, tuple[tuple[str, ...], ...]] = {
    "Write": (("int", "int", "http.Header", "time.Duration", "any"),),  # chi middleware.LogEntry
    "Panic": (("any", "[]byte"),),  # chi middleware.LogEntry
    "Scan": (("any",),),  # database/sql.Scanner
}


def _imposed_by_a_library(name: str, params: tuple[str, ...]) -> bool:
    """Whether a Go signature is one a library interface dictates: simplebank's gRPC `GrpcLogger` interceptor,
    go-base's `Write`/`Panic` of chi's `middleware.LogEntry`, a `Scan(value any) error` for database/sql."""
    if any(p in _LIBRARY_CALLBACK_TYPES for p in params):
        return True
    shape = tuple("any" if p in _ANY else p for p in params)
    return shape in _INTERFACE_METHODS.get(name, ())


# -- Java -------------------------------------------------------------------------------------------
# Facts from the analysis layer (analysis/java.py TypeUse): raw generic types resolved through the imports, and
# `Object` parameters, in every signature; a public one escapes, unless it overrides a signature chosen elsewhere.


_ADVICE = re.compile(r"@(?:org\.aspectj\.lang\.annotation\.)?(?:AfterReturning|AfterThrowing|Around|Before|After)\b")


def _java_hatches(ctx: Context) -> Iterator[Hatch]:
    own = ctx.analysis.own_classes("java")
    for model in ctx.analysis.files("java", roles=CODE_ROLES):
        for use in model.type_uses:
            if not use.public or use.kind not in ("raw-type", "object"):
                continue
            fn = model.function(use.function)
            if fn is not None and "@Override" in fn.decorators:
                continue  # the signature is the overridden one's, not this class's choice
            if fn is not None and use.kind == "object" and any(_ADVICE.match(d) for d in fn.decorators):
                continue  # AspectJ hands an advice the advised method's value as Object: its signature is fixed
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
    hatches += _go_hatches(ctx)
    hatches += _java_hatches(ctx)
    unsafe = sum(1 for _, use in ctx.analysis.records("type_uses", "rust", roles=CODE_ROLES) if use.kind == "unsafe")
    present = ctx.languages()
    languages = tuple(lang for lang in ("go", "java", "rust") if present.get(lang))
    return StaticScan(languages, tuple(hatches), unsafe)
