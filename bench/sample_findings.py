"""Draw findings from a JSON report for judging by hand (the precision sweeps of docs/real-world.md).

    python bench/sample_findings.py REPORT.json TARGET_DIR [--seed 9] [--count 15] [--min-severity low]

The draw is reproducible: line findings (a path and a line) at `--min-severity` or above are sorted by
(check id, path, line, message) and `random.Random(seed).sample` picks `--count` of them. Each is printed with
its check, severity, confidence and message, and the lines of the target around it, so that a reader can judge
it true (a careful reader agrees, at that severity), false (the code does not do what it says) or debatable.
Prints; asserts nothing. Snippets are the target's text: run it on a terminal you trust with that text.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any

SEVERITIES = ("info", "low", "medium", "high", "critical")


def line_findings(report: dict[str, Any], min_severity: str) -> list[dict[str, Any]]:
    floor = SEVERITIES.index(min_severity)
    found = [
        finding
        for check in report.get("checks", [])
        for finding in check.get("findings", [])
        if finding.get("path") and finding.get("line") and SEVERITIES.index(finding["severity"]) >= floor
    ]
    found.sort(key=lambda f: (f["check_id"], f["path"], f["line"], f["message"]))
    return found


def context(root: Path, finding: dict[str, Any], around: int = 3) -> list[str]:
    try:
        lines = (root / finding["path"]).read_text(errors="replace").splitlines()
    except OSError as exc:
        return [f"      (unreadable: {exc.strerror})"]
    first = max(0, finding["line"] - 1 - around)
    last = min(len(lines), (finding.get("end_line") or finding["line"]) + around, first + 14)
    return [f"{n + 1:6} {lines[n][:160]}" for n in range(first, last)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("target", type=Path)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--count", type=int, default=15)
    parser.add_argument("--min-severity", choices=SEVERITIES, default="low")
    args = parser.parse_args()
    report = json.loads(args.report.read_text())
    found = line_findings(report, args.min_severity)
    chosen = random.Random(args.seed).sample(found, min(args.count, len(found)))
    chosen.sort(key=lambda f: (f["check_id"], f["path"], f["line"], f["message"]))
    by_severity = {s: sum(1 for f in found if f["severity"] == s) for s in SEVERITIES[1:]}
    print(f"{len(found)} line findings >= {args.min_severity} {by_severity}; sampled {len(chosen)} (seed {args.seed})")
    for number, finding in enumerate(chosen, 1):
        print(
            f"\n[{number}] {finding['check_id']} {finding['severity']}/{finding.get('confidence')} "
            f"{finding['path']}:{finding['line']} [{finding.get('project') or '.'}]\n    {finding['message']}"
        )
        print("\n".join(context(args.target, finding)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
