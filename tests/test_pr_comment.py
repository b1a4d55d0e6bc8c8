"""The pull-request comment: marker, headline, new/fixed/unchanged findings with forge links, the 65,536-character
limit, escaping (rendered by a CommonMark renderer) and redaction; and the links helper."""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
import pytest
from test_reports import HOSTILE, _md_renderer, _validator, demo_card, many_findings_card, parse_html

from reports.base import scorecard_to_dict
from reports.links import Forge, forge_from_env, safe_url, source_link
from reports.markdown import GITHUB_COMMENT_LIMIT
from reports.pr_comment import MARKER, marker, render_pr_comment

SHA = "89abcdef0123456789abcdef0123456789abcdef"
FORGE = Forge("https://github.com/acme/svc", "github", SHA, "https://github.com/acme/svc/actions/runs/42")


def _data(card: Any = None) -> dict[str, Any]:
    return json.loads(json.dumps(scorecard_to_dict(card or demo_card())))


def with_diff(data: dict[str, Any], new: int = 1, mode: str = "merge-base-audit") -> dict[str, Any]:
    """Mark the first `new` findings new, the rest unchanged, and add a diff section as part B will."""
    findings = [f for c in data["checks"] for f in c["findings"]]
    for i, f in enumerate(findings):
        f["change"] = "new" if i < new else "unchanged"
    fixed = dict(findings[-1], path="src/old.py", line=3, end_line=3, message="bare `except:` that was fixed", fingerprint="f" * 20)
    data["diff"] = {"base": "main", "head": SHA, "merge_base": "fedcba9876543210fedcba9876543210fedcba98", "mode": mode,
                    "new": new, "unchanged": len(findings) - new, "fixed": [fixed], "score_delta": -1.25,
                    "category_deltas": {"security": -12.5, "testing": 0.0}}
    return data


def test_marker_and_comment_ids() -> None:
    assert marker() == MARKER == "<!-- auditor:pr-comment -->"
    assert marker("backend") == "<!-- auditor:pr-comment id=backend -->"
    with pytest.raises(ValueError, match="comment id"):
        marker("two words")
    with pytest.raises(ValueError):
        marker("x-->" )


def test_without_a_diff_it_is_the_scorecard() -> None:
    text = render_pr_comment(_data(), forge=FORGE)
    assert text.startswith(MARKER + "\n## ")
    assert "Audit report: score 56.2 / 100, grade F" in text and "### Top recommendations" in text
    assert "[full report](https://github.com/acme/svc/actions/runs/42)" in text
    assert len(text) <= GITHUB_COMMENT_LIMIT


def test_with_a_diff_it_leads_with_the_new_findings() -> None:
    data = with_diff(_data(), new=2)
    text = render_pr_comment(data, forge=FORGE, comment_id="api")
    lines = text.splitlines()
    assert lines[0] == "<!-- auditor:pr-comment id=api -->"
    assert lines[1] == "## 🔴 auditor: score 56.2 (-1.2) / 100 · grade F · gate ❌ failed"
    assert "**2 new findings** · 2 unchanged · 1 fixed, compared with an audit of the merge base fedcba987654." in text
    assert "| security | -12.5 |" in text and "| testing |" not in text  # unchanged categories are left out
    new = text[text.index("### 🆕 New findings (2)") : text.index("### ✅ Fixed (1)")]
    assert f"[src/app.py:12](https://github.com/acme/svc/blob/{SHA}/src/app.py#L12)" in new
    assert f"[src/worker.py:40](https://github.com/acme/svc/blob/{SHA}/src/worker.py#L40)" in new
    fixed = text[text.index("### ✅ Fixed (1)") : text.index("<details><summary>2 unchanged findings</summary>")]
    assert "/blob/fedcba9876543210fedcba9876543210fedcba98/src/old.py#L3" in fixed and "~~" in fixed
    rest = text[text.index("<details><summary>2 unchanged findings</summary>") : text.index("</details>")]
    assert "src/db/query.py:7" in rest and "src/cli.py:3" in rest  # the rest: worst first
    html = _md_renderer().render(text)
    hrefs = [a["href"] for t, a in parse_html(html).tags if t == "a"]
    assert len(hrefs) == 6 and all(h.startswith("https://github.com/acme/svc/") for h in hrefs)


def test_gitlab_links_and_the_fallback_mode() -> None:
    data = with_diff(_data(), new=1, mode="full-audit-fallback")
    forge = Forge("https://gitlab.example.com/acme/svc", "gitlab", SHA)
    text = render_pr_comment(data, forge=forge)
    assert f"(https://gitlab.example.com/acme/svc/-/blob/{SHA}/src/app.py#L12)" in text
    assert "the merge base could not be audited" in text
    assert "full report" not in text  # no report URL known: no link


def test_no_new_findings_is_said() -> None:
    text = render_pr_comment(with_diff(_data(), new=0), forge=FORGE)
    assert "No new findings. 🎉" in text and "### 🆕" not in text


