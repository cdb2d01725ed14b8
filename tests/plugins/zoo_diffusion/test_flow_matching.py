"""Flow matching: the loss by hand, guidance by its formula, the time it trains on, the
samples' shape, range and seed, and what it refuses. (Exact resume, the moving average
included, and the save/load round trip: the contract tests, with ``tiny_run``.)"""

import dataclasses

import numpy as np
import pytest

from zoo_core import IncompatibleError, SettingsError, plugins
from zoo_core.contract import DataSpec
from zoo_core.run import plan as planner
from zoo_core.run.request import RunRequest
from zoo_diffusion.flow_matching import ConditionalFlowMatchingModel, FlowMatchingModel
from zoo_diffusion.settings import FlowMatchingSettings

SPEC = DataSpec("images", (8, 8, 1), "float32", tuple("0123"), ("train", "test"))
TINY = FlowMatchingSettings(channels=(16, 16), steps=6, attention=True)


def tiny_model(cls=FlowMatchingModel, settings=TINY, spec=SPEC):
    model = cls(settings, spec)
    model.net = model.build_network(0)
    rng = np.random.default_rng(0)  # the zero-initialised last convolutions predict 0
    for v in model.net.ema_unet.weights:
        v.assign(v.numpy() + rng.normal(0, 0.05, v.shape).astype("float32"))
    for v in model.net.unet.weights:
        v.assign(v.numpy() + rng.normal(0, 0.05, v.shape).astype("float32"))
    return model


@pytest.mark.parametrize("time_sampling", ["logit_normal", "uniform"])
def test_the_loss_is_the_velocity_errors_mean_square_by_hand(time_sampling):
    import tensorflow as tf

    from zoo_keras.model import replayable_normal

    model = tiny_model(settings=dataclasses.replace(TINY, time_sampling=time_sampling))
    net = model.net
    x = np.random.default_rng(1).random((6, 8, 8, 1), dtype="float32")
    loss = net._loss(tf.constant(x), training=True).numpy()
    # by hand: the same draws (streams 0 and 1 at step 0), the straight path, its velocity
    draw = dict(seed=0, step=0, streams=6)
    if time_sampling == "uniform":
        t = replayable_normal(6, (), stream=0, distribution="uniform", **draw).numpy()
    else:
        t = 1 / (1 + np.exp(-replayable_normal(6, (), stream=0, **draw).numpy()))
    z = replayable_normal(6, (8, 8, 1), stream=1, **draw).numpy()
    x1 = 2 * x - 1
    tt = t[:, None, None, None]
    v = net.unet(tf.constant((1 - tt) * z + tt * x1), tf.constant(1000 * t), None).numpy()
    assert np.allclose(loss, ((v - (x1 - z)) ** 2).mean(axis=(1, 2, 3)), atol=1e-5)
    assert 0 < t.min() and t.max() < 1 and len(set(t.tolist())) == 6


def test_logit_normal_time_spends_training_mid_path():
    import tensorflow as tf

    model = tiny_model()
    model.net.optimizer.iterations.assign(0)
    t = model.net.draw_time(tf.constant(20_000), 0).numpy()
    # sigmoid of a standard normal: median 1/2, and about 68% of draws in (0.27, 0.73)
    assert abs(np.median(t) - 0.5) < 0.01
    assert abs(((t > 0.2689) & (t < 0.7311)).mean() - 0.6827) < 0.01


