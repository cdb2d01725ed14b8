"""Running a plan: run directory -> train -> test metrics -> draw; and ``zoo eval``.

:mod:`zoo_core.run.plan` decides what runs (pure, before anything exists); this module does it.
"""

from __future__ import annotations

import datetime as _dt
import numbers
import os
import time
from pathlib import Path

from zoo_core import settings as S
from zoo_core.contract import DrawContext, MetricResult, RunContext
from zoo_core.errors import FigureError, IncompatibleError, UsageError, ZooError, one_line
from zoo_core.plugins import run_path
from zoo_core.registry import Registry
from zoo_core.run import plan as planner
from zoo_core.run.card import write_card
from zoo_core.run.plan import Plan, PlannedPlugin, fingerprint
from zoo_core.run.request import RunRequest
from zoo_core.run.resumable import check_resumable
from zoo_core.run_dir import RunDir


# -- executing ------------------------------------------------------------------------------
def build(plan: Plan):
    """Instantiate the dataset and the model of a plan (heavy imports happen later)."""
    dataset = plan.dataset.cls(plan.dataset.settings) if plan.dataset else None
    model = plan.model.cls(plan.model.settings, plan.data_spec)
    return model, dataset


def _safe(name: str) -> str:
    """A name for a run folder: lower case, letters, digits and underscores."""
    import re

    return re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_") or "data"


def execute(
    plan: Plan,
    console,
    *,
    out: str | None = None,
    root: str = "runs",
    formats: tuple[str, ...] = ("png",),
    callbacks=(),
    resume_hint: str | None = None,
    on_trained=None,
    trackers=(),
) -> tuple[RunDir, dict, list[Path]]:
    """Train, evaluate and draw a planned run; returns the run, test metrics, figure paths.

    ``callbacks`` and ``resume_hint`` reach the model in its :class:`RunContext`;
    ``on_trained(model, dataset)`` is called with the trained model still in memory.
    ``trackers`` (:class:`zoo_core.tracking.Tracker`) log the run besides its folder.
    """
    run = RunDir.create(plan.model.name, _safe(plan.trained_on), root=root, out=out)
    run.write_json("config.json", plan.to_config())
    run.set_status("running")
    trained = {}
    for t in trackers:
        t.start(run, plan)
    callbacks = (*callbacks, *(c for t in trackers if (c := t.callback()) is not None))
    given = on_trained

    def on_trained(model, data):  # the trained model, for the trackers' finish
        trained["model"] = model
        if given is not None:
            given(model, data)

    try:
        model, dataset = build(plan)
        if dataset is not None:
            run.write_json("manifest.json", dataset.manifest())
        return _train_eval_draw(
            plan,
            run,
            model,
            dataset,
            console,
            resume=False,
            formats=formats,
            callbacks=callbacks,
            resume_hint=resume_hint,
            on_trained=on_trained,
        )
    except BaseException as exc:
        if not isinstance(exc, FigureError):  # trained and kept: only a figure is missing
            run.mark_failed(exc)  # before a checkpoint: --out may start over in this folder
        raise
    finally:
        run.release_lock()
        for t in trackers:
            t.finish(run, run.status()[0], trained.get("model"))


def resume(registry: Registry, path: str, console, formats=("png",), callbacks=(), on_trained=None):
    """``zoo run --resume RUN``: continue an interrupted run from its last checkpoint
    (``callbacks`` and ``on_trained`` as for :func:`execute`)."""
    run = RunDir.open(path)
    check_resumable(run)  # a shipped or finished run is left as it is
    run.take_lock("zoo run --resume")  # refused while the run trains elsewhere
    try:
        result = _resume(registry, run, console, formats, callbacks, on_trained)
    finally:
        run.release_lock()
    return result


def _resume(registry, run, console, formats, callbacks, on_trained):
    run.clean_temp()  # what an interrupted atomic write left behind
    cfg = run.config
    if cfg.get("fingerprint") and cfg["fingerprint"] != fingerprint(cfg):
        raise UsageError(
            f"{run.path}/config.json was edited after the run started; --resume "
            "continues what was recorded: undo the edit, or start a new run "
            "with the new settings"
        )
    plan = planner.plan(
        registry,
        RunRequest.of_run(run, visualizers=[v["name"] for v in cfg.get("visualizers", [])]),
    )
    run.set_status("running")
    try:
        model, dataset = build(plan)
        return _train_eval_draw(
            plan,
            run,
            model,
            dataset,
            console,
            resume=True,
            formats=formats,
            callbacks=callbacks,
            on_trained=on_trained,
        )
    except BaseException as exc:
        if not isinstance(exc, FigureError):
            run.mark_failed(exc)
        raise


