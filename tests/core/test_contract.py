"""One contract for every family: four stub families (GAN-, diffusion-, flow- and
CVAE-shaped), each a plugin installed through a real entry point, and every built-in model,
pass ``zoo_core.testing.check_model_plugin``; the core speaks no family's words."""

import json
import re
import subprocess
from pathlib import Path

import pytest
from conftest import DEBIAN, ROOT, require_debian_data

from zoo_core import IncompatibleError, plugins
from zoo_core.run import runner
from zoo_core.testing import check_model_plugin

FAMILIES = ROOT / "examples" / "families"


def install_family(make_dist, name):
    module = f"zoo_{name}"
    make_dist(module.replace("_", "-"), module, (FAMILIES / f"{module}.py").read_text())


#: what each stub family must draw, and what must be refused with which reason
EXPECTED = {
    "stub_gan": (
        {"samples", "curves", "pixel_histogram"},
        {
            "manifold": "needs a model that can encode",
            "reconstructions": "needs a model that can encode",
        },
    ),
    "stub_diffusion": (
        {"samples", "curves"},
        {
            "manifold": "needs a model that can decode and encode",
            "pixel_histogram": "needs a model that can decode",
        },
    ),
    "stub_flow": (
        {"samples", "reconstructions", "curves", "pixel_histogram"},
        {
            "manifold": "needs a vector latent space; the model's latent points have "
            "shape (28, 28, 1)",
            "traversal": "needs a vector latent space",
        },
    ),
    "stub_cvae": (
        {
            "samples",
            "reconstructions",
            "manifold",
            "clusters",
            "traversal",
            "curves",
            "pixel_histogram",
        },
        {"returns": "needs a model with the episodes capability"},
    ),
}


@pytest.mark.parametrize("family", sorted(EXPECTED))
def test_each_stub_family_passes_the_contract_checks(family, make_dist, tmp_path):
    require_debian_data()
    install_family(make_dist, family)
    report = check_model_plugin(family, workdir=tmp_path)  # the template's own tiny_run
    drawn, refused = EXPECTED[family]
    assert report.resumed_exactly is True
    assert drawn <= set(report.drawn)
    for viz, reason in refused.items():
        assert reason in report.refused_visualizers[viz]
        assert (
            f"visualizer '{viz}' does not apply to model '{family}'"
            in report.refused_visualizers[viz]
        )
    assert "measures models trained on environment" in report.refused_metrics["greedy_return"]
    if family == "stub_flow":  # the exact likelihood is measured, and said to be exact
        assert report.metrics["nll"]["nll"] > 0
    else:
        assert "needs a model with the likelihood capability" in report.refused_metrics["nll"]
    # every family that samples is measured with the sample metrics; only the conditional
    # one with conditional accuracy
    assert {"fid", "kid", "precision_recall", "class_coverage"} <= set(report.metrics)
    if family == "stub_cvae":
        assert 0 <= report.metrics["conditional_accuracy"]["conditional_accuracy"] <= 1
    else:
        assert (
            "needs a model with the conditional capability"
            in report.refused_metrics["conditional_accuracy"]
        )


@pytest.mark.parametrize("name", [e.name for e in plugins.get_registry().entries("model")])
def test_every_registered_model_passes_the_contract_checks(name, tmp_path):
    """Every installed model, with the tiny run its family declares beside itself
    (``Model.tiny_run``): a new family is checked here with no edit to this file. The
    resume runs in this process (a new model instance, from the run's files alone); the
    templates above, the mirrored test and `zoo runs`' test resume in fresh processes."""
    cls = plugins.get_registry().resolve("model", name).entry.cls
    assert cls.tiny_run, f"model '{name}' declares no tiny_run for the contract kit"
    if cls.tiny_run.get("dataset") == "fashion_mnist":
        require_debian_data()
    report = check_model_plugin(name, workdir=tmp_path, fresh_process=False)
    assert report.resumed_exactly is (True if cls.resumable else None)
    assert report.metrics, f"no metric applies to {name}"


