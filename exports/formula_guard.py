"""Spreadsheet formula-injection guard for CSV cells.

A text cell starting with = + - @, a tab or a carriage return is prefixed with a single
quote so spreadsheet programs show it as text. Numbers stay numbers: only strings are touched.
"""

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def guard_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def guard_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` with every text column guarded."""
    guarded = frame.copy()
    for column in guarded.columns:
        if not pd.api.types.is_numeric_dtype(guarded[column]):
            guarded[column] = guarded[column].map(guard_cell)
    return guarded
