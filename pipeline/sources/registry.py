"""Every source the pipeline pulls, by name: the one place that lists them.

Adding a source is one package under ``pipeline/sources/`` whose ``source.py`` declares a ``Source``,
plus one line here (see ``docs/ADDING-A-SOURCE.md``). Everything else loops over ``SOURCES``.
"""

from __future__ import annotations

from pipeline.errors import PipelineError
from pipeline.sources.ctgov.source import CTGOV
from pipeline.sources.pubmed.source import PUBMED
from pipeline.sources.spec import Source

SOURCES: dict[str, Source] = {source.name: source for source in (CTGOV, PUBMED)}
ALL = "all"


def check_distinct_keys(sources: dict[str, Source]) -> None:
    """An incremental build finds a record's rows by its key column alone (``patch by nct_id``), so no two
    sources may share one."""
    owners: dict[str, str] = {}
    for source in sources.values():
        if source.key in owners:
            raise ValueError(
                f"sources {owners[source.key]} and {source.name} both key records by {source.key}"
            )
        owners[source.key] = source.name


check_distinct_keys(SOURCES)


def get(name: str) -> Source:
    try:
        return SOURCES[name]
    except KeyError:
        raise PipelineError(f"unknown source {name!r}: expected one of {', '.join(SOURCES)}") from None


def selected(name: str) -> tuple[str, ...]:
    """``all`` means every source; otherwise the one named (which must exist)."""
    return tuple(SOURCES) if name == ALL else (get(name).name,)
