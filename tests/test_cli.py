"""The command line, run as a real process: exit codes, one-line errors, reports on disk, the summary."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor import __version__

SWALLOW = "def f():\n    try:\n        g()\n    except:\n        pass\n"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "auditor", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_version_and_checks_listing() -> None:
    assert run("--version").stdout.strip() == f"auditor {__version__}"
    listing = run("checks")
    assert listing.returncode == 0
    assert listing.stdout.splitlines()[0].split() == ["ID", "CATEGORY", "SEVERITY", "LANGUAGES", "TITLE"]
    assert "errors/bare-except" in listing.stdout
    described = json.loads(run("checks", "--json").stdout)
    bare = next(c for c in described if c["id"] == "errors/bare-except")
    assert bare["severity"] == "high" and bare["category"] == "error-handling" and bare["remediation"]


def test_audit_writes_reports_and_gate_exit_codes(make_repo: Callable[..., Path], tmp_path: Path) -> None:
    root = make_repo({"app.py": SWALLOW})
    out = tmp_path / "out"
    ok = run("audit", str(root), "--only", "errors/bare-except", "--format", "json", "-o", str(out), "--fail-on", "none",
             "--fail-under", "0")
    assert ok.returncode == 0, ok.stderr
    assert "Gate PASSED" in ok.stdout and "errors/bare-except" in ok.stdout and "app.py:4" in ok.stdout
    report = json.loads((out / "report.json").read_text())
    assert report["checks"][0]["findings"][0]["line"] == 4
    assert sorted(p.name for p in out.iterdir()) == [".auditor-output", "report.json"]  # our marker, our report

    failed = run("audit", str(root), "--only", "errors/bare-except", "--format", "json", "-o", str(out), "--fail-on", "high")
    assert failed.returncode == 1
    assert "Gate FAILED" in failed.stdout and "1 finding at or above 'high'" in failed.stdout

    quiet = run("audit", str(root), "--only", "errors/bare-except", "--format", "json", "-o", str(out), "--fail-under", "80", "-q")
    assert quiet.returncode == 1
    assert quiet.stdout.strip() == "auditor: score 75.0/100, grade C, gate FAILED (score 75.0 is below the required 80)"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["audit", "/definitely/not/here"], 3, "auditor: error: path does not exist: /definitely/not/here"),
        (["audit", ".", "--format", "pdf"], 2, "auditor: error: unknown format 'pdf'"),
        (["audit", ".", "--only", "nope/nothing"], 2, "auditor: error: no check matches 'nope/nothing'"),
        (["audit", ".", "--fail-on", "severe"], 2, "auditor: error: --fail-on: unknown severity 'severe'"),
        (["audit", ".", "--fail-under", "120"], 2, "auditor: error: --fail-under must be between 0 and 100"),
        (["audit", ".", "--config", "missing.toml"], 2, "configuration file not found"),
    ],
)
def test_usage_errors_are_one_line(make_repo: Callable[..., Path], args: list[str], code: int, message: str) -> None:
    root = make_repo({"a.py": "x = 1\n"})
    result = run(*args, *([] if "--format" in args else ["--format", "json"]), cwd=root)
    assert result.returncode == code
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_broken_config_is_exit_2_naming_file(make_repo: Callable[..., Path], tmp_path: Path) -> None:
    root = make_repo({".auditor.toml": "only = [\n", "a.py": "x = 1\n"})
    result = run("audit", str(root), "--format", "json", "-o", str(tmp_path / "o"))
    assert result.returncode == 2
    assert result.stderr.startswith(f"auditor: error: {root / '.auditor.toml'}: invalid TOML")
    assert not (tmp_path / "o").exists()


def test_unwritable_output_is_exit_3(make_repo: Callable[..., Path], tmp_path: Path) -> None:
    root = make_repo({"a.py": "x = 1\n"})
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = run("audit", str(root), "--format", "json", "-o", str(blocker / "sub"))
    assert result.returncode == 3
    assert result.stderr.startswith("auditor: error: ")
    assert "Traceback" not in result.stderr


def test_target_modules_never_shadow_ours(make_repo: Callable[..., Path], tmp_path: Path) -> None:
    """Run from inside the target, `python -m auditor` must not import the target's `yaml.py`."""
    marker = tmp_path / "IMPORTED"
    payload = f"open({str(marker)!r}, 'w').write('ran')\n"
    root = make_repo({"yaml.py": payload, "defusedxml.py": payload, "coverage.py": payload,
                      "openapi.yaml": "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\n",
                      "coverage.xml": "<coverage line-rate='0.5'/>\n", "app.py": "x = 1\n"})
    result = run("audit", ".", "--format", "json", "-o", str(tmp_path / "out"), cwd=root)
    assert result.returncode in (0, 1), result.stderr
    library = subprocess.run([sys.executable, "-c", "from auditor import audit; audit('.')"], cwd=root,
                             capture_output=True, text=True, timeout=120)
    assert library.returncode == 0, library.stderr
    assert not marker.exists()


def test_python_flag_runs_the_suite_with_that_interpreter_and_bad_values_are_one_line(
    make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    root = make_repo({"calc.py": "def add(a, b):\n    return a + b\n",
                      "test_calc.py": "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n"})
    out = tmp_path / "out"
    ok = run("audit", str(root), "--only", "tests/failing,tests/coverage", "--run-tests", "--python", sys.executable,
             "--format", "json", "-o", str(out), "--fail-on", "none", "--fail-under", "0", "-q")
    assert ok.returncode == 0, ok.stderr
    report = json.loads((out / "report.json").read_text())
    statuses = {c["id"]: (c["status"], c["metrics"].get("source")) for c in report["checks"]}
    assert statuses == {"tests/failing": ("passed", None), "tests/coverage": ("passed", "(--run-tests) (coverage.py)")}
    missing = tmp_path / "no-such-python"
    for args, message in (
        (("--run-tests", "--python", str(missing)), f"auditor: error: --python: not an executable file: {missing}"),
        (("--python", sys.executable), "auditor: error: --python needs --run-tests"),
        (("--run-tests", "--python", str(root / "calc.py")), f"auditor: error: --python: not an executable file: {root / 'calc.py'}"),
    ):
        bad = run("audit", str(root), *args, "--format", "none")
        assert bad.returncode == 2, bad.stderr
        assert bad.stderr.strip().splitlines() == [message]
        assert not (root / ".coverage").exists()
