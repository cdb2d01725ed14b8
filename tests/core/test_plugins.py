"""Discovery through real entry-point metadata, and the ways plugins go wrong."""

import json

import pytest

from zoo_core import DuplicateNameError, UnknownNameError, plugins

GOOD_MODEL = """
    from zoo_core import Model, hookimpl

    class Tiny(Model):
        '''A tiny test model.'''

    @hookimpl
    def register_models(register):
        register("tiny", Tiny, aliases=("wee",))
"""


def test_builtins_and_the_example_package_are_discovered_through_entry_points():
    host = plugins.get_host()
    by_name = {p.name: p for p in host.loaded}
    assert {"zoo_vae", "zoo_fashion_mnist", "zoo_visualizers", "zoo_dqn"} <= set(by_name)
    assert by_name["zoo_vae"].package == "zoo"
    # the example third-party package is pip-installed by `make test` / .ci/run
    assert by_name["zoo_example"].package == "zoo-example", (
        "install the example: pip install -e examples/zoo-example"
    )
    reg = host.registry
    assert reg.resolve("dataset", "toy_shapes").entry.package == "zoo-example"
    assert reg.resolve("model", "vae_4d").entry.package == "zoo"
    assert host.failures == []


def test_a_new_distribution_plugs_in_without_touching_the_core(make_dist):
    make_dist("zoo-tiny", "zoo_tiny", GOOD_MODEL)
    reg = plugins.get_registry()
    r = reg.resolve("model", "wee")
    assert (r.entry.name, r.entry.package, r.entry.summary) == (
        "tiny",
        "zoo-tiny",
        "A tiny test model.",
    )


def test_a_plugin_that_fails_to_import_is_reported_and_the_rest_works(make_dist, run_cli):
    make_dist("zoo-broken", "zoo_broken", "import no_such_module_anywhere\n")
    host = plugins.get_host()
    [failure] = host.failures
    assert failure.package == "zoo-broken" and "no_such_module_anywhere" in failure.error
    assert host.registry.resolve("model", "vae").entry.name == "vae"
    result = run_cli("plugins")
    assert result.exit_code == 0
    assert "zoo_broken" in result.output and "ModuleNotFoundError" in result.output
    assert run_cli("list", "models").exit_code == 0


def test_a_plugin_importing_a_module_that_moved_fails_alone_naming_it(make_dist):
    """No old module names are kept (CHANGELOG.md says what moved where): the plugin is
    recorded as failed, in one line naming the module, and the others load."""
    make_dist("zoo-old", "zoo_old", "from zoo_core.keras.training import fit\n")
    [failure] = plugins.get_host().failures
    assert failure.name == "zoo_old" and "\n" not in failure.error
    assert "No module named 'zoo_core.keras'" in failure.error
    assert plugins.get_registry().resolve("model", "vae_2d").entry.package == "zoo"


def test_a_misspelled_hook_is_caught(make_dist):
    make_dist(
        "zoo-typo",
        "zoo_typo",
        """
        from zoo_core import hookimpl

        @hookimpl
        def register_model(register):
            pass
    """,
    )
    host = plugins.get_host()
    [failure] = host.failures
    assert failure.name == "zoo_typo" and "register_model" in failure.error
    assert "zoo_typo" not in [p.name for p in host.loaded]


def test_a_hook_that_raises_is_reported_not_fatal(make_dist):
    make_dist(
        "zoo-raises",
        "zoo_raises",
        """
        from zoo_core import hookimpl

        @hookimpl
        def register_datasets(register):
            raise RuntimeError("boom")
    """,
    )
    host = plugins.get_host()
    assert host.registry.resolve("dataset", "fashion_mnist")
    assert any("boom" in f.error and f.package == "zoo-raises" for f in host.failures)


def test_duplicate_names_are_an_error_naming_both_packages(make_dist, run_cli):
    make_dist(
        "zoo-clash",
        "zoo_clash",
        """
        from zoo_core import Dataset, hookimpl

        class Other(Dataset):
            '''Another fashion_mnist.'''

        @hookimpl
        def register_datasets(register):
            register("fashion_mnist", Other)
    """,
    )
    reg = plugins.get_registry()
    with pytest.raises(DuplicateNameError) as e:
        reg.resolve("dataset", "fashion_mnist")
    assert "zoo and zoo-clash" in str(e.value)
    result = run_cli("run", "vae", "--dataset", "fashion_mnist")
    assert result.exit_code == 1 and "zoo and zoo-clash" in result.output


