"""The HTML report of a large monorepo stays usable: a table of contents, folded check groups, project and path filters.

Driven in Debian's headless Chromium (the DevTools pipe client of test_html_browser), on a 25-project scorecard.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_html_browser import CHROMIUM, _Cdp, _dump_dom
from test_reports import HOSTILE, BareExcept, Logging, Typing, _finding, _project_card, _result, _scorecard, parse_html

from auditor import Config
from auditor.context import Project
from auditor.engine import Scorecard
from reports.base import scorecard_to_dict
from reports.html import render_html

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (CI installs Debian's chromium)")

PROJECTS = 25


def big_monorepo_card(hostile_name: str = "") -> Scorecard:
    """25 projects `svc00`..`svc24`, each with bare excepts in two files and a logging finding."""
    config = Config()
    cards = []
    for i in range(PROJECTS):
        name = f"svc{i:02d}" + (hostile_name if i == 0 else "")
        root = f"services/svc{i:02d}"
        results = [
            _result(BareExcept, [_finding(BareExcept, "bare except", f"{root}/app.py", 3, "except:"),
                                 _finding(BareExcept, "bare except", f"{root}/jobs/worker.py", 9, "except:")]),
            _result(Logging, [_finding(Logging, "print() used for logging", f"{root}/cli.py", 2, "print('x')")]),
            _result(Typing),
        ]
        cards.append(_project_card(Project(root, kind="backend", name=name), results, config, {"python": 3}))
    return _scorecard(cards, config, files=3 * PROJECTS)


@pytest.fixture
def page(tmp_path: Path) -> Path:
    out = tmp_path / "report.html"
    out.write_text(render_html(scorecard_to_dict(big_monorepo_card())), encoding="utf-8")
    return out


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[_Cdp]:
    cdp = _Cdp(tmp_path / "profile-cdp")
    try:
        yield cdp
    finally:
        cdp.close()


def _shown(browser: _Cdp, selector: str) -> list[str]:
    """The data-project of every element matching `selector` that the filters left visible."""
    js = f"Array.from(document.querySelectorAll({selector!r})).filter(e => !e.hidden).map(e => e.getAttribute('data-project'))"
    out: list[str] = browser.evaluate(js)
    return out


def _plan(browser: _Cdp) -> list[tuple[str, int]]:
    """(check id, number of projects) of every plan row the filters left visible."""
    js = ("Array.from(document.querySelectorAll('.plan-row')).filter(e => !e.hidden).map(e => [e.getAttribute('data-check'),"
          " (e.getAttribute('data-projects') || e.getAttribute('data-project')).split('\\n').length])")
    return [(str(c), int(n)) for c, n in browser.evaluate(js)]


def test_toc_anchors_exist_and_groups_are_folded(page: Path, tmp_path: Path) -> None:
    dom = _dump_dom(page, tmp_path / "profile")
    tags = parse_html(dom).tags
    ids = {a["id"] for _, a in tags if a.get("id")}
    nav = [i for i, (t, a) in enumerate(tags) if t == "nav" and a.get("id") == "toc"]
    assert len(nav) == 1
    end = next(i for i, (t, a) in enumerate(tags) if t == "section" and a.get("id") == "summary")
    assert nav[0] < end  # the contents come first
    toc = [a.get("href") or "" for t, a in tags[nav[0]:end] if t == "a"]
    for wanted in ("#summary", "#plan", "#findings", "#projects", "#checks", "#timings"):
        assert wanted in toc
    assert sum(1 for h in toc if h.startswith("#project-")) == PROJECTS
    missing = [h for h in toc if h[1:] not in ids]
    assert missing == []
    groups = [a for t, a in tags if t == "details" and "check-group" in (a.get("class") or "")]
    assert len(groups) == 2 * PROJECTS
    assert [a for a in groups if "open" in a] == []  # folded by default
    assert all("hidden" not in a for a in groups)  # folded, not filtered out


def test_project_filter_applies_to_findings_plan_and_checks(page: Path, browser: _Cdp) -> None:
    browser.open(page.resolve().as_uri())
    assert len(set(_shown(browser, ".finding"))) == PROJECTS
    browser.evaluate("const s = document.querySelector('select[data-filter-project]'); s.value = 'svc07';"
                     " s.dispatchEvent(new Event('change'))")
    assert _shown(browser, ".finding") == ["svc07"] * 3
    assert _shown(browser, ".check-group") == ["svc07"] * 2
    # one recommendation per fix: the bare excepts of all 25 projects are one plan row, shown for any of them
    # (the logging finding is informational)
    assert _plan(browser) == [("errors/bare-except", PROJECTS)]
    assert sorted(_shown(browser, ".check-row")) == ["svc07"] * 3
    assert browser.evaluate("document.getElementById('visible-count').textContent") == "3"
    browser.evaluate("document.querySelector('button[data-set=all]').click()")
    assert len(_shown(browser, ".finding")) == 3 * PROJECTS
    assert _plan(browser) == [("errors/bare-except", PROJECTS)]


def test_path_filter_applies_to_findings_plan_and_checks(page: Path, browser: _Cdp) -> None:
    browser.open(page.resolve().as_uri())
    browser.evaluate("const i = document.querySelector('input[data-filter-path]'); i.value = 'svc12/JOBS';"
                     " i.dispatchEvent(new Event('input'))")
    paths = browser.evaluate("Array.from(document.querySelectorAll('.finding')).filter(e => !e.hidden)"
                             ".map(e => e.getAttribute('data-path'))")
    assert paths == ["services/svc12/jobs/worker.py"]
    checks = browser.evaluate("Array.from(document.querySelectorAll('.check-row')).filter(e => !e.hidden)"
                              ".map(e => e.getAttribute('data-check') + ' ' + e.getAttribute('data-project'))")
    assert checks == ["errors/bare-except svc12"]  # the logging and typing rows have no finding in that path
    assert _plan(browser) == [("errors/bare-except", PROJECTS)]  # svc12's part of the one recommendation
    browser.evaluate("{ const i = document.querySelector('input[data-filter-path]'); i.value = 'nowhere/';"
                     " i.dispatchEvent(new Event('input')); }")
    assert _plan(browser) == []


def test_hash_selects_project_and_path_and_opens_linked_group(page: Path, tmp_path: Path) -> None:
    dom = _dump_dom(page, tmp_path / "profile", "#project=svc03&path=cli.py")
    tags = parse_html(dom).tags
    shown = [a["data-path"] for t, a in tags if t == "li" and "finding" in (a.get("class") or "").split() and "hidden" not in a]
    assert shown == ["services/svc03/cli.py"]
    dom = _dump_dom(page, tmp_path / "profile2", "#check-errors-bare-except-svc04")
    opened = [a["id"] for t, a in parse_html(dom).tags if t == "details" and "open" in a]
    assert opened == ["check-errors-bare-except-svc04"]


def test_hostile_project_name_stays_text(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(render_html(scorecard_to_dict(big_monorepo_card(HOSTILE["img"] + HOSTILE["attr"]))), encoding="utf-8")
    dom = _dump_dom(page, tmp_path / "profile")
    p = parse_html(dom)
    assert [t for t, _ in p.tags if t in ("img", "svg", "b", "iframe")] == []
    assert [k for _, a in p.tags for k in a if k.startswith("on")] == []
    assert sum(1 for t, _ in p.tags if t == "script") == 1
    options = [a["value"] for t, a in p.tags if t == "option"]
    assert options[1] == "svc00" + HOSTILE["img"] + HOSTILE["attr"]


def test_printing_unfolds_every_section_and_hides_navigation(page: Path, browser: _Cdp) -> None:
    browser.open(page.resolve().as_uri())
    folded = "document.querySelectorAll('details:not([open])').length"
    assert browser.evaluate(folded) == 2 * PROJECTS  # the check groups
    browser.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert browser.evaluate(folded) == 0
    browser.evaluate("window.dispatchEvent(new Event('afterprint'))")
    assert browser.evaluate(folded) == 2 * PROJECTS
    browser.call("Emulation.setEmulatedMedia", {"media": "print"})
    shown = "['toc', 'filters'].map(id => getComputedStyle(document.getElementById(id)).display)"
    assert browser.evaluate(shown) == ["none", "none"]
    pdf = browser.call("Page.printToPDF", {}, timeout=60)["data"]
    assert base64.b64decode(pdf)[:5] == b"%PDF-"
