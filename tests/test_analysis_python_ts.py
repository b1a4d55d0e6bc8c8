"""Python read with tree-sitter-python (analysis/python_ts.py) when the running `ast` rejects newer syntax.

Two things are proved here. The lowering gives the tree `ast.parse` gives (node types, fields and positions),
hence the same model, on every file both can read: this repository and a sample of the running interpreter's
standard library (bench/bench_python_ts.py runs the same comparison over any corpus: Django, ruff, saleor,
pyright's samples, and on Python 3.14 too). And files with the newer constructs give the facts a reader
expects (the facts Python 3.14's own `ast` gives, checked when this test was written), while real syntax errors
stay syntax problems.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import sys
import sysconfig
import warnings
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
from radon.visitors import ComplexityVisitor

from analysis.model import BODY_LOGS, BODY_RERAISES, CALL_STATEMENT, SECTION_NAMES, FileModel
from analysis.python import analyse_python, model_of_module
from analysis.python_ts import PARSER, lower, parse_newer
from auditor import Config, audit
from auditor.repo import Repository
from auditor.sources import Sources
from reports.base import scorecard_to_dict

ROOT = Path(__file__).resolve().parent.parent
NEWER = "ast" if sys.version_info >= (3, 14) else PARSER  # who reads 3.14 syntax on this interpreter
NEWER_312 = "ast" if sys.version_info >= (3, 12) else PARSER


def tree_diff(a: object, b: object, path: str = "Module") -> str | None:
    """The first difference between two ast trees (types, fields, positions), None when equal."""
    if type(a) is not type(b):
        return f"{path}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, ast.AST):
        for name in a._fields:
            found = tree_diff(getattr(a, name, "<missing>"), getattr(b, name, "<missing>"), f"{path}.{name}")
            if found:
                return found
        for name in a._attributes:
            if getattr(a, name, None) != getattr(b, name, None):
                return f"{path}@{name}: {getattr(a, name, None)!r} != {getattr(b, name, None)!r}"
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)}"
        return next((d for i, (x, y) in enumerate(zip(a, b, strict=True)) if (d := tree_diff(x, y, f"{path}[{i}]"))),
                    None)
    return None if a == b else f"{path}: {a!r} != {b!r}"


def model_diff(a: FileModel, b: FileModel) -> list[str]:
    """The header fields (but `parser`) and sections in which two models differ."""
    header = [n for n in ("path", "language", "role", "problem", "lines", "markers", "metrics") if getattr(a, n) != getattr(b, n)]
    return header + [n for n in SECTION_NAMES if getattr(a, n) != getattr(b, n)]


def both(path: Path, rel: str) -> tuple[str | None, list[str]]:
    """(tree difference, differing model sections) between `ast` and the lowering for one file."""
    text = path.read_text(encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        native = ast.parse(text)
    lowered = lower(text)
    assert lowered is not None, f"{rel}: tree-sitter could not read it"
    reference = analyse_python(rel, "source", text.encode())
    model = model_of_module(rel, "source", text, lowered, PARSER)
    assert reference.parser == "ast" and model.parser == PARSER
    return tree_diff(native, lowered), model_diff(reference, model)


@pytest.mark.parametrize("package", ["analysis", "auditor", "checks", "reports", "tests", "bench", "sample_repos"])
def test_same_tree_and_same_model_on_every_file_of_this_repository(package: str) -> None:
    compared = 0
    for path in sorted((ROOT / package).rglob("*.py")):
        rel = str(path.relative_to(ROOT))
        found, sections = both(path, rel)
        assert found is None and not sections, f"{rel}: {found}; sections {sections}"
        compared += 1
    assert compared >= 1


def _stdlib_sample() -> list[Path]:
    files = sorted(p for p in Path(sysconfig.get_paths()["stdlib"]).rglob("*.py")
                   if "site-packages" not in p.parts and "lib2to3" not in p.parts and "test" not in p.parts)
    return files[::15]  # every 15th file: about 60 real modules of all kinds, the same ones on every run


@pytest.mark.parametrize("part", range(4))
def test_same_tree_and_same_model_on_the_standard_library(part: int) -> None:
    compared = 0
    for path in _stdlib_sample()[part::4]:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ast.parse(path.read_bytes())
            path.read_text(encoding="utf-8")
        except (SyntaxError, UnicodeDecodeError):
            continue
        found, sections = both(path, path.name)
        assert found is None and not sections, f"{path}: {found}; sections {sections}"
        compared += 1
    assert compared > 5


# -- newer syntax ----------------------------------------------------------------------------------------------
NEWER_FILE = '''import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

type Handler[T] = Callable[[T], None]
type Pair = tuple[int, int]


class Box[T]:
    def __init__(self, item: T) -> None:
        self.item = item

    def get[U](self, default: U) -> T | U:
        return self.item if self.item is not None else default


def first[T: (int, str), *Ts, **P](items: list[T], *args: *Ts) -> T:
    return items[0]


def load(path: str) -> str | None:
    try:
        data = open(path).read()
    except ValueError, TypeError:
        log.warning("bad file %s", path)
        return None
    except Exception, BaseException:
        pass
    return t"path {path!r} holds {len(data)} characters"


def group(paths: list[str]) -> None:
    try:
        check(paths)
    except* OSError, ValueError:
        raise


def lookup(d: dict[str, str]) -> str:
    return f"{d["key"]} {d['other']:>{width(d)}}"
'''


def test_newer_syntax_gives_the_facts_a_reader_expects() -> None:
    """Every record below is what Python 3.14's `ast` gives for this file (checked with 3.14 when written)."""
    m = analyse_python("app/newer.py", "source", NEWER_FILE.encode())
    assert m.problem is None and m.parser == NEWER
    functions = {f.qualname: f for f in m.functions}
    assert list(functions) == ["Box.__init__", "Box.get", "first", "load", "group", "lookup"]
    assert functions["Box.get"].params == (("self", None, None, "self"), ("default", "U", None, "positional"))
    assert functions["Box.get"].owner == "Box" and functions["Box.get"].returns == "T | U"
    assert functions["first"].params == (("items", "list[T]", None, "positional"), ("args", "*Ts", None, "vararg"))
    assert (functions["first"].line, functions["first"].end_line, functions["first"].returns) == (18, 19, "T")
    assert [(c.name, c.line, c.end_line, c.methods) for c in m.classes] == [("Box", 10, 15, 2)]
    assert [(h.types, h.catch_all, h.line, h.end_line, m.functions[h.function].name) for h in m.handlers] == [
        (("ValueError", "TypeError"), False, 25, 27, "load"),
        (("Exception", "BaseException"), True, 28, 29, "load"),
        (("OSError", "ValueError"), False, 36, 37, "group"),
    ]
    assert m.handlers[0].flags & BODY_LOGS and m.handlers[2].flags & BODY_RERAISES
    calls = {c.callee: c for c in m.calls}
    assert list(calls) == ["logging.getLogger", "open().read", "open", "log.warning", "len", "check", "width"]
    assert calls["log.warning"].handler == 0 and calls["log.warning"].args[0][4] == "bad file %s"
    assert (calls["len"].line, m.functions[calls["len"].function].name) == (30, "load")  # inside the t-string
    assert (calls["width"].line, calls["width"].args[0][1]) == (41, "d")  # inside a 3.12 f-string's format spec
    assert calls["check"].flags & CALL_STATEMENT
    assert [(r.line, r.handler) for r in m.raises] == [(37, 2)]
    assert [a.targets for a in m.assigns] == [("log",), ("self.item",), ("data",)]  # a type alias is no assignment
    assert [(i.module, i.name) for i in m.imports] == [("logging", ""), ("collections.abc", "Callable")]


