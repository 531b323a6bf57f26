-- grain: trial a full pull no longer returned
-- key: nct_id
-- incremental: before splice (an incremental build never holds a new full pull, so it removes nothing)
--
-- Removal: only a FULL pull's absences mean a trial left the registry's answer (an incremental pull
-- returns just what changed). A trial last seen in a run older than the newest full run that has data
-- is removed: left out of every current table and listed in removed_trials, removed by the first full
-- run after its last sighting. A later run that returns it brings it back.
--
-- A temporary TABLE, not a view: int_ctgov_current_runs and removed_trials both read it, and a view
-- grouped every read of every trial once for each.

CREATE TEMP TABLE int_ctgov_removed AS
WITH sightings AS (
    SELECT nct_id, max(run_id) AS last_seen_run, arg_max(fetched_at, run_id) AS last_seen_at
    FROM int_ctgov_reads
    GROUP BY nct_id
)
SELECT
    s.nct_id,
    s.last_seen_run,
    s.last_seen_at,
    (SELECT min(f.run_id) FROM int_ctgov_full_runs AS f WHERE f.run_id > s.last_seen_run) AS removed_in_run
FROM sightings AS s
WHERE s.last_seen_run < (SELECT max(run_id) FROM int_ctgov_full_runs);
