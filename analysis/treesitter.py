"""What every tree-sitter adapter shares: parsing, node text, lines, broken regions and a node-by-type index.

Walking a tree node by node from Python costs about a microsecond a node; tree-sitter's queries match in C. So
an adapter asks `NodeIndex` for the node types it reads (one query per language and set of types, compiled
once) and touches only those nodes. `Source.broken(node)` tells whether a node lies in a part of the file that
did not parse (facts there would be guesses) in O(log n), instead of climbing parents.
"""

from __future__ import annotations

import bisect
import operator
import threading
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from analysis.model import TEXT_CAP

if TYPE_CHECKING:
    import tree_sitter

__all__ = ["MAX_START_DEPTH", "NodeIndex", "Source", "grammar_for", "language", "parse"]

_LANGUAGES: dict[str, tree_sitter.Language] = {}
_QUERIES: dict[tuple[str, tuple[str, ...]], tree_sitter.Query | None] = {}
_LOCK = threading.Lock()
# Document order, and among nodes that start at the same byte (a call and the call it is made on: `New("").Delims()`)
# the shorter first: tree-sitter hands captures that start together in no fixed order, so sorting by the start alone
# gave the models (and the reports) a different order of calls from one run to the next.
_START = operator.attrgetter("start_byte", "end_byte")


def language(name: str) -> tree_sitter.Language:
    """The grammar: "typescript", "tsx", "javascript", "rust", "go", "java", "python"."""
    with _LOCK:
        if name not in _LANGUAGES:
            import tree_sitter

            if name in ("typescript", "tsx"):
                import tree_sitter_typescript as ts_mod

                ptr = ts_mod.language_tsx() if name == "tsx" else ts_mod.language_typescript()
            elif name == "javascript":
                import tree_sitter_javascript as js_mod

                ptr = js_mod.language()
            elif name == "rust":
                import tree_sitter_rust as rs_mod

                ptr = rs_mod.language()
            elif name == "go":
                import tree_sitter_go as go_mod

                ptr = go_mod.language()
            elif name == "java":
                import tree_sitter_java as java_mod

                ptr = java_mod.language()
            elif name == "python":
                import tree_sitter_python as py_mod

                ptr = py_mod.language()
            else:
                raise KeyError(name)
            _LANGUAGES[name] = tree_sitter.Language(ptr)
        return _LANGUAGES[name]


def grammar_for(path: str, language_name: str) -> str:
    if language_name == "typescript" and path.endswith(".tsx"):
        return "tsx"
    return language_name


def parse(grammar: str, data: bytes) -> tuple[tree_sitter.Tree | None, tuple[str, str] | None]:
    """(tree, problem): problem is ("decode"|"syntax"|"partial", message); a partial tree is still returned."""
    import tree_sitter

    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None, ("decode", "not valid UTF-8")
    try:
        tree = tree_sitter.Parser(language(grammar)).parse(data)
    except (ValueError, RuntimeError, MemoryError) as exc:
        return None, ("syntax", f"tree-sitter could not parse the file ({type(exc).__name__})")
    if tree.root_node.has_error:
        return tree, ("partial", "syntax errors; checks read the parts that parsed")
    return tree, None


