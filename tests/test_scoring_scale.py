"""Scores that rank repositories as a reader would: findings count by density, a category cannot score well while
one of its serious checks fails widely, tests are judged against the code they test, projects weigh by their
source lines, and the plan has one item per fix in the order a person would work through it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor import audit
from auditor.config import Config
from auditor.context import Project
from auditor.engine import ProjectCard, Scorecard
from auditor.model import CheckInfo, CheckResult, Effort, Finding, Severity, Status
from auditor.scoring import (
    FORMULA,
    Command,
    Recommendation,
    card_weights,
    category_scores,
    check_score,
    overall_score,
    recommendations,
    repository_categories,
    repository_plan,
    repository_score,
)
from reports.base import scorecard_to_dict
from reports.html import render_html
from reports.markdown import render_markdown

MakeRepo = Callable[..., Path]
ROOT = Path(__file__).resolve().parent.parent


def _info(check_id: str, category: str = "error-handling", effort: Effort = Effort.SMALL,
          severity: Severity = Severity.HIGH) -> CheckInfo:
    return CheckInfo(id=check_id, title=check_id, category=category, severity=severity, rationale="",
                     remediation=("step",), effort=effort)


def _failed(check_id: str, n: int, severity: Severity = Severity.HIGH, category: str = "error-handling",
            effort: Effort = Effort.SMALL) -> CheckResult:
    findings = tuple(Finding(check_id, severity, "m", "a.py", i + 1) for i in range(n))
    return CheckResult(_info(check_id, category, effort), Status.FAILED, findings=findings)


def _passed(check_id: str, category: str = "error-handling") -> CheckResult:
    return CheckResult(_info(check_id, category), Status.PASSED)


# -- findings count by density ------------------------------------------------------------------------------
def test_a_check_score_falls_with_the_density_of_its_findings_not_the_size_of_the_project() -> None:
    ten = _failed("errors/bare-except", 10)
    assert check_score(ten) == check_score(ten, 8_000) == 5.63  # up to 10,000 lines: as before, 0.75^10
    assert check_score(ten, 100_000) == 75.0  # ten high findings in 100,000 lines: one per 10,000, like one in 10,000
    assert check_score(_failed("errors/bare-except", 1), 10_000) == 75.0
    assert check_score(ten, 1_000_000) == pytest.approx(100 * 0.75 ** 0.1, abs=0.01)
    assert check_score(_failed("errors/bare-except", 90_000), 1_000_000) == 0.0  # 900 per 10,000 lines
    # a finding about the whole project points at no code: no size dilutes "no rate limiting"
    whole = CheckResult(_info("security/rate-limiting"), Status.FAILED,
                        findings=(Finding("security/rate-limiting", Severity.MEDIUM, "no rate limiting", None, None),))
    assert check_score(whole, 1_000_000) == check_score(whole) == 90.0


def _error_handling(bare: CheckResult) -> list[CheckResult]:
    """The error-handling family of a project whose only failure is its bare excepts."""
    others = ("errors/swallowed-exception", "errors/broad-except", "errors/unchained-raise", "errors/empty-catch")
    return [bare, *(_passed(i) for i in others)]


def test_ninety_thousand_bare_excepts_cannot_leave_error_handling_at_80() -> None:
    """The issue's repository: 90,000 bare excepts, four other error checks passing. The old category was the mean
    of five checks, (0 + 4 x 100) / 5 = 80 when the excepts re-raise (low), 75 (the high cap) when they swallow."""
    lines = 1_000_000
    low = _error_handling(_failed("errors/bare-except", 90_000, Severity.LOW))
    (cat,) = category_scores(low, {"error-handling": 1.0}, lines)
    assert cat.mean == 80.0 and cat.score == 75.0 and cat.limited_by == "errors/bare-except"
    high = _error_handling(_failed("errors/bare-except", 90_000, Severity.HIGH))
    (cat,) = category_scores(high, {"error-handling": 1.0}, lines)
    assert cat.mean == 80.0 and cat.score == 50.0 and cat.limited_by == "errors/bare-except"
    # the same check with one finding in the same code: the severity cap, not the bound, decides
    (cat,) = category_scores(_error_handling(_failed("errors/bare-except", 1)), {"error-handling": 1.0}, lines)
    assert cat.score == 75.0 and cat.limited_by is None


BARE = "def f{i}(x):\n    try:\n        return int(x)\n    except:\n        return 0\n\n\n"


def test_an_audit_scores_error_handling_by_how_much_of_the_code_the_bare_excepts_touch(make_repo: MakeRepo) -> None:
    """A real repository: 40 swallowing bare excepts in 281 lines fail the check everywhere; the category is
    bounded at 50, where the old formula left it at the high cap, 75."""
    sloppy = make_repo({"app.py": "".join(BARE.format(i=i) for i in range(40))}, git=True)
    careful = make_repo({"app.py": BARE.format(i=0) + "".join(
        f"def g{i}(x):\n    return int(x) + {i}\n\n\n" for i in range(300))}, git=True)
    config = Config(only=("errors",))
    bad, good = audit(sloppy, config), audit(careful, config)
    (bad_cat,) = [c for c in bad.projects[0].categories if c.name == "error-handling"]
    (good_cat,) = [c for c in good.projects[0].categories if c.name == "error-handling"]
    assert bad.projects[0].facts["size"]["source_lines"] == 281  # the analysis counts the empty line after the last "\n"
    assert bad_cat.limited_by == "errors/bare-except" and bad_cat.score == 50.0
    assert good_cat.score == 75.0  # one bare except: the high cap
    assert bad.score is not None and good.score is not None and bad.score < good.score
    # every report says which check holds the category down
    data = scorecard_to_dict(bad)
    assert [c["limited_by"] for c in data["categories"] if c["name"] == "error-handling"] == ["errors/bare-except"]
    assert "| error-handling (bounded by errors/bare-except) | 50.0 |" in render_markdown(data)
    assert "bounded by errors/bare-except</small>" in render_html(data)


# -- tests judged against the code they test ----------------------------------------------------------------
def _service(sources: int, tests: int) -> dict[str, str]:
    files = {"pyproject.toml": '[project]\nname = "svc"\ndependencies = ["fastapi", "pytest"]\n'}
    files |= {f"svc/mod{i}.py": f"def f{i}(x):\n    return x + {i}\n" for i in range(sources)}
    files["tests/test_svc.py"] = "from svc.mod0 import f0\n\n\n" + "".join(
        f"def test_{i}():\n    assert f0({i}) == {i}\n\n\n" for i in range(tests))
    return files


@pytest.mark.parametrize(("tests", "severity", "score", "message"), [
    (1, Severity.HIGH, 12.5, "1 test function for 40 source files (one test per 40 source files; at least 0.2 per "
                             "source file expected): most of the code is exercised by no test"),
    (5, Severity.MEDIUM, 62.5, "5 test functions for 40 source files (one test per 8 source files; at least 0.2 per "
                               "source file expected): most of the code is exercised by no test"),
    (8, None, 100.0, ""),
])
def test_a_handful_of_tests_for_many_source_files_fails_tests_present(
        make_repo: MakeRepo, tests: int, severity: Severity | None, score: float, message: str) -> None:
    """It used to pass with any test at all: one test for 40 files scored 100, like a suite."""
    card = audit(make_repo(_service(40, tests), git=True), Config(only=("tests/present",)))
    (result,) = card.results
    sparse = [f for f in result.findings if f.key == "sparse-tests"]
    assert result.metrics["test_functions"] == tests and result.metrics["source_files"] == 40
    assert check_score(result) == score  # scored by the density against 0.2 per source file
    if severity is None:
        assert not sparse and result.status is Status.PASSED and result.measure is None
    else:
        (finding,) = sparse
        assert (finding.severity, finding.message, finding.confidence.value) == (severity, message, "medium")
        assert result.status is Status.FAILED


@pytest.mark.parametrize("sources", [40, 3])
def test_no_test_at_all_scores_zero_whatever_the_size(make_repo: MakeRepo, sources: int) -> None:
    """It scored 75 (one high finding), so a category of tests/present and tests/coverage stood at 37.5."""
    card = audit(make_repo(_service(sources, 0) | {"tests/test_svc.py": ""}, git=True), Config(only=("tests/present",)))
    (result,) = card.results
    assert [f.key for f in result.findings] == ["no-tests"] and check_score(result) == 0.0


def test_a_small_project_with_few_tests_is_not_judged_by_the_ratio(make_repo: MakeRepo) -> None:
    card = audit(make_repo(_service(12, 1), git=True), Config(only=("tests/present",)))
    assert card.results[0].status is Status.PASSED  # under min_source_files (20): too small for a ratio to mean much


# -- projects weigh by their source lines -------------------------------------------------------------------
def _card(name: str, score: float, lines: int, files: int) -> ProjectCard:
    return ProjectCard(project=Project(name), languages={"typescript": files},
                       facts={"size": {"source_files": files, "source_lines": lines}}, results=(), categories=(),
                       score=score, grade="", recommendations=())


def test_tiny_workspace_packages_failing_cannot_outrank_a_service_with_real_failures() -> None:
    """The careless repository returns SQL errors to clients and has no migrations: one service at 70. The careful
    one's service scores 80 beside 25 tiny workspace packages (an ESLint config, a codemod) of 8 files and 200 lines
    each, failing at high (55). By code files the packages outweighed the service (65.7 < 70); by lines they
    weigh a fifth."""
    careless = [_card("api", 70.0, 15_000, 150)]
    careful = [_card("api", 80.0, 15_000, 150), *(_card(f"packages/p{i}", 55.0, 200, 8) for i in range(25))]
    by_files = sum(c.score * sum(c.languages.values()) for c in careful if c.score) / 350
    assert round(by_files, 2) == 65.71
    def score(cards: list[ProjectCard]) -> float | None:
        return repository_score([(c.score, w) for c, w in zip(cards, card_weights(cards), strict=True)])
    assert score(careless) == 70.0
    assert score(careful) == 73.75  # (80 x 15,000 + 55 x 5,000) / 20,000
    # a report without sizes (written before 1.4) keeps the old weighting rather than mixing units
    old = [ProjectCard(project=c.project, languages=c.languages, facts={}, results=(), categories=(), score=c.score,
                       grade="", recommendations=()) for c in careful]
    assert card_weights(old)[:2] == [150.0, 8.0]


def test_a_repository_category_keeps_the_cap_of_its_worst_finding_in_any_project() -> None:
    """sample_repos/monorepo: the backend commits a secret (high), so its security is at most 75; the line-weighted
    mean with the clean projects beside it was 90, as if the repository's security were good."""
    card = audit(ROOT / "sample_repos" / "monorepo", Config(only=("security",)))
    assert len(card.projects) > 1
    per_project = {p.project.name: next(c for c in p.categories if c.name == "security") for p in card.projects
                   if any(c.name == "security" for c in p.categories)}
    worst = [c for c in per_project.values() if c.worst is Severity.HIGH]
    assert worst and all(c.score <= 75.0 for c in worst)
    (security,) = [c for c in repository_categories(card) if c.name == "security"]
    assert security.worst is Severity.HIGH
    assert security.mean is not None and security.mean > 75.0  # the weighted mean alone would look good
    assert security.score == 75.0


