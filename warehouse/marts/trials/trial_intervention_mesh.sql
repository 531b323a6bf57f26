-- grain: trial x MeSH term the registry derived for its interventions, descriptors then ancestors
-- key: nct_id, mesh_kind, mesh_idx
-- incremental: patch by nct_id
-- allowed: mesh_kind in (mesh, ancestor)

CREATE TABLE trial_intervention_mesh AS
SELECT x.nct_id, x.mesh_kind, x.mesh_idx, x.mesh_id, x.term
FROM stg_ctgov_intervention_mesh AS x
JOIN int_ctgov_current_runs AS c USING (nct_id, run_id)
ORDER BY x.nct_id, x.mesh_kind DESC, x.mesh_idx;

COMMENT ON TABLE trial_intervention_mesh IS 'MeSH terms ClinicalTrials.gov derived for each trial''s interventions (derivedSection.interventionBrowseModule), one row per trial x term; the classifier reads them (trial_classes.match_strength mesh).';
COMMENT ON COLUMN trial_intervention_mesh.nct_id IS 'Trial (trials.nct_id).';
COMMENT ON COLUMN trial_intervention_mesh.mesh_kind IS 'mesh: a descriptor (or supplementary concept) an intervention maps to; ancestor: a broader descriptor above one.';
COMMENT ON COLUMN trial_intervention_mesh.mesh_idx IS 'Position in the registry''s list of that kind (0-based).';
COMMENT ON COLUMN trial_intervention_mesh.mesh_id IS 'MeSH unique id as the registry gives it (D... descriptor, C... supplementary concept; sometimes padded to nine digits).';
COMMENT ON COLUMN trial_intervention_mesh.term IS 'MeSH name, e.g. Botulinum Toxins, Type A.';
