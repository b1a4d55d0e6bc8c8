"""Cyclomatic complexity per function and the maintainability index per Python module.

Both come from the trees the audit already parsed: `Function.complexity` is counted by each language's adapter
in its one walk (for Python with radon's rules, equal to radon's numbers), and the maintainability index is
computed by the Python adapter with radon's own functions for modules of analysis.python.MI_MIN_LINES lines or
more (`FileModel.metric("mi")`). Nothing here re-reads or re-parses a file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from analysis.model import FileModel, Function
from auditor.context import Context
from auditor.model import Check, Effort, Finding, Measure, NotApplicable, Severity, Verdict

__all__ = ["Complexity", "ComplexityFacts", "complexity_facts"]

WORST = 10


@dataclass
class ComplexityFacts:
    threshold: float
    high: float
    functions: int = 0
    over_threshold: int = 0
    over_high: int = 0
    mean: float = 0.0
    worst: list[dict[str, object]] = field(default_factory=list)
    modules_measured: int = 0  # Python modules with a maintainability index
    lowest_mi: list[dict[str, object]] = field(default_factory=list)
    by_language: dict[str, int] = field(default_factory=dict)  # functions measured per language


def _functions(ctx: Context) -> Iterator[tuple[FileModel, Function]]:
    for model in ctx.analysis.files(roles=("source",)):
        for fn in model.functions:
            if not fn.is_test:
                yield model, fn


def _collect(ctx: Context) -> ComplexityFacts:
    facts = ComplexityFacts(ctx.number_option(Complexity, "threshold"), ctx.number_option(Complexity, "high"))
    total = 0
    ranked: list[tuple[int, str, int, str, str]] = []
    for model, fn in _functions(ctx):
        facts.functions += 1
        facts.by_language[model.language] = facts.by_language.get(model.language, 0) + 1
        total += fn.complexity
        if fn.complexity > facts.threshold:
            facts.over_threshold += 1
            facts.over_high += fn.complexity > facts.high
            ranked.append((fn.complexity, model.path, fn.line, fn.qualname or fn.name, model.language))
    ranked.sort(key=lambda r: (-r[0], r[1], r[2]))
    facts.worst = [{"function": q, "where": f"{p}:{ln}", "complexity": c, "language": lang} for c, p, ln, q, lang in ranked[:WORST]]
    facts.mean = round(total / facts.functions, 2) if facts.functions else 0.0
    measured = sorted((mi, model.path) for model in ctx.analysis.files("python", roles=("source",))
                      if (mi := model.metric("mi")) is not None)
    facts.modules_measured = len(measured)
    facts.lowest_mi = [{"module": path, "mi": mi} for mi, path in measured[:5]]
    return facts


def complexity_facts(ctx: Context) -> ComplexityFacts:
    return ctx.fact(_collect)


def facts_json(ctx: Context) -> dict[str, object]:
    f = complexity_facts(ctx)
    return {"threshold": f.threshold, "high_threshold": f.high, "functions": f.functions, "over_threshold": f.over_threshold,
            "over_high_threshold": f.over_high, "mean": f.mean, "worst": f.worst, "by_language": dict(sorted(f.by_language.items())),
            "maintainability_index": {"modules_measured": f.modules_measured, "lowest": f.lowest_mi}}


class Complexity(Check):
    id = "maintainability/complexity"
    title = "Functions stay simple enough to read and test"
    category = "maintainability"
    severity = Severity.MEDIUM
    options = {"threshold": 15, "high": 25, "mi_threshold": 10.0, "share": 95.0}
    rationale = (
        "Cyclomatic complexity counts the independent paths through a function (1 + its branches, loops, boolean "
        "operators and handlers). Above 15 a function is hard to read and needs many tests to cover; above 25 it is "
        "where bugs concentrate (high). It is counted for every language from the trees the audit already parsed; "
        "for Python the numbers are radon's. Python modules of 1,000 lines or more also get radon's maintainability "
        "index (from Halstead volume, complexity, lines and comments): below 10 (radon's rank C) is low. The check "
        "is scored by how much of the code it touches: the share of functions within the threshold against a target "
        "(95%), so one tangled parser in a large codebase does not weigh like a codebase of tangled functions (a "
        "high finding still caps the category). Thresholds are options: "
        "`[tool.auditor.options.\"maintainability/complexity\"] threshold = 15, high = 25, mi_threshold = 10, share = 95`."
    )
    remediation = (
        "Split the function: extract each branch's work into a named helper, replace flag arguments with separate "
        "functions, and long if/elif chains with a table or polymorphism.",
        "Return early for error cases instead of nesting the normal path.",
    )
    effort = Effort.MEDIUM

    def run(self, ctx: Context) -> Verdict:
        facts = complexity_facts(ctx)
        if not facts.functions:
            raise NotApplicable("no functions in this project's source (of a language the analysis layer reads)")
        mi_threshold = ctx.number_option(self, "mi_threshold")
        findings: list[Finding] = []
        for model, fn in _functions(ctx):
            if fn.complexity <= facts.threshold:
                continue
            high = fn.complexity > facts.high
            limit = facts.high if high else facts.threshold
            findings.append(self.finding(
                ctx, f"`{fn.qualname or fn.name}` has a cyclomatic complexity of {fn.complexity} (over {limit:g})",
                model.path, fn.line, severity=Severity.HIGH if high else Severity.MEDIUM, key=fn.qualname or fn.name))
        for model in ctx.analysis.files("python", roles=("source",)):
            mi = model.metric("mi")
            if mi is not None and mi < mi_threshold:
                findings.append(self.finding(
                    ctx, f"maintainability index {mi:.1f} (radon rank {_rank(mi)}, below {mi_threshold:g}): "
                    f"{model.lines} lines, hard to change safely", model.path, severity=Severity.LOW, key="mi"))
        within = round(100.0 * (facts.functions - facts.over_threshold) / facts.functions, 2)
        measure = Measure("functions within the complexity threshold", within, ctx.number_option(self, "share"))
        return Verdict(findings=tuple(findings), measure=measure, metrics=facts_json(ctx))


def _rank(mi: float) -> str:
    return "A" if mi > 19 else "B" if mi > 9 else "C"
