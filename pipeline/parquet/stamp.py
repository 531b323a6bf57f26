"""Which configuration a derived partition was made with, kept in its Parquet file's schema metadata.

A derived table (pipeline.sources.spec.Derivation) depends on part of the config as well as on the
normalised tables; the digest of that config travels inside the file, so recovery and the build can tell
a partition made with today's config from one made with an earlier one without any side file to lose.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

STAMP_KEY = b"pipeline.config_digest"


def stamped(schema: pa.Schema, digest: str) -> pa.Schema:
    """``schema`` carrying ``digest`` in its metadata (a table of the plain schema still writes to it)."""
    return schema.with_metadata({**(schema.metadata or {}), STAMP_KEY: digest.encode()})


def read_stamp(path: Path) -> str | None:
    """The digest a partition file was stamped with; None when it has none or cannot be read."""
    try:
        metadata = pq.read_schema(path).metadata or {}
    except (OSError, pa.ArrowException):
        return None
    value = metadata.get(STAMP_KEY)
    return value.decode() if value is not None else None
