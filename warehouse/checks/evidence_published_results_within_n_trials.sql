-- check: evidence published-results trials within n_trials

SELECT treatment_class FROM evidence WHERE n_trials_with_published_results > n_trials;
