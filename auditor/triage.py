"""Triage: what happens to the checks' findings before they are scored.

In this order, for every check result of every project:

1. **Severity overrides** from the configuration (`[tool.auditor.severity]`).
2. **Inline suppressions**: a comment in the language's own syntax, on the finding's line or alone on the line
   above, `# auditor: ignore[errors/bare-except] why it is fine` (`//` for the C family, Go, Rust, Java,
   JavaScript and TypeScript, `--` for SQL). Several ids are separated by commas, and an id may be a glob
   (`errors/*`). `until=2027-03-01` makes it stop working after that day (and the report says so). A suppression
   without a reason still hides the finding, but is itself a finding of `suppressions/missing-reason`. Every
   suppression is listed in the report with what it hid, also the ones that hid nothing.
3. **The baseline** (`--baseline FILE`, written by `auditor baseline create`): the fingerprints of known findings
   with how many of each, so a second identical finding is new. Baselined findings are hidden and listed;
   entries that matched nothing are stale.

Suppressions are read from the source lines once per audit (`scan`), in the parent before the check processes
fork, so the `suppressions/missing-reason` check reads the same scan. A result's status is recomputed after
triage: a check whose only findings were hidden has passed.

The other half of this module compares two scorecards (`compare`): a pull request's head against its merge
base, or an audit against a previous report. Findings are matched by fingerprint, with multiplicity, following
git's renames: a base finding in `old.py` that git says became `new.py` matches the same flagged code in
`new.py`. Head findings get `change` = new | unchanged; base findings left over are the fixed ones.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import fnmatch
import json
import re
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from analysis.pool import SUPPRESSION_MARKER
from auditor.model import CheckResult, Finding, Severity, Status
from auditor.redact import stored_text

if TYPE_CHECKING:
    from auditor.engine import Scorecard
    from auditor.repo import FileInfo
    from auditor.sources import Sources

__all__ = [
    "BASELINE_KIND",
    "MISSING_REASON",
    "Baseline",
    "BaselineEntry",
    "BaselineError",
    "BaselineUse",
    "Comparison",
    "Suppression",
    "SuppressionComment",
    "TriageOutcome",
    "TriageRules",
    "apply",
    "compare",
    "scan",
]

MISSING_REASON = "suppressions/missing-reason"
BASELINE_KIND = "auditor-baseline"
BASELINE_VERSION = 1
MAX_BASELINE_BYTES = 64 * 1024 * 1024
MAX_SUPPRESSIONS = 10_000  # per audit; more are counted, not listed

# The comment syntax of each language: which comment starts may carry a suppression.
_HASH = re.compile(r"(?:^|\s)#+[ \t]*auditor:[ \t]*ignore\[(?P<ids>[^\]\n]*)\](?P<tail>.*)$")
_SLASH = re.compile(r"(?:^|\s)(?://+|/\*+)[ \t]*auditor:[ \t]*ignore\[(?P<ids>[^\]\n]*)\](?P<tail>.*)$")
_DASH = re.compile(r"(?:^|\s)--+[ \t]*auditor:[ \t]*ignore\[(?P<ids>[^\]\n]*)\](?P<tail>.*)$")
_BY_LANGUAGE: dict[str, re.Pattern[str]] = {
    **dict.fromkeys(("python", "yaml", "toml", "dockerfile", "ini", "properties"), _HASH),
    **dict.fromkeys(("javascript", "typescript", "go", "rust", "java", "kotlin", "prisma", "gradle"), _SLASH),
    "sql": _DASH,
}
_BY_SUFFIX: dict[str, re.Pattern[str]] = {
    **dict.fromkeys((".sh", ".bash", ".zsh", ".rb", ".pl", ".r", ".tf", ".hcl", ".cfg", ".conf", ".mk"), _HASH),
    **dict.fromkeys((".c", ".h", ".cc", ".cpp", ".hpp", ".cs", ".swift", ".scala", ".php", ".dart", ".groovy"), _SLASH),
}
_UNTIL = re.compile(r"(?:^|\s)until=(?P<date>\S*)")
_ID = re.compile(r"^[a-z0-9*?][a-z0-9*?/_.-]*$")
_COMMENT_ENDS = ("*/", "-->")


class BaselineError(Exception):
    """A baseline file that cannot be used; the message is one line."""


# -- suppressions ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SuppressionComment:
    """One `auditor: ignore[...]` comment as written."""

    path: str
    line: int  # where the comment is
    applies_to: int  # the line whose findings it hides: its own (after code), or the next (a comment line)
    checks: tuple[str, ...]  # check ids or globs
    reason: str
    until: str = ""  # ISO date as written; empty: no expiry
    problem: str = ""  # why it cannot work (a malformed id or date); empty when it can

    def covers(self, check_id: str) -> bool:
        return any(fnmatch.fnmatchcase(check_id, pattern) for pattern in self.checks)

    def expired(self, today: dt.date) -> bool:
        day = _date(self.until)
        return day is not None and today > day


@dataclass(frozen=True, slots=True)
class Suppression:
    """A suppression comment and what it did in this audit."""

    comment: SuppressionComment
    status: str  # active (hid findings) | unused (hid nothing) | expired | invalid
    hidden: tuple[tuple[str, Finding], ...] = ()  # (project label, finding)
    note: str = ""

    def to_json(self, finding_to_dict: Callable[[Finding, str], dict[str, Any]]) -> dict[str, Any]:
        c = self.comment
        return {
            "path": c.path, "line": c.line, "applies_to": c.applies_to, "checks": list(c.checks), "reason": c.reason,
            "until": c.until or None, "status": self.status, "note": self.note,
            "findings": [finding_to_dict(f, project) for project, f in self.hidden],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Suppression:
        comment = SuppressionComment(
            path=str(data.get("path", "")), line=int(data.get("line") or 0), applies_to=int(data.get("applies_to") or 0),
            checks=tuple(str(c) for c in data.get("checks") or ()), reason=str(data.get("reason") or ""),
            until=str(data.get("until") or ""))
        hidden = tuple((str(f.get("project") or ""), Finding.from_json(f)) for f in data.get("findings") or ())
        return cls(comment, str(data.get("status", "active")), hidden, str(data.get("note") or ""))


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _pattern_for(info: FileInfo) -> re.Pattern[str] | None:
    return _BY_LANGUAGE.get(info.language) or _BY_SUFFIX.get(PurePosixPath(info.path).suffix.lower())


def parse_comment(path: str, number: int, text: str, pattern: re.Pattern[str]) -> SuppressionComment | None:
    """The suppression on line `number` (text `text`), or None when the line holds none."""
    m = pattern.search(text)
    if m is None:
        return None
    before = text[: m.start()].strip()
    applies_to = number if before else number + 1
    ids = tuple(part.strip() for part in re.split(r"[,\s]+", m.group("ids")) if part.strip())
    tail = m.group("tail").strip()
    for end in _COMMENT_ENDS:
        if tail.endswith(end):
            tail = tail[: -len(end)].rstrip()
    until = ""
    problem = ""
    u = _UNTIL.search(tail)
    if u is not None:
        until = u.group("date")
        tail = (tail[: u.start()] + " " + tail[u.end():]).strip()
        if _date(until) is None:
            problem = f"until={until} is not a date (YYYY-MM-DD)"
    bad = [i for i in ids if not _ID.match(i)]
    if not ids:
        problem = problem or "no check id between the brackets"
    elif bad:
        problem = problem or f"{bad[0]!r} is not a check id"
    reason = tail.lstrip("-:\u2014\u2013;,. \t").strip()  # also em and en dashes
    if not any(ch.isalnum() for ch in reason):
        reason = ""
    return SuppressionComment(path, number, applies_to, ids, stored_text(reason), until, problem)


_SCANS: dict[int, tuple[SuppressionComment, ...]] = {}  # id(sources) -> its scan, dropped when the sources go


def scan(sources: Sources, files: Iterable[FileInfo],
         unmarked: Callable[[str], bool] | None = None) -> tuple[SuppressionComment, ...]:
    """Every suppression comment in `files`, read once per `sources` (the parent scans before the checks fork,
    so the check processes find it done). Only files that hold `auditor:` at all are split into lines; files for
    which `unmarked(path)` says they do not (the analysis workers noted it as they read each file) are not read."""
    done = _SCANS.get(id(sources))
    if done is not None:
        return done
    found: list[SuppressionComment] = []
    for info in files:
        pattern = _pattern_for(info)
        if pattern is None or (unmarked is not None and unmarked(info.path)):
            continue
        data = sources.repo.read_bytes(info.path)
        if data is None or SUPPRESSION_MARKER not in data:
            continue
        for number, text in enumerate(sources.lines(info.path), 1):
            if "auditor:" in text:
                comment = parse_comment(info.path, number, text, pattern)
                if comment is not None:
                    found.append(comment)
    result = tuple(found)
    _SCANS[id(sources)] = result
    weakref.finalize(sources, _SCANS.pop, id(sources), None)
    return result


# -- the baseline ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class BaselineEntry:
    fingerprint: str  # the fingerprint's stem (no -N suffix)
    count: int
    check_id: str = ""
    path: str | None = None
    project: str = ""  # for a finding without a path: the same fingerprint may stand in two projects
    message: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.fingerprint, self.project if self.path is None else "")

    def to_json(self) -> dict[str, Any]:
        return {"fingerprint": self.fingerprint, "count": self.count, "check_id": self.check_id, "path": self.path,
                "project": self.project, "message": self.message}


def _finding_key(project: str, f: Finding) -> tuple[str, str]:
    return (f.stem, project if f.path is None else "")


@dataclass(frozen=True, slots=True)
class Baseline:
    """Known findings by fingerprint, with multiplicity."""

    entries: tuple[BaselineEntry, ...]
    source: str = ""  # the file it was read from
    created_at: str = ""
    commit: str | None = None

    @classmethod
    def from_findings(cls, findings: Iterable[tuple[str, Finding]], *, commit: str | None = None,
                      created_at: str = "") -> Baseline:
        counts: Counter[tuple[str, str]] = Counter()
        first: dict[tuple[str, str], tuple[str, Finding]] = {}
        for project, f in findings:
            key = _finding_key(project, f)
            counts[key] += 1
            first.setdefault(key, (project, f))
        entries = []
        for key in sorted(counts, key=lambda k: (first[k][1].path or "", first[k][1].check_id, k)):
            project, f = first[key]
            entries.append(BaselineEntry(key[0], counts[key], f.check_id, f.path, project, stored_text(f.message)[:300]))
        return cls(tuple(entries), commit=commit, created_at=created_at)

    def to_json(self) -> dict[str, Any]:
        return {"kind": BASELINE_KIND, "version": BASELINE_VERSION, "created_at": self.created_at, "commit": self.commit,
                "findings": sum(e.count for e in self.entries), "entries": [e.to_json() for e in self.entries]}

    @classmethod
    def from_json(cls, data: object, source: str = "") -> Baseline:
        where = source or "baseline"
        if not isinstance(data, dict) or data.get("kind") != BASELINE_KIND:
            raise BaselineError(f"{where}: not an auditor baseline (written by `auditor baseline create`)")
        if data.get("version") != BASELINE_VERSION:
            raise BaselineError(f"{where}: baseline version {data.get('version')!r} is not supported (expected {BASELINE_VERSION})")
        raw = data.get("entries")
        if not isinstance(raw, list):
            raise BaselineError(f"{where}: 'entries' must be a list")
        entries = []
        for i, e in enumerate(raw):
            fp, count = (e.get("fingerprint"), e.get("count")) if isinstance(e, dict) else (None, None)
            if not isinstance(fp, str) or not re.fullmatch(r"[0-9a-f]{20}", fp) or not isinstance(count, int) \
                    or isinstance(count, bool) or count < 1:
                raise BaselineError(f"{where}: entry {i} needs a 20-hex-digit 'fingerprint' and a positive 'count'")
            assert isinstance(e, dict)
            path = e.get("path")
            entries.append(BaselineEntry(fp, count, str(e.get("check_id") or ""), path if isinstance(path, str) else None,
                                         str(e.get("project") or ""), str(e.get("message") or "")))
        commit = data.get("commit")
        return cls(tuple(entries), source, str(data.get("created_at") or ""), commit if isinstance(commit, str) else None)

    @classmethod
    def load(cls, path: str) -> Baseline:
        from auditor.safeio import UnreadableFile, read_file

        try:
            raw = read_file(path, MAX_BASELINE_BYTES, truncate=False)
        except UnreadableFile as exc:
            raise BaselineError(f"{path}: {'baseline not found' if exc.missing else exc.reason}") from None
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise BaselineError(f"{path}: not JSON ({str(exc).splitlines()[0][:120]})") from None
        return cls.from_json(data, path)


@dataclass(frozen=True, slots=True)
class BaselineUse:
    """What the baseline did in this audit."""

    source: str
    entries: int  # findings the baseline holds (counts summed)
    hidden: tuple[tuple[str, Finding], ...]  # (project label, finding)
    stale: tuple[BaselineEntry, ...]  # entries (with the count left over) that matched nothing

    def to_json(self, finding_to_dict: Callable[[Finding, str], dict[str, Any]]) -> dict[str, Any]:
        return {"file": self.source, "entries": self.entries, "matched": len(self.hidden),
                "findings": [finding_to_dict(f, project) for project, f in self.hidden],
                "stale": [e.to_json() for e in self.stale]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BaselineUse:
        hidden = tuple((str(f.get("project") or ""), Finding.from_json(f)) for f in data.get("findings") or ())
        stale = tuple(BaselineEntry(str(e.get("fingerprint", "")), int(e.get("count") or 1), str(e.get("check_id") or ""),
                                    e.get("path") if isinstance(e.get("path"), str) else None, str(e.get("project") or ""),
                                    str(e.get("message") or "")) for e in data.get("stale") or ())
        return cls(str(data.get("file") or ""), int(data.get("entries") or 0), hidden, stale)


# -- applying triage -------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TriageRules:
    """What triage is asked to apply besides the configuration's severity overrides and the suppressions."""

    baseline: Baseline | None = None
    today: dt.date | None = None  # None: today (UTC); suppressions expire after their `until` day
    suppressions: bool = True  # False: inline suppressions are listed but hide nothing (--no-suppressions)


