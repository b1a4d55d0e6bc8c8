"""HTML and Markdown reporters, the JSON schema: built from hand-made scorecards and real audits."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections import Counter
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

import jsonschema
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from auditor import Config, audit
from auditor.checklist import evaluate_checklist
from auditor.config import GateConfig
from auditor.context import Project
from auditor.engine import ProjectCard, Scorecard
from auditor.model import Check, CheckResult, Confidence, Effort, Finding, Measure, Severity, Status, assign_fingerprints
from auditor.repo import FileInfo, GitInfo, Repository
from auditor.scoring import category_scores, evaluate_gate, grade, overall_score, recommendations
from auditor.sources import ParseProblem
from reports._view import fact_sections, fact_value, visible_text
from reports.base import scorecard_to_dict
from reports.html import MAX_FINDINGS_PER_CHECK, HtmlReporter, render_html
from reports.markdown import GITHUB_COMMENT_LIMIT, MarkdownReporter, code_fence, md_cell, md_prose, md_text, render_markdown

GOLDEN = Path(__file__).parent / "golden"
SCHEMA = Path(__file__).parent.parent / "reports" / "schema" / "report.schema.json"
REGEN = os.environ.get("AUDITOR_REGEN_GOLDEN") == "1"  # AUDITOR_REGEN_GOLDEN=1 pytest tests/test_reports.py

HOSTILE = {
    "script": "<script>document.title='PWNED'</script>",
    "img": "<img src=x onerror=alert(1)>",
    "attr": '"><svg onload=alert(2)>',
    "close": "</script><script>document.title='PWNED2'</script>",
    "details": "</details><b>bold</b>",
}


# -- hand-made checks and scorecards -----------------------------------------------------------------
class _Base(Check):
    rationale = "Because it matters."
    remediation = ("Fix the thing.", "Then add a test.")
    effort = Effort.SMALL

    def run(self, ctx: Any) -> list[Finding]:  # pragma: no cover - never run, results are hand-made
        return []


class BareExcept(_Base):
    id = "errors/bare-except"
    title = "Bare except clauses"
    category = "error-handling"
    severity = Severity.HIGH


class SqlInjection(_Base):
    id = "security/sql-injection"
    title = "SQL built from strings <b>unsafe</b>"
    category = "security"
    severity = Severity.CRITICAL
    effort = Effort.MEDIUM


class Coverage(_Base):
    id = "testing/coverage"
    title = "Line coverage"
    category = "testing"
    severity = Severity.MEDIUM


class Migrations(_Base):
    id = "migrations/reversible"
    title = "Migrations are reversible"
    category = "database"
    severity = Severity.MEDIUM
    backend_only = True


class OpenApi(_Base):
    id = "openapi/valid"
    title = "OpenAPI document is valid"
    category = "api"
    severity = Severity.HIGH


class Typing(_Base):
    id = "typing/annotated"
    title = "Functions are annotated"
    category = "typing"
    severity = Severity.LOW


class Logging(_Base):
    id = "ops/logging"
    title = "Structured logging"
    category = "operability"
    severity = Severity.INFO
    remediation: ClassVar[tuple[str, ...]] = ()


def _base_check(check_id: str, title: str, category: str, severity: Severity, **extra: Any) -> type[Check]:
    """A hand-made check class (results are hand-made too; it never runs)."""
    name = "".join(part.capitalize() for part in check_id.replace("/", "-").split("-"))
    return type(name, (_Base,), {"id": check_id, "title": title, "category": category, "severity": severity, **extra})


def _finding(check: type[Check], message: str, path: str | None, line: int | None, snippet: str = "",
             severity: Severity | None = None, confidence: Confidence = Confidence.HIGH) -> Finding:
    return Finding(check.id, severity or check.severity, message, path, line, line, snippet, confidence=confidence)


def _result(check: type[Check], findings: list[Finding] | None = None, status: Status | None = None, reason: str = "",
            measure: Measure | None = None) -> CheckResult:
    fs = sorted(assign_fingerprints(findings or []), key=Finding.sort_key)
    if status is None:
        failed = any(f.severity is not Severity.INFO for f in fs) or (measure is not None and not measure.met)
        status = Status.FAILED if failed else Status.PASSED
    return CheckResult(check.info(), status, tuple(fs), measure=measure, reason=reason, duration=0.0)


def _project_card(project: Project, results: list[CheckResult], config: Config, languages: dict[str, int]) -> ProjectCard:
    cats = category_scores(results, config.weights)
    score = overall_score(cats)
    facts: dict[str, Any] = {
        "files": {"total": sum(languages.values()), "by_language": dict(languages), "by_role": {"source": sum(languages.values())}},
        "errors": {"bare_except": 2, "handlers": 5},
        "coverage": {"status": "not_available", "reason": "no coverage data found"},
    }
    return ProjectCard(project, languages, facts, tuple(results), tuple(cats), score, grade(score),
                       tuple(recommendations(results, config.weights, project.label)))


def _scorecard(projects: list[ProjectCard], config: Config, *, files: int = 12,
               problems: tuple[ParseProblem, ...] = (), root: str = "/srv/repos/demo-service",
               git: GitInfo | None = None) -> Scorecard:
    repo = Repository(
        root=Path(root),
        files=[FileInfo(f"src/m{i}.py", "python", "source", 10) for i in range(files)],
        skipped=Counter({"vendored or build directory": 3, "binary": 1}),
        git=git if git is not None else GitInfo("0123456789abcdef0123456789abcdef01234567", "main", False),
    )
    cards = tuple(projects)
    scored = [(c.score, max(1, sum(c.languages.values()))) for c in cards if c.score is not None]
    score = round(sum(s * w for s, w in scored) / sum(w for _, w in scored), 2) if scored else None
    findings = [f for c in cards for f in c.findings]
    return Scorecard(
        target=repo.root, repo=repo, projects=cards, score=score, grade=grade(score),
        gate=evaluate_gate(score, findings, config), problems=problems, plugin_errors=(),
        started_at=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC), duration=1.25, config=config,
        checklist=evaluate_checklist(r for c in cards for r in c.results),
    )


def demo_card(hostile: bool = False) -> Scorecard:
    """A deterministic single-project scorecard with every kind of outcome; `hostile` puts markup everywhere."""
    h = HOSTILE if hostile else {k: "" for k in HOSTILE}
    config = Config(gate=GateConfig(fail_under=80.0, fail_on=Severity.HIGH))
    path_x = f"src/app{h['attr']}.py" if hostile else "src/app.py"
    results = [
        _result(BareExcept, [
            _finding(BareExcept, "bare `except:` catches every exception" + h["script"], path_x, 12,
                     "try:\n    run()\nexcept:\n    pass" + h["close"]),
            _finding(BareExcept, "bare `except:` catches every exception" + h["img"], "src/worker.py", 40,
                     "except:  # ```fenced``` " + h["details"]),
        ]),
        _result(SqlInjection, [
            _finding(SqlInjection, "query built with f-string from `request.args` | @admin #1 *x* _y_", "src/db/query.py", 7,
                     'cur.execute(f"SELECT * FROM t WHERE id={id}")'),
        ]),
        _result(Coverage, measure=Measure("line coverage", 62.5, 80.0)),
        _result(Migrations, status=Status.NOT_APPLICABLE, reason="no database in this project" + h["img"]),
        _result(OpenApi, status=Status.NOT_AVAILABLE, reason="no OpenAPI document found"),
        _result(Typing, status=Status.ERROR, reason="ValueError: boom" + h["script"]),
        _result(Logging, [_finding(Logging, "print() used for logging", "src/cli.py", 3, "print('hi')",
                                   confidence=Confidence.LOW)]),
    ]
    name = h["script"] if hostile else ""
    card = _project_card(Project("", name=name), results, config, {"python": 12})
    if hostile:
        card.facts["errors"]["central_handler_evidence"] = [h["script"], h["img"] + " | `x`"]
    problems = (
        ParseProblem("src/broken.py", "syntax", "invalid syntax (line 3)" + h["close"]),
        ParseProblem("data/big.json", "too-deep", "nesting too deep"),
    )
    root = "/srv/repos/demo-service" + (h["img"] if hostile else "")
    git = GitInfo("0123456789abcdef0123456789abcdef01234567", "main" + h["attr"], False)
    return _scorecard([card], config, problems=problems, root=root, git=git)


def monorepo_card() -> Scorecard:
    """Two projects: a backend with a failing check and a frontend where backend-only checks do not apply."""
    config = Config()
    api = _project_card(
        Project("services/api", kind="backend", manifests=("services/api/pyproject.toml",), name="api"),
        [_result(BareExcept, [_finding(BareExcept, "bare except", "services/api/app.py", 3, "except:")]),
         _result(Migrations)],
        config, {"python": 8},
    )
    web = _project_card(
        Project("web", kind="frontend", manifests=("web/package.json",), name="web"),
        [_result(BareExcept, status=Status.NOT_APPLICABLE, reason="no python code in this project"),
         _result(Migrations, status=Status.NOT_APPLICABLE, reason="a frontend project is not held to this standard"),
         _result(Typing)],
        config, {"typescript": 20},
    )
    return _scorecard([api, web], config, files=28)


def many_findings_card(n: int) -> Scorecard:
    config = Config()
    long = "x = compute(" + "argument, " * 20 + ")\n"
    results = [_result(BareExcept, [
        _finding(BareExcept, f"bare except number {i} with a fairly long explanatory message", f"src/pkg/module_{i}.py", i + 1,
                 long * 8)
        for i in range(n)
    ])]
    for i in range(60):
        rule: type[Check] = type(f"Rule{i}", (_Base,), {"id": f"lint/rule-{i}", "title": f"Rule {i}",
                                                        "category": "maintainability", "severity": Severity.LOW})
        results.append(_result(rule, [_finding(rule, f"rule {i} hit {j}", f"lib/f{j}.py", j + 1, long * 3) for j in range(40)]))
    return _scorecard([_project_card(Project(""), results, config, {"python": n})], config)


# -- helpers ----------------------------------------------------------------------------------------
class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def parse_html(text: str) -> _Tags:
    p = _Tags()
    p.feed(text)
    p.close()
    return p


def _normalise_html(text: str) -> str:
    """The tag skeleton of a page (tags, classes, data-* and ids), one per line, without inline CSS/JS."""
    p = parse_html(text)
    out = []
    for tag, attrs in p.tags:
        keep = {k: v for k, v in attrs.items() if k in ("id", "class") or k.startswith("data-")}
        out.append(tag + "".join(f" {k}={v!r}" for k, v in sorted(keep.items())))
    return "\n".join(out) + "\n"


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if REGEN:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"golden file {path} missing; run with AUDITOR_REGEN_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file (AUDITOR_REGEN_GOLDEN=1 to update)"


def _md_renderer() -> Any:
    markdown_it = pytest.importorskip("markdown_it")
    return markdown_it.MarkdownIt("commonmark").enable("table").enable("strikethrough")


def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _bare_except_repo(root: Path) -> Path:
    (root / "pkg").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "0"\n', encoding="utf-8")
    (root / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    (root / "pkg" / "service.py").write_text(
        "def load(path):\n    try:\n        return open(path).read()\n    except:\n        return None\n\n\n"
        "def save(path, text):\n    try:\n        open(path, 'w').write(text)\n    except OSError:\n        raise\n",
        encoding="utf-8",
    )
    (root / "pkg" / "broken.py").write_text("def broken(:\n    pass\n", encoding="utf-8")
    return root


# -- JSON schema -------------------------------------------------------------------------------------
def test_schema_accepts_a_real_audit_with_a_finding(tmp_path: Path) -> None:
    repo = _bare_except_repo(tmp_path / "svc")
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    card = audit(repo, Config(only=("errors/bare-except",)))
    data = json.loads(json.dumps(scorecard_to_dict(card)))
    _validator().validate(data)
    [check] = [c for c in data["checks"] if c["id"] == "errors/bare-except"]
    assert [(f["path"], f["line"]) for f in check["findings"]] == [("pkg/service.py", 4)]
    assert [p["path"] for p in data["problems"]] == ["pkg/broken.py"]


@pytest.mark.parametrize("make", [demo_card, lambda: demo_card(hostile=True), monorepo_card], ids=["demo", "hostile", "monorepo"])
def test_schema_accepts_hand_made_scorecards(make: Any) -> None:
    _validator().validate(json.loads(json.dumps(scorecard_to_dict(make()))))


def test_schema_rejects_what_the_contract_forbids() -> None:
    data = json.loads(json.dumps(scorecard_to_dict(demo_card())))
    validator = _validator()
    broken: list[dict[str, Any]] = []
    for mutate in (
        lambda d: d["checks"][0]["findings"][0].update(severity="severe"),
        lambda d: d.update(grade="E"),
        lambda d: d["checks"][0].update(id="NoFamily"),
        lambda d: d.pop("scoring"),
        lambda d: d["severity_counts"].update(bogus=1),
        lambda d: d.update(score=101),
        lambda d: d["checks"][0].update(status="skipped"),
    ):
        copy = json.loads(json.dumps(data))
        mutate(copy)
        broken.append(copy)
    assert all(not validator.is_valid(d) for d in broken)
    assert validator.is_valid(data)


def test_every_report_field_is_documented() -> None:
    doc = (Path(__file__).parent.parent / "docs" / "report-schema.md").read_text(encoding="utf-8")
    data = scorecard_to_dict(monorepo_card())
    names = set(data) | set(data["target"]) | set(data["gate"]) | set(data["checks"][0]) | set(data["checks"][0]["findings"][0])
    names |= set(data["recommendations"][0]) | set(data["projects"][0]) | set(data["scoring"]) | set(data["files"])
    names |= set(data["categories"][0]) | {"tests", "coverage", "openapi", "migrations", "typing", "errors", "files"}
    extra = with_regression_and_history(scorecard_to_dict(demo_card()))
    names |= {"regression", "history", "diff"} | set(extra["regression"]) | set(extra["history"][0])
    names |= {"base", "head", "merge_base", "mode", "new", "unchanged", "fixed", "score_delta", "category_deltas", "change"}
    missing = sorted(n for n in names if f"`{n}`" not in doc)
    assert missing == []


def with_regression_and_history(data: dict[str, Any], category: str = "security") -> dict[str, Any]:
    """What `--history` adds: a regression against the previous audit and the trend of three audits."""
    from auditor.scoring import PreviousAudit, Regression
    from reports.base import regression_to_dict

    card = demo_card()
    worst = card.findings[0]
    previous = PreviousAudit("fedcba9876543210fedcba9876543210fedcba98", "2025-01-01T03:04:05+00:00", 70.5, frozenset())
    reg = Regression(previous, -1.7, (worst,), ("score dropped 1.70 points since fedcba9876 (2025-01-01T03:04:05+00:00) "
                                              "(allowed: 0.5)", "1 new finding at or above 'high' since fedcba9876"))
    data["regression"] = regression_to_dict(reg, data)
    data["history"] = [
        {"commit": f"{i:040x}", "branch": "main", "date": f"2025-01-0{i + 1}T03:04:05+00:00", "score": score, "grade": "C",
         "gate_passed": False, "severity_counts": {"critical": 1, "high": 2, "medium": 0, "low": 0, "info": 1},
         "categories": {category: 50.0 + i, "testing": 80.0 - i}, "projects": {}}
        for i, score in enumerate((72.0, 70.5, 68.8))
    ]
    return data


def test_regression_and_history_validate_and_show_in_every_report() -> None:
    data = with_regression_and_history(json.loads(json.dumps(scorecard_to_dict(demo_card()))))
    _validator().validate(data)
    assert [f["check_id"] for f in data["regression"]["new_findings"]] == ["security/sql-injection"]
    text = render_markdown(data)
    assert "**⚠️ Regression** since fedcba987654 (2025-01-01T03:04:05+00:00): score -1.70" in text
    assert "- new 🔴 src/db/query.py:7: security/sql-injection: query built" in text
    page = render_html(data)
    p = parse_html(page)
    assert any(t == "div" and a.get("id") == "regression" and "regressed" in (a.get("class") or "") for t, a in p.tags)
    assert "score -1.70" in page and "new <span class=\"badge b-critical\">critical</span>" in page


def test_html_trend_is_inline_svg_with_escaped_labels() -> None:
    data = with_regression_and_history(json.loads(json.dumps(scorecard_to_dict(demo_card()))), category=HOSTILE["img"])
    page = render_html(data)
    p = parse_html(page)
    series = [a for t, a in p.tags if t == "polyline"]
    assert [a["data-series"] for a in series] == ["overall", HOSTILE["img"], "testing"]
    assert [len((a["points"] or "").split()) for a in series] == [3, 3, 3]
    xs = [float(pt.split(",")[0]) for pt in (series[0]["points"] or "").split()]
    ys = [float(pt.split(",")[1]) for pt in (series[0]["points"] or "").split()]
    assert xs == sorted(xs) and ys == sorted(ys)  # left to right; falling scores go down the chart
    assert sum(1 for t, _ in p.tags if t == "circle") == 3
    assert [t for t, _ in p.tags if t in ("img", "b")] == [] and sum(1 for t, _ in p.tags if t == "script") == 1
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    csp = next(a["content"] for t, a in p.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert csp == next(a["content"] for t, a in parse_html(render_html(scorecard_to_dict(demo_card()))).tags
                       if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    one = json.loads(json.dumps(scorecard_to_dict(demo_card())))
    one["history"] = data["history"][:1]
    assert "<svg" not in render_html(one)  # one audit is not a trend


def test_markdown_recommendations_past_nine_keep_their_steps() -> None:
    config = Config()
    results = [_result(_base_check(f"lint/rule-{i:02d}", f"Rule {i}", "maintainability", Severity.LOW),
                       [_finding(BareExcept, f"hit {i}", f"f{i}.py", 1)]) for i in range(12)]
    card = _scorecard([_project_card(Project(""), results, config, {"python": 12})], config)
    text = render_markdown(scorecard_to_dict(card))
    html = _md_renderer().render(text)
    plan = html[html.index("Top recommendations"):]
    plan = plan[: plan.index("</ol>") + 5]
    items = re.findall(r"<li>(.*?)(?=<li>[^<]*<strong>|</ol>)", plan, flags=re.S)
    assert len(items) == 10
    assert all(item.count("<ul>") == 1 and "Fix the thing." in item and "Then add a test." in item for item in items)
    assert "10. " in text and "\n    - Fix the thing." in text  # the indent matches the width of "10. "


def test_html_details_cell_separates_its_parts() -> None:
    config = Config()
    measure = Measure("line coverage", 62.5, 80.0)
    results = [_result(Coverage, [_finding(Coverage, "uncovered module", "src/x.py", 1)], measure=measure)]
    card = _scorecard([_project_card(Project(""), results, config, {"python": 1})], config)
    page = render_html(scorecard_to_dict(card))
    assert "80%)1 finding" not in page
    assert 'line coverage: 62.5% (threshold 80%)<span class="sep"> &middot; </span>1 finding' in page


def test_plugin_errors_are_called_out_in_markdown_and_html() -> None:
    import dataclasses

    error = "plugin 'broken' (x:Y) failed to load: ImportError: no"
    data = scorecard_to_dict(dataclasses.replace(demo_card(), plugin_errors=(error,)))
    text = render_markdown(data)
    assert "**⚠️ 1 plugin failed to load**" in text and "- plugin 'broken' \\(x:Y\\) failed to load: ImportError: no" in text
    page = render_html(data)
    assert 'id="plugin-warning"' in page and "plugin &#39;broken&#39; (x:Y) failed to load" in page


# -- Markdown ----------------------------------------------------------------------------------------
def test_markdown_golden() -> None:
    _golden("report.md", MarkdownReporter().render(demo_card()))


def test_markdown_golden_monorepo() -> None:
    _golden("report-monorepo.md", MarkdownReporter().render(monorepo_card()))


def test_markdown_content() -> None:
    text = render_markdown(scorecard_to_dict(demo_card()))
    assert text.startswith("## 🔴 Audit report: score 56.2 / 100, grade F\n")  # a critical finding caps it at 60; an error scores 0
    assert "**Quality gate ❌ failed**" in text
    assert "| 1 | 2 | 0 | 0 | 1 |" in text  # severity counts in severity order
    assert text.index("SQL built") < text.index("#### 🟠 Bare except clauses")  # worst check first
    assert "| typing/annotated | error | ValueError: boom |" in text
    assert "| migrations/reversible | not applicable | no database in this project |" in text
    assert "- src/broken.py (syntax): invalid syntax \\(line 3\\)" in text
    assert text.rstrip().endswith("</sub>") and "**Scoring.** Check score:" in text
    assert "### Projects" not in text  # one project: no per-project section


def test_markdown_monorepo_names_the_standards_of_each_project() -> None:
    text = render_markdown(scorecard_to_dict(monorepo_card()))
    assert "| api | services/api | backend | 87.5 | B | database, error-handling |" in text
    assert "| web | web | frontend | 100.0 | A | typing |" in text
    assert "| migrations/reversible | web | not applicable | a frontend project is not held to this standard |" in text
    assert "(project api)" in text


def test_markdown_hostile_text_renders_as_text() -> None:
    md = _md_renderer()
    text = render_markdown(scorecard_to_dict(demo_card(hostile=True)))
    html = md.render(text)
    tags = {t for t, _ in parse_html(html).tags}
    assert tags <= {"h2", "h3", "h4", "p", "strong", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td",
                    "pre", "code", "hr", "details", "summary", "sub", "a"}
    # The only links are the report's own: anchors before each check's findings, and the checklist's links to them.
    links = [attrs for t, attrs in parse_html(html).tags if t == "a"]
    assert links and all(list(a) in (["name"], ["href"]) for a in links)
    assert all(re.fullmatch(r"#?check-[a-z0-9-]+", v or "") for a in links for v in a.values())
    assert "<script" not in html and "<img" not in html and "<svg" not in html and "<b>" not in html
    # Every <details> the report opens is closed by the report, not by a snippet or message.
    assert html.count("<details>") == html.count("</details>") == 5
    assert "@\u200dadmin" in text


def test_markdown_stays_under_the_github_comment_limit() -> None:
    text = render_markdown(scorecard_to_dict(many_findings_card(3000)))
    assert len(text) <= GITHUB_COMMENT_LIMIT
    assert "and 2995 more (see the HTML or JSON report)." in text
    assert text.count("#### ") == 61


def test_markdown_drops_whole_checks_only_when_one_line_each_is_too_much() -> None:
    data = scorecard_to_dict(many_findings_card(10))
    text = render_markdown(data, budget=4000)
    assert len(text) <= 4000
    shown = text.count("#### ")
    assert 0 < shown < 61
    assert f"and {61 - shown} more checks with" in text
    assert render_markdown(data).count("#### ") == 61


@pytest.mark.parametrize(("raw", "escaped"), [
    ("a|b", "a\\|b"),
    ("<b>x</b> & y", "&lt;b&gt;x&lt;/b&gt; &amp; y"),
    ("line1\nline2\r\n  line3", "line1 line2 line3"),
    ("@octocat", "@\u200docto" + "cat"),
    ("# heading", "\\# heading"),
    ("[link](http://x)", "\\[link\\]\\(http://x\\)"),
    ("![img](x)", "\\!\\[img\\]\\(x\\)"),
    ("`code` *em* _em_ ~~s~~ $x$", "\\`code\\` \\*em\\* \\_em\\_ \\~\\~s\\~\\~ \\$x\\$"),
    ("back\\slash", "back\\\\slash"),
    ("bell\x07 rtl\u202e", "bell\\\\x07 rtl\\\\u202e"),
])
def test_md_text_escapes(raw: str, escaped: str) -> None:
    assert md_text(raw) == escaped


@pytest.mark.parametrize(("raw", "escaped"), [
    ("bare `except:` here", "bare `except:` here"),
    ("`<script>` and <b>", "`<script>` and &lt;b&gt;"),
    ("`@admin` vs @admin", "`@admin` vs @\u200dadmin"),
    ("unpaired ` tick *x*", "unpaired \\` tick \\*x\\*"),
    ("`a|b` | c", "`a|b` \\| c"),
    ("` ` and ``", "\\` \\` and \\`\\`"),
])
def test_md_prose_keeps_code_spans(raw: str, escaped: str) -> None:
    assert md_prose(raw) == escaped


@pytest.mark.parametrize(("value", "text"), [
    (None, "n/a"), (True, "yes"), (False, "no"), (0.5, "0.5"), (3, "3"), ("a b", "a b"), ([], "none"), ({}, "none"),
    (["a", 1, None], "a, 1, n/a"), ({"rust": {"files": 2}}, 'rust: {"files": 2}'),
    (list(range(10)), "0, 1, 2, 3, 4, 5, 6, 7 (+2 more)"), ("x" * 400, "x" * 299 + "…"),
])
def test_fact_value(value: Any, text: str) -> None:
    assert fact_value(value) == text


def test_facts_are_shown_in_both_formats() -> None:
    data = scorecard_to_dict(demo_card())
    assert fact_sections(data["facts"]) == [
        ("files", [("total", "12"), ("by_language", "python: 12"), ("by_role", "source: 12")]),
        ("coverage", [("status", "not_available"), ("reason", "no coverage data found")]),
        ("errors", [("bare_except", "2"), ("handlers", "5")]),
    ]
    assert "| bare\\_except | 2 |" in render_markdown(data)
    page = render_html(data)
    families = [a["data-family"] for t, a in parse_html(page).tags if t == "div" and "data-family" in a]
    assert families == ["files", "coverage", "errors"]
    assert "<tr><th>reason</th><td>no coverage data found</td></tr>" in page
    mono = scorecard_to_dict(monorepo_card())
    assert render_html(mono).count('data-family="errors"') == 2
    assert "#### Project api" in render_markdown(mono) and "#### Project web" in render_markdown(mono)


def test_md_cell_is_never_empty() -> None:
    assert md_cell("") == " "
    assert md_cell("a\nb|c") == "a b\\|c"


@pytest.mark.parametrize("snippet", ["x = 1", "a = `b`", "```\nfence inside\n```", "````` five", "~~~\nt\n~~~"])
def test_code_fence_is_longer_than_any_backtick_run(snippet: str) -> None:
    block = code_fence(snippet, "python")
    fence = block.split("python", 1)[0]
    longest = max((len(r) for r in re.findall(r"`+", snippet)), default=0)
    assert len(fence) == max(3, longest + 1)
    assert block.endswith("\n" + fence)


_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\u200d"), max_size=60)


def _plain(text: str) -> str:
    """What a reader sees of `text` on one line: invisible (zero-width, bidi) characters as their visible escape,
    as every report shows them, then HTML-escaped as a CommonMark renderer writes it."""
    import html as html_module

    return html_module.escape(visible_text(" ".join(text.split())), quote=False).replace('"', "&quot;")


@settings(max_examples=300, deadline=None)
@given(_TEXT)
@example("\u200b")  # a zero-width space, which every report shows as a visible escape (hypothesis found it)
def test_md_text_round_trips_through_a_commonmark_renderer(text: str) -> None:
    md = _md_renderer()
    rendered = md.render("x " + md_text(text) + " y").replace("\u200d", "")
    assert rendered == f"<p>x {_plain(text)} y</p>\n".replace("x  y", "x  y")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_TEXT, st.just("`"), st.just("`<b>x</b>`"), st.just("`@a *b*`")), max_size=6).map("".join))
def test_md_prose_renders_code_spans_and_nothing_else(text: str) -> None:
    import html as html_module

    md = _md_renderer()
    rendered = md.render("x " + md_prose(text) + " y").replace("\u200d", "")
    flat = " ".join(text.split())

    def lit(t: str) -> str:
        return html_module.escape(t, quote=False).replace('"', "&quot;")

    expected, last = [], 0
    for m in re.finditer(r"`([^`\n]+)`", flat):
        expected.append(lit(flat[last:m.start()]))
        code = m.group(1)
        expected.append(f"<code>{lit(code)}</code>" if code.strip() else lit(m.group(0)))
        last = m.end()
    expected.append(lit(flat[last:]))
    body = "".join(expected)
    assert rendered == f"<p>x {body} y</p>\n"


@settings(max_examples=200, deadline=None)
@given(_TEXT, _TEXT)
def test_md_cell_keeps_a_table_row_intact(a: str, b: str) -> None:
    md = _md_renderer()
    rendered = md.render(f"| h1 | h2 |\n|---|---|\n| {md_cell(a)} | {md_cell(b)} |\n").replace("\u200d", "")
    cells = re.findall(r"<td>(.*?)</td>", rendered, flags=re.S)
    assert cells == [_plain(a), _plain(b)]


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs", "Cc"), whitelist_characters="\n`~ "), max_size=80))
def test_code_fence_round_trips(snippet: str) -> None:
    import html as html_module

    md = _md_renderer()
    rendered = md.render(code_fence(snippet))
    # Text from the target is shown, never obeyed: line separators, bidi and zero-width characters become visible
    # escapes (\u2028) even inside a code block; everything else comes through as written.
    from auditor.redact import shown_text

    body = shown_text(snippet.rstrip("\n"), multiline=True)
    assert rendered == f"<pre><code>{html_module.escape(body, quote=False).replace(chr(34), '&quot;')}\n</code></pre>\n"


# -- HTML --------------------------------------------------------------------------------------------
def test_html_structure_golden() -> None:
    _golden("report.html.skeleton", _normalise_html(HtmlReporter().render(demo_card())))


def test_html_is_self_contained() -> None:
    page = HtmlReporter().render(demo_card())
    tags = parse_html(page).tags
    assert [t for t, a in tags if t in ("link", "img", "iframe", "object", "embed")] == []
    assert [a for t, a in tags if t == "script" and "src" in a] == []
    assert not re.search(r"(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", page.replace("https://json-schema.org", ""))
    assert re.search(r"@import|url\(", page) is None
    csp = next(a["content"] for t, a in tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert csp is not None and "default-src 'none'" in csp and "script-src 'sha256-" in csp


def test_html_content() -> None:
    page = render_html(scorecard_to_dict(demo_card()))
    p = parse_html(page)
    assert p.title == "Audit report: demo-service"
    findings = [(a["data-severity"], a["data-category"]) for t, a in p.tags if t == "li" and "finding" in (a.get("class") or "")]
    assert findings == [("critical", "security"), ("high", "error-handling"), ("high", "error-handling"), ("info", "operability")]
    statuses = {a["data-check"]: a["data-status"] for t, a in p.tags if t == "tr" and a.get("class") == "check-row"}
    assert statuses == {
        "errors/bare-except": "failed", "security/sql-injection": "failed", "testing/coverage": "failed",
        "typing/annotated": "error", "openapi/valid": "not_available", "migrations/reversible": "not_applicable",
        "ops/logging": "passed",
    }
    assert [a["data-check"] for t, a in p.tags if t == "li" and "data-check" in a] == [
        "errors/bare-except", "security/sql-injection", "testing/coverage"]
    for text in ("score 56.2 is below the required 80", "ValueError: boom", "no database in this project",
                 "src/app.py:12", "src/broken.py", "vendored or build directory", "line coverage: 62.5% (threshold 80%)",
                 "+13.6 points", "Quality gate failed", "0123456789ab", "Check score: a measured check"):
        assert text in page, text
    assert 'id="projects"' not in page


def test_html_monorepo_lists_projects_and_their_standards() -> None:
    p = parse_html(render_html(scorecard_to_dict(monorepo_card())))
    assert sum(1 for t, a in p.tags if t == "tr" and a.get("class") == "project-row") == 2
    page = render_html(scorecard_to_dict(monorepo_card()))
    assert re.search(r"<strong>web</strong>.*?<span class=\"badge b-neutral\">typing</span></div>", page, re.S)


def test_html_escapes_hostile_text() -> None:
    page = render_html(scorecard_to_dict(demo_card(hostile=True)))
    p = parse_html(page)
    assert [t for t, _ in p.tags if t in ("img", "svg", "b")] == []
    assert sum(1 for t, _ in p.tags if t == "script") == 1
    assert all(not k.startswith("on") for _, a in p.tags for k in a)
    assert p.title.startswith("Audit report: demo-service<img src=x onerror=alert(1)>")
    assert "&lt;script&gt;document.title=&#39;PWNED&#39;&lt;/script&gt;" in page
    assert "bare <code>except:</code> catches every exception&lt;script&gt;" in page


def test_html_caps_findings_per_check() -> None:
    page = render_html(scorecard_to_dict(many_findings_card(MAX_FINDINGS_PER_CHECK + 7)))
    assert page.count('data-category="error-handling" data-fingerprint=') == MAX_FINDINGS_PER_CHECK
    assert "and 7 more findings of this check" in page


def test_html_and_markdown_of_a_real_audit(tmp_path: Path) -> None:
    repo = _bare_except_repo(tmp_path / "svc")
    card = audit(repo, Config(only=("errors/bare-except",)))
    page = HtmlReporter().render(card)
    text = MarkdownReporter().render(card)
    assert "pkg/service.py:4" in page and "**pkg/service.py:4**" in text
    assert "except:" in page and "pkg/broken.py" in page and "pkg/broken.py" in text
    clean = tmp_path / "clean"
    (clean / "pkg").mkdir(parents=True)
    (clean / "pkg" / "ok.py").write_text("def f():\n    return 1\n", encoding="utf-8")
    card = audit(clean, Config(only=("errors/bare-except",)))
    assert "No findings." in MarkdownReporter().render(card)
    page = HtmlReporter().render(card)
    assert "No findings." in page and 'class="finding"' not in page


def test_reporters_are_registered() -> None:
    from auditor.registry import load_registry

    reporters = load_registry().reporters
    assert reporters["html"] is HtmlReporter and reporters["md"] is MarkdownReporter
    assert (HtmlReporter.extension, MarkdownReporter.extension) == ("html", "md")


def test_a_project_level_finding_names_its_project_not_the_repository(tmp_path: Path) -> None:
    import shutil

    from auditor import Config, audit
    from reports.markdown import MarkdownReporter

    root = tmp_path / "mono"
    shutil.copytree(Path(__file__).resolve().parent.parent / "sample_repos" / "monorepo", root)
    text = MarkdownReporter().render(audit(root, Config()))
    assert "(project shelf\\-frontend)" in text or "(project shelf-frontend)" in text
    assert "(repository)" not in text


def test_html_shows_time_per_phase_and_per_check_slowest_first() -> None:
    data = scorecard_to_dict(demo_card())
    data["timings"] = {"scan": 0.25, "analysis": 1.5, "checks": 3.125}
    for i, check in enumerate(data["checks"]):
        check["duration_seconds"] = 0.0
        if i < 3:
            check["duration_seconds"] = [0.01, 2.5, 0.4][i]
    timed = sorted(data["checks"][:3], key=lambda c: -c["duration_seconds"])
    page = render_html(data)
    section = page[page.index('id="timings"'):page.index('id="scoring"')]
    phases = re.findall(r'<tr class="phase-timing"><td>(\w+)</td><td class="num">([\d.]+)</td>', section)
    assert phases == [("scan", "0.25"), ("analysis", "1.50"), ("checks", "3.12")]
    rows = re.findall(r'<tr class="check-timing"><td class="mono">([^<]+)</td><td class="num">([\d.]+)</td>', section)
    assert rows == [(c["id"], f"{c['duration_seconds']:.3f}") for c in timed]  # checks that took no time are left out
