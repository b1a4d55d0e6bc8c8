"""Start-up: `auditor --version` and `auditor --help` answer without importing the engine or its libraries."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("auditor.engine", "auditor.config", "auditor.live", "auditor.repo", "auditor.sources", "analysis", "checks",
         "reports", "publishers", "tree_sitter", "radon", "jinja2", "git", "yaml")

PROBE = """
import json, sys
from auditor.cli import main
sys.argv = ["auditor", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit as exc:
    code = exc.code
print("\\0" + json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _imported(*argv: str) -> tuple[int, set[str], str]:
    out = subprocess.run([sys.executable, "-c", PROBE, json.dumps(list(argv))], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    text, _, tail = out.rpartition("\0")
    result = json.loads(tail)
    return result["code"], set(result["modules"]), text


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


@pytest.mark.parametrize("argv", [("--version",), ("--help",), ("audit", "--help"), ("pr", "--help")])
def test_version_and_help_import_no_engine(argv: tuple[str, ...]) -> None:
    code, modules, text = _imported(*argv)
    assert code in (0, None)
    assert "auditor.cli" in modules
    assert _heavy(modules) == []
    assert ("auditor 0.1.0" in text) if argv == ("--version",) else ("Usage: auditor" in text)


def test_checks_command_still_loads_the_registry() -> None:
    code, modules, text = _imported("checks", "--json")
    assert code in (0, None)
    assert "auditor.registry" in modules and "checks" in modules
    assert any(c["id"] == "errors/bare-except" for c in json.loads(text))


def test_the_live_defaults_the_options_show_are_the_live_phases() -> None:
    import auditor.cli
    import auditor.live

    assert auditor.cli.DEFAULT_MAX_EXAMPLES == auditor.live.DEFAULT_MAX_EXAMPLES
    assert auditor.cli.DEFAULT_TIMEOUT == auditor.live.DEFAULT_TIMEOUT


def test_the_package_still_exports_the_library_names() -> None:
    code = ("import auditor, sys; assert 'auditor.engine' not in sys.modules; "
            "from auditor import audit, Config, AuditOptions, Scorecard, AuditError, UsageError, ConfigError; "
            "import auditor.engine as e; assert audit is e.audit and AuditError is e.AuditError; print('ok')")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          timeout=60).stdout.strip() == "ok"
