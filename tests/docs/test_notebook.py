"""docs/notebook.ipynb runs from top to bottom in a fresh kernel, as a reader would run it,
and its committed outputs are those of a real run (so it cannot rot)."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "docs" / "notebook.ipynb"


def _outputs(cell, kind):
    return [o for o in cell.get("outputs", []) if o.get("output_type") == kind]


def test_the_committed_notebook_holds_the_outputs_of_a_run():
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), "run the notebook and save its outputs"
    images = [
        c for c in code if any("image/png" in o.get("data", {}) for o in c.get("outputs", []))
    ]
    assert len(images) >= 5  # manifold, clusters, the decoded point, samples, curves
    assert not any(_outputs(c, "error") for c in code)


@pytest.mark.slow  # make test-all (40-100 s); make test checks the committed outputs above
def test_the_notebook_runs_in_a_fresh_kernel(tmp_path):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    text = "\n".join(
        o.get("data", {}).get("text/plain", "") + o.get("text", "")
        for c in code
        for o in c.get("outputs", [])
    )
    assert "'vae_2d'" in text and "'vae_4d'" in text
    assert "2-D: test -ELBO" in text and "4-D: test -ELBO" in text
    # the fresh run: three epochs, in a folder of the notebook's own working directory
    assert "(3, " in text and "zoo run vae_2d --dataset fashion_mnist --epochs 3" in text
    assert len(list((tmp_path / "runs").iterdir())) == 1
    assert "'mean_return'" in text  # the shipped agent, measured
    figures = sum("image/png" in o.get("data", {}) for c in code for o in c.get("outputs", []))
    assert figures >= 5
