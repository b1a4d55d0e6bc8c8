"""`--run-tests`: run the target's pytest suite under coverage in a subprocess. THIS EXECUTES TARGET CODE.

Only reached when the user passed `--run-tests` (`ctx.options.run_tests`). The suite runs in the project
folder with the interpreter the user chose (`--python`), else the target's own virtualenv when it has one (else
this interpreter), a time limit
(`run_tests_timeout`), no bytecode or cache written into the target, coverage data and the JUnit report in a
private temporary folder. The whole process group is killed on timeout.

When the suite cannot start or collect (a missing dependency, a broken conftest, pytest or coverage absent), the
run says so in `not_run` with the first error line of pytest's output, and measures no coverage: the target's
committed coverage report stays the figure. The output is kept bounded (its head and tail), redacted, and only
ever read as text.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from auditor.context import Context
from auditor.redact import INVISIBLE, redact
from checks.tests.coverage_parsers import CoverageReport

__all__ = ["Failure", "TestRun", "run_tests"]

_VENV_DIRS = (".venv", "venv", "env", ".env")
MAX_FAILURES = 50
OUTPUT_HEAD = 8 * 1024  # bytes of pytest's output searched for the first error line
OUTPUT_TAIL = 4 * 1024  # bytes of the output's end kept in the report


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
    # Why the suite could not run at all (collection or start-up failed, no test executed): one line, redacted.
    not_run: str | None = None
    output: str = ""  # the last OUTPUT_TAIL bytes of pytest's stdout and stderr, redacted


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
    chosen = ctx.options.python
    python = chosen or _interpreter(root)
    if python != sys.executable and not _has_modules(python, root, env):
        if chosen:
            return TestRun(None, interpreter=python, not_run=f"{python} cannot import pytest and coverage (--python)")
        python = sys.executable  # the target's venv lacks pytest or coverage: fall back to ours
    if python == sys.executable:
        # Our own pytest plugins (schemathesis...) mean nothing to the target and cost seconds to load.
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    with tempfile.TemporaryDirectory(prefix="auditor-run-") as tmp:
        data_file, junit = os.path.join(tmp, ".coverage"), os.path.join(tmp, "junit.xml")
        log = os.path.join(tmp, "output.txt")
        cmd = [python, "-m", "coverage", "run", f"--data-file={data_file}", "-m", "pytest", "-q",
               "-p", "no:cacheprovider", f"--junitxml={junit}", "-o", "junit_family=xunit1"]
        try:
            with open(log, "wb") as out:
                proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
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
        head, tail = _read_output(log)
        reported = os.path.isfile(junit)
        tests, failures, collection_errors = _read_junit(junit, root)
        coverage = None
        if os.path.isfile(data_file):
            with open(data_file, "rb") as handle:
                coverage = parse_coverage_db(handle.read(), coverage_lookup(ctx))
    executed = tests - collection_errors
    output = redact(tail)
    if executed == 0 and (code in (2, 3, 4, 5) or not reported):
        # Nothing of the suite ran: whatever coverage measured is the import of a conftest at best, not the
        # project's coverage, and a collection error is no test failing.
        reason = "pytest collected no tests" if code == 5 else _error_line(head + "\n" + tail, code)
        return TestRun(code, tests, interpreter=python, not_run=reason, output=output)
    return TestRun(code, tests, tuple(failures), coverage, python, output=output)


def _read_output(path: str) -> tuple[str, str]:
    """The head and the tail of the suite's output (the file may be large: only both ends are read)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(OUTPUT_HEAD)
            size = handle.seek(0, os.SEEK_END)
            if size <= OUTPUT_HEAD:
                tail = head[-OUTPUT_TAIL:]
            else:
                handle.seek(size - OUTPUT_TAIL)
                tail = handle.read(OUTPUT_TAIL)
    except OSError:
        return "", ""
    return head.decode("utf-8", "replace"), tail.decode("utf-8", "replace")


_ERROR_LINE = re.compile(r"^E\s+(\w+(?:\.\w+)*(?:Error|Exception|Exit)\b.*)$", re.MULTILINE)
_PYTEST_ERROR = re.compile(r"^ERROR: (.+)$", re.MULTILINE)
_INTERNAL = re.compile(r"^INTERNALERROR> .*?(\w+(?:Error|Exception)\b: .+)$", re.MULTILINE)
_NO_MODULE = re.compile(r"^.*?(No module named .*)$", re.MULTILINE)
_DECORATION = re.compile(r"^[=_!\-\s]*$")


def _error_line(text: str, code: int | None) -> str:
    """The first line that names pytest's error: `E   ModuleNotFoundError: ...`, `ERROR: ...`, an internal
    error's exception, `No module named ...`; else the last line of the output; redacted, one line, <= 200 chars."""
    found = _ERROR_LINE.search(text)
    line = found.group(1) if found else None
    for pattern in (_PYTEST_ERROR, _INTERNAL, _NO_MODULE):
        if line is None and (found := pattern.search(text)):
            line = found.group(1)
    if line is None:
        lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not _DECORATION.match(ln)]
        line = lines[-1] if lines else f"pytest exited with code {code} and printed nothing"
    line = INVISIBLE.sub("", redact(line.strip()))
    return line if len(line) <= 200 else line[:199] + "…"


def _read_junit(path: str, root: Path) -> tuple[int, list[Failure], int]:
    """Test cases, their failures, and how many of the cases are collection errors (no test ran there)."""
    import defusedxml.ElementTree as safe_et

    try:
        with open(path, "rb") as handle:
            tree = safe_et.fromstring(handle.read(64 * 1024 * 1024))
    except Exception:  # noqa: BLE001 - no report or a broken one: no failures can be named
        return 0, [], 0
    tests = collection_errors = 0
    failures: list[Failure] = []
    for case in tree.iter("testcase"):
        tests += 1
        for kind in ("failure", "error"):
            bad = case.find(kind)
            if bad is None:
                continue
            if kind == "error" and bad.get("message") == "collection failure":
                collection_errors += 1
            file_attr = case.get("file")
            line_attr = case.get("line")
            rel = str(file_attr).replace(os.sep, "/") if file_attr else None
            line = int(line_attr) + 1 if line_attr and line_attr.isdigit() else None
            name = f"{case.get('classname', '')}::{case.get('name', '')}".strip(":")
            message = str(bad.get("message") or kind).splitlines()[0][:200] if (bad.get("message") or kind) else kind
            if len(failures) < MAX_FAILURES:
                failures.append(Failure(name, rel, line, kind, message))
    return tests, failures, collection_errors
