-- grain: canonical endpoint configured for this build (config.yaml endpoints.definitions, in config order)
-- key: endpoint_code
-- incremental: complete (the whole config; the build fingerprint covers it)

CREATE TEMP VIEW stg_config_endpoints AS
SELECT endpoint_code, label, higher_is_better, effect_measure, at_hours, position
FROM src_config_endpoints;
