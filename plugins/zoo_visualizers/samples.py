"""``samples``: a grid of images decoded from the prior N(0, I)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from zoo_core import SAMPLE, Visualizer

from ._figure import gray, image_grid, new_figure


@dataclass(frozen=True)
class SamplesSettings:
    n: int = field(default=64, metadata={"help": "images to draw", "min": 1})


class Samples(Visualizer):
    """Images decoded from random draws of the prior."""

    Settings = SamplesSettings
    requires = frozenset({SAMPLE})

    def draw(self, ctx):
        z = np.random.default_rng(ctx.seed).standard_normal(
            (self.settings.n, ctx.model.latent_dim)).astype("float32")
        fig = new_figure(8, 8)
        ax = fig.add_subplot()
        gray(ax, image_grid(ctx.model.decode(z)))
        ax.set_axis_off()
        return fig
