"""Readers of coverage reports: lcov, Cobertura XML, JaCoCo XML, Go coverprofile and coverage.py's `.coverage`.

Every reader takes the report's content, never raises on malformed input and returns a `CoverageReport`
whose `percent` is in [0, 100] or None. Nothing here executes code of the target: XML goes through defusedxml
(entity expansion and external entities are refused), `.coverage` is opened from a private copy with the
`coverage` package's data API, and statements are counted by coverage's static parser.
"""

from __future__ import annotations

import os
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterable
from contextlib import closing, suppress
from dataclasses import dataclass
from typing import Any

__all__ = [
    "CoverageReport",
    "parse_cobertura",
    "parse_coverage_db",
    "parse_go_profile",
    "parse_jacoco",
    "parse_lcov",
]

# Counts beyond this are nonsense in any real report; a line carrying one is treated as garbage.
MAX_COUNT = 10**9


@dataclass(frozen=True, slots=True)
class CoverageReport:
    """What one report says. `error` is set (and `percent` None) when the report cannot be read."""

    format: str
    covered: int = 0
    total: int = 0
    unit: str = "lines"
    error: str | None = None
    files: int = 0

    @property
    def percent(self) -> float | None:
        if self.error is not None or self.total <= 0:
            return None
        covered = min(max(self.covered, 0), self.total)
        return round(100.0 * covered / self.total, 2)


def _count(text: str) -> int | None:
    """A non-negative count no larger than MAX_COUNT, or None."""
    text = text.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    value = int(text)
    return value if value <= MAX_COUNT else None


# -- lcov -----------------------------------------------------------------------------------------------
def parse_lcov(text: str) -> CoverageReport:
    """lcov tracefile (c8, nyc, jest, cargo-llvm-cov, genhtml input). DA lines win over LF/LH summaries."""
    if not text.strip():
        return CoverageReport("lcov", error="empty file")
    covered = total = files = 0
    lines: dict[int, bool] = {}
    lf: int | None = None
    lh: int | None = None
    in_record = False
    seen_record = False

    def close() -> None:
        nonlocal covered, total, files, lines, lf, lh, in_record
        if lines:
            total += len(lines)
            covered += sum(lines.values())
        elif lf is not None:
            total += lf
            covered += min(lh or 0, lf)
        if in_record:
            files += 1
        lines, lf, lh, in_record = {}, None, None, False

    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("SF:"):
            if in_record:
                close()
            in_record = seen_record = True
        elif line.startswith("DA:"):
            parts = line[3:].split(",")
            if len(parts) < 2:
                continue
            number, hits = _count(parts[0]), _count(parts[1])
            if number is None or hits is None or number == 0:
                continue
            lines[number] = lines.get(number, False) or hits > 0
            in_record = seen_record = True
        elif line.startswith("LF:"):
            lf = _count(line[3:])
        elif line.startswith("LH:"):
            lh = _count(line[3:])
        elif line == "end_of_record":
            close()
    close()
    if not seen_record:
        return CoverageReport("lcov", error="no lcov records (SF:/DA: lines) found")
    return CoverageReport("lcov", covered=covered, total=total, files=files)


# -- XML (defusedxml only) --------------------------------------------------------------------------------
def _xml_root(text: str, fmt: str, tag: str) -> tuple[Any, CoverageReport | None]:
    """The root element (parsed with defusedxml) if it is <tag>, else the report that says what is wrong."""
    import defusedxml.ElementTree as safe_et
    from defusedxml import DefusedXmlException

    if not text.strip():
        return None, CoverageReport(fmt, error="empty file")
    try:
        root = safe_et.fromstring(text)
    except DefusedXmlException as exc:
        return None, CoverageReport(fmt, error=f"refused unsafe XML ({type(exc).__name__})")
    except (SyntaxError, ValueError, RecursionError) as exc:  # ParseError subclasses SyntaxError
        return None, CoverageReport(fmt, error=f"not well-formed XML ({type(exc).__name__})")
    if root.tag != tag:
        return None, CoverageReport(fmt, error=f"root element is <{str(root.tag)[:40]}>, not <{tag}>")
    return root, None


def _attr_count(element: Any, name: str) -> int | None:
    value = element.get(name)
    return _count(value) if isinstance(value, str) else None


def parse_cobertura(text: str) -> CoverageReport:
    """Cobertura XML (coverage.py `coverage xml`, tarpaulin, cargo-llvm-cov, jest's cobertura reporter)."""
    root, failed = _xml_root(text, "cobertura", "coverage")
    if failed is not None:
        return failed
    files = len({c.get("filename") for c in root.iter("class")})
    valid, covered = _attr_count(root, "lines-valid"), _attr_count(root, "lines-covered")
    if valid is not None and covered is not None and (valid > 0 or not files):
        return CoverageReport("cobertura", covered=min(covered, valid), total=valid, files=files)
    # No totals on the root (some writers omit them): count the <line> elements per file.
    hit: dict[tuple[str, int], bool] = {}
    for cls in root.iter("class"):
        name = str(cls.get("filename") or cls.get("name") or "")
        for line in cls.iter("line"):
            number, hits = _attr_count(line, "number"), _attr_count(line, "hits")
            if number is None or hits is None:
                continue
            hit[(name, number)] = hit.get((name, number), False) or hits > 0
    if hit:
        return CoverageReport("cobertura", covered=sum(hit.values()), total=len(hit), files=files)
    return CoverageReport("cobertura", error="no line counts in the report")


