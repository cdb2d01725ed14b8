"""The functions of ``import zoo``: train, open, find pretrained, list and describe.

Names follow what a notebook cell reads as: ``zoo.run`` trains (as ``zoo run`` does),
``zoo.open`` opens a run folder (as ``open`` opens a file), ``zoo.pretrained`` gives a
shipped run (timm's ``pretrained=True``, as a noun), ``zoo.models()`` lists names (timm's
``list_models``). Settings are keyword arguments with their Python types; a setting of a
named component (the dataset's, a visualizer's) goes in ``settings={"dataset.limit": 500}``,
as ``--set dataset.limit=500`` would.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zoo import arguments as A
from zoo.run_folder import Run
from zoo_core.errors import UsageError


def _registry():
    from zoo_core import plugins

    return plugins.get_registry()


def _console(progress: bool):
    from zoo.run_folder import console

    return console(progress)


def run(
    model: str,
    dataset: str | None = None,
    *,
    epochs: int | None = None,
    batch_size: int | None = None,
    seed: int = 0,
    out: str | Path | None = None,
    viz: list[str] | None = None,
    strategy: str = "default",
    tensorboard: bool = True,
    settings: dict[str, Any] | None = None,
    progress: bool = True,
    **model_settings,
) -> Run:
    """Train ``model`` (a name or variant, see :func:`models`) and return the finished run.

    ``zoo.run("vae_2d", dataset="fashion_mnist", epochs=3, seed=0, limit=2000)`` is
    ``zoo run vae_2d --dataset fashion_mnist --epochs 3 --seed 0 --set limit=2000``: one
    plan, checked before anything is written, then the CLI's runner. ``viz``: visualizers
    to draw into the run folder (default: the model's own; ``[]`` for none). ``out``: the
    run folder (default: a new one under ``runs/``). ``progress=False``: no progress bar.
    """
    from zoo_core.errors import ZooError
    from zoo_core.experiments import config_file as experiment
    from zoo_core.run import plan as planner
    from zoo_core.run import runner
    from zoo_core.run.request import RunRequest

    A.name(model, "zoo.run()", "zoo.run('vae_2d', 'fashion_mnist')")
    A.name(dataset, "zoo.run(dataset=...)", "dataset='fashion_mnist'", optional=True)
    if epochs is not None:
        epochs = A.whole(epochs, "zoo.run(epochs=...)", 1, 1_000_000)
    if batch_size is not None:
        batch_size = A.whole(batch_size, "zoo.run(batch_size=...)", 1)
    seed = A.check_seed(seed, "zoo.run(seed=...)")
    tensorboard = A.flag(tensorboard, "zoo.run(tensorboard=...)")
    progress = A.flag(progress, "zoo.run(progress=...)")
    A.name(strategy, "zoo.run(strategy=...)", "strategy='mirrored'")
    if out is not None and not isinstance(out, (str, Path)):
        raise UsageError(f"zoo.run(out=...) takes a folder's path; got {out!r}")
    if isinstance(viz, str):  # one visualizer by name
        viz = [viz]
    if viz is not None:
        if not isinstance(viz, (list, tuple)):
            raise UsageError(
                f"zoo.run(viz=...) takes visualizer names, e.g. ['samples']; got {viz!r}"
            )
        viz = A.names(viz, "zoo.run(viz=...)", "viz=['samples']")
    if settings is not None and not isinstance(settings, dict):
        raise UsageError(
            "zoo.run(settings=...) takes a dict of scoped settings, e.g. "
            f"settings={{'dataset.limit': 500}}; got {settings!r}"
        )
    unknown = {"dataset_settings", "sets", "config"} & set(model_settings)
    if unknown:
        raise UsageError(
            f"zoo.run() takes no {sorted(unknown)[0]}=; give settings as "
            "keywords, or scoped ones as settings={'dataset.limit': 500}"
        )
    assignments = [(None, k, v) for k, v in model_settings.items()]
    for key, value in (settings or {}).items():
        scope, _, name = key.rpartition(".")
        assignments.append((scope or None, name, value))
    flags = {"epochs": epochs, "batch_size": batch_size}
    try:
        request = RunRequest(
            model,
            dataset=dataset,
            visualizers=viz,
            seed=seed,
            strategy=strategy,
            tensorboard=tensorboard,
            flags={k: v for k, v in flags.items() if v is not None},
            assignments=assignments,
        )
        plan = planner.plan(_registry(), request)
    except ZooError as exc:  # in the words of this call, not the CLI's flags
        raise type(exc)(experiment.in_words_of("python", exc)) from None
    plan.command = _command(model, dataset, epochs, batch_size, seed, viz, assignments)
    console = _console(progress)
    for note in plan.notes:
        console.print(f"[yellow]note:[/] {note}")
    run_dir, _, _ = runner.execute(plan, console, out=str(out) if out else None)
    return Run(run_dir.path, progress=progress)


def _command(model, dataset, epochs, batch_size, seed, viz, assignments) -> list[str]:
    """The ``zoo run`` arguments that plan the same run (recorded in config.json)."""
    args = ["run", model]
    for flag, value in (
        ("--dataset", dataset),
        ("--epochs", epochs),
        ("--batch-size", batch_size),
        ("--seed", seed),
    ):
        if value is not None:
            args += [flag, str(value)]
    if viz is not None:
        args += [a for v in viz for a in ("--viz", v)] if viz else ["--no-viz"]
    for scope, key, value in assignments:
        args += ["--set", f"{scope + '.' if scope else ''}{key}={value}"]
    return args


def open(path: str | Path, *, progress: bool = True) -> Run:  # noqa: A001 (zoo.open reads well)
    """An existing run folder, or a reference such as ``"pretrained:vae_2d"`` (resolved as
    the CLI resolves it); refused now if it is no run, loaded only when used."""
    from zoo_core import plugins

    if not isinstance(path, (str, Path)):
        raise UsageError(
            f"zoo.open() takes a run folder's path (or 'pretrained:NAME'); got {path!r}"
        )

    progress = A.flag(progress, "zoo.open(progress=...)")
    folder = plugins.run_path(str(path))
    return Run(
        Path(folder), reference=None if folder == str(path) else str(path), progress=progress
    )


def pretrained(name: str | None = None, *, progress: bool = True):
    """The shipped run ``name`` (``zoo.open("pretrained:NAME")``: every file checked
    against its recorded SHA-256, opened from a working copy under the cache folder); with
    no name, what ships, as ``zoo pretrained --json`` lists it: ``[{"name", "model",
    "dataset", "summary", "recorded": {...}, "trained": {...}}, ...]``."""
    if A.name(name, "zoo.pretrained()", "zoo.pretrained('dcgan')", optional=True) is None:
        from zoo_core.pretrained import listing

        return listing(_registry())
    return open(f"pretrained:{name}", progress=progress)


def _names(kind: str, pattern: str | None) -> list[str]:
    import fnmatch

    A.name(pattern, f"zoo.{kind}s()", f"zoo.{kind}s('*gan*')", optional=True)
    return sorted(
        {
            n
            for e in _registry().entries(kind, pattern)
            for n in e.names
            if pattern is None or fnmatch.fnmatchcase(n, pattern)
        }
    )


def models(pattern: str | None = None) -> list[str]:
    """Every model name and variant, e.g. ``zoo.models("vae*")``."""
    return _names("model", pattern)


def datasets(pattern: str | None = None) -> list[str]:
    """Every dataset name, as ``zoo list datasets`` shows them."""
    return _names("dataset", pattern)


def visualizers(pattern: str | None = None) -> list[str]:
    """Every visualizer name, as ``zoo list visualizers`` shows them."""
    return _names("visualizer", pattern)


def metrics(pattern: str | None = None) -> list[str]:
    """Every metric name, as ``zoo list metrics`` shows them."""
    return _names("metric", pattern)


def info(name: str) -> dict | list[dict]:
    """What ``zoo info NAME --json`` prints: summary, settings (name, type, value, help),
    capabilities, what it fits with. A list when several kinds share the name."""
    from zoo_core.run.describe import describe

    docs = describe(_registry(), A.name(name, "zoo.info()", "zoo.info('fid')"))
    return docs[0] if len(docs) == 1 else docs
