"""VAE training throughput: zoo against the seed notebook as the notebook runs it.

The notebook's side is its own code: the conv VAE with its custom ``train_step`` (three
metrics returned), ``vae.compile(optimizer=keras.optimizers.Adam())`` and
``vae.fit(x, epochs=..., batch_size=128)`` on the NumPy array of the 60,000 training images.
zoo's side is the ``vae_2d`` / ``vae_4d`` network built and compiled by its plugin exactly as
``zoo run`` builds it (same seed path, op determinism on, its ``tf.data`` pipeline of the same
60,000 images, batch 128), trained with ``fit`` on that pipeline. Both sides train only
(no test pass, no checkpoints) for ``--epochs`` full epochs; the figure is images/s of the
epochs after the first (the first traces the step). Each side runs in its own process, the
order alternating between rounds; the table gives the median over rounds and the spread
(min-max), and the ratio of the medians. The machine's CPU flags and thread settings are
printed with the figures.

    python bench/vae_throughput.py [--epochs 2] [--rounds 2] [--variants vae_2d,vae_4d]
                                   [--configs f32,bf16,spe8,...]
    python bench/vae_throughput.py --from-log OUTPUT   # tabulate an earlier run's lines
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys

from benchlib import cpu_info, epoch_timer, record, row

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

BATCH = 128
#: zoo settings tried against the notebook (label, --set values, environment)
CONFIGS = {
    "f32": ("zoo, float32 (default)", {}, {}),
    "bf16": ("zoo, mixed_bfloat16", {"precision": "mixed_bfloat16"}, {}),
    "spe8": ("zoo, steps_per_execution=8", {"steps_per_execution": 8}, {}),
    "jit": ("zoo, jit_compile (XLA)", {"jit_compile": True}, {}),
    "nodet": ("zoo, op determinism off", {}, {"ZOO_BENCH_NO_DETERMINISM": "1"}),
    "threads": (
        "zoo, intra-op 2, inter-op 1",
        {},
        {"TF_NUM_INTRAOP_THREADS": "2", "TF_NUM_INTEROP_THREADS": "1"},
    ),
}


# -- the notebook's model, as it writes it ----------------------------------------------------
def notebook_vae(latent_dim, f0, f1, dense):
    import keras
    import tensorflow as tf
    from keras import layers

    class Sampling(layers.Layer):
        def call(self, inputs):
            z_mean, z_log_var = inputs
            batch = tf.shape(z_mean)[0]
            dim = tf.shape(z_mean)[1]
            epsilon = tf.random.normal(shape=(batch, dim))
            return z_mean + tf.exp(0.5 * z_log_var) * epsilon

    inp = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(f0, 3, activation="relu", strides=2, padding="same")(inp)
    x = layers.Conv2D(f1, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Flatten()(x)
    x = layers.Dense(dense, activation="relu")(x)
    z_mean = layers.Dense(latent_dim, name="z_mean")(x)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(x)
    encoder = keras.Model(inp, [z_mean, z_log_var, Sampling()([z_mean, z_log_var])])
    lat = keras.Input(shape=(latent_dim,))
    x = layers.Dense(7 * 7 * f1, activation="relu")(lat)
    x = layers.Reshape((7, 7, f1))(x)
    x = layers.Conv2DTranspose(f1, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Conv2DTranspose(f0, 3, activation="relu", strides=2, padding="same")(x)
    out = layers.Conv2DTranspose(1, 3, activation="sigmoid", padding="same")(x)
    decoder = keras.Model(lat, out)

    class VAE(keras.Model):
        def __init__(self, encoder, decoder, **kwargs):
            super().__init__(**kwargs)
            self.encoder = encoder
            self.decoder = decoder

        def train_step(self, data):
            if isinstance(data, tuple):
                data = data[0]
            with tf.GradientTape() as tape:
                z_mean, z_log_var, z = encoder(data)
                reconstruction = decoder(z)
                reconstruction_loss = tf.reduce_mean(
                    keras.losses.binary_crossentropy(data, reconstruction)
                )
                reconstruction_loss *= 28 * 28
                kl_loss = 1 + z_log_var - tf.square(z_mean) - tf.exp(z_log_var)
                kl_loss = tf.reduce_mean(kl_loss)
                kl_loss *= -0.5
                total_loss = reconstruction_loss + kl_loss
            grads = tape.gradient(total_loss, self.trainable_weights)
            self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
            return {
                "loss": total_loss,
                "reconstruction_loss": reconstruction_loss,
                "kl_loss": kl_loss,
            }

    vae = VAE(encoder, decoder)
    vae.compile(optimizer=keras.optimizers.Adam())
    return vae


def worker(side: str, variant: str, config: str, epochs: int) -> dict:
    """Train one side for ``epochs`` full epochs; images/s of each epoch."""
    from zoo_fashion_mnist.dataset import FashionMNIST
    from zoo_vae.settings import VARIANTS

    data = FashionMNIST(FashionMNIST.Settings())
    v = VARIANTS[variant]
    timer = epoch_timer()
    if side == "notebook":
        x, _ = data.arrays("train")
        vae = notebook_vae(v.get("latent_dim", 2), *v.get("filters", (32, 64)), v.get("dense", 16))
        vae.fit(x, epochs=epochs, batch_size=BATCH, verbose=0, callbacks=[timer])
        n = len(x)
    else:
        import tensorflow as tf

        from zoo_vae.model import ConvVAE
        from zoo_vae.settings import VAESettings

        label, sets, env = CONFIGS[config]
        if not os.environ.get("ZOO_BENCH_NO_DETERMINISM"):
            tf.config.experimental.enable_op_determinism()  # as `zoo run` trains
        settings = {**v, **{k: val for k, val in sets.items() if k != "jit_compile"}}
        model = ConvVAE(VAESettings(**settings), FashionMNIST.spec(None))
        x, _ = data.arrays("train")
        n = len(x)
        steps = -(-n // BATCH)
        model.steps_per_epoch = steps
        net = model.build_network(seed=0)
        if sets.get("jit_compile"):
            net.jit_compile = True
        from zoo_keras.pipeline import dataset_pipeline

        ds = dataset_pipeline(data, "train", BATCH, seed=0).map(lambda x, y: x)
        net.fit(
            ds, steps_per_epoch=steps, epochs=epochs, shuffle=False, verbose=0, callbacks=[timer]
        )
    return {"img_s": [n / s for s in timer.seconds]}


def thread_info() -> str:
    import tensorflow as tf

    env = {
        k: os.environ[k]
        for k in (
            "OMP_NUM_THREADS",
            "TF_NUM_INTRAOP_THREADS",
            "TF_NUM_INTEROP_THREADS",
            "TF_ENABLE_ONEDNN_OPTS",
        )
        if k in os.environ
    }
    return (
        f"TensorFlow {tf.__version__}, intra-op threads "
        f"{tf.config.threading.get_intra_op_parallelism_threads() or 'auto'}, inter-op "
        f"{tf.config.threading.get_inter_op_parallelism_threads() or 'auto'}; "
        f"environment: {env or 'none set'}"
    )


def measure(side, variant, config, epochs) -> list[float]:
    env = (
        dict(os.environ, **CONFIGS.get(config, (None, None, {}))[2])
        if side == "zoo"
        else dict(os.environ)
    )
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--worker",
            side,
            "--variant",
            variant,
            "--config",
            config,
            "--epochs",
            str(epochs),
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    if out.returncode:
        raise SystemExit(f"{side} {variant} {config} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])["img_s"]


ROUND_LINE = re.compile(r"^#   round (\d+): (\w+) (zoo|notebook) (\w+): ([\d,]+) img/s$")


def report(
    results: dict, variants: list[str], configs: list[str], rounds: int, when: float | None = None
) -> None:
    """The table of medians, spreads and ratios; kept for ``bench/summary.py``."""
    print(f"\n{'model':8s} {'side':32s} {'median img/s':>12s} {'spread':>15s} {'vs notebook':>11s}")
    rows = []
    for variant in variants:
        nb = results[(variant, "notebook", "f32")]
        base = statistics.median(nb)
        for side, c in [("notebook", "f32")] + [("zoo", c) for c in configs]:
            vals = results[(variant, side, c)]
            label = "notebook (model.fit on NumPy)" if side == "notebook" else CONFIGS[c][0]
            med = statistics.median(vals)
            print(
                f"{variant:8s} {label:32s} {med:12,.0f} {min(vals):7,.0f}-{max(vals):<7,.0f} "
                f"{med / base:10.2f}x",
                flush=True,
            )
            if side == "zoo":
                rows.append(
                    row(
                        f"{variant} training img/s, {label.removeprefix('zoo, ')}; peer: the "
                        "notebook",
                        f"{med:,.0f}",
                        f"{base:,.0f}",
                        f"{med / base:.2f}x",
                        f"{min(vals):,.0f}-{max(vals):,.0f} vs {min(nb):,.0f}-{max(nb):,.0f}, "
                        f"{rounds} rounds",
                        ">= 1.3x",
                    )
                )
    record("vae_throughput", rows, when)


def from_log(path: str) -> None:
    """Tabulate the per-process lines of an earlier run's output (one stopped early too)."""
    results: dict = {}
    rounds = 0
    for line in open(path):
        m = ROUND_LINE.match(line.strip())
        if m:
            r, variant, side, config, rate = m.groups()
            results.setdefault((variant, side, config), []).append(float(rate.replace(",", "")))
            rounds = max(rounds, int(r))
    variants = list(dict.fromkeys(k[0] for k in results))
    configs = list(dict.fromkeys(k[2] for k in results if k[1] == "zoo"))
    report(results, variants, configs, rounds, when=os.path.getmtime(path))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=2, help="full epochs per process (>= 2)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--variants", default="vae_2d,vae_4d")
    ap.add_argument("--configs", default="f32", help=f"zoo sides: {','.join(CONFIGS)}")
    ap.add_argument(
        "--from-log",
        metavar="FILE",
        help="only tabulate the round lines of an earlier run's output",
    )
    ap.add_argument("--worker", choices=("zoo", "notebook"))
    ap.add_argument("--variant", default="vae_2d")
    ap.add_argument("--config", default="f32")
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.variant, args.config, args.epochs)))
        return
    if args.from_log:
        return from_log(args.from_log)
    if args.epochs < 2:
        raise SystemExit("--epochs must be at least 2 (the first epoch traces the step)")
    configs = args.configs.split(",")
    print(
        f"# {cpu_info()}\n# {thread_info()}\n# {args.epochs} full epochs of 60,000 images "
        f"per process, batch {BATCH}, images/s of epochs 2..{args.epochs}; {args.rounds} "
        "rounds, order alternating",
        flush=True,
    )
    results: dict = {}
    for r in range(args.rounds):
        for variant in args.variants.split(","):
            sides = [("notebook", "f32")] + [("zoo", c) for c in configs]
            for side, c in sides if r % 2 == 0 else sides[::-1]:
                rates = measure(side, variant, c, args.epochs)[1:]
                results.setdefault((variant, side, c), []).append(statistics.median(rates))
                print(
                    f"#   round {r + 1}: {variant} {side} {c}: "
                    f"{statistics.median(rates):,.0f} img/s",
                    flush=True,
                )
    report(results, args.variants.split(","), configs, args.rounds)


if __name__ == "__main__":
    main()
