"""``--strategy``: scale-out on TensorFlow's own engine, ``tf.distribute``.

- ``default``: one device.
- ``mirrored``: ``MirroredStrategy`` over the local GPUs or, without GPUs, the logical CPU
  devices (``ZOO_LOGICAL_CPUS=N`` splits the CPU into N, e.g. to try it on a laptop).
- ``multi-worker``: ``MultiWorkerMirroredStrategy``, configured by ``TF_CONFIG``.

A distributable Model creates its variables inside ``strategy.scope()`` and reduces its loss
over the global batch (``tf.nn.compute_average_loss``); Keras ``fit`` distributes the
``tf.data`` pipeline with the strategy's own ``experimental_distribute_dataset``. Only the
worker for which ``strategy.extended.should_checkpoint`` holds (the chief) writes the run.
"""

from __future__ import annotations

import os

from zoo_core.errors import UsageError

STRATEGIES = ("default", "mirrored", "multi-worker")


def make_strategy(name: str):
    """The ``tf.distribute`` strategy for a name; create it before any other TF work."""
    import tensorflow as tf

    if name == "mirrored":
        n = int(os.environ.get("ZOO_LOGICAL_CPUS") or 0)
        cpus = tf.config.list_physical_devices("CPU")
        if n > 1 and not tf.config.list_physical_devices("GPU"):
            try:
                tf.config.set_logical_device_configuration(
                    cpus[0], [tf.config.LogicalDeviceConfiguration()] * n
                )
            except RuntimeError:  # already initialised: keep what is there
                pass
        devices = [d.name for d in tf.config.list_logical_devices("GPU")] or [
            d.name for d in tf.config.list_logical_devices("CPU")
        ]
        return tf.distribute.MirroredStrategy(devices)
    if name == "multi-worker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    return tf.distribute.get_strategy()


def check_variables(strategy: str) -> None:
    """Refuse, before a run folder exists, the environment a strategy would fail on later:
    ``TF_CONFIG`` for ``multi-worker`` (JSON naming the cluster's workers and this task),
    ``ZOO_LOGICAL_CPUS`` for ``mirrored`` (a whole number of CPU devices)."""
    import json

    if strategy == "mirrored" and os.environ.get("ZOO_LOGICAL_CPUS"):
        raw = os.environ["ZOO_LOGICAL_CPUS"]
        if not (raw.strip().isascii() and raw.strip().isdigit() and int(raw) >= 1):
            raise UsageError(
                f"ZOO_LOGICAL_CPUS must be a whole number of CPU devices (e.g. 2), got {raw!r}"
            )
    if strategy != "multi-worker":
        return
    raw = os.environ.get("TF_CONFIG")
    how = "see docs/distributed.md; for one machine use --strategy mirrored"
    if not raw:
        raise UsageError(
            f"--strategy multi-worker needs TF_CONFIG describing the cluster and "
            f"this worker's task ({how})"
        )
    try:
        cfg = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise UsageError(f"TF_CONFIG is not valid JSON ({exc.msg}); {how}") from None
    workers = (cfg.get("cluster") or {}).get("worker") if isinstance(cfg, dict) else None
    task = cfg.get("task") if isinstance(cfg, dict) else None
    if not isinstance(workers, list) or not workers or not isinstance(task, dict):
        raise UsageError(
            'TF_CONFIG must be {"cluster": {"worker": ["host:port", ...]}, '
            f'"task": {{"type": "worker", "index": N}}}}; {how}'
        )
    index = task.get("index")
    members = (
        cfg["cluster"].get(task.get("type")) if task.get("type") in ("worker", "chief") else None
    )
    if (
        not isinstance(members, list)
        or not isinstance(index, int)
        or isinstance(index, bool)
        or not 0 <= index < len(members)
    ):
        raise UsageError(
            f"TF_CONFIG's task must be a worker (or chief) with an index into "
            f"its cluster list, got {json.dumps(task)}; {how}"
        )
