-- grain: treatment class configured for this build, in config order
-- key: treatment_class
-- incremental: keep (derived from the config only, which the build fingerprint covers)

CREATE TABLE treatment_classes AS
SELECT treatment_class, label, parent, terms, intervention_types, mesh_terms, mesh_ids, min_match_strength,
       sort_order
FROM stg_config_treatment_classes
ORDER BY sort_order;

COMMENT ON TABLE treatment_classes IS 'Treatment classes configured for this build (config treatment_classes), in config order.';
COMMENT ON COLUMN treatment_classes.treatment_class IS 'Class name (lower_snake_case); the key.';
COMMENT ON COLUMN treatment_classes.label IS 'Human-readable class name.';
COMMENT ON COLUMN treatment_classes.parent IS 'Parent class, if any: trials of this class also count for the parent in evidence tables.';
COMMENT ON COLUMN treatment_classes.terms IS 'Terms that mark an intervention or arm as this class, a list.';
COMMENT ON COLUMN treatment_classes.intervention_types IS 'Intervention types the terms apply to; NULL for any.';
COMMENT ON COLUMN treatment_classes.mesh_terms IS 'MeSH descriptor names that mark the class where the registry derives them for a trial''s interventions, as a descriptor or an ancestor (trial_intervention_mesh), a list.';
COMMENT ON COLUMN treatment_classes.mesh_ids IS 'MeSH unique ids that do the same, a list.';
COMMENT ON COLUMN treatment_classes.min_match_strength IS 'Weakest trial_classes.match_strength that puts a trial in this class in the evidence tables (config classifier.min_match_strength, or the class''s own).';
COMMENT ON COLUMN treatment_classes.sort_order IS 'Position in the config (0-based), for display order.';
