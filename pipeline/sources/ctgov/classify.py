"""Turn one run's normalised interventions and arms into TRIAL_CLASSES rows.

Pure (tables in, table out) so the step that reads and writes Parquet stays trivial and this can be
tested without files. Provenance is copied from the trial's own input rows, so a class row traces to
the same raw page as the intervention that caused it.

Tables with the normaliser's column types take the column path: each text field is searched as a
whole column in one pass, and only trials with a term anywhere are read as rows (for their control
and type rules). Any other column types go through the row path (``Classifier.classify_trial`` per
trial), which checks every value and names the trial of a bad one; both give the same rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from pipeline.classify.controls import find_controls
from pipeline.classify.field_hits import ARM, INTERVENTION, FieldHit
from pipeline.classify.table_rows import (
    PROVENANCE_COLUMNS,
    checked_rows,
    first_missing_key,
    has_text_types,
    require_columns,
)
from pipeline.classify.trial_parts import Arm, Intervention, intervention_type
from pipeline.errors import ClassifyError
from pipeline.sources.ctgov.normalise.schemas import TRIAL_CLASSES

if TYPE_CHECKING:
    from pipeline.classify.classifier import Classifier, Match

INTERVENTION_COLUMNS = (
    "nct_id",
    "name",
    "intervention_type",
    "description",
    "other_names",
    "arm_group_labels",
)
ARM_COLUMNS = ("nct_id", "label", "arm_type", "description", "intervention_names")
LIST_COLUMNS = frozenset({"other_names", "arm_group_labels", "intervention_names"})
PROVENANCE_SCHEMA = pa.schema([TRIAL_CLASSES.field(c) for c in PROVENANCE_COLUMNS])
MATCH_COLUMNS = ("nct_id", "treatment_class", "matched_field", "matched_term", "matched_text")
CHUNK_TRIALS = 5000  # trials classified together: bounds memory, large enough that per-call costs vanish


def classify_ctgov_tables(interventions: pa.Table, arms: pa.Table, classifier: Classifier) -> pa.Table:
    """One run's TRIAL_CLASSES rows, provenance copied from the trial's own input rows."""
    for table, name, columns in (
        (interventions, "interventions", INTERVENTION_COLUMNS),
        (arms, "arms", ARM_COLUMNS),
    ):
        require_columns(table, name, (*columns, *PROVENANCE_COLUMNS), source="ctgov")
    typed = all(
        has_text_types(table, columns, LIST_COLUMNS, PROVENANCE_SCHEMA)
        for table, columns in ((interventions, INTERVENTION_COLUMNS), (arms, ARM_COLUMNS))
    )
    if not typed:
        return _classify_rows(interventions, arms, classifier)
    for table, name in ((interventions, "interventions"), (arms, "arms")):
        bad = first_missing_key(table, "nct_id")
        if bad is not None:
            raise ClassifyError(f"{name} row {bad} has no nct_id")
    parts = [
        _classify_columns(
            interventions.filter(in_chunk(interventions)), arms.filter(in_chunk(arms)), classifier
        )
        for in_chunk in _trial_chunks(interventions, arms)
    ]
    return pa.concat_tables(parts) if parts else TRIAL_CLASSES.empty_table()


def _trial_chunks(interventions: pa.Table, arms: pa.Table) -> Iterator[Callable[[pa.Table], pa.Array]]:
    """Row filters selecting CHUNK_TRIALS trials at a time, in nct_id order: the Python values of one
    chunk at a time are held, so memory does not grow with the run (a chunk's rows stay sorted)."""
    ids = pa.chunked_array(
        [*interventions.column("nct_id").chunks, *arms.column("nct_id").chunks], pa.string()
    ).unique()
    ids = ids.take(pc.sort_indices(ids))
    for start in range(0, len(ids), CHUNK_TRIALS):
        low = ids[start]
        high = ids[start + CHUNK_TRIALS] if start + CHUNK_TRIALS < len(ids) else None

        def in_chunk(table: pa.Table, low: pa.Scalar = low, high: pa.Scalar | None = high) -> pa.Array:
            column = table.column("nct_id")
            mask = pc.greater_equal(column, low)
            return mask if high is None else pc.and_(mask, pc.less(column, high))

        yield in_chunk


class _Trials:
    """Row numbers of each trial's interventions and arms, in table order."""

    def __init__(self, iv_ids: list[str], arm_ids: list[str]) -> None:
        self.rows: dict[str, tuple[list[int], list[int]]] = {}
        # local[part][row]: the row's position among its trial's interventions (or arms).
        self.local: tuple[list[int], list[int]] = ([], [])
        for part, ids in ((INTERVENTION, iv_ids), (ARM, arm_ids)):
            for row, nct_id in enumerate(ids):
                own = self.rows.setdefault(nct_id, ([], []))[part]
                self.local[part].append(len(own))
                own.append(row)


def _classify_columns(interventions: pa.Table, arms: pa.Table, classifier: Classifier) -> pa.Table:
    iv = {c: interventions.column(c).to_pylist() for c in INTERVENTION_COLUMNS}
    arm = {c: arms.column(c).to_pylist() for c in ARM_COLUMNS}
    trials = _Trials(iv["nct_id"], arm["nct_id"])

    hits: dict[str, list[FieldHit]] = {}
    for part, ids, field, owners, texts in _fields(iv, arm):
        local = trials.local[part]
        for hit in classifier.find_terms(texts):
            row = owners[hit.text_index]
            hits.setdefault(ids[row], []).append(
                FieldHit(part, local[row], field, texts[hit.text_index], hit)
            )

    iv_control = classifier.name_controls(iv["name"])
    arm_control = classifier.name_controls(arm["label"])
    out: dict[str, list] = {c: [] for c in MATCH_COLUMNS}
    provenance_rows: list[int] = []  # into interventions, then arms (offset by its length)
    for nct_id in sorted(hits):
        iv_rows, arm_rows = trials.rows[nct_id]
        ivs = [_intervention(iv, row) for row in iv_rows]
        trial_arms = [_arm(arm, row) for row in arm_rows]
        controls = find_controls(
            ivs,
            trial_arms,
            classifier.names_a_control,
            named=([iv_control[r] for r in iv_rows], [arm_control[r] for r in arm_rows]),
        )
        matches = classifier.trial_matches(hits[nct_id], ivs, trial_arms, controls)
        source = iv_rows[0] if iv_rows else interventions.num_rows + arm_rows[0]
        for m in sorted(set(matches), key=_sort_key):
            for column, value in zip(MATCH_COLUMNS, (nct_id, *_values(m)), strict=True):
                out[column].append(value)
            provenance_rows.append(source)

    provenance = pa.concat_tables(
        [interventions.select(PROVENANCE_COLUMNS), arms.select(PROVENANCE_COLUMNS)]
    ).take(pa.array(provenance_rows, pa.int64()))
    columns = {**out, **{c: provenance.column(c) for c in PROVENANCE_COLUMNS}}
    return pa.Table.from_pydict(columns, schema=TRIAL_CLASSES)


def _fields(iv: dict[str, list], arm: dict[str, list]):
    """(part, nct ids, field, owning row of each text, texts) for every field the classifier reads."""
    iv_rows = range(len(iv["nct_id"]))
    arm_rows = range(len(arm["nct_id"]))
    other_owners, other_names = _flatten(iv["other_names"])
    yield INTERVENTION, iv["nct_id"], "intervention.name", iv_rows, iv["name"]
    yield INTERVENTION, iv["nct_id"], "intervention.other_name", other_owners, other_names
    yield INTERVENTION, iv["nct_id"], "intervention.description", iv_rows, iv["description"]
    yield ARM, arm["nct_id"], "arm.label", arm_rows, arm["label"]
    yield ARM, arm["nct_id"], "arm.description", arm_rows, arm["description"]


def _flatten(lists: list[list[str | None] | None]) -> tuple[list[int], list[str | None]]:
    owners: list[int] = []
    items: list[str | None] = []
    for row, values in enumerate(lists):
        if values:
            owners.extend([row] * len(values))
            items.extend(values)
    return owners, items


def _intervention(iv: dict[str, list], row: int) -> Intervention:
    return Intervention(
        name=iv["name"][row] or "",
        kind=intervention_type(iv["intervention_type"][row]),
        description=iv["description"][row] or "",
        other_names=_texts(iv["other_names"][row]),
        arm_labels=_texts(iv["arm_group_labels"][row]),
    )


def _arm(arm: dict[str, list], row: int) -> Arm:
    return Arm(
        label=arm["label"][row] or "",
        arm_type=(arm["arm_type"][row] or "").upper() or None,
        description=arm["description"][row] or "",
        intervention_refs=_texts(arm["intervention_names"][row]),
    )


def _texts(values: Sequence[str | None] | None) -> tuple[str, ...]:
    return tuple(value for value in values if value) if values else ()


def _classify_rows(interventions: pa.Table, arms: pa.Table, classifier: Classifier) -> pa.Table:
    """Any column types: rows as dicts, every value checked by the classifier's row reader."""
    iv_rows = _rows(interventions, "interventions", INTERVENTION_COLUMNS)
    arm_rows = _rows(arms, "arms", ARM_COLUMNS)
    by_trial: dict[str, tuple[list[dict], list[dict]]] = {}
    for row in iv_rows:
        by_trial.setdefault(row["nct_id"], ([], []))[0].append(row)
    for row in arm_rows:
        by_trial.setdefault(row["nct_id"], ([], []))[1].append(row)

    out: list[dict[str, object]] = []
    for nct_id in sorted(by_trial):
        trial_ivs, trial_arms = by_trial[nct_id]
        try:
            matches = classifier.classify_trial(trial_ivs, trial_arms)
        except ClassifyError as exc:
            raise ClassifyError(f"{nct_id}: {exc}") from None
        source = (trial_ivs or trial_arms)[0]
        provenance = {column: source[column] for column in PROVENANCE_COLUMNS}
        out.extend(
            {**dict(zip(MATCH_COLUMNS, (nct_id, *_values(m)), strict=True)), **provenance}
            for m in sorted(set(matches), key=_sort_key)
        )
    try:
        return pa.Table.from_pylist(out, schema=TRIAL_CLASSES)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ClassifyError(f"cannot build trial_classes rows: {first_line}") from None


def _values(m: Match) -> tuple[str, str, str, str | None]:
    return (m.treatment_class, m.matched_field, m.matched_term, m.matched_text)


def _sort_key(m: Match) -> tuple[str, str, str, str]:
    return (m.treatment_class, m.matched_field, m.matched_term, m.matched_text or "")


def _rows(table: pa.Table, name: str, columns: tuple[str, ...]) -> list[dict]:
    return checked_rows(table, name, (*columns, *PROVENANCE_COLUMNS), key="nct_id", source="ctgov")
