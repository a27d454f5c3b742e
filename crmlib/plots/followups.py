"""Charts of the follow-ups topic."""

from __future__ import annotations

__all__: list[str] = []
