"""Read and parse each file of the target once; every check shares the result.

Python files are parsed with `ast` and indexed by node type in a single walk, so a check asks
"every ExceptHandler in this module" instead of walking the tree again. Other languages are parsed with
tree-sitter grammars installed from PyPI (no download at run time). A file that cannot be decoded or
parsed is recorded once in `problems` and simply has no tree: checks skip it, they never guess.
"""

from __future__ import annotations

import ast
import gc
import io
import re
import threading
import time
import tokenize
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from auditor.redact import redact
from auditor.repo import FileInfo, Repository
from auditor.scope import note

if TYPE_CHECKING:
    import tree_sitter

__all__ = ["TREE_SITTER_LANGUAGES", "ParseProblem", "PyModule", "Sources", "TsFile"]

N = TypeVar("N", bound=ast.AST)

SNIPPET_MAX_LINES = 6
SNIPPET_MAX_WIDTH = 200
# A shown line is redacted over this many characters: the longest match of a secret pattern (a JWT's three
# 4096-character parts) starting within the shown width still matches whole.
_REDACT_WIDTH = SNIPPET_MAX_WIDTH + 3 * 4096 + 64
_KEY_LOOKBACK = 200  # lines; an RSA 8192-bit PEM key has about 100

TREE_SITTER_LANGUAGES = frozenset({"typescript", "javascript", "rust", "go", "java"})


@dataclass(frozen=True, slots=True)
class ParseProblem:
    path: str
    kind: str  # "decode" | "syntax" | "too-deep" | "partial"
    message: str

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "kind": self.kind, "message": self.message}


@dataclass(slots=True)
class PyModule:
    """A parsed Python file with its nodes indexed by type and each node's parent."""

    info: FileInfo
    tree: ast.Module
    by_type: dict[type[ast.AST], list[ast.AST]]
    parents: dict[int, ast.AST]

    @property
    def path(self) -> str:
        return self.info.path

    def nodes(self, kind: type[N]) -> list[N]:
        return self.by_type.get(kind, [])  # type: ignore[return-value]

    def nodes_of(self, *kinds: type[ast.AST]) -> Iterator[ast.AST]:
        for kind in kinds:
            yield from self.by_type.get(kind, [])

    def parent(self, node: ast.AST) -> ast.AST | None:
        return self.parents.get(id(node))

    def ancestors(self, node: ast.AST) -> Iterator[ast.AST]:
        current = self.parents.get(id(node))
        while current is not None:
            yield current
            current = self.parents.get(id(current))

    def enclosing_function(self, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        for anc in self.ancestors(node):
            if isinstance(anc, ast.FunctionDef | ast.AsyncFunctionDef):
                return anc
        return None


@dataclass(slots=True)
class TsFile:
    """A file parsed by tree-sitter. `tree.root_node.has_error` marks a partial parse."""

    info: FileInfo
    source: bytes
    tree: tree_sitter.Tree

    @property
    def path(self) -> str:
        return self.info.path

    def text(self, node: tree_sitter.Node) -> str:
        return self.source[node.start_byte : node.end_byte].decode("utf-8", "replace")


def _index(tree: ast.Module) -> tuple[dict[type[ast.AST], list[ast.AST]], dict[int, ast.AST]]:
    """Every node by type and each node's parent, in one iterative pre-order walk.

    Children are pushed in reverse so they pop in field order: each list comes out in source order
    (decorators aside), without a sort. Load/Store/Del contexts are shared singletons without a
    position, so they are not indexed.
    """
    by_type: dict[type[ast.AST], list[ast.AST]] = defaultdict(list)
    parents: dict[int, ast.AST] = {}
    node_type = ast.AST
    context = ast.expr_context
    stack: list[ast.AST] = [tree]
    pop, push = stack.pop, stack.append
    while stack:  # iterative: a deeply nested file cannot exhaust the interpreter's stack here
        node = pop()
        by_type[type(node)].append(node)
        children: list[ast.AST] = []
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, node_type):
                if not isinstance(value, context):
                    children.append(value)
            elif isinstance(value, list):
                children.extend(item for item in value if isinstance(item, node_type))
        for child in reversed(children):
            parents[id(child)] = node
            push(child)
    return dict(by_type), parents


def _parse_newer(text: str, path: str, error: SyntaxError) -> ast.Module | str | None:
    """The module of a file whose syntax is newer than the running interpreter's, read with tree-sitter-python
    (analysis/python_ts.py), None for a real syntax error, or a message when it nests too deeply."""
    if isinstance(error, IndentationError):
        return None
    from analysis.python_ts import parse_newer

    try:
        return parse_newer(text, path)
    except (RecursionError, MemoryError):
        return "nesting too deep to parse"


def decode_python(data: bytes) -> str:
    """Decode Python source as the interpreter would: BOM, then PEP 263 coding cookie, then UTF-8.

    Raises SyntaxError, LookupError or UnicodeError (any codec's complaint) when the bytes are not text.
    """
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding)


# Line breaks as Python's tokenizer and tree-sitter count them (str.splitlines also splits on form
# feeds and U+2028, which would shift every later line number).
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


