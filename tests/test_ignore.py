"""Ignore matching: the same answers as git itself, in linear time."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.ignore import IgnoreFile, IgnoreStack, InvalidPattern
from auditor.repo import Repository
from tests.helpers import git

_PIECES = ["a", "b", "c", "*", "**", "?", "/", "!", "[", "]", "-", "\\", " ", "#", ".", "^", "é", "[:alpha:]",
           "[a-c]", "/**/", "\r", "[!a]", "[z-a]"]
_NAMES = ["a", "b", "ab", "ba", "a.b", "c", "aa", "a b", "[a]", "*", "é", "!a", "#a", "a ", "-", "ab c"]

patterns = st.lists(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=6).map("".join), min_size=1, max_size=5)
paths = st.lists(st.lists(st.sampled_from(_NAMES), min_size=1, max_size=3).map("/".join), min_size=1, max_size=6)


def _our_walk(root: Path) -> list[str]:
    """The production walk (Repository.scan's plain-directory walk), before files are admitted by type."""
    return sorted(Repository(root=root)._walk(IgnoreStack(), "", deadline=None))


def _tree(root: Path, ignore: list[str], files: list[str], nested: dict[str, list[str]]) -> list[str]:
    kept: list[str] = []
    for path in files:  # no path may be both a file and a folder
        if not any(q == path or q.startswith(path + "/") or path.startswith(q + "/") for q in kept):
            kept.append(path)
    for path in kept:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text("x")
    (root / ".gitignore").write_text("\n".join(ignore) + "\n", encoding="utf-8", newline="")
    for folder, lines in nested.items():
        if (root / folder).is_dir():
            (root / folder / ".gitignore").write_text("\n".join(lines) + "\n", encoding="utf-8", newline="")
    return kept


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ignore=patterns, files=paths, nested_lines=patterns, nested_at=st.sampled_from(["a", "b", "ab", "a/b"]))
def test_the_walk_ignores_exactly_what_git_ignores(ignore: list[str], files: list[str], nested_lines: list[str],
                                                   nested_at: str) -> None:
    base = Path(tempfile.mkdtemp(prefix="ignore-"))
    try:
        _tree(base, ignore, files, {nested_at: nested_lines})
        git(base, "init", "-q")
        listed = git(base, "ls-files", "-z", "--others", "--exclude-standard")
        theirs = sorted(p for p in listed.split("\0") if p)
        assert _our_walk(base) == theirs
    finally:
        shutil.rmtree(base)


@pytest.mark.parametrize(("lines", "path", "is_dir", "expected"), [
    (["*.log"], "a/b.log", False, True),
    (["/build"], "build", True, True),
    (["/build"], "src/build", True, None),
    (["doc/"], "doc", False, None),  # a folder pattern does not match a file
    (["doc/"], "x/doc", True, True),
    (["a**/b"], "ax/y/b", False, True),  # git: `**` right after a literal prefix counts as delimited
    (["[!/.c]"], "b", True, True),  # a slash inside brackets still anchors the pattern
    (["[z-a]"], "z", False, True),  # wildmatch: 'z' is a member, the reversed range adds nothing
    (["foo\\ "], "foo ", False, True),  # an escaped trailing space stays
    (["foo  "], "foo", False, True),
    (["[abc"], "[abc", False, None),  # an unclosed bracket never matches
    (["x\\"], "x", False, None),
    (["*", "!keep"], "keep", False, False),
    (["?.py"], "é.py", False, None),  # git matches bytes: é is two
])
def test_git_rules(lines: list[str], path: str, is_dir: bool, expected: bool | None) -> None:
    rules = IgnoreFile("", [line.encode() for line in lines])
    assert rules.decide(path, is_dir) is expected


def test_configured_patterns_git_would_misread_are_refused() -> None:
    for bad in ("[z-a]", "[abc", "x\\", "[[:nope:]]"):
        with pytest.raises(InvalidPattern, match="invalid pattern"):
            IgnoreFile.from_patterns([bad])
    rules = IgnoreFile.from_patterns(["legacy/", "*.gen.py", "!keep.gen.py"])
    assert rules.excludes("legacy/a/b.py") and rules.excludes("x/y.gen.py")
    assert not rules.excludes("keep.gen.py") and not rules.excludes("src/legacy.py")


@pytest.mark.parametrize("pattern", ["*a*a*a*a*a*a*a*a*a*a*a*ab", "**a**a**a**a**a**a**a**ab", "*a?*a?*a?*a?*a?*b"])
def test_pathological_patterns_are_linear(tmp_path: Path, pattern: str) -> None:
    # Not a timing assertion: with backtracking each of these takes minutes and the suite's timeout would fire.
    name = "a" * 120
    assert not IgnoreFile.from_patterns([pattern]).excludes(f"app/{name}.py")
    (tmp_path / ".gitignore").write_text(pattern + "\n")
    for i in range(50):
        (tmp_path / f"{name}{i}.py").write_text("x = 1\n")
    r = Repository.scan(tmp_path, excludes=(pattern,))
    assert len(r.files) == 51


def test_a_huge_ignore_file_is_matched_in_chunks() -> None:
    lines = [f"dir{i}/*.x".encode() for i in range(2_000)] + [b"!dir7/keep.x"]
    rules = IgnoreFile("", lines)
    assert rules.decide("dir1999/a.x", False) is True
    assert rules.decide("dir7/keep.x", False) is False
    assert rules.decide("dir7/a.y", False) is None


def test_git_check_ignore_agrees_on_a_pathological_name(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    (tmp_path / ".gitignore").write_text("*a*a*ab\n")
    (tmp_path / "aaab").write_text("x")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    assert _our_walk(tmp_path) == [".gitignore"]
