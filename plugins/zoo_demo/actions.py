"""What each part of the page does, without the page: plain functions over a
:class:`~zoo_demo.library.Library` that return NumPy images, tables and text, and raise
:class:`~zoo_core.errors.ZooError` in one line when a request is wrong. The page
(:mod:`zoo_demo.page`) only turns these into widgets; the tests call both.

Every model call goes through the Python API (:class:`zoo.TrainedModel`), so a request from
the browser is checked as a notebook's or the CLI's is: seeds, labels, finite latent points,
and sampling settings converted and range-checked by the model's own declaration.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from zoo import arguments as A
from zoo_core import CONDITIONAL, DECODE, SAMPLE
from zoo_core.errors import IncompatibleError, UsageError
from zoo_core.grid import image_grid

from .controls import controls
from .library import MAX_IMAGES, Library

#: sliders on the Explore tab; a larger latent keeps its other values from the seed
MAX_SLIDERS = 16
#: the longest side of a picture sent to the page (pixels are repeated, never smoothed)
SHOWN = 512


def _model(lib: Library, ref):
    return lib.run(ref).model


def as_picture(images: np.ndarray, cols: int | None = None, *, shown: int = SHOWN) -> np.ndarray:
    """Images in [0, 1] (``(n, H, W, C)``) as one uint8 grid, each pixel repeated so the
    longest side is at most ``shown`` (a 28-pixel image stays sharp in the browser)."""
    grid = image_grid(np.clip(np.asarray(images, dtype="float32"), 0.0, 1.0), cols)
    scale = max(1, shown // max(grid.shape[:2]))
    grid = np.repeat(np.repeat(grid, scale, axis=0), scale, axis=1)
    return np.round(grid * 255).astype("uint8")


def _label(model, label) -> Any:
    """The page's label: empty for "each class in turn", else a class name or index."""
    if CONDITIONAL not in model.capabilities:
        return None
    if label is None or (isinstance(label, str) and not label.strip()):
        return None
    if isinstance(label, float) and label.is_integer():
        return int(label)
    return label


def _integral(value):
    """A widget's number as the API takes it: a slider may send ``8.0`` for ``8``."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def describe(lib: Library, ref) -> dict:
    """What the page needs to build a model's widgets: capabilities, class names, the
    latent size (None without a vector latent) and the sampling controls."""
    model = _model(lib, ref)
    shape = model.latent_shape if DECODE in model.capabilities else None
    return {
        "reference": ref,
        "model": model.name,
        "capabilities": sorted(model.capabilities),
        "classes": model.class_names if CONDITIONAL in model.capabilities else [],
        "latent_dim": int(shape[0]) if shape is not None and len(shape) == 1 else None,
        "controls": controls(model.settings, model.sampling_settings),
    }


def sample(lib: Library, ref, n=16, seed=0, label=None, settings: dict | None = None):
    """``n`` samples (at most :data:`MAX_IMAGES`) as ``(picture, npz file, message)``: the
    grid, the raw arrays to download, and the server time taken."""
    model = _model(lib, ref)
    if SAMPLE not in model.capabilities:
        raise IncompatibleError(f"model '{model.name}' cannot sample")
    n = A.whole(_integral(n), "n", 1, MAX_IMAGES)
    seed = A.check_seed(_integral(seed), "seed")
    if settings is not None and not isinstance(settings, dict):
        raise UsageError(f"settings must be a mapping of setting to value; got {settings!r}")
    # converted and range-checked by the model's own declaration, as --set is
    resolved = model.plugin.sampling(**(settings or {}))
    options = {k: getattr(resolved, k) for k in settings or {}}
    with lib.lock:
        start = time.perf_counter()
        images = model.sample(n, seed=seed, label=_label(model, label), **options)
        seconds = time.perf_counter() - start
    out = lib.scratch / f"{model.name}-seed{seed}-n{n}.npz"
    np.savez_compressed(out, images=images, seed=seed, **{k: str(v) for k, v in options.items()})
    used = ", ".join(f"{k}={v}" for k, v in options.items())
    message = f"{n} images in {seconds:.2f} s (server){'; ' + used if used else ''}"
    return as_picture(images, cols=min(n, max(4, math.ceil(math.sqrt(n))))), str(out), message


def prior_point(lib: Library, ref, seed=0) -> list[float]:
    """One latent point from the model's prior for ``seed`` (where the sliders start)."""
    model = _model(lib, ref)
    if DECODE not in model.capabilities:
        raise IncompatibleError(f"model '{model.name}' has no latent space to explore")
    seed = A.check_seed(_integral(seed), "seed")
    return [float(v) for v in np.ravel(model.plugin.prior(1, seed))]


