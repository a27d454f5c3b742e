"""Charts of the funnel topic."""

from __future__ import annotations

__all__: list[str] = []
