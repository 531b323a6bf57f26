"""Rows of one page, held as plain tuples per table until they become Arrow columns.

Tuples in schema column order (provenance excluded) are the cheapest thing CPython can build per
row; the page is transposed into columns once, which is what makes normalisation fast.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pipeline.sources.ctgov.normalise.schemas import PROVENANCE, TABLES

PROVENANCE_NAMES = frozenset(f.name for f in PROVENANCE)

# Per table, the columns a row tuple carries, in order.
ROW_FIELDS = {name: [f for f in schema if f.name not in PROVENANCE_NAMES] for name, schema in TABLES.items()}

EMPTY: dict[str, Any] = {}  # shared stand-in for a missing module; never mutated


class MalformedStudy(ValueError):
    """A study whose structure cannot be read (a module that is not an object, a required id missing)."""


@dataclass
class PageRows:
    trials: list[tuple[Any, ...]] = field(default_factory=list)
    conditions: list[tuple[Any, ...]] = field(default_factory=list)
    interventions: list[tuple[Any, ...]] = field(default_factory=list)
    arms: list[tuple[Any, ...]] = field(default_factory=list)
    design_outcomes: list[tuple[Any, ...]] = field(default_factory=list)
    result_outcomes: list[tuple[Any, ...]] = field(default_factory=list)
    result_groups: list[tuple[Any, ...]] = field(default_factory=list)
    result_measurements: list[tuple[Any, ...]] = field(default_factory=list)
    result_analyses: list[tuple[Any, ...]] = field(default_factory=list)
    references: list[tuple[Any, ...]] = field(default_factory=list)
    unknown_values: Counter[str] = field(default_factory=Counter)
    unparseable_dates: Counter[str] = field(default_factory=Counter)

    def by_table(self) -> dict[str, list[tuple[Any, ...]]]:
        return {name: getattr(self, name) for name in TABLES}


def str_list(value: Any, what: str) -> list[Any] | None:
    """Guard list columns: Arrow would silently split a bare string into characters."""
    if value is None or isinstance(value, list):
        return value
    raise MalformedStudy(f"{what} is not a list")


def required_id(value: Any, what: str) -> str:
    if isinstance(value, str) and value:
        return value
    raise MalformedStudy(f"{what} is missing")
