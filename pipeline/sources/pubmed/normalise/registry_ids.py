"""Trial registry ids of a PubMed record: the link between a publication and the trials it reports.

NLM indexes registry numbers in DataBankList, but only for indexed records and often months late, so
we also scan the title and abstract for ClinicalTrials.gov ids. The scan accepts "NCT01234567",
"nct01234567" and one space or no-break space after the prefix ("NCT 01234567", a common typing), and
requires exactly eight digits not glued to other letters or digits: "NCT012345678" or "XNCT01234567"
are not ids. Other registries' ids are not scanned for in text: their formats are too loose to match
without false hits.
"""

from __future__ import annotations

import re

CLINICALTRIALS_GOV = "ClinicalTrials.gov"

# DataBankName values NLM uses for clinical trial registries. DataBankList also holds sequence and data
# repositories (GENBANK, PDB, Dryad...): those rows are kept but flagged is_trial_registry = false.
TRIAL_REGISTRIES = frozenset(
    {
        "ANZCTR",
        "ChiCTR",
        "ClinicalTrials.gov",
        "CRiS",
        "CTRI",
        "DRKS",
        "EudraCT",
        "IRCT",
        "ISRCTN",
        "JapicCTI",
        "JMACCT",
        "JPRN",
        "NTR",
        "PACTR",
        "ReBec",
        "REPEC",
        "RPCEC",
        "SLCTR",
        "TCTR",
        "UMIN CTR",
    }
)

_NCT_IN_TEXT = re.compile(r"(?<![A-Za-z0-9])NCT[ \u00a0]?(\d{8})(?![0-9A-Za-z])", re.IGNORECASE)
_NCT_ACCESSION = re.compile(r"^\s*NCT[ \u00a0]?(\d{8})\s*$", re.IGNORECASE)


def nct_ids_in_text(text: str | None) -> list[str]:
    """NCT ids mentioned in free text, upper-cased and in order of first mention, each once."""
    if not text or "nct" not in text.lower():
        return []
    return list(dict.fromkeys(f"NCT{digits}" for digits in _NCT_IN_TEXT.findall(text)))


def normalise_accession(registry: str, accession: str) -> str:
    """NCT ids in one canonical form so they join with the registry's nct_id; others are only trimmed."""
    accession = " ".join(accession.split())
    if registry == CLINICALTRIALS_GOV:
        match = _NCT_ACCESSION.match(accession)
        if match:
            return f"NCT{match.group(1)}"
    return accession
