"""``zoo sample``: the model's samples (``Model.sample``), or one latent point decoded."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy loads when first used, so `zoo list` stays quick
    import numpy as np


def image_grid(images: np.ndarray, cols: int | None = None) -> np.ndarray:
    """Tile ``(n, h, w[, c])`` images into one ``(rows*h, cols*w)`` array."""
    import numpy as np
    images = np.asarray(images)
    if images.ndim == 4:
        images = images[..., 0] if images.shape[-1] == 1 else images
    n, h, w = images.shape[:3]
    cols = cols or math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    grid = np.zeros((rows * h, cols * w) + images.shape[3:], dtype=images.dtype)
    for i, img in enumerate(images):
        r, c = divmod(i, cols)
        grid[r * h:(r + 1) * h, c * w:(c + 1) * w] = img
    return grid


def sample_figure(model, run, *, n: int = 64, z=None, seed: int = 0, out=None, title="",
                  label: int | None = None, label_name: str = ""):
    """Draw ``n`` samples (or decode the one point ``z``) into a PNG; return its path.

    ``label``: the class a conditional model is asked for (all ``n`` samples)."""
    import numpy as np
    from matplotlib.figure import Figure

    from .types import CONDITIONAL

    kw = {}
    if CONDITIONAL in model.capabilities:
        count = 1 if z is not None else n
        kw["labels"] = np.full(count, 0 if label is None else label, dtype="int32")
    if z is not None:
        images = model.decode(np.asarray([z], dtype="float32"), **kw)
    else:
        images = model.sample(n, seed=seed, **kw)
    tag = f", {label_name}" if label_name else ""
    fig = Figure(figsize=(6, 6), layout="constrained")
    ax = fig.add_subplot()
    if z is not None:
        im = ax.imshow(images[0, ..., 0], cmap="Greys_r", vmin=0, vmax=1)
        fig.colorbar(im, ax=ax)
        ax.set_title(f"z = [{', '.join(f'{v:g}' for v in z)}]{tag}")
        default = run.figures / ("point_" + "_".join(f"{v:g}" for v in z) + ".png")
    else:
        ax.imshow(image_grid(images), cmap="Greys_r", vmin=0, vmax=1)
        ax.set_axis_off()
        ax.set_title(f"{n} samples (seed {seed}{tag})")
        suffix = f"_label{label}" if label is not None and kw else ""
        default = run.figures / f"samples_n{n}_seed{seed}{suffix}.png"
    fig.suptitle(title)
    path = Path(out) if out else default
    fig.savefig(path)
    return path
