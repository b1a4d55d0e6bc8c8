"""The Markdown report: GitHub-flavoured Markdown fit for a pull-request comment (< 65,536 characters).

Every string from the target is escaped so GitHub shows it as text: no HTML, no emphasis, no links,
no @mentions, no table breakage. Snippets go in fenced blocks whose fence is longer than any run of
backticks inside them. When the report would be too long, fewer findings per check are listed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from auditor.engine import Scorecard
from reports._view import (
    SEVERITIES,
    STATUS_LABELS,
    CheckGroup,
    ReportView,
    build_view,
    fact_sections,
    finding_place,
    latency_tables,
    visible_text,
)
from reports.base import scorecard_to_dict
from reports.links import finding_linker

Linker = Callable[[dict[str, Any]], str | None]

__all__ = [
    "GITHUB_COMMENT_LIMIT",
    "MarkdownReporter",
    "code_fence",
    "md_cell",
    "md_prose",
    "md_text",
    "render_markdown",
]

GITHUB_COMMENT_LIMIT = 65_536
BUDGET = 60_000  # leave room for a bot's own header/footer around the report
MARKERS = {"critical": "🔴", "high": "🟠", "medium": "🟡", "low": "🔵", "info": "⚪"}
GRADE_MARKERS = {"A": "🟢", "B": "🟢", "C": "🟡", "D": "🟠", "F": "🔴"}
TOP_RECOMMENDATIONS = 10
SNIPPET_MAX_LINES = 12
SNIPPET_MAX_CHARS = 1_200
# Tried in order until the report fits the budget: (findings listed per check, with snippets?).
_CAPS: tuple[tuple[int, bool], ...] = ((10, True), (5, True), (3, True), (5, False), (2, False), (1, False), (0, False))

_TABLE_ROWS: tuple[int | None, ...] = (None, 60, 25, 10, 0)  # rows of the unscored and project tables, tried in turn
_SPECIAL = re.compile(r"[\\`*_\[\]()#!|~$<>&@]")
_ENTITIES = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
_ZWJ = "\u200d"
_FENCE_LANG = {
    ".py": "python", ".ts": "typescript", ".tsx": "tsx", ".js": "javascript", ".jsx": "jsx", ".mjs": "javascript",
    ".cjs": "javascript", ".rs": "rust", ".go": "go", ".java": "java", ".yaml": "yaml", ".yml": "yaml",
    ".json": "json", ".toml": "toml", ".sql": "sql",
}


def _escape_char(m: re.Match[str]) -> str:
    ch = m.group(0)
    if ch in _ENTITIES:
        return _ENTITIES[ch]
    if ch == "@":
        return "@" + _ZWJ  # breaks @mentions and email autolinks without changing what a reader sees
    return "\\" + ch


def md_text(text: object) -> str:
    """Inline text from the target, escaped for GitHub Markdown, on one line."""
    flat = visible_text(" ".join(str(text).split()))
    return _SPECIAL.sub(_escape_char, flat)


_CODE_SPAN = re.compile(r"`([^`\n]+)`")


def md_command(text: object) -> str:
    """A command as a code span (literal in Markdown), or escaped text when it holds a backtick."""
    flat = visible_text(" ".join(str(text).split()))
    return f"`{flat}`" if flat and "`" not in flat else md_text(flat)


def md_prose(text: object) -> str:
    """Like `md_text`, but `code` spans written by a check's author stay code spans (their content is literal)."""
    flat = visible_text(" ".join(str(text).split()))
    out: list[str] = []
    last = 0
    for m in _CODE_SPAN.finditer(flat):
        out.append(_SPECIAL.sub(_escape_char, flat[last : m.start()]))
        if out[-1] == "" and len(out) > 1:
            out.append(_ZWJ)  # two adjacent spans would read as one ``double-backtick`` span
        code = m.group(1)
        pad = " " if code.startswith(" ") and code.endswith(" ") and code.strip() else ""
        out.append(f"`{pad}{code}{pad}`" if code.strip() else _SPECIAL.sub(_escape_char, m.group(0)))
        last = m.end()
    out.append(_SPECIAL.sub(_escape_char, flat[last:]))
    return "".join(out)


