"""Typed code family: exact findings and facts over small repositories, and properties of the JSONC reader."""

from __future__ import annotations

import contextlib
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
from checks.typing.tsconfig import JsoncError, parse_jsonc, resolve_config

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
    fact = facts(card)
    assert (fact["any_count"], fact["any_bare"], fact["any_nested"]) == (3, 2, 1)
    assert found(card, "typing/explicit-any") == [
        ("a.py", 4, "low", "2 bare `Any` in this file: parameter `x` of `f`, return of `f`")]


ANY_POLICY = """\
from typing import Any, Optional, Union, cast
import typing


class Client:
    payload: Any
    headers: dict[str, Any]

    def send(self, body: Optional[Any], *args: Any, **kwargs: Any) -> Any | None:
        return None


def load(text: str) -> dict[str, Any]:
    data: list[Any] = []
    return cast(Any, data)


def fwd(x: "Any", y: "list[Any]", z: "typing.Optional[Any]") -> Union[None, typing.Any]:
    return None


JSON = dict[str, Any]
Callback = typing.Callable[..., Any]
"""


def test_python_any_policy_reports_bare_and_counts_nested(make_repo: MakeRepo) -> None:
    card = run(make_repo, {"client.py": ANY_POLICY, "clean.py": "from typing import Any\n\nX: list[Any] = []\n"})
    fact = facts(card)
    # bare: payload, body, -> Any | None, cast(Any), "Any", "typing.Optional[Any]", Union[None, typing.Any]
    # nested: headers, *args, **kwargs, dict[str, Any] x2, list[Any] x2 ("list[Any]" too), Callable[..., Any], X
    assert (fact["any_bare"], fact["any_nested"]) == (7, 9)
    assert fact["any_count"] == 16
    assert found(card, "typing/explicit-any") == [(
        "client.py", 6, "low",
        "7 bare `Any` in this file: `payload`, parameter `body` of `send`, return of `send` and 4 more",
    )]
    res = result(card, "typing/explicit-any")
    assert (res.metrics["python_any_bare"], res.metrics["python_any_nested"]) == (7, 9)


def test_python_nested_any_alone_passes(make_repo: MakeRepo) -> None:
    card = run(make_repo, {"api.py": (
        "from typing import Any\n\n"
        "def handler(event: dict[str, Any], *args: Any, **kwargs: Any) -> list[dict[str, Any]]:\n"
        "    return [event]\n"
    )})
    fact = facts(card)
    assert (fact["any_count"], fact["any_bare"], fact["any_nested"]) == (4, 0, 4)
    res = result(card, "typing/explicit-any")
    assert res.status is Status.PASSED and res.findings == ()


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


def test_any_in_a_wildcard_module_declaration_is_not_counted_issue_9(make_repo: MakeRepo) -> None:
    """express-typescript-boilerplate `src/types/json.d.ts:2`: `declare module '*.json' { const value: any; }` is
    TypeScript's documented way to import files it cannot type; an `any` in a named module's declaration counts."""
    card = run(make_repo, {
        "tsconfig.json": '{"compilerOptions": {"strict": true}}',
        "src/main.ts": "export const main = (): number => 1;\n",
        "src/types/json.d.ts": "declare module '*.json' {\n    const value: any;\n    export default value;\n}\n",
        "src/types/vendor.d.ts": 'declare module "legacy-lib" {\n    export function run(x: any): void;\n}\n',
    })
    assert found(card, "typing/explicit-any") == [("src/types/vendor.d.ts", 2, "low", "1 explicit `any` in this file")]


# -- TypeScript strictness ---------------------------------------------------------------------------------

TS_SRC = {"src/main.ts": "export const main = (): number => 1;\n"}


def test_tsconfig_with_comments_and_trailing_commas_strict_passes(make_repo: MakeRepo) -> None:
    card = run(make_repo, {**TS_SRC, "tsconfig.json": '{\n  // c\n  "compilerOptions": {\n    /* s */ "strict": true,\n  },\n}\n'})
    assert result(card, "typing/typescript-strict").status is Status.PASSED
    assert facts(card)["typescript_strict"] is True


