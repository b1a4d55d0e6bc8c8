"""Git through the shim: the target's git configuration never reaches git, discovery is ours, paths are checked."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from auditor import gitsafe
from auditor.repo import Repository
from tests.helpers import git, git_init, write_index, write_tree

BARE = "def f():\n    try:\n        g()\n    except:\n        pass\n"


def _markers(tmp_path: Path) -> Path:
    markers = tmp_path / "markers"
    markers.mkdir(exist_ok=True)
    return markers


def _age_files(root: Path) -> None:
    """Set back every work-tree file's mtime: git status then re-reads (and would filter) every tracked file."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in filenames:
            os.utime(os.path.join(dirpath, name), (1, 1), follow_symlinks=False)


def _append_config(root: Path, text: bytes) -> None:
    with open(root / ".git" / "config", "ab") as fh:
        fh.write(text)


@pytest.mark.parametrize("driver", [b"x=y", b"ev\xffil", b"a.b", b"with space", b"\xc3(", b"=", b"x=y=z"])
def test_filter_drivers_never_run_whatever_their_name(tmp_path: Path, driver: bytes) -> None:
    markers = _markers(tmp_path)
    root = write_tree(tmp_path / "t", {"app.py": BARE, "b.json": "{}"})
    (root / ".gitattributes").write_bytes(b"* filter=" + driver + b" diff=" + driver + b"\n")
    git_init(root)
    touch = f"touch {markers}/".encode()
    _append_config(root, b'[filter "' + driver + b'"]\n\tclean = "' + touch + b'clean; cat"\n\tsmudge = "' + touch
                   + b'smudge; cat"\n\tprocess = "' + touch + b'process"\n\trequired = true\n'
                   + b'[diff "' + driver + b'"]\n\ttextconv = "' + touch + b'textconv"\n')
    _age_files(root)
    r = Repository.scan(root)
    assert r.git is not None and r.git_error is None and r.git.commit is not None
    assert sorted(p.name for p in markers.iterdir()) == []
    assert [f.path for f in r.files] == [".gitattributes", "app.py", "b.json"]


def test_include_path_and_conditional_includes_are_never_read(tmp_path: Path) -> None:
    markers = _markers(tmp_path)
    outside = tmp_path / "outside.cfg"
    outside.write_text(f'[filter "evil"]\n\tclean = touch {markers}/included; cat\n\trequired = true\n'
                       f'[core]\n\tfsmonitor = touch {markers}/fsmonitor\n')
    root = write_tree(tmp_path / "t", {"app.py": BARE, ".gitattributes": "*.py filter=evil\n"})
    git_init(root)
    git(root, "config", "include.path", str(outside))
    git(root, "config", f"includeIf.gitdir:{root}/.path", str(outside))
    git(root, "config", "core.attributesFile", str(outside))
    _age_files(root)
    r = Repository.scan(root)
    assert r.git is not None and r.git_error is None
    assert sorted(p.name for p in markers.iterdir()) == []


def test_committed_fake_git_dir_in_a_subfolder_is_just_files(tmp_path: Path) -> None:
    markers = _markers(tmp_path)
    origin = write_tree(tmp_path / "origin", {f"services/api/app{i}.py": BARE for i in range(5)})
    fake = origin / "services" / "api"
    write_tree(fake, {
        "HEAD": "ref: refs/heads/main\n",
        "config": f"[core]\n\tworktree = .\n\tbare = false\n[filter \"evil\"]\n\tclean = touch {markers}/fake; cat\n",
        "refs/heads/.keep": "", "objects/.keep": "", "info/exclude": "*.py\n", "index": "not an index",
        ".gitattributes": "*.py filter=evil\n",
    })
    git_init(origin)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(origin), str(clone)], check=True, capture_output=True)
    head = git(clone, "rev-parse", "HEAD").strip()
    r = Repository.scan(clone / "services" / "api")
    assert r.git is not None and r.git.commit == head and r.git.branch == "main"
    assert [f"app{i}.py" for i in range(5)] == [f.path for f in r.files if f.path.endswith(".py")]
    assert sorted(p.name for p in markers.iterdir()) == []


def _outside_repo(tmp_path: Path) -> Path:
    other = write_tree(tmp_path / "elsewhere", {"secret.py": BARE})
    git_init(other)
    return other


@pytest.mark.parametrize("kind", ["gitdir-file", "gitdir-file-relative", "symlink", "worktree", "commondir"])
def test_a_git_dir_outside_the_work_tree_is_not_used_and_the_report_says_why(tmp_path: Path, kind: str) -> None:
    other = _outside_repo(tmp_path)
    root = write_tree(tmp_path / "t", {"app.py": BARE})
    if kind == "gitdir-file":
        (root / ".git").write_text(f"gitdir: {other / '.git'}\n")
    elif kind == "gitdir-file-relative":
        (root / ".git").write_text("gitdir: ../elsewhere/.git\n")
    elif kind == "symlink":
        os.symlink(other / ".git", root / ".git")
    elif kind == "worktree":
        (root / "app.py").unlink()
        root.rmdir()
        git(other, "worktree", "add", "-q", str(root))
        (root / "app.py").write_text(BARE)
    else:
        git_init(root)
        (root / ".git" / "commondir").write_text(str(other / ".git") + "\n")
    r = Repository.scan(root)
    assert r.git is None and r.git_error
    assert "app.py" in [f.path for f in r.files]
    if kind != "worktree":  # a linked worktree has the repository's own files checked out
        assert "secret.py" not in [f.path for f in r.files]


@pytest.mark.parametrize("bad", ["/etc/passwd", "../outside/secret.txt", ".git/config", "a/../../x", "sub/.GIT/hooks/x",
                                 b"bad\xff.py", "a//b"])
