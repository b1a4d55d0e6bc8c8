"""Hardened, read-only access to the git repository around a target.

Every git command of the auditor goes through `SafeGit.run`, and nothing of the target's git configuration
ever reaches git:

* **Discovery is ours.** The work tree top is the nearest ancestor-or-self of the target holding a `.git`
  entry. A `.git` directory must be a real directory; a `.git` symlink means no git. A `.git` file
  (`gitdir: ...`) is followed only when the directory it names lies inside that work tree top and holds no
  `commondir` (a linked worktree's or a submodule's git dir elsewhere is not used: those lose their git facts).
  Committed files that merely look like a git directory are just files: git never discovers anything itself
  (explicit `--git-dir`/`--work-tree`, `GIT_CEILING_DIRECTORIES`, `safe.bareRepository=explicit`).
* **Git never reads the target's configuration.** Git runs against a private "shim" git directory made in a
  fresh temporary directory outside the target (mode 0700, removed on `close`): our own minimal `config`
  (with only the repository format, object format and a few stat/line-ending booleans copied from the real
  one, each value checked against a fixed set), copies of `HEAD`, `packed-refs`, `refs/`, `shallow` and
  `info/exclude` (regular files only, never through a symlink, bounded in count and size), the real objects
  reached through `objects/info/alternates`, and `GIT_INDEX_FILE` = the real index, read only. So there is no
  filter, textconv or diff driver, no `include.path`, no `core.excludesFile`, no fsmonitor, whatever their
  names: the `-c` hardening below is defence in depth, not the mechanism.
* The environment is scrubbed of the caller's `GIT_*` variables; `HOME` is an empty private directory, system
  and global configuration are off, optional locks are off, and every command has a time limit.

`open_repository(target)` returns a `SafeGit` or the reason git is not used. `SafeGit.gitpython()` opens a
gitpython `Repo` on the shim with the same environment, for work that reads history.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from auditor.safeio import UnreadableFile, read_file

if TYPE_CHECKING:
    import git

__all__ = ["GIT_TIMEOUT", "NOT_A_WORK_TREE", "GitFailed", "SafeGit", "find_work_tree", "open_repository"]

GIT_TIMEOUT = 30.0  # seconds per git command
NOT_A_WORK_TREE = "not a git work tree"
MAX_COPIED_FILES = 50_000  # refs, packed-refs, shallow, info/exclude
MAX_COPIED_BYTES = 256 * 1024 * 1024
MAX_OBJECT_ENTRIES = 2_000_000  # entries of objects/ looked at for symbolic links
MAX_CONFIG_BYTES = 1024 * 1024
ORIGIN_URL_KEY = "remote.origin.url"
MAX_REMOTE_URL_CHARS = 4096  # longer values are cut (and then refused by auditor.remote)
_ALTERNATES_DEPTH = 5  # git follows alternates of alternates this deep

# Defence in depth: none of these can be set by the target (its config is never read), but a system or
# global file could still be consulted by a git that ignores GIT_CONFIG_NOSYSTEM/GLOBAL.
HARDENING = (
    "safe.directory=*",
    "safe.bareRepository=explicit",
    "core.fsmonitor=false",
    "core.hooksPath=/dev/null",
    "core.untrackedCache=false",
    "core.attributesFile=/dev/null",
    "core.excludesFile=/dev/null",
    "core.pager=cat",
    "core.sshCommand=false",
    "core.useReplaceRefs=false",
    "credential.helper=",
    "protocol.allow=never",
    "diff.external=",
    "submodule.recurse=false",
    "gc.auto=0",
    "maintenance.auto=false",
)

# Keys of the real config that the shim copies, with the values it accepts.
_BOOLEAN = {"true": "true", "yes": "true", "on": "true", "1": "true", "false": "false", "no": "false", "off": "false",
            "0": "false"}
_COPIED_KEYS: dict[str, dict[str, str]] = {
    "core.repositoryformatversion": {"0": "0", "1": "1"},
    "extensions.objectformat": {"sha1": "sha1", "sha256": "sha256"},
    "extensions.refstorage": {"files": "files", "reftable": "reftable"},
    "core.filemode": _BOOLEAN,
    "core.ignorecase": _BOOLEAN,
    "core.precomposeunicode": _BOOLEAN,
    "core.symlinks": _BOOLEAN,
    "core.trustctime": _BOOLEAN,
    "core.checkstat": {"default": "default", "minimal": "minimal"},
    "core.autocrlf": {**_BOOLEAN, "input": "input"},
    "core.eol": {"lf": "lf", "crlf": "crlf", "native": "native"},
}


class GitFailed(Exception):
    """A git command failed or timed out; the message is one line."""


def git_executable() -> str | None:
    """git by absolute path, looked up only in absolute PATH entries (never the target's own `./git`)."""
    entries = [p for p in os.environ.get("PATH", os.defpath).split(os.pathsep) if p and os.path.isabs(p)]
    return shutil.which("git", path=os.pathsep.join(entries))


def _inside(path: str, top: str) -> bool:
    return path == top or path.startswith(top.rstrip(os.sep) + os.sep)


def find_work_tree(target: str | os.PathLike[str]) -> tuple[Path, Path] | str:
    """(work tree top, git dir) for `target`, or the reason git is not used (`NOT_A_WORK_TREE` if there is none)."""
    start = os.path.realpath(target)
    current = start
    while True:
        entry = os.path.join(current, ".git")
        try:
            st = os.lstat(entry)
        except FileNotFoundError:
            st = None
        except OSError as exc:
            return f"cannot look at {entry}: {exc.strerror}"
        if st is not None:
            return _git_dir_of(current, entry, st, start)
        parent = os.path.dirname(current)
        if parent == current:
            return NOT_A_WORK_TREE
        current = parent


def _git_dir_of(top: str, entry: str, st: os.stat_result, target: str) -> tuple[Path, Path] | str:
    if stat.S_ISLNK(st.st_mode):
        return f"{entry} is a symbolic link"
    if stat.S_ISDIR(st.st_mode):
        git_dir = entry
    elif stat.S_ISREG(st.st_mode):
        try:
            text = read_file(entry, 4096).decode("utf-8")
        except (UnreadableFile, UnicodeDecodeError) as exc:
            return f"{entry} cannot be read: {exc}"
        if not text.startswith("gitdir:"):
            return f"{entry} is a file that does not name a git directory"
        named = text[len("gitdir:"):].strip()
        resolved = os.path.realpath(os.path.join(top, named))
        if not _inside(resolved, top) or resolved == top:
            return f"{entry} names a git directory outside the work tree ({named}): a linked worktree or submodule"
        try:
            if not stat.S_ISDIR(os.lstat(resolved).st_mode):
                return f"{entry} names {named}, which is not a directory"
        except OSError:
            return f"{entry} names {named}, which does not exist"
        git_dir = resolved
    else:
        return f"{entry} is not a directory or a file"
    if os.path.lexists(os.path.join(git_dir, "commondir")):
        return f"{git_dir} belongs to a linked worktree (it has a commondir file)"
    real_git_dir = os.path.realpath(git_dir)
    if _inside(target, real_git_dir):
        return "the target lies inside a git directory"
    return Path(top), Path(git_dir)


def _scrubbed_environment() -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    for name in ("XDG_CONFIG_HOME", "PAGER", "EDITOR", "VISUAL", "SSH_ASKPASS", "SSH_AUTH_SOCK", "EMAIL"):
        keep.pop(name, None)
    keep["PATH"] = os.pathsep.join(p for p in keep.get("PATH", os.defpath).split(os.pathsep) if p and os.path.isabs(p))
    return keep


@dataclass
class SafeGit:
    """Git for one work tree, through a private shim git directory. Close it (or use `with`) when done."""

    work_tree: Path  # the top of the work tree
    git_dir: Path  # the real git directory (never given to git)
    shim: Path  # the private git directory git runs against
    prefix: str  # the target relative to the work tree, POSIX separators, "" for the top
    env: dict[str, str]
    executable: str
    _private: Path  # the temporary directory holding the shim and HOME
    deadline: float | None = None  # time.monotonic() after which no command starts
    # `remote.origin.url` of the real config as written there (parsed by `git config --no-includes --file` from a
    # private copy: no include is followed, nothing runs); untrusted text, for auditor.remote.web_remote only.
    origin_url: str | None = None

    def run(self, args: Sequence[str], *, timeout: float | None = None, input: bytes | None = None) -> bytes:
        """The stdout of `git <args>` run in the work tree top (fed `input` on stdin); GitFailed on a failure or a
        timeout."""
        limit = GIT_TIMEOUT if timeout is None else timeout
        if self.deadline is not None:
            limit = min(limit, self.deadline - time.monotonic())
            if limit <= 0:
                raise GitFailed(f"git {args[0] if args else ''}: audit time budget exhausted")
        command = [self.executable, f"--git-dir={self.shim}", f"--work-tree={self.work_tree}", "--no-optional-locks",
                   "--literal-pathspecs", "--no-replace-objects", *(x for c in HARDENING for x in ("-c", c)), *args]
        try:
            proc = subprocess.run(command, cwd=self.work_tree, env=self.env, input=input,
                                  stdin=subprocess.DEVNULL if input is None else None,
                                  capture_output=True, timeout=limit, check=False)
        except subprocess.TimeoutExpired:
            raise GitFailed(f"git {args[0] if args else ''} did not finish within {limit:.3g}s") from None
        except OSError as exc:
            raise GitFailed(f"cannot run git: {exc.strerror or exc}") from None
        if proc.returncode != 0:
            first = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise GitFailed(f"git {args[0] if args else ''} failed: {first[0] if first else f'exit {proc.returncode}'}")
        return proc.stdout

    def close(self) -> None:
        shutil.rmtree(self._private, ignore_errors=True)

    def __enter__(self) -> SafeGit:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def gitpython(self) -> git.Repo:
        """A gitpython `Repo` on the shim: every git process it spawns gets the shim environment.

        Read history, objects and refs through it; its index is read by git commands (`repo.git.ls_files()`),
        which see the real index through GIT_INDEX_FILE.
        """
        gitpython = _import_gitpython(self.executable)
        with _without_caller_git_variables():
            repo: git.Repo = gitpython.Repo(str(self.shim))
        overrides: dict[str, str] = {k: "" for k in os.environ if k.startswith("GIT_")}
        overrides.update(self.env)
        repo.git.update_environment(**overrides)
        return repo


def _import_gitpython(executable: str) -> ModuleType:
    """gitpython, made to run git by its absolute path. Its import (and `git.refresh`) runs `git version` with the
    git found on PATH, and an entry such as `.` there (the target, when the auditor runs inside it) would find the
    target's own `git` program; so the executable is named before the import, and that `git version` runs with
    neither system nor global configuration (it would read /etc/gitconfig and ~/.gitconfig)."""
    with _environment(GIT_PYTHON_GIT_EXECUTABLE=executable, GIT_PYTHON_REFRESH="quiet", GIT_CONFIG_NOSYSTEM="1",
                      GIT_CONFIG_SYSTEM="/dev/null", GIT_CONFIG_GLOBAL="/dev/null"):
        import git

        if executable != git.Git.GIT_PYTHON_GIT_EXECUTABLE:
            git.refresh(executable)
    return git


@contextlib.contextmanager
def _environment(**values: str) -> Iterator[None]:
    """os.environ with `values` set, restored afterwards."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextlib.contextmanager
def _without_caller_git_variables() -> Iterator[None]:
    saved = {k: v for k, v in os.environ.items() if k.startswith("GIT_")}
    for key in saved:
        del os.environ[key]
    try:
        yield
    finally:
        os.environ.update(saved)


class _Refused(Exception):
    pass


def open_repository(target: str | os.PathLike[str], *, deadline: float | None = None) -> SafeGit | str:
    """Hardened git access for the work tree around `target`, or the reason git is not used."""
    found = find_work_tree(target)
    if isinstance(found, str):
        return found
    top, git_dir = found
    executable = git_executable()
    if executable is None:
        return "git is not installed"
    real_target = os.path.realpath(target)
    prefix = os.path.relpath(real_target, top).replace(os.sep, "/")
    prefix = "" if prefix == "." else prefix
    private = Path(tempfile.mkdtemp(prefix="auditor-git-"))
    try:
        if _inside(os.path.realpath(private), str(top)):
            raise _Refused("the temporary directory lies inside the work tree")
        shim = private / "git"
        home = private / "home"
        shim.mkdir()
        home.mkdir()
        index = _check_index(git_dir)
        _copy_refs(git_dir, shim)
        objects = _check_objects(git_dir, str(top))
        (shim / "objects" / "info").mkdir(parents=True)
        (shim / "objects" / "pack").mkdir()
        (shim / "objects" / "info" / "alternates").write_text(objects + "\n", encoding="utf-8")
        env = _scrubbed_environment()
        env.update({
            "HOME": str(home),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_SYSTEM": "/dev/null",
            "GIT_CONFIG_GLOBAL": "/dev/null",
            "GIT_ATTR_NOSYSTEM": "1",
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_OPTIONAL_LOCKS": "0",
            "GIT_NO_REPLACE_OBJECTS": "1",
            "GIT_ALLOW_PROTOCOL": "",
            "GIT_PROTOCOL_FROM_USER": "0",
            "GIT_CEILING_DIRECTORIES": os.path.dirname(str(top)),
            "GIT_DIR": str(shim),
            "GIT_WORK_TREE": str(top),
            "GIT_INDEX_FILE": index,
            "GIT_OBJECT_DIRECTORY": str(shim / "objects"),
            "LC_ALL": "C",
        })
        settings = _copied_settings(git_dir, private, executable, env)
        origin_url = settings.pop(ORIGIN_URL_KEY, None)  # never written to the shim's config: git never sees it
        (shim / "config").write_text(_shim_config(settings, top), encoding="utf-8")
    except _Refused as exc:
        shutil.rmtree(private, ignore_errors=True)
        return str(exc)
    except BaseException:
        shutil.rmtree(private, ignore_errors=True)
        raise
    return SafeGit(work_tree=top, git_dir=git_dir, shim=shim, prefix=prefix, env=env, executable=executable,
                   _private=private, deadline=deadline, origin_url=origin_url)


def _check_index(git_dir: Path) -> str:
    index = git_dir / "index"
    try:
        st = os.lstat(index)
    except FileNotFoundError:
        return str(index)  # no index yet: git reads it as empty
    except OSError as exc:
        raise _Refused(f"cannot look at the index: {exc.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        from auditor.safeio import describe_mode

        raise _Refused(f"the index is not a regular file but {describe_mode(st.st_mode)}")
    return str(index)


def _copy_refs(git_dir: Path, shim: Path) -> None:
    budget = [MAX_COPIED_FILES, MAX_COPIED_BYTES]

    def copy_file(rel: str, required: bool) -> None:
        source = git_dir / rel
        try:
            data = read_file(source, budget[1], truncate=False)
        except UnreadableFile as exc:
            if exc.missing and not required:
                return
            raise _Refused(f"{rel} in the git directory: {exc}") from None
        budget[0] -= 1
        budget[1] -= len(data)
        if budget[0] < 0:
            raise _Refused(f"the git directory holds more than {MAX_COPIED_FILES} ref files")
        destination = shim / rel
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(data)

    def copy_tree(rel: str) -> None:
        stack = [rel]
        while stack:
            current = stack.pop()
            source = git_dir / current
            try:
                st = os.lstat(source)
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise _Refused(f"{current} in the git directory: {exc.strerror}") from None
            if not stat.S_ISDIR(st.st_mode):
                raise _Refused(f"{current} in the git directory is not a directory")
            (shim / current).mkdir(parents=True, exist_ok=True)
            try:
                entries = sorted(os.scandir(source), key=lambda e: e.name)
            except OSError as exc:
                raise _Refused(f"{current} in the git directory: {exc.strerror}") from None
            for entry in entries:
                child = f"{current}/{entry.name}"
                if entry.is_symlink():
                    raise _Refused(f"{child} in the git directory is a symbolic link")
                if entry.is_dir(follow_symlinks=False):
                    stack.append(child)
                    budget[0] -= 1
                    if budget[0] < 0:
                        raise _Refused(f"the git directory holds more than {MAX_COPIED_FILES} ref files")
                else:
                    copy_file(child, required=True)

    copy_file("HEAD", required=True)
    for rel in ("packed-refs", "shallow", "info/exclude"):
        copy_file(rel, required=False)
    copy_tree("refs")
    copy_tree("reftable")
    (shim / "refs").mkdir(exist_ok=True)


def _check_objects(git_dir: Path, top: str) -> str:
    """The real objects directory, after making sure git can reach nothing outside the work tree through it."""
    objects = git_dir / "objects"
    try:
        st = os.lstat(objects)
    except OSError:
        raise _Refused("the git directory has no objects directory") from None
    if not stat.S_ISDIR(st.st_mode):
        raise _Refused("objects in the git directory is not a directory")
    real = os.path.realpath(objects)
    if not _inside(real, top):
        raise _Refused("the objects directory lies outside the work tree")
    seen = 0
    stack = [real]
    while stack:
        current = stack.pop()
        try:
            entries = list(os.scandir(current))
        except OSError as exc:
            raise _Refused(f"cannot list {current}: {exc.strerror}") from None
        for entry in entries:
            seen += 1
            if seen > MAX_OBJECT_ENTRIES:
                raise _Refused(f"the objects directory holds more than {MAX_OBJECT_ENTRIES} entries")
            if entry.is_symlink():
                raise _Refused(f"the objects directory holds a symbolic link ({entry.name})")
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
    _check_alternates(real, top, depth=0)
    return real


def _check_alternates(objects: str, top: str, depth: int) -> None:
    try:
        data = read_file(os.path.join(objects, "info", "alternates"), 64 * 1024, truncate=False)
    except UnreadableFile as exc:
        if exc.missing:
            return
        raise _Refused(f"objects/info/alternates: {exc}") from None
    if depth >= _ALTERNATES_DEPTH:
        raise _Refused("object alternates are nested too deeply")
    for raw in data.decode("utf-8", "replace").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        resolved = os.path.realpath(os.path.join(objects, line))
        if not _inside(resolved, top):
            raise _Refused("objects/info/alternates points outside the work tree")
        _check_alternates(resolved, top, depth + 1)


def _copied_settings(git_dir: Path, private: Path, executable: str, env: dict[str, str]) -> dict[str, str]:
    """The few values of the real config that the shim needs, read by `git config --file` from a private copy."""
    try:
        data = read_file(git_dir / "config", MAX_CONFIG_BYTES, truncate=False)
    except UnreadableFile as exc:
        if exc.missing:
            return {}
        raise _Refused(f"the git config cannot be read: {exc}") from None
    copy = private / "target-config"
    copy.write_bytes(data)
    try:
        proc = subprocess.run([executable, "config", "--no-includes", "--file", str(copy), "--list", "-z"],
                              cwd=private, env=_without(env, "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"),
                              stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=GIT_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise _Refused(f"git config did not finish within {GIT_TIMEOUT:g}s") from None
    except OSError as exc:
        raise _Refused(f"cannot run git: {exc.strerror or exc}") from None
    finally:
        copy.unlink(missing_ok=True)
    if proc.returncode != 0:
        raise _Refused("the git config does not parse")
    settings: dict[str, str] = {}
    for item in proc.stdout.split(b"\0"):
        key, _, value = item.decode("utf-8", "replace").partition("\n")
        if key == ORIGIN_URL_KEY and ORIGIN_URL_KEY not in settings:  # the first url is the one git fetches from
            settings[ORIGIN_URL_KEY] = value[:MAX_REMOTE_URL_CHARS + 1]  # only ever parsed, by auditor.remote
            continue
        allowed = _COPIED_KEYS.get(key.lower())
        if allowed is not None and value.strip().lower() in allowed:
            settings[key.lower()] = allowed[value.strip().lower()]
    return settings


def _without(env: dict[str, str], *names: str) -> dict[str, str]:
    out = {k: v for k, v in env.items() if k not in names}
    out["GIT_CEILING_DIRECTORIES"] = os.path.dirname(env["HOME"])  # git config --file discovers nothing
    return out


def _shim_config(settings: dict[str, str], top: Path) -> str:
    sections: dict[str, list[str]] = {"core": [], "extensions": []}
    sections["core"].append(f"repositoryformatversion = {settings.get('core.repositoryformatversion', '0')}")
    sections["core"].append("bare = false")
    for key, value in sorted(settings.items()):
        section, name = key.split(".", 1)
        if key != "core.repositoryformatversion":
            sections[section].append(f"{name} = {value}")
    worktree = str(top).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    sections["core"].append(f'worktree = "{worktree}"')  # for gitpython, which reads it to find the work tree
    out = []
    for section, lines in sections.items():
        if lines:
            out.append(f"[{section}]")
            out += [f"\t{line}" for line in lines]
    return "\n".join(out) + "\n"
