"""Sample metrics mean what they say: closed forms for the statistics, and on the real data
under the shipped classifier, FID's floor (train vs test), monotone growth with damage, and
refusals before any work."""

import json

import numpy as np
import pytest
from conftest import DEBIAN, require_debian_data

from zoo_core import IncompatibleError, plugins
from zoo_core.run import plan as planner
from zoo_core.run.request import RunRequest
from zoo_metrics import stats


def test_frechet_distance_matches_the_closed_form_of_two_gaussians():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((5, 5))
    s1 = a @ a.T + np.eye(5)
    s2 = np.diag(rng.uniform(0.5, 2.0, 5))
    mu1, mu2 = rng.standard_normal(5), rng.standard_normal(5)
    # by hand: Tr((S1 S2)^(1/2)) from the eigenvalues of S1 S2 (real and positive)
    tr_sqrt = np.sqrt(np.linalg.eigvals(s1 @ s2).real).sum()
    expected = ((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * tr_sqrt
    assert stats.frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-9)
    assert stats.frechet_distance(mu1, s1, mu1, s1) == pytest.approx(0.0, abs=1e-9)
    # 1-D: (m1 - m2)^2 + (s1 - s2)^2
    assert stats.frechet_distance([1.0], [[4.0]], [3.0], [[9.0]]) == pytest.approx(4.0 + 1.0)


def test_kid_of_two_draws_of_one_distribution_is_near_zero_and_of_two_far_apart_is_not():
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((600, 8)), rng.standard_normal((600, 8))
    mean, std = stats.kid(x, y, subsets=20, subset_size=200)
    assert abs(mean) <= 3 * std + 1e-3
    far, _ = stats.kid(x, y + 2.0, subsets=20, subset_size=200)
    assert far > 100 * max(abs(mean), std)


def test_classifier_score_is_the_number_of_classes_when_confident_and_uniform():
    probs = np.eye(10)[np.arange(1000) % 10] * 0.999 + 0.0001
    mean, std = stats.classifier_score(probs, splits=10)
    assert mean == pytest.approx(10.0, rel=0.02) and std < 1e-6
    assert stats.classifier_score(np.full((100, 10), 0.1))[0] == pytest.approx(1.0)


def test_precision_recall_by_hand_on_a_line():
    real = np.array([[0.0], [1.0], [2.0], [3.0]])
    fake = np.array([[0.5], [10.0]])
    # k=1 radii: real points 1 apart -> radius 1; fake: 9.5 apart -> radius 9.5
    p, r = stats.precision_recall(real, fake, k=1)
    assert p == 0.5  # 0.5 is within 1 of a real point, 10 is not
    assert r == 1.0  # every real point is within 9.5 of some fake point


def test_class_coverage_shows_mode_collapse():
    uniform = stats.class_coverage(np.eye(10)[np.arange(100) % 10], 10)
    collapsed = stats.class_coverage(np.eye(10)[np.zeros(100, int)], 10)
    assert uniform["class_entropy"] == pytest.approx(np.log(10))
    assert uniform["rarest_class_share"] == pytest.approx(0.1)
    assert collapsed["class_entropy"] == pytest.approx(0.0)
    assert collapsed["rarest_class_share"] == 0.0


@pytest.fixture(scope="module")
def fmnist():
    require_debian_data()
    from zoo_fashion_mnist.dataset import FashionMNIST, FashionMNISTSettings

    return FashionMNIST(FashionMNISTSettings(data_dir=str(DEBIAN)))


def test_the_shipped_classifier_reaches_its_recorded_test_accuracy(fmnist):
    extractor = fmnist.feature_extractor()
    x, y = fmnist.arrays("test")
    _, probs = extractor(x)
    accuracy = float(np.mean(np.argmax(probs, 1) == y))
    assert extractor.info["test_accuracy"] >= 0.92
    assert accuracy == pytest.approx(extractor.info["test_accuracy"], abs=0.001)


def test_a_damaged_classifier_file_is_refused(tmp_path, fmnist):
    from zoo_core import DataError
    from zoo_keras.features import FeatureExtractor

    bad = tmp_path / "c.npz"
    bad.write_bytes(fmnist.feature_extractor().path.read_bytes()[:-10])
    with pytest.raises(DataError, match="does not match its checksum"):
        FeatureExtractor(bad, fmnist.feature_extractor().info["sha256"], (28, 28, 1), 10)


def test_fid_has_a_floor_and_grows_as_images_are_damaged(fmnist):
    extractor = fmnist.feature_extractor()
    train = fmnist.arrays("train")[0][:2000]
    test = fmnist.arrays("test")[0][:2000]

    def fid(images):
        return stats.frechet_distance(
            *stats.gaussian_stats(extractor(test)[0]), *stats.gaussian_stats(extractor(images)[0])
        )

    floor = fid(train)
    rng = np.random.default_rng(0)
    noised = [
        fid(np.clip(train + s * rng.standard_normal(train.shape), 0, 1).astype("f4"))
        for s in (0.1, 0.2, 0.4)
    ]
    assert floor < noised[0] < noised[1] < noised[2]
    noise = fid(rng.random(train.shape).astype("float32"))
    assert noise > 10 * floor and noise > noised[2]


def test_kid_of_the_two_halves_of_the_test_split_is_near_zero(fmnist):
    features, _ = fmnist.feature_extractor()(fmnist.arrays("test")[0][:4000])
    mean, std = stats.kid(features[:2000], features[2000:], subsets=20, subset_size=500)
    assert abs(mean) <= 3 * std
    far, _ = stats.kid(features[:2000], features[2000:] * 1.5, subsets=20, subset_size=500)
    assert far > 3 * std + abs(mean)


def test_fid_is_refused_before_any_work_when_it_cannot_apply(tmp_path):
    reg = plugins.get_registry()
    plan = planner.plan(reg, RunRequest("vae", dataset="toy_shapes", visualizers=[]))
    with pytest.raises(
        IncompatibleError, match="needs a dataset that provides a feature extractor"
    ):
        planner.plan_metrics(reg, plan, ["fid"])
    plan = planner.plan(reg, RunRequest("dqn", visualizers=[], flags={"env": "CartPole-v1"}))
    with pytest.raises(IncompatibleError, match="measures models trained on images"):
        planner.plan_metrics(reg, plan, ["fid"])
    from zoo_core import SettingsError

    plan = planner.plan(reg, RunRequest("vae", dataset="fashion_mnist", visualizers=[]))
    with pytest.raises(SettingsError, match="must be >= 2"):
        planner.plan_metrics(reg, plan, ["fid"], ["n=1"])


def test_zoo_eval_runs_the_sample_metrics_on_a_vae_run_with_a_seed(tmp_path, run_cli):
    require_debian_data()
    out = tmp_path / "run"
    r = run_cli(
        "run",
        "vae",
        "--dataset",
        "fashion_mnist",
        "--epochs",
        "1",
        "--set",
        f"data_dir={DEBIAN}",
        "--set",
        "limit=512",
        "--no-viz",
        "--out",
        str(out),
    )
    assert r.exit_code == 0, r.output
    args = [
        "eval",
        str(out),
        "--metric",
        "fid",
        "--metric",
        "kid",
        "--metric",
        "classifier_score",
        "--metric",
        "precision_recall",
        "--metric",
        "class_coverage",
        "--set",
        "n=500",
        "--set",
        "subset_size=100",
        "--set",
        "subsets=5",
        "--json",
    ]
    first = json.loads(run_cli(*args).stdout)
    again = json.loads(run_cli(*args).stdout)
    for key in ("fid", "kid", "classifier_score", "precision", "recall", "class_entropy"):
        assert np.isfinite(first[key]) and first[key] == again[key], key
    assert first["fid"] > 0 and 0 <= first["precision"] <= 1
    assert first["details"]["fid"]["notes"]["samples"] == 500
    evals = json.loads((out / "metrics.json").read_text())["evaluations"]
    assert [e["metric"] for e in evals].count("fid") == 2  # earlier evaluations are kept
