"""What a dataset's arrays must be: checked once, before training, against its spec."""

from __future__ import annotations

from zoo_core.errors import DataError


def check_arrays(spec, x, y, where: str):
    """``(x, y)`` as a dataset's ``arrays()`` gave them, refused in one line before any
    training when they break its spec: float images of the declared shape in [0, 1], one
    whole-number label per image (within the declared classes when there are any)."""
    import numpy as np

    x, y = np.asarray(x), np.asarray(y)
    shape, problem = tuple(spec.element_shape), None
    if x.ndim < 1 or x.shape[1:] != shape:
        problem = f"images of shape {x.shape[1:]}, but its spec declares {shape}"
    elif x.dtype.kind != "f":
        problem = f"{x.dtype} images; give floats in [0, 1] (divide 8-bit images by 255)"
    elif len(x) and not 0 <= x.min() <= x.max() <= 1:
        problem = f"values in [{x.min():.4g}, {x.max():.4g}]; give floats in [0, 1]"
    elif y.shape != (len(x),) or y.dtype.kind not in "iu":
        problem = (
            f"{len(x)} images but labels of shape {y.shape} and type {y.dtype}; give "
            "one whole-number label per image"
        )
    elif spec.labelled and len(y) and not 0 <= y.min() <= y.max() < spec.num_classes:
        problem = f"labels in [{y.min()}, {y.max()}]; its spec declares {spec.num_classes} classes"
    if problem:
        raise DataError(f"{where} gives {problem}")
    return x, y
