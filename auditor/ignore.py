"""Gitignore matching in linear time, exactly as git applies `.gitignore` files to a walk of the work tree.

Each pattern is translated, following git's own rules (dir.c's pattern parsing and wildmatch.c's glob
semantics, byte for byte), into a regular expression for RE2 (`google-re2`), whose automaton runs in time
linear in the path whatever the pattern: `*a*a*a*a*a*a*a*ab` against a long name costs what any other pattern
costs, where Python's `re`, pathspec's translation matched by `re`, and git's own backtracking wildmatch take
exponential time. pathspec was not kept: it departs from git on slashes inside brackets, escaped trailing
spaces, `[z-a]`, unclosed brackets and `**` after a literal prefix (tests/test_ignore.py compares this module
with `git ls-files --others --exclude-standard` on generated patterns and paths).

`IgnoreStack` applies a tree of ignore files as git's walk does: a path is decided by the deepest file with a
matching pattern (the last matching line of that file wins), then by shallower ones, then by `info/exclude`;
an ignored directory is not entered, so nothing below it can be re-included.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import re2

__all__ = ["IgnoreFile", "IgnoreStack", "InvalidPattern", "parse_ignore_file"]

_CHUNK = 200  # patterns per RE2 set: keeps each automaton small whatever the size of a .gitignore


class InvalidPattern(ValueError):
    """A pattern git would read as something other than it appears to mean; the message names it."""

    def __init__(self, pattern: str, reason: str) -> None:
        super().__init__(f"invalid pattern {pattern!r}: {reason}")
        self.pattern = pattern


def _options() -> re2.Options:
    options = re2.Options()
    options.encoding = re2.Options.Encoding.LATIN1  # git matches bytes: one `?` is one byte
    options.dot_nl = True
    options.log_errors = False
    options.never_capture = True
    options.max_mem = 32 << 20
    return options


def parse_ignore_file(data: bytes) -> list[bytes]:
    """The lines of an ignore file as git reads them: a UTF-8 BOM skipped, split on LF only, a CR before
    the LF dropped (every other byte belongs to the pattern)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return [raw[:-1] if raw.endswith(b"\r") else raw for raw in data.split(b"\n")]


def _trim_trailing_spaces(line: bytes) -> bytes:
    """git's trim_trailing_spaces: unescaped trailing spaces go; a line ending in a backslash is kept whole."""
    last_space = None
    i = 0
    while i < len(line):
        c = line[i]
        if c == 0x20:
            if last_space is None:
                last_space = i
        elif c == 0x5C:
            i += 1
            if i >= len(line):
                return line
            last_space = None
        else:
            last_space = None
        i += 1
    return line if last_space is None else line[:last_space]


@dataclass(frozen=True, slots=True)
class _Pattern:
    regex: bytes | None  # None: git can never match it
    negative: bool
    must_be_dir: bool
    basename: bool  # no slash: matched against the last path component at any depth


_CLASSES: dict[bytes, tuple[tuple[int, int], ...]] = {  # git's sane_ctype classes, ASCII only
    b"alnum": ((0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)), b"alpha": ((0x41, 0x5A), (0x61, 0x7A)),
    b"blank": ((0x20, 0x20), (0x09, 0x09)), b"cntrl": ((0x00, 0x1F), (0x7F, 0x7F)), b"digit": ((0x30, 0x39),),
    b"graph": ((0x21, 0x7E),), b"lower": ((0x61, 0x7A),), b"print": ((0x20, 0x7E),),
    b"punct": ((0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)), b"space": ((0x09, 0x0D), (0x20, 0x20)),
    b"upper": ((0x41, 0x5A),), b"xdigit": ((0x30, 0x39), (0x41, 0x46), (0x61, 0x66)),
}
_NOTHING = "[^\\x00-\\xff]"


def _byte(b: int) -> str:
    return f"\\x{b:02x}"


