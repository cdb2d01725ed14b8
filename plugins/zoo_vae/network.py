"""The convolutional VAE in Keras 3, as the seed notebook builds it, with the loss fixed.

The loss is the negative ELBO per image, in nats:
    -ELBO(x) = -E_q[log p(x|z)] + beta * KL(q(z|x) || N(0, I))
with a Bernoulli decoder whose reconstruction term is computed from logits, and the KL
summed over the latent dimensions (the seed averaged it, weighting it by 1/latent_dim).

beta != 1 is the beta-VAE of Higgins et al. (2017); ``kl_warmup_steps`` raises beta linearly
from 0 over the first steps (Bowman et al. 2016, "Generating Sentences from a Continuous
Space"), the usual remedy for posterior collapse. The held-out pass always weighs the KL by
the configured beta, so epochs compare; the ``elbo`` metric reports the beta = 1 bound.

Conditional (``num_classes`` > 0): the conditional VAE of Sohn et al. (2015), with the class
as a one-hot vector concatenated to the encoder's dense layer input and to the decoder's
latent input. One-hot rather than a learned embedding: with ten classes an embedding adds
parameters and nothing the first dense layer cannot learn from the one-hot code. As in Sohn
et al., the prior may be conditional too (``conditional_prior``): p(z|y) = N(mu_y,
diag sigma_y^2), learned (a zero-initialised linear map of the one-hot label, so training
starts from N(0, I)); the KL is then to p(z|y), and samples of class y come from p(z|y),
where that class's encodings lie, rather than from a standard normal whose mass partly
falls where the class has none (measured: see docs/vae-family.md).
"""

from __future__ import annotations

import math

import keras
import tensorflow as tf
from keras import layers

from . import layers as zoo_layers

LOG_2PI = math.log(2.0 * math.pi)