@dataclass(frozen=True, slots=True)
class TriageOutcome:
    suppressions: tuple[Suppression, ...] = ()
    suppressions_not_listed: int = 0  # beyond MAX_SUPPRESSIONS
    baseline: BaselineUse | None = None

    @property
    def suppressed(self) -> int:
        return sum(len(s.hidden) for s in self.suppressions)

    def expired(self) -> list[Suppression]:
        return [s for s in self.suppressions if s.status == "expired"]


def restatus(result: CheckResult) -> CheckResult:
    """A scored result's status from the findings it has left: failed while a finding above info remains or its
    measure is not met."""
    if not result.status.scored:
        return result
    failed = any(f.severity is not Severity.INFO for f in result.findings) or (
        result.measure is not None and not result.measure.met)
    return dataclasses.replace(result, status=Status.FAILED if failed else Status.PASSED)


def apply(projects: Sequence[tuple[str, Sequence[CheckResult]]], comments: Sequence[SuppressionComment],
          overrides: Mapping[str, Severity], rules: TriageRules | None = None,
          known_checks: Iterable[str] = ()) -> tuple[list[list[CheckResult]], TriageOutcome]:
    """The results of each project (given as (label, results)) after triage, and what triage did."""
    rules = rules or TriageRules()
    today = rules.today or dt.datetime.now(dt.UTC).date()
    known = list(known_checks)
    by_line: dict[tuple[str, int], list[int]] = {}
    states: list[dict[str, Any]] = []
    for i, c in enumerate(comments):
        note, status = c.problem, ""
        if not note and known and not any(fnmatch.filter(known, pattern) for pattern in c.checks):
            note = f"{', '.join(c.checks)}: no such check (see `auditor checks`)"
        if c.problem:
            status = "invalid"
        elif c.expired(today):
            status = "expired"
            note = note or f"expired on {c.until}: it hides nothing any more"
        states.append({"status": status, "note": note, "hidden": []})
        if not status and rules.suppressions:
            by_line.setdefault((c.path, c.applies_to), []).append(i)
    out: list[list[CheckResult]] = []
    pending: list[tuple[str, Finding]] = []  # (project label, finding) kept so far
    for label, results in projects:
        kept_results: list[CheckResult] = []
        for result in results:
            override = overrides.get(result.check.id)
            findings = [dataclasses.replace(f, severity=override) for f in result.findings] if override else list(result.findings)
            kept: list[Finding] = []
            for f in findings:
                hit = None
                if f.path and f.line and not f.check_id.startswith("suppressions/"):
                    hit = next((i for i in by_line.get((f.path, f.line), ()) if comments[i].covers(f.check_id)), None)
                if hit is not None:
                    states[hit]["hidden"].append((label, f))
                else:
                    kept.append(f)
                    pending.append((label, f))
            kept_results.append(dataclasses.replace(result, findings=tuple(kept)))
        out.append(kept_results)
    baseline_use = None
    if rules.baseline is not None:
        left: Counter[tuple[str, str]] = Counter()
        for e in rules.baseline.entries:
            left[e.key] += e.count
        hidden_ids: set[int] = set()
        hidden: list[tuple[str, Finding]] = []
        for label, f in sorted(pending, key=lambda x: (x[1].path or "", x[1].line or 0, x[1].fingerprint)):
            key = _finding_key(label, f)
            if left[key] > 0:
                left[key] -= 1
                hidden_ids.add(id(f))
                hidden.append((label, f))
        if hidden_ids:
            out = [[dataclasses.replace(r, findings=tuple(f for f in r.findings if id(f) not in hidden_ids)) for r in rs]
                   for rs in out]
        stale: list[BaselineEntry] = []
        reported: set[tuple[str, str]] = set()
        for e in rules.baseline.entries:  # entries sharing a key share its leftover count: reported once
            if left[e.key] > 0 and e.key not in reported:
                reported.add(e.key)
                stale.append(dataclasses.replace(e, count=left[e.key]))
        baseline_use = BaselineUse(rules.baseline.source, sum(e.count for e in rules.baseline.entries), tuple(hidden),
                                   tuple(stale))
    out = [[restatus(r) for r in rs] for rs in out]
    suppressions = []
    for c, state in zip(comments, states, strict=True):
        status = state["status"] or ("active" if state["hidden"] else "unused")
        note = state["note"]
        if status == "unused" and not rules.suppressions:
            note = note or "inline suppressions are off (--no-suppressions)"
        suppressions.append(Suppression(c, status, tuple(state["hidden"]), note))
    listed = suppressions[:MAX_SUPPRESSIONS]
    return out, TriageOutcome(tuple(listed), len(suppressions) - len(listed), baseline_use)


