"""Turn one run's normalised interventions and arms into TRIAL_CLASSES rows.

Pure (tables in, table out) so the step that reads and writes Parquet stays trivial and this can be
tested without files. Provenance is copied from the trial's own input rows, so a class row traces to
the same raw page as the intervention that caused it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

from pipeline.classify.table_rows import PROVENANCE_COLUMNS, checked_rows
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


def classify_ctgov_tables(interventions: pa.Table, arms: pa.Table, classifier: Classifier) -> pa.Table:
    """One run's TRIAL_CLASSES rows, provenance copied from the trial's own input rows."""
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
        ordered = sorted(set(matches), key=_sort_key)
        out.extend(
            {
                "nct_id": nct_id,
                "treatment_class": m.treatment_class,
                "matched_field": m.matched_field,
                "matched_term": m.matched_term,
                "matched_text": m.matched_text,
                **provenance,
            }
            for m in ordered
        )
    try:
        return pa.Table.from_pylist(out, schema=TRIAL_CLASSES)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ClassifyError(f"cannot build trial_classes rows: {first_line}") from None


def _sort_key(m: Match) -> tuple[str, str, str, str]:
    return (m.treatment_class, m.matched_field, m.matched_term, m.matched_text or "")


def _rows(table: pa.Table, name: str, columns: tuple[str, ...]) -> list[dict]:
    return checked_rows(table, name, (*columns, *PROVENANCE_COLUMNS), key="nct_id", source="ctgov")
