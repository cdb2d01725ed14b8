"""A GAN-shaped stub family: decode + sample, no encoder, two networks, two optimizers.

The idiom of Keras' own GAN examples: a ``keras.Model`` holding generator and discriminator,
``compile(d_optimizer=..., g_optimizer=...)`` and a custom ``train_step``. Tiny on purpose.

Its contract is checked by a class of its tests, one test per promise (here in
``tests/core/test_contract.py``)::

    from zoo_core.testing import ModelContractTests

    class TestStubGan(ModelContractTests):
        model = "stub_gan"
        dataset = "fashion_mnist"
        sets = ("limit=128",)   # a run of seconds
        progress = 2            # epochs
"""

from dataclasses import dataclass

from zoo_core import DECODE, SAMPLE, MetricInfo, hookimpl
from zoo_keras import KerasModel


@dataclass(frozen=True)
class Settings:
    latent_dim: int = 8
    epochs: int = 3
    batch_size: int = 64


def network(shape, latent_dim, seed):
    import keras
    import numpy as np
    import tensorflow as tf
    from keras import layers

    from zoo_keras import replayable_normal

    class GAN(keras.Model):
        def __init__(self):
            super().__init__()
            self.generator = keras.Sequential(
                [
                    keras.Input((latent_dim,)),
                    layers.Dense(32, "relu"),
                    layers.Dense(int(np.prod(shape)), "sigmoid"),
                    layers.Reshape(shape),
                ]
            )
            self.discriminator = keras.Sequential(
                [keras.Input(shape), layers.Flatten(), layers.Dense(32, "relu"), layers.Dense(1)]
            )
            self.d_tracker = keras.metrics.Mean(name="d_loss")
            self.g_tracker = keras.metrics.Mean(name="g_loss")

        def compile(self, d_optimizer, g_optimizer):
            super().compile()
            self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer

        def build_optimizers(self):
            self.d_optimizer.build(self.discriminator.trainable_variables)
            self.g_optimizer.build(self.generator.trainable_variables)

        @property
        def metrics(self):
            return [self.d_tracker, self.g_tracker]

        def call(self, z):
            return self.generator(z)

        def train_step(self, x):
            bce = keras.losses.BinaryCrossentropy(from_logits=True)
            b = tf.shape(x)[0]
            z = replayable_normal(b, [latent_dim], seed=seed, step=self.g_optimizer.iterations)
            with tf.GradientTape() as tape:
                real, fake = self.discriminator(x), self.discriminator(self.generator(z))
                d_loss = bce(tf.ones_like(real), real) + bce(tf.zeros_like(fake), fake)
            d_vars = self.discriminator.trainable_variables
            self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, d_vars), d_vars))
            z = replayable_normal(
                b, [latent_dim], seed=seed, step=self.g_optimizer.iterations, stream=1
            )
            with tf.GradientTape() as tape:
                fake = self.discriminator(self.generator(z))
                g_loss = bce(tf.ones_like(fake), fake)
            g_vars = self.generator.trainable_variables
            self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, g_vars), g_vars))
            self.d_tracker.update_state(d_loss)
            self.g_tracker.update_state(g_loss)
            return {m.name: m.result() for m in self.metrics}

    gan = GAN()
    gan.compile(
        d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
    )
    gan.build((None, latent_dim))
    return gan


class StubGAN(KerasModel):
    """GAN-shaped stub: generator + discriminator, decode and sample only."""

    Settings = Settings
    capabilities = frozenset({DECODE, SAMPLE})
    has_test_step = False  # no test step: losses of a GAN are not a held-out score
    metrics = (MetricInfo("d_loss", "nats", "d"), MetricInfo("g_loss", "nats", "g"))
    monitor = "g_loss"

    @classmethod
    def latent_shape_of(cls, settings, spec):
        return (int(settings.latent_dim),)

    def build_network(self, seed):
        return network(tuple(self.data_spec.element_shape), self.settings.latent_dim, seed)

    def decode(self, z, labels=None):
        import numpy as np

        return np.asarray(self.net.generator(z))


@hookimpl
def register_models(register):
    register("stub_gan", StubGAN)
