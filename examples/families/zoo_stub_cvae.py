"""A conditional-VAE-shaped stub family: encode, decode and sample all take ``labels=``.

The class label, one-hot, is concatenated to the encoder's input and to the decoder's
latent input (Sohn et al. 2015). It needs a labelled dataset; the default ``batch_input``
of :class:`zoo_keras.KerasModel` hands the network ``(images, labels)``.

Its contract is checked by a class of its tests, one test per promise (here in
``tests/core/test_contract.py``)::

    from zoo_core.testing import ModelContractTests

    class TestStubCvae(ModelContractTests):
        model = "stub_cvae"
        dataset = "fashion_mnist"
        sets = ("limit=128",)   # a run of seconds
        progress = 2            # epochs
"""

from dataclasses import dataclass

import numpy as np

from zoo_core import CONDITIONAL, DECODE, ENCODE, SAMPLE, MetricInfo, hookimpl
from zoo_keras import KerasModel


@dataclass(frozen=True)
class Settings:
    latent_dim: int = 2
    epochs: int = 3
    batch_size: int = 64


def network(shape, classes, latent_dim, seed):
    import keras
    import tensorflow as tf
    from keras import layers

    from zoo_keras import replayable_normal

    dim = int(np.prod(shape))
    x_in, y_in = keras.Input(shape), keras.Input((classes,))
    h = layers.Dense(32, "relu")(layers.Concatenate()([layers.Flatten()(x_in), y_in]))
    encoder = keras.Model([x_in, y_in], [layers.Dense(latent_dim)(h), layers.Dense(latent_dim)(h)])
    z_in, y2 = keras.Input((latent_dim,)), keras.Input((classes,))
    h = layers.Dense(32, "relu")(layers.Concatenate()([z_in, y2]))
    decoder = keras.Model([z_in, y2], layers.Reshape(shape)(layers.Dense(dim)(h)))

    class CVAE(keras.Model):
        def __init__(self):
            super().__init__()
            self.encoder, self.decoder = encoder, decoder
            self.tracker = keras.metrics.Mean(name="loss")

        @property
        def metrics(self):
            return [self.tracker]

        def call(self, inputs):
            x, y = inputs  # images, one-hot labels
            return self.decoder([self.encoder([x, y])[0], y])

        def loss_of(self, x, labels, step, stream):
            y = tf.one_hot(labels, classes)
            mean, log_var = self.encoder([x, y])
            eps = replayable_normal(
                tf.shape(x)[0], [latent_dim], seed=seed, step=step, stream=stream
            )
            logits = self.decoder([mean + tf.exp(0.5 * log_var) * eps, y])
            rec = tf.reduce_sum(
                tf.reshape(
                    tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=logits),
                    [tf.shape(x)[0], -1],
                ),
                1,
            )
            kl = -0.5 * tf.reduce_sum(1 + log_var - mean**2 - tf.exp(log_var), 1)
            return tf.reduce_mean(rec + kl)

        def train_step(self, data):
            x, labels = data
            with tf.GradientTape() as tape:
                loss = self.loss_of(x, labels, self.optimizer.iterations, 0)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            self.tracker.update_state(loss)
            return {"loss": self.tracker.result()}

        def test_step(self, data):
            x, labels = data
            self.tracker.update_state(self.loss_of(x, labels, 0, 1))
            return {"loss": self.tracker.result()}

    model = CVAE()
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    model.build([(None, *shape), (None, classes)])
    return model


class StubCVAE(KerasModel):
    """CVAE-shaped stub: labels reach the encoder and the decoder."""

    Settings = Settings
    capabilities = frozenset({ENCODE, DECODE, SAMPLE, CONDITIONAL})
    metrics = (MetricInfo("loss", "nats/image", "loss", "negative ELBO"),)

    @classmethod
    def latent_shape_of(cls, settings, spec):
        return (int(settings.latent_dim),)

    def build_network(self, seed):
        spec = self.data_spec
        return network(tuple(spec.element_shape), spec.num_classes, self.settings.latent_dim, seed)

    def _onehot(self, labels):
        return np.eye(self.data_spec.num_classes, dtype="float32")[np.asarray(labels)]

    def encode(self, x, labels=None):
        return np.asarray(self.net.encoder([np.asarray(x, "float32"), self._onehot(labels)])[0])

    def decode(self, z, labels=None):
        logits = self.net.decoder([np.asarray(z, "float32"), self._onehot(labels)])
        return (1.0 / (1.0 + np.exp(-np.asarray(logits)))).astype("float32")


@hookimpl
def register_models(register):
    register("stub_cvae", StubCVAE)
