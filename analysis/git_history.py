"""Secrets in the git history: every distinct blob reachable from HEAD's recent commits, read once, through git only.

`--git-history` (or `git_history = true` in `[tool.auditor]`) asks for it; without it nothing of the history is
read. The scan goes through the hardened git layer (auditor/gitsafe.py): git runs against the private shim git
directory with the target's configuration never read, so no filter, textconv, diff driver or hook can run:

* `git log --raw` (no content is diffed, so no diff driver or textconv is consulted, `--no-ext-diff
  --no-textconv` as defence in depth) lists, per commit, the blobs it added or changed;
* each distinct blob is read once through gitpython's object database (`git cat-file --batch`, which applies no
  filter), on a `Repo` opened by `SafeGit.gitpython()` with the shim's environment;
* each blob's bytes go through the same scanner as the work tree's files (analysis/secrets.py: placeholders,
  lock files, example files, the same flags), with the path the blob had in that commit.

A value is told apart by its keyed fingerprint (never kept itself). The blobs of HEAD's tree are read first, so
that a value still present in HEAD is known as such; for every other value the oldest commit of the window in
which it appears is its introducing commit: it was committed and later removed, and is still leaked.

Bounded: at most `max_commits` commits (the newest ones), at most `max_seconds` (and never past the audit's
deadline), blobs larger than the work tree's file limit or binary are skipped. The result says how many commits
and blobs were read, how long it took and whether a cap cut it short.
"""

from __future__ import annotations

import contextlib
import functools
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from analysis.model import SecretHit
from analysis.secrets import scan_secrets
from auditor import gitsafe
from auditor.ignore import IgnoreFile
from auditor.repo import (
    _BINARY_EXTENSIONS,
    _GENERATED_NAMES,
    EXCLUDED_DIRS,
    MAX_FILE_SIZE,
    SNIFF_BYTES,
    classify_language,
    classify_role,
    unsafe_git_path,
)

if TYPE_CHECKING:
    import git

__all__ = ["DEFAULT_MAX_COMMITS", "DEFAULT_MAX_SECONDS", "HistoryHit", "HistoryScan", "scan_history"]

DEFAULT_MAX_COMMITS = 1000
DEFAULT_MAX_SECONDS = 30.0
_REGULAR_MODES = frozenset({b"100644", b"100755", b"100664"})  # blobs; not symlinks (120000) nor gitlinks (160000)
_NULL_SHA = frozenset({"0" * 40, "0" * 64})
_KEEP_BYTES = 64 * 1024 * 1024  # bytes of blobs met under several paths kept until each path is scanned


@dataclass(frozen=True, slots=True)
class HistoryHit:
    """A secret-shaped value found in a blob of the history, at the commit that introduced it (no value kept)."""

    commit: str  # full id of the oldest commit of the scanned window holding the value
    path: str  # the blob's path in that commit, relative to the target
    language: str
    role: str
    hit: SecretHit
    present: bool  # the value is still in HEAD's tree (the work-tree check reports it; this says since when)

    @property
    def short(self) -> str:
        return self.commit[:10]

    @property
    def value_key(self) -> tuple[str, str]:
        return self.hit.kind, self.hit.fingerprint


@dataclass(frozen=True, slots=True)
class HistoryScan:
    """What the history scan read and found. `error` says why it could not run at all."""

    hits: tuple[HistoryHit, ...] = ()
    commits: int = 0  # commits of the window listed
    blobs: int = 0  # distinct blobs read and scanned
    seconds: float = 0.0
    truncated: bool = False  # a cap (commits, seconds, the audit's deadline) cut the scan short
    reason: str | None = None  # which cap, in words
    error: str | None = None
    max_commits: int = DEFAULT_MAX_COMMITS
    max_seconds: float = DEFAULT_MAX_SECONDS
    _introduced: dict[tuple[str, str], HistoryHit] = field(default_factory=dict, compare=False, repr=False)

    def introduced(self, kind: str, fingerprint: str) -> HistoryHit | None:
        """The history hit that introduced a value (by kind and fingerprint), if the window holds it."""
        if not self._introduced and self.hits:
            self._introduced.update((h.value_key, h) for h in self.hits)
        return self._introduced.get((kind, fingerprint))

    @property
    def removed(self) -> tuple[HistoryHit, ...]:
        return tuple(h for h in self.hits if not h.present)


@dataclass(slots=True)
class _Entry:
    commit: str
    path: str  # relative to the target
    blob: str


def _eligible(path: str) -> bool:
    """Whether the work-tree scan would read a file at `path` (no vendored folder, binary or generated name)."""
    parts = path.split("/")
    if any(part in EXCLUDED_DIRS for part in parts[:-1]):
        return False
    name = parts[-1]
    return PurePosixPath(name).suffix.lower() not in _BINARY_EXTENSIONS and not _GENERATED_NAMES.search(name)


