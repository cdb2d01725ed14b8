"""One image grid for every picture of many images: TensorBoard's, the visualizers',
``zoo sample``'s and the leaderboard's."""

from __future__ import annotations

import math
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
        grid[r * h : (r + 1) * h, c * w : (c + 1) * w] = img
    return grid
