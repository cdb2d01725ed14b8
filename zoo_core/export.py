"""What leaves the zoo when a trained model is exported (``zoo export``): its endpoints.

An endpoint is one function of a trained model, named as the contract names what a model
can do (``decode``, ``encode``, ``sample``; ``predict`` for a denoising network), with its
inputs and output described per example (the batch axis is free). A family builds them
(:meth:`zoo_core.contract.Model.endpoints`) from two callables that must agree:

- ``graph``: the computation on tensors, traced once with the ports' shapes and written
  into the export (SavedModel, ONNX, LiteRT): no zoo code runs when it is used;
- ``reference``: what the zoo itself returns for the same NumPy inputs, through the
  model's own methods; the export's check compares the two.

So an export is checked against the zoo, not against itself. Nothing here imports
TensorFlow: writing the files is the runtime's job (:mod:`zoo_keras.export` for Keras
families).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

#: Formats ``zoo export`` writes, with the file each endpoint lands in.
FORMATS = {
    "savedmodel": "TensorFlow SavedModel, one signature per endpoint (saved_model/)",
    "onnx": "ONNX, one file per endpoint (NAME.onnx)",
    "litert": "LiteRT (TensorFlow Lite) flatbuffer, one signature per endpoint (model.tflite)",
}


@dataclass(frozen=True)
class Port:
    """One input or output of an endpoint, per example (the batch axis is implied)."""

    name: str
    shape: tuple[int, ...]
    dtype: str  # "float32" or "int32"
    meaning: str  # e.g. "pixels in [0, 1]", "standard normal noise"
    #: where example inputs are drawn (uniformly; integers below ``high`` for int32);
    #: None: standard normal
    range: tuple[float, float] | None = None


@dataclass(frozen=True)
class Endpoint:
    """One exported function of a trained model (see the module's notes)."""

    name: str
    inputs: tuple[Port, ...]
    output: Port
    graph: Callable = field(repr=False)
    reference: Callable = field(repr=False)
    doc: str = ""
    #: how far the export may differ from the zoo's own output (max abs), and why
    tolerance: float = 1e-4


def describe(endpoints: list[Endpoint]) -> list[dict]:
    """The endpoints as plain data (for the export's ``export.json`` and README)."""
    return [
        {
            "name": e.name,
            "doc": e.doc,
            "inputs": [
                {
                    "name": p.name,
                    "shape": [None, *p.shape],
                    "dtype": p.dtype,
                    "meaning": p.meaning,
                    "range": list(p.range) if p.range is not None else None,
                }
                for p in e.inputs
            ],
            "output": {
                "name": e.output.name,
                "shape": [None, *e.output.shape],
                "dtype": e.output.dtype,
                "meaning": e.output.meaning,
            },
            "tolerance": e.tolerance,
        }
        for e in endpoints
    ]


# -- the ports every family uses ------------------------------------------------------------
def images(spec, name: str = "images") -> Port:
    """A batch of the data's images, pixels in [0, 1]."""
    return Port(name, tuple(spec.element_shape), "float32", "pixels in [0, 1]", (0.0, 1.0))


def point(
    shape, name: str = "z", meaning: str = "a point the model decodes; prior N(0, I)"
) -> Port:
    """A point of the space a model decodes from (what ``encode`` returns)."""
    return Port(name, tuple(shape), "float32", meaning)


def noise(shape, name: str = "noise") -> Port:
    return Port(name, tuple(shape), "float32", "standard normal noise, N(0, I)")


def labels(spec) -> Port:
    k = spec.num_classes
    names = ", ".join(f"{i} {c}" for i, c in enumerate(spec.class_names[:12]))
    more = ", ..." if len(spec.class_names) > 12 else ""
    return Port("labels", (), "int32", f"class index in 0..{k - 1} ({names}{more})", (0, k))


def example_inputs(endpoint: Endpoint, n: int, seed: int) -> list:
    """``n`` example inputs of each port of ``endpoint`` (NumPy), from ``seed``."""
    import numpy as np

    rng = np.random.default_rng(seed)
    arrays = []
    for p in endpoint.inputs:
        shape = (n, *p.shape)
        if p.dtype == "int32":
            low, high = p.range or (0, 2)
            arrays.append(rng.integers(int(low), int(high), shape).astype("int32"))
        elif p.range is not None:
            arrays.append(rng.uniform(p.range[0], p.range[1], shape).astype("float32"))
        else:
            arrays.append(rng.standard_normal(shape).astype("float32"))
    return arrays
