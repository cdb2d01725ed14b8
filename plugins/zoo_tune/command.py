"""The ``zoo tune`` command (the search itself is :mod:`.search`)."""

from __future__ import annotations

import click
from rich.table import Table

from zoo_core import plugins
from zoo_core.cli.output import (
    SEED,
    err,
    fmt,
    given_flags,
    out,
    print_json,
    takes_setting_options,
    terminate_as_interrupt,
)
from zoo_core.errors import UsageError


def _fmt_param(v):
    """A searched value: three significant digits (a learning rate of 8.5e-3 reads so)."""
    return f"{v:.3g}" if isinstance(v, float) else fmt(v)


@takes_setting_options
@click.command()
@click.argument("model", required=False)
@click.option("--dataset", "-d", help="Dataset plugin name.")
@click.option(
    "--space",
    "spaces",
    multiple=True,
    metavar="KEY=RANGE",
    help="A setting to search: lr=1e-4:1e-2:log, epochs=1:5, latent_dim=2,4,8. Repeat.",
)
@click.option(
    "--trials",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="Trials to finish (complete, pruned or failed).",
)
@click.option(
    "--metric",
    help="What to optimise: a test metric or a per-epoch metric. "
    "Default: the model's monitored metric.",
)
@click.option(
    "--direction",
    type=click.Choice(("minimize", "maximize")),
    help="Default: the monitored metric's own, else minimize.",
)
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="KEY=VALUE",
    help="A fixed setting for every trial; scope with NAME.key. Repeat.",
)
@click.option("--epochs", type=click.IntRange(min=1), help="Epochs of every trial.")
@click.option(
    "--seed",
    type=SEED,
    default=0,
    show_default=True,
    help="Seed of every trial and of the sampler.",
)
@click.option(
    "--pruner",
    type=click.Choice(("median", "none")),
    default="median",
    show_default=True,
    help="Stop trials below the median of earlier ones.",
)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Search folder to create.")
@click.option(
    "--resume",
    type=click.Path(file_okay=False),
    help="Continue an interrupted search folder (--trials may raise its count).",
)
@click.option(
    "--tensorboard/--no-tensorboard",
    default=True,
    show_default=True,
    help="TensorBoard summaries in each trial's run folder.",
)
@click.option("--json", "as_json", is_flag=True, help="The trials as plain JSON on stdout.")
def tune(
    model,
    dataset,
    spaces,
    trials,
    metric,
    direction,
    sets,
    epochs,
    seed,
    pruner,
    out_dir,
    resume,
    tensorboard,
    as_json,
    **setting_flags,
):
    """Search MODEL's settings with Optuna: each trial a run folder, bad ones pruned, the
    best written as a config file (OUT/best.toml)."""
    from pathlib import Path

    from zoo_tune import search

    terminate_as_interrupt()
    try:
        import optuna  # noqa: F401
    except ImportError:
        raise UsageError(
            "zoo tune needs Optuna: pip install 'zoo[tune]' (or pip install optuna)"
        ) from None
    given = given_flags(click.get_current_context())
    reg = plugins.get_registry()
    if resume:
        if given & {
            "model",
            "dataset",
            *setting_flags,
            "spaces",
            "metric",
            "direction",
            "sets",
            "epochs",
            "seed",
            "pruner",
            "out_dir",
        }:
            raise UsageError(
                "--resume takes only --trials: the search's tune.json says what to search"
            )
        path = Path(resume)
        spec = search.load_spec(path)
        if "trials" in given:
            spec.trials = trials
    else:
        if not model:
            raise UsageError(
                "missing MODEL; e.g. `zoo tune vae_2d --dataset fashion_mnist "
                "--space learning_rate=1e-4:1e-2:log`"
            )
        if not spaces:
            raise UsageError(
                "give at least one --space KEY=RANGE, e.g. --space learning_rate=1e-4:1e-2:log"
            )
        parsed = [search.parse_space(s) for s in spaces]
        if len({s.key for s in parsed}) != len(parsed):
            raise UsageError("a --space key is given twice; give each once")
        spec = search.TuneSpec(
            model=model,
            dataset=dataset,
            flags={k: v for k, v in setting_flags.items() if k in given},
            spaces=[search.asdict(s) for s in parsed],
            metric="",
            direction="",
            trials=trials,
            seed=seed,
            sets=list(sets),
            epochs=epochs,
            pruner=pruner,
            tensorboard=tensorboard,
        )
        base = search.check(reg, spec)
        mon, mode = search.default_metric(base)
        spec.metric = metric or mon
        spec.direction = direction or (mode if spec.metric == mon else "minimize")
        from zoo_core.run_dir import LOCK, fresh_path

        path = Path(out_dir) if out_dir else fresh_path("runs", f"tune-{base.model.name}")
        if path.exists() and (not path.is_dir() or any(p.name != LOCK for p in path.iterdir())):
            raise UsageError(
                f"--out {path} is not an empty folder; choose another, or "
                f"continue that search with `zoo tune --resume {path}`"
            )
    err.print(
        f"search: {spec.model}, {spec.metric} ({spec.direction}), {spec.trials} trials, into {path}"
    )

    def done(number, run_path, state, value):
        shown = "–" if value is None else f"{value:.6g}"
        err.print(f"trial {number}: {state}, {spec.metric} = {shown} ({run_path})")

    study = search.search(reg, spec, path, err, resume=bool(resume), on_trial=done)
    best = search.write_best(study, path, spec)
    rows = search.trial_rows(study, spec)
    if as_json:
        print_json(
            {
                "search": str(path),
                "metric": spec.metric,
                "direction": spec.direction,
                "trials": rows,
                "best_config": str(best) if best else None,
            }
        )
        return
    keys = list(dict.fromkeys(k for r in rows for k in r["params"]))
    t = Table(
        "trial",
        "state",
        spec.metric,
        "epochs",
        *keys,
        "run",
        title=f"{path}: {spec.metric} ({spec.direction})",
    )
    best_n = study.best_trial.number if best else None
    for r in rows:
        mark = " ★" if r["trial"] == best_n else ""
        t.add_row(
            str(r["trial"]) + mark,
            r["state"],
            fmt(r["value"]),
            fmt(r["epochs"]),
            *[_fmt_param(r["params"].get(k)) for k in keys],
            r["run"] or "",
        )
    out.print(t)
    if best:
        err.print(f"best: trial {best_n}; `zoo run --config {best}` repeats it")
    else:
        err.print("no trial completed; nothing to write as best.toml")
    click.echo(str(path))
