"""Experiments written down and repeated: config files, `--like`, `--seeds` groups (mean ±
std in `zoo run`, `zoo compare` and `zoo leaderboard`). `zoo tune`, the search plugin, has
its tests in tests/plugins/zoo_tune."""

import csv
import json
import math
import statistics
from pathlib import Path

import pytest
from conftest import DEBIAN, require_debian_data
from conftest import TINY_VAE_FLAGS as TINY_FLAGS

from zoo_core.cli import registry
from zoo_core.experiments import config_file as experiment
from zoo_core.run import plan as planner
from zoo_core.run.request import RunRequest

REPO = Path(__file__).resolve().parents[2]

TINY_TOML = f"""# a tiny vae_2d run
model = "vae_2d"
dataset = "fashion_mnist"
visualizers = []
seed = 3
tensorboard = false

[settings]
epochs = 2

[settings.model]
filters = [4, 8]
dense = 8
batch_size = 64

[settings.dataset]
data_dir = "{DEBIAN}"
limit = 256
"""


def epochs_of(run: Path) -> list[dict]:
    """metrics.csv without the wall-clock column."""
    with open(run / "metrics.csv") as f:
        return [{k: v for k, v in row.items() if k != "seconds"} for row in csv.DictReader(f)]


def test_a_config_file_runs_what_the_same_flags_run(run_cli, tmp_path):
    require_debian_data()
    (tmp_path / "tiny.toml").write_text(TINY_TOML)
    r = run_cli("run", "--config", str(tmp_path / "tiny.toml"), "--out", str(tmp_path / "a"))
    assert r.exit_code == 0, r.output
    r = run_cli("run", *TINY_FLAGS, "--epochs", "2", "--seed", "3", "--out", str(tmp_path / "b"))
    assert r.exit_code == 0, r.output
    assert epochs_of(tmp_path / "a") == epochs_of(tmp_path / "b")
    assert len(epochs_of(tmp_path / "a")) == 2
    cfg = json.loads((tmp_path / "a" / "config.json").read_text())
    assert cfg["seed"] == 3 and cfg["model"]["settings"]["filters"] == [4, 8]
    assert cfg["tensorboard"] is False and cfg["visualizers"] == []


def test_flags_beside_a_config_file_override_it():
    reg = registry()
    path = REPO / "configs" / "vae_2d.toml"
    exp, lines = experiment.load(path)
    given = experiment.request(
        exp, seed=7, flags={"epochs": 2}, sets=["latent_dim=3"], visualizers=["samples"]
    )
    plan = experiment.plan_file(reg, given, exp, lines)
    assert (plan.seed, plan.model.settings.epochs, plan.model.settings.latent_dim) == (7, 2, 3)
    assert [v.name for v in plan.visualizers] == ["samples"]
    plain = experiment.plan_file(reg, experiment.request(exp), exp, lines)
    assert (plain.seed, plain.model.settings.epochs, plain.model.settings.latent_dim) == (0, 30, 2)