def _relative(raw: bytes, prefix: str, excludes: IgnoreFile | None) -> str | None:
    """The target-relative path of a path git listed, or None when it is outside the target or not scanned."""
    if unsafe_git_path(raw) is not None:
        return None
    path = raw.decode("utf-8")
    if prefix:
        if not path.startswith(prefix + "/"):
            return None
        path = path[len(prefix) + 1 :]
    if not path.isprintable() or not _eligible(path):
        return None
    if excludes is not None and excludes.excludes(path):
        return None
    return path


def parse_raw_log(out: bytes, prefix: str, excludes: IgnoreFile | None) -> tuple[list[str], list[_Entry]]:
    """Commits (newest first) and the blobs each added or changed, from `git log --raw -z --format=%x01%H`."""
    commits: list[str] = []
    entries: list[_Entry] = []
    tokens = iter(out.split(b"\0"))
    for token in tokens:
        token = token.lstrip(b"\n")
        if token.startswith(b"\x01"):
            commits.append(token[1:].decode("ascii", "replace"))
        elif token.startswith(b":"):
            path_raw = next(tokens, b"")
            meta = token[1:].split(b" ")
            if len(meta) < 5 or not commits or meta[1] not in _REGULAR_MODES or meta[4][:1] not in (b"A", b"M", b"T"):
                continue
            blob = meta[3].decode("ascii", "replace")
            path = _relative(path_raw, prefix, excludes)
            if path is not None and blob not in _NULL_SHA:
                entries.append(_Entry(commits[-1], path, blob))
    return commits, entries


def _head_tree(g: gitsafe.SafeGit, prefix: str, excludes: IgnoreFile | None, timeout: float) -> list[tuple[str, str]]:
    """(target-relative path, blob id) of every scannable blob of HEAD's tree."""
    out = g.run(["ls-tree", "-r", "-z", "--full-tree", "HEAD"], timeout=timeout)
    found: list[tuple[str, str]] = []
    for record in out.split(b"\0"):
        meta, tab, raw = record.partition(b"\t")
        parts = meta.split(b" ")
        if not tab or len(parts) != 3 or parts[1] != b"blob" or parts[0] not in _REGULAR_MODES:
            continue
        path = _relative(raw, prefix, excludes)
        if path is not None:
            found.append((path, parts[2].decode("ascii", "replace")))
    return found


class _BlobStream:
    """The bytes of many blobs, in the order asked, from one `git cat-file --batch` process that gitpython starts
    with the shim's environment (cat-file applies no filter or textconv without `--filters`/`--textconv`).

    The ids are written by a thread while the blobs are read, so git never waits for a request: one request
    after the other cost a process round trip each (2 ms a blob, 80% of the scan). A timer kills the process at
    the deadline, so even a stalled read ends.
    """

    def __init__(self, repo: git.Repo, blobs: list[str], seconds: float) -> None:
        self.proc = repo.git.cat_file("--batch", as_process=True, istream=subprocess.PIPE)
        self.blobs = blobs
        self.killed = threading.Event()
        self.timer = threading.Timer(max(0.0, seconds), self._kill)
        self.timer.daemon = True
        self.writer = threading.Thread(target=self._write, daemon=True)

    def _kill(self) -> None:
        self.killed.set()
        with contextlib.suppress(OSError):
            self.proc.proc.kill()

    def _write(self) -> None:
        stdin = self.proc.proc.stdin
        try:
            for blob in self.blobs:
                stdin.write(blob.encode("ascii") + b"\n")
        except (OSError, ValueError):  # the process died or was killed: the reader sees the end
            pass
        finally:
            with contextlib.suppress(OSError, ValueError):
                stdin.close()

    def __iter__(self) -> Iterator[tuple[str, bytes | None]]:
        """(blob id, bytes or None when too large, binary or missing); stops early when the process ends."""
        self.timer.start()
        self.writer.start()
        stdout = self.proc.proc.stdout
        for blob in self.blobs:
            header = stdout.readline()
            if not header.endswith(b"\n"):
                return  # killed at the deadline, or git failed
            parts = header.split()
            if len(parts) != 3:
                yield blob, None  # "<id> missing"
                continue
            size = int(parts[2])
            if parts[1] != b"blob" or size > MAX_FILE_SIZE:
                left = size + 1
                while left > 0:
                    piece = stdout.read(min(left, 1 << 20))
                    if not piece:
                        return
                    left -= len(piece)
                yield blob, None
                continue
            data = stdout.read(size + 1)
            if len(data) != size + 1:
                return
            data = data[:-1]
            yield blob, None if b"\0" in data[:SNIFF_BYTES] else data

    def close(self) -> None:
        self.timer.cancel()
        with contextlib.suppress(OSError):
            self.proc.proc.kill()
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            self.proc.proc.wait(timeout=5)
        self.writer.join(timeout=5)
        for stream in (self.proc.proc.stdout, self.proc.proc.stderr):
            with contextlib.suppress(OSError, AttributeError):
                stream.close()


