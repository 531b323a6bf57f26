"""Normalise one complete raw PubMed run into its Parquet partitions: the twin of ``ctgov`` ``run``.

EFetch bodies are read from the raw zone one at a time per process (each checked against the sha256
taken at fetch time), parsed and streamed into the shared ``PartitionWriter``, so memory holds one body
per process whatever the run's size. With ``workers`` > 1 other processes read and parse bodies too
(``pipeline.parquet.parallel``) unless the run is too small to be worth starting them; this one writes
them in the run's order, as the sequential path does. Only complete runs are normalised: a half-fetched
run would publish part of PubMed as if it were the newest state. Any error (an incomplete run, a corrupt
body) leaves no partition of the run, and a failed re-normalisation keeps the previous one. The drift
slice's bodies (``drift-*.xml``, re-reads by PMID) are EFetch bodies like the others: the warehouse
keeps the newest read of each PMID, so they need no special handling here.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from pipeline.errors import NormaliseError, RawZoneError
from pipeline.parquet.parallel import in_page_order, workers_for
from pipeline.parquet.provenance import Provenance
from pipeline.parquet.writer import PartitionWriter
from pipeline.raw.zone import PageRecord, RawRun
from pipeline.sources.pubmed.normalise.efetch import PubmedBatch, deleted_pmids_table, parse_efetch
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


@dataclass(frozen=True)
class BodyJob:
    """One stored EFetch body to normalise, as plain data (it may be sent to another process)."""

    raw_run: RawRun
    record: PageRecord
    data_timestamp: str | None


def normalise_run(raw_run: RawRun, parquet_root: Path, *, workers: int = 1) -> PubmedNormaliseSummary:
    """Write ``<parquet_root>/<table>/run_id=<run_id>/part-00000.parquet`` for every PubMed table.

    ``parquet_root`` is ``settings.parquet_dir / "pubmed"``; ``workers``: at most this many processes
    parsing bodies at once, this one included (only this one for a small run: ``workers_for``).
    Normalising a run again replaces its partitions.
    """
    if raw_run.source != SOURCE:
        raise RawZoneError(f"raw run {raw_run.path} is a {raw_run.source!r} run, not a PubMed one")
    manifest = raw_run.complete_manifest()
    data_timestamp = manifest.get("data_timestamp")
    if data_timestamp is not None and not isinstance(data_timestamp, str):
        raise RawZoneError(f"raw run {raw_run.path}: manifest data_timestamp {data_timestamp!r} is not text")
    bare_run = RawRun(raw_run.source, raw_run.run_id, raw_run.path)  # no page list: sent to each worker
    jobs = [BodyJob(bare_run, r, data_timestamp) for r in raw_run.pages() if r.kind == EFETCH_KIND]
    sizes = [raw_run.body_size(job.record) for job in jobs]
    batches = in_page_order(parse_body_job, jobs, workers_for(workers, sizes))
    return _write_batches(batches, parquet_root, raw_run.run_id)


def write_pubmed_partition(
    bodies: Iterable[tuple[bytes, Provenance, str]], out_root: Path, run_id: str
) -> PubmedNormaliseSummary:
    """Normalise (body, provenance, source label) triples of one run into its Parquet partitions."""
    return _write_batches((_parse(*triple, run_id) for triple in bodies), Path(out_root), run_id)


def parse_body_job(job: BodyJob) -> ParsedBody:
    """Read one body (checked against its sha256) and parse it."""
    raw_run, record = job.raw_run, job.record
    body = raw_run.read_body(record)
    provenance = Provenance(raw_run.run_id, raw_run.fetched_at_of(record), job.data_timestamp)
    return _parse(body, provenance, str(raw_run.path / record.file), raw_run.run_id)


ParsedBody = tuple[PubmedBatch, pa.Table]  # the articles' tables, and the deleted PMIDs' rows


def _parse(body: bytes, provenance: Provenance, source: str, run_id: str) -> ParsedBody:
    if provenance.run_id != run_id:
        raise NormaliseError(f"{source}: provenance run_id {provenance.run_id!r} is not {run_id!r}")
    batch = parse_efetch(body, provenance, source)
    return batch, deleted_pmids_table(batch.deleted_pmids, provenance)


def _write_batches(
    parsed: Generator[ParsedBody, None, None], out_root: Path, run_id: str
) -> PubmedNormaliseSummary:
    n_deleted = n_skipped = n_bodies = 0
    with PartitionWriter(out_root, run_id, TABLES) as writer, closing(parsed):
        for batch, deleted in parsed:
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
