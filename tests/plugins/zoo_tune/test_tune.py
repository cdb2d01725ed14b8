"""`zoo tune`, the Optuna search plugin: search spaces, refusals before any trial, pruning,
the best trial written as an experiment file, and a search resumed after a kill."""

import json

import pytest
from conftest import TINY_VAE_FLAGS as TINY_FLAGS
from conftest import require_debian_data

from zoo_core.cli import registry
from zoo_core.experiments import config_file as experiment


@pytest.mark.parametrize(
    "text, kind",
    [
        ("lr=1e-4:1e-2:log", "float"),
        ("epochs=1:5", "int"),
        ("latent_dim=2,4,8", "choice"),
        ("filters=4,8|8,16", "choice"),
    ],
)
def test_search_spaces_parse(text, kind):
    from zoo_tune.search import parse_space

    s = parse_space(text)
    assert s.kind == kind
    if kind == "choice":
        assert s.choices == (["4,8", "8,16"] if "|" in text else ["2", "4", "8"])
    else:
        assert s.low < s.high and s.log == text.endswith("log")


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--space", "learning_rate=1e-2:1e-4"], "LOW must be below HIGH"),
        (["--space", "learning_rate=0:1:log"], "LOW > 0"),
        (["--space", "learnin_rate=1e-4:1e-2"], "Did you mean learning_rate"),
        (["--space", "latent_dim=2,x"], "must be int"),
        (["--space", "latent_dim=2.0:3.0"], "whole-number setting takes whole ends"),
        ([], "at least one --space"),
    ],
)
def test_tune_refuses_a_bad_space_before_any_trial(run_cli, tmp_path, args, fragment):
    r = run_cli("tune", "vae_2d", "--dataset", "fashion_mnist", *args, "--out", str(tmp_path / "t"))
    assert r.exit_code == 2, r.output
    assert fragment in r.output and not (tmp_path / "t").exists()


def test_a_damaged_search_database_is_refused_in_one_line(run_cli, tmp_path):
    from dataclasses import asdict

    from zoo_tune.search import SPEC, TuneSpec

    spec = TuneSpec(
        model="vae_2d",
        dataset="fashion_mnist",
        flags={},
        spaces=[
            {
                "key": "learning_rate",
                "kind": "float",
                "low": 1e-4,
                "high": 1e-2,
                "log": True,
                "choices": None,
            }
        ],
        metric="val_loss",
        direction="minimize",
        trials=2,
        seed=0,
        sets=[],
        epochs=1,
        pruner="median",
        tensorboard=False,
    )
    search = tmp_path / "search"
    search.mkdir()
    (search / SPEC).write_text(json.dumps(asdict(spec)))
    (search / "study.db").write_bytes(b"not a database " * 100)
    r = run_cli("tune", "--resume", str(search))
    assert r.exit_code == 1 and "study.db cannot be read" in r.stderr
    assert "Traceback" not in r.output and (search / "study.db").read_bytes().startswith(b"not")