def test_the_comment_never_exceeds_the_limit() -> None:
    data = with_diff(_data(many_findings_card(3000)), new=2500)
    text = render_pr_comment(data, forge=FORGE)
    assert len(text) <= GITHUB_COMMENT_LIMIT
    assert "_This comment was shortened to fit; the full report lists every finding._" in text
    assert re.search(r"and \d+ more: see the \[full report\]\(https://github.com/acme/svc/actions/runs/42\)", text)
    assert text.count("<details>") == text.count("</details>")
    small = render_pr_comment(data, forge=FORGE, limit=5_000)
    assert len(small) <= 5_000 and small.startswith(MARKER)
    print(f"largest comment rendered: {len(text)} characters for {sum(len(c['findings']) for c in data['checks'])} findings")


def test_target_text_is_escaped_and_redacted() -> None:
    data = with_diff(_data(demo_card(hostile=True)), new=4)
    findings = [f for c in data["checks"] for f in c["findings"]]
    findings[0]["message"] = "password = 'hunter2hunter2' and @admin <!-- auditor:pr-comment -->"  # a saved, unredacted report
    text = render_pr_comment(data, forge=FORGE)
    assert "hunter2hunter2" not in text and "[redacted" in text
    assert text.count("<!-- auditor:pr-comment") == 1  # only our own marker line
    html = _md_renderer().render(text)
    tags = {t for t, _ in parse_html(html).tags}
    assert tags <= {"h2", "h3", "p", "strong", "ul", "li", "a", "code", "del", "s", "details", "summary", "sub", "hr", "em",
                    "table", "thead", "tbody", "tr", "th", "td"}
    for payload in HOSTILE.values():
        assert payload not in html
    assert "@\u200dadmin" in text


def test_the_schema_documents_diff_and_change() -> None:
    data = with_diff(_data(), new=2)
    validator = _validator()
    validator.validate(data)
    bad = json.loads(json.dumps(data))
    bad["diff"]["mode"] = "guess"
    assert not validator.is_valid(bad)
    bad = json.loads(json.dumps(data))
    bad["checks"][0]["findings"][0]["change"] = "fixed"  # fixed findings live in diff.fixed, never on the head
    assert not validator.is_valid(bad)
    bad = json.loads(json.dumps(data))
    del bad["diff"]["merge_base"]
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(bad)


# -- links -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("kind", "line", "end", "url"), [
    ("github", 7, None, f"https://github.com/acme/svc/blob/{SHA}/src/a%20b%28x%29.py#L7"),
    ("github", 7, 9, f"https://github.com/acme/svc/blob/{SHA}/src/a%20b%28x%29.py#L7-L9"),
    ("gitlab", 7, 9, f"https://github.com/acme/svc/-/blob/{SHA}/src/a%20b%28x%29.py#L7-9"),
    ("github", None, None, f"https://github.com/acme/svc/blob/{SHA}/src/a%20b%28x%29.py"),
])
def test_source_link_shapes(kind: str, line: int | None, end: int | None, url: str) -> None:
    assert source_link("https://github.com/acme/svc/", SHA, "src/a b(x).py", line, end, kind) == url


def test_source_link_refuses_what_it_cannot_trust() -> None:
    assert source_link("https://github.com/acme/svc", "not-a-sha", "a.py", 1) is None
    assert source_link("javascript:alert(1)", SHA, "a.py", 1) is None
    assert source_link(None, SHA, "a.py", 1) is None
    assert source_link("https://github.com/acme/svc", SHA, None, 1) is None
    assert safe_url("https://user:pw@github.com/acme/svc#frag") == "https://github.com/acme/svc"
    assert safe_url("https://github.com/a b") is None


def test_forge_from_the_ci_environment() -> None:
    github = forge_from_env({"GITHUB_ACTIONS": "true", "GITHUB_SERVER_URL": "https://ghe.example.com",
                             "GITHUB_REPOSITORY": "acme/svc", "GITHUB_RUN_ID": "42"})
    assert github == Forge("https://ghe.example.com/acme/svc", "github", None, "https://ghe.example.com/acme/svc/actions/runs/42")
    gitlab = forge_from_env({"GITLAB_CI": "true", "CI_PROJECT_URL": "https://gitlab.example.com/acme/svc",
                             "CI_COMMIT_SHA": SHA, "CI_JOB_URL": "https://gitlab.example.com/acme/svc/-/jobs/9"})
    assert gitlab == Forge("https://gitlab.example.com/acme/svc", "gitlab", SHA, "https://gitlab.example.com/acme/svc/-/jobs/9")
    assert forge_from_env({}, repository_url="https://x.example/r").repository_url == "https://x.example/r"


def test_without_a_forge_the_comment_links_through_target_remote_with_the_targets_folder() -> None:
    data = with_diff(_data(), new=1)
    data["target"]["remote"] = {"url": "https://gitlab.example.com/acme/mono", "forge": "gitlab", "commit": SHA,
                                "path": "services/api", "not_at_commit": [], "source": "git-config"}
    new = next(f for c in data["checks"] for f in c["findings"] if f.get("change") == "new")
    text = render_pr_comment(data)  # no CI, no --repository-url: the target's own remote
    assert f"(https://gitlab.example.com/acme/mono/-/blob/{SHA}/services/api/{new['path']}#L{new['line']}" in text
    assert "(https://gitlab.example.com/acme/mono/-/blob/fedcba9876543210fedcba9876543210fedcba98/services/api/src/old.py#L3)" in text
    data["target"]["remote"]["forge"] = None  # a host that does not say which forge it is: no link
    assert "](https://gitlab.example.com" not in render_pr_comment(data)
