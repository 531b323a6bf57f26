"""What a per-class part needs: the class, its totals and the rows of the shared frames that are its own."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pipeline.config import RESULTS_FROM
from pipeline.report.forest_images import ForestImage
from pipeline.report.queries import ReportData

Records = list[dict[str, Any]]
# The frames of ReportData the class sections read, split by class once for every section
# (ClassContext.records).
CLASS_FRAMES = ("evidence", "start_years", "enrollment_bands", "endpoints", "primary_titles", "effects")


def records_by_class(frame: pd.DataFrame) -> dict[str, Records]:
    """``frame``'s rows as plain records, grouped by treatment_class in frame order: one pass for all the
    classes where a boolean filter and a few pandas steps per class and chart cost ~5 ms a class."""
    split: dict[str, Records] = {}
    for row in frame.to_dict("records"):
        split.setdefault(row["treatment_class"], []).append(row)
    return split


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
    records: dict[str, Records] = field(default_factory=dict)  # CLASS_FRAMES' rows of this class, by frame

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

    def records_of(self, frame: str) -> Records:
        """This class's rows of one of CLASS_FRAMES, in the frame's order."""
        return self.records.get(frame, [])
