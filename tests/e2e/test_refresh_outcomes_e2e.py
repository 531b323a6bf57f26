"""The outcome layer end to end: ``evidence refresh`` against the recorded-response server, then the
outcome tables, the evidence columns, the CSV and the plots read from what the run left on disk.

Served: the real recorded studies (the shared set's twelve, five with posted results, none about
migraine; on a bare clone the three with posted results that are packaged) and the pivotal migraine
trials transcribed from their publications (tests/fixtures/outcomes, sources in SOURCES.md),
so the acceptance check runs through fetch, normalise, classify, derive, build and export: the pooled
change in monthly migraine days of the CGRP antibody trials in episodic migraine lies within the
published pooled CI (Deng et al., BMC Neurology 2020;20:57: -1.44 days, 95% CI -1.68 to -1.19).
"""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from pipeline.cli import EXIT_ERROR, EXIT_OK, main
from pipeline.config import load_config
from pipeline.demo.ctgov_api import load_studies, nct_id
from tests.conftest import REPO_ROOT
from tests.e2e.e2e_support import query, write_config
from tests.servers.corpus import RecordedCorpus
from tests.servers.ctgov_server import CtgovRecordedServer

pytestmark = pytest.mark.e2e

TRANSCRIBED = REPO_ROOT / "tests" / "fixtures" / "outcomes"
DENG_2020 = (-1.68, -1.19)
ARISE, EVOLVE_2, HALO_EM = "NCT02483585", "NCT02614196", "NCT02629861"
CERTOLIZUMAB = "NCT02552212"  # real record: posted results whose groups are treatment sequences
POOL = ("cgrp_antibody", "mmd_change", "episodic")


def recorded_studies(corpus: RecordedCorpus) -> list[dict]:
    """The real recorded (not transcribed) studies: shared ctgov/studies/, or the packaged ones, which
    are the recorded studies carrying posted results (the packaged transcriptions never do)."""
    if corpus.is_shared:
        return load_studies([corpus.root / "ctgov" / "studies"])
    return [study for study in corpus.studies() if "resultsSection" in study]


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory, corpus: RecordedCorpus):
    tmp = tmp_path_factory.mktemp("e2e_outcomes")
    recorded = recorded_studies(corpus)
    assert recorded, "no recorded study with posted results is served"
    studies = sorted([*recorded, *load_studies([TRANSCRIBED])], key=nct_id)
    with CtgovRecordedServer(studies) as server:
        cfg = write_config(tmp, ctgov_url=server.base_url)
        assert main(["--config", str(cfg), "refresh", "--source", "ctgov"]) == EXIT_OK
    settings = load_config(cfg)
    return {"config": cfg, "settings": settings, "warehouse": settings.warehouse.path, "tmp": tmp}


def pooled(warehouse: Path) -> tuple:
    rows = query(
        warehouse,
        "SELECT estimate, ci_lower, ci_upper, n_trials, n_comparisons, nct_ids, prediction_lower, method "
        "FROM class_effects WHERE treatment_class = ? AND endpoint_code = ? AND population = ?",
        *POOL,
    )
    assert len(rows) == 1
    return rows[0]


def test_pooled_cgrp_antibody_monthly_migraine_days_lie_in_the_published_ci(refreshed):
    estimate, lower, upper, n_trials, n_comparisons, nct_ids, prediction_lower, method = pooled(
        refreshed["warehouse"]
    )
    assert DENG_2020[0] <= estimate <= DENG_2020[1]
    assert (n_trials, n_comparisons, nct_ids) == (3, 5, [ARISE, EVOLVE_2, HALO_EM])
    assert lower < estimate < upper < 0 and prediction_lower < lower
    assert method.startswith("random effects: Paule-Mandel")
    members = query(
        refreshed["warehouse"],
        "SELECT count(*), round(sum(weight_random), 6) FROM class_effect_members "
        "WHERE treatment_class = ? AND endpoint_code = ? AND population = ?",
        *POOL,
    )
    assert members == [(5, 100.0)]


def test_trial_effects_keep_posted_numbers_and_say_why_when_none(refreshed):
    unexplained = query(
        refreshed["warehouse"],
        "SELECT count(*) FILTER (estimate IS NULL), "
        "count(*) FILTER (estimate IS NULL AND coalesce(not_computed_reason, '') = '') FROM trial_effects",
    )
    assert unexplained[0][0] > 0 and unexplained[0][1] == 0
    arise = query(
        refreshed["warehouse"],
        "SELECT estimate, ci_lower, ci_upper, source, posted_p_value_raw, control_type FROM trial_effects "
        "WHERE nct_id = ? AND endpoint_code = 'mmd_change'",
        ARISE,
    )
    assert arise == [(-1.0, -1.6, -0.5, "posted_analysis", "<0.001", "placebo")]


