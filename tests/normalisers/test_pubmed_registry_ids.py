"""NCT ids in free text and in DataBankList accessions, in the form ClinicalTrials.gov uses."""

from __future__ import annotations

import pytest

from pipeline.sources.pubmed.normalise.registry_ids import nct_ids_in_text, normalise_accession


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ClinicalTrials.gov number, NCT01245062.", ["NCT01245062"]),
        ("(NCT 02210780)", ["NCT02210780"]),
        ("registered as nct02299791;", ["NCT02299791"]),
        ("NCT\u00a002552212", ["NCT02552212"]),
        ("NCT01245062 and NCT05594173, then NCT01245062 again", ["NCT01245062", "NCT05594173"]),
        ("(NCT02210780/NCT02299791)", ["NCT02210780", "NCT02299791"]),
        ("NCT012450621 has nine digits", []),
        ("NCT0124506 has seven digits", []),
        ("XNCT01245062 is glued to a letter", []),
        ("NCT01245062a is glued to a letter", []),
        ("NCT  01245062 has two spaces", []),
        ("PROSPERO CRD42020178649; ISRCTN12345678", []),
        ("", []),
        (None, []),
    ],
)
def test_nct_ids_in_text(text: str | None, expected: list[str]) -> None:
    assert nct_ids_in_text(text) == expected


def test_clinicaltrials_gov_accessions_are_canonical() -> None:
    assert normalise_accession("ClinicalTrials.gov", " nct01245062 ") == "NCT01245062"
    assert normalise_accession("ClinicalTrials.gov", "NCT 01245062") == "NCT01245062"


def test_other_accessions_are_only_trimmed() -> None:
    assert normalise_accession("ISRCTN", " ISRCTN12345678 ") == "ISRCTN12345678"
    assert normalise_accession("EudraCT", "2010-020000-01") == "2010-020000-01"
    # Not an NCT id: left as NLM wrote it rather than guessed at.
    assert normalise_accession("ClinicalTrials.gov", "NCT0124506") == "NCT0124506"
