"""Every visualizer draws a real PNG for a tiny model; refusals happen before training."""

import numpy as np
import pytest
from conftest import write_fake_fashion
from matplotlib.image import imread

from zoo_core import IncompatibleError, plugins
from zoo_core.contract import DrawContext
from zoo_core.run import plan as planner
from zoo_core.run.request import RunRequest
from zoo_core.run_dir import RunDir
from zoo_core.settings import resolve
from zoo_fashion_mnist.dataset import FashionMNIST, FashionMNISTSettings
from zoo_keras.checkpoints import save_atomic
from zoo_vae.model import ConditionalConvVAE, ConvVAE
from zoo_vae.settings import VARIANTS, VAESettings
from zoo_visualizers.manifold import Manifold


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = write_fake_fashion(tmp_path_factory.mktemp("fm"), n_train=64, n_test=64)
    return FashionMNIST(FashionMNISTSettings(data_dir=str(folder), verify=False))


def model(variant="vae_2d"):
    if variant.startswith("cvae"):
        m = ConditionalConvVAE(VAESettings(**VARIANTS[variant[1:]]), FashionMNIST.spec(None))
    else:
        m = ConvVAE(VAESettings(**VARIANTS[variant]), FashionMNIST.spec(None))
    m.net = m.build_network(seed=0)
    return m


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    r = RunDir.create("vae", "fm", out=tmp_path_factory.mktemp("run") / "r")
    r.write_json(
        "metrics.json",
        {
            "history": [
                {
                    "epoch": e,
                    "loss": 300 - 10 * e,
                    "reconstruction_loss": 290 - 10 * e,
                    "kl_loss": 10 + e,
                    "val_loss": 305 - 9 * e,
                    "val_reconstruction_loss": 295 - 9 * e,
                    "val_kl_loss": 10 + e,
                }
                for e in (1, 2, 3)
            ]
        },
    )
    return r


def draw_png(name, m, data, run, tmp_path, **sets):
    entry = plugins.get_registry().resolve("visualizer", name).entry
    viz = entry.cls(resolve(entry.cls.Settings, sets))
    fig = viz.draw(DrawContext(model=m, dataset=data, run=run, title="t", seed=0))
    path = tmp_path / f"{name}.png"
    fig.savefig(path, dpi=50)
    w, h = fig.get_size_inches() * 50
    img = imread(path)
    assert img.shape[:2] == (round(h), round(w))
    # not blank: the axes hold drawn data (an image that varies, lines or points), which
    # empty axes with a title do not
    drawn = [a for ax in fig.axes for a in (*ax.images, *ax.lines, *ax.collections)]
    assert drawn, f"{name} drew no data"
    for im in (a for ax in fig.axes for a in ax.images):
        assert np.asarray(im.get_array()).var() > 0, f"{name} drew a flat image"
    return img


@pytest.mark.parametrize(
    "name,variant",
    [
        ("manifold", "vae_2d"),
        ("manifold", "vae_4d"),
        ("clusters", "vae_2d"),
        ("clusters", "vae_4d"),
        ("reconstructions", "vae_2d"),
        ("samples", "vae_4d"),
        ("traversal", "vae_4d"),
        ("curves", "vae_2d"),
        ("class_grid", "cvae_2d"),
        ("interpolation", "vae_2d"),
        ("interpolation", "cvae_2d"),
        ("manifold", "cvae_2d"),
        ("clusters", "cvae_2d"),
        ("traversal", "cvae_2d"),
        ("reconstructions", "cvae_2d"),
    ],
)
def test_each_visualizer_renders_a_png_that_is_not_blank(name, variant, data, run, tmp_path):
    draw_png(name, model(variant), data, run, tmp_path, **({"n": 8} if name == "manifold" else {}))


@pytest.mark.parametrize(
    "name,sets,size",
    [
        ("class_grid", {"n": 4}, (4.8, 8.6)),
        ("interpolation", {"pairs": 2, "steps": 5}, (0.8 * 7 + 1.0, 0.8 * 2 + 0.6)),
    ],
)
def test_new_figures_have_the_size_their_settings_ask(name, sets, size, data, run, tmp_path):
    img = draw_png(name, model("cvae_2d"), data, run, tmp_path, **sets)
    assert img.shape[:2] == (round(size[1] * 50), round(size[0] * 50))


