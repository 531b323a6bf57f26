"""The PubMed query the pipeline runs when the config does not give one.

It is derived from the treatment classes, so adding a term to a class widens both the trial
classification and the literature search at once.
"""

from __future__ import annotations

import re

from pipeline.config import Settings

# PubMed reads an unquoted multi-word or hyphenated term as separate words (or maps it via its
# automatic term mapping); quoting keeps it a phrase in title/abstract.
PLAIN_TERM = re.compile(r"^[A-Za-z0-9]+\*?$")


def tiab(term: str) -> str:
    cleaned = " ".join(term.replace('"', " ").split())
    return f"{cleaned}[tiab]" if PLAIN_TERM.match(cleaned) else f'"{cleaned}"[tiab]'


def default_query(settings: Settings) -> str:
    """``migraine[MeSH Terms] AND (<every class term>[tiab] OR ...)``, each term once."""
    seen: set[str] = set()
    parts: list[str] = []
    for treatment_class in settings.treatment_classes.values():
        for term in treatment_class.terms:
            key = " ".join(term.replace('"', " ").split()).lower()
            if key and key not in seen:
                seen.add(key)
                parts.append(tiab(term))
    return f"migraine[MeSH Terms] AND ({' OR '.join(parts)})"


def query_for(settings: Settings) -> str:
    """The configured query wins; otherwise the one built from the treatment classes."""
    configured = settings.sources.pubmed.query
    return configured if configured and configured.strip() else default_query(settings)
