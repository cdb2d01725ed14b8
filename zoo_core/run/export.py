"""``zoo export``: a trained run's endpoints (:mod:`zoo_core.export`) written in one or more
formats, with what a user needs to use them without the zoo, into one folder:

- the files of each format (``saved_model/``, ``NAME.onnx``, ``model.tflite``);
- ``export.json``: the endpoints (inputs, output, shapes, meaning, tolerance), the run it
  came from, the formats and their files;
- ``examples.npz``: example inputs of every endpoint and the zoo's own outputs for them;
- ``check.py``: loads each format with its own runtime, compares with ``examples.npz``
  (:mod:`zoo_core.run.export_check`); run here in a fresh process after every export;
- ``README.md``: the endpoints and how to call them from each runtime.

The folder is written beside its target and moved into place once checked, so a failed
export leaves nothing half-written, and an earlier export in the folder is replaced whole.
A folder that holds anything else is refused.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from zoo_core.errors import IncompatibleError, RunError, UsageError
from zoo_core.export import FORMATS, describe, example_inputs
from zoo_core.run.plan import Plan
from zoo_core.run_dir import RunDir

CHECK_SCRIPT = Path(__file__).with_name("export_check.py")


def target_folder(out) -> Path:
    """``out``, if it is new, empty, or an earlier export (refused otherwise)."""
    out = Path(out).expanduser()
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file; give a folder to write the export in")
    if out.is_dir() and any(out.iterdir()) and not (out / "export.json").is_file():
        raise UsageError(
            f"--out {out} holds files that are not an export; give a new or empty folder"
        )
    return out


def export_run(
    plan: Plan,
    run: RunDir,
    model,
    out,
    formats: list[str],
    *,
    reference: str,
    options: dict | None = None,
    n: int = 4,
    seed: int = 0,
    console=None,
    fresh_process: bool = True,
) -> dict:
    """Export ``model`` (opened from ``run``) to ``out``; what ``export.json`` records.
    ``fresh_process=False`` runs the check in this process (the contract kit's quick
    form; the command always checks in a fresh one)."""
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown or not formats:
        raise UsageError(
            f"unknown export format {unknown[0] if unknown else '(none)'!r}; "
            f"use: {', '.join(FORMATS)}"
        )
    out = target_folder(out)
    endpoints = model.endpoints(**(options or {}))
    out.parent.mkdir(parents=True, exist_ok=True)
    work = out.with_name(f".{out.name}.export-{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    try:
        arrays, zoo_ms = {}, {}
        for e in endpoints:
            inputs = example_inputs(e, n, seed)
            expected = e.reference(*inputs)  # the first call traces; the second is timed
            start = time.perf_counter()
            e.reference(*inputs)
            zoo_ms[e.name] = round(1000 * (time.perf_counter() - start), 3)
            for p, a in zip(e.inputs, inputs):
                arrays[f"{e.name}/{p.name}"] = a
            arrays[f"{e.name}/{e.output.name}"] = _as_output(expected, e)
        import numpy as np

        np.savez(work / "examples.npz", **arrays)
        files = {}
        for fmt in dict.fromkeys(formats):
            if console is not None:
                console.print(f"writing {fmt} ...")
            files[fmt] = model.export(endpoints, work, fmt)
        manifest = {
            "model": plan.model.name,
            "dataset": plan.dataset.name if plan.dataset is not None else None,
            "from": reference,
            "run_path": str(run.path),
            "sampling": dict(options or {}),
            "formats": files,
            "endpoints": describe(endpoints),
            "examples": {"n": n, "seed": seed, "zoo_ms_per_call": zoo_ms},
            "created": _dt.datetime.now().isoformat(timespec="seconds"),
        }
        (work / "export.json").write_text(json.dumps(manifest, indent=1) + "\n")
        shutil.copyfile(CHECK_SCRIPT, work / "check.py")
        if fresh_process:
            report = check_in_fresh_process(work)
        else:
            from zoo_core.run.export_check import check

            report = check(work)
            report["zoo_modules_imported"] = []  # this process is the zoo
        manifest["check"] = report
        (work / "export.json").write_text(json.dumps(manifest, indent=1) + "\n")
        (work / "README.md").write_text(readme(manifest))
        failed = [
            f"{fmt} {name} (max abs difference {row['max_abs_diff']}, tolerance {row['tolerance']})"
            for fmt, rows in report.items()
            if isinstance(rows, dict)
            for name, row in rows.items()
            if not row["ok"]
        ]
        if report.get("zoo_modules_imported"):
            failed.append(f"the check imported {', '.join(report['zoo_modules_imported'])}")
        if failed:
            raise RunError(
                f"the export does not match the zoo: {'; '.join(failed)}; nothing was written"
            )
        _move_into_place(work, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return manifest


def _as_output(expected, endpoint):
    import numpy as np

    a = np.asarray(expected, dtype=endpoint.output.dtype)
    want = tuple(endpoint.output.shape)
    if a.shape[1:] != want:
        a = a.reshape((len(a), *want))
    return a


def check_in_fresh_process(folder: Path) -> dict:
    """Run the folder's ``check.py`` in a new Python process (no zoo imported there)."""
    proc = subprocess.run(
        [sys.executable, str(folder / "check.py"), str(folder)],
        capture_output=True,
        text=True,
        cwd=str(folder),
    )
    try:
        return json.loads(proc.stdout)
    except ValueError:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise IncompatibleError(
            f"the export's check could not load it outside the zoo: {tail}"
        ) from None


