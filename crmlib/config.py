"""Paths and defaults used across crmlib, in one place."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["PROJECT_ROOT", "DATA_DIR", "PARAMS_DIR", "MAPPINGS_DIR", "REPORTS_DIR",
           "DEFAULT_DB", "SHARED_DATASETS"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# CRM_DATA_DIR lets tests and users keep the embedded database elsewhere (relative to the project).
DATA_DIR = PROJECT_ROOT / os.environ.get("CRM_DATA_DIR", "data")
PARAMS_DIR = PROJECT_ROOT / "params"
MAPPINGS_DIR = PARAMS_DIR / "mappings"
REPORTS_DIR = PROJECT_ROOT / "reports"
DEFAULT_DB = DATA_DIR / "crm.duckdb"
# Public data sets beside the project (present in CI, absent in a user's clone).
SHARED_DATASETS = PROJECT_ROOT.parent / "shared" / "datasets"
