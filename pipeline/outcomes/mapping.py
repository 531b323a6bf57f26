"""Registered and posted outcomes -> canonical endpoints, each with the rule, field and words that chose it.

Pure: Arrow tables of one run in, a TRIAL_ENDPOINTS table out. Registry titles repeat a lot ("Number of
Participants With Adverse Events"), so each distinct (title, description, time frame) is matched once.
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
    for nct_id, texts in by_trial.items():
        population = taxonomy.population(" | ".join(texts))
        if population:
            found[nct_id] = (population, "trial.conditions")
    for nct_id, official, brief in column_rows(trials, ["nct_id", "official_title", "brief_title"]):
        if nct_id in found:
            continue
        for field, text in (("trial.official_title", official), ("trial.brief_title", brief)):
            population = taxonomy.population(text)
            if population:
                found[nct_id] = (population, field)
                break
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
    its outcome does not."""
    mapper = _Mapper(taxonomy, trial_populations(taxonomy, trials, conditions))
    design = column_rows(
        design_outcomes, ["nct_id", "outcome_kind", "outcome_idx", "measure", "description", "time_frame"]
    )
    for values in design:
        mapper.add(_Outcome("design", *values, None))
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
        mapper.add(_Outcome("results", nct_id, kind.lower() if kind else None, *texts))
    return pa.Table.from_pydict(mapper.columns, schema=TRIAL_ENDPOINTS)


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


@dataclass(frozen=True)
class _Derived:
    """What an outcome's own texts say; registry texts repeat, so each distinct one is read once."""

    match: EndpointMatch
    window: str | None
    window_field: str | None
    population: str | None
    population_field: str | None


def _derive(
    taxonomy: Taxonomy,
    title: str | None,
    description: str | None,
    time_frame: str | None,
    population_text: str | None,
) -> _Derived:
    match = taxonomy.classify(title, description, time_frame)
    window, window_field = None, None
    for field, text in (("title", title), ("time_frame", time_frame)):
        window = time_window(text)
        if window:
            window_field = field
            break
    population, population_field = None, None
    # Not the description: it defines terms ("a migraine day, as in episodic migraine, ...") more than
    # it states who was analysed.
    for field, text in (("outcome.title", title), ("outcome.population_description", population_text)):
        population = taxonomy.population(text)
        if population:
            population_field = field
            break
    return _Derived(match, window, window_field, population, population_field)


class _Mapper:
    """Maps outcomes of one table; a registered outcome and its posted twin usually share title and time
    frame, and registry titles repeat across trials, so each distinct set of texts is read once."""

    def __init__(self, taxonomy: Taxonomy, populations: dict[str, tuple[str, str]]) -> None:
        self.taxonomy = taxonomy
        self.populations = populations
        self.cache: dict[tuple, _Derived] = {}
        self.bare: dict[str | None, bool] = {}  # title -> whether its description is read too
        self.columns: dict[str, list] = {name: [] for name in TRIAL_ENDPOINTS.names}

    def add(self, outcome: _Outcome) -> None:
        """Append the outcome's TRIAL_ENDPOINTS row to ``columns`` (column lists go to Arrow as they are)."""
        title = outcome.title
        bare = self.bare.get(title)
        if bare is None:
            bare = self.bare[title] = self.taxonomy.reads_description(title)
        key = (title, outcome.description if bare else None, outcome.time_frame, outcome.population_text)
        derived = self.cache.get(key)
        if derived is None:
            derived = self.cache[key] = _derive(self.taxonomy, *key)
        match = derived.match
        population, population_field = derived.population, derived.population_field
        if population is None and outcome.nct_id in self.populations:
            population, population_field = self.populations[outcome.nct_id]
        column = self.columns  # by column name, as the normalisers build rows (pipeline/parquet/columns.py)
        column["nct_id"].append(outcome.nct_id)
        column["outcome_source"].append(outcome.source)
        column["outcome_kind"].append(outcome.kind)
        column["outcome_idx"].append(outcome.idx)
        column["title"].append(title)
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