def test_zoo_load_plugins_restricts_what_loads(monkeypatch, make_dist):
    make_dist("zoo-tiny", "zoo_tiny", GOOD_MODEL)
    monkeypatch.setenv("ZOO_LOAD_PLUGINS", "")
    assert plugins.get_host().loaded == []
    plugins.reset()
    monkeypatch.setenv("ZOO_LOAD_PLUGINS", "zoo-tiny, zoo_fashion_mnist")
    assert sorted(p.name for p in plugins.get_host().loaded) == ["zoo_fashion_mnist", "zoo_tiny"]
    with pytest.raises(UnknownNameError):
        plugins.get_registry().resolve("model", "vae")


def test_unknown_names_suggest_close_matches():
    reg = plugins.get_registry()
    with pytest.raises(UnknownNameError) as e:
        reg.resolve("model", "vae_3d")
    msg = str(e.value)
    assert "Did you mean" in msg and "vae_2d" in msg and "Available:" in msg


def test_wildcards_match_names_and_variants():
    reg = plugins.get_registry()
    assert [e.name for e in reg.entries("model", "vae_*")] == ["vae"]
    assert [e.name for e in reg.entries("visualizer", "re*")] == ["reconstructions", "returns"]
    assert reg.entries("model", "nothing*") == []


def test_bare_name_means_the_default_variant():
    reg = plugins.get_registry()
    assert reg.resolve("model", "vae").variant == "vae_2d"
    assert reg.resolve("model", "vae_4d").overrides["latent_dim"] == 4