@pytest.mark.parametrize(
    "text, line, fragment",
    [
        ('model = "vae_2d"\ndataset = "fashion_mnist"\nseed = 1 2\n', 3, "not valid TOML"),
        ('model = "vae_2d"\ndataset = "fashion_mnist"\nseed = [1\n', 3, "not valid TOML"),
        ('model = "vae_2d"\ndataset = "fashion_mnist"\nsed = 1\n', 3, "unknown key 'sed'"),
        ('model = "vea_2d"\ndataset = "fashion_mnist"\n', 1, "vea_2d"),
        ('model = "vae_2d"\n\ndataset = "mnist"\n', 3, "mnist"),
        ('model = "vae_2d"\ndataset = "fashion_mnist"\nvisualizers = ["returns"]\n', 3, "returns"),
        ('model = "vae_2d"\ndataset = "fashion_mnist"\nseed = "one"\n', 3, "whole number"),
        (
            'model = "vae_2d"\ndataset = "fashion_mnist"\n\n[settings.model]\nepochs = 1\n'
            'latent_dim = "two"\n',
            6,
            "latent_dim' must be int",
        ),
        (
            'model = "vae_2d"\ndataset = "fashion_mnist"\n[settings.dataset]\nlmit = 5\n',
            4,
            "Did you mean limit?",
        ),
        ('model = "vae_2d"\ndataset = "fashion_mnist"\n[settings]\nepochs = 0\n', 4, ">= 1"),
        (
            'model = "vae_2d"\ndataset = "fashion_mnist"\nvisualizers = ["samples"]\n'
            "[settings.clusters]\nlimit = 5\n",
            5,
            "'clusters' is not part of this run",
        ),
        # told in the file's words, not in flags the user did not type
        ('model = "vae_2d"\n', 1, 'needs dataset = "NAME"'),
        ('model = "dqn"\ndataset = "fashion_mnist"\n', 2, "use env = instead of dataset ="),
    ],
)
def test_a_config_file_with_an_error_is_refused_naming_the_line(
    run_cli, tmp_path, text, line, fragment
):
    path = tmp_path / "exp.toml"
    path.write_text(text)
    r = run_cli("run", "--config", str(path), "--out", str(tmp_path / "r"))
    assert r.exit_code == 2, r.output
    assert f"{path}:{line}:" in r.output and fragment in r.output, r.output
    assert "Traceback" not in r.output and not (tmp_path / "r").exists()
    assert " --" not in r.stderr, "a message quotes a flag the user did not type"


def test_config_and_like_and_model_contradict(run_cli, tmp_path):
    cfg = str(REPO / "configs" / "vae_2d.toml")
    r = run_cli("run", "vae_4d", "--config", cfg)
    assert r.exit_code == 2 and "drop MODEL" in r.output
    r = run_cli("run", "--config", cfg, "--like", str(tmp_path))
    assert r.exit_code == 2 and "give one of them" in r.output
    r = run_cli("run", "--config", str(tmp_path / "none.toml"))
    assert r.exit_code == 2 and "does not exist" in r.output


@pytest.mark.parametrize("path", sorted((REPO / "configs").glob("*.toml")), ids=lambda p: p.name)
def test_every_shipped_config_parses_and_plans_the_documented_run(path):
    """configs/NAME.toml plans exactly what `zoo run NAME --dataset/--env ... --seed 0`
    (the command the docs' numbers come from) plans."""
    reg = registry()
    exp, lines = experiment.load(path)
    plan = experiment.plan_file(reg, experiment.request(exp), exp, lines)
    flags = {"vae_2d-seeds.toml": {"epochs": 5}}.get(path.name, {})  # its command's --epochs
    documented = planner.plan(
        reg,
        RunRequest(exp.model, dataset=exp.dataset, seed=exp.seeds[0], flags={**flags, **exp.flags}),
    )
    assert plan.model.settings == documented.model.settings
    assert plan.data_spec == documented.data_spec and plan.seed == documented.seed
    assert [v.name for v in plan.visualizers] == [v.name for v in documented.visualizers]


def test_like_repeats_a_run_exactly_and_takes_overrides(run_cli, tmp_path):
    require_debian_data()
    r = run_cli(
        "run",
        *TINY_FLAGS,
        "--epochs",
        "2",
        "--seed",
        "5",
        "--set",
        "latent_dim=3",
        "--out",
        str(tmp_path / "first"),
    )
    assert r.exit_code == 0, r.output
    r = run_cli("run", "--like", str(tmp_path / "first"), "--out", str(tmp_path / "again"))
    assert r.exit_code == 0, r.output
    assert epochs_of(tmp_path / "again") == epochs_of(tmp_path / "first")
    r = run_cli(
        "run",
        "--like",
        str(tmp_path / "first"),
        "--seed",
        "6",
        "--epochs",
        "1",
        "--out",
        str(tmp_path / "other"),
    )
    assert r.exit_code == 0, r.output
    cfg = json.loads((tmp_path / "other" / "config.json").read_text())
    assert cfg["seed"] == 6 and cfg["model"]["settings"]["latent_dim"] == 3
    assert len(epochs_of(tmp_path / "other")) == 1
    assert epochs_of(tmp_path / "other")[0] != epochs_of(tmp_path / "first")[0]


