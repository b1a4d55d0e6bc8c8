"""JUnit XML (`report.junit.xml`), which Jenkins, GitLab, Azure DevOps and test-report actions read.

One `<testsuite>` per project and category, one `<testcase>` per check: a failed check is a `<failure>`
listing its findings, an errored one an `<error>`, a check that is not applicable or not available is
`<skipped>`. Plugins that failed to load are `<error>` test cases of an `auditor` suite. The shape is the
one `jenkins-junit.xsd` describes (the schema JUnit 5 and Jenkins validate against).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import Any, ClassVar

from auditor.engine import Scorecard
from auditor.redact import redact
from reports._view import SEVERITIES, STATUS_LABELS, finding_place, visible_text
from reports.base import scorecard_to_dict

__all__ = ["MAX_FINDINGS_LISTED", "JunitReporter", "render_junit"]

MAX_FINDINGS_LISTED = 200  # per failed check; the count is always whole
# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_RANK = {s: i for i, s in enumerate(SEVERITIES)}


def _x(value: object) -> str:
    """Text from the target for XML: redacted, control characters shown as escapes, nothing XML forbids."""
    return _NOT_XML.sub("\ufffd", visible_text(redact(str(value))))


def _finding_line(f: dict[str, Any]) -> str:
    place = finding_place(f)
    if f.get("line"):
        place += f":{f['line']}"
    return f"{f['severity'].upper()} {place}: {f['message']}"


def _testcase(suite: ET.Element, check: dict[str, Any], classname: str) -> dict[str, int]:
    case = ET.SubElement(suite, "testcase", name=_x(check["id"]), classname=_x(classname),
                         time=f"{float(check.get('duration_seconds') or 0):.3f}")
    status = check["status"]
    findings = sorted(check["findings"], key=lambda f: (_RANK.get(f["severity"], 9), f.get("path") or "", f.get("line") or 0))
    listed = "\n".join(_x(_finding_line(f)) for f in findings[:MAX_FINDINGS_LISTED])
    if len(findings) > MAX_FINDINGS_LISTED:
        listed += f"\n... and {len(findings) - MAX_FINDINGS_LISTED} more (see report.json)"
    score = "n/a" if check["score"] is None else f"{check['score']:.1f}"
    if status == "failed":
        worst = findings[0]["severity"] if findings else check["severity"]
        what = f"{len(findings)} finding{'s' if len(findings) != 1 else ''}" if findings else _x(_measure(check))
        failure = ET.SubElement(case, "failure", type=worst, message=_x(f"{check['title']}: {what}, score {score}"))
        failure.text = listed or _x(_measure(check))
        return {"failures": 1}
    if status == "error":
        error = ET.SubElement(case, "error", type="error", message=_x(check["reason"] or "the check failed"))
        error.text = _x(check["reason"])
        return {"errors": 1}
    if status in ("not_applicable", "not_available"):
        ET.SubElement(case, "skipped").text = _x(f"{STATUS_LABELS[status]}: {check['reason']}")
        return {"skipped": 1}
    if listed:
        ET.SubElement(case, "system-out").text = listed
    return {}


def _measure(check: dict[str, Any]) -> str:
    m = check.get("measure")
    if not m:
        return ""
    return f"{m['name']} {m['value']:g}{m['unit']} (threshold {m['threshold']:g}{m['unit']})"


def _suite(parent: ET.Element, name: str, stamp: str, checks: Iterable[dict[str, Any]], classname: str,
           properties: dict[str, str]) -> dict[str, int]:
    suite = ET.SubElement(parent, "testsuite", name=_x(name), timestamp=stamp)
    if properties:
        props = ET.SubElement(suite, "properties")
        for key, value in properties.items():
            ET.SubElement(props, "property", name=key, value=_x(value))
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    time = 0.0
    for check in checks:
        totals["tests"] += 1
        time += float(check.get("duration_seconds") or 0)
        for key, n in _testcase(suite, check, classname).items():
            totals[key] += n
    suite.attrib.update({k: str(v) for k, v in totals.items()})
    suite.set("time", f"{time:.3f}")
    return totals


def render_junit(data: dict[str, Any]) -> str:
    """The JUnit XML document for a report dictionary."""
    root = ET.Element("testsuites", name="auditor")
    stamp = str(data["generated_at"])[:19]
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for check in data["checks"]:
        groups.setdefault((check.get("project") or "", check["category"]), []).append(check)
    scores = {(p["name"] if len(data["projects"]) > 1 else "", c["name"]): c["score"]
              for p in data["projects"] for c in p["categories"]}
    for (project, category), checks in sorted(groups.items()):
        name = f"{project} / {category}" if project else category
        classname = ".".join(["auditor", *([project] if project else []), category])
        score = scores.get((project, category))
        props = {"category": category, **({"project": project} if project else {}),
                 **({"score": f"{score:.2f}"} if score is not None else {})}
        for key, n in _suite(root, name, stamp, checks, classname, props).items():
            totals[key] += n
    errors = list(data.get("plugin_errors") or [])
    if errors:
        suite = ET.SubElement(root, "testsuite", name="auditor", timestamp=stamp, tests=str(len(errors)),
                              failures="0", errors=str(len(errors)), skipped="0", time="0.000")
        for i, error in enumerate(errors, 1):
            case = ET.SubElement(suite, "testcase", name=f"plugin load {i}", classname="auditor.plugins", time="0.000")
            ET.SubElement(case, "error", type="plugin-error", message=_x(error)).text = _x(error)
        totals["tests"] += len(errors)
        totals["errors"] += len(errors)
    reg = data.get("regression")
    if isinstance(reg, dict):
        suite = ET.SubElement(root, "testsuite", name="auditor regression", timestamp=stamp, tests="1",
                              failures="1" if reg.get("regressed") else "0", errors="0", skipped="0", time="0.000")
        prev = reg.get("previous") or {}
        case = ET.SubElement(suite, "testcase", name="no regression against the previous audit of the branch",
                             classname="auditor.regression", time="0.000")
        if reg.get("regressed"):
            since = f"{str(prev.get('commit') or '')[:10]} ({prev.get('date', '')})"
            failure = ET.SubElement(case, "failure", type="regression", message=_x(f"regression since {since}"))
            failure.text = "\n".join(_x(r) for r in reg.get("reasons") or [])
            totals["failures"] += 1
        totals["tests"] += 1
    root.attrib.update({k: str(v) for k, v in totals.items() if k != "skipped"})
    root.set("time", f"{float(data.get('duration_seconds') or 0):.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


class JunitReporter:
    name: ClassVar[str] = "junit"
    extension: ClassVar[str] = "junit.xml"

    def render(self, card: Scorecard) -> str:
        return self.render_data(scorecard_to_dict(card))

    def render_data(self, data: dict[str, Any]) -> str:
        return render_junit(data)
