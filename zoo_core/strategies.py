"""The ``--strategy`` names, and the environment each needs, checked before a run exists.

Pure (no TensorFlow): the planner refuses a strategy whose environment would fail later;
:mod:`zoo_keras.strategy` makes the ``tf.distribute`` strategy itself.
"""

from __future__ import annotations

import os

from zoo_core.errors import UsageError

STRATEGIES = ("default", "mirrored", "multi-worker")


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
    worker_timeout()
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


#: minutes a multi-worker run waits for the cluster to form (``ZOO_WORKER_TIMEOUT``)
WORKER_TIMEOUT = 10.0


def worker_timeout() -> float:
    """``ZOO_WORKER_TIMEOUT``: minutes a worker waits for the others (default 10)."""
    raw = os.environ.get("ZOO_WORKER_TIMEOUT", "").strip()
    if not raw:
        return WORKER_TIMEOUT
    try:
        minutes = float(raw)
    except ValueError:
        minutes = float("nan")
    if not 0 < minutes <= 7 * 24 * 60:  # nan fails too
        raise UsageError(
            f"ZOO_WORKER_TIMEOUT is the minutes a worker waits for the others (e.g. 10), "
            f"got {raw!r}"
        )
    return minutes
