"""Maintainability family: complexity per function (radon's numbers for Python) and radon's maintainability index,
modules and classes that do too much, thresholds set through configuration."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from radon.complexity import cc_visit
from radon.metrics import mi_visit

from analysis.python import MI_MIN_LINES, analyse_python
from auditor.config import Config, ConfigError
from auditor.context import Context
from auditor.model import Check, Finding, NotApplicable, Verdict
from auditor.repo import Repository
from auditor.sources import Sources
from checks.maintainability import Complexity, GodModule
from checks.operability import operability_facts

MakeRepo = Callable[..., Path]
ROOT = Path(__file__).resolve().parent.parent


def context(root: Path, config: Config | None = None) -> Context:
    repo = Repository.scan(root)
    return Context(repo=repo, sources=Sources(repo), config=config or Config())


def findings(check: type[Check], root: Path, config: Config | None = None) -> list[Finding]:
    out = check().run(context(root, config))
    items = out.findings if isinstance(out, Verdict) else tuple(out)
    return sorted(items, key=lambda f: (f.path or "", f.line or 0, f.message))


def branchy(name: str, branches: int) -> str:
    """A function with `branches` if statements: cyclomatic complexity 1 + branches."""
    body = "".join(f"    if x == {i}:\n        return {i}\n" for i in range(branches))
    return f"def {name}(x):\n{body}    return -1\n"


SNIPPET = branchy("fifteen", 14) + branchy("sixteen", 15) + branchy("twenty_six", 25) + (
    "def mixed(items, flag):\n"
    "    total = 0\n"
    "    for item in items:\n"
    "        if item and flag or not item:\n"
    "            total += 1\n"
    "        elif item > 3:\n"
    "            try:\n"
    "                total += int(item)\n"
    "            except ValueError:\n"
    "                continue\n"
    "    return [x for x in items if x] or total\n"
)


def test_complexity_findings_by_threshold_and_the_numbers_are_radons(make_repo: MakeRepo) -> None:
    root = make_repo({"app/logic.py": SNIPPET, "tests/test_logic.py": branchy("test_huge", 40)})
    found = findings(Complexity, root)
    assert [(f.path, f.line, f.severity.value, f.key) for f in found] == [
        ("app/logic.py", 31, "medium", "sixteen"), ("app/logic.py", 63, "high", "twenty_six")]
    assert found[0].message == "`sixteen` has a cyclomatic complexity of 16 (over 15)"
    assert found[1].message == "`twenty_six` has a cyclomatic complexity of 26 (over 25)"
    radon = {b.name: b.complexity for b in cc_visit(SNIPPET)}
    ours = {f.name: f.complexity for f in analyse_python("app/logic.py", "source", SNIPPET.encode()).functions}
    assert ours == radon == {"fifteen": 15, "sixteen": 16, "twenty_six": 26, "mixed": 10}
    facts = operability_facts(context(root))["complexity"]
    assert facts["functions"] == 4 and facts["over_threshold"] == 2 and facts["over_high_threshold"] == 1  # type: ignore[index]
    assert facts["worst"][0] == {"function": "twenty_six", "where": "app/logic.py:63", "complexity": 26,  # type: ignore[index]
                                 "language": "python"}


def test_thresholds_are_options_set_in_configuration(make_repo: MakeRepo) -> None:
    root = make_repo({"app/logic.py": SNIPPET})
    config = Config(options={"maintainability/complexity": {"threshold": 20, "high": 30}})
    assert [(f.key, f.severity.value) for f in findings(Complexity, root, config)] == [("twenty_six", "medium")]
    assert context(root, config).option(Complexity, "threshold") == 20
    assert context(root).option(Complexity, "threshold") == 15
    with pytest.raises(KeyError):
        context(root).option(Complexity, "nonsense")


def test_options_are_read_from_pyproject_and_validated_against_the_checks(make_repo: MakeRepo) -> None:
    root = make_repo({"pyproject.toml": '[tool.auditor.options."maintainability/complexity"]\nthreshold = 20\n'})
    config = Config.load(root)
    assert config.options == {"maintainability/complexity": {"threshold": 20}}
    declared = {Complexity.id: Complexity.options, GodModule.id: GodModule.options}
    config.check_options(declared)  # valid: no error
    where = str(root / "pyproject.toml")
    bad = {
        '[tool.auditor.options."maintainability/complexity"]\nthreshold = "high"\n':
            f"{where}: 'options.\"maintainability/complexity\".threshold' must be a whole number",
        '[tool.auditor.options."maintainability/complexity"]\nthreshhold = 20\n':
            f"{where}: unknown key 'options.\"maintainability/complexity\".threshhold' (options of "
            "maintainability/complexity: high, mi_threshold, share, threshold)",
        '[tool.auditor.options."nope/nothing"]\nx = 1\n': f"{where}: 'options.\"nope/nothing\"': no such check (see `auditor checks`)",
        '[tool.auditor.options]\ncomplexity = 3\n': f"{where}: 'options.complexity' is not a check id (family/name, quoted in TOML: "
                                                    '[tool.auditor.options."family/name"])',
        '[tool.auditor.options."maintainability/complexity"]\nthreshold = {a = 1}\n':
            f"{where}: 'options.\"maintainability/complexity\".threshold' must be a number, a string, true/false or a list of those",
    }
    for text, message in bad.items():
        (root / "pyproject.toml").write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError) as err:
            Config.load(root).check_options(declared)
        assert str(err.value) == message
    (root / "pyproject.toml").write_text('[tool.auditor.options."maintainability/complexity"]\nmi_threshold = 20\n')
    Config.load(root).check_options(declared)  # an integer for a float option is a number


def test_a_bad_option_is_one_line_on_stderr_and_exit_2(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = make_repo({"app.py": "x = 1\n", ".auditor.toml": '[options."maintainability/god-module"]\nmax_lines = true\n'})
    proc = subprocess.run([sys.executable, "-m", "auditor", "audit", str(root), "-o", str(tmp_path / "out"), "-q"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"auditor: error: {root / '.auditor.toml'}: 'options.\"maintainability/god-module\".max_lines' must be a whole number"]


def test_no_functions_is_not_applicable(make_repo: MakeRepo) -> None:
    with pytest.raises(NotApplicable):
        findings(Complexity, make_repo({"app/config.py": "DEBUG = False\n"}))


# -- maintainability index ----------------------------------------------------------------------------------------
def _big_module(n: int, doc: int) -> str:
    """A module of (doc + 5) * n + 1 lines: simple functions with long docstrings and a comment each."""
    out = ['"""A generated module."""\n']
    for i in range(n):
        text = "\n".join(f"    Line {k} of the documentation." for k in range(doc))
        out.append(f"def helper_{i}(a):  # helper {i}\n    \"\"\"{text}\n    \"\"\"\n    return a + {i} if a else {i}\n\n\n")
    return "".join(out)


def test_maintainability_index_is_radons_for_large_modules_only() -> None:
    big, small = _big_module(48, 16), _big_module(5, 16)
    assert big.count("\n") >= MI_MIN_LINES > small.count("\n")
    ours = analyse_python("app/big.py", "source", big.encode()).metric("mi")
    assert ours is not None and 20 < ours < 30 and abs(ours - mi_visit(big, True)) <= 2.5
    assert analyse_python("app/small.py", "source", small.encode()).metric("mi") is None
    # nothing reads a test module's index (issue 14: most long modules are tests, and radon's walk is costly)
    assert analyse_python("tests/test_big.py", "test", big.encode()).metric("mi") is None
    assert analyse_python("app/migrations/big.py", "migration", big.encode()).metric("mi") == ours
    for path in (ROOT / "analysis" / "python.py", ROOT / "auditor" / "repo.py"):
        text = path.read_text(encoding="utf-8")
        model = analyse_python(str(path), "source", text.encode())
        if model.lines >= MI_MIN_LINES:
            mi = model.metric("mi")
            assert mi is not None and abs(mi - mi_visit(text, True)) <= 2.5, path


def test_a_low_maintainability_index_is_a_low_finding(make_repo: MakeRepo) -> None:
    root = make_repo({"app/big.py": _big_module(56, 13), "app/small.py": _big_module(55, 13)})  # 1,010 and 992 lines
    model = analyse_python("app/big.py", "source", _big_module(56, 13).encode())
    mi = model.metric("mi")
    assert mi is not None and 0 < mi < 10
    found = findings(Complexity, root)
    assert [(f.path, f.line, f.severity.value) for f in found] == [("app/big.py", None, "low")]  # small.py is not measured
    assert found[0].message == f"maintainability index {mi:.1f} (radon rank C, below 10): {model.lines} lines, hard to change safely"
    config = Config(options={"maintainability/complexity": {"mi_threshold": 4}})
    assert findings(Complexity, root, config) == []


def test_application_code_in_a_migrations_folder_is_measured_issue_14(make_repo: MakeRepo) -> None:
    """A module under `migrations/` that is no migration becomes application code after the analysis
    (auditor.roles): its index was measured all the same, so its low one is found."""
    from auditor.engine import audit

    root = make_repo({"services/migrations/importer.py": _big_module(56, 13), "tests/test_importer.py": _big_module(56, 13),
                      "pyproject.toml": "[project]\nname = 'svc'\n"}, git=True)
    card = audit(root, Config(only=("maintainability/complexity",)))
    found = [(f.path, f.severity.value) for c in card.projects for r in c.results for f in r.findings]
    assert found == [("services/migrations/importer.py", "low")]  # the test module's index was never measured


# -- god modules ---------------------------------------------------------------------------------------------------
def test_god_modules_and_classes_by_thresholds(make_repo: MakeRepo) -> None:
    many = "".join(f"def f{i}():\n    return {i}\n\n\n" for i in range(55))
    huge = many + "".join(f"x{i} = {i}\n" for i in range(1000))
    imports = "".join(f"import mod{i}\n" for i in range(31))
    cls = "class Service:\n" + "".join(f"    def m{i}(self):\n        return {i}\n" for i in range(31))
    root = make_repo({"app/many.py": many, "app/huge.py": huge, "app/imports.py": imports, "app/service.py": cls,
                      "app/small.py": "def f():\n    return 1\n", "tests/test_many.py": many})
    found = findings(GodModule, root)
    assert [(f.path, f.line, f.severity.value) for f in found] == [
        ("app/huge.py", None, "medium"), ("app/imports.py", None, "low"), ("app/many.py", None, "low"),
        ("app/service.py", 1, "low")]
    assert found[0].message == "module does too much: 1110 lines of code (over 1000), 55 functions (over 50)"
    assert found[3].message == "class `Service` does too much: 31 methods (over 30)"
    config = Config(options={"maintainability/god-module": {"max_functions": 60, "max_class_methods": 40, "max_fan_out": 40}})
    assert [(f.path, f.severity.value) for f in findings(GodModule, root, config)] == [("app/huge.py", "low")]


def test_complexity_is_scored_by_the_share_of_functions_it_touches(make_repo: MakeRepo) -> None:
    from auditor.model import Verdict

    simple = "".join(f"def f{i}(x):\n    return x + {i}\n" for i in range(39))
    one_in_forty = Complexity().run(context(make_repo({"app/logic.py": simple + branchy("sixteen", 15)})))
    tangled = branchy("a", 15) + branchy("b", 1) + branchy("c", 20) + "def d():\n    pass\n"
    half = Complexity().run(context(make_repo({"app/logic.py": tangled})))
    assert isinstance(one_in_forty, Verdict) and isinstance(half, Verdict)
    assert one_in_forty.measure is not None and (one_in_forty.measure.value, one_in_forty.measure.threshold) == (97.5, 95.0)
    assert half.measure is not None and half.measure.value == 50.0 and not half.measure.met
    assert len(one_in_forty.findings) == 1 and len(half.findings) == 2  # the findings stay, whatever the score
