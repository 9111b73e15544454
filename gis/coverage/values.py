"""Tolerant readers of layer columns (nullable booleans from the store, missing columns)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def as_flags(frame: pd.DataFrame, name: str) -> np.ndarray:
    """Column ``name`` as a bool array; missing values and a missing column read as False."""
    return known_flags(frame, name)[0]


def known_flags(frame: pd.DataFrame, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Column ``name`` as ``(value, known)`` bool arrays: a blank cell is unknown (未填报), not False."""
    if name not in frame.columns:
        return np.zeros(len(frame), dtype=bool), np.zeros(len(frame), dtype=bool)
    column = frame[name]
    known = ~pd.isna(column).to_numpy()
    if column.dtype == bool:
        return column.to_numpy(), known
    values = column.to_numpy(dtype=object)
    value = np.zeros(len(values), dtype=bool)
    value[known] = [bool(v) for v in values[known]]
    return value, known


def numbers(frame: pd.DataFrame, name: str) -> np.ndarray:
    """Column ``name`` as floats (NaN for blanks and for a missing column)."""
    if name not in frame.columns:
        return np.full(len(frame), np.nan, dtype=float)
    return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
