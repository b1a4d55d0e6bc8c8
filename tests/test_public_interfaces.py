"""The check ids, the check reference and the CLI are public interfaces: extended, never renamed or reused."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from auditor.model import CHECK_ID_PATTERN
from auditor.registry import load_registry

ROOT = Path(__file__).resolve().parent.parent
PUBLISHED = ROOT / "docs" / "check-ids.txt"


def _published() -> list[str]:
    return [ln.strip() for ln in PUBLISHED.read_text().splitlines() if ln.strip() and not ln.startswith("#")]


def test_every_published_check_id_still_exists() -> None:
    registered = {c.id for c in load_registry().checks}
    missing = [i for i in _published() if i not in registered]
    assert not missing, f"published check ids were renamed or removed: {missing}"


def test_every_registered_check_id_is_published() -> None:
    published = set(_published())
    unlisted = sorted(c.id for c in load_registry().checks if c.id not in published)
    assert not unlisted, f"add these new ids to docs/check-ids.txt (never reuse an old one): {unlisted}"


def test_check_declarations_are_complete() -> None:
    for check in load_registry().checks:
        assert CHECK_ID_PATTERN.match(check.id), check.id
        assert check.title and check.rationale and check.remediation, check.id
        assert check.category in {"testing", "api", "database", "typing", "error-handling", "security",
                                  "operability", "maintainability"}, check.id


def test_check_reference_is_generated_from_the_code() -> None:
    generated = subprocess.run([sys.executable, "-m", "auditor", "checks", "--markdown"], capture_output=True,
                               text=True, check=True, cwd=ROOT).stdout
    assert (ROOT / "docs" / "checks.md").read_text() == generated, "regenerate: auditor checks --markdown > docs/checks.md"
