"""Running a process without pandas, as if it were not installed, for the processes normalising pages.

pyarrow imports pandas, when it can, the first time it converts a Python list (``pa.array``, as every
page's tables are built) or infers the type of a Python value (``pc.equal(column, "")``), only to
recognise pandas objects among the values: ~0.13 s of CPU and ~39 MB in each process normalising
pages, where no pandas object ever exists. With pandas out of reach pyarrow converts the same values
the same way (the tables of a heavy page and its derived tables were compared byte for byte), and code
that imports pandas in such a process fails at once rather than quietly costing that again.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType


class _PandasHidden:
    """A meta path finder under which ``import pandas`` fails as it does where pandas is missing."""

    def find_spec(
        self, name: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"pandas is not used in this process: {name} not imported", name=name)
        return None


def hide_pandas() -> bool:
    """Make pandas unimportable in this process from now on; False (nothing done) if it is loaded."""
    if "pandas" in sys.modules:
        return False
    if not any(isinstance(finder, _PandasHidden) for finder in sys.meta_path):
        sys.meta_path.insert(0, _PandasHidden())
    return True
