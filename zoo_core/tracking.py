"""Trackers: where a run is logged besides its own folder (``zoo run --track NAME``), e.g.
an MLflow tracking server. TensorBoard stays the default and needs none (the Keras runtime
writes ``RUN/tensorboard/``); a tracker plugin registers through ``register_trackers``.

The runner calls a tracker at three points of a run: :meth:`Tracker.start` once the run
folder and its ``config.json`` exist, :meth:`Tracker.callback` for an observer of training
(called as Keras calls its callbacks, each epoch's logs included), and
:meth:`Tracker.finish` when the run ends, finished or not, with the trained model when there
is one. :meth:`Tracker.check` refuses before anything starts (a missing client library, a
missing server address), so a run is never half-tracked.
"""

from __future__ import annotations

from typing import Any, ClassVar

from zoo_core.settings import NoSettings


class Tracker:
    Settings: ClassVar[type] = NoSettings

    def __init__(self, settings=None):
        self.settings = settings if settings is not None else self.Settings()

    @classmethod
    def check(cls) -> None:
        """Raise :class:`~zoo_core.errors.UsageError` if this tracker cannot log now."""

    def start(self, run, plan) -> None:
        """The run folder exists, with its ``config.json``."""

    def callback(self) -> Any:
        """An observer of training (``on_epoch_end(epoch, logs)``), or None."""
        return None

    def finish(self, run, status: str, model=None) -> None:
        """The run ended with ``status`` (``finished``, ``failed``, ``interrupted``)."""
