-- grain: canonical endpoint configured for this build, in config order
-- key: endpoint_code
-- incremental: keep (derived from the config only, which the build fingerprint covers)
-- not null: label, position
-- allowed: effect_measure in (mean_difference, risk_ratio) or null

CREATE TABLE endpoints AS
SELECT endpoint_code, label, higher_is_better, effect_measure, at_hours, position
FROM stg_config_endpoints
ORDER BY position;

COMMENT ON TABLE endpoints IS 'Canonical migraine endpoints configured for this build (config endpoints.definitions), in config order; registered and posted outcomes map to them (trial_endpoints). Empty when the config has no endpoint taxonomy.';
COMMENT ON COLUMN endpoints.endpoint_code IS 'Endpoint code (lower_snake_case), e.g. mmd_change; other takes every outcome no rule matches. The key.';
COMMENT ON COLUMN endpoints.label IS 'Human-readable endpoint name.';
COMMENT ON COLUMN endpoints.higher_is_better IS 'True when a larger value favours the active arm (responder rates), false when a smaller one does (migraine days); NULL for other.';
COMMENT ON COLUMN endpoints.effect_measure IS 'How effects on it are measured and pooled: mean_difference or risk_ratio; NULL for other (no effects computed).';
COMMENT ON COLUMN endpoints.at_hours IS 'Hours after dosing the endpoint is defined at (2 for pain freedom at 2 h); an outcome stating other hours is not this endpoint. NULL when not timed.';
COMMENT ON COLUMN endpoints.position IS 'Position in the config (0-based): the order rules are tried in and tables are shown in.';
