"""Metrics of the performance topic."""

from __future__ import annotations

__all__: list[str] = []
