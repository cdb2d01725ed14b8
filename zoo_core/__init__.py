"""zoo: a plugin-based generative model zoo on TensorFlow / Keras 3.

The core is small and imports no TensorFlow: plugins register Model, Dataset, Visualizer and
Metric classes through the hooks in :mod:`zoo_core.hookspecs`; heavy libraries load only
when a plugin's object is used. The Keras runtime a Keras family builds on
(:class:`zoo_keras.KerasModel`) is a package of its own, which the core never imports.
"""

from zoo_core.contract import (
    CAPABILITIES,
    CONDITIONAL,
    DECODE,
    ENCODE,
    LATENT_USAGE,
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
    classes_in_turn,
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
from zoo_core.run_dir import RunDir

__all__ = [
    "hookimpl",
    "Model",
    "Dataset",
    "Visualizer",
    "Metric",
    "MetricInfo",
    "MetricResult",
    "DataSpec",
    "RunContext",
    "DrawContext",
    "RunDir",
    "ENCODE",
    "DECODE",
    "SAMPLE",
    "LIKELIHOOD",
    "CONDITIONAL",
    "LATENT_USAGE",
    "CAPABILITIES",
    "classes_in_turn",
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
