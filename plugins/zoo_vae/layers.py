"""A faster form of the decoder's last layer, a stride-1 transposed convolution to few channels.

oneDNN runs a convolution with one output channel (the pixel logits) at about a twentieth of
its usual speed: in a profile of ``vae_4d``'s bfloat16 training step, that layer's forward
and filter-gradient ops took about 18 ms of a 113 ms step for under 2% of its multiply-adds
(``python bench/profile_epoch.py``). The
same arithmetic as one matrix product to ``kh * kw * filters`` channels, then a sum of
``kh * kw`` shifted slices, runs at matrix-product speed. The weights are the
``Conv2DTranspose`` ones, unchanged (a run saved before loads as it did), and the outputs equal
``Conv2DTranspose``'s up to float rounding (tests/plugins/zoo_vae/test_vae.py checks both).
"""

from __future__ import annotations

import contextlib

import keras
import tensorflow as tf
from keras import layers, ops

#: set while an export traces the network: the plain op, which every converter knows (the
#: fast form's 6-D pad is not a LiteRT built-in operator)
_PORTABLE = [False]


@contextlib.contextmanager
def portable():
    """Trace :class:`Conv2DTranspose` as the parent's op inside this block."""
    before, _PORTABLE[0] = _PORTABLE[0], True
    try:
        yield
    finally:
        _PORTABLE[0] = before


@keras.saving.register_keras_serializable(package="zoo_vae")
class Conv2DTranspose(layers.Conv2DTranspose):
    """``keras.layers.Conv2DTranspose``; with stride 1, ``padding="same"`` and an odd kernel,
    computed as a matrix product and shifted sums (other configurations: the parent's way).

    Named like the Keras layer on purpose: Keras files a saved layer's weights under its
    class name, so runs saved with ``keras.layers.Conv2DTranspose`` load into this one."""

    def _fast(self) -> bool:
        kh, kw = self.kernel_size
        return (
            not _PORTABLE[0]
            and tuple(self.strides) == (1, 1)
            and self.padding == "same"
            and tuple(self.dilation_rate) == (1, 1)
            and kh % 2 == 1
            and kw % 2 == 1
            and self.data_format == "channels_last"
        )

    def call(self, inputs):
        if not self._fast():
            return super().call(inputs)
        out = _transposed_conv(inputs, ops.cast(self.kernel, self.compute_dtype))
        if self.use_bias:
            out = out + ops.cast(self.bias, self.compute_dtype)
        return self.activation(out) if self.activation is not None else out


@tf.custom_gradient
def _transposed_conv(x, kernel):
    """conv2d_transpose(x, kernel), stride 1, "same", odd kernel: forward as a matrix product
    and shifted sums; backward with the convolution ops TensorFlow's own gradient uses (those
    run at full speed; the slices' gradients would not)."""
    kh, kw, c_out, c_in = kernel.shape
    h, w = tf.shape(x)[1], tf.shape(x)[2]
    # Conv2DTranspose(k) with stride 1 is the correlation with k flipped in space and its
    # channel axes swapped: y[h, w] = sum_ij x[h + i - kh//2, w + j - kw//2] @ f[i, j]
    taps = tf.transpose(tf.reverse(kernel, axis=[0, 1]), (3, 0, 1, 2))  # (in, kh, kw, out)
    p = tf.matmul(tf.reshape(x, (-1, c_in)), tf.reshape(taps, (c_in, kh * kw * c_out)))
    p = tf.reshape(p, tf.stack([-1, h, w, kh, kw, c_out]))
    ph, pw = kh // 2, kw // 2
    p = tf.pad(p, ((0, 0), (ph, ph), (pw, pw), (0, 0), (0, 0), (0, 0)))
    out = tf.add_n([p[:, i : i + h, j : j + w, i, j] for i in range(kh) for j in range(kw)])

    def grad(dy):
        dx = tf.nn.conv2d(dy, kernel, strides=1, padding="SAME")
        dk = tf.raw_ops.Conv2DBackpropFilter(
            input=dy,
            filter_sizes=tf.shape(kernel),
            out_backprop=x,
            strides=[1, 1, 1, 1],
            padding="SAME",
        )
        return dx, dk

    return out, grad
