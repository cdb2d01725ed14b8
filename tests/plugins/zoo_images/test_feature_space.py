"""Sample metrics on a user's folder: a feature space learned from its own train split
(labelled), seeded random features (unlabelled), and runs that work from any folder."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import write_colour_folder

from zoo_core import settings as S
from zoo_images.dataset import ImageFolder
from zoo_metrics import stats


@pytest.fixture(scope="module")
def colour(tmp_path_factory):
    return write_colour_folder(tmp_path_factory.mktemp("colour"), per_class=40)


def folder_dataset(path, **values):
    return ImageFolder(S.resolve(ImageFolder.Settings, {"path": str(path), **values}))


def fid(a, b) -> float:
    return stats.frechet_distance(*stats.gaussian_stats(a), *stats.gaussian_stats(b))


def test_in_the_learned_space_the_test_split_is_near_the_train_split_and_noise_is_far(colour):
    data = folder_dataset(colour, test_fraction=0.25)
    extractor = data.feature_extractor()
    assert extractor.info["test_accuracy"] >= 0.9  # three shapes in three hues: easy
    train, _ = extractor(data.arrays("train")[0])
    test, _ = extractor(data.arrays("test")[0])
    noise, _ = extractor(np.random.default_rng(0).random((90, 32, 32, 3), dtype=np.float32))
    near, far = fid(test, train), fid(noise, train)
    assert far > 20 * near, (near, far)
    # cached: a second dataset object loads the same weights instead of training again
    again = folder_dataset(colour, test_fraction=0.25).feature_extractor()
    assert again.space == extractor.space


def test_an_unlabelled_folder_gets_seeded_random_features_named_as_such(colour):
    data = folder_dataset(colour, labels="none")
    extractor = data.feature_extractor()
    assert extractor.space.startswith("random-features")
    assert "test_accuracy" not in extractor.info
    x, _ = data.arrays("test")
    a, _ = extractor(x)
    b, _ = folder_dataset(colour, labels="none").feature_extractor()(x)
    assert np.array_equal(a, b)


def test_zoo_features_trains_once_and_reports_the_held_out_accuracy(colour, run_cli):
    result = run_cli("features", "images", "--set", f"path={colour}", "--json")
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["feature_space"].startswith("features-") and 0.0 <= info["test_accuracy"] <= 1.0


def test_zoo_features_on_an_unlabelled_dataset_with_out_is_a_usage_error(colour, run_cli):
    result = run_cli(
        "features", "images", "--set", f"path={colour}", "--set", "labels=none", "--out", "f.npz"
    )
    assert result.exit_code == 2
    assert "has no labels" in result.output


def test_a_run_on_a_folder_given_as_the_dataset_evaluates_from_another_folder(
    colour, run_cli, tmp_path, monkeypatch
):
    monkeypatch.chdir(colour.parent)
    out = tmp_path / "run"
    result = run_cli(
        "run", "vae_2d", "--dataset", f"./{colour.name}", "--epochs", "1", "--no-viz",
        "--no-tensorboard", "--set", "filters=4,8", "--set", "dense=8", "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    config = json.loads((out / "config.json").read_text())
    assert config["dataset"]["name"] == "images"
    assert config["dataset"]["settings"]["path"] == str(colour)  # recorded absolute
    monkeypatch.chdir(tmp_path)
    result = run_cli("eval", str(out), "--metric", "fid", "--set", "n=64", "--json")
    assert result.exit_code == 0, result.output
    assert np.isfinite(json.loads(result.stdout)["fid"])


def test_the_leaderboard_never_ranks_two_feature_spaces_together():
    from zoo_reports.leaderboard import sort_rows

    rows = [
        {"run": "a", "features": "fc.npz@1", "fid": 9.0},
        {"run": "b", "features": "random-features.npz@2", "fid": 1.0},
        {"run": "c", "features": "fc.npz@1", "fid": 3.0},
    ]
    ranked = [r["run"] for r in sort_rows(rows, "fid", set())]
    assert ranked == ["c", "a", "b"]  # b's smaller number is in another space: not first
