"""How many processes a rebuild's head start should start, decided from the raw zone before Prefect starts.

A refresh cannot know (its pages are not fetched yet); a rebuild replays runs already on disk, so it can
skip starting a process that no run would be big enough to use (``pipeline.parquet.parallel.workers_for``).
"""

from __future__ import annotations

from pipeline.config import Settings
from pipeline.parquet.parallel import workers_for
from pipeline.raw.zone import RawZone
from pipeline.sources import registry


def rebuild_processes(settings: Settings) -> int:
    """The configured processes if some complete raw run of a known source is worth them once started
    ahead, else 1 (this process alone). Every stored response of a run is counted, a little more than the
    pages normalised."""
    workers = settings.resources.normalise_processes
    zone = RawZone(settings.raw_dir)
    for source in registry.SOURCES:
        for run in zone.complete_runs(source):
            sizes = [run.body_size(record) for record in run.pages()]
            if workers_for(workers, sizes, started=True) > 1:
                return workers
    return 1
