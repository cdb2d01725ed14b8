"""RealNVP's layers and the flow network (Keras 3, TensorFlow ops in the train step).

Dinh, Sohl-Dickstein & Bengio (2017), "Density estimation using Real NVP". Each layer maps
``h -> (h', log|det dh'/dh|)`` and back exactly:

- :class:`Coupling`: an affine coupling ``h'_b = h_b * exp(s(h_a)) + t(h_a)`` with ``h_a``
  left as it is, ``h_a`` picked by a checkerboard mask (spatial) or by halving the channels;
  ``s = scale * tanh(.)`` as in the paper, so the scale stays bounded; log-det ``sum(s)``
  over the changed half;
- :class:`ActNorm`: a per-channel affine map; log-det ``H * W * sum(log_scale)``;
- squeeze (``space_to_depth``, 2x2 -> 4 channels; volume-preserving) and, per scale, a split
  that factors out half the channels straight into the latent.

Where this departs from the paper, and why:

- **actnorm** (Kingma & Dhariwal 2018, Glow) instead of batch normalisation, as a flow
  layer before each coupling and with no normalisation inside the scale/translation
  networks: batch norm makes the density of an image depend on its batch in training and on
  running averages in evaluation, and its statistics are state a resumed run would have to
  restore; actnorm is one function, exactly invertible. It starts as the identity (no
  data-dependent initialisation, so a resumed run and a fresh one build the same thing);
- each coupling network's last convolution starts at zero (as in Glow), so the untrained
  flow is the identity and the first steps are stable;
- no weight normalisation; the paper's L2 penalty (5e-5) is kept as ``weight_decay``.

The data model (8-bit pixels, uniform dequantisation, logit transform) is in
:meth:`RealNVP.preprocess`; its change-of-variables terms are part of every log-likelihood.
"""

from __future__ import annotations

import math

import keras
import tensorflow as tf

LOG_2PI = math.log(2.0 * math.pi)


def squeeze(h):
    """``(B, H, W, C) -> (B, H/2, W/2, 4C)``: each 2x2 patch into channels (log-det 0)."""
    return tf.nn.space_to_depth(h, 2)


def unsqueeze(h):
    return tf.nn.depth_to_space(h, 2)


def checkerboard(height: int, width: int, parity: int):
    """``(1, H, W, 1)`` float mask: 1 where ``(row + col + parity)`` is even (kept)."""
    rows = tf.range(height)[:, None]
    cols = tf.range(width)[None, :]
    mask = tf.cast((rows + cols + parity) % 2 == 0, tf.float32)
    return mask[None, :, :, None]


class ScaleTranslate(keras.layers.Layer):
    """The small residual CNN of a coupling: ``h_a -> (s, t)`` for ``out_channels``."""

    def __init__(self, out_channels: int, filters: int, blocks: int, **kw):
        super().__init__(**kw)
        self.out_channels = out_channels
        conv = dict(padding="same", kernel_initializer="he_normal")
        self.first = keras.layers.Conv2D(filters, 3, **conv)
        self.blocks = [
            (keras.layers.Conv2D(filters, 3, **conv), keras.layers.Conv2D(filters, 3, **conv))
            for _ in range(blocks)
        ]
        self.last = keras.layers.Conv2D(
            2 * out_channels, 3, padding="same", kernel_initializer="zeros"
        )
        self.config = {"out_channels": out_channels, "filters": filters, "blocks": blocks}

    def get_config(self):  # saving writes it; loading rebuilds from settings instead
        return {**super().get_config(), **self.config}

    def build(self, input_shape):
        self.scale = self.add_weight(
            shape=(self.out_channels,), initializer="ones", name="tanh_scale"
        )

    def call(self, h):
        x = tf.nn.relu(self.first(h))
        for a, b in self.blocks:
            x = tf.nn.relu(x + b(tf.nn.relu(a(x))))
        raw_s, t = tf.split(self.last(x), 2, axis=-1)
        return self.scale * tf.tanh(raw_s), t

    def kernels(self) -> list:
        return [self.first.kernel, self.last.kernel] + [c.kernel for ab in self.blocks for c in ab]


