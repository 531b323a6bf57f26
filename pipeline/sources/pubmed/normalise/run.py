"""Normalise one complete raw PubMed run into its Parquet partitions: the twin of ``ctgov_run``.

EFetch bodies are read from the raw zone one at a time (each checked against the sha256 taken at
fetch time) and streamed into ``write_pubmed_partition``, so memory holds one body whatever the run's
size. Only complete runs are normalised: a half-fetched run would publish part of PubMed as if it
were the newest state. Any error (an incomplete run, a corrupt body) leaves no partition of the run.
The drift slice's bodies (``drift-*.xml``, re-reads by PMID) are EFetch bodies like the others: the
warehouse keeps the newest read of each PMID, so they need no special handling here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pipeline.errors import RawZoneError
from pipeline.parquet.provenance import Provenance
from pipeline.raw.zone import RawRun
from pipeline.sources.pubmed.normalise.partition import PubmedNormaliseSummary, write_pubmed_partition

SOURCE = "pubmed"
EFETCH_KIND = "efetch"


def normalise_run(raw_run: RawRun, parquet_root: Path) -> PubmedNormaliseSummary:
    """Write ``<parquet_root>/<table>/run_id=<run_id>/part-00000.parquet`` for every PubMed table.

    ``parquet_root`` is ``settings.parquet_dir / "pubmed"``. Normalising a run again replaces its
    partitions.
    """
    if raw_run.source != SOURCE:
        raise RawZoneError(f"raw run {raw_run.path} is a {raw_run.source!r} run, not a PubMed one")
    manifest = raw_run.complete_manifest()
    data_timestamp = manifest.get("data_timestamp")
    if data_timestamp is not None and not isinstance(data_timestamp, str):
        raise RawZoneError(f"raw run {raw_run.path}: manifest data_timestamp {data_timestamp!r} is not text")
    return write_pubmed_partition(_efetch_bodies(raw_run, data_timestamp), parquet_root, raw_run.run_id)


def _efetch_bodies(raw_run: RawRun, data_timestamp: str | None) -> Iterator[tuple[bytes, Provenance, str]]:
    """Lazily, so only the body being parsed is in memory."""
    for record, body in raw_run.iter_bodies(kind=EFETCH_KIND):
        provenance = Provenance(raw_run.run_id, raw_run.fetched_at_of(record), data_timestamp)
        yield body, provenance, str(raw_run.path / record.file)
