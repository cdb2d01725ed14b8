"""The input pipeline shared by array-backed datasets (imports TensorFlow when called).

The arrays are handed to TensorFlow once; each batch is a ``tf.gather`` of shuffled indices,
so there is no per-example Python and no second copy. A ``uint8`` store (a memory-mapped
cache larger than memory, :func:`stream`) is read per batch instead and scaled to [0, 1]
on the fly, so only the batches in flight are in memory. The shuffle order of epoch ``e`` is a
pure function of ``(seed, e)``, which makes a resumed run see exactly the batches an
uninterrupted one would.
"""

from __future__ import annotations

import math


def steps_per_epoch(n: int, batch_size: int) -> int:
    return max(1, math.ceil(n / batch_size))


def dataset_pipeline(
    dataset, split: str, batch_size: int, *, seed: int, shuffle: bool = True, first_epoch: int = 0
):
    """A dataset's split as ``tf.data`` batches of ``(x, y)``: its own ``pipeline`` method
    where it has one (a dataset that streams), else :func:`pipeline` over its checked arrays
    (:meth:`zoo_core.Dataset.checked_arrays`) with its per-batch ``transform``."""
    own = getattr(dataset, "pipeline", None)
    if own is not None:
        return own(split, batch_size, seed=seed, shuffle=shuffle, first_epoch=first_epoch)
    x, y = dataset.checked_arrays(split)
    return pipeline(
        x,
        y,
        batch_size,
        seed=seed,
        shuffle=shuffle,
        first_epoch=first_epoch,
        transform=dataset.transform,
    )


def pipeline(
    x,
    y,
    batch_size: int,
    *,
    seed: int,
    shuffle: bool = True,
    first_epoch: int = 0,
    transform=None,
    repeat: bool | None = None,
    rows=None,
):
    """Batches of ``(x, y)``.

    With ``shuffle`` (training) the pipeline is endless, one epoch after another starting at
    ``first_epoch``; give Keras ``steps_per_epoch``. Without it, one pass in order.
    ``transform(x, seed)`` runs per batch with a stateless seed pair unique to (epoch, step).
    ``rows`` (the examples of a split) picks from ``x`` and ``y``; a ``uint8`` ``x`` is
    streamed (:func:`stream`), not handed to TensorFlow whole.
    """
    import numpy as np
    import tensorflow as tf

    repeat = shuffle if repeat is None else repeat
    rows = np.arange(len(x)) if rows is None else np.asarray(rows, dtype=np.int64)
    n = int(len(rows))
    steps = steps_per_epoch(n, batch_size)
    if np.asarray(x[:0]).dtype == np.uint8:
        take_x = stream(x, rows)
    else:
        xs = tf.convert_to_tensor(np.asarray(x)[rows] if n != len(x) else x)

        def take_x(idx):
            return tf.gather(xs, idx)

    ys = tf.convert_to_tensor(np.asarray(y)[rows])
    seed = int(seed)

    def epoch_indices(epoch):
        idx = tf.range(n, dtype=tf.int64)
        if shuffle:
            idx = tf.random.experimental.stateless_shuffle(
                idx, seed=tf.stack([tf.constant(seed, tf.int64), epoch])
            )
        return tf.data.Dataset.range(steps).map(
            lambda s: (epoch, s, idx[s * batch_size : (s + 1) * batch_size])
        )

    epochs = tf.data.Dataset.range(first_epoch, 2**62 if repeat else first_epoch + 1)
    ds = epochs.flat_map(epoch_indices)

    def gather(epoch, step, idx):
        xb = take_x(idx)
        if transform is not None:
            xb = transform(xb, tf.stack([epoch * steps + step, tf.constant(seed, tf.int64)]))
        return xb, tf.gather(ys, idx)

    ds = ds.map(gather, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    if not repeat:  # a known length lets Keras restart a finite pass every epoch
        ds = ds.apply(tf.data.experimental.assert_cardinality(steps))
    return ds.prefetch(tf.data.AUTOTUNE)


def stream(store, rows):
    """``idx -> float32 batch`` reading rows ``rows[idx]`` of a ``uint8`` store (e.g. a
    ``numpy.memmap``) per batch, in increasing file order, scaled to [0, 1]."""
    import numpy as np
    import tensorflow as tf

    shape = tuple(store.shape[1:])

    def read(idx):
        wanted = rows[idx]
        order = np.argsort(wanted, kind="stable")
        out = np.empty((len(wanted), *shape), np.uint8)
        out[order] = store[wanted[order]]
        return out

    def take(idx):
        xb = tf.numpy_function(read, [idx], tf.uint8, stateful=False)
        xb.set_shape((None, *shape))
        return tf.cast(xb, tf.float32) / 255.0

    return take
