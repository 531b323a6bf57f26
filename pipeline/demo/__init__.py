"""``evidence demo``: the whole pipeline on real records shipped with the package, served by local
stand-ins for the two APIs (``ctgov_api``, ``pubmed_api``) that the command starts and stops itself."""