def test_a_real_record_whose_groups_are_sequences_says_why_it_has_no_effect(refreshed, corpus):
    corpus.require_shared(f"{CERTOLIZUMAB} is not among the packaged records")
    warehouse = refreshed["warehouse"]
    reasons = query(
        warehouse,
        "SELECT DISTINCT not_computed_reason FROM trial_effects WHERE nct_id = ? ORDER BY 1",
        CERTOLIZUMAB,
    )
    assert reasons and all(r[0] for r in reasons)
    assert any("treatment sequence" in r[0] for r in reasons)
    mapped = query(
        warehouse,
        "SELECT count(*) FROM trial_endpoints WHERE nct_id = ? AND outcome_source = 'results'",
        CERTOLIZUMAB,
    )
    assert mapped[0][0] > 20, "every posted outcome of the real record is mapped (most to other)"


def test_evidence_rows_and_csv_carry_the_primary_effect(refreshed):
    row = query(
        refreshed["warehouse"],
        "SELECT primary_endpoints, primary_effect_endpoint, primary_effect_estimate, "
        "primary_effect_ci_lower, primary_effect_ci_upper, primary_effect_comparison, "
        "primary_effect_control, n_primary_effects "
        "FROM evidence_trials WHERE treatment_class = 'cgrp_antibody' AND nct_id = ?",
        ARISE,
    )
    assert row == [
        (["mmd_change"], "mmd_change", -1.0, -1.6, -0.5, "Erenumab 70 mg vs Placebo", "placebo", 1)
    ]
    counts = query(
        refreshed["warehouse"],
        "SELECT sum(n_trials_with_primary_effect) FROM evidence WHERE treatment_class = 'cgrp_antibody'",
    )
    assert counts[0][0] >= 3
    with refreshed["settings"].export.csv_path.open(encoding="utf-8", newline="") as handle:
        rows = {(r["treatment_class"], r["nct_id"]): r for r in csv.DictReader(handle)}
    exported = rows[("cgrp_antibody", ARISE)]
    assert (exported["primary_effect_estimate"], exported["primary_effect_ci_lower"]) == ("-1.0", "-1.6")
    assert exported["primary_endpoints"] == "mmd_change"


def test_the_run_wrote_the_forest_plots_and_their_index(refreshed):
    folder = refreshed["settings"].storage.data_dir / "plots"
    index = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    listed = {(p["treatment_class"], p["endpoint_code"], p["population"]): p for p in index}
    assert POOL in listed and all(p["n_trials"] >= 2 for p in index)
    svg = folder / listed[POOL]["file"]
    ids = [el.get("id") for el in ET.fromstring(svg.read_bytes()).iter() if el.get("id")]
    assert sum(1 for i in ids if i.startswith("trial-row-")) == 5 and "pooled-diamond" in ids
    assert sorted(p.name for p in folder.glob("*.svg")) == sorted(p["file"] for p in index)


def test_evidence_plot_writes_one_plot_and_refuses_unknown_names(refreshed, tmp_path, capsys):
    cfg = str(refreshed["config"])
    out = tmp_path / "mmd.svg"
    args = ["--config", cfg, "plot", "--class", "cgrp_antibody", "--endpoint", "mmd_change"]
    assert main([*args, "--population", "episodic", "--out", str(out)]) == EXIT_OK
    assert out.read_bytes().startswith(b"<?xml") and b"pooled-diamond" in out.read_bytes()
    png = tmp_path / "mmd.png"
    assert main([*args, "--out", str(png)]) == EXIT_OK  # one population pooled: no need to name it
    assert png.read_bytes().startswith(b"\x89PNG")
    capsys.readouterr()
    bad = ["--config", cfg, "plot", "--class", "cgrp_antibodies", "--endpoint", "mmd_change"]
    assert main(bad) == EXIT_ERROR
    err = capsys.readouterr().err
    assert "unknown treatment class 'cgrp_antibodies'; valid: " in err and len(err.strip().splitlines()) == 1
    assert main(["--config", cfg, "plot", "--class", "cgrp_antibody", "--endpoint", "hit6"]) == EXIT_ERROR
    assert "no trial of class cgrp_antibody has an effect on hit6" in capsys.readouterr().err


def test_rebuild_derives_the_same_outcomes(refreshed):
    warehouse = refreshed["warehouse"]
    tables = ("trial_endpoints", "trial_effects", "class_effects", "class_effect_members", "endpoints")
    before = {t: query(warehouse, f"SELECT * FROM {t} ORDER BY ALL") for t in tables}
    assert main(["--config", str(refreshed["config"]), "rebuild"]) == EXIT_OK
    assert {t: query(warehouse, f"SELECT * FROM {t} ORDER BY ALL") for t in tables} == before
