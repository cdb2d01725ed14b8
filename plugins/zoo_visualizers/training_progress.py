"""``progress``: the same latent points decoded after each epoch, one row per epoch.

For models with the ``sample_progress`` capability: the run records
``RUN/sample_progress.npz`` (``epochs``: (k,), ``images``: (k, n, H, W, C) in [0, 1]) as it
trains. Reading down a column shows one latent point turning from noise into a garment, which
is how a GAN's training is best seen (its losses do not go down).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from zoo_core import IncompatibleError, Visualizer

from ._figure import gray, image_grid, new_figure

if TYPE_CHECKING:  # numpy loads when first used, so `zoo list` stays quick
    import numpy as np

PROGRESS_FILE = "sample_progress.npz"


@dataclass(frozen=True)
class ProgressSettings:
    rows: int = field(
        default=10,
        metadata={
            "help": "epochs shown at most (evenly spaced, first and last included)",
            "min": 1,
        },
    )


class Progress(Visualizer):
    """Rows = recorded epochs (evenly spaced), columns = fixed latent points."""

    Settings = ProgressSettings
    requires = frozenset({"sample_progress"})

    @staticmethod
    def recorded(run) -> tuple[np.ndarray, np.ndarray]:
        import numpy as np

        path = run.file(PROGRESS_FILE)
        if not path.is_file():
            raise IncompatibleError(
                f"{path} is missing: the run recorded no samples during "
                "training (progress_points=0?)"
            )
        with np.load(path, allow_pickle=False) as z:
            return z["epochs"], z["images"]

    def draw(self, ctx):
        import numpy as np

        epochs, images = self.recorded(ctx.run)
        pick = np.unique(
            np.linspace(0, len(epochs) - 1, min(self.settings.rows, len(epochs)))
            .round()
            .astype(int)
        )
        epochs, images = epochs[pick], images[pick]
        k, n = images.shape[:2]
        h = images.shape[2]
        fig = new_figure(0.8 * n + 1.2, 0.8 * k + 0.6)
        ax = fig.add_subplot()
        gray(ax, image_grid(images.reshape(k * n, *images.shape[2:]), cols=n))
        ax.set_yticks(np.arange(h // 2, k * h, h), [f"epoch {e}" for e in epochs])
        ax.set_xticks([])
        ax.set_xlabel("the same latent points, decoded after each epoch")
        return fig
