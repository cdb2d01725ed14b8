"""DDPM training throughput against a plain-Keras script of the same U-Net and loss, and
DDIM sampling throughput per step count.

The training peer is written the way keras-io's "Denoising Diffusion Implicit Models"
example trains: a ``keras.Model`` with its own ``train_step`` drawing its noise and
timesteps with ``tf.random`` each step, the EMA update in the step, ``compile(optimizer=
Adam)`` and ``model.fit(x, batch_size=64, epochs=...)`` on a NumPy array. It subclasses the
plugin's network (``zoo_diffusion.network.DDPM``) and changes only how noise is drawn, so
both sides compute the same U-Net, loss and moving average. zoo's side is the network built
and compiled by the plugin as ``zoo run ddpm`` builds it (op determinism on, replayable
noise, its ``tf.data`` pipeline), trained with ``fit``. Both train only (no test pass, no
checkpoints) for ``--epochs`` full epochs over the first ``--images`` training images;
the figure is images/s of the epochs after the first (the first traces the step). Each side
runs in its own process, the order alternating between rounds; median and spread (min-max)
over rounds, and the ratio of the medians.

Sampling: the plugin's ``sample`` (one traced step function called per step, 500 images a
batch) of ``--sample-n`` images at each DDIM step count, after one warm-up call; images/s
and milliseconds per image.

    python bench/ddpm_throughput.py [--epochs 2] [--rounds 2] [--images 3200]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from benchlib import cpu_info, epoch_timer, record, row

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

BATCH = 64


def worker(side: str, images: int, epochs: int, variant: str) -> dict:
    from zoo_diffusion.model import DDPMModel
    from zoo_diffusion.settings import VARIANTS, DDPMSettings
    from zoo_fashion_mnist.dataset import FashionMNIST

    data = FashionMNIST(FashionMNIST.Settings(limit=images))
    x, _ = data.arrays("train")
    settings = DDPMSettings(**VARIANTS[variant])
    timer = epoch_timer()
    if side == "keras":
        import keras
        import tensorflow as tf

        from zoo_diffusion.network import DDPM
        from zoo_diffusion.schedule import alpha_bars

        class PlainDDPM(DDPM):  # noise and timesteps as the Keras example draws them
            def _draw(self, batch, shape, stream, distribution="normal"):
                draw = tf.random.uniform if distribution == "uniform" else tf.random.normal
                return draw([batch, *shape])

        s = settings
        net = PlainDDPM(
            x.shape[1:],
            alpha_bars(s.schedule, s.timesteps),
            channels=s.channels,
            blocks=s.blocks,
            attention=s.attention,
            dropout=s.dropout,
            ema=s.ema,
        )
        net.compile(optimizer=keras.optimizers.Adam(s.learning_rate))
        net.build_all()
        net.fit(x, batch_size=BATCH, epochs=epochs, verbose=0, callbacks=[timer])
    else:
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()  # as `zoo run` trains
        model = DDPMModel(settings, FashionMNIST.spec(None))
        steps = -(-len(x) // BATCH)
        model.steps_per_epoch = steps
        net = model.build_network(seed=0)
        ds = data.pipeline("train", BATCH, seed=0).map(lambda x, y: x)
        net.fit(
            ds, steps_per_epoch=steps, epochs=epochs, shuffle=False, verbose=0, callbacks=[timer]
        )
    return {"img_s": [len(x) / t for t in timer.seconds]}


def sampling(n: int, step_counts, variant: str) -> list[tuple[int, float]]:
    import dataclasses

    from zoo_diffusion.model import DDPMModel
    from zoo_diffusion.settings import VARIANTS, DDPMSettings
    from zoo_fashion_mnist.dataset import FashionMNIST

    model = DDPMModel(DDPMSettings(**VARIANTS[variant]), FashionMNIST.spec(None))
    model.net = model.build_network(0)
    model.sample(n, seed=0)  # traces the step once
    out = []
    for k in step_counts:
        model.settings = dataclasses.replace(model.settings, sampler="ddim", steps=k)
        t0 = time.perf_counter()
        model.sample(n, seed=1)
        out.append((k, n / (time.perf_counter() - t0)))
    return out


def measure(side, images, epochs, variant) -> list[float]:
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--worker",
            side,
            "--images",
            str(images),
            "--epochs",
            str(epochs),
            "--variant",
            variant,
        ],
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(f"{side} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])["img_s"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=2, help="full epochs per process (>= 2)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--images", type=int, default=3200, help="training images per epoch")
    ap.add_argument("--sample-n", type=int, default=500, help="images per sampling figure")
    ap.add_argument("--steps", default="10,25,50,100", help="DDIM step counts to time")
    ap.add_argument("--variant", default="ddpm")
    ap.add_argument("--worker", choices=("zoo", "keras"))
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.images, args.epochs, args.variant)))
        return
    if args.epochs < 2:
        raise SystemExit("--epochs must be at least 2 (the first epoch traces the step)")
    print(
        f"# {cpu_info()}\n# {args.variant}: {args.epochs} full epochs of {args.images:,} "
        f"images per process, batch {BATCH}, images/s of epochs 2..{args.epochs}; "
        f"{args.rounds} rounds, order alternating",
        flush=True,
    )
    results: dict = {"keras": [], "zoo": []}
    for r in range(args.rounds):
        for side in ("keras", "zoo") if r % 2 == 0 else ("zoo", "keras"):
            rate = statistics.median(measure(side, args.images, args.epochs, args.variant)[1:])
            results[side].append(rate)
            print(f"#   round {r + 1}: {side}: {rate:,.1f} img/s", flush=True)
    k, z = (statistics.median(results[s]) for s in ("keras", "zoo"))
    for side, label in (("keras", "plain Keras (model.fit on NumPy)"), ("zoo", "zoo")):
        vals = results[side]
        print(
            f"{label:34s} median {statistics.median(vals):8,.1f} img/s  spread "
            f"{min(vals):,.1f}-{max(vals):,.1f}"
        )
    print(f"ratio zoo / plain Keras: {z / k:.2f}x")
    rows = [
        row(
            f"{args.variant} training img/s; peer: plain-Keras fit of the same U-Net",
            f"{z:,.1f}",
            f"{k:,.1f}",
            f"{z / k:.2f}x",
            f"{min(results['zoo']):,.1f}-{max(results['zoo']):,.1f} vs "
            f"{min(results['keras']):,.1f}-{max(results['keras']):,.1f}, "
            f"{args.rounds} rounds",
            ">= 1.0x",
        )
    ]
    steps = [int(s) for s in args.steps.split(",")]
    for k_steps, rate in sampling(args.sample_n, steps, args.variant):
        print(
            f"DDIM {k_steps:4d} steps: {rate:8,.1f} img/s  ({1000 / rate:,.1f} ms/img, "
            f"{rate * k_steps:,.0f} image-steps/s)"
        )
        rows.append(
            row(
                f"{args.variant} DDIM sampling, {k_steps} steps, img/s",
                f"{rate:,.1f}",
                "",
                "",
                f"{args.sample_n} images, batch 500",
                "",
            )
        )
    record("ddpm_throughput", rows)


if __name__ == "__main__":
    main()
