"""The diffusion network: a small U-Net and the DDPM around it (Keras 3, TF ops).

Ho, Jain & Abbeel (2020), "Denoising Diffusion Probabilistic Models": the U-Net predicts the
noise ``eps`` that made ``x_t`` from ``x_0``; training minimises the simple loss
``|| eps - eps_theta(sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps, t) ||^2`` at a uniformly drawn
``t`` (their Algorithm 1). The U-Net follows the paper's (PixelCNN++-style) layout: a
sinusoidal time embedding through a two-layer MLP added inside every residual block, group
normalisation, a stride-2 convolution down and nearest-neighbour upsampling with a
convolution up, skip connections from every block, self-attention at the lowest
resolution and in the middle, and a last convolution initialised at zero.

Classifier-free guidance (Ho & Salimans 2022): a conditional network takes a class label
through an embedding added to the time embedding; training replaces the label by a "null"
class with probability ``label_dropout``, so one network learns ``eps(x, y)`` and
``eps(x)``; sampling mixes them as ``(1 + w) eps(x, y) - w eps(x)``.

Where this departs from the papers, and why:

- **sizes**: 16/32/32 channels at 28/14/7 pixels with one block per resolution (the paper:
  128 channels, two blocks, four resolutions for 32x32 CIFAR-10), so the default run fits
  an hour on 2 CPU cores; ``ddpm_large`` has the paper's widths;
- **EMA warm-up**: the moving average decays at ``min(ema, (1 + n) / (10 + n))`` after
  ``n`` steps (TensorFlow's ``ExponentialMovingAverage`` with ``num_updates``), because a
  run of a few thousand steps would otherwise sample mostly from its initial weights; the
  paper's 0.9999 assumes 800k steps;
- **x_0 clipped** to [-1, 1] at every sampling step, the noise prediction then made
  consistent with the clipped ``x_0`` (the authors' code does the first; diffusers the
  second); it changes nothing for an ``x_0`` already in range.

The averaged weights live in a second U-Net (``ema_unet``, not trainable) inside the same
Keras model, so ``model.keras`` and every checkpoint hold them and a resumed run continues
the average exactly.
"""

from __future__ import annotations

import math

import keras
import tensorflow as tf

GROUPS = 8


def timestep_embedding(t, dim: int):
    """Sinusoidal embedding of integer timesteps (Vaswani et al. 2017, as in Ho et al.):
    ``(B,) -> (B, dim)``, ``[sin(t w_i), cos(t w_i)]`` with ``w_i = 10000^(-i / (dim/2 - 1))``."""
    half = dim // 2
    freqs = tf.exp(-math.log(10000.0) * tf.range(half, dtype=tf.float32) / max(half - 1, 1))
    angles = tf.cast(t, tf.float32)[:, None] * freqs[None, :]
    return tf.concat([tf.sin(angles), tf.cos(angles)], axis=-1)


class ResBlock(keras.layers.Layer):
    """GroupNorm, swish, 3x3 conv, + the projected time embedding, GroupNorm, swish,
    dropout, 3x3 conv (zero-initialised), plus the input (through a 1x1 conv when the
    channel count changes)."""

    def __init__(self, in_channels: int, channels: int, dropout: float = 0.0, **kw):
        super().__init__(**kw)
        self.norm1 = keras.layers.GroupNormalization(GROUPS)
        self.conv1 = keras.layers.Conv2D(channels, 3, padding="same")
        self.emb = keras.layers.Dense(channels)
        self.norm2 = keras.layers.GroupNormalization(GROUPS)
        self.drop = keras.layers.Dropout(dropout)
        self.conv2 = keras.layers.Conv2D(channels, 3, padding="same", kernel_initializer="zeros")
        self.skip = keras.layers.Conv2D(channels, 1) if in_channels != channels else None

    def call(self, h, emb, training=False):
        x = self.conv1(tf.nn.silu(self.norm1(h)))
        x = x + self.emb(tf.nn.silu(emb))[:, None, None, :]
        x = self.conv2(self.drop(tf.nn.silu(self.norm2(x)), training=training))
        return x + (self.skip(h) if self.skip is not None else h)