class _Never(Exception):
    """The pattern can never match (git's wildmatch aborts on it)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _ranges(ranges: list[tuple[int, int]]) -> str:
    return "".join(_byte(lo) if lo == hi else f"{_byte(lo)}-{_byte(hi)}" for lo, hi in ranges)


def _bracket(p: bytes, i: int) -> tuple[str, int, str | None]:
    """The RE2 class for the bracket expression at p[i] == '[' (wildmatch's reading), the index after it, and a
    doubt (a reversed range) that strict parsing refuses. A bracket never matches '/' (WM_PATHNAME)."""
    j = i + 1
    negated = j < len(p) and p[j] in b"!^"
    if negated:
        j += 1
    members: list[tuple[int, int]] = []
    doubt = None
    prev: int | None = None
    first = True
    while True:
        if j >= len(p):
            raise _Never("unclosed bracket")
        c = p[j]
        if c == 0x5D and not first:  # ']'
            break
        first = False
        if c == 0x5C:  # backslash: the next byte, literally
            j += 1
            if j >= len(p):
                raise _Never("unclosed bracket")
            members.append((p[j], p[j]))
            prev = p[j]
        elif c == 0x2D and prev is not None and j + 1 < len(p) and p[j + 1] != 0x5D:  # a range from prev
            j += 1
            high = p[j]
            if high == 0x5C:
                j += 1
                if j >= len(p):
                    raise _Never("unclosed bracket")
                high = p[j]
            if prev <= high:
                members.append((prev, high))
            else:
                doubt = f"reversed range {chr(prev)}-{chr(high)}"
            prev = None
        elif c == 0x5B and j + 1 < len(p) and p[j + 1] == 0x3A:  # '[:' a character class, if ':]' follows
            end = p.find(b"]", j + 2)
            if end < 0:
                raise _Never("unclosed bracket")
            if end - 1 >= j + 2 and p[end - 1] == 0x3A:
                name = p[j + 2 : end - 1]
                if name not in _CLASSES:
                    raise _Never(f"unknown character class [:{name.decode('latin-1')}:]")
                members.extend(_CLASSES[name])
                prev = None
                j = end
            else:  # no ':]': an ordinary '['
                members.append((c, c))
                prev = c
        else:
            members.append((c, c))
            prev = c
        j += 1
    if negated:
        return f"[^/{_ranges(members)}]", j + 1, doubt
    kept: list[tuple[int, int]] = []
    for lo, hi in members:
        if lo <= 0x2F <= hi:
            kept += [r for r in ((lo, 0x2E), (0x30, hi)) if r[0] <= r[1]]
        else:
            kept.append((lo, hi))
    return (f"[{_ranges(kept)}]" if kept else _NOTHING), j + 1, doubt


def _translate(p: bytes, start: int) -> tuple[str, str | None]:
    """RE2 syntax for the glob p[start:] as wildmatch reads it with WM_PATHNAME; the first position counts as
    following a slash (git matches the part after a pattern's literal prefix with a fresh wildmatch call)."""
    out: list[str] = []
    doubt = None
    i = start
    n = len(p)
    while i < n:
        c = p[i]
        if c == 0x3F:  # '?'
            out.append("[^/]")
            i += 1
        elif c == 0x2A:  # '*'
            j = i
            while j < n and p[j] == 0x2A:
                j += 1
            delimited_before = i == start or p[i - 1] == 0x2F
            after = p[j : j + 2]
            if j - i >= 2 and delimited_before and (j == n or after[:1] == b"/" or after == b"\\/"):
                if j == n:
                    out.append(".*")
                elif after[:1] == b"/":
                    out.append("(?:.*/)?")
                    j += 1
                else:
                    out.append(".*")
            else:
                out.append("[^/]*")
            i = j
        elif c == 0x5C:  # backslash
            if i + 1 >= n:
                raise _Never("trailing backslash")
            out.append(_byte(p[i + 1]))
            i += 2
        elif c == 0x5B:  # '['
            cls, i, bracket_doubt = _bracket(p, i)
            doubt = doubt or bracket_doubt
            out.append(cls)
        else:
            out.append(_byte(c))
            i += 1
    return "".join(out), doubt


def _simple_length(p: bytes) -> int:
    for i, c in enumerate(p):
        if c in b"*?[\\":
            return i
    return len(p)


def _compile(line: bytes) -> tuple[_Pattern | None, str | None]:
    """A pattern line as git parses it (None for a comment or a blank line), and a doubt for strict parsing."""
    if line.startswith(b"#"):
        return None, None
    line = _trim_trailing_spaces(line)
    if not line:
        return None, None
    negative = line.startswith(b"!")
    body = line[1:] if negative else line
    must_be_dir = body.endswith(b"/")
    if must_be_dir:
        body = body[:-1]
    basename = b"/" not in body
    try:
        if basename:
            regex, doubt = _translate(body, 0)
        else:
            anchored = body[1:] if body.startswith(b"/") else body
            prefix = _simple_length(anchored)
            rest, doubt = _translate(anchored, prefix)
            regex = "".join(_byte(b) for b in anchored[:prefix]) + rest
    except _Never as exc:
        return _Pattern(None, negative, must_be_dir, basename), exc.reason
    if not body:
        return _Pattern(None, negative, must_be_dir, basename), None
    return _Pattern(regex.encode("ascii"), negative, must_be_dir, basename), doubt


@dataclass
class _Chunked:
    """Patterns of one kind, matched chunk by chunk from the last: the highest matching index wins."""

    indexes: list[int] = field(default_factory=list)
    regexes: list[bytes] = field(default_factory=list)
    sets: list[tuple[Any, list[int]]] = field(default_factory=list)

    def add(self, index: int, regex: bytes) -> None:
        self.indexes.append(index)
        self.regexes.append(regex)

    def compile(self) -> None:
        for at in range(0, len(self.regexes), _CHUNK):
            s = re2.Set.FullMatchSet(_options())
            for regex in self.regexes[at : at + _CHUNK]:
                s.Add(regex)
            s.Compile()
            self.sets.append((s, self.indexes[at : at + _CHUNK]))

    def last_match(self, text: bytes) -> int:
        for s, indexes in reversed(self.sets):
            found: list[int] | None = s.Match(text)
            if found:
                best: int = max(indexes[k] for k in found)
                return best
        return -1


class IgnoreFile:
    """The patterns of one ignore file (or of the `exclude` configuration key), compiled for RE2."""

    def __init__(self, base: str, lines: Iterable[bytes], *, strict: bool = False) -> None:
        self.base = base  # the folder it applies to, relative to the work tree top ("" for the top)
        self._patterns: list[_Pattern] = []
        # (kind) -> chunks; kind = (basename?, for directories?)
        self._groups: dict[tuple[bool, bool], _Chunked] = {(b, d): _Chunked() for b in (True, False) for d in (True, False)}
        for raw in lines:
            pattern, doubt = _compile(raw)
            if strict and doubt is not None:
                raise InvalidPattern(raw.decode("utf-8", "replace"), doubt)
            if pattern is None or pattern.regex is None:
                continue
            index = len(self._patterns)
            self._patterns.append(pattern)
            self._groups[(pattern.basename, True)].add(index, pattern.regex)
            if not pattern.must_be_dir:
                self._groups[(pattern.basename, False)].add(index, pattern.regex)
        for group in self._groups.values():
            group.compile()

    @classmethod
    def from_bytes(cls, base: str, data: bytes) -> IgnoreFile:
        return cls(base, parse_ignore_file(data))

    @classmethod
    def from_patterns(cls, patterns: Sequence[str]) -> IgnoreFile:
        """Patterns given as configuration: refused (InvalidPattern) when git would read them oddly."""
        return cls("", [p.encode("utf-8", "surrogateescape") for p in patterns], strict=True)

    def __bool__(self) -> bool:
        return bool(self._patterns)

    def decide(self, path: str, is_dir: bool) -> bool | None:
        """True: ignored, False: re-included by a negation, None: no pattern of this file matches `path`."""
        if self.base:
            if not path.startswith(self.base + "/"):
                return None
            path = path[len(self.base) + 1 :]
        data = path.encode("utf-8", "surrogateescape")
        name = data.rsplit(b"/", 1)[-1]
        best = max(self._groups[(True, is_dir)].last_match(name), self._groups[(False, is_dir)].last_match(data))
        if best < 0:
            return None
        return not self._patterns[best].negative

    def excludes(self, path: str) -> bool:
        """Whether `path` (a file) is left out as if this were a .gitignore at the top: it or a folder above it."""
        parts = path.split("/")
        for depth in range(1, len(parts)):
            if self.decide("/".join(parts[:depth]), True):
                return True
        return bool(self.decide(path, False))


class IgnoreStack:
    """The ignore files in force at one folder of a walk: `info/exclude`, then `.gitignore`s from the top down."""

    def __init__(self, files: Iterable[IgnoreFile] = ()) -> None:
        self.files: list[IgnoreFile] = [f for f in files if f]

    def pushed(self, extra: IgnoreFile | None) -> IgnoreStack:
        return self if not extra else IgnoreStack([*self.files, extra])

    def ignored(self, path: str, is_dir: bool) -> bool:
        """Whether git ignores `path` (relative to the top), given that no folder above it is ignored."""
        for ignore in reversed(self.files):
            decision = ignore.decide(path, is_dir)
            if decision is not None:
                return decision
        return False
