"""Registered and posted outcomes -> canonical endpoints, each with the rule, field and words that chose it.

Pure: Arrow tables of one run in, a TRIAL_ENDPOINTS table out. Registry titles repeat a lot ("Number of
Participants With Adverse Events"), so each distinct (title, description, time frame) is matched once,
and all of them in one pass of the taxonomy's matcher (taxonomy.py).
"""

from __future__ import annotations

from collections import defaultdict

import pyarrow as pa
import pyarrow.compute as pc

from pipeline.outcomes.schemas import ENDPOINTS, TRIAL_ENDPOINTS, column_rows, rows_to_table
from pipeline.outcomes.taxonomy import Taxonomy
from pipeline.outcomes.time_windows import time_window


def endpoint_definitions(taxonomy: Taxonomy) -> pa.Table:
    """The taxonomy as a table (ENDPOINTS), for the warehouse's dimension of endpoints."""
    rows = [
        {
            "endpoint_code": code,
            "label": e.label,
            "higher_is_better": e.higher_is_better,
            "effect_measure": e.measure,
            "at_hours": e.at_hours,
            "position": i,
        }
        for i, (code, e) in enumerate(taxonomy.definitions.items())
    ]
    return rows_to_table(rows, ENDPOINTS)


TRIAL_TITLES = ("official_title", "brief_title")  # where a trial's population is read after its conditions


def trial_populations(
    taxonomy: Taxonomy, trials: pa.Table | None = None, conditions: pa.Table | None = None
) -> dict[str, tuple[str, str]]:
    """nct_id -> (population, where it is stated): the conditions first, then the official and brief
    titles. A trial naming both episodic and chronic migraine is "mixed". The texts of all three are
    matched together, in one pass."""
    by_trial: dict[str, list[str]] = defaultdict(list)
    for nct_id, condition in column_rows(conditions, ["nct_id", "condition"]):
        if condition:
            by_trial[nct_id].append(condition)
    owners: list[str] = list(by_trial)
    texts: list[str | None] = [" | ".join(named) for named in by_trial.values()]
    fields = [("trial.conditions", len(texts))]
    if trials is not None and trials.num_rows:
        nct_ids = trials.column("nct_id").to_pylist()
        for column in TRIAL_TITLES:
            owners += nct_ids
            texts += trials.column(column).to_pylist()
            fields.append((f"trial.{column}", len(texts)))
    named = taxonomy.population_many(texts)
    found: dict[str, tuple[str, str]] = {}
    start = 0
    for field, end in fields:  # in order of precedence: a trial keeps the first population found
        for nct_id, population in zip(owners[start:end], named[start:end], strict=True):
            if population and nct_id not in found:
                found[nct_id] = (population, field)
        start = end
    return found


def map_endpoints(
    design_outcomes: pa.Table,
    result_outcomes: pa.Table,
    taxonomy: Taxonomy,
    trials: pa.Table | None = None,
    conditions: pa.Table | None = None,
) -> pa.Table:
    """One TRIAL_ENDPOINTS row per registered outcome (design_outcomes) and per posted result outcome
    (result_outcomes). ``trials`` and ``conditions`` (optional) give the population a trial states when
    its outcome does not.

    Python reads each distinct set of texts once (``_derive_all``); every per-row step around it (which
    texts a row reads, spreading the readings back over the rows, the trial's population where the
    outcome states none) is an Arrow column operation."""
    outcomes = _outcomes(design_outcomes, result_outcomes)
    titles = outcomes.column("title")
    distinct_titles = pc.unique(titles)
    bare = taxonomy.reads_description_many(distinct_titles)
    read_bare = pc.fill_null(pc.take(bare, pc.index_in(titles, value_set=distinct_titles)), True)
    texts = [
        titles,
        pc.if_else(read_bare, outcomes.column("description"), pa.scalar(None, pa.string())),
        outcomes.column("time_frame"),
        outcomes.column("population_text"),
    ]
    # One string per row naming its texts (NULL kept apart from ""), dictionary-encoded: the dictionary
    # is the distinct keys, the indices say which one each row reads.
    joined = pc.binary_join_element_wise(
        *texts, KEY_SEPARATOR, null_handling="replace", null_replacement=NULL_TEXT
    )
    encoded = pc.dictionary_encode(joined).combine_chunks()
    first_rows = pc.index_in(encoded.dictionary, value_set=joined)
    keys = list(zip(*(pc.take(column, first_rows).to_pylist() for column in texts), strict=True))
    derived = _derive_all(taxonomy, keys)
    per_row = {name: pc.take(values, encoded.indices) for name, values in _derived_columns(derived).items()}
    per_row.update(_with_trial_population(per_row, outcomes.column("nct_id"), trials, conditions, taxonomy))
    columns = {
        name: outcomes.column(name)
        for name in ("nct_id", "outcome_source", "outcome_kind", "outcome_idx", "title")
    }
    return pa.table({**columns, **per_row}).select(TRIAL_ENDPOINTS.names).cast(TRIAL_ENDPOINTS)


