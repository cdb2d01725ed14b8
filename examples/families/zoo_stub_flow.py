"""A flow-shaped stub family: an invertible map with an exact likelihood.

``z = (x - mu) * exp(-s)`` per pixel (a single element-wise affine flow, the simplest
normalizing flow): ``log p(x) = log N(z; 0, I) - sum(s)`` exactly. The latent is shaped like
the data, so the latent shape comes from the data spec, not from a setting.

Its contract is checked by a class of its tests, one test per promise (here in
``tests/core/test_contract.py``)::

    from zoo_core.testing import ModelContractTests

    class TestStubFlow(ModelContractTests):
        model = "stub_flow"
        dataset = "fashion_mnist"
        sets = ("limit=128",)   # a run of seconds
        progress = 2            # epochs
"""

import math
from dataclasses import dataclass

import numpy as np

from zoo_core import DECODE, ENCODE, LIKELIHOOD, SAMPLE, MetricInfo, hookimpl
from zoo_keras import KerasModel


@dataclass(frozen=True)
class Settings:
    epochs: int = 3
    batch_size: int = 64


def network(shape):
    import keras
    import tensorflow as tf

    class Flow(keras.Model):
        def __init__(self):
            super().__init__()
            self.mu = self.add_weight(shape=shape, initializer="zeros", name="mu")
            self.s = self.add_weight(shape=shape, initializer="zeros", name="log_scale")
            self.tracker = keras.metrics.Mean(name="loss")

        @property
        def metrics(self):
            return [self.tracker]

        def call(self, x):
            return (x - self.mu) * tf.exp(-self.s)

        def log_prob(self, x):
            z = self(x)
            b = tf.shape(x)[0]
            log_n = -0.5 * tf.reduce_sum(tf.reshape(z * z + math.log(2 * math.pi), [b, -1]), 1)
            return log_n - tf.reduce_sum(self.s)

        def train_step(self, x):
            with tf.GradientTape() as tape:
                loss = -tf.reduce_mean(self.log_prob(x))
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            self.tracker.update_state(loss)
            return {"loss": self.tracker.result()}

        def test_step(self, x):
            self.tracker.update_state(-tf.reduce_mean(self.log_prob(x)))
            return {"loss": self.tracker.result()}

    flow = Flow()
    flow.compile(optimizer=keras.optimizers.Adam(1e-2))
    flow.build((None, *shape))
    return flow


class StubFlow(KerasModel):
    """Flow-shaped stub: exact log-likelihood through an invertible element-wise map."""

    Settings = Settings
    capabilities = frozenset({ENCODE, DECODE, SAMPLE, LIKELIHOOD})
    likelihood = "exact"
    metrics = (MetricInfo("loss", "nats/image", "nll", "exact negative log-likelihood"),)

    @classmethod
    def latent_shape_of(cls, settings, spec):
        return tuple(spec.element_shape) if spec is not None else None

    def build_network(self, seed):
        return network(tuple(self.data_spec.element_shape))

    def encode(self, x, labels=None):
        return np.asarray(self.net(np.asarray(x, "float32")))

    def decode(self, z, labels=None):
        x = np.asarray(self.net.mu) + np.asarray(z) * np.exp(np.asarray(self.net.s))
        return np.clip(x, 0.0, 1.0).astype("float32")

    def log_likelihood(self, x, *, seed=0, k=1, labels=None, precision="float32"):
        return np.asarray(self.net.log_prob(np.asarray(x, "float32")))


@hookimpl
def register_models(register):
    register("stub_flow", StubFlow)
