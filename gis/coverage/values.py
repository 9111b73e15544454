"""Tolerant readers of layer columns (nullable booleans from the store, missing columns)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def as_flags(frame: pd.DataFrame, name: str) -> np.ndarray:
    """Column ``name`` as a bool array; missing values and a missing column read as False."""
    if name not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    return np.array([bool(v) if not pd.isna(v) else False for v in frame[name]], dtype=bool)


def known_flags(frame: pd.DataFrame, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Column ``name`` as ``(value, known)`` bool arrays: a blank cell is unknown (未填报), not False."""
    if name not in frame.columns:
        return np.zeros(len(frame), dtype=bool), np.zeros(len(frame), dtype=bool)
    known = np.array([not pd.isna(v) for v in frame[name]], dtype=bool)
    value = np.array([bool(v) if k else False for v, k in zip(frame[name], known, strict=True)], dtype=bool)
    return value, known


def numbers(frame: pd.DataFrame, name: str) -> np.ndarray:
    """Column ``name`` as floats (NaN for blanks and for a missing column)."""
    if name not in frame.columns:
        return np.full(len(frame), np.nan, dtype=float)
    return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