# -- the plan -----------------------------------------------------------------------------------------------
def _rec(check_id: str, gain: float, project: str, effort: Effort = Effort.LARGE, command: str = "") -> Recommendation:
    folder = project if project != "." else ""
    return Recommendation(check_id, check_id, "testing", Severity.HIGH, effort, ("step",), 1, gain, project,
                          (project,), (Command(project, folder, command),) if command else ())


def test_one_recommendation_per_fix_with_each_projects_command_tests_before_coverage_and_no_zero_items() -> None:
    recs = [
        _rec("tests/coverage", 6.0, "backend", command="pytest --cov --cov-report=xml"),
        _rec("tests/present", 1.5, "backend"),
        _rec("tests/coverage", 4.0, "web", command="npx jest --coverage"),
        _rec("tests/present", 1.0, "web"),
        _rec("errors/unchained-raise", 0.01, "backend", Effort.SMALL),
        _rec("errors/bare-except", 2.0, "backend", Effort.SMALL),
    ]
    plan, unchanged = repository_plan(recs)
    assert [r.check_id for r in plan] == ["errors/bare-except", "tests/present", "tests/coverage"]
    coverage = plan[2]
    assert coverage.projects == ("backend", "web") and coverage.gain == 10.0 and coverage.findings == 2
    assert [c.text for c in coverage.commands] == ["cd backend && pytest --cov --cov-report=xml",
                                                   "cd web && npx jest --coverage"]
    assert plan[1].projects == ("backend", "web") and plan[1].gain == 2.5
    assert [r.check_id for r in unchanged] == ["errors/unchained-raise"]


