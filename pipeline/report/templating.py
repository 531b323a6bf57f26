"""Jinja2 with autoescaping on for every template: registry text (titles, outcome measures, sponsors'
words) reaches the page only as escaped text, so a title holding ``<script>`` shows as text and never
runs. Data for the browser goes through ``tojson``, which escapes ``<``, ``>``, ``&`` and quotes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from pipeline.report.labels import EN_DASH, phase_label, status_label


@dataclass
class Fragment:
    """A rendered piece of the page plus the chart specs and tables its placeholders refer to by id."""

    html: Markup
    charts: dict[str, dict[str, Any]] = field(default_factory=dict)
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)


def number(value: Any) -> str:
    """1234 -> 1,234; a missing value -> an en dash."""
    if value is None or value != value:  # None or NaN
        return EN_DASH
    return f"{round(value):,}"


def share(part: int, whole: int) -> str:
    """Whole percent, with "<1%" rather than a misleading 0% for a few trials among many."""
    if not whole:
        return EN_DASH
    pct = 100 * part / whole
    return "<1%" if 0 < pct < 1 else f"{pct:.0f}%"


def when(value: Any) -> str:
    """A UTC timestamp as "5 Dec 2026, 07:52 UTC"; an ISO text is parsed first."""
    if value is None or value == "":
        return EN_DASH
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    return f"{value.day} {value:%b %Y, %H:%M} UTC"


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("pipeline.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(number=number, when=when, phase=phase_label, status=status_label)
    env.globals.update(share=share)
    return env


def render(template: str, **context: Any) -> Markup:
    return Markup(environment().get_template(template).render(**context))
