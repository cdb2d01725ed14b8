"""The decoder's forward pass for evaluation, rewritten so that oneDNN fuses what Keras's
layers leave apart: the IWAE bound decodes k = 100 samples per image, a million decodes for
the test split, and that is nearly all of ``zoo eval --metric nll``'s time.

Same weights, same function as the Keras decoder (tests/plugins/zoo_vae/test_vae.py compares
them, float32 to 1e-5); only the order of the arithmetic changes:

- A transposed convolution (``Conv2DBackpropInput`` in TensorFlow) takes no fused bias or
  ReLU, so Keras adds the bias and applies the ReLU in two more passes over its output, the
  largest tensors of the pass. Here each stride-2 one is computed as its four output phases
  (the sub-pixel view of a strided transposed convolution: Shi et al. 2016, "Is the
  deconvolution layer the same as a convolutional layer?", https://arxiv.org/abs/1609.07009):
  the even/even output pixels see a 2x2 window of the input, even/odd 2x1, odd/even 1x2,
  odd/odd 1x1, nine kernel taps in all as before, each phase an ordinary ``Conv2D`` with
  bias and ReLU fused in.
- The first one's phases are interleaved (a stack, several times faster than
  ``depth_to_space`` in bfloat16); the second one's stay apart: the logits layer (a 3x3
  convolution to the image's channels) is a matrix product per phase to its nine taps, each
  tap is shifted into place in the half-resolution grid by a one-hot depthwise convolution
  and summed per output phase, and only the logits are interleaved to full size.

Measured on ``vae_2d`` (``python bench/iwae.py``, docs/benchmarks.md): the bound over the
10,000 test images in bfloat16 went from 85.9 s (the Keras decoder under the bfloat16
policy) to 56.1 s (median of three passes, 54.4-56.2).
"""

from __future__ import annotations

import itertools

import numpy as np
import tensorflow as tf
from keras import layers


class FastDecoder:
    """Calls like the Keras decoder it is made from (``decoder(z)`` or ``decoder([z, y])``)
    and returns its logits in ``dtype``; inference only (no gradient is meant to flow).

    Made for the decoders :func:`zoo_vae.network.build_decoder` builds: a Dense layer, two
    3x3 stride-2 "same" transposed convolutions with ReLU and a 3x3 stride-1 logits layer;
    anything else raises ``ValueError`` (the caller then uses the Keras decoder)."""

    def __init__(self, decoder, dtype: str = "bfloat16"):
        dense = [la for la in decoder.layers if isinstance(la, layers.Dense)]
        convs = [la for la in decoder.layers if isinstance(la, layers.Conv2DTranspose)]
        if len(dense) != 1 or len(convs) != 3:
            raise ValueError("FastDecoder needs one Dense and three Conv2DTranspose layers")
        for la in convs[:2]:
            _check(la, strides=(2, 2), activation="relu")
        _check(convs[2], strides=(1, 1), activation="linear")
        h, w = decoder.output.shape[1:3]
        if dense[0].activation.__name__ != "relu" or h % 4 or w % 4:
            raise ValueError(
                "FastDecoder needs a ReLU Dense layer and an image side that 4 divides"
            )
        self.dtype = tf.as_dtype(dtype)
        self.conditional = isinstance(decoder.input, (list, tuple))
        # the layers, not a copy of their weights: a decoder trained further is followed
        self.dense, self.convs = dense[0], convs
        self.grid = (h // 4, w // 4)  # the Dense output's spatial shape
        self.dense_channels = self.dense.units // (self.grid[0] * self.grid[1])
        # a decoder built with every_layer=True feeds the label maps to each convolution
        self.every_layer = convs[0].kernel.shape[3] != self.dense_channels
        self.channels = convs[2].filters
        self.shift, self.gather = (tf.constant(v, self.dtype) for v in _phase_shifts(self.channels))

    def __call__(self, inputs):
        dt = self.dtype
        z, y = inputs if self.conditional else (inputs, None)
        x = tf.cast(z, dt)
        if y is not None:
            y = tf.cast(y, dt)
            x = tf.concat([x, y], -1)
        x = tf.nn.relu(
            tf.matmul(x, tf.cast(self.dense.kernel, dt)) + tf.cast(self.dense.bias, dt)
        )  # oneDNN fuses this one itself
        h, wd = self.grid
        x = tf.reshape(x, (-1, h, wd, self.dense_channels))
        first, second, logits = self.convs
        x = self._with_label(x, y, (h, wd))
        x = _interleave(_phases(x, first, dt))  # the first transposed convolution
        x = self._with_label(x, y, (2 * h, 2 * wd))
        phases = _phases(x, second, dt)
        # the logits layer, per phase: taps by matrix product, shifted into place, summed;
        # tap (i, j) of output channel o is column (i, j, o) of one matrix
        k = tf.cast(logits.kernel, dt)  # (3, 3, out, in)
        c_in, c = k.shape[3], self.channels
        taps = tf.reshape(tf.transpose(tf.reverse(k, [0, 1]), (3, 0, 1, 2)), (c_in, 9 * c))
        taps = tf.concat(
            [
                tf.reshape(tf.matmul(tf.reshape(p, (-1, c_in)), taps), (-1, 2 * h, 2 * wd, 9 * c))
                for p in phases
            ],
            -1,
        )
        taps = tf.nn.depthwise_conv2d(taps, self.shift, [1, 1, 1, 1], "SAME")
        out = tf.matmul(tf.reshape(taps, (-1, 36 * c)), self.gather)  # (a, b, channel)
        out = tf.reshape(out, (-1, 2 * h, 2 * wd, 2, 2, c))
        out = tf.reshape(tf.transpose(out, (0, 1, 3, 2, 4, 5)), (-1, 4 * h, 4 * wd, c))
        return out + tf.cast(logits.bias, dt)

    def _with_label(self, x, y, size):
        if not self.every_layer:
            return x
        return tf.concat([x, tf.tile(y[:, None, None, :], [1, size[0], size[1], 1])], -1)


_PADS = (
    [[0, 0], [1, 0], [1, 0], [0, 0]],
    [[0, 0], [1, 0], [0, 0], [0, 0]],
    [[0, 0], [0, 0], [1, 0], [0, 0]],
    "VALID",
)


def _phases(x, layer, dtype):
    """A 3x3 stride-2 "same" transposed convolution with ReLU (``layer``) as its four output
    phases (even/even, even/odd, odd/even, odd/odd), each a Conv2D with bias and ReLU fused."""
    bias = tf.cast(layer.bias, dtype)
    return [
        tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, k, 1, pad), bias))
        for k, pad in zip(_phase_kernels(tf.cast(layer.kernel, dtype)), _PADS)
    ]


