"""``evidence plot``: the forest plot of one treatment class x endpoint (x population) to a file.

Kept beside the plots rather than in pipeline/cli.py, which only wires it in (as flows/serve.py does
for ``serve``); matplotlib loads only when the command runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pipeline.config import Settings
from pipeline.errors import OutcomeError

POPULATIONS = ("episodic", "chronic", "mixed", "not_stated")  # class_effects.population
IMAGE_SUFFIXES = (".svg", ".png")


def add_plot_parser(sub: Any) -> None:
    """The ``plot`` subcommand on the CLI's subparsers."""
    plot = sub.add_parser(
        "plot", help="write the forest plot of one treatment class x endpoint (pooled trial effects)"
    )
    plot.add_argument(
        "--class", dest="treatment_class", required=True, metavar="NAME", help="treatment class"
    )
    plot.add_argument("--endpoint", required=True, metavar="CODE", help="endpoint code, e.g. mmd_change")
    plot.add_argument(
        "--population",
        choices=POPULATIONS,
        help="needed when the class x endpoint is pooled for several populations",
    )
    plot.add_argument(
        "--out",
        metavar="FILE",
        type=Path,
        help="an .svg or .png file (default: ./forest-<class>-<endpoint>-<population>.svg)",
    )


def write_plot(args: argparse.Namespace, settings: Settings) -> str:
    """Draw the plot the arguments ask for from the warehouse and write it atomically; returns the line
    to print. Every way it can fail is a one-line OutcomeError."""
    from pipeline.outcomes.plots import PlotRequest, plot_pool
    from pipeline.util.durable import write_atomically

    out: Path | None = args.out
    if out is not None and out.suffix.lower() not in IMAGE_SUFFIXES:
        raise OutcomeError(f"--out {out}: name an .svg or a .png file")
    image_format = out.suffix.lower().lstrip(".") if out is not None else "svg"
    request = PlotRequest(args.treatment_class, args.endpoint, args.population, image_format)
    key, image = plot_pool(settings.warehouse.path, request)
    target = out or Path(f"forest-{'-'.join(key)}.svg")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, image)
    except OSError as exc:
        raise OutcomeError(f"cannot write {target}: {exc.strerror or exc}") from None
    return f"Wrote the forest plot of {' x '.join(key)} to {target}"