# -- comparing two scorecards ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Comparison:
    """The `diff` section: the head compared with a base (a pull request's merge base, or a previous report)."""

    base: str  # the ref as given (or the report's file)
    head: str  # the head commit ("" outside git)
    merge_base: str  # the commit compared with ("" when unknown)
    mode: str  # merge-base-audit | base-report | full-audit-fallback | previous-report
    new: int = 0
    unchanged: int = 0
    fixed: tuple[tuple[str, Finding], ...] = ()  # (project label, base finding)
    score_delta: float | None = None
    category_deltas: Mapping[str, float] = field(default_factory=dict)
    base_score: float | None = None
    base_grade: str = ""
    renames: int = 0  # renamed or moved files whose findings were followed
    reason: str = ""  # why the mode is what it is (the fallback's cause)
    base_cached: bool = False  # the base's audit came from the cache
    timings: Mapping[str, float] = field(default_factory=dict)

    def to_json(self, finding_to_dict: Callable[[Finding, str], dict[str, Any]]) -> dict[str, Any]:
        return {
            "base": self.base, "head": self.head, "merge_base": self.merge_base, "mode": self.mode, "new": self.new,
            "unchanged": self.unchanged, "fixed": [finding_to_dict(f, project) for project, f in self.fixed],
            "score_delta": self.score_delta, "category_deltas": dict(self.category_deltas), "base_score": self.base_score,
            "base_grade": self.base_grade, "renames": self.renames, "reason": self.reason, "base_cached": self.base_cached,
            "timings": dict(self.timings),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Comparison:
        def num(key: str) -> float | None:
            v = data.get(key)
            return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None

        deltas = data.get("category_deltas") if isinstance(data.get("category_deltas"), dict) else {}
        timings = data.get("timings") if isinstance(data.get("timings"), dict) else {}
        return cls(
            base=str(data.get("base") or ""), head=str(data.get("head") or ""), merge_base=str(data.get("merge_base") or ""),
            mode=str(data.get("mode") or "merge-base-audit"), new=int(data.get("new") or 0),
            unchanged=int(data.get("unchanged") or 0),
            fixed=tuple((str(f.get("project") or ""), Finding.from_json(f)) for f in data.get("fixed") or ()),
            score_delta=num("score_delta"), category_deltas={str(k): float(v) for k, v in (deltas or {}).items()},
            base_score=num("base_score"), base_grade=str(data.get("base_grade") or ""),
            renames=int(data.get("renames") or 0), reason=str(data.get("reason") or ""),
            base_cached=bool(data.get("base_cached")), timings={str(k): float(v) for k, v in (timings or {}).items()},
        )


def _keys(project: str, f: Finding, path: str | None) -> list[tuple[str, ...]]:
    """What a finding is, wherever it is, best key first: check, place (its path, or for a finding without one its
    project) and flagged code (the path-free fingerprint); else the fingerprint itself (a report written before
    content fingerprints existed, the file not renamed); else check, place and message."""
    place = path if path is not None else f"project:{project}"
    keys: list[tuple[str, ...]] = []
    if f.content_fingerprint:
        keys.append(("c", f.check_id, place, f.content_fingerprint))
    if path == f.path and f.fingerprint:
        keys.append(("f", place, f.stem))
    keys.append(("m", f.check_id, place, " ".join(f.message.split())))
    return keys


def match(head: Sequence[tuple[str, Finding]], base: Sequence[tuple[str, Finding]],
          renames: Mapping[str, str] | None = None) -> tuple[list[bool], list[tuple[str, Finding]]]:
    """For each head finding whether the base has it too (multiplicity counted, renames followed), and the base
    findings left over (the fixed ones). A base finding waits in the pool of its best key only."""
    renames = renames or {}
    pools: dict[tuple[str, ...], list[int]] = {}
    for i, (project, f) in enumerate(base):
        path = renames.get(f.path, f.path) if f.path else None
        pools.setdefault(_keys(project, f, path)[0], []).append(i)
    for queue in pools.values():
        queue.reverse()  # pop() takes the first
    order = sorted(range(len(head)), key=lambda i: (head[i][1].path or "", head[i][1].line or 0, head[i][1].fingerprint))
    seen = [False] * len(head)
    used: set[int] = set()
    for i in order:
        project, f = head[i]
        for key in _keys(project, f, f.path):
            waiting = pools.get(key)
            if waiting:
                used.add(waiting.pop())
                seen[i] = True
                break
    fixed = [base[i] for i in range(len(base)) if i not in used]
    return seen, fixed


def _located(card: Scorecard) -> list[tuple[str, Finding]]:
    single = len(card.projects) == 1
    return [("" if single else p.project.label, f) for p in card.projects for r in p.results for f in r.findings]


def compare(head: Scorecard, base: Scorecard, *, base_name: str, mode: str, merge_base: str = "",
            renames: Mapping[str, str] | None = None, reason: str = "", base_cached: bool = False,
            timings: Mapping[str, float] | None = None) -> Scorecard:
    """`head` with every finding's `change` set against `base`, and its `diff` section."""
    from auditor.scoring import category_deltas, repository_categories, score_delta

    located = _located(head)
    seen, fixed = match(located, _located(base), renames)
    flags = iter(seen)
    projects = []
    for p in head.projects:
        results = tuple(dataclasses.replace(r, findings=tuple(
            dataclasses.replace(f, change="unchanged" if next(flags) else "new") for f in r.findings)) for r in p.results)
        projects.append(dataclasses.replace(p, results=results))
    git = head.repo.git
    diff = Comparison(
        base=base_name, head=(git.commit or "") if git else "", merge_base=merge_base, mode=mode,
        new=seen.count(False), unchanged=seen.count(True), fixed=tuple(fixed),
        score_delta=score_delta(head.score, base.score),
        category_deltas=category_deltas(repository_categories(head), repository_categories(base)),
        base_score=base.score, base_grade=base.grade, renames=len(renames or {}), reason=reason, base_cached=base_cached,
        timings=dict(timings or {}))
    return dataclasses.replace(head, projects=tuple(projects), diff=diff)


def without_base(head: Scorecard, *, base_name: str, reason: str, timings: Mapping[str, float] | None = None) -> Scorecard:
    """The fallback when the base cannot be audited: a full audit of the head, every finding counted as new."""
    projects = tuple(dataclasses.replace(p, results=tuple(dataclasses.replace(r, findings=tuple(
        dataclasses.replace(f, change="new") for f in r.findings)) for r in p.results)) for p in head.projects)
    git = head.repo.git
    count = sum(len(r.findings) for p in projects for r in p.results)
    diff = Comparison(base=base_name, head=(git.commit or "") if git else "", merge_base="", mode="full-audit-fallback",
                      new=count, reason=reason, timings=dict(timings or {}))
    return dataclasses.replace(head, projects=projects, diff=diff)
