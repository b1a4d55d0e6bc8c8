"""Helpers the tests share: real files in temp dirs, real git repositories."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path


def write_tree(root: Path, files: Mapping[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def git(root: Path, *args: str) -> str:
    env = {
        "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "t@example.com",
        "HOME": str(root), "PATH": "/usr/bin:/bin:/usr/local/bin",
    }
    out = subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True)
    return out.stdout


def git_init(root: Path, commit: bool = True) -> Path:
    git(root, "init", "-q", "-b", "main")
    if commit:
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "initial")
    return root


def write_index(git_dir: Path, entries: list[tuple[str | bytes, str]]) -> None:
    """Write `git_dir/index` (version 2) holding `entries` = (path, blob sha1), whatever the paths are.

    git refuses to add unsafe paths (absolute, `..`, `.git/...`) itself; a hostile clone or tarball can still
    carry an index that holds them, so tests craft one. Stat data is zero: git must re-read every file.
    """
    import hashlib
    import struct

    records = []
    for path, sha in sorted(entries, key=lambda e: e[0] if isinstance(e[0], bytes) else e[0].encode("utf-8", "surrogateescape")):
        name = path if isinstance(path, bytes) else path.encode("utf-8", "surrogateescape")
        body = struct.pack(">10I", 0, 0, 0, 0, 0, 0, 0o100644, 0, 0, 0) + bytes.fromhex(sha)
        body += struct.pack(">H", min(len(name), 0xFFF)) + name
        body += b"\0" * (8 - (len(body) % 8))
        records.append(body)
    data = b"DIRC" + struct.pack(">II", 2, len(records)) + b"".join(records)
    (git_dir / "index").write_bytes(data + hashlib.sha1(data).digest())
