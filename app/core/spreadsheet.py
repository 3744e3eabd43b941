"""Cells for CSV and XLSX exports, shared by every area that exports."""

from typing import TypeVar

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

T = TypeVar("T")


def safe_cell(value: T) -> T | str:
    """Text that a spreadsheet would run as a formula is prefixed with an apostrophe (CSV and
    XLSX injection); numbers and other values pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