def _move_into_place(work: Path, out: Path) -> None:
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, old)
    os.replace(work, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


# -- the export's README ----------------------------------------------------------------------
def _shape(p) -> str:
    return "(" + ", ".join("n" if d is None else str(d) for d in p["shape"]) + ")"


def readme(manifest: dict) -> str:
    """The export's README: what each endpoint takes and returns, how to call it."""
    m, eps = manifest, manifest["endpoints"]
    lines = [
        f"# {m['model']} exported from {m['from']}",
        "",
        f"Model `{m['model']}` trained on `{m['dataset']}`, exported by `zoo export` on "
        f"{m['created']}. No zoo code is needed to use these files: each format loads with "
        "its own runtime.",
        "",
        "## Endpoints",
        "",
        "Every endpoint takes a batch (the first axis, `n`, is free) and returns one array.",
        "",
        "| endpoint | inputs | output | what it is |",
        "|---|---|---|---|",
    ]
    for e in eps:
        ins = "<br>".join(
            f"`{p['name']}` {p['dtype']} {_shape(p)}: {p['meaning']}" for p in e["inputs"]
        )
        o = e["output"]
        lines.append(
            f"| `{e['name']}` | {ins} | `{o['name']}` {o['dtype']} {_shape(o)}: "
            f"{o['meaning']} | {e['doc']} |"
        )
    if m["sampling"]:
        fixed = ", ".join(f"{k}={v}" for k, v in m["sampling"].items())
        lines += ["", f"Sampling settings fixed into the export: {fixed}."]
    first = eps[0]
    args = ", ".join(p["name"] for p in first["inputs"])
    lines += ["", "## Formats", ""]
    for fmt, written in m["formats"].items():
        files = ", ".join(f"`{f}`" for f in written["files"])
        lines.append(f"- **{fmt}**: {files} ({FORMATS[fmt]}; runs on {written['runtime']})")
    lines += ["", "## Use", ""]
    if "savedmodel" in m["formats"]:
        lines += [
            "TensorFlow:",
            "",
            "```python",
            "import tensorflow as tf",
            'model = tf.saved_model.load("saved_model")',
            f"out = model.{first['name']}({args})[{first['output']['name']!r}]",
            "```",
            "",
        ]
    if "onnx" in m["formats"]:
        lines += [
            "ONNX Runtime:",
            "",
            "```python",
            "import onnxruntime",
            f'session = onnxruntime.InferenceSession("{first["name"]}.onnx")',
            "names = [i.name for i in session.get_inputs()]",
            f"out = session.run(None, dict(zip(names, [{args}])))[0]",
            "```",
            "",
        ]
    if "litert" in m["formats"]:
        flex = m["formats"]["litert"]["runtime"] != "ai_edge_litert"
        lines += [
            "LiteRT (the graph needs TF Select operators: TensorFlow's interpreter, or a "
            "LiteRT build with the Flex delegate):"
            if flex
            else "LiteRT (`pip install ai-edge-litert`):",
            "",
            "```python",
            "from tensorflow.lite import Interpreter"
            if flex
            else "from ai_edge_litert.interpreter import Interpreter",
            'runner = Interpreter(model_path="model.tflite").get_signature_runner('
            f'"{first["name"]}")',
            f"out = runner({', '.join(f'{p}={p}' for p in args.split(', '))})"
            f"[{first['output']['name']!r}]",
            "```",
            "",
        ]
    lines += [
        "## Checked against the zoo",
        "",
        f"`examples.npz` holds {m['examples']['n']} example inputs per endpoint and the "
        "zoo's own outputs for them; `python check.py` loads every format here, calls every "
        "endpoint on them and compares (exit status 1 if any differs by more than its "
        "tolerance). At export:",
        "",
        "| format | endpoint | max abs difference | tolerance | ms per call (n examples) |",
        "|---|---|---|---|---|",
    ]
    for fmt, rows in m.get("check", {}).items():
        if not isinstance(rows, dict):
            continue
        for name, r in rows.items():
            diff = "shape differs" if r["max_abs_diff"] is None else f"{r['max_abs_diff']:.3g}"
            lines.append(
                f"| {fmt} | `{name}` | {diff} | {r['tolerance']:g} | "
                f"{r['ms_per_call']:.1f} ({r['batch']}) |"
            )
    return "\n".join(lines) + "\n"