class Coupling(keras.layers.Layer):
    """Affine coupling with a checkerboard (``"checkerboard"``) or channel (``"channel"``)
    mask; ``parity`` chooses which half is changed, alternating between layers."""

    def __init__(self, kind: str, parity: int, channels: int, filters: int, blocks: int, **kw):
        super().__init__(**kw)
        self.kind, self.parity, self.channels = kind, parity, channels
        out = channels if kind == "checkerboard" else channels // 2
        self.st = ScaleTranslate(out, filters, blocks)
        self.config = {
            "kind": kind,
            "parity": parity,
            "channels": channels,
            "filters": filters,
            "blocks": blocks,
        }

    def get_config(self):
        return {**super().get_config(), **self.config}

    def _mask(self, h):
        return checkerboard(h.shape[1], h.shape[2], self.parity)

    def _halves(self, h):
        a, b = tf.split(h, 2, axis=-1)
        return (b, a) if self.parity else (a, b)

    def _join(self, a, b):
        return tf.concat([b, a] if self.parity else [a, b], axis=-1)

    def call(self, h):
        return self.forward(h)

    def forward(self, h):
        if self.kind == "checkerboard":
            m = self._mask(h)
            s, t = self.st(h * m)
            s, t = s * (1 - m), t * (1 - m)
            out = h * m + (1 - m) * (h * tf.exp(s) + t)
            return out, tf.reduce_sum(s, axis=[1, 2, 3])
        a, b = self._halves(h)
        s, t = self.st(a)
        return self._join(a, b * tf.exp(s) + t), tf.reduce_sum(s, axis=[1, 2, 3])

    def inverse(self, out):
        if self.kind == "checkerboard":
            m = self._mask(out)
            s, t = self.st(out * m)
            s, t = s * (1 - m), t * (1 - m)
            return out * m + (1 - m) * ((out - t) * tf.exp(-s))
        a, b = self._halves(out)
        s, t = self.st(a)
        return self._join(a, (b - t) * tf.exp(-s))


class ActNorm(keras.layers.Layer):
    """``h' = (h + bias) * exp(log_scale)`` per channel, starting as the identity."""

    def build(self, input_shape):
        c = input_shape[-1]
        self.bias = self.add_weight(shape=(c,), initializer="zeros", name="bias")
        self.log_scale = self.add_weight(shape=(c,), initializer="zeros", name="log_scale")

    def call(self, h):
        return self.forward(h)

    def forward(self, h):
        pixels = tf.cast(tf.shape(h)[1] * tf.shape(h)[2], tf.float32)
        out = (h + self.bias) * tf.exp(self.log_scale)
        return out, tf.fill([tf.shape(h)[0]], pixels * tf.reduce_sum(self.log_scale))

    def inverse(self, out):
        return out * tf.exp(-self.log_scale) - self.bias