def test_a_conditional_model_is_refused_an_unlabelled_dataset(make_dist):
    install_family(make_dist, "stub_cvae")
    make_dist(
        "zoo-unlabelled",
        "zoo_unlabelled",
        """
        from zoo_core import DataSpec, Dataset, hookimpl

        class Blank(Dataset):
            '''Images without labels.'''

            @classmethod
            def spec(cls, settings):
                return DataSpec("images", (28, 28, 1), "float32", (), ("train", "test"))

        @hookimpl
        def register_datasets(register):
            register("unlabelled", Blank)
    """,
    )
    with pytest.raises(IncompatibleError, match="is conditional and needs a labelled dataset"):
        runner.plan_run(plugins.get_registry(), "stub_cvae", dataset="unlabelled")


def test_a_model_without_test_metrics_runs_through_the_cli_and_compares(
    make_dist, run_cli, tmp_path
):
    """A GAN-shaped model has no `evaluate`/test step: `zoo run` finishes cleanly, and
    `zoo compare` puts it beside a VAE although their metric names differ."""
    require_debian_data()
    install_family(make_dist, "stub_gan")
    gan, vae = tmp_path / "gan", tmp_path / "vae"
    r = run_cli(
        "run",
        "stub_gan",
        "--dataset",
        "fashion_mnist",
        "--epochs",
        "2",
        "--set",
        f"data_dir={DEBIAN}",
        "--set",
        "limit=128",
        "--viz",
        "samples",
        "--out",
        str(gan),
    )
    assert r.exit_code == 0, r.output
    m = json.loads((gan / "metrics.json").read_text())
    assert m["test"] == {} and m["monitor"] == "g_loss" and len(m["history"]) == 2
    assert (gan / "figures" / "samples.png").is_file()
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
        "limit=128",
        "--no-viz",
        "--out",
        str(vae),
    )
    assert r.exit_code == 0, r.output
    r = run_cli("compare", str(gan), str(vae), "--out", str(tmp_path / "cmp.png"), "--json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)["runs"]
    assert rows[0]["train_g_loss"] is not None and rows[0]["train_loss"] is None
    assert rows[1]["train_loss"] is not None and rows[1]["test_neg_elbo"] is not None
    from matplotlib.image import imread

    assert imread(tmp_path / "cmp.png").shape[1] > imread(tmp_path / "cmp.png").shape[0]
    r = run_cli("eval", str(gan), "--metric", "nll")
    assert r.exit_code == 2 and "metric 'nll' does not apply to model 'stub_gan'" in r.output
    assert "needs a model with the likelihood capability" in r.output


#: words of one family or another that the core's code must not use
FAMILY_WORDS = {
    "latent",
    "agent",
    "agents",
    "episode",
    "episodes",
    "env",
    "environment",
    "gymnasium",
    "vae",
    "vaes",
    "gan",
    "gans",
    "critic",
    "timestep",
    "timesteps",
    "kl",
    "elbo",
    "reconstruction",
    "reconstructions",
    "reward",
    "rewards",
    "discriminator",
    "diffusion",
    "denoise",
    "dqn",
    "cartpole",
}
#: the contract's own names for what ``encode`` returns (the only "latent" it may say)
CONTRACT_NAMES = {"latent_shape", "latent_shape_of", "latent_dim"}


def core_words(source: str) -> list[str]:
    """Every identifier and string in a module's code, docstrings and comments left out
    (they may give examples that name a family)."""
    import ast

    tree = ast.parse(source)
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            found.append(node.value)
        elif isinstance(node, ast.Name):
            found.append(node.id)
        elif isinstance(node, ast.Attribute):
            found.append(node.attr)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.append(node.name)
        elif isinstance(node, ast.arg):
            found.append(node.arg)
        elif isinstance(node, ast.keyword) and node.arg:
            found.append(node.arg)
        elif isinstance(node, ast.alias):
            found.append(node.asname or node.name)
    return found


def family_words(text: str) -> set[str]:
    """The family words in a piece of code, as whole words (``env`` and ``KL``, not
    ``environ`` or ``weakly``), the contract's own names aside."""
    for name in CONTRACT_NAMES:
        text = re.sub(rf"\b{name}\b", " ", text)
    return {w.lower() for w in re.split(r"[^A-Za-z]+|_", text)} & FAMILY_WORDS


def test_the_guard_sees_family_words_in_code_but_not_in_docstrings():
    code = '''
def plan(settings):
    """Examples may name a family: zoo run vae, its KL, an agent's episodes."""
    # a comment may too: latent, elbo
    if settings.needs == "environment":
        return getattr(settings, "env")
    return settings.latent_shape_of(None), settings.kl_weight
'''
    assert family_words(" ".join(core_words(code))) == {"environment", "env", "kl"}


def test_the_core_speaks_no_family_words():
    """No module of zoo_core/ uses a family's words in its code: what a family needs to say
    is a declaration on its Model (source_setting, progress_unit, latent_shape_of)."""
    found = {}
    for path in sorted((ROOT / "zoo_core").rglob("*.py")):
        words = family_words(" ".join(core_words(path.read_text())))
        if words:
            found[str(path.relative_to(ROOT))] = sorted(words)
    assert found == {}


def test_a_name_clash_drops_only_the_clashing_name(make_dist):
    make_dist(
        "zoo-rival",
        "zoo_rival",
        """
        from zoo_core import Model, hookimpl

        class Rival(Model):
            '''A rival with one clashing variant.'''

        @hookimpl
        def register_models(register):
            register("rival", Rival, variants={"vae_2d": {}, "rival_small": {}},
                     default_variant="rival_small")
    """,
    )
    reg = plugins.get_registry()
    assert reg.resolve("model", "rival").entry.package == "zoo-rival"
    assert reg.resolve("model", "rival_small").variant == "rival_small"
    assert reg.resolve("model", "vae_4d").entry.package == "zoo"  # the other names work
    assert reg.resolve("model", "vae").entry.package == "zoo"
    from zoo_core import DuplicateNameError

    with pytest.raises(DuplicateNameError, match="zoo and zoo-rival"):
        reg.resolve("model", "vae_2d")


def test_a_failing_register_commands_is_recorded_and_others_still_load(make_dist):
    make_dist(
        "zoo-badcmd",
        "zoo_badcmd",
        """
        from zoo_core import hookimpl

        @hookimpl
        def register_commands(cli):
            raise RuntimeError("no commands today")
    """,
    )
    site = Path(__import__("zoo_badcmd").__file__).parent
    env = {"PYTHONPATH": str(site), "TF_CPP_MIN_LOG_LEVEL": "3"}
    import os
    import sys

    r = subprocess.run(
        [sys.executable, "-m", "zoo_core.cli", "plugins"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    )
    assert r.returncode == 0, r.stderr
    assert (
        "zoo_badcmd" in r.stdout
        and "register_commands failed: RuntimeError: no commands today" in r.stdout
    )
    r = subprocess.run(
        [sys.executable, "-m", "zoo_core.cli", "example-hello"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    )
    assert r.returncode == 0 and "hello from zoo-example" in r.stdout


def test_metrics_are_listed_and_described_like_the_other_kinds(run_cli):
    listed = json.loads(run_cli("list", "metrics", "--json").stdout)
    assert {"elbo", "nll", "greedy_return"} <= {m["name"] for m in listed}
    info = json.loads(run_cli("info", "nll", "--json").stdout)
    assert info["kind"] == "metric" and info["requires"] == ["likelihood"]
    # every installed model with the likelihood capability, and none without it
    assert info["applies_to"] == ["cvae", "realnvp", "vae"]


def test_a_latent_shape_the_decoder_does_not_take_is_refused_before_training(
    make_dist, run_cli, tmp_path
):
    make_dist(
        "zoo-bad-latent",
        "zoo_bad_latent",
        """
        from zoo_core import hookimpl
        from zoo_vae.model import ConvVAE

        class MisdeclaredVAE(ConvVAE):
            @classmethod
            def latent_shape_of(cls, settings, spec):
                return (int(settings.latent_dim) + 1,)   # the network has latent_dim

        @hookimpl
        def register_models(register):
            register("misdeclared_vae", MisdeclaredVAE)
        """,
    )
    plugins.reset()
    r = run_cli(
        "run",
        "misdeclared_vae",
        "--dataset",
        "fashion_mnist",
        "--set",
        "limit=64",
        "--epochs",
        "1",
        "--no-viz",
        "--no-tensorboard",
        "--out",
        str(tmp_path / "r"),
    )
    assert r.exit_code == 1
    assert "MisdeclaredVAE: latent_shape_of() declares (3,), but decode()" in r.stderr
    assert not (tmp_path / "r" / "checkpoints" / "last.keras").exists()  # no epoch ran
