"""Coverage report readers: exact figures on real-shaped reports, safe refusal of hostile ones, and properties."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from coverage import CoverageData
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checks.tests.coverage_parsers import (
    CoverageReport,
    parse_cobertura,
    parse_coverage_db,
    parse_go_profile,
    parse_jacoco,
    parse_lcov,
)

SOURCE = "def f(x):\n    if x:\n        return 1\n    return 2\n\n\ndef g():  # pragma: no cover\n    return 3\n"


def in_range(report: CoverageReport) -> bool:
    return report.percent is None or 0.0 <= report.percent <= 100.0


# -- lcov -------------------------------------------------------------------------------------------------
LCOV = """TN:
SF:src/a.ts
FN:1,f
DA:1,1
DA:2,0
DA:3,5
LF:3
LH:2
end_of_record
SF:src/b.ts
DA:1,0
DA:1,2
DA:4,0
end_of_record
"""


def test_lcov_counts_da_lines_per_file_and_merges_repeated_lines() -> None:
    report = parse_lcov(LCOV)
    assert (report.covered, report.total, report.files) == (3, 5, 2)
    assert report.percent == 60.0


def test_lcov_uses_lf_lh_when_a_record_has_no_da_lines() -> None:
    report = parse_lcov("SF:a.rs\nLF:10\nLH:4\nend_of_record\nSF:b.rs\nLF:10\nLH:10\nend_of_record\n")
    assert (report.covered, report.total, report.percent) == (14, 20, 70.0)


def test_lcov_with_lh_above_lf_is_clamped() -> None:
    report = parse_lcov("SF:a.rs\nLF:2\nLH:900\nend_of_record\n")
    assert (report.covered, report.total, report.percent) == (2, 2, 100.0)


def test_lcov_ignores_negative_huge_and_garbage_lines() -> None:
    text = "SF:a.js\nDA:-1,5\nDA:2,-3\nDA:3,99999999999999999999\nDA:x,y\nDA:4\nDA:5,1\nDA:6,0\n\x00\x01junk\nend_of_record\n"
    report = parse_lcov(text)
    assert (report.covered, report.total, report.percent) == (1, 2, 50.0)


@pytest.mark.parametrize("text", ["", "   \n", "hello world\n", "TN:\nend_of_record\n"])
def test_lcov_without_records_is_an_error_not_a_percent(text: str) -> None:
    report = parse_lcov(text)
    assert report.percent is None and report.error


def test_lcov_record_with_no_lines_gives_no_percent() -> None:
    report = parse_lcov("SF:a.js\nend_of_record\n")
    assert report.error is None and report.total == 0 and report.percent is None


# -- Cobertura --------------------------------------------------------------------------------------------
COBERTURA = """<?xml version="1.0" ?>
<coverage version="7.4" timestamp="1" lines-valid="200" lines-covered="150" line-rate="0.75" branch-rate="0">
  <packages><package name="app"><classes>
    <class name="a.py" filename="app/a.py" line-rate="1"><lines><line number="1" hits="1"/></lines></class>
    <class name="b.py" filename="app/b.py" line-rate="0"><lines><line number="1" hits="0"/></lines></class>
  </classes></package></packages>
</coverage>
"""


def test_cobertura_root_totals() -> None:
    report = parse_cobertura(COBERTURA)
    assert (report.covered, report.total, report.files, report.percent) == (150, 200, 2, 75.0)


def test_cobertura_without_root_totals_counts_line_elements() -> None:
    text = """<coverage line-rate="0.5"><packages><package><classes>
      <class filename="src/lib.rs"><lines><line number="1" hits="3"/><line number="2" hits="0"/>
        <line number="3" hits="0"/><line number="-4" hits="1"/></lines></class>
      <class filename="src/lib.rs"><lines><line number="2" hits="1"/></lines></class>
    </classes></package></packages></coverage>"""
    report = parse_cobertura(text)
    assert (report.covered, report.total, report.files) == (2, 3, 1)


def test_cobertura_covered_above_valid_is_clamped() -> None:
    report = parse_cobertura('<coverage lines-valid="10" lines-covered="50"/>')
    assert report.percent == 100.0


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<coverage lines-valid="10" lines-covered="10">&lol3;</coverage>"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<coverage lines-valid="10" lines-covered="10">&x;</coverage>"""


