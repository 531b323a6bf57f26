"""Arrow schema of the classifier's output for PubMed: the contract between classifier and warehouse.

Kept apart from pubmed_schemas (the normaliser's tables) because the classifier writes it, in its own
partition per run, after normalisation; it mirrors ctgov's TRIAL_CLASSES so both sources read alike.
"""

from __future__ import annotations

import pyarrow as pa

from pipeline.sources.ctgov.normalise.schemas import PROVENANCE

# Where in the record a term matched; child_class rows name the subclass that made the parent match.
MATCHED_FIELDS = ("title", "abstract", "mesh", "keyword", "child_class")

PUBLICATION_CLASSES = pa.schema(
    [
        pa.field("pmid", pa.string(), nullable=False),
        pa.field("treatment_class", pa.string(), nullable=False),
        pa.field("matched_field", pa.string(), nullable=False),
        pa.field("matched_term", pa.string(), nullable=False),
        pa.field("matched_text", pa.string()),
        *PROVENANCE,
    ]
)
