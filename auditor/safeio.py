"""The one way the auditor opens a file it did not write: a target's file or a file the user named.

`read_file` looks at the path with `lstat` before opening it, so a FIFO, a device node or a socket is never
opened at all (opening a tape device rewinds it, opening a FIFO blocks); it then opens with `O_NOFOLLOW`,
`O_NONBLOCK` and `O_NOCTTY`, checks with `fstat` that it holds the same regular file it looked at (nothing was
swapped in between), and reads at most `limit` bytes. Every refusal is an `UnreadableFile` whose message is a
short reason fit for a one-line error.
"""

from __future__ import annotations

import os
import stat

__all__ = ["UnreadableFile", "describe_mode", "read_file"]

_FLAGS = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
          | getattr(os, "O_CLOEXEC", 0))


class UnreadableFile(Exception):
    """A file that was not read; the message says why ("a named pipe (FIFO)", "larger than 4194304 bytes")."""

    def __init__(self, reason: str, *, missing: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.missing = missing


def describe_mode(mode: int) -> str:
    """What kind of file a mode describes, in words."""
    for test, words in ((stat.S_ISREG, "a regular file"), (stat.S_ISDIR, "a directory"), (stat.S_ISLNK, "a symbolic link"),
                        (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
                        (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return words
    return "not a regular file"


def read_file(path: str | os.PathLike[str], limit: int, *, truncate: bool = True, follow: bool = False) -> bytes:
    """At most `limit` bytes of the regular file at `path`.

    With `truncate=False` a longer file is refused instead of cut. `follow=True` (only for a file the user named
    on the command line, never for one of the target's) resolves symbolic links first; the file they lead to must
    still be a regular file.
    """
    try:
        name = os.path.realpath(path) if follow else os.fspath(path)
        before = os.lstat(name)
    except FileNotFoundError:
        raise UnreadableFile("not found", missing=True) from None
    except (OSError, ValueError) as exc:  # ValueError: an embedded NUL byte
        raise UnreadableFile(_reason(exc)) from None
    if not stat.S_ISREG(before.st_mode):
        raise UnreadableFile(f"not a regular file: {describe_mode(before.st_mode)}")
    if not truncate and before.st_size > limit:
        raise UnreadableFile(f"larger than {limit} bytes")
    try:
        fd = os.open(name, _FLAGS)
    except OSError as exc:
        raise UnreadableFile(_reason(exc), missing=isinstance(exc, FileNotFoundError)) from None
    try:
        after = os.fstat(fd)
        if not stat.S_ISREG(after.st_mode) or (after.st_dev, after.st_ino) != (before.st_dev, before.st_ino):
            raise UnreadableFile("changed while it was opened")
        chunks = []
        remaining = limit + (0 if truncate else 1)
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
    except OSError as exc:
        raise UnreadableFile(_reason(exc)) from None
    finally:
        os.close(fd)
    if not truncate and len(data) > limit:
        raise UnreadableFile(f"larger than {limit} bytes")
    return data


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower() if exc.strerror[:1].isupper() and exc.strerror[1:2].islower() else exc.strerror
    return str(exc) or type(exc).__name__
