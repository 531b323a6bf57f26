"""Read one trial's intervention and arm rows (Arrow-schema keys) into checked, typed values.

Rows come from Parquet or from raw JSON mapped by hand; checking the types once here means a wrong
value (a string where a list belongs would otherwise be read letter by letter) fails with a message
naming the field instead of silently producing nonsense matches. Missing keys and nulls are normal in
partial registry records and read as empty.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import NamedTuple

from pipeline.config import INTERVENTION_TYPES
from pipeline.errors import ClassifyError

KNOWN_TYPES = frozenset(INTERVENTION_TYPES.__args__)


class Intervention(NamedTuple):
    """Tuples (built in C, compared and hashed in C), one per intervention of every trial a term names."""

    name: str
    kind: str | None  # API enum such as "DRUG"; None when the record does not say
    description: str
    other_names: tuple[str, ...]
    arm_labels: tuple[str, ...]


class Arm(NamedTuple):
    label: str
    arm_type: str | None
    description: str
    intervention_refs: tuple[str, ...]  # "Drug: Erenumab", as the registry lists them


@lru_cache(maxsize=256)
def intervention_type(value: str | None) -> str | None:
    """The API enum ("DIETARY_SUPPLEMENT") from the enum or the display form ("Dietary Supplement").
    Cached: a registry has a dozen spellings, read once per intervention."""
    if not value:
        return None
    canonical = "_".join(value.split()).upper()
    return canonical if canonical in KNOWN_TYPES else None


def read_intervention(row: Mapping[str, object]) -> Intervention:
    raw_type = _text(row, "intervention_type", "intervention")
    return Intervention(
        name=_text(row, "name", "intervention"),
        kind=intervention_type(raw_type),
        description=_text(row, "description", "intervention"),
        other_names=_texts(row, "other_names", "intervention"),
        arm_labels=_texts(row, "arm_group_labels", "intervention"),
    )


def read_arm(row: Mapping[str, object]) -> Arm:
    return Arm(
        label=_text(row, "label", "arm"),
        arm_type=_text(row, "arm_type", "arm").upper() or None,
        description=_text(row, "description", "arm"),
        intervention_refs=_texts(row, "intervention_names", "arm"),
    )


def read_trial(row: Mapping[str, object]) -> tuple[str, str, str]:
    """The trial's brief title, official title and brief summary."""
    return (
        _text(row, "brief_title", "trial"),
        _text(row, "official_title", "trial"),
        _text(row, "brief_summary", "trial"),
    )


def read_mesh(row: Mapping[str, object]) -> tuple[str, str, str]:
    """One MeSH row of the trial: its kind (mesh or ancestor), id and term."""
    what = "intervention MeSH"
    return (_text(row, "mesh_kind", what), _text(row, "mesh_id", what), _text(row, "term", what))


def _text(row: Mapping[str, object], key: str, what: str) -> str:
    if not isinstance(row, Mapping):
        kind = type(row).__name__
        raise ClassifyError(f"each {what} must be a mapping of column names to values, got {kind}")
    value = row.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ClassifyError(f"{what} {key} must be text or null, got {type(value).__name__}: {value!r:.60}")
    return value


def _texts(row: Mapping[str, object], key: str, what: str) -> tuple[str, ...]:
    value = row.get(key)
    if value is None:
        return ()
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise ClassifyError(f"{what} {key} must be a list of text or null, got {type(value).__name__}")
    items = list(value)
    for item in items:
        if item is not None and not isinstance(item, str):
            raise ClassifyError(f"{what} {key} must hold only text, got {type(item).__name__}: {item!r:.60}")
    return tuple(item for item in items if item)
