"""The reports plugin: `zoo leaderboard` ranks evaluated runs, `zoo runs` lists what each run
recorded (its statuses are checked in tests/core/test_experiments.py)."""

import json

import pytest
from conftest import DEBIAN, TINY_VAE_FLAGS, require_debian_data


@pytest.mark.slow  # make test-all (15 s): two runs trained and drawn; others rank
def test_leaderboard_ranks_runs_by_a_metric_and_draws_their_samples(tmp_path, run_cli):
    require_debian_data()
    runs = tmp_path / "runs"
    for variant, epochs in (("vae_2d", "1"), ("vae_4d", "1")):
        r = run_cli(
            "run",
            variant,
            "--dataset",
            "fashion_mnist",
            "--epochs",
            epochs,
            "--set",
            f"data_dir={DEBIAN}",
            "--set",
            "limit=512",
            "--no-viz",
            "--out",
            str(runs / variant),
        )
        assert r.exit_code == 0, r.output
        r = run_cli(
            "eval",
            str(runs / variant),
            "--metric",
            "fid",
            "--metric",
            "class_coverage",
            "--set",
            "n=300",
        )
        assert r.exit_code == 0, r.output
    figure = tmp_path / "samples.png"
    r = run_cli(
        "leaderboard",
        "--root",
        str(runs),
        "--sort",
        "fid",
        "--json",
        "--figure",
        str(figure),
        "--n",
        "4",
    )
    assert r.exit_code == 0, r.output
    board = json.loads(r.stdout)
    fids = [row["fid"] for row in board["rows"]]
    assert fids == sorted(fids) and len(fids) == 2  # lower FID first
    assert {row["model"] for row in board["rows"]} == {"vae_2d", "vae_4d"}
    assert all(row["params"] > 0 and row["seed"] == 0 for row in board["rows"])
    r = run_cli("leaderboard", "--root", str(runs), "--sort", "class_entropy", "--json")
    ent = [row["class_entropy"] for row in json.loads(r.stdout)["rows"]]
    assert ent == sorted(ent, reverse=True)  # higher entropy first
    from matplotlib.image import imread

    img = imread(figure)
    assert img.shape[1] > img.shape[0] and img[..., :3].var() > 1e-3
    md = run_cli("leaderboard", "--root", str(runs), "--markdown").stdout
    assert md.startswith("| run | model |") and "fid" in md
    r = run_cli("leaderboard", "--root", str(runs), "--sort", "nonsense")
    assert r.exit_code == 2 and "no run has the metric 'nonsense'" in r.output


def test_zoo_runs_never_cuts_a_run_name_in_a_narrow_terminal(tmp_path, run_cli, monkeypatch):
    require_debian_data()
    name = "a-rather-long-run-name-to-copy-from-the-table"
    r = run_cli("run", *TINY_VAE_FLAGS, "--epochs", "1", "--out", str(tmp_path / name))
    assert r.exit_code == 0, r.output
    from zoo_core.cli import output

    for width in (80, 200):
        monkeypatch.setattr(output.out, "_width", width)
        table = run_cli("runs", str(tmp_path)).stdout
        lines = table.splitlines()
        assert any(name in line for line in lines), table  # whole, on one line
        assert max(len(line) for line in lines) <= width
        # in a narrow terminal the start time and size make room (they stay in --json)
        assert ("started" in table) == (width >= 110), table


def test_the_leaderboard_prefers_values_measured_with_the_defaults(tmp_path, run_cli):
    """A quick check on other settings, made after the full measurement, does not replace
    it in the ranking; a metric measured only on other settings is shown with a note."""
    require_debian_data()
    run = tmp_path / "runs" / "tiny"
    assert run_cli("run", *TINY_VAE_FLAGS, "--epochs", "1", "--out", str(run)).exit_code == 0

    def evaluate(*args):
        r = run_cli("eval", str(run), *args, "--json")
        assert r.exit_code == 0, r.output
        return json.loads(r.stdout)

    full = evaluate("--metric", "elbo")["neg_elbo"]
    on_train = evaluate("--metric", "elbo", "--set", "split=train")["neg_elbo"]
    assert on_train != full
    slice_nll = evaluate("--metric", "nll", "--set", "n=50", "--set", "k=2")["nll"]
    r = run_cli("leaderboard", "--root", str(tmp_path / "runs"), "--json")
    assert r.exit_code == 0, r.output
    board = json.loads(r.stdout)
    (row,) = board["rows"]
    assert row["neg_elbo"] == full and row["nll"] == slice_nll
    (note,) = board["notes"]
    assert note.startswith("tiny: nll measured with k=2, n=50 only, not comparable")
