"""The taxonomy's batched matching (one-pass matcher, opening term sets first, candidate rules, the
population prefilter) gives exactly what matching each text alone with each rule's own regexes gives:
the reference below is the plain reading of the config, kept deliberately naive."""

from __future__ import annotations

import json
import random
import re

import pyarrow as pa
from outcome_support import settings, taxonomy, transcribed_files

from pipeline.classify.terms import TermSet
from pipeline.config import OTHER_ENDPOINT
from pipeline.outcomes.taxonomy import blank_symbols
from pipeline.outcomes.time_windows import stated_hours

TRICKY = [
    "Pain Freedom at 2 Hours Post-dose",
    "Pain free at 1 hour (2-hour window)",
    "Change from Baseline in Mean Monthly Migraine Days (MMD) ≥50% [Weeks 9\u201312]",
    "Percentage of Participants With ≥50% Reduction in MMD",
    "Sustained pain freedom from 2 to 24 hours",
    "Most Bothersome Symptom (MBS) freedom",
    "Number of Participants With Treatment-Emergent Adverse Events (TEAEs)",
    "Epi\u017fodic migraine days: change",  # a long s: case-insensitive matching reads it as "s"
    "HIT-6 total score",
    "MIDAS",
    "Primary Outcome",
    "",
    "Efficacy",
]


def reference_classify(title, description, time_frame):
    """What one outcome maps to, rule by rule with each group's own TermSet (no batching at all)."""
    endpoints = settings().endpoints
    rejected = []
    fields = [("title", title)]
    if taxonomy().reads_description(title):
        fields.append(("description", description))
    for field, text in fields:
        if not text:
            continue
        blanked = blank_symbols(text)
        for code, endpoint in endpoints.definitions.items():
            for rule in endpoint.rules:
                found = [TermSet(group).finditer(blanked) for group in rule.all_of]
                if not all(found) or (rule.none_of and TermSet(rule.none_of).finditer(blanked)):
                    continue
                if endpoint.at_hours is not None:
                    hours = stated_hours(text) | stated_hours(time_frame or "")
                    if hours and endpoint.at_hours not in hours:
                        rejected.append(code)
                        continue
                return code, field, [f[0].term for f in found]
    return OTHER_ENDPOINT, None, None


def reference_population(text):
    endpoints = settings().endpoints
    named = {
        name
        for name, terms in endpoints.populations.items()
        if text and TermSet(terms).finditer(blank_symbols(text))
    }
    return "mixed" if len(named) > 1 else (named.pop() if named else None)


def outcome_texts():
    texts = [(t, "Participants free of pain at 2 hours", "2 hours") for t in TRICKY]
    for path in transcribed_files():
        doc = json.loads(path.read_text(encoding="utf-8"))
        for measure in doc["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"]:
            texts.append((measure.get("title"), measure.get("description"), measure.get("timeFrame")))
    return texts


def test_batched_endpoint_matching_equals_rule_by_rule(ctgov_fixture_studies):
    outcomes = outcome_texts()
    for study in ctgov_fixture_studies:  # the served registry records: shared, else packaged
        module = study["protocolSection"].get("outcomesModule", {})
        for key in ("primaryOutcomes", "secondaryOutcomes", "otherOutcomes"):
            outcomes += [
                (o.get("measure"), o.get("description"), o.get("timeFrame")) for o in module.get(key, [])
            ]
    got = taxonomy().classify_many(outcomes)
    want = [reference_classify(*o) for o in outcomes]
    assert [(m.code, m.field, m.terms) for m in got] == want
    assert len({m.code for m in got}) >= 8  # the texts exercise many endpoints, not only "other"


def test_batched_populations_equal_text_by_text():
    texts = [*TRICKY, "Chronic Migraine", "CHRONIC MIGRAINES", "episodic migraine | chronic migraine", None]
    texts += ["Prevention of High Frequency Episodic Migraine", "Epi\u017fodic Migraine", "Cluster headache"]
    texts += ["Adults with episodic or chronic migraine", "Chronic and/or Episodic Migraines"]
    assert taxonomy().population_many(texts) == [reference_population(t) for t in texts]
    assert taxonomy().population_many(texts).count(None) < len(texts) - 4


def test_bare_titles_counted_in_arrow_equal_title_by_title():
    titles = [*TRICKY, None, "Nº de crises", "Día 1 a 28", "HIT_6 abc", "déjà vu migraine days", "a b c d e"]
    titles += [
        "Pain 2h",
        "Ab Cd Ef",
        "One two three",
        "One two three four",
        "Qualité de vie",
        "Efficacy 2",
        "Día über Éxito Ñoño",
    ]
    for path in transcribed_files():
        module = json.loads(path.read_text(encoding="utf-8"))["protocolSection"].get("outcomesModule", {})
        titles += [
            o.get("measure") for key in ("primaryOutcomes", "secondaryOutcomes") for o in module.get(key, [])
        ]
    got = taxonomy().reads_description_many(pa.array(titles, pa.string())).to_pylist()
    assert got == [taxonomy().reads_description(t) for t in titles]
    assert 3 < got.count(True) < len(titles) - 10


def test_blank_symbols_replaces_each_symbol_one_for_one():
    """Symbol by symbol with str.replace, as one regex substitution would: same text, same length."""
    symbols = "%≥≤<>=()[]{},;:'\"*+~"
    rng = random.Random(11)
    alphabet = [*symbols, "a", "Z", "9", " ", "-", "/", "\x00", "é", "\u017f", "≠", "\u2013", "."]
    texts = ["", "≥50% (MMD)", *("".join(rng.choices(alphabet, k=rng.randint(1, 60))) for _ in range(500))]
    regex = re.compile("[" + re.escape(symbols) + "]")
    assert [blank_symbols(t) for t in texts] == [regex.sub(" ", t) for t in texts]
