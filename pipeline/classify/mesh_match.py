"""Classes named by the MeSH terms the registry derived for a trial's interventions.

A class's free-text terms are matched in the descriptors the interventions map to ("Botulinum Toxins,
Type A" holds "botulinum"), never in their ancestors: an ancestor is a category ("Calcitonin
Gene-Related Peptide", "Tryptamines") that may gather what the class is not. A category counts only
where a class lists it by exact name (``mesh_terms``) or unique id (``mesh_ids``), which are matched in
descriptors and ancestors alike. Each MeSH row gives a class at most one match: by id, else by name,
else by term.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

from pipeline.classify.one_pass import TextHit
from pipeline.config import TreatmentClass

MESH, ANCESTOR = "mesh", "ancestor"  # intervention_mesh.mesh_kind
MESH_FIELDS = {MESH: "mesh.descriptor", ANCESTOR: "mesh.ancestor"}


class MeshRow(NamedTuple):
    kind: str  # mesh or ancestor
    mesh_id: str | None
    term: str | None


class MeshHit(NamedTuple):
    """A class named by one MeSH row, before the trial's rules (controls, types, provocation)."""

    name: str  # the class
    field: str  # mesh.descriptor or mesh.ancestor
    term: str  # the configured term, descriptor name or id
    text: str  # the row as an analyst reads it: "Botulinum Toxins, Type A [D000019274]"
    span: str  # the words that matched (a whole descriptor for names and ids)


def canonical_mesh_id(mesh_id: str) -> str:
    """ "D000019274" and "D019274" are one id: the registry pads some ids to nine digits."""
    digits = mesh_id[1:]
    return mesh_id[0].upper() + str(int(digits)) if digits.isdigit() else mesh_id.upper()


class MeshMatcher:
    """Compiled once from the classes; stateless afterwards."""

    def __init__(self, classes: Mapping[str, TreatmentClass]) -> None:
        self._by_name: dict[str, list[tuple[str, str]]] = {}
        self._by_id: dict[str, list[tuple[str, str]]] = {}
        for name, tc in classes.items():
            for term in tc.mesh_terms:
                self._by_name.setdefault(term.casefold(), []).append((name, term))
            for mesh_id in tc.mesh_ids:
                self._by_id.setdefault(canonical_mesh_id(mesh_id), []).append((name, mesh_id))

    def find(
        self, rows: Sequence[MeshRow], find_terms: Callable[[Sequence[str]], list[TextHit]]
    ) -> list[list[MeshHit]]:
        """The hits of each row, in row order. Class terms are searched once per distinct descriptor
        (``find_terms``: the classifier's one-pass search), as registries repeat the same few."""
        distinct = list(dict.fromkeys(row.term for row in rows if row.term and row.kind == MESH))
        term_hits: dict[str, list[TextHit]] = {}
        for hit in find_terms(distinct):
            term_hits.setdefault(distinct[hit.text_index], []).append(hit)
        known: dict[MeshRow, list[MeshHit]] = {}  # the same rows recur across trials
        found = []
        for row in rows:
            hits = known.get(row)
            if hits is None:
                own = term_hits.get(row.term or "", []) if row.kind == MESH else []
                hits = known[row] = self._row_hits(row, own)
            found.append(hits)
        return found

    def _row_hits(self, row: MeshRow, term_hits: list[TextHit]) -> list[MeshHit]:
        field = MESH_FIELDS.get(row.kind)
        if field is None or not row.term:
            return []
        text = f"{row.term} [{row.mesh_id}]" if row.mesh_id else row.term
        found: dict[str, MeshHit] = {}
        for name, mesh_id in self._by_id.get(canonical_mesh_id(row.mesh_id), []) if row.mesh_id else []:
            found.setdefault(name, MeshHit(name, field, mesh_id, text, row.term))
        for name, term in self._by_name.get(row.term.casefold(), []):
            found.setdefault(name, MeshHit(name, field, term, text, row.term))
        for hit in term_hits:
            found.setdefault(
                hit.name, MeshHit(hit.name, field, hit.term, text, row.term[hit.start : hit.end])
            )
        return list(found.values())
