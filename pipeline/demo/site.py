"""The demo's own world: a folder, a config derived from the pipeline's, and the two API stand-ins
serving the shipped records (with pivotal-trial results transcribed from their publications, see
``publication_results``) on 127.0.0.1 for as long as the demo runs.

The config keeps the treatment classes, classifier and incremental settings of the config the CLI
would use (``--config``, ``$EVIDENCE_CONFIG``, ``./config.yaml``, else the default shipped in the
package) and replaces only folders, base URLs and timings. It is written to ``<folder>/config.yaml``
so ``evidence --config <folder>/config.yaml query ...`` (and ``status``, ``rebuild``) work on the
demo's warehouse afterwards, offline.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pipeline.config import Settings, load_config
from pipeline.demo.ctgov_api import API_PREFIX, CtgovApi, load_studies
from pipeline.demo.http_server import LocalServer
from pipeline.demo.publication_results import FROM_PUBLICATIONS, with_publication_results
from pipeline.demo.pubmed_api import EUTILS_PATH, PubmedApi
from pipeline.demo.pubmed_records import load_articles
from pipeline.errors import ConfigError

RECORDS = Path(__file__).resolve().parent / "records"
DEFAULT_FOLDER = Path("evidence-demo")
MARKER = "# evidence demo:"
# The stand-ins are local: no politeness spacing, short timeouts, quick retries.
LOCAL_HTTP = {
    "timeout_seconds": 10,
    "requests_per_second": 50,
    "max_attempts": 3,
    "backoff_initial_seconds": 0.1,
    "backoff_max_seconds": 1,
}
PAGE_SIZE = 10  # small pages, so the demo pages like a real pull
EFETCH_BATCH = 10


@dataclass(frozen=True)
class DemoSite:
    folder: Path
    config_path: Path
    settings: Settings
    n_trials: int
    n_articles: int
    n_transcribed_results: int  # trials whose results were transcribed from a publication


def base_settings(cli_path: str | None) -> Settings:
    """The config every other command would load (the packaged default when there is none here); the demo
    replaces its folders, so its fallback needs no note."""
    return load_config(cli_path)


@contextmanager
def demo_site(folder: Path, base: Settings) -> Iterator[DemoSite]:
    """Serve the shipped records and write the demo's config; the servers stop when the block ends."""
    folder = folder.resolve()
    _claim(folder)
    served = with_publication_results(load_studies([RECORDS / "ctgov"]), RECORDS / FROM_PUBLICATIONS)
    studies = served.studies
    articles = load_articles([RECORDS / "pubmed"])
    with ExitStack() as stack:
        ctgov = stack.enter_context(LocalServer(CtgovApi(studies)))
        pubmed = stack.enter_context(LocalServer(PubmedApi(articles)))
        config = demo_config(base, ctgov.url_for(API_PREFIX), pubmed.url_for(EUTILS_PATH))
        path = folder / "config.yaml"
        header = (
            f"{MARKER} the pipeline's config with its sources pointed at the local stand-ins that\n"
            "# `evidence demo` started (gone once it ended). Offline commands work on this folder:\n"
            f'#   evidence --config {path} query "SELECT * FROM evidence"\n'
        )
        path.write_text(header + yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        yield DemoSite(folder, path, load_config(path), len(studies), len(articles), served.n_transcribed)


def demo_config(base: Settings, ctgov_url: str, pubmed_url: str) -> dict[str, Any]:
    """``base`` with the demo's folders (relative: resolved against the config's folder), sources
    and timings. Fetch retries stay off: the stand-ins do not fail on their own."""
    config = base.model_dump(
        mode="json", exclude={"storage", "warehouse", "export", "report", "sources", "orchestration"}
    )
    sources = base.sources.model_dump(mode="json")
    sources["ctgov"].update(base_url=ctgov_url, page_size=PAGE_SIZE, http=LOCAL_HTTP)
    sources["pubmed"].update(base_url=pubmed_url, batch_size=EFETCH_BATCH, http=LOCAL_HTTP)
    return {
        "storage": {"data_dir": "data"},
        "warehouse": {"path": "data/warehouse/evidence.duckdb"},
        "export": {"csv_path": "data/exports/evidence_trials.csv"},
        # The results the demo serves were transcribed from publications: the report says so.
        "report": {"dir": "data/report", "results_from": "publications"},
        "sources": sources,
        "orchestration": {"fetch_retries": 0, "fetch_retry_delay_seconds": 0},
        **config,
    }


def _claim(folder: Path) -> None:
    """A new or empty folder, or one an earlier demo made: never mix the demo into someone's data."""
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{folder} is a file: choose a folder for the demo with --data-dir")
    config = folder / "config.yaml"
    if folder.is_dir() and any(folder.iterdir()):
        first = config.read_text(encoding="utf-8").splitlines()[:1] if config.is_file() else []
        if not (first and first[0].startswith(MARKER)):
            raise ConfigError(
                f"{folder} is not empty and not an earlier demo: choose a new folder with --data-dir"
            )
    folder.mkdir(parents=True, exist_ok=True)
