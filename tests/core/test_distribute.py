"""`--strategy` on tf.distribute: mirrored over 2 logical CPUs matches one device; two
workers on loopback, started with the `zoo run` command, end with identical weights. Each
run is its own process, because
devices and collectives are fixed when TensorFlow starts."""

import json
import os
import socket
import subprocess
import sys

import keras
import numpy as np
import pytest
from conftest import DEBIAN, require_debian_data

import zoo_vae.network  # noqa: F401  (registers the VAE class for loading)
from zoo_core.run import plan as planner
from zoo_core.run.request import RunRequest

SCRIPT = (
    """
import os, sys
from rich.console import Console
from zoo_core.run import plan as planner
from zoo_core.run.request import RunRequest
from zoo_core import plugins
from zoo_core.run import runner
request = RunRequest("vae", dataset="fashion_mnist", visualizers=[],
    sets=["data_dir=%s", "limit=256", "batch_size=64", "filters=8,16", "dense=16"],
    flags={"epochs": 2}, seed=0, strategy=sys.argv[1])
plan = planner.plan(plugins.get_registry(), request)
quiet = Console(file=open(os.devnull, "w"))
mode = sys.argv[3] if len(sys.argv) > 3 else "run"
if mode == "resume":
    runner.resume(plugins.get_registry(), sys.argv[2], quiet)
    sys.exit()
callbacks = []
if mode == "cut":
    import keras

    class Cut(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt
    callbacks = [Cut()]
try:
    runner.execute(plan, quiet, out=sys.argv[2], callbacks=callbacks)
except KeyboardInterrupt:
    sys.exit(0 if mode == "cut" else 1)
"""
    % DEBIAN
)


def start(strategy, out, mode="run", **env):
    return subprocess.Popen(
        [sys.executable, "-c", SCRIPT, strategy, str(out), mode],
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc, timeout=600):
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err[-3000:]


def weights(run):
    return keras.models.load_model(run / "model.keras", safe_mode=True).get_weights()


