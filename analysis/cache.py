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

Models are written in packs, one file per audit that made new ones (`models/packs/*.pack`: the entries, each its
MAC then its body, then an index of fixed-size records read with `struct`, never decoded as marshal): a file per
model cost a file creation per file of the repository, 1.4 s of CPU for Django's 5,455 files (two thirds of it in
the kernel), against 0.1 s for one pack. The index of every pack is read when the cache is opened, before the
analysis workers fork; more than MAX_PACKS packs are merged into one, keeping the newest entry of each key, up to
MAX_PACK_BYTES in all (the oldest packs' entries go first). A whole audit's outcomes (auditor.auditcache) stay one
file each.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import stat
import struct
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from analysis.model import MODEL_VERSION

__all__ = ["ModelCache", "default_cache_dir"]

_KEY_FILE = "key"
_MAC_SIZE = 32
_MAX_ENTRY = 64 * 1024 * 1024
_PACK_MAGIC = b"auditor-pack-01\n"  # 16 bytes, as the trailer holds it
_INDEX_RECORD = struct.Struct("<40sQI")  # key (40 hex digits), offset of the entry, its length (MAC + body)
_TRAILER = struct.Struct(f"<QI{len(_PACK_MAGIC)}s")  # offset of the index, number of records, the magic again
MAX_PACKS = 24
MAX_PACK_BYTES = 2 * 1024 * 1024 * 1024
MAX_ENTRY_BYTES = 1024 * 1024 * 1024  # the single-file entries together (ModelCache.trim_entries)
_TEMP_AGE = 3600.0  # seconds after which a temp file is an interrupted write's, not one being written


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

    def __init__(self, root: Path, key: bytes, *, packs: bool = True) -> None:
        self.root = root
        self._key = key
        self.hits = 0
        self.misses = 0
        self._packs = root / "models" / "packs"
        self._index: dict[str, tuple[str, int, int]] = {}  # model key -> (pack file name, offset, length)
        if packs:
            self._load_index()

    @classmethod
    def open(cls, root: Path | None, *, target: Path | None = None, packs: bool = True) -> ModelCache | None:
        """The cache at `root` (created 0700 if missing), or None when it is unusable or lies inside `target`.
        `packs=False`: for the single-file entries only (`audit-...` keys), without reading the packs' indexes."""
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
        return cls(root, key, packs=packs) if key else None

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
        return ModelCache.content_entry_key(path, language, role, hashlib.blake2b(data, digest_size=20).hexdigest())

    @staticmethod
    def content_entry_key(path: str, language: str, role: str, content: str) -> str:
        """The key of a file whose content is identified by `content` (a hash of its bytes, or `git:<blob id>`
        for a file git's index and status vouch for, so an unchanged file is neither read nor hashed)."""
        material = "\x1f".join((CODE_DIGEST, path, language, role, content))
        return hashlib.blake2b(material.encode("utf-8", "surrogatepass"), digest_size=20).hexdigest()

    def _file(self, key: str) -> Path:
        """Where a whole audit's outcomes (auditor.auditcache, keys `audit-...`) are kept, one file each."""
        return self.root / "audits" / key[6:8] / key[8:]

    def get(self, key: str) -> bytes | None:
        return self._verified(key, self._read_entry(key))

    def get_many(self, keys: Iterable[str]) -> Iterator[tuple[str, bytes]]:
        """(key, body) for those of `keys` whose model entries the packs hold with a valid MAC, each pack opened once:
        what an audit of a changed tree reads in the parent (a worker per shard and a pipe per model cost Django's
        10-file change 0.4 s). One body at a time, so the caller can decode each and let it go."""
        by_pack: dict[str, list[tuple[int, int, str]]] = {}
        for key in keys:
            found = self._index.get(key) if not key.startswith("audit-") else None
            if found is None:
                self.misses += 1
                continue
            by_pack.setdefault(found[0], []).append((found[1], found[2], key))
        for name, wanted in by_pack.items():
            opened = _open_regular(self._packs / name)
            if opened is None:
                self.misses += len(wanted)
                continue
            fd, size = opened
            try:
                for offset, length, key in sorted(wanted):
                    body = self._verified(key, _read_span(fd, size, offset, length))
                    if body is not None:
                        yield key, body
            finally:
                os.close(fd)

    def _verified(self, key: str, blob: bytes | None) -> bytes | None:
        """The body of a stored entry (MAC then body) when its MAC is valid under this cache's key; counts the hit."""
        if blob is None:
            self.misses += 1
            return None
        mac, body = blob[:_MAC_SIZE], blob[_MAC_SIZE:]
        expected = hmac.new(self._key, key.encode() + body, hashlib.sha256).digest()
        if not hmac.compare_digest(mac, expected):
            self.misses += 1
            return None
        self.hits += 1
        return body

    def _read_entry(self, key: str) -> bytes | None:
        """The stored bytes of `key` (MAC then body), unverified; None when there are none to read."""
        if key.startswith("audit-"):
            place: tuple[Path, int, int] = (self._file(key), 0, -1)
        else:
            found = self._index.get(key)
            if found is None:
                return None
            place = (self._packs / found[0], found[1], found[2])
        path, offset, length = place
        opened = _open_regular(path)
        if opened is None:
            return None
        fd, size = opened
        try:
            return _read_span(fd, size, offset, size if length < 0 else length)
        finally:
            os.close(fd)

    # -- packs of models ------------------------------------------------------------------------------------------
    def _load_index(self) -> None:
        """The index of every pack, oldest first, so a newer entry of a key wins; a pack that is not one is ignored."""
        for name in self._pack_names():
            for key, offset, length in _pack_index(self._packs / name):
                self._index[key] = (name, offset, length)

    def _pack_names(self) -> list[str]:
        """The packs' file names, oldest first (a name starts with its writing time); none when there is no folder."""
        try:
            return sorted(n for n in os.listdir(self._packs) if n.endswith(".pack"))
        except OSError:
            return []

    def put_many(self, entries: Iterable[tuple[str, bytes]]) -> int:
        """Write model entries ((key, body) each) as one pack, atomically (temp file + rename); the number written.
        A cache that cannot be written is simply not used; an interrupted write leaves no temp file behind."""
        written: list[tuple[str, int, int]] = []
        try:
            self._packs.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self._packs, prefix=".tmp.")
        except OSError:
            return 0
        name = ""
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(_PACK_MAGIC)
                offset = len(_PACK_MAGIC)
                for key, body in entries:
                    if len(key) != 40 or len(body) + _MAC_SIZE > _MAX_ENTRY:
                        continue
                    mac = hmac.new(self._key, key.encode() + body, hashlib.sha256).digest()
                    fh.write(mac)
                    fh.write(body)
                    written.append((key, offset, _MAC_SIZE + len(body)))
                    offset += _MAC_SIZE + len(body)
                _write_index(fh.write, written, offset)
            if written:
                name = _pack_name()
                os.replace(tmp, self._packs / name)
        except OSError:
            return 0
        finally:
            if not name:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
        if not name:
            return 0
        for key, offset, length in written:
            self._index[key] = (name, offset, length)
        self._merge_if_many()
        return len(written)

    def _merge_if_many(self) -> None:
        """More than MAX_PACKS packs become one: each key's newest entry, newest packs first, up to MAX_PACK_BYTES.

        Only the packs read whole are removed afterwards; a failed write (a full disk) abandons the merge and keeps
        every pack. Temp files an interrupted writer left (over an hour old) are removed too."""
        names = self._pack_names()[::-1]
        self._sweep_temp_files()
        if len(names) <= MAX_PACKS:
            return
        try:
            fd, tmp = tempfile.mkstemp(dir=self._packs, prefix=".tmp.")
        except OSError:
            return
        kept: dict[str, tuple[int, int]] = {}
        consumed: list[str] = []
        merged = ""
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(_PACK_MAGIC)
                offset = len(_PACK_MAGIC)
                for name in names:
                    copied = _copy_entries(self._packs / name, fh.write, kept, offset)
                    if copied is None:
                        continue  # not a pack of ours, or unreadable: left as it is
                    offset, whole = copied
                    if whole:
                        consumed.append(name)
                _write_index(fh.write, [(k, o, n) for k, (o, n) in kept.items()], offset)
            merged = _pack_name()
            os.replace(tmp, self._packs / merged)
        except OSError:
            return
        finally:
            if not merged:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
        for name in consumed:
            with contextlib.suppress(OSError):
                os.unlink(self._packs / name)
        self._index = {key: (merged, at, length) for key, (at, length) in kept.items()}

    def _sweep_temp_files(self, folder: str | Path | None = None, age: float = _TEMP_AGE) -> None:
        """Remove the temp files an interrupted write left in `folder` (the packs' by default), once `age` old."""
        now = time.time()
        with contextlib.suppress(OSError):
            for entry in os.scandir(self._packs if folder is None else folder):
                if entry.name.startswith(".tmp.") and entry.is_file(follow_symlinks=False):
                    with contextlib.suppress(OSError):
                        if now - entry.stat(follow_symlinks=False).st_mtime > age:
                            os.unlink(entry.path)

    def trim_entries(self, max_bytes: int = MAX_ENTRY_BYTES, every: float = 3600.0) -> int:
        """Remove the oldest single-file entries (audits, projects, base reports, the template; by when each was
        written) once together they hold more than `max_bytes`, down to three quarters of it, and temp files an
        interrupted write left; at most once per `every` seconds (a stamp file). The number removed."""
        folder = self.root / "audits"
        stamp = self.root / ".entries-trimmed"
        now = time.time()
        try:
            st = os.lstat(stamp)
            if stat.S_ISREG(st.st_mode) and 0 <= now - st.st_mtime < every:  # a stamp from the future is no stamp
                return 0
        except FileNotFoundError:
            pass
        except OSError:
            return 0
        if not _private_dir(folder):  # never a link to somewhere else, whose files would be removed
            return 0
        entries: list[tuple[float, int, str]] = []
        with contextlib.suppress(OSError):
            for sub in os.scandir(folder):
                if not sub.is_dir(follow_symlinks=False):
                    continue
                self._sweep_temp_files(sub.path)
                for entry in os.scandir(sub.path):
                    with contextlib.suppress(OSError):
                        if entry.name.startswith(".tmp.") or not entry.is_file(follow_symlinks=False):
                            continue
                        st = entry.stat(follow_symlinks=False)
                        entries.append((st.st_mtime, st.st_size, entry.path))
        total = sum(size for _, size, _ in entries)
        removed = 0
        if total > max_bytes:
            for _, size, path in sorted(entries):
                if total <= max_bytes * 3 // 4:
                    break
                with contextlib.suppress(OSError):
                    os.unlink(path)
                    total -= size
                    removed += 1
        with contextlib.suppress(OSError):
            # non-blocking: a fifo put there would otherwise hang the audit here (a reviewer's find)
            os.close(os.open(stamp, os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0),
                             0o600))
            os.utime(stamp, (now, now), follow_symlinks=False)
        return removed

    def put(self, key: str, body: bytes) -> None:
        """Write an entry atomically (temp file + rename); a cache that cannot be written is simply not used."""
        if not key.startswith("audit-"):
            self.put_many([(key, body)])
            return
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


