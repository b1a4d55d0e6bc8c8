"""The model cache: unchanged files are not analysed again, any change of what a model depends on misses, and no
entry the cache did not write itself (tampered, truncated, foreign, inside the target) is ever decoded."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from analysis.cache import ModelCache
from auditor import AuditOptions, Config, audit

MakeRepo = Callable[..., Path]
SOURCE = "def f(x):\n    try:\n        return int(x)\n    except Exception:\n        pass\n"


def _audit(root: Path, cache_dir: Path, *, cache: bool = True) -> tuple[list[tuple[str, str | None, int | None]], int]:
    card = audit(root, Config(), AuditOptions(cache_dir=str(cache_dir), cache=cache))
    findings = sorted((f.check_id, f.path, f.line) for f in card.findings)
    return findings, card.analysis["cached"]


def test_a_warm_audit_reuses_every_model_and_finds_the_same(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = make_repo({"app/a.py": SOURCE, "app/b.py": SOURCE.replace("f(", "g("), "README.md": "hi\n"}, git=True)
    cache = tmp_path / "cache"
    cold, cached_cold = _audit(root, cache)
    warm, cached_warm = _audit(root, cache)
    assert cached_cold == 0 and cached_warm == 3 and warm == cold
    assert ("errors/swallowed-exception", "app/a.py", 4) in cold
    (root / "app" / "b.py").write_text(SOURCE.replace("pass", "raise"))
    changed, cached = _audit(root, cache)
    assert cached == 2  # only the changed file was analysed again
    assert ("errors/swallowed-exception", "app/b.py", 4) not in changed
    _, disabled = _audit(root, cache, cache=False)
    assert disabled == 0


def test_changed_analysis_code_misses(make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo({"a.py": SOURCE})
    cache = tmp_path / "cache"
    _audit(root, cache)
    monkeypatch.setattr("analysis.cache.CODE_DIGEST", "a-changed-adapter")
    _, cached = _audit(root, cache)
    assert cached == 0


def test_tampered_and_foreign_entries_are_never_decoded(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = make_repo({"a.py": SOURCE})
    cache_dir = tmp_path / "cache"
    cold, _ = _audit(root, cache_dir)
    entries = [p for p in (cache_dir / "models").rglob("*") if p.is_file()]
    assert len(entries) == 1
    entry = entries[0]
    blob = entry.read_bytes()
    entry.write_bytes(blob[:32] + b"\x00" + blob[33:])  # one byte of the body changed: the MAC no longer holds
    again, cached = _audit(root, cache_dir)
    assert cached == 0 and again == cold
    entry.write_bytes(b"\x00" * 10)  # truncated
    assert _audit(root, cache_dir)[1] == 0
    (cache_dir / "key").chmod(0o644)  # a key others can read is not ours to trust
    assert ModelCache.open(cache_dir) is None
    assert _audit(root, cache_dir)[0] == cold


def test_a_cache_inside_the_target_or_shared_with_others_is_refused(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = make_repo({"a.py": SOURCE})
    assert ModelCache.open(root / ".cache", target=root) is None
    assert ModelCache.open(root, target=root) is None
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    os.chmod(shared, 0o777)
    assert ModelCache.open(shared) is None
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "real", target_is_directory=True)
    (tmp_path / "real").mkdir()
    assert ModelCache.open(link) is None
    mine = ModelCache.open(tmp_path / "mine")
    assert mine is not None and oct((tmp_path / "mine").stat().st_mode & 0o777) == "0o700"
