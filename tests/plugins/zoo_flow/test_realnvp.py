"""The RealNVP flow: exact inverse, log-determinants against numerical Jacobians, the data
model's change-of-variables terms by hand, bits/dim, temperature, and what it refuses.
(Exact resume and the save/load round trip: the contract test checks every registered
model, this one included, with its ``tiny_run``.)"""

import dataclasses
import math

import numpy as np
import pytest
from conftest import require_debian_data

from zoo_core import IncompatibleError, plugins
from zoo_core.contract import DataSpec
from zoo_core.run import plan as planner
from zoo_core.run import runner
from zoo_core.run.request import RunRequest
from zoo_flow.model import RealNVPModel
from zoo_flow.settings import RealNVPSettings

SPEC = DataSpec("images", (28, 28, 1), "float32", tuple("0123456789"), ("train", "test"))
TINY = RealNVPSettings(filters=8, blocks=1, couplings=2, final_couplings=2)


def perturbed(net, seed=0, scale=0.05):
    """Give every weight a random value, so no coupling is the identity it starts as."""
    rng = np.random.default_rng(seed)
    for v in net.weights:
        v.assign(v.numpy() + rng.normal(0, scale, v.shape).astype("float32"))
    return net


def flow_model(settings=TINY, spec=SPEC, perturb=0.01):
    """A flow whose weights are the initial ones moved by ``perturb`` (a trained flow's
    size of change: latents within about +-10; much larger random weights give latents in
    the hundreds, where float32 no longer inverts to 1e-4)."""
    model = RealNVPModel(settings, spec)
    model.net = model.build_network(0)
    if perturb:
        perturbed(model.net, scale=perturb)
    return model


def real_images(n=64):
    require_debian_data()
    from zoo_fashion_mnist.dataset import FashionMNIST

    x, y = FashionMNIST().arrays("test")
    return x[:n], y[:n]


def test_decode_inverts_encode_on_real_images():
    x, _ = real_images()
    model = flow_model()
    z = model.encode(x)
    assert z.shape == x.shape  # the latent has the image's shape
    back = model.decode(z)
    assert np.max(np.abs(back - x)) < 1e-4
    # the perturbed flow is far from the identity, so the round trip is a real test
    p = 0.05 + 0.9 * (x * 255 + 0.5) / 256
    assert np.mean(np.abs(z - np.log(p / (1 - p)))) > 0.05


def _log_det_numeric(fn, h):
    import tensorflow as tf

    h = tf.constant(h)
    with tf.GradientTape() as tape:
        tape.watch(h)
        out = fn(h)
    jac = tape.jacobian(out, h).numpy().reshape(out.shape.num_elements(), -1)
    return np.linalg.slogdet(jac.astype("float64"))[1]


@pytest.mark.parametrize(
    "kind,parity,shape",
    [
        ("checkerboard", 0, (1, 4, 4, 2)),
        ("checkerboard", 1, (1, 4, 4, 2)),
        ("channel", 0, (1, 2, 2, 4)),
        ("channel", 1, (1, 2, 2, 4)),
    ],
)
def test_each_coupling_log_det_equals_its_numerical_jacobian(kind, parity, shape):
    from zoo_flow.network import Coupling

    layer = Coupling(kind, parity, shape[-1], filters=8, blocks=1)
    h = np.random.default_rng(1).normal(size=shape).astype("float32")
    layer(h)  # build
    perturbed(layer, scale=0.3)
    out, log_det = layer.forward(h)
    assert abs(float(log_det[0])) > 0.05  # not a volume-preserving accident
    assert float(log_det[0]) == pytest.approx(
        _log_det_numeric(lambda t: layer.forward(t)[0], h), abs=2e-3
    )
    np.testing.assert_allclose(layer.inverse(out).numpy(), h, atol=1e-5)


def test_actnorm_and_the_whole_flow_log_det_equal_their_numerical_jacobians():
    from zoo_flow.network import ActNorm, RealNVP

    norm = ActNorm()
    h = np.random.default_rng(2).normal(size=(1, 3, 3, 2)).astype("float32")
    norm(h)
    perturbed(norm, scale=0.3)
    assert float(norm.forward(h)[1][0]) == pytest.approx(
        _log_det_numeric(lambda t: norm.forward(t)[0], h), abs=1e-4
    )
    net = RealNVP((4, 4, 1), scales=1, couplings=2, final_couplings=2, filters=8, blocks=1)
    v = np.random.default_rng(3).normal(size=(1, 4, 4, 1)).astype("float32")
    net(np.zeros((1, 4, 4, 1), "float32"))
    perturbed(net, scale=0.1)
    z, log_det = net.forward(v)
    assert float(log_det[0]) == pytest.approx(
        _log_det_numeric(lambda t: net.forward(t)[0], v), abs=2e-3
    )
    np.testing.assert_allclose(net.inverse(z).numpy(), v, atol=1e-4)