@pytest.mark.parametrize("parser", [parse_cobertura, parse_jacoco])
@pytest.mark.parametrize("text", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_entity_tricks_are_refused(parser: object, text: str) -> None:
    assert callable(parser)
    report = parser(text)
    assert report.percent is None
    assert report.error is not None and report.error.startswith("refused unsafe XML")


@pytest.mark.parametrize("text", ["", "<coverage", "<<<>>>", "<report/>", "\x00\x00", "<coverage lines-valid='x'/>"])
def test_cobertura_malformed_is_an_error(text: str) -> None:
    report = parse_cobertura(text)
    assert report.percent is None and report.error


def test_deeply_nested_xml_is_not_a_crash() -> None:
    text = "<coverage>" + "<a>" * 5000 + "</a>" * 5000 + "</coverage>"
    assert parse_cobertura(text).percent is None


# -- JaCoCo -----------------------------------------------------------------------------------------------
JACOCO = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!DOCTYPE report PUBLIC "-//JACOCO//DTD Report 1.1//EN" "report.dtd">
<report name="techbuzz">
  <sessioninfo id="host-1" start="1" dump="2"/>
  <package name="com/x">
    <class name="com/x/A" sourcefilename="A.java"><counter type="LINE" missed="5" covered="15"/></class>
    <sourcefile name="A.java"><line nr="3" mi="0" ci="3"/><counter type="LINE" missed="5" covered="15"/></sourcefile>
    <counter type="LINE" missed="5" covered="15"/>
  </package>
  <package name="com/y">
    <sourcefile name="B.java"><counter type="LINE" missed="15" covered="5"/></sourcefile>
    <counter type="LINE" missed="15" covered="5"/>
  </package>
  <counter type="INSTRUCTION" missed="100" covered="1"/>
  <counter type="LINE" missed="20" covered="20"/>
</report>"""


def test_jacoco_report_level_line_counter_with_its_doctype() -> None:
    report = parse_jacoco(JACOCO)
    assert (report.covered, report.total, report.files, report.percent) == (20, 40, 2, 50.0)


def test_jacoco_sums_packages_when_the_report_counter_is_missing() -> None:
    text = JACOCO.replace('<counter type="LINE" missed="20" covered="20"/>\n</report>', "</report>")
    report = parse_jacoco(text)
    assert (report.covered, report.total) == (20, 40)


def test_jacoco_without_line_counter_is_an_error() -> None:
    report = parse_jacoco('<report name="x"><counter type="INSTRUCTION" missed="1" covered="1"/></report>')
    assert report.percent is None and report.error == "no LINE counter in the report"


# -- Go coverprofile --------------------------------------------------------------------------------------
GO_PROFILE = """mode: atomic
example.com/svc/handler.go:10.2,12.3 2 1
example.com/svc/handler.go:14.2,16.3 3 0
example.com/svc/store.go:5.1,9.2 5 0
example.com/svc/store.go:5.1,9.2 5 4
garbage line here
example.com/svc/store.go:20.1,21.2 -1 3
"""


def test_go_profile_counts_statements_and_merges_repeated_blocks() -> None:
    report = parse_go_profile(GO_PROFILE)
    assert (report.covered, report.total, report.files, report.unit) == (7, 10, 2, "statements")
    assert report.percent == 70.0


@pytest.mark.parametrize("text", ["", "not a profile\nx.go:1.1,2.2 1 1\n"])
def test_go_profile_without_header_is_an_error(text: str) -> None:
    assert parse_go_profile(text).error is not None


def test_go_profile_with_header_only_has_no_percent() -> None:
    report = parse_go_profile("mode: set\n")
    assert report.error is None and report.percent is None


# -- coverage.py data file ----------------------------------------------------------------------------------
def write_coverage_db(path: Path, lines: dict[str, list[int]]) -> bytes:
    data = CoverageData(basename=str(path))
    data.add_lines({name: set(numbers) for name, numbers in lines.items()})
    data.write()
    return path.read_bytes()


def test_coverage_db_recorded_on_another_machine_maps_by_path_suffix(tmp_path: Path) -> None:
    raw = write_coverage_db(tmp_path / ".coverage", {"/home/runner/work/svc/svc/app/m.py": [1, 2, 3, 7, 8]})
    seen: list[str] = []

    def lookup(recorded: str) -> tuple[str, str] | None:
        seen.append(recorded)
        return ("app/m.py", SOURCE) if recorded.endswith("/app/m.py") else None

    report = parse_coverage_db(raw, lookup)
    # Statements 1, 2, 3, 4 (g is excluded by its pragma); 1-3 ran.
    assert (report.covered, report.total, report.files, report.percent) == (3, 4, 1, 75.0)
    assert seen == ["/home/runner/work/svc/svc/app/m.py"]


def test_coverage_db_with_no_mappable_file_is_an_error(tmp_path: Path) -> None:
    raw = write_coverage_db(tmp_path / ".coverage", {"/elsewhere/x.py": [1]})
    report = parse_coverage_db(raw, lambda p: None)
    assert report.percent is None and report.error == "none of the measured files is in this repository"


@pytest.mark.parametrize("raw", [b"", b"not sqlite at all", b"SQLite format 3\x00" + b"\xff" * 300])
def test_coverage_db_that_is_not_a_database_is_an_error(raw: bytes) -> None:
    report = parse_coverage_db(raw, lambda p: ("m.py", SOURCE))
    assert report.percent is None and report.error


def test_sqlite_database_without_coverage_tables_is_an_error(tmp_path: Path) -> None:
    db = tmp_path / "other.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    report = parse_coverage_db(db.read_bytes(), lambda p: ("m.py", SOURCE))
    assert report.error == "cannot read the data file (ValueError)"


def test_unparsable_source_is_left_out(tmp_path: Path) -> None:
    raw = write_coverage_db(tmp_path / ".coverage", {"/r/a.py": [1], "/r/b.py": [1, 2, 3]})
    sources = {"/r/a.py": ("a.py", "def (:\n"), "/r/b.py": ("b.py", SOURCE)}
    report = parse_coverage_db(raw, sources.get)
    assert (report.covered, report.total, report.files) == (3, 4, 1)


# -- properties: never raise, percent in [0, 100] or None ---------------------------------------------------
NUMBER = st.one_of(st.integers(-(10**12), 10**30).map(str), st.text(max_size=6))


@st.composite
def lcov_text(draw: st.DrawFn) -> str:
    out: list[str] = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["SF", "DA", "LF", "LH", "end", "junk"]))
        if kind == "SF":
            out.append("SF:" + draw(st.text(max_size=10)))
        elif kind == "DA":
            out.append(f"DA:{draw(NUMBER)},{draw(NUMBER)}")
        elif kind in ("LF", "LH"):
            out.append(f"{kind}:{draw(NUMBER)}")
        elif kind == "end":
            out.append("end_of_record")
        else:
            out.append(draw(st.text(max_size=20)))
    return "\n".join(out)


@given(st.one_of(lcov_text(), st.text(max_size=200)))
def test_lcov_never_raises_and_stays_in_range(text: str) -> None:
    assert in_range(parse_lcov(text))


ATTR = st.one_of(st.integers(-5, 10**15).map(str), st.text(alphabet="0123456789-x. ", max_size=5))


@st.composite
def cobertura_text(draw: st.DrawFn) -> str:
    lines = "".join(
        f'<line number="{draw(ATTR)}" hits="{draw(ATTR)}"/>' for _ in range(draw(st.integers(0, 5)))
    )
    root_attrs = "".join(
        f' {name}="{draw(ATTR)}"' for name in ("lines-valid", "lines-covered") if draw(st.booleans())
    )
    body = f'<packages><package><classes><class filename="a">{lines}</class></classes></package></packages>'
    return f"<coverage{root_attrs}>{body}</coverage>"


@given(st.one_of(cobertura_text(), st.text(max_size=200)))
def test_cobertura_never_raises_and_stays_in_range(text: str) -> None:
    assert in_range(parse_cobertura(text))


@st.composite
def jacoco_text(draw: st.DrawFn) -> str:
    counters = "".join(
        f'<counter type="{draw(st.sampled_from(["LINE", "BRANCH", "line"]))}" missed="{draw(ATTR)}" covered="{draw(ATTR)}"/>'
        for _ in range(draw(st.integers(0, 3)))
    )
    package = f'<package name="p">{counters}</package>' if draw(st.booleans()) else ""
    return f'<report name="r">{package}{counters if draw(st.booleans()) else ""}</report>'


@given(st.one_of(jacoco_text(), st.text(max_size=200)))
def test_jacoco_never_raises_and_stays_in_range(text: str) -> None:
    assert in_range(parse_jacoco(text))


@st.composite
def go_text(draw: st.DrawFn) -> str:
    rows = [
        f"{draw(st.sampled_from(['a.go', 'b.go', 'x']))}:{draw(st.integers(0, 9))}.1,{draw(st.integers(0, 9))}.2 "
        f"{draw(NUMBER)} {draw(NUMBER)}"
        for _ in range(draw(st.integers(0, 6)))
    ]
    header = draw(st.sampled_from(["mode: set", "mode: count", "", "mode:"]))
    return "\n".join([header, *rows])


@given(st.one_of(go_text(), st.text(max_size=200)))
def test_go_profile_never_raises_and_stays_in_range(text: str) -> None:
    assert in_range(parse_go_profile(text))


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=600), st.binary(max_size=600).map(lambda b: b"SQLite format 3\x00" + b)))
def test_coverage_db_never_raises_and_stays_in_range(raw: bytes) -> None:
    assert in_range(parse_coverage_db(raw, lambda p: ("m.py", SOURCE)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(["/a/m.py", "/b/app/m.py", "n.py"]), st.lists(st.integers(1, 10**6), max_size=8)))
def test_coverage_db_from_real_data_stays_in_range(tmp_path: Path, lines: dict[str, list[int]]) -> None:
    path = tmp_path / f"cov-{abs(hash(repr(lines)))}"
    raw = write_coverage_db(path, lines)
    path.unlink()
    report = parse_coverage_db(raw, lambda p: ("app/m.py", SOURCE) if p.endswith("m.py") else None)
    assert in_range(report)
    assert report.covered <= report.total
