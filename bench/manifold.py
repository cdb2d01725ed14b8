"""The 30x30 manifold: the seed's loop (one `decoder.predict` per cell) vs one batched decode.

python bench/manifold.py
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from zoo_fashion_mnist.dataset import FashionMNIST  # noqa: E402
from zoo_vae.model import ConvVAE  # noqa: E402
from zoo_vae.settings import VAESettings  # noqa: E402
from zoo_visualizers.manifold import Manifold  # noqa: E402


def seed_loop(decoder, n=30, scale=2.0):
    """The notebook's plot_latent, minus the plotting."""
    figure = np.zeros((28 * n, 28 * n))
    grid_x = np.linspace(-scale, scale, n)
    grid_y = np.linspace(-scale, scale, n)[::-1]
    for i, yi in enumerate(grid_y):
        for j, xi in enumerate(grid_x):
            x_decoded = decoder.predict(np.array([[xi, yi]]), verbose=0)
            figure[i * 28 : (i + 1) * 28, j * 28 : (j + 1) * 28] = x_decoded[0].reshape(28, 28)
    return figure


def main():
    model = ConvVAE(VAESettings(), FashionMNIST.spec(None))
    model.build()
    viz = Manifold(Manifold.Settings())
    model.decode(np.zeros((1, 2), "float32"))  # warm up both paths
    seed_loop(model.vae.decoder, n=2)
    t0 = time.perf_counter()
    images = viz.grid(model, None)[0]
    batched = time.perf_counter() - t0
    t0 = time.perf_counter()
    seed_loop(model.vae.decoder)
    loop = time.perf_counter() - t0
    print(f"30x30 manifold, {images.shape[0]} cells")
    print(f"  seed loop (900 predict calls): {loop:8.3f} s")
    print(f"  zoo manifold (one batch):      {batched:8.3f} s")
    print(f"  speed-up:                      {loop / batched:8.1f}x")
    from benchlib import record, row

    record(
        "manifold",
        [
            row(
                "30x30 manifold, s (the notebook's 900 predict calls)",
                f"{batched:.3f}",
                f"{loop:.3f}",
                f"{loop / batched:.1f}x faster",
            )
        ],
    )


if __name__ == "__main__":
    main()
