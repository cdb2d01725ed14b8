"""``samples``: a grid of the model's samples (``Model.sample``); a conditional model's
cycle through the classes, one class per column."""

from __future__ import annotations

from dataclasses import dataclass, field

from zoo_core import CONDITIONAL, SAMPLE, Visualizer

from ._figure import cycled_labels, gray, image_grid, label_kwargs, new_figure


@dataclass(frozen=True)
class SamplesSettings:
    n: int = field(default=64, metadata={"help": "images to draw", "min": 1, "max": 1024})


class Samples(Visualizer):
    """A grid of samples drawn by the model (reproducible from the run's seed)."""

    Settings = SamplesSettings
    requires = frozenset({SAMPLE})

    def draw(self, ctx):
        n, m = self.settings.n, ctx.model
        labels = cycled_labels(m, n)
        images = m.sample(n, seed=ctx.seed, **label_kwargs(m, labels))
        cols = m.data_spec.num_classes if CONDITIONAL in m.capabilities else None
        fig = new_figure(8, 8)
        ax = fig.add_subplot()
        gray(ax, image_grid(images, cols=cols))
        ax.set_axis_off()
        return fig
