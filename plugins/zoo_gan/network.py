"""The GAN networks and their adversarial steps, in Keras 3, as Keras' own GAN examples
build them: one ``keras.Model`` holding generator and discriminator, two optimizers, a custom
``train_step``.

DCGAN (Radford et al. 2016, "Unsupervised Representation Learning with Deep Convolutional
Generative Adversarial Networks"): strided convolutions both ways, batch norm in both
networks except the generator's output and the discriminator's input layer, ReLU in the
generator and LeakyReLU(0.2) in the discriminator, tanh output, Adam 2e-4 / beta_1 0.5, and
the non-saturating generator loss of Goodfellow et al. (2014). Departures: two stride-2
layers each way (28x28 images; the paper's four were for 64x64), kernel 4, and a dense
layer from the noise to the first 7x7 feature map (as the paper's projection).

WGAN-GP (Gulrajani et al. 2017, "Improved Training of Wasserstein GANs"): the same
generator, a critic without batch norm, the gradient penalty
lambda * (||grad_x D(x_hat)||_2 - 1)^2 at random interpolates x_hat of real and generated
images (lambda = 10), n_critic = 5 critic updates per generator update, each on its own
real batch. Departure: Adam 2e-4 with beta = (0.5, 0.9), the values of keras-io's
Fashion-MNIST WGAN-GP, instead of Algorithm 1's 1e-4 and (0, 0.9), which in the same 10
epochs on a 2-core CPU reached a 2,000-sample FID of 170.6 against 119.7 (docs/gans.md); the
paper's values are one ``--set learning_rate=1e-4 --set beta_1=0`` away.

Images are scaled to [-1, 1] for the networks (tanh output, as the paper); the model's
``decode``/``sample`` return [0, 1].
"""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import layers

from zoo_keras import replayable_normal


def build_generator(shape, latent_dim: int, filters) -> keras.Model:
    h, w, c = shape
    z = keras.Input(shape=(latent_dim,))
    x = layers.Dense((h // 4) * (w // 4) * filters[1], use_bias=False)(z)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.Reshape((h // 4, w // 4, filters[1]))(x)
    x = layers.Conv2DTranspose(filters[0], 4, strides=2, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    out = layers.Conv2DTranspose(
        c, 4, strides=2, padding="same", activation="tanh", dtype="float32"
    )(x)
    return keras.Model(z, out, name="generator")


def build_discriminator(
    shape, filters, batch_norm: bool = True, name: str = "discriminator"
) -> keras.Model:
    """Real/fake logit (DCGAN) or critic score (WGAN-GP: ``batch_norm=False``, since the
    penalty is per example and batch norm mixes examples)."""
    x_in = keras.Input(shape=shape)
    x = layers.Conv2D(filters[0], 4, strides=2, padding="same")(x_in)
    x = layers.LeakyReLU(0.2)(x)
    x = layers.Conv2D(filters[1], 4, strides=2, padding="same", use_bias=not batch_norm)(x)
    if batch_norm:
        x = layers.BatchNormalization()(x)
    x = layers.LeakyReLU(0.2)(x)
    x = layers.Flatten()(x)
    return keras.Model(x_in, layers.Dense(1, dtype="float32")(x), name=name)


def gradient_penalty(critic, real, fake, alpha):
    """lambda-free penalty: mean over the batch of (||grad_x critic(x_hat)||_2 - 1)^2 with
    x_hat = alpha * real + (1 - alpha) * fake, alpha of shape (batch, 1, 1, 1)."""
    x_hat = alpha * real + (1.0 - alpha) * fake
    with tf.GradientTape() as tape:
        tape.watch(x_hat)
        scores = critic(x_hat, training=True)
    grads = tape.gradient(scores, x_hat)
    norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]) + 1e-12)
    return tf.reduce_mean(tf.square(norms - 1.0))