def test_guidance_mixes_conditional_and_unconditional_velocities():
    import tensorflow as tf

    model = tiny_model(ConditionalFlowMatchingModel)
    net = model.net
    x = tf.constant(np.random.default_rng(4).standard_normal((3, 8, 8, 1)).astype("float32"))
    t = tf.constant(0.3)
    y = tf.constant([0, 1, 3])
    tt = tf.fill([3], 300.0)
    cond = net.ema_unet(x, tt, y).numpy()
    uncond = net.ema_unet(x, tt, tf.fill([3], 4)).numpy()  # 4 = the null label
    assert not np.allclose(cond, uncond, atol=1e-4)
    assert np.allclose(net.guided(x, t, y, 2.5).numpy(), 3.5 * cond - 2.5 * uncond, atol=1e-4)
    assert np.allclose(net.guided(x, t, y, 0.0).numpy(), cond, atol=1e-6)
    a = model.sample(4, seed=0, labels=np.zeros(4, "int32"))
    b = model.sample(4, seed=0, labels=np.full(4, 2, "int32"))
    assert not np.allclose(a, b, atol=1e-3)


def test_samples_are_images_in_0_1_the_seed_fixes_them_and_the_sampler_counts():
    model = tiny_model()
    a = model.sample(6, seed=7)
    assert a.shape == (6, 8, 8, 1) and a.dtype == np.float32
    assert a.min() >= 0.0 and a.max() <= 1.0 and a.std() > 0.01
    assert np.array_equal(a, model.sample(6, seed=7))
    assert not np.array_equal(a, model.sample(6, seed=8))
    model.sample_batch = 4
    assert np.allclose(model.sample(6, seed=7), a, atol=1e-5)

    model.__dict__.pop("_traced_cache")  # trace anew: sampling takes the counting call below
    real, calls = model.net.guided, []
    model.traced("predict", lambda: lambda x, t, y, g: calls.append(float(t)) or real(x, t, y, g))
    model.sample(2, seed=0, sampler="euler", steps=5)
    assert calls == pytest.approx([0.0, 0.2, 0.4, 0.6, 0.8])
    calls.clear()
    model.sample(2, seed=0, sampler="heun", steps=5)  # never asks for t = 1
    assert calls == pytest.approx([0.0, 1 / 3, 1 / 3, 2 / 3, 2 / 3])
    assert model.settings == TINY
    with pytest.raises(SettingsError, match="heun"):
        model.sample(2, seed=0, sampler="heun", steps=2)


def test_a_trained_denoising_figure_names_the_flows_times():
    model = tiny_model()
    labels = model.step_labels(sampler="euler", steps=4)
    assert labels == ["t=0.25", "t=0.50", "t=0.75", "t=1.00"]
    _, states = model.denoise(2, seed=0, keep=(-1, 1, 3), sampler="euler", steps=4)
    assert sorted(states) == [-1, 1, 3] and all(s.shape == (2, 8, 8, 1) for s in states.values())


@pytest.mark.parametrize("viz", ["manifold", "clusters", "reconstructions", "interpolation"])
def test_encode_and_latent_figures_are_refused_before_training(viz):
    with pytest.raises(IncompatibleError) as exc:
        planner.plan(
            plugins.get_registry(),
            RunRequest("flow_matching", dataset="fashion_mnist", visualizers=[viz]),
        )
    msg = str(exc.value)
    assert "\n" not in msg and "visualizers that apply: curves, denoising, samples" in msg


@pytest.mark.parametrize(
    "sets,message",
    [
        (["sampler=ddim"], "sampler"),
        (["sampler=heun", "steps=2"], "steps >= 3"),
        (["time_sampling=beta"], "time_sampling"),
        (["channels=12"], "multiples of 8"),
        (["ema=1"], "ema"),
    ],
)
def test_bad_settings_are_refused_with_what_to_give(sets, message):
    with pytest.raises(SettingsError, match=message):
        planner.plan(
            plugins.get_registry(), RunRequest("flow_matching", dataset="fashion_mnist", sets=sets)
        )


def test_images_the_u_net_cannot_halve_are_refused_naming_the_family():
    with pytest.raises(IncompatibleError, match="flow_matching with 3 resolutions.*divisible by 4"):
        FlowMatchingModel.check_data(
            FlowMatchingSettings(channels=(8, 8, 8)),
            DataSpec("images", (10, 10, 1), "float32", (), ("train",)),
        )
