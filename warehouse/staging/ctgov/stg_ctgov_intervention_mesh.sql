-- grain: trial version x MeSH term derived for its interventions (descriptor or ancestor)
-- key: nct_id, run_id, mesh_kind, mesh_idx
-- incremental: before splice (an incremental build registers only the new runs' partitions)

CREATE TEMP VIEW stg_ctgov_intervention_mesh AS
SELECT nct_id, mesh_kind, mesh_idx, mesh_id, term, run_id
FROM src_ctgov_intervention_mesh;
