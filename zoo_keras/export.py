"""Writing a Keras family's endpoints (:mod:`zoo_core.export`) through the converters the
ecosystem maintains, not a hand-written one:

- **SavedModel**: Keras' own ``keras.export.ExportArchive`` (the network's variables tracked
  once, one signature per endpoint), loadable with ``tf.saved_model.load`` and served by TF
  Serving;
- **ONNX**: ``tf2onnx.convert.from_function``, the converter Keras' ``model.export(format=
  "onnx")`` calls, once per endpoint (``NAME.onnx``), for ONNX Runtime;
- **LiteRT**: ``tf.lite.TFLiteConverter.from_saved_model`` over the SavedModel, every
  endpoint a signature of one ``model.tflite`` (Keras' ``format="litert"`` takes the same
  path), built-in operators only, so the plain LiteRT interpreter runs it with no Flex
  delegate.

A converter that cannot take a graph (an operator it lacks) is reported as one line naming
the format and the converter's own reason.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from pathlib import Path

from zoo_core.errors import IncompatibleError, one_line


def _signature(endpoint):
    import tensorflow as tf

    return [
        tf.TensorSpec([None, *p.shape], getattr(tf, p.dtype), name=p.name) for p in endpoint.inputs
    ]


def _function(endpoint):
    """The endpoint's graph as a ``tf.function`` with its signature, returning a dict
    keyed by the output's name (so every runtime names the output as the docs do)."""
    import tensorflow as tf

    name = endpoint.output.name
    return tf.function(
        lambda *args: {name: endpoint.graph(*args)}, input_signature=_signature(endpoint)
    )


def write_savedmodel(net, endpoints, folder: Path) -> None:
    import keras

    archive = keras.export.ExportArchive()
    archive.track(net)
    for e in endpoints:
        archive.add_endpoint(e.name, _function(e))
    with _quiet():
        archive.write_out(str(folder), verbose=False)


def write(net, endpoints, folder, fmt: str) -> dict:
    """Write ``endpoints`` (of the Keras network ``net``) as ``fmt`` under ``folder``:
    ``{"files": [...], "runtime": ...}``, the files relative to it and what loads them."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if fmt == "savedmodel":
        write_savedmodel(net, endpoints, folder / "saved_model")
        return {"files": ["saved_model/"], "runtime": "tensorflow"}
    if fmt == "onnx":
        return {"files": [_write_onnx(e, folder) for e in endpoints], "runtime": "onnxruntime"}
    if fmt == "litert":
        return _write_litert(net, endpoints, folder)
    raise IncompatibleError(f"unknown export format {fmt!r}")


def _write_onnx(endpoint, folder: Path) -> str:
    try:
        import tf2onnx
    except ImportError:
        raise IncompatibleError("ONNX export needs tf2onnx: pip install 'zoo[export]'") from None
    import warnings

    from keras.src.export.tf2onnx_lib import patch_tf2onnx  # tf2onnx on NumPy 2, as Keras

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # Keras' patch probes np.object
        patch_tf2onnx()
    target = folder / f"{endpoint.name}.onnx"
    fn = _function(endpoint)
    try:
        with _quiet():
            tf2onnx.convert.from_function(
                fn, _signature(endpoint), opset=17, output_path=str(target)
            )
    except Exception as exc:  # the converter's own reason, in one line
        raise IncompatibleError(
            f"ONNX export of '{endpoint.name}' failed in tf2onnx: {one_line(exc)}"
        ) from None
    import onnx

    try:  # a graph with an operator ONNX lacks converts, then no runtime loads it
        onnx.checker.check_model(str(target), full_check=True)
    except Exception as exc:  # noqa: BLE001
        target.unlink()
        raise IncompatibleError(
            f"ONNX export of '{endpoint.name}': tf2onnx wrote a graph ONNX does not accept "
            f"({one_line(exc)}); export it as savedmodel or litert"
        ) from None
    return target.name


def _write_litert(net, endpoints, folder: Path) -> dict:
    """Built-in operators first (any LiteRT interpreter runs them); a graph that needs a
    TensorFlow operator LiteRT lacks (e.g. a 6-D pad inside Keras' transposed convolution)
    falls back to TF Select, which the interpreter in TensorFlow's own package runs."""
    import tensorflow as tf

    target = folder / "model.tflite"
    with tempfile.TemporaryDirectory() as tmp:
        write_savedmodel(net, endpoints, Path(tmp) / "sm")
        flatbuffer, runtime, first = None, "ai_edge_litert", None
        for ops in (
            [tf.lite.OpsSet.TFLITE_BUILTINS],
            [tf.lite.OpsSet.TFLITE_BUILTINS, tf.lite.OpsSet.SELECT_TF_OPS],
        ):
            converter = tf.lite.TFLiteConverter.from_saved_model(
                str(Path(tmp) / "sm"), signature_keys=[e.name for e in endpoints]
            )
            converter.target_spec.supported_ops = ops
            try:
                with _quiet():
                    flatbuffer = converter.convert()
                break
            except Exception as exc:  # noqa: BLE001 (the converter's own reason, kept)
                first = first or exc
                runtime = "tensorflow (TF Select operators)"
        if flatbuffer is None:
            raise IncompatibleError(
                f"LiteRT export failed in the TFLite converter: {one_line(first)}"
            )
    tmp_target = target.with_name(target.name + ".tmp")
    tmp_target.write_bytes(flatbuffer)
    os.replace(tmp_target, target)
    return {"files": [target.name], "runtime": runtime}


@contextlib.contextmanager
def _quiet():
    """The converters print pages of progress, from Python and from C++ (straight to the
    file descriptors); the command prints its own."""
    import sys

    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    with open(os.devnull, "w") as null, contextlib.redirect_stdout(io.StringIO()):
        try:
            os.dup2(null.fileno(), 1)
            os.dup2(null.fileno(), 2)
            yield
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)
