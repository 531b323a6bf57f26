"""What a per-class part needs: the class, its totals and the rows of the shared frames that are its own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from pipeline.config import RESULTS_FROM
from pipeline.report.forest_images import ForestImage
from pipeline.report.queries import ReportData


@dataclass(frozen=True)
class ClassContext:
    name: str
    label: str
    colour: str
    depth: int
    parent: str | None
    parent_label: str | None
    totals: dict[str, Any]
    trial_rows: list[int]  # indices into the shared trials dataset
    match_strengths: list[int | None]  # per trial row: index into config.MATCH_STRENGTHS
    data: ReportData
    forest_images: dict[tuple[str, str, str], ForestImage]  # (class, endpoint, population) -> its plot
    results_from: RESULTS_FROM = "registry"  # config report.results_from: publications in the demo

    @property
    def transcribed(self) -> bool:
        """The results were transcribed from publications, not posted on the registry (the demo's)."""
        return self.results_from == "publications"

    @property
    def anchor(self) -> str:
        """Class names are lower_snake_case (config-validated), so they are safe in ids."""
        return f"class-{self.name}"

    @property
    def n_trials(self) -> int:
        return int(self.totals.get("n_trials") or 0)

    def rows_of(self, frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["treatment_class"] == self.name]
