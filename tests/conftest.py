"""Shared fixtures: real entry-point metadata for test plugins, tiny IDX files, CLI runner."""

from __future__ import annotations

import atexit
import importlib
import os
import shutil
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")

from zoo_core import plugins  # noqa: E402
from zoo_core.cli import cli  # noqa: E402
from zoo_core.testing import ModelContractTests  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEBIAN = Path("/usr/share/datasets/fashion-mnist")

#: ``zoo run`` arguments for a vae_2d run of seconds on the real data
TINY_VAE_FLAGS = [
    "vae_2d",
    "--dataset",
    "fashion_mnist",
    "--no-viz",
    "--no-tensorboard",
    "--set",
    "filters=4,8",
    "--set",
    "dense=8",
    "--set",
    "batch_size=64",
    "--set",
    f"data_dir={DEBIAN}",
    "--set",
    "limit=256",
]


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items):
    """A contract class's tests go to one xdist worker together (``--dist loadgroup``), so
    its tiny run trains once, not once on each worker that takes one of its tests."""
    for item in items:
        cls = getattr(item, "cls", None)
        if cls is not None and issubclass(cls, ModelContractTests):
            item.add_marker(pytest.mark.xdist_group(name=cls.__qualname__))


@pytest.fixture(autouse=True)
def fresh_plugins(monkeypatch, tmp_path_factory):
    """Each test loads plugins anew, with no ZOO_* variables leaking in; pretrained
    models' working copies go to a folder of the test session, not the user's cache."""
    for var in ("ZOO_LOAD_PLUGINS", "ZOO_DATA_DIR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("ZOO_CACHE", str(tmp_path_factory.getbasetemp() / "zoo-cache"))
    plugins.reset()
    yield
    plugins.reset()


def write_dist(site: Path, dist: str, module: str, source: str, version: str = "1.0") -> Path:
    """A module and its ``.dist-info`` with an entry point in the ``zoo`` group, in
    ``site``: discovered through ``importlib.metadata`` as a pip-installed package is."""
    site.mkdir(parents=True, exist_ok=True)
    (site / f"{module}.py").write_text(textwrap.dedent(source))
    info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(f"[zoo]\n{module} = {module}\n")
    importlib.invalidate_caches()
    return info


def install_dist(stack, site: Path, dist: str, module: str, source: str) -> None:
    """:func:`write_dist` on ``sys.path`` until ``stack`` (a ``contextlib.ExitStack``)
    closes: a plugin installed for a test class (``ModelContractTests.install``)."""
    patch = stack.enter_context(pytest.MonkeyPatch.context())
    write_dist(site, dist, module, source)
    patch.syspath_prepend(str(site))
    stack.callback(importlib.invalidate_caches)
    stack.callback(sys.modules.pop, module, None)


@pytest.fixture
def make_dist(tmp_path, monkeypatch):
    """Create an installed-looking plugin distribution: a module plus a ``.dist-info`` with
    an entry point in the ``zoo`` group, on ``sys.path``. Discovery goes through
    ``importlib.metadata`` exactly as for a pip-installed package."""
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    made = []

    def make(dist: str, module: str, source: str, version: str = "1.0"):
        made.append(module)
        return write_dist(site, dist, module, source, version)

    yield make
    for m in made:
        sys.modules.pop(m, None)
    importlib.invalidate_caches()


@pytest.fixture
def run_cli():
    runner = CliRunner()

    def invoke(*args, **kw):
        return runner.invoke(cli, list(args), catch_exceptions=False, **kw)

    return invoke


def write_fake_fashion(folder: Path, n_train=40, n_test=20, seed=0) -> Path:
    """Four small, valid IDX files in Fashion-MNIST's names (not the real data)."""
    from zoo_fashion_mnist import idx

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        idx.write(
            folder / f"{prefix}-images-idx3-ubyte.gz",
            rng.integers(0, 256, (n, 28, 28), dtype=np.uint8),
        )
        idx.write(folder / f"{prefix}-labels-idx1-ubyte.gz", (np.arange(n) % 10).astype(np.uint8))
    return folder


@pytest.fixture
def fake_fashion(tmp_path):
    return write_fake_fashion(tmp_path / "fmnist")


def require_debian_data():
    if not DEBIAN.is_dir():
        pytest.fail(
            "Fashion-MNIST is not installed: apt-get install dataset-fashion-mnist "
            "(make test and .ci/run do this)"
        )


class OnFashionMnist(ModelContractTests):
    """A built-in family's contract tests, on the real Fashion-MNIST (Debian's package).
    Resumed in this process, from the run's files alone: the GAN template's test and the
    model tutorial's resume in fresh processes."""

    dataset = "fashion_mnist"
    fresh_process = False
    keep_tiny_run = True

    def install(self, stack, folder):
        require_debian_data()


#: A 32x32 RGB labelled folder the contract classes on colour train on (written per
#: test process by :func:`write_colour_folder`; the same bytes each time).
COLOUR_FOLDER = Path(tempfile.gettempdir()) / f"zoo-tests-colour32-{os.getpid()}"
atexit.register(shutil.rmtree, COLOUR_FOLDER, True)


def write_colour_folder(root: Path, size: int = 32, per_class: int = 24) -> Path:
    """Three classes of small RGB pictures (a disc, a bar, a square, each its own hue, at
    varying places), PNG files in ``root/<class>/``; written once per process."""
    from PIL import Image, ImageDraw

    if (root / "done").is_file():
        return root
    rng = np.random.default_rng(0)
    hues = {"discs": (220, 60, 40), "bars": (40, 160, 60), "squares": (50, 80, 220)}
    for name, colour in hues.items():
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            im = Image.new("RGB", (size + 8, size), (250, 248, 240))
            d = ImageDraw.Draw(im)
            x, y, r = (int(v) for v in rng.integers(6, size - 10, 3) // (1, 1, 2) + (4, 4, 4))
            box = (x - r, y - r, x + r, y + r)
            {"discs": d.ellipse, "bars": d.rectangle, "squares": d.rectangle}[name](
                (box[0], 0, box[2], size) if name == "bars" else box, fill=colour
            )
            im.save(root / name / f"{i:02d}.png")
    (root / "done").write_text("")
    return root


class OnColourFolder(ModelContractTests):
    """A built-in family's contract on a 32x32 RGB image folder (the ``images`` dataset):
    trains, records its metrics, saves and loads, resumes exactly, samples the data's
    shape, and draws and measures what applies, in colour."""

    dataset = "images"
    fresh_process = False
    keep_tiny_run = True
    folder_sets = (f"images.path={COLOUR_FOLDER}", "images.test_fraction=0.25")

    def install(self, stack, folder):
        write_colour_folder(COLOUR_FOLDER)


#: the runs the demo page's tests serve: an unconditional VAE, a conditional one, and a
#: flow with a sampling setting (temperature; quicker to load and trace than a diffusion
#: model's sampler, which tests/plugins/zoo_demo/test_controls.py reads)
DEMO_NAMED = ["pretrained:vae_2d", "pretrained:cvae_2d", "pretrained:realnvp"]


@pytest.fixture(scope="session")
def served(tmp_path_factory):
    """``(page, library, root)``: ``zoo demo``'s page on a free loopback port over
    :data:`DEMO_NAMED` and an empty root, one per test process (the client and browser
    tests share its loaded models), stopped at the end."""
    import socket

    pytest.importorskip("gradio", reason="the page needs the demo extra (gradio)")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ZOO_CACHE", str(tmp_path_factory.getbasetemp() / "zoo-cache"))
        from zoo_demo.command import start
        from zoo_demo.library import Library

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        root = tmp_path_factory.mktemp("demo-root")
        page = start(Library(root, DEMO_NAMED, cache_size=3), port=port, block=False)
        try:
            yield page, page.zoo_library, root
        finally:
            page.close()