def test_fixes_that_only_pay_together_share_their_points() -> None:
    """Two checks failing high in one category: fixing either alone leaves the cap at 75. The greedy plan used to
    credit the second with every point and list the first as +0.0."""
    results = [_failed("errors/bare-except", 1), _failed("errors/leaked-details", 1),
               *(_passed(f"errors/ok{i}") for i in range(8))]
    weights = {"error-handling": 1.0}
    assert overall_score(category_scores(results, weights)) == 75.0
    recs = recommendations(results, weights)
    assert [(r.check_id, r.gain) for r in recs] == [("errors/bare-except", 12.5), ("errors/leaked-details", 12.5)]


def test_the_coverage_command_is_the_projects_own(make_repo: MakeRepo) -> None:
    """A Python service and a jest frontend, neither measuring coverage: one recommendation for both, each with
    the command of its own runner, run from its folder."""
    root = make_repo({
        "backend/pyproject.toml": '[project]\nname = "backend"\ndependencies = ["fastapi", "pytest"]\n',
        "backend/app/main.py": "def f(x):\n    return x\n",
        "backend/tests/test_main.py": "from app.main import f\n\n\ndef test_f():\n    assert f(1) == 1\n",
        "web/package.json": '{"name": "web", "dependencies": {"react": "18"}, "devDependencies": {"jest": "29"}}',
        "web/src/app.js": "export function f(x) {\n  return x;\n}\n",
        "web/src/app.test.js": "import { f } from './app';\n\ntest('f', () => {\n  expect(f(1)).toBe(1);\n});\n",
    }, git=True)
    card = audit(root, Config(only=("tests",)))
    assert len(card.projects) == 2
    (coverage,) = [r for r in card.recommendations if r.check_id == "tests/coverage"]
    assert sorted(coverage.projects) == ["backend", "web"]
    assert sorted(c.text for c in coverage.commands) == ["cd backend && pytest --cov --cov-report=xml",
                                                          "cd web && npx jest --coverage"]
    # the report says so, and a report read back (the base of a pull request) gives the same plan
    data = scorecard_to_dict(card)
    (row,) = [r for r in data["recommendations"] if r["check_id"] == "tests/coverage"]
    assert sorted(row["projects"]) == ["backend", "web"] and len(row["commands"]) == 2
    assert data["scoring"]["project_weight"] == "source_lines" and data["scoring"]["size_unit_lines"] == 10_000
    again = scorecard_to_dict(Scorecard.from_json(json.loads(json.dumps(data))))
    assert again["recommendations"] == data["recommendations"]
    assert again["recommendations_no_score_change"] == data["recommendations_no_score_change"]


