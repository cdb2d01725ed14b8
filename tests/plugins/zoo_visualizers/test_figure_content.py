"""What each figure draws, checked against models whose encode/decode/sample are known
NumPy functions: the pixels of every cell, the number of points and panels, the plotted
values. (Blank-but-titled figures, or figures of the wrong data, fail here.)"""

import numpy as np
import pytest
from conftest import write_fake_fashion

from zoo_core import CONDITIONAL, DECODE, ENCODE, LATENT_USAGE, SAMPLE, Model
from zoo_core.contract import DataSpec, DrawContext
from zoo_core.grid import image_grid
from zoo_core.run_dir import RunDir
from zoo_core.settings import resolve
from zoo_dqn.figures import Returns
from zoo_fashion_mnist.dataset import CLASS_NAMES, FashionMNIST, FashionMNISTSettings
from zoo_visualizers.class_grid import ClassGrid
from zoo_visualizers.clusters import Clusters
from zoo_visualizers.curves import Curves
from zoo_visualizers.interpolation import Interpolation, slerp
from zoo_visualizers.manifold import Manifold
from zoo_visualizers.samples import Samples
from zoo_visualizers.traversal import Traversal

SPEC = DataSpec("images", (28, 28, 1), "float32", tuple("abcdefghij"), ("train", "test"))
SCALES = np.array([0.5, 3.0, 1.0, 2.0])  # latent dims 1 and 3 vary the most


class Known(Model):
    """encode: fixed per-dimension scales of the mean pixel; decode: an image whose top-left
    rows carry sigmoid(z) (so every cell is different and known)."""

    capabilities = frozenset({ENCODE, DECODE, SAMPLE})

    def __init__(self, latent=2):
        super().__init__(None, SPEC)
        self.d = latent

    @property
    def latent_shape(self):
        return (self.d,)

    def encode(self, x, labels=None):
        m = x.reshape(len(x), -1).mean(axis=1, keepdims=True)
        rng = np.random.default_rng(0)
        return (rng.standard_normal((len(x), self.d)) * SCALES[: self.d] + m).astype("f4")

    def decode(self, z, labels=None):
        z = np.asarray(z, "f4")
        img = np.zeros((len(z), 28, 28, 1), "f4")
        for i in range(self.d):
            img[:, i * 7 : (i + 1) * 7, :, 0] = (1 / (1 + np.exp(-z[:, i])))[:, None, None]
        img[:, 27, :, 0] = np.linspace(0, 1, 28)  # a ramp, so no cell is flat
        return img


class KnownConditional(Known):
    """Known, with the label added to the first latent value before decoding."""

    capabilities = frozenset({ENCODE, DECODE, SAMPLE, CONDITIONAL})

    def decode(self, z, labels=None):
        z = np.array(z, "f4")
        z[:, 0] += np.asarray(labels)
        return super().decode(z)

    def encode(self, x, labels=None):
        return super().encode(x)


class KnownELBO(Known):
    """Known, reporting a fixed KL per latent dimension."""

    capabilities = Known.capabilities | {LATENT_USAGE}
    KL = np.array([2.0, 0.001, 0.5])

    def latent_usage(self, x, labels=None):
        return np.tile(self.KL, (len(x), 1)).mean(axis=0), "nats of KL"


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = write_fake_fashion(tmp_path_factory.mktemp("fm"), n_train=50, n_test=60)
    return FashionMNIST(FashionMNISTSettings(data_dir=str(folder), verify=False))


@pytest.fixture
def run(tmp_path):
    return RunDir.create("known", "fm", out=tmp_path / "run")


def drawn_image(fig, ax_index=0):
    return np.asarray(fig.axes[ax_index].images[0].get_array())


def ctx(model, data, run, seed=0):
    return DrawContext(model=model, dataset=data, run=run, title="t", seed=seed)


def test_manifold_cells_are_the_decoded_grid_in_the_seed_orientation(data, run):
    m = Known(2)
    viz = Manifold(resolve(Manifold.Settings, {"n": 5, "scale": 2.0}))
    fig = viz.draw(ctx(m, data, run))
    gx = np.linspace(-2, 2, 5)
    z = np.array([[x, y] for y in gx[::-1] for x in gx], "f4")  # top row: largest z[1]
    np.testing.assert_allclose(drawn_image(fig), image_grid(m.decode(z), cols=5), atol=1e-6)


