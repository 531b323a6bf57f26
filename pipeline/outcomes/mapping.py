"""Registered and posted outcomes -> canonical endpoints, each with the rule, field and words that chose it.

Pure: Arrow tables of one run in, a TRIAL_ENDPOINTS table out. Registry titles repeat a lot ("Number of
Participants With Adverse Events"), so each distinct (title, description, time frame) is matched once,
and all of them in one pass of the taxonomy's matcher (taxonomy.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pyarrow as pa

from pipeline.outcomes.schemas import ENDPOINTS, TRIAL_ENDPOINTS, column_rows, rows_to_table
from pipeline.outcomes.taxonomy import EndpointMatch, Taxonomy
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


def trial_populations(
    taxonomy: Taxonomy, trials: pa.Table | None = None, conditions: pa.Table | None = None
) -> dict[str, tuple[str, str]]:
    """nct_id -> (population, where it is stated): the conditions first, then the official and brief
    titles. A trial naming both episodic and chronic migraine is "mixed"."""
    by_trial: dict[str, list[str]] = defaultdict(list)
    for nct_id, condition in column_rows(conditions, ["nct_id", "condition"]):
        if condition:
            by_trial[nct_id].append(condition)
    found: dict[str, tuple[str, str]] = {}
    joined = [(nct_id, " | ".join(texts)) for nct_id, texts in by_trial.items()]
    _name_populations(taxonomy, found, joined, "trial.conditions")
    titles = list(column_rows(trials, ["nct_id", "official_title", "brief_title"]))
    for field, i in (("trial.official_title", 1), ("trial.brief_title", 2)):
        _name_populations(taxonomy, found, [(t[0], t[i]) for t in titles if t[0] not in found], field)
    return found


def _name_populations(
    taxonomy: Taxonomy, found: dict[str, tuple[str, str]], texts: list[tuple[str, str | None]], field: str
) -> None:
    """Record the population each trial's text names, for trials that have none yet."""
    for (nct_id, _), population in zip(texts, taxonomy.population_many([t for _, t in texts]), strict=True):
        if population and nct_id not in found:
            found[nct_id] = (population, field)


def map_endpoints(
    design_outcomes: pa.Table,
    result_outcomes: pa.Table,
    taxonomy: Taxonomy,
    trials: pa.Table | None = None,
    conditions: pa.Table | None = None,
) -> pa.Table:
    """One TRIAL_ENDPOINTS row per registered outcome (design_outcomes) and per posted result outcome
    (result_outcomes). ``trials`` and ``conditions`` (optional) give the population a trial states when
    its outcome does not."""
    design = column_rows(
        design_outcomes, ["nct_id", "outcome_kind", "outcome_idx", "measure", "description", "time_frame"]
    )
    outcomes = [_Outcome("design", *values, None) for values in design]
    results = column_rows(
        result_outcomes,
        [
            "nct_id",
            "outcome_type",
            "outcome_idx",
            "title",
            "description",
            "time_frame",
            "population_description",
        ],
    )
    for nct_id, kind, *texts in results:
        outcomes.append(_Outcome("results", nct_id, kind.lower() if kind else None, *texts))
    keys = _texts_read(taxonomy, outcomes)
    derived = _derive_all(taxonomy, list(dict.fromkeys(keys)))
    populations = trial_populations(taxonomy, trials, conditions)
    columns: dict[str, list] = {name: [] for name in TRIAL_ENDPOINTS.names}
    for outcome, key in zip(outcomes, keys, strict=True):
        _append_row(columns, outcome, derived[key], populations.get(outcome.nct_id))
    return pa.Table.from_pydict(columns, schema=TRIAL_ENDPOINTS)


@dataclass(frozen=True)
class _Outcome:
    """One registered or posted outcome as the mapping reads it."""

    source: str  # design / results
    nct_id: str
    kind: str | None
    idx: int
    title: str | None
    description: str | None
    time_frame: str | None
    population_text: str | None  # the results' population description; None for a registered outcome


# The texts an outcome's mapping depends on: title, description (bare titles only), time frame,
# population description. A registered outcome and its posted twin, and the many trials posting
# "Number of Participants With Adverse Events", share one.
TextsKey = tuple[str | None, str | None, str | None, str | None]


@dataclass(frozen=True)
class _Derived:
    """What an outcome's own texts say."""

    match: EndpointMatch
    window: str | None
    window_field: str | None
    population: str | None
    population_field: str | None


def _texts_read(taxonomy: Taxonomy, outcomes: list[_Outcome]) -> list[TextsKey]:
    bare: dict[str | None, bool] = {}
    keys = []
    for o in outcomes:
        if o.title not in bare:
            bare[o.title] = taxonomy.reads_description(o.title)
        keys.append((o.title, o.description if bare[o.title] else None, o.time_frame, o.population_text))
    return keys


def _derive_all(taxonomy: Taxonomy, keys: list[TextsKey]) -> dict[TextsKey, _Derived]:
    """Each distinct key read once, the endpoint rules and populations of all of them in one pass."""
    matches = taxonomy.classify_many([(title, description, frame) for title, description, frame, _ in keys])
    # Not the description: it defines terms ("a migraine day, as in episodic migraine, ...") more than
    # it states who was analysed.
    from_title = taxonomy.population_many([key[0] for key in keys])
    from_population_text = taxonomy.population_many([key[3] for key in keys])
    derived = {}
    for key, match, title_population, text_population in zip(
        keys, matches, from_title, from_population_text, strict=True
    ):
        title, _, time_frame, _ = key
        window, window_field = time_window(title), "title"
        if not window:
            window, window_field = time_window(time_frame), "time_frame"
        if title_population:
            population, field = title_population, "outcome.title"
        elif text_population:
            population, field = text_population, "outcome.population_description"
        else:
            population, field = None, None
        derived[key] = _Derived(match, window, window_field if window else None, population, field)
    return derived


def _append_row(
    column: dict[str, list], outcome: _Outcome, derived: _Derived, trial_population: tuple[str, str] | None
) -> None:
    """The outcome's TRIAL_ENDPOINTS row, appended by column name (as the normalisers build rows)."""
    match = derived.match
    population, population_field = derived.population, derived.population_field
    if population is None and trial_population is not None:
        population, population_field = trial_population
    column["nct_id"].append(outcome.nct_id)
    column["outcome_source"].append(outcome.source)
    column["outcome_kind"].append(outcome.kind)
    column["outcome_idx"].append(outcome.idx)
    column["title"].append(outcome.title)
    column["endpoint_code"].append(match.code)
    column["matched_rule"].append(match.rule)
    column["matched_field"].append(match.field)
    column["matched_terms"].append(match.terms)
    column["matched_text"].append(match.text)
    column["mapping_note"].append(match.note)
    column["time_window"].append(derived.window)
    column["time_window_field"].append(derived.window_field)
    column["population"].append(population)
    column["population_field"].append(population_field)
