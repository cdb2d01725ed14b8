"""One request, one planner: ``zoo run``, ``zoo.run()`` and a ``zoo tune`` trial build the
same :class:`RunRequest` and get equal plans; each value is checked once, where it is
defined (the seed by ``check_seed``, a model setting by its model's ``Settings``)."""

import pytest

import zoo
from zoo_core.errors import SettingsError, UsageError
from zoo_core.run import plan as planner
from zoo_core.run import runner
from zoo_core.run.request import SEED_MAX, RunRequest, check_seed


class Planned(Exception):
    """Raised instead of training: the plan reached the runner."""


@pytest.fixture
def captured(monkeypatch):
    plans = []

    def execute(plan, console, **kw):
        plans.append(plan)
        raise Planned

    monkeypatch.setattr(runner, "execute", execute)
    return plans


def comparable(plan) -> dict:
    cfg = plan.to_config()
    for key in ("created", "command", "versions"):
        cfg.pop(key)
    return cfg


def test_the_cli_the_api_and_a_tune_trial_plan_the_same_run(captured, run_cli, tmp_path):
    run_cli(
        "run", "vae_2d", "--dataset", "fashion_mnist", "--epochs", "2", "--batch-size", "32",
        "--seed", "5", "--set", "latent_dim=3", "--set", "limit=300", "--no-viz",
        "--no-tensorboard",
    )  # fmt: skip
    with pytest.raises(Planned):
        zoo.run(
            "vae_2d", dataset="fashion_mnist", epochs=2, batch_size=32, seed=5, latent_dim=3,
            limit=300, viz=[], tensorboard=False, progress=False,
        )  # fmt: skip
    run_cli(
        "tune", "vae_2d", "--dataset", "fashion_mnist", "--epochs", "2", "--seed", "5",
        "--set", "batch_size=32", "--set", "limit=300", "--space", "latent_dim=3",
        "--trials", "1", "--pruner", "none", "--no-tensorboard", "--out", str(tmp_path / "t"),
    )  # fmt: skip
    cli, api, trial = captured
    assert comparable(cli) == comparable(api) == comparable(trial)
    assert (cli.seed, cli.model.settings.epochs, cli.model.settings.latent_dim) == (5, 2, 3)
    assert cli.model.settings.batch_size == 32 and cli.dataset.settings.limit == 300


@pytest.mark.parametrize("seed", [-1, SEED_MAX + 1, 1.0, True, "3"])
def test_a_seed_is_checked_where_it_is_defined_whoever_asks(seed):
    with pytest.raises(UsageError, match=r"takes a whole number in \[0, 4294967295\]"):
        check_seed(seed)
    with pytest.raises(UsageError, match="--seed takes a whole number"):
        RunRequest("vae_2d", dataset="fashion_mnist", seed=seed)


def test_the_cli_and_the_api_say_the_same_about_a_bad_seed_in_their_own_words(run_cli):
    r = run_cli("run", "vae_2d", "--dataset", "fashion_mnist", "--seed", "-1")
    assert r.exit_code == 2 and "takes a whole number in [0, 4294967295]" in r.output
    with pytest.raises(UsageError, match=r"^zoo.run\(seed=...\) takes a whole number"):
        zoo.run("vae_2d", dataset="fashion_mnist", seed=-1)


def test_epochs_is_the_models_own_setting_checked_by_its_settings():
    """``--epochs`` is a flag for the model's setting of that name, checked by the model's
    Settings like any setting; a model that counts otherwise says what it counts in."""
    with pytest.raises(SettingsError, match="epochs"):
        planner.plan(
            _registry(), RunRequest("vae_2d", dataset="fashion_mnist", flags={"epochs": 0})
        )
    with pytest.raises(SettingsError) as e:
        planner.plan(_registry(), RunRequest("dqn", flags={"env": "CartPole-v1", "epochs": 3}))
    assert "it counts training in steps ('total_steps')" in str(e.value)


def _registry():
    from zoo_core import plugins

    return plugins.get_registry()
