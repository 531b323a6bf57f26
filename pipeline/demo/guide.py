"""What the demo prints: first what it serves, last where its outputs are and two queries to try on them."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.demo.site import DemoSite

CLI_QUERY = (
    "SELECT treatment_class, sum(n_trials) AS trials, max(n_publications) AS publications "
    "FROM evidence GROUP BY ALL ORDER BY trials DESC"
)
PANDAS_QUERY = "SELECT treatment_class, nct_id, phase, overall_status FROM evidence_trials ORDER BY 1, 2"


def intro(site: DemoSite) -> list[str]:
    """What is served and from where; that the effects shown come from publications, not the registry."""
    return [
        f"Demo: {site.n_trials} trials and {site.n_articles} PubMed articles shipped with the pipeline, "
        f"served on 127.0.0.1; everything goes to {site.folder}",
        f"Effects and forest plots: {site.n_transcribed_results} pivotal trials carry results transcribed by "
        "hand from their publications, not posted on the registry (sources: pipeline/demo/records/README.md)",
    ]


def shown(path: Path) -> str:
    """Relative to the current folder when inside it: shorter to copy."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def next_steps(config_path: Path, warehouse: Path) -> list[str]:
    python = (
        f"import duckdb; con = duckdb.connect({json.dumps(shown(warehouse))}, read_only=True); "
        f"print(con.sql({json.dumps(PANDAS_QUERY)}).df())"
    )
    return [
        "Try:",
        f"  evidence --config {shlex.quote(shown(config_path))} query {shlex.quote(CLI_QUERY)}",
        f"  python -c {shlex.quote(python)}",
    ]