_TS_LANGUAGE_CACHE: dict[str, Any] = {}
_TS_LOCK = threading.Lock()


def ts_language(name: str) -> tree_sitter.Language:
    """The tree-sitter Language object for `name` ("typescript", "tsx", "javascript", "rust", "go", "java")."""
    with _TS_LOCK:
        if name not in _TS_LANGUAGE_CACHE:
            import tree_sitter

            if name in ("typescript", "tsx"):
                import tree_sitter_typescript as m

                ptr = m.language_tsx() if name == "tsx" else m.language_typescript()
            elif name == "javascript":
                import tree_sitter_javascript as m2

                ptr = m2.language()
            elif name == "rust":
                import tree_sitter_rust as m3

                ptr = m3.language()
            elif name == "go":
                import tree_sitter_go as m4

                ptr = m4.language()
            elif name == "java":
                import tree_sitter_java as m5

                ptr = m5.language()
            else:
                raise KeyError(name)
            _TS_LANGUAGE_CACHE[name] = tree_sitter.Language(ptr)
        language: tree_sitter.Language = _TS_LANGUAGE_CACHE[name]
        return language


def _grammar_for(info: FileInfo) -> str:
    if info.language == "typescript" and info.path.endswith(".tsx"):
        return "tsx"
    if info.language == "javascript":
        return "javascript"  # the JavaScript grammar handles JSX too
    return info.language


