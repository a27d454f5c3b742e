"""Charts of the targets topic."""

from __future__ import annotations

__all__: list[str] = []
