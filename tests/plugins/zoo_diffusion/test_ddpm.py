"""The diffusion family: the forward process against its closed form, the schedules, the
simple loss by hand, DDIM with a perfect noise predictor, the moving average, guidance,
sampling's shape, range and seed, and what it refuses. (Exact resume and the save/load
round trip: the contract test checks every registered model, ddpm and ddpm_cond included,
with their ``tiny_run``.)"""

import dataclasses

import numpy as np
import pytest

from zoo_core import IncompatibleError, SettingsError, plugins
from zoo_core.contract import DataSpec
from zoo_core.run import plan as planner
from zoo_core.run.request import RunRequest
from zoo_diffusion.model import ConditionalDDPMModel, DDPMModel
from zoo_diffusion.schedule import alpha_bars, betas, sampling_timesteps
from zoo_diffusion.settings import DDPMSettings

SPEC = DataSpec("images", (8, 8, 1), "float32", tuple("0123"), ("train", "test"))
# 16 channels: two per normalisation group, so a per-channel shift (the time and label
# embeddings) survives group normalisation; with one channel per group it would not
TINY = DDPMSettings(channels=(16, 16), timesteps=50, steps=5, attention=True)


def tiny_model(cls=DDPMModel, settings=TINY, spec=SPEC):
    model = cls(settings, spec)
    model.net = model.build_network(0)
    rng = np.random.default_rng(0)  # the zero-initialised last convolutions predict 0
    for v in model.net.ema_unet.weights:
        v.assign(v.numpy() + rng.normal(0, 0.05, v.shape).astype("float32"))
    return model


# -- the forward process and the schedules ----------------------------------------------------
@pytest.mark.parametrize("schedule", ["linear", "cosine"])
def test_the_forward_process_has_its_closed_form_mean_and_variance(schedule):
    import tensorflow as tf

    from zoo_diffusion.network import q_sample

    ab = alpha_bars(schedule, 1000)
    x0 = np.full((20_000, 2, 2, 1), 0.6, "float32")
    for t in (0, 100, 500, 999):
        noise = np.random.default_rng(t).standard_normal(x0.shape).astype("float32")
        xt = q_sample(
            tf.constant(x0), tf.fill([len(x0)], t), tf.constant(noise), tf.constant(ab, tf.float32)
        ).numpy()
        assert abs(xt.mean() - np.sqrt(ab[t]) * 0.6) < 0.01
        assert abs(xt.var() - (1 - ab[t])) < 0.01 * max(1 - ab[t], 0.01) + 1e-4


def test_the_schedules_alpha_bars_decrease_from_their_stated_endpoints():
    lin = alpha_bars("linear", 1000)
    cos = alpha_bars("cosine", 1000)
    for ab in (lin, cos):
        assert np.all(np.diff(ab) < 0) and 0 < ab[-1] < ab[0] < 1
    assert betas("linear", 1000)[0] == pytest.approx(1e-4)
    assert betas("linear", 1000)[-1] == pytest.approx(0.02)
    assert lin[0] == pytest.approx(1 - 1e-4) and lin[-1] == pytest.approx(4.04e-5, rel=0.01)
    assert cos[-1] < 1e-4 and betas("cosine", 1000).max() == pytest.approx(0.999)
    # the cosine schedule keeps more signal at mid-range t (Nichol & Dhariwal, Fig. 5)
    assert cos[500] > lin[500]


def test_ddim_takes_the_steps_asked_for_and_ddpm_takes_every_one():  # the grid
    ddim = sampling_timesteps("ddim", 1000, 25)
    assert len(ddim) == 25 and ddim[0][0] == 999 and ddim[-1] == (0, -1)
    assert all(t > p for t, p in ddim)
    ddpm = sampling_timesteps("ddpm", 1000, 25)
    assert len(ddpm) == 1000 and ddpm[0] == (999, 998) and ddpm[-1] == (0, -1)