class Attention(keras.layers.Layer):
    """Single-head self-attention over the pixels, with a residual (as in Ho et al.)."""

    def __init__(self, channels: int, **kw):
        super().__init__(**kw)
        self.norm = keras.layers.GroupNormalization(GROUPS)
        self.attn = keras.layers.MultiHeadAttention(num_heads=1, key_dim=channels)

    def call(self, h):
        b, hgt, wid, c = tf.shape(h)[0], tf.shape(h)[1], tf.shape(h)[2], h.shape[-1]
        x = tf.reshape(self.norm(h), [b, hgt * wid, c])
        return h + tf.reshape(self.attn(x, x), [b, hgt, wid, c])


class UNet(keras.layers.Layer):
    """``eps_theta(x_t, t[, y])``: a U-Net with one resolution per entry of ``channels``.

    ``num_classes > 0`` makes it conditional: labels ``0..num_classes-1``, and
    ``num_classes`` itself is the null label of classifier-free guidance."""

    def __init__(
        self,
        out_channels: int,
        channels=(32, 64, 64),
        blocks: int = 1,
        attention: bool = True,
        dropout: float = 0.0,
        num_classes: int = 0,
        **kw,
    ):
        super().__init__(**kw)
        self.channels, self.blocks = tuple(channels), int(blocks)
        self.num_classes = int(num_classes)
        emb = 4 * self.channels[0]
        self.emb_dim = self.channels[0]
        self.time1 = keras.layers.Dense(emb)
        self.time2 = keras.layers.Dense(emb)
        self.label = keras.layers.Embedding(num_classes + 1, emb) if num_classes else None
        self.conv_in = keras.layers.Conv2D(self.channels[0], 3, padding="same")
        last = len(self.channels) - 1
        skip_channels = [self.channels[0]]
        c = self.channels[0]
        self.down = []  # per resolution: [(resblock, attention or None)], downsample or None
        for i, ch in enumerate(self.channels):
            level = []
            for _ in range(blocks):
                level.append(
                    (ResBlock(c, ch, dropout), Attention(ch) if attention and i == last else None)
                )
                c = ch
                skip_channels.append(c)
            down = keras.layers.Conv2D(c, 3, strides=2, padding="same") if i < last else None
            if down is not None:
                skip_channels.append(c)
            self.down.append((level, down))
        self.mid = (
            ResBlock(c, c, dropout),
            Attention(c) if attention else None,
            ResBlock(c, c, dropout),
        )
        self.up = []
        for i, ch in reversed(list(enumerate(self.channels))):
            level = []
            for _ in range(blocks + 1):
                level.append(
                    (
                        ResBlock(c + skip_channels.pop(), ch, dropout),
                        Attention(ch) if attention and i == last else None,
                    )
                )
                c = ch
            up = keras.layers.Conv2D(c, 3, padding="same") if i > 0 else None
            self.up.append((level, up))
        self.norm_out = keras.layers.GroupNormalization(GROUPS)
        self.conv_out = keras.layers.Conv2D(
            out_channels, 3, padding="same", kernel_initializer="zeros"
        )

    def call(self, x, t, y=None, training=False):
        emb = self.time2(tf.nn.silu(self.time1(timestep_embedding(t, self.emb_dim))))
        if self.label is not None:
            emb = emb + self.label(y)
        h = self.conv_in(x)
        skips = [h]
        for level, down in self.down:
            for block, attn in level:
                h = block(h, emb, training=training)
                h = attn(h) if attn is not None else h
                skips.append(h)
            if down is not None:
                h = down(h)
                skips.append(h)
        first, attn, second = self.mid
        h = first(h, emb, training=training)
        h = attn(h) if attn is not None else h
        h = second(h, emb, training=training)
        for level, up in self.up:
            for block, attn in level:
                h = block(tf.concat([h, skips.pop()], axis=-1), emb, training=training)
                h = attn(h) if attn is not None else h
            if up is not None:
                h = up(tf.repeat(tf.repeat(h, 2, axis=1), 2, axis=2))
        return self.conv_out(tf.nn.silu(self.norm_out(h)))


def q_sample(x0, t, noise, alpha_bars):
    """``x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps``: a draw from ``q(x_t | x_0)``."""
    ab = tf.gather(alpha_bars, t)[:, None, None, None]
    return tf.sqrt(ab) * x0 + tf.sqrt(1.0 - ab) * noise