# -- the formula, stated once ------------------------------------------------------------------------------
def test_the_readme_states_the_formula_every_report_carries() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Scores"):readme.index("## What an audit sees")]
    scores = " ".join(section.replace("**", "").replace("\u2212", "-").split())
    for fact in ("(1 - w)^(1/s)", "s = max(1, source lines / 10,000)", "c + (100 - c) / 2", "c + 3 (100 - c) / 4",
                 "weighted by their source lines", "under the cap of its worst finding in any project",
                 "no score change"):
        assert fact in scores, fact
    for fact in ("(1 - w)^(1/s)", "s = max(1, the project's source lines / 10,000)", "c + (100 - c) / 2",
                 "c + 3(100 - c) / 4", "weighted by their source lines, under the caps"):
        assert fact in FORMULA, fact
    assert not re.search(r"code[- ]files?", FORMULA)


# -- a listing cap never caps the score --------------------------------------------------------------------
def test_files_past_a_checks_listing_cap_still_count_in_its_score(make_repo: MakeRepo) -> None:
    """typing/explicit-any lists the 50 worst files; the 10 past them used to count for nothing."""
    files = {f"svc/mod{i:02d}.py": f"from typing import Any\n\n\ndef f{i}(x: Any) -> int:\n    return {i}\n"
             for i in range(60)}
    card = audit(make_repo(files, git=True), Config(only=("typing/explicit-any",)))
    (result,) = card.results
    assert len(result.findings) == 50 and result.metrics["unlisted_findings"] == 10
    assert {f.severity for f in result.findings} == {Severity.LOW}
    assert check_score(result) == round(100 * 0.97 ** 60, 2)  # not 0.97 ** 50
    (rec,) = card.recommendations
    assert rec.findings == 60 and card.score is not None and rec.gain == round(100 - card.score, 2)
