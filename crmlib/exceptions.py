"""The exceptions crmlib raises: one small tree under :class:`CRMError`."""

from __future__ import annotations

__all__ = ["CRMError", "CRMDataError", "ParamsError", "MissingDependencyError"]


class CRMError(Exception):
    """Base class of every error crmlib raises on purpose."""


class CRMDataError(CRMError):
    """Source data breaks the data contract (missing table or column, wrong type, bad rows).

    Parameters
    ----------
    message : str
        What is wrong, naming the file, table or column.
    problems : list of str, optional
        Every problem found, so that one run reports them all at once; kept as ``problems``.
    """

    def __init__(self, message: str, problems: list[str] | None = None):
        self.problems = list(problems or [])
        if self.problems:
            message = message + "\n" + "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(message)


class ParamsError(CRMError):
    """A parameters or mapping file has an unknown key, a wrong type or a bad value."""


class MissingDependencyError(CRMError, ImportError):
    """An optional dependency that this feature needs is not installed."""
