"""Sources: decoding and parsing never raise, line numbers match the parsers, snippets are redacted."""

from __future__ import annotations

import ast
import contextlib
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import auditor.sources
from auditor.repo import Repository
from auditor.sources import Sources, decode_python, split_lines
from tests.hostile import AWS_KEY, PEM_LINE_1, PEM_LINE_2, PRIVATE_KEY


def _sources(make_repo: Callable[..., Path], files: dict[str, str | bytes]) -> Sources:
    return Sources(Repository.scan(make_repo(files)))


def test_problems_are_recorded_once_and_never_raised(make_repo: Callable[..., Path]) -> None:
    s = _sources(make_repo, {
        "ok.py": "x = 1\n", "bad.py": "def f(:\n", "deep.py": "x = " + "+".join(["a"] * 50_000) + "\n",
        "latin.py": "# caf\xe9\n".encode("latin-1"), "rot.py": b"# coding: rot13\nx = 1\n",
        "idna.py": b"# coding: idna\nx = '" + b"a" * 70 + b"..'\n", "nul.py": b"x = 1\n" * 2000 + b"\0",
        "bad.ts": "export function (: {", "bad.go": "package main\nfunc (", "latin.js": "// caf\xe9\n".encode("latin-1"),
    })
    s.parse_all()
    s.parse_all()
    assert sorted((p.path, p.kind) for p in s.problems) == [
        ("bad.go", "partial"), ("bad.py", "syntax"), ("bad.ts", "partial"), ("deep.py", "too-deep"),
        ("latin.js", "decode"), ("latin.py", "decode"), ("nul.py", "syntax"), ("rot.py", "decode"),
    ]
    module = s.python("ok.py")
    assert module is not None and [n.id for n in module.nodes(ast.Name)] == ["x"]
    assert s.python("missing.py") is None and s.tree("missing.ts") is None


def test_deeply_nested_but_parseable_module_is_indexed_iteratively(make_repo: Callable[..., Path]) -> None:
    s = _sources(make_repo, {"nested.py": "x = " + "+".join(["a"] * 900) + "\n"})
    module = s.python("nested.py")
    assert module is not None
    names = module.nodes(ast.Name)
    assert len(names) == 901
    assert module.enclosing_function(names[-1]) is None
    assert len(list(module.ancestors(names[1]))) > 800


def test_line_numbers_follow_the_parsers_not_str_splitlines(make_repo: Callable[..., Path]) -> None:
    code = "a = '\u2028'\n\x0c\nb = 1\r\ntry:\r\n    g()\r\nexcept:\r\n    pass\r\n"
    s = _sources(make_repo, {"m.py": code.encode("utf-8")})
    module = s.python("m.py")
    assert module is not None
    handler = module.nodes(ast.ExceptHandler)[0]
    assert handler.lineno == 6
    assert s.snippet("m.py", handler.lineno) == "except:"
    assert split_lines("a\r\nb\rc\nd\x0ce\u2028f\n") == ["a", "b", "c", "d\x0ce\u2028f"]


def test_snippets_are_redacted_even_inside_a_multiline_key(make_repo: Callable[..., Path]) -> None:
    code = f'KEY = """{PRIVATE_KEY}"""\nAWS = "{AWS_KEY}"  # ' + "x" * 190 + f" {AWS_KEY}\n"
    s = _sources(make_repo, {"k.py": code})
    inside = s.snippet("k.py", 4, 6)
    assert PEM_LINE_1 not in inside and inside.count("\n") == 2
    aws_line = len(split_lines(code))
    snippet = s.snippet("k.py", aws_line)
    assert AWS_KEY not in snippet and AWS_KEY[:10] not in snippet.replace("AKIA[redacted", "")
    assert s.snippet("k.py", 10_000) == "" and s.snippet("k.py", 0) == ""


def test_a_snippet_inside_a_key_masks_its_short_last_line_too(make_repo: Callable[..., Path]) -> None:
    tail = "Zq9x3KfT0wB7"  # the short last line of a key body: no pattern recognises it on its own
    key = f"-----BEGIN PRIVATE KEY-----\n{PEM_LINE_1}\n{PEM_LINE_2}\n{tail}\n-----END PRIVATE KEY-----"
    code = "def f():\n    pass\n" * 30 + f'KEY = """{key}"""\nx = 1\n'
    s = _sources(make_repo, {"k.py": code})
    shown = s.snippet("k.py", 63, 64)  # the key's third body line and its END line
    assert tail not in shown and shown.count("\n") == 1
    assert s.snippet("k.py", 66) == "x = 1"


def test_only_the_shown_lines_are_redacted(make_repo: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    code = "".join(f"value_{i} = compute({i})  # a line of ordinary code\n" for i in range(12_000))
    s = _sources(make_repo, {"big.py": code})
    seen: list[int] = []
    real = auditor.sources.redact

    def counting(text: str) -> str:
        seen.append(len(text))
        return real(text)

    monkeypatch.setattr(auditor.sources, "redact", counting)
    for line in (1, 6_000, 11_998):
        assert s.snippet("big.py", line, line + 2) == f"value_{line - 1} = compute({line - 1})  # a line of ordinary code" \
            + "".join(f"\nvalue_{n} = compute({n})  # a line of ordinary code" for n in (line, line + 1))
    assert seen and sum(seen) < 2_000, seen  # three snippets of three lines, not the file's 600 kB


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=400), ext=st.sampled_from([".py", ".ts", ".js", ".rs", ".go", ".java", ".yaml"]))
def test_decoding_and_parsing_any_bytes_never_raises(data: bytes, ext: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / f"f{ext}").write_bytes(data)
        s = Sources(Repository.scan(tmp))
        s.parse_all()
        s.text(f"f{ext}")
        s.snippet(f"f{ext}", 1, 3)
        assert len(s.problems) <= 1


@given(st.binary(max_size=300))
def test_decode_python_raises_only_declared_errors(data: bytes) -> None:
    with contextlib.suppress(SyntaxError, LookupError, UnicodeError):
        decode_python(data)
