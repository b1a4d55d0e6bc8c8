"""The HTML report of a pull request and of a triaged audit, in Debian's headless Chromium: source links to the commit
on the forge (exact, credentials never in the page), the diff against the base with a "new findings only" filter, and
the list of suppressions and stale baseline entries.

The reports come from real audits (the CLI, real git repositories with a remote set by `git remote add`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_html_browser import CHROMIUM, _Cdp, _dump_dom
from test_pr import _repo, _run
from test_reports import parse_html

from tests.helpers import git, git_init, write_tree

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (CI installs Debian's chromium)")

TOKEN = "glpat-" + "Zx9Yw8Vu7Ts6Rq5Po4Nm"
SECRET_REMOTE = f"https://deploy:{TOKEN}@github.com/acme/svc.git"


@pytest.fixture(scope="module")
def pr_page(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`auditor pr` of a branch that adds one bare except (svc/jobs.py:7), fixes one (svc/legacy.py:4) and renames a file
    with one (svc/storage.py:4, unchanged)."""
    tmp = tmp_path_factory.mktemp("pr")
    root, merge_base = _repo(tmp)
    git(root, "remote", "add", "origin", SECRET_REMOTE)
    head = git(root, "rev-parse", "HEAD").strip()
    out = tmp / "out"
    result = _run("pr", str(root), "--base", "main", "--only", "errors/*", "--format", "json,html", "-o", str(out),
                  "--fail-on", "none")
    assert result.returncode == 0, result.stderr
    return {"page": out / "report.html", "head": head, "merge_base": merge_base, "tmp": tmp,
            "report": json.loads((out / "report.json").read_text())}


SUPPRESSED = (
    "def a(p):\n"
    "    try:\n"
    "        return open(p).read()\n"
    "    except:  # auditor: ignore[errors/bare-except] legacy loader, <b>kept</b> until the rewrite\n"
    "        return None\n"
    "\n\n"
    "def b(p):\n"
    "    try:\n"
    "        return open(p).read()\n"
    "    # auditor: ignore[errors/bare-except] temporary until=2020-01-01\n"
    "    except:\n"
    "        return None\n"
)
GONE = "def g(p):\n    try:\n        return open(p).read()\n    except:\n        return None\n"


