"""``traversal``: one row per latent dimension, swept while the others stay put."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from zoo_core import SettingsError

from ._figure import LatentVisualizer, gray, image_grid, label_kwargs, new_figure


@dataclass(frozen=True)
class TraversalSettings:
    steps: int = field(default=11, metadata={"help": "images per row", "min": 2})
    scale: float = field(default=3.0, metadata={"help": "sweep [-scale, scale]", "min": 0.0})
    base: tuple[float, ...] = field(default=(), metadata={
        "help": "the base point (default: the origin)"})
    label: int = field(default=0, metadata={
        "help": "class index to decode with (conditional models)", "min": 0})


class Traversal(LatentVisualizer):
    """Latent traversals: each row varies one dimension around a base point."""

    Settings = TraversalSettings

    def draw(self, ctx):
        s, d = self.settings, ctx.model.latent_dim
        base = np.zeros(d, dtype="float32")
        if s.base:
            if len(s.base) != d:
                raise SettingsError(f"traversal base needs {d} values, got {len(s.base)}")
            base[:] = s.base
        sweep = np.linspace(-s.scale, s.scale, s.steps, dtype="float32")
        z = np.repeat(base[None], d * s.steps, axis=0)
        for i in range(d):
            z[i * s.steps:(i + 1) * s.steps, i] = base[i] + sweep
        images = ctx.model.decode(z, **label_kwargs(ctx.model, np.full(len(z), s.label)))
        h = images.shape[1]
        fig = new_figure(0.9 * s.steps + 1, 0.9 * d + 1)
        ax = fig.add_subplot()
        gray(ax, image_grid(images, cols=s.steps))
        ax.set_yticks(np.arange(h // 2, d * h, h), [f"z[{i}]" for i in range(d)])
        ax.set_xticks(np.arange(h // 2, s.steps * h, h), np.round(sweep, 1))
        return fig