def test_strict_off_is_high_at_its_line(make_repo: MakeRepo) -> None:
    config = '{\n  "compilerOptions": {\n    "target": "es2020",\n    "strict": false\n  }\n}\n'
    card = run(make_repo, {**TS_SRC, "tsconfig.json": config})
    assert found(card, "typing/typescript-strict") == [(
        "tsconfig.json", 4, "high",
        "`strict` is off; not in effect: `noImplicitAny`, `strictNullChecks`, `strictFunctionTypes`, `strictBindCallApply`, "
        "`strictPropertyInitialization`, `noImplicitThis`, `alwaysStrict`, `useUnknownInCatchVariables`",
    )]
    assert facts(card)["typescript_strict"] is False


def test_strict_off_in_a_test_harness_is_low_issue_9(make_repo: MakeRepo) -> None:
    """full-stack-todo's Nx `apps/server-e2e/tsconfig.json` and lemmy's `api_tests/tsconfig.json` leave strict off,
    and only tests compile with them: low, saying so; the product's own config with strict off stays high."""
    loose = '{\n  "compilerOptions": {\n    "esModuleInterop": true\n  }\n}\n'
    card = run(make_repo, {
        **TS_SRC, "tsconfig.json": loose,
        "apps/server-e2e/tsconfig.json": loose,
        "apps/server-e2e/src/server/user-controller.spec.ts": "it('works', () => {});\n",
        "api_tests/tsconfig.json": loose,
        "api_tests/src/shared.ts": "export const alpha = 'http://127.0.0.1:8541';\n",
    })
    assert sorted((path, line, severity, message.endswith("Nx's `*-e2e`)")) for path, line, severity, message in
                  found(card, "typing/typescript-strict")) == [
        ("api_tests/tsconfig.json", 2, "low", True),
        ("apps/server-e2e/tsconfig.json", 2, "low", True),
        ("tsconfig.json", 2, "high", False),
    ]


def test_strict_partly_switched_off_is_medium(make_repo: MakeRepo) -> None:
    card = run(make_repo, {**TS_SRC, "tsconfig.json": '{"compilerOptions": {"strict": true, "strictPropertyInitialization": false}}'})
    assert found(card, "typing/typescript-strict") == [
        ("tsconfig.json", 1, "medium", "`strict` is on but switched off in part: `strictPropertyInitialization`"),
    ]


def test_solution_style_tsconfig_is_judged_by_its_references(make_repo: MakeRepo) -> None:
    """simplebank's Vue `frontend/`: the root tsconfig.json compiles nothing (`"files": []`); the configs it
    references extend @vue/tsconfig and @tsconfig/node20, both strict. One with strict off is still found."""
    solution = '{"files": [], "references": [{"path": "./tsconfig.node.json"}, {"path": "./tsconfig.app.json"}]}'
    node = '{"extends": "@tsconfig/node20/tsconfig.json", "include": ["vite.config.*"]}'
    app = '{"extends": "@vue/tsconfig/tsconfig.dom.json", "include": ["src/**/*"]}'
    ok = run(make_repo, {**TS_SRC, "tsconfig.json": solution, "tsconfig.node.json": node, "tsconfig.app.json": app})
    assert result(ok, "typing/typescript-strict").status is Status.PASSED
    loose = '{"extends": "@vue/tsconfig/tsconfig.dom.json",\n "compilerOptions": {"strict": false}}'
    bad = run(make_repo, {**TS_SRC, "tsconfig.json": solution, "tsconfig.node.json": node, "tsconfig.app.json": loose})
    assert [f[:3] for f in found(bad, "typing/typescript-strict")] == [("tsconfig.app.json", 2, "high")]


def test_a_solution_reference_to_a_config_not_committed_is_no_unreadable_config_issue_9(make_repo: MakeRepo) -> None:
    """jhipster-sample-app-micronaut: tsconfig.json references `./tsconfig.app.json` and `./tsconfig.e2e.json`, and
    the second is not in the repository; "tsconfig.e2e.json cannot be read as JSON" (medium) pointed at no file."""
    solution = '{"files": [], "references": [{"path": "./tsconfig.app.json"}, {"path": "./tsconfig.e2e.json"}]}'
    app = '{"compilerOptions": {"strict": true}, "include": ["src/**/*"]}'
    ok = run(make_repo, {**TS_SRC, "tsconfig.json": solution, "tsconfig.app.json": app})
    assert result(ok, "typing/typescript-strict").status is Status.PASSED
    assert [c["path"] for c in facts(ok)["tsconfigs"]] == ["tsconfig.app.json"]