@pytest.fixture(scope="module")
def triage_page(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """An audit with an active and an expired inline suppression, and a baseline one of whose entries (gone.py, since
    deleted) matches nothing any more."""
    tmp = tmp_path_factory.mktemp("triage")
    root = write_tree(tmp / "repo", {"pyproject.toml": '[project]\nname = "r"\n', "app.py": SUPPRESSED, "gone.py": GONE})
    git_init(root)
    git(root, "remote", "add", "origin", "git@gitlab.com:acme/svc.git")
    baseline = tmp / "baseline.json"
    result = _run("baseline", "create", str(root), "-o", str(baseline), "--only", "errors/*", "-q")
    assert result.returncode == 0, result.stderr
    git(root, "rm", "-q", "gone.py")
    git(root, "commit", "-q", "-m", "gone")
    head = git(root, "rev-parse", "HEAD").strip()
    out = tmp / "out"
    result = _run("audit", str(root), "--only", "errors/*", "--format", "json,html", "-o", str(out),
                  "--baseline", str(baseline), "--fail-on", "none")
    assert result.returncode == 0, result.stderr
    return {"page": out / "report.html", "head": head, "tmp": tmp, "report": json.loads((out / "report.json").read_text())}


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[_Cdp]:
    cdp = _Cdp(tmp_path / "profile-cdp")
    try:
        yield cdp
    finally:
        cdp.close()


LINKS = ("Array.from(document.querySelectorAll({sel!r})).map(a => [a.closest('[data-path]') ? "
         "a.closest('[data-path]').getAttribute('data-path') : '', a.textContent, a.getAttribute('href'), a.rel, a.target])")


def test_finding_paths_link_exactly_to_the_audited_commit(pr_page: dict[str, Any], browser: _Cdp) -> None:
    browser.open(pr_page["page"].resolve().as_uri())
    head = pr_page["head"]
    links = browser.evaluate(LINKS.format(sel=".finding a.source-link"))
    assert sorted(links) == [
        ["svc/jobs.py", "svc/jobs.py:7", f"https://github.com/acme/svc/blob/{head}/svc/jobs.py#L7", "noopener noreferrer", "_blank"],
        ["svc/storage.py", "svc/storage.py:4", f"https://github.com/acme/svc/blob/{head}/svc/storage.py#L4",
         "noopener noreferrer", "_blank"],
    ]
    assert browser.evaluate("document.querySelectorAll('.finding .path:not(a)').length") == 0  # every finding is linked
    page = browser.evaluate("document.documentElement.outerHTML")
    assert TOKEN not in page and "deploy" not in page  # the remote's credentials never reach the page
    assert TOKEN not in pr_page["page"].read_text() and pr_page["report"]["target"]["remote"]["url"] == "https://github.com/acme/svc"
    # every link on the page is to the page itself or to the forge over https
    hrefs = browser.evaluate("Array.from(document.querySelectorAll('a[href]:not(.commit-link)')).map(a => a.getAttribute('href'))")
    assert all(h.startswith(("#", "https://github.com/acme/svc/blob/")) for h in hrefs[1:]), hrefs
    assert hrefs[0] == "#summary"
    commit = browser.evaluate("(a => [a.getAttribute('href'), a.rel])(document.querySelector('a.commit-link'))")
    assert commit == [f"https://github.com/acme/svc/commit/{head}", "noopener noreferrer"]


def test_the_diff_section_shows_counts_deltas_new_and_fixed(pr_page: dict[str, Any], tmp_path: Path) -> None:
    dom = _dump_dom(pr_page["page"], tmp_path / "profile")
    tags = parse_html(dom).tags
    section = next(a for t, a in tags if t == "section" and a.get("id") == "diff")
    assert section["data-mode"] == "merge-base-audit"
    toc = [a.get("href") for t, a in tags if t == "a"]
    assert "#diff" in toc
    with _Session(pr_page["page"], tmp_path) as browser:
        counts = browser.evaluate("Object.fromEntries(Array.from(document.querySelectorAll('#diff .diff-count'))"
                                  ".map(e => [e.getAttribute('data-count'), e.querySelector('.n').textContent]))")
        diff = pr_page["report"]["diff"]
        assert counts == {"new": "1", "fixed": "1", "unchanged": "1", "score": f"{diff['score_delta']:+.2f}"}
        deltas = browser.evaluate("Array.from(document.querySelectorAll('#diff .category-delta'))"
                                  ".map(r => [r.getAttribute('data-category'), r.cells[1].textContent])")
        assert deltas == [[k, f"{v:+.2f}"] for k, v in sorted(diff["category_deltas"].items())]
        new = browser.evaluate(LINKS.format(sel="#diff .diff-new a.source-link"))
        assert [x[1:3] for x in new] == [["svc/jobs.py:7", f"https://github.com/acme/svc/blob/{pr_page['head']}/svc/jobs.py#L7"]]
        fixed = browser.evaluate(LINKS.format(sel="#diff .diff-fixed a.source-link"))  # where it was: the merge base
        assert [x[1:3] for x in fixed] == [["svc/legacy.py:4",
                                            f"https://github.com/acme/svc/blob/{pr_page['merge_base']}/svc/legacy.py#L4"]]
        changes = browser.evaluate("Array.from(document.querySelectorAll('.finding')).map(f => "
                                   "[f.getAttribute('data-path'), f.getAttribute('data-change'), !!f.querySelector('.b-new')])")
        assert sorted(changes) == [["svc/jobs.py", "new", True], ["svc/storage.py", "unchanged", False]]


class _Session:
    def __init__(self, page: Path, tmp_path: Path) -> None:
        self.cdp = _Cdp(tmp_path / "profile-session")
        self.cdp.open(page.resolve().as_uri())

    def __enter__(self) -> _Cdp:
        return self.cdp

    def __exit__(self, *exc: object) -> None:
        self.cdp.close()


VISIBLE_PATHS = "Array.from(document.querySelectorAll('.finding')).filter(f => !f.hidden).map(f => f.getAttribute('data-path'))"


def test_new_only_filter_by_click_and_by_hash(pr_page: dict[str, Any], browser: _Cdp, tmp_path: Path) -> None:
    browser.open(pr_page["page"].resolve().as_uri())
    assert sorted(browser.evaluate(VISIBLE_PATHS)) == ["svc/jobs.py", "svc/storage.py"]
    browser.evaluate("document.querySelector('input[data-filter-new]').click()")
    assert browser.evaluate(VISIBLE_PATHS) == ["svc/jobs.py"]
    assert browser.evaluate("document.getElementById('visible-count').textContent") == "1"
    browser.evaluate("document.querySelector('button[data-set=all]').click()")
    assert browser.evaluate("document.querySelector('input[data-filter-new]').checked") is False
    assert len(browser.evaluate(VISIBLE_PATHS)) == 2
    dom = _dump_dom(pr_page["page"], tmp_path / "profile-hash", "#change=new")
    shown = [a["data-path"] for t, a in parse_html(dom).tags
             if t == "li" and "finding" in (a.get("class") or "").split() and "hidden" not in a]
    assert shown == ["svc/jobs.py"]


def test_a_report_without_a_diff_has_no_diff_section_or_new_filter(triage_page: dict[str, Any], tmp_path: Path) -> None:
    dom = _dump_dom(triage_page["page"], tmp_path / "profile")
    tags = parse_html(dom).tags
    assert not [a for t, a in tags if a.get("id") == "diff"]
    assert not [a for t, a in tags if t == "input" and "data-filter-new" in a]


def test_suppressions_and_stale_baseline_entries_are_listed(triage_page: dict[str, Any], browser: _Cdp) -> None:
    browser.open(triage_page["page"].resolve().as_uri())
    rows = browser.evaluate(
        "Array.from(document.querySelectorAll('#suppressions tr.suppression')).map(r => ({status: r.getAttribute('data-status'),"
        " where: r.cells[0].textContent.trim(), href: (r.querySelector('a.source-link') || {}).href || null,"
        " checks: r.cells[1].textContent, reason: r.cells[2].textContent, bold: r.cells[2].querySelectorAll('b').length,"
        " until: r.cells[3].textContent, hides: r.cells[5].firstChild.textContent.trim()}))")
    head = triage_page["head"]
    assert sorted(rows, key=lambda r: r["status"]) == [
        {"status": "active", "where": "app.py:4", "href": f"https://gitlab.com/acme/svc/-/blob/{head}/app.py#L4",
         "checks": "errors/bare-except", "reason": "legacy loader, <b>kept</b> until the rewrite", "bold": 0, "until": "",
         "hides": "1"},
        {"status": "expired", "where": "app.py:11for line 12", "href": f"https://gitlab.com/acme/svc/-/blob/{head}/app.py#L11",
         "checks": "errors/bare-except", "reason": "temporary", "bold": 0, "until": "2020-01-01", "hides": "0"},
    ]
    assert browser.evaluate("document.querySelector('#suppressions .b-sup-expired').textContent") == "expired"
    stale = browser.evaluate("Array.from(document.querySelectorAll('#suppressions tr.stale-entry'))"
                             ".map(r => [r.cells[0].textContent, r.cells[1].textContent, r.cells[2].textContent])")
    assert stale == [["gone.py", "errors/bare-except", "1"]]
    summary = browser.evaluate("document.getElementById('baseline-summary').textContent")
    baseline = triage_page["report"]["baseline"]
    assert summary == (f"{baseline['entries']} entr{'y' if baseline['entries'] == 1 else 'ies'}, {baseline['matched']} "
                       f"finding{'' if baseline['matched'] == 1 else 's'} hidden, 1 stale.")
    assert browser.evaluate("!!document.querySelector('#toc a[href=\"#suppressions\"]')") is True
