"""The `zoo` command line, through click's CliRunner, as a user types it."""

import json
import subprocess
import sys

import pytest
from conftest import DEBIAN, require_debian_data

ODD_DATASET = """
    from zoo_core import DataSpec, Dataset, hookimpl

    class Odd(Dataset):
        '''30x30 images: not divisible by 4.'''

        @classmethod
        def spec(cls, settings):
            return DataSpec("images", (30, 30, 1), "float32", ("a",), ("train", "test"))

        def arrays(self, split):
            raise AssertionError("the fit check must refuse before any data loads")

    @hookimpl
    def register_datasets(register):
        register("odd", Odd)
"""


def test_list_shows_name_variants_summary_and_package(run_cli):
    result = run_cli("list", "models")
    assert result.exit_code == 0
    assert "vae" in result.output and "vae_4d" in result.output and "zoo" in result.output


def test_list_json_is_plain_json_on_stdout(run_cli):
    result = run_cli("list", "models", "vae*", "--json")
    rows = json.loads(result.stdout)
    assert [(r["name"], r["variants"], r["default_variant"]) for r in rows] == [
        ("vae", ["vae_2d", "vae_4d", "beta_vae"], "vae_2d")
    ]


def test_list_pattern_without_kind(run_cli):
    rows = json.loads(run_cli("list", "fash*", "--json").stdout)
    assert [r["kind"] for r in rows] == ["dataset"]


def test_info_shows_settings_defaults_and_fits(run_cli):
    doc = json.loads(run_cli("info", "vae_4d", "--json").stdout)
    values = {s["name"]: s["value"] for s in doc["settings"]}
    assert values["latent_dim"] == 4 and values["filters"] == [64, 128]
    assert "fashion_mnist" in doc["fits"] and "manifold" in doc["visualizers"]
    assert "returns" not in doc["visualizers"]
    # the text says what the JSON says, the strategies a model runs under included
    text = " ".join(run_cli("info", "vae_4d").stdout.split())
    assert "strategies: default, mirrored, multi-worker" in text
    assert f"fits: {', '.join(doc['fits'])}" in text and "fashion_mnist" in doc["fits"]
    assert "strategies: default visualizers" in " ".join(run_cli("info", "dqn").stdout.split())


def test_info_of_a_visualizer_says_what_it_applies_to(run_cli):
    doc = json.loads(run_cli("info", "manifold", "--json").stdout)
    assert "vae" in doc["applies_to"] and "dqn" not in doc["applies_to"]


def test_unknown_model_is_a_usage_error_with_suggestions(run_cli):
    result = run_cli("run", "vea", "--dataset", "fashion_mnist")
    assert result.exit_code == 2
    assert "unknown model 'vea'" in result.output and "Did you mean: vae" in result.output
    assert "Traceback" not in result.output


def test_unknown_dataset_lists_available(run_cli):
    result = run_cli("run", "vae", "--dataset", "mnist")
    assert (
        result.exit_code == 2 and "Available:" in result.output and "fashion_mnist" in result.output
    )


def test_fit_check_refuses_a_mismatched_dataset_before_loading(make_dist, run_cli, tmp_path):
    make_dist("zoo-odd", "zoo_odd", ODD_DATASET)
    result = run_cli("run", "vae", "--dataset", "odd", "--out", str(tmp_path / "r"))
    assert result.exit_code == 2
    assert "does not fit dataset 'odd'" in result.output and "divisible by 4" in result.output
    assert not (tmp_path / "r").exists()


def test_a_visualizer_that_does_not_apply_is_refused_with_the_ones_that_do(run_cli):
    result = run_cli("run", "vae", "--dataset", "fashion_mnist", "--viz", "returns")
    assert result.exit_code == 2
    assert "visualizer 'returns' does not apply" in result.output and "manifold" in result.output


@pytest.mark.parametrize(
    "args,fragment",
    [
        (["--set", "latent_dim=abc"], "must be int"),
        (["--set", "nonsense=1"], "unknown setting 'nonsense'"),
        (["--set", "noequals"], "key=value"),
        (["--set", "limit=0"], "limit' must be >= 1"),
        (["--set", "manifold.n=1", "--viz", "manifold"], "must be >= 2"),
        (["--set", "clusters.n=3", "--viz", "manifold"], "'clusters' is not part of this run"),
    ],
)
def test_bad_set_values_are_refused_clearly(run_cli, args, fragment):
    result = run_cli("run", "vae", "--dataset", "fashion_mnist", *args)
    assert result.exit_code == 2, result.output
    assert fragment in result.output and "Traceback" not in result.output


def test_env_model_refuses_a_dataset(run_cli):
    result = run_cli("run", "dqn", "--dataset", "fashion_mnist")
    assert result.exit_code == 2 and "use --env" in result.output


def _imports_after(args):
    """Run `zoo ARGS` through `main()` (what the `zoo` script calls, plugin commands
    included) in a fresh process; say whether TensorFlow got imported."""
    code = (
        "import sys; from zoo_core.cli import main\n"
        "sys.argv = ['zoo'] + %r\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('TF_LOADED' if 'tensorflow' in sys.modules else 'TF_NOT_LOADED')" % (args,)
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return out.strip().splitlines()[-1]


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["list"],
        ["info", "vae"],
        ["info", "manifold"],
        ["info", "fashion_mnist"],
        ["info", "fid"],
        ["plugins"],
        ["run", "--help"],
    ],
)
def test_listing_and_describing_never_import_tensorflow(args):
    assert _imports_after(args) == "TF_NOT_LOADED"


@pytest.mark.slow  # trains in a fresh process (10 s): make test-all
def test_the_import_check_can_fail(tmp_path):
    """The same probe reports TF_LOADED for a command that trains."""
    require_debian_data()
    assert (
        _imports_after(
            [
                "run",
                "vae",
                "--dataset",
                "fashion_mnist",
                "--epochs",
                "1",
                "--set",
                f"data_dir={DEBIAN}",
                "--set",
                "limit=64",
                "--no-viz",
                "--out",
                str(tmp_path / "r"),
            ]
        )
        == "TF_LOADED"
    )


def test_register_commands_hook_adds_commands_from_plugins():
    out = subprocess.run(
        [sys.executable, "-m", "zoo_core.cli", "example-hello"], capture_output=True, text=True
    )
    assert out.returncode == 0 and out.stdout.strip() == "hello from zoo-example"


def test_resume_takes_no_other_options_and_needs_a_run(run_cli, tmp_path):
    r = run_cli("run", "--resume", str(tmp_path), "--epochs", "3")
    assert r.exit_code == 2 and "--resume takes no other options" in r.output
    r = run_cli("run", "--resume", str(tmp_path / "nope"))
    assert r.exit_code == 2 and "is not a folder" in r.output


def test_run_without_a_model_says_what_to_type(run_cli):
    r = run_cli("run")
    assert r.exit_code == 2 and "zoo run MODEL --dataset NAME" in r.output
    assert "`zoo list models`" in r.output
