"""Assembles the page: header with freshness, overview, one section per class, notes; and the one JSON
block the browser reads (chart specs, trial lists)."""

from __future__ import annotations

from typing import Any

from pipeline.config import RESULTS_FROM
from pipeline.report.forest_images import ForestImage
from pipeline.report.labels import class_colour
from pipeline.report.queries import ReportData
from pipeline.report.sections.classes import render_class
from pipeline.report.sections.context import CLASS_FRAMES, ClassContext, records_by_class
from pipeline.report.sections.overview import render_overview
from pipeline.report.sections.trials import TrialLists, trials_dataset
from pipeline.report.templating import Fragment, render
from pipeline.util.gc_pause import gc_paused


def class_contexts(
    data: ReportData,
    lists: TrialLists,
    images: dict[tuple[str, str, str], ForestImage],
    results_from: RESULTS_FROM = "registry",
) -> list[ClassContext]:
    totals = {r["treatment_class"]: r for r in data.class_totals.to_dict("records")}
    labels = dict(zip(data.classes["treatment_class"], data.classes["label"], strict=True))
    split = {name: records_by_class(getattr(data, name)) for name in CLASS_FRAMES}
    return [
        ClassContext(
            name=r.treatment_class,
            label=r.label,
            colour=class_colour(int(r.sort_order)),
            depth=int(r.depth),
            parent=r.parent if isinstance(r.parent, str) else None,
            parent_label=labels.get(r.parent) if isinstance(r.parent, str) else None,
            totals=totals.get(r.treatment_class, {}),
            trial_rows=lists.members.get(r.treatment_class, []),
            match_strengths=lists.strengths.get(r.treatment_class, []),
            data=data,
            forest_images=images,
            results_from=results_from,
            records={name: rows.get(r.treatment_class, []) for name, rows in split.items()},
        )
        for r in data.classes.itertuples(index=False)
    ]


def build_page(
    data: ReportData,
    asset_names: dict[str, str],
    images: dict[tuple[str, str, str], ForestImage],
    results_from: RESULTS_FROM = "registry",
) -> tuple[str, dict[str, Any]]:
    """The HTML of index.html and the data embedded in it (returned too, for tests and checks);
    ``images`` are the forest plots the writer puts beside the page; ``results_from`` says where the
    trials' results come from (the notes name it)."""
    with gc_paused():  # ~10^5 acyclic lists and values: see read_report_data
        lists = trials_dataset(data.trials, data.endpoint_labels)
        classes = class_contexts(data, lists, images, results_from)
        fragments: list[Fragment] = [render_overview(data, classes)]
        fragments += [render_class(ctx) for ctx in classes]
        payload: dict[str, Any] = {"charts": {}, "tables": {}, "datasets": {"trials": lists.dataset}}
        for fragment in fragments:
            payload["charts"].update(fragment.charts)
            payload["tables"].update(fragment.tables)
        html = render(
            "page.html.j2",
            fresh=data.freshness,
            classes=classes,
            sections=[f.html for f in fragments],
            payload=payload,
            assets=asset_names,
            results_from=results_from,
        )
    return html, payload