@keras.saving.register_keras_serializable(package="zoo_gan")
class GAN(keras.Model):
    """Generator + discriminator (or critic) with two optimizers and an adversarial step.

    ``objective``: ``"dcgan"`` (non-saturating loss, one discriminator and one generator update
    per batch) or ``"wgan_gp"`` (a batch of ``n_critic`` x batch_size images: one critic
    update per chunk, then one generator update). Noise comes from
    :func:`zoo_keras.replayable_normal` keyed by the generator's step, so a resumed run
    draws what an uninterrupted one would.
    """

    def __init__(
        self,
        generator,
        discriminator,
        *,
        objective: str = "dcgan",
        seed: int = 0,
        n_critic: int = 1,
        gp_weight: float = 10.0,
        **kwargs,
    ):
        objective = kwargs.pop("kind", objective)  # its name in models saved before
        super().__init__(**kwargs)
        self.generator, self.discriminator = generator, discriminator
        self.objective, self.seed = objective, int(seed)
        self.n_critic = int(n_critic) if objective == "wgan_gp" else 1
        self.gp_weight = float(gp_weight)
        self.latent_dim = int(generator.inputs[0].shape[-1])
        names = (
            ("d_loss", "g_loss", "d_real")
            if objective == "dcgan"
            else ("critic_loss", "g_loss", "wasserstein", "gp")
        )
        self.trackers = {n: keras.metrics.Mean(name=n) for n in names}

    @property
    def metrics(self):
        return list(self.trackers.values())

    def get_config(self):
        return {
            **super().get_config(),
            "objective": self.objective,
            "seed": self.seed,
            "n_critic": self.n_critic,
            "gp_weight": self.gp_weight,
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        generator = keras.saving.deserialize_keras_object(config.pop("generator"))
        discriminator = keras.saving.deserialize_keras_object(config.pop("discriminator"))
        return cls(generator, discriminator, **config)

    def compile(self, d_optimizer, g_optimizer, **kwargs):
        super().compile(**kwargs)
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer

    def build_optimizers(self):
        """Each optimizer on its own network's variables (before a checkpoint loads)."""
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)

    def call(self, z, training=False):
        return self.generator(z, training=training)

    def noise(self, batch, stream: int, distribution="normal", shape=None):
        """Noise for one use within a generator step: streams 0..n_critic-1 feed the fakes
        of the critic updates, n_critic..2n_critic-1 their interpolation weights, 2n_critic
        the generator update (DCGAN: 0 and 2)."""
        return replayable_normal(
            batch,
            shape or [self.latent_dim],
            seed=self.seed,
            step=self.g_optimizer.iterations,
            stream=stream,
            streams=2 * self.n_critic + 1,
            distribution=distribution,
        )

    # -- the steps ---------------------------------------------------------------------
    def train_step(self, data):
        real = data[0] if isinstance(data, (tuple, list)) else data
        real = real * 2.0 - 1.0  # [0, 1] -> the tanh range
        logs = self._dcgan_step(real) if self.objective == "dcgan" else self._wgan_gp_step(real)
        for name, value in logs.items():
            self.trackers[name].update_state(value)
        return {name: t.result() for name, t in self.trackers.items()}

    def _dcgan_step(self, real):
        batch = tf.shape(real)[0]
        bce = tf.nn.sigmoid_cross_entropy_with_logits
        fake = self.generator(self.noise(batch, 0), training=True)
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(fake, training=True)
            d_loss = tf.reduce_mean(
                bce(labels=tf.ones_like(real_logits), logits=real_logits)
            ) + tf.reduce_mean(bce(labels=tf.zeros_like(fake_logits), logits=fake_logits))
        grads = tape.gradient(d_loss, self.discriminator.trainable_variables)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_variables))
        with tf.GradientTape() as tape:
            fake_logits = self.discriminator(
                self.generator(self.noise(batch, 2), training=True), training=True
            )
            # non-saturating: maximise log D(G(z)) rather than minimise log(1 - D(G(z)))
            g_loss = tf.reduce_mean(bce(labels=tf.ones_like(fake_logits), logits=fake_logits))
        grads = tape.gradient(g_loss, self.generator.trainable_variables)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_variables))
        return {
            "d_loss": d_loss,
            "g_loss": g_loss,
            "d_real": tf.reduce_mean(tf.sigmoid(real_logits)),
        }

    def critic_update(self, real, stream: int):
        """One critic update on one real batch; returns (loss, wasserstein, penalty)."""
        batch = tf.shape(real)[0]
        fake = self.generator(self.noise(batch, stream), training=True)
        alpha = self.noise(batch, self.n_critic + stream, "uniform", [1, 1, 1])
        with tf.GradientTape() as tape:
            w = tf.reduce_mean(self.discriminator(real, training=True)) - tf.reduce_mean(
                self.discriminator(fake, training=True)
            )
            gp = gradient_penalty(self.discriminator, real, fake, alpha)
            loss = -w + self.gp_weight * gp
        grads = tape.gradient(loss, self.discriminator.trainable_variables)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_variables))
        return loss, w, gp

    def _wgan_gp_step(self, real):
        # n_critic real batches, one per critic update (a short last batch of an epoch is
        # cut to a multiple of n_critic)
        batch = tf.shape(real)[0] // self.n_critic
        chunks = tf.reshape(
            real[: batch * self.n_critic],
            tf.concat([[self.n_critic, batch], tf.shape(real)[1:]], 0),
        )
        totals = [0.0, 0.0, 0.0]
        for i in range(self.n_critic):
            for k, v in enumerate(self.critic_update(chunks[i], i)):
                totals[k] += v
        with tf.GradientTape() as tape:
            scores = self.discriminator(
                self.generator(self.noise(batch, 2 * self.n_critic), training=True), training=True
            )
            g_loss = -tf.reduce_mean(scores)
        grads = tape.gradient(g_loss, self.generator.trainable_variables)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_variables))
        n = float(self.n_critic)
        return {
            "critic_loss": totals[0] / n,
            "g_loss": g_loss,
            "wasserstein": totals[1] / n,
            "gp": totals[2] / n,
        }
