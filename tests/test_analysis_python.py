"""The Python adapter of the analysis layer: facts read from small real snippets, and radon's complexity."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from radon.visitors import ComplexityVisitor

from analysis.model import (
    BODY_FALLBACK,
    BODY_LOGS,
    BODY_RAISES,
    BODY_RERAISES,
    BODY_TRIVIAL,
    BODY_USES_ERROR,
    CALL_AWAITED,
    CALL_IN_ASYNC,
    CALL_IN_LAMBDA,
    CALL_IN_LOOP,
    CALL_IN_TEST,
    CALL_STATEMENT,
    RAISE_CHAINED,
    RAISE_FROM_NONE,
    RAISE_RERAISE,
    FileModel,
)
from analysis.python import HOLE, analyse_python

ROOT = Path(__file__).resolve().parent.parent


def model(source: str, path: str = "app/mod.py", role: str = "source") -> FileModel:
    return analyse_python(path, role, source.encode())


def test_calls_carry_their_context() -> None:
    m = model(
        "import requests as rq\n"
        "from db import session\n"
        "async def handler(ids):\n"
        "    for i in ids:\n"
        "        await session.get(i)\n"
        "    rq.get('http://x', timeout=3)\n"
        "    data = [fetch(x) for x in ids]\n"
        "    cb = lambda: notify()\n"
        "top()\n"
    )
    by_name = {c.callee: c for c in m.calls}
    get = by_name["session.get"]
    assert get.flags & CALL_AWAITED and get.flags & CALL_IN_LOOP
    assert get.flags & CALL_IN_ASYNC and get.flags & CALL_STATEMENT
    assert get.receiver == "session" and get.qualified == "db.session.get"
    requests_get = next(c for c in m.calls if c.callee == "rq.get")
    assert requests_get.qualified == "requests.get"
    assert not requests_get.flags & (CALL_IN_LOOP | CALL_AWAITED)
    assert [(a[0], a[3]) for a in requests_get.args] == [("str", ""), ("num", "timeout")]
    assert by_name["fetch"].flags & CALL_IN_LOOP and not by_name["fetch"].flags & CALL_STATEMENT
    assert by_name["notify"].flags & CALL_IN_LAMBDA
    assert by_name["top"].function == -1 and get.function == 0
    assert m.functions[0].is_async and m.functions[0].name == "handler"


def test_strings_built_from_variables_are_told_apart_from_literals() -> None:
    m = model(
        "def q(cur, uid, name):\n"
        "    cur.execute(f'SELECT * FROM u WHERE id = {uid}')\n"
        "    cur.execute('SELECT * FROM u WHERE id = %s', (uid,))\n"
        "    cur.execute('SELECT * FROM u WHERE name = ' + name)\n"
        "    cur.execute('SELECT %s' % uid)\n"
        "    cur.execute('SELECT {}'.format(uid))\n"
        "    cur.execute(f'SELECT 1')\n"
    )
    kinds = [c.args[0][0] for c in m.calls if c.name == "execute"]
    assert kinds == ["interpolated", "str", "concat", "interpolated", "interpolated", "str"]
    assert m.calls[0].args[0][2] == ("uid",)
    assert m.calls[0].args[0][4] == f"SELECT * FROM u WHERE id = {HOLE}uid{HOLE}"


def test_handler_bodies_are_described_not_judged() -> None:
    m = model(
        "import logging\n"
        "log = logging.getLogger()\n"
        "def f():\n"
        "    try:\n        work()\n    except Exception:\n        pass\n"
        "    try:\n        work()\n    except Exception:\n        return []\n"
        "    try:\n        work()\n    except Exception as e:\n        log.error('x %s', e)\n"
        "    try:\n        work()\n    except:\n        rollback()\n        raise\n"
        "    try:\n        work()\n    except ValueError as exc:\n        raise Bad() from exc\n"
    )
    h = m.handlers
    assert [x.catch_all for x in h] == [True, True, True, True, False]
    assert h[0].flags & BODY_TRIVIAL and not h[0].flags & BODY_FALLBACK
    assert h[1].flags & BODY_FALLBACK
    assert h[2].flags & BODY_LOGS and h[2].flags & BODY_USES_ERROR and h[2].binding == "e"
    assert h[3].types == () and h[3].flags & BODY_RAISES and h[3].flags & BODY_RERAISES
    assert m.raises[0].flags & RAISE_RERAISE and m.raises[0].handler == 3
    assert m.raises[1].flags & RAISE_CHAINED and m.raises[1].exception == "Bad"


def test_raise_from_none_and_exposures() -> None:
    m = model(
        "from flask import Flask, jsonify\n"
        "app = Flask(__name__)\n"
        "@app.route('/a')\n"
        "def a():\n"
        "    try:\n        return work()\n    except KeyError:\n        raise LookupError('x') from None\n"
        "    except Exception as e:\n        return jsonify(error=str(e)), 500\n"
    )
    assert m.raises[0].flags & RAISE_FROM_NONE
    assert [(e.detail, e.sink, e.error_types) for e in m.exposures] == [("str(e)", "jsonify", ("Exception",))]


def test_routes_routers_and_mounts() -> None:
    m = model(
        "from fastapi import APIRouter, FastAPI, Depends\n"
        "from app.core.config import settings\n"
        "from .users import router as users_router\n"
        "app = FastAPI()\n"
        "router = APIRouter(prefix='/items')\n"
        "app.include_router(users_router, prefix=settings.API_V1)\n"
        "@router.get('/{item_id}')\n"
        "async def read(item_id: int, user=Depends(current_user)):\n"
        "    return item_id\n",
        path="app/api/items.py",
    )
    declared = {mt.child: mt.prefix for mt in m.mounts if not mt.parent}
    assert declared == {"py:app.api.items#app": "", "py:app.api.items#router": "/items"}
    include = next(mt for mt in m.mounts if mt.parent)
    assert include.parent == "py:app.api.items#app" and include.child == "pyref:app.api.users.router"
    assert include.prefix == f"{HOLE}settings.API_V1{HOLE}" and not include.known
    (route,) = m.routes
    assert (route.method, route.path, route.owner, route.handler) == ("GET", "/{item_id}", "py:app.api.items#router", "read")
    assert "param:user=Depends(current_user)" in route.guards


def test_tests_fixtures_and_property_tests() -> None:
    m = model(
        "import pytest\nfrom hypothesis import given\n"
        "@pytest.fixture\ndef db(): ...\n"
        "def test_a(db): ...\n"
        "@given(x=1)\ndef test_b(x): ...\n"
        "class TestThing:\n    def test_c(self): ...\n    def helper(self): ...\n"
        "class Other:\n    def test_not(self): ...\n",
        path="tests/test_x.py", role="test",
    )
    assert [(t.name, t.kind) for t in m.tests] == [("db", "fixture"), ("test_a", "test"), ("test_b", "property"),
                                                   ("test_c", "test")]
    assert all(c.flags & CALL_IN_TEST for c in m.calls)


def test_explicit_any_bare_and_nested() -> None:
    m = model(
        "from typing import Any, Optional\nimport typing as t\n"
        "def f(a: Any, b: dict[str, Any], *args: Any) -> Optional[Any]: ...\n"
        "x: 't.Any' = 1\n"
    )
    assert [(u.kind, u.where) for u in m.type_uses] == [
        ("any", "parameter `a` of `f`"), ("any-nested", ""), ("any-nested", ""), ("any", "return of `f`"),
        ("any", "`x`"),
    ]


def test_settings_record_literal_configuration() -> None:
    m = model(
        "DEBUG = True\nALLOWED_HOSTS = ['*']\n"
        "app.add_middleware(CORSMiddleware, allow_origins=['*'], allow_credentials=True, max_age=compute())\n"
        "class Meta:\n    managed = False\n"
    )
    found = {(s.key, s.value, s.context) for s in m.settings}
    assert ("DEBUG", "True", "") in found and ("ALLOWED_HOSTS", "['*']", "") in found
    assert ("allow_origins", "['*']", "app.add_middleware") in found
    assert ("allow_credentials", "True", "app.add_middleware") in found
    assert ("managed", "False", "Meta") in found
    assert not any(s.key == "max_age" for s in m.settings)


def test_bad_input_is_a_problem_never_an_exception() -> None:
    assert model("def f(:\n").problem[0] == "syntax"  # type: ignore[index]
    assert analyse_python("x.py", "source", b"\xff\xfe\x00bad").problem is not None
    deep = "x = " + "+".join(["a"] * 20000) + "\n"
    result = model(deep)
    assert result.problem is None or result.problem[0] == "too-deep"
    nested = "def f():\n" + "".join("    " * i + "    if x:\n" for i in range(90)) + "    " * 91 + "pass\n"
    assert model(nested).functions[0].complexity == 91


def test_round_trip_through_bytes() -> None:
    m = model((ROOT / "analysis" / "python.py").read_text())
    assert FileModel.from_bytes(m.to_bytes()) == m
    assert len(m.calls) > 100


def _radon(source: str) -> dict[tuple[str, int], int]:
    visitor = ComplexityVisitor.from_ast(ast.parse(source))
    out: dict[tuple[str, int], int] = {}
    stack = [*visitor.functions, *(m for c in visitor.classes for m in c.methods)]
    while stack:
        fn = stack.pop()
        out[(fn.name, fn.lineno)] = fn.complexity
        stack.extend(fn.closures)
    return out


@pytest.mark.parametrize("package", ["auditor", "analysis", "checks", "reports", "tests"])
def test_complexity_is_radons(package: str) -> None:
    """Cyclomatic complexity counted in the adapter's walk equals radon's for every function of our own code."""
    compared = 0
    for path in sorted((ROOT / package).rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        ours = {(f.name, f.line): f.complexity for f in model(source, str(path)).functions}
        theirs = _radon(source)
        for key, value in theirs.items():
            assert ours.get(key) == value, f"{path}:{key[1]} {key[0]}: ours {ours.get(key)}, radon {value}"
            compared += 1
    assert compared > 20


def test_loops_say_what_they_iterate_and_which_attributes_of_their_rows_they_read() -> None:
    m = model(
        "def f(session, ids):\n"
        "    orders = session.scalars(q)\n"
        "    for order in orders:\n"
        "        if order.customer.vip:\n"
        "            notify(order.id)\n"
        "    rows = [r.total for r in session.scalars(q) if r.paid]\n"
        "    while pending():\n"
        "        step()\n"
        "    return {k: v.name for k, v in ids.items()}\n"
    )
    assert [(lp.kind, lp.line, lp.end_line, lp.iterable[:2], lp.targets, lp.reads) for lp in m.loops] == [
        ("for", 3, 5, ("name", "orders"), ("order",), ("order.customer", "order.id")),
        ("comprehension", 6, 6, ("call", "session.scalars(q)"), ("r",), ("r.total", "r.paid")),
        ("while", 7, 8, ("call", "pending()"), (), ()),
        ("comprehension", 9, 9, ("call", "ids.items()"), ("k", "v"), ("v.name",)),
    ]
    flags = {(c.callee, c.line): c.flags for c in m.calls}
    assert not flags[("session.scalars", 6)] & CALL_IN_LOOP  # a comprehension's first iterable runs once
    assert flags[("notify", 5)] & CALL_IN_LOOP and flags[("step", 8)] & CALL_IN_LOOP
    assert not flags[("pending", 7)] & CALL_IN_LOOP


def test_lines_of_code_are_measured_and_survive_the_wire() -> None:
    m = model('"""Doc."""\n\n# a comment\nimport os  # why\n\n\ndef f():\n    """Multi\n    line."""\n    return os.sep\n')
    assert m.metric("code_lines") == 3.0 and m.metric("mi") is None
    assert FileModel.from_bytes(m.to_bytes()).metrics == m.metrics


@pytest.mark.parametrize("package", ["auditor", "analysis", "checks", "reports"])
def test_total_complexity_for_the_maintainability_index_is_radons(package: str) -> None:
    """radon's module total (what its MI uses), from this walk's counts, on every module of our own code."""
    from analysis.python import _radon_total_complexity, _Reader

    for path in sorted((ROOT / package).rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        reader = _Reader(str(path), "source", source)
        reader.read(ast.parse(source))
        assert _radon_total_complexity(reader) == ComplexityVisitor.from_ast(ast.parse(source)).total_complexity, path
