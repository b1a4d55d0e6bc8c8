"""The pull-request comment: one Markdown comment a bot creates once and then updates, found again by a hidden
marker.

With a `diff` section in the report (what `auditor pr` adds: the findings the branch added, kept and fixed
against the merge base) the comment leads with the new findings, linked to their lines in the head commit,
then the fixed ones, then the rest folded away. Without one it is the Markdown scorecard. Either way it is
never longer than GitHub's 65,536 characters: lists are cut with a note and a link to the full report.
Everything from the target is redacted and escaped with the Markdown report's own helpers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, ClassVar

from auditor.engine import Scorecard
from auditor.redact import redact
from reports._view import SEVERITIES, finding_place
from reports.base import scorecard_to_dict
from reports.links import Forge, safe_url, source_link
from reports.markdown import GITHUB_COMMENT_LIMIT, GRADE_MARKERS, MARKERS, md_prose, md_text, render_markdown

__all__ = ["COMMENT_ID_PATTERN", "MARKER", "PrCommentReporter", "marker", "render_pr_comment"]

MARKER = "<!-- auditor:pr-comment -->"
COMMENT_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MESSAGE_MAX = 300
_RANK = {s: i for i, s in enumerate(SEVERITIES)}
_MODES = {
    "merge-base-audit": "compared with an audit of the merge base {merge_base}",
    "base-report": "compared with the saved report of the base {base}",
    "full-audit-fallback": "⚠️ the merge base could not be audited, so this is a full audit of the head",
}
# (new findings listed, fixed listed, unchanged listed) tried in order until the comment fits.
_CAPS: tuple[tuple[int | None, int | None, int | None], ...] = (
    (None, None, None), (None, None, 100), (None, 50, 20), (200, 20, 0), (50, 10, 0), (10, 0, 0), (0, 0, 0),
)


def marker(comment_id: str = "") -> str:
    """The hidden line that identifies our comment; a distinct `comment_id` keeps two auditor jobs apart."""
    if not comment_id:
        return MARKER
    if not COMMENT_ID_PATTERN.match(comment_id):
        raise ValueError(f"comment id {comment_id!r} must be 1-64 letters, digits, '.', '_' or '-'")
    return f"<!-- auditor:pr-comment id={comment_id} -->"


def _t(value: object) -> str:
    return md_text(redact(str(value)))


def _p(value: object) -> str:
    text = redact(str(value))
    return md_prose(text if len(text) <= MESSAGE_MAX else text[: MESSAGE_MAX - 1] + "…")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _delta(value: float | None) -> str:
    if value is None:
        return ""
    return f" ({'+' if value >= 0 else '-'}{abs(value):.1f})"


def _headline(data: dict[str, Any], delta: float | None) -> list[str]:
    score = "n/a" if data["score"] is None else f"{data['score']:.1f}"
    gate = "✅ passed" if data["gate"]["passed"] else "❌ failed"
    out = [f"## {GRADE_MARKERS.get(data['grade'], '⚪')} auditor: score {score}{_delta(delta)} / 100 · "
           f"grade {_t(data['grade'])} · gate {gate}", ""]
    out += [f"- {_t(r)}" for r in data["gate"]["reasons"]]
    if data["gate"]["reasons"]:
        out.append("")
    errors = data.get("plugin_errors") or []
    if errors:
        out += [f"⚠️ {_plural(len(errors), 'plugin')} failed to load, so their checks did not run: "
                + "; ".join(_t(e) for e in errors[:3]) + ("; …" if len(errors) > 3 else ""), ""]
    return out


def _item(f: dict[str, Any], forge: Forge, commit: str | None, *, link: bool = True, struck: bool = False,
          prefix: str = "") -> str:
    place = finding_place(f)
    if f.get("line"):
        end = f.get("end_line")
        place += f":{f['line']}" if not end or end == f["line"] else f":{f['line']}-{end}"
    path = f.get("path")
    path = f"{prefix}/{path}" if prefix and isinstance(path, str) and path else path
    url = source_link(forge.repository_url, commit, path, f.get("line"), f.get("end_line"), forge.kind) if link else None
    where = f"[{_t(place)}]({url})" if url else _t(place)
    text = f"{_t(f['check_id'])}: {_p(f['message'])}"
    if struck:
        text = f"~~{text}~~"
    return f"- {MARKERS.get(f['severity'], '')} **{where}** {text}"


def _listing(title: str, findings: Sequence[dict[str, Any]], cap: int | None, line: Callable[[dict[str, Any]], str],
             report: str | None, folded: bool = False) -> list[str]:
    if not findings:
        return []
    shown = list(findings) if cap is None else list(findings)[:cap]
    body = [line(f) for f in shown]
    if len(shown) < len(findings):
        more = f"and {len(findings) - len(shown)} more"
        body.append(f"- _{more}: see the [full report]({report})_" if report else f"- _{more} in the full report_")
    if folded:
        return [f"<details><summary>{title}</summary>", "", *body, "", "</details>", ""]
    return [f"### {title}", "", *body, ""]


def _by_severity(findings: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(findings, key=lambda f: (_RANK.get(f["severity"], 9), f.get("path") or "", f.get("line") or 0))


def _category_deltas(deltas: dict[str, float]) -> list[str]:
    moved = {k: v for k, v in deltas.items() if abs(float(v)) >= 0.05}
    if not moved:
        return []
    out = ["| Category | Change |", "|---|---:|"]
    out += [f"| {_t(name)} | {'+' if v >= 0 else '-'}{abs(float(v)):.1f} |" for name, v in sorted(moved.items())]
    return [*out, ""]


def _footer(data: dict[str, Any], report: str | None, note: str = "") -> list[str]:
    link = f" · [full report]({report})" if report else ""
    lines = ["---", ""]
    if note:
        lines += [note, ""]
    lines.append(f"<sub>auditor {_t(data['tool']['version'])} · report schema {_t(data['schema_version'])}{link}</sub>")
    return lines


def _diff_comment(data: dict[str, Any], diff: dict[str, Any], head: str, forge: Forge, report: str | None,
                  caps: tuple[int | None, int | None, int | None]) -> str:
    findings = [f for c in data["checks"] for f in c["findings"]]
    new = _by_severity([f for f in findings if f.get("change") == "new"])
    rest = _by_severity([f for f in findings if f.get("change") != "new"])
    fixed = _by_severity(list(diff.get("fixed") or []))
    commit = forge.commit or diff.get("head") or data["target"].get("commit")
    base_commit = diff.get("merge_base") or None
    remote = data["target"].get("remote")
    prefix = str(remote.get("path") or "").strip("/") if isinstance(remote, dict) else ""
    mode = _MODES.get(str(diff.get("mode")), "compared with {base}").format(
        merge_base=_t(str(diff.get("merge_base") or "")[:12]), base=_t(diff.get("base") or ""))
    lines = _headline(data, diff.get("score_delta"))
    lines += [f"**{_plural(int(diff.get('new', len(new))), 'new finding')}** · {int(diff.get('unchanged', len(rest)))} unchanged · "
              f"{len(fixed)} fixed, {mode}.", ""]
    lines += _category_deltas(dict(diff.get("category_deltas") or {}))
    new_cap, fixed_cap, rest_cap = caps
    lines += _listing(f"🆕 New findings ({len(new)})", new, new_cap, lambda f: _item(f, forge, commit, prefix=prefix), report)
    if not new:
        lines += ["No new findings. 🎉", ""]
    lines += _listing(f"✅ Fixed ({len(fixed)})", fixed, fixed_cap,
                      lambda f: _item(f, forge, base_commit, struck=True, prefix=prefix), report)
    lines += _listing(f"{_plural(len(rest), 'unchanged finding')}", rest, rest_cap,
                      lambda f: _item(f, forge, commit, prefix=prefix), report, folded=True)
    truncated = any(c is not None for c in caps) and (len(new) > (new_cap if new_cap is not None else len(new))
                                                      or len(fixed) > (fixed_cap if fixed_cap is not None else len(fixed))
                                                      or len(rest) > (rest_cap if rest_cap is not None else len(rest)))
    note = "_This comment was shortened to fit; the full report lists every finding._" if truncated else ""
    lines += _footer(data, report, note)
    return f"{head}\n" + "\n".join(lines) + "\n"


def _with_report_remote(forge: Forge, data: dict[str, Any]) -> Forge:
    """`forge`, or when it names no repository (no CI, no --repository-url), the report's `target.remote` (the
    target's remote.origin.url) when its forge is known."""
    remote = data.get("target", {}).get("remote")
    if forge.repository_url or not isinstance(remote, dict) or remote.get("forge") not in ("github", "gitlab"):
        return forge
    return replace(forge, repository_url=remote.get("url"), kind=str(remote["forge"]))