def decode(lib: Library, ref, z, label=None) -> tuple[np.ndarray, float]:
    """One latent point decoded: ``(picture, milliseconds of server time)``."""
    model = _model(lib, ref)
    if DECODE not in model.capabilities:
        raise IncompatibleError(f"model '{model.name}' cannot decode a latent point")
    shape = tuple(model.latent_shape)
    size = int(np.prod(shape))
    try:
        with np.errstate(over="ignore"):  # beyond float32: infinite, refused as such below
            values = np.asarray(z, dtype="float32")
    except (TypeError, ValueError, OverflowError):
        raise UsageError(f"a latent point of '{model.name}' is {size} numbers") from None
    if values.size != size:
        raise UsageError(f"a latent point of '{model.name}' has {size} values; got {values.size}")
    point = values.reshape((1, *shape))  # then checked by the API (finite values)
    with lib.lock:
        start = time.perf_counter()
        image = model.decode(point, label=_label(model, label))
        ms = (time.perf_counter() - start) * 1000
    return as_picture(image, shown=256), ms


def manifold(lib: Library, ref, n=15, scale=3.0) -> np.ndarray:
    """The decoded ``n`` x ``n`` grid over ``[-scale, scale]^2`` of a 2-D latent, drawn by
    the ``manifold`` figure's own grid (top row at the largest z[1]; a conditional model
    decodes class 0); :func:`point_at` reads a click on it."""
    from zoo_visualizers.manifold import Manifold, ManifoldSettings

    model = _model(lib, ref)
    if DECODE not in model.capabilities or tuple(model.latent_shape or ()) != (2,):
        raise IncompatibleError(f"model '{model.name}' has no 2-D latent space to click on")
    with lib.lock:
        images = Manifold(ManifoldSettings(n=n, scale=scale)).grid(model.plugin, None)[0]
    return as_picture(images, cols=n)


def point_at(x, y, size: tuple[int, int], n=15, scale=3.0) -> list[float]:
    """The latent point under pixel ``(x, y)`` of a :func:`manifold` picture of ``size``
    (width, height): the centre of each cell is its grid value, between them linear."""
    width, height = size
    cell_w, cell_h = width / n, height / n
    fx = (float(x) - cell_w / 2) / cell_w / (n - 1)
    fy = (float(y) - cell_h / 2) / cell_h / (n - 1)
    return [round(-scale + 2 * scale * fx, 3), round(scale - 2 * scale * fy, 3)]


def interpolate(lib: Library, ref, seed_a=0, seed_b=1, steps=8, label=None) -> np.ndarray:
    """The path between the prior points of two seeds, decoded: a strip of ``steps`` images
    (the ``interpolation`` figure's spherical path)."""
    model = _model(lib, ref)
    if DECODE not in model.capabilities:
        raise IncompatibleError(f"model '{model.name}' cannot decode a latent point")
    from zoo_visualizers.interpolation import slerp

    steps = A.whole(_integral(steps), "steps", 2, 32)
    a = prior_point(lib, ref, seed_a)
    path = slerp(a, prior_point(lib, ref, seed_b), np.linspace(0.0, 1.0, steps))
    z = path.reshape((steps, *model.latent_shape)).astype("float32")
    with lib.lock:
        images = model.decode(z, label=_label(model, label))
    return as_picture(images, cols=steps, shown=1024)


def figures_for(lib: Library, ref) -> list[str]:
    """The visualizers that can draw this model (its family's figures and the shared
    ones), as ``zoo viz`` would accept them, except those that measure (minutes of sampling,
    :attr:`~zoo_core.Visualizer.measures`); the curves are on the Runs tab."""
    from zoo_core import plugins

    model = _model(lib, ref).plugin
    names = []
    for entry in plugins.get_registry().entries("visualizer"):
        if entry.name == "curves" or entry.cls.measures:  # curves: on the Runs tab
            continue
        try:
            entry.cls.check_model(type(model), model.settings, model.data_spec)
        except (IncompatibleError, UsageError):
            continue
        names.append(entry.name)
    return names


def figure(lib: Library, ref, name: str):
    """The visualizer ``name`` drawn from the model, as ``zoo viz`` draws it."""
    if name not in figures_for(lib, ref):
        raise UsageError(f"figure {name!r} does not apply to this model; choose one offered")
    run = lib.run(ref)
    with lib.lock:
        return run.figure(name)
