"""What a Model, a Dataset, a Visualizer and a Metric plugin provide: the family-neutral
contract.

Plugins subclass these. Everything the planner needs to check that a model, a dataset,
visualizers and metrics fit together is on the class or computed from settings and the
data spec, so the check runs before any data is loaded or TensorFlow is imported.

Capabilities a model may declare (a visualizer or metric names the ones it needs):

=============== ====================================================================
``encode``      ``encode(x, labels=None)`` -> latent points (means), shape ``latent_shape``
``decode``      ``decode(z, labels=None)`` -> images in [0, 1]
``sample``      ``sample(n, seed=..., labels=None)`` -> images in [0, 1]
``likelihood``  ``log_likelihood(x, seed=..., k=...)`` -> log p(x) per example, in
                :attr:`Model.likelihood_unit`; :attr:`Model.likelihood` says ``"exact"``
                or ``"bound"`` (a lower bound, e.g. the IWAE bound with ``k`` samples)
``conditional`` the methods above take ``labels=`` (class indices); needs labelled data
``latent_usage`` ``latent_usage(x, labels=None)`` -> how much each latent dimension is used
                on ``x`` (one number per dimension) and the unit, e.g. a VAE's mean KL
=============== ====================================================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from zoo_core import settings as S
from zoo_core.dataset import Dataset, DataSpec
from zoo_core.errors import IncompatibleError, SettingsError
from zoo_core.settings import NoSettings

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    from matplotlib.figure import Figure
    from rich.console import Console

    from zoo_core.export import Endpoint
    from zoo_core.run_dir import RunDir

#: Capabilities a model may declare; visualizers, metrics and commands ask for them.
ENCODE, DECODE, SAMPLE = "encode", "decode", "sample"
LIKELIHOOD, CONDITIONAL, LATENT_USAGE = "likelihood", "conditional", "latent_usage"
CAPABILITIES = (ENCODE, DECODE, SAMPLE, LIKELIHOOD, CONDITIONAL, LATENT_USAGE)


@dataclass(frozen=True)
class MetricInfo:
    """A metric a model reports while training: its name in the logs, unit and meaning.

    Progress bars, the NaN stop, the best checkpoint, ``curves`` and ``zoo compare`` read
    these declarations instead of guessing from names.
    """

    name: str  # the key in Keras' logs, e.g. "loss" or "d_loss"
    unit: str = ""  # e.g. "nats/image"
    short: str = ""  # label in the progress line (default: name)
    description: str = ""  # what it measures, e.g. "noise prediction error"

    @property
    def label(self) -> str:
        return self.short or self.name


@dataclass
class RunContext:
    """What a model gets when it trains, and a metric when it measures, within a run."""

    run: RunDir
    dataset: Dataset | None
    seed: int
    console: Console
    strategy: str = "default"
    resume: bool = False
    #: write TensorBoard summaries under ``run/tensorboard/`` (scalars per epoch, an image
    #: every few epochs); models that train otherwise log what they can
    tensorboard: bool = False
    #: observers of training, called the way Keras calls its callbacks
    #: (``on_epoch_begin(epoch)``, ``on_epoch_end(epoch, logs)``, ...): added to ``fit`` by
    #: a Keras family, called by a loop of its own otherwise. A tune trial prunes with one;
    #: the contract kit interrupts a run with one.
    callbacks: tuple[Any, ...] = ()
    #: how to go on after training stops early, in the stop's message (default: ``zoo run
    #: --resume RUN``); a tune trial says how to continue the search instead
    resume_hint: str | None = None
    #: a ``rich.progress.Progress`` that long measurements add their tasks to (``zoo eval``)
    progress: Any = None
    #: what one ``zoo eval`` computes once for several metrics (the test split's features),
    #: keyed by the metric plugin's own names
    cache: dict[str, Any] = field(default_factory=dict)


class Model:
    """A trainable model, of any family.

    Declares what it needs (``"images"`` or ``"environment"``), what it can do
    (:data:`CAPABILITIES`), the metrics it reports while training (:attr:`metrics`,
    :attr:`monitor`, :attr:`monitor_mode`) and its latent shape (:meth:`latent_shape_of`).
    Keras families subclass :class:`zoo_keras.KerasModel`, which implements the run
    (:meth:`train`, :meth:`load`, resume); other models implement those two themselves.

    To be distributable (``zoo run --strategy mirrored``), a model lists the strategy in
    :attr:`strategies`, builds its variables inside the ``tf.distribute`` scope it is given
    and reduces its losses over the global batch.
    """

    Settings: ClassVar[type] = NoSettings
    needs: ClassVar[str] = "images"
    capabilities: ClassVar[frozenset[str]] = frozenset()
    strategies: ClassVar[tuple[str, ...]] = ("default",)
    default_visualizers: ClassVar[tuple[str, ...]] = ()
    #: Metrics reported per epoch; the first is shown first everywhere.
    metrics: ClassVar[tuple[MetricInfo, ...]] = (MetricInfo("loss"),)
    #: The metric that picks ``best.keras`` (its ``val_`` form when there is a test pass).
    monitor: ClassVar[str] = "loss"
    monitor_mode: ClassVar[str] = "min"  # or "max"
    #: ``"exact"`` or ``"bound"`` for models with the ``likelihood`` capability.
    likelihood: ClassVar[str | None] = None
    likelihood_unit: ClassVar[str] = "nats"
    #: Settings that sampling may change per call (``sample(n, seed=..., steps=10)``): how a
    #: trained model samples, not what it is. Declared once, by the Settings fields marked
    #: ``"sampling": True`` (:mod:`zoo_core.settings`); the rest are fixed at training.
    sampling_settings: ClassVar[tuple[str, ...]] = ()
    #: True when ``zoo run --resume`` continues the run exactly.
    resumable: ClassVar[bool] = False
    #: A model that trains on no dataset names the setting that says what it trains on
    #: (e.g. an environment id); the run folder is named after its value and a plugin can
    #: offer it as a flag (:func:`zoo_core.cli.output.add_setting_option`).
    source_setting: ClassVar[str | None] = None
    #: The unit training counts in: the key of each ``metrics.json`` history row and of
    #: ``state.json`` (``"epoch"``), and the setting that plans how many (``"epochs"``).
    progress_unit: ClassVar[str] = "epoch"
    progress_setting: ClassVar[str] = "epochs"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.sampling_settings = S.sampling_names(cls.Settings)

    def __init__(self, settings=None, data_spec: DataSpec | None = None):
        self.settings = settings if settings is not None else self.Settings()
        self.data_spec = data_spec

    # -- declarations, checked before anything is built -----------------------------------
    @classmethod
    def check_data(cls, settings, spec: DataSpec) -> None:
        """Raise :class:`IncompatibleError` if this model cannot train on ``spec``."""
        if spec.kind != cls.needs:
            raise IncompatibleError(
                f"{cls.__name__} needs {cls.needs} but the dataset provides {spec.kind}"
            )
        if CONDITIONAL in cls.capabilities and spec.num_classes < 2:
            raise IncompatibleError(
                f"{cls.__name__} is conditional and needs a labelled dataset of at least 2 "
                f"classes; this one has {spec.num_classes or 'no class names'} (an image "
                "folder: each class's images in a sub-folder of its own)"
            )

    @classmethod
    def check_settings(cls, settings) -> None:
        """Raise :class:`SettingsError` or :class:`IncompatibleError` for settings that
        cannot work together (checked before the run directory exists)."""

    @classmethod
    def latent_shape_of(cls, settings, spec: DataSpec | None) -> tuple[int, ...] | None:
        """The shape of one latent point (what ``encode`` returns and ``decode`` and
        :meth:`prior` take), or None without a latent space (the default). A family
        computes it from its settings and the data spec, e.g. ``(settings.size,)`` or,
        for a flow, ``spec.element_shape``."""
        return None

    @classmethod
    def describe_metrics(cls) -> dict[str, Any]:
        """What ``metrics.json`` records about the metrics (read by ``zoo compare``)."""
        return {
            "monitor": cls.monitor,
            "monitor_mode": cls.monitor_mode,
            "progress_unit": cls.progress_unit,
            "metrics": {
                m.name: {"unit": m.unit, "description": m.description} for m in cls.metrics
            },
        }

    # -- the life of a run ---------------------------------------------------------------
    def train(self, ctx: RunContext) -> dict[str, float]:
        """Train (or continue training, when ``ctx.resume``) and return final metrics."""
        raise NotImplementedError

    def test_metrics(self, ctx: RunContext) -> dict[str, float]:
        """Quick held-out metrics reported at the end of ``zoo run`` (default: none).

        Thorough evaluation is the metric plugins' job (``zoo eval``)."""
        return {}

    def load(self, run: RunDir, which: str = "final") -> None:
        """Restore a run's model: ``"final"`` (``model.keras``, else the last checkpoint)
        or a checkpoint file name such as ``"last.keras"`` or ``"best.keras"``."""
        raise NotImplementedError

    def count_params(self) -> int:
        return 0

    def get_weights(self) -> list:
        """Every trained array (compared by the contract checks); empty if none."""
        return []

    def progress_label(self, history: list[dict]) -> str:
        """How far training got, for figure titles: e.g. ``"epoch 30"``."""
        done = history[-1].get(self.progress_unit, len(history)) if history else 0
        shown = f"{done:,}" if isinstance(done, int) else done
        return f"{self.progress_unit} {shown}"

    # -- capabilities (only for models that declare them) ----------------------------------
    @property
    def latent_shape(self) -> tuple[int, ...] | None:
        return self.latent_shape_of(self.settings, self.data_spec)

    @property
    def latent_dim(self) -> int | None:
        """The number of latent values (the product of :attr:`latent_shape`)."""
        shape = self.latent_shape
        return None if shape is None else math.prod(shape)

    def encode(self, x: np.ndarray, labels=None) -> np.ndarray:
        """Latent means of a batch of images."""
        raise NotImplementedError

    def decode(self, z: np.ndarray, labels=None) -> np.ndarray:
        """Images in [0, 1] decoded from latent points, in one batched call."""
        raise NotImplementedError

    def prior(self, n: int, seed: int, labels=None) -> np.ndarray:
        """``n`` latent points from the prior (default: standard normal of
        :attr:`latent_shape`); reproducible from ``seed``. A conditional model with a
        class-conditional prior p(z|y) uses ``labels``; the same ``seed`` then gives the
        same underlying noise for every class (``class_grid`` relies on it)."""
        import numpy as np

        if self.latent_shape is None:
            raise NotImplementedError(f"{type(self).__name__} declares no latent_shape_of")
        return (
            np.random.default_rng(seed).standard_normal((n, *self.latent_shape)).astype("float32")
        )

    def sample(self, n: int, *, seed: int, labels=None, **options) -> np.ndarray:
        """``n`` images in [0, 1]: the one way samples are drawn (``zoo sample``, the
        ``samples`` visualizer, the metrics). ``options``: sampling settings for this call
        only (those in :attr:`sampling_settings`, e.g. ``steps=10``), checked by
        :meth:`sampling`. Default: :meth:`decode` of :meth:`prior`."""
        self.sampling(**options)  # none declared: any option is refused
        if CONDITIONAL in self.capabilities:
            return self.decode(self.prior(n, seed, labels=labels), labels=labels)
        return self.decode(self.prior(n, seed))

    def sampling(self, **options):
        """The model's settings with sampling ``options`` applied, for one call: each
        converted and range-checked as ``--set`` is; one that is not in
        :attr:`sampling_settings` is refused. The model's own settings are not changed."""
        wrong = sorted(set(options) - set(self.sampling_settings))
        if wrong:
            free = ", ".join(self.sampling_settings) or "none"
            raise SettingsError(
                f"{type(self).__name__} takes no sampling option '{wrong[0]}'; "
                f"its sampling options: {free}"
            )
        if not options:
            return self.settings
        owner = f"{type(self).__name__} sampling"
        return S.resolve(type(self.settings), S.as_dict(self.settings), options, owner=owner)

    # -- leaving the zoo: ``zoo export`` (:mod:`zoo_core.export`) ---------------------------
    def endpoints(self, **options) -> list[Endpoint]:
        """The functions an export writes; ``options``: sampling settings fixed into them."""
        raise IncompatibleError(f"{type(self).__name__} cannot be exported: no endpoints")

    def export(self, endpoints: list[Endpoint], folder, fmt: str) -> dict:
        """Write them as ``fmt`` in ``folder``: ``{"files": [...], "runtime": ...}``."""
        raise IncompatibleError(f"{type(self).__name__} has no exporter for {fmt}")

    def latent_usage(self, x: np.ndarray, labels=None) -> tuple[np.ndarray, str]:
        """How much each latent dimension is used on ``x``: one number per dimension (a
        dimension near zero is collapsed: the decoder ignores it) and its unit, e.g.
        ``(mean KL per dimension, "nats")`` for a VAE."""
        raise NotImplementedError

    def log_likelihood(
        self, x: np.ndarray, *, seed: int = 0, k: int = 1, labels=None, precision: str = "float32"
    ) -> np.ndarray:
        """log p(x) per example in :attr:`likelihood_unit` (a lower bound when
        :attr:`likelihood` is ``"bound"``, tightened by ``k`` samples). ``precision``:
        ``"bfloat16"`` lets a model run its heavy part in bfloat16 (a model that cannot
        ignores it); the result stays float32."""
        raise NotImplementedError


