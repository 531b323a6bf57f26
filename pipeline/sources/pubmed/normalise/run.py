"""Normalise one complete raw PubMed run into its Parquet partitions: the twin of ``ctgov`` ``run``.

EFetch bodies are read from the raw zone one at a time (each checked against the sha256 taken at
fetch time), parsed and streamed into the shared ``PartitionWriter``, so memory holds one body
whatever the run's size. Only complete runs are normalised: a half-fetched run would publish part of
PubMed as if it were the newest state. Any error (an incomplete run, a corrupt body) leaves no
partition of the run, and a failed re-normalisation keeps the previous one. The drift slice's bodies
(``drift-*.xml``, re-reads by PMID) are EFetch bodies like the others: the warehouse keeps the newest
read of each PMID, so they need no special handling here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import NormaliseError, RawZoneError
from pipeline.parquet.provenance import Provenance
from pipeline.parquet.writer import PartitionWriter
from pipeline.raw.zone import RawRun
from pipeline.sources.pubmed.normalise.efetch import deleted_pmids_table, parse_efetch
from pipeline.sources.pubmed.normalise.schemas import TABLES

SOURCE = "pubmed"
EFETCH_KIND = "efetch"


@dataclass(frozen=True)
class PubmedNormaliseSummary:
    run_id: str
    counts: dict[str, int]  # rows written per table (schemas.TABLES)
    n_articles: int
    n_deleted: int
    n_skipped: int  # records without a PMID
    n_bodies: int


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


def write_pubmed_partition(
    bodies: Iterable[tuple[bytes, Provenance, str]], out_root: Path, run_id: str
) -> PubmedNormaliseSummary:
    """Normalise (body, provenance, source label) triples of one run into its Parquet partitions."""
    n_deleted = n_skipped = n_bodies = 0
    with PartitionWriter(Path(out_root), run_id, TABLES) as writer:
        for body, provenance, source in bodies:
            if provenance.run_id != run_id:
                raise NormaliseError(f"{source}: provenance run_id {provenance.run_id!r} is not {run_id!r}")
            batch = parse_efetch(body, provenance, source)
            deleted = deleted_pmids_table(batch.deleted_pmids, provenance)
            writer.write({**batch.tables, "deleted_pmids": deleted})
            n_deleted += len(batch.deleted_pmids)
            n_skipped += batch.n_skipped
            n_bodies += 1
    return PubmedNormaliseSummary(
        run_id=run_id,
        counts=dict(writer.rows),
        n_articles=writer.rows["publications"],
        n_deleted=n_deleted,
        n_skipped=n_skipped,
        n_bodies=n_bodies,
    )


def _efetch_bodies(raw_run: RawRun, data_timestamp: str | None) -> Iterator[tuple[bytes, Provenance, str]]:
    """Lazily, so only the body being parsed is in memory."""
    for record, body in raw_run.iter_bodies(kind=EFETCH_KIND):
        provenance = Provenance(raw_run.run_id, raw_run.fetched_at_of(record), data_timestamp)
        yield body, provenance, str(raw_run.path / record.file)
