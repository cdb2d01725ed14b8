"""Diffusion-family training throughput (``ddpm`` or ``flow_matching``) against a
plain-Keras script of the same U-Net and loss, and sampling throughput per sampler and
number of network evaluations.

The training peer is written the way keras-io's "Denoising Diffusion Implicit Models"
example trains: a ``keras.Model`` with its own ``train_step`` drawing its noise and
timesteps with ``tf.random`` each step, the EMA update in the step, ``compile(optimizer=
Adam)`` and ``model.fit(x, batch_size=64, epochs=...)`` on a NumPy array. It subclasses the
plugin's network (``zoo_diffusion.network.DDPM``) and changes only how noise is drawn, so
both sides compute the same U-Net, loss and moving average. With ``--model flow_matching``
the peer subclasses ``zoo_diffusion.network.FlowMatching`` the same way and is fed as
keras-io's DDIM example feeds its model: a ``tf.data`` pipeline (``from_tensor_slices``,
``shuffle``, ``batch``, ``prefetch``) given to ``fit``. zoo's side is the network built
and compiled by the plugin as ``zoo run ddpm`` builds it (op determinism on, replayable
noise, its ``tf.data`` pipeline), trained with ``fit``. Both train only (no test pass, no
checkpoints) for ``--epochs`` full epochs over the first ``--images`` training images;
the figure is images/s of the epochs after the first (the first traces the step). Each side
runs in its own process, the order alternating between rounds; median and spread (min-max)
over rounds, and the ratio of the medians.

Sampling: the plugin's ``sample`` (one traced network call per evaluation, 500 images a
batch) of ``--sample-n`` images with each of the family's samplers at each NFE, after one
warm-up call; images/s and milliseconds per image.

    python bench/ddpm_throughput.py [--epochs 2] [--rounds 2] [--images 3200]
    python bench/ddpm_throughput.py --model flow_matching
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


def model_class(name: str, variant: str):
    """The plugin's model class and its settings for ``variant``."""
    if name == "flow_matching":
        from zoo_diffusion.flow_matching import FlowMatchingModel
        from zoo_diffusion.settings import FLOW_VARIANTS

        return FlowMatchingModel, FlowMatchingModel.Settings(**FLOW_VARIANTS[variant])
    from zoo_diffusion.model import DDPMModel
    from zoo_diffusion.settings import VARIANTS

    return DDPMModel, DDPMModel.Settings(**VARIANTS[variant])


def worker(side: str, images: int, epochs: int, name: str, variant: str) -> dict:
    from zoo_fashion_mnist.dataset import FashionMNIST

    data = FashionMNIST(FashionMNIST.Settings(limit=images))
    x, _ = data.arrays("train")
    cls, settings = model_class(name, variant)
    timer = epoch_timer()
    if side == "keras":
        import keras
        import tensorflow as tf

        from zoo_diffusion.network import DDPM, FlowMatching
        from zoo_diffusion.schedule import alpha_bars

        def plain(base):
            class Plain(base):  # noise and times as the Keras example draws them
                def _draw(self, batch, shape, stream, distribution="normal"):
                    draw = tf.random.uniform if distribution == "uniform" else tf.random.normal
                    return draw([batch, *shape])

            return Plain

        s = settings
        unet = dict(
            channels=s.channels,
            blocks=s.blocks,
            attention=s.attention,
            dropout=s.dropout,
            ema=s.ema,
        )
        if name == "flow_matching":
            net = plain(FlowMatching)(x.shape[1:], time_sampling=s.time_sampling, **unet)
        else:
            net = plain(DDPM)(x.shape[1:], alpha_bars(s.schedule, s.timesteps), **unet)
        net.compile(optimizer=keras.optimizers.Adam(s.learning_rate))
        net.build_all()
        if name == "flow_matching":  # keras-io's DDIM example: a tf.data pipeline to fit
            feed = (
                tf.data.Dataset.from_tensor_slices(x)
                .shuffle(len(x))
                .batch(BATCH)
                .prefetch(tf.data.AUTOTUNE)
            )
            net.fit(feed, epochs=epochs, verbose=0, callbacks=[timer])
        else:
            net.fit(x, batch_size=BATCH, epochs=epochs, verbose=0, callbacks=[timer])
    else:
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()  # as `zoo run` trains
        model = cls(settings, FashionMNIST.spec(None))
        steps = -(-len(x) // BATCH)
        model.steps_per_epoch = steps
        net = model.build_network(seed=0)
        from zoo_keras.pipeline import dataset_pipeline

        ds = dataset_pipeline(data, "train", BATCH, seed=0).map(lambda x, y: x)
        net.fit(
            ds, steps_per_epoch=steps, epochs=epochs, shuffle=False, verbose=0, callbacks=[timer]
        )
    return {"img_s": [len(x) / t for t in timer.seconds]}


SAMPLERS = {"ddpm": ("ddim", "dpmpp_2m"), "flow_matching": ("euler", "heun")}


def sampling(n: int, step_counts, name: str, variant: str) -> list[tuple[str, int, float]]:
    from zoo_fashion_mnist.dataset import FashionMNIST

    cls, settings = model_class(name, variant)
    model = cls(settings, FashionMNIST.spec(None))
    model.net = model.build_network(0)
    model.sample(n, seed=0, steps=3)  # traces the network call once
    out = []
    for sampler in SAMPLERS[name]:
        for k in step_counts:
            t0 = time.perf_counter()
            model.sample(n, seed=1, sampler=sampler, steps=k)
            nfe = model.sampler(sampler=sampler, steps=k).nfe  # heun: 2K - 1 of them
            out.append((sampler, nfe, n / (time.perf_counter() - t0)))
    return out


def measure(side, images, epochs, name, variant) -> list[float]:
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
            "--model",
            name,
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
    ap.add_argument("--steps", default="5,10,20,50", help="network evaluations to time")
    ap.add_argument("--model", default="ddpm", choices=("ddpm", "flow_matching"))
    ap.add_argument("--variant", default="", help="default: the model's own")
    ap.add_argument("--worker", choices=("zoo", "keras"))
    args = ap.parse_args()
    args.variant = args.variant or args.model
    if args.worker:
        print(json.dumps(worker(args.worker, args.images, args.epochs, args.model, args.variant)))
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
            rate = statistics.median(
                measure(side, args.images, args.epochs, args.model, args.variant)[1:]
            )
            results[side].append(rate)
            print(f"#   round {r + 1}: {side}: {rate:,.1f} img/s", flush=True)
    k, z = (statistics.median(results[s]) for s in ("keras", "zoo"))
    feed = "tf.data" if args.model == "flow_matching" else "NumPy"
    for side, label in (("keras", f"plain Keras (model.fit on {feed})"), ("zoo", "zoo")):
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
    for sampler, k_steps, rate in sampling(args.sample_n, steps, args.model, args.variant):
        print(
            f"{sampler:9s} {k_steps:4d} NFE: {rate:8,.1f} img/s  ({1000 / rate:,.1f} ms/img, "
            f"{rate * k_steps:,.0f} image-evaluations/s)"
        )
        rows.append(
            row(
                f"{args.variant} {sampler} sampling, {k_steps} NFE, img/s",
                f"{rate:,.1f}",
                "",
                "",
                f"{args.sample_n} images, batch 500",
                "",
            )
        )
    record("ddpm_throughput" if args.model == "ddpm" else f"{args.model}_throughput", rows)


if __name__ == "__main__":
    main()
