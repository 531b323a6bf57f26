"""Rows from a study's derivedSection: the MeSH terms the registry derived for its interventions.

The registry maps every intervention to MeSH itself (NLM's vocabulary), so a record whose interventions
are named generically or not at all can still carry "Botulinum Toxins, Type A" there; the classifier
reads these rows (pipeline/classify/mesh_match.py).
"""

from __future__ import annotations

from typing import Any

from pipeline.sources.ctgov.normalise.rows import EMPTY, MalformedStudy, PageRows

# interventionBrowseModule key -> mesh_kind, in the order rows are written.
MESH_LISTS = (("meshes", "mesh"), ("ancestors", "ancestor"))


def add_intervention_mesh(study: dict[str, Any], nct_id: str, rows: PageRows) -> None:
    derived = study.get("derivedSection") or EMPTY
    module = derived.get("interventionBrowseModule") or EMPTY
    column = rows.tables["intervention_mesh"].columns
    for key, kind in MESH_LISTS:
        entries = module.get(key)
        if entries is None:
            continue
        if not isinstance(entries, list):
            raise MalformedStudy(f"interventionBrowseModule.{key} is not a list")
        for idx, entry in enumerate(entries):
            if not isinstance(entry, dict):
                raise MalformedStudy(f"interventionBrowseModule.{key}[{idx}] is not an object")
            column["nct_id"].append(nct_id)
            column["mesh_kind"].append(kind)
            column["mesh_idx"].append(idx)
            column["mesh_id"].append(entry.get("id"))
            column["term"].append(entry.get("term"))