def test_manifold_for_4d_varies_the_dims_with_the_largest_variance(data, run):
    m = Known(4)
    viz = Manifold(resolve(Manifold.Settings, {"n": 3}))
    _, _, _, dims, base = viz.grid(m, data)
    assert dims == (1, 3)  # SCALES says so, independent of the code's own computation
    z = m.encode(data.arrays("test")[0][:2000])
    np.testing.assert_allclose(base[[0, 2]], z.mean(axis=0)[[0, 2]], rtol=1e-5)


def test_samples_show_exactly_the_models_samples(data, run):
    m = Known(2)
    fig = Samples(resolve(Samples.Settings, {"n": 9})).draw(ctx(m, data, run, seed=3))
    np.testing.assert_allclose(drawn_image(fig), image_grid(m.sample(9, seed=3)), atol=1e-6)
    other = Samples(resolve(Samples.Settings, {"n": 9})).draw(ctx(m, data, run, seed=4))
    assert not np.allclose(drawn_image(fig), drawn_image(other))


def test_traversal_rows_sweep_one_dimension_each(data, run):
    m = Known(3)
    fig = Traversal(resolve(Traversal.Settings, {"steps": 4, "scale": 1.0})).draw(ctx(m, data, run))
    sweep = np.linspace(-1, 1, 4)
    z = np.zeros((12, 3), "f4")
    for i in range(3):
        z[i * 4 : (i + 1) * 4, i] = sweep
    np.testing.assert_allclose(drawn_image(fig), image_grid(m.decode(z), cols=4), atol=1e-6)


def test_clusters_scatter_every_image_once_coloured_by_class(data, run):
    m = Known(2)
    fig = Clusters(resolve(Clusters.Settings, {})).draw(ctx(m, data, run))
    ax = fig.axes[0]
    x, y = data.arrays("test")
    assert len(ax.collections) == len(np.unique(y))
    assert sum(len(c.get_offsets()) for c in ax.collections) == len(x)
    np.testing.assert_allclose(
        np.concatenate([c.get_offsets() for c in ax.collections]),
        np.concatenate([m.encode(x)[y == c] for c in np.unique(y)]),
        rtol=1e-6,
    )
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(CLASS_NAMES)


def test_clusters_pairs_mode_draws_one_panel_per_pair(data, run):
    fig = Clusters(resolve(Clusters.Settings, {"projection": "pairs"})).draw(
        ctx(Known(4), data, run)
    )
    assert len([a for a in fig.axes if a.collections]) == 6  # C(4, 2)


def test_curves_plot_the_recorded_history(data, run):
    hist = [
        {"epoch": e, "loss": 10.0 - e, "val_loss": 11.0 - e, "other": e * 2.0} for e in (1, 2, 3)
    ]
    run.write_json(
        "metrics.json",
        {
            "history": hist,
            "metrics": {
                "loss": {"unit": "nats/image", "description": "negative ELBO"},
                "other": {"unit": "u", "description": ""},
            },
        },
    )
    fig = Curves().draw(ctx(Known(2), data, run))
    loss_ax, other_ax = fig.axes
    train, test = loss_ax.get_lines()
    assert list(train.get_ydata()) == [9.0, 8.0, 7.0]
    assert list(test.get_ydata()) == [10.0, 9.0, 8.0]
    assert list(other_ax.get_lines()[0].get_ydata()) == [2.0, 4.0, 6.0]
    assert loss_ax.get_ylabel() == "nats/image" and "negative ELBO" in loss_ax.get_title()


def test_curves_draw_a_metric_measured_every_few_epochs_where_it_was_measured(data, run):
    """A GAN with fid_every=2 logs its FID at epochs 2 and 4 only."""
    hist = [
        {"epoch": e, "g_loss": 1.0 + e, **({"fid": 100.0 / e} if e % 2 == 0 else {})}
        for e in (1, 2, 3, 4)
    ]
    run.write_json(
        "metrics.json",
        {
            "history": hist,
            "metrics": {"fid": {"unit": "feature units^2", "description": "FID"}, "g_loss": {}},
        },
    )
    fig = Curves().draw(ctx(Known(2), data, run))
    fid_ax, g_ax = fig.axes
    (line,) = fid_ax.get_lines()
    assert list(line.get_xdata()) == [2, 4] and list(line.get_ydata()) == [50.0, 25.0]
    assert list(g_ax.get_lines()[0].get_xdata()) == [1, 2, 3, 4]