class _TryStarAsTry(ast.NodeTransformer):
    """radon 6 does not count `except*` clauses; the adapter counts them as radon counts `except` clauses."""

    def visit_TryStar(self, node: ast.AST) -> ast.AST:
        self.generic_visit(node)
        return ast.Try(**{name: getattr(node, name) for name in node._fields})


def test_newer_syntax_complexity_is_radons() -> None:
    tree = parse_newer(NEWER_FILE) if sys.version_info < (3, 14) else ast.parse(NEWER_FILE)
    assert tree is not None
    visitor = ComplexityVisitor.from_ast(_TryStarAsTry().visit(tree))
    theirs = {f.name: f.complexity for f in [*visitor.functions, *(m for c in visitor.classes for m in c.methods)]}
    ours = {f.name: f.complexity for f in analyse_python("app/newer.py", "source", NEWER_FILE.encode()).functions}
    assert ours == theirs and ours["load"] == 3 and ours["get"] == 2 and ours["group"] == 2


@pytest.mark.parametrize(("source", "reader", "check"), [
    ("try:\n    f()\nexcept KeyError, IndexError:\n    pass\n", NEWER,  # PEP 758 (3.14)
     lambda m: [(h.types, h.catch_all) for h in m.handlers] == [(("KeyError", "IndexError"), False)]),
    ("try:\n    f()\nexcept* Exception, OSError:\n    g()\n", NEWER,
     lambda m: m.handlers[0].catch_all and [c.handler for c in m.calls] == [-1, 0]),
    ("def f[T](x: T) -> list[T]:\n    return [g(x)]\n", NEWER_312,  # PEP 695 (3.12)
     lambda m: m.functions[0].params == (("x", "T", None, "positional"),) and m.calls[0].function == 0),
    ("class C[T: int](Base[T]):\n    def m(self): return self.n()\n", NEWER_312,
     lambda m: m.classes[0].bases == ("Base[T]",) and m.functions[0].owner == "C" and m.calls[0].callee == "self.n"),
    ("type Vector = list[float]\nx = make()\n", NEWER_312,
     lambda m: [c.callee for c in m.calls] == ["make"] and [a.targets for a in m.assigns] == [("x",)]),
    ("q = t'SELECT * FROM t WHERE id = {uid} AND {f(x)}'\n", NEWER,  # PEP 750 (3.14): not an interpolated str
     lambda m: m.assigns[0].value[0] == "other" and [c.callee for c in m.calls] == ["f"]),
    ('x = f"{d["k"]} and {", ".join(items)}"\n', NEWER_312,  # PEP 701 (3.12): the outer quote reused
     lambda m: m.assigns[0].value[0] == "interpolated" and m.assigns[0].value[2] == ("d", "items")
     and [(c.name, c.receiver) for c in m.calls] == [("join", '", "')]),
    ('x = f"{a!r:>{w}} {b=}"\ny = f"""{\n    g(1)  # a comment inside\n}"""\n', NEWER_312,
     lambda m: [(c.callee, c.line) for c in m.calls] == [("g", 3)]),
])
def test_each_newer_construct(source: str, reader: str, check: Callable[[FileModel], bool]) -> None:
    m = analyse_python("app/mod.py", "source", source.encode())
    assert m.problem is None and m.parser == reader and check(m)


