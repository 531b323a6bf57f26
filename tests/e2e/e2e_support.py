"""Shared set-up for end-to-end runs: a config pointing every source at the recorded-response servers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import yaml

from tests.conftest import REPO_ROOT

FAST_HTTP = {
    "timeout_seconds": 5,
    "requests_per_second": 100,
    "max_attempts": 4,
    "backoff_initial_seconds": 0.05,
    "backoff_max_seconds": 2,
}


def write_config(
    tmp_path: Path,
    *,
    ctgov_url: str,
    pubmed_url: str = "http://127.0.0.1:9/unused",
    page_size: int = 10,
    batch_size: int = 20,
) -> Path:
    """The shipped config.yaml (its real treatment classes), with servers, folders and timings for tests."""
    config: dict[str, Any] = yaml.safe_load((REPO_ROOT / "config.yaml").read_text(encoding="utf-8"))
    config["storage"] = {"data_dir": str(tmp_path / "data")}
    config["warehouse"] = {"path": str(tmp_path / "warehouse" / "evidence.duckdb")}
    config["export"] = {"csv_path": str(tmp_path / "exports" / "evidence_trials.csv")}
    config["sources"]["ctgov"].update(base_url=ctgov_url, page_size=page_size, http=FAST_HTTP)
    config["sources"].setdefault("pubmed", {}).update(
        base_url=pubmed_url, email="e2e-tests@example.org", batch_size=batch_size, http=FAST_HTTP
    )
    config["orchestration"] = {"fetch_retries": 0, "fetch_retry_delay_seconds": 0}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def query(warehouse: Path, sql: str, *params: Any) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()
