"""VAE training throughput: zoo's pipeline and model vs the seed notebook's plain script.

Both train the same architecture on the real Fashion-MNIST train split for the same number
of steps at batch 128, after a warm-up; images/s is the median of the repeats. One
invocation measures both sides, each in a fresh process (the seed's script is measured
before and after zoo's, and averaged): zoo as `zoo run` trains (op determinism on), the
seed's script as the notebook runs it (off). The seed's way: `model.fit` on a NumPy array, sigmoid output and
`binary_crossentropy` in a custom train_step.

    python bench/vae_throughput.py [--steps 150] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
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


def rates(side: str, variant: str, extra: dict, steps: int, repeats: int) -> list[float]:
    """Images/s of ``repeats`` timed runs of ``steps`` steps, after a warm-up."""
    data = FashionMNIST(FashionMNIST.Settings())
    v = VARIANTS[variant]
    if side == "seed":
        x, _ = data.arrays("train")
        vae = seed_vae(v.get("latent_dim", 2), *v.get("filters", (32, 64)), v.get("dense", 16))

        def run(n):
            vae.fit(x[:n * 128], epochs=1, batch_size=128, verbose=0)
    else:
        tf.config.experimental.enable_op_determinism()  # as `zoo run` trains
        model = ConvVAE(VAESettings(**v, **extra), FashionMNIST.spec(None))
        model.build(seed=0)
        ds = data.pipeline("train", 128, seed=0).map(lambda x, y: x)

        def run(n):
            model.vae.fit(ds, steps_per_epoch=n, epochs=1, shuffle=False, verbose=0)
    run(5)  # trace and warm up
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run(steps)
        out.append(steps * 128 / (time.perf_counter() - t0))
    return out


CONFIGS = {"f32": ("float32 (default)", {}),
           "spe8": ("float32, steps_per_execution=8", {"steps_per_execution": 8}),
           "bf16": ("mixed_bfloat16", {"precision": "mixed_bfloat16"})}


def measure(side, variant, config, steps, repeats) -> float:
    """One side in its own process, so each runs as it would on its own."""
    out = subprocess.run([sys.executable, __file__, "--worker", side, "--variant", variant,
                          "--config", config, "--steps", str(steps), "--repeats",
                          str(repeats)], capture_output=True, text=True, check=True)
    return statistics.median(json.loads(out.stdout.strip().splitlines()[-1]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--worker", choices=("zoo", "seed"))
    ap.add_argument("--variant", default="vae_2d")
    ap.add_argument("--config", default="f32")
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(rates(args.worker, args.variant, CONFIGS[args.config][1], args.steps,
                               args.repeats)))
        return
    print(f"{'model':8s} {'zoo setting':32s} {'zoo img/s':>10s} {'seed img/s':>11s} "
          f"{'ratio':>6s}", flush=True)
    for variant in ("vae_2d", "vae_4d"):
        seed = [measure("seed", variant, "f32", args.steps, args.repeats)]
        zoo = {c: measure("zoo", variant, c, args.steps, args.repeats) for c in CONFIGS}
        seed.append(measure("seed", variant, "f32", args.steps, args.repeats))
        s = statistics.mean(seed)
        for c, (label, _) in CONFIGS.items():
            print(f"{variant:8s} {label:32s} {zoo[c]:10,.0f} {s:11,.0f} {zoo[c] / s:6.2f}",
                  flush=True)


if __name__ == "__main__":
    main()
