"""Typed code family: exact findings and facts over small repositories, and properties of the JSONC reader."""

from __future__ import annotations

import json
import posixpath
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor import audit
from auditor.config import Config
from auditor.engine import Scorecard
from auditor.model import CheckResult, Confidence, Severity, Status
from checks.typed_code.tsconfig import JsoncError, parse_jsonc, resolve_config

MakeRepo = Callable[..., Path]


def run(make_repo: MakeRepo, files: Mapping[str, str | bytes], **config: Any) -> Scorecard:
    return audit(make_repo(files), Config(only=("typing/*",), **config))


def result(card: Scorecard, check_id: str) -> CheckResult:
    return next(r for r in card.results if r.id == check_id)


def found(card: Scorecard, check_id: str) -> list[tuple[str | None, int | None, str, str]]:
    return [(f.path, f.line, f.severity.value, f.message) for f in result(card, check_id).findings]


def facts(card: Scorecard) -> dict[str, Any]:
    value: dict[str, Any] = card.projects[0].facts["typing"]
    return value


# -- Python annotations -----------------------------------------------------------------------------------

PY_MIXED = '''\
import functools


def full(a: int, *args: str, b: int = 1, **kw: object) -> int:
    return a


def bare(a, b):
    return a


async def half(a: int, b):
    return b


def no_return(a: int):
    return a


class Service:
    def __init__(self, name: str):
        self.name = name

    def method(self, x: int) -> int:
        return x

    @staticmethod
    def static(x) -> int:
        return x

    @classmethod
    def build(cls) -> "Service":
        return cls("x")

    def star(self, *args, **kwargs) -> None:
        def inner(y: int) -> int:
            return y
        return None


def outer() -> None:
    def closure(z):
        return z
'''


def test_python_annotation_share_and_findings(make_repo: MakeRepo) -> None:
    card = run(make_repo, {
        "app/svc.py": PY_MIXED,
        "tests/test_svc.py": "def test_x():\n    assert True\n",
        "app/migrations/0001_init.py": "def forwards(apps, schema):\n    pass\n",
    })
    res = result(card, "typing/annotations")
    # 12 functions; fully annotated: full, __init__ (no return needed), method, build, inner, outer.
    assert res.metrics == {"functions": 12, "annotated": 6, "unannotated": 6, "listed": 6}
    assert res.measure is not None and (res.measure.value, res.measure.threshold) == (50.0, 90.0)
    assert res.status is Status.FAILED
    assert found(card, "typing/annotations") == [
        ("app/svc.py", 8, "medium", "`bare` lacks annotations for parameters `a`, `b` and the return type"),
        ("app/svc.py", 12, "medium", "`half` lacks annotations for parameter `b` and the return type"),
        ("app/svc.py", 16, "medium", "`no_return` lacks annotations for the return type"),
        ("app/svc.py", 28, "medium", "`Service.static` lacks annotations for parameter `x`"),
        ("app/svc.py", 35, "medium", "`Service.star` lacks annotations for parameters `*args`, `**kwargs`"),
        ("app/svc.py", 42, "medium", "`outer.closure` lacks annotations for parameter `z` and the return type"),
    ]
    assert facts(card)["python_functions"] == 12
    assert facts(card)["python_annotated"] == 6
    assert facts(card)["python_annotated_fraction"] == 0.5


def test_worst_functions_listed_first_capped_at_50_all_counted(make_repo: MakeRepo) -> None:
    body = "".join(f"def f{i}(a):\n    return a\n\n\n" for i in range(60))
    body += "def worst(a, b, c, d):\n    return a\n"
    card = run(make_repo, {"pkg/many.py": body})
    res = result(card, "typing/annotations")
    assert res.metrics == {"functions": 61, "annotated": 0, "unannotated": 61, "listed": 50}
    assert len(res.findings) == 50
    names = {f.message.split("`")[1] for f in res.findings}
    assert "worst" in names  # five missing annotations: always among those listed
    assert names - {"worst"} == {f"f{i}" for i in range(49)}  # then by path and line


def test_threshold_met_passes_and_lists_gaps_as_info(make_repo: MakeRepo) -> None:
    good = "".join(f"def g{i}(a: int) -> int:\n    return a\n\n\n" for i in range(19))
    card = run(make_repo, {"m.py": good + "def loose(a):\n    return a\n"})
    res = result(card, "typing/annotations")
    assert res.measure is not None and res.measure.value == 95.0
    assert res.status is Status.PASSED
    assert [(f.line, f.severity) for f in res.findings] == [(77, Severity.INFO)]
    strict = run(make_repo, {"m.py": good + "def loose(a):\n    return a\n"}, thresholds={"typing": 100.0})
    assert result(strict, "typing/annotations").status is Status.FAILED


def test_python_only_in_tests_is_not_applicable(make_repo: MakeRepo) -> None:
    card = run(make_repo, {"tests/test_a.py": "def test_a():\n    pass\n"})
    assert result(card, "typing/annotations").status is Status.NOT_APPLICABLE


