"""The default PubMed query built from the configured treatment classes."""

from __future__ import annotations

from pipeline.config import PubmedSettings, Settings, SourcesSettings, TreatmentClass
from pipeline.sources.pubmed.query import default_query, query_for


def _settings(query: str | None = None) -> Settings:
    return Settings(
        treatment_classes={
            "cgrp_mab": TreatmentClass(
                label="CGRP antibodies", terms=["erenumab", "AMG 334", "CGRP-targeted"]
            ),
            "gepant": TreatmentClass(label="Gepants", terms=["gepant*", "Erenumab", 'say "no"']),
        },
        sources=SourcesSettings(pubmed=PubmedSettings(query=query)),
    )


def test_default_query_quotes_phrases_and_keeps_each_term_once() -> None:
    assert default_query(_settings()) == (
        'migraine[MeSH Terms] AND (erenumab[tiab] OR "AMG 334"[tiab] OR "CGRP-targeted"[tiab] '
        'OR gepant*[tiab] OR "say no"[tiab])'
    )


def test_configured_query_wins_over_the_default() -> None:
    assert query_for(_settings("migraine[ti]")) == "migraine[ti]"
    assert query_for(_settings("   ")) == default_query(_settings())
    assert query_for(_settings()) == default_query(_settings())
