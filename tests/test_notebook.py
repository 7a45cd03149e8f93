"""The example notebook runs end to end on a small sample lake, in the project's venv.

The lake is built without Airflow: the plain pipeline steps over the offline sample site, for
two sample days, then the story clusters. The notebook is then executed headless (nbclient, an
ipykernel running this interpreter), as an analyst would run it after `make run`.
"""

from __future__ import annotations

import html
import sys
from pathlib import Path

from newslake import pipeline
from newslake.config import Settings, load_sources
from newslake.sample_site import SAMPLE_DATES
from newslake.sample_site.content import AGGREGATOR_ARTICLES, original_of
from newslake.storage import Storage

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "explore_the_lake.ipynb"
KERNEL_NAME = "newslake-notebook-test"
CELL_TIMEOUT_SECONDS = 120


def build_sample_lake(lake_dir: Path) -> None:
    storage = Storage(str(lake_dir))
    sources = load_sources()
    aggregator_ids = {source.id for source in sources if source.aggregator}
    for day in SAMPLE_DATES[:2]:
        for source in sources:
            ctx = pipeline.PartitionContext(source, day, storage, Settings.load())
            for step in (pipeline.discover, pipeline.fetch, pipeline.extract, pipeline.validate, pipeline.publish):
                step(ctx)
        pipeline.cluster_stories(storage, day, aggregator_ids)


def install_kernel(tmp_path: Path, monkeypatch) -> str:
    """A kernelspec that runs this very interpreter (the project's venv), found only by this test."""
    from ipykernel.kernelspec import install

    prefix = tmp_path / "jupyter-prefix"
    install(kernel_name=KERNEL_NAME, display_name="newslake test kernel", prefix=str(prefix))
    monkeypatch.setenv("JUPYTER_PATH", str(prefix / "share" / "jupyter"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "jupyter-runtime"))
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    return KERNEL_NAME


def cell_text(cell) -> str:
    """Everything a code cell showed: printed text, and the plain and HTML reprs of its result."""
    parts = []
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream":
            parts.append(output["text"])
        for mime in ("text/plain", "text/html"):
            value = output.get("data", {}).get(mime)
            if value:
                parts.append(html.unescape(value if isinstance(value, str) else "".join(value)))
    return "\n".join(parts)


def test_committed_notebook_has_no_outputs():
    import nbformat

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code_cells
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code_cells)


def test_notebook_runs_on_the_sample_lake(sample_site, tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    lake_dir = tmp_path / "lake"
    build_sample_lake(lake_dir)

    monkeypatch.setenv("NEWSLAKE_LAKE_URI", str(lake_dir))
    kernel_name = install_kernel(tmp_path, monkeypatch)
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    # One extra cell, in memory only: which interpreter ran the notebook.
    notebook.cells.append(nbformat.v4.new_code_cell("import sys\nprint('kernel python:', sys.executable)"))
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_SECONDS,
        kernel_name=kernel_name,
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()  # raises CellExecutionError, naming the cell, if any cell fails

    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    errors = [output for cell in code_cells for output in cell.outputs if output["output_type"] == "error"]
    assert errors == []
    assert all(cell.execution_count is not None for cell in code_cells)
    assert f"kernel python: {sys.executable}" in cell_text(code_cells[-1])
    assert f"lake: {lake_dir}" in cell_text(code_cells[0])

    [top_stories_cell] = [cell for cell in code_cells if "top_stories =" in cell.source]
    shown = cell_text(top_stories_cell)
    original_titles = {original_of(copy).title for copy in AGGREGATOR_ARTICLES}
    assert any(title in shown for title in original_titles), shown

