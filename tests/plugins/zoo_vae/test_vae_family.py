"""The VAE family grown: the conditional VAE (``cvae``), beta-VAE and its KL warm-up, and the
figures that show what they learned (``class_grid``, ``interpolation``, traversal KL bars)."""

import json

import numpy as np
import pytest
from conftest import DEBIAN, require_debian_data
from rich.console import Console

from zoo_core import plugins
from zoo_core.contract import DataSpec
from zoo_core.run import plan as planner
from zoo_core.run import runner
from zoo_core.run.request import RunRequest
from zoo_vae.model import ConditionalConvVAE, ConvVAE
from zoo_vae.settings import CVAE_VARIANTS, VARIANTS, VAESettings

SPEC = DataSpec("images", (28, 28, 1), "float32", tuple("abcdefghij"), ("train", "test"))
QUIET = Console(file=open("/dev/null", "w"))
TINY = [f"data_dir={DEBIAN}", "limit=256", "batch_size=64"]


def built(model, seed: int = 0):
    """The model's network, built outside a run (``model.net``), as a run builds it."""
    model.net = model.build_network(seed)
    return model.net


def cvae(**settings):
    m = ConditionalConvVAE(VAESettings(**settings), SPEC)
    built(m, 0)
    return m


def test_cvae_loss_equals_a_hand_computed_elbo_with_one_hot_labels():
    import tensorflow as tf

    m = cvae(latent_dim=3)
    rng = np.random.default_rng(2)
    # a prior p(z|y) away from N(0, I), as training makes it
    m.net.prior.set_weights(
        [0.5 * rng.standard_normal(w.shape).astype("float32") for w in m.net.prior.get_weights()]
    )
    x = rng.random((4, 28, 28, 1), dtype=np.float32)
    labels = np.array([0, 3, 9, 3])
    eps = rng.standard_normal((4, 3)).astype(np.float32)
    x_, y = m.net.split((tf.constant(x), tf.constant(labels)))
    rec, kl = m.net.losses_of(x_, tf.constant(eps), y)
    # by hand, in NumPy: the label one-hot goes to the encoder and the decoder
    onehot = np.eye(10, dtype=np.float32)[labels]
    mu, lv = (t.numpy() for t in m.net.encoder([x, onehot]))
    logits = m.net.decoder([mu + np.exp(0.5 * lv) * eps, onehot]).numpy().astype(np.float64)
    p = 1.0 / (1.0 + np.exp(-logits))
    rec_hand = -(x * np.log(p) + (1 - x) * np.log(1 - p)).reshape(4, -1).sum(1)
    w_mean, w_log_var = m.net.prior.get_weights()
    p_mu, p_lv = onehot @ w_mean, onehot @ w_log_var  # p(z|y) = N(p_mu, exp(p_lv))
    kl_hand = 0.5 * (p_lv - lv + (np.exp(lv) + (mu - p_mu) ** 2) / np.exp(p_lv) - 1).sum(1)
    np.testing.assert_allclose(rec.numpy(), rec_hand, rtol=1e-4)
    np.testing.assert_allclose(kl.numpy(), kl_hand, rtol=1e-4, atol=1e-6)
    # with the prior at its start, N(0, I), it is the familiar closed form
    m.net.prior.set_weights([np.zeros_like(w) for w in m.net.prior.get_weights()])
    _, kl0 = m.net.losses_of(x_, tf.constant(eps), y)
    np.testing.assert_allclose(
        kl0.numpy(), -0.5 * (1 + lv - mu**2 - np.exp(lv)).sum(1), rtol=1e-4, atol=1e-6
    )


def test_samples_of_a_class_come_from_its_prior():
    m = cvae()
    w_mean, w_log_var = m.net.prior.get_weights()
    w_mean[7] = [3.0, -2.0]  # class 7's prior centred at (3, -2), scale exp(0.5 * -2)
    w_log_var[7] = [-2.0, -2.0]
    m.net.prior.set_weights([w_mean, w_log_var])
    eps = np.random.default_rng(4).standard_normal((500, 2)).astype("float32")
    z7 = m.prior(500, 4, labels=np.full(500, 7))
    np.testing.assert_allclose(z7, [3.0, -2.0] + np.exp(-1.0) * eps, rtol=1e-5)
    np.testing.assert_allclose(m.prior(500, 4, labels=np.zeros(500, int)), eps, rtol=1e-6)
    np.testing.assert_allclose(m.prior(500, 4), eps)  # no labels: the noise itself