# -- training --------------------------------------------------------------------------------
def test_the_loss_is_the_noise_predictions_mean_squared_error_by_hand():
    import tensorflow as tf

    from zoo_keras.model import replayable_normal

    model = tiny_model()
    net = model.net
    x = np.random.default_rng(1).random((6, 8, 8, 1), dtype="float32")
    loss = net._loss(tf.constant(x), training=True).numpy()
    # by hand: the same draws (streams 0 and 1 at step 0), x_t, then the U-Net's prediction
    u = replayable_normal(
        6, (), seed=0, step=0, stream=0, streams=6, distribution="uniform"
    ).numpy()
    t = np.minimum((u * 50).astype("int32"), 49)
    noise = replayable_normal(6, (8, 8, 1), seed=0, step=0, stream=1, streams=6).numpy()
    ab = alpha_bars("cosine", 50).astype("float32")[t][:, None, None, None]
    xt = np.sqrt(ab) * (2 * x - 1) + np.sqrt(1 - ab) * noise
    eps = net.unet(tf.constant(xt), tf.constant(t), None).numpy()
    assert np.allclose(loss, ((noise - eps) ** 2).mean(axis=(1, 2, 3)), atol=1e-5)
    assert len(set(t.tolist())) > 1  # timesteps are drawn per image


def test_the_moving_average_follows_its_formula_with_warm_up():
    import tensorflow as tf

    model = tiny_model(settings=dataclasses.replace(TINY, ema=0.999))
    net = model.net
    before = [v.numpy() for v in net.ema_unet.weights]
    x = np.random.default_rng(2).random((4, 8, 8, 1), dtype="float32")
    net.train_step(tf.constant(x))  # one optimizer step: n = 1, d = min(0.999, 2/11)
    d = 2.0 / 11.0
    after = [v.numpy() for v in net.ema_unet.weights]
    now = [v.numpy() for v in net.unet.weights]
    assert any(np.abs(a - b).max() > 1e-6 for a, b in zip(after, before))
    for a, b, w in zip(after, before, now, strict=True):
        assert np.allclose(a, d * b + (1 - d) * w, atol=1e-6)
    # the averaged copy is not trained: no gradient reaches it
    assert not net.ema_unet.trainable_weights
    assert len(net.trainable_weights) == len(net.unet.trainable_weights)


# -- sampling --------------------------------------------------------------------------------
def test_ddim_with_a_perfect_noise_predictor_recovers_x0_exactly():
    from zoo_diffusion.samplers import DDIM

    ab = alpha_bars("cosine", 1000)
    rng = np.random.default_rng(3)
    x0 = rng.uniform(-1, 1, (5, 4, 4, 1)).astype("float32")
    x = rng.standard_normal((5, 4, 4, 1)).astype("float32")

    def perfect(x, t):  # the noise that makes x from x0
        return ((x - np.sqrt(ab[t]) * x0) / np.sqrt(1 - ab[t])).astype("float32")

    *_, last = DDIM(ab, 10).run(x, perfect)
    assert np.max(np.abs(last - x0)) < 1e-4


def test_samples_are_images_in_0_1_and_the_seed_fixes_them():
    model = tiny_model()
    a = model.sample(6, seed=7)
    assert a.shape == (6, 8, 8, 1) and a.dtype == np.float32
    assert a.min() >= 0.0 and a.max() <= 1.0 and a.std() > 0.01
    assert np.array_equal(a, model.sample(6, seed=7))
    assert not np.array_equal(a, model.sample(6, seed=8))
    # the batch it is drawn in does not change an image
    model.sample_batch = 4
    assert np.allclose(model.sample(6, seed=7), a, atol=1e-5)