def classes_in_turn(n: int, num_classes: int) -> np.ndarray:
    """Class indices ``0, 1, ..., K-1, 0, 1, ...`` for ``n`` samples: how a conditional
    model is sampled when no class is asked for (``zoo sample``, the ``samples`` figure,
    the metrics, the leaderboard's grid)."""
    import numpy as np

    return (np.arange(n) % max(1, num_classes)).astype("int32")


@dataclass
class DrawContext:
    """What a visualizer gets: the trained model, its data and run, and a figure title."""

    model: Model
    dataset: Dataset | None
    run: RunDir
    title: str
    seed: int = 0


def _refuse_missing(required, model_cls) -> None:
    missing = sorted(set(required) - set(model_cls.capabilities))
    verbs = [c for c in missing if c in (ENCODE, DECODE, SAMPLE)]
    others = [c for c in missing if c not in verbs]
    if verbs:
        raise IncompatibleError(f"needs a model that can {' and '.join(verbs)}")
    if others:
        plural = "ies" if len(others) > 1 else "y"
        raise IncompatibleError(f"needs a model with the {' and '.join(others)} capabilit{plural}")


class Visualizer:
    """Draws one figure from a trained model. :attr:`requires`: the model capabilities it
    needs; :attr:`needs_dataset`: it draws the run's data (a model trained on no dataset is
    refused); :attr:`measures`: it samples hundreds of images or more to measure the model
    (``zoo demo`` does not draw it on request); :meth:`check_model` refuses before training."""

    Settings: ClassVar[type] = NoSettings
    requires: ClassVar[frozenset[str]] = frozenset()
    needs_dataset: ClassVar[bool] = False
    measures: ClassVar[bool] = False

    def __init__(self, settings=None):
        self.settings = settings if settings is not None else self.Settings()

    @classmethod
    def check_model(
        cls, model_cls: type[Model], model_settings, data_spec: DataSpec | None = None
    ) -> None:
        _refuse_missing(cls.requires, model_cls)
        if cls.needs_dataset and model_cls.source_setting is not None:
            raise IncompatibleError("needs a model trained on a dataset (it draws its examples)")

    def draw(self, ctx: DrawContext) -> Figure:
        raise NotImplementedError