def test_extends_chain_child_overrides_base(make_repo: MakeRepo) -> None:
    base = '{"compilerOptions": {"strict": true}}'
    ok = run(make_repo, {**TS_SRC, "config/base.json": base, "tsconfig.json": '{"extends": "./config/base"}'})
    assert result(ok, "typing/typescript-strict").status is Status.PASSED
    assert facts(ok)["tsconfigs"][0]["extends"] == ["config/base.json"]
    loose = run(make_repo, {**TS_SRC, "config/base.json": base,
                            "tsconfig.json": '{"extends": "./config/base.json",\n "compilerOptions": {"noImplicitAny": false}}'})
    assert [(p, ln, sev) for p, ln, sev, _ in found(loose, "typing/typescript-strict")] == [("tsconfig.json", 2, "high")]


def test_extends_package_in_node_modules_and_known_bases(make_repo: MakeRepo) -> None:
    installed = run(make_repo, {
        **TS_SRC, "tsconfig.json": '{"extends": "my-base/tsconfig.json"}',
        "node_modules/my-base/tsconfig.json": '{"compilerOptions": {"strict": true}}',
    })
    assert result(installed, "typing/typescript-strict").status is Status.PASSED
    known = run(make_repo, {**TS_SRC, "tsconfig.json": '{"extends": "@tsconfig/strictest/tsconfig.json"}'})
    assert result(known, "typing/typescript-strict").status is Status.PASSED
    unknown = run(make_repo, {**TS_SRC, "tsconfig.json": '{"extends": "corp-config"}'})
    (finding,) = result(unknown, "typing/typescript-strict").findings
    assert (finding.severity, finding.confidence) == (Severity.INFO, Confidence.LOW)
    assert finding.message.startswith("strictness depends on base config `corp-config`, which is not in the repository")
    assert result(unknown, "typing/typescript-strict").status is Status.PASSED
    assert facts(unknown)["tsconfigs"][0]["unresolved_extends"] == ["corp-config"]
    loose = run(make_repo, {**TS_SRC, "tsconfig.json": '{"extends": "corp-config", "compilerOptions": {"strictNullChecks": false}}'})
    (finding,) = result(loose, "typing/typescript-strict").findings
    assert (finding.severity, finding.confidence) == (Severity.HIGH, Confidence.MEDIUM)
    assert "(base config `corp-config` is not in the repository)" in finding.message


def test_hostile_extends_never_followed_outside_or_in_cycles(make_repo: MakeRepo, tmp_path: Path) -> None:
    (tmp_path / "secret.json").write_text('{"compilerOptions": {"strict": true}}')
    card = run(make_repo, {
        **TS_SRC,
        "tsconfig.json": '{"extends": ["./a.json", "../secret.json", "/etc/passwd", "../../etc/x.json"]}',
        "a.json": '{"extends": "./b.json"}',
        "b.json": '{"extends": "./a.json", "compilerOptions": {"noImplicitAny": true}}',
    })
    problems = facts(card)["problems"]
    assert "b.json: `extends` cycle through a.json; not followed" in problems
    assert sum("points outside the repository" in p for p in problems) == 3
    assert result(card, "typing/typescript-strict").findings[0].severity is Severity.HIGH  # strictNullChecks off


def test_unparsable_tsconfig_is_reported_not_guessed(make_repo: MakeRepo) -> None:
    card = run(make_repo, {**TS_SRC, "tsconfig.json": '{"compilerOptions": {"strict": tru'})
    assert found(card, "typing/typescript-strict") == [
        ("tsconfig.json", 1, "medium", "tsconfig.json cannot be read as JSON with comments; its strictness is unknown"),
    ]
    nested = run(make_repo, {**TS_SRC, "tsconfig.json": "[" * 100_000 + "]" * 100_000})
    assert result(nested, "typing/typescript-strict").findings[0].message.endswith("its strictness is unknown")