def test_sampler_settings_change_how_many_steps_run():
    small = DDPMSettings(channels=(8,), timesteps=12, steps=5, attention=False)
    model = tiny_model(settings=small)  # each evaluation runs eagerly here: a small network
    real, calls = model.net.guided, []

    def counting(x, t, y, guidance):
        calls.append(int(t))
        return real(x, t, y, guidance)

    model.traced("predict", lambda: counting)  # sampling now uses the counting call
    model.sample(2, seed=0, sampler="ddim", steps=5)  # options for this call only
    assert len(calls) == 5
    calls.clear()
    out = model.sample(2, seed=0, sampler="ddpm")
    assert calls == list(range(11, -1, -1)) and out.min() >= 0 and out.max() <= 1
    calls.clear()
    model.sample(2, seed=0, sampler="dpmpp_2m", steps=4)
    assert len(calls) == 4 and calls[0] == 11
    assert model.settings == small  # the model's own settings never change
    calls.clear()
    model.sample(2, seed=0, steps="3")  # converted as --set converts it
    assert len(calls) == 3
    with pytest.raises(SettingsError, match="takes no sampling option 'timesteps'"):
        model.sample(2, seed=0, timesteps=4)  # fixed by training: not a sampling option
    with pytest.raises(SettingsError, match="steps"):
        model.sample(2, seed=0, steps=0)


def test_ancestral_sampling_draws_fresh_noise_and_ddim_with_eta_0_none():
    model = tiny_model()
    model.settings = dataclasses.replace(TINY, sampler="ddim", eta=0.0)
    first = model.sample(3, seed=0)
    model.settings = dataclasses.replace(TINY, sampler="ddim", eta=1.0)
    assert not np.allclose(first, model.sample(3, seed=0), atol=1e-3)


def test_guidance_mixes_conditional_and_unconditional_predictions():
    import tensorflow as tf

    model = tiny_model(ConditionalDDPMModel)
    net = model.net
    x = tf.constant(np.random.default_rng(4).standard_normal((3, 8, 8, 1)).astype("float32"))
    t = tf.constant([40, 20, 3])
    y = tf.constant([0, 1, 3])
    cond = net.ema_unet(x, t, y).numpy()
    uncond = net.ema_unet(x, t, tf.fill([3], 4)).numpy()  # 4 = the null label
    assert not np.allclose(cond, uncond, atol=1e-4)  # the label matters
    assert np.allclose(net.predict_eps(x, t, y, 3.0).numpy(), 4 * cond - 3 * uncond, atol=1e-4)
    assert np.allclose(net.predict_eps(x, t, y, 0.0).numpy(), cond, atol=1e-6)
    # labels reach the samples: the same seed, other classes, other images
    a = model.sample(4, seed=0, labels=np.zeros(4, "int32"))
    b = model.sample(4, seed=0, labels=np.full(4, 2, "int32"))
    assert not np.allclose(a, b, atol=1e-3)


# -- what it refuses ---------------------------------------------------------------------------
@pytest.mark.parametrize("viz", ["manifold", "clusters", "reconstructions", "interpolation"])
def test_encode_and_latent_figures_are_refused_before_training(viz):
    with pytest.raises(IncompatibleError) as exc:
        planner.plan(
            plugins.get_registry(), RunRequest("ddpm", dataset="fashion_mnist", visualizers=[viz])
        )
    msg = str(exc.value)
    assert "\n" not in msg and any(w in msg for w in ("encode", "decode", "latent"))
    assert "visualizers that apply: curves, denoising, samples, steps_tradeoff" in msg


@pytest.mark.parametrize(
    "sets,message",
    [
        (["timesteps=100", "steps=200"], "cannot exceed 'timesteps'"),
        (["channels=12,24"], "multiples of 8"),
        (["label_dropout=1.0"], "label_dropout"),
        (["sampler=euler"], "sampler"),
    ],
)
def test_bad_settings_are_refused_with_what_to_give(sets, message):
    with pytest.raises(SettingsError, match=message):
        planner.plan(plugins.get_registry(), RunRequest("ddpm", dataset="fashion_mnist", sets=sets))


def test_images_the_u_net_cannot_halve_are_refused():
    with pytest.raises(IncompatibleError, match="divisible by 4"):
        DDPMModel.check_data(
            DDPMSettings(channels=(8, 8, 8)),
            DataSpec("images", (10, 10, 1), "float32", (), ("train",)),
        )
