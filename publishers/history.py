"""The history of audits in SQLite (`--history DB`): one row per audit, so a nightly job can tell a trend and
a regression.

Each audit keeps its commit, branch, date, score, grade and gate, the scores per category and per project,
the counts per severity, and the fingerprints of its findings at or above medium (so the next audit can tell
a new finding from an old one). The database is in WAL mode and every audit is written in one transaction:
an interrupted write leaves the previous state, never half an audit. A `schema_version` table says which
layout a file has; a file written by a newer auditor is refused rather than misread.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.scoring import PreviousAudit

__all__ = ["KEPT_SEVERITIES", "SCHEMA_VERSION", "History", "HistoryError", "HistoryRow"]

SCHEMA_VERSION = 1
KEPT_SEVERITIES = ("critical", "high", "medium")  # findings whose fingerprints are kept
_SEVERITIES = ("critical", "high", "medium", "low", "info")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS audits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    commit_sha TEXT,
    branch TEXT,
    date TEXT NOT NULL,
    score REAL,
    grade TEXT NOT NULL,
    gate_passed INTEGER NOT NULL,
    dirty INTEGER,
    tool_version TEXT NOT NULL,
    critical INTEGER NOT NULL, high INTEGER NOT NULL, medium INTEGER NOT NULL, low INTEGER NOT NULL, info INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS audits_by_branch ON audits (branch, id);
-- project '' is the repository as a whole; category '' is the overall score of that project
CREATE TABLE IF NOT EXISTS scores (
    audit_id INTEGER NOT NULL REFERENCES audits (id),
    project TEXT NOT NULL,
    category TEXT NOT NULL,
    score REAL
);
CREATE INDEX IF NOT EXISTS scores_by_audit ON scores (audit_id);
CREATE TABLE IF NOT EXISTS findings (
    audit_id INTEGER NOT NULL REFERENCES audits (id),
    fingerprint TEXT NOT NULL,
    check_id TEXT NOT NULL,
    severity TEXT NOT NULL,
    project TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS findings_by_audit ON findings (audit_id);
"""


class HistoryError(Exception):
    """The history database cannot be used; the message is one line naming the file."""


@dataclass(frozen=True, slots=True)
class HistoryRow:
    id: int
    commit: str | None
    branch: str | None
    date: str
    score: float | None
    grade: str
    gate_passed: bool
    severity_counts: dict[str, int]
    categories: dict[str, float | None]  # repository-level category scores
    projects: dict[str, float | None]  # project label -> score (several projects only)

    def to_json(self) -> dict[str, Any]:
        return {
            "commit": self.commit, "branch": self.branch, "date": self.date, "score": self.score, "grade": self.grade,
            "gate_passed": self.gate_passed, "severity_counts": dict(self.severity_counts),
            "categories": dict(self.categories), "projects": dict(self.projects),
        }


