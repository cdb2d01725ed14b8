"""``zoo export``: a trained model leaves the zoo as SavedModel, ONNX and LiteRT files that
load with their own runtimes, checked in a fresh process against the zoo's outputs.

The shipped models are the subjects (they load in a second and are what users export);
every family's endpoints are also checked by the contract kit on its tiny runs.
"""

import json
import subprocess
import sys

import numpy as np
import pytest

import zoo


def exported(run_cli, tmp_path, reference, *args):
    out = tmp_path / "export"
    result = run_cli("export", reference, "--out", str(out), *args)
    assert result.exit_code == 0, result.output
    return out, json.loads((out / "export.json").read_text())


@pytest.mark.slow  # make test-all (30-60 s): three converters; the kit traces every endpoint
def test_a_vae_exports_to_every_format_and_each_matches_the_zoo_outside_it(run_cli, tmp_path):
    out, manifest = exported(
        run_cli,
        tmp_path,
        "pretrained:vae_2d",
        "--format",
        "savedmodel",
        "--format",
        "onnx",
        "--format",
        "litert",
    )
    check = manifest["check"]
    assert check["zoo_modules_imported"] == []  # the check ran with no zoo code
    for fmt in ("savedmodel", "onnx", "litert"):
        assert sorted(check[fmt]) == ["decode", "encode", "sample"]
        for name, row in check[fmt].items():
            assert row["max_abs_diff"] <= 1e-4, (fmt, name, row)
    for name in ("decode.onnx", "encode.onnx", "sample.onnx", "model.tflite", "check.py"):
        assert (out / name).is_file(), name
    readme = (out / "README.md").read_text()
    assert "`decode`" in readme and "(n, 2)" in readme and "pixels in [0, 1]" in readme

    # our own comparison, on inputs the export never saw: ONNX Runtime against the API
    import onnxruntime

    z = np.random.default_rng(7).standard_normal((5, 2)).astype("float32")
    session = onnxruntime.InferenceSession(str(out / "decode.onnx"))
    got = session.run(None, {session.get_inputs()[0].name: z})[0]
    want = zoo.pretrained("vae_2d", progress=False).model.decode(z)
    assert got.shape == (5, 28, 28, 1)
    assert np.max(np.abs(got - want)) < 1e-4

    # the shipped check.py passes on its own, and fails when the expected outputs are wrong
    ok = subprocess.run([sys.executable, str(out / "check.py")], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr[-500:]
    examples = dict(np.load(out / "examples.npz"))
    examples["decode/images"] = examples["decode/images"] + 0.01
    np.savez(out / "examples.npz", **examples)
    bad = subprocess.run([sys.executable, str(out / "check.py")], capture_output=True, text=True)
    assert bad.returncode == 1
    assert json.loads(bad.stdout)["savedmodel"]["decode"]["ok"] is False


def shipped_noise(model, n, seed):
    """The noise ``model.sample(n, seed=seed)`` draws: the start, then one draw per step."""
    rng = np.random.default_rng(seed)
    shape = tuple(model.data_spec.element_shape)
    start = rng.standard_normal((n, *shape), dtype="float32")
    return rng, start


@pytest.mark.slow  # make test-all (a minute or two): the contract kit checks tiny samplers
def test_a_flow_sampler_exports_with_its_steps_in_the_graph_and_samples_as_the_zoo(
    run_cli, tmp_path
):
    out, manifest = exported(run_cli, tmp_path, "pretrained:flow_matching", "--set", "steps=3")
    (sample,) = [e for e in manifest["endpoints"] if e["name"] == "sample"]
    assert [p["name"] for p in sample["inputs"]] == ["noise"]
    assert "heun, 3 network evaluations" in sample["doc"]
    assert all(row["ok"] for row in manifest["check"]["savedmodel"].values())

    import tensorflow as tf

    model = zoo.pretrained("flow_matching", progress=False).model
    _, noise = shipped_noise(model, 3, seed=5)
    loaded = tf.saved_model.load(str(out / "saved_model"))
    got = loaded.sample(noise)["images"].numpy()
    want = model.sample(3, seed=5, steps=3)
    assert np.max(np.abs(got - want)) < 1e-3


@pytest.mark.slow  # make test-all (a minute or two): the contract kit checks tiny samplers
def test_an_ancestral_sampler_takes_its_step_noise_as_an_input(run_cli, tmp_path):
    out, manifest = exported(run_cli, tmp_path, "pretrained:ddpm", "--set", "steps=3")
    (sample,) = [e for e in manifest["endpoints"] if e["name"] == "sample"]
    assert [p["name"] for p in sample["inputs"]] == ["noise", "step_noise"]
    assert sample["inputs"][1]["shape"] == [None, 3, 28, 28, 1]

    import tensorflow as tf

    model = zoo.pretrained("ddpm", progress=False).model
    rng, noise = shipped_noise(model, 2, seed=1)
    steps = np.stack([rng.standard_normal(noise.shape, dtype="float32") for _ in range(3)], 1)
    loaded = tf.saved_model.load(str(out / "saved_model"))
    got = loaded.sample(noise, steps)["images"].numpy()
    want = model.sample(2, seed=1, steps=3)
    assert np.max(np.abs(got - want)) < 1e-3
    # the noise input is used: other draws, other images
    other = loaded.sample(noise, steps[:, ::-1])["images"].numpy()
    assert np.max(np.abs(other - got)) > 0.05


def test_the_python_api_exports_as_the_command_does(tmp_path):
    run = zoo.pretrained("dcgan", progress=False)
    manifest = run.export(tmp_path / "dcgan", "onnx")
    assert list(manifest["formats"]) == ["onnx"]
    assert sorted(manifest["check"]["onnx"]) == ["decode", "sample"]
    assert json.loads((tmp_path / "dcgan" / "export.json").read_text())["from"] == (
        "pretrained:dcgan"
    )


def test_a_model_without_endpoints_is_refused_in_one_line(run_cli, tmp_path):
    result = run_cli("export", "pretrained:dqn", "--out", str(tmp_path / "x"))
    assert result.exit_code == 2
    assert "cannot be exported" in result.output and len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p.write_text("notes"), "is a file"),
        (lambda p: (p.mkdir(), (p / "mine.txt").write_text("keep")), "not an export"),
    ],
)
def test_an_out_folder_that_is_not_an_export_is_left_alone(run_cli, tmp_path, make, message):
    target = tmp_path / "out"
    make(target)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    result = run_cli("export", "pretrained:vae_2d", "--out", str(target))
    assert result.exit_code == 2 and message in result.output
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_an_earlier_export_is_replaced_whole(run_cli, tmp_path):
    out, _ = exported(run_cli, tmp_path, "pretrained:dcgan", "--format", "onnx")
    (out / "mine.txt").write_text("not the export's")  # replaced with the rest
    _, manifest = exported(run_cli, tmp_path, "pretrained:dcgan", "--format", "litert")
    assert list(manifest["formats"]) == ["litert"]
    assert not list(out.glob("*.onnx")) and not (out / "mine.txt").exists()
    assert not list(tmp_path.glob(".export.*"))  # nor a working folder


def test_an_operator_onnx_lacks_is_refused_naming_the_endpoint(tmp_path):
    import keras
    import tensorflow as tf

    from zoo_core.errors import IncompatibleError
    from zoo_core.export import Endpoint, Port
    from zoo_keras.export import write

    net = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3)])
    port = Port("x", (3,), "float32", "numbers in (0, 1)", (0.0, 1.0))
    result = Port("y", (3,), "float32", "log(1 - x^2)")
    endpoint = Endpoint(
        "odd", (port,), result, lambda x: tf.math.log1p(-(net(x) ** 2)), lambda x: x, "log1p"
    )
    with pytest.raises(IncompatibleError, match=r"ONNX export of 'odd'.*savedmodel or litert"):
        write(net, [endpoint], tmp_path, "onnx")
    assert not (tmp_path / "odd.onnx").exists()
