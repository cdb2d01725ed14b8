"""Inputs that were unclear or silently accepted, each now said plainly: a TOML file saved
with a byte-order mark, a data folder that is a file, a flow's latent point given flat,
two output formats at once, a figure drawn again, a leaderboard sorted by a non-metric."""

from __future__ import annotations

import pytest
from conftest import require_debian_data


def test_a_config_file_with_a_byte_order_mark_is_read(tmp_path, run_cli):
    config = tmp_path / "exp.toml"
    config.write_bytes(b"\xef\xbb\xbf" + b'model = "vae_2d"\ndataset = "nope"\n')
    r = run_cli("run", "--config", str(config))
    assert r.exit_code == 2 and "Invalid statement" not in r.output
    assert "nope" in r.output  # read past the mark, to the name it refuses


def test_a_data_folder_that_is_a_file_is_named_as_such(tmp_path, run_cli, monkeypatch):
    file = tmp_path / "fashion.gz"
    file.write_bytes(b"x")
    monkeypatch.setenv("ZOO_DATA_DIR", str(file))
    r = run_cli("run", "vae_2d", "--dataset", "fashion_mnist", "--epochs", "1", "--no-viz")
    assert r.exit_code != 0 and "is a file, not a folder" in r.output
    assert "permission denied" not in r.output


def test_a_flows_latent_point_is_given_flat(run_cli):
    from zoo_visualizers.sample_command import _point

    assert len(_point(",".join(["0.5"] * 784), (28, 28, 1))) == 784  # taken, then reshaped
    r = run_cli("sample", "pretrained:realnvp", "--z", "0,0")
    assert r.exit_code == 2 and "has 784 (shape 28x28x1)" in r.output


@pytest.mark.parametrize("command", [["pretrained"], ["leaderboard", "--root", "."]])
def test_json_and_markdown_together_are_refused(command, run_cli):
    r = run_cli(*command, "--json", "--markdown")
    assert r.exit_code == 2 and "--json and --markdown" in r.output


def test_a_figure_drawn_again_says_it_replaced_one(tmp_path, run_cli):
    import shutil

    import zoo

    copy = tmp_path / "run"
    shutil.copytree(zoo.pretrained("vae_2d", progress=False).path, copy)
    (copy / "pretrained.json").unlink()  # a run of our own now
    first = run_cli("viz", str(copy), "--viz", "manifold", "--set", "n=4")
    assert first.exit_code == 0 and "replaced" not in first.stderr
    again = run_cli("viz", str(copy), "--viz", "manifold", "--set", "n=4")
    assert again.exit_code == 0 and "manifold.png was drawn before; replaced" in again.stderr


def test_the_leaderboard_sorts_by_metrics_not_by_its_own_columns(tmp_path, run_cli):
    require_debian_data()
    import shutil

    import zoo

    shutil.copytree(zoo.pretrained("vae_2d", progress=False).path, tmp_path / "runs" / "a")
    r = run_cli("leaderboard", "--root", str(tmp_path / "runs"), "--sort", "path")
    assert r.exit_code == 2 and "no run has the metric 'path'" in r.output
    assert "path," not in r.output.split("evaluated metrics:")[1]
