"""The Python API reads like the CLI and goes through the same plan and runner: a run made
with ``zoo.run`` is a run folder the CLI takes, and errors are the CLI's typed errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

import zoo

TINY = dict(dataset="fashion_mnist", epochs=1, batch_size=64, limit=256, viz=[], progress=False)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("api") / "vae"
    return zoo.run("vae_2d", seed=3, out=out, **TINY)


def test_zoo_run_records_the_command_that_plans_the_same_run(tiny_run, run_cli, tmp_path):
    assert tiny_run.status == "finished" and len(tiny_run.history) == 1
    assert tiny_run.config["dataset"]["settings"]["limit"] == 256
    command = tiny_run.config["command"]
    assert command == [
        "run",
        "vae_2d",
        "--dataset",
        "fashion_mnist",
        "--epochs",
        "1",
        "--batch-size",
        "64",
        "--seed",
        "3",
        "--no-viz",
        "--set",
        "limit=256",
    ]
    # the CLI, given those arguments, plans exactly the run the API made
    again = run_cli(*command, "--out", str(tmp_path / "again"), "--no-tensorboard")
    assert again.exit_code == 0, again.output
    cfg = json.loads((tmp_path / "again" / "config.json").read_text())
    assert cfg["fingerprint"] == tiny_run.config["fingerprint"]


def test_a_run_opens_and_its_model_decodes_samples_and_draws(tiny_run):
    run = zoo.open(tiny_run.path)
    assert run.history == tiny_run.history
    assert run.history.column("loss") == [tiny_run.history[0]["loss"]]
    image = run.model.decode([1.4, -1.3])
    assert image.shape == (1, 28, 28, 1) and 0 <= image.min() <= image.max() <= 1
    a, b = run.model.sample(3, seed=5), run.model.sample(3, seed=5)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, run.model.sample(3, seed=6))
    fig = run.figure("manifold", n=4)
    assert len(fig.axes) >= 1 and "manifold" in fig.get_suptitle()
    assert not list(run.path.glob("figures/manifold*"))  # a figure is returned, not written


def test_capabilities_and_bad_input_are_the_clis_typed_errors(tiny_run):
    with pytest.raises(zoo.UsageError, match=r"shape \(n, 2\).*shape \(3,\)"):
        tiny_run.model.decode([0.0, 1.0, 2.0])
    with pytest.raises(zoo.UsageError, match="not conditional"):
        tiny_run.model.sample(2, label="Sneaker")
    with pytest.raises(zoo.UnknownNameError, match="Did you mean: vae_2d"):
        zoo.run("vae_2e", **TINY)
    with pytest.raises(zoo.SettingsError, match="latent_dim"):
        zoo.run("vae_2d", latent_dim="two", **TINY)
    with pytest.raises(zoo.UsageError, match='needs dataset="NAME"') as no_data:
        zoo.run("vae_2d", epochs=1, progress=False)
    assert "--" not in str(no_data.value)  # in the call's words, not the CLI's flags
    with pytest.raises(zoo.RunError, match="not a folder"):
        zoo.open("no/such/run")


@pytest.mark.parametrize(
    "call,message",
    [
        (
            lambda m: m.sample(-1),
            r"sample\(n=...\) must be a whole number >= 1 and <= 1,024; got -1",
        ),
        (
            lambda m: m.sample(2.5),
            r"sample\(n=...\) must be a whole number >= 1 and <= 1,024; got 2.5",
        ),
        (
            lambda m: m.sample(2, seed=-3),
            r"sample\(seed=...\) takes a whole number in \[0, 4294967295\]",
        ),
        (lambda m: m.sample(2, seed=0, steps=5), r"takes no sampling option 'steps'"),
        (
            lambda m: m.encode(None),
            r"encode\(\) takes images as an array of shape \(n, 28, 28, 1\)",
        ),
        (lambda m: m.encode(np.zeros((2, 28, 28))), r"got shape \(2, 28, 28\)"),
        (
            lambda m: m.encode(np.full((1, 28, 28, 1), 255.0)),
            r"\[0, 1\].*divide 8-bit images by 255",
        ),
        (
            lambda m: m.log_likelihood(np.zeros((1, 28, 28, 1)), k=0),
            r"log_likelihood\(k=...\) must be a whole number >= 1",
        ),
    ],
)
def test_a_models_bad_arguments_are_one_usage_error(tiny_run, call, message):
    with pytest.raises(zoo.UsageError, match=message) as caught:
        call(tiny_run.model)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda: zoo.run(3), r"zoo.run\(\) takes a string, e.g. zoo.run\('vae_2d'"),
        (lambda: zoo.run("vae_2d", dataset=3), r"zoo.run\(dataset=...\) takes a string"),
        (
            lambda: zoo.run("vae_2d", seed="x", **TINY),
            r"zoo.run\(seed=...\) takes a whole number in \[0, ",
        ),
        (lambda: zoo.run("vae_2d", seed=-1, **TINY), r"got -1"),
        (lambda: zoo.run("vae_2d", seed=2**32, **TINY), r"got 4294967296"),
        (lambda: zoo.run("vae_2d", settings=["limit=5"], **TINY), r"takes a dict of scoped"),
        (lambda: zoo.open(None), r"zoo.open\(\) takes a run folder's path"),
        (lambda: zoo.pretrained(3), r"zoo.pretrained\(\) takes a string"),
        (lambda: zoo.models(3), r"zoo.models\(\) takes a string, e.g. zoo.models\('\*gan\*'\)"),
        (lambda: zoo.info(None), r"zoo.info\(\) takes a string"),
    ],
)
def test_bad_arguments_are_one_usage_error_before_any_run_folder(
    call, message, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # a run folder would appear under ./runs
    with pytest.raises(zoo.UsageError, match=message) as caught:
        call()
    assert "\n" not in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_one_visualizer_may_be_named_alone_and_a_numpy_seed_is_a_seed(tmp_path):
    run = zoo.run("vae_2d", seed=np.int64(4), out=tmp_path / "r", **{**TINY, "viz": "samples"})
    assert run.config["seed"] == 4 and type(run.config["seed"]) is int
    assert [v["name"] for v in run.config["visualizers"]] == ["samples"]
    assert (tmp_path / "r" / "figures" / "samples.png").is_file()


def test_one_image_encodes_as_a_batch_of_one(tiny_run):
    x = np.zeros((28, 28, 1), "float32")
    np.testing.assert_array_equal(tiny_run.model.encode(x), tiny_run.model.encode(x[None]))


def test_evaluate_keeps_its_numbers_in_the_run_as_zoo_eval_does(tiny_run):
    values = tiny_run.evaluate("elbo", active_threshold=0.05)
    assert values["neg_elbo"] > 0
    assert tiny_run.evaluations["neg_elbo"] == values["neg_elbo"]


def test_listing_and_info_say_what_zoo_list_and_zoo_info_say(run_cli):
    assert {"vae_2d", "vae_4d", "dcgan", "ddpm"} <= set(zoo.models())
    assert zoo.models("vae_*") == ["vae_2d", "vae_4d"]
    assert "fashion_mnist" in zoo.datasets() and "manifold" in zoo.visualizers()
    as_json = json.loads(json.dumps(zoo.info("vae_2d"), default=str))  # tuples as lists
    assert as_json == json.loads(run_cli("info", "vae_2d", "--json").stdout)
    names = {p["name"] for p in zoo.pretrained()}
    assert "ddpm" in names


def test_a_packed_run_keeps_its_outputs_within_float16_rounding(tiny_run, run_cli, tmp_path):
    result = run_cli("pretrained", "pack", str(tiny_run.path), "tiny", "--into", str(tmp_path))
    assert result.exit_code == 0, result.output
    packed = zoo.open(tmp_path / "tiny")  # a package is itself a run folder
    manifest = json.loads((tmp_path / "tiny" / "pretrained.json").read_text())
    assert manifest["weights"]["bytes"] < manifest["weights"]["run_bytes"] / 2.5
    z = np.random.default_rng(0).standard_normal((8, 2)).astype("float32")
    full, half = tiny_run.model.decode(z), packed.model.decode(z)
    assert np.abs(full - half).max() < 0.02
    assert not np.array_equal(full, half)  # the weights really are stored at half precision


def test_a_conditional_pretrained_model_takes_class_names():
    model = zoo.pretrained("cvae_2d", progress=False).model  # quick to load and sample
    assert "Sneaker" in model.class_names
    by_name = model.sample(2, seed=1, label="sneaker")
    by_index = model.sample(2, seed=1, label=model.class_names.index("Sneaker"))
    np.testing.assert_array_equal(by_name, by_index)
    with pytest.raises(zoo.UsageError, match="unknown label 'Sneakers'; use one of"):
        model.sample(2, label="Sneakers")
    with pytest.raises(zoo.UsageError, match="out of range; use 0..9"):
        model.sample(2, label=10)