@pytest.mark.parametrize("source", [
    'print "hello"\ntype X = int\n',  # Python 2, with newer syntax beside it
    "def f(a=1, b):\n    pass\ntype X = int\n",  # tree-sitter accepts what CPython's parser refuses
    "f(**k, *a)\ntype X = int\n",
    "x = yield = 1\ntype X = int\n",
    "try:\n    pass\nexcept A, B as e:\n    pass\n",  # PEP 758 forbids `as` without parentheses
    "try:\n    pass\nexcept A:\n    pass\nexcept* B:\n    pass\n",
    'x = f"{lambda y: y}"\n',
    "x = t'a' 'b'\n",
    "x = [1, 2\ntype X = int\n",
    "type X = \n",
    "def f[T = int](): pass\n" if sys.version_info < (3, 13) else "def f[T = ](): pass\n",  # 3.13 defaults
    "class C[*]: pass\n",
])
def test_real_syntax_errors_stay_syntax_problems(source: str) -> None:
    m = analyse_python("app/mod.py", "source", source.encode())
    assert m.problem is not None and m.problem[0] == "syntax" and m.parser == "ast"
    assert not m.functions and not m.calls


def test_indentation_errors_are_not_offered_to_tree_sitter() -> None:
    source = "def f():\n\tif x:\n        pass\ntype X = int\n"  # a tab and spaces: TabError
    m = analyse_python("app/mod.py", "source", source.encode())
    assert m.problem is not None and m.problem[0] == "syntax"


