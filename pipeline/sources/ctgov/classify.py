"""Turn one run's normalised trials, interventions, arms and intervention MeSH into TRIAL_CLASSES rows.

Pure (tables in, table out) so the step that reads and writes Parquet stays trivial and this can be
tested without files. Provenance is copied from the trial's own input rows (its first intervention,
else arm, else trial row, else MeSH row), so a class row traces to the raw page that caused it.

Tables with the normaliser's column types are classified a chunk of trials at a time, each text field
searched as a whole column (pipeline/classify/trial_batch.py). Any other column types take the row
path: every value is checked first and a bad one named with its trial; both give the same rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from pipeline.classify.table_rows import (
    PROVENANCE_COLUMNS,
    checked_rows,
    first_missing_key,
    has_text_types,
    require_columns,
)
from pipeline.classify.trial_batch import (
    ARM_KEYS,
    IV_KEYS,
    MESH_KEYS,
    TRIAL_KEYS,
    TrialColumns,
    classify_columns,
)
from pipeline.classify.trial_parts import read_arm, read_intervention, read_mesh, read_trial
from pipeline.errors import ClassifyError
from pipeline.sources.ctgov.normalise.schemas import TRIAL_CLASSES
from pipeline.util.gc_pause import gc_paused

if TYPE_CHECKING:
    from pipeline.classify.classifier import Classifier, Match

# Input table (as the normaliser names it) -> the columns read, in TrialColumns order.
INPUTS = {"interventions": IV_KEYS, "arms": ARM_KEYS, "trials": TRIAL_KEYS, "intervention_mesh": MESH_KEYS}
LIST_COLUMNS = frozenset({"other_names", "arm_group_labels", "intervention_names"})
READERS = {
    "interventions": read_intervention,
    "arms": read_arm,
    "trials": read_trial,
    "intervention_mesh": read_mesh,
}
PROVENANCE_SCHEMA = pa.schema([TRIAL_CLASSES.field(c) for c in PROVENANCE_COLUMNS])
MATCH_COLUMNS = (
    "nct_id",
    "treatment_class",
    "matched_field",
    "matched_term",
    "matched_text",
    "match_strength",
)
CHUNK_TRIALS = 5000  # trials classified together: bounds memory, large enough that per-call costs vanish


def classify_ctgov_tables(
    trials: pa.Table, interventions: pa.Table, arms: pa.Table, mesh: pa.Table, classifier: Classifier
) -> pa.Table:
    """One run's TRIAL_CLASSES rows (inputs in ``Source.classification.inputs`` order).

    The cyclic GC is paused: a chunk is ~10^5 acyclic values and matches, and the full collections
    their allocation triggers scan the whole heap to free nothing (they cost as much as the rest)."""
    tables = {"interventions": interventions, "arms": arms, "trials": trials, "intervention_mesh": mesh}
    with gc_paused():
        return _classify_tables(tables, classifier)


def _classify_tables(tables: dict[str, pa.Table], classifier: Classifier) -> pa.Table:
    for name, table in tables.items():
        require_columns(table, name, (*INPUTS[name], *PROVENANCE_COLUMNS), source="ctgov")
    typed = all(
        has_text_types(table, INPUTS[name], LIST_COLUMNS, PROVENANCE_SCHEMA) for name, table in tables.items()
    )
    if not typed:
        return _classify_rows(tables, classifier)
    for name, table in tables.items():
        bad = first_missing_key(table, "nct_id")
        if bad is not None:
            raise ClassifyError(f"{name} row {bad} has no nct_id")
    parts = [_classify_chunk(chunk, classifier) for chunk in _trial_chunks(tables)]
    return pa.concat_tables(parts) if parts else TRIAL_CLASSES.empty_table()


def _trial_chunks(tables: dict[str, pa.Table]) -> Iterator[dict[str, pa.Table]]:
    """The tables CHUNK_TRIALS trials at a time, in nct_id order: the Python values of one chunk at a
    time are held, so memory does not grow with the run (a chunk's rows stay sorted). A page (or a run)
    of no more trials is one chunk, the tables as they are."""
    ids = pa.chunked_array([c for t in tables.values() for c in t.column("nct_id").chunks], pa.string())
    ids = ids.unique()
    if len(ids) <= CHUNK_TRIALS:
        if len(ids):
            yield tables
        return
    ids = ids.take(pc.sort_indices(ids))
    for start in range(0, len(ids), CHUNK_TRIALS):
        low = ids[start]
        high = ids[start + CHUNK_TRIALS] if start + CHUNK_TRIALS < len(ids) else None
        yield {name: table.filter(_between(table, low, high)) for name, table in tables.items()}


def _between(table: pa.Table, low: pa.Scalar, high: pa.Scalar | None) -> pa.ChunkedArray:
    column = table.column("nct_id")
    mask = pc.greater_equal(column, low)
    return mask if high is None else pc.and_(mask, pc.less(column, high))


def _classify_chunk(tables: dict[str, pa.Table], classifier: Classifier) -> pa.Table:
    cols = TrialColumns(*({c: tables[name].column(c).to_pylist() for c in INPUTS[name]} for name in INPUTS))
    found = classify_columns(classifier, cols)
    rows = [(nct_id, *m) for nct_id in sorted(found) for m in _sorted(found[nct_id])]
    out = dict(zip(MATCH_COLUMNS, map(list, zip(*rows, strict=True)), strict=True)) if rows else {}
    # Each row's provenance is its trial's first row in interventions, arms, trials, then MeSH: the
    # first of its nct_id in their nct_id columns one after another.
    ids = pa.chunked_array([c for name in INPUTS for c in tables[name].column("nct_id").chunks], pa.string())
    first_rows = pc.index_in(pa.array(out.get("nct_id", []), pa.string()), value_set=ids)
    provenance = pa.concat_tables(
        [tables[name].select(PROVENANCE_COLUMNS).cast(PROVENANCE_SCHEMA) for name in INPUTS]
    ).take(first_rows)
    columns = {
        **{c: out.get(c, []) for c in MATCH_COLUMNS},
        **{c: provenance.column(c) for c in PROVENANCE_COLUMNS},
    }
    return pa.Table.from_pydict(columns, schema=TRIAL_CLASSES)


def _classify_rows(tables: dict[str, pa.Table], classifier: Classifier) -> pa.Table:
    """Any column types: rows as dicts, every value checked by the classifier's row readers first."""
    rows = {
        name: checked_rows(table, name, (*INPUTS[name], *PROVENANCE_COLUMNS), key="nct_id", source="ctgov")
        for name, table in tables.items()
    }
    for name, table_rows in rows.items():
        for row in table_rows:
            try:
                READERS[name](row)
            except ClassifyError as exc:
                raise ClassifyError(f"{row['nct_id']}: {exc}") from None
    cols = TrialColumns(*({c: [row[c] for row in rows[name]] for c in INPUTS[name]} for name in INPUTS))
    found = classify_columns(classifier, cols)
    first: dict[str, dict] = {}
    for name in INPUTS:
        for row in rows[name]:
            first.setdefault(row["nct_id"], row)
    out: list[dict[str, object]] = []
    for nct_id in sorted(found):
        provenance = {column: first[nct_id][column] for column in PROVENANCE_COLUMNS}
        out.extend(
            {**dict(zip(MATCH_COLUMNS, (nct_id, *_values(m)), strict=True)), **provenance}
            for m in _sorted(found[nct_id])
        )
    try:
        return pa.Table.from_pylist(out, schema=TRIAL_CLASSES)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ClassifyError(f"cannot build trial_classes rows: {first_line}") from None


def _sorted(matches: list[Match]) -> list[Match]:
    return sorted(set(matches), key=_sort_key)


def _sort_key(m: Match) -> tuple[str, str, str, str, str]:
    return (m.treatment_class, m.matched_field, m.matched_term, m.matched_text or "", m.match_strength)


def _values(m: Match) -> tuple[str, str, str, str | None, str]:
    return (m.treatment_class, m.matched_field, m.matched_term, m.matched_text, m.match_strength)
