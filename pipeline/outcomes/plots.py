"""Forest plots from the built warehouse: one command's plot, the nightly folder of every plot, and the
list the HTML report embeds.

Everything is read from the warehouse (class_effects, class_effect_members, endpoints), never from the
config, so a plot always shows what the warehouse holds. The nightly folder (``<data_dir>/plots``) holds
one SVG per class x endpoint x population pooled from at least ``MIN_TRIALS`` trials and an
``index.json`` listing them; it is written beside its destination and swapped in whole, like the CSV.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from pipeline.config import Settings
from pipeline.errors import OutcomeError
from pipeline.outcomes.forest import ForestData, PoolKey, forest_plot
from pipeline.util.output_folders import PLOTS_FOLDER, PLOTS_MARKER, UnreplaceableFolder, replaced_folder
from pipeline.warehouse.query import read_only_connection

MIN_TRIALS = 2
INDEX = "index.json"
MARKER = PLOTS_MARKER  # only a folder holding it (or an empty one) is replaced whole
MARKER_TEXT = "Written by the evidence pipeline: replaced whole on every run.\n"

POOLS_SQL = """
SELECT p.treatment_class, p.endpoint_code, p.population, p.class_label, p.endpoint_label, p.n_trials,
    p.n_comparisons
FROM class_effects AS p
JOIN treatment_classes AS tc USING (treatment_class)
JOIN endpoints AS e USING (endpoint_code)
WHERE p.n_trials >= $min_trials
ORDER BY tc.sort_order, e.position, p.population
"""
KEY = "treatment_class = $treatment_class AND endpoint_code = $endpoint_code AND population = $population"


@dataclass(frozen=True)
class PoolSummary:
    """One pooled class effect, as listed before drawing."""

    treatment_class: str
    endpoint_code: str
    population: str
    class_label: str
    endpoint_label: str
    n_trials: int
    n_comparisons: int

    @property
    def key(self) -> PoolKey:
        return PoolKey(self.treatment_class, self.endpoint_code, self.population)

    @property
    def file_name(self) -> str:
        return "__".join(self.key) + ".svg"


@dataclass(frozen=True)
class ForestPlot:
    """A drawn plot: what it shows and its SVG bytes (the report embeds them inline)."""

    pool: PoolSummary
    svg: bytes


@dataclass(frozen=True)
class PlotsSummary:
    path: Path
    n_plots: int


def plots_dir(settings: Settings) -> Path:
    """Where the nightly plots go: ``<storage.data_dir>/plots``."""
    return settings.storage.data_dir / PLOTS_FOLDER


def list_pools(warehouse_path: Path, min_trials: int = MIN_TRIALS) -> list[PoolSummary]:
    """Every pooled class effect of at least ``min_trials`` trials, in class, endpoint, population order."""
    with _warehouse(warehouse_path) as con:
        return _pools(con, min_trials)


def forest_plots(warehouse_path: Path, min_trials: int = MIN_TRIALS) -> list[ForestPlot]:
    """Every plot the nightly run writes, drawn (SVG), in ``list_pools`` order: for the HTML report."""
    with _warehouse(warehouse_path) as con:
        return [
            ForestPlot(pool, forest_plot(read_forest_data(con, pool.key))) for pool in _pools(con, min_trials)
        ]


def write_plots(warehouse_path: Path, out_dir: Path, min_trials: int = MIN_TRIALS) -> PlotsSummary:
    """Write every plot and ``index.json`` to ``out_dir``, replacing the previous folder whole and only on
    success; a file, or a folder this function did not make (no marker, not empty), is refused, never
    emptied."""
    plots = forest_plots(warehouse_path, min_trials)
    try:
        with replaced_folder(out_dir, MARKER, MARKER_TEXT) as tmp:
            for plot in plots:
                (tmp / plot.pool.file_name).write_bytes(plot.svg)
            index = [{**asdict(plot.pool), "file": plot.pool.file_name} for plot in plots]
            (tmp / INDEX).write_text(json.dumps(index, indent=1) + "\n", encoding="utf-8")
    except UnreplaceableFolder as exc:
        raise OutcomeError(f"{exc}: choose an empty folder") from None
    except OSError as exc:
        raise OutcomeError(
            f"cannot write the plots to {out_dir}: {exc.strerror or exc}; previous plots kept"
        ) from None
    return PlotsSummary(out_dir, len(plots))


def read_forest_data(con: duckdb.DuckDBPyConnection, key: PoolKey) -> ForestData:
    """The plot's rows for one pool, from the warehouse tables."""
    params = key._asdict()
    pooled = _dicts(con, f"SELECT * FROM class_effects WHERE {KEY}", params)
    if not pooled:
        raise OutcomeError(f"no pooled effect for {' x '.join(key)}")
    members = _dicts(
        con,
        f"SELECT * FROM class_effect_members WHERE {KEY} ORDER BY nct_id, outcome_idx, active_group_id",
        params,
    )
    label, higher = con.execute(
        "SELECT label, higher_is_better FROM endpoints WHERE endpoint_code = ?", [key.endpoint_code]
    ).fetchone()
    return ForestData(key, pooled[0], members, label, higher)


