"""One contract for every family: four stub families (GAN-, diffusion-, flow- and
CVAE-shaped), each a plugin installed through a real entry point, keep the promises of
``zoo_core.testing.ModelContractTests`` (each built-in family keeps them in its own tests,
``tests/plugins/<family>/test_contract.py``); the core speaks no family's words."""

import ast
import json
import re
import subprocess
from pathlib import Path

import pytest
from conftest import DEBIAN, ROOT, install_dist, require_debian_data

from zoo_core import IncompatibleError, plugins
from zoo_core.run import plan as planner
from zoo_core.run.request import RunRequest
from zoo_core.testing import ModelContractTests

FAMILIES = ROOT / "examples" / "families"


def install_family(make_dist, name):
    module = f"zoo_{name}"
    make_dist(module.replace("_", "-"), module, (FAMILIES / f"{module}.py").read_text())


class StubFamily(ModelContractTests):
    """A template of ``examples/families/``, installed for the class's tests, with what
    its family must draw and what must be refused, with which reason."""

    dataset = "fashion_mnist"
    sets = ("limit=128",)
    progress = 2
    fresh_process = False  # in this process, from the files alone; the GAN stub (and the
    # model tutorial's test) resume in a fresh process
    draws: frozenset = frozenset()
    refuses: dict = {}

    def install(self, stack, folder):
        require_debian_data()
        module = f"zoo_{self.model}"
        source = (FAMILIES / f"{module}.py").read_text()
        install_dist(stack, folder / "site", module.replace("_", "-"), module, source)

    def test_it_draws_and_refuses_the_figures_of_its_family(self, tiny):
        assert self.draws <= set(tiny.drawn)
        for viz, reason in self.refuses.items():
            assert reason in tiny.refused_visualizers[viz]
            said = f"visualizer '{viz}' does not apply to model '{self.model}'"
            assert said in tiny.refused_visualizers[viz]

    def test_the_metrics_of_what_it_can_do_are_measured_and_the_rest_refused(self, tiny):
        said = "measures models trained on environment"
        assert said in tiny.refused_metrics["greedy_return"]
        if self.model == "stub_flow":  # the exact likelihood is measured, and said to be exact
            assert tiny.metrics["nll"]["nll"] > 0
        else:
            assert "needs a model with the likelihood capability" in tiny.refused_metrics["nll"]
        # every family that samples is measured with the sample metrics; only the
        # conditional one with conditional accuracy
        assert {"fid", "kid", "precision_recall", "class_coverage"} <= set(tiny.metrics)
        if self.model == "stub_cvae":
            assert 0 <= tiny.metrics["conditional_accuracy"]["conditional_accuracy"] <= 1
        else:
            why = "needs a model with the conditional capability"
            assert why in tiny.refused_metrics["conditional_accuracy"]


class TestStubGan(StubFamily):
    model = "stub_gan"
    fresh_process = True
    draws = frozenset({"samples", "curves", "pixel_histogram"})
    refuses = {
        "manifold": "needs a model that can encode",
        "reconstructions": "needs a model that can encode",
    }


class TestStubDiffusion(StubFamily):
    model = "stub_diffusion"
    draws = frozenset({"samples", "curves"})
    refuses = {
        "manifold": "needs a model that can decode and encode",
        "pixel_histogram": "needs a model that can decode",
    }


class TestStubFlow(StubFamily):
    model = "stub_flow"
    draws = frozenset({"samples", "reconstructions", "curves", "pixel_histogram"})
    refuses = {
        "manifold": "needs a vector latent space; the model's latent points have shape (28, 28, 1)",
        "traversal": "needs a vector latent space",
    }


class TestStubCvae(StubFamily):
    model = "stub_cvae"
    draws = frozenset(
        {"samples", "reconstructions", "manifold", "clusters", "traversal", "curves"}
        | {"pixel_histogram"}
    )
    refuses = {"returns": "needs a model with the episodes capability"}


def contract_test_classes() -> dict[str, str]:
    """``{model: test file}`` for every ``ModelContractTests`` subclass in the suite."""
    found = {}
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                for stmt in node.body:
                    if (
                        isinstance(stmt, ast.Assign)
                        and [t.id for t in stmt.targets if isinstance(t, ast.Name)] == ["model"]
                        and isinstance(stmt.value, ast.Constant)
                    ):
                        found[stmt.value.value] = str(path.relative_to(ROOT))
    return found


def test_every_registered_model_keeps_the_contract_in_its_own_tests():
    """A new family is not done until a ``ModelContractTests`` class checks it."""
    checked = contract_test_classes()
    registry = plugins.get_registry()
    missing = [e.name for e in registry.entries("model") if not set(e.names) & set(checked)]
    assert not missing, f"models no contract test checks: {missing}"


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
        planner.plan(plugins.get_registry(), RunRequest("stub_cvae", dataset="unlabelled"))


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
CONTRACT_NAMES = {"latent_shape", "latent_shape_of", "latent_dim", "latent_usage", "LATENT_USAGE"}


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


def test_a_sampling_option_a_model_does_not_declare_is_refused_before_any_work():
    from zoo_core import Model, SettingsError

    with pytest.raises(SettingsError, match="takes no sampling option 'steps'; its sampling"):
        Model().sample(1, seed=0, steps=3)  # refused before decode (not implemented) runs