@dataclass
class MetricResult:
    """What one metric measured: values with their units, and how they were measured."""

    values: dict[str, float]
    units: dict[str, str] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)  # e.g. {"bound": "IWAE, k=100"}


class Metric:
    """Measures a trained model (``zoo eval``). Declares what it needs: model capabilities
    (:attr:`requires`), a labelled dataset (:attr:`needs_labels`), the dataset's feature
    extractor (:attr:`needs_features`), or an environment (:attr:`needs` =
    ``"environment"``); :meth:`check` refuses a model and dataset that do not fit."""

    Settings: ClassVar[type] = NoSettings
    requires: ClassVar[frozenset[str]] = frozenset()
    needs: ClassVar[str] = "images"
    needs_labels: ClassVar[bool] = False
    needs_features: ClassVar[bool] = False
    #: Result names where a higher value is better (the rest: lower is better).
    higher_is_better: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, settings=None):
        self.settings = settings if settings is not None else self.Settings()

    @classmethod
    def check(
        cls,
        model_cls: type[Model],
        model_settings,
        data_spec: DataSpec | None,
        dataset_cls: type[Dataset] | None,
    ) -> None:
        """Raise :class:`IncompatibleError` naming what is missing."""
        if model_cls.needs != cls.needs:
            raise IncompatibleError(f"measures models trained on {cls.needs}")
        _refuse_missing(cls.requires, model_cls)
        if cls.needs_labels and not (data_spec and data_spec.labelled):
            raise IncompatibleError("needs a labelled dataset")
        if cls.needs_features and not (dataset_cls and dataset_cls.provides_features):
            raise IncompatibleError(
                "needs a dataset that provides a feature extractor "
                "(Dataset.provides_features and Dataset.feature_extractor())"
            )

    def compute(self, model: Model, ctx: RunContext) -> MetricResult:
        raise NotImplementedError
