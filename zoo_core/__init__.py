"""zoo: a plugin-based generative model zoo on TensorFlow / Keras 3.

The core is small and imports no TensorFlow: plugins register Model, Dataset and Visualizer
classes through the hooks in :mod:`zoo_core.hookspecs`; heavy libraries load only when a
plugin's object is used.
"""

from .errors import (DataError, DuplicateNameError, IncompatibleError, RunError,
                     SettingsError, TrainingError, UnknownNameError, UsageError, ZooError)
from .hookspecs import hookimpl
from .runs import RunDir
from .types import (DECODE, ENCODE, SAMPLE, DataSpec, Dataset, DrawContext, Model,
                    RunContext, Visualizer)

__all__ = [
    "hookimpl", "Model", "Dataset", "Visualizer", "DataSpec", "RunContext", "DrawContext",
    "RunDir", "ENCODE", "DECODE", "SAMPLE", "ZooError", "UsageError", "UnknownNameError",
    "SettingsError", "IncompatibleError", "DuplicateNameError", "DataError", "RunError",
    "TrainingError",
]
