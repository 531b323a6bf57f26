"""Pivotal-trial results transcribed from their publications, served by the demo beside the registry records.

The shipped registry records carry no posted results for migraine trials, so without these the demo would
show no effect estimate and no forest plot. ``records/from-publications/`` holds eight pivotal trials in the
v2 single-study shape, written by hand from their publications (the same files as the outcome tests'
``tests/fixtures/outcomes``; the records' README gives the source of every number). Where the demo ships
the trial's registry record, only the transcribed ``resultsSection`` is attached to it (the registry's own
protocol is kept); a trial the demo does not ship is served as transcribed, protocol included. The files
on disk stay as they are: the registry copies remain byte copies of the shared fixtures.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.demo.ctgov_api import load_studies, nct_id

FROM_PUBLICATIONS = "from-publications"


@dataclass(frozen=True)
class WithPublicationResults:
    """The studies to serve, and which of them carry results transcribed from a publication."""

    studies: list[dict[str, Any]]
    attached: tuple[str, ...]  # registry records given the publication's results section
    added: tuple[str, ...]  # trials served wholly as transcribed from their publication

    @property
    def n_transcribed(self) -> int:
        return len(self.attached) + len(self.added)


def with_publication_results(registry: list[dict[str, Any]], folder: Path) -> WithPublicationResults:
    """``registry`` plus the transcribed results in ``folder``, sorted by NCT id like ``load_studies``.
    A registry record that has results of its own keeps them: a transcription never replaces the registry."""
    by_id: dict[str, dict[str, Any]] = {str(nct_id(s)): s for s in registry}
    attached: list[str] = []
    added: list[str] = []
    for doc in load_studies([folder]):
        found = str(nct_id(doc))
        record = by_id.get(found)
        if record is None:
            by_id[found] = doc
            added.append(found)
        elif "resultsSection" not in record:
            by_id[found] = {**record, "resultsSection": doc["resultsSection"]}
            attached.append(found)
    return WithPublicationResults([by_id[k] for k in sorted(by_id)], tuple(attached), tuple(added))