def test_deep_newer_code_never_crashes() -> None:
    long_sum = "x = " + " + ".join(["a"] * 1500) + "\ntype X = int\n"  # 1500 left-nested binary operators
    m = analyse_python("app/sum.py", "source", long_sum.encode())
    assert m.problem is None and m.parser == NEWER_312 and m.assigns[0].targets == ("x",)
    longer = "x = " + " + ".join(["a"] * 5000) + "\ntype X = int\n"  # too deep for `ast` itself, as without
    assert analyse_python("app/sum.py", "source", longer.encode()).problem == ("too-deep", "nesting too deep to parse")
    assert analyse_python("app/sum.py", "source", longer.encode()[:-13]).problem[0] == "too-deep"  # type: ignore[index]
    chain = "x = a" + "".join(f".m{i}()" for i in range(300)) + "\ntype X = int\n"  # a long builder chain
    m = analyse_python("app/chain.py", "source", chain.encode())
    assert m.problem is None and len(m.calls) == 300
    longer = "x = a" + "".join(f".m{i}()" for i in range(1000))  # the reader's own limit, whoever parsed
    assert analyse_python("app/chain.py", "source", (longer + "\ntype X = int\n").encode()).problem == \
        analyse_python("app/chain.py", "source", longer.encode()).problem == ("too-deep", "nesting too deep to analyse")
    nested = "x = " + "[" * 150 + "]" * 150 + "\ntype X = int\n"
    m = analyse_python("app/nested.py", "source", nested.encode())
    assert m.problem is None or m.problem[0] == "too-deep"


def test_line_endings_and_encodings_give_the_positions_ast_gives() -> None:
    source = "# coding: latin-1\r\ns = 'caf\xe9'\r\ntry:\r\n    f(s)\r\nexcept A, B:\r\n    pass\r\n"
    m = analyse_python("app/mod.py", "source", source.encode("latin-1"))
    assert m.problem is None and m.parser == NEWER
    assert [(c.callee, c.line, c.args[0][1]) for c in m.calls] == [("f", 4, "s")]
    assert m.assigns[0].value[4] == "caf\xe9" and (m.handlers[0].line, m.handlers[0].end_line) == (5, 6)


def test_sources_give_legacy_families_the_same_module(make_repo: Callable[..., Path]) -> None:
    root = make_repo({"app/newer.py": NEWER_FILE, "app/broken.py": "def f(:\n"})
    sources = Sources(Repository.scan(root))
    module = sources.python("app/newer.py")
    assert module is not None
    assert [n.name for n in module.nodes(ast.FunctionDef)] == ["__init__", "get", "first", "load", "group", "lookup"]
    assert len(module.nodes(ast.ExceptHandler)) == 3
    assert sources.python("app/broken.py") is None
    assert [(p.path, p.kind) for p in sources.problems] == [("app/broken.py", "syntax")]


