"""Modules and classes that do too much: maintainability/god-module.

Per source module, from its model: lines of code (the adapter's `code_lines` metric where it measures it, else
all lines), functions and methods (closures not counted), and fan-out (distinct modules it imports). Per class:
its methods and its length. One measure over its threshold is low; two, or one over twice its threshold, medium.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from analysis.model import FileModel
from auditor.context import Context
from auditor.model import Check, Effort, Finding, NotApplicable, Severity, Verdict

__all__ = ["GodModule", "ModuleSize", "module_sizes"]


@dataclass(frozen=True, slots=True)
class ModuleSize:
    path: str
    lines: int
    functions: int
    fan_out: int


def _size(model: FileModel) -> ModuleSize:
    code = model.metric("code_lines")
    functions = sum(1 for fn in model.functions if fn.parent < 0)
    modules = {imp.module for imp in model.imports if imp.module}
    return ModuleSize(model.path, int(code) if code is not None else model.lines, functions, len(modules))


def module_sizes(ctx: Context) -> list[ModuleSize]:
    return ctx.fact(_sizes)


def _sizes(ctx: Context) -> list[ModuleSize]:
    """Every source module the adapters read (a file read as text only has no functions to count)."""
    return [_size(m) for m in ctx.analysis.files(roles=("source",)) if m.parser != "text" and m.parsed]


def _over(measures: list[tuple[str, float, float]]) -> tuple[list[str], bool]:
    """The measures over their thresholds (as text), and whether that makes it medium."""
    over = [(name, value, limit) for name, value, limit in measures if value > limit]
    text = [f"{value:g} {name} (over {limit:g})" for name, value, limit in over]
    return text, len(over) >= 2 or any(value > 2 * limit for _, value, limit in over)


class GodModule(Check):
    id = "maintainability/god-module"
    title = "Modules and classes keep to one job"
    category = "maintainability"
    severity = Severity.MEDIUM
    options = {"max_lines": 1000, "max_functions": 50, "max_fan_out": 30, "max_class_methods": 30, "max_class_lines": 800}
    rationale = (
        "A module with thousands of lines, dozens of functions or imports from everywhere does many jobs: every "
        "change touches it, merges conflict in it, and its tests are slow to write. Measured per source module: lines "
        "of code, functions and methods, and fan-out (distinct modules imported); per class: methods and lines. One "
        "measure over its threshold is low; two, or one over twice its threshold, is medium. Thresholds are options "
        "(`[tool.auditor.options.\"maintainability/god-module\"] max_lines = 1000, max_functions = 50, max_fan_out = 30, "
        "max_class_methods = 30, max_class_lines = 800`)."
    )
    remediation = (
        "Split the module along its jobs (one module per resource, per layer or per integration) and let a small "
        "module re-export what callers import.",
        "Split a large class into collaborators that each own one part of its state.",
    )
    effort = Effort.LARGE

    def run(self, ctx: Context) -> Verdict:
        sizes = module_sizes(ctx)
        if not sizes:
            raise NotApplicable("no source modules of an analysed language in this project")
        limits = {name: ctx.number_option(self, name) for name in self.options}
        findings = list(self._modules(ctx, sizes, limits)) + list(self._classes(ctx, limits))
        largest = sorted(sizes, key=lambda s: -s.lines)[:5]
        return Verdict(findings=tuple(findings), metrics={
            "modules": len(sizes), "largest": [{"module": s.path, "lines": s.lines, "functions": s.functions,
                                                "fan_out": s.fan_out} for s in largest]})

    def _modules(self, ctx: Context, sizes: list[ModuleSize], limits: dict[str, float]) -> Iterator[Finding]:
        for size in sizes:
            text, medium = _over([("lines of code", size.lines, limits["max_lines"]),
                                  ("functions", size.functions, limits["max_functions"]),
                                  ("imported modules", size.fan_out, limits["max_fan_out"])])
            if text:
                yield self.finding(ctx, f"module does too much: {', '.join(text)}", size.path,
                                   severity=Severity.MEDIUM if medium else Severity.LOW, key="module")

    def _classes(self, ctx: Context, limits: dict[str, float]) -> Iterator[Finding]:
        for model in ctx.analysis.files(roles=("source",)):
            if model.parser == "text":
                continue
            for cls in model.classes:
                if cls.kind in ("interface", "enum", "type"):
                    continue
                text, medium = _over([("methods", cls.methods, limits["max_class_methods"]),
                                      ("lines", cls.end_line - cls.line + 1, limits["max_class_lines"])])
                if text:
                    yield self.finding(ctx, f"class `{cls.name}` does too much: {', '.join(text)}", model.path, cls.line,
                                       severity=Severity.MEDIUM if medium else Severity.LOW, key=f"class:{cls.name}")
