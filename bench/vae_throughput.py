"""VAE training throughput: zoo's pipeline and model vs the seed notebook's plain script.

Both train the same architecture on the real Fashion-MNIST train split for the same number
of steps at batch 128 in this one process, alternating, after a warm-up; images/s is the
median of the repeats. zoo is timed as `zoo run` trains (op determinism on), the seed's
script as the notebook runs it (off). The seed's way: `model.fit` on a NumPy array, sigmoid output and
`binary_crossentropy` in a custom train_step.

    python bench/vae_throughput.py [--steps 150] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import layers  # noqa: E402

from zoo_fashion_mnist.dataset import FashionMNIST  # noqa: E402
from zoo_vae.model import ConvVAE  # noqa: E402
from zoo_vae.settings import VARIANTS, VAESettings  # noqa: E402


# -- the seed notebook's model, as it writes it ---------------------------------------------
class Sampling(layers.Layer):
    def call(self, inputs):
        z_mean, z_log_var = inputs
        eps = keras.random.normal(tf.shape(z_mean))
        return z_mean + tf.exp(0.5 * z_log_var) * eps


def seed_vae(latent_dim, f0, f1, dense):
    inp = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(f0, 3, activation="relu", strides=2, padding="same")(inp)
    x = layers.Conv2D(f1, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Flatten()(x)
    x = layers.Dense(dense, activation="relu")(x)
    z_mean = layers.Dense(latent_dim)(x)
    z_log_var = layers.Dense(latent_dim)(x)
    encoder = keras.Model(inp, [z_mean, z_log_var, Sampling()([z_mean, z_log_var])])
    lat = keras.Input(shape=(latent_dim,))
    x = layers.Dense(7 * 7 * f1, activation="relu")(lat)
    x = layers.Reshape((7, 7, f1))(x)
    x = layers.Conv2DTranspose(f1, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Conv2DTranspose(f0, 3, activation="relu", strides=2, padding="same")(x)
    out = layers.Conv2DTranspose(1, 3, activation="sigmoid", padding="same")(x)
    decoder = keras.Model(lat, out)

    class VAE(keras.Model):
        def __init__(self):
            super().__init__()
            self.encoder, self.decoder = encoder, decoder

        def train_step(self, data):
            with tf.GradientTape() as tape:
                z_mean, z_log_var, z = self.encoder(data)
                rec = self.decoder(z)
                rec_loss = tf.reduce_mean(keras.losses.binary_crossentropy(data, rec)) * 784
                kl = -0.5 * tf.reduce_mean(1 + z_log_var - tf.square(z_mean) - tf.exp(z_log_var))
                loss = rec_loss + kl
            grads = tape.gradient(loss, self.trainable_weights)
            self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
            return {"loss": loss}

    vae = VAE()
    vae.compile(optimizer=keras.optimizers.Adam())
    return vae


def time_seed(vae, x, steps):
    """The seed's way: no op determinism (as the notebook runs)."""
    tf.config.experimental.disable_op_determinism()
    t0 = time.perf_counter()
    vae.fit(x[:steps * 128], epochs=1, batch_size=128, verbose=0)
    return steps * 128 / (time.perf_counter() - t0)


def time_zoo(model, ds, steps):
    """zoo's way, as `zoo run` trains: deterministic ops (same seed, same numbers)."""
    tf.config.experimental.enable_op_determinism()
    t0 = time.perf_counter()
    model.vae.fit(ds, steps_per_epoch=steps, epochs=1, shuffle=False, verbose=0)
    return steps * 128 / (time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    data = FashionMNIST(FashionMNIST.Settings())
    x, _ = data.arrays("train")
    spec = FashionMNIST.spec(None)
    print(f"{'model':8s} {'variant of zoo':34s} {'zoo img/s':>10s} {'seed img/s':>11s} "
          f"{'ratio':>6s}")
    for name in ("vae_2d", "vae_4d"):
        v = VARIANTS[name]
        configs = [("float32, steps_per_execution=1", {}),
                   ("float32, steps_per_execution=8", {"steps_per_execution": 8}),
                   ("mixed_bfloat16", {"precision": "mixed_bfloat16"})]
        for label, extra in configs:
            keras.config.set_dtype_policy("float32")
            seed = seed_vae(v.get("latent_dim", 2), *v.get("filters", (32, 64)),
                            v.get("dense", 16))
            model = ConvVAE(VAESettings(**v, **extra), spec)
            model.build(seed=0)
            ds = data.pipeline("train", 128, seed=0)
            time_zoo(model, ds, 5)  # trace and warm up
            keras.config.set_dtype_policy("float32")
            time_seed(seed, x, 5)
            zoo_r, seed_r = [], []
            for _ in range(args.repeats):
                keras.config.set_dtype_policy(model.settings.precision)
                zoo_r.append(time_zoo(model, ds, args.steps))
                keras.config.set_dtype_policy("float32")
                seed_r.append(time_seed(seed, x, args.steps))
            z, s = statistics.median(zoo_r), statistics.median(seed_r)
            print(f"{name:8s} {label:34s} {z:10,.0f} {s:11,.0f} {z / s:6.2f}", flush=True)
    keras.config.set_dtype_policy("float32")


if __name__ == "__main__":
    main()