class Source:
    """The bytes of a parsed file and cheap questions about its nodes."""

    def __init__(self, data: bytes, tree: tree_sitter.Tree, grammar: str) -> None:
        self.data = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
        self.tree = tree
        self.grammar = grammar
        self._errors: list[tuple[int, int]] | None = None
        self._error_starts: list[int] = []

    def text(self, node: tree_sitter.Node | None, cap: int = TEXT_CAP) -> str:
        if node is None:
            return ""
        end = min(node.end_byte, node.start_byte + cap * 4)
        return self.data[node.start_byte : end].decode("utf-8", "replace")[:cap]

    def full_text(self, node: tree_sitter.Node | None) -> str:
        """The whole text of a node, uncapped (for short nodes: identifiers, string literals)."""
        if node is None:
            return ""
        return self.data[node.start_byte : node.end_byte].decode("utf-8", "replace")

    @staticmethod
    def line(node: tree_sitter.Node) -> int:
        return node.start_point[0] + 1

    @staticmethod
    def end_line(node: tree_sitter.Node) -> int:
        return node.end_point[0] + 1

    def broken(self, node: tree_sitter.Node) -> bool:
        """Whether `node` overlaps a part of the file that did not parse (an ERROR or missing node)."""
        if not self.tree.root_node.has_error:
            return False
        if self._errors is None:
            found: list[tuple[int, int]] = []
            stack = [self.tree.root_node]
            while stack:
                current = stack.pop()
                if current.type == "ERROR" or current.is_missing:
                    found.append((current.start_byte, current.end_byte))
                    continue
                if current.has_error:
                    stack.extend(current.children)
            found.sort()
            self._errors = found
            self._error_starts = [s for s, _ in found]
        start, end = node.start_byte, node.end_byte
        i = bisect.bisect_right(self._error_starts, end)
        for j in range(i - 1, -1, -1):
            s, e = self._errors[j]
            if e >= start and s <= end:
                return True
            if e < start and j < i - 64:  # errors are sorted by start; far-away ones cannot overlap
                break
        # an error that encloses the node (starts before it) is found above; an ERROR *parent* also counts
        parent = node.parent
        depth = 0
        while parent is not None and depth < 4:
            if parent.type == "ERROR":
                return True
            parent = parent.parent
            depth += 1
        return False


# Nodes nested deeper than this are not indexed: past about 32,000 levels (`{` * 50,000 in a hostile file)
# tree-sitter's query cursor slows down quadratically and stops capturing anyway. A long builder chain is deep but
# real (3,000 `.route(...)` calls nest 6,000 levels), so the bound sits just below where the slowdown begins.
MAX_START_DEPTH = 30_000


class NodeIndex:
    """Nodes of the requested types, in document order, matched by one compiled tree-sitter query (nodes at most
    MAX_START_DEPTH levels deep).

    A type that is not a node name (`"&&"`, `"||"`) is an anonymous token, captured in the same query."""

    def __init__(self, grammar: str, tree: tree_sitter.Tree, types: Iterable[str]) -> None:
        import tree_sitter

        wanted = tuple(sorted(set(types)))
        key = (grammar, wanted)
        with _LOCK:
            compiled = key in _QUERIES
            query = _QUERIES.get(key)
        if not compiled:
            lang = language(grammar)
            patterns = []
            for i, t in enumerate(wanted):
                if t.replace("_", "a").isalnum():
                    if _has_type(lang, t):
                        patterns.append(f"({t}) @{t}")
                elif _has_type(lang, t, named=False):  # an anonymous token such as "&&": captured as tok<i>
                    patterns.append('"' + t.replace("\\", "\\\\").replace('"', '\\"') + f'" @tok{i}')
            source = "[" + " ".join(patterns) + "]" if patterns else ""
            query = tree_sitter.Query(lang, source) if source else None
            with _LOCK:
                _QUERIES[key] = query
        self._by_type: dict[str, list[tree_sitter.Node]] = {}
        if query is not None:
            cursor = tree_sitter.QueryCursor(query)
            cursor.set_max_start_depth(MAX_START_DEPTH)
            captures = cursor.captures(tree.root_node)
            for name, nodes in captures.items():
                nodes.sort(key=_START)
                self._by_type[wanted[int(name[3:])] if name.startswith("tok") and name[3:].isdigit() else name] = nodes

    def __getitem__(self, node_type: str) -> Sequence[tree_sitter.Node]:
        return self._by_type.get(node_type, ())

    def of(self, *types: str) -> list[tree_sitter.Node]:
        """Nodes of several types, merged in document order."""
        out = [n for t in types for n in self._by_type.get(t, ())]
        out.sort(key=lambda n: n.start_byte)
        return out


def _has_type(lang: tree_sitter.Language, node_type: str, named: bool = True) -> bool:
    try:
        return lang.id_for_node_kind(node_type, named) not in (None, 0)
    except (ValueError, TypeError):
        return False