@pytest.mark.parametrize(
    "viz,model_name,reason",
    [
        ("class_grid", "vae", "needs a model with the conditional capability"),
        ("interpolation", "dqn", "needs a model that can decode"),
    ],
)
def test_new_figures_are_refused_before_training_for_models_without_their_capabilities(
    viz, model_name, reason, data
):
    source = (
        {"flags": {"env": "CartPole-v1"}}
        if model_name == "dqn"
        else {
            "dataset": "fashion_mnist",
            "sets": [f"data_dir={data.settings.data_dir}", "verify=false"],
        }
    )
    with pytest.raises(IncompatibleError, match=reason):
        planner.plan(plugins.get_registry(), RunRequest(model_name, visualizers=[viz], **source))


def test_clusters_pairwise_panels_for_4d(data, run, tmp_path):
    draw_png("clusters", model("vae_4d"), data, run, tmp_path, projection="pairs")


def test_manifold_cells_differ_from_each_other(data):
    images, gx, gy, dims, base = Manifold(resolve(Manifold.Settings, {"n": 6})).grid(model(), data)
    cells = images.reshape(36, -1)
    distances = np.abs(cells[:, None] - cells[None]).sum(-1)
    off_diagonal = distances[~np.eye(36, dtype=bool)]
    assert off_diagonal.min() > 0
    assert gx[0] == -2.0 and gy[0] == 2.0  # the seed's range, top row at +2


def test_manifold_for_4d_varies_the_dims_asked_with_the_others_fixed(data):
    """(The default, the most active dims, is checked against a model with known variances
    in test_figure_content.py.)"""
    m = model("vae_4d")
    _, _, _, dims, base = Manifold(
        resolve(Manifold.Settings, {"n": 3, "dims": "2,3", "fixed": "1,0"})
    ).grid(m, data)
    assert dims == (2, 3) and base[:2].tolist() == [1.0, 0.0]  # the seed's 4-D plot
    with pytest.raises(IncompatibleError, match="two different indices"):
        Manifold(resolve(Manifold.Settings, {"dims": "0,9"})).grid(m, data)


def test_manifold_is_refused_for_the_dqn_agent_with_what_applies():
    with pytest.raises(IncompatibleError) as e:
        planner.plan(
            plugins.get_registry(),
            RunRequest("dqn", visualizers=["manifold"], flags={"env": "CartPole-v1"}),
        )
    assert "visualizers that apply: returns" in str(e.value)


@pytest.fixture
def saved_run(tmp_path, data):
    """A run directory holding an untrained model (no training needed to test drawing)."""
    plan = planner.plan(
        plugins.get_registry(),
        RunRequest(
            "vae",
            dataset="fashion_mnist",
            sets=[f"data_dir={data.settings.data_dir}", "verify=false"],
            visualizers=[],
        ),
    )
    r = RunDir.create("vae", "fm", out=tmp_path / "saved")
    r.write_json("config.json", plan.to_config())
    save_atomic(model().net, r.file("model.keras"))
    return r


def test_zoo_viz_draws_from_a_saved_run_including_a_third_party_visualizer(saved_run, run_cli):
    result = run_cli(
        "viz",
        str(saved_run.path),
        "--viz",
        "pixel_histogram",
        "--viz",
        "samples",
        "--set",
        "samples.n=9",
        "--svg",
    )
    assert result.exit_code == 0, result.output
    paths = result.stdout.split()
    assert [p.rsplit("/", 1)[1] for p in paths] == [
        "pixel_histogram.png",
        "pixel_histogram.svg",
        "samples.png",
        "samples.svg",
    ]
    assert imread(paths[0]).var() > 1e-3


def test_zoo_viz_refuses_an_unknown_visualizer(saved_run, run_cli):
    result = run_cli("viz", str(saved_run.path), "--viz", "manifld")
    assert result.exit_code == 2 and "Did you mean: manifold" in result.output


def test_figures_are_not_kept_in_pyplot_state(data, run, tmp_path):
    import matplotlib.pyplot as plt

    before = len(plt.get_fignums())
    for _ in range(3):
        draw_png("samples", model(), data, run, tmp_path)
    assert len(plt.get_fignums()) == before == 0