def _interleave(phases):
    """The four phases (batch, H, W, C) as the full (batch, 2H, 2W, C) output. (Stacking
    is several times faster than ``depth_to_space`` on bfloat16 on CPU.)"""
    p00, p01, p10, p11 = phases
    y = tf.stack([tf.stack([p00, p01], 3), tf.stack([p10, p11], 3)], 2)  # (b, H, 2, W, 2, C)
    h, w, c = p00.shape[1], p00.shape[2], p00.shape[3]
    return tf.reshape(y, (-1, 2 * h, 2 * w, c))


def _check(layer, *, strides, activation):
    ok = (
        tuple(layer.strides) == strides
        and tuple(layer.kernel_size) == (3, 3)
        and layer.padding == "same"
        and layer.use_bias
        and tuple(layer.dilation_rate) == (1, 1)
        and layer.activation.__name__ == activation
    )
    if not ok:
        raise ValueError(
            f"FastDecoder: layer {layer.name!r} is not a 3x3 'same' transposed "
            f"convolution with strides {strides} and {activation} activation"
        )


def _phase_kernels(kernel):
    """A 3x3 stride-2 "same" transposed convolution's kernel (3, 3, out, in) as the four
    ``Conv2D`` kernels (kh, kw, in, out) of its output phases even/even, even/odd, odd/even,
    odd/odd. Output row 2i takes input row i through kernel row 0 and row i - 1 through
    row 2; output row 2i + 1 takes row i through kernel row 1 (TensorFlow pads "same" at the
    end), so the even phases look one row back: the convolutions pad one row at the top."""
    k = tf.transpose(kernel, (0, 1, 3, 2))
    back = tf.gather(k, [2, 0], axis=0)  # window rows (i - 1, i) <- kernel rows (2, 0)
    middle = k[1:2]
    return (
        tf.gather(back, [2, 0], axis=1),
        back[:, 1:2],
        tf.gather(middle, [2, 0], axis=1),
        middle[:, 1:2],
    )


def _phase_shifts(channels: int):
    """For the logits layer computed per phase: a one-hot depthwise kernel that moves each
    (source phase, tap, channel) plane to where it lands in the half-resolution grid, and a
    0/1 matrix that sums the planes of each (output phase, channel), in the channel order
    ``depth_to_space`` reads."""
    n = 36 * channels
    shift = np.zeros((3, 3, n, 1), "float32")
    gather = np.zeros((n, 4 * channels), "float32")
    for s, (a2, c2) in enumerate(itertools.product(range(2), range(2))):
        for ti, tj, o in itertools.product(range(3), range(3), range(channels)):
            plane = s * 9 * channels + (ti * 3 + tj) * channels + o
            # full-res pixel 2i + a takes tap ti from pixel 2i + a + ti - 1, which is in
            # phase a2 = (a + ti - 1) mod 2 at grid row i + (a + ti - 1) // 2
            a, c = (a2 - ti + 1) % 2, (c2 - tj + 1) % 2
            di, dj = (a + ti - 1) // 2, (c + tj - 1) // 2
            shift[di + 1, dj + 1, plane, 0] = 1.0
            gather[plane, (a * 2 + c) * channels + o] = 1.0
    return shift, gather
