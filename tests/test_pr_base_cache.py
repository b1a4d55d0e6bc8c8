"""`auditor pr` takes the merge base's report from the audit cache when that tree was audited alike before: the
base is then neither written out of git nor audited, and the report is the one a fresh audit of the base gives."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.helpers import git, write_tree
from tests.test_pr import SWALLOW, _findings, _repo, _run

VOLATILE = {"generated_at", "duration_seconds", "timings", "base_cached", "cached"}


def _stable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def _pr(root: Path, out: Path, cache: Path, *extra: str) -> dict[str, Any]:
    result = _run("pr", str(root), "--base", "main", "--only", "errors/*", "--format", "json", "-o", str(out),
                  "--cache-dir", str(cache), "--fail-on", "none", *extra)
    assert result.returncode == 0, result.stdout + result.stderr
    report: dict[str, Any] = json.loads((out / "report.json").read_text())
    return report


def _base_entries(cache: Path) -> set[Path]:
    return {p for p in (cache / "audits").rglob("*") if p.is_file()} if (cache / "audits").exists() else set()


def test_the_second_pr_on_the_same_base_takes_its_report_from_the_cache(tmp_path: Path) -> None:
    root, _ = _repo(tmp_path)
    cache = tmp_path / "cache"
    first = _pr(root, tmp_path / "o1", cache)
    assert first["diff"]["base_cached"] is False and "base_export" in first["diff"]["timings"]
    # a new push to the pull request: the head changes, the merge base does not
    write_tree(root, {"svc/more.py": SWALLOW.format(name="more")})
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "another push")
    second = _pr(root, tmp_path / "o2", cache)
    assert second["diff"]["base_cached"] is True
    assert "base_export" not in second["diff"]["timings"]  # the base tree was not written out
    assert _findings(second) == [("svc/jobs.py", 7, "new"), ("svc/more.py", 4, "new"), ("svc/storage.py", 4, "unchanged")]
    assert [f["path"] for f in second["diff"]["fixed"]] == ["svc/legacy.py"]
    # the same report as without the cache, field for field
    fresh = _pr(root, tmp_path / "o3", tmp_path / "other-cache", "--no-cache")
    assert fresh["diff"]["base_cached"] is False
    assert _stable(second) == _stable(fresh)


def test_a_base_entry_is_not_used_when_the_checks_or_the_triage_differ(tmp_path: Path) -> None:
    root, _ = _repo(tmp_path)
    cache = tmp_path / "cache"
    _pr(root, tmp_path / "o1", cache)
    other_checks = _pr(root, tmp_path / "o2", cache, "--skip", "errors/broad-except")
    assert other_checks["diff"]["base_cached"] is False
    no_suppressions = _pr(root, tmp_path / "o3", cache, "--no-suppressions")
    assert no_suppressions["diff"]["base_cached"] is False
    again = _pr(root, tmp_path / "o4", cache, "--no-suppressions")
    assert again["diff"]["base_cached"] is True


def test_another_merge_base_is_another_entry(tmp_path: Path) -> None:
    root, _ = _repo(tmp_path)
    cache = tmp_path / "cache"
    _pr(root, tmp_path / "o1", cache)
    git(root, "rebase", "-q", "main")  # the branch now starts from main's newer commit (with svc/later.py)
    rebased = _pr(root, tmp_path / "o2", cache)
    assert rebased["diff"]["base_cached"] is False
    assert ("svc/later.py", 4, "unchanged") in _findings(rebased)


def test_a_tampered_or_unwritten_entry_is_a_miss(tmp_path: Path) -> None:
    root, _ = _repo(tmp_path)
    cache = tmp_path / "cache"
    _pr(root, tmp_path / "o0", cache, "--no-cache")
    assert _base_entries(cache) == set()  # --no-cache writes nothing
    before = _base_entries(cache)
    _pr(root, tmp_path / "o1", cache)
    for entry in _base_entries(cache) - before:  # a flipped byte breaks the entry's MAC
        data = bytearray(entry.read_bytes())
        data[-1] ^= 1
        entry.write_bytes(bytes(data))
    tampered = _pr(root, tmp_path / "o2", cache)
    assert tampered["diff"]["base_cached"] is False
    assert [f["path"] for f in tampered["diff"]["fixed"]] == ["svc/legacy.py"]
