"""A diffusion-shaped stub family: it can only ``sample`` (an iterative sampler), no latent.

A tiny denoiser learns to predict the noise of ``x_t = sqrt(a) x + sqrt(1 - a) eps`` for a
random noise level ``a`` (the DDPM objective, Ho et al. 2020, with a continuous level);
``sample`` runs a few deterministic DDIM-style steps from pure noise.

Its contract is checked by a class of its tests, one test per promise (here in
``tests/core/test_contract.py``)::

    from zoo_core.testing import ModelContractTests

    class TestStubDiffusion(ModelContractTests):
        model = "stub_diffusion"
        dataset = "fashion_mnist"
        sets = ("limit=128",)   # a run of seconds
        progress = 2            # epochs
"""

from dataclasses import dataclass

import numpy as np

from zoo_core import SAMPLE, MetricInfo, hookimpl
from zoo_keras import KerasModel


@dataclass(frozen=True)
class Settings:
    epochs: int = 3
    batch_size: int = 64
    steps: int = 4


def network(shape, seed):
    import keras
    import tensorflow as tf
    from keras import layers

    from zoo_keras import replayable_normal

    dim = int(np.prod(shape))
    x_in, a_in = keras.Input((dim,)), keras.Input((1,))
    h = layers.Dense(32, activation="relu")(layers.Concatenate()([x_in, a_in]))
    denoiser = keras.Model([x_in, a_in], layers.Dense(dim)(h), name="denoiser")

    class Diffusion(keras.Model):
        def __init__(self):
            super().__init__()
            self.denoiser = denoiser
            self.tracker = keras.metrics.Mean(name="loss")

        @property
        def metrics(self):
            return [self.tracker]

        def call(self, inputs):
            return self.denoiser(inputs)

        def loss_of(self, x, step, stream):
            b = tf.shape(x)[0]
            x = tf.reshape(x, [b, dim])
            noise = replayable_normal(b, [dim + 1], seed=seed, step=step, stream=stream)
            a = tf.sigmoid(noise[:, :1] * 2.0)
            eps = noise[:, 1:]
            x_t = tf.sqrt(a) * x + tf.sqrt(1.0 - a) * eps
            return tf.reduce_mean(tf.square(self.denoiser([x_t, a]) - eps))

        def train_step(self, x):
            with tf.GradientTape() as tape:
                loss = self.loss_of(x, self.optimizer.iterations, 0)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            self.tracker.update_state(loss)
            return {"loss": self.tracker.result()}

        def test_step(self, x):
            self.tracker.update_state(self.loss_of(x, 0, 1))
            return {"loss": self.tracker.result()}

    model = Diffusion()
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    model.build([(None, dim), (None, 1)])
    return model


class StubDiffusion(KerasModel):
    """Diffusion-shaped stub: a denoiser and an iterative sampler; sample only."""

    Settings = Settings
    capabilities = frozenset({SAMPLE})
    metrics = (MetricInfo("loss", "mse", "loss", "noise prediction error"),)

    def build_network(self, seed):
        return network(tuple(self.data_spec.element_shape), seed)

    def sample(self, n, *, seed, labels=None):
        shape = tuple(self.data_spec.element_shape)
        x = np.random.default_rng(seed).standard_normal((n, int(np.prod(shape))))
        levels = np.linspace(0.05, 0.95, self.settings.steps + 1)
        for a, a_next in zip(levels[:-1], levels[1:]):
            eps = self.net.denoiser([x.astype("float32"), np.full((n, 1), a, "float32")])
            x0 = (x - np.sqrt(1 - a) * np.asarray(eps)) / np.sqrt(a)
            x = np.sqrt(a_next) * x0 + np.sqrt(1 - a_next) * np.asarray(eps)
        return np.clip(x0, 0.0, 1.0).reshape((n, *shape)).astype("float32")


@hookimpl
def register_models(register):
    register("stub_diffusion", StubDiffusion)
