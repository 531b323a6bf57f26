-- grain: treatment class configured for this build, in config order
-- key: treatment_class
-- incremental: keep (derived from the config only, which the build fingerprint covers)

CREATE TABLE treatment_classes AS
SELECT treatment_class, label, parent, terms, intervention_types, sort_order
FROM stg_config_treatment_classes
ORDER BY sort_order;

COMMENT ON TABLE treatment_classes IS 'Treatment classes configured for this build (config treatment_classes), in config order.';
COMMENT ON COLUMN treatment_classes.treatment_class IS 'Class name (lower_snake_case); the key.';
COMMENT ON COLUMN treatment_classes.label IS 'Human-readable class name.';
COMMENT ON COLUMN treatment_classes.parent IS 'Parent class, if any: trials of this class also count for the parent in evidence tables.';
COMMENT ON COLUMN treatment_classes.terms IS 'Terms that mark an intervention or arm as this class, a list.';
COMMENT ON COLUMN treatment_classes.intervention_types IS 'Intervention types the terms apply to; NULL for any.';
COMMENT ON COLUMN treatment_classes.sort_order IS 'Position in the config (0-based), for display order.';
