"""Benchmark: the CPU that classifying and deriving the outcome tables of each ClinicalTrials.gov page
costs (``PageDerive``, run by the process that normalises the page), in-process, without Prefect.

Every page of the config's newest complete ctgov raw run is normalised first (not timed), then
``PageDerive`` runs over all of them ``--repeat`` times (after one warm-up page that compiles the
classifier and the taxonomy) and each output apart (``classes``: trial_classes; ``outcomes``:
trial_endpoints and trial_effects). Printed: the best CPU (``time.process_time``) and wall time of each,
per run and per page. On a shared machine compare two checkouts by running this alternately with each
one's venv.

``--dump DIR`` writes every page's output tables as Arrow IPC files; ``--compare DIR`` checks them equal
(schema and values) to an earlier dump, e.g. of the checkout before a speed change:

    .venv/bin/python bench/bench_page_derive.py --config /tmp/bench20k/n20000/config.yaml \\
        [--repeat 5] [--dump DIR] [--compare DIR]
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from pipeline.config import Settings, load_config  # noqa: E402
from pipeline.parquet.provenance import Provenance  # noqa: E402
from pipeline.raw.zone import RawZone  # noqa: E402
from pipeline.sources import registry  # noqa: E402
from pipeline.sources.ctgov.normalise.tables import build_page_tables  # noqa: E402
from pipeline.sources.derive_pages import PageDerive, page_outputs  # noqa: E402

Page = Mapping[str, pa.Table]


def normalised_pages(settings: Settings) -> list[Page]:
    """The tables of every page of the newest complete ctgov run, as the normaliser gives them."""
    runs = RawZone(settings.raw_dir).complete_runs("ctgov")
    if not runs:
        raise SystemExit(f"no complete ctgov raw run under {settings.raw_dir}")
    run = runs[-1]
    data_timestamp = run.complete_manifest().get("data_timestamp")
    pages = []
    for record in (r for r in run.pages() if r.kind == "page"):
        provenance = Provenance(run.run_id, run.fetched_at_of(record), data_timestamp)
        pages.append(build_page_tables(run.read_body(record), provenance, str(record.file), None).tables)
    return pages


def best_of(repeat: int, work: Callable[[], object]) -> tuple[float, float, object]:
    """(best CPU s, best wall s, the last result) of ``repeat`` runs of ``work``."""
    cpu = wall = float("inf")
    result = None
    for _ in range(repeat):
        gc.collect()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        result = work()
        cpu, wall = min(cpu, time.process_time() - cpu0), min(wall, time.perf_counter() - wall0)
    return cpu, wall, result


def dump(results: list[list[dict[str, pa.Table]]], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for n, page in enumerate(results):
        for i, tables in enumerate(page):
            for name, table in tables.items():
                with ipc.new_file(folder / f"page{n:04d}-{i}-{name}.arrow", table.schema) as writer:
                    writer.write_table(table)


def compare(results: list[list[dict[str, pa.Table]]], folder: Path) -> int:
    """Number of tables that differ from (or are missing in) an earlier dump."""
    differ = 0
    expected = {path.name for path in folder.glob("*.arrow")}
    for n, page in enumerate(results):
        for i, tables in enumerate(page):
            for name, table in tables.items():
                path = folder / f"page{n:04d}-{i}-{name}.arrow"
                expected.discard(path.name)
                if not path.exists():
                    print(f"  missing in {folder}: {path.name}")
                    differ += 1
                    continue
                before = ipc.open_file(path).read_all()
                if before.schema != table.schema or not before.equals(table):
                    print(f"  differs: {path.name} ({before.num_rows} rows before, {table.num_rows} now)")
                    differ += 1
    for name in sorted(expected):
        print(f"  not produced now: {name}")
    return differ + len(expected)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--dump", type=Path)
    parser.add_argument("--compare", type=Path)
    args = parser.parse_args()

    settings = load_config(args.config)
    spec = registry.get("ctgov")
    outputs = page_outputs(spec)
    derive = PageDerive(settings, outputs, spec.key, spec.record_table)
    pages = normalised_pages(settings)
    n_trials = sum(page[spec.record_table].num_rows for page in pages)
    print(f"{len(pages)} pages, {n_trials} trials")
    derive(pages[0])  # compiles the classifier and the taxonomy once, as each process does

    def each_page() -> list[list[dict[str, pa.Table]]]:
        found = [derive(page) for page in pages]
        if any(result is None for result in found):
            raise SystemExit("a page's classification or derivation failed")
        return found  # type: ignore[return-value]

    for how in outputs:
        cpu, wall, _ = best_of(
            args.repeat,
            lambda how=how: [how.derive(settings, {t: page[t] for t in how.inputs}) for page in pages],
        )
        print(f"{how.name:>10}: CPU {cpu:.3f} s, wall {wall:.3f} s ({cpu / len(pages) * 1e3:.1f} ms/page)")
    cpu, wall, results = best_of(args.repeat, each_page)
    print(f"PageDerive: CPU {cpu:.3f} s, wall {wall:.3f} s ({cpu / len(pages) * 1e3:.1f} ms/page)")
    if args.dump:
        dump(results, args.dump)  # type: ignore[arg-type]
        print(f"outputs written to {args.dump}")
    if args.compare:
        differ = compare(results, args.compare)  # type: ignore[arg-type]
        print(f"compared with {args.compare}: {'same' if not differ else f'{differ} table(s) differ'}")
        if differ:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
