"""A network's outputs for NumPy inputs, fast for a few and batched for many.

``keras.Model.predict`` sets up a data pipeline and a step function on every call: about
50 ms before a small decoder runs, which is most of a single latent point's answer time on
2 cores (and the whole of a slider's lag on ``zoo demo``'s page). Keras' own advice for a
small input is to call the model; a ``tf.function`` kept per network makes that call one
graph execution (about 1 ms for the VAE's decoder, the same numbers as ``predict``'s). Large
inputs still go through ``predict``'s batched loop.
"""

from __future__ import annotations

#: at most this many inputs go through the kept graph; more go through ``predict``
FEW = 64


def outputs(net, inputs, *, batch_size: int = 1024):
    """``net``'s outputs (NumPy) for ``inputs`` (an array, or a list for several inputs)."""
    import numpy as np

    first = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
    if len(first) > FEW:
        return net.predict(inputs, batch_size=batch_size, verbose=0)
    call = getattr(net, "_zoo_inference", None)
    if call is None:
        import tensorflow as tf

        call = tf.function(lambda x: net(x, training=False), reduce_retracing=True)
        net._zoo_inference = call
    result = call(inputs)
    if isinstance(result, (list, tuple)):
        return [np.asarray(r) for r in result]
    return np.asarray(result)
