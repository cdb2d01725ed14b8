"""``temperatures``: the same seed sampled at several temperatures, side by side.

For a model with a ``temperature`` setting (a flow: z ~ N(0, T^2 I)). Lower temperatures
trade variety for cleaner images (Kingma & Dhariwal 2018, Glow, Fig. 8); one panel per
temperature, the same underlying noise in each.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from zoo_core import SAMPLE, IncompatibleError, Visualizer

from ._figure import gray, image_grid, new_figure


@dataclass(frozen=True)
class TemperatureSettings:
    temperatures: tuple[float, ...] = field(
        default=(0.5, 0.7, 1.0), metadata={"help": "sampling temperatures, one panel each"}
    )
    n: int = field(default=36, metadata={"help": "images per panel", "min": 1})


class Temperatures(Visualizer):
    """Panels of samples at each temperature, from the same seed."""

    Settings = TemperatureSettings
    requires = frozenset({SAMPLE})

    @classmethod
    def check_model(cls, model_cls, settings, data_spec=None):
        super().check_model(model_cls, settings, data_spec)
        if "temperature" not in {f.name for f in dataclasses.fields(model_cls.Settings)}:
            raise IncompatibleError("needs a model with a 'temperature' setting")

    def draw(self, ctx):
        m, s = ctx.model, self.settings
        kept = m.settings
        fig = new_figure(3.2 * len(s.temperatures), 3.6)
        try:
            for i, t in enumerate(s.temperatures):
                m.settings = dataclasses.replace(kept, temperature=float(t))
                ax = fig.add_subplot(1, len(s.temperatures), i + 1)
                gray(ax, image_grid(m.sample(s.n, seed=ctx.seed)))
                ax.set_title(f"T = {t:g}")
                ax.set_axis_off()
        finally:
            m.settings = kept
        fig.suptitle(ctx.title)
        return fig
