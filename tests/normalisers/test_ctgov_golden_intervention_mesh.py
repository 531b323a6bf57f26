"""Golden whole rows of intervention_mesh (derivedSection.interventionBrowseModule) from real records.

Every expected value was read off the study's JSON by hand: certolizumab (NCT02552212, one descriptor
and six ancestors, 10-character ids), repaglinide (NCT00763412, a supplementary concept), dupilumab
(NCT02210780, browseLeaves and browseBranches only: no rows) and the oncology record (NCT04267848,
older 7-character ids, no browseLeaves).
"""

from __future__ import annotations

import orjson
import pytest

from pipeline.errors import NormaliseError
from pipeline.sources.ctgov.normalise.tables import normalise_page
from tests.normalisers.golden import assert_provenance, data_rows
from tests.normalisers.golden_ctgov import PROV, recorded_study
from tests.servers.corpus import RecordedCorpus


def rows(nct_id: str, kind: str, entries: list[tuple[str, str]]) -> list[dict]:
    return [
        {"nct_id": nct_id, "mesh_kind": kind, "mesh_idx": idx, "mesh_id": mesh_id, "term": term}
        for idx, (mesh_id, term) in enumerate(entries)
    ]


def test_certolizumab_descriptor_and_ancestors(corpus: RecordedCorpus) -> None:
    tables = recorded_study(corpus, "studies/NCT02552212")
    assert data_rows(tables["intervention_mesh"]) == [
        *rows("NCT02552212", "mesh", [("D000068582", "Certolizumab Pegol")]),
        *rows(
            "NCT02552212",
            "ancestor",
            [
                ("D000079424", "Tumor Necrosis Factor Inhibitors"),
                ("D000000893", "Anti-Inflammatory Agents"),
                ("D000007166", "Immunosuppressive Agents"),
                ("D000007155", "Immunologic Factors"),
                ("D000045505", "Physiological Effects of Drugs"),
                ("D000018501", "Antirheumatic Agents"),
            ],
        ),
    ]
    assert_provenance(tables, PROV)


def test_repaglinide_supplementary_concept(corpus: RecordedCorpus) -> None:
    tables = recorded_study(corpus, "studies/NCT00763412")
    assert data_rows(tables["intervention_mesh"]) == [
        *rows("NCT00763412", "mesh", [("C000072379", "Repaglinide")]),
        *rows(
            "NCT00763412",
            "ancestor",
            [("D000007004", "Hypoglycemic Agents"), ("D000045505", "Physiological Effects of Drugs")],
        ),
    ]


def test_browse_leaves_and_branches_alone_give_no_rows(corpus: RecordedCorpus) -> None:
    assert recorded_study(corpus, "studies/NCT02210780")["intervention_mesh"].num_rows == 0


def test_oncology_record_keeps_the_registrys_short_ids(corpus: RecordedCorpus) -> None:
    mesh = data_rows(recorded_study(corpus, "studies/NCT04267848")["intervention_mesh"])
    descriptors = [r for r in mesh if r["mesh_kind"] == "mesh"]
    assert [(r["mesh_idx"], r["mesh_id"], r["term"]) for r in descriptors[:3]] == [
        (0, "D013048", "Specimen Handling"),
        (1, "D016190", "Carboplatin"),
        (2, "D002945", "Cisplatin"),
    ]
    assert len(descriptors) == 12
    assert [r["mesh_idx"] for r in mesh if r["mesh_kind"] == "ancestor"] == list(range(len(mesh) - 12))


def test_records_without_the_module_give_no_rows(corpus: RecordedCorpus) -> None:
    for name in ("migraine/NCT02483585", "partial/NCT00465816", "studies/NCT00973089"):
        assert recorded_study(corpus, name)["intervention_mesh"].num_rows == 0, name


def test_a_malformed_module_fails_the_page_naming_the_study() -> None:
    study = {
        "protocolSection": {"identificationModule": {"nctId": "NCT99000099"}},
        "derivedSection": {"interventionBrowseModule": {"meshes": {"id": "D1", "term": "x"}}},
    }
    with pytest.raises(NormaliseError, match=r"NCT99000099.*interventionBrowseModule\.meshes is not a list"):
        normalise_page(orjson.dumps({"studies": [study]}), PROV, "page")