class RealNVP(keras.Model):
    """The multi-scale flow ``v -> z`` with the 8-bit data model around it.

    ``log_prob(x, u)``: log P of the 8-bit image ``round(255 x)`` dequantised with ``u`` in
    [0, 1), in nats: the flow's exact density at ``y = (x_int + u) / 256`` converted to
    the discrete data's scale (``- D log 256``), a lower bound on the probability of the
    8-bit image (Theis et al. 2016), equal to what the paper reports as bits/dim.
    """

    def __init__(
        self,
        shape,
        *,
        scales=2,
        couplings=3,
        final_couplings=4,
        filters=32,
        blocks=1,
        alpha=0.05,
        weight_decay=0.0,
        seed=0,
        **kw,
    ):
        super().__init__(**kw)
        self.shape_ = tuple(int(d) for d in shape)
        self.alpha, self.weight_decay, self.seed = float(alpha), float(weight_decay), seed
        self.dims = math.prod(self.shape_)
        channels = self.shape_[-1]
        self.levels = []  # per scale: (checkerboard steps, channel steps) of (actnorm, coupling)
        for _ in range(scales):
            checker = [
                (ActNorm(), Coupling("checkerboard", i % 2, channels, filters, blocks))
                for i in range(couplings)
            ]
            channels *= 4
            chan = [
                (ActNorm(), Coupling("channel", i % 2, channels, filters, blocks))
                for i in range(couplings)
            ]
            self.levels.append((checker, chan))
            channels //= 2
        self.final = [
            (ActNorm(), Coupling("checkerboard", i % 2, channels, filters, blocks))
            for i in range(final_couplings)
        ]
        self.config = {
            "shape": self.shape_,
            "scales": scales,
            "couplings": couplings,
            "final_couplings": final_couplings,
            "filters": filters,
            "blocks": blocks,
            "alpha": alpha,
            "weight_decay": weight_decay,
            "seed": seed,
        }
        self.nll_tracker = keras.metrics.Mean(name="loss")
        self.bpd_tracker = keras.metrics.Mean(name="bits_per_dim")

    @property
    def metrics(self):
        return [self.nll_tracker, self.bpd_tracker]

    def get_config(self):
        return {**super().get_config(), **self.config}

    # -- the flow v <-> z ---------------------------------------------------------------
    @staticmethod
    def _steps_forward(steps, h, logdet):
        for norm, coupling in steps:
            h, ld = norm(h)  # through __call__, which builds a layer on first use
            logdet += ld
            h, ld = coupling(h)
            logdet += ld
        return h, logdet

    @staticmethod
    def _steps_inverse(steps, h):
        for norm, coupling in reversed(steps):
            h = norm.inverse(coupling.inverse(h))
        return h

    def forward(self, v):
        """``v`` (B, H, W, C) -> ``z`` (B, D) and log|det dz/dv| per image."""
        h, logdet = v, tf.zeros([tf.shape(v)[0]])
        b = tf.shape(v)[0]
        factored = []
        for checker, chan in self.levels:
            h, logdet = self._steps_forward(checker, h, logdet)
            h = squeeze(h)
            h, logdet = self._steps_forward(chan, h, logdet)
            out, h = tf.split(h, 2, axis=-1)
            factored.append(tf.reshape(out, [b, -1]))
        h, logdet = self._steps_forward(self.final, h, logdet)
        return tf.concat(factored + [tf.reshape(h, [b, -1])], axis=1), logdet

    def inverse(self, z):
        """``z`` (B, D) -> ``v`` (B, H, W, C), exactly undoing :meth:`forward`."""
        b = tf.shape(z)[0]
        hgt, wid, c = self.shape_
        shapes = []  # the shape of each factored part and of what continues
        for _ in self.levels:
            hgt, wid, c = hgt // 2, wid // 2, c * 4
            shapes.append((hgt, wid, c // 2))
            c //= 2
        sizes = [h * w * ch for h, w, ch in shapes] + [hgt * wid * c]
        parts = tf.split(z, sizes, axis=1)
        h = tf.reshape(parts[-1], [b, hgt, wid, c])
        h = self._steps_inverse(self.final, h)
        for (checker, chan), part, shape in reversed(list(zip(self.levels, parts, shapes))):
            h = tf.concat([tf.reshape(part, [b, *shape]), h], axis=-1)
            h = self._steps_inverse(chan, h)
            h = unsqueeze(h)
            h = self._steps_inverse(checker, h)
        return h

    # -- the data model: 8-bit pixels, dequantised, logit ---------------------------------
    def preprocess(self, x, u):
        """``x`` in [0, 1] (``x_int / 255``), ``u`` in [0, 1) -> ``v`` and the log-det of
        ``x_int + u -> v`` per image (including ``- D log 256``)."""
        x_int = tf.round(x * 255.0)
        y = (x_int + u) / 256.0
        p = self.alpha + (1.0 - 2.0 * self.alpha) * y
        v = tf.math.log(p) - tf.math.log1p(-p)
        ld = math.log(1.0 - 2.0 * self.alpha) - tf.math.log(p) - tf.math.log1p(-p)
        return v, tf.reduce_sum(ld, axis=[1, 2, 3]) - self.dims * math.log(256.0)

    def to_image(self, v):
        """``v`` -> pixels in [0, 1]: the inverse logit, undoing ``y = (255 x + 1/2) / 256``
        (the midpoint dequantisation :meth:`encode_images` uses), clipped."""
        y = (tf.sigmoid(v) - self.alpha) / (1.0 - 2.0 * self.alpha)
        return tf.clip_by_value((y * 256.0 - 0.5) / 255.0, 0.0, 1.0)

    def encode_images(self, x):
        """Deterministic encoding: ``x`` dequantised at the midpoint (``u = 1/2``), so
        ``to_image(inverse(encode_images(x)))`` gives ``x`` back."""
        y = (x * 255.0 + 0.5) / 256.0
        p = self.alpha + (1.0 - 2.0 * self.alpha) * y
        # log(1 - p), not log1p(-p): p <= 1 - alpha keeps it exact enough, and ONNX has no
        # Log1p operator (tf2onnx would emit one that no runtime loads)
        return self.forward(tf.math.log(p) - tf.math.log(1.0 - p))[0]

    def log_prob(self, x, u):
        """log P(8-bit image) per image in nats, dequantised with ``u``."""
        v, ld_data = self.preprocess(x, u)
        z, ld_flow = self.forward(v)
        log_pz = -0.5 * tf.reduce_sum(z * z + LOG_2PI, axis=1)
        return log_pz + ld_flow + ld_data

    def call(self, x):
        return self.encode_images(x)

    # -- training --------------------------------------------------------------------------
    def _noise(self, x, stream: int = 0):
        from zoo_keras.model import replayable_normal

        return replayable_normal(
            tf.shape(x)[0],
            self.shape_,
            seed=self.seed,
            step=self.optimizer.iterations,
            stream=stream,
            distribution="uniform",
        )

    def kernels(self) -> list:
        steps = [s for checker, chan in self.levels for s in checker + chan] + self.final
        return [k for _, coupling in steps for k in coupling.st.kernels()]

    def _record(self, nll):
        self.nll_tracker.update_state(nll)
        self.bpd_tracker.update_state(nll / (self.dims * math.log(2.0)))
        return {"loss": self.nll_tracker.result(), "bits_per_dim": self.bpd_tracker.result()}

    def train_step(self, x):
        with tf.GradientTape() as tape:
            nll = -self.log_prob(x, self._noise(x))
            loss = tf.nn.compute_average_loss(nll)
            if self.weight_decay:
                l2 = tf.add_n([tf.reduce_sum(k * k) for k in self.kernels()])
                loss += self.weight_decay * l2 / self.distribute_strategy.num_replicas_in_sync
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        return self._record(tf.reduce_mean(nll))

    def test_step(self, x):
        return self._record(tf.reduce_mean(-self.log_prob(x, self._noise(x, stream=1))))