def test_one_unsafe_index_entry_means_git_is_not_used(tmp_path: Path, bad: str | bytes) -> None:
    root = write_tree(tmp_path / "t", {"app.py": BARE})
    git_init(root)
    blob = git(root, "hash-object", "-w", "app.py").strip()
    write_index(root / ".git", [("app.py", blob), (bad, blob)])
    r = Repository.scan(root)
    assert r.git is None and r.git_error is not None and "unsafe path" in r.git_error
    assert [f.path for f in r.files] == ["app.py"]


@pytest.mark.parametrize("attack", ["alternates", "objects-symlink", "loose-symlink", "head-symlink", "refs-symlink",
                                    "packed-refs-fifo", "index-fifo", "index-symlink", "config-fifo", "huge-refs"])
def test_a_git_dir_that_reaches_outside_or_blocks_is_refused(tmp_path: Path, attack: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    other = _outside_repo(tmp_path)
    root = write_tree(tmp_path / "t", {"app.py": BARE})
    git_init(root)
    g = root / ".git"
    if attack == "alternates":
        (g / "objects" / "info" / "alternates").write_text(str(other / ".git" / "objects") + "\n")
    elif attack == "objects-symlink":
        os.symlink(other / ".git" / "objects", g / "objects" / "pack" / "evil")
    elif attack == "loose-symlink":
        fan = next(p for p in (g / "objects").iterdir() if len(p.name) == 2)
        os.symlink(other / "secret.py", fan / ("0" * 38))
    elif attack == "head-symlink":
        (g / "HEAD").unlink()
        os.symlink(other / ".git" / "HEAD", g / "HEAD")
    elif attack == "refs-symlink":
        os.symlink(other / ".git" / "refs" / "heads", g / "refs" / "evil")
    elif attack == "packed-refs-fifo":
        os.mkfifo(g / "packed-refs")
    elif attack == "index-fifo":
        (g / "index").unlink()
        os.mkfifo(g / "index")
    elif attack == "index-symlink":
        (g / "index").unlink()
        os.symlink(other / ".git" / "index", g / "index")
    elif attack == "config-fifo":
        (g / "config").unlink()
        os.mkfifo(g / "config")
    else:
        monkeypatch.setattr(gitsafe, "MAX_COPIED_FILES", 5)
        for i in range(10):
            (g / "refs" / "tags" / f"t{i}").write_text(git(root, "rev-parse", "HEAD"))
    r = Repository.scan(root)
    assert r.git is None and r.git_error
    assert [f.path for f in r.files] == ["app.py"]


def test_the_shim_is_private_and_removed(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "t", {"app.py": BARE})
    git_init(root)
    opened = gitsafe.open_repository(root)
    assert isinstance(opened, gitsafe.SafeGit)
    with opened as g:
        private = g.shim.parent
        assert stat.S_IMODE(os.stat(private).st_mode) == 0o700
        assert not str(private).startswith(str(root))
        config = (g.shim / "config").read_text()
        assert "filter" not in config and "include" not in config
        assert g.run(["rev-parse", "--show-toplevel"]).decode().strip() == str(root)
    assert not private.exists()


def test_the_targets_own_git_executable_never_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    markers = _markers(tmp_path)
    root = write_tree(tmp_path / "t", {"app.py": BARE, "git": f"#!/bin/sh\ntouch {markers}/fake-git\n"})
    (root / "git").chmod(0o755)
    git_init(root)
    monkeypatch.chdir(root)
    monkeypatch.setenv("PATH", ".:" + os.environ["PATH"] + ":")  # "." and an empty entry: the current directory
    r = Repository.scan(".")
    assert r.git is not None and r.git.commit is not None
    assert sorted(p.name for p in markers.iterdir()) == []


def test_sha256_repositories_keep_their_object_format(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "t", {"app.py": BARE})
    git(root, "init", "-q", "-b", "main", "--object-format=sha256")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "one")
    r = Repository.scan(root)
    assert r.git is not None and r.git.commit is not None and len(r.git.commit) == 64 and r.git.dirty is False


def test_gitpython_reads_history_through_the_shim(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = _outside_repo(tmp_path)
    markers = _markers(tmp_path)
    root = write_tree(tmp_path / "t", {"app.py": BARE, ".gitattributes": "*.py filter=evil diff=evil\n"})
    git_init(root)
    (root / "app.py").write_text(BARE + "x = 1\n")
    git(root, "commit", "-q", "-am", "second")
    git(root, "config", "filter.evil.clean", f"touch {markers}/clean; cat")
    git(root, "config", "diff.evil.textconv", f"touch {markers}/textconv")
    _age_files(root)
    # A caller's git variables (a hook's GIT_DIR) must not redirect gitpython either.
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(other))
    monkeypatch.setenv("GIT_INDEX_FILE", str(other / ".git" / "index"))
    opened = gitsafe.open_repository(root)
    assert isinstance(opened, gitsafe.SafeGit)
    with opened as g:
        repo = g.gitpython()
        try:
            head = git(root, "rev-parse", "HEAD").strip()
            assert repo.head.commit.hexsha == head
            assert [c.message.strip() for c in repo.iter_commits()] == ["second", "initial"]
            assert repo.active_branch.name == "main"
            assert sorted(repo.git.ls_files().splitlines()) == [".gitattributes", "app.py"]
            diff = repo.git.diff("HEAD~1", "HEAD", "--", "app.py")
            assert "+x = 1" in diff
            assert repo.git.status("--porcelain") == ""
            assert str(repo.working_tree_dir) == str(root)
            assert not repo.config_reader("repository").has_section('filter "evil"')
        finally:
            repo.close()
    assert sorted(p.name for p in markers.iterdir()) == []