def test_seeds_make_a_group_with_mean_and_std_of_each_test_metric(run_cli, tmp_path):
    require_debian_data()
    group = tmp_path / "runs" / "g"
    r = run_cli("run", *TINY_FLAGS, "--epochs", "1", "--seeds", "0,1", "--out", str(group))
    assert r.exit_code == 0, r.output
    record = json.loads((group / "group.json").read_text())
    assert record["runs"] == ["seed-0", "seed-1"] and record["seeds"] == [0, 1]
    tests = [json.loads((group / f"seed-{s}" / "metrics.json").read_text())["test"] for s in (0, 1)]
    assert tests[0] != tests[1]
    for name in ("neg_elbo", "kl"):
        values = [t[name] for t in tests]
        got = record["summary"][name]
        assert got["values"] == {"0": values[0], "1": values[1]}
        assert math.isclose(got["mean"], statistics.mean(values), rel_tol=1e-12)
        assert math.isclose(got["std"], statistics.stdev(values), rel_tol=1e-9)
        assert f"{got['mean']:.4f} ± {got['std']:.4f}" in r.output
    # compare: the group is one column, mean ± std, its curves shaded
    r = run_cli("compare", str(group), "--out", str(tmp_path / "c.png"), "--json")
    assert r.exit_code == 0, r.output
    (row,) = json.loads(r.output[r.output.index("{") :])["runs"]
    assert row["run"] == "g" and row["seed"] == "0,1"
    assert math.isclose(row["test_neg_elbo"]["mean"], record["summary"]["neg_elbo"]["mean"])
    # the leaderboard finds the members under the root and shows them as one row, each
    # evaluated metric as mean ± std over the seeds
    evaluated = []
    for s in (0, 1):
        assert run_cli("eval", str(group / f"seed-{s}"), "--metric", "elbo").exit_code == 0
        evaluated.append(
            json.loads((group / f"seed-{s}" / "metrics.json").read_text())["eval"]["neg_elbo"]
        )
    r = run_cli("leaderboard", "--root", str(tmp_path / "runs"), "--markdown")
    assert r.exit_code == 0, r.output
    assert r.output.count("| g | vae_2d |") == 1
    assert f"| {statistics.mean(evaluated):.4g} ± {statistics.stdev(evaluated):.4g} |" in r.output
    # a member resumed on its own (here through the Python API) recounts its group
    import zoo
    from zoo_core.experiments import seed_groups

    (group / "seed-1" / "status.json").write_text(json.dumps({"status": "interrupted"}))
    assert seed_groups.refresh(group)["runs"] == ["seed-0"]
    zoo.open(group / "seed-1", progress=False).resume()
    assert json.loads((group / "group.json").read_text())["runs"] == ["seed-0", "seed-1"]
    # a group stopped before its last seed: --resume trains only what is missing
    import shutil

    before = (group / "seed-0" / "metrics.json").stat().st_mtime_ns
    shutil.rmtree(group / "seed-1")
    r = run_cli("run", "--resume", str(group))
    assert r.exit_code == 0, r.output
    again = json.loads((group / "group.json").read_text())
    assert again["runs"] == ["seed-0", "seed-1"]
    assert (group / "seed-0" / "metrics.json").stat().st_mtime_ns == before
    assert again["summary"]["neg_elbo"] == record["summary"]["neg_elbo"]  # seeds reproduce
    r = run_cli("run", *TINY_FLAGS, "--seeds", "0,0")
    assert r.exit_code == 2 and "repeats a seed" in r.output
    r = run_cli("run", *TINY_FLAGS, "--seeds", "0,1", "--seed", "2")
    assert r.exit_code == 2 and "contradict" in r.output