# -- encoder and decoder ------------------------------------------------------------------
def build_encoder(
    input_shape, latent_dim: int, filters, dense: int, num_classes: int = 0
) -> keras.Model:
    """Images (and, when ``num_classes``, one-hot labels) -> (z_mean, z_log_var)."""
    inputs = keras.Input(shape=input_shape)
    x = layers.Conv2D(filters[0], 3, strides=2, padding="same", activation="relu")(inputs)
    x = layers.Conv2D(filters[1], 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Flatten()(x)
    if num_classes:
        label = keras.Input(shape=(num_classes,), name="label")
        x = layers.Concatenate()([x, label])
        inputs = [inputs, label]
    x = layers.Dense(dense, activation="relu")(x)
    z_mean = layers.Dense(latent_dim, name="z_mean", dtype="float32")(x)
    z_log_var = layers.Dense(latent_dim, name="z_log_var", dtype="float32")(x)
    return keras.Model(inputs, [z_mean, z_log_var], name="encoder")


def label_maps(label, size):
    """One-hot labels (batch, C) as constant feature maps (batch, H, W, C)."""
    x = layers.Reshape((1, 1, label.shape[-1]))(label)
    return layers.UpSampling2D(size=size)(x)


def build_decoder(
    output_shape,
    latent_dim: int,
    filters,
    num_classes: int = 0,
    every_layer: bool = False,
    logits_dtype: str | None = "float32",
) -> keras.Model:
    """Latent points (and, when ``num_classes``, one-hot labels) -> pixel logits.

    ``every_layer``: the label also enters each transposed convolution, as constant
    feature maps beside its input. ``logits_dtype``: the last layer's dtype (float32, so
    training's loss sees float32 logits under mixed precision; None: the global policy)."""
    h, w, c = output_shape
    inputs = x = keras.Input(shape=(latent_dim,))
    if num_classes:
        label = keras.Input(shape=(num_classes,), name="label")
        x = layers.Concatenate()([x, label])
        inputs = [inputs, label]

    def with_label(x, size):
        if not (num_classes and every_layer):
            return x
        return layers.Concatenate()([x, label_maps(label, size)])

    x = layers.Dense((h // 4) * (w // 4) * filters[1], activation="relu")(x)
    x = layers.Reshape((h // 4, w // 4, filters[1]))(x)
    x = layers.Conv2DTranspose(filters[1], 3, strides=2, padding="same", activation="relu")(
        with_label(x, (h // 4, w // 4))
    )
    x = layers.Conv2DTranspose(filters[0], 3, strides=2, padding="same", activation="relu")(
        with_label(x, (h // 2, w // 2))
    )
    # logits: the sigmoid lives in the loss, where it is numerically stable
    logits = zoo_layers.Conv2DTranspose(c, 3, padding="same", dtype=logits_dtype, name="logits")(x)
    return keras.Model(inputs, logits, name="decoder")


# -- the loss, as the math says -------------------------------------------------------------
def reconstruction_nll(x, logits):
    """-log p(x|z) per image: Bernoulli cross-entropy from logits, summed over pixels."""
    per_pixel = tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=logits)
    return tf.reduce_sum(tf.reshape(per_pixel, [tf.shape(x)[0], -1]), axis=1)


def kl_per_dimension(z_mean, z_log_var):
    """KL(N(mu, sigma^2) || N(0, 1)) per image and latent dimension."""
    return -0.5 * (1.0 + z_log_var - tf.square(z_mean) - tf.exp(z_log_var))


def kl_to_prior(z_mean, z_log_var, p_mean, p_log_var):
    """KL(N(mu, sigma^2) || N(p_mean, p_sigma^2)) per image and latent dimension."""
    return 0.5 * (
        p_log_var
        - z_log_var
        + (tf.exp(z_log_var) + tf.square(z_mean - p_mean)) * tf.exp(-p_log_var)
        - 1.0
    )


def build_prior(latent_dim: int, num_classes: int) -> keras.Model:
    """One-hot labels -> (mean, log variance) of p(z|y); all zeros at the start: N(0, I)."""
    label = keras.Input(shape=(num_classes,), name="label")
    mean = layers.Dense(
        latent_dim, use_bias=False, kernel_initializer="zeros", name="prior_mean", dtype="float32"
    )(label)
    log_var = layers.Dense(
        latent_dim,
        use_bias=False,
        kernel_initializer="zeros",
        name="prior_log_var",
        dtype="float32",
    )(label)
    return keras.Model(label, [mean, log_var], name="prior")


def kl_divergence(z_mean, z_log_var):
    """KL(N(mu, sigma^2) || N(0, I)) per image, summed over latent dimensions."""
    return -0.5 * tf.reduce_sum(1.0 + z_log_var - tf.square(z_mean) - tf.exp(z_log_var), axis=1)


def log_normal(z, mean, log_var):
    return -0.5 * tf.reduce_sum(LOG_2PI + log_var + tf.square(z - mean) * tf.exp(-log_var), axis=-1)


@keras.saving.register_keras_serializable(package="zoo_vae")
class VAE(keras.Model):
    """Encoder + decoder with a custom train/test step; metrics are per-image means.

    A conditional VAE (``num_classes`` > 0) takes ``(images, class indices)`` batches; its
    encoder and decoder take the one-hot label as a second input."""

    def __init__(
        self,
        encoder,
        decoder,
        beta: float = 1.0,
        seed: int = 0,
        num_classes: int = 0,
        kl_warmup_steps: int = 0,
        prior=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.encoder, self.decoder = encoder, decoder
        self.prior = prior  # p(z|y) for a conditional prior; None: N(0, I)
        self.beta, self.seed = float(beta), int(seed)
        self.num_classes, self.kl_warmup_steps = int(num_classes), int(kl_warmup_steps)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.rec_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_tracker = keras.metrics.Mean(name="kl_loss")

    @property
    def metrics(self):
        return [self.loss_tracker, self.rec_tracker, self.kl_tracker]

    @property
    def latent_dim(self) -> int:
        return int(self.encoder.outputs[0].shape[-1])

    # -- the two networks, with the label when conditional ------------------------------
    def split(self, data):
        """``(images, one-hot labels or None)`` from a batch."""
        if not self.num_classes:
            return (data[0] if isinstance(data, (tuple, list)) else data), None
        x, labels = data
        return x, tf.one_hot(tf.cast(labels, tf.int32), self.num_classes)

    def encode(self, x, y=None, training=False):
        return self.encoder(x if y is None else [x, y], training=training)

    def decode(self, z, y=None, training=False):
        return self.decoder(z if y is None else [z, y], training=training)

    def kl_terms(self, z_mean, z_log_var, y=None, per_dimension: bool = False):
        """KL(q(z|x[,y]) || p(z[|y])) per image (or per image and dimension)."""
        if self.prior is None or y is None:
            fn = kl_per_dimension if per_dimension else kl_divergence
            return fn(z_mean, z_log_var)
        p_mean, p_log_var = self.prior(y)
        kl = kl_to_prior(z_mean, z_log_var, p_mean, p_log_var)
        return kl if per_dimension else tf.reduce_sum(kl, axis=1)

    def call(self, inputs, training=False):
        x, y = self.split(inputs)
        z_mean, _ = self.encode(x, y, training=training)
        return self.decode(z_mean, y, training=training)

    def noise(self, batch, dim, stream: int, step=None):
        """Reparameterisation noise, replayable from (seed, stream, optimizer step): a
        resumed run draws the same noise as an uninterrupted one (see
        :func:`zoo_keras.replayable_normal`)."""
        from zoo_keras.model import replayable_normal

        step = self.optimizer.iterations if step is None else step
        return replayable_normal(batch, [dim], seed=self.seed, step=step, stream=stream)

    def beta_at(self, step):
        """The KL weight at optimizer step ``step``: 0 at the first step, rising linearly
        to :attr:`beta` over ``kl_warmup_steps``, then constant."""
        if not self.kl_warmup_steps:
            return tf.constant(self.beta)
        ramp = tf.cast(step, tf.float32) / float(self.kl_warmup_steps)
        return self.beta * tf.minimum(1.0, ramp)

    def losses_of(self, x, eps, y=None):
        """(reconstruction, kl) per image for noise ``eps``."""
        z_mean, z_log_var = self.encode(x, y, training=True)
        z = z_mean + tf.exp(0.5 * z_log_var) * eps
        logits = self.decode(z, y, training=True)
        return reconstruction_nll(x, logits), self.kl_terms(z_mean, z_log_var, y)

    def _update(self, rec, kl, loss):
        self.loss_tracker.update_state(loss)
        self.rec_tracker.update_state(rec)
        self.kl_tracker.update_state(kl)
        logs = {m.name: m.result() for m in self.metrics}
        if isinstance(tf.distribute.get_strategy(), tf.distribute.MultiWorkerMirroredStrategy):
            # Keras reduces multi-worker step outputs along axis 0: give each one that axis
            logs = {k: tf.reshape(v, [1]) for k, v in logs.items()}
        return logs

    def train_step(self, data):
        x, y = self.split(data)
        eps = self.noise(tf.shape(x)[0], self.latent_dim, stream=0)
        beta = self.beta_at(self.optimizer.iterations)
        with tf.GradientTape() as tape:
            rec, kl = self.losses_of(x, eps, y)
            per_image = rec + beta * kl
            # mean over the global batch, so replicas' gradients sum to the batch mean
            loss = tf.nn.compute_average_loss(per_image)
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        return self._update(rec, kl, per_image)

    def held_out_terms(self, x, y=None, per_dimension: bool = False):
        """(reconstruction, KL) per image with fixed noise: every held-out pass of the same
        images gives the same numbers. ``per_dimension``: the KL of each latent dimension
        (shape (n, latent_dim)) instead of their sum."""
        eps = self.noise(tf.shape(x)[0], self.latent_dim, stream=1, step=0)
        z_mean, z_log_var = self.encode(x, y)
        logits = self.decode(z_mean + tf.exp(0.5 * z_log_var) * eps, y)
        return reconstruction_nll(x, logits), self.kl_terms(z_mean, z_log_var, y, per_dimension)

    def test_step(self, data):
        x, y = self.split(data)
        rec, kl = self.held_out_terms(x, y)
        return self._update(rec, kl, rec + self.beta * kl)

    def get_config(self):
        return {
            **super().get_config(),
            "beta": self.beta,
            "seed": self.seed,
            "num_classes": self.num_classes,
            "kl_warmup_steps": self.kl_warmup_steps,
            "encoder": keras.saving.serialize_keras_object(self.encoder),
            "decoder": keras.saving.serialize_keras_object(self.decoder),
            "prior": None
            if self.prior is None
            else keras.saving.serialize_keras_object(self.prior),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        encoder = keras.saving.deserialize_keras_object(config.pop("encoder"))
        decoder = keras.saving.deserialize_keras_object(config.pop("decoder"))
        prior = config.pop("prior", None)
        prior = None if prior is None else keras.saving.deserialize_keras_object(prior)
        return cls(encoder, decoder, prior=prior, **config)


@tf.function(jit_compile=True)
def _reconstruction_nll_k(x, logits):
    """reconstruction_nll of each of the k decodes (k * b logits, sample-major) against its
    image, (k, b), in float32 whatever decoded: one XLA-fused pass over the logits with the
    images broadcast, no tiled copy of x. (Calling reconstruction_nll on the broadcast
    images instead took twice as long under XLA: 12.5 against 6.5 ms for 4,000 decodes.)"""
    b = tf.shape(x)[0]
    logits = tf.reshape(tf.cast(logits, x.dtype), [-1, b, tf.reduce_prod(tf.shape(x)[1:])])
    labels = tf.broadcast_to(tf.reshape(x, [1, b, -1]), tf.shape(logits))
    return tf.reduce_sum(
        tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits), axis=2
    )


def iwae_nll(vae: VAE, x, k: int, seed: int, y=None, decoder=None):
    """Importance-weighted estimate of -log p(x) per image (k samples from q(z|x)); for a
    conditional VAE, of -log p(x|y) with one-hot labels ``y``.

    log p(x) >= logmeanexp_k [log p(x|z_k) + log p(z_k) - log q(z_k|x)], which is never
    below the ELBO and tightens as k grows. ``decoder``: another form of the same decoder
    for the k decodes, which are nearly all of the work (``zoo_vae.fast_decoder.FastDecoder``,
    in float32 or bfloat16); the log-densities and the sum over pixels stay in float32.
    """
    z_mean, z_log_var = vae.encode(x, y)
    b, d = tf.shape(z_mean)[0], tf.shape(z_mean)[1]
    eps = tf.random.stateless_normal([k, b, d], seed=[seed, 7])
    z = z_mean[None] + tf.exp(0.5 * z_log_var)[None] * eps  # (k, b, d)
    yk = None if y is None else tf.tile(y, [k, 1])
    zk = tf.reshape(z, [-1, d])
    logits = vae.decode(zk, yk) if decoder is None else decoder(zk if yk is None else [zk, yk])
    log_px_z = -_reconstruction_nll_k(x, logits)  # (k, b)
    if vae.prior is not None and y is not None:
        p_mean, p_log_var = vae.prior(y)
        log_pz = log_normal(z, p_mean[None], p_log_var[None])
    else:
        log_pz = log_normal(z, 0.0, 0.0)
    log_qz = log_normal(z, z_mean[None], z_log_var[None])
    log_w = log_px_z + log_pz - log_qz
    return -(tf.reduce_logsumexp(log_w, axis=0) - tf.math.log(tf.cast(k, log_w.dtype)))