def scan_history(root: Path, *, max_commits: int = DEFAULT_MAX_COMMITS, max_seconds: float = DEFAULT_MAX_SECONDS,
                 excludes: tuple[str, ...] = (), deadline: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> HistoryScan:
    """Scan the newest `max_commits` commits reachable from HEAD of the work tree around `root` for secrets."""
    started = clock()
    stop = started + max_seconds
    if deadline is not None:
        stop = min(stop, deadline)
    caps = functools.partial(HistoryScan, max_commits=max_commits, max_seconds=max_seconds)
    opened = gitsafe.open_repository(root, deadline=time.monotonic() + max(0.0, stop - clock()))
    if isinstance(opened, str):
        return caps(error=opened)
    rules = IgnoreFile.from_patterns(excludes) if excludes else None
    with opened as g:
        try:
            g.run(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], timeout=max(0.1, stop - clock()))
        except gitsafe.GitFailed:
            return caps(error="no commit yet", seconds=round(clock() - started, 3))
        try:
            out = g.run(["log", "--no-color", "--raw", "--no-renames", "--no-abbrev", "--no-ext-diff", "--no-textconv",
                         "--diff-merges=first-parent", "-z", "--format=%x01%H", f"--max-count={max_commits + 1}",
                         "HEAD", "--"], timeout=max(0.1, stop - clock()))
            head = _head_tree(g, opened.prefix, rules, timeout=max(0.1, stop - clock()))
        except gitsafe.GitFailed as exc:
            return caps(error=str(exc), seconds=round(clock() - started, 3))
        commits, entries = parse_raw_log(out, opened.prefix, rules)
        truncated, reason = False, None
        if len(commits) > max_commits:
            cut = commits[max_commits]
            commits = commits[:max_commits]
            entries = [e for e in entries if e.commit != cut]
            truncated, reason = True, f"only the newest {max_commits} commits were read (max_commits)"
        window = list(_oldest_first(commits, entries))
        repo = opened.gitpython()
        try:
            hits, blobs, stopped = _scan(repo, head, window, stop, clock)
        finally:
            repo.close()
    if stopped:
        truncated = True
        reason = f"stopped after {max_seconds:g}s (max_seconds)" if stop < (deadline or float("inf")) else \
            "stopped at the audit's time budget"
    return caps(hits=hits, commits=len(commits), blobs=blobs, seconds=round(clock() - started, 3), truncated=truncated,
                reason=reason)


def _oldest_first(commits: list[str], entries: list[_Entry]) -> Iterator[_Entry]:
    """Entries ordered by commit, oldest first (git log lists newest first; within a commit, in path order)."""
    order = {c: i for i, c in enumerate(reversed(commits))}
    yield from sorted(entries, key=lambda e: order.get(e.commit, 0))


def _scan(repo: git.Repo, head: list[tuple[str, str]], window: list[_Entry], stop: float,
          clock: Callable[[], float]) -> tuple[tuple[HistoryHit, ...], int, bool]:
    """(hits at their introducing commits, distinct blobs read, whether time ran out)."""
    needs = [*head, *((e.path, e.blob) for e in window)]  # (path, blob), in the order they are judged
    paths: dict[str, set[str]] = {}
    for path, blob in needs:
        paths.setdefault(blob, set()).add(path)
    order = list(dict.fromkeys(blob for _, blob in needs))
    # A blob met under several paths is scanned under each (the path sets the flags: `.env`, an example file);
    # its bytes are kept until then, within a budget, else it is scanned under its first path only.
    hits: dict[tuple[str, str], tuple[SecretHit, ...]] = {}
    first: dict[str, str] = {}
    kept = 0
    stream = _BlobStream(repo, order, stop - clock())
    read = 0
    try:
        for blob, data in stream:
            read += 1
            names = sorted(paths[blob])
            if len(names) > 1 and data is not None and kept + len(data) > _KEEP_BYTES:
                names = names[:1]
            kept += len(data) * (len(names) > 1) if data is not None else 0
            for name in names:
                hits[(blob, name)] = scan_secrets(name, data) if data is not None else ()
            first[blob] = names[0]
            if clock() >= stop:
                break
    finally:
        stream.close()
    stopped = read < len(order)

    def found(path: str, blob: str) -> tuple[SecretHit, ...] | None:
        if blob not in first:
            return None
        return hits.get((blob, path), hits[(blob, first[blob])])

    present: set[tuple[str, str]] = set()
    for path, blob in head:
        got = found(path, blob)
        if got is None:
            return (), read, True  # without all of HEAD a value still present could be taken for a removed one
        present.update((h.kind, h.fingerprint) for h in got)
    introduced: dict[tuple[str, str], HistoryHit] = {}
    for entry in window:
        got = found(entry.path, entry.blob)
        if got is None:
            break
        for hit in got:
            key = (hit.kind, hit.fingerprint)
            if key not in introduced:
                language = classify_language(entry.path)
                introduced[key] = HistoryHit(entry.commit, entry.path, language, classify_role(entry.path, language),
                                             hit, key in present)
    return tuple(introduced.values()), read, stopped