def test_returns_moving_average_is_the_hand_computed_one(data, run):
    returns = [10.0, 20.0, 30.0, 40.0, 50.0]
    run.write_json("returns.json", {"returns": returns, "steps": [10, 30, 60, 100, 150]})
    fig = Returns(resolve(Returns.Settings, {"window": 2, "threshold": 45.0})).draw(
        ctx(Known(2), data, run)
    )
    raw, avg, line = fig.axes[0].get_lines()
    assert list(raw.get_ydata()) == returns and list(raw.get_xdata()) == [10, 30, 60, 100, 150]
    assert list(avg.get_ydata()) == [10.0, 15.0, 25.0, 35.0, 45.0]
    assert list(line.get_ydata()) == [45.0, 45.0]


def test_class_grid_rows_are_classes_and_columns_share_their_noise(data, run):
    m = KnownConditional(2)
    fig = ClassGrid(resolve(ClassGrid.Settings, {"n": 5})).draw(ctx(m, data, run, seed=2))
    z = m.prior(5, 2)
    expected = np.concatenate([m.decode(z, labels=np.full(5, c)) for c in range(10)])
    np.testing.assert_allclose(drawn_image(fig), image_grid(expected, cols=5), atol=1e-6)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == list("abcdefghij")


def test_slerp_keeps_the_endpoints_and_interpolates_the_norm():
    a, b = np.array([3.0, 0.0]), np.array([0.0, 1.0])
    path = slerp(a, b, np.linspace(0, 1, 5))
    np.testing.assert_allclose(path[0], a, atol=1e-12)
    np.testing.assert_allclose(path[-1], b, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), np.linspace(3, 1, 5))
    # the middle point lies on the bisector of the angle, not on the chord
    assert path[2][0] / path[2][1] == pytest.approx(1.0)
    # parallel endpoints: the straight line
    np.testing.assert_allclose(slerp(a, 2 * a, np.array([0.5])), [1.5 * a])


def test_interpolation_rows_start_and_end_at_the_original_images(data, run):
    m = Known(2)
    fig = Interpolation(
        resolve(Interpolation.Settings, {"pairs": 2, "steps": 4, "path": "linear"})
    ).draw(ctx(m, data, run))
    x, y = data.arrays("test")
    image = drawn_image(fig)
    assert image.shape == (2 * 28, 6 * 28)
    # the first row: an original, four decoded points, another original of a different class
    first = x[0, ..., 0]
    np.testing.assert_allclose(image[:28, :28], first)
    j = int(np.argmax(y[1:] != y[0])) + 1  # the first image of another class
    np.testing.assert_allclose(image[:28, -28:], x[j, ..., 0])
    za, zb = m.encode(x[[0]]), m.encode(x[[j]])
    path = np.linspace(0, 1, 4)[:, None] * (zb - za) + za
    np.testing.assert_allclose(
        image[:28, 28 : 5 * 28], image_grid(m.decode(path), cols=4), atol=1e-6
    )


def test_interpolation_without_an_encoder_walks_between_prior_draws(data, run):
    class DecodeOnly(Known):
        capabilities = frozenset({DECODE, SAMPLE})

    m = DecodeOnly(2)
    fig = Interpolation(resolve(Interpolation.Settings, {"pairs": 3, "steps": 5})).draw(
        ctx(m, data, run, seed=1)
    )
    z = m.prior(6, 1)
    rows = [m.decode(slerp(z[i], z[3 + i], np.linspace(0, 1, 5))) for i in range(3)]
    np.testing.assert_allclose(
        drawn_image(fig), image_grid(np.concatenate(rows), cols=5), atol=1e-6
    )


def test_traversal_bars_show_each_dimensions_kl_and_which_are_active(data, run):
    m = KnownELBO(3)
    fig = Traversal(resolve(Traversal.Settings, {"steps": 4})).draw(ctx(m, data, run))
    bars = fig.axes[1].patches
    np.testing.assert_allclose([b.get_width() for b in bars], KnownELBO.KL)
    colours = [b.get_facecolor() for b in bars]
    assert colours[0] == colours[2] != colours[1]  # the collapsed one is grey
    assert "2 of 3 active" in fig.axes[1].get_title()
    # without the latent_usage capability there is no bar panel
    assert len(Traversal(resolve(Traversal.Settings, {})).draw(ctx(Known(3), data, run)).axes) == 1
