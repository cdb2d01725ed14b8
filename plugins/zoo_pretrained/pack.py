"""Packing a finished run as a pretrained model: what to ship and how small.

The weights are the run's ``model.keras`` without optimizer state (nothing samples or
evaluates with it), matrices and kernels stored as float16 (biases and normalisation
statistics, a sliver of the size, stay float32), gzip-compressed inside the archive; Keras
casts them back to the network's float32 variables when it loads them. ``pretrained.json``
records how the run was trained, the numbers its own ``zoo eval`` measured, and the SHA-256
of every file, checked whenever the package is opened.
"""

from __future__ import annotations

import io
import json
import shutil
import tempfile
import zipfile
from pathlib import Path

from zoo_core.errors import UsageError
from zoo_core.machine import cpu_model
from zoo_core.run_dir import RunDir

from .store import MANIFEST, sha256

#: run files that say nothing a shipped model needs (resume state, logs, pictures)
LEFT_OUT = ("state.json", "metrics.csv")
DTYPES = ("float16", "float32")


def compact_weights(src: Path, dst: Path, dtype: str = "float16") -> None:
    """Rewrite a ``.keras`` archive: no optimizer groups, arrays of rank >= 2 in ``dtype``."""
    import h5py
    import numpy as np

    try:
        with zipfile.ZipFile(src) as z:
            names = z.namelist()
            raw = {n: z.read(n) for n in names}
        weights = h5py.File(io.BytesIO(raw["model.weights.h5"]), "r")
    except (zipfile.BadZipFile, KeyError, OSError, EOFError) as exc:
        raise UsageError(
            f"{src} cannot be read ({type(exc).__name__}: truncated or damaged); "
            "train the run again, or resume it if it has a checkpoint"
        ) from None
    buf = io.BytesIO()
    with h5py.File(buf, "w") as out:
        _copy(weights, out, np.dtype(dtype))
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as o:
        for n in names:
            o.writestr(n, buf.getvalue() if n == "model.weights.h5" else raw[n])


def _copy(a, b, dtype) -> None:
    import h5py
    import numpy as np

    for k, v in a.attrs.items():
        b.attrs[k] = v
    for k, v in a.items():
        if isinstance(v, h5py.Dataset):
            x = v[()]
            if x.dtype == np.float32 and x.ndim >= 2:
                x = x.astype(dtype)
            if x.ndim:
                b.create_dataset(k, data=x, compression="gzip", compression_opts=9, shuffle=True)
            else:
                b.create_dataset(k, data=x)
        elif not k.endswith("optimizer"):  # "optimizer", a GAN's "d_optimizer", ...
            _copy(v, b.create_group(k), dtype)


def pack(
    run_path: str,
    dest: Path,
    name: str,
    *,
    dtype: str = "float16",
    summary: str = "",
    checks: tuple[str, ...] = (),
    console=None,
) -> dict:
    """Write ``dest`` (a new folder) from the finished run at ``run_path``; return its
    ``pretrained.json``. ``checks``: metrics measured on the packed weights and recorded
    (``"fid:n=1000"``), what the test suite re-measures in seconds to catch a metric or a
    loader that silently changed."""
    from zoo_core.plugins import run_path as resolve

    run = RunDir.open(resolve(run_path))  # a run folder, or pretrained:NAME to share again
    status, _ = run.status()
    if status != "finished":
        raise UsageError(
            f"{run.path} has not finished (status {status}); finish it first "
            f"(zoo run --resume {run.path})"
        )
    if not run.file("model.keras").is_file():
        raise UsageError(f"{run.path} has no model.keras to ship")
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise UsageError(f"{dest} already exists and is not empty; choose a new folder")
    check_checks(run, checks)  # every --check refused before anything is written
    with tempfile.TemporaryDirectory() as tmp:  # built whole, then moved into place
        build = Path(tmp) / name
        build.mkdir()
        manifest = _build(run, build, name, dtype, summary, checks, console)
        _place(build, dest)
    return manifest


def check_checks(run: RunDir, checks) -> None:
    """Plan each ``METRIC[:key=value,...]`` against the run, as its measurement will."""
    from zoo_core import plugins
    from zoo_core.run import plan as planner
    from zoo_core.run.request import RunRequest

    if not checks:
        return
    registry = plugins.get_registry()
    plan = planner.plan(registry, RunRequest.of_run(run, visualizers=[]))
    for check in checks:
        metric, _, rest = check.partition(":")
        if not metric:
            raise UsageError(f"--check {check!r}: give METRIC[:KEY=VALUE,...], e.g. fid:n=1000")
        planner.plan_metrics(registry, plan, [metric], [s for s in rest.split(",") if s])


def _place(build: Path, dest: Path) -> None:
    """Move the finished package into ``dest`` in one rename (a hidden copy beside it
    first, so ``dest`` is whole or absent)."""
    import os

    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.parent / f".{dest.name}.partial-{os.getpid()}"
    try:
        shutil.copytree(build, partial)
        os.replace(partial, dest)  # onto a missing or empty folder
    except OSError as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise UsageError(f"cannot write the package at {dest} ({exc.strerror or exc})") from None


