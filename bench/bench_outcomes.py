"""Benchmark: what the outcome layer adds to a full rebuild (issue 10: mapping and effects at most 15% of
a full rebuild at 50,000 studies).

Synthetic load (clearly not real data): the real recorded study records (fixtures ``ctgov/studies`` and
``ctgov/migraine``) and the pivotal migraine trials transcribed with their posted results
(``tests/fixtures/outcomes``) are replicated round-robin under rewritten nctIds into one raw run of
``--studies`` records, in pages of 1,000. Then the steps of ``evidence rebuild`` run in this process,
in order, without Prefect (whose ~1 s per task call is not the pipeline's cost): normalise (which maps
endpoints and computes effects page by page as it goes, on every normalising process), classify, derive
(left with nothing to do), build (all SQL and data checks, with the pooling step timed inside it),
export, HTML report. Each step's CPU time counts the whole process tree (the normalising processes
too) and DuckDB's and Arrow's threads; the wall time counts the machine's load.

Since mapping and effects run inside the normalise step, their cost is measured as a difference: the
same rebuild runs again with no endpoint taxonomy (``endpoints: null``: nothing to map, no effects, no
pooling), and mapping + effects = (normalise + derive) with it minus without it. Printed: each step
both ways, then mapping + effects + pooling as a share of the full rebuild's CPU and wall time (the
target is checked against the larger), and everything the outcome layer adds to the rebuild (every
step's difference, the build's SQL over the outcome tables included). ``--repeat N`` keeps each step's
best of N (the machine is shared). Prefect's start-up and per-task costs are not counted (they would
lower the share).

The forest plots are left out unless ``--with-plots``: replication turns each class pool into thousands
of copies of the same few trials (a real pool has tens), so their time here says nothing about a night.

Two title variants: ``repeated`` (the records as they are: registry titles repeat, and the mapping reads
each distinct text of a page once) and ``unique`` (every outcome title and description made unique, the
worst case for that cache).

    .venv/bin/python bench/bench_outcomes.py [--studies 50000] [--titles repeated unique] [--repeat 1]
        [--workdir DIR] [--with-plots]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from pipeline import steps  # noqa: E402
from pipeline.config import Settings, load_config  # noqa: E402
from pipeline.demo.ctgov_api import load_studies  # noqa: E402
from pipeline.raw.zone import Origin, RawZone, utc_now_iso  # noqa: E402
from pipeline.warehouse import build_steps  # noqa: E402
from tests.conftest import shared_fixtures_dir  # noqa: E402

PAGE_SIZE = 1000
STUDIES_URL = "https://clinicaltrials.gov/api/v2/studies"
RUN_ID = "20260101T000000Z-beef"
TARGET_SHARE = 0.15


def source_studies() -> list[dict[str, Any]]:
    fixtures = shared_fixtures_dir() / "ctgov"
    folders = [fixtures / "studies", fixtures / "migraine", REPO_ROOT / "tests" / "fixtures" / "outcomes"]
    return load_studies(folders)


def unique_texts(study: dict[str, Any], i: int) -> None:
    """Every outcome title and description of the copy made unique (the mapping cache's worst case)."""
    outcomes = study.get("protocolSection", {}).get("outcomesModule", {})
    for key in ("primaryOutcomes", "secondaryOutcomes", "otherOutcomes"):
        for outcome in outcomes.get(key, []):
            outcome["measure"] = f"{outcome.get('measure', '')} (cohort {i})"
            outcome["description"] = f"{outcome.get('description', '')} Cohort {i}."
    results = study.get("resultsSection", {}).get("outcomeMeasuresModule", {})
    for outcome in results.get("outcomeMeasures", []):
        outcome["title"] = f"{outcome.get('title', '')} (cohort {i})"
        outcome["description"] = f"{outcome.get('description', '')} Cohort {i}."


def write_raw_run(settings: Settings, studies: list[dict[str, Any]], n: int, unique: bool) -> None:
    run = RawZone(settings.raw_dir).start_run("ctgov", RUN_ID)
    page: list[bytes] = []
    n_pages = 0
    for i in range(n):
        study = json.loads(json.dumps(studies[i % len(studies)]))
        study["protocolSection"]["identificationModule"]["nctId"] = f"NCT9{i:07d}"
        if unique:
            unique_texts(study, i)
        page.append(json.dumps(study).encode())
        if len(page) == PAGE_SIZE or i == n - 1:
            n_pages += 1
            run.write_page(
                f"page-{n_pages:06d}.json",
                b'{"studies":[' + b",".join(page) + b"]}",
                Origin(STUDIES_URL, {"pageSize": PAGE_SIZE}, 200, utc_now_iso()),
                n_records=len(page),
            )
            page = []
    drift = {"n_ids_requested": 0, "n_records": 0}
    run.finish(
        {"mode": "full", "data_timestamp": "2026-01-01", "total_count": n, "n_records": n, "drift": drift}
    )


def bench_settings(workdir: Path) -> Settings:
    base = load_config(REPO_ROOT / "config.yaml")
    return base.model_copy(
        update={
            "storage": base.storage.model_copy(update={"data_dir": workdir / "data"}),
            "warehouse": base.warehouse.model_copy(
                update={"path": workdir / "warehouse" / "evidence.duckdb"}
            ),
            "export": base.export.model_copy(
                update={"csv_path": workdir / "exports" / "evidence_trials.csv"}
            ),
        }
    )


Times = dict[str, tuple[float, float]]  # step -> (CPU s of the process tree, wall s)


def tree_cpu() -> float:
    """CPU seconds of this process and of its finished children (the normalising processes, which are
    waited for when each normalise step ends)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed_pooling(times: Times) -> None:
    """The build's pooling step, timed on its own (BUILD_STEPS is read when a build runs them)."""

    def wrap(run: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any) -> Any:
            cpu, wall = tree_cpu(), time.perf_counter()
            try:
                return run(*args)
            finally:
                times["pool"] = (tree_cpu() - cpu, time.perf_counter() - wall)

        return timed

    build_steps.BUILD_STEPS = tuple(dataclasses.replace(s, run=wrap(s.run)) for s in build_steps.BUILD_STEPS)


def rebuild(settings: Settings, with_plots: bool) -> Times:
    """The steps of ``evidence rebuild`` for the one run, each timed."""
    times: Times = {}
    originals = build_steps.BUILD_STEPS
    timed_pooling(times)
    plan: list[tuple[str, Callable[[], Any]]] = [
        ("normalise", lambda: steps.normalise(settings, "ctgov", RUN_ID)),
        ("classify", lambda: steps.classify(settings, "ctgov", RUN_ID)),
        ("derive", lambda: steps.derive(settings, "ctgov", RUN_ID)),
        ("build", lambda: steps.build(settings, full="benchmark")),
        ("export", lambda: steps.export(settings)),
        ("report", lambda: steps.html_report(settings)),
    ]
    if with_plots:
        plan.append(("plots", lambda: steps.plots(settings)))
    try:
        for name, step in plan:
            cpu, wall = tree_cpu(), time.perf_counter()
            step()
            times[name] = (tree_cpu() - cpu, time.perf_counter() - wall)
    finally:
        build_steps.BUILD_STEPS = originals
    return times


def best_of(settings: Settings, repeat: int, with_plots: bool) -> tuple[Times, Times]:
    """Each step's least CPU and least wall time over ``repeat`` rebuilds with the outcome layer and as
    many without it, taken in turns (the first rebuild, with it, also pays this process's imports)."""
    bare = settings.model_copy(update={"endpoints": None})
    runs = [(rebuild(settings, with_plots), rebuild(bare, with_plots)) for _ in range(repeat)]
    return tuple(  # type: ignore[return-value]
        {step: (min(r[i][step][0] for r in runs), min(r[i][step][1] for r in runs)) for step in runs[0][i]}
        for i in (0, 1)
    )


def totals(times: Times, left_out: tuple[str, ...] = ()) -> tuple[float, float]:
    """(CPU, wall) of the rebuild: every step but the pooling (inside build) and the plots."""
    steps_in = [t for k, t in times.items() if k not in ("pool", "plots", *left_out)]
    return sum(t[0] for t in steps_in), sum(t[1] for t in steps_in)


def outcome_work(with_layer: Times, without: Times) -> tuple[float, float]:
    """(CPU, wall) of mapping + effects (normalise and derive with the taxonomy minus without it) and
    pooling."""
    return tuple(  # type: ignore[return-value]
        sum(with_layer[k][i] - without[k][i] for k in ("normalise", "derive")) + with_layer["pool"][i]
        for i in (0, 1)
    )


def report(label: str, with_layer: Times, without: Times) -> float:
    """Print one variant's measurements; returns the share the target is judged on."""
    print(label)
    print(f"  {'':<10} {'with the outcome layer':>26}   {'without (no taxonomy)':>26}")
    for name, (cpu, wall) in with_layer.items():
        where = " (inside build)" if name == "pool" else " (not in the total)" if name == "plots" else ""
        other = without.get(name)
        other_text = f"{other[0]:7.2f} s CPU {other[1]:7.2f} s wall" if other else ""
        print(f"  {name:<10} {cpu:7.2f} s CPU {wall:7.2f} s wall   {other_text:>26}{where}")
    share = 0.0
    work = outcome_work(with_layer, without)
    for what, left_out in (("full rebuild", ()), ("without the HTML report", ("report",))):
        (cpu_total, wall_total) = totals(with_layer, left_out)
        (cpu_bare, wall_bare) = totals(without, left_out)
        cpu_share, wall_share = work[0] / cpu_total, work[1] / wall_total
        print(
            f"  {what}: {cpu_total:.2f} s CPU, {wall_total:.2f} s wall; mapping + effects + pooling "
            f"{work[0]:.2f} s CPU, {work[1]:.2f} s wall: {cpu_share:.1%} of the CPU, {wall_share:.1%} of the "
            f"wall time (target {TARGET_SHARE:.0%}); all the outcome layer adds (every step): "
            f"{1 - cpu_bare / cpu_total:.1%} of the CPU, {1 - wall_bare / wall_total:.1%} of the wall time"
        )
        share = share or max(cpu_share, wall_share)  # the target is for the full rebuild
    return share


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=50_000)
    parser.add_argument("--titles", nargs="+", choices=["repeated", "unique"], default=["repeated", "unique"])
    parser.add_argument("--repeat", type=int, default=1, help="rebuilds per configuration; each step's best")
    parser.add_argument("--workdir", type=Path, default=None, help="default: a temporary folder, removed")
    parser.add_argument("--with-plots", action="store_true", help="also time the forest plots (see above)")
    args = parser.parse_args()
    studies = source_studies()
    missed = False
    for variant in args.titles:
        workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-outcomes-"))
        shutil.rmtree(workdir / "data", ignore_errors=True)
        settings = bench_settings(workdir)
        write_raw_run(settings, studies, args.studies, unique=variant == "unique")
        try:
            with_layer, without = best_of(settings, args.repeat, args.with_plots)
        finally:
            if args.workdir is None:
                shutil.rmtree(workdir, ignore_errors=True)
        label = f"{args.studies:,} studies ({len(studies)} records replicated), {variant} titles"
        label += f", best of {args.repeat}" if args.repeat > 1 else ""
        label += f", load average {os.getloadavg()[0]:.1f} at the end:"
        share = report(label, with_layer, without)
        missed |= share > TARGET_SHARE
    if missed:
        raise SystemExit("benchmark target missed")


if __name__ == "__main__":
    main()
