"""Forest plots read from a built warehouse: the list the report embeds, the nightly folder swapped in
whole, and `evidence plot`'s choice of pool with a one-line error for every request that names nothing.

Besides the transcribed pivotal trials, one synthetic study (NCT99000010: ARISE's posted results under
another id, in chronic migraine; not a real trial) gives the CGRP antibody pool a second population."""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import duckdb
import pytest
from refresh_layout import R1, data_settings, refresh_run, transcribed_docs

from pipeline.config import Settings
from pipeline.errors import OutcomeError
from pipeline.outcomes.forest import PoolKey
from pipeline.outcomes.plots import (
    INDEX,
    MARKER,
    PlotRequest,
    forest_plots,
    list_pools,
    plot_pool,
    plots_dir,
    write_plots,
)
from pipeline.warehouse.build import build_warehouse

SYNTHETIC_CHRONIC = "NCT99000010"


def chronic_copy_of_arise(docs: list[dict]) -> dict:
    arise = next(d for d in docs if d["protocolSection"]["identificationModule"]["nctId"] == "NCT02483585")
    doc = copy.deepcopy(arise)
    ident = doc["protocolSection"]["identificationModule"]
    ident.update(
        nctId=SYNTHETIC_CHRONIC, briefTitle="Synthetic erenumab study in chronic migraine", acronym="X"
    )
    doc["protocolSection"]["conditionsModule"]["conditions"] = ["Chronic Migraine"]
    return doc


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = data_settings(tmp_path_factory.mktemp("outcome_plots"))
    docs = transcribed_docs()
    refresh_run(settings, R1, [*docs, chronic_copy_of_arise(docs)])
    build_warehouse(settings)
    return settings


def svg_ids(svg: bytes) -> list[str]:
    return [el.get("id") for el in ET.fromstring(svg).iter() if el.get("id")]


def test_pools_are_listed_from_two_trials_on_in_class_and_endpoint_order(built: Settings) -> None:
    pools = list_pools(built.warehouse.path)
    keys = [p.key for p in pools]
    assert PoolKey("cgrp_antibody", "mmd_change", "episodic") in keys
    assert all(p.n_trials >= 2 for p in pools)
    assert PoolKey("cgrp_antibody", "mmd_change", "chronic") not in keys  # one trial only
    assert PoolKey("cgrp_antibody", "mmd_change", "chronic") in [
        p.key for p in list_pools(built.warehouse.path, 1)
    ]
    first = pools[0]
    assert (first.class_label, first.file_name) == (
        "CGRP-targeted therapies (any)",
        "cgrp__mmd_change__episodic.svg",
    )


def test_the_report_gets_each_plot_drawn(built: Settings) -> None:
    plots = forest_plots(built.warehouse.path)
    assert [p.pool for p in plots] == list_pools(built.warehouse.path)
    episodic = next(p for p in plots if p.pool.key == ("cgrp_antibody", "mmd_change", "episodic"))
    ids = svg_ids(episodic.svg)
    assert sum(i.startswith("trial-row-") for i in ids) == episodic.pool.n_comparisons == 5


def test_the_plots_folder_is_replaced_whole(built: Settings, tmp_path: Path) -> None:
    out = tmp_path / "plots"
    summary = write_plots(built.warehouse.path, out)
    index = json.loads((out / INDEX).read_text(encoding="utf-8"))
    assert summary.n_plots == len(index) == len(list(out.glob("*.svg"))) > 0
    (out / "stale.svg").write_text("from an earlier run")
    write_plots(built.warehouse.path, out)
    assert not (out / "stale.svg").exists() and (out / MARKER).exists()
    assert not list(tmp_path.glob(".plots*")), "no temporary folder left behind"
    assert plots_dir(built) == built.storage.data_dir / "plots"


def test_a_folder_the_pipeline_did_not_write_is_refused(built: Settings, tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.docx").write_text("keep me")
    with pytest.raises(OutcomeError, match="holds files this pipeline did not write"):
        write_plots(built.warehouse.path, mine)
    assert (mine / "thesis.docx").read_text() == "keep me"


def test_a_plot_request_is_resolved_or_refused_in_one_line(built: Settings) -> None:
    path = built.warehouse.path
    key, svg = plot_pool(path, PlotRequest("cgrp_antibody", "mmd_change", "chronic"))
    assert key == ("cgrp_antibody", "mmd_change", "chronic") and "pooled-diamond" in svg_ids(svg)
    key, _ = plot_pool(path, PlotRequest("gepant", "mmd_change"))  # one population: no need to name it
    assert key.population == "episodic"
    refused = {
        PlotRequest("cgrp_antibody", "mmd_change"): "pooled per population (chronic, episodic): choose one",
        PlotRequest(
            "cgrp_antibody", "mmd_change", "mixed"
        ): "for population mixed (pooled: chronic, episodic)",
        PlotRequest("cgrp_antibody", "mmd_days"): "unknown endpoint 'mmd_days'; valid: sustained_pain_free, ",
        PlotRequest("cgrp_mab", "mmd_change"): "unknown treatment class 'cgrp_mab'; valid: ",
        PlotRequest("triptan", "mmd_change"): "no trial of class triptan has an effect on mmd_change",
    }
    for request, message in refused.items():
        with pytest.raises(OutcomeError, match=message.replace("(", r"\(").replace(")", r"\)")) as info:
            plot_pool(path, request)
        assert "\n" not in str(info.value)


def test_a_warehouse_without_outcome_tables_or_none_at_all_is_one_line(
    built: Settings, tmp_path: Path
) -> None:
    with pytest.raises(OutcomeError, match="warehouse not found"):
        list_pools(tmp_path / "none.duckdb")
    old = tmp_path / "old.duckdb"
    with duckdb.connect(str(old)) as con:
        con.execute("CREATE TABLE trials AS SELECT 1 AS x")
    with pytest.raises(
        OutcomeError, match="has no outcome tables \\(built before they existed\\): rebuild it"
    ):
        plot_pool(old, PlotRequest("cgrp_antibody", "mmd_change"))
