"""The HTML report: one self-contained page (inline CSS and JS, no network) rendered from the JSON dict.

Every string from the target passes through jinja2's autoescaping; filters work on `data-*` attributes,
so no report data is ever embedded in a script. A Content-Security-Policy with the hash of the one
inline script blocks any other script, should escaping ever be bypassed.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar

import jinja2
from markupsafe import Markup, escape

from auditor.engine import Scorecard
from auditor.scoring import grade
from reports._view import SEVERITIES, STATUS_LABELS, build_view, fact_sections, finding_place, latency_tables, visible_text
from reports.base import scorecard_to_dict

__all__ = ["MAX_FINDINGS_PER_CHECK", "HtmlReporter", "render_html"]

TEMPLATES = Path(__file__).parent / "templates"
MAX_FINDINGS_PER_CHECK = 300
MAX_PROBLEMS = 500
_STATUS_ORDER = {"failed": 0, "error": 1, "not_available": 2, "not_applicable": 3, "passed": 4}


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


@lru_cache(maxsize=1)
def _assets() -> tuple[str, str, str]:
    """The inline CSS, the inline script and the script's CSP hash source."""
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    script = (TEMPLATES / "report.js").read_text(encoding="utf-8")
    if "</" in script or "</" in css:
        raise ValueError("inline assets must not contain '</'")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return css, script, f"sha256-{digest}"


def _grade_class(score: float | None) -> str:
    letter = grade(score)
    return "NA" if letter == "N/A" else letter


def _location(finding: dict[str, Any]) -> str:
    path = visible_text(finding_place(finding))
    line, end = finding["line"], finding["end_line"]
    if not line:
        return path
    return f"{path}:{line}" if not end or end == line else f"{path}:{line}-{end}"


_CODE_SPAN = re.compile(r"`([^`\n]+)`")


def _prose(text: str) -> Markup:
    """Escaped text in which `code` spans written by a check's author become <code> elements."""
    escaped = str(escape(visible_text(text)))
    return Markup(_CODE_SPAN.sub(r"<code>\1</code>", escaped))  # noqa: S704 - built from escaped text only


def _ms(value: object) -> str:
    return f"{value:.1f}" if isinstance(value, int | float) and not isinstance(value, bool) else "n/a"


def render_html(data: dict[str, Any]) -> str:
    """The HTML page for a report dictionary as produced by `scorecard_to_dict`."""
    view = build_view(data)
    css, script, script_hash = _assets()
    checks = sorted(data["checks"], key=lambda c: (_STATUS_ORDER.get(c["status"], 5), c["id"], c["project"]))
    target_name = PurePosixPath(str(data["target"]["path"]).replace("\\", "/")).name or str(data["target"]["path"])
    fact_groups = [(p["name"], p["facts"]) for p in data["projects"]] if view.multi_project else [("", data["facts"])]
    template = _environment().get_template("report.html.j2")
    return template.render(
        view=view,
        css=Markup(css),  # noqa: S704 - our own static asset, checked for '</' above
        script=Markup(script),  # noqa: S704 - idem
        script_hash=script_hash,
        target_name=visible_text(target_name),
        grade_class=_grade_class(data["score"]),
        grade_of=_grade_class,
        severities=SEVERITIES,
        status_labels=STATUS_LABELS,
        checks_in_order=checks,
        location=_location,
        shown=visible_text,
        prose=_prose,
        fact_groups=fact_groups,
        latency_tables=latency_tables(data),
        ms=_ms,
        fact_sections=fact_sections,
        max_per_check=MAX_FINDINGS_PER_CHECK,
        max_problems=MAX_PROBLEMS,
    )


class HtmlReporter:
    name: ClassVar[str] = "html"
    extension: ClassVar[str] = "html"

    def render(self, card: Scorecard) -> str:
        return render_html(scorecard_to_dict(card))
