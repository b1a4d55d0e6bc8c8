"""A content-addressed cache of file models, so an unchanged file is never parsed or analysed twice.

Entries live under the user's cache directory (`$XDG_CACHE_HOME/auditor`, `~/.cache/auditor`) or `--cache-dir`,
never inside the audited repository, keyed by what the model depends on: the analysis layer's code (a digest
of its modules), the file's path, language and role, and a hash of its bytes.

An entry is trusted only if it carries a valid MAC under a key that lives in the cache directory itself (0600):
whatever else writes there (a stale or truncated entry, another tool; a repository's own files cannot, since the
directory is outside it) is ignored, never decoded. The model is marshal data, which must never be read from an
untrusted source.

The secret scanner's fingerprints are keyed with a secret of the same directory, so fingerprints stay comparable
between audits that share a cache, and mean nothing anywhere else.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import stat
import tempfile
from pathlib import Path

from analysis.model import MODEL_VERSION

__all__ = ["ModelCache", "default_cache_dir"]

_KEY_FILE = "key"
_MAC_SIZE = 32
_MAX_ENTRY = 64 * 1024 * 1024


def _code_digest() -> str:
    """A digest of the analysis layer's own code: a changed adapter or scanner never reuses an older model."""
    digest = hashlib.blake2b(MODEL_VERSION.encode(), digest_size=16)
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


CODE_DIGEST = _code_digest()


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "auditor"


def _private_dir(path: Path) -> bool:
    """A directory we own that nobody else can write to (and not a symlink)."""
    try:
        st = path.lstat()
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


class ModelCache:
    """Get and put encoded models by key; a cache that cannot be used safely simply misses."""

    def __init__(self, root: Path, key: bytes) -> None:
        self.root = root
        self._key = key
        self.hits = 0
        self.misses = 0

    @classmethod
    def open(cls, root: Path | None, *, target: Path | None = None) -> ModelCache | None:
        """The cache at `root` (created 0700 if missing), or None when it is unusable or lies inside `target`."""
        root = (root or default_cache_dir()).expanduser()
        try:
            root = root.absolute()
            if target is not None:
                real_root, real_target = os.path.realpath(root), os.path.realpath(target)
                if real_root == real_target or real_root.startswith(real_target.rstrip(os.sep) + os.sep):
                    return None  # the repository could have written it
            root.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not _private_dir(root):
                return None
            key = cls._load_key(root)
        except OSError:
            return None
        return cls(root, key) if key else None

    @staticmethod
    def _load_key(root: Path) -> bytes | None:
        path = root / _KEY_FILE
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(path, flags)
        except FileNotFoundError:
            key = os.urandom(32)
            fd, tmp = tempfile.mkstemp(dir=root, prefix=".key.")
            try:
                os.write(fd, key)
                os.fsync(fd)
            finally:
                os.close(fd)
            try:
                os.link(tmp, path)  # the first writer wins; a concurrent one reads the winner's key below
            except FileExistsError:
                pass
            finally:
                os.unlink(tmp)
            fd = os.open(path, flags)
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o077:
                return None
            data = os.read(fd, 64)
        finally:
            os.close(fd)
        return data if len(data) == 32 else None

    def secret(self, purpose: str) -> bytes:
        """A key derived from the cache's own, for one purpose (the secret scanner's fingerprints)."""
        return hmac.new(self._key, purpose.encode(), hashlib.sha256).digest()[:16]

    @staticmethod
    def entry_key(path: str, language: str, role: str, data: bytes) -> str:
        digest = hashlib.blake2b(data, digest_size=20).hexdigest()
        material = "\x1f".join((CODE_DIGEST, path, language, role, digest))
        return hashlib.blake2b(material.encode("utf-8", "surrogatepass"), digest_size=20).hexdigest()

    def _file(self, key: str) -> Path:
        return self.root / "models" / key[:2] / key[2:]

    def get(self, key: str) -> bytes | None:
        path = self._file(key)
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            self.misses += 1
            return None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_size > _MAX_ENTRY or st.st_size < _MAC_SIZE:
                self.misses += 1
                return None
            chunks = []
            while True:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
        finally:
            os.close(fd)
        blob = b"".join(chunks)
        mac, body = blob[:_MAC_SIZE], blob[_MAC_SIZE:]
        expected = hmac.new(self._key, key.encode() + body, hashlib.sha256).digest()
        if not hmac.compare_digest(mac, expected):
            self.misses += 1
            return None
        self.hits += 1
        return body

    def put(self, key: str, body: bytes) -> None:
        """Write an entry atomically (temp file + rename); a cache that cannot be written is simply not used."""
        path = self._file(key)
        mac = hmac.new(self._key, key.encode() + body, hashlib.sha256).digest()
        with contextlib.suppress(OSError):
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp.")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(mac + body)
                os.replace(tmp, path)
            except OSError:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