KEY_SEPARATOR = "\x1f"
NULL_TEXT = "\x1e"
_STR = pa.string()


def _outcomes(design: pa.Table, results: pa.Table) -> pa.Table:
    """Registered then posted outcomes in one table of the columns the mapping reads."""
    n_design, n_results = design.num_rows, results.num_rows
    kinds = pc.utf8_lower(results.column("outcome_type").cast(_STR))
    parts = [
        pa.table(
            {
                "nct_id": design.column("nct_id").cast(_STR),
                "outcome_source": pa.array(["design"] * n_design, _STR),
                "outcome_kind": design.column("outcome_kind").cast(_STR),
                "outcome_idx": design.column("outcome_idx").cast(pa.int32()),
                "title": design.column("measure").cast(_STR),
                "description": design.column("description").cast(_STR),
                "time_frame": design.column("time_frame").cast(_STR),
                "population_text": pa.nulls(n_design, _STR),
            }
        ),
        pa.table(
            {
                "nct_id": results.column("nct_id").cast(_STR),
                "outcome_source": pa.array(["results"] * n_results, _STR),
                "outcome_kind": kinds,
                "outcome_idx": results.column("outcome_idx").cast(pa.int32()),
                "title": results.column("title").cast(_STR),
                "description": results.column("description").cast(_STR),
                "time_frame": results.column("time_frame").cast(_STR),
                "population_text": results.column("population_description").cast(_STR),
            }
        ),
    ]
    return pa.concat_tables(parts).combine_chunks()


# The texts an outcome's mapping depends on: title, description (bare titles only), time frame,
# population description. A registered outcome and its posted twin, and the many trials posting
# "Number of Participants With Adverse Events", share one.
TextsKey = tuple[str | None, str | None, str | None, str | None]


def _derive_all(taxonomy: Taxonomy, keys: list[TextsKey]) -> dict[str, list]:
    """What each distinct key says, as columns in key order; the endpoint rules and populations of all
    of them in one pass of the taxonomy's matchers."""
    matches = taxonomy.classify_many([(title, description, frame) for title, description, frame, _ in keys])
    # Not the description: it defines terms ("a migraine day, as in episodic migraine, ...") more than
    # it states who was analysed.
    from_title = taxonomy.population_many([key[0] for key in keys])
    from_population_text = taxonomy.population_many([key[3] for key in keys])
    windows = [_window(title, time_frame) for title, _, time_frame, _ in keys]
    populations = [
        (title_population, "outcome.title")
        if title_population
        else (text_population, "outcome.population_description")
        if text_population
        else (None, None)
        for title_population, text_population in zip(from_title, from_population_text, strict=True)
    ]
    # Column by column, one comprehension each.
    return {
        "endpoint_code": [m.code for m in matches],
        "matched_rule": [m.rule for m in matches],
        "matched_field": [m.field for m in matches],
        "matched_terms": [m.terms for m in matches],
        "matched_text": [m.text for m in matches],
        "mapping_note": [m.note for m in matches],
        "time_window": [w[0] for w in windows],
        "time_window_field": [w[1] for w in windows],
        "population": [p[0] for p in populations],
        "population_field": [p[1] for p in populations],
    }


def _window(title: str | None, time_frame: str | None) -> tuple[str | None, str | None]:
    """(time window, the field it was read from): the title's, else the time frame's."""
    window = time_window(title)
    if window:
        return window, "title"
    window = time_window(time_frame)
    return (window, "time_frame") if window else (None, None)


DERIVED_COLUMNS = (
    "endpoint_code",
    "matched_rule",
    "matched_field",
    "matched_terms",
    "matched_text",
    "mapping_note",
    "time_window",
    "time_window_field",
    "population",
    "population_field",
)


def _derived_columns(derived: dict[str, list]) -> dict[str, pa.Array]:
    return {name: pa.array(derived[name], TRIAL_ENDPOINTS.field(name).type) for name in DERIVED_COLUMNS}


def _with_trial_population(
    per_row: dict[str, pa.Array],
    nct_ids: pa.ChunkedArray | pa.Array,
    trials: pa.Table | None,
    conditions: pa.Table | None,
    taxonomy: Taxonomy,
) -> dict[str, pa.Array]:
    """population and population_field, the trial's where the outcome states none."""
    found = trial_populations(taxonomy, trials, conditions)
    if not found:
        return {}
    at = pc.index_in(nct_ids, value_set=pa.array(list(found), _STR))
    trial_population = pc.take(pa.array([v[0] for v in found.values()], _STR), at)
    trial_field = pc.take(pa.array([v[1] for v in found.values()], _STR), at)
    stated = pc.is_valid(per_row["population"])
    return {
        "population": pc.if_else(stated, per_row["population"], trial_population),
        "population_field": pc.if_else(stated, per_row["population_field"], trial_field),
    }