@dataclass
class Sources:
    repo: Repository
    problems: list[ParseProblem] = field(default_factory=list)
    _text: dict[str, str | None] = field(default_factory=dict)
    _py: dict[str, PyModule | None] = field(default_factory=dict)
    _ts: dict[str, TsFile | None] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _problem_paths: set[str] = field(default_factory=set)
    _lines: dict[str, list[str]] = field(default_factory=dict)
    _redacted: dict[str, list[str]] = field(default_factory=dict)
    unparsed: int = 0  # code files parse_all left to the checks because the audit's deadline had passed

    # -- raw text ---------------------------------------------------------------------------------
    def text(self, path: str) -> str | None:
        """Decoded text of a file of the target (UTF-8; Python honours its coding cookie), or None."""
        note(path)
        with self._lock:
            if path in self._text:
                return self._text[path]
            data = self.repo.read_bytes(path)
            result: str | None
            if data is None:
                result = None
            else:
                try:
                    result = decode_python(data) if path.endswith((".py", ".pyi")) else data.decode("utf-8-sig")
                except (UnicodeError, SyntaxError, LookupError, ValueError) as exc:
                    self._problem(path, "decode", f"not valid text in its declared encoding ({type(exc).__name__})")
                    result = None
            self._text[path] = result
            return result

    def lines(self, path: str) -> list[str]:
        """The file's lines (split on \\n, \\r\\n or \\r only, as parsers number them), computed once."""
        note(path)
        with self._lock:
            cached = self._lines.get(path)
            if cached is None:
                text = self.text(path)
                cached = split_lines(text) if text is not None else []
                self._lines[path] = cached
            return cached

    def redacted_lines(self, path: str) -> list[str]:
        """The file's lines with secrets masked, redacted over the whole text so that a snippet starting
        inside a multi-line secret (a private key) is masked too. Same line count as `lines`.

        Costs a pass of every secret pattern over the whole file: `snippet` redacts only what it shows."""
        note(path)
        with self._lock:
            cached = self._redacted.get(path)
            if cached is None:
                text = self.text(path)
                cached = split_lines(redact(text)) if text is not None else []
                self._redacted[path] = cached
            return cached

    def snippet(self, path: str | None, line: int | None, end_line: int | None = None) -> str:
        """The redacted source lines `line..end_line` (capped), for display in a finding.

        Only the shown lines are redacted (each cut to what a secret pattern can span beyond the shown width),
        so a finding costs time in proportion to its snippet, not to its file. A snippet that starts inside a
        private key is redacted from the key's BEGIN line (looked for at most `_KEY_LOOKBACK` lines up), so
        every line of the key's body is masked, however long it is."""
        if not path or not line or line < 1:
            return ""
        lines = self.lines(path)
        if not lines or line > len(lines):
            return ""
        end = max(line, min(end_line or line, line + SNIPPET_MAX_LINES - 1, len(lines)))
        first = line - 1
        for i in range(first, max(-1, first - _KEY_LOOKBACK), -1):
            if "PRIVATE KEY-----" in lines[i]:
                first = i
                break
        window = [ln if len(ln) <= _REDACT_WIDTH else ln[:_REDACT_WIDTH] for ln in lines[first:end]]
        chosen = redact("\n".join(window)).split("\n")[line - 1 - first :]  # masks keep the line count
        # Redacted before it is cut: a secret that straddles the width limit is not half shown.
        width = [ln if len(ln) <= SNIPPET_MAX_WIDTH else ln[:SNIPPET_MAX_WIDTH] + "…" for ln in chosen]
        return redact(_dedent("\n".join(width)))

    # -- python -----------------------------------------------------------------------------------
    def python(self, path: str) -> PyModule | None:
        note(path)
        with self._lock:
            if path in self._py:
                return self._py[path]
            info = self.repo.get(path)
            module = self._parse_python(info) if info is not None else None
            self._py[path] = module
            return module

    def _parse_python(self, info: FileInfo) -> PyModule | None:
        text = self.text(info.path)
        if text is None:
            return None
        # The cyclic GC would rescan the young AST nodes again and again while hundreds of thousands are
        # created (5x slower on a 200k-line file); nodes form no cycles, so collection can wait.
        gc_enabled = gc.isenabled()
        gc.disable()
        try:
            return self._parse_python_text(info, text)
        finally:
            if gc_enabled:
                gc.enable()

    def _parse_python_text(self, info: FileInfo, text: str) -> PyModule | None:
        try:
            with warnings.catch_warnings():  # SyntaxWarnings would print target lines on stderr
                warnings.simplefilter("ignore")
                tree = ast.parse(text, filename=info.path)
        except SyntaxError as exc:
            newer = _parse_newer(text, info.path, exc)
            if newer is None:
                where = f" at line {exc.lineno}" if exc.lineno else ""
                self._problem(info.path, "syntax", f"{exc.msg}{where}")
                return None
            if isinstance(newer, str):
                self._problem(info.path, "too-deep", newer)
                return None
            tree = newer
        except (RecursionError, MemoryError):
            self._problem(info.path, "too-deep", "nesting too deep to parse")
            return None
        except ValueError as exc:  # e.g. source contains null bytes
            self._problem(info.path, "syntax", str(exc))
            return None
        try:
            by_type, parents = _index(tree)
        except (RecursionError, MemoryError):
            self._problem(info.path, "too-deep", "nesting too deep to index")
            return None
        return PyModule(info, tree, by_type, parents)

    def python_modules(self, *roles: str) -> Iterator[PyModule]:
        """Every parsed Python module, optionally only those with one of `roles`."""
        for info in self.repo.files:
            if info.language == "python" and (not roles or info.role in roles):
                module = self.python(info.path)
                if module is not None:
                    yield module

    # -- tree-sitter ------------------------------------------------------------------------------
    def tree(self, path: str) -> TsFile | None:
        note(path)
        with self._lock:
            if path in self._ts:
                return self._ts[path]
            info = self.repo.get(path)
            parsed = self._parse_ts(info) if info is not None and info.language in TREE_SITTER_LANGUAGES else None
            self._ts[path] = parsed
            return parsed

    def _parse_ts(self, info: FileInfo) -> TsFile | None:
        import tree_sitter

        data = self.repo.read_bytes(info.path)
        if data is None:
            return None
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            self._problem(info.path, "decode", "not valid UTF-8")
            return None
        try:
            parser = tree_sitter.Parser(ts_language(_grammar_for(info)))
            tree = parser.parse(data)
        except (ValueError, RuntimeError, MemoryError) as exc:
            self._problem(info.path, "syntax", f"tree-sitter could not parse the file ({type(exc).__name__})")
            return None
        if tree.root_node.has_error:
            self._problem(info.path, "partial", "syntax errors; checks read the parts that parsed")
        return TsFile(info, data, tree)

    def trees(self, *languages: str, roles: tuple[str, ...] = ()) -> Iterator[TsFile]:
        wanted = set(languages) or TREE_SITTER_LANGUAGES
        for info in self.repo.files:
            if info.language in wanted and (not roles or info.role in roles):
                parsed = self.tree(info.path)
                if parsed is not None:
                    yield parsed

    # -- whole-repository passes --------------------------------------------------------------------
    def parse_all(self, progress: Callable[[str, int, int], None] | None = None,
                  skip: frozenset[str] = frozenset(), deadline: float | None = None) -> None:
        """Parse every code file now (but those of the `skip` languages, which the analysis layer read), so
        problems are complete and checks only read caches.

        `progress("parsing", done, total)` is called every 200 files. At `deadline` (time.monotonic()) parsing
        stops and `unparsed` counts the files left.
        """
        code = [f for f in self.repo.files if (f.language == "python" or f.language in TREE_SITTER_LANGUAGES)
                and f.language not in skip]
        for i, info in enumerate(code):
            if deadline is not None and time.monotonic() >= deadline:
                self.unparsed = len(code) - i
                return
            if progress is not None and i % 200 == 0:
                progress("parsing", i, len(code))
            if info.language == "python":
                self.python(info.path)
            else:
                self.tree(info.path)

    def add_problem(self, problem: ParseProblem) -> None:
        """Record a problem met elsewhere (in the process that ran a check), once per file."""
        if problem.path not in self._problem_paths:
            self._problem_paths.add(problem.path)
            self.problems.append(problem)

    def _problem(self, path: str, kind: str, message: str) -> None:
        if path not in self._problem_paths:  # one problem per file, however many passes meet it
            self._problem_paths.add(path)
            self.problems.append(ParseProblem(path, kind, redact(message)[:300]))


def _dedent(text: str) -> str:
    lines = text.split("\n")
    indents = [len(ln) - len(ln.lstrip()) for ln in lines if ln.strip()]
    cut = min(indents) if indents else 0
    return "\n".join(ln[cut:] for ln in lines)
