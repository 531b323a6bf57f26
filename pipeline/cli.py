"""``evidence``: a thin command line over the pipeline library.

User errors (bad config, bad argument, unreachable API, failed data check) print one line and exit 1;
the previous warehouse and CSV are never touched by a failed command.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.table import Table

from pipeline.config import (
    CONFIG_ENV_VAR,
    PACKAGED_CONFIG,
    Settings,
    absolute_config_path,
    is_packaged_config,
    load_config,
    resolve_config_path,
)
from pipeline.console import quiet_tracebacks
from pipeline.console.command_log import command_logging
from pipeline.console.run_summary import print_summary
from pipeline.errors import PipelineError
from pipeline.parquet.parallel import head_start
from pipeline.sources import registry

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
DEFAULT_DEMO_FOLDER = Path("evidence-demo")
LOGS_FOLDER = "logs"  # under storage.data_dir: one log file per refresh, rebuild or demo
# What the processes that normalise pages import while this one imports Prefect: every source's page
# code, which a page job names (a process started with 'spawn' has imported only the `evidence` script).
PAGE_IMPORTS = ("pipeline.sources.registry",)
PACKAGED_CONFIG_NOTE = (
    "note: no ./config.yaml here: using the default config shipped with the package ({path}), its folders "
    "under the current folder; copy it here (or pass --config) to change it"
)

out = Console()
err = Console(stderr=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="evidence",
        description=(
            "Migraine therapy evidence pipeline: ClinicalTrials.gov and PubMed to a DuckDB evidence table."
        ),
    )
    parser.add_argument(
        "--config",
        metavar="PATH",
        help=f"config file (default: ${CONFIG_ENV_VAR}, else ./config.yaml, else the default shipped with "
        "the package, its folders under the current folder)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    runs = argparse.ArgumentParser(add_help=False)
    runs.add_argument(
        "--verbose",
        action="store_true",
        help="show Prefect's and the HTTP layer's log lines here too (always in data/logs/)",
    )

    refresh = sub.add_parser(
        "refresh",
        parents=[runs],
        help="fetch from the APIs, then normalise, classify, build the warehouse and export the CSV",
    )
    refresh.add_argument(
        "--source",
        choices=[*registry.SOURCES, registry.ALL],
        default=registry.ALL,
        help="which source to fetch (default: all)",
    )
    refresh.add_argument(
        "--full",
        action="store_true",
        help="pull everything instead of only what changed since the last good run (also detects "
        "trials the registry no longer returns)",
    )

    sub.add_parser(
        "rebuild", parents=[runs], help="re-normalise the raw zone and rebuild warehouse and CSV, offline"
    )

    demo = sub.add_parser(
        "demo",
        parents=[runs],
        help="no network needed: run the whole pipeline on real records shipped with it, served locally",
    )
    demo.add_argument(
        "--data-dir",
        metavar="DIR",
        type=Path,
        default=DEFAULT_DEMO_FOLDER,
        help=f"the demo's own folder: config, raw zone, warehouse, CSV (default: ./{DEFAULT_DEMO_FOLDER})",
    )

    export = sub.add_parser("export", help="write the evidence_trials table to CSV")
    export.add_argument(
        "--out", metavar="PATH", type=Path, help="CSV path (default: export.csv_path in config)"
    )
    export.add_argument("--class", dest="treatment_class", metavar="NAME", help="only this treatment class")

    report = sub.add_parser(
        "report", help="write the HTML report (index.html and its assets) from the warehouse"
    )
    report.add_argument(
        "--out", metavar="DIR", type=Path, help="report folder (default: report.dir in config)"
    )

    from pipeline.outcomes.plot_command import add_plot_parser

    add_plot_parser(sub)

    status = sub.add_parser(
        "status", help="show the last runs, their counts and watermarks, and warehouse age"
    )
    status.add_argument("--limit", type=int, default=10, metavar="N", help="runs to list (default: 10)")

    from flows.serve import add_serve_parser

    add_serve_parser(sub)

    query = sub.add_parser("query", help="run one read-only SQL statement against the warehouse")
    query.add_argument("sql", help='e.g. "SELECT * FROM evidence"')
    query.add_argument(
        "--format",
        choices=["table", "csv", "json"],
        help="output format (default: table on a terminal, csv when piped)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "demo":
            from pipeline.demo.site import base_settings

            settings = base_settings(args.config)  # only its classes and taxonomy: never its folders
        else:
            settings = load_config(args.config)
            if args.command != "serve" and is_packaged_config(resolve_config_path(args.config)):
                err.print(PACKAGED_CONFIG_NOTE.format(path=PACKAGED_CONFIG), highlight=False, soft_wrap=True)
        return COMMANDS[args.command](args, settings)
    except PipelineError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True, markup=True)
        for note in getattr(exc, "__notes__", ()):
            err.print(note, highlight=False, soft_wrap=True, markup=False)
        return EXIT_ERROR
    except KeyboardInterrupt:
        err.print("interrupted: the previous warehouse and CSV are unchanged")
        return EXIT_INTERRUPTED


def _config_arg(args: argparse.Namespace) -> str | None:
    return str(absolute_config_path(args.config)) if args.config else None


def _log_path(settings: Settings, name: str) -> Path:
    return settings.storage.data_dir / LOGS_FOLDER / f"{name}.log"


@contextmanager
def _flow_command(
    args: argparse.Namespace, settings: Settings, log_path: Path, processes: int | None = None
) -> Iterator[None]:
    """Logs to ``log_path`` (the terminal gets warnings only, unless --verbose) and progress bars, for a
    command that runs a Prefect flow, on the server of a running ``evidence serve`` if there is one
    (``flows.local_server``), without flow-run heartbeats unless configured (``flows.heartbeats``); a
    failure's message gains the log's path. The processes that will normalise pages (``processes``, this
    one included; by default as configured) start first, while this one imports Prefect and starts the
    flow run."""
    if processes is None:
        processes = settings.resources.normalise_processes
    try:
        with (
            head_start(processes, PAGE_IMPORTS),
            command_logging(log_path, verbose=args.verbose, console=err),
        ):
            from flows.heartbeats import no_heartbeats_by_default
            from flows.local_server import SERVER_URL_FILE, serve_api_if_running

            quiet_tracebacks.quiet_prefect()
            from pipeline.console import progress

            url_file = settings.storage.data_dir / SERVER_URL_FILE
            with (
                serve_api_if_running(url_file) as api_url,
                no_heartbeats_by_default(),
                progress.display(err),
            ):
                if api_url:
                    logging.getLogger(__name__).info("Prefect: the server of `evidence serve` at %s", api_url)
                yield
    except PipelineError as exc:
        exc.add_note(f"log: {log_path}")
        raise


def cmd_refresh(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.http.preflight import check_sources
    from pipeline.raw.zone import new_run_id
    from pipeline.runs.output_preflight import check_output_folders

    check_output_folders(settings)  # the report and plots folders, written last: fail before any fetch
    check_sources(settings, registry.selected(args.source))  # no network: one line, before Prefect starts
    run_id = new_run_id()
    log_path = _log_path(settings, run_id)
    with _flow_command(args, settings, log_path):
        from flows.refresh import refresh

        result = refresh(
            config_path=_config_arg(args), source=args.source, full=args.full, interactive=True, run_id=run_id
        )
    print_summary(out, result, log_path)
    return EXIT_OK


def cmd_rebuild(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.raw.zone import new_run_id
    from pipeline.runs.output_preflight import check_output_folders
    from pipeline.runs.replay_processes import rebuild_processes

    check_output_folders(settings)  # before Prefect starts

    log_path = _log_path(settings, f"rebuild-{new_run_id()}")
    with _flow_command(args, settings, log_path, rebuild_processes(settings)):
        from flows.refresh import rebuild

        result = rebuild(config_path=_config_arg(args))
    for source, run_ids in result["runs_replayed"].items():
        out.print(f"Replayed {len(run_ids)} {source} raw run(s): {', '.join(run_ids) or '-'}")
    print_summary(out, result, log_path)
    return EXIT_OK


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.demo.guide import intro, next_steps
    from pipeline.demo.site import demo_site
    from pipeline.raw.zone import new_run_id

    with demo_site(args.data_dir, settings) as site:
        for line in intro(site):
            say(line)
        run_id = new_run_id()
        log_path = _log_path(site.settings, run_id)
        with _flow_command(args, site.settings, log_path):
            from flows.refresh import refresh

            result = refresh(config_path=str(site.config_path), full=True, interactive=True, run_id=run_id)
    print_summary(out, result, log_path)
    for line in next_steps(site.config_path, result["warehouse"].path):
        say(line)
    return EXIT_OK


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline import steps

    summary = steps.export(settings, args.out, args.treatment_class)
    out.print(f"Wrote {summary.n_rows} rows to {summary.path}")
    return EXIT_OK


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline import steps

    summary = steps.html_report(settings, args.out)
    say(f"Wrote the report ({summary.n_trials} trials, {summary.n_charts} charts) to {summary.path}")
    say(f"Open {summary.uri}")
    return EXIT_OK


def cmd_plot(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.outcomes.plot_command import write_plot

    say(write_plot(args, settings))
    return EXIT_OK


def say(text: str) -> None:
    """One line as is: no wrapping inside run ids or dates, no colouring of numbers."""
    out.print(text, highlight=False, soft_wrap=True)


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.runs.status import collect_status, source_summary

    if args.limit < 1:
        raise PipelineError("--limit must be at least 1")
    status = collect_status(settings, args.limit)
    say(f"Last {len(status.runs)} run(s), newest first:")
    for record in status.runs:
        finished = f", finished {record.finished_at[11:19]}" if record.finished_at else ""
        started = f"started {record.started_at[:19]}{finished}"
        say(f"{record.run_id}  {record.status:<9}  {record.mode:<11}  {started}")
        for source in registry.SOURCES.values():
            s = source_summary(record, source.name)
            if s:
                fetched = "-" if s.get("n_records") is None else str(s["n_records"])
                drift = f" (+{s['n_drift_records']} re-read for drift)" if s.get("n_drift_records") else ""
                watermark = f", watermark {s['watermark']}" if s.get("watermark") else ""
                line = f"    {source.label}: {s['mode']}, {fetched} fetched{drift}{watermark}"
                say(line)
        if record.error:
            say(f"    error: {record.error}")
    marks = ", ".join(
        f"{registry.get(s).label} {w or 'none (next pull is full)'}" for s, w in status.watermarks.items()
    )
    say(f"Watermarks: {marks}")
    wh = status.warehouse
    if wh.problem:
        say(f"Warehouse: {wh.problem}")
    else:
        say(
            f"Warehouse: built {wh.built_at:%Y-%m-%d %H:%M} UTC ({wh.age_hours():.1f} h ago), "
            f"{wh.n_trials} trials, API data {', '.join(wh.data_timestamps) or '-'}"
        )
    if status.incomplete_raw_runs:
        say(f"Incomplete raw runs (never used): {', '.join(status.incomplete_raw_runs)}")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from flows import serve as cli_serve

    return cli_serve.cmd_serve(args, settings)


def cmd_query(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.warehouse.query import run_query

    columns, rows = run_query(settings.warehouse.path, args.sql)
    fmt = args.format or ("table" if sys.stdout.isatty() else "csv")
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    elif fmt == "json":
        sys.stdout.write(
            json.dumps([dict(zip(columns, r, strict=True)) for r in rows], default=str, indent=1)
        )
        sys.stdout.write("\n")
    else:
        table = Table(*columns, show_lines=False)
        for row in rows:
            table.add_row(*("" if v is None else str(v) for v in row))
        out.print(table)
        out.print(f"{len(rows)} row(s)")
    return EXIT_OK


COMMANDS = {
    "refresh": cmd_refresh,
    "rebuild": cmd_rebuild,
    "export": cmd_export,
    "report": cmd_report,
    "status": cmd_status,
    "serve": cmd_serve,
    "query": cmd_query,
    "plot": cmd_plot,
    "demo": cmd_demo,
}


if __name__ == "__main__":
    raise SystemExit(main())
