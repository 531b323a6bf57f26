"""The processes normalising pages run without pandas (pipeline/util/without_pandas.py): pyarrow would
import it at their first conversion (~0.13 s and ~39 MB each), and their tables are the same bytes.

Each case runs in a fresh interpreter, as a normalising process starts: what one process imported
says nothing about another."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from tests.conftest import REPO_ROOT
from tests.servers.corpus import RecordedCorpus

# Normalise one page of real records and derive its outputs (classes, outcome tables) as a normalising
# process does; print whether that derived, whether pandas got imported, and a digest of every table.
NORMALISE_A_PAGE = """
import hashlib, sys
from datetime import UTC, datetime
from pathlib import Path

if sys.argv[2] == "as-a-worker":
    from pipeline.parquet.parallel import _worker_started
    _worker_started()

import pyarrow as pa
from pipeline.config import load_config
from pipeline.parquet.provenance import Provenance
from pipeline.sources import registry
from pipeline.sources.ctgov.normalise.tables import build_page_tables
from pipeline.sources.derive_pages import PageDerive, page_outputs

settings = load_config(Path(sys.argv[3]) / "config.yaml")
spec = registry.get("ctgov")
derive = PageDerive(settings, page_outputs(spec), spec.key, spec.record_table)
provenance = Provenance("20261121T120000Z-abcd", datetime(2026, 11, 21, tzinfo=UTC), None)
page = build_page_tables(Path(sys.argv[1]).read_bytes(), provenance, "page")
derived = derive(page.tables)  # None if deriving failed (the steps would derive the run again)
digest = hashlib.sha256()
for tables in [page.tables, *(derived or [])]:
    for name, table in tables.items():
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as stream:
            stream.write_table(table)
        digest.update(name.encode() + sink.getvalue().to_pybytes())
print(derived is not None, "pandas" in sys.modules, page.n_studies, digest.hexdigest())
"""


def normalise_in_a_fresh_process(page: Path, how: str) -> list[str]:
    command = [sys.executable, "-c", NORMALISE_A_PAGE, str(page), how, str(REPO_ROOT)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory, corpus: RecordedCorpus) -> Path:
    path = tmp_path_factory.mktemp("page") / "page.json"
    path.write_bytes(orjson.dumps({"studies": corpus.studies()}))
    return path


def test_a_normalising_process_never_imports_pandas_and_makes_the_same_tables(
    page: Path, corpus: RecordedCorpus
) -> None:
    derived, with_pandas, n_studies, digest = normalise_in_a_fresh_process(page, "as-a-worker")
    assert (derived, with_pandas, n_studies) == ("True", "False", str(len(corpus.studies())))
    # Without hiding it pyarrow imports pandas (if a release stops doing so, the hiding can go), and the
    # page's tables and derived tables are the same bytes either way.
    assert normalise_in_a_fresh_process(page, "plain") == ["True", "True", n_studies, digest]


def test_hiding_pandas_makes_importing_it_fail_unless_it_is_loaded() -> None:
    script = (
        "import sys\n"
        "from pipeline.util.without_pandas import hide_pandas\n"
        "assert hide_pandas() and hide_pandas()\n"
        "assert sum(type(f).__name__ == '_PandasHidden' for f in sys.meta_path) == 1\n"
        "try:\n"
        "    import pandas\n"
        "except ModuleNotFoundError as exc:\n"
        "    print('hidden:', exc.name)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO_ROOT)
    assert (done.returncode, done.stdout) == (0, "hidden: pandas\n"), done.stderr
    loaded = "import pandas\nfrom pipeline.util.without_pandas import hide_pandas\nprint(hide_pandas())"
    done = subprocess.run([sys.executable, "-c", loaded], capture_output=True, text=True, cwd=REPO_ROOT)
    assert done.stdout == "False\n", done.stderr
