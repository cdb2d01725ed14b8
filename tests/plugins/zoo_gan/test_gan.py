"""The GAN family: the gradient penalty by hand, the WGAN-GP step's update counts, both
optimizers through save/load, the FID monitor and progress record, failure reports."""

import io

import numpy as np
import pytest
from conftest import DEBIAN, require_debian_data
from rich.console import Console

from zoo_core import IncompatibleError, plugins
from zoo_core.contract import DataSpec
from zoo_core.run import plan as planner
from zoo_core.run import runner
from zoo_core.run.request import RunRequest
from zoo_gan.model import DCGAN, WGANGP
from zoo_gan.settings import DCGANSettings, WGANGPSettings

SPEC = DataSpec("images", (28, 28, 1), "float32", tuple("abcdefghij"), ("train", "test"))
SMALL = dict(latent_dim=8, filters=(4, 8), batch_size=4)
TINY = [
    f"data_dir={DEBIAN}",
    "limit=256",
    "latent_dim=16",
    "filters=8,16",
    "batch_size=32",
    "fid_samples=64",
    "progress_points=4",
]
QUIET = Console(file=io.StringIO())


def test_gradient_penalty_equals_a_hand_computation_on_a_tiny_critic():
    import keras
    import tensorflow as tf

    from zoo_gan.network import gradient_penalty

    rng = np.random.default_rng(0)
    w = rng.standard_normal((1, 2, 2, 1)).astype("float32")

    class Quadratic(keras.Model):
        """D(x) = sum(w * x^2): its input gradient is 2 w x, known in closed form."""

        def call(self, x):
            return tf.reduce_sum(w * tf.square(x), axis=[1, 2, 3])[:, None]

    real = rng.standard_normal((3, 2, 2, 1)).astype("float32")
    fake = rng.standard_normal((3, 2, 2, 1)).astype("float32")
    alpha = rng.random((3, 1, 1, 1)).astype("float32")
    got = float(
        gradient_penalty(Quadratic(), tf.constant(real), tf.constant(fake), tf.constant(alpha))
    )
    x_hat = alpha * real + (1 - alpha) * fake
    norms = np.sqrt(((2 * w * x_hat) ** 2).reshape(3, -1).sum(1))
    assert got == pytest.approx(np.mean((norms - 1) ** 2), rel=1e-5)


def test_one_wgan_gp_step_updates_the_critic_n_critic_times_and_the_generator_once():
    import tensorflow as tf

    m = WGANGP(WGANGPSettings(**SMALL, n_critic=3), SPEC)
    net = m.build_network(seed=0)
    critic0 = [v.numpy().copy() for v in net.discriminator.trainable_variables]
    gen0 = [v.numpy().copy() for v in net.generator.trainable_variables]
    x = tf.constant(np.random.default_rng(0).random((12, 28, 28, 1), dtype=np.float32))
    logs = net.train_step(x)  # 3 critic batches of 4
    assert int(net.d_optimizer.iterations) == 3 and int(net.g_optimizer.iterations) == 1
    assert any(
        not np.array_equal(a, b.numpy())
        for a, b in zip(critic0, net.discriminator.trainable_variables)
    )
    assert any(
        not np.array_equal(a, b.numpy()) for a, b in zip(gen0, net.generator.trainable_variables)
    )
    assert {"critic_loss", "g_loss", "wasserstein", "gp"} == set(logs)
    # the critic loss is -W + lambda * GP, averaged over the three updates
    assert float(logs["critic_loss"]) == pytest.approx(
        -float(logs["wasserstein"]) + 10.0 * float(logs["gp"]), rel=1e-4, abs=1e-5
    )
    assert m.images_per_step() == 12


def test_one_dcgan_step_updates_each_network_once():
    import tensorflow as tf

    net = DCGAN(DCGANSettings(**SMALL), SPEC).build_network(seed=0)
    net.train_step(tf.constant(np.random.default_rng(0).random((4, 28, 28, 1), "float32")))
    assert int(net.d_optimizer.iterations) == 1 and int(net.g_optimizer.iterations) == 1


@pytest.mark.parametrize("cls", [DCGAN, WGANGP])
def test_samples_are_images_in_0_1_of_the_datasets_shape(cls):
    m = cls(cls.Settings(**SMALL), SPEC)
    m.net = m.build_network(seed=0)
    s = m.sample(5, seed=1)
    assert s.shape == (5, 28, 28, 1) and s.min() >= 0.0 and s.max() <= 1.0
    assert np.array_equal(s, m.sample(5, seed=1)) and not np.array_equal(s, m.sample(5, seed=2))


@pytest.mark.parametrize("viz", ["manifold", "clusters", "reconstructions"])
def test_figures_that_need_an_encoder_are_refused_before_training(viz, tmp_path):
    require_debian_data()
    with pytest.raises(IncompatibleError, match="needs a model that can encode"):
        planner.plan(
            plugins.get_registry(),
            RunRequest("wgan_gp", dataset="fashion_mnist", visualizers=[viz], sets=TINY),
        )


def test_a_run_records_fid_each_epoch_and_the_progress_samples(tmp_path):
    require_debian_data()
    plugins.reset()
    plan = planner.plan(
        plugins.get_registry(),
        RunRequest(
            "dcgan",
            dataset="fashion_mnist",
            visualizers=["progress", "curves"],
            sets=TINY,
            flags={"epochs": 2},
        ),
    )
    run, test, paths = runner.execute(plan, QUIET, out=str(tmp_path / "g"))
    hist = run.metrics()["history"]
    assert [h["epoch"] for h in hist] == [1, 2]
    assert all(np.isfinite(h["fid"]) and h["fid"] > 0 for h in hist)
    assert run.metrics()["monitor"] == "fid" and (run.checkpoints / "best.keras").is_file()
    state = run.read_json("state.json")
    assert state["best"] == min(h["fid"] for h in hist)
    with np.load(run.file("sample_progress.npz")) as z:
        assert z["epochs"].tolist() == [1, 2] and z["images"].shape == (2, 4, 28, 28, 1)
        assert not np.array_equal(z["images"][0], z["images"][1])  # the generator moved
    assert [p.name for p in paths] == ["progress.png", "curves.png"]
    assert test == {}


def test_the_progress_line_reports_a_discriminator_that_wins_outright():
    from zoo_gan.monitor import GANHealth

    out = io.StringIO()
    health = GANHealth("dcgan", Console(file=out, width=200))
    health.on_epoch_end(0, {"d_loss": 0.69, "g_loss": 0.8})
    assert out.getvalue() == ""
    health.on_epoch_end(1, {"d_loss": 0.01, "g_loss": 7.5})
    assert "epoch 2: the discriminator wins outright (d_loss 0.01, g_loss 7.5)" in out.getvalue()
    out = io.StringIO()
    critic = GANHealth("wgan_gp", Console(file=out, width=200))
    for epoch, w in enumerate([1.0, 1.5, 2.5, 4.0]):
        critic.on_epoch_end(epoch, {"wasserstein": w})
    assert "Wasserstein estimate rose three epochs running (1 -> 1.5 -> 2.5 -> 4)" in out.getvalue()
