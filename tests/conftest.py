"""Shared fixtures: real files in temp dirs, real git repositories."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from tests.helpers import git_init, write_tree

# Every audit a test runs (in-process or through the CLI) caches models in a directory of this test session,
# never in the user's own cache: results cannot depend on what an earlier session or another checkout cached.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="auditor-test-cache-")


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[..., Path]:
    """make_repo({"app.py": "..."}, git=True) -> a folder (a committed git repo when git=True)."""
    counter = iter(range(1000))

    def factory(files: Mapping[str, str | bytes], *, git: bool = False, name: str | None = None) -> Path:
        root = tmp_path / (name or f"repo{next(counter)}")
        root.mkdir()
        write_tree(root, files)
        if git:
            git_init(root)
        return root

    return factory
