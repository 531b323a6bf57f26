-- grain: trial x reference listed by the registry, in registry order
-- key: nct_id, reference_idx
-- incremental: patch by nct_id

CREATE TABLE trial_references AS
SELECT x.nct_id, x.reference_idx, x.pmid, x.reference_type, x.citation
FROM stg_ctgov_references AS x
JOIN int_ctgov_current_runs AS c USING (nct_id, run_id)
ORDER BY x.nct_id, x.reference_idx;

COMMENT ON TABLE trial_references IS 'Publications linked from the registry record.';
COMMENT ON COLUMN trial_references.nct_id IS 'Trial (trials.nct_id).';
COMMENT ON COLUMN trial_references.reference_idx IS 'Position in the registry list (0-based).';
COMMENT ON COLUMN trial_references.pmid IS 'PubMed id, if given.';
COMMENT ON COLUMN trial_references.reference_type IS 'BACKGROUND, RESULT or DERIVED.';
COMMENT ON COLUMN trial_references.citation IS 'Citation text.';
