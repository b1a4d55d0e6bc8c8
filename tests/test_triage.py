"""Baselines, inline suppressions, `audit --ref` and `--compare`, through the real CLI on real repositories."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from auditor.triage import _BY_LANGUAGE, parse_comment
from tests.helpers import git, git_init, write_tree

SWALLOW = "def {name}(p):\n    try:\n        return open(p).read()\n    except:{tail}\n        return None\n"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GITLAB_", "CI_"))}
    return subprocess.run([sys.executable, "-m", "auditor", *args], capture_output=True, text=True, timeout=240, env=env)


def _audit(root: Path, out: Path, *extra: str) -> dict[str, Any]:
    result = _run("audit", str(root), "--only", "errors/*,suppressions/*", "--format", "json,md", "-o", str(out),
                  "--fail-on", "none", *extra)
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads((out / "report.json").read_text())
    return data


def _found(report: dict[str, Any]) -> list[tuple[str, str, int]]:
    return sorted((f["check_id"], f["path"], f["line"]) for c in report["checks"] for f in c["findings"])


# -- the comment syntax of each language -------------------------------------------------------------------
@pytest.mark.parametrize(("language", "line"), [
    ("python", "    except:  # auditor: ignore[errors/bare-except] the loader must never raise"),
    ("typescript", "  } catch {}  // auditor: ignore[errors/bare-except] the loader must never raise"),
    ("go", "\t_ = f()  // auditor: ignore[errors/bare-except] the loader must never raise"),
    ("java", "  } catch (Exception e) {} /* auditor: ignore[errors/bare-except] the loader must never raise */"),
    ("rust", "    let _ = f(); // auditor: ignore[errors/bare-except] the loader must never raise"),
    ("sql", "DROP TABLE t; -- auditor: ignore[errors/bare-except] the loader must never raise"),
])
def test_each_language_comment_syntax(language: str, line: str) -> None:
    c = parse_comment("f", 3, line, _BY_LANGUAGE[language])
    assert c is not None
    assert (c.applies_to, c.checks, c.reason, c.problem) == (3, ("errors/bare-except",), "the loader must never raise", "")


def test_comment_alone_applies_to_the_next_line_and_wrong_syntax_is_ignored() -> None:
    c = parse_comment("f", 3, "    # auditor: ignore[a/b, c/*] until=2027-03-01 why", _BY_LANGUAGE["python"])
    assert c is not None and (c.applies_to, c.checks, c.until, c.reason) == (4, ("a/b", "c/*"), "2027-03-01", "why")
    assert c.expired(dt.date(2027, 3, 2)) and not c.expired(dt.date(2027, 3, 1))
    assert parse_comment("f", 1, "x = 1  // auditor: ignore[a/b] why", _BY_LANGUAGE["python"]) is None
    bad = parse_comment("f", 1, "x  # auditor: ignore[a/b] until=tomorrow why", _BY_LANGUAGE["python"])
    assert bad is not None and "not a date" in bad.problem


def test_suppressions_hide_list_expire_and_ask_for_a_reason(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "svc", {
        "pyproject.toml": '[project]\nname = "svc"\n',
        "svc/a.py": SWALLOW.format(name="a", tail="  # auditor: ignore[errors/bare-except] legacy, see #12"),
        "svc/b.py": "# auditor: ignore[errors/bare-except]\n" + SWALLOW.format(name="b", tail="").replace(
            "    except:", "    # auditor: ignore[errors/bare-except]\n    except:"),
        "svc/c.py": SWALLOW.format(name="c", tail="  # auditor: ignore[errors/bare-except] until=2001-01-01 gone"),
        "svc/d.py": SWALLOW.format(name="d", tail="  # auditor: ignore[errors/other-check] wrong check"),
    })
    git_init(root)
    report = _audit(root, tmp_path / "out")
    assert _found(report) == [
        ("errors/bare-except", "svc/c.py", 4),  # expired: hides nothing any more
        ("errors/bare-except", "svc/d.py", 4),  # a suppression of another check
        ("suppressions/missing-reason", "svc/b.py", 1),
        ("suppressions/missing-reason", "svc/b.py", 5),
    ]
    listed = {(s["path"], s["line"]): s for s in report["suppressions"]}
    assert listed[("svc/a.py", 4)]["status"] == "active" and listed[("svc/a.py", 4)]["reason"] == "legacy, see #12"
    assert [f["line"] for f in listed[("svc/a.py", 4)]["findings"]] == [4]
    assert listed[("svc/b.py", 5)]["status"] == "active" and listed[("svc/b.py", 5)]["reason"] == ""
    assert listed[("svc/b.py", 1)]["status"] == "unused"
    assert listed[("svc/c.py", 4)]["status"] == "expired"
    assert listed[("svc/d.py", 4)]["status"] == "unused"
    assert "2 findings hidden by 5 inline suppressions (1 expired, hiding nothing)" in (tmp_path / "out" / "report.md").read_text()
    off = _audit(root, tmp_path / "off", "--no-suppressions")
    assert ("errors/bare-except", "svc/a.py", 4) in _found(off)


def test_baseline_hides_known_findings_with_multiplicity_and_reports_stale(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "svc", {"pyproject.toml": '[project]\nname = "svc"\n',
                                         "svc/a.py": SWALLOW.format(name="a", tail=""),
                                         "svc/b.py": SWALLOW.format(name="b", tail="")})
    git_init(root)
    baseline = tmp_path / "baseline.json"
    created = _run("baseline", "create", str(root), "--only", "errors/*", "-o", str(baseline), "-q")
    assert created.returncode == 0, created.stderr
    data = json.loads(baseline.read_text())
    assert data["kind"] == "auditor-baseline" and data["findings"] == 2
    assert oct(baseline.stat().st_mode & 0o777) == oct(0o666 & ~_umask())
    assert _found(_audit(root, tmp_path / "o1", "--baseline", str(baseline))) == []
    # a second identical finding in the same file is new; the fixed file's entry is stale
    write_tree(root, {"svc/a.py": SWALLOW.format(name="a", tail="") + "\n\n" + SWALLOW.format(name="a2", tail=""),
                      "svc/b.py": "def b(p):\n    return p\n"})
    report = _audit(root, tmp_path / "o2", "--baseline", str(baseline))
    assert _found(report) == [("errors/bare-except", "svc/a.py", 11)]
    assert [e["path"] for e in report["baseline"]["stale"]] == ["svc/b.py"]
    assert report["baseline"]["matched"] == 1 and report["triage"]["baselined"] == 1
    md = (tmp_path / "o2" / "report.md").read_text()
    assert "1 finding hidden by the baseline" in md and "1 stale entry matches nothing any more" in md
    (tmp_path / "bad.json").write_text('{"kind": "something else"}')
    bad = _run("audit", str(root), "--baseline", str(tmp_path / "bad.json"), "--format", "json", "-o", str(tmp_path / "o3"))
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "not an auditor baseline" in bad.stderr


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_audit_ref_reads_a_tag_without_touching_the_work_tree_then_compare(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "svc", {"pyproject.toml": '[project]\nname = "svc"\n',
                                         "svc/a.py": SWALLOW.format(name="a", tail=""),
                                         "svc/old.py": SWALLOW.format(name="old", tail="")})
    git_init(root)
    git(root, "tag", "v1.0.0")
    git(root, "mv", "svc/a.py", "svc/renamed.py")
    write_tree(root, {"svc/old.py": "def old(p):\n    return p\n", "svc/n.py": SWALLOW.format(name="n", tail="")})
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "next")
    write_tree(root, {"svc/dirty.py": SWALLOW.format(name="dirty", tail="")})  # untracked: not in the tag
    before = git(root, "status", "--porcelain", "--ignored")
    tagged = tmp_path / "v1"
    release = _audit(root, tagged, "--ref", "v1.0.0")
    assert _found(release) == [("errors/bare-except", "svc/a.py", 4), ("errors/bare-except", "svc/old.py", 4)]
    assert release["target"]["ref"] == "v1.0.0"
    assert release["target"]["commit"] == git(root, "rev-parse", "v1.0.0").strip()
    assert git(root, "status", "--porcelain", "--ignored") == before
    (root / "svc" / "dirty.py").unlink()
    now = _audit(root, tmp_path / "now", "--compare", str(tagged / "report.json"))
    changes = sorted((f["path"], f["change"]) for c in now["checks"] for f in c["findings"])
    assert changes == [("svc/n.py", "new"), ("svc/renamed.py", "unchanged")]  # the rename followed
    assert [f["path"] for f in now["diff"]["fixed"]] == ["svc/old.py"]
    assert now["diff"]["mode"] == "previous-report"
    md = (tmp_path / "now" / "report.md").read_text()
    assert "1 new finding, 1 unchanged, 1 fixed" in md and "- new 🟠 svc/n.py:4: errors/bare-except" in md
    missing = _run("audit", str(root), "--ref", "v9", "--format", "json", "-o", str(tmp_path / "x"))
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1 and "v9" in missing.stderr


def test_the_suppression_scan_reads_only_the_files_a_worker_saw_the_marker_in_issue_14(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The analysis workers read every file already and note whether it holds `auditor:`: the parent's scan for
    suppression comments reads only those (on Django it read 2,875 files to find none)."""
    from auditor.config import Config
    from auditor.context import AuditOptions
    from auditor.engine import audit
    from auditor.repo import Repository

    root = tmp_path / "repo"
    write_tree(root, {
        "app/a.py": "def f(x):\n    try:\n        return int(x)\n    except Exception:  # auditor: ignore[errors/*] a probe\n"
                    "        pass\n",
        "app/b.py": "def g(x):\n    try:\n        return int(x)\n    except Exception:\n        pass\n",
    })
    git_init(root)
    read: list[str] = []
    original = Repository.read_bytes

    def spy(self: Repository, rel: str, *args: Any, **kwargs: Any) -> bytes | None:
        read.append(rel)
        return original(self, rel, *args, **kwargs)

    monkeypatch.setattr(Repository, "read_bytes", spy)
    for cached in (0, 2):
        if cached:  # another file: a new audit, whose models of a.py and b.py come from the cache with their marks
            (root / "app" / "c.py").write_text("def h():\n    return 1\n")
        read.clear()
        card = audit(root, Config(only=("errors/*",)), AuditOptions(cache_dir=str(tmp_path / "cache")))
        assert card.analysis["cached"] == cached
        assert [s.comment.path for s in card.triage.suppressions] == ["app/a.py"]
        assert card.triage.suppressed >= 1 and any(f.path == "app/b.py" for f in card.findings)
        assert "app/b.py" not in read and "app/c.py" not in read  # their models say they hold no suppression