def test_the_report_says_which_parser_read_each_file(make_repo: Callable[..., Path]) -> None:
    root = make_repo({
        "app/__init__.py": "", "app/newer.py": NEWER_FILE, "app/old.py": "def f():\n    return 1\n",
        "app/broken.py": "def f(:\n", "pyproject.toml": "[project]\nname = 'app'\n",
    }, git=True)
    card = audit(root, Config(only=("typing/*", "errors/*")))
    data = json.loads(json.dumps(scorecard_to_dict(card)))
    schema = json.loads((ROOT / "reports" / "schema" / "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(data)
    files = data["facts"]["files"]
    if NEWER == "ast":
        assert files["parsers"] == {"ast": 3} and files["parsed_by_fallback"] == {}
    else:
        assert files["parsers"] == {"ast": 2, PARSER: 1}
        assert files["parsed_by_fallback"] == {"app/newer.py": PARSER}
    assert [(p["path"], p["kind"]) for p in data["problems"]] == [("app/broken.py", "syntax")]
    errors = data["facts"]["errors"]
    assert errors["handlers"] >= 3  # the newer file's handlers are counted like any other file's


TRICKY = [  # constructs where tree-sitter's tree and CPython's differ in shape, precedence or positions
    "x = a & b ^ c | d << e + f * -g ** h\ny = await x ** 2 + -await y\nz = not a == b or c and d",
    "(x := a if b else c)\nf(y := 1)\n[z for z in range(3) if (w := z)]\nlambda: (yield)\nx = yield a, b",
    "x = *a, *b\nprint(*a.b(), *c[0])\nx[*a]\ny: tuple[*Ts]\nA[*A[b, *b, b]] = 1\nf(*a + b)",
    "with (a, b as c,): pass\nwith (a,): pass\nwith (a, *b): pass\nwith (x := 1, y): pass\n"
    "with (): pass\nwith a if b else c as d: pass\nwith (yield): pass",
    'f"{x!r:>{w}} {{b}} \\n {y = }" "z"\nf"{x:}"\nf"{a, b}"\nf"{item:=42}"\nrf\'`{s}\\\'\'\n'
    'f"""\n{\nfoo(1)\n}x"""\nu"a" f"{x}b" "c"\nU"a" "b"\nR"" f"oo"\nb"a" rb"\\d"\nf"{x=!s:^9}"',
    "x = 1;\nif x: y = 2;\nclass C: a = 1; b = 2;\ndef f(): return 1;\nprint >> sys.stderr, 'x'",
    "match p:\n    case -1 | [a, *_] | {-1: b, 'k': (c), **r} | P(1, -2, k=-3, j=Q() as q) | -1+2j | a.b | None:\n"
    "        pass\n    case 1, 2,:\n        pass\n    case (x) if x: pass\n    case _: pass",
    "def f(a, /, b: int = 1, *args: int, c, d=2, **kw) -> None: ...\nlambda a, /, b, *c, d, **e: 0\n"
    "@dec\n@dec.a(1)\nclass C(B, metaclass=M): pass\nasync def g():\n    async with a as (b, c): pass\n"
    "    async for x in y: pass\n    return [i async for i in g if i]",
    "x: int\n(y): int = 1\na.b += 1\na, (b, *c) = d\ndel a, (b), [c], d.e, f[g]\nglobal q\nassert x, 'm'\n"
    "raise E from None\nif a:\n    pass\nelif b:\n    pass\nelse:\n    pass\nwhile a:\n    break\nelse:\n    pass",
    "x = 0x_ff + 0o17 + 0b1_0 + 1_000 + 1.5e-3 + 2j + 00 + .5\nµ = 1\nﬁle = 2\nx = a not \\\n in b\n"
    "try:\n    pass\nexcept* A:\n    pass\nelse:\n    pass\nfinally:\n    pass\nfrom . . import a\nfrom ... import b\n"
    "from .... x import c\nimport a.b as c, d",
]


@pytest.mark.parametrize("source", TRICKY)
def test_tricky_constructs_give_the_tree_ast_gives(source: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        native = ast.parse(source)
    lowered = lower(source)
    assert lowered is not None and tree_diff(native, lowered) is None, tree_diff(native, lowered)


# -- the facts checks use, when the fallback reads a file ------------------------------------------------------
# Representative snippets of what checks query: routes of three frameworks, handlers and what their bodies do,
# raises, exposures, calls in loops, async functions and tests, settings, complexity.
SNIPPETS = {
    "app/api.py": '''from fastapi import APIRouter, Depends, FastAPI, HTTPException
import requests

app = FastAPI()
router = APIRouter(prefix="/v1")


@router.get("/items/{item_id}", dependencies=[Depends(auth)])
async def read_item(item_id: int, db=Depends(get_db)) -> dict:
    try:
        row = await db.fetch(f"SELECT * FROM items WHERE id = {item_id}")
    except KeyError:
        pass
    except Exception as exc:
        raise HTTPException(status_code=500, detail=str(exc)) from exc
    for tag in row.tags:
        requests.get("https://example.com/" + tag.name)
    return {"item": row}


app.include_router(router, prefix="/api")
''',
    "app/views.py": '''import logging
from flask import Blueprint, Flask, jsonify

bp = Blueprint("users", __name__, url_prefix="/users")
log = logging.getLogger(__name__)


@bp.route("/<int:uid>", methods=["GET", "DELETE"])
def user(uid):
    try:
        return jsonify(load(uid))
    except:
        log.exception("failed")
        return jsonify({"error": traceback.format_exc()}), 500


def score(a, b, c):
    if a and b or c:
        return 1
    elif a:
        while b:
            b -= 1
    return [x for x in range(c) if x % 2] or None


app = Flask(__name__)
app.register_blueprint(bp)
''',
    "shop/urls.py": '''from django.urls import include, path, re_path
from . import views

urlpatterns = [
    path("orders/<int:pk>/", views.OrderView.as_view(), name="order"),
    re_path(r"^legacy/(?P<slug>[-\\w]+)/$", views.legacy),
    path("api/", include("shop.api_urls")),
]
''',
    "shop/settings.py": '''import os
DEBUG = True
SECRET_KEY = os.environ.get("SECRET_KEY", "dev-secret-key-1234567890")
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["django.contrib.admin", "shop"]
DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "PASSWORD": "hunter2hunter2"}}
''',
    "tests/test_orders.py": '''import pytest
from unittest import mock


@pytest.mark.parametrize("n", [1, 2])
def test_total(n):
    assert total(n) == n


class TestOrders:
    def test_empty(self, client):
        with mock.patch("shop.views.load") as load:
            assert client.get("/orders/1/").status_code == 404
            load.assert_called_once()

    def helper(self):
        return None
''',
}
NEWER_TAIL = "\n\ntype _Newer = int\n"  # one 3.12 statement: the file is the fallback's before 3.12


@pytest.mark.parametrize("rel", sorted(SNIPPETS))
def test_snippets_give_the_same_model_either_way(rel: str) -> None:
    """The lowering of an ordinary file gives the tree and every model section `ast` gives."""
    role = "test" if rel.startswith("tests/") else "source"
    text = SNIPPETS[rel]
    lowered = lower(text)
    assert lowered is not None and tree_diff(ast.parse(text), lowered) is None
    reference, model = analyse_python(rel, role, text.encode()), model_of_module(rel, role, text, lowered, PARSER)
    assert reference.parser == "ast" and model.parser == PARSER and model_diff(reference, model) == []
    assert reference.calls and reference.imports  # the snippet is no empty comparison


SAME_EITHER_WAY = ("imports", "functions", "classes", "calls", "settings", "handlers", "raises", "exposures",
                   "routes", "mounts", "tests", "loops", "discards")


@pytest.mark.parametrize("rel", sorted(SNIPPETS))
def test_a_file_that_needs_the_fallback_gives_the_facts_of_its_ordinary_part(rel: str) -> None:
    """The same snippet with a 3.12 statement appended: the running interpreter (3.11) rejects it, the fallback
    reads it, and every fact checks use is the one `ast` gives without that statement (and the analysis layer
    adds the same secrets, scanned from the bytes). What differs: `lines` (the file is longer) and the
    `code_lines` metric (one more line of code)."""
    from analysis import analyse_file

    role = "test" if rel.startswith("tests/") else "source"
    reference = analyse_file(rel, "python", role, SNIPPETS[rel].encode())
    model = analyse_file(rel, "python", role, (SNIPPETS[rel] + NEWER_TAIL).encode())
    assert model.problem is None and model.parser == NEWER_312
    for name in SAME_EITHER_WAY:
        assert getattr(model, name) == getattr(reference, name), name
    assert model.assigns == reference.assigns  # a type alias is no assignment
    assert model.secrets == reference.secrets and model.markers == reference.markers
    code_lines = reference.metric("code_lines")
    assert code_lines is not None and model.lines == reference.lines + 3 and model.metric("code_lines") == code_lines + 1


def test_routes_of_newer_files_are_resolved_like_any_other(make_repo: Callable[..., Path]) -> None:
    """Route extraction (analysis/routes) reads the fallback's models: FastAPI prefixes, Flask blueprints and
    Django urlpatterns give the routes they give from `ast`'s models."""
    from analysis.pool import ModelStore
    from analysis.project import ProjectAnalysis
    from analysis.routes import project_endpoints

    def routes(files: dict[str, str]) -> list[tuple[str, ...]]:
        repo = Repository.scan(make_repo(files))
        endpoints = project_endpoints(ProjectAnalysis(ModelStore.lazy(repo), repo.files))
        return sorted(tuple(str(v) for v in dataclasses.astuple(e)) for e in endpoints)

    plain = {rel: text for rel, text in SNIPPETS.items() if not rel.startswith("tests/")}
    newer = {rel: text + NEWER_TAIL for rel, text in plain.items()}
    expected = routes(plain)
    assert routes(newer) == expected
    assert len(expected) >= 4, expected  # FastAPI, Flask's two methods, Django's paths


NEWER_APP = '''import logging

log = logging.getLogger(__name__)

type Payload = dict[str, object]


def parse[T](raw: bytes, kind: type[T]) -> T | None:
    try:
        return kind(raw)
    except ValueError, TypeError:
        log.warning("not a %s", kind)
    except Exception, OSError:
        pass
    return None


def save(payload: Payload) -> None:
    try:
        store(payload)
    except:
        log.info(t"could not store {payload!r}")
'''


def test_an_audit_reports_findings_inside_a_newer_file_at_their_lines(make_repo: Callable[..., Path]) -> None:
    root = make_repo({"app/__init__.py": "", "app/newer.py": NEWER_APP,
                      "pyproject.toml": "[project]\nname = 'app'\n"}, git=True)
    card = audit(root, Config(only=("errors/*",)))
    data = json.loads(json.dumps(scorecard_to_dict(card)))
    assert data["problems"] == []
    assert data["facts"]["files"]["parsed_by_fallback"] == ({} if NEWER == "ast" else {"app/newer.py": PARSER})
    found = sorted((f["check_id"], f["path"], f["line"]) for c in data["checks"] for f in c["findings"]
                   if f["check_id"] in ("errors/bare-except", "errors/swallowed-exception"))
    lines = NEWER_APP.splitlines()
    swallowing, bare = lines.index("    except Exception, OSError:") + 1, lines.index("    except:") + 1
    assert (swallowing, bare) == (13, 21)
    assert found == [("errors/bare-except", "app/newer.py", bare),
                     ("errors/swallowed-exception", "app/newer.py", swallowing)]


def test_the_parser_is_told_for_models_taken_from_the_cache(make_repo: Callable[..., Path], tmp_path: Path) -> None:
    from auditor.context import AuditOptions

    root = make_repo({"app/__init__.py": "", "app/newer.py": NEWER_APP, "pyproject.toml": "[project]\nname = 'app'\n"},
                     git=True)
    options = AuditOptions(cache_dir=str(tmp_path / "cache"))
    cards = [audit(root, Config(only=("errors/*",)), options=options) for _ in range(2)]
    assert [card.analysis["cached"] for card in cards] == [0, 3]  # two Python files and the manifest
    for card in cards:
        files = scorecard_to_dict(card)["facts"]["files"]
        assert files["parsers"] == ({"ast": 2} if NEWER == "ast" else {"ast": 1, PARSER: 1})
        assert files["parsed_by_fallback"] == ({} if NEWER == "ast" else {"app/newer.py": PARSER})
