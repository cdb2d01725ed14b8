"""Shared bits: a new Agg-backed figure, an image grid, latent checks, labels for
conditional models."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from zoo_core import CONDITIONAL, DECODE, ENCODE, IncompatibleError, Visualizer
from zoo_core.contract import classes_in_turn
from zoo_core.grid import image_grid  # noqa: F401  (re-exported for the visualizers)

if TYPE_CHECKING:  # numpy loads when first used, so `zoo list` stays quick
    import numpy as np


def new_figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def require_latent(model_cls, settings, spec, at_least: int) -> int:
    """The size of a model's vector latent space, or a refusal saying what is missing."""
    shape = model_cls.latent_shape_of(settings, spec)
    if shape is None:
        raise IncompatibleError("needs a model with a latent space")
    if len(shape) != 1:
        raise IncompatibleError(
            f"needs a vector latent space; the model's latent points have shape {tuple(shape)}"
        )
    if shape[0] < at_least:
        raise IncompatibleError(
            f"needs a latent space of at least {at_least} dimensions, the model has {shape[0]}"
        )
    return int(shape[0])


def label_kwargs(model, labels) -> dict:
    """``{"labels": labels}`` for a conditional model, nothing for the others."""
    import numpy as np

    if CONDITIONAL not in model.capabilities:
        return {}
    return {"labels": np.asarray(labels, dtype="int32")}


def cycled_labels(model, n: int) -> np.ndarray:
    """Labels 0, 1, ..., C-1, 0, 1, ... for ``n`` samples of a conditional model."""
    return classes_in_turn(n, model.data_spec.num_classes if model.data_spec else 1)


def gray(ax, image, **kw):
    ax.imshow(image, cmap="Greys_r", vmin=0.0, vmax=1.0, interpolation="nearest", **kw)


class LatentVisualizer(Visualizer):
    """A picture of a vector latent space: needs ``encode``/``decode`` and a latent size
    of at least :attr:`min_latent`. Conditional models get labels (a ``label`` setting, or
    the data's own labels)."""

    requires = frozenset({ENCODE, DECODE})
    min_latent: ClassVar[int] = 1

    @classmethod
    def check_model(cls, model_cls, settings, data_spec=None):
        super().check_model(model_cls, settings, data_spec)
        require_latent(model_cls, settings, data_spec, cls.min_latent)
