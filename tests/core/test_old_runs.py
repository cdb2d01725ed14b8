"""Runs written before the core's restructure (tests/core/fixtures/runs-before-the-restructure,
made by zoo at commit e2c426b) still list, open, evaluate, draw, sample and resume."""

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import require_debian_data

FIXTURES = Path(__file__).parent / "fixtures" / "runs-before-the-restructure"
SAME = [
    "--dataset",
    "fashion_mnist",
    "--set",
    "limit=128",
    "--set",
    "batch_size=64",
    "--set",
    "filters=2,4",
    "--set",
    "dense=4",
    "--no-tensorboard",
]


@pytest.fixture
def old_runs(tmp_path):
    require_debian_data()
    root = tmp_path / "runs"
    shutil.copytree(FIXTURES, root, ignore=shutil.ignore_patterns("README.md"))
    return root


def rows(run: Path) -> list[dict]:
    with open(run / "metrics.csv") as f:
        return list(csv.DictReader(f))


def losses(run: Path) -> list[float]:
    return [float(row["loss"]) for row in rows(run)]


def test_an_old_run_lists_evaluates_draws_and_samples(old_runs, run_cli, tmp_path):
    rows = {r["run"]: r for r in json.loads(run_cli("runs", str(old_runs), "--json").stdout)}
    assert {k: (r["status"], r["done"], r["planned"]) for k, r in rows.items()} == {
        "finished": ("finished", 2, 2),
        "interrupted": ("interrupted", 1, 3),
    }
    finished = old_runs / "finished"
    r = run_cli("eval", str(finished), "--metric", "elbo", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["neg_elbo"] == pytest.approx(losses(finished)[-1], rel=0.01)
    r = run_cli("viz", str(finished), "--viz", "manifold", "--set", "n=3")
    assert r.exit_code == 0, r.output
    assert (finished / "figures" / "manifold.png").stat().st_size > 0
    r = run_cli("sample", str(finished), "--n", "4", "--out", str(tmp_path / "s.png"))
    assert r.exit_code == 0, r.output
    import zoo

    image = zoo.open(finished, progress=False).model.decode([0.5, -0.5])
    assert image.shape == (1, 28, 28, 1) and np.isfinite(image).all()


def test_an_old_interrupted_run_resumes_where_todays_zoo_would_have_gone(
    old_runs, run_cli, tmp_path
):
    cut = old_runs / "interrupted"
    recorded = rows(cut)
    r = run_cli("run", "--resume", str(cut))
    assert r.exit_code == 0, r.output
    assert f"resuming{cut}afterepoch1" in "".join(r.stderr.split())  # however it wraps
    assert rows(cut)[0] == recorded[0]  # epoch 1 not trained again (its seconds kept)
    resumed = losses(cut)
    assert len(resumed) == 3
    assert json.loads((cut / "status.json").read_text())["status"] == "finished"
    # today's zoo, the same settings, uninterrupted: the same epochs 2 and 3 (a tolerance
    # for another CPU's rounding of the fixture's epoch 1; epoch 2 is 0.6 nats below 1)
    fresh = tmp_path / "fresh"
    r = run_cli("run", "vae_2d", *SAME, "--epochs", "3", "--no-viz", "--out", str(fresh))
    assert r.exit_code == 0, r.output
    assert resumed[1:] == pytest.approx(losses(fresh)[1:], abs=0.01)
