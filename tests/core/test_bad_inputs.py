"""A sweep of bad inputs through the `zoo` command: every one exits 1 or 2 with a one-line
message and no traceback, and no file of a prepared folder (a user's files and a finished
run) changes. Every eighth case runs as its own `zoo` process (the real entry point, its
start-up and its error handling); the others through Click's test runner in this process,
the same command objects without a Python start-up each."""

import hashlib
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import DEBIAN, require_debian_data

USAGE, FAILED = 2, 1


def sweep(run: Path, user: Path, a_file: Path):
    R, U = str(run), str(user)
    data = ["--dataset", "fashion_mnist", "--set", f"data_dir={DEBIAN}"]
    return [
        (USAGE, ["run"], "missing MODEL"),
        (USAGE, ["run", "nosuch", *data], "unknown model 'nosuch'"),
        (USAGE, ["run", "vae"], "needs --dataset"),
        (USAGE, ["run", "vae", "--dataset", "nosuch"], "unknown dataset 'nosuch'"),
        (USAGE, ["run", "vae", *data, "--env", "CartPole-v1"], "use --dataset"),
        (USAGE, ["run", "dqn", "--dataset", "fashion_mnist"], "use --env"),
        (USAGE, ["run", "dqn", "--env", "CartPole-v9"], "unknown environment"),
        (USAGE, ["run", "vae", *data, "--epochs", "0"], "--epochs"),
        (USAGE, ["run", "vae", *data, "--epochs", "1000000000"], "--epochs"),
        (USAGE, ["run", "vae", *data, "--seeds", "0,,1"], "--seeds takes whole numbers"),
        (USAGE, ["run", "vae", *data, "--seeds", ""], "--seeds takes whole numbers"),
        (USAGE, ["run", "vae", *data, "--seeds", "0,1", "--seed", "2"], "contradict"),
        (USAGE, ["run", "vae", *data, "--batch-size", "-1"], "--batch-size"),
        (USAGE, ["run", "vae", *data, "--seed", "-1"], "--seed"),
        (USAGE, ["run", "vae", *data, "--seed", str(2**32)], "--seed"),
        (USAGE, ["run", "vae", *data, "--set", "beta=nan"], "must be a finite float"),
        (USAGE, ["run", "vae", *data, "--set", "beta=inf"], "must be a finite float"),
        (USAGE, ["run", "vae", *data, "--set", "learning_rate=abc"], "learning_rate"),
        (USAGE, ["run", "vae", *data, "--set", "nosuch=1"], "unknown setting 'nosuch'"),
        (USAGE, ["run", "vae", *data, "--set", "latent_dim=0"], "must be >= 1"),
        (USAGE, ["run", "vae", *data, "--set", "noequals"], "expects key=value"),
        (
            USAGE,
            ["run", "vae", *data, "--set", "latent_dim=2", "--set", "latent_dim=3"],
            "given twice",
        ),
        (
            USAGE,
            ["run", "vae", *data, "--set", "latent_dim=3", "--set", "model.latent_dim=4"],
            "both set model 'vae_2d' setting 'latent_dim'",
        ),
        (USAGE, ["run", "vae", *data, "--viz", "nosuch"], "unknown visualizer 'nosuch'"),
        (USAGE, ["run", "vae", *data, "--viz", "manifold", "--no-viz"], "contradict"),
        (USAGE, ["run", "vae", *data, "--strategy", "nonsense"], "--strategy"),
        (USAGE, ["run", "vae", *data, "--strategy", "multi-worker"], "TF_CONFIG"),
        (
            USAGE,
            ["run", "dqn", "--env", "CartPole-v1", "--strategy", "mirrored"],
            "does not support the 'mirrored' strategy",
        ),
        (USAGE, ["run", "dqn", "--env", "CartPole-v1", "--set", "env=Acrobot-v1"], "contradict"),
        (USAGE, ["run", "stub", *data], "unknown model 'stub'"),
        (USAGE, ["run", "dcgan", *data, "--viz", "manifold"], "needs a model that can encode"),
        (USAGE, ["run", "dcgan", *data, "--set", "filters=8"], "two positive numbers"),
        (USAGE, ["run", "wgan_gp", *data, "--set", "n_critic=0"], "must be >= 1"),
        (USAGE, ["run", "beta_vae", *data, "--set", "kl_warmup=-1"], "must be >= 0"),
        (USAGE, ["run", "vae", *data, "--viz", "class_grid"], "conditional capability"),
        (USAGE, ["run", "cvae", *data, "--viz", "returns"], "episodes capability"),
        (FAILED, ["run", "vae", *data, "--out", U], "is not empty"),
        (USAGE, ["run", "vae", *data, "--out", str(a_file)], "is a file"),
        (USAGE, ["run", "--resume", U], "not a run directory"),
        (USAGE, ["run", "--resume", R, "--epochs", "3"], "--resume takes no other options"),
        (USAGE, ["eval", str(user / "nothing")], "is not a folder"),
        (USAGE, ["eval", R, "--metric", "nosuch"], "unknown metric 'nosuch'"),
        (USAGE, ["eval", R, "--metric", "greedy_return"], "does not apply"),
        (USAGE, ["eval", R, "--set", "k=0"], "must be >= 1"),
        (USAGE, ["eval", R, "--metric", "fid", "--set", "n=1"], "must be >= 2"),
        (USAGE, ["eval", R, "--set", "nosuch=3"], "unknown setting 'nosuch'"),
        (USAGE, ["viz", R], "--viz"),
        (USAGE, ["viz", R, "--viz", "returns"], "does not apply"),
        (USAGE, ["viz", R, "--viz", "progress"], "sample_progress capability"),
        (USAGE, ["sample", R, "--z", "1,2,3"], "3 values but a latent point of this model has 2"),
        (USAGE, ["sample", R, "--z", "a,b"], "comma-separated numbers"),
        (USAGE, ["sample", R, "--z", "nan,inf"], "finite numbers"),
        (USAGE, ["sample", R, "--n", "4", "--z", "1,2"], "give one of them"),
        (USAGE, ["sample", R, "--out", str(user / "notes.txt")], "ending in .png"),
        (USAGE, ["sample", R, "--out", "/nonexistent/x.png"], "does not exist"),
        (USAGE, ["sample", R, "--label", "Sneaker"], "conditional"),
        (USAGE, ["sample", R, "--n", "0"], "--n"),
        (FAILED, ["sample", R, "--out", str(user / ("x" * 300 + ".png"))], "name too long"),
        (FAILED, ["run", "vae", *data, "--out", str(user / ("y" * 300))], "name too long"),
        (USAGE, ["sample", "pretrained:nosuch"], "unknown pretrained model 'nosuch'"),
        (USAGE, ["viz", "hub:user/model", "--viz", "samples"], "no installed plugin resolves"),
        (USAGE, ["eval", "pretrained:dqn", "--metric", "fid"], "does not apply"),
        (USAGE, ["compare"], "RUN_DIRS"),
        (USAGE, ["compare", U], "not a run directory"),
        (USAGE, ["compare", R, "--out", str(user / "notes.txt")], "ending in .png"),
        (USAGE, ["list", "modles"], "Did you mean: models"),
        (USAGE, ["info", "nosuch"], "unknown plugin 'nosuch'"),
        (USAGE, ["leaderboard", "--root", str(user / "nothing")], "is not a folder"),
        (USAGE, ["leaderboard", R, "--sort", "nosuch"], "no run has the metric 'nosuch'"),
        (USAGE, ["nosuchcommand"], "No such command"),
        # round three: trained runs stay trained, settings keep their meaning
        (USAGE, ["run", "--resume", R], "is finished"),
        (USAGE, ["viz", R, "--viz", "samples", "--set", "model.latent_dim=4"], "fixed at training"),
        (USAGE, ["viz", R, "--viz", "manifold", "--set", "latent_dim=4"], "for the visualizers"),
        (USAGE, ["sample", "pretrained:ddpm", "--set", "timesteps=10"], "fixed at training"),
        (USAGE, ["sample", "pretrained:ddpm", "--set", "eta=50"], "must be <= 1.0"),
        (USAGE, ["sample", "pretrained:realnvp", "--set", "temperature=1e30"], "must be <= 2.0"),
        (USAGE, ["pretrained", "--json", "--markdown"], "--json and --markdown"),
        (USAGE, ["pretrained", "pack", R, "x", "--into", U, "--check", "nope"], "unknown metric"),
        (USAGE, ["leaderboard", R, "--sort", "path"], "no run has the metric 'path'"),
    ]


