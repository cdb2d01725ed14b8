"""zoo from Python: the same plans, runs and plugins as the ``zoo`` command, for notebooks.

::

    import zoo

    vae = zoo.pretrained("vae_2d")              # a shipped run, ready in seconds
    vae.figure("manifold")                       # a matplotlib Figure (inline in Jupyter)
    vae.model.decode([[1.4, -1.3]])              # one latent point -> one image
    run = zoo.run("vae_2d", dataset="fashion_mnist", epochs=3, seed=0)
    run.history.to_pandas()                      # one row per epoch

Every function goes through the planner and runner the CLI uses (no second path), and
raises the same typed errors (:class:`zoo_core.ZooError` and its kinds) whose one-line
messages the CLI prints. A run made here is a run folder like any other: ``zoo runs``,
``zoo eval`` and ``zoo run --resume`` take it.

Arguments are checked where they come in (:mod:`zoo.arguments`): what NumPy code passes is
taken as it is (a NumPy integer as a seed, a count or a label; arrays, lists and tuples as
batches and as list settings), anything else is a :class:`zoo_core.ZooError` in one
sentence before any work; ``sample()`` draws at most 1,024 images a call. Property tests
(Hypothesis, ``tests/api/test_api_properties.py``) hold every public call to that.
"""

import os as _os

from zoo_core.quiet_tf import install as _quiet_tf

_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
_quiet_tf()  # TensorFlow's native start-up lines stay out of the notebook, as out of the CLI

from zoo.api import datasets, info, metrics, models, open, pretrained, run, visualizers  # noqa: E402
from zoo.run_folder import History, Run, TrainedModel  # noqa: E402
from zoo_core.errors import (  # noqa: E402
    DataError,
    FigureError,
    IncompatibleError,
    RunError,
    SettingsError,
    UnknownNameError,
    UsageError,
    ZooError,
)

__all__ = [
    "run",
    "open",
    "pretrained",
    "models",
    "datasets",
    "visualizers",
    "metrics",
    "info",
    "Run",
    "TrainedModel",
    "History",
    "ZooError",
    "UsageError",
    "UnknownNameError",
    "SettingsError",
    "IncompatibleError",
    "DataError",
    "RunError",
    "FigureError",
]