def _train_eval_draw(
    plan,
    run,
    model,
    dataset,
    console,
    *,
    resume,
    formats,
    callbacks=(),
    resume_hint=None,
    on_trained=None,
):
    ctx = RunContext(
        run=run,
        dataset=dataset,
        seed=plan.seed,
        console=console,
        strategy=plan.strategy,
        resume=resume,
        callbacks=tuple(callbacks),
        resume_hint=resume_hint,
        tensorboard=plan.tensorboard,
    )
    model.train(ctx)
    test = model.test_metrics(ctx) or {}
    run.update_metrics(test=test)
    if on_trained is not None:
        on_trained(model, dataset)
    try:
        paths = draw(plan, model, dataset, run, formats=formats)
    finally:  # a figure that fails leaves a finished run (and the other figures)
        run.set_status("finished")
        write_card(run, plan.model.cls, console, plan.dataset and plan.dataset.cls)
    return run, test, paths


def open_trained(
    registry: Registry,
    path: str,
    *,
    visualizers=None,
    sets=(),
    unscoped: str | None = None,
    requires: frozenset[str] = frozenset(),
    purpose: str = "",
    before_load=None,
    console=None,
):
    """The one way a command opens a saved run: its plan (rebuilt from ``config.json``),
    the run, its model loaded from ``model.keras`` (or the last checkpoint) and its
    dataset. ``path`` may be a reference such as ``pretrained:NAME``
    (:func:`~zoo_core.plugins.run_path`).
    ``sets``/``unscoped``: as :class:`RunRequest`'s (a model setting fixed at training is
    refused); ``requires``: capabilities checked before loading; ``before_load(plan)``:
    more checks that must refuse before the model loads (``zoo eval``'s metrics)."""
    run = RunDir.open(run_path(path))
    request = RunRequest.of_run(
        run, visualizers=visualizers, sets=sets, unscoped=unscoped, reference=path
    )
    plan = planner.plan(registry, request)
    missing = sorted(set(requires) - plan.model.cls.capabilities)
    if missing:
        raise IncompatibleError(
            f"model '{plan.model.name}' cannot {', '.join(missing)}, "
            f"which {purpose or 'this command'} needs"
        )
    if before_load is not None:
        before_load(plan)
    model, dataset = build(plan)
    load_reporting(model, run, console)  # only sampling settings differ from the run's
    return plan, run, model, dataset


def load_reporting(model, run: RunDir, console=None) -> None:
    """``model.load(run)``, and a warning when a damaged file was passed over."""
    model.load(run)
    damaged = getattr(model, "damaged", None)
    if damaged:
        from rich.console import Console

        (console or Console(stderr=True)).print(
            f"[yellow]warning:[/] damaged: {', '.join(damaged)}; using "
            f"{model.loaded_from.relative_to(run.path)}"
        )


def figure_title(plan: Plan, run: RunDir) -> str:
    """E.g. "vae_2d on fashion_mnist, epoch 30"; the model says how far it got."""
    hist = run.metrics().get("history", [])
    progress = plan.model.cls(plan.model.settings, None).progress_label(hist)
    return f"{plan.model.name} on {plan.trained_on}, {progress}"


def draw(plan: Plan, model, dataset, run: RunDir, formats=("png",)) -> list[Path]:
    """Draw each visualizer of the plan into ``run/figures``; return the files written. A
    visualizer that fails (a plugin's bug) does not stop the others: :class:`FigureError`
    names it, and how to draw it again, once the rest are drawn."""
    if plan.visualizers:
        run.check_writable("drawing figures")
    paths, failed = [], {}
    title = figure_title(plan, run)
    for v in plan.visualizers:
        try:
            fig = v.cls(v.settings).draw(
                DrawContext(model=model, dataset=dataset, run=run, title=title, seed=plan.seed)
            )
            if not hasattr(fig, "savefig"):
                raise TypeError(f"draw() returned {type(fig).__name__}, not a matplotlib Figure")
        except Exception as exc:  # noqa: BLE001 (reported below, in one line)
            if os.environ.get("ZOO_DEBUG"):
                raise
            failed[v.name] = f"{v.name} ({v.resolved.entry.package}): {one_line(exc)}"
            continue
        if not fig.get_suptitle():
            fig.suptitle(f"{v.name}: {title}")
        for fmt in formats:
            p = run.figures / f"{v.name}.{fmt}"
            fig.savefig(p, format=fmt)
            paths.append(p)
        fig.clear()
    if failed:
        again = " ".join(f"--viz {name}" for name in failed)
        them = "them" if len(failed) > 1 else "it"
        raise FigureError(
            f"not drawn: {'; '.join(failed.values())}. The run is kept"
            f"{' with its other figures' if paths else ''}; after a fix, "
            f"`zoo viz {run.path} {again}` draws {them} again (ZOO_DEBUG=1 "
            "shows the traceback)"
        )
    return paths


