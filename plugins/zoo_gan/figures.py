"""The GAN family's own figure, ``progress``: the same latent points decoded after each
epoch, one row per epoch.

For models with the ``sample_progress`` capability: the run's monitor
(:class:`zoo_gan.monitor.SampleProgress`) records
``RUN/sample_progress.npz`` (``epochs``: (k,), ``images``: (k, n, H, W, C) in [0, 1]) as it
trains. Reading down a column shows one latent point turning from noise into a garment, which
is how a GAN's training is best seen (its losses do not go down).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from zoo_core import IncompatibleError, Visualizer
from zoo_core.grid import image_grid

if TYPE_CHECKING:  # numpy loads when first used, so `zoo list` stays quick
    import numpy as np


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
        from .monitor import PROGRESS_FILE, read_progress  # Keras: only once drawing

        epochs, images = read_progress(run.file(PROGRESS_FILE))
        if images is None:
            raise IncompatibleError(
                f"{run.file(PROGRESS_FILE)} is missing: the run recorded no samples during "
                "training (progress_points=0?)"
            )
        return epochs, images

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
        from matplotlib.figure import Figure

        fig = Figure(figsize=(0.8 * n + 1.2, 0.8 * k + 0.6), layout="constrained")
        ax = fig.add_subplot()
        grid = image_grid(images.reshape(k * n, *images.shape[2:]), cols=n)
        ax.imshow(grid, cmap="Greys_r", vmin=0.0, vmax=1.0, interpolation="nearest")
        ax.set_yticks(np.arange(h // 2, k * h, h), [f"epoch {e}" for e in epochs])
        ax.set_xticks([])
        ax.set_xlabel("the same latent points, decoded after each epoch")
        return fig
