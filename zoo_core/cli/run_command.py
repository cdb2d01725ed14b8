"""``zoo run``: train a model (or a seed group of it), evaluate it, draw its figures; or
resume an interrupted run or group. One plan per run: the flags, a config file or a
saved run are resolved into it once, and each seed is ``dataclasses.replace`` of it."""

from __future__ import annotations

import dataclasses

import click
from rich.table import Table

from zoo_core.cli.group import registry
from zoo_core.cli.output import (
    SEED,
    err,
    fmt,
    given_flags,
    takes_setting_options,
    terminate_as_interrupt,
)
from zoo_core.errors import UsageError
from zoo_core.run import plan as planner
from zoo_core.run import runner
from zoo_core.strategies import STRATEGIES


# -- zoo run --------------------------------------------------------------------------------
@takes_setting_options
@click.command()
@click.argument("model", required=False)
@click.option("--dataset", "-d", help="Dataset plugin name (models that train on data).")
@click.option(
    "--viz",
    "viz",
    multiple=True,
    help="Visualizer to draw after training; repeat. Default: the model's own.",
)
@click.option("--no-viz", is_flag=True, help="Draw no figures.")
@click.option("--epochs", type=click.IntRange(1, 1_000_000), help="Override the model's epochs.")
@click.option("--batch-size", type=click.IntRange(min=1), help="Override the batch size.")
@click.option("--seed", type=SEED, default=0, show_default=True, help="Random seed.")
@click.option(
    "--seeds",
    metavar="S1,S2,...",
    help="Several seeds, e.g. 0,1,2: one run each in a group folder, mean ± std.",
)
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override a setting; scope with NAME.key. Repeat.",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    help="Experiment file (TOML, see configs/); flags given beside it override it.",
)
@click.option(
    "--like",
    "like_run",
    type=click.Path(file_okay=False),
    help="Repeat this run's config (model, data, settings, seed); flags override.",
)
@click.option(
    "--strategy",
    type=click.Choice(STRATEGIES),
    default="default",
    show_default=True,
    help="tf.distribute strategy.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    help="Run directory to create (with --seeds: the group's folder).",
)
@click.option("--resume", type=click.Path(), help="Continue an interrupted run directory.")
@click.option("--svg", is_flag=True, help="Also save figures as SVG.")
@click.option(
    "--tensorboard/--no-tensorboard",
    default=True,
    show_default=True,
    help="Write TensorBoard summaries to RUN/tensorboard/.",
)
@click.option(
    "--track",
    "track",
    multiple=True,
    metavar="TRACKER",
    help="Also log the run to a tracker plugin, e.g. mlflow (`zoo list trackers`); repeat.",
)
def run(
    model,
    dataset,
    viz,
    no_viz,
    epochs,
    batch_size,
    seed,
    seeds,
    sets,
    config_file,
    like_run,
    strategy,
    out,
    resume,
    svg,
    tensorboard,
    track,
    **setting_flags,
):
    """Train MODEL on --dataset (or on what its own flag names), evaluate it and draw
    figures.

    `tensorboard --logdir runs/` shows every run's curves and sample images side by side."""
    from zoo_core.experiments import config_file as experiment
    from zoo_core.experiments import seed_groups

    terminate_as_interrupt()
    formats = ("png", "svg") if svg else ("png",)
    given = given_flags(click.get_current_context())
    if no_viz and viz:
        raise UsageError("--no-viz and --viz contradict each other; give one of them")
    reg = registry()
    if resume:
        if given - {"resume", "svg", "out", "tensorboard"}:
            raise UsageError(
                "--resume takes no other options: the run's config.json says what to train"
            )
        if seed_groups.read_group(resume) is not None:  # a seed group: its unfinished members
            _report_group(*seed_groups.resume_group(reg, resume, err, formats=formats))
            return
        _report(*seed_groups.resume_run(reg, resume, err, formats=formats))
        return
    if config_file and like_run:
        raise UsageError("--config and --like both say what to run; give one of them")
    if seeds is not None and "seed" in given:
        raise UsageError("--seed and --seeds contradict each other; give one of them")
    lines = None
    if config_file or like_run:
        flag = "--config" if config_file else "--like"
        if model:
            raise UsageError(f"{flag} names the model; drop MODEL ('{model}') or drop {flag}")
        exp, lines = (
            experiment.load(config_file) if config_file else (experiment.from_run(like_run), None)
        )
    elif not model:
        raise UsageError(
            "missing MODEL; e.g. `zoo run MODEL --dataset NAME` (see "
            "`zoo list models` and `zoo list datasets`, or give --config FILE)"
        )
    else:
        exp = experiment.Experiment(model=model)
    # given on the command line, over the file's (a default is not "given")
    typed = {"dataset": dataset, "strategy": strategy, "tensorboard": tensorboard}
    typed = {k: v for k, v in typed.items() if k in given}
    if no_viz or viz:
        typed["visualizers"] = [] if no_viz else list(viz)
    flags = {"epochs": epochs, "batch_size": batch_size, **setting_flags}
    flags = {k: v for k, v in flags.items() if k in given}
    seed_list = (
        seed_groups.parse_seeds(seeds)
        if seeds is not None
        else ([seed] if "seed" in given or not exp.seeds else exp.seeds)
    )
    request = experiment.request(exp, seed=seed_list[0], flags=flags, sets=sets, **typed)
    if lines is None:
        plan = planner.plan(reg, request)
    else:
        plan = experiment.plan_file(reg, request, exp, lines)
    for note in plan.notes:
        err.print(f"[yellow]note:[/] {note}")
    trackers = []
    for name in dict.fromkeys(track):  # refused before anything starts
        cls = reg.resolve("tracker", name).entry.cls
        cls.check()
        trackers.append(cls())
    if trackers and len(seed_list) != 1:
        raise UsageError("--track logs one run; give one --seed (or track each seed's run)")
    if len(seed_list) == 1:
        _report(*runner.execute(plan, err, out=out, formats=formats, trackers=trackers))
        return
    plans = [dataclasses.replace(plan, seed=s) for s in seed_list]  # one plan, per seed
    path, summary = seed_groups.run_group(plans, err, out=out, formats=formats)
    _report_group(path, summary, seed_list)


def _report_group(path, summary, seeds):
    if summary:
        t = Table(
            "test metric",
            "mean ± std",
            *[f"seed {s}" for s in seeds],
            title=f"{path} ({len(seeds)} seeds)",
        )
        for k, rec in summary.items():
            t.add_row(k, fmt(rec), *[fmt(rec["values"].get(str(s))) for s in seeds])
        err.print(t)
    else:
        err.print(f"{path}: no test metrics to aggregate")
    click.echo(str(path))


def _report(run_dir, metrics, paths):
    if metrics:  # a model without a test pass has nothing to table
        t = Table("test metric", "value", title=str(run_dir.path))
        for k, v in metrics.items():
            t.add_row(k, fmt(v))
        err.print(t)
    else:
        err.print(f"{run_dir.path}: no test metrics; measure it with `zoo eval {run_dir.path}`")
    for p in paths:
        err.print(f"figure: {p}")
    click.echo(str(run_dir.path))