def md_cell(text: object) -> str:
    """Text for a table cell (same escaping as `md_text`, which already handles `|` and newlines)."""
    return md_text(text) or " "


def code_fence(snippet: str, lang: str = "") -> str:
    """`snippet` in a fenced code block whose fence is longer than any backtick run inside it."""
    longest = max((len(run) for run in re.findall(r"`+", snippet)), default=0)
    fence = "`" * max(3, longest + 1)
    body = visible_text(snippet).rstrip("\n")
    return f"{fence}{lang}\n{body}\n{fence}"


def _lang(path: str | None) -> str:
    if not path or "." not in path:
        return ""
    return _FENCE_LANG.get(path[path.rfind(".") :].lower(), "")


def _short_snippet(snippet: str) -> str:
    lines = snippet.splitlines()
    text = "\n".join(lines[:SNIPPET_MAX_LINES])
    if len(text) > SNIPPET_MAX_CHARS:
        text = text[:SNIPPET_MAX_CHARS] + "…"
    if len(lines) > SNIPPET_MAX_LINES:
        text += "\n…"
    return text


def _score(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def _bar(score: float | None, width: int = 10) -> str:
    if score is None:
        return ""
    filled = round(max(0.0, min(100.0, score)) / 100 * width)
    return "█" * filled + "░" * (width - filled)


def _location(f: dict[str, Any], link: Linker | None = None) -> str:
    """file:line (escaped), a link to the audited commit on the forge when `link` gives one (target.remote)."""
    path = finding_place(f)
    line, end = f["line"], f["end_line"]
    if line:
        path += f":{line}" if not end or end == line else f":{line}-{end}"
    url = link(f) if link is not None else None
    return f"[{md_text(path)}]({url})" if url else md_text(path)  # source_link percent-encodes: a safe destination


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _header(view: ReportView) -> list[str]:
    d = view.data
    target = d["target"]
    gate = "✅ passed" if d["gate"]["passed"] else "❌ failed"
    out = [
        f"## {GRADE_MARKERS.get(d['grade'], '⚪')} Audit report: score {view.score_text} / 100, grade {d['grade']}",
        "",
        f"**Quality gate {gate}**",
        "",
    ]
    for reason in d["gate"]["reasons"]:
        out.append(f"- {md_text(reason)}")
    if d["gate"]["reasons"]:
        out.append("")
    for notice in d.get("notices", []):
        out.append(f"> ⚠️ {md_text(notice)}")
    if d.get("notices"):
        out.append("")
    out += _regression(d) + _diff(d) + _triage(d) + _plugin_warning(d)
    where = [f"Target: {md_text(target['path'])}"]
    if target["commit"]:
        branch = md_text(target["branch"]) if target["branch"] else "detached"
        dirty = " (uncommitted changes)" if target["dirty"] else ""
        where.append(f"branch {branch} at {md_text(target['commit'][:12])}{dirty}")
    where.append(f"{_plural(d['files']['audited'], 'file')} audited")
    if view.skipped_total:
        where.append(f"{view.skipped_total} skipped")
    out += [" · ".join(where), ""]
    return out


def _regression(d: dict[str, Any]) -> list[str]:
    """Against the previous audit of the branch in the history (`--history`)."""
    reg = d.get("regression")
    if not isinstance(reg, dict):
        return []
    prev = reg["previous"]
    delta = "n/a" if reg["delta"] is None else f"{reg['delta']:+.2f}"
    since = f"{md_text((prev['commit'] or '')[:12]) or 'the previous audit'} ({md_text(prev['date'])})"
    title = "**⚠️ Regression**" if reg.get("regressed") else "**No regression**"
    out = [f"{title} since {since}: score {delta}", ""]
    out += [f"- {md_text(r)}" for r in reg["reasons"]]
    for f in reg["new_findings"][:10]:
        out.append(f"- new {MARKERS.get(f['severity'], '')} {_location(f)}: {md_text(f['check_id'])}: {md_prose(f['message'])}")
    if len(reg["new_findings"]) > 10:
        out.append(f"- and {len(reg['new_findings']) - 10} more new findings")
    return [*out, ""] if len(out) > 2 else out


def _diff(d: dict[str, Any]) -> list[str]:
    """Against a base (`auditor pr`, `--compare`): counts, the score delta, the new findings (at most ten)."""
    diff = d.get("diff")
    if not isinstance(diff, dict):
        return []
    if diff.get("mode") == "full-audit-fallback":
        return [f"**Not compared with {md_text(diff.get('base') or 'the base')}**: {md_text(diff.get('reason') or '')}", ""]
    delta = diff.get("score_delta")
    against = md_text(diff.get("base") or "")
    if diff.get("merge_base"):
        against += f" (merge base {md_text(str(diff['merge_base'])[:12])})"
    out = [f"**Against {against}**: {_plural(int(diff.get('new') or 0), 'new finding')}, "
           f"{int(diff.get('unchanged') or 0)} unchanged, {len(diff.get('fixed') or [])} fixed; score "
           f"{'n/a' if delta is None else f'{delta:+.2f}'}", ""]
    new = [f for c in d["checks"] for f in c["findings"] if f.get("change") == "new"]
    link = finding_linker(d)
    for f in new[:10]:
        out.append(f"- new {MARKERS.get(f['severity'], '')} {_location(f, link)}: {md_text(f['check_id'])}: {md_prose(f['message'])}")
    if len(new) > 10:
        out.append(f"- and {len(new) - 10} more new findings")
    return [*out, ""] if new else out


def _triage(d: dict[str, Any]) -> list[str]:
    """What inline suppressions and the baseline hid, so a hidden finding is never hidden silently."""
    triage = d.get("triage") or {}
    out: list[str] = []
    if triage.get("suppressed") or triage.get("suppressions"):
        expired = int(triage.get("expired_suppressions") or 0)
        out.append(f"{_plural(int(triage.get('suppressed') or 0), 'finding')} hidden by "
                   f"{_plural(int(triage.get('suppressions') or 0), 'inline suppression')}"
                   + (f" ({expired} expired, hiding nothing)" if expired else "") + " (listed in the JSON report).")
    baseline = d.get("baseline")
    if isinstance(baseline, dict):
        stale = baseline.get("stale") or []
        out.append(f"{_plural(int(baseline.get('matched') or 0), 'finding')} hidden by the baseline "
                   f"{md_text(baseline.get('file') or '')}" + (f"; {len(stale)} stale "
                                                                 f"{'entry matches' if len(stale) == 1 else 'entries match'} "
                                                                 "nothing any more" if stale else "") + ".")
    return [*out, ""] if out else []


def _plugin_warning(d: dict[str, Any]) -> list[str]:
    errors = d.get("plugin_errors") or []
    if not errors:
        return []
    return [f"**⚠️ {_plural(len(errors), 'plugin')} failed to load**, so their checks did not run and the score may be "
            "incomplete (see Plugin errors below).", ""]


def _categories(view: ReportView) -> list[str]:
    out = ["### Categories", ""]
    if not view.data["categories"]:
        return [*out, "No category was scored: every check was not applicable, not available or errored.", ""]
    out += ["| Category | Score | | Weight | Checks |", "|---|---:|---|---:|---:|"]
    for c in view.data["categories"]:
        bounded = f" (bounded by {md_cell(c['limited_by'])})" if c.get("limited_by") else ""
        out.append(f"| {md_cell(c['name'])}{bounded} | {c['score']:.1f} | {_bar(c['score'])} | {c['weight']:g} | "
                   f"{c['checks']} |")
    return [*out, ""]


def _severities(view: ReportView) -> list[str]:
    head = " | ".join(f"{MARKERS[s]} {s}" for s in SEVERITIES)
    counts = " | ".join(str(view.finding_counts[s]) for s in SEVERITIES)
    return ["### Findings by severity", "", f"| {head} |", "|" + "---:|" * len(SEVERITIES), f"| {counts} |", ""]


CHECKLIST_MARKERS = {"passed": "✅", "failed": "❌", "not_applicable": "⚪", "not_checked_yet": "⏳"}


def _checklist(view: ReportView) -> list[str]:
    """The standards' checklist, each failed standard linked to its findings below."""
    if not view.checklist:
        return []
    out = ["### Standards checklist", "", "| Standard | Status | Findings |", "|---|---|---|"]
    for row in view.checklist:
        links = " · ".join(f"[{md_text(name)}](#{anchor})" + (f" ({n})" if n else "") for name, anchor, n in row.links)
        out.append(f"| {md_cell(row.item)} | {CHECKLIST_MARKERS.get(row.status, '')} {md_cell(row.label)} | {links or ' '} |")
    return [*out, ""]


def _projects_of(r: dict[str, Any]) -> str:
    """", project a" or ", projects a, b" for a recommendation, "" with one project."""
    projects = r.get("projects") or ([r["project"]] if r["project"] else [])
    if not projects:
        return ""
    return f", project{'s' if len(projects) > 1 else ''} {', '.join(md_text(p) for p in projects)}"


def _recommendations(view: ReportView) -> list[str]:
    recs = view.data["recommendations"]
    unchanged = view.data.get("recommendations_no_score_change") or []
    if not recs and not unchanged:
        return ["### Recommendations", "", "Nothing to do: no check failed.", ""]
    out = ["### Top recommendations", ""] if recs else []
    for i, r in enumerate(recs[:TOP_RECOMMENDATIONS], 1):
        where = _projects_of(r)
        out.append(
            f"{i}. {MARKERS.get(r['severity'], '')} **{md_prose(r['title'])}** ({md_text(r['check_id'])}{where}): "
            f"+{r['gain']:.1f} points, effort {md_text(r['effort'])}, {_plural(r['findings'], 'finding')}"
        )
        indent = " " * len(f"{i}. ")  # CommonMark: a continuation is indented to the list marker's width
        out += [f"{indent}- {md_prose(step)}" for step in r["steps"]]
        out += [f"{indent}- Run: {md_command(c['text'])}" for c in r.get("commands") or []]
    if len(recs) > TOP_RECOMMENDATIONS:
        out.append(f"\nand {len(recs) - TOP_RECOMMENDATIONS} more recommendations in the full report.")
    if unchanged:
        out += ["" if recs else "### Recommendations", "",
                "Also failing, with no score change when fixed: " + ", ".join(
                    f"{md_text(r['check_id'])} ({_plural(r['findings'], 'finding')})" for r in unchanged) + "."]
    return [*out, ""]


def _group(group: CheckGroup, cap: int, snippets: bool, link: Linker | None = None) -> list[str]:
    check = group.check
    project = f" (project {md_text(group.project)})" if group.project else ""
    n = len(group.findings)
    out = [
        f'<a name="{group.anchor}"></a>',
        "",
        f"#### {MARKERS.get(group.worst, '')} {md_prose(check['title'])}: {_plural(n, 'finding')}{project}",
        "",
        f"{md_text(check['id'])} · {md_text(check['category'])} · score {_score(check['score'])}",
        "",
    ]
    shown = group.findings[:cap]
    if shown:
        out += [f"<details><summary>{_plural(len(shown), 'finding')} listed</summary>", ""]
        for f in shown:
            out += [f"- {MARKERS.get(f['severity'], '')} **{_location(f, link)}**: {md_prose(f['message'])}", ""]
            if snippets and f["snippet"]:
                out += [code_fence(_short_snippet(f["snippet"]), _lang(f["path"])), ""]
        out += ["</details>", ""]
    if n > len(shown):
        out += [f"and {n - len(shown)} more (see the HTML or JSON report).", ""]
    return out


def _status_table(checks: Sequence[dict[str, Any]], multi: bool, rows: int | None = None) -> list[str]:
    head = "| Check | Project | Status | Reason |" if multi else "| Check | Status | Reason |"
    out = [head, "|---" * head.count(" | ") + "|---|"]
    shown = checks if rows is None else checks[:rows]
    for c in shown:
        project = f" {md_cell(c['project'])} |" if multi else ""
        out.append(f"| {md_cell(c['id'])} |{project} {STATUS_LABELS[c['status']]} | {md_cell(c['reason'])} |")
    if len(shown) < len(checks):
        out += ["", f"and {len(checks) - len(shown)} more (see the HTML or JSON report)."]
    return out if shown else out[2:]


def _unscored(checks: Sequence[dict[str, Any]], multi: bool, rows: int | None = None) -> list[str]:
    """Errors and missing data in a table; checks that do not apply folded away (they are rarely news).
    `rows` caps each table (the rest is counted), so the report fits a PR comment."""
    if not checks:
        return []
    out = ["### Checks not scored", ""]
    broken = [c for c in checks if c["status"] != "not_applicable"]
    idle = [c for c in checks if c["status"] == "not_applicable"]
    if broken:
        out += [*_status_table(broken, multi, rows), ""]
    if idle:
        out += [f"<details><summary>{_plural(len(idle), 'check')} not applicable</summary>", ""]
        out += [*_status_table(idle, multi, rows), "", "</details>", ""]
    return out


def _projects(view: ReportView, rows: int | None = None) -> list[str]:
    if not view.multi_project:
        return []
    projects = view.data["projects"]
    shown = projects if rows is None else projects[:rows]
    out = ["### Projects", "", "| Project | Path | Kind | Score | Grade | Standards applied |", "|---|---|---|---:|---|---|"]
    if len(shown) < len(projects):
        out[1:1] = ["", f"{len(projects)} projects; the first {len(shown)} are listed (all of them in the HTML and JSON reports).", ""]
    if not shown:
        return out[:4]
    for p in shown:
        standards = ", ".join(md_cell(s) for s in p["standards_applied"]) or "none"
        out.append(
            f"| {md_cell(p['name'])} | {md_cell(p['path'])} | {md_cell(p['kind'])} | {_score(p['score'])} | "
            f"{md_cell(p['grade'])} | {standards} |"
        )
    return [*out, ""]


def _files(view: ReportView, problem_cap: int) -> list[str]:
    d = view.data
    out: list[str] = []
    if d["files"]["skipped"]:
        out += ["### Skipped files", "", "| Reason | Files |", "|---|---:|"]
        out += [f"| {md_cell(why)} | {n} |" for why, n in d["files"]["skipped"].items()]
        out.append("")
    problems = d["problems"]
    if problems:
        out += [f"### Files that could not be parsed ({len(problems)})", ""]
        out += [f"- {md_text(p['path'])} ({md_text(p['kind'])}): {md_text(p['message'])}" for p in problems[:problem_cap]]
        if len(problems) > problem_cap:
            out.append(f"- and {len(problems) - problem_cap} more")
        out.append("")
    if d["plugin_errors"]:
        out += ["### Plugin errors", ""] + [f"- {md_text(e)}" for e in d["plugin_errors"]] + [""]
    return out


def _ms(value: object) -> str:
    return f"{value:.1f}" if isinstance(value, int | float) and not isinstance(value, bool) else "n/a"


def _latency(view: ReportView) -> list[str]:
    out: list[str] = []
    for table in latency_tables(view.data):
        project = f" (project {md_text(table.project)})" if table.project else ""
        budget = f", p95 budget {table.budget_ms:g} ms" if table.budget_ms is not None else ""
        out += [f"### Live API latency{project}", "", f"Requests with documented inputs{budget}.", "",
                "| Operation | p50 ms | p95 ms | max ms | Requests | |", "|---|---:|---:|---:|---:|---|"]
        for r in table.rows:
            mark = "⚠️ over budget" if r["over_budget"] else " "
            out.append(f"| {md_cell(r.get('operation', ''))} | {_ms(r.get('p50_ms'))} | {_ms(r.get('p95_ms'))} | "
                       f"{_ms(r.get('max_ms'))} | {md_cell(r.get('requests', ''))} | {mark} |")
        if table.more:
            out.append(f"\nand {table.more} more operations in the JSON report.")
        out.append("")
    return out


def _facts(view: ReportView) -> list[str]:
    groups = [(p["name"], p["facts"]) for p in view.data["projects"]] if view.multi_project else [("", view.data["facts"])]
    out = ["<details><summary>Facts</summary>", ""]
    for label, facts in groups:
        if label:
            out += [f"#### Project {md_text(label)}", ""]
        for family, rows in fact_sections(facts):
            out += [f"**{md_text(family)}**", "", "| Fact | Value |", "|---|---|"]
            out += [f"| {md_cell(key)} | {md_cell(value)} |" for key, value in rows]
            out.append("")
    return [*out, "</details>", ""]


def _footer(view: ReportView) -> list[str]:
    d = view.data
    return [
        "---",
        "",
        f"**Scoring.** {md_text(d['scoring']['formula'])}",
        "",
        f"<sub>auditor {md_text(d['tool']['version'])} · report schema {md_text(d['schema_version'])} · "
        f"generated {md_text(d['generated_at'])}</sub>",
        "",
    ]


def _assemble(view: ReportView, cap: int, snippets: bool, groups: int | None, facts: bool = True,
              rows: int | None = None) -> str:
    lines = _header(view) + _categories(view) + _severities(view) + _checklist(view) + _recommendations(view)
    lines += ["### Findings", ""]
    if not view.groups:
        lines += ["No findings.", ""]
    chosen = view.groups if groups is None else view.groups[:groups]
    link = finding_linker(view.data)
    for group in chosen:
        lines += _group(group, cap, snippets, link)
    if len(chosen) < len(view.groups):
        rest = view.groups[len(chosen) :]
        lines += [f"and {_plural(len(rest), 'more check')} with {_plural(sum(len(g.findings) for g in rest), 'finding')} "
                  "(see the HTML or JSON report).", ""]
    lines += _latency(view)
    lines += _unscored(view.unscored, view.multi_project, rows) + _projects(view, rows)
    lines += _files(view, 20 if snippets else 5)
    if facts:
        lines += _facts(view)
    lines += _footer(view)
    return "\n".join(lines)


def render_markdown(data: dict[str, Any], budget: int = BUDGET) -> str:
    """The Markdown report for a report dictionary, at most `budget` characters where possible."""
    view = build_view(data)
    text = ""
    # Facts go before findings are cut below five per check; findings go last.
    # Then the tables of checks not scored and of projects are cut to fewer rows (the rest counted).
    tiers = [(cap, snippets, True) for cap, snippets in _CAPS[:4]] + [(cap, snippets, False) for cap, snippets in _CAPS]
    for rows in _TABLE_ROWS:
        for cap, snippets, facts in tiers:
            text = _assemble(view, cap, snippets, None, facts, rows)
            if len(text) <= budget:
                return text
    # Even one line per check is too long: list as many checks as fit.
    lo, hi = 0, len(view.groups)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if len(_assemble(view, 0, False, mid, facts=False, rows=0)) <= budget:
            lo = mid
        else:
            hi = mid - 1
    return _assemble(view, 0, False, lo, facts=False, rows=0)


class MarkdownReporter:
    name: ClassVar[str] = "md"
    extension: ClassVar[str] = "md"

    def render(self, card: Scorecard) -> str:
        return render_markdown(scorecard_to_dict(card))

    def render_data(self, data: dict[str, Any]) -> str:
        return render_markdown(data)
