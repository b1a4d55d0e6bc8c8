"""The engine runs each check in isolation: crashes, hangs and signals become results, never failures."""

from __future__ import annotations

import ast
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from auditor import AuditOptions, Config, audit
from auditor.context import Context
from auditor.engine import UsageError, select_checks
from auditor.model import Check, Effort, Finding, Measure, NotApplicable, NotAvailable, Severity, Status, Verdict
from auditor.registry import Registry


def _check(check_id: str, run: Callable[[Check, Context], object], *, languages: frozenset[str] = frozenset(),
           category: str = "error-handling", severity: Severity = Severity.HIGH) -> type[Check]:
    return type(
        "C_" + check_id.replace("/", "_").replace("-", "_"),
        (Check,),
        {
            "id": check_id, "title": check_id, "category": category, "languages": languages,
            "severity": severity, "rationale": "r", "remediation": ("fix it",), "effort": Effort.SMALL,
            "run": run,
        },
    )


def _pass_statements(self: Check, ctx: Context) -> Iterator[Finding]:
    for module in ctx.python_modules():
        for node in module.nodes(ast.Pass):
            yield self.finding(ctx, "pass statement", module.path, node.lineno)


def _crash(self: Check, ctx: Context) -> list[Finding]:
    raise ZeroDivisionError("boom")


def _hang(self: Check, ctx: Context) -> list[Finding]:
    time.sleep(30)
    return []


def _na(self: Check, ctx: Context) -> list[Finding]:
    raise NotApplicable("no database in use")


def _nav(self: Check, ctx: Context) -> list[Finding]:
    raise NotAvailable("no coverage data")


def _garbage(self: Check, ctx: Context) -> object:
    return [1, 2, 3]


def _measure(self: Check, ctx: Context) -> Verdict:
    return Verdict(measure=Measure("coverage", 60.0, 80.0))


def registry(*checks: type[Check]) -> Registry:
    reg = Registry()
    for c in checks:
        reg.add_check(c, "test")
    assert not reg.errors, reg.errors
    return reg


CODE = "def f():\n    try:\n        g()\n    except ValueError:\n        pass\n"


def test_crash_hang_and_signals_become_results(make_repo: Callable[..., Path]) -> None:
    root = make_repo({"app.py": CODE})
    reg = registry(
        _check("t/finds", _pass_statements), _check("t/crash", _crash), _check("t/hang", _hang),
        _check("t/na", _na), _check("t/nav", _nav), _check("t/garbage", _garbage),
    )
    started = time.monotonic()
    card = audit(root, Config(check_timeout=1.0), registry=reg)
    assert time.monotonic() - started < 15
    by_id = {r.id: r for r in card.results}
    assert by_id["t/finds"].status is Status.FAILED
    assert [(f.path, f.line) for f in by_id["t/finds"].findings] == [("app.py", 5)]
    assert by_id["t/crash"].status is Status.ERROR and "ZeroDivisionError: boom" in by_id["t/crash"].reason
    assert by_id["t/hang"].status is Status.ERROR and "did not finish within 1s" in by_id["t/hang"].reason
    assert (by_id["t/na"].status, by_id["t/na"].reason) == (Status.NOT_APPLICABLE, "no database in use")
    assert (by_id["t/nav"].status, by_id["t/nav"].reason) == (Status.NOT_AVAILABLE, "no coverage data")
    assert by_id["t/garbage"].status is Status.ERROR
    # The check that ran scores 75 (one high finding); the three that errored score 0; the others are left out.
    assert card.score == 18.75


def test_language_applicability_and_severity_override(make_repo: Callable[..., Path]) -> None:
    root = make_repo({"app.py": CODE})
    reg = registry(_check("t/finds", _pass_statements), _check("t/rust", _pass_statements, languages=frozenset({"rust"})))
    card = audit(root, Config(severity={"t/finds": Severity.LOW}), registry=reg)
    by_id = {r.id: r for r in card.results}
    assert by_id["t/rust"].status is Status.NOT_APPLICABLE
    assert "no rust code" in by_id["t/rust"].reason
    assert [f.severity for f in by_id["t/finds"].findings] == [Severity.LOW]
    assert card.score == 97.0


def test_fingerprint_survives_unrelated_edits(make_repo: Callable[..., Path]) -> None:
    reg = registry(_check("t/finds", _pass_statements))
    before = audit(make_repo({"app.py": CODE}), Config(), registry=reg).findings
    shifted = "import os\n\n\n" + CODE + "\n\ndef h():\n    pass\n"
    after = audit(make_repo({"app.py": shifted}), Config(), registry=reg).findings
    assert [f.line for f in before] == [5]
    assert [f.line for f in after] == [8, 12]
    assert before[0].fingerprint in {f.fingerprint for f in after}
    assert len({f.fingerprint for f in after}) == 2  # identical snippets get distinct fingerprints


def test_measured_check_is_scored_by_its_measure(make_repo: Callable[..., Path]) -> None:
    card = audit(make_repo({"app.py": CODE}), Config(), registry=registry(_check("t/cov", _measure, category="testing")))
    (result,) = card.results
    assert result.status is Status.FAILED
    assert card.score == 75.0  # 100 * 60 / 80
    (rec,) = card.recommendations
    assert rec.check_id == "t/cov" and rec.gain == 25.0