def test_typescript_without_tsconfig(make_repo: MakeRepo) -> None:
    card = run(make_repo, TS_SRC)
    assert found(card, "typing/typescript-strict") == [
        (None, None, "high", "TypeScript code without a tsconfig.json: it compiles with the defaults, strict off"),
    ]


# -- JavaScript --------------------------------------------------------------------------------------------

JS_APP = {
    "package.json": '{"name": "api"}',
    "src/app.js": "const express = require('express');\nmodule.exports = express();\n",
    "src/routes.js": "module.exports = [];\n",
    "jest.config.js": "module.exports = {};\n",
    ".eslintrc.js": "module.exports = {};\n",
}


def test_plain_javascript_is_untyped(make_repo: MakeRepo) -> None:
    card = run(make_repo, JS_APP)
    assert found(card, "typing/untyped-javascript") == [(
        "package.json", None, "medium",
        "2 of 2 JavaScript source files are not type-checked (e.g. `src/app.js`, `src/routes.js`); "
        "adopt TypeScript or enable `checkJs`",
    )]
    assert (facts(card)["javascript_files"], facts(card)["javascript_checked"]) == (2, 0)


def test_javascript_with_checkjs_or_ts_check_passes(make_repo: MakeRepo) -> None:
    checked = run(make_repo, {**JS_APP, "jsconfig.json": '{"compilerOptions": {"checkJs": true}}'})
    assert result(checked, "typing/untyped-javascript").status is Status.PASSED
    assert facts(checked)["javascript_checked"] == 2
    pragma = {k: ("// @ts-check\n" + v if k.startswith("src/") else v) for k, v in JS_APP.items()}
    assert result(run(make_repo, pragma), "typing/untyped-javascript").status is Status.PASSED
    half = run(make_repo, {**JS_APP, "src/app.js": "// @ts-check\n" + JS_APP["src/app.js"]})
    assert found(half, "typing/untyped-javascript")[0][3].startswith("1 of 2 JavaScript source files")


def test_tool_configuration_javascript_only_is_not_applicable(make_repo: MakeRepo) -> None:
    card = run(make_repo, {**TS_SRC, "tsconfig.json": '{"compilerOptions": {"strict": true}}',
                           "jest.config.js": "module.exports = {};\n", ".hygen/new/index.js": "module.exports = {};\n"})
    assert result(card, "typing/untyped-javascript").status is Status.NOT_APPLICABLE


BUILD_JS = {
    "webpack/webpack.custom.js": "module.exports = {};\n",  # JHipster's webpack/ folder
    "webpack/environment.js": "module.exports = {};\n",
    "config/default.js": "module.exports = {};\n",
    "scripts/release.js": "console.log('release');\n",
    "gulpfile.js": "module.exports = {};\n",
    "Gruntfile.js": "module.exports = {};\n",
    "tools/webpack.prod.js": "module.exports = {};\n",
    ".eslintrc.js": "module.exports = {};\n",
    "vite.config.mjs": "export default {};\n",
}


def test_build_tooling_javascript_is_not_application_code(make_repo: MakeRepo) -> None:
    """jhipster-sample-app: its 3 webpack/*.js build scripts were counted as untyped application JavaScript."""
    only_build = run(make_repo, {**TS_SRC, "tsconfig.json": '{"compilerOptions": {"strict": true}}', **BUILD_JS})
    assert result(only_build, "typing/untyped-javascript").status is Status.NOT_APPLICABLE
    app = run(make_repo, {"package.json": '{"name": "api"}', **BUILD_JS,
                          "src/config/express.js": "module.exports = require('express')();\n"})
    assert found(app, "typing/untyped-javascript") == [(
        "package.json", None, "medium",
        "1 of 1 JavaScript source files are not type-checked (e.g. `src/config/express.js`); "
        "adopt TypeScript or enable `checkJs`",
    )]


