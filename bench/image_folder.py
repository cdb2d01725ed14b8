"""The ``images`` dataset's input pipeline against ``keras.utils.image_dataset_from_directory``
on a 50,000-image folder, each side in its own process, feeding the same network.

    python bench/image_folder.py make /tmp/folder50k        # 50,000 64x64 RGB PNGs, 9 classes
    python bench/image_folder.py zoo /tmp/folder50k         # one side: prints a JSON line
    python bench/image_folder.py keras /tmp/folder50k       # the other side
    python bench/image_folder.py compare /tmp/folder50k     # both, alternated: a warm-up, 2 rounds

Each side reads the folder at 32x32 (scaled, centre-cropped), in shuffled batches of 128,
and reports: images/s over one pass of its input pipeline alone, images/s over one epoch of
``model.fit`` of the same small CNN classifier (``zoo_keras.features.build_classifier``), and
its process's peak memory. Keras' side is written as its documentation runs it: the
``tf.data.Dataset`` it returns, scaled to [0, 1] and prefetched (it decodes the files in
every epoch); zoo's decodes once into its ``uint8`` cache (the first process's time is
reported apart) and streams from it after.

The folder is made from the ``emoji`` dataset's drawings (random zoom, shift and background
tint), so it is the same on every machine with the project's set-up.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
SIZE, BATCH = 32, 128


def make(folder: Path, n: int = 50_000) -> None:
    import numpy as np
    from PIL import Image

    from zoo_core import settings as S
    from zoo_images.emoji import Emoji

    source = Emoji(S.resolve(Emoji.Settings))
    listing = source.listing
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    for i in range(n):
        k = int(rng.integers(len(listing.files)))
        with Image.open(listing.root / listing.files[k]) as im:
            im = im.convert("RGB")
        scale = rng.uniform(0.45, 0.6)
        im = im.resize((int(136 * scale), int(128 * scale)), Image.Resampling.BILINEAR)
        tint = tuple(int(v) for v in rng.integers(200, 256, 3))
        canvas = Image.new("RGB", (64, 64), tint)
        canvas.paste(im, tuple(int(v) for v in rng.integers(-6, 8, 2)))
        cls = listing.class_names[listing.labels[k]].replace(" & ", "_").replace(" ", "_")
        (folder / cls).mkdir(parents=True, exist_ok=True)
        canvas.save(folder / cls / f"{i:05d}.png")
    print(f"{n} images in {folder} ({time.perf_counter() - t0:.0f} s)")


def network(classes: int):
    import keras

    from zoo_keras.features import build_classifier

    keras.utils.set_random_seed(0)
    net = build_classifier((SIZE, SIZE, 3), classes)
    trainer = keras.Model(net.input, net.output[1])
    trainer.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        jit_compile=False,
    )
    return trainer


def measure(ds, steps: int, n: int, classes: int) -> dict:
    t0 = time.perf_counter()
    for _ in ds.take(steps):
        pass
    pipeline = n / (time.perf_counter() - t0)
    trainer = network(classes)
    trainer.fit(ds.take(2), epochs=1, verbose=0)  # trace the step outside the clock
    t0 = time.perf_counter()
    trainer.fit(ds, epochs=1, steps_per_epoch=steps, verbose=0, shuffle=False)
    epoch = n / (time.perf_counter() - t0)
    return {"pipeline_img_s": round(pipeline), "epoch_img_s": round(epoch)}


def zoo_side(folder: Path) -> dict:
    from zoo_core import settings as S
    from zoo_images.dataset import ImageFolder
    from zoo_keras.pipeline import steps_per_epoch

    data = ImageFolder(S.resolve(ImageFolder.Settings, {"path": str(folder), "size": SIZE}))
    t0 = time.perf_counter()
    n = data.num_examples("all")  # decodes into the cache the first time
    ready = time.perf_counter() - t0
    ds = data.pipeline("all", BATCH, seed=0)
    steps = steps_per_epoch(n, BATCH)
    out = measure(ds, steps, n, len(data.listing.class_names))
    return {"side": "zoo", "images": n, "ready_s": round(ready, 2), **out}


def keras_side(folder: Path) -> dict:
    import keras
    import tensorflow as tf

    t0 = time.perf_counter()
    ds = keras.utils.image_dataset_from_directory(
        folder,
        image_size=(SIZE, SIZE),
        crop_to_aspect_ratio=True,
        batch_size=BATCH,
        shuffle=True,
        seed=0,
        verbose=False,
    )
    classes = len(ds.class_names)
    n = sum(len(files) for _, _, files in os.walk(folder))
    ready = time.perf_counter() - t0
    ds = ds.map(lambda x, y: (x / 255.0, y), num_parallel_calls=tf.data.AUTOTUNE).prefetch(
        tf.data.AUTOTUNE
    )
    steps = -(-n // BATCH)
    out = measure(ds.repeat(), steps, n, classes)
    return {"side": "keras", "images": n, "ready_s": round(ready, 2), **out}


def compare(folder: Path, rounds: int = 2) -> None:
    from benchlib import cpu_info, record, row

    results: dict[str, list[dict]] = {"zoo": [], "keras": []}
    for r in range(rounds + 1):  # round 0 builds zoo's cache and warms the file cache
        for side in ("zoo", "keras"):
            proc = subprocess.run(
                [sys.executable, __file__, side, str(folder)],
                capture_output=True,
                text=True,
                check=True,
            )
            got = json.loads(proc.stdout.strip().splitlines()[-1])
            print(f"round {r} {side}: {got}")
            if r > 0:
                results[side].append(got)

    def spread(side, key):
        values = [g[key] for g in results[side]]
        return f"{statistics.median(values):,.0f} ({min(values):,.0f}-{max(values):,.0f})"

    print(cpu_info())
    rows = []
    for key, what in (
        ("pipeline_img_s", "input pipeline alone, images/s"),
        ("epoch_img_s", "training epoch (same CNN), images/s"),
        ("peak_rss_mb", "peak memory of the process, MB"),
    ):
        for side in ("zoo", "keras"):
            rows.append(row(f"{side}: {what}", spread(side, key)))
            print(f"{side:6s} {what}: median {spread(side, key)}")
    record("image_folder", rows)


def main():
    mode, folder = sys.argv[1], Path(sys.argv[2])
    if mode == "make":
        make(folder, int(sys.argv[3]) if len(sys.argv) > 3 else 50_000)
        return
    if mode == "compare":
        compare(folder)
        return
    got = zoo_side(folder) if mode == "zoo" else keras_side(folder)
    got["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(got))


if __name__ == "__main__":
    main()