def _pools(con: duckdb.DuckDBPyConnection, min_trials: int) -> list[PoolSummary]:
    return [PoolSummary(**row) for row in _dicts(con, POOLS_SQL, {"min_trials": min_trials})]


def _dicts(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object]) -> list[dict[str, object]]:
    cursor = con.cursor().execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@contextmanager
def _warehouse(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse read-only; one line when it is missing, locked or predates the outcome tables."""
    with read_only_connection(path, OutcomeError) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        if not {"class_effects", "class_effect_members", "endpoints"} <= tables:
            raise OutcomeError(
                f"the warehouse {path} has no outcome tables (built before they existed): rebuild it"
            )
        yield con


@dataclass(frozen=True)
class PlotRequest:
    """What ``evidence plot`` asks for; population None means the only one pooled."""

    treatment_class: str
    endpoint_code: str
    population: str | None = None
    image_format: str = "svg"


def plot_pool(warehouse_path: Path, request: PlotRequest) -> tuple[PoolKey, bytes]:
    """One forest plot for ``evidence plot``, whatever the number of trials; every way the request can
    name nothing is a one-line OutcomeError that lists what there is."""
    with _warehouse(warehouse_path) as con:
        key = _chosen_pool(con, request)
        return key, forest_plot(read_forest_data(con, key), request.image_format)


def _chosen_pool(con: duckdb.DuckDBPyConnection, request: PlotRequest) -> PoolKey:
    cls, code = request.treatment_class, request.endpoint_code
    _require_known(
        con, "treatment class", cls, "SELECT treatment_class FROM treatment_classes ORDER BY sort_order"
    )
    _require_known(con, "endpoint", code, "SELECT endpoint_code FROM endpoints ORDER BY position")
    found = [
        r[0]
        for r in con.execute(
            "SELECT population FROM class_effects WHERE treatment_class = ? AND endpoint_code = ? ORDER BY 1",
            [cls, code],
        ).fetchall()
    ]
    if not found:
        raise OutcomeError(f"no trial of class {cls} has an effect on {code} to pool (see trial_effects)")
    if request.population is None:
        if len(found) > 1:
            raise OutcomeError(
                f"{cls} x {code} is pooled per population ({', '.join(found)}): choose one with --population"
            )
        return PoolKey(cls, code, found[0])
    if request.population not in found:
        raise OutcomeError(
            f"no pooled effect of {cls} on {code} for population {request.population} "
            f"(pooled: {', '.join(found)})"
        )
    return PoolKey(cls, code, request.population)


def _require_known(con: duckdb.DuckDBPyConnection, what: str, value: str, sql: str) -> None:
    valid = [r[0] for r in con.execute(sql).fetchall()]
    if value not in valid:
        raise OutcomeError(f"unknown {what} {value!r}; valid: {', '.join(valid) or 'none configured'}")