def test_presets_and_database_shell_scripts_are_not_application_code(make_repo: MakeRepo) -> None:
    """issue 9: an Nx `jest.preset.js` and a MongoDB container's `mongo-init.js` are not untyped application JS."""
    card = run(make_repo, {
        "package.json": '{"name": "api"}', "tsconfig.json": '{"compilerOptions": {"strict": true}}', **TS_SRC,
        "jest.preset.js": "const nxPreset = require('@nx/jest/preset').default;\nmodule.exports = { ...nxPreset };\n",
        "docker/mongo-init.js": "db = db.getSiblingDB('app');\ndb.createUser({ user: 'app', pwd: 'x', roles: [] });\n",
    })
    assert result(card, "typing/untyped-javascript").status is Status.NOT_APPLICABLE
    script = run(make_repo, {"package.json": '{"name": "api"}', "scripts/seed.js": "db.createUser({ user: 'a' });\n",
                             "src/db.js": "const { MongoClient } = require('mongodb');\ndb.createUser({ user: 'a' });\n"})
    assert [f.message.split("(e.g. ")[1] for f in result(script, "typing/untyped-javascript").findings] == [
        "`src/db.js`); adopt TypeScript or enable `checkJs`"]


# -- Go, Java, Rust ----------------------------------------------------------------------------------------

GO_SRC = """\
package svc

func Exported(a interface{}, b map[string]any) (any, error) { return nil, nil }

func unexported(a interface{}) {}

func (s *S) Handle(x int) interface{} { return nil }

func Typed(x int) (Reader, error) { return nil, nil }

type Reader interface{ Read() }
"""


def test_go_escape_hatches_in_exported_signatures(make_repo: MakeRepo) -> None:
    card = run(make_repo, {"go.mod": "module x\n", "svc/svc.go": GO_SRC,
                           "svc/svc_test.go": "package svc\n\nfunc Helper(a interface{}) {}\n"})
    assert found(card, "typing/escape-hatch") == [(
        "svc/svc.go", 3, "low",
        "2 public signatures escape the type system: `Exported` (interface{}/any), `Handle` (interface{}/any)",
    )]
    assert facts(card)["escape_hatches"]["go_interface_any"] == 2
    assert facts(card)["statically_typed"] == ["go"]


def test_go_variadic_any_is_fmts_idiom_not_an_escape_hatch(make_repo: MakeRepo) -> None:
    """simplebank `worker/logger.go`: `Printf(format string, args ...any)` mirrors fmt; it is not counted."""
    card = run(make_repo, {"go.mod": "module x\n", "log/log.go": (
        "package log\n\nfunc Printf(format string, args ...interface{}) {}\n\nfunc Fields(kv ...any) {}\n"
        "\nfunc Set(key string, value any) {}\n")})
    assert [f[3] for f in found(card, "typing/escape-hatch")] == [
        "1 public signature escapes the type system: `Set` (interface{}/any)"]


def test_go_signatures_a_library_interface_imposes_are_no_escape_hatch_issue_9(make_repo: MakeRepo) -> None:
    """simplebank `gapi/logger.go:14` (a gRPC unary interceptor) and go-base `logging/logger.go:91` (`Write` and
    `Panic` of chi's `middleware.LogEntry`) take `interface{}` because the library's signature does; the project's
    own `LogEntrySetField(r, key string, value any)` beside them still counts."""
    card = run(make_repo, {"go.mod": "module x\n", "logging/logger.go": (
        "package logging\n\nimport (\n\t\"context\"\n\t\"net/http\"\n\t\"time\"\n\n\t\"google.golang.org/grpc\"\n)\n\n"
        "func GrpcLogger(ctx context.Context, req interface{}, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) "
        "(resp interface{}, err error) {\n\treturn handler(ctx, req)\n}\n\n"
        "type Entry struct{}\n\n"
        "func (l *Entry) Write(status, bytes int, header http.Header, elapsed time.Duration, extra any) {}\n\n"
        "func (l *Entry) Panic(v any, stack []byte) {}\n\n"
        "func LogEntrySetField(r *http.Request, key string, value any) {}\n")})
    assert [f[3] for f in found(card, "typing/escape-hatch")] == [
        "1 public signature escapes the type system: `LogEntrySetField` (interface{}/any)"]


