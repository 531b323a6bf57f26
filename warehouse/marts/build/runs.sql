-- grain: run x source fetched (one row with NULL source for a run that failed before planning any)
-- key: run_id, source
-- incremental: rebuild (the whole run log, every build)
--
-- The run log (data_dir/runs/*.json) as of this build. The run that built this file is still 'running'
-- here: it finishes after the build (CSV export, artifact); `evidence status` shows its final state.

CREATE OR REPLACE TABLE runs AS
SELECT * FROM stg_run_log
ORDER BY run_id, source;

COMMENT ON TABLE runs IS 'The run log as of this build: one row per refresh x source, with mode, counts, watermarks and status (the run that built this file shows running).';
COMMENT ON COLUMN runs.run_id IS 'Pipeline run id (UTC start time + 4 hex chars).';
COMMENT ON COLUMN runs.source IS 'ctgov or pubmed; NULL for a run that failed before planning any source.';
COMMENT ON COLUMN runs.status IS 'running, succeeded or failed (a crashed run is failed by the next one).';
COMMENT ON COLUMN runs.run_mode IS 'full when every source was pulled in full, else incremental.';
COMMENT ON COLUMN runs.mode IS 'How this source was pulled: full or incremental (changes since the watermark plus the drift slice).';
COMMENT ON COLUMN runs.reason IS 'Why this mode was chosen.';
COMMENT ON COLUMN runs.started_at IS 'When the run started (UTC).';
COMMENT ON COLUMN runs.finished_at IS 'When it ended (UTC); NULL while running.';
COMMENT ON COLUMN runs.from_watermark IS 'Watermark of the last good run this incremental pull started from.';
COMMENT ON COLUMN runs.since IS 'First day asked for (from_watermark minus incremental.overlap_days).';
COMMENT ON COLUMN runs.watermark IS 'Watermark this run left (set on success): ctgov, newest lastUpdatePostDate seen; pubmed, the start day.';
COMMENT ON COLUMN runs.n_records IS 'Records fetched by the main query (trials, or PubMed articles).';
COMMENT ON COLUMN runs.total_count IS 'What the API announced for the main query (totalCount / ESearch Count).';
COMMENT ON COLUMN runs.n_drift_ids IS 'Oldest-read records (trials, or PMIDs for pubmed) asked for again by id (drift control).';
COMMENT ON COLUMN runs.n_drift_records IS 'Of those, how many the API returned.';
COMMENT ON COLUMN runs.data_timestamp IS 'API data timestamp (ClinicalTrials.gov dataTimestamp; PubMed: fetch start).';
COMMENT ON COLUMN runs.error IS 'Why the run failed (one line); NULL otherwise.';
