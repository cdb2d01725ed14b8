"""Shared bits: a new Agg-backed figure, and an image grid."""

from __future__ import annotations

from typing import ClassVar

from zoo_core import IncompatibleError, Visualizer
from zoo_core.sampling import image_grid  # noqa: F401  (re-exported for the visualizers)


def new_figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def require_latent(model_cls, settings, at_least: int) -> int:
    dim = model_cls.latent_dim_of(settings)
    if dim is None:
        raise IncompatibleError("needs a model with a latent space (latent_dim)")
    if dim < at_least:
        raise IncompatibleError(f"needs a latent space of at least {at_least} dimensions, "
                                f"the model has {dim}")
    return dim


def gray(ax, image, **kw):
    ax.imshow(image, cmap="Greys_r", vmin=0.0, vmax=1.0, interpolation="nearest", **kw)


class LatentVisualizer(Visualizer):
    """A picture of a latent space: needs ``encode``/``decode`` and a latent size of at
    least :attr:`min_latent`."""

    min_latent: ClassVar[int] = 1

    @classmethod
    def check_model(cls, model_cls, settings):
        super().check_model(model_cls, settings)
        require_latent(model_cls, settings, cls.min_latent)
