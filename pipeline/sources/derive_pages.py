"""A source's per-record outputs of a run computed page by page while the run is normalised: its
classification (when ``Classification.by_page``, as a derivation: pipeline/classify/run_classes.py)
and its derivations (``spec.Derivation``), together its ``page_outputs``.

Each is per record, so a run's tables are its pages' tables joined (``Derivation.combine``). Computing
each page in the process that has just normalised it (one of ``pipeline.parquet.parallel``'s) spares
reading the run's tables back from Parquet and spreads the work over every core, where the classify and
derive steps alone would run it on one after the normalising ended. The normalising process writes the
partitions once the run's records are published, with the same writer as those steps (the same bytes:
tested), so the steps then find them current.

A record on two pages of one run (a drift page re-reading a study the run's other pages hold) is
classified and derived once by the whole run but twice here: such a run is left to ``steps.classify``
and ``steps.derive``, as is a run where some page's output failed (the steps compute it again and
report the error, as they always did).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.classify.run_classes import classification
from pipeline.config import Settings
from pipeline.errors import NormaliseError
from pipeline.parquet.stamp import read_stamp, stamped
from pipeline.parquet.writer import PART_FILE, PartitionWriter, partition_dir
from pipeline.sources.spec import Derivation, Source

logger = logging.getLogger(__name__)

# One page's tables, per output in ``page_outputs`` order; None when computing one of them failed.
PageOutput = list[dict[str, pa.Table]] | None


def page_outputs(source: Source) -> tuple[Derivation, ...]:
    """What normalising ``source`` computes page by page: its classification when the rows of a run are
    its pages' (``by_page``), then its derivations."""
    classes = (classification(source),) if source.classification.by_page else ()
    return (*classes, *source.derivations)


@dataclass(frozen=True)
class PageDerive:
    """What a page job needs to compute its page's outputs: sent to the process normalising it (plain
    data and module-level functions, so it pickles)."""

    settings: Settings
    derivations: tuple[Derivation, ...]  # ``page_outputs``
    key: str  # the source's record key (nct_id)
    record_table: str  # the table with one row per record (trials)

    def __call__(self, tables: Mapping[str, pa.Table]) -> PageOutput:
        """Every output of one page's normalised tables."""
        try:
            return [
                dict(how.derive(self.settings, {name: tables[name] for name in how.inputs}))
                for how in self.derivations
            ]
        except Exception:  # the classify and derive steps compute the run again and report the error
            return None


@dataclass
class DerivedPages:
    """The normalising process's side: each page's output tables as they come back in page order,
    written (``write``) after the run's records. Without a ``PageDerive`` it does nothing."""

    derive: PageDerive | None
    _pages: list[list[dict[str, pa.Table]]] = field(default_factory=list)
    _keys: set[str] = field(default_factory=set)
    _left_to_steps: str | None = None  # why the classify and derive steps compute this run

    def add(self, tables: Mapping[str, pa.Table], derived: PageOutput) -> None:
        if self.derive is None or self._left_to_steps is not None:
            return
        if derived is None:
            self._give_up("a page's classification or derivation failed")
            return
        keys = tables[self.derive.record_table].column(self.derive.key).to_pylist()
        seen = len(self._keys)
        self._keys.update(keys)
        if len(self._keys) != seen + len(keys):
            self._give_up(f"a {self.derive.key} is on more than one page")
            return
        self._pages.append(derived)

    def write(self, parquet_root: Path, run_id: str) -> None:
        """The run's output partitions (unless some page left the run to the classify and derive steps)."""
        if self.derive is None:
            return
        if self._left_to_steps is not None:
            logger.info("run %s: %s; the classify and derive steps compute it", run_id, self._left_to_steps)
            return
        try:
            for i, how in enumerate(self.derive.derivations):
                tables = combined(how, [page[i] for page in self._pages])
                write_derived(parquet_root, run_id, how, how.config_digest(self.derive.settings), tables)
        except NormaliseError as exc:  # the records are published: the steps try again, and say
            logger.warning(
                "run %s: classes or derived tables not written (%s); the classify and derive steps compute "
                "them",
                run_id,
                exc,
            )
        finally:
            self._pages.clear()

    def _give_up(self, reason: str) -> None:
        self._left_to_steps = reason
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
    """One output's partitions for a run, stamped with ``digest``, each table in one piece (so the
    file is the same however the rows were computed); returns rows per table."""
    schemas = {table: stamped(schema, digest) for table, schema in how.tables.items()}
    with PartitionWriter(parquet_root, run_id, schemas) as writer:
        writer.write({table: tables[table].combine_chunks() for table in schemas})
    return {table: tables[table].num_rows for table in schemas}


def current_rows(
    parquet_root: Path, run_id: str, how: Derivation, digest: str, record_table: str
) -> dict[str, int] | None:
    """Rows per table of an output's partitions for a run when every one is there, stamped with
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
