"""Re-reads that changed nothing: recognised by content hash and recorded, not re-normalised.

Each incremental night re-reads the oldest-read trials by id (drift control), and its query re-reads
the overlap day before the watermark. Most come back exactly as stored; writing them again as new
versions would cost a full normalisation, classification and a bigger warehouse build for no new
information. Such a study (any study of an incremental run, or of a drift page) whose JSON hash
equals the hash of its current stored version (the newest version among the runs *before* this one,
so replaying runs in any order gives the same partitions) is therefore only listed in the run's
``rereads`` table. The drift planner reads that table, so "oldest-read first" and the
reread_within_days guarantee still hold.

A trial that a full pull no longer returned (removed) has no current version: its re-read is always
normalised, so it comes back exactly as a full refresh would bring it back.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.parquet.columns import TableColumns
from pipeline.parquet.provenance import Provenance
from pipeline.raw.zone import RawRun, RawZone
from pipeline.sources.ctgov.normalise.schemas import REREADS

REREADS_TABLE = "rereads"
DRIFT_PAGE_PREFIX = "drift"  # raw file names of the drift slice's pages (see sources.ctgov.fetch_run)
_KEY_COLUMNS = ["nct_id", "run_id", "fetched_at"]
_HASH = "content_sha256"

# Newest version per trial (fetched_at, then run_id, as the warehouse), unless a later full pull
# left the trial out (then it is removed and has no current version).
_CURRENT_HASHES = """
WITH latest AS (
    SELECT nct_id, content_sha256, max(run_id) OVER (PARTITION BY nct_id) AS last_seen_run
    FROM versions
    QUALIFY row_number() OVER (PARTITION BY nct_id ORDER BY fetched_at DESC, run_id DESC) = 1
)
SELECT nct_id, content_sha256 FROM latest
WHERE content_sha256 IS NOT NULL AND (? IS NULL OR last_seen_run >= ?)
"""


def is_drift_page(file_name: str) -> bool:
    return file_name.startswith(DRIFT_PAGE_PREFIX)


def stored_hashes(raw_run: RawRun, parquet_root: Path) -> dict[str, str]:
    """nct_id -> content hash of the current version as of the runs before ``raw_run``."""
    earlier = _earlier_trial_files(parquet_root, raw_run.run_id)
    if not earlier:
        return {}
    versions = pa.concat_tables(_read_keys(path) for path in earlier.values())
    newest_full = max((run_id for run_id in _full_run_ids(raw_run) if run_id in earlier), default=None)
    con = duckdb.connect()
    try:
        con.register("versions", versions)
        rows = con.execute(_CURRENT_HASHES, [newest_full, newest_full]).fetchall()
    finally:
        con.close()
    return dict(rows)


def rereads_table(skipped: list[tuple[str, str]], provenance: Provenance) -> pa.Table:
    """One page's skipped re-reads as rows of the ``rereads`` table."""
    columns = TableColumns(REREADS_TABLE, REREADS)
    columns.columns["nct_id"].extend(nct_id for nct_id, _ in skipped)
    columns.columns["content_sha256"].extend(digest for _, digest in skipped)
    return columns.to_table(provenance, REREADS_TABLE)


def _earlier_trial_files(parquet_root: Path, run_id: str) -> dict[str, Path]:
    """run_id -> trials Parquet file of every finished partition older than ``run_id``."""
    table_dir = parquet_root / "trials"
    if not table_dir.is_dir():
        return {}
    found = {}
    for folder in sorted(table_dir.glob("run_id=*")):
        earlier_id = folder.name.removeprefix("run_id=")
        if "." in earlier_id or earlier_id >= run_id:
            continue
        for path in sorted(folder.glob("part-*.parquet")):
            found[earlier_id] = path
    return found


def _read_keys(path: Path) -> pa.Table:
    """Key columns plus the hash; a partition written before hashes existed gives NULL hashes."""
    names = set(pq.read_schema(path).names)
    table = pq.read_table(path, columns=[*_KEY_COLUMNS, *([_HASH] if _HASH in names else [])])
    if _HASH not in names:
        table = table.append_column(_HASH, pa.nulls(table.num_rows, pa.string()))
    return table.select([*_KEY_COLUMNS, _HASH])


def _full_run_ids(raw_run: RawRun) -> list[str]:
    """Complete raw runs of the source that were full pulls (a manifest without a mode was one)."""
    zone = RawZone(raw_run.path.parent.parent)
    return [
        run.run_id
        for run in zone.complete_runs(raw_run.source)
        if (run.manifest().get("mode") or "full") == "full"
    ]
