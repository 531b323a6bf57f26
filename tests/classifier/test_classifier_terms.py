"""Term matching: spelling variants of codes, word boundaries, plurals, snippets."""

from __future__ import annotations

import pytest

from pipeline.classify.terms import TermSet, snippet


@pytest.mark.parametrize(
    ("term", "text"),
    [
        ("AMG 334", "AMG 334"),
        ("AMG 334", "AMG-334"),
        ("AMG 334", "amg334"),
        ("AMG 334", "AMG\u2011334 70 mg"),  # non-breaking hyphen, as pasted from PDFs
        ("AMG334", "AMG 334"),  # a code written without a space still matches the spaced form
        ("TEV-48125", "TEV 48125"),
        ("TEV-48125", "TEV48125"),
        ("Lu AG09222", "Lu-AG09222"),
        ("Lu AG09222", "LuAG09222 infusion"),
        ("LY2951742", "LY-2951742"),
        ("BMS-927711", "BMS927711"),
        ("ALD403", "ALD-403"),
        ("MK-1602", "(MK 1602)"),
        ("gammaCore", "GAMMACORE®"),
        ("non-invasive vagus nerve stimulation", "Noninvasive vagus nerve stimulation"),
        ("stem cell", "Stem Cells"),
        ("gene therapy", "gene therapies"),
        ("eptinezumab", "Eptinezumab-jjmr"),
    ],
)
def test_variants_match(term, text):
    assert TermSet([term]).search(text)


@pytest.mark.parametrize(
    ("term", "text"),
    [
        ("gene therapy", "calcitonin gene-related peptide therapy"),
        ("TMS", "sTMS"),  # a letter glued on is another word
        ("ALD403", "ALD4031"),
        ("LY2951742", "LY29517420"),
        ("AMG 334", "AMG 3345"),
        ("SVF", "SVFR"),
        ("diet", "dietician"),
        ("BIBN 4096", "BIBN4096BS"),  # hence the config lists both forms
    ],
)
def test_non_words_do_not_match(term, text):
    assert not TermSet([term]).search(text)


def test_the_longest_term_is_recorded():
    terms = TermSet(["vagus nerve stimulation", "non-invasive vagus nerve stimulation"])
    [hit] = terms.finditer("a non-invasive vagus nerve stimulation device")
    assert hit.term == "non-invasive vagus nerve stimulation"


def test_every_occurrence_is_found_with_its_position():
    text = "rimegepant (BHV-3000) then rimegepant again"
    hits = TermSet(["rimegepant", "BHV-3000"]).finditer(text)
    assert [(h.term, text[h.start : h.end]) for h in hits] == [
        ("rimegepant", "rimegepant"),
        ("BHV-3000", "BHV-3000"),
        ("rimegepant", "rimegepant"),
    ]


def test_spellings_that_compile_alike_keep_the_first():
    assert TermSet(["AMG 334", "AMG-334", "amg334"]).terms == ["AMG 334"]


def test_a_term_without_letters_or_digits_is_refused():
    with pytest.raises(ValueError, match="no letters or digits"):
        TermSet(["--"])


def test_regex_metacharacters_in_terms_are_literal():
    assert TermSet(["5-HT1F (agonist)"]).search("a 5-HT1F agonist")
    assert not TermSet(["a.b"]).search("axb")


def test_short_text_is_kept_whole_and_long_text_is_cut_at_spaces():
    assert snippet("Placebo  matching\nerenumab", 17, 25) == "Placebo matching erenumab"
    long_text = "word " * 30 + "erenumab 70 mg" + " tail" * 30
    start = long_text.index("erenumab")
    cut = snippet(long_text, start, start + 8)
    assert cut.startswith("…") and cut.endswith("…")
    assert "erenumab 70 mg" in cut
    assert len(cut) < 110
    assert "wor…" not in cut and "…ord" not in cut  # never cuts inside a word
