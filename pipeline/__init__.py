"""The migraine evidence pipeline."""

import os

# Arrow's buffers from the C library's malloc rather than mimalloc, which keeps freed pages for a second
# (pipeline/util/free_memory.py says why that matters). pyarrow reads this when it is first imported:
# hence here, before any module of the pipeline imports it. A pool the user chose is kept.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
