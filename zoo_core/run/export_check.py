"""Check an exported model with no zoo code: ``python check.py [FOLDER]``.

Every export folder carries a copy of this file. It loads each format the folder holds with
that format's own runtime (``tf.saved_model.load``, ``onnxruntime.InferenceSession``, the
LiteRT interpreter), calls every endpoint on the example inputs in ``examples.npz`` and
compares the output with what the zoo computed for the same inputs (also in
``examples.npz``), against the tolerance ``export.json`` states for the endpoint. It prints
one JSON object (per format, per endpoint: the largest absolute difference, milliseconds
per call, pass or fail) and exits 1 if any endpoint is outside its tolerance.

It imports NumPy and the runtimes only; it refuses to run if any zoo module got imported.
"""

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402


def _timed(call, args, repeats=3):
    out = call(*args)  # the first call may trace or allocate
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call(*args)
        times.append(time.perf_counter() - start)
    return out, 1000 * sorted(times)[len(times) // 2]


def savedmodel(folder, endpoints):
    import tensorflow as tf

    loaded = tf.saved_model.load(str(folder / "saved_model"))
    for e in endpoints:
        fn = getattr(loaded, e["name"])
        out_name = e["output"]["name"]
        yield e, (lambda *a, fn=fn, out=out_name: fn(*a)[out].numpy())


def onnx(folder, endpoints):
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    for e in endpoints:
        session = onnxruntime.InferenceSession(
            str(folder / f"{e['name']}.onnx"), options, providers=["CPUExecutionProvider"]
        )
        names = [i.name for i in session.get_inputs()]

        def call(*a, session=session, names=names):
            return session.run(None, dict(zip(names, a)))[0]

        yield e, call


def litert(folder, endpoints, runtime="ai_edge_litert"):
    try:
        if runtime != "ai_edge_litert":
            raise ImportError  # TF Select operators: TensorFlow's interpreter runs them
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:  # TensorFlow's copy of the same interpreter
        import tensorflow as tf

        Interpreter = tf.lite.Interpreter
    interpreter = Interpreter(model_path=str(folder / "model.tflite"))
    for e in endpoints:
        runner = interpreter.get_signature_runner(e["name"])
        keys = [p["name"] for p in e["inputs"]]
        out_name = e["output"]["name"]

        def call(*a, runner=runner, keys=keys, out=out_name):
            return runner(**dict(zip(keys, a)))[out]

        yield e, call


RUNTIMES = {"savedmodel": savedmodel, "onnx": onnx, "litert": litert}


def check(folder) -> dict:
    folder = Path(folder)
    manifest = json.loads((folder / "export.json").read_text())
    examples = np.load(folder / "examples.npz")
    report = {}
    for fmt, written in manifest["formats"].items():
        rows = report[fmt] = {}
        extra = [written["runtime"]] if fmt == "litert" else []
        for e, call in RUNTIMES[fmt](folder, manifest["endpoints"], *extra):
            args = [examples[f"{e['name']}/{p['name']}"] for p in e["inputs"]]
            expected = examples[f"{e['name']}/{e['output']['name']}"]
            got, ms = _timed(call, args)
            got = np.asarray(got)
            diff = float(np.max(np.abs(got - expected))) if got.shape == expected.shape else None
            rows[e["name"]] = {
                "max_abs_diff": diff,
                "tolerance": e["tolerance"],
                "ms_per_call": round(ms, 3),
                "batch": int(len(args[0])),
                "ok": diff is not None and diff <= e["tolerance"],
            }
    imported = sorted(m for m in sys.modules if m.split(".")[0] in ("zoo", "zoo_core", "zoo_keras"))
    report["zoo_modules_imported"] = imported
    return report


def main(argv) -> int:
    report = check(argv[1] if len(argv) > 1 else Path(__file__).parent)
    print(json.dumps(report, indent=1))
    failed = report["zoo_modules_imported"] or any(
        not row["ok"]
        for fmt, rows in report.items()
        if isinstance(rows, dict)
        for row in rows.values()
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
