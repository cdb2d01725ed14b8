"""What a Model, a Dataset and a Visualizer plugin must provide.

Plugins subclass these. Everything the runner needs to check that a model, a dataset and
visualizers fit together is on the class or computed from settings, so the check runs
before any data is loaded or any TensorFlow import happens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from .errors import IncompatibleError
from .settings import NoSettings

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    from matplotlib.figure import Figure
    from rich.console import Console

    from .runs import RunDir

#: Capabilities a model may declare; visualizers and commands ask for them.
ENCODE, DECODE, SAMPLE = "encode", "decode", "sample"


@dataclass(frozen=True)
class DataSpec:
    """What a dataset yields, known without loading it."""

    kind: str  # "images"
    element_shape: tuple[int, ...]  # e.g. (28, 28, 1)
    dtype: str  # e.g. "float32"
    class_names: tuple[str, ...]
    splits: tuple[str, ...]  # e.g. ("train", "test", "all")


class Dataset:
    """A named source of labelled examples.

    Subclasses set :attr:`Settings` and implement :meth:`spec` and :meth:`arrays`. The default
    :meth:`pipeline` turns the arrays into a ``tf.data`` pipeline.
    """

    Settings: ClassVar[type] = NoSettings

    def __init__(self, settings=None):
        self.settings = settings if settings is not None else self.Settings()

    @classmethod
    def spec(cls, settings) -> DataSpec:
        """Shape, dtype, class names and splits for these settings (no loading)."""
        raise NotImplementedError

    def arrays(self, split: str) -> tuple["np.ndarray", "np.ndarray"]:
        """``(x, y)`` of a split: ``x`` float32 in [0, 1] with a channel axis, ``y`` int."""
        raise NotImplementedError

    def pipeline(self, split: str, batch_size: int, *, seed: int, shuffle: bool = True,
                 first_epoch: int = 0, transform=None):
        """A ``tf.data.Dataset`` of ``(x, y)`` batches; see :func:`zoo_core.data.pipeline`."""
        from .data import pipeline

        x, y = self.arrays(split)
        return pipeline(x, y, batch_size, seed=seed, shuffle=shuffle, first_epoch=first_epoch,
                        transform=transform or self.transform)

    #: Optional per-batch transform ``fn(x, seed) -> x`` (seed: a stateless RNG seed pair).
    transform = None

    def describe(self) -> dict[str, Any]:
        """Where the data comes from, for ``zoo info`` (may look for files, must not load)."""
        return {}

    def manifest(self) -> dict[str, Any]:
        """Files, checksums and split sizes, written into the run directory."""
        return self.describe()


@dataclass
class RunContext:
    """What a model gets when it trains, evaluates or draws within a run."""

    run: "RunDir"
    dataset: Dataset | None
    seed: int
    console: "Console"
    strategy: str = "default"
    resume: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class Model:
    """A trainable model.

    Declares what it needs (``"images"`` or ``"environment"``) and what it can do
    (:data:`ENCODE`, :data:`DECODE`, :data:`SAMPLE`). Models with ``encode``/``decode`` get
    the latent-space visualizers for free.

    To be distributable (``zoo run --strategy mirrored``), a model lists the strategy in
    :attr:`strategies`, builds its variables inside the ``tf.distribute`` scope it is given
    and reduces its losses over the global batch.
    """

    Settings: ClassVar[type] = NoSettings
    needs: ClassVar[str] = "images"
    capabilities: ClassVar[frozenset[str]] = frozenset()
    strategies: ClassVar[tuple[str, ...]] = ("default",)

    def __init__(self, settings=None, data_spec: DataSpec | None = None):
        self.settings = settings if settings is not None else self.Settings()
        self.data_spec = data_spec

    @classmethod
    def check_data(cls, settings, spec: DataSpec) -> None:
        """Raise :class:`IncompatibleError` if this model cannot train on ``spec``."""
        if spec.kind != cls.needs:
            raise IncompatibleError(
                f"{cls.__name__} needs {cls.needs} but the dataset provides {spec.kind}")

    @classmethod
    def check_settings(cls, settings) -> None:
        """Raise :class:`SettingsError` or :class:`IncompatibleError` for settings that
        cannot work together (checked before anything is built)."""

    @classmethod
    def latent_dim_of(cls, settings) -> int | None:
        """The latent size for these settings, if the model has a latent space."""
        return getattr(settings, "latent_dim", None)

    # -- the life of a run ---------------------------------------------------------------
    def train(self, ctx: RunContext) -> dict[str, float]:
        """Train (or continue training, when ``ctx.resume``) and return final metrics."""
        raise NotImplementedError

    def evaluate(self, ctx: RunContext, **options) -> dict[str, float]:
        """Held-out metrics for ``zoo eval`` (may be thorough and slow)."""
        raise NotImplementedError

    def test_metrics(self, ctx: RunContext) -> dict[str, float]:
        """Held-out metrics reported at the end of ``zoo run`` (quick)."""
        return self.evaluate(ctx)

    def load(self, run: "RunDir", which: str = "final") -> None:
        """Restore weights from a run directory."""
        raise NotImplementedError

    def count_params(self) -> int:
        return 0

    # -- capabilities (only for models that declare them) ----------------------------------
    @property
    def latent_dim(self) -> int:
        return self.latent_dim_of(self.settings)

    def encode(self, x: "np.ndarray") -> "np.ndarray":
        """Latent means of a batch of images."""
        raise NotImplementedError

    def decode(self, z: "np.ndarray") -> "np.ndarray":
        """Images in [0, 1] decoded from latent points, in one batched call."""
        raise NotImplementedError


@dataclass
class DrawContext:
    """What a visualizer gets: the trained model, its data and run, and a figure title."""

    model: Model
    dataset: Dataset | None
    run: "RunDir"
    title: str
    seed: int = 0


class Visualizer:
    """Draws one figure from a trained model.

    :attr:`requires` lists the model capabilities it needs; :meth:`check_model` refuses a
    model before training when they are missing.
    """

    Settings: ClassVar[type] = NoSettings
    requires: ClassVar[frozenset[str]] = frozenset({ENCODE, DECODE})
    needs_dataset: ClassVar[bool] = False

    def __init__(self, settings=None):
        self.settings = settings if settings is not None else self.Settings()

    @classmethod
    def check_model(cls, model_cls: type[Model], model_settings) -> None:
        missing = sorted(cls.requires - model_cls.capabilities)
        if missing:
            raise IncompatibleError(
                f"needs a model that can {', '.join(missing)}")

    def draw(self, ctx: DrawContext) -> "Figure":
        raise NotImplementedError