def test_go_without_escape_hatches_passes(make_repo: MakeRepo) -> None:
    card = run(make_repo, {"go.mod": "module x\n", "main.go": "package main\n\nfunc Run(x int) error { return nil }\n"})
    res = result(card, "typing/escape-hatch")
    assert res.status is Status.PASSED and res.metrics["escape_hatches"] == 0


JAVA_SRC = """\
package x;

public class OrderController {
    public List orders() { return null; }
    public ResponseEntity<List<Order>> typed(Map<String, Object> body) { return null; }
    public void save(Object payload) {}
    @Override
    public boolean equals(Object o) { return true; }
    private Map cache(Object key) { return null; }
    public Map.Entry entry;
}

interface Repo {
    Optional find(String id);
}
"""


def test_java_raw_types_and_object_parameters(make_repo: MakeRepo) -> None:
    card = run(make_repo, {"pom.xml": "<project/>", "src/main/java/x/OrderController.java": JAVA_SRC})
    assert found(card, "typing/escape-hatch") == [(
        "src/main/java/x/OrderController.java", 4, "low",
        "4 public signatures escape the type system: `orders` (raw List), `save` (Object parameter), "
        "`entry` (raw Entry), `find` (raw Optional)",
    )]
    hatches = facts(card)["escape_hatches"]
    assert (hatches["java_raw_types"], hatches["java_object_params"]) == (3, 1)


def test_java_raw_types_are_resolved_through_imports(make_repo: MakeRepo) -> None:
    """issue 9 (macrozheng/mall RabbitMqConfig.java:40): Spring AMQP's Queue, imported with a wildcard, is not
    java.util.Queue; the JDK's Queue imported by name, or a bare List in a file without imports, is raw."""
    amqp = ("package com.macro.mall.portal.config;\n\nimport org.springframework.amqp.core.*;\n"
            "import org.springframework.context.annotation.Bean;\n\n@Configuration\npublic class RabbitMqConfig {\n"
            "    @Bean\n    public Queue orderQueue() {\n        return new Queue(\"mall.order.cancel\");\n    }\n"
            "    @Bean\n    public Binding orderBinding(DirectExchange orderDirect, Queue orderQueue) {\n"
            "        return BindingBuilder.bind(orderQueue).to(orderDirect).with(\"key\");\n    }\n}\n")
    jdk = "package x;\n\nimport java.util.Queue;\n\npublic class Jobs {\n    public Queue pending() { return null; }\n}\n"
    own = "package x;\n\npublic class Page {}\n"
    use = "package x;\n\npublic class Pages {\n    public Page first() { return null; }\n}\n"
    card = run(make_repo, {"pom.xml": "<project/>", "src/main/java/x/RabbitMqConfig.java": amqp,
                           "src/main/java/x/Jobs.java": jdk, "src/main/java/x/Page.java": own,
                           "src/main/java/x/Pages.java": use})
    assert found(card, "typing/escape-hatch") == [
        ("src/main/java/x/Jobs.java", 6, "low", "1 public signature escapes the type system: `pending` (raw Queue)")]


def test_aspectj_advice_parameters_are_the_frameworks_choice_issue_9(make_repo: MakeRepo) -> None:
    """macrozheng/mall `WebLogAspect.java:50`: `@AfterReturning(value = "webLog()", returning = "ret") public void
    doAfterReturning(Object ret)`: AspectJ passes the advised method's return value as Object; the advice cannot
    choose a type. A service's own `set(String key, Object value)` stays an escape hatch."""
    aspect = ("package com.macro.mall.common.log;\n\nimport org.aspectj.lang.annotation.*;\n\n@Aspect\n"
              "public class WebLogAspect {\n    @AfterReturning(value = \"webLog()\", returning = \"ret\")\n"
              "    public void doAfterReturning(Object ret) throws Throwable {\n    }\n\n"
              "    @Around(\"webLog()\")\n    public Object doAround(ProceedingJoinPoint joinPoint) throws Throwable {\n"
              "        return joinPoint.proceed();\n    }\n}\n")
    service = "package x;\n\npublic interface RedisService {\n    void set(String key, Object value, long time);\n}\n"
    card = run(make_repo, {"pom.xml": "<project/>", "src/main/java/x/WebLogAspect.java": aspect,
                           "src/main/java/x/RedisService.java": service})
    assert found(card, "typing/escape-hatch") == [
        ("src/main/java/x/RedisService.java", 4, "low", "1 public signature escapes the type system: `set` (Object parameter)")]


