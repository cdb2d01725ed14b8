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


class Denoiser(keras.Model):
    """The U-Net, its moving average, and the training loop both models of the family share;
    a subclass says what the network is trained to predict (:meth:`_loss`) and how its time
    input is scaled (:meth:`net_time`).

    Images come in and go out in [0, 1]; inside they are scaled to [-1, 1] (the paper's
    data scaling). ``num_classes > 0``: class-conditional with label dropout."""

    #: The dtype of the time the network is called with (integer steps, or float times).
    time_dtype = tf.int32

    def __init__(
        self,
        shape,
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

    def net_time(self, t):
        """The time as the U-Net's embedding takes it."""
        return t

    def build_all(self):
        """Create every variable; the moving average starts as a copy of the weights."""
        import numpy as np

        x = np.zeros((1, *self.shape_), "float32")
        t = np.zeros((1,), self.time_dtype.as_numpy_dtype)
        y = np.zeros((1,), "int32") if self.num_classes else None
        self.unet(x, self.net_time(t), y)
        self.ema_unet(x, self.net_time(t), y)
        for e, w in zip(self.ema_unet.weights, self.unet.weights, strict=True):
            e.assign(w)
        self.ema_unet.trainable = False
        self(x)  # builds the Keras model itself

    def count_params(self) -> int:
        """The U-Net's parameters (its moving-average copy is not counted)."""
        return self.unet.count_params()

    def call(self, x):  # the prediction at t = 0 by the trained weights (Keras needs a call)
        t = tf.zeros([tf.shape(x)[0]], self.time_dtype)
        y = tf.fill([tf.shape(x)[0]], self.num_classes) if self.num_classes else None
        return self.unet(x, self.net_time(t), y)

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

    def _labels(self, data, training: bool, stream: int):
        """Images in [-1, 1] and labels (the null label with probability ``label_dropout``
        while training; ``None`` for an unconditional network)."""
        x, y = data if self.num_classes else (data, None)
        x0 = tf.cast(x, tf.float32) * 2.0 - 1.0
        if self.num_classes:
            y = tf.cast(y, tf.int32)
            if training and self.label_dropout > 0:
                drop = self._draw(tf.shape(x0)[0], (), stream, "uniform") < self.label_dropout
                y = tf.where(drop, self.num_classes, y)
        return x0, y

    def _loss(self, data, training: bool):
        raise NotImplementedError

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
    def guided(self, x, t, y=None, guidance=0.0):
        """The averaged network's prediction at ``t`` (a scalar for the batch, or one each);
        with labels and ``guidance`` w > 0, ``(1 + w) f(x, y) - w f(x)`` (classifier-free
        guidance, Ho & Salimans 2022) in one batched call. Traced once per batch shape and
        called per network evaluation."""
        tt = self.net_time(tf.broadcast_to(tf.cast(t, self.time_dtype), [tf.shape(x)[0]]))
        if y is None or not self.num_classes:
            null = None if not self.num_classes else tf.fill(tf.shape(tt), self.num_classes)
            return self.ema_unet(x, tt, null)
        if guidance == 0.0:
            return self.ema_unet(x, tt, y)
        both = self.ema_unet(
            tf.concat([x, x], 0),
            tf.concat([tt, tt], 0),
            tf.concat([y, tf.fill(tf.shape(y), self.num_classes)], 0),
        )
        cond, uncond = tf.split(both, 2, axis=0)
        return (1.0 + guidance) * cond - guidance * uncond


class DDPM(Denoiser):
    """The noise predictor ``eps_theta(x_t, t)`` of Ho et al., trained with the simple loss
    at a uniformly drawn integer ``t`` of the schedule ``alpha_bars``."""

    def __init__(self, shape, alpha_bars, **kw):
        super().__init__(shape, **kw)
        self.timesteps = len(alpha_bars)
        self.alpha_bars = tf.constant(alpha_bars, tf.float32)

    def _loss(self, data, training: bool):
        """Per-image simple loss: the mean squared error of the predicted noise."""
        first = 0 if training else 3  # test passes draw from their own streams
        x0, y = self._labels(data, training, first + 2)
        b = tf.shape(x0)[0]
        u = self._draw(b, (), first, "uniform")
        t = tf.minimum(tf.cast(u * self.timesteps, tf.int32), self.timesteps - 1)
        noise = self._draw(b, self.shape_, first + 1)
        eps = self.unet(q_sample(x0, t, noise, self.alpha_bars), t, y, training=training)
        return tf.reduce_mean(tf.square(noise - eps), axis=[1, 2, 3])

    def predict_eps(self, x, t, y=None, guidance=0.0):
        """The (guided) noise prediction at timestep ``t``."""
        return self.guided(x, t, y, guidance)


class FlowMatching(Denoiser):
    """The velocity field ``v_theta(x_t, t)`` of a straight-path flow from noise (``t = 0``)
    to data (``t = 1``): Lipman, Chen, Ben-Hamu, Nickel & Le (2023), "Flow Matching for
    Generative Modeling", with ``sigma_min = 0``, which is the rectified flow of Liu, Gong &
    Liu (2023). Training minimises the conditional flow-matching loss
    ``|| v_theta((1 - t) z + t x, t) - (x - z) ||^2`` with ``z ~ N(0, I)`` and ``t`` drawn
    ``uniform`` (Lipman et al.) or ``logit_normal`` (Esser et al. 2024, "Scaling Rectified
    Flow Transformers", Sec. 3.1: ``t = sigmoid(n)``, ``n ~ N(0, 1)``, which spends the
    training on the middle of the path, where the velocity is hardest to predict).

    The U-Net is the DDPM's; its sinusoidal time embedding is fed ``1000 t`` so its
    frequencies cover the same range as for the integer timesteps it was designed for."""

    time_dtype = tf.float32

    def __init__(self, shape, *, time_sampling="logit_normal", **kw):
        super().__init__(shape, **kw)
        self.time_sampling = time_sampling

    def net_time(self, t):
        return tf.cast(t, tf.float32) * 1000.0

    def draw_time(self, b, stream):
        if self.time_sampling == "uniform":
            return self._draw(b, (), stream, "uniform")
        return tf.sigmoid(self._draw(b, (), stream))

    def _loss(self, data, training: bool):
        """Per-image conditional flow-matching loss."""
        first = 0 if training else 3
        x1, y = self._labels(data, training, first + 2)
        b = tf.shape(x1)[0]
        t = self.draw_time(b, first)
        z = self._draw(b, self.shape_, first + 1)
        tt = t[:, None, None, None]
        v = self.unet((1.0 - tt) * z + tt * x1, self.net_time(t), y, training=training)
        return tf.reduce_mean(tf.square(v - (x1 - z)), axis=[1, 2, 3])
