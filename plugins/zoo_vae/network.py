"""The convolutional VAE in Keras 3, as the seed notebook builds it, with the loss fixed.

The loss is the negative ELBO per image, in nats:
    -ELBO(x) = -E_q[log p(x|z)] + beta * KL(q(z|x) || N(0, I))
with a Bernoulli decoder whose reconstruction term is computed from logits, and the KL
summed over the latent dimensions (the seed averaged it, weighting it by 1/latent_dim).
"""

from __future__ import annotations

import math

import keras
import tensorflow as tf
from keras import layers

LOG_2PI = math.log(2.0 * math.pi)


# -- encoder and decoder ------------------------------------------------------------------
def build_encoder(input_shape, latent_dim: int, filters, dense: int) -> keras.Model:
    inputs = keras.Input(shape=input_shape)
    x = layers.Conv2D(filters[0], 3, strides=2, padding="same", activation="relu")(inputs)
    x = layers.Conv2D(filters[1], 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Flatten()(x)
    x = layers.Dense(dense, activation="relu")(x)
    z_mean = layers.Dense(latent_dim, name="z_mean", dtype="float32")(x)
    z_log_var = layers.Dense(latent_dim, name="z_log_var", dtype="float32")(x)
    return keras.Model(inputs, [z_mean, z_log_var], name="encoder")


def build_decoder(output_shape, latent_dim: int, filters) -> keras.Model:
    h, w, c = output_shape
    inputs = keras.Input(shape=(latent_dim,))
    x = layers.Dense((h // 4) * (w // 4) * filters[1], activation="relu")(inputs)
    x = layers.Reshape((h // 4, w // 4, filters[1]))(x)
    x = layers.Conv2DTranspose(filters[1], 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Conv2DTranspose(filters[0], 3, strides=2, padding="same", activation="relu")(x)
    # logits: the sigmoid lives in the loss, where it is numerically stable
    logits = layers.Conv2DTranspose(c, 3, padding="same", dtype="float32", name="logits")(x)
    return keras.Model(inputs, logits, name="decoder")


# -- the loss, as the math says -------------------------------------------------------------
def reconstruction_nll(x, logits):
    """-log p(x|z) per image: Bernoulli cross-entropy from logits, summed over pixels."""
    per_pixel = tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=logits)
    return tf.reduce_sum(tf.reshape(per_pixel, [tf.shape(x)[0], -1]), axis=1)


def kl_divergence(z_mean, z_log_var):
    """KL(N(mu, sigma^2) || N(0, I)) per image, summed over latent dimensions."""
    return -0.5 * tf.reduce_sum(1.0 + z_log_var - tf.square(z_mean) - tf.exp(z_log_var), axis=1)


def log_normal(z, mean, log_var):
    return -0.5 * tf.reduce_sum(LOG_2PI + log_var + tf.square(z - mean) * tf.exp(-log_var),
                                axis=-1)


@keras.saving.register_keras_serializable(package="zoo_vae")
class VAE(keras.Model):
    """Encoder + decoder with a custom train/test step; metrics are per-image means."""

    def __init__(self, encoder, decoder, beta: float = 1.0, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.encoder, self.decoder = encoder, decoder
        self.beta, self.seed = float(beta), int(seed)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.rec_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_tracker = keras.metrics.Mean(name="kl_loss")

    @property
    def metrics(self):
        return [self.loss_tracker, self.rec_tracker, self.kl_tracker]

    def call(self, x, training=False):
        z_mean, _ = self.encoder(x, training=training)
        return self.decoder(z_mean, training=training)

    def noise(self, batch, dim, stream: int, step=None):
        """Reparameterisation noise, replayable from (seed, stream, optimizer step): a
        resumed run draws the same noise as an uninterrupted one (see
        :func:`zoo_core.replayable_normal`)."""
        from zoo_core.keras_model import replayable_normal

        step = self.optimizer.iterations if step is None else step
        return replayable_normal(batch, [dim], seed=self.seed, step=step, stream=stream)

    def losses_of(self, x, eps):
        """(reconstruction, kl) per image for noise ``eps``."""
        z_mean, z_log_var = self.encoder(x, training=True)
        z = z_mean + tf.exp(0.5 * z_log_var) * eps
        logits = self.decoder(z, training=True)
        return reconstruction_nll(x, logits), kl_divergence(z_mean, z_log_var)

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
        x = data[0] if isinstance(data, (tuple, list)) else data
        eps = self.noise(tf.shape(x)[0], self.encoder.outputs[0].shape[-1], stream=0)
        with tf.GradientTape() as tape:
            rec, kl = self.losses_of(x, eps)
            per_image = rec + self.beta * kl
            # mean over the global batch, so replicas' gradients sum to the batch mean
            loss = tf.nn.compute_average_loss(per_image)
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        return self._update(rec, kl, per_image)

    def held_out_terms(self, x):
        """(reconstruction, kl) per image with fixed noise: every held-out pass of the same
        images gives the same numbers."""
        eps = self.noise(tf.shape(x)[0], self.encoder.outputs[0].shape[-1], stream=1, step=0)
        z_mean, z_log_var = self.encoder(x, training=False)
        logits = self.decoder(z_mean + tf.exp(0.5 * z_log_var) * eps, training=False)
        return reconstruction_nll(x, logits), kl_divergence(z_mean, z_log_var)

    def test_step(self, data):
        x = data[0] if isinstance(data, (tuple, list)) else data
        rec, kl = self.held_out_terms(x)
        return self._update(rec, kl, rec + self.beta * kl)

    def get_config(self):
        return {**super().get_config(), "beta": self.beta, "seed": self.seed,
                "encoder": keras.saving.serialize_keras_object(self.encoder),
                "decoder": keras.saving.serialize_keras_object(self.decoder)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        encoder = keras.saving.deserialize_keras_object(config.pop("encoder"))
        decoder = keras.saving.deserialize_keras_object(config.pop("decoder"))
        return cls(encoder, decoder, **config)


def iwae_nll(vae: VAE, x, k: int, seed: int):
    """Importance-weighted estimate of -log p(x) per image (k samples from q(z|x)).

    log p(x) >= logmeanexp_k [log p(x|z_k) + log p(z_k) - log q(z_k|x)], which is never
    below the ELBO and tightens as k grows.
    """
    z_mean, z_log_var = vae.encoder(x, training=False)
    b, d = tf.shape(z_mean)[0], tf.shape(z_mean)[1]
    eps = tf.random.stateless_normal([k, b, d], seed=[seed, 7])
    z = z_mean[None] + tf.exp(0.5 * z_log_var)[None] * eps  # (k, b, d)
    logits = vae.decoder(tf.reshape(z, [-1, d]), training=False)
    xk = tf.tile(x, [k, 1, 1, 1])
    log_px_z = -tf.reshape(reconstruction_nll(xk, logits), [k, b])
    log_pz = log_normal(z, 0.0, 0.0)
    log_qz = log_normal(z, z_mean[None], z_log_var[None])
    log_w = log_px_z + log_pz - log_qz
    return -(tf.reduce_logsumexp(log_w, axis=0) - tf.math.log(tf.cast(k, log_w.dtype)))
