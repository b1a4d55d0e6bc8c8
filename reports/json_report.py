"""The JSON report: the public, versioned schema documented in docs/report-schema.md."""

from __future__ import annotations

import json
from typing import ClassVar

from auditor.engine import Scorecard
from reports.base import scorecard_to_dict

__all__ = ["JsonReporter"]


class JsonReporter:
    name: ClassVar[str] = "json"
    extension: ClassVar[str] = "json"

    def render(self, card: Scorecard) -> str:
        return json.dumps(scorecard_to_dict(card), indent=2, ensure_ascii=False) + "\n"
