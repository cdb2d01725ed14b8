"""The Keras runtime: what a Keras family builds on, beside the core and never imported
by it.

:class:`KerasModel` implements a run (build in the strategy's scope, ``fit`` with the run's
callbacks, exact resume, atomic checkpoints) over a family's network;
:func:`replayable_normal` draws noise that a resumed run replays exactly. A family that
trains otherwise (the DQN's loop) needs only :mod:`zoo_core`. Importing this package imports
no TensorFlow: that happens when a model trains or loads.
"""

from zoo_keras.model import KerasModel, replayable_normal

__all__ = ["KerasModel", "replayable_normal"]