def test_deeply_nested_python_does_not_crash(make_repo: MakeRepo) -> None:
    nested = "".join("    " * i + f"def f{i}(x: int) -> int:\n" for i in range(60)) + "    " * 60 + "return 1\n"
    deep_expr = "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n"
    card = run(make_repo, {"deep.py": nested, "expr.py": deep_expr})
    res = result(card, "typing/annotations")
    assert res.status is Status.PASSED
    assert res.metrics["functions"] == 60


# -- Python type checker -----------------------------------------------------------------------------------

CHECKER_CASES = [
    ({"pyproject.toml": "[tool.mypy]\nstrict = true\n"}, "mypy", "pyproject.toml", True, []),
    ({"setup.cfg": "[metadata]\nname = x\n\n[mypy]\nplugins = pydantic.mypy\ndisallow_untyped_defs = True\n"},
     "mypy", "setup.cfg", True, []),
    ({"mypy.ini": "# settings\n[mypy]\nwarn_unused_ignores = True\n"}, "mypy", "mypy.ini", False,
     [("mypy.ini", 2, "low")]),
    ({"pyrightconfig.json": '{\n  // comment\n  "typeCheckingMode": "strict",\n}\n'}, "pyright", "pyrightconfig.json", True, []),
    ({"pyproject.toml": "[project]\nname='x'\n\n[tool.pyright]\ntypeCheckingMode = 'basic'\n"}, "pyright", "pyproject.toml",
     False, [("pyproject.toml", 4, "low")]),
    ({"pyproject.toml": "[tool.basedpyright]\nreportAny = false\n"}, "basedpyright", "pyproject.toml", True, []),
    ({".pre-commit-config.yaml": "repos:\n- repo: https://github.com/pre-commit/mirrors-mypy\n  hooks:\n  - id: mypy\n"},
     "mypy", ".pre-commit-config.yaml", False, [(".pre-commit-config.yaml", None, "low")]),
    ({"setup.cfg": "[flake8]\nmax-line-length = 100\n"}, None, None, None, [(None, None, "medium")]),
]


@pytest.mark.parametrize(("files", "checker", "source", "strict", "expected"), CHECKER_CASES)
def test_type_checker_detection(
    make_repo: MakeRepo, files: dict[str, str], checker: str | None, source: str | None, strict: bool | None,
    expected: list[tuple[str | None, int | None, str]],
) -> None:
    card = run(make_repo, {"app.py": "def f() -> None:\n    pass\n", **files})
    fact = facts(card)
    assert (fact["type_checker"], fact["type_checker_config"], fact["strict"]) == (checker, source, strict)
    assert [(p, ln, sev) for p, ln, sev, _ in found(card, "typing/type-checker")] == expected


def test_broken_pyproject_is_a_problem_not_a_crash(make_repo: MakeRepo) -> None:
    card = run(make_repo, {"app.py": "x = 1\n", "pyproject.toml": "[tool.mypy\nstrict = true\n"})
    fact = facts(card)
    assert fact["type_checker"] is None
    assert fact["problems"] and fact["problems"][0].startswith("pyproject.toml does not parse")
    assert result(card, "typing/type-checker").status is Status.FAILED


# -- explicit Any ------------------------------------------------------------------------------------------


def test_python_explicit_any_counted_per_file(make_repo: MakeRepo) -> None:
    card = run(make_repo, {
        "a.py": (
            "from typing import Any, Optional\n"
            "import typing as t\n"
            "\n"
            "def f(x: Any, y: 'dict[str, Any]') -> t.Any:\n"
            "    return x\n"
            "\n"
            "Z: Optional[int] = None\n"
        ),
        "b.py": "from mylib import Any\n\ndef g(x: Any) -> Any:\n    return x\n",
        "tests/test_a.py": "from typing import Any\n\ndef test(x: Any) -> None:\n    pass\n",
    })
    assert facts(card)["any_count"] == 3
    assert found(card, "typing/explicit-any") == [("a.py", 4, "low", "3 explicit `Any` in this file")]


def test_no_any_passes(make_repo: MakeRepo) -> None:
    card = run(make_repo, {"a.py": "from typing import Optional\n\ndef f(x: Optional[int]) -> int:\n    return 1\n"})
    res = result(card, "typing/explicit-any")
    assert res.status is Status.PASSED and res.findings == ()


TS_ANY = """\
export function f(a: any): Promise<any> {
  const b = a as any;
  const c = <any>b;
  const d: any[] = [];
  const e: Array<any> = [];
  const anyThing: string = "any";
  return c;
}
"""


def test_typescript_any_forms_and_tests_counted_apart(make_repo: MakeRepo) -> None:
    card = run(make_repo, {
        "tsconfig.json": '{"compilerOptions": {"strict": true}}',
        "src/a.ts": TS_ANY,
        "src/clean.ts": "export const x: unknown = 1;\n",
        "src/a.spec.ts": "const x: any = 1;\nconst y = x as any;\n",
    })
    fact = facts(card)
    assert (fact["ts_any_count"], fact["ts_any_in_tests"]) == (6, 2)
    assert found(card, "typing/explicit-any") == [("src/a.ts", 1, "low", "6 explicit `any` in this file")]
    assert result(card, "typing/typescript-strict").status is Status.PASSED