def test_rust_is_statically_typed_unsafe_counted_as_fact(make_repo: MakeRepo) -> None:
    card = run(make_repo, {"Cargo.toml": "[package]\nname='x'\n",
                           "src/main.rs": "fn main() {\n    unsafe { danger() }\n    let _ = unsafe { other() };\n}\n"})
    res = result(card, "typing/escape-hatch")
    assert res.status is Status.PASSED
    assert res.metrics["rust_unsafe_blocks"] == 2
    assert facts(card)["escape_hatches"]["rust_unsafe_blocks"] == 2


# -- properties of the JSONC reader and the extends resolver -----------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
COMMENTS = ["", " ", "// line comment \"quoted\" /* not a block\n", "/* block // still block */", "\n\t"]


def to_jsonc(value: Any, draw: Callable[[st.SearchStrategy[Any]], Any]) -> str:
    """`value` as JSONC with comments between tokens and, sometimes, a trailing comma."""

    def gap() -> str:
        return str(draw(st.sampled_from(COMMENTS)))

    if isinstance(value, list):
        items = [gap() + to_jsonc(v, draw) + gap() for v in value]
        trailing = "," + gap() if items and draw(st.booleans()) else ""
        return "[" + ",".join(items) + trailing + "]"
    if isinstance(value, dict):
        pairs = [gap() + json.dumps(k) + gap() + ":" + gap() + to_jsonc(v, draw) for k, v in value.items()]
        trailing = "," + gap() if pairs and draw(st.booleans()) else ""
        return "{" + ",".join(pairs) + trailing + "}"
    return json.dumps(value)


@settings(max_examples=200, deadline=None)
@given(json_values, st.data())
def test_jsonc_round_trip_with_comments_and_trailing_commas(value: Any, data: st.DataObject) -> None:
    assert parse_jsonc(json.dumps(value)) == value
    assert parse_jsonc(to_jsonc(value, data.draw)) == value


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=200), st.binary(max_size=200)))
def test_jsonc_arbitrary_input_raises_only_jsonc_error(text: str | bytes) -> None:
    with contextlib.suppress(JsoncError):
        parse_jsonc(text)


FILES = ["tsconfig.json", "a.json", "b/c.json", "b/tsconfig.json", "node_modules/pkg/tsconfig.json"]
SPECS = ["./a.json", "./a", "../a.json", "./b/c.json", "../tsconfig.json", "./tsconfig.json", "/etc/passwd",
         "../../etc/x.json", "pkg", "pkg/tsconfig.json", "missing", "C:/x.json", "..\\..\\x.json", ".", "..", "b/../../x"]


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(FILES), st.one_of(st.sampled_from(SPECS), st.lists(st.sampled_from(SPECS), max_size=3),
                                                          st.just("{not json"))))
def test_extends_resolver_stays_inside_and_terminates(graph: dict[str, Any]) -> None:
    files: dict[str, bytes] = {}
    for name, ext in graph.items():
        files[name] = ext.encode() if isinstance(ext, str) and ext.startswith("{") else json.dumps(
            {"extends": ext, "compilerOptions": {name: True}}).encode()
    asked: list[str] = []

    def read(rel: str) -> bytes | None:
        asked.append(rel)
        return files.get(rel)

    resolved = resolve_config("tsconfig.json", read)
    for rel in asked:
        assert not rel.startswith("/") and "\\" not in rel and ":" not in rel
        assert ".." not in rel.split("/") and posixpath.normpath(rel) == rel
    assert len(set(resolved.chain)) == len(resolved.chain)
    assert set(resolved.chain) <= set(files)
    assert set(resolved.options) <= set(resolved.chain)  # each layer contributes its own key only