def denoise_step(x, eps, ab_t, ab_prev, eta, noise):
    """One DDIM step ``x_t -> x_{t_prev}`` (Song et al. 2020, Eq. 12) from the predicted noise.

    ``x_0 = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t)``, clipped to [-1, 1], ``eps`` made
    consistent with it, then ``x_prev = sqrt(abar_prev) x_0 + sqrt(1 - abar_prev -
    sigma^2) eps + sigma z`` with ``sigma = eta sqrt((1 - abar_prev) / (1 - abar_t))
    sqrt(1 - abar_t / abar_prev)``. ``eta = 0`` is deterministic; ``eta = 1`` over every
    step is the ancestral sampler of Ho et al. with ``sigma_t^2`` the posterior variance.
    ``ab_t``, ``ab_prev``: per-example ``(B,)`` (``ab_prev = 1`` for the last step).
    Returns ``(x_prev, x_0)``."""
    ab_t = ab_t[:, None, None, None]
    ab_prev = ab_prev[:, None, None, None]
    x0 = tf.clip_by_value((x - tf.sqrt(1.0 - ab_t) * eps) / tf.sqrt(ab_t), -1.0, 1.0)
    eps = (x - tf.sqrt(ab_t) * x0) / tf.sqrt(1.0 - ab_t)
    sigma = eta * tf.sqrt((1.0 - ab_prev) / (1.0 - ab_t)) * tf.sqrt(1.0 - ab_t / ab_prev)
    direction = tf.sqrt(tf.maximum(1.0 - ab_prev - sigma * sigma, 0.0)) * eps
    return tf.sqrt(ab_prev) * x0 + direction + sigma * noise, x0


