"""The JSON report: the public, versioned schema documented in docs/report-schema.md."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from auditor.engine import Scorecard
from reports.base import scorecard_to_dict

__all__ = ["JsonReporter"]


class JsonReporter:
    name: ClassVar[str] = "json"
    extension: ClassVar[str] = "json"

    def render(self, card: Scorecard) -> str:
        return self.render_data(scorecard_to_dict(card))

    def render_data(self, data: dict[str, Any]) -> str:
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
