"""The class sections' forest plots: the SVGs the nightly plots step drew (``<data_dir>/plots``), reused
when they were drawn from this warehouse, else drawn here (pipeline.outcomes.plots, matplotlib).

Reused only when the plots folder's ``index.json`` is newer than the warehouse file (a build replaces the
file whole and the plots step runs after it) and lists exactly the pools the warehouse has, with the same
numbers of trials and comparisons; otherwise every plot is drawn again, so a stale plot never sits beside
fresh numbers. The report shows them as ``<img>`` from ``plots/`` beside index.html: an SVG loaded as an
image runs no script and fetches nothing, and the page's CSP allows images from its own folder only.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.errors import OutcomeError, ReportError

PLOTS = "plots"  # the folder beside index.html
MIN_TRIALS = 2  # a pool of one trial is its own estimate: the table says it, no plot
PoolKey = tuple[str, str, str]  # treatment_class, endpoint_code, population
_FILE = re.compile(r"^[\w.-]+\.svg$")  # a plain file name: an edited index.json cannot point elsewhere
_SIZE = re.compile(rb'<svg\b[^>]*?\bwidth="([\d.]+)pt"[^>]*?\bheight="([\d.]+)pt"', re.S)
_POOL_FIELDS = ("treatment_class", "endpoint_code", "population", "n_trials", "n_comparisons")


@dataclass(frozen=True)
class ForestImage:
    key: PoolKey
    file: str  # its name under plots/
    svg: bytes

    @property
    def src(self) -> str:
        return f"{PLOTS}/{self.file}"

    @property
    def size(self) -> tuple[int, int] | None:
        """Width and height in CSS pixels (matplotlib writes points), so the page reserves the space."""
        found = _SIZE.search(self.svg[:2000])
        if not found:
            return None
        return round(float(found.group(1)) * 4 / 3), round(float(found.group(2)) * 4 / 3)


def forest_images(
    warehouse_path: Path, effects: pd.DataFrame, plots_dir: Path | None
) -> dict[PoolKey, ForestImage]:
    """A plot for every pool of at least MIN_TRIALS trials in ``effects`` (the report's class_effects)."""
    plotted = effects[effects["n_trials"] >= MIN_TRIALS]
    if plotted.empty:
        return {}
    wanted = {tuple(r[:3]): tuple(r[3:]) for r in plotted[list(_POOL_FIELDS)].itertuples(index=False)}
    images = _reused(warehouse_path, plots_dir, wanted) if plots_dir is not None else None
    return images if images is not None else _drawn(warehouse_path)


def _reused(
    warehouse_path: Path, plots_dir: Path, wanted: dict[tuple, tuple]
) -> dict[PoolKey, ForestImage] | None:
    """The nightly plots when they were drawn from this warehouse and cover exactly its pools, else None."""
    index = plots_dir / "index.json"
    try:
        if index.stat().st_mtime_ns < warehouse_path.stat().st_mtime_ns:
            return None
        entries = json.loads(index.read_text(encoding="utf-8"))
        listed = {_key(e): e for e in entries}
        if {k: tuple(e[f] for f in _POOL_FIELDS[3:]) for k, e in listed.items()} != wanted:
            return None
        if not all(_FILE.match(e["file"]) for e in listed.values()):
            return None
        return {
            key: ForestImage(key, e["file"], (plots_dir / e["file"]).read_bytes())
            for key, e in listed.items()
        }
    except (OSError, ValueError, KeyError, TypeError):
        return None  # absent, unreadable or of another shape: draw them instead


def _drawn(warehouse_path: Path) -> dict[PoolKey, ForestImage]:
    from pipeline.outcomes.plots import forest_plots  # matplotlib loads only when drawing

    try:
        plots = forest_plots(warehouse_path, MIN_TRIALS)
    except OutcomeError as exc:
        raise ReportError(f"cannot draw the forest plots: {exc}") from None
    images = [ForestImage(_key(p.pool.__dict__), p.pool.file_name, p.svg) for p in plots]
    return {image.key: image for image in images}


def _key(pool: dict) -> PoolKey:
    return (pool["treatment_class"], pool["endpoint_code"], pool["population"])
