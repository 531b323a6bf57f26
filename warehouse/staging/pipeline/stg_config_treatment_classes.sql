-- grain: configured treatment class (config.yaml treatment_classes, in config order)
-- key: treatment_class
-- incremental: complete (the whole config; the build fingerprint covers it)

CREATE TEMP VIEW stg_config_treatment_classes AS
SELECT treatment_class, label, parent, terms, intervention_types, mesh_terms, mesh_ids, min_match_strength,
       sort_order
FROM src_config_treatment_classes;
