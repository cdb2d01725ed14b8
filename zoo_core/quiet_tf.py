"""Keep TensorFlow's native start-up lines (oneDNN, CUDA probes, CPU features, absl's
pre-init warning) off the user's terminal.

TensorFlow 2.19+ writes them from C++ at import and at device set-up, and
``TF_CPP_MIN_LOG_LEVEL`` no longer silences all of them (tensorflow/tensorflow#100442). The
CLI installs :func:`install`: the first ``import tensorflow``, wherever a plugin does it,
runs with file descriptor 2 pointed at /dev/null, devices are set up inside the same window,
then stderr is restored, and TensorFlow's Python logger is set to errors only (its
retracing warnings speak to library authors). Python exceptions still propagate;
``ZOO_DEBUG=1`` turns this off.
"""

from __future__ import annotations

import importlib.abc
import os
import sys


class _QuietFirstImport(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        uninstall()
        _import_quietly()
        return None  # imported now: the normal machinery finds it in sys.modules


def _import_quietly() -> None:
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            import tensorflow as tf

            if not _devices_configured_later():
                tf.config.list_logical_devices()  # device set-up logs inside the window too
            # tf.function's retracing advice is for library authors, not users of the CLI
            tf.get_logger().setLevel("ERROR")
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _devices_configured_later() -> bool:
    """True when a strategy must configure devices before they exist: multi-worker
    collectives (``TF_CONFIG``) and logical CPUs for ``mirrored`` (``ZOO_LOGICAL_CPUS``)
    are fixed at device set-up, so listing devices here would freeze them."""
    return bool(os.environ.get("TF_CONFIG") or os.environ.get("ZOO_LOGICAL_CPUS"))


_finder = _QuietFirstImport()


def install() -> None:
    # TensorFlow's C++ logging: set before it is ever imported
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if os.environ.get("ZOO_DEBUG") or "tensorflow" in sys.modules:
        return
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)


def uninstall() -> None:
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
