"""The nightly job: `--history DB` (SQLite), `auditor history`, regressions against the branch's previous audit."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from test_reports import demo_card

from auditor.config import Config, ConfigError, GateConfig
from auditor.model import Finding, Severity
from auditor.scoring import Gate, PreviousAudit, evaluate_regression, gate_with_regression
from publishers.history import SCHEMA_VERSION, History, HistoryError
from reports.base import scorecard_to_dict
from tests.helpers import git, git_init, write_tree

SWALLOW = "def load(p):\n    try:\n        return open(p).read()\n    except:\n        return None\n"


def _data() -> dict[str, Any]:
    return json.loads(json.dumps(scorecard_to_dict(demo_card())))


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GITLAB_", "CI_"))}
    return subprocess.run([sys.executable, "-m", "auditor", *args], capture_output=True, text=True, timeout=180, cwd=cwd, env=env)


# -- the store ------------------------------------------------------------------------------------------
def test_append_previous_and_rows(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    with History.open(db) as h:
        assert h.previous("main") is None
        data = _data()
        first = h.append(data)
        data["score"], data["target"]["commit"] = 70.0, "1" * 40
        second = h.append(data)
        assert second > first
        prev = h.previous("main")
        assert prev is not None and (prev.commit, prev.score) == ("1" * 40, 70.0)
        kept = {f["fingerprint"] for c in data["checks"] for f in c["findings"] if f["severity"] in ("critical", "high", "medium")}
        assert prev.fingerprints == kept and len(kept) == 3  # the info finding is not kept
        assert h.previous("other") is None and h.previous(None) is None
        rows = h.rows(10, branch="main", only_branch=True)
        assert [r.score for r in rows] == [56.25, 70.0]
        assert rows[0].categories == {"testing": 78.12, "error-handling": 56.25, "security": 50.0, "operability": 100.0,
                                      "typing": 0.0}  # its one check errored: 0
        assert rows[0].severity_counts == {"critical": 1, "high": 2, "medium": 0, "low": 0, "info": 1}
        assert [r.score for r in h.rows(1)] == [70.0]
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()


def test_a_failed_write_leaves_the_previous_state(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    with History.open(db) as h:
        h.append(_data())
        broken = _data()
        del broken["checks"][0]["findings"][0]["fingerprint"]  # fails after the audit row was inserted
        with pytest.raises(KeyError):
            h.append(broken)
        assert len(h.rows(10)) == 1
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(*) FROM audits").fetchone() == (1,)
    assert conn.execute("SELECT COUNT(DISTINCT audit_id) FROM scores").fetchone() == (1,)
    conn.close()


def test_a_killed_writer_never_corrupts_the_database(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    with History.open(db) as h:
        h.append(_data())
    child = subprocess.Popen([sys.executable, "-c", f"""
