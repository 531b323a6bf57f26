"""Benchmark: the HTML report for a 50,000-study warehouse, against a full rebuild, and its page in Chromium.

Synthetic load (clearly not real data), built as in ``bench_incremental``: the real recorded study records
replicated under rewritten nctIds to ``--studies`` records (with the eight pivotal trials whose results were
transcribed from their publications, once each, so there are forest plots) and pulled through the whole
pipeline once.
Then timed, without Prefect (whose ~1 s per flow call is not the pipeline's cost):

- a full rebuild, as ``evidence rebuild`` does it: re-normalise, re-classify and derive outcomes from the
  raw run, full build with all data checks, CSV export, the forest plots (``data/plots``);
- the report, cold (no earlier report to take the Vega bundle from) and warm (the nightly case: the
  forest plots reused from the plots step), and the share of the rebuild it costs (target < 10%); also
  once drawing its own plots, as ``evidence report`` does when the plots folder is stale or absent;
- opening the page in headless Chromium (Debian's, via Playwright) until every chart has drawn
  (``window.reportReady``), measured in the page from navigation start (target < 2 s).

    .venv/bin/python bench/bench_report.py [--studies 50000] [--workdir DIR] [--runs 3]

With ``--workdir`` an existing warehouse there is reused (no fetch, no rebuild timing).
"""

from __future__ import annotations

import argparse
import logging
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "bench"))

from bench_incremental import bench_settings, synthetic_studies  # noqa: E402

from pipeline import steps  # noqa: E402
from pipeline.config import Settings  # noqa: E402
from pipeline.demo.ctgov_api import load_studies  # noqa: E402
from pipeline.outcomes.plots import plots_dir  # noqa: E402
from pipeline.raw.zone import new_run_id  # noqa: E402
from pipeline.report.writer import write_report  # noqa: E402
from tests.servers.ctgov_server import CtgovRecordedServer  # noqa: E402

# The eight pivotal trials transcribed from their publications (the demo serves them too), once each: the
# replicated recorded records pool into no class, and the report's forest plots are part of its cost.
PIVOTAL = load_studies([REPO_ROOT / "pipeline" / "demo" / "records" / "from-publications"])
BUILD_SHARE_TARGET = 0.10
OPEN_TARGET_S = 2.0
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]  # fmt: skip


def first_pull(settings: Settings) -> float:
    """The full refresh's steps for ctgov, outcomes derived (without Prefect), timed."""
    start = time.perf_counter()
    run_id = new_run_id()
    plans = steps.plan_run(settings, run_id, "ctgov", True)
    steps.fetch(settings, "ctgov", run_id, plan=plans["ctgov"])
    steps.normalise(settings, "ctgov", run_id)
    steps.classify(settings, "ctgov", run_id)
    steps.derive(settings, "ctgov", run_id)
    steps.build(settings)
    steps.export(settings)
    steps.finish_run(settings, run_id, "succeeded")
    return time.perf_counter() - start


def rebuild(settings: Settings) -> tuple[float, float]:
    """What ``evidence rebuild`` runs for one ctgov raw run before its report, timed: (all of it, the
    forest plots' share)."""
    start = time.perf_counter()
    for run_id in steps.replayable_runs(settings)["ctgov"]:
        steps.normalise(settings, "ctgov", run_id)
        steps.classify(settings, "ctgov", run_id)
        steps.derive(settings, "ctgov", run_id)
    steps.build(settings, full="bench: full rebuild")
    steps.export(settings)
    plots_start = time.perf_counter()
    steps.plots(settings)
    end = time.perf_counter()
    return end - start, end - plots_start


def open_times(index: Path, runs: int) -> list[tuple[float, float]]:
    """(in-page ms from navigation start to every chart drawn, wall seconds from goto) per run."""
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for _ in range(runs):
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            errors: list[str] = []
            page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
            start = time.perf_counter()
            page.goto(index.resolve().as_uri())
            in_page = page.evaluate("window.reportReady.then(() => performance.now())")
            out.append((in_page, time.perf_counter() - start))
            if errors:
                raise SystemExit(f"script errors in the page: {errors[:3]}")
            page.close()
        browser.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=50_000)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=3, help="warm report builds and page opens to time")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench_report_"))
    rebuild_s = None
    with CtgovRecordedServer([]) as server:
        settings = bench_settings(workdir, server.base_url, 1000.0)
        if not settings.warehouse.path.is_file():
            print(f"building {args.studies} synthetic studies from the recorded records ...", flush=True)
            server.studies = synthetic_studies(args.studies - len(PIVOTAL)) + PIVOTAL
            print(f"full refresh (fetch .. export): {first_pull(settings):.1f} s", flush=True)
            rebuild_s, plots_s = rebuild(settings)
            print(
                f"full rebuild (normalise, classify, derive, full build, export, plots): {rebuild_s:.1f} s "
                f"(forest plots {plots_s:.1f} s)",
                flush=True,
            )
    out = workdir / "report"
    shutil.rmtree(out, ignore_errors=True)
    nightly_plots = plots_dir(settings)
    cold = write_report(settings.warehouse.path, out, nightly_plots)
    warm = [write_report(settings.warehouse.path, out, nightly_plots).seconds for _ in range(args.runs)]
    drawing = write_report(settings.warehouse.path, out, None)
    files = [out / "index.html", *sorted((out / "assets").iterdir())]
    plot_bytes = sum(p.stat().st_size for p in (out / "plots").iterdir())
    print(
        f"report: {cold.n_trials} classified trials, {cold.n_charts} charts, {cold.n_plots} forest plots "
        f"({plot_bytes / 1e6:.2f} MB); "
        + ", ".join(f"{p.name} {p.stat().st_size / 1e6:.2f} MB" for p in files)
    )
    warm_s = statistics.median(warm)
    print(
        f"report build: cold {cold.seconds:.2f} s, warm median {warm_s:.2f} s ({_list(warm)}); "
        f"drawing its own plots {drawing.seconds:.2f} s"
    )
    if rebuild_s:
        share = warm_s / rebuild_s
        print(
            f"warm report / full rebuild = {share:.1%}, cold = {cold.seconds / rebuild_s:.1%} "
            f"(target < {BUILD_SHARE_TARGET:.0%}): {_verdict(share < BUILD_SHARE_TARGET)}"
        )
    if not Path(CHROMIUM).is_file():
        print(f"no Chromium at {CHROMIUM}: page open not measured (apt-get install chromium)")
        return
    opened = open_times(out / "index.html", args.runs)
    in_page = [ms / 1000 for ms, _ in opened]
    median_s = statistics.median(in_page)
    print(
        f"page open to every chart drawn: median {median_s:.2f} s in the page ({_list(in_page)}), "
        f"wall from goto {_list([w for _, w in opened])} s "
        f"(target < {OPEN_TARGET_S:.0f} s): {_verdict(median_s < OPEN_TARGET_S)}"
    )


def _list(seconds: list[float]) -> str:
    return ", ".join(f"{s:.2f}" for s in seconds)


def _verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"


if __name__ == "__main__":
    main()