def test_labels_reach_both_networks():
    m = cvae()
    x = np.random.default_rng(0).random((1, 28, 28, 1), dtype=np.float32)
    z = np.array([[0.5, -1.0]], "float32")
    # the same z decoded as two classes gives two images ...
    assert np.abs(m.decode(z, labels=[0]) - m.decode(z, labels=[7])).max() > 1e-4
    # ... and the same image encoded under two labels gives two posteriors
    assert np.abs(m.encode(x, labels=[0]) - m.encode(x, labels=[7])).max() > 1e-5
    with pytest.raises(ValueError, match="needs labels"):
        m.decode(z)


def test_cvae_variants_are_the_vae_networks_plus_the_label():
    for name, settings in CVAE_VARIANTS.items():
        plain = ConvVAE(VAESettings(**VARIANTS[name.replace("cvae", "vae")]), SPEC)
        built(plain)
        cond = cvae(**settings)
        assert cond.net.latent_dim == plain.net.latent_dim
        # the extra weights are exactly the label's rows in the two first dense layers
        extra = cond.net.count_params() - plain.net.count_params()
        dense, latent = cond.settings.dense, cond.settings.latent_dim
        first_decoder_units = 7 * 7 * cond.settings.filters[1]
        # ... and the class-conditional prior's mean and log variance per class
        assert extra == 10 * dense + 10 * first_decoder_units + 2 * 10 * latent


def test_kl_warmup_starts_at_zero_and_reaches_beta():
    m = ConvVAE(VAESettings(latent_dim=4, beta=4.0, kl_warmup=2), SPEC)
    m.steps_per_epoch = 5
    net = built(m)
    assert net.kl_warmup_steps == 10
    assert float(net.beta_at(0)) == 0.0
    assert float(net.beta_at(5)) == pytest.approx(2.0)
    assert float(net.beta_at(10)) == 4.0 and float(net.beta_at(1000)) == 4.0
    assert float(built(ConvVAE(VAESettings(beta=4.0), SPEC)).beta_at(0)) == 4.0


def test_the_first_training_step_under_warmup_optimises_reconstruction_only():
    import tensorflow as tf

    m = ConvVAE(VAESettings(beta=4.0, kl_warmup=1), SPEC)
    m.steps_per_epoch = 10
    net = built(m)
    x = tf.constant(np.random.default_rng(0).random((8, 28, 28, 1), dtype=np.float32))
    logs = net.train_step(x)
    assert float(logs["kl_loss"]) > 0  # a KL was measured ...
    assert float(logs["loss"]) == pytest.approx(float(logs["reconstruction_loss"]))  # x 0


def plan(model, epochs=2, sets=(), viz=()):
    require_debian_data()
    return planner.plan(
        plugins.get_registry(),
        RunRequest(
            model,
            dataset="fashion_mnist",
            visualizers=list(viz),
            sets=[*TINY, *sets],
            seed=0,
            flags={"epochs": epochs},
        ),
    )


def test_a_warmed_up_beta_vae_run_reports_the_beta_1_elbo(tmp_path):
    plugins.reset()
    p = plan("beta_vae", sets=["kl_warmup=1", "latent_dim=3"])
    run, test, _ = runner.execute(p, QUIET, out=str(tmp_path / "b"))
    h1, h2 = run.metrics()["history"]
    # epoch 1 ramps beta from 0: its mean objective is below rec + 4 kl; epoch 2 is at 4
    assert h1["loss"] < h1["reconstruction_loss"] + 4 * h1["kl_loss"] - 1e-3
    assert h2["loss"] == pytest.approx(h2["reconstruction_loss"] + 4 * h2["kl_loss"], rel=1e-5)
    # the held-out pass weighs the KL by the full beta in every epoch (epochs compare) ...
    assert h1["val_loss"] == pytest.approx(
        h1["val_reconstruction_loss"] + 4 * h1["val_kl_loss"], rel=1e-5
    )
    # ... and the reported ELBO is the beta = 1 bound
    assert test["neg_elbo"] == pytest.approx(test["reconstruction"] + test["kl"], rel=1e-6)
    assert test["neg_elbo"] < h2["val_loss"]


def test_beta_vae_is_a_named_variant_and_info_says_the_elbo_is_at_beta_1(run_cli):
    r = run_cli("info", "beta_vae", "--json")
    assert r.exit_code == 0, r.output
    rows = {row["name"]: row for row in json.loads(r.stdout)["settings"]}
    assert "beta = 1 bound" in rows["beta"]["help"] and rows["beta"]["when"] == "training"
    s = plugins.get_registry().resolve("model", "beta_vae")
    assert s.overrides["beta"] == 4.0 and s.overrides["latent_dim"] == 10


@pytest.fixture(scope="module")
def cvae_run(tmp_path_factory):
    plugins.reset()
    out = tmp_path_factory.mktemp("runs") / "cvae"
    run, test, paths = runner.execute(plan("cvae", viz=["class_grid"]), QUIET, out=str(out))
    return run, test, paths