import sqlite3, sys, time
conn = sqlite3.connect({str(db)!r}, isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("INSERT INTO audits (commit_sha, branch, date, score, grade, gate_passed, tool_version, "
             "critical, high, medium, low, info) VALUES ('x', 'main', 'now', 1, 'F', 0, '0', 0, 0, 0, 0, 0)")
for i in range(2000):
    conn.execute("INSERT INTO scores (audit_id, project, category, score) VALUES (999, '', 'c', 1)")
print("ready", flush=True)
time.sleep(60)
"""], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    with History.open(db) as h:
        assert [r.score for r in h.rows(10)] == [56.25]
        h.append(_data())
        assert len(h.rows(10)) == 2
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert conn.execute("SELECT COUNT(*) FROM scores WHERE audit_id = 999").fetchone() == (0,)
    conn.close()


def test_foreign_and_newer_databases_are_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(HistoryError, match="not an auditor history"):
        History.open(other)
    newer = tmp_path / "newer.db"
    History.open(newer).close()
    conn = sqlite3.connect(newer)
    conn.execute("UPDATE schema_version SET version = 99")
    conn.commit()
    conn.close()
    with pytest.raises(HistoryError, match="newer auditor"):
        History.open(newer)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(HistoryError, match="not a usable history database"):
        History.open(junk)
    with pytest.raises(HistoryError, match="does not exist"):
        History.open(tmp_path / "no" / "such" / "h.db")


# -- regression -----------------------------------------------------------------------------------------
def _finding(severity: Severity, fp: str) -> Finding:
    return Finding("errors/x", severity, "m", "a.py", 1, fingerprint=fp)


@pytest.mark.parametrize(("score", "findings", "regressed"), [
    (90.0, [], False),
    (89.5, [], False),  # a drop of exactly max_drop is allowed
    (89.49, [], True),
    (95.0, [_finding(Severity.MEDIUM, "new")], False),  # below regression_severity
    (95.0, [_finding(Severity.HIGH, "old")], False),  # known to the previous audit
    (95.0, [_finding(Severity.HIGH, "new")], True),
])
def test_evaluate_regression(score: float, findings: list[Finding], regressed: bool) -> None:
    previous = PreviousAudit("a" * 40, "2025-01-01", 90.0, frozenset({"old"}))
    reg = evaluate_regression(score, findings, previous, GateConfig())
    assert reg.regressed is regressed
    gate = Gate(True, ())
    assert gate_with_regression(gate, reg, GateConfig()) == gate  # reported, not failing, unless asked
    failed = gate_with_regression(gate, reg, GateConfig(fail_on_regression=True))
    assert failed.passed is not regressed
    assert all(r.startswith("regression: ") for r in failed.reasons)


def test_regression_config_keys() -> None:
    config = Config.from_mapping({"gate": {"max_drop": 2, "regression_severity": "medium", "fail_on_regression": True}}, "x.toml")
    assert (config.gate.max_drop, config.gate.regression_severity, config.gate.fail_on_regression) == (2.0, Severity.MEDIUM, True)
    with pytest.raises(ConfigError, match=r"x.toml: 'gate.regression_severity': must be critical, high or medium"):
        Config.from_mapping({"gate": {"regression_severity": "low"}}, "x.toml")
    with pytest.raises(ConfigError, match=r"'gate\.fail_on_regression' must be true or false"):
        Config.from_mapping({"gate": {"fail_on_regression": "yes"}}, "x.toml")


# -- the nightly job end to end -------------------------------------------------------------------------
def test_nightly_history_trend_and_regression(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "svc", {"pyproject.toml": '[project]\nname = "svc"\n', "svc/ok.py": "def f():\n    return 1\n"})
    git_init(root)
    db = tmp_path / "history.db"
    args = ["--only", "errors/*", "--format", "json,html,md", "--fail-on", "none", "--fail-under", "0", "--history", str(db)]
    first = _cli("audit", str(root), "-o", str(tmp_path / "n1"), *args)
    assert first.returncode == 0, first.stderr
    assert "REGRESSION" not in first.stdout and "regression" not in json.loads((tmp_path / "n1" / "report.json").read_text())
    write_tree(root, {"svc/store.py": SWALLOW})
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "add a bare except")
    second = _cli("audit", str(root), "-o", str(tmp_path / "n2"), *args)
    assert second.returncode == 0, second.stderr  # called out, but not failing without --fail-on-regression
    assert "REGRESSION: score dropped" in second.stdout and "REGRESSION: 1 new finding at or above 'high'" in second.stdout
    assert "new HIGH     errors/bare-except" in second.stdout
    report = json.loads((tmp_path / "n2" / "report.json").read_text())
    reg = report["regression"]
    assert reg["regressed"] and reg["previous"]["score"] == 100.0 and reg["delta"] == report["score"] - 100.0
    assert [(f["check_id"], f["path"]) for f in reg["new_findings"]] == [("errors/bare-except", "svc/store.py")]
    assert [h["score"] for h in report["history"]] == [100.0, report["score"]]
    assert "**⚠️ Regression**" in (tmp_path / "n2" / "report.md").read_text()
    assert (tmp_path / "n2" / "report.html").read_text().count("<polyline") >= 2
    gated = _cli("audit", str(root), "-o", str(tmp_path / "n3"), *args, "--fail-on-regression", "-q")
    # against the second audit nothing is new and nothing dropped: no regression, the gate passes
    assert gated.returncode == 0 and "regression" not in gated.stdout
    write_tree(root, {"svc/more.py": SWALLOW})
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "another")
    gated = _cli("audit", str(root), "-o", str(tmp_path / "n4"), *args, "--fail-on-regression", "-q")
    assert gated.returncode == 1  # the category is already capped at 75 by the first high finding: the score stays,
    assert "gate FAILED (regression: 1 new finding at or above 'high'" in gated.stdout  # the new finding is the regression
    assert "[regression: " in gated.stdout

    table = _cli("history", str(db))
    assert table.returncode == 0
    lines = table.stdout.splitlines()
    assert lines[0].split()[:4] == ["DATE", "COMMIT", "BRANCH", "SCORE"] and len(lines) == 5
    assert "FAILED" in lines[-1] and "error-handling" in lines[-1]
    as_json = json.loads(_cli("history", str(db), "--json", "--limit", "2").stdout)
    assert len(as_json) == 2 and as_json[-1]["gate_passed"] is False and as_json[0]["branch"] == "main"
    assert _cli("history", str(db), "--branch", "nope").stdout.strip() == "no audits recorded"


def test_history_errors_are_one_line(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "svc", {"a.py": "x = 1\n"})
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"junk" * 1000)
    result = _cli("audit", str(root), "--format", "json", "-o", str(tmp_path / "out"), "--history", str(junk))
    assert result.returncode == 3 and len(result.stderr.strip().splitlines()) == 1
    assert "not a usable history database" in result.stderr and not (tmp_path / "out").exists()
    missing = _cli("history", str(tmp_path / "none.db"))
    assert missing.returncode == 3 and "history database not found" in missing.stderr
    bad = _cli("audit", str(root), "--format", "json", "-o", str(tmp_path / "out"), "--regression-severity", "low")
    assert bad.returncode == 2 and "--regression-severity: must be critical, high or medium" in bad.stderr