def parse_jacoco(text: str) -> CoverageReport:
    """JaCoCo XML: the report-level LINE counter (or the sum of the packages' ones)."""
    root, failed = _xml_root(text, "jacoco", "report")
    if failed is not None:
        return failed
    files = sum(1 for _ in root.iter("sourcefile"))

    def line_counters(elements: Iterable[Any]) -> tuple[int, int] | None:
        missed = covered = 0
        found = False
        for counter in elements:
            if counter.get("type") != "LINE":
                continue
            m, c = _attr_count(counter, "missed"), _attr_count(counter, "covered")
            if m is None or c is None:
                continue
            missed, covered, found = missed + m, covered + c, True
        return (covered, missed) if found else None

    totals = line_counters(root.findall("counter"))
    if totals is None:
        totals = line_counters(c for pkg in root.findall("package") for c in pkg.findall("counter"))
    if totals is None:
        return CoverageReport("jacoco", error="no LINE counter in the report")
    covered, missed = totals
    return CoverageReport("jacoco", covered=covered, total=covered + missed, files=files)


# -- Go -------------------------------------------------------------------------------------------------
_GO_BLOCK = re.compile(r"^(?P<block>.+:\d+\.\d+,\d+\.\d+) (?P<stmts>\d+) (?P<count>\d+)$")


def parse_go_profile(text: str) -> CoverageReport:
    """`go test -coverprofile` output; like `go tool cover -func`, counts statements (blocks merged by position)."""
    lines = text.splitlines()
    if not lines or not lines[0].startswith("mode:"):
        return CoverageReport("go-coverprofile", unit="statements", error="no `mode:` header (not a Go coverprofile)")
    blocks: dict[str, tuple[int, bool]] = {}
    for raw in lines[1:]:
        match = _GO_BLOCK.match(raw.strip())
        if match is None:
            continue
        stmts, count = _count(match["stmts"]), _count(match["count"])
        if stmts is None or count is None:
            continue
        key = match["block"]
        previous = blocks.get(key)
        blocks[key] = (stmts, count > 0 or (previous is not None and previous[1]))
    total = sum(s for s, _ in blocks.values())
    covered = sum(s for s, hit in blocks.values() if hit)
    files = len({k.rsplit(":", 1)[0] for k in blocks})
    return CoverageReport("go-coverprofile", covered=covered, total=total, unit="statements", files=files)


# -- coverage.py data file --------------------------------------------------------------------------------
SourceLookup = Callable[[str], "tuple[str, str] | None"]


def parse_coverage_db(data: bytes, lookup: SourceLookup,
                      estimate: Callable[[str], set[int] | None] | None = None) -> CoverageReport:
    """coverage.py's SQLite data file, read with `CoverageData` from a private temporary copy.

    `lookup(measured_path)` returns `(relative path, source text)` of the target's file that a recorded
    path names (paths may come from another machine), or None. Statements are counted by coverage's static
    `PythonParser` (default `pragma: no cover` exclusion); files it cannot map or parse are left out. Past
    EXACT_LIMIT measured files, `estimate(relative path)` (statement lines from an already parsed tree) is
    used instead, as coverage's parser costs ~15 ms a file; the report's unit then says "lines (estimated)".
    """
    if not data:
        return CoverageReport("coverage.py", error="empty file")
    if not data.startswith(b"SQLite format 3\x00"):
        return CoverageReport("coverage.py", error="not a coverage.py SQLite data file")
    try:
        measured = _read_coverage_db(data)
    except Exception as exc:  # noqa: BLE001 - any malformed database is a parse problem, not a crash
        return CoverageReport("coverage.py", error=f"cannot read the data file ({type(exc).__name__})")
    from coverage.parser import PythonParser

    covered = total = files = 0
    estimated = estimate is not None and len(measured) > EXACT_LIMIT
    for path, executed in sorted(measured.items()):
        found = lookup(path)
        if found is None:
            continue
        statements: set[int] | None
        if estimated and estimate is not None:
            statements = estimate(found[0])
        else:
            try:
                parser = PythonParser(text=found[1], filename=found[0], exclude=_DEFAULT_EXCLUDE)
                parser.parse_source()
                statements = parser.statements
            except Exception:  # noqa: BLE001 - a file coverage cannot parse is left out, as `coverage report` does
                statements = None
        if statements is None:
            continue
        files += 1
        total += len(statements)
        covered += len(statements & executed)
    if not measured:
        return CoverageReport("coverage.py", error="the data file records no measured files")
    if files == 0:
        return CoverageReport("coverage.py", error="none of the measured files is in this repository")
    unit = "lines (estimated)" if estimated else "lines"
    return CoverageReport("coverage.py", covered=covered, total=total, unit=unit, files=files)


EXACT_LIMIT = 500
_DEFAULT_EXCLUDE = r"#\s*(pragma|PRAGMA)[:\s]?\s*(no|NO)\s*(cover|COVER)"
MAX_MEASURED_FILES = 100_000


def _read_coverage_db(data: bytes) -> dict[str, set[int]]:
    from coverage import CoverageData

    fd, name = tempfile.mkstemp(prefix="auditor-cov-", suffix=".db")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        # Validate with sqlite first so a corrupt or hostile file never reaches coverage's writer paths.
        with closing(sqlite3.connect(f"file:{name}?mode=ro", uri=True)) as conn:
            conn.execute("PRAGMA query_only = ON")
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "file" not in tables or "coverage_schema" not in tables:
            raise ValueError("missing coverage tables")
        cov = CoverageData(basename=name)
        cov.read()
        measured = cov.measured_files()
        if len(measured) > MAX_MEASURED_FILES:
            raise ValueError("too many measured files")
        out: dict[str, set[int]] = {}
        for path in measured:
            out[path] = set(cov.lines(path) or ())
        return out
    finally:
        for suffix in ("", "-journal", "-wal", "-shm"):
            with suppress(OSError):
                os.unlink(name + suffix)
