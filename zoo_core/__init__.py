"""zoo: a plugin-based generative model zoo on TensorFlow / Keras 3.

The core is small and imports no TensorFlow: plugins register Model, Dataset, Visualizer and
Metric classes through the hooks in :mod:`zoo_core.hookspecs`; heavy libraries load only
when a plugin's object is used. :class:`KerasModel` is the base for Keras families.
"""

from zoo_core.contract import (
    CAPABILITIES,
    CONDITIONAL,
    DECODE,
    ENCODE,
    LIKELIHOOD,
    SAMPLE,
    Dataset,
    DataSpec,
    DrawContext,
    Metric,
    MetricInfo,
    MetricResult,
    Model,
    RunContext,
    Visualizer,
)
from zoo_core.errors import (
    DataError,
    DuplicateNameError,
    FigureError,
    IncompatibleError,
    RunError,
    SettingsError,
    TrainingError,
    UnknownNameError,
    UsageError,
    ZooError,
)
from zoo_core.hookspecs import hookimpl
from zoo_core.keras.model import KerasModel, replayable_normal
from zoo_core.run.run_dir import RunDir

__all__ = [
    "hookimpl",
    "Model",
    "KerasModel",
    "Dataset",
    "Visualizer",
    "Metric",
    "MetricInfo",
    "MetricResult",
    "DataSpec",
    "RunContext",
    "DrawContext",
    "RunDir",
    "replayable_normal",
    "ENCODE",
    "DECODE",
    "SAMPLE",
    "LIKELIHOOD",
    "CONDITIONAL",
    "CAPABILITIES",
    "ZooError",
    "UsageError",
    "UnknownNameError",
    "SettingsError",
    "IncompatibleError",
    "DuplicateNameError",
    "DataError",
    "RunError",
    "TrainingError",
    "FigureError",
]
