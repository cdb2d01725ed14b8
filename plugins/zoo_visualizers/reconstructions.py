"""``reconstructions``: originals above their reconstructions, for fixed test images."""

from __future__ import annotations

from dataclasses import dataclass, field

from zoo_core import DECODE, ENCODE, Visualizer

from ._figure import gray, image_grid, label_kwargs, new_figure


@dataclass(frozen=True)
class ReconstructionsSettings:
    n: int = field(
        default=10, metadata={"help": "images (the first n of the split)", "min": 1, "max": 256}
    )
    split: str = field(default="test", metadata={"help": "which split"})


class Reconstructions(Visualizer):
    """Originals (top row) and their reconstructions from z_mean (bottom row)."""

    Settings = ReconstructionsSettings
    requires = frozenset({ENCODE, DECODE})
    needs_dataset = True

    def draw(self, ctx):
        import numpy as np

        x, y = ctx.dataset.arrays(self.settings.split)
        x, y = x[: self.settings.n], y[: self.settings.n]
        labels = label_kwargs(ctx.model, y)
        rec = ctx.model.decode(ctx.model.encode(x, **labels), **labels)
        fig = new_figure(1.2 * len(x), 3)
        ax = fig.add_subplot()
        gray(ax, image_grid(np.concatenate([x, rec]), cols=len(x)))
        ax.set_xticks([])
        ax.set_yticks([x.shape[1] / 2, 1.5 * x.shape[1]], ["original", "reconstruction"])
        return fig
