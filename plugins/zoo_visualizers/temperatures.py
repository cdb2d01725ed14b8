"""``temperatures``: the same seed sampled at several temperatures, side by side.

For a model that declares ``temperature`` among its ``sampling_settings`` (a flow:
z ~ N(0, T^2 I)). Lower temperatures
trade variety for cleaner images (Kingma & Dhariwal 2018, Glow, Fig. 8); one panel per
temperature, the same underlying noise in each.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zoo_core import SAMPLE, IncompatibleError, Visualizer

from ._figure import gray, image_grid, new_figure


@dataclass(frozen=True)
class TemperatureSettings:
    temperatures: tuple[float, ...] = field(
        default=(0.5, 0.7, 1.0),
        metadata={"help": "sampling temperatures, one panel each", "min": 0.0, "max": 2.0},
    )
    n: int = field(default=36, metadata={"help": "images per panel", "min": 1, "max": 256})


class Temperatures(Visualizer):
    """Panels of samples at each temperature, from the same seed."""

    Settings = TemperatureSettings
    requires = frozenset({SAMPLE})

    @classmethod
    def check_model(cls, model_cls, settings, data_spec=None):
        super().check_model(model_cls, settings, data_spec)
        if "temperature" not in model_cls.sampling_settings:
            raise IncompatibleError("needs a model that samples at a temperature")

    def draw(self, ctx):
        m, s = ctx.model, self.settings
        fig = new_figure(3.2 * len(s.temperatures), 3.6)
        for i, t in enumerate(s.temperatures):
            ax = fig.add_subplot(1, len(s.temperatures), i + 1)
            gray(ax, image_grid(m.sample(s.n, seed=ctx.seed, temperature=float(t))))
            ax.set_title(f"T = {t:g}")
            ax.set_axis_off()
        fig.suptitle(ctx.title)
        return fig
