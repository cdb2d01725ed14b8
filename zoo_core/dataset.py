"""What a Dataset plugin provides, and what the planner knows of it before loading:
its :class:`DataSpec`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from zoo_core.settings import NoSettings

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np


@dataclass(frozen=True)
class DataSpec:
    """What a dataset yields, known without loading it."""

    kind: str  # "images"
    element_shape: tuple[int, ...]  # e.g. (28, 28, 1)
    dtype: str  # e.g. "float32"
    class_names: tuple[str, ...]  # empty for unlabelled data
    splits: tuple[str, ...]  # e.g. ("train", "test", "all")

    @property
    def labelled(self) -> bool:
        """True when examples come with class labels (``class_names`` is not empty)."""
        return bool(self.class_names)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)


class Dataset:
    """A named source of examples (labelled when its spec has class names).

    Subclasses set :attr:`Settings` and implement :meth:`spec` and :meth:`arrays`. Training
    turns the arrays into a ``tf.data`` pipeline; a dataset larger than memory implements
    ``pipeline(split, batch_size, *, seed, shuffle, first_epoch)`` and
    :meth:`num_examples` and streams instead. A dataset that ships a
    feature network (for sample-quality metrics such as FID) sets :attr:`provides_features`
    and implements :meth:`feature_extractor`.
    """

    Settings: ClassVar[type] = NoSettings
    provides_features: ClassVar[bool] = False
    #: The setting that names a folder of data, for a dataset that reads any folder:
    #: ``--dataset ~/photos`` then means this dataset with that setting.
    folder_setting: ClassVar[str | None] = None
    #: The data's licence and where it comes from, as a model card states it (None: unknown,
    #: e.g. a user's own folder)
    licence: ClassVar[str | None] = None

    def __init__(self, settings=None):
        self.settings = settings if settings is not None else self.Settings()

    @classmethod
    def spec(cls, settings) -> DataSpec:
        """Shape, dtype, class names and splits for these settings (no loading)."""
        raise NotImplementedError

    def arrays(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        """``(x, y)`` of a split: ``x`` float32 in [0, 1] with a channel axis, ``y`` int."""
        raise NotImplementedError

    def checked_arrays(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`arrays`, held to :meth:`spec` (:func:`zoo_core.data_check.check_arrays`):
        a plugin's slip is one :class:`DataError` line naming the method, before training."""
        from zoo_core.data_check import check_arrays

        where = f"{type(self).__qualname__}.arrays({split!r})"
        return check_arrays(self.spec(self.settings), *self.arrays(split), where)

    def num_examples(self, split: str) -> int:
        """How many examples ``split`` holds (default: the length of :meth:`arrays`; a
        dataset that streams overrides it so that counting loads nothing)."""
        return len(self.arrays(split)[0])

    #: Optional per-batch transform ``fn(x, seed) -> x`` (seed: a stateless RNG seed pair).
    transform = None

    def feature_extractor(self):
        """A callable ``images -> (features, class_probabilities)`` for sample metrics, with
        ``space`` (a name: numbers are comparable only within one space) and ``info`` (a
        dict, e.g. the classifier's held-out ``test_accuracy``). :mod:`zoo_keras.features`
        has a trained classifier's extractor and the random fallback for unlabelled data."""
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        """Where the data comes from, for ``zoo info`` (may look for files, must not load):
        a flat dict of JSON values, e.g. ``{"found": "/usr/share/...", "train": 60000}``."""
        return {}

    def manifest(self) -> dict[str, Any]:
        """What a run used, as its ``manifest.json`` (default: :meth:`describe`), e.g.
        ``{"source": "...", "files": {"name": "sha256"}, "splits": {"train": 60000}}``."""
        return self.describe()