class History:
    """An open history database. Use `History.open(path)` and `close()` (or `with`)."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn = conn

    @classmethod
    def open(cls, path: str | Path) -> History:
        path = Path(path)
        if path.exists() and not path.is_file():
            raise HistoryError(f"{path}: not a file")
        if not path.parent.is_dir():
            raise HistoryError(f"{path}: the folder {path.parent} does not exist")
        try:
            conn = sqlite3.connect(str(path), timeout=30.0, isolation_level=None)
        except sqlite3.Error as exc:
            raise HistoryError(f"{path}: cannot open: {exc}") from None
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA foreign_keys=ON")
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if tables and "schema_version" not in tables:
                raise HistoryError(f"{path}: an SQLite database, but not an auditor history (no schema_version table)")
            if not tables:
                with _transaction(conn):
                    for statement in _statements(_SCHEMA):
                        conn.execute(statement)
                    conn.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
            row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
            version = row[0] if row else None
            if version is None:
                raise HistoryError(f"{path}: the schema_version table is empty")
            if version > SCHEMA_VERSION:
                raise HistoryError(f"{path}: written by a newer auditor (history schema {version}, this one reads {SCHEMA_VERSION})")
        except HistoryError:
            conn.close()
            raise
        except sqlite3.Error as exc:
            conn.close()
            raise HistoryError(f"{path}: not a usable history database: {exc}") from None
        return cls(path, conn)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ------------------------------------------------------------------------------------
    def append(self, data: dict[str, Any]) -> int:
        """Record the audit a report dictionary describes, in one transaction; returns its row id."""
        target = data["target"]
        counts = data["severity_counts"]
        multi = len(data.get("projects") or []) > 1
        try:
            with _transaction(self._conn):
                cur = self._conn.execute(
                    "INSERT INTO audits (commit_sha, branch, date, score, grade, gate_passed, dirty, tool_version, "
                    "critical, high, medium, low, info) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (target.get("commit"), target.get("branch"), data["generated_at"], data["score"], data["grade"],
                     int(bool(data["gate"]["passed"])), None if target.get("dirty") is None else int(target["dirty"]),
                     str(data["tool"]["version"]), *(int(counts.get(s, 0)) for s in _SEVERITIES)),
                )
                audit_id = int(cur.lastrowid or 0)
                rows: list[tuple[int, str, str, float | None]] = [(audit_id, "", "", data["score"])]
                rows += [(audit_id, "", c["name"], c["score"]) for c in data["categories"]]
                if multi:
                    for p in data["projects"]:
                        rows.append((audit_id, p["name"], "", p["score"]))
                        rows += [(audit_id, p["name"], c["name"], c["score"]) for c in p["categories"]]
                self._conn.executemany("INSERT INTO scores (audit_id, project, category, score) VALUES (?, ?, ?, ?)", rows)
                self._conn.executemany(
                    "INSERT INTO findings (audit_id, fingerprint, check_id, severity, project) VALUES (?, ?, ?, ?, ?)",
                    [(audit_id, f["fingerprint"], f["check_id"], f["severity"], f.get("project") or "")
                     for c in data["checks"] for f in c["findings"] if f["severity"] in KEPT_SEVERITIES],
                )
        except sqlite3.Error as exc:
            raise HistoryError(f"{self.path}: cannot record the audit: {exc}") from None
        return audit_id

    # -- reading ------------------------------------------------------------------------------------
    def previous(self, branch: str | None) -> PreviousAudit | None:
        """The last audit recorded for `branch` (None: audits of a detached HEAD)."""
        try:
            row = self._conn.execute("SELECT id, commit_sha, date, score FROM audits WHERE branch IS ? ORDER BY id DESC LIMIT 1",
                                     (branch,)).fetchone()
            if row is None:
                return None
            prints = frozenset(r[0] for r in self._conn.execute("SELECT fingerprint FROM findings WHERE audit_id = ?", (row[0],)))
        except sqlite3.Error as exc:
            raise HistoryError(f"{self.path}: cannot read: {exc}") from None
        return PreviousAudit(commit=row[1], date=row[2], score=row[3], fingerprints=prints)

    def rows(self, limit: int = 30, *, branch: str | None = None, only_branch: bool = False) -> list[HistoryRow]:
        """The last `limit` audits, oldest first: of every branch, or with `only_branch` of `branch` alone
        (None: audits of a detached HEAD)."""
        try:
            if not only_branch:
                audits = self._conn.execute("SELECT * FROM audits ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
            else:
                audits = self._conn.execute("SELECT * FROM audits WHERE branch IS ? ORDER BY id DESC LIMIT ?",
                                            (branch, limit)).fetchall()
            out = []
            for a in reversed(audits):
                scores = self._conn.execute("SELECT project, category, score FROM scores WHERE audit_id = ? ORDER BY rowid",
                                            (a[0],)).fetchall()
                out.append(HistoryRow(
                    id=a[0], commit=a[1], branch=a[2], date=a[3], score=a[4], grade=a[5], gate_passed=bool(a[6]),
                    severity_counts=dict(zip(_SEVERITIES, a[9:14], strict=True)),
                    categories={c: s for p, c, s in scores if p == "" and c != ""},
                    projects={p: s for p, c, s in scores if p != "" and c == ""},
                ))
        except sqlite3.Error as exc:
            raise HistoryError(f"{self.path}: cannot read: {exc}") from None
        return out


def _statements(script: str) -> list[str]:
    lines = [ln for ln in script.splitlines() if not ln.strip().startswith("--")]
    return [st.strip() for st in "\n".join(lines).split(";") if st.strip()]


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
