"""A commit's tree from git objects, without touching the work tree or the target's `.git`.

`auditor pr` audits the merge base, and `auditor audit --ref` a tag or commit, without a checkout: the tree is
listed with `git ls-tree -r -l -z` and its blobs read with `git cat-file --batch`, both through `SafeGit` (so no
filter, hook or configuration of the target's runs, and nothing is written to its git directory), into a fresh
private temporary folder (0700) outside the target, which `Tree.close` removes. The audit then lists exactly
the files written (`Repository.scan(paths=...)`): a commit's tracked files, whatever its `.gitignore` says.

Only regular files are written (symbolic links and submodules are counted, as a scan counts them), each by
`O_CREAT | O_EXCL | O_NOFOLLOW` below folders we made ourselves; a path git lists that is not safe to use
(absolute, `..`, a `.git` part, not UTF-8) is counted and skipped. No network command ever runs: in a shallow
clone whose history does not reach the merge base, `merge_base` says so and the caller falls back.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from auditor.gitsafe import GitFailed, SafeGit
from auditor.repo import MAX_FILE_SIZE, unsafe_git_path

__all__ = ["ObjectsError", "Tree", "changed_paths", "is_shallow", "materialise", "merge_base", "renames", "resolve",
           "tree_id"]

BATCH_BYTES = 48 * 1024 * 1024  # blobs read per `git cat-file --batch` run
MAX_REF_LENGTH = 256
RENAME_LIMIT = 4000  # git's -l: files considered for rename detection
_SHA = re.compile(rb"^[0-9a-f]{40}([0-9a-f]{24})?$")


class ObjectsError(Exception):
    """A ref or tree cannot be read from the repository's objects; the message is one line."""


@dataclass
class Tree:
    """A commit's files (below the target's prefix) written to a private temporary folder."""

    root: Path
    commit: str
    paths: list[str] = field(default_factory=list)  # files written, relative to root
    skipped: Counter[str] = field(default_factory=Counter)

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Tree:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _check_ref(ref: str) -> None:
    if not ref or len(ref) > MAX_REF_LENGTH or ref.startswith("-") or any(ch in ref for ch in "\0\n\r") or ref != ref.strip():
        raise ObjectsError(f"{ref[:80]!r} is not a git ref or commit")


