"""Tolerant readers of layer columns (nullable booleans from the store, missing columns)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def as_flags(frame: pd.DataFrame, name: str) -> np.ndarray:
    """Column ``name`` as a bool array; missing values and a missing column read as False."""
    if name not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    return np.array([bool(v) if not pd.isna(v) else False for v in frame[name]], dtype=bool)