def evaluate(
    plan: Plan, metrics: list[PlannedPlugin], model, dataset, run: RunDir, console
) -> dict:
    """Run planned metrics on a loaded model; each measurement is appended to
    ``metrics.json["evaluations"]`` (with its settings) and the latest values of each
    are kept in ``metrics.json["eval"]``. Returns ``{metric: record}``."""
    run.check_writable("zoo eval")
    run.take_lock("zoo eval")  # one writer of metrics.json at a time
    try:
        return _evaluate(plan, metrics, model, dataset, run, console)
    finally:
        run.release_lock()


def _evaluate(plan, metrics, model, dataset, run, console):
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(bar_width=24),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    ctx = RunContext(run=run, dataset=dataset, seed=plan.seed, console=console, progress=progress)
    records, failed = {}, []
    try:
        for c in metrics:
            try:  # a metric that fails (a plugin's bug) does not stop the others
                records[c.name] = _measure(c, model, ctx, progress)
            except Exception as exc:  # noqa: BLE001 (reported below, in one line)
                if os.environ.get("ZOO_DEBUG"):
                    raise
                text = one_line(exc)
                failed.append(
                    (
                        exc,
                        text
                        if text.startswith(f"metric '{c.name}'")
                        else f"metric '{c.name}' ({c.resolved.entry.package}): {text}",
                    )
                )
    finally:  # what was measured is kept, also when Ctrl-C stops a later metric
        if records:
            run.record_evaluations(list(records.values()))
            write_card(run, plan.model.cls, console, plan.dataset and plan.dataset.cls)
    if len(failed) == 1 and not records and isinstance(failed[0][0], ZooError):
        raise failed[0][0]  # the plugin's own message, kind and exit code
    if failed:
        kept = (
            f"; {', '.join(records)} measured and recorded in {run.file('metrics.json')}"
            if records
            else "; nothing recorded"
        )
        raise ZooError(
            f"not measured: {'; '.join(text for _, text in failed)}{kept} "
            "(ZOO_DEBUG=1 shows the traceback)"
        )
    return records


def _measure(c: PlannedPlugin, model, ctx: RunContext, progress) -> dict:
    """One metric's record for ``metrics.json``: its values, units, notes and settings."""
    t0 = time.perf_counter()
    with progress:
        result = c.cls(c.settings).compute(model, ctx)
    _check_result(c, result)
    return {
        "metric": c.name,
        "settings": S.as_dict(c.settings),
        "values": result.values,
        "units": result.units,
        "notes": result.notes,
        "higher_is_better": sorted(c.cls.higher_is_better & set(result.values)),
        "seconds": round(time.perf_counter() - t0, 2),
        "when": _dt.datetime.now().isoformat(timespec="seconds"),
    }


def _check_result(metric: PlannedPlugin, result) -> None:
    """A metric plugin's ``compute`` must return a :class:`MetricResult` of named numbers;
    anything else is refused naming the plugin, before it is written anywhere."""
    where = f"metric '{metric.name}' ({metric.resolved.entry.package})"
    if not isinstance(result, MetricResult):
        raise ZooError(
            f"{where}: compute() returned {type(result).__name__}, not a "
            "zoo_core.MetricResult; return MetricResult(values={name: number})"
        )
    bad = [
        k
        for k, v in (result.values or {}).items()
        if not isinstance(k, str) or isinstance(v, bool) or not isinstance(v, numbers.Real)
    ]
    if not result.values or bad:
        raise ZooError(
            f"{where}: compute() must give at least one value and only numbers "
            f"by name; got {dict(result.values or {})!r:.200}"
        )