def test_select_checks_by_id_glob_and_category() -> None:
    reg = registry(_check("errors/a", _crash), _check("errors/b", _crash), _check("tests/c", _crash, category="testing"))
    assert [c.id for c in select_checks(reg, ["errors/*"], [])] == ["errors/a", "errors/b"]
    assert [c.id for c in select_checks(reg, ["testing"], [])] == ["tests/c"]
    assert [c.id for c in select_checks(reg, [], ["errors/a"])] == ["errors/b", "tests/c"]
    with pytest.raises(UsageError, match="no check matches 'nope/x'"):
        select_checks(reg, ["nope/x"], [])


def test_options_reach_checks(make_repo: Callable[..., Path]) -> None:
    def spy(self: Check, ctx: Context) -> list[Finding]:
        return [self.finding(ctx, f"run_tests={ctx.options.run_tests}")]

    card = audit(make_repo({"a.py": "x = 1\n"}), Config(), AuditOptions(run_tests=True), registry=registry(_check("t/spy", spy)))
    assert [f.message for f in card.findings] == ["run_tests=True"]


def _segfault(self: Check, ctx: Context) -> list[Finding]:
    import ctypes

    ctypes.string_at(0)  # reads address 0: the interpreter dies with SIGSEGV
    return []


def _regex_hang(self: Check, ctx: Context) -> list[Finding]:
    # Catastrophic backtracking: runs for ages inside C code while holding the GIL, so no thread-based
    # time limit could ever fire. Only killing the process that runs it helps.
    re.match(r"(a+)+$", "a" * 64 + "b")
    return []


def test_segfaults_and_gil_holding_hangs_cost_only_their_own_check(make_repo: Callable[..., Path]) -> None:
    root = make_repo({"app.py": CODE})
    reg = registry(
        _check("t/segv", _segfault), _check("t/regex", _regex_hang), _check("t/finds", _pass_statements),
    )
    started = time.monotonic()
    card = audit(root, Config(check_timeout=2.0), AuditOptions(jobs=1), registry=reg)
    assert time.monotonic() - started < 30
    by_id = {r.id: r for r in card.results}
    assert (by_id["t/segv"].status, by_id["t/segv"].reason) == (Status.ERROR, "crashed (killed by SIGSEGV)")
    assert (by_id["t/regex"].status, by_id["t/regex"].reason) == (Status.ERROR, "did not finish within 2s")
    # The three share one family (module) and so one child process: the one after the crashes still ran.
    assert by_id["t/finds"].status is Status.FAILED
    assert [(f.path, f.line) for f in by_id["t/finds"].findings] == [("app.py", 5)]


def test_thread_fallback_where_fork_is_missing(make_repo: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    import auditor.isolation

    monkeypatch.setattr(auditor.isolation, "fork_available", lambda: False)
    reg = registry(_check("t/crash", _crash), _check("t/hang", _hang), _check("t/finds", _pass_statements))
    card = audit(make_repo({"app.py": CODE}), Config(check_timeout=1.0), registry=reg)
    by_id = {r.id: r for r in card.results}
    assert by_id["t/crash"].reason == "ZeroDivisionError: boom"
    assert by_id["t/hang"].reason == "did not finish within 1s"
    assert by_id["t/finds"].status is Status.FAILED


def test_broken_plugins_are_reported_not_fatal() -> None:
    reg = Registry()
    reg.add_check(object, "plugin 'x'")
    reg.add_check(_check("Bad Id", _crash), "plugin 'y'")
    reg.add_check([_check("t/ok", _crash), _check("t/ok", _crash)], "plugin 'z'")
    assert [c.id for c in reg.checks] == ["t/ok"]
    assert len(reg.errors) == 3
    assert "is not a Check subclass" in reg.errors[0]
    assert "not of the form" in reg.errors[1]
    assert "already registered" in reg.errors[2]


def test_families_are_spread_over_the_workers_heaviest_first() -> None:
    """Each family (of every project) stays in one worker; the two heaviest go to different workers, and the loads
    differ by no more than about one light family (dealt round-robin by name, they differed by a fifth on Django)."""
    from auditor.engine import _FAMILY_SHARE, _in_workers
    from auditor.isolation import Unit

    families = [*_FAMILY_SHARE, "plugin_family.checks"]
    units = [Unit(f"{project}\x00check\x00{family}.{n}", f"{project}\x00{family}", lambda: None, 1.0)
             for project in ("", "svc") for family in families for n in range(2)]
    placed = _in_workers(units, 2)
    worker_of: dict[str, set[str]] = {}
    for unit, moved in zip(units, placed, strict=True):
        worker_of.setdefault(unit.group.rsplit("\x00", 1)[-1], set()).add(moved.group)
    assert all(len(workers) == 1 for workers in worker_of.values())
    assert worker_of["checks.operability"] != worker_of["checks.security"]
    load = {w: sum(_FAMILY_SHARE.get(f, 0.05) for f, ws in worker_of.items() if w in ws) for w in ("worker-0", "worker-1")}
    assert abs(load["worker-0"] - load["worker-1"]) <= 0.06