def resolve(git: SafeGit, ref: str) -> str | None:
    """The commit `ref` names (a branch, tag, remote branch or commit id), or None when there is none."""
    _check_ref(ref)
    try:
        out = git.run(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"]).strip()
    except GitFailed:
        return None
    return out.decode("ascii") if _SHA.match(out) else None


def merge_base(git: SafeGit, a: str, b: str) -> str | None:
    """The best common ancestor of two commits, or None when the history held here does not reach one."""
    try:
        out = git.run(["merge-base", "--end-of-options", a, b]).strip()
    except GitFailed:
        return None
    return out.decode("ascii") if _SHA.match(out) else None


def is_shallow(git: SafeGit) -> bool:
    try:
        return git.run(["rev-parse", "--is-shallow-repository"]).strip() == b"true"
    except GitFailed:
        return False


def tree_id(git: SafeGit, commit: str) -> str | None:
    """The id of the tree of `commit` below the target's prefix: equal trees, equal audits."""
    spec = f"{commit}:{git.prefix}" if git.prefix else f"{commit}^{{tree}}"
    try:
        out = git.run(["rev-parse", "--verify", "--quiet", "--end-of-options", spec]).strip()
    except GitFailed:
        return None
    return out.decode("ascii") if _SHA.match(out) else None


def _listing(git: SafeGit, commit: str) -> list[tuple[bytes, bytes, int, bytes]]:
    """(mode, object id, size, path) of every entry of the commit's tree below the prefix."""
    spec = f"{commit}:{git.prefix}" if git.prefix else commit
    try:
        out = git.run(["ls-tree", "-r", "-l", "-z", "--end-of-options", spec], timeout=120)
    except GitFailed as exc:
        raise ObjectsError(f"cannot list the tree of {commit[:12]}: {exc}") from None
    entries = []
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        parts = meta.split()
        if len(parts) != 4:
            continue
        mode, _kind, oid, size = parts
        entries.append((mode, oid, int(size) if size.isdigit() else -1, path))
    return entries


def _write(root: Path, rel: str, data: bytes, made: set[str]) -> None:
    parts = rel.split("/")
    for depth in range(1, len(parts)):
        folder = "/".join(parts[:depth])
        if folder not in made:
            os.mkdir(root / folder, 0o700)
            made.add(folder)
    fd = os.open(root / rel, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
                 | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def materialise(git: SafeGit, commit: str, *, max_file: int = MAX_FILE_SIZE) -> Tree:
    """The files of `commit` below the target's prefix, in a new private temporary folder (caller closes it)."""
    entries = _listing(git, commit)
    root = Path(tempfile.mkdtemp(prefix="auditor-tree-"))
    real = os.path.realpath(root)
    top = os.path.realpath(git.work_tree)
    if real == top or real.startswith(top.rstrip(os.sep) + os.sep):
        shutil.rmtree(root, ignore_errors=True)
        raise ObjectsError("the temporary folder lies inside the work tree; set TMPDIR elsewhere")
    tree = Tree(root, commit)
    try:
        wanted: list[tuple[bytes, int, str]] = []
        for mode, oid, size, raw in entries:
            if mode == b"120000":
                tree.skipped["symlink"] += 1
                continue
            if mode == b"160000":
                tree.skipped["submodule"] += 1
                continue
            if mode not in (b"100644", b"100755") or not _SHA.match(oid):
                tree.skipped["special file"] += 1
                continue
            if unsafe_git_path(raw) is not None:
                tree.skipped["unsafe path in the git tree"] += 1
                continue
            if size > max_file:
                tree.skipped["too large"] += 1
                continue
            wanted.append((oid, size, raw.decode("utf-8")))
        made: set[str] = set()
        start = 0
        while start < len(wanted):
            end, total = start, 0
            while end < len(wanted) and (end == start or total + wanted[end][1] <= BATCH_BYTES):
                total += max(0, wanted[end][1])
                end += 1
            batch = wanted[start:end]
            try:
                out = git.run(["cat-file", "--batch"], input=b"".join(oid + b"\n" for oid, _, _ in batch), timeout=300)
            except GitFailed as exc:
                raise ObjectsError(f"cannot read the files of {commit[:12]}: {exc}") from None
            pos = 0
            for oid, _, rel in batch:
                header_end = out.index(b"\n", pos)
                header = out[pos:header_end].split()
                if len(header) != 3 or header[1] != b"blob" or header[0] != oid:
                    raise ObjectsError(f"cannot read {rel} of {commit[:12]}: {b' '.join(header[1:]).decode('ascii', 'replace')}")
                size = int(header[2])
                data = out[header_end + 1 : header_end + 1 + size]
                pos = header_end + 1 + size + 1
                try:
                    _write(root, rel, data, made)
                except OSError:
                    tree.skipped["could not be written"] += 1
                    continue
                tree.paths.append(rel)
            start = end
    except BaseException:
        tree.close()
        raise
    return tree


def _diff(git: SafeGit, old: str, new: str, extra: list[str]) -> list[list[str]]:
    args = ["diff", "--name-status", "-z", "--no-ext-diff", "--no-textconv", *extra]
    if git.prefix:
        args.append(f"--relative={git.prefix}/")
    try:
        out = git.run([*args, "--end-of-options", old, new], timeout=120)
    except GitFailed as exc:
        raise ObjectsError(f"cannot compare {old[:12]} with {new[:12]}: {exc}") from None
    fields = out.split(b"\0")
    records: list[list[str]] = []
    i = 0
    while i < len(fields) and fields[i]:
        status = fields[i].decode("ascii", "replace")
        width = 2 if status[:1] in ("R", "C") else 1
        paths = [p.decode("utf-8", "surrogateescape") for p in fields[i + 1 : i + 1 + width]]
        records.append([status, *paths])
        i += 1 + width
    return records


def renames(git: SafeGit, old: str, new: str) -> dict[str, str]:
    """Old path to new path of every file git's rename detection (`git diff -M`) says moved between two commits,
    relative to the target."""
    return {r[1]: r[2] for r in _diff(git, old, new, ["-M", f"-l{RENAME_LIMIT}"]) if r[0].startswith("R") and len(r) == 3}


def changed_paths(git: SafeGit, old: str, new: str) -> list[str]:
    """The paths (relative to the target) that differ between two commits."""
    return sorted({p for r in _diff(git, old, new, ["--no-renames"]) for p in r[1:]})