@pytest.mark.slow  # make test-all (40 s): make test keeps the two-worker run on loopback
def test_mirrored_on_two_logical_cpus_matches_one_device_and_resumes(tmp_path):
    require_debian_data()
    two = start("mirrored", tmp_path / "two", ZOO_LOGICAL_CPUS="2")
    # and one interrupted after epoch 1, to resume below (side by side: each is its own
    # process either way)
    cut = start("mirrored", tmp_path / "cut", "cut", ZOO_LOGICAL_CPUS="2")
    # the one-device reference needs no device set-up: it runs here meanwhile
    from rich.console import Console

    from zoo_core import plugins
    from zoo_core.run import runner

    plan = planner.plan(
        plugins.get_registry(),
        RunRequest(
            "vae",
            dataset="fashion_mnist",
            visualizers=[],
            sets=[f"data_dir={DEBIAN}", "limit=256", "batch_size=64", "filters=8,16", "dense=16"],
            seed=0,
            flags={"epochs": 2},
        ),
    )
    runner.execute(plan, Console(file=open(os.devnull, "w")), out=str(tmp_path / "one"))
    finish(two)
    one = json.loads((tmp_path / "one" / "metrics.json").read_text())
    two = json.loads((tmp_path / "two" / "metrics.json").read_text())
    assert (one["replicas"], two["replicas"]) == (1, 2)
    assert two["global_batch_size"] == 64 and two["per_replica_batch_size"] == 32
    cfg = json.loads((tmp_path / "two" / "config.json").read_text())
    assert cfg["strategy"] == "mirrored"
    for a, b in zip(one["history"], two["history"], strict=True):
        for key in ("loss", "reconstruction_loss", "kl_loss", "val_loss"):
            assert np.isfinite(b[key])
            np.testing.assert_allclose(b[key], a[key], rtol=1e-4)
    for a, b in zip(weights(tmp_path / "one"), weights(tmp_path / "two"), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-5)

    # interrupted after epoch 1 and resumed in a new process, under the same strategy
    finish(cut)
    assert json.loads((tmp_path / "cut" / "state.json").read_text())["epoch"] == 1
    finish(start("mirrored", tmp_path / "cut", "resume", ZOO_LOGICAL_CPUS="2"))
    resumed = json.loads((tmp_path / "cut" / "metrics.json").read_text())
    assert resumed["replicas"] == 2 and len(resumed["history"]) == 2
    for a, b in zip(weights(tmp_path / "two"), weights(tmp_path / "cut"), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow  # make test-all (about 30 s): two training processes
def test_two_workers_on_loopback_end_with_identical_weights(tmp_path):
    require_debian_data()
    cluster = {"worker": [f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"]}
    # through the real command, as docs/distributed.md runs it
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "zoo_core.cli",
                "run",
                "vae",
                "--dataset",
                "fashion_mnist",
                "--set",
                f"data_dir={DEBIAN}",
                "--set",
                "limit=256",
                "--set",
                "batch_size=64",
                "--set",
                "filters=8,16",
                "--set",
                "dense=16",
                "--epochs",
                "2",
                "--seed",
                "0",
                "--strategy",
                "multi-worker",
                "--no-viz",
                "--out",
                str(tmp_path / f"w{i}"),
            ],
            env={
                **os.environ,
                "TF_CPP_MIN_LOG_LEVEL": "3",
                "TF_CONFIG": json.dumps(
                    {"cluster": cluster, "task": {"type": "worker", "index": i}}
                ),
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    for p in procs:
        finish(p)
    for a, b in zip(weights(tmp_path / "w0"), weights(tmp_path / "w1"), strict=True):
        np.testing.assert_array_equal(a, b)
    # only the chief (worker 0) writes checkpoints and metrics
    assert (tmp_path / "w0" / "checkpoints" / "last.keras").is_file()
    assert not (tmp_path / "w1" / "checkpoints" / "last.keras").exists()
    m = json.loads((tmp_path / "w0" / "metrics.json").read_text())
    assert m["replicas"] == 2 and len(m["history"]) == 2


def lonely_worker(tmp_path, **env):
    """`zoo run --strategy multi-worker` as worker 0 of two, whose worker 1 never starts."""
    cluster = {"worker": [f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"]}
    config = {"cluster": cluster, "task": {"type": "worker", "index": 0}}
    run = tmp_path / "w0"
    proc = subprocess.Popen(
        [sys.executable, "-m", "zoo_core.cli", "run", "vae", "--dataset", "fashion_mnist"]
        + ["--set", f"data_dir={DEBIAN}", "--epochs", "1", "--strategy", "multi-worker"]
        + ["--no-viz", "--out", str(run)],
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "TF_CONFIG": json.dumps(config), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return proc, run, cluster["worker"]


def test_a_worker_whose_peer_never_comes_ends_on_sigterm_within_seconds(tmp_path):
    import signal
    import time

    require_debian_data()
    proc, run, (own, _) = lonely_worker(tmp_path)
    host, port = own.split(":")
    deadline = time.monotonic() + 120
    while True:  # waiting for its peer: it answers at its own address
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
        try:
            socket.create_connection((host, int(port)), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    time.sleep(2)
    status = run / "status.json"
    assert proc.poll() is None
    sent = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=30)
    assert time.monotonic() - sent < 10
    assert json.loads(status.read_text())["status"] == "interrupted"


def test_a_worker_whose_peer_never_comes_gives_up_naming_it(monkeypatch):
    """The wait before TensorFlow's constructor (the SIGTERM test above runs it for real):
    after ZOO_WORKER_TIMEOUT, one line naming the worker nothing answers at."""
    from zoo_core.errors import RunError
    from zoo_core.peer_watch import wait_for_peers

    me, missing = f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
    config = {"cluster": {"worker": [me, missing]}, "task": {"type": "worker", "index": 0}}
    monkeypatch.setenv("TF_CONFIG", json.dumps(config))
    with pytest.raises(RunError) as e:
        wait_for_peers(0.02)  # 1.2 seconds
    line = f"worker 1 ({missing}) did not join within 0.02 minutes (ZOO_WORKER_TIMEOUT)"
    assert line in str(e.value) and "\n" not in str(e.value)
    with socket.socket() as peer:  # a peer that answers: the wait ends at once
        peer.bind(("127.0.0.1", 0))
        peer.listen()
        config["cluster"]["worker"][1] = f"127.0.0.1:{peer.getsockname()[1]}"
        monkeypatch.setenv("TF_CONFIG", json.dumps(config))
        wait_for_peers(0.02)


def test_the_worker_timeout_is_checked_before_the_run_exists(tmp_path, monkeypatch):
    from zoo_core.errors import UsageError
    from zoo_core.strategies import check_variables

    monkeypatch.setenv(
        "TF_CONFIG",
        json.dumps({"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": 0}}),
    )
    for bad in ("ten", "0", "-1", "nan", "inf"):
        monkeypatch.setenv("ZOO_WORKER_TIMEOUT", bad)
        with pytest.raises(UsageError, match="ZOO_WORKER_TIMEOUT is the minutes"):
            check_variables("multi-worker")
    monkeypatch.setenv("ZOO_WORKER_TIMEOUT", "2.5")
    check_variables("multi-worker")
