"""Shared pieces of the ClinicalTrials.gov golden tests: normalising one recorded study, date columns."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pyarrow as pa

from pipeline.parquet.provenance import Provenance
from pipeline.sources.ctgov.normalise.tables import normalise_page
from tests.servers.corpus import RecordedCorpus

PROV = Provenance("20260101T000000Z-abcd", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "2026-01-01T09:00:00")
NO_DATE = (None, None, None, None)


def recorded_study(corpus: RecordedCorpus, name: str) -> dict[str, pa.Table]:
    """``name`` is ``folder/NCT...`` under the shared fixtures' ctgov/ (or its packaged copy)."""
    path = corpus.file(f"ctgov/{name}.json")
    return normalise_page(path.read_bytes(), PROV, str(path))


def date_columns(
    prefix: str, raw: str | None, parsed: date | None, precision: str | None, kind: str | None
) -> dict[str, Any]:
    return {
        f"{prefix}_raw": raw,
        prefix: parsed,
        f"{prefix}_precision": precision,
        f"{prefix}_type": kind,
    }
