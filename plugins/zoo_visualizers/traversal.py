"""``traversal``: one row per latent dimension, swept while the others stay put.

Beside each row, for a model with the ``latent_usage`` capability, a bar of how much that
dimension is used on test images (a VAE: its mean KL in nats): an active dimension (above
``active_threshold``) carries information about the image; a collapsed one sits at the
prior and its row does not change. This is the first thing a beta-VAE user reads (Higgins
et al. 2017; Burda et al. 2016 on active units).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zoo_core import LATENT_USAGE, SettingsError

from ._figure import LatentVisualizer, gray, image_grid, label_kwargs, new_figure


@dataclass(frozen=True)
class TraversalSettings:
    steps: int = field(default=11, metadata={"help": "images per row", "min": 2, "max": 64})
    scale: float = field(default=3.0, metadata={"help": "sweep [-scale, scale]", "min": 0.0})
    base: tuple[float, ...] = field(
        default=(), metadata={"help": "the base point (default: the origin)"}
    )
    label: int = field(
        default=0, metadata={"help": "class index to decode with (conditional models)", "min": 0}
    )
    limit: int = field(
        default=2000, metadata={"help": "test images for the usage-per-dimension bars", "min": 1}
    )
    active_threshold: float = field(
        default=0.01,
        metadata={
            "help": "usage (a VAE: nats of mean KL) above which a dimension is active",
            "min": 0.0,
        },
    )


class Traversal(LatentVisualizer):
    """Latent traversals: each row varies one dimension around a base point."""

    Settings = TraversalSettings

    def draw(self, ctx):
        import numpy as np

        s, d = self.settings, ctx.model.latent_dim
        base = np.zeros(d, dtype="float32")
        if s.base:
            if len(s.base) != d:
                raise SettingsError(f"traversal base needs {d} values, got {len(s.base)}")
            base[:] = s.base
        sweep = np.linspace(-s.scale, s.scale, s.steps, dtype="float32")
        z = np.repeat(base[None], d * s.steps, axis=0)
        for i in range(d):
            z[i * s.steps : (i + 1) * s.steps, i] = base[i] + sweep
        images = ctx.model.decode(z, **label_kwargs(ctx.model, np.full(len(z), s.label)))
        h = images.shape[1]
        usage = self.usage_per_dimension(ctx.model, ctx.dataset)
        kl, unit = (None, "") if usage is None else (np.asarray(usage[0]), usage[1])
        width = 0.9 * s.steps + 1 + (2.5 if kl is not None else 0)
        fig = new_figure(width, 0.9 * d + 1)
        if kl is None:
            ax = fig.add_subplot()
        else:
            ax, bars = fig.subplots(1, 2, width_ratios=[0.9 * s.steps + 1, 2.5])
        gray(ax, image_grid(images, cols=s.steps))
        ax.set_yticks(np.arange(h // 2, d * h, h), [f"z[{i}]" for i in range(d)])
        ax.set_xticks(np.arange(h // 2, s.steps * h, h), np.round(sweep, 1))
        if kl is not None:
            from matplotlib.ticker import MaxNLocator

            active = kl > s.active_threshold
            bars.barh(np.arange(d), kl, color=np.where(active, "tab:blue", "tab:gray"))
            bars.set_ylim(d - 0.5, -0.5)  # row i of the grid beside bar i
            bars.set_yticks(np.arange(d), [f"z[{i}]" for i in range(d)])
            bars.xaxis.set_major_locator(MaxNLocator(3))
            bars.set_xlabel(unit)
            bars.set_title(
                f"{int(active.sum())} of {d} active\n(> {s.active_threshold:g})", fontsize=9
            )
        return fig

    def usage_per_dimension(self, model, dataset):
        """How much each latent dimension is used on test images, and its unit, or None
        when the model does not say (no ``latent_usage`` capability) or there is no
        dataset."""
        if LATENT_USAGE not in model.capabilities or dataset is None:
            return None
        x, y = dataset.arrays("test")
        x, y = x[: self.settings.limit], y[: self.settings.limit]
        return model.latent_usage(x, **label_kwargs(model, y))