def test_identity_flow_likelihood_is_the_normal_density_plus_the_data_terms():
    """Untrained, every coupling and actnorm is the identity: log P(x) is the standard
    normal density of the logit of the dequantised pixels plus their change of variables,
    computed here by hand."""
    model = flow_model(perturb=0)
    rng = np.random.default_rng(0)
    x = (rng.integers(0, 256, size=(3, 28, 28, 1)) / 255.0).astype("float32")
    u = rng.random(x.shape, dtype="float32")
    got = model.net.log_prob(x, u).numpy()
    a, d = 0.05, 28 * 28
    y = (np.round(x.astype("float64") * 255) + u) / 256
    p = a + (1 - 2 * a) * y
    v = np.log(p) - np.log1p(-p)
    log_normal = -0.5 * (v**2 + math.log(2 * math.pi))
    log_det = math.log(1 - 2 * a) - np.log(p) - np.log1p(-p)
    want = (log_normal + log_det).reshape(3, -1).sum(1) - d * math.log(256)
    np.testing.assert_allclose(got, want, rtol=2e-5)
    # the same by hand for an all-black image dequantised at 1/2: one pixel's terms x 784
    black = np.zeros((1, 28, 28, 1), "float32")
    p0 = a + (1 - 2 * a) * 0.5 / 256
    v0 = math.log(p0 / (1 - p0))
    one = (
        -0.5 * (v0**2 + math.log(2 * math.pi))
        + math.log(1 - 2 * a)
        - math.log(p0)
        - math.log(1 - p0)
        - math.log(256)
    )
    assert float(model.net.log_prob(black, np.full_like(black, 0.5))[0]) == pytest.approx(
        d * one, rel=1e-5
    )


def test_bits_per_dim_is_nats_over_pixels_times_ln2_in_training_and_in_the_metric():
    from rich.console import Console

    from zoo_core.contract import RunContext
    from zoo_metrics.nll import NegativeLogLikelihood

    x, _ = real_images(32)
    model = flow_model()
    logs = model.net.evaluate(x, batch_size=16, verbose=0, return_dict=True)
    assert logs["bits_per_dim"] == pytest.approx(logs["loss"] / (784 * math.log(2)), rel=1e-5)
    assert logs["bits_per_dim"] > 8.0  # untrained: worse than 8 bits, the uniform model's

    class Tiny:
        def arrays(self, split):
            return x, np.zeros(len(x), "int64")

    ctx = RunContext(run=None, dataset=Tiny(), seed=4, console=Console(quiet=True))
    result = NegativeLogLikelihood().compute(model, ctx)
    nats = -model.log_likelihood(x, seed=4).astype("float64").mean()
    assert result.values["nll"] == pytest.approx(nats, rel=1e-6)
    assert result.values["nll_bits_per_dim"] == pytest.approx(nats / (784 * math.log(2)), rel=1e-6)
    assert result.notes["kind"] == "exact"
    # the likelihood is seeded: same seed, same numbers; k is ignored (exact density)
    np.testing.assert_array_equal(
        model.log_likelihood(x[:4], seed=4), model.log_likelihood(x[:4], seed=4, k=50)
    )


def test_temperature_scales_the_prior_and_samples_stay_images():
    model = flow_model()
    z1 = model.prior(8, seed=3)
    model.settings = dataclasses.replace(TINY, temperature=0.5)
    np.testing.assert_allclose(model.prior(8, seed=3), 0.5 * z1, rtol=1e-6)
    s = model.sample(8, seed=3)
    assert s.shape == (8, 28, 28, 1) and s.min() >= 0.0 and s.max() <= 1.0
    np.testing.assert_array_equal(s, model.sample(8, seed=3))
    # a temperature for one call: the same images as with that setting, settings unchanged
    model.settings = TINY
    np.testing.assert_array_equal(model.sample(8, seed=3, temperature=0.5), s)
    assert model.settings == TINY


@pytest.mark.parametrize("viz", ["manifold", "traversal"])
def test_figures_that_need_a_small_vector_latent_are_refused_before_training(viz, tmp_path):
    with pytest.raises(IncompatibleError) as exc:
        planner.plan(
            plugins.get_registry(),
            RunRequest("realnvp", dataset="fashion_mnist", visualizers=[viz]),
        )
    msg = str(exc.value)
    assert "\n" not in msg and "needs a vector latent space" in msg and "(28, 28, 1)" in msg


def test_images_the_scales_cannot_halve_are_refused():
    with pytest.raises(IncompatibleError, match="divisible by 8"):
        RealNVPModel.check_data(RealNVPSettings(scales=3), SPEC)


def test_a_tiny_run_samples_at_a_temperature_and_draws_the_temperature_panels(run_cli, tmp_path):
    from matplotlib.image import imread
    from rich.console import Console

    require_debian_data()
    plan = planner.plan(
        plugins.get_registry(),
        RunRequest(
            "realnvp",
            dataset="fashion_mnist",
            visualizers=[],
            tensorboard=False,
            sets=[
                "limit=128",
                "filters=8",
                "blocks=0",
                "scales=1",
                "couplings=1",
                "final_couplings=1",
            ],
            flags={"epochs": 1},
        ),
    )
    run, test, _ = runner.execute(plan, Console(quiet=True), out=str(tmp_path / "run"))
    assert test["bits_per_dim"] == pytest.approx(test["loss"] / (784 * math.log(2)), rel=1e-5)
    cool, hot = tmp_path / "cool.png", tmp_path / "hot.png"
    for path, t in ((cool, "0.3"), (hot, "1.0")):
        r = run_cli(
            "sample", str(run.path), "--n", "4", "--set", f"temperature={t}", "--out", str(path)
        )
        assert r.exit_code == 0, r.output
    assert not np.array_equal(imread(cool), imread(hot))  # the setting reached the prior
    r = run_cli("viz", str(run.path), "--viz", "temperatures", "--set", "n=4")
    assert r.exit_code == 0 and (run.path / "figures" / "temperatures.png").is_file()
