"""A trained model stays what it was trained as: a shipped model or a finished run is not
trained again by ``--resume``, and a setting fixed at training (the noise schedule, the
number of timesteps, the flow's logit margin) cannot be changed at sample, viz or eval;
the settings free at sampling are declared once, with their ranges, and ``zoo info``
prints that declaration."""

from __future__ import annotations

import hashlib

import pytest

import zoo
from zoo_core import plugins
from zoo_core import settings as S

TINY = dict(dataset="fashion_mnist", epochs=1, batch_size=64, limit=256, viz=[], progress=False)


def digests(folder):
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_a_shipped_models_working_copy_refuses_resume_and_is_left_unchanged(run_cli):
    copy = zoo.pretrained("vae_2d", progress=False).path
    before = digests(copy)
    r = run_cli("run", "--resume", str(copy))
    assert r.exit_code == 2
    assert "is a shipped pretrained model" in r.output and "zoo run --like" in r.output
    with pytest.raises(zoo.UsageError, match="shipped pretrained model"):
        zoo.pretrained("vae_2d", progress=False).resume()
    assert digests(copy) == before  # no checkpoint, no TensorBoard, no status change


def test_a_finished_run_refuses_resume_and_is_left_unchanged(tmp_path, run_cli):
    run = zoo.run("vae_2d", seed=1, out=tmp_path / "done", **TINY)
    before = digests(run.path)
    r = run_cli("run", "--resume", str(run.path))
    assert r.exit_code == 2 and "is finished" in r.output
    with pytest.raises(zoo.UsageError, match="is finished"):
        run.resume()
    assert digests(run.path) == before  # model.keras not rewritten


@pytest.mark.parametrize(
    "model,setting,trained",
    [
        ("ddpm", "timesteps=10", "timesteps=1000"),
        ("ddpm", "schedule=linear", "schedule=cosine"),
        ("realnvp", "alpha=0.1", "alpha=0.05"),
        ("vae_2d", "latent_dim=4", "latent_dim=2"),
    ],
)
def test_a_setting_fixed_at_training_is_refused_naming_the_trained_value(
    run_cli, model, setting, trained
):
    for command in (
        ["sample", f"pretrained:{model}", "--n", "1"],
        ["viz", f"pretrained:{model}", "--viz", "samples"],
    ):
        key = setting.split("=")[0]
        scoped = setting if command[0] == "sample" else f"model.{setting}"
        r = run_cli(*command, "--set", scoped)
        assert r.exit_code == 2, r.output
        assert f"setting '{key}' is fixed at training" in r.output and trained in r.output
    cls = plugins.get_registry().resolve("model", model).entry.cls  # what sample() checks
    with pytest.raises(zoo.SettingsError, match="takes no sampling option"):
        cls().sampling(**dict([setting.split("=")]))


@pytest.mark.parametrize(
    "model,setting,message",
    [
        ("ddpm", "eta=50", "must be <= 1.0"),
        ("ddpm", "guidance=1e30", "must be <= 20.0"),
        ("realnvp", "temperature=1e30", "must be <= 2.0"),
        ("ddpm", "steps=1001", "<= 1000"),
    ],
)
def test_sampling_settings_are_checked_against_their_meaning(run_cli, model, setting, message):
    r = run_cli("sample", f"pretrained:{model}", "--n", "1", "--set", setting)
    assert r.exit_code == 2 and message in r.output


def test_zoo_viz_set_reaches_its_visualizers_and_model_key_the_model(run_cli):
    r = run_cli("viz", "pretrained:ddpm", "--viz", "steps_tradeoff", "--set", "steps=0")
    assert r.exit_code == 2 and "visualizer 'steps_tradeoff' setting 'steps'" in r.output
    r = run_cli("viz", "pretrained:ddpm", "--viz", "samples", "--set", "steps=10")
    assert r.exit_code == 2 and "model.steps=10" in r.output  # says how to reach the model


def test_every_model_declares_what_is_fixed_and_what_is_free_and_info_prints_it(run_cli):
    registry = plugins.get_registry()
    free = {}
    for entry in registry.entries("model"):
        rows = S.describe(entry.cls.Settings, model=True)
        assert {r["when"] for r in rows} <= {"training", "sampling"}
        free[entry.name] = tuple(r["name"] for r in rows if r["when"] == "sampling")
        assert free[entry.name] == entry.cls.sampling_settings  # one declaration
    assert free["ddpm"] == ("sampler", "steps", "eta", "guidance")
    assert free["realnvp"] == ("temperature",) and free["vae"] == ()
    doc = zoo.info("ddpm")
    rows = {r["name"]: r for r in doc["settings"]}
    assert rows["timesteps"]["when"] == "training" and rows["eta"]["when"] == "sampling"
    assert rows["eta"]["range"] == "0..1" and rows["steps"]["range"] == "1..1000"
    r = run_cli("info", "ddpm")
    assert r.exit_code == 0 and "when" in r.output and "sampling" in r.output
