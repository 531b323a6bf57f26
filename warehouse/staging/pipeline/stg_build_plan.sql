-- grain: this build: one row (how pipeline/warehouse/plan.py decided to build)
-- key: none (one row)
-- incremental: complete

CREATE TEMP VIEW stg_build_plan AS
SELECT build_mode, build_reason, fingerprint
FROM src_build_plan;