def test_a_search_prunes_or_completes_each_trial_writes_the_best_and_resumes(run_cli, tmp_path):
    require_debian_data()
    import optuna

    out = tmp_path / "search"
    fixed = [a for a in TINY_FLAGS[3:] if a not in ("--no-viz",)]
    r = run_cli(
        "tune",
        "vae_2d",
        "--dataset",
        "fashion_mnist",
        *fixed,
        "--epochs",
        "2",
        "--space",
        "learning_rate=1e-4:1e-2:log",
        "--space",
        "latent_dim=2,3",
        "--trials",
        "3",
        "--out",
        str(out),
        "--json",
    )
    assert r.exit_code == 0, r.output
    result = json.loads(r.output[r.output.index("{") :])
    trials = result["trials"]
    assert len(trials) == 3 and {t["state"] for t in trials} <= {"complete", "pruned"}
    for t in trials:
        run = out / t["run"]
        status = json.loads((run / "status.json").read_text())["status"]
        assert status == ("finished" if t["state"] == "complete" else "pruned")
        assert json.loads((run / "config.json").read_text())["model"]["settings"][
            "latent_dim"
        ] == int(t["params"]["latent_dim"])
    complete = [t for t in trials if t["state"] == "complete"]
    best = min(complete, key=lambda t: t["value"])
    # the vae reports no test metric named "loss": the objective is the best epoch's
    # test-split loss, as the run recorded it
    history = json.loads((out / best["run"] / "metrics.json").read_text())["history"]
    assert result["metric"] == "loss" and result["direction"] == "minimize"
    assert best["value"] == min(h["val_loss"] for h in history)
    exp, lines = experiment.load(out / "best.toml")
    plan = experiment.plan_file(registry(), experiment.request(exp), exp, lines)
    assert plan.model.settings.learning_rate == best["params"]["learning_rate"]
    assert plan.model.settings.latent_dim == int(best["params"]["latent_dim"])

    # a search killed mid-trial leaves that trial running: resume fails it, asks its
    # parameters again, and repeats none of the finished trials
    study = optuna.load_study(study_name="zoo", storage=f"sqlite:///{out / 'study.db'}")
    killed = study.ask()
    killed.suggest_float("learning_rate", 1e-4, 1e-2, log=True)
    killed.suggest_categorical("latent_dim", ["2", "3"])
    finished = {p.name: (p / "metrics.json").stat().st_mtime_ns for p in out.glob("trial-*")}
    r = run_cli("tune", "--resume", str(out), "--trials", "4", "--json")
    assert r.exit_code == 0, r.output
    after = json.loads(r.output[r.output.index("{") :])["trials"]
    assert {
        p.name: (p / "metrics.json").stat().st_mtime_ns
        for p in out.glob("trial-*")
        if p.name in finished
    } == finished
    new = [t for t in after if t["trial"] > killed.number]
    assert len(new) == 1 and new[0]["params"] == killed.params
    assert [t["state"] for t in after if t["trial"] == killed.number] == ["interrupted"]
    assert len(list(out.glob("trial-*"))) == 4


def test_tune_stops_at_once_on_a_metric_no_run_records(run_cli, tmp_path):
    require_debian_data()
    fixed = [a for a in TINY_FLAGS[3:] if a != "--no-viz"]
    r = run_cli(
        "tune",
        "vae_2d",
        "--dataset",
        "fashion_mnist",
        *fixed,
        "--epochs",
        "1",
        "--space",
        "learning_rate=1e-4:1e-2:log",
        "--metric",
        "fdi",
        "--trials",
        "3",
        "--out",
        str(tmp_path / "t"),
    )
    assert r.exit_code == 2, r.output
    assert "--metric fdi: trial 0 recorded no such metric" in r.output
    assert "neg_elbo" in r.output and "val_loss" in r.output
    assert sorted(p.name for p in (tmp_path / "t").glob("trial-*")) == ["trial-000"]


def test_a_ctrl_c_during_a_search_says_to_resume_the_search(run_cli, tmp_path, monkeypatch):
    require_debian_data()
    import keras

    class CtrlC(keras.callbacks.Callback):  # the user presses Ctrl-C in the first epoch
        def on_train_batch_end(self, batch, logs=None):
            raise KeyboardInterrupt

    from zoo_keras import model as keras_model

    train = keras_model.KerasModel.train

    def interrupted(self, ctx):
        ctx.callbacks = (*ctx.callbacks, CtrlC())
        return train(self, ctx)

    monkeypatch.setattr(keras_model.KerasModel, "train", interrupted)
    out = tmp_path / "search"
    fixed = [a for a in TINY_FLAGS[3:] if a not in ("--no-viz",)]
    r = run_cli(
        "tune",
        "vae_2d",
        "--dataset",
        "fashion_mnist",
        *fixed,
        "--epochs",
        "2",
        "--space",
        "latent_dim=2,3",
        "--trials",
        "2",
        "--out",
        str(out),
    )
    said = " ".join(r.output.split())  # as one line, whatever the terminal's width
    assert r.exit_code == 1
    assert f"continue the search with `zoo tune --resume {out}`" in said
    assert "zoo run --resume" not in said
