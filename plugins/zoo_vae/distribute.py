"""The ``--strategy`` option on TensorFlow's own engine (tf.distribute)."""

from __future__ import annotations

import contextlib


@contextlib.contextmanager
def strategy_scope(name: str):
    """Yield ``(scope, replicas)`` for a strategy name; ``default`` is one device."""
    import tensorflow as tf

    if name == "mirrored":
        strategy = tf.distribute.MirroredStrategy()
    elif name == "multi-worker":
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
    else:
        strategy = tf.distribute.get_strategy()
    with strategy.scope():
        yield strategy, strategy.num_replicas_in_sync
