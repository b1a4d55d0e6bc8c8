"""A third-party check package, really installed, is discovered through the `auditor.checks` entry point
group and runs beside the built-in checks (which are registered the same way)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.registry import load_registry
from tests.helpers import write_tree

PLUGIN_PYPROJECT = """
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "auditor-plugin-demo"
version = "1.0"

[project.entry-points."auditor.checks"]
demo = "auditor_plugin_demo:CHECKS"
broken = "auditor_plugin_demo:MISSING"
"""

PLUGIN_CODE = '''
import ast
from auditor.model import Check, Effort, Severity


class NoPrint(Check):
    id = "demo/no-print"
    title = "print() in service code"
    category = "operability"
    languages = frozenset({"python"})
    severity = Severity.LOW
    rationale = "Services log; they do not print."
    remediation = ("Use the logging module.",)
    effort = Effort.SMALL

    def run(self, ctx):
        for module in ctx.python_modules("source"):
            for call in module.nodes(ast.Call):
                if isinstance(call.func, ast.Name) and call.func.id == "print":
                    yield self.finding(ctx, "print() call", module.path, call.lineno)


CHECKS = [NoPrint]
'''


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = write_tree(tmp_path_factory.mktemp("plugin"), {
        "pyproject.toml": PLUGIN_PYPROJECT, "auditor_plugin_demo/__init__.py": PLUGIN_CODE,
    })
    site = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
         "--target", str(site), str(src)],
        check=True, capture_output=True, timeout=300,
    )
    return site


def _run(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "auditor", *args], capture_output=True, text=True, env=env, timeout=120)


def test_installed_plugin_is_listed_and_runs(plugin_site: Path, make_repo: Callable[..., Path], tmp_path: Path) -> None:
    listing = _run(plugin_site, "checks")
    assert "demo/no-print" in listing.stdout
    assert "plugin 'broken'" in listing.stderr  # a broken entry point is reported, not fatal
    root = make_repo({"svc.py": "def main() -> None:\n    print('hi')\n"})
    result = _run(plugin_site, "audit", str(root), "--format", "json,md,html,sarif,junit", "-o", str(tmp_path / "out"),
                  "--fail-on", "none")
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    demo = next(c for c in report["checks"] if c["id"] == "demo/no-print")
    assert [(f["path"], f["line"], f["severity"]) for f in demo["findings"]] == [("svc.py", 2, "low")]
    assert any("broken" in e for e in report["plugin_errors"])


def test_a_broken_plugin_is_said_on_stderr_and_in_every_report(plugin_site: Path, make_repo: Callable[..., Path],
                                                               tmp_path: Path) -> None:
    root = make_repo({"svc.py": "x = 1\n"})
    out = tmp_path / "out"
    result = _run(plugin_site, "audit", str(root), "--format", "json,md,html,sarif,junit,gitlab,pr-comment", "-o", str(out),
                  "--fail-on", "none")
    assert result.returncode == 0, result.stderr
    warning = [ln for ln in result.stderr.splitlines() if "plugin 'broken'" in ln]
    assert len(warning) == 1 and warning[0].startswith("auditor: warning: plugin 'broken' (auditor_plugin_demo:MISSING)")
    assert "PLUGIN ERROR: plugin 'broken'" in result.stdout and "the score may be incomplete" in result.stdout
    assert "**⚠️ 1 plugin failed to load**" in (out / "report.md").read_text()
    assert 'id="plugin-warning"' in (out / "report.html").read_text()
    assert "auditor/plugin-error" in (out / "report.sarif").read_text()
    assert 'type="plugin-error"' in (out / "report.junit.xml").read_text()
    assert "auditor/plugin-error" in (out / "report.gitlab.json").read_text()
    assert "1 plugin failed to load" in (out / "report.pr-comment.md").read_text()


def test_builtin_checks_come_through_the_same_entry_points() -> None:
    registry = load_registry()
    assert registry.check("errors/bare-except") is not None
    assert {"tests", "coverage", "openapi", "migrations", "typing", "errors"} <= set(registry.facts)
    assert {"json", "md", "html"} <= set(registry.reporters)
