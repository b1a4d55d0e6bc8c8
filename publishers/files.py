"""Writing a report set to the output folder: the whole set or nothing, never a mix.

Every report is rendered before this module is called. `publish` then writes them into a fresh temporary
folder beside the output folder and swaps it in at once (Linux `renameat2(RENAME_EXCHANGE)`, else rename the
old folder away, rename the new one in, remove the old), with SIGINT, SIGTERM and SIGHUP blocked from the
moment the temporary folder exists until the old set is gone: a signal at any point leaves the old set or
the new set, and no temporary folder. A full disk leaves the old set untouched. An `flock` on the parent
folder keeps two audits from interleaving. Files are created with mode 0666 less the umask.

The output folder belongs to the auditor: it is replaced whole by each audit. So `check_output` refuses a
folder that holds files the auditor did not write (no marker of ours naming this very folder: a committed
`auditor-report/` with a forged marker is still refused, since a clone or an unpacked tarball creates a new
folder), an output path that is a symbolic link or a dangling or looping one, and one that passes through
a symbolic link inside the target. Each refusal is an `OutputError` whose message is one line.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import signal
import stat
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

from auditor.safeio import UnreadableFile, read_file

__all__ = ["MARKER", "OutputError", "check_output", "publish"]

MARKER = ".auditor-output"
_TEMP_INFIX = ".auditor-tmp-"
_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
_RENAME_NOREPLACE, _RENAME_EXCHANGE = 1, 2
PAUSE_VARIABLE = "AUDITOR_TEST_PAUSE"  # "point:flag-file": tests pause a real run at a named point


class OutputError(Exception):
    """The reports cannot be written where asked; the message is one line."""


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _describe_link(path: str) -> str:
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symbolic link loop"
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return f"a dangling symbolic link (to {os.readlink(path)})"
        return f"a symbolic link that cannot be followed ({exc.strerror})"
    return f"a symbolic link (to {os.readlink(path)})"


def _folder_id(st: os.stat_result) -> str:
    return f"{st.st_dev}:{st.st_ino}"


def check_output(output: str | os.PathLike[str], target: str | os.PathLike[str] | None = None) -> None:
    """OutputError when `output` may not be written (see the module docstring); nothing is created."""
    path = os.path.abspath(output)
    target_real = os.path.realpath(target) if target is not None else None
    # Walk the folders above `output` as the kernel will, refusing a symbolic link that lies inside the target.
    current = os.sep
    parts = [p for p in path.split(os.sep) if p]
    for part in parts[:-1]:
        step = os.path.join(current, part)
        try:
            st = os.lstat(step)
        except FileNotFoundError:
            break  # the rest will be created
        except OSError as exc:
            raise OutputError(f"output folder {output}: cannot look at {step}: {exc.strerror}") from None
        if stat.S_ISLNK(st.st_mode):
            if target_real is not None and _inside(os.path.realpath(current), target_real):
                raise OutputError(f"output folder {output} passes through {_describe_link(step)} inside the target "
                                  f"({step}); refusing to write through it")
            current = os.path.realpath(step)
        elif not stat.S_ISDIR(st.st_mode):
            raise OutputError(f"output folder {output}: {step} is not a folder")
        else:
            current = step
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise OutputError(f"output folder {output}: {exc.strerror}") from None
    if stat.S_ISLNK(st.st_mode):
        raise OutputError(f"output folder {output} is {_describe_link(path)}; refusing to write through it")
    if not stat.S_ISDIR(st.st_mode):
        raise OutputError(f"output folder {output} exists and is not a folder")
    try:
        entries = os.listdir(path)
    except OSError as exc:
        raise OutputError(f"output folder {output}: {exc.strerror}") from None
    if entries and not _is_ours(path, st):
        raise OutputError(f"output folder {output} holds files the auditor did not write (no {MARKER} of its own); "
                          "choose another --output or remove that folder")


def _is_ours(path: str, st: os.stat_result) -> bool:
    try:
        marker = json.loads(read_file(os.path.join(path, MARKER), 64 * 1024, truncate=False))
    except (UnreadableFile, ValueError):
        return False
    return isinstance(marker, dict) and marker.get("tool") == "auditor" and marker.get("folder") == _folder_id(st)


def _pause(point: str) -> None:
    """Test hook: with AUDITOR_TEST_PAUSE=point:flag, create `flag` at `point` and wait (at most 30 s) until
    the test removes it. Signals sent meanwhile are delivered (or, while blocked, held) as in a real run."""
    setting = os.environ.get(PAUSE_VARIABLE, "")
    name, _, flag = setting.partition(":")
    if name != point or not flag:
        return
    Path(flag).write_text(str(os.getpid()), encoding="utf-8")
    until = time.monotonic() + 30
    while os.path.exists(flag) and time.monotonic() < until:
        time.sleep(0.02)


@contextlib.contextmanager
def _signals_blocked() -> Iterator[None]:
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not POSIX
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextlib.contextmanager
def _locked(parent: str, output: str, timeout: float) -> Iterator[int]:
    fd = os.open(parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        until = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= until:
                    raise OutputError(f"another audit is writing to {output} (waited {timeout:g}s)") from None
                time.sleep(0.05)
        yield fd
    finally:
        os.close(fd)  # releases the lock


def _renameat2(dir_fd: int, old: str, new: str, flags: int) -> bool:
    """renameat2 through libc; False when this system cannot do it (the caller falls back)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        call = libc.renameat2
    except (OSError, AttributeError):
        return False
    if call(dir_fd, os.fsencode(old), dir_fd, os.fsencode(new), flags) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), new)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write(folder: str, name: str, data: bytes) -> None:
    fd = os.open(os.path.join(folder, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
                 | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_stale(parent: str, name: str) -> None:
    """Temporary folders an earlier audit left when it was killed outright (SIGKILL): ours, so removed."""
    for entry in os.listdir(parent):
        if entry.startswith(f".{name}{_TEMP_INFIX}"):
            shutil.rmtree(os.path.join(parent, entry), ignore_errors=True)


def publish(output: str | os.PathLike[str], files: Mapping[str, str], *, target: str | os.PathLike[str] | None = None,
            lock_timeout: float = 60.0) -> list[Path]:
    """Write `files` (name -> text) as the whole content of the folder `output`; the paths written."""
    path = os.path.abspath(output)
    parent, name = os.path.dirname(path), os.path.basename(path)
    if not name or name in (".", ".."):
        raise OutputError(f"output folder {output} cannot be replaced (use a folder of its own)")
    check_output(output, target)
    _pause("before-lock")
    try:
        if not os.path.isdir(parent):
            os.makedirs(parent, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create {parent}: {exc.strerror}") from None
    with _locked(parent, str(output), lock_timeout) as parent_fd:
        check_output(output, target)  # again, now that no other audit can change it
        _pause("locked")
        with _signals_blocked():
            _remove_stale(parent, name)
            try:
                temp = tempfile.mkdtemp(prefix=f".{name}{_TEMP_INFIX}", dir=parent)
            except OSError as exc:
                raise OutputError(f"cannot write reports beside {output}: {exc.strerror}") from None
            try:
                os.chmod(temp, 0o777 & ~_umask())
                for i, (file_name, text) in enumerate(files.items()):
                    _write(temp, file_name, text.encode("utf-8"))
                    if i == 0:
                        _pause("writing")
                marker = {"tool": "auditor", "folder": _folder_id(os.stat(temp)), "files": sorted(files)}
                _write(temp, MARKER, json.dumps(marker).encode("utf-8"))
                folder_fd = os.open(temp, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
                try:
                    os.fsync(folder_fd)
                finally:
                    os.close(folder_fd)
                _pause("before-swap")
                _swap(parent_fd, parent, os.path.basename(temp), name)
            except OSError as exc:
                shutil.rmtree(temp, ignore_errors=True)
                raise OutputError(f"cannot write reports to {output}: {exc.strerror or exc}") from None
            except BaseException:
                shutil.rmtree(temp, ignore_errors=True)
                raise
            with contextlib.suppress(OSError):
                os.fsync(parent_fd)
            _pause("after-swap")
    return [Path(output) / file_name for file_name in files]


def _swap(parent_fd: int, parent: str, temp: str, name: str) -> None:
    """Put the folder `temp` in place of `name` (both in `parent`); the old set, if any, is removed."""
    if not os.path.lexists(os.path.join(parent, name)):
        if not _renameat2(parent_fd, temp, name, _RENAME_NOREPLACE):
            os.rename(os.path.join(parent, temp), os.path.join(parent, name))
        return
    if _renameat2(parent_fd, temp, name, _RENAME_EXCHANGE):
        shutil.rmtree(os.path.join(parent, temp))  # now the old set
        return
    old = tempfile.mkdtemp(prefix=f".{name}{_TEMP_INFIX}old-", dir=parent)
    os.rmdir(old)
    os.rename(os.path.join(parent, name), old)
    os.rename(os.path.join(parent, temp), os.path.join(parent, name))
    shutil.rmtree(old)
