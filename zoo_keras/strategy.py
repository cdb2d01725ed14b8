"""``--strategy``: scale-out on TensorFlow's own engine, ``tf.distribute``.

- ``default``: one device.
- ``mirrored``: ``MirroredStrategy`` over the local GPUs or, without GPUs, the logical CPU
  devices (``ZOO_LOGICAL_CPUS=N`` splits the CPU into N, e.g. to try it on a laptop).
- ``multi-worker``: ``MultiWorkerMirroredStrategy``, configured by ``TF_CONFIG``; a worker
  waits ``ZOO_WORKER_TIMEOUT`` minutes (default 10) for the others, then ends with one line
  naming the ones that never answered (SIGTERM and Ctrl-C end it at any time).

A distributable Model creates its variables inside ``strategy.scope()`` and reduces its loss
over the global batch (``tf.nn.compute_average_loss``); Keras ``fit`` distributes the
``tf.data`` pipeline with the strategy's own ``experimental_distribute_dataset``. Only the
worker for which ``strategy.extended.should_checkpoint`` holds (the chief) writes the run.
"""

from __future__ import annotations

import os

from zoo_core import stop_signals
from zoo_core.peer_watch import wait_for_peers
from zoo_core.strategies import worker_timeout


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
        wait_for_peers(worker_timeout())  # in Python: a timeout, SIGTERM and Ctrl-C work
        strategy = tf.distribute.MultiWorkerMirroredStrategy()  # now a short wait
        stop_signals.reinstall()  # TensorFlow's preemption notifier took SIGTERM
        return strategy
    return tf.distribute.get_strategy()
