"""The outcome layer applied to one ClinicalTrials.gov run: each trial's canonical endpoints and its
effects against control, from the run's normalised tables and the endpoint taxonomy (config
``endpoints``), written beside them as the classifier's trial_classes are (``Derivation`` ``OUTCOMES``).

Per record, so an incremental build patches them by nct_id, and the normaliser derives them page by
page (pipeline/sources/derive_pages.py; ``combine_pages`` joins the pages); pooling across trials
happens in the build (pipeline/outcomes/warehouse_step.py). Provenance is copied from the trial's own
row, so every endpoint and effect traces to the raw page its numbers came from. Without an endpoint
taxonomy the tables are written empty, stamped as such: adding one later derives every run again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from pipeline.config import Settings
from pipeline.errors import OutcomeError
from pipeline.outcomes.schemas import TRIAL_EFFECTS, TRIAL_ENDPOINTS
from pipeline.outcomes.tables import CTGOV_INPUTS, trial_outcome_tables
from pipeline.outcomes.taxonomy import Taxonomy
from pipeline.sources.ctgov.normalise.schemas import PROVENANCE
from pipeline.sources.spec import Derivation
from pipeline.util.per_config import OncePerConfig

# Bump when the mapping or effect logic changes what it derives from the same records and config:
# every run's outcome partitions are then derived again at the next refresh.
LOGIC_VERSION = "outcomes-1"
PARQUET_TABLES: dict[str, pa.Schema] = {
    "trial_endpoints": pa.schema([*TRIAL_ENDPOINTS, *PROVENANCE]),
    "trial_effects": pa.schema([*TRIAL_EFFECTS, *PROVENANCE]),
}


def outcome_config_digest(settings: Settings) -> str:
    """What the outcome partitions depend on besides the records: the taxonomy, the control terms that
    name a control group, and the logic version."""
    endpoints = settings.endpoints.model_dump(mode="json") if settings.endpoints is not None else None
    config = {
        "logic": LOGIC_VERSION,
        "endpoints": endpoints,
        "control_terms": list(settings.classifier.control_terms),
    }
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()


def derive_outcomes(settings: Settings, inputs: Mapping[str, pa.Table]) -> dict[str, pa.Table]:
    """trial_endpoints and trial_effects of one run (PARQUET_TABLES), provenance from each trial's row."""
    if settings.endpoints is None:
        return {name: schema.empty_table() for name, schema in PARQUET_TABLES.items()}
    try:
        tables = trial_outcome_tables(inputs, _taxonomy(settings))
    except ValueError as exc:
        raise OutcomeError(f"cannot derive outcome tables: {exc}") from None
    return {
        name: _with_provenance(tables[name], inputs["trials"], schema)
        for name, schema in PARQUET_TABLES.items()
    }


# The taxonomy of a config, compiled once per process and config (pages come one at a time).
_taxonomy = OncePerConfig(outcome_config_digest, Taxonomy.from_settings)


def combine_pages(pages: Sequence[Mapping[str, pa.Table]]) -> dict[str, pa.Table]:
    """A run's outcome tables from its pages' (derive_pages.py), in the order deriving the whole run
    gives: every registered outcome of the run, then every posted one; effects in page order."""
    if not pages:
        return {name: schema.empty_table() for name, schema in PARQUET_TABLES.items()}
    endpoints = [page["trial_endpoints"] for page in pages]
    by_source = [
        endpoints_page.filter(pc.equal(endpoints_page.column("outcome_source"), source))
        for source in ("design", "results")
        for endpoints_page in endpoints
    ]
    return {
        "trial_endpoints": pa.concat_tables(by_source),
        "trial_effects": pa.concat_tables([page["trial_effects"] for page in pages]),
    }


def _with_provenance(table: pa.Table, trials: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with the run_id, fetched_at and data_timestamp of each row's trial (by nct_id)."""
    at = pc.index_in(table.column("nct_id"), value_set=trials.column("nct_id"))
    if at.null_count:
        orphan = table.column("nct_id").filter(pc.is_null(at))[0].as_py()
        raise OutcomeError(f"outcome rows for {orphan}, which the run's trials table lacks")
    columns = [table.column(name) for name in table.column_names]
    columns += [trials.column(field.name).take(at) for field in PROVENANCE]
    return pa.Table.from_arrays(columns, schema=schema)


OUTCOMES = Derivation(
    name="outcomes",
    tables=PARQUET_TABLES,
    inputs=CTGOV_INPUTS,
    derive=derive_outcomes,
    config_digest=outcome_config_digest,
    combine=combine_pages,
)
