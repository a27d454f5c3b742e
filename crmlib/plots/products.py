"""Charts of the products topic."""

from __future__ import annotations

__all__: list[str] = []
