"""What one ClinicalTrials.gov run asks the registry for: the search, its mode and the drift slice."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# NCT ids per drift request. Each id costs 14 URL characters (11 + an encoded comma), so 300 ids keep the
# GET URL near 4.3 KB, well under the 8 KB many servers and proxies accept, while a 50,000-trial drift
# slice (1,667 ids) takes 6 requests instead of 17: at the live API's 1 request/s that is 11 s a night.
DRIFT_IDS_PER_REQUEST = 300


@dataclass(frozen=True)
class CtgovRequest:
    """The run's question, apart from how it is asked (client) and where answers go (raw run)."""

    extra_params: Mapping[str, Any] | None = None  # added to the condition search (the incremental filter)
    mode: str = "full"  # recorded: only a full run's absences mean a study left the registry's answer
    drift_ids: Sequence[str] = ()  # re-read by NCT id after the main query (``drift.fetch_drift``)
    drift_ids_per_request: int = DRIFT_IDS_PER_REQUEST


FULL_PULL = CtgovRequest()  # every study of the condition, no drift slice
