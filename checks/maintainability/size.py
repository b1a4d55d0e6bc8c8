"""The size of a project, the scale its scores are read at (auditor.scoring): its source files and their lines.

A finding counts by its density (findings per 10,000 source lines), and a project weighs in the repository score by
its source lines, so both need one honest count: the physical lines of the project's source files in the
languages the auditor reads (tests, migrations, configuration, docs and examples are not source).
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.context import Context
from auditor.repo import CODE_LANGUAGES

__all__ = ["SizeFacts", "size_facts"]


@dataclass(frozen=True, slots=True)
class SizeFacts:
    source_files: int
    source_lines: int
    by_language: dict[str, int]  # source lines per language


def size_facts(ctx: Context) -> SizeFacts:
    lines: dict[str, int] = {}
    files = 0
    for model in ctx.analysis.files(*sorted(CODE_LANGUAGES), roles=("source",)):
        files += 1
        lines[model.language] = lines.get(model.language, 0) + max(0, model.lines)
    return SizeFacts(source_files=files, source_lines=sum(lines.values()), by_language=dict(sorted(lines.items())))
