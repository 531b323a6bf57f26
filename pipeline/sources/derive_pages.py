"""A source's derivations (``spec.Derivation``) computed page by page while its run is normalised.

Deriving is per record, so a run's derived tables are its pages' derived tables joined in page order
(``Derivation.combine``). Deriving each page in the process that has just normalised it (one of
``pipeline.parquet.parallel``'s) spares reading the run's tables back from Parquet and spreads the work
over every core, where ``steps.derive`` alone would run it on one after the normalising ended. The
normalising process writes the derived partitions once the run's records are published, with the same
writer as ``steps.derive`` (the same bytes: tested), so the derive step then finds them current.

A record on two pages of one run (a drift page re-reading a study the run's other pages hold) is derived
once by the whole run but twice here: such a run is left to ``steps.derive``, as is a run where some
page's derivation failed (the derive step derives it again and reports the error, as it always did).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.config import Settings
from pipeline.errors import NormaliseError
from pipeline.parquet.stamp import read_stamp, stamped
from pipeline.parquet.writer import PART_FILE, PartitionWriter, partition_dir
from pipeline.sources.spec import Derivation

logger = logging.getLogger(__name__)

# One page's derived tables, per derivation in declaration order; None when deriving the page failed.
PageOutput = list[dict[str, pa.Table]] | None


@dataclass(frozen=True)
class PageDerive:
    """What a page job needs to derive its page: sent to the process normalising it (plain data and
    module-level functions, so it pickles)."""

    settings: Settings
    derivations: tuple[Derivation, ...]
    key: str  # the source's record key (nct_id)
    record_table: str  # the table with one row per record (trials)

    def __call__(self, tables: Mapping[str, pa.Table]) -> PageOutput:
        """Every derivation of one page's normalised tables."""
        try:
            return [
                dict(how.derive(self.settings, {name: tables[name] for name in how.inputs}))
                for how in self.derivations
            ]
        except Exception:  # the derive step derives the run again and reports the error
            return None


@dataclass
class DerivedPages:
    """The normalising process's side: each page's derived tables as they come back in page order,
    written (``write``) after the run's records. Without a ``PageDerive`` it does nothing."""

    derive: PageDerive | None
    _pages: list[list[dict[str, pa.Table]]] = field(default_factory=list)
    _keys: set[str] = field(default_factory=set)
    _left_to_derive_step: str | None = None  # why the derive step has to derive this run itself

    def add(self, tables: Mapping[str, pa.Table], derived: PageOutput) -> None:
        if self.derive is None or self._left_to_derive_step is not None:
            return
        if derived is None:
            self._give_up("deriving a page failed")
            return
        keys = tables[self.derive.record_table].column(self.derive.key).to_pylist()
        seen = len(self._keys)
        self._keys.update(keys)
        if len(self._keys) != seen + len(keys):
            self._give_up(f"a {self.derive.key} is on more than one page")
            return
        self._pages.append(derived)

    def write(self, parquet_root: Path, run_id: str) -> None:
        """The run's derived partitions (unless some page left the run to the derive step)."""
        if self.derive is None:
            return
        if self._left_to_derive_step is not None:
            logger.info("run %s: %s; the derive step derives it", run_id, self._left_to_derive_step)
            return
        try:
            for i, how in enumerate(self.derive.derivations):
                tables = combined(how, [page[i] for page in self._pages])
                write_derived(parquet_root, run_id, how, how.config_digest(self.derive.settings), tables)
        except NormaliseError as exc:  # the records are published: the derive step tries again, and says
            logger.warning("run %s: derived tables not written (%s); the derive step derives it", run_id, exc)
        finally:
            self._pages.clear()

    def _give_up(self, reason: str) -> None:
        self._left_to_derive_step = reason
        self._pages.clear()


def combined(how: Derivation, pages: Sequence[Mapping[str, pa.Table]]) -> Mapping[str, pa.Table]:
    """The run's tables from its pages' (in page order): the derivation's own ``combine``, or each
    table's pages one after another."""
    if how.combine is not None:
        return how.combine(pages)
    return {
        table: pa.concat_tables([page[table] for page in pages]) if pages else schema.empty_table()
        for table, schema in how.tables.items()
    }


def write_derived(
    parquet_root: Path, run_id: str, how: Derivation, digest: str, tables: Mapping[str, pa.Table]
) -> dict[str, int]:
    """One derivation's partitions for a run, stamped with ``digest``, each table in one piece (so the
    file is the same however the rows were computed); returns rows per table."""
    schemas = {table: stamped(schema, digest) for table, schema in how.tables.items()}
    with PartitionWriter(parquet_root, run_id, schemas) as writer:
        writer.write({table: tables[table].combine_chunks() for table in schemas})
    return {table: tables[table].num_rows for table in schemas}


def current_rows(
    parquet_root: Path, run_id: str, how: Derivation, digest: str, record_table: str
) -> dict[str, int] | None:
    """Rows per table of a derivation's partitions for a run when every one is there, stamped with
    ``digest`` and no older than the run's records (as recovery judges them); otherwise None."""
    records = partition_dir(parquet_root, record_table, run_id) / PART_FILE
    try:
        records_time = records.stat().st_mtime
        files = {table: partition_dir(parquet_root, table, run_id) / PART_FILE for table in how.tables}
        if any(path.stat().st_mtime < records_time for path in files.values()):
            return None
    except OSError:
        return None
    if any(read_stamp(path) != digest for path in files.values()):
        return None
    return {table: pq.ParquetFile(path).metadata.num_rows for table, path in files.items()}