def checksums(folder: Path) -> dict:
    """Every file's digest, but the lock file's, which names the last process that held
    the run's lock (a refused command may take it before it refuses)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".zoo.lock"
    }


def zoo(args, cwd):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("TF_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "zoo_core.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    require_debian_data()
    root = tmp_path_factory.mktemp("sweep")
    run = root / "run"
    r = zoo(
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
            str(run),
        ],
        root,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    user = root / "mine"
    user.mkdir()
    (user / "metrics.csv").write_text("my own numbers\n")
    (user / "model.keras").write_bytes(b"my own model")
    a_file = root / "a_file.txt"
    a_file.write_text("not a folder")
    return root, run, user, a_file


def in_process_zoo(args, cwd, monkeypatch):
    """``zoo ARGS`` through Click's runner, as a ``CompletedProcess`` like :func:`zoo`'s."""
    from click.testing import CliRunner

    from zoo_core.cli import cli

    monkeypatch.delenv("TF_CONFIG", raising=False)
    with monkeypatch.context() as m:
        m.chdir(cwd)
        r = CliRunner().invoke(cli, list(args), prog_name="zoo")
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        import traceback

        stderr = r.stderr + "Traceback\n" + "".join(traceback.format_exception(r.exception))
    else:
        stderr = r.stderr
    return subprocess.CompletedProcess(args, r.exit_code, r.stdout, stderr)


def test_at_least_forty_bad_inputs_fail_cleanly_and_change_nothing(prepared, monkeypatch):
    root, run, user, a_file = prepared
    cases = sweep(run, user, a_file)
    assert len(cases) >= 40
    before = checksums(root)
    in_process = {i: in_process_zoo(c[1], root, monkeypatch) for i, c in enumerate(cases) if i % 8}
    with ThreadPoolExecutor(max_workers=2) as pool:
        own = dict(
            pool.map(
                lambda ic: (ic[0], zoo(ic[1][1], root)),
                [(i, c) for i, c in enumerate(cases) if i % 8 == 0],
            )
        )
    results = [in_process.get(i) or own[i] for i in range(len(cases))]
    assert len(own) >= 7
    problems = []
    for (code, args, fragment), r in zip(cases, results, strict=True):
        output = r.stdout + r.stderr
        message = [line for line in r.stderr.splitlines() if line.strip()]
        if r.returncode != code:
            problems.append(f"zoo {' '.join(args)}: exit {r.returncode}, expected {code}")
        if "Traceback" in output:
            problems.append(f"zoo {' '.join(args)}: traceback")
        if fragment not in output:
            problems.append(f"zoo {' '.join(args)}: {fragment!r} not in {output[-300:]!r}")
        if code == FAILED and len(message) != 1:
            problems.append(f"zoo {' '.join(args)}: not one line: {message}")
    assert problems == []
    assert checksums(root) == before  # nothing written, nothing clobbered


def test_unknown_packages_in_zoo_load_plugins_are_named(tmp_path):
    env = {**os.environ, "ZOO_LOAD_PLUGINS": "zoo-nonexistent"}
    r = subprocess.run(
        [sys.executable, "-m", "zoo_core.cli", "plugins"], capture_output=True, text=True, env=env
    )
    assert r.returncode == 0 and "ZOO_LOAD_PLUGINS names 'zoo-nonexistent'" in r.stdout
    r = subprocess.run(
        [sys.executable, "-m", "zoo_core.cli", "list"], capture_output=True, text=True, env=env
    )
    assert "ZOO_LOAD_PLUGINS='zoo-nonexistent' restricts what loads" in r.stderr


def test_run_files_follow_the_umask_and_metrics_csv_counts_epochs_from_one(prepared):
    _, run, _, _ = prepared
    mask = os.umask(0)
    os.umask(mask)
    for name in (
        "config.json",
        "metrics.json",
        "model.keras",
        "metrics.csv",
        "checkpoints/last.keras",
    ):
        assert (run / name).stat().st_mode & 0o777 == 0o666 & ~mask, name
    lines = (run / "metrics.csv").read_text().splitlines()
    assert lines[0].split(",")[0] == "epoch" and lines[1].split(",")[0] == "1"


def test_a_damaged_model_falls_back_to_an_intact_checkpoint_and_says_so(
    prepared, tmp_path, run_cli
):
    import shutil

    _, run, _, _ = prepared
    copy = tmp_path / "copy"
    shutil.copytree(run, copy)
    os.truncate(copy / "model.keras", 100)
    r = run_cli("sample", str(copy), "--n", "4", "--out", str(tmp_path / "s.png"))
    assert r.exit_code == 0, r.output[-1000:]
    assert "damaged: model.keras" in r.stderr and "using checkpoints/" in r.stderr
    for f in ("checkpoints/last.keras", "checkpoints/best.keras"):
        os.truncate(copy / f, 100)
    (copy / "status.json").write_text('{"status": "interrupted"}')  # so resume may start
    for args in (
        ["sample", str(copy)],
        ["eval", str(copy), "--metric", "elbo"],
        ["run", "--resume", str(copy)],
    ):
        r = run_cli(*args)  # a traceback would raise here
        lines = [line for line in r.stderr.splitlines() if line.strip()]
        assert r.exit_code == 1, (args, r.output[-1500:])
        assert "damaged" in lines[-1] and "last.keras" in lines[-1], lines


def test_a_failed_start_can_be_retried_with_the_same_out(tmp_path, run_cli, fake_fashion):
    """A data error after the folder exists marks the run failed; the same --out then
    works once the data is fixed."""
    import gzip

    from conftest import write_fake_fashion

    bad = tmp_path / "bad_data"
    write_fake_fashion(bad)
    (bad / "t10k-labels-idx1-ubyte.gz").write_bytes(
        gzip.compress(b"\x00\x00\x08\x01" + (5).to_bytes(4, "big") + bytes(5))
    )
    out = tmp_path / "run"
    args = [
        "run",
        "vae",
        "--dataset",
        "fashion_mnist",
        "--epochs",
        "1",
        "--set",
        "verify=false",
        "--set",
        "batch_size=8",
        "--no-viz",
        "--out",
        str(out),
    ]
    r = run_cli(*args, "--set", f"data_dir={bad}")
    assert r.exit_code == 1 and "do not belong together" in r.output
    assert json.loads((out / "status.json").read_text())["status"] == "failed"
    r = run_cli(*args, "--set", f"data_dir={fake_fashion}")
    assert r.exit_code == 0, r.output
    assert json.loads((out / "status.json").read_text())["status"] == "finished"
    assert (out / "model.keras").is_file()


def test_resume_removes_the_temp_files_an_interrupted_write_left(prepared, tmp_path):
    import shutil

    _, run, _, _ = prepared
    copy = tmp_path / "copy"
    shutil.copytree(run, copy)
    for leftover in ("checkpoints/.last.abc123.keras", ".metrics.json.xyz"):
        (copy / leftover).write_bytes(b"partial")
    (copy / ".keep_me").write_text("not ours")
    (copy / "status.json").write_text('{"status": "interrupted"}')  # a finished run is left
    r = zoo(["run", "--resume", str(copy)], tmp_path)
    assert r.returncode == 0, r.stderr[-1000:]
    assert not (copy / "checkpoints/.last.abc123.keras").exists()
    assert not (copy / ".metrics.json.xyz").exists() and (copy / ".keep_me").exists()


def test_resume_refuses_a_config_edited_by_hand(prepared, tmp_path):
    import shutil

    _, run, _, _ = prepared
    copy = tmp_path / "copy"
    shutil.copytree(run, copy)
    (copy / "status.json").write_text('{"status": "interrupted"}')  # a finished run is left
    before = checksums(copy)
    cfg = json.loads((copy / "config.json").read_text())
    cfg["model"]["settings"]["learning_rate"] = 0.01
    (copy / "config.json").write_text(json.dumps(cfg))
    r = zoo(["run", "--resume", str(copy)], tmp_path)
    assert r.returncode == 2 and "config.json was edited after the run started" in r.stderr
    after = checksums(copy)
    assert {k: v for k, v in after.items() if k != "config.json"} == {
        k: v for k, v in before.items() if k != "config.json"
    }


@pytest.mark.parametrize(
    "strategy, variable, value, fragment",
    [
        ("multi-worker", "TF_CONFIG", "{not json", "TF_CONFIG is not valid JSON"),
        ("multi-worker", "TF_CONFIG", '{"cluster": {"worker": "a:1"}}', '"cluster": {"worker"'),
        (
            "multi-worker",
            "TF_CONFIG",
            '{"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": 3}}',
            "index into",
        ),
        ("multi-worker", "TF_CONFIG", "[1]", '"cluster": {"worker"'),
        ("mirrored", "ZOO_LOGICAL_CPUS", "two", "ZOO_LOGICAL_CPUS must be a whole number"),
        ("mirrored", "ZOO_LOGICAL_CPUS", "²", "ZOO_LOGICAL_CPUS must be a whole number"),
    ],
)
def test_a_bad_strategy_environment_is_refused_before_the_run_folder_exists(
    run_cli, tmp_path, monkeypatch, strategy, variable, value, fragment
):
    monkeypatch.setenv(variable, value)
    out = tmp_path / "run"
    r = run_cli(
        "run", "vae", "--dataset", "fashion_mnist", "--strategy", strategy, "--out", str(out)
    )
    assert r.exit_code == 2, r.output
    lines = [line for line in r.output.splitlines() if line.strip()]
    assert len(lines) == 1 and fragment in lines[0] and "Traceback" not in r.output
    assert not out.exists()


def test_metrics_that_fail_are_named_and_the_others_are_measured_and_recorded(
    prepared, tmp_path, make_dist, run_cli
):
    import json
    import shutil

    make_dist(
        "zoo-fragile",
        "zoo_fragile",
        """
        from zoo_core import Metric, hookimpl

        class Loose(Metric):
            '''Returns a plain dict instead of a MetricResult.'''

            def compute(self, model, ctx):
                return {"score": 1.0}

        class Fragile(Metric):
            '''A metric with a bug.'''

            def compute(self, model, ctx):
                return 1 / 0

        @hookimpl
        def register_metrics(register):
            register("loose", Loose)
            register("fragile", Fragile)
    """,
    )
    _, run, _, _ = prepared
    copy = tmp_path / "copy"
    shutil.copytree(run, copy)
    before = (copy / "metrics.json").read_bytes()
    r = run_cli("eval", str(copy), "--metric", "loose")
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert (
        "metric 'loose' (zoo-fragile): compute() returned dict, not a zoo_core.MetricResult"
        in r.stderr.strip().splitlines()[-1]
    )
    assert (copy / "metrics.json").read_bytes() == before  # nothing of it is recorded
    r = run_cli("eval", str(copy), "--metric", "loose", "--metric", "fragile", "--metric", "elbo")
    assert r.exit_code == 1 and "Traceback" not in r.output
    last = r.stderr.strip().splitlines()[-1]
    assert "not measured: metric 'loose' (zoo-fragile): compute() returned dict" in last
    assert "metric 'fragile' (zoo-fragile): ZeroDivisionError: division by zero" in last
    assert "elbo measured and recorded" in last
    evaluations = json.loads((copy / "metrics.json").read_text())["evaluations"]
    assert [e["metric"] for e in evaluations] == ["elbo"]


def test_a_ctrl_c_during_a_metric_keeps_what_the_metrics_before_it_measured(
    prepared, tmp_path, make_dist, run_cli
):
    import json
    import shutil

    make_dist(
        "zoo-stopped",
        "zoo_stopped",
        """
        from zoo_core import Metric, hookimpl

        class Stopped(Metric):
            '''Stands for a long metric that the user stops with Ctrl-C.'''

            def compute(self, model, ctx):
                raise KeyboardInterrupt

        @hookimpl
        def register_metrics(register):
            register("stopped", Stopped)
    """,
    )
    _, run, _, _ = prepared
    copy = tmp_path / "copy"
    shutil.copytree(run, copy)
    r = run_cli("eval", str(copy), "--metric", "elbo", "--metric", "stopped")
    assert r.exit_code == 1 and "Aborted" in r.output
    evaluations = json.loads((copy / "metrics.json").read_text())["evaluations"]
    assert [e["metric"] for e in evaluations] == ["elbo"]


def test_a_plugins_bug_is_one_line_naming_the_plugin_and_where(make_dist, run_cli, tmp_path):
    make_dist(
        "zoo-buggy-data",
        "zoo_buggy_data",
        """
        from zoo_core import DataSpec, Dataset, hookimpl

        class Buggy(Dataset):
            '''A dataset whose arrays() has a bug.'''

            @classmethod
            def spec(cls, settings):
                return DataSpec("images", (28, 28, 1), "float32", (), ("train", "test"))

            def arrays(self, split):
                return {}["x"]

        @hookimpl
        def register_datasets(register):
            register("buggy", Buggy)
    """,
    )
    r = run_cli("run", "vae_2d", "--dataset", "buggy", "--no-viz", "--out", str(tmp_path / "run"))
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert r.stderr.strip().splitlines()[-1] == (
        "Error: unexpected KeyError: 'x' (in plugin zoo_buggy_data from zoo-buggy-data, "
        "zoo_buggy_data.py:12); ZOO_DEBUG=1 shows the traceback"
    )
    assert '"status": "failed"' in (tmp_path / "run" / "status.json").read_text()


def test_a_network_built_without_compile_is_named_before_training(
    tmp_path, make_dist, fake_fashion, run_cli
):
    make_dist(
        "zoo-uncompiled",
        "zoo_uncompiled",
        """
        from dataclasses import dataclass
        from zoo_core import hookimpl
        from zoo_keras import KerasModel

        @dataclass(frozen=True)
        class Settings:
            batch_size: int = 8
            epochs: int = 1

        class Uncompiled(KerasModel):
            '''Forgets compile().'''
            Settings = Settings

            def build_network(self, seed):
                import keras
                return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten()])

        @hookimpl
        def register_models(register):
            register("uncompiled", Uncompiled)
    """,
    )
    r = run_cli(
        "run",
        "uncompiled",
        "--dataset",
        "fashion_mnist",
        "--set",
        f"data_dir={fake_fashion}",
        "--set",
        "verify=false",
        "--no-viz",
        "--out",
        str(tmp_path / "r"),
    )
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert (
        "Uncompiled.build_network() returned a network with no optimizer: call "
        "net.compile(optimizer=...)" in r.output
    )


def test_a_declared_metric_that_training_never_gives_stops_the_run_in_one_line(
    tmp_path, make_dist, fake_fashion, run_cli
):
    make_dist(
        "zoo-overpromise",
        "zoo_overpromise",
        """
        from dataclasses import dataclass
        from zoo_core import MetricInfo, hookimpl
        from zoo_keras import KerasModel

        @dataclass(frozen=True)
        class Settings:
            batch_size: int = 8
            epochs: int = 2

        class Overpromise(KerasModel):
            '''Declares a metric its train_step never returns.'''
            Settings = Settings
            metrics = (MetricInfo("loss"), MetricInfo("sharpness"))

            def build_network(self, seed):
                import keras
                net = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                                        keras.layers.Dense(784), keras.layers.Reshape((28, 28, 1))])
                net.compile(optimizer="adam", loss="mse")
                return net

            def batch_input(self, x, y):
                return x, x

        @hookimpl
        def register_models(register):
            register("overpromise", Overpromise)
    """,
    )
    r = run_cli(
        "run",
        "overpromise",
        "--dataset",
        "fashion_mnist",
        "--set",
        f"data_dir={fake_fashion}",
        "--set",
        "verify=false",
        "--no-viz",
        "--out",
        str(tmp_path / "r"),
    )
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert (
        "model Overpromise declares the metrics sharpness, which training never gives" in r.output
    )
    metrics = tmp_path / "r" / "metrics.json"  # stopped before recording the epoch
    assert not metrics.exists() or json.loads(metrics.read_text())["history"] == []


def test_eval_refuses_a_run_folder_it_cannot_write_before_measuring(prepared, monkeypatch):
    """(As root, permissions never refuse; a read-only file system is what the probe
    meets, simulated here at the one place every command checks.)"""
    import errno
    import tempfile

    from zoo_core import run_dir

    _, run, _, _ = prepared
    before = checksums(run)

    def read_only(*a, **kw):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(run_dir.tempfile, "NamedTemporaryFile", read_only)
    r = in_process_zoo(["eval", str(run), "--metric", "elbo"], run.parent, monkeypatch)
    monkeypatch.setattr(run_dir.tempfile, "NamedTemporaryFile", tempfile.NamedTemporaryFile)
    assert r.returncode == 1 and "cannot write into" in r.stderr
    assert "Read-only file system" in r.stderr and "metrics:" in r.stderr
    assert "Traceback" not in r.stderr and checksums(run) == before


def test_a_full_disk_is_one_line_with_what_to_do(prepared, monkeypatch):
    import errno

    from zoo_core import run_dir

    _, run, _, _ = prepared
    before = checksums(run)

    def full(self, *a, **kw):
        raise OSError(errno.ENOSPC, "No space left on device", str(self.file("metrics.json")))

    monkeypatch.setattr(run_dir.RunDir, "record_evaluations", full)
    r = in_process_zoo(["eval", str(run), "--metric", "elbo"], run.parent, monkeypatch)
    assert r.returncode == 1, r.stderr
    lines = r.stderr.strip().splitlines()
    assert lines[-1].startswith("Error: cannot use ") and "No space left" in lines[-1]
    assert "free some space" in lines[-1] and "Traceback" not in r.stderr
    assert checksums(run) == before


def test_a_damaged_run_is_called_damaged_and_a_fixed_setting_is_refused_first(
    prepared, tmp_path, run_cli
):
    """A setting fixed at training is refused before anything loads, by what it is; with
    the run's own settings, damaged files are named as such."""
    import shutil

    _, run, _, _ = prepared
    copy = tmp_path / "copy"
    shutil.copytree(run, copy)
    for saved in [copy / "model.keras", *(copy / "checkpoints").glob("*.keras")]:
        saved.write_bytes(saved.read_bytes()[:1000])
    r = run_cli("sample", str(copy), "--n", "2", "--set", "epochs=3")
    assert r.exit_code == 2 and "'epochs' is fixed at training" in r.stderr
    r = run_cli("sample", str(copy), "--n", "2")
    assert r.exit_code == 1, r.output
    assert "every saved model of" in r.stderr and "is damaged" in r.stderr