def test_listing_plugins_loads_neither_tensorflow_nor_numpy():
    """`zoo list`, `zoo info` and `--help` read the registry only: the plugins' modules keep
    numpy, TensorFlow and matplotlib out of their import-time code, so these stay quick."""
    import subprocess
    import sys

    code = (
        "import sys; from click.testing import CliRunner; from zoo_core.cli import cli\n"
        "for args in (['list'], ['info', 'vae'], ['--help']):\n"
        "    result = CliRunner().invoke(cli, args)\n"
        "    assert result.exit_code == 0, result.output\n"
        "heavy = sorted({'numpy', 'tensorflow', 'keras', 'matplotlib'} & set(sys.modules))\n"
        "print(','.join(heavy) or 'none')"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "none"


AUTHOR_MISTAKES = {  # the class body of a model with one mistake, and what is said
    "a Settings that is not a dataclass": (
        ["class Settings:", "    size: int = 2"],
        "has a Settings that is not a dataclass",
    ),
    "a setting without a default": (
        ["@dataclass(frozen=True)", "class Settings:", "    size: int"],
        "has a setting 'size' without a default",
    ),
    "a misspelled capability": (['capabilities = frozenset({"sampel"})'], "did you mean 'sample'?"),
    "a capability without its method": (
        ['capabilities = frozenset({"encode"})'],
        "declares 'encode' but does not define encode()",
    ),
    "sampling with neither sample() nor its fallback": (
        ['capabilities = frozenset({"sample"})'],
        "declares 'sample' but defines neither sample()",
    ),
}


@pytest.mark.parametrize("mistake", AUTHOR_MISTAKES)
def test_a_plugin_authors_mistake_is_refused_at_registration_naming_the_fix(
    mistake, make_dist, run_cli
):
    body, expected = AUTHOR_MISTAKES[mistake]
    make_dist(
        "zoo-sloppy",
        "zoo_sloppy",
        "\n".join(
            [
                "from dataclasses import dataclass",
                "from zoo_core import Model, hookimpl",
                "class Sloppy(Model):",
                '    """A model with one mistake."""',
                *("    " + line for line in body),
                "@hookimpl",
                "def register_models(register):",
                "    register('sloppy', Sloppy)",
                "",
            ]
        ),
    )
    host = plugins.get_host()
    _ = host.registry  # registering records the failure
    [failure] = host.failures
    assert failure.package == "zoo-sloppy" and "model 'sloppy'" in failure.error
    assert expected in failure.error and "\n" not in failure.error
    # asking for it says why it is not there, in one line, before any run folder exists
    r = run_cli("run", "sloppy", "--dataset", "fashion_mnist")
    assert r.exit_code == 2 and "failed to load: zoo-sloppy" in r.output
    assert "Traceback" not in r.output


def test_a_family_may_declare_its_own_capabilities(make_dist):
    make_dist(
        "zoo-own",
        "zoo_own",
        """
        from zoo_core import Model, hookimpl

        class Own(Model):
            '''A model whose own visualizer requires "episodes".'''
            capabilities = frozenset({"episodes"})

        @hookimpl
        def register_models(register):
            register("own", Own)
    """,
    )
    assert plugins.get_registry().resolve("model", "own").entry.name == "own"
    assert plugins.get_host().failures == []


def test_an_unknown_model_says_where_plugin_names_come_from(run_cli):
    r = run_cli("run", "zzqx", "--dataset", "fashion_mnist")
    assert r.exit_code == 2 and "[project.entry-points.zoo]" in r.output


BROKEN_VISUALIZERS = """
    from zoo_core import Visualizer, hookimpl

    class Raises(Visualizer):
        '''A visualizer with a bug.'''
        def draw(self, ctx):
            return {}["missing"]

    class ReturnsNothing(Visualizer):
        '''A visualizer that forgets to return its figure.'''
        def draw(self, ctx):
            pass

    @hookimpl
    def register_visualizers(register):
        register("raises", Raises)
        register("returns_nothing", ReturnsNothing)
"""


def test_a_visualizer_that_fails_costs_its_figure_not_the_trained_run(make_dist, run_cli, tmp_path):
    make_dist("zoo-broken-viz", "zoo_broken_viz", BROKEN_VISUALIZERS)
    out = tmp_path / "run"
    r = run_cli(
        "run",
        "vae_2d",
        "--dataset",
        "fashion_mnist",
        "--epochs",
        "1",
        "--set",
        "limit=256",
        "--viz",
        "raises",
        "--viz",
        "curves",
        "--viz",
        "returns_nothing",
        "--out",
        str(out),
        "--no-tensorboard",
    )
    assert r.exit_code == 1
    message = r.stderr.strip().splitlines()[-1]
    assert "raises (zoo-broken-viz): KeyError: 'missing'" in message
    assert "returns_nothing (zoo-broken-viz): TypeError: draw() returned NoneType" in message
    assert f"zoo viz {out} --viz raises --viz returns_nothing" in message
    assert "Traceback" not in r.output
    # the figure after the broken one is drawn, and the run is finished, not failed
    assert [p.name for p in (out / "figures").iterdir()] == ["curves.png"]
    assert (out / "model.keras").is_file()
    assert '"status": "finished"' in (out / "status.json").read_text()
    again = run_cli("viz", str(out), "--viz", "curves")
    assert again.exit_code == 0, again.output


def test_a_visualizer_that_draws_the_data_is_refused_for_a_model_without_a_dataset(
    make_dist, run_cli, tmp_path
):
    make_dist(
        "zoo-data-viz",
        "zoo_data_viz",
        """
        from zoo_core import Visualizer, hookimpl

        class FirstExamples(Visualizer):
            '''Draws the dataset's first examples.'''
            needs_dataset = True

        @hookimpl
        def register_visualizers(register):
            register("first_examples", FirstExamples)
    """,
    )
    r = run_cli(
        "run",
        "dqn",
        "--env",
        "CartPole-v1",
        "--viz",
        "first_examples",
        "--out",
        str(tmp_path / "run"),
    )
    assert r.exit_code == 2 and not (tmp_path / "run").exists()
    assert (
        "visualizer 'first_examples' does not apply to model 'dqn' (needs a model trained "
        "on a dataset" in " ".join(r.stderr.split())
    )
    info = run_cli("info", "first_examples", "--json")
    applies = json.loads(info.stdout)["applies_to"]
    assert "vae" in applies and "dqn" not in applies