def _write_index(write: Callable[[bytes], object], records: list[tuple[str, int, int]], index_offset: int) -> None:
    for key, offset, length in records:
        write(_INDEX_RECORD.pack(key.encode("ascii"), offset, length))
    write(_TRAILER.pack(index_offset, len(records), _PACK_MAGIC))


def _pack_name() -> str:
    return f"{time.time_ns():020d}-{os.getpid()}-{os.urandom(4).hex()}.pack"


def _open_regular(path: Path, *, ours: bool = False) -> tuple[int, int] | None:
    """A descriptor of the regular file at `path` and its size (never a link followed or a fifo waited on); with
    `ours`, only a file this user owns."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
    except OSError:
        os.close(fd)
        return None
    if not stat.S_ISREG(st.st_mode) or (ours and st.st_uid != os.getuid()):
        os.close(fd)
        return None
    return fd, st.st_size


def _read_span(fd: int, size: int, offset: int, length: int) -> bytes | None:
    """The `length` bytes at `offset` of an open file of `size` bytes, when they are an entry's worth and all there."""
    if not _MAC_SIZE <= length <= _MAX_ENTRY or offset < 0 or offset + length > size:
        return None
    chunks = []
    try:
        while length > 0:
            chunk = os.pread(fd, min(length, 1 << 20), offset)
            if not chunk:
                return None
            chunks.append(chunk)
            offset += len(chunk)
            length -= len(chunk)
    except OSError:
        return None
    return b"".join(chunks)


