"""Experiments: TensorBoard summaries of every run, and `zoo runs` with the status each run
records itself (finished, interrupted by a signal, failed)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import DEBIAN, require_debian_data, write_fake_fashion

TINY = [
    "--dataset",
    "fashion_mnist",
    "--set",
    f"data_dir={DEBIAN}",
    "--set",
    "limit=256",
    "--set",
    "batch_size=64",
    "--no-viz",
]


def zoo(*args, cwd, wait=True):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "COLUMNS": "200"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "zoo_core.cli", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    if not wait:
        return proc
    out, err = proc.communicate(timeout=600)
    return proc.returncode, out, err


def events(folder: Path) -> list:
    """(tag, step, plugin) of every summary value in the event files under ``folder``,
    read with TensorFlow's own reader."""
    import tensorflow as tf

    found = []
    for f in sorted(folder.rglob("events.out.tfevents.*")):
        for e in tf.compat.v1.train.summary_iterator(str(f)):
            for v in e.summary.value:
                found.append((f.parent.name, v.tag, e.step, v.metadata.plugin_data.plugin_name))
    return found


def test_a_run_writes_its_declared_scalars_per_epoch_and_sample_images(tmp_path, run_cli):
    require_debian_data()
    r = run_cli("run", "vae", *TINY, "--epochs", "3", "--out", str(tmp_path / "r"))
    assert r.exit_code == 0, r.output
    found = events(tmp_path / "r" / "tensorboard")
    for name in ("loss", "reconstruction_loss", "kl_loss"):  # what the VAE declares
        for split in ("train", "validation"):
            steps = sorted(s for d, tag, s, _ in found if d == split and tag == f"epoch_{name}")
            assert steps == [0, 1, 2], (split, name, steps)
    images = [(tag, s) for d, tag, s, plugin in found if d == "images" and plugin == "images"]
    assert images == [("samples", 3)]  # every 5 epochs and after the last
    quiet = run_cli(
        "run", "vae", *TINY, "--epochs", "1", "--no-tensorboard", "--out", str(tmp_path / "quiet")
    )
    assert quiet.exit_code == 0 and not (tmp_path / "quiet" / "tensorboard").exists()


def test_an_agent_logs_episode_returns_and_its_checkups(tmp_path, run_cli):
    r = run_cli(
        "run",
        "dqn",
        "--env",
        "CartPole-v1",
        "--set",
        "total_steps=600",
        "--set",
        "warmup_steps=200",
        "--set",
        "train_every=50",
        "--set",
        "updates_per_round=2",
        "--set",
        "eval_every=300",
        "--set",
        "eval_episodes=2",
        "--set",
        "hidden=8",
        "--no-viz",
        "--out",
        str(tmp_path / "a"),
    )
    assert r.exit_code == 0, r.output
    found = events(tmp_path / "a" / "tensorboard")
    returns = json.loads((tmp_path / "a" / "returns.json").read_text())
    logged = [(s, tag) for _, tag, s, _ in found if tag == "episode_return"]
    assert [s for s, _ in logged] == returns["steps"]
    assert sorted(s for _, tag, s, _ in found if tag == "greedy_return_10") == [300, 600]


@pytest.mark.slow  # make test-all (25 s): three live runs; test_run_dir.py lists statuses
def test_zoo_runs_shows_what_each_run_recorded(tmp_path, run_cli, monkeypatch):
    require_debian_data()
    root = tmp_path / "runs"
    root.mkdir()
    # three runs side by side (each its own process): finished, interrupted by SIGTERM
    # after its first checkpoint (its later epochs take seconds; the signal lands within
    # milliseconds), and failed (the data breaks after the run folder exists)
    done = zoo("run", "vae", *TINY, "--epochs", "2", "--out", "runs/done", cwd=tmp_path, wait=False)
    proc = zoo("run", "vae", *TINY, "--epochs", "5", "--out", "runs/cut", cwd=tmp_path, wait=False)
    bad = write_fake_fashion(tmp_path / "bad")
    (bad / "train-images-idx3-ubyte.gz").write_bytes(b"not gzip")
    broken = zoo(
        "run",
        "vae",
        "--dataset",
        "fashion_mnist",
        "--set",
        f"data_dir={bad}",
        "--set",
        "verify=false",
        "--no-viz",
        "--out",
        "runs/broken",
        cwd=tmp_path,
        wait=False,
    )
    state = root / "cut" / "state.json"
    deadline = time.time() + 300
    while time.time() < deadline and not state.exists():
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=120)
    assert proc.returncode != 0
    done.communicate(timeout=600)
    assert done.returncode == 0
    _, err = broken.communicate(timeout=600)
    assert broken.returncode == 1 and "Traceback" not in err

    monkeypatch.chdir(tmp_path)  # `zoo runs` lists ./runs; it and the resume in-process
    from zoo_core.cli import output

    monkeypatch.setattr(output.out, "_width", 200)  # a wide table, whatever the terminal

    def zoo_here(*args):
        r = run_cli(*args)
        return r.exit_code, r.stdout, r.stderr

    code, out, _ = zoo_here("runs", "--json")
    assert code == 0
    rows = {r["run"]: r for r in json.loads(out)}
    assert {k: rows[k]["status"] for k in rows} == {
        "done": "finished",
        "cut": "interrupted",
        "broken": "failed",
    }
    assert (rows["done"]["done"], rows["done"]["planned"]) == (2, 2)
    assert 1 <= rows["cut"]["done"] < 5 and rows["cut"]["planned"] == 5
    assert rows["broken"]["note"] and rows["done"]["monitor"] == "val_loss"
    history = json.loads((root / "done" / "metrics.json").read_text())["history"]
    assert rows["done"]["best"] == min(h["val_loss"] for h in history)
    assert rows["done"]["bytes"] > 0 and rows["done"]["model"] == "vae_2d"
    # filters, and the table
    code, out, _ = zoo_here("runs", "--status", "interrupted", "--json")
    assert [r["run"] for r in json.loads(out)] == ["cut"]
    code, out, _ = zoo_here("runs", "runs", "--model", "dqn*", "--json")
    assert json.loads(out) == []
    code, out, _ = zoo_here("runs")
    assert code == 0 and "interrupted" in out and "2/2 epochs" in out
    # the interrupted run resumes and then says finished
    code, _, err = zoo_here("run", "--resume", "runs/cut")
    assert code == 0, err
    code, out, _ = zoo_here("runs", "--json")
    assert {r["run"]: r["status"] for r in json.loads(out)}["cut"] == "finished"
