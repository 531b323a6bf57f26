"""Writes the report folder (``index.html``, ``assets/`` and the forest plots in ``plots/``) and swaps it
in whole.

The new report is written to a hidden temporary folder beside the destination; only when it is complete
is the old folder renamed aside and the new one renamed into place (two renames on one filesystem,
microseconds apart), then the old one deleted. A failure while building leaves the previous report as it
was. Because the destination is replaced whole, it must be a folder this writer made (it holds a marker
file) or an empty one: ``--out ~/Desktop`` is refused rather than emptied. The recipe is the plots'
too: ``output_folders.replaced_folder``.

The Vega bundle (Vega, Vega-Lite and Vega-Embed, ~0.9 MB) comes from vl-convert, which takes ~1.5 s to
bundle it; its file name carries the versions, so a previous report's copy is reused when they match,
else the per-user cache's (``vega_bundle``).
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

from pipeline.config import RESULTS_FROM
from pipeline.errors import ReportError
from pipeline.report.forest_images import PLOTS, forest_images
from pipeline.report.page import build_page
from pipeline.report.queries import ReportData, read_report_data
from pipeline.util.output_folders import REPORT_MARKER, UnreplaceableFolder, replaced_folder

MARKER = REPORT_MARKER
MARKER_TEXT = "Written by `evidence report`: this folder is replaced whole.\n"
ASSETS = "assets"


@dataclass(frozen=True)
class ReportSummary:
    path: Path
    n_trials: int
    n_classes: int
    n_charts: int
    n_plots: int
    seconds: float

    @property
    def uri(self) -> str:
        return self.path.resolve().as_uri()


def vega_lite_version() -> str:
    """The Vega-Lite version the charts are written for, as vl-convert names it (e.g. "6.4")."""
    import vl_convert

    from pipeline.report.charts import VEGA_LITE_VERSION

    version = ".".join(VEGA_LITE_VERSION.split(".")[:2])
    if version not in vl_convert.get_vegalite_versions():
        raise ReportError(
            f"vl-convert-python {metadata.version('vl-convert-python')} cannot bundle Vega-Lite {version} "
            "(the charts'): install a version that can (pip install -e .)"
        )
    return version


def write_report(
    warehouse_path: Path,
    out_dir: Path,
    plots_dir: Path | None = None,
    results_from: RESULTS_FROM = "registry",
) -> ReportSummary:
    """Build the report from the warehouse into ``out_dir``, replacing the previous report only on success.
    ``plots_dir``: the nightly forest plots, reused when drawn from this warehouse (else drawn here).
    ``results_from``: where the trials' results come from (config ``report.results_from``), as the page
    says it."""
    start = time.perf_counter()
    data = read_report_data(warehouse_path)
    try:
        with replaced_folder(out_dir, MARKER, MARKER_TEXT) as tmp:  # refuses before the slow part
            n_charts, n_plots = _fill(tmp, out_dir, data, warehouse_path, plots_dir, results_from)
    except UnreplaceableFolder as exc:
        raise ReportError(_refusal(exc)) from None
    except OSError as exc:
        raise ReportError(
            f"cannot write the report to {out_dir}: {exc.strerror or exc}; the previous report is kept"
        ) from None
    return ReportSummary(
        path=out_dir / "index.html",
        n_trials=data.freshness.n_trials_classified,
        n_classes=len(data.classes),
        n_charts=n_charts,
        n_plots=n_plots,
        seconds=time.perf_counter() - start,
    )


def _fill(
    tmp: Path,
    out_dir: Path,
    data: ReportData,
    warehouse_path: Path,
    plots_dir: Path | None,
    results_from: RESULTS_FROM,
) -> tuple[int, int]:
    """Write the page, its assets and plots into ``tmp``; return the numbers of charts and plots."""
    vl_version = vega_lite_version()
    vega_name = f"vega-embed-vlconvert{metadata.version('vl-convert-python')}-vl{vl_version}.js"
    assets = {"css": f"{ASSETS}/report.css", "js": f"{ASSETS}/report.js", "vega": f"{ASSETS}/{vega_name}"}
    images = forest_images(warehouse_path, data.effects, plots_dir)
    html, payload = build_page(data, assets, images, results_from)
    (tmp / ASSETS).mkdir()
    package = resources.files("pipeline.report") / "assets"
    for name in ("report.css", "report.js"):
        (tmp / ASSETS / name).write_bytes((package / name).read_bytes())
    (tmp / PLOTS).mkdir()
    for image in images.values():
        (tmp / PLOTS / image.file).write_bytes(image.svg)
    _write_vega_bundle(tmp / ASSETS / vega_name, out_dir / ASSETS / vega_name, vl_version)
    (tmp / "index.html").write_text(html, encoding="utf-8")
    return len(payload["charts"]), len(images)


def _refusal(exc: UnreplaceableFolder) -> str:
    if exc.is_file:
        return f"report folder {exc.folder} is a file: choose a folder with --out or report.dir"
    return (
        f"{exc.folder} is not empty and holds no earlier report: the report replaces its folder whole, "
        "so choose an empty or new folder (--out or report.dir)"
    )


def _write_vega_bundle(target: Path, previous: Path, vl_version: str) -> None:
    """The previous report's copy when it has this name (the same versions), else the per-user cache's,
    else vl-convert's (see ``vega_bundle``)."""
    if previous.is_file() and previous.stat().st_size > 0:
        shutil.copyfile(previous, target)
        return
    from pipeline.report.vega_bundle import bundle_bytes

    target.write_bytes(bundle_bytes(target.name, vl_version))
