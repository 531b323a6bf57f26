"""normalise_page on the real recorded ClinicalTrials.gov records (the shared fixtures' ctgov/, else the
packaged demo records: a test about one record the packaged set lacks skips, naming it)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pytest

from pipeline.errors import NormaliseError
from pipeline.parquet.provenance import Provenance
from pipeline.sources.ctgov.normalise.schemas import TABLES
from pipeline.sources.ctgov.normalise.tables import build_page_tables, normalise_page
from tests.servers.corpus import RecordedCorpus

PROV = Provenance("20260101T000000Z-abcd", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "2026-01-01T09:00:00")
RESULTS_STUDIES = {"NCT00763412", "NCT02210780", "NCT02299791", "NCT02552212", "NCT05594173"}


def study_files(folder: Path) -> list[Path]:
    files = sorted(folder.glob("NCT*.json"))
    assert files, f"no records in {folder}"
    return files


class StudyTables(dict[str, dict[str, pa.Table]]):
    """Normalised tables by NCT id; a record the served set lacks skips the test on the packaged set."""

    def __init__(self, corpus: RecordedCorpus, paths: list[Path]) -> None:
        super().__init__((p.stem, normalise_file(p)) for p in paths)
        self.corpus = corpus

    def __missing__(self, nct_id: str) -> dict[str, pa.Table]:
        self.corpus.require_shared(f"{nct_id} is not among the packaged records")
        raise KeyError(nct_id)


def normalise_file(path: Path) -> dict[str, pa.Table]:
    return normalise_page(path.read_bytes(), PROV, str(path))


def rows(table: pa.Table, **where: Any) -> list[dict[str, Any]]:
    return [r for r in table.to_pylist() if all(r[k] == v for k, v in where.items())]


def page_body(studies: list[dict[str, Any]]) -> bytes:
    return orjson.dumps({"studies": studies, "nextPageToken": "abc"})


def results_folder(corpus: RecordedCorpus) -> Path:
    """The shared full records (12, five with results), else the packaged records (three with results)."""
    return corpus.root / "ctgov" / "studies" if corpus.is_shared else corpus.ctgov_folders[0]


@pytest.fixture(scope="module")
def study_tables(corpus: RecordedCorpus) -> StudyTables:
    return StudyTables(corpus, study_files(results_folder(corpus)))


def test_every_real_record_gives_every_table_with_its_exact_schema(corpus: RecordedCorpus) -> None:
    folders = list(corpus.ctgov_folders)
    if corpus.is_shared:
        folders.append(corpus.root / "ctgov" / "partial")
    for folder in folders:
        for path in study_files(folder):
            tables = normalise_file(path)
            assert set(tables) == set(TABLES)
            for name, table in tables.items():
                assert table.schema.equals(TABLES[name]), f"{path.name}: {name}"
                table.validate(full=True)
            trial = tables["trials"].to_pylist()
            assert [t["nct_id"] for t in trial] == [path.stem]


def test_provenance_is_stamped_on_every_row(study_tables: StudyTables) -> None:
    for name, table in study_tables["NCT02552212"].items():
        if table.num_rows == 0:
            continue
        assert set(table.column("run_id").to_pylist()) == {PROV.run_id}, name
        assert set(table.column("fetched_at").to_pylist()) == {PROV.fetched_at}, name
        assert set(table.column("data_timestamp").to_pylist()) == {PROV.data_timestamp}, name


def test_results_tables_are_filled_only_for_studies_with_results(
    study_tables: StudyTables,
) -> None:
    with_results = {nct for nct, t in study_tables.items() if t["result_outcomes"].num_rows}
    assert with_results == RESULTS_STUDIES & study_tables.keys()
    assert len(with_results) >= 3  # 5 shared, 3 packaged
    for nct in with_results:
        assert study_tables[nct]["trials"].column("has_results").to_pylist() == [True]


def test_trial_fields_of_a_full_record(study_tables: StudyTables) -> None:
    (trial,) = study_tables["NCT00763412"]["trials"].to_pylist()
    assert trial["overall_status"] == "COMPLETED"
    assert trial["status_group"] == "completed"
    assert trial["start_date_raw"] == "2006-11"
    assert trial["start_date"] == date(2006, 11, 1)
    assert trial["start_date_precision"] == "month"
    assert trial["start_date_type"] is None
    assert trial["first_post_date"] == date(2008, 10, 1)
    assert trial["first_post_date_precision"] == "day"
    assert trial["first_post_date_type"] == "ESTIMATED"
    assert trial["results_first_post_date_raw"] == "2017-06-05"
    assert trial["unknown_values"] == []


def test_outcome_groups_and_measurements_match_the_json(
    study_tables: StudyTables,
) -> None:
    tables = study_tables["NCT00763412"]
    (outcome,) = rows(tables["result_outcomes"], outcome_idx=0)
    assert outcome["title"] == "BMI"
    assert outcome["outcome_type"] == "PRIMARY"
    assert outcome["param_type"] == "MEAN"
    assert outcome["unit_of_measure"] == "Kg/m^2"
    groups = rows(tables["result_groups"], outcome_idx=0)
    assert [(g["group_id"], g["title"], g["denom_units"], g["denom_value"]) for g in groups] == [
        ("OG000", "1 Placebo", "Participants", 4.0),
        ("OG001", "2. Repaglinide", "Participants", 4.0),
    ]
    (placebo,) = rows(tables["result_measurements"], outcome_idx=0, group_id="OG000")
    assert (placebo["value_raw"], placebo["value"]) == ("19.63", 19.63)
    assert (placebo["lower_limit"], placebo["upper_limit"]) == (15.56, 22.64)
    assert placebo["spread_raw"] is None and placebo["spread"] is None


def test_measurement_spread_and_six_groups(study_tables: StudyTables) -> None:
    tables = study_tables["NCT05594173"]
    assert len(rows(tables["result_groups"], outcome_idx=0)) == 6
    (first,) = rows(tables["result_measurements"], outcome_idx=0, group_id="OG000")
    assert (first["value"], first["spread_raw"], first["spread"]) == (22.0, "11", 11.0)


def test_analysis_fields_match_the_json(study_tables: StudyTables) -> None:
    tables = study_tables["NCT02210780"]
    (outcome,) = rows(tables["result_outcomes"], outcome_idx=3)
    assert outcome["title"].startswith("Percentage of Participants Achieving an Investigator's Global")
    (analysis,) = rows(tables["result_analyses"], outcome_idx=3, analysis_idx=0)
    assert analysis["group_ids"] == ["OG000", "OG001"]
    assert (analysis["p_value_raw"], analysis["p_value"]) == ("<0.0001", 0.0001)
    assert analysis["statistical_method"] == "Cochran-Mantel-Haenszel"
    assert analysis["param_type"] == "Percentage Difference"
    assert (analysis["param_value_raw"], analysis["param_value"]) == ("34.0", 34.0)
    assert analysis["ci_pct_value"] == 90.0
    assert analysis["ci_num_sides"] == "TWO_SIDED"
    assert (analysis["ci_lower_limit"], analysis["ci_upper_limit"]) == (24.29, 43.75)
    assert analysis["non_inferiority_type"] == "SUPERIORITY"
    assert analysis["estimate_comment"] == "Dupilumab 300 mg qw vs. Placebo qw"
    measured = {m["group_id"]: m["value"] for m in rows(tables["result_measurements"], outcome_idx=3)}
    assert measured == {"OG000": 10.3, "OG001": 44.3}


def test_na_measurements_keep_raw_and_give_null_numbers(
    study_tables: StudyTables,
) -> None:
    tables = study_tables["NCT02552212"]
    (na,) = rows(tables["result_measurements"], outcome_idx=10, group_id="OG001")
    assert (na["value_raw"], na["value"]) == ("NA", None)
    assert (na["lower_limit_raw"], na["lower_limit"]) == ("NA", None)
    assert (na["upper_limit_raw"], na["upper_limit"]) == ("NA", None)
    assert na["comment"] == "Values were below the level of quantification."
    (measured,) = rows(tables["result_measurements"], outcome_idx=10, group_id="OG000")
    assert (measured["value"], measured["lower_limit"], measured["upper_limit"]) == (0.2, 0.1, 0.7)


def test_equals_p_value(study_tables: StudyTables) -> None:
    (analysis,) = rows(study_tables["NCT02552212"]["result_analyses"], outcome_idx=27)
    assert (analysis["p_value_raw"], analysis["p_value"]) == ("=0.247", 0.247)
    assert analysis["ci_lower_limit"] == 0.142


def test_result_row_counts_match_the_json(corpus: RecordedCorpus, study_tables: StudyTables) -> None:
    for nct in RESULTS_STUDIES & study_tables.keys():
        doc = json.loads((results_folder(corpus) / f"{nct}.json").read_text())
        measures = doc["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"]
        n_measurements = sum(
            len(cat.get("measurements", []))
            for m in measures
            for cls in m.get("classes", [])
            for cat in cls.get("categories", [])
        )
        tables = study_tables[nct]
        assert tables["result_outcomes"].num_rows == len(measures)
        assert tables["result_measurements"].num_rows == n_measurements
        assert tables["result_analyses"].num_rows == sum(len(m.get("analyses", [])) for m in measures)


def test_design_outcomes_and_references(fixtures_dir: Path, study_tables: StudyTables) -> None:
    doc = json.loads((fixtures_dir / "ctgov" / "studies" / "NCT02552212.json").read_text())
    outcomes = doc["protocolSection"]["outcomesModule"]
    design = study_tables["NCT02552212"]["design_outcomes"].to_pylist()
    assert [d["outcome_kind"] for d in design].count("primary") == len(outcomes["primaryOutcomes"])
    assert [d["outcome_kind"] for d in design].count("secondary") == len(outcomes["secondaryOutcomes"])
    assert design[0]["measure"] == outcomes["primaryOutcomes"][0]["measure"]
    refs = doc["protocolSection"]["referencesModule"]["references"]
    got = study_tables["NCT02552212"]["references"].to_pylist()
    assert [(r["pmid"], r["reference_type"], r["citation"]) for r in got] == [
        (r.get("pmid"), r.get("type"), r.get("citation")) for r in refs
    ]


def test_partial_records_normalise_with_nulls(fixtures_dir: Path) -> None:
    tables = normalise_file(fixtures_dir / "ctgov" / "partial" / "NCT00465816.json")
    (trial,) = tables["trials"].to_pylist()
    assert trial["brief_title"] == "Primary Study to Demonstrate..."
    assert trial["overall_status"] is None and trial["status_group"] == "other"
    assert trial["phase"] is None and trial["phases_raw"] is None
    assert trial["start_date"] is None and trial["enrollment"] is None
    assert trial["has_results"] is True  # hasResults says so even though resultsSection was trimmed
    assert tables["result_outcomes"].num_rows == 0
    refs = tables["references"].to_pylist()
    assert [(r["pmid"], r["reference_type"]) for r in refs] == [
        ("22107850", "BACKGROUND"),
        (None, "BACKGROUND"),
    ]

    (bare,) = normalise_file(fixtures_dir / "ctgov" / "partial" / "NCT03453554.json")["trials"].to_pylist()
    assert bare["org_study_id"] == "AZ150096" and bare["has_results"] is False


def test_migraine_records_match_the_manifest(fixtures_dir: Path) -> None:
    manifest = json.loads((fixtures_dir / "ctgov" / "migraine" / "manifest.json").read_text())
    assert len(manifest) == 35
    for entry in manifest:
        (trial,) = normalise_file(fixtures_dir / "ctgov" / "migraine" / f"{entry['nct_id']}.json")[
            "trials"
        ].to_pylist()
        expected = entry["expected"]
        assert trial["overall_status"] == expected["overall_status"], entry["nct_id"]
        assert trial["phases_raw"] == expected["phases"], entry["nct_id"]
        assert trial["enrollment"] == expected["enrollment"], entry["nct_id"]
        phases = expected["phases"]
        assert trial["phase"] == ("/".join(phases) if phases else None), entry["nct_id"]
        assert trial["unknown_values"] == [], entry["nct_id"]


def test_suspended_migraine_trial_is_ended_early(corpus: RecordedCorpus) -> None:
    page = page_body([json.loads(corpus.file("ctgov/migraine/NCT04064879.json").read_text())])
    (trial,) = normalise_page(page, PROV, "migraine page")["trials"].to_pylist()
    assert (trial["overall_status"], trial["status_group"], trial["phase"]) == (
        "SUSPENDED",
        "ended_early",
        "NA",
    )


def test_multi_study_page_keeps_every_study_in_order(corpus: RecordedCorpus) -> None:
    files = study_files(results_folder(corpus))
    studies = [json.loads(p.read_text()) for p in files]
    result = build_page_tables(page_body(studies), PROV, "page-000001.json.gz")
    assert result.n_studies == len(files)
    assert result.tables["trials"].column("nct_id").to_pylist() == [p.stem for p in files]
    singles = [normalise_file(p) for p in files]
    for name in TABLES:
        assert result.tables[name].num_rows == sum(s[name].num_rows for s in singles), name


def test_recorded_search_pages_normalise(fixtures_dir: Path) -> None:
    path = fixtures_dir / "ctgov" / "field-subset-pages" / "search_phelan_limit5_20260811.json"
    doc = json.loads(path.read_text())
    tables = normalise_file(path)
    assert tables["trials"].column("nct_id").to_pylist() == [
        s["protocolSection"]["identificationModule"]["nctId"] for s in doc["studies"]
    ]


def test_empty_page_gives_empty_tables() -> None:
    tables = normalise_page(b'{"studies": []}', PROV, "empty page")
    assert all(t.num_rows == 0 and t.schema.equals(TABLES[n]) for n, t in tables.items())


def _minimal(nct_id: str = "NCT01234567", **modules: Any) -> dict[str, Any]:
    return {"protocolSection": {"identificationModule": {"nctId": nct_id}, **modules}}


def test_unknown_enum_values_are_kept_and_reported() -> None:
    study = _minimal(
        statusModule={
            "overallStatus": "PAUSED",
            "startDateStruct": {"date": "Spring 2015", "type": "GUESSED"},
        },
        designModule={"studyType": "INTERVENTIONAL", "phases": ["PHASE5"]},
        armsInterventionsModule={"interventions": [{"type": "TELEPATHY", "name": "Thinking"}]},
    )
    result = build_page_tables(page_body([study]), PROV, "page")
    (trial,) = result.tables["trials"].to_pylist()
    assert trial["overall_status"] == "PAUSED" and trial["status_group"] == "other"
    assert trial["phases_raw"] == ["PHASE5"] and trial["phase"] is None
    assert trial["start_date_raw"] == "Spring 2015"
    assert trial["start_date"] is None and trial["start_date_precision"] is None
    assert sorted(trial["unknown_values"]) == sorted(
        ["overallStatus=PAUSED", "phases=PHASE5", "interventions.type=TELEPATHY", "dateStruct.type=GUESSED"]
    )
    assert result.tables["interventions"].column("intervention_type").to_pylist() == ["TELEPATHY"]
    assert result.unknown_values["overallStatus=PAUSED"] == 1
    assert dict(result.unparseable_dates) == {"start_date=Spring 2015": 1}


def test_malformed_json_names_the_source() -> None:
    with pytest.raises(NormaliseError, match=r"raw/ctgov/run/page-000007\.json\.gz: not valid JSON"):
        normalise_page(b'{"studies": [', PROV, "raw/ctgov/run/page-000007.json.gz")


def test_unexpected_document_shape_is_refused() -> None:
    with pytest.raises(NormaliseError, match=r"neither a ClinicalTrials\.gov studies page"):
        normalise_page(b'{"totalCount": 3}', PROV, "page-1")


def test_study_without_nct_id_names_the_page() -> None:
    body = page_body([_minimal(), {"protocolSection": {"identificationModule": {"briefTitle": "x"}}}])
    with pytest.raises(NormaliseError, match=r"page-000002\.json\.gz: study #2 has no nctId"):
        normalise_page(body, PROV, "page-000002.json.gz")


def test_malformed_module_names_the_study() -> None:
    body = page_body([_minimal(designModule={"phases": "PHASE3"})])
    with pytest.raises(NormaliseError, match=r"study #1 \(NCT01234567\) is malformed: phases is not a list"):
        normalise_page(body, PROV, "page-1")
    body = page_body([_minimal(statusModule=["COMPLETED"])])
    with pytest.raises(NormaliseError, match=r"NCT01234567\) is malformed"):
        normalise_page(body, PROV, "page-1")


def test_wrong_value_type_names_the_column() -> None:
    body = page_body([_minimal(descriptionModule={"briefSummary": 42})])
    with pytest.raises(
        NormaliseError, match=r"page-1: trials\.brief_summary holds a value of the wrong type"
    ):
        normalise_page(body, PROV, "page-1")


def test_measurement_without_group_id_is_an_error() -> None:
    results = {
        "outcomeMeasuresModule": {
            "outcomeMeasures": [{"classes": [{"categories": [{"measurements": [{"value": "1"}]}]}]}]
        }
    }
    body = page_body([{**_minimal(), "resultsSection": results}])
    with pytest.raises(NormaliseError, match="measurement groupId is missing"):
        normalise_page(body, PROV, "page-1")


def test_denominators_for_several_units_and_unlisted_groups_are_kept() -> None:
    measure = {
        "groups": [{"id": "OG000", "title": "A"}, {"id": "OG001", "title": "B"}],
        "denoms": [
            {"units": "Participants", "counts": [{"groupId": "OG000", "value": "10"}]},
            {
                "units": "Eyes",
                "counts": [{"groupId": "OG000", "value": "20"}, {"groupId": "OG009", "value": "NA"}],
            },
        ],
    }
    study = {**_minimal(), "resultsSection": {"outcomeMeasuresModule": {"outcomeMeasures": [measure]}}}
    groups = normalise_page(page_body([study]), PROV, "p")["result_groups"].to_pylist()
    assert [
        (g["group_id"], g["title"], g["denom_units"], g["denom_value_raw"], g["denom_value"]) for g in groups
    ] == [
        ("OG000", "A", "Participants", "10", 10.0),
        ("OG000", "A", "Eyes", "20", 20.0),
        ("OG001", "B", None, None, None),
        ("OG009", None, "Eyes", "NA", None),
    ]
