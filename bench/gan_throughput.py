"""WGAN-GP training throughput: `zoo run wgan_gp` vs a plain Keras script of the same networks.

The peer is written the way the keras-io WGAN-GP example is ("WGAN-GP overriding
`Model.train_step`", which trains on Fashion-MNIST): a `keras.Model` subclass holding
generator and critic, `compile(d_optimizer=..., g_optimizer=...)`, a custom `train_step`
with `tf.random` noise, the gradient penalty from a `GradientTape`, and `model.fit` on the
NumPy train array scaled to [-1, 1]. It runs the same algorithm as zoo (each of the
n_critic = 5 critic updates on its own batch of 64, so a `fit` batch holds 320 images; the
keras-io example reuses one batch for its critic updates, which is less work per image and
so not the same work) with the same networks (`zoo_gan.network.build_generator` /
`build_discriminator`). Both train full epochs of the 60,000-image train split; zoo with its
per-epoch FID and progress samples off (`fid_every=0`, `progress_points=0`), so both sides do
the same work. Each side runs in its own process, alternated `--rounds` times; a side's figure
is the median over its epochs after the first (the first includes tracing), and the table
prints the median and the spread (min-max) over rounds.

    python bench/gan_throughput.py [--epochs 2] [--rounds 2]

(``--limit N`` trains on the first N images only: a quick check that the script runs, not a
figure to report.)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def keras_io_style(epochs: int, limit: int = 0) -> list[float]:
    """Seconds per epoch of the plain-Keras peer."""
    import keras
    import tensorflow as tf

    from zoo_fashion_mnist.dataset import FashionMNIST
    from zoo_gan.network import build_discriminator, build_generator

    latent, n_critic, batch, gp_weight = 128, 5, 64, 10.0
    x, _ = FashionMNIST(FashionMNIST.Settings()).arrays("train")
    x = (x[: limit or None] * 2.0 - 1.0).astype("float32")  # keras-io: (x - 127.5) / 127.5

    class WGAN(keras.Model):
        def __init__(self, discriminator, generator):
            super().__init__()
            self.discriminator, self.generator = discriminator, generator

        def compile(self, d_optimizer, g_optimizer):
            super().compile()
            self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer

        def gradient_penalty(self, b, real, fake):
            alpha = tf.random.uniform([b, 1, 1, 1], 0.0, 1.0)
            interpolated = real + alpha * (fake - real)
            with tf.GradientTape() as gp_tape:
                gp_tape.watch(interpolated)
                pred = self.discriminator(interpolated, training=True)
            grads = gp_tape.gradient(pred, [interpolated])[0]
            norm = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]))
            return tf.reduce_mean((norm - 1.0) ** 2)

        def train_step(self, real_images):
            b = tf.shape(real_images)[0] // n_critic
            chunks = tf.reshape(real_images[: b * n_critic], [n_critic, b, 28, 28, 1])
            for i in range(n_critic):
                z = tf.random.normal(shape=(b, latent))
                with tf.GradientTape() as tape:
                    fake = self.generator(z, training=True)
                    fake_logits = self.discriminator(fake, training=True)
                    real_logits = self.discriminator(chunks[i], training=True)
                    d_cost = tf.reduce_mean(fake_logits) - tf.reduce_mean(real_logits)
                    d_loss = d_cost + gp_weight * self.gradient_penalty(b, chunks[i], fake)
                grads = tape.gradient(d_loss, self.discriminator.trainable_variables)
                self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_variables))
            z = tf.random.normal(shape=(b, latent))
            with tf.GradientTape() as tape:
                g_loss = -tf.reduce_mean(
                    self.discriminator(self.generator(z, training=True), training=True)
                )
            grads = tape.gradient(g_loss, self.generator.trainable_variables)
            self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_variables))
            return {"d_loss": d_loss, "g_loss": g_loss}

    wgan = WGAN(
        build_discriminator((28, 28, 1), (64, 128), batch_norm=False, name="critic"),
        build_generator((28, 28, 1), latent, (64, 128)),
    )
    wgan.compile(
        d_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9),
        g_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9),
    )
    from benchlib import epoch_timer

    timer = epoch_timer()
    wgan.fit(x, batch_size=batch * n_critic, epochs=epochs, callbacks=[timer], verbose=0)
    return timer.seconds


def zoo_side(epochs: int, limit: int = 0) -> list[float]:
    """Seconds per epoch of `zoo run wgan_gp`, from the run's own metrics.json."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        zoo = Path(sys.executable).with_name("zoo")
        subprocess.run(
            [
                str(zoo),
                "run",
                "wgan_gp",
                "--dataset",
                "fashion_mnist",
                "--epochs",
                str(epochs),
                "--set",
                "fid_every=0",
                "--set",
                "progress_points=0",
                *(["--set", f"limit={limit}"] if limit else []),
                "--no-viz",
                "--out",
                str(out),
            ],
            check=True,
            capture_output=True,
        )
        return [h["seconds"] for h in json.loads((out / "metrics.json").read_text())["history"]]


def measure(side: str, epochs: int, limit: int = 0) -> float:
    """Training images/s of one side in a fresh process (median of epochs 2..)."""
    if side == "zoo":
        times = zoo_side(epochs, limit)
    else:
        out = subprocess.run(
            [sys.executable, __file__, "--worker", "--epochs", str(epochs), "--limit", str(limit)],
            capture_output=True,
            text=True,
            check=True,
        )
        times = json.loads(out.stdout.strip().splitlines()[-1])
    return (limit or 60_000) / statistics.median(times[1:] or times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--worker", action="store_true")
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(keras_io_style(args.epochs, args.limit)))
        return
    import multiprocessing

    import tensorflow as tf

    print(
        f"cpus {multiprocessing.cpu_count()}, tensorflow {tf.__version__}, intra-op threads "
        f"{tf.config.threading.get_intra_op_parallelism_threads() or 'default'}, epochs per "
        f"process {args.epochs}, rounds {args.rounds}, images per epoch "
        f"{args.limit or 60_000:,}",
        flush=True,
    )
    got = {"keras-io style": [], "zoo": []}
    for r in range(args.rounds):
        order = ("keras-io style", "zoo") if r % 2 == 0 else ("zoo", "keras-io style")
        for side in order:
            got[side].append(measure("zoo" if side == "zoo" else "keras", args.epochs, args.limit))
            print(f"round {r + 1} {side:15s} {got[side][-1]:8,.0f} critic img/s", flush=True)
    peer, zoo = (statistics.median(got[k]) for k in ("keras-io style", "zoo"))
    print(f"{'side':15s} {'median img/s':>12s} {'spread':>16s}")
    for k, v in got.items():
        print(f"{k:15s} {statistics.median(v):12,.0f} {min(v):8,.0f}-{max(v):,.0f}")
    print(f"ratio zoo / keras-io style: {zoo / peer:.2f}")
    from benchlib import record, row

    record(
        "gan_throughput",
        [
            row(
                "wgan_gp training, critic img/s (keras-io WGAN-GP script)",
                f"{zoo:,.0f}",
                f"{peer:,.0f}",
                f"{zoo / peer:.2f}x",
                f"zoo {min(got['zoo']):,.0f}-{max(got['zoo']):,.0f}, peer "
                f"{min(got['keras-io style']):,.0f}-{max(got['keras-io style']):,.0f} "
                f"({args.rounds} rounds)",
                "at least the peer",
            )
        ],
    )


if __name__ == "__main__":
    main()
