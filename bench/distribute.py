"""Distribution overhead: vae_2d images/s on one device, mirrored over 2 logical CPUs, and
2 workers on loopback (MultiWorkerMirroredStrategy), on this machine.

Each configuration trains 2 epochs of 100 steps (global batch 128) in fresh processes;
images/s is taken from the second epoch (the first includes tracing); `train_split=all`
skips the per-epoch test pass, so the epoch time is training only.

    python bench/distribute.py
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

STEPS, BATCH = 100, 128
SCRIPT = """
import os, sys
from rich.console import Console
from zoo_core import plugins
from zoo_core.run import plan as planner
from zoo_core.run import runner
from zoo_core.run.request import RunRequest
request = RunRequest("vae", dataset="fashion_mnist", visualizers=[],
    sets=["limit=%d", "batch_size=%d", "train_split=all"],
    flags={"epochs": 2}, seed=0, strategy=sys.argv[1])
plan = planner.plan(plugins.get_registry(), request)
runner.execute(plan, Console(file=open(os.devnull, "w")), out=sys.argv[2])
""" % (STEPS * BATCH, BATCH)


def launch(strategy, out, **env):
    return subprocess.Popen(
        [sys.executable, "-c", SCRIPT, strategy, str(out)],
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait(*procs):
    for p in procs:
        _, err = p.communicate()
        if p.returncode:
            sys.exit(err[-2000:])


def rate(out: Path) -> float:
    hist = json.loads((out / "metrics.json").read_text())["history"]
    return STEPS * BATCH / hist[-1]["seconds"]


def port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    tmp = Path(tempfile.mkdtemp())
    rows = []
    wait(launch("default", tmp / "one"))
    rows.append(("default (1 device)", 1, rate(tmp / "one")))
    wait(launch("mirrored", tmp / "mirrored", ZOO_LOGICAL_CPUS="2"))
    rows.append(("mirrored, 2 logical CPUs", 2, rate(tmp / "mirrored")))
    cluster = {"worker": [f"127.0.0.1:{port()}", f"127.0.0.1:{port()}"]}
    wait(
        *[
            launch(
                "multi-worker",
                tmp / f"w{i}",
                TF_CONFIG=json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}}),
            )
            for i in range(2)
        ]
    )
    rows.append(("multi-worker, 2 workers", 2, rate(tmp / "w0")))
    base = rows[0][2]
    print(f"{'strategy':28s} {'replicas':>8s} {'images/s':>9s} {'vs default':>10s}")
    for name, n, r in rows:
        print(f"{name:28s} {n:8d} {r:9,.0f} {r / base:9.2f}x")


if __name__ == "__main__":
    main()
