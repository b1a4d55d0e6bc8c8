"""`--run-tests`: run the target's pytest suite under coverage in a subprocess. THIS EXECUTES TARGET CODE.

Only reached when the user passed `--run-tests` (`ctx.options.run_tests`). The suite runs in the project
folder with the target's own virtualenv when it has one (else this interpreter), a time limit
(`run_tests_timeout`), no bytecode or cache written into the target, coverage data and the JUnit report in a
private temporary folder. The whole process group is killed on timeout.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from auditor.context import Context
from checks.tests.coverage_parsers import CoverageReport

__all__ = ["Failure", "TestRun", "run_tests"]

_VENV_DIRS = (".venv", "venv", "env", ".env")
MAX_FAILURES = 50


@dataclass(frozen=True, slots=True)
class Failure:
    test: str
    path: str | None
    line: int | None
    kind: str  # failure | error
    message: str


@dataclass(frozen=True, slots=True)
class TestRun:
    """Outcome of one run. `problem` says why there is no usable outcome (timeout, pytest missing...)."""

    exit_code: int | None
    tests: int = 0
    failures: tuple[Failure, ...] = ()
    coverage: CoverageReport | None = None
    interpreter: str = ""
    problem: str | None = None


def _interpreter(root: Path) -> str:
    for name in _VENV_DIRS:
        for rel in ("bin/python", "Scripts/python.exe"):
            candidate = root / name / rel
            if candidate.is_file():
                return str(candidate)
    return sys.executable


def _has_modules(python: str, root: Path, env: dict[str, str]) -> bool:
    try:
        probe = subprocess.run(
            [python, "-c", "import coverage, pytest"], cwd=root, env=env, capture_output=True, timeout=60, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return probe.returncode == 0


def run_tests(ctx: Context) -> TestRun:
    """Run pytest under coverage once per project (memoised through `ctx.fact`)."""
    from checks.tests import coverage_lookup
    from checks.tests.coverage_parsers import parse_coverage_db

    root = ctx.repo.root / ctx.project.path if ctx.project.path else ctx.repo.root
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COVERAGE_", "PYTEST_"))}
    env.update(PYTHONDONTWRITEBYTECODE="1", PYTHONPATH=str(root))
    python = _interpreter(root)
    if python != sys.executable and not _has_modules(python, root, env):
        python = sys.executable  # the target's venv lacks pytest or coverage: fall back to ours
    if python == sys.executable:
        # Our own pytest plugins (schemathesis...) mean nothing to the target and cost seconds to load.
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    with tempfile.TemporaryDirectory(prefix="auditor-run-") as tmp:
        data_file, junit = os.path.join(tmp, ".coverage"), os.path.join(tmp, "junit.xml")
        cmd = [python, "-m", "coverage", "run", f"--data-file={data_file}", "-m", "pytest", "-q",
               "-p", "no:cacheprovider", f"--junitxml={junit}", "-o", "junit_family=xunit1"]
        try:
            proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        except OSError as exc:
            return TestRun(None, interpreter=python, problem=f"cannot start {python}: {exc.strerror}")
        try:
            code = proc.wait(timeout=ctx.config.run_tests_timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return TestRun(None, interpreter=python,
                           problem=f"the test suite did not finish within {ctx.config.run_tests_timeout:g}s")
        tests, failures = _read_junit(junit, root)
        coverage = None
        if os.path.isfile(data_file):
            with open(data_file, "rb") as handle:
                coverage = parse_coverage_db(handle.read(), coverage_lookup(ctx))
    if code in (2, 3, 4) and not failures:
        names = {2: "interrupted", 3: "internal error", 4: "usage error"}
        return TestRun(code, tests, interpreter=python, coverage=coverage,
                       problem=f"pytest stopped with exit code {code} ({names[code]})")
    return TestRun(code, tests, tuple(failures), coverage, python)


def _read_junit(path: str, root: Path) -> tuple[int, list[Failure]]:
    import defusedxml.ElementTree as safe_et

    try:
        with open(path, "rb") as handle:
            tree = safe_et.fromstring(handle.read(64 * 1024 * 1024))
    except Exception:  # noqa: BLE001 - no report or a broken one: no failures can be named
        return 0, []
    tests = 0
    failures: list[Failure] = []
    for case in tree.iter("testcase"):
        tests += 1
        for kind in ("failure", "error"):
            bad = case.find(kind)
            if bad is None:
                continue
            file_attr = case.get("file")
            line_attr = case.get("line")
            rel = str(file_attr).replace(os.sep, "/") if file_attr else None
            line = int(line_attr) + 1 if line_attr and line_attr.isdigit() else None
            name = f"{case.get('classname', '')}::{case.get('name', '')}".strip(":")
            message = str(bad.get("message") or kind).splitlines()[0][:200] if (bad.get("message") or kind) else kind
            if len(failures) < MAX_FAILURES:
                failures.append(Failure(name, rel, line, kind, message))
    return tests, failures
