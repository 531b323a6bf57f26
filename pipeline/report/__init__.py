"""The static HTML evidence report: the warehouse's landscape per treatment class, charts and trial lists.

``queries`` reads the warehouse (read-only) into pandas frames, ``page`` splits their rows by class once,
``charts`` turns counted rows into Vega-Lite specs (plain dicts), ``sections`` render the page's parts,
``page`` assembles them and ``writer`` writes the folder and swaps it in. The page needs no network and
no server: open ``index.html``.
"""
