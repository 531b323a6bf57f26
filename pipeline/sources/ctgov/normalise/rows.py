"""Rows of one page, held per table as one list per column until they become Arrow columns.

Every value is appended under its schema column name (``pipeline.parquet.columns``): a misspelt name
fails at its first use, a forgotten one when the page's tables are built.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pipeline.parquet.columns import TableColumns, empty_columns
from pipeline.sources.ctgov.normalise.schemas import TABLES

EMPTY: dict[str, Any] = {}  # shared stand-in for a missing module; never mutated


class MalformedStudy(ValueError):
    """A study whose structure cannot be read (a module that is not an object, a required id missing)."""


@dataclass
class PageRows:
    tables: dict[str, TableColumns] = field(default_factory=lambda: empty_columns(TABLES))
    unknown_values: Counter[str] = field(default_factory=Counter)
    unparseable_dates: Counter[str] = field(default_factory=Counter)


def str_list(value: Any, what: str) -> list[Any] | None:
    """Guard list columns: Arrow would silently split a bare string into characters."""
    if value is None or isinstance(value, list):
        return value
    raise MalformedStudy(f"{what} is not a list")


def required_id(value: Any, what: str) -> str:
    if isinstance(value, str) and value:
        return value
    raise MalformedStudy(f"{what} is missing")