def _open_pack(path: Path) -> tuple[int, int] | None:
    """A descriptor of the pack at `path` and its size, when it is a regular file of ours."""
    return _open_regular(path, ours=True)


def _index_of(fd: int, size: int) -> list[tuple[str, int, int]] | None:
    """The (key, offset, length) records of an open pack; None for anything that is not a whole pack of ours."""
    if size < len(_PACK_MAGIC) + _TRAILER.size:
        return None
    index_offset, count, magic = _TRAILER.unpack(os.pread(fd, _TRAILER.size, size - _TRAILER.size))
    if magic != _PACK_MAGIC or index_offset + count * _INDEX_RECORD.size != size - _TRAILER.size:
        return None
    raw = os.pread(fd, count * _INDEX_RECORD.size, index_offset)
    if len(raw) != count * _INDEX_RECORD.size:
        return None
    out: list[tuple[str, int, int]] = []
    for key, offset, length in _INDEX_RECORD.iter_unpack(raw):
        if offset + length <= index_offset:
            with contextlib.suppress(UnicodeDecodeError):
                out.append((key.decode("ascii"), offset, length))
    return out


def _pack_index(path: Path) -> list[tuple[str, int, int]]:
    """The (key, offset, length) records of the pack at `path`; [] for anything that is not a whole pack of ours."""
    opened = _open_pack(path)
    if opened is None:
        return []
    fd, size = opened
    try:
        return _index_of(fd, size) or []
    except OSError:
        return []
    finally:
        os.close(fd)


def _copy_entries(path: Path, write: Callable[[bytes], object], kept: dict[str, tuple[int, int]],
                  offset: int) -> tuple[int, bool] | None:
    """Append the entries of the pack at `path` whose keys `kept` lacks (each noted there at its new offset) while
    the merged pack stays under MAX_PACK_BYTES; (the offset after them, whether the pack was read whole), or None when
    it is not a pack of ours. Reading errors stop the copy of this pack; writing errors are raised."""
    opened = _open_pack(path)
    if opened is None:
        return None
    fd, size = opened
    try:
        try:
            records = _index_of(fd, size)
        except OSError:
            return None
        if records is None:
            return None
        for key, at, length in records:
            if key in kept or offset + length > MAX_PACK_BYTES:
                continue
            try:
                data = os.pread(fd, length, at)
            except OSError:
                return offset, False
            if len(data) != length:
                return offset, False
            write(data)
            kept[key] = (offset, length)
            offset += length
        return offset, True
    finally:
        os.close(fd)