class DDPM(keras.Model):
    """The U-Net, its moving average and the training and sampling steps.

    Images come in and go out in [0, 1]; inside they are scaled to [-1, 1] (the paper's
    data scaling). ``num_classes > 0``: class-conditional with label dropout."""

    def __init__(
        self,
        shape,
        alpha_bars,
        *,
        channels=(32, 64, 64),
        blocks=1,
        attention=True,
        dropout=0.0,
        num_classes=0,
        ema=0.999,
        label_dropout=0.1,
        seed=0,
        **kw,
    ):
        super().__init__(**kw)
        self.shape_ = tuple(int(d) for d in shape)
        self.num_classes, self.seed = int(num_classes), int(seed)
        self.ema_decay, self.label_dropout = float(ema), float(label_dropout)
        self.timesteps = len(alpha_bars)
        self.alpha_bars = tf.constant(alpha_bars, tf.float32)
        net = dict(
            channels=channels,
            blocks=blocks,
            attention=attention,
            dropout=dropout,
            num_classes=num_classes,
        )
        self.unet = UNet(self.shape_[-1], name="unet", **net)
        self.ema_unet = UNet(self.shape_[-1], name="ema_unet", **net)
        self.config = {
            "shape": self.shape_,
            "channels": tuple(channels),
            "blocks": blocks,
            "attention": attention,
            "dropout": dropout,
            "num_classes": num_classes,
            "ema": ema,
            "label_dropout": label_dropout,
            "seed": seed,
        }
        self.loss_tracker = keras.metrics.Mean(name="loss")

    @property
    def metrics(self):
        return [self.loss_tracker]

    def get_config(self):  # saving writes it; loading rebuilds from settings instead
        return {**super().get_config(), **self.config}

    def build_all(self):
        """Create every variable; the moving average starts as a copy of the weights."""
        import numpy as np

        x = np.zeros((1, *self.shape_), "float32")
        t = np.zeros((1,), "int32")
        y = t if self.num_classes else None
        self.unet(x, t, y)
        self.ema_unet(x, t, y)
        for e, w in zip(self.ema_unet.weights, self.unet.weights, strict=True):
            e.assign(w)
        self.ema_unet.trainable = False
        self(x)  # builds the Keras model itself

    def count_params(self) -> int:
        """The U-Net's parameters (its moving-average copy is not counted)."""
        return self.unet.count_params()

    def call(self, x):  # eps at t = 0 by the trained weights (Keras needs a call)
        t = tf.zeros([tf.shape(x)[0]], tf.int32)
        y = tf.fill([tf.shape(x)[0]], self.num_classes) if self.num_classes else None
        return self.unet(x, t, y)

    # -- training -------------------------------------------------------------------------
    def _draw(self, batch, shape, stream, distribution="normal"):
        from zoo_keras.model import replayable_normal

        return replayable_normal(
            batch,
            shape,
            seed=self.seed,
            step=self.optimizer.iterations,
            stream=stream,
            streams=6,
            distribution=distribution,
        )

    def _loss(self, data, training: bool):
        """Per-image simple loss: the mean squared error of the predicted noise."""
        x, y = data if self.num_classes else (data, None)
        x0 = tf.cast(x, tf.float32) * 2.0 - 1.0
        b = tf.shape(x0)[0]
        first = 0 if training else 3  # test passes draw from their own streams
        u = self._draw(b, (), first, "uniform")
        t = tf.minimum(tf.cast(u * self.timesteps, tf.int32), self.timesteps - 1)
        noise = self._draw(b, self.shape_, first + 1)
        if self.num_classes:
            y = tf.cast(y, tf.int32)
            if training and self.label_dropout > 0:
                drop = self._draw(b, (), first + 2, "uniform") < self.label_dropout
                y = tf.where(drop, self.num_classes, y)
        eps = self.unet(q_sample(x0, t, noise, self.alpha_bars), t, y, training=training)
        return tf.reduce_mean(tf.square(noise - eps), axis=[1, 2, 3])

    def update_ema(self):
        """``ema <- d ema + (1 - d) w`` with ``d = min(ema, (1 + n) / (10 + n))`` after
        ``n`` optimizer steps."""
        n = tf.cast(self.optimizer.iterations, tf.float32)
        d = tf.minimum(self.ema_decay, (1.0 + n) / (10.0 + n))
        for e, w in zip(self.ema_unet.weights, self.unet.weights):
            e.assign(d * e + (1.0 - d) * w)

    def train_step(self, data):
        with tf.GradientTape() as tape:
            per_image = self._loss(data, training=True)
            loss = tf.nn.compute_average_loss(per_image)
        grads = tape.gradient(loss, self.unet.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.unet.trainable_variables))
        self.update_ema()
        self.loss_tracker.update_state(tf.reduce_mean(per_image))
        return {"loss": self.loss_tracker.result()}

    def test_step(self, data):
        self.loss_tracker.update_state(tf.reduce_mean(self._loss(data, training=False)))
        return {"loss": self.loss_tracker.result()}

    # -- sampling ---------------------------------------------------------------------------
    def predict_eps(self, x, t, y=None, guidance=0.0):
        """The averaged network's noise prediction; with labels and ``guidance`` w > 0,
        ``(1 + w) eps(x, y) - w eps(x)`` in one batched call."""
        if y is None or not self.num_classes:
            return self.ema_unet(
                x, t, None if not self.num_classes else tf.fill(tf.shape(t), self.num_classes)
            )
        if guidance == 0.0:
            return self.ema_unet(x, t, y)
        both = self.ema_unet(
            tf.concat([x, x], 0),
            tf.concat([t, t], 0),
            tf.concat([y, tf.fill(tf.shape(y), self.num_classes)], 0),
        )
        cond, uncond = tf.split(both, 2, axis=0)
        return (1.0 + guidance) * cond - guidance * uncond

    def sample_step(self, x, t, t_prev, noise, y, guidance, eta):
        """One sampling step for a batch at timestep ``t`` (a scalar tensor; ``t_prev = -1``
        is the last): ``(x_prev, x_0)``. Traced once and called per step."""
        b = tf.shape(x)[0]
        tt = tf.fill([b], t)
        ab_t = tf.gather(self.alpha_bars, tt)
        ab_prev = tf.where(
            t_prev >= 0, tf.gather(self.alpha_bars, tf.maximum(t_prev, 0)), 1.0
        ) * tf.ones([b])
        eps = self.predict_eps(x, tt, y, guidance)
        return denoise_step(x, eps, ab_t, ab_prev, eta, noise)