def _build(run: RunDir, dest: Path, name, dtype, summary, checks, console) -> dict:
    cfg, metrics = run.config, run.metrics()
    for p in sorted(run.path.glob("*.json")):
        if p.name not in LEFT_OUT:
            shutil.copyfile(p, dest / p.name)
    compact_weights(run.file("model.keras"), dest / "model.keras", dtype)
    history = metrics.get("history", [])
    files = {p.name: sha256(p) for p in sorted(dest.iterdir()) if p.name != MANIFEST}
    manifest = {
        "name": name,
        "format": 1,
        "summary": summary
        or f"{cfg['model']['name']} trained on "
        f"{(cfg.get('dataset') or {}).get('name') or 'its own source'}",
        "model": cfg["model"]["name"],
        "dataset": (cfg.get("dataset") or {}).get("name"),
        "weights": {
            "file": "model.keras",
            "dtype": dtype,
            "bytes": (dest / "model.keras").stat().st_size,
            "run_bytes": run.file("model.keras").stat().st_size,
        },
        "trained": {
            "command": "zoo " + " ".join(cfg.get("command") or []),
            "seed": cfg.get("seed"),
            "started": cfg.get("created"),
            "machine": cpu_model(),
            "train_seconds": round(
                metrics.get("train_seconds")  # a loop's own
                or sum(h.get("seconds", 0) for h in history),
                1,
            ),
            "progress": history[-1] if history else {},
            "versions": cfg.get("versions", {}),
        },
        "recorded": {"test": metrics.get("test", {}), "eval": metrics.get("eval", {})},
        "files": files,
    }
    manifest["checks"] = [measure(dest, c, console) for c in checks]
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return add_card(dest)


def add_card(folder: Path, *, grid: bool = True) -> dict:
    """Give the package ``folder`` its model card (``README.md``, :mod:`zoo_core.run.card`)
    and, for a model that samples, a grid of 16 samples (``samples.png``, seed 0) the
    card shows; both join the files ``pretrained.json`` checks. Returns the manifest."""
    from zoo_core import plugins
    from zoo_core.contract import CONDITIONAL, SAMPLE, classes_in_turn
    from zoo_core.run.card import CARD, card, plugin_classes

    manifest = json.loads((folder / MANIFEST).read_text())
    registry = plugins.get_registry()
    cls, dataset_cls = plugin_classes(registry, folder)
    if grid and SAMPLE in cls.capabilities and not (folder / "samples.png").is_file():
        _sample_grid(registry, folder, CONDITIONAL in cls.capabilities, classes_in_turn)
    (folder / CARD).write_text(card(folder, cls, dataset_cls))
    manifest["files"] = {
        p.name: sha256(p) for p in sorted(folder.iterdir()) if p.is_file() and p.name != MANIFEST
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def _sample_grid(registry, folder: Path, conditional: bool, classes_in_turn) -> None:
    """16 samples at seed 0, drawn in a scratch copy (the package stays as its digests
    say), saved as one 8 x 2 image, each pixel shown as 2 x 2."""
    import tempfile

    import numpy as np
    from matplotlib import pyplot as plt

    from zoo_core.grid import image_grid
    from zoo_core.run import runner

    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp) / folder.name
        shutil.copytree(folder, scratch)
        _, _, model, _ = runner.open_trained(registry, str(scratch), visualizers=[])
        k = model.data_spec.num_classes
        kw = {"labels": classes_in_turn(16, k)} if conditional else {}
        images = model.sample(16, seed=0, **kw)
    grid = np.clip(image_grid(images, 8), 0.0, 1.0).repeat(2, 0).repeat(2, 1)
    plt.imsave(folder / "samples.png", grid, cmap="gray" if grid.ndim == 2 else None)


def measure(folder: Path, check: str, console=None) -> dict:
    """``METRIC[:key=value,...]`` measured on the packed run (in a scratch copy, so the
    package's files stay as their digests say): ``{metric, sets, values, seconds}``."""
    import tempfile

    from zoo_core import plugins
    from zoo_core.run import plan as planner
    from zoo_core.run import runner

    metric, _, rest = check.partition(":")
    sets = [s for s in rest.split(",") if s]
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp) / folder.name
        shutil.copytree(folder, scratch)
        reg, chosen = plugins.get_registry(), []

        def plan_metric(plan):
            chosen.extend(planner.plan_metrics(reg, plan, [metric], sets))

        plan, run, model, dataset = runner.open_trained(
            reg, str(scratch), visualizers=[], before_load=plan_metric
        )
        record = runner.evaluate(plan, chosen, model, dataset, run, console)[metric]
    return {
        "metric": metric,
        "sets": sets,
        "values": record["values"],
        "seconds": record["seconds"],
        "machine": cpu_model(),
    }
