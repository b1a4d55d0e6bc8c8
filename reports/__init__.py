"""Report engine: every reporter renders the same scorecard dictionary to a string."""

from __future__ import annotations

from reports.base import Reporter, scorecard_to_dict, write_atomic

__all__ = ["Reporter", "scorecard_to_dict", "write_atomic"]
