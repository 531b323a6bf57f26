"""A PubMed run's EFetch bodies to one Parquet partition per table, streamed and all or nothing.

Bodies are parsed and written one after another, so memory holds one batch whatever the run's size.
The files are written under a temporary folder and renamed into `<table>/run_id=<run_id>/` only once
every body parsed: a failure leaves no partition behind, never a partial one that the warehouse would
take as the run's whole content. Re-normalising a run replaces its partitions. The renames are per
table, so only a crash between two of them (not a bad body) could leave some tables renamed.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from pipeline.errors import NormaliseError
from pipeline.parquet.provenance import Provenance
from pipeline.sources.pubmed.normalise.efetch import PubmedBatch, deleted_pmids_table, parse_efetch
from pipeline.sources.pubmed.normalise.schemas import TABLES

PART_FILE = "part-00000.parquet"
COMPRESSION = "zstd"


@dataclass(frozen=True)
class PubmedNormaliseSummary:
    run_id: str
    counts: dict[str, int]  # rows written per table (pubmed_schemas.TABLES)
    n_articles: int
    n_deleted: int
    n_skipped: int  # records without a PMID
    n_bodies: int


def partition_dir(out_root: Path, table: str, run_id: str) -> Path:
    return out_root / table / f"run_id={run_id}"


def _parsed(
    batches: Iterable[tuple[bytes, Provenance, str]], run_id: str
) -> Iterator[tuple[PubmedBatch, Provenance]]:
    for body, provenance, source in batches:
        if provenance.run_id != run_id:
            raise NormaliseError(f"{source}: provenance run_id {provenance.run_id!r} is not {run_id!r}")
        yield parse_efetch(body, provenance, source), provenance


def _move_into_place(staging: Path, out_root: Path, run_id: str) -> None:
    for table in TABLES:
        target = partition_dir(out_root, table, run_id)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            old = target.with_name(f"_replaced-{target.name}-{secrets.token_hex(4)}")
            target.rename(old)
            shutil.rmtree(old)
        (staging / table).rename(target)


def _close_all(writers: dict[str, pq.ParquetWriter]) -> None:
    for writer in writers.values():
        writer.close()


def write_pubmed_partition(
    batches: Iterable[tuple[bytes, Provenance, str]], out_root: Path, run_id: str
) -> PubmedNormaliseSummary:
    """Normalise (body, provenance, source label) triples of one run into its Parquet partitions."""
    out_root = Path(out_root)
    staging = out_root / f"_tmp-{run_id}-{secrets.token_hex(4)}"
    counts = dict.fromkeys(TABLES, 0)
    n_deleted = n_skipped = n_bodies = 0
    writers: dict[str, pq.ParquetWriter] = {}
    try:
        for table, schema in TABLES.items():
            (staging / table).mkdir(parents=True)
            writers[table] = pq.ParquetWriter(staging / table / PART_FILE, schema, compression=COMPRESSION)
        for batch, provenance in _parsed(batches, run_id):
            tables = {**batch.tables, "deleted_pmids": deleted_pmids_table(batch.deleted_pmids, provenance)}
            for table, rows in tables.items():
                if rows.num_rows:
                    writers[table].write_table(rows)
                    counts[table] += rows.num_rows
            n_deleted += len(batch.deleted_pmids)
            n_skipped += batch.n_skipped
            n_bodies += 1
        _close_all(writers)
        _move_into_place(staging, out_root, run_id)
    except OSError as error:
        _close_all(writers)
        message = f"PubMed run {run_id}: normalising into {out_root} failed: {error}"
        raise NormaliseError(" ".join(message.split())) from None
    except BaseException:
        _close_all(writers)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return PubmedNormaliseSummary(
        run_id=run_id,
        counts=counts,
        n_articles=counts["publications"],
        n_deleted=n_deleted,
        n_skipped=n_skipped,
        n_bodies=n_bodies,
    )