def render_pr_comment(data: dict[str, Any], *, comment_id: str = "", forge: Forge | None = None,
                      limit: int = GITHUB_COMMENT_LIMIT) -> str:
    """The comment for a report dictionary: at most `limit` characters, starting with the hidden marker."""
    forge = _with_report_remote(forge or Forge(), data)
    head = marker(comment_id)
    report = safe_url(forge.report_url)
    diff = data.get("diff")
    if isinstance(diff, dict):
        text = ""
        for caps in _CAPS:
            text = _diff_comment(data, diff, head, forge, report, caps)
            if len(text) <= limit:
                return text
        return _hard_cut(text, limit, report)
    footer = "\n".join(_footer(data, report)) + "\n"
    body = render_markdown(data, budget=max(1_000, limit - len(head) - len(footer) - 2))
    text = f"{head}\n{body}\n{footer}"
    return text if len(text) <= limit else _hard_cut(text, limit, report)


def _hard_cut(text: str, limit: int, report: str | None) -> str:
    """The last resort: cut at a line boundary and say so (no <details> is left open)."""
    note = f"\n\n_Truncated to fit a comment: see the [full report]({report})._\n" if report else "\n\n_Truncated to fit a comment._\n"
    cut = text[: max(0, limit - len(note) - len("</details>\n"))]
    cut = cut[: cut.rfind("\n")] if "\n" in cut else cut
    if cut.count("<details>") > cut.count("</details>"):
        cut += "\n</details>"
    return cut + note


class PrCommentReporter:
    """`--format pr-comment` writes `report.pr-comment.md`: the comment as it would be posted."""

    name: ClassVar[str] = "pr-comment"
    extension: ClassVar[str] = "pr-comment.md"

    def __init__(self, forge: Forge | None = None, comment_id: str = "") -> None:
        self.forge = forge or Forge()
        self.comment_id = comment_id

    def render(self, card: Scorecard) -> str:
        return self.render_data(scorecard_to_dict(card))

    def render_data(self, data: dict[str, Any]) -> str:
        return render_pr_comment(data, comment_id=self.comment_id, forge=self.forge)