def test_a_cvae_run_trains_on_labels_and_draws_its_class_grid(cvae_run):
    run, test, paths = cvae_run
    assert [p.name for p in paths] == ["class_grid.png"]
    assert test["neg_elbo"] > 0 and run.config["model"]["name"] == "cvae_2d"


@pytest.mark.parametrize(
    "label,index", [("Sneaker", 7), ("sneaker", 7), ("7", 7), ("T-shirt/top", 0)]
)
def test_sample_by_class_name_or_index(cvae_run, run_cli, tmp_path, label, index):
    run, _, _ = cvae_run
    out = tmp_path / "s.png"
    r = run_cli("sample", str(run.path), "--label", label, "--n", "16", "--out", str(out))
    assert r.exit_code == 0, r.output
    assert out.stat().st_size > 0


def test_sampling_a_class_gives_that_class_images(cvae_run):
    """Samples asked for different classes differ (the label conditions the sample)."""
    run, _, _ = cvae_run
    _, _, model, _ = runner.open_trained(plugins.get_registry(), str(run.path))
    a = model.sample(16, seed=0, labels=np.full(16, 7))
    b = model.sample(16, seed=0, labels=np.full(16, 1))
    assert np.abs(a - b).mean() > 1e-3


@pytest.mark.parametrize(
    "label,message",
    [
        ("Sneakers", "unknown label 'Sneakers'; use a class name or index 0..9: T-shirt/top, "),
        ("10", "unknown label '10'"),
        ("-1", "unknown label '-1'"),
    ],
)
def test_sample_refuses_an_unknown_label_with_the_class_names(
    cvae_run, run_cli, label, message, tmp_path
):
    run, _, _ = cvae_run
    before = sorted(p.name for p in (run.path / "figures").iterdir())
    r = run_cli("sample", str(run.path), "--label", label)
    assert r.exit_code == 2 and message in r.output and "Ankle boot" in r.output
    assert sorted(p.name for p in (run.path / "figures").iterdir()) == before


def test_a_label_is_refused_for_an_unconditional_model(tmp_path, run_cli):
    plugins.reset()
    run, _, _ = runner.execute(plan("vae", epochs=1), QUIET, out=str(tmp_path / "v"))
    r = run_cli("sample", str(run.path), "--label", "Sneaker")
    assert r.exit_code == 2 and "--label applies to conditional models; 'vae_2d' is not" in r.output


def test_a_run_whose_network_changed_since_is_refused_as_such_not_as_damaged(run_cli, tmp_path):
    """A run trained before a setting changed the network (here: without the conditional
    prior, which a newer plugin builds) cannot be loaded into today's network: one line
    says so, and no file is touched."""
    import json

    plugins.reset()
    run, _, _ = runner.execute(
        plan("cvae", epochs=1, sets=["conditional_prior=false"]), QUIET, out=str(tmp_path / "old")
    )
    cfg = json.loads((run.path / "config.json").read_text())
    cfg["model"]["settings"]["conditional_prior"] = True  # what the plugin now builds
    (run.path / "config.json").write_text(json.dumps(cfg))
    before = {p.name: p.read_bytes() for p in (run.path / "checkpoints").iterdir()}
    r = run_cli("sample", str(run.path), "--label", "Bag")
    assert r.exit_code == 1
    assert "are intact but do not fit the network its settings build now" in r.output
    assert "damaged" not in r.output and "Traceback" not in r.output
    assert {p.name: p.read_bytes() for p in (run.path / "checkpoints").iterdir()} == before


def test_the_label_can_also_enter_every_decoder_layer():
    plain, every = cvae(), cvae(label_every_layer=True)
    f0, f1 = plain.settings.filters
    # each transposed convolution sees 10 more input channels: 3x3 kernels
    assert every.net.count_params() - plain.net.count_params() == 9 * 10 * (f1 + f0)
    z = np.zeros((1, 2), "float32")
    assert np.abs(every.decode(z, labels=[2]) - every.decode(z, labels=[5])).max() > 1e-4


def test_sampling_without_a_label_takes_the_classes_in_turn_as_the_api_does(cvae_run, tmp_path):
    import zoo
    from zoo_visualizers import sample_command

    run, _, _ = cvae_run
    _, _, model, _ = runner.open_trained(plugins.get_registry(), str(run.path))
    asked = {}
    sample = model.sample

    def recording(n, *, seed, labels=None):
        asked["labels"] = labels
        return sample(n, seed=seed, labels=labels)

    model.sample = recording
    sample_command.draw(model, run, n=12, seed=0, out=tmp_path / "s.png")
    assert list(asked["labels"]) == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]
    np.testing.assert_array_equal(
        sample(12, seed=0, labels=asked["labels"]),
        zoo.open(run.path, progress=False).model.sample(12, seed=0),
    )
