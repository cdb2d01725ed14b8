"""The docs' tutorials are built from their own code blocks, installed, and used via `zoo`;
the reference page is generated from the code and must match what is committed."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DEBIAN, ROOT, require_debian_data

DOCS = ROOT / "docs"
BLOCK = re.compile(r'^```\w+ title="([^"]+)"\n(.*?)^```', re.S | re.M)


def build_from_docs(page: str, folder: Path) -> list[str]:
    """Write every titled code block of a docs page into ``folder``; return the paths."""
    written = []
    for path, code in BLOCK.findall((DOCS / page).read_text()):
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(code)
        written.append(path)
    return written


def install(package: Path, site: Path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(site),
            str(package),
        ],
        check=True,
        capture_output=True,
    )


def zoo(site: Path, *args, cwd=None):
    env = dict(os.environ, PYTHONPATH=str(site), TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run(
        [sys.executable, "-m", "zoo_core.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
    )


def test_model_plugin_tutorial_builds_installs_lists_and_trains(tmp_path):
    require_debian_data()
    files = build_from_docs("tutorial-model-plugin.md", tmp_path)
    assert "zoo-autoencoder/pyproject.toml" in files
    site = tmp_path / "site"
    install(tmp_path / "zoo-autoencoder", site)
    listed = json.loads(zoo(site, "list", "models", "--json").stdout)
    ae = next(r for r in listed if r["name"] == "autoencoder")
    assert ae["package"] == "zoo-autoencoder" and ae["variants"] == [
        "autoencoder_2d",
        "autoencoder_8d",
    ]
    out = tmp_path / "run"
    r = zoo(
        site,
        "run",
        "autoencoder",
        "--dataset",
        "fashion_mnist",
        "--epochs",
        "3",
        "--set",
        f"data_dir={DEBIAN}",
        "--set",
        "limit=2048",
        "--set",
        "batch_size=32",
        "--viz",
        "reconstructions",
        "--viz",
        "manifold",
        "--out",
        str(out),
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert (out / "figures" / "manifold.png").is_file()
    metrics = json.loads((out / "metrics.json").read_text())
    losses = [h["loss"] for h in metrics["history"]]
    assert losses == sorted(losses, reverse=True) and len(losses) == 3  # it learns
    # better than predicting the mean training image for every test image
    from zoo_fashion_mnist.dataset import FashionMNIST, FashionMNISTSettings

    data = FashionMNIST(FashionMNISTSettings(data_dir=str(DEBIAN), limit=2048))
    x_train, x_test = data.arrays("train")[0], data.arrays("test")[0]
    baseline = float(((x_test - x_train.mean(axis=0)) ** 2).mean())
    assert metrics["test"]["loss"] < baseline


@pytest.mark.slow  # make test-all (45 s): the kit's own tests run on every family in make test
def test_the_tutorial_models_own_contract_tests_pass(tmp_path):
    """Written from the tutorial (no resume code), the model passes the contract tests the
    tutorial's own test file inherits (run with pytest, as its author would), resuming
    exactly in a fresh process among them."""
    from zoo_core.testing import ModelContractTests

    require_debian_data()
    build_from_docs("tutorial-model-plugin.md", tmp_path)
    pkg = tmp_path / "zoo-autoencoder"
    assert "resume" not in (pkg / "zoo_autoencoder/model.py").read_text()
    site = tmp_path / "site"
    install(pkg, site)
    env = {**os.environ, "PYTHONPATH": str(site)}
    r = subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", "tests"],
        cwd=pkg,
        env=env,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stdout[-4000:]
    promises = [n for n in dir(ModelContractTests) if n.startswith("test_")]
    assert len(promises) >= 8
    for name in promises:
        assert f"TestAutoencoder::{name} PASSED" in r.stdout, r.stdout[-4000:]


@pytest.mark.slow  # make test-all (20 s): the model tutorial installs and trains in make test
def test_dataset_and_visualizer_tutorial_trains_the_builtin_vae_on_it(tmp_path):
    build_from_docs("tutorial-dataset-visualizer.md", tmp_path)
    pkg = tmp_path / "zoo-npz"
    site = tmp_path / "site"
    install(pkg, site)
    subprocess.run([sys.executable, "make_data.py"], cwd=pkg, check=True)
    info = json.loads(zoo(site, "info", "latent_histogram", "--json").stdout)
    assert "vae" in info["applies_to"] and "dqn" not in info["applies_to"]
    out = tmp_path / "run"
    r = zoo(
        site,
        "run",
        "vae",
        "--dataset",
        "npz_images",
        "--set",
        "path=data.npz",
        "--epochs",
        "1",
        "--viz",
        "latent_histogram",
        "--out",
        str(out),
        cwd=pkg,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert (out / "figures" / "latent_histogram.png").is_file()
    bad = zoo(
        site,
        "run",
        "vae",
        "--dataset",
        "npz_images",
        "--set",
        "path=missing.npz",
        "--epochs",
        "1",
        "--no-viz",
        "--out",
        str(tmp_path / "bad"),
        cwd=pkg,
    )
    # the path setting was recorded absolute: the message names the file wherever it is read
    assert bad.returncode == 1 and f"cannot read {pkg / 'missing.npz'}" in bad.stderr


def test_reference_page_is_generated_from_the_code():
    sys.path.insert(0, str(DOCS))
    try:
        import gen_reference
    finally:
        sys.path.remove(str(DOCS))
    assert (DOCS / "reference.md").read_text() == gen_reference.render(), (
        "docs/reference.md is stale: run python docs/gen_reference.py"
    )
    assert (DOCS / "api.md").read_text() == gen_reference.api(), (
        "docs/api.md is stale: run python docs/gen_reference.py"
    )


def test_every_hook_has_a_reference_heading_with_its_exact_signature():
    import inspect

    from zoo_core import hookspecs

    text = (DOCS / "reference.md").read_text()
    hooks = [n for n, f in vars(hookspecs).items() if hasattr(f, "zoo_spec")]
    assert len(hooks) == 8
    for name in hooks:
        sig = f"{name}{inspect.signature(getattr(hookspecs, name))}"
        assert f"### `{sig}`" in text


def _figures_in_docs():
    import re

    return sorted(
        {
            (page.name, m)
            for page in DOCS.glob("*.md")
            for m in re.findall(r"\]\((figures/[^)]+)\)", page.read_text())
        }
    )


@pytest.mark.parametrize("page,figure", _figures_in_docs())
def test_figures_shown_in_the_docs_are_committed(page, figure):
    assert (DOCS / figure).is_file(), f"{page} shows {figure}, which is not committed"


def test_the_docs_show_the_figures_of_each_family():
    shown = {f for _, f in _figures_in_docs()}
    for figure in (
        "manifold_vae_2d.png",
        "clusters_vae_2d.png",
        "compare_2d_4d.png",
        "dqn_returns.png",
        "leaderboard_samples.png",
        "class_grid_cvae_2d.png",
        "traversal_beta_vae.png",
        "progress_dcgan.png",
        "samples_dcgan.png",
        "temperatures_realnvp.png",
        "denoising_ddpm.png",
        "steps_tradeoff_ddpm.png",
        "samples_flow_matching.png",
        "denoising_flow_matching.png",
        "fid_vs_nfe.png",
    ):
        assert f"figures/{figure}" in shown


def test_the_own_images_page_commands_are_valid_zoo_commands():
    """Every `zoo ...` line of "Train on your own images" parses: the commands, options and
    flags it shows exist (the flow itself runs in tests/plugins/zoo_images)."""
    import shlex

    import click

    from zoo_core.cli import cli

    page = (DOCS / "own-images.md").read_text()
    lines = [
        line.split("#")[0].strip()
        for block in re.findall(r"^```bash\n(.*?)^```", page, re.S | re.M)
        for line in block.splitlines()
        if line.startswith("zoo ")
    ]
    assert len(lines) >= 5
    cli.plugin_commands()  # the plugins' commands (zoo sample, zoo features, ...)
    for line in lines:
        name, *args = shlex.split(line)[1:]
        command = cli.get_command(click.Context(cli), name)
        assert command is not None, line
        command.make_context(name, list(args), resilient_parsing=False)
