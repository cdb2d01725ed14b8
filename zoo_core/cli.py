"""The ``zoo`` command line: compose plugins by name.

Core errors are turned into one-line messages in one place (:class:`ZooGroup`); human output
goes through rich, machine output (``--json``) is plain JSON on stdout.
"""

from __future__ import annotations

import json
import math
import os
import sys

import click
from rich.console import Console
from rich.table import Table

from . import plan as planning
from . import plugins as P
from . import runner
from . import settings as S
from .errors import UsageError, ZooError
from .registry import KINDS
from .types import CONDITIONAL, DECODE, SAMPLE

err = Console(stderr=True, highlight=False)
out = Console(highlight=False, soft_wrap=True)

#: NumPy, TensorFlow and Python all accept seeds in [0, 2**32 - 1]
SEED = click.IntRange(0, 2**32 - 1)


class ZooCliError(click.ClickException):
    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


class ZooGroup(click.Group):
    """Turns :class:`ZooError` into a one-line message and its exit code."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ZooError as exc:
            raise ZooCliError(str(exc), exc.exit_code) from None


@click.group(cls=ZooGroup)
@click.version_option(package_name="zoo", prog_name="zoo")
def cli():
    """zoo: train and compare generative models, composed from plugins by name.

    \b
    zoo list                          what is installed
    zoo run vae --dataset fashion_mnist
    zoo eval runs/<run>               every metric that applies
    zoo viz runs/<run> --viz manifold figures from a saved run
    """


def registry():
    return P.get_registry()


def _warn_conflicts(reg):
    for (kind, name), pkgs in reg.conflicts.items():
        err.print(f"[yellow]warning:[/] {kind} '{name}' is registered by "
                  f"{' and '.join(sorted(pkgs))}; it cannot be used until one is removed")


def _print_json(obj):
    click.echo(json.dumps(obj, indent=2, default=str))


# -- zoo list -------------------------------------------------------------------------------
_KIND_ARGS = {"models": "model", "datasets": "dataset", "visualizers": "visualizer",
              "metrics": "metric", "model": "model", "dataset": "dataset",
              "visualizer": "visualizer", "metric": "metric"}


@cli.command("list")
@click.argument("what", required=False)
@click.argument("pattern", required=False)
@click.option("--json", "as_json", is_flag=True, help="Plain JSON on stdout.")
def list_(what, pattern, as_json):
    """List plugins: zoo list [models|datasets|visualizers|metrics] [PATTERN].

    PATTERN takes wildcards, e.g. zoo list models 'vae*'.
    """
    if what and what not in _KIND_ARGS:
        pattern, what = what, None  # `zoo list 'vae*'`
    kinds = [_KIND_ARGS[what]] if what else list(KINDS)
    reg = registry()
    _warn_conflicts(reg)
    rows = [e for k in kinds for e in reg.entries(k, pattern)]
    if as_json:
        _print_json([{"kind": e.kind, "name": e.name, "variants": list(e.variants),
                      "default_variant": e.default_variant, "aliases": list(e.aliases),
                      "summary": e.summary, "package": e.package} for e in rows])
        return
    if not rows and pattern and not any(ch in pattern for ch in "*?["):
        from .registry import unknown_name_message

        names = sorted(set(_KIND_ARGS) | {n for k in kinds for n in reg.all_names(k)})
        raise UsageError(unknown_name_message("kind or plugin", pattern, names))
    if not rows:
        allowed = os.environ.get("ZOO_LOAD_PLUGINS")
        hint = f" (ZOO_LOAD_PLUGINS={allowed!r} restricts what loads)" \
            if allowed is not None else ""
        err.print((f"no plugins match {pattern!r}" if pattern else "no plugins installed")
                  + hint)
        return
    table = Table(title=None)
    for col in ("kind", "name", "variants / aliases", "summary", "package"):
        table.add_column(col)
    for e in rows:
        extra = [f"{v}*" if v == e.default_variant else v for v in e.variants] + list(e.aliases)
        table.add_row(e.kind, e.name, ", ".join(extra), e.summary, e.package)
    out.print(table)


# -- zoo info -------------------------------------------------------------------------------
@cli.command()
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Plain JSON on stdout.")
def info(name, as_json):
    """Describe a plugin: summary, settings with defaults, and what it fits with."""
    reg = registry()
    found = reg.find_any(name)
    docs = []
    for r in found:
        e = r.entry
        settings = S.resolve(e.cls.Settings, r.overrides)
        rows = S.describe(e.cls.Settings)
        for row in rows:
            row["value"] = S.as_dict(settings)[row["name"]]
        doc = {"kind": e.kind, "name": r.display_name, "plugin": e.name, "package": e.package,
               "summary": e.summary, "variants": {k: dict(v) for k, v in e.variants.items()},
               "settings": rows}
        doc.update(planning.fits_of(reg, e, settings))
        docs.append(doc)
    if as_json:
        _print_json(docs if len(docs) > 1 else docs[0])
        return
    for doc in docs:
        out.print(f"[bold]{doc['name']}[/] ({doc['kind']}, from {doc['package']}): "
                  f"{doc['summary']}")
        if doc["variants"]:
            out.print("variants: " + ", ".join(doc["variants"]))
        if doc["settings"]:
            t = Table("setting", "type", "value", "help")
            for row in doc["settings"]:
                t.add_row(row["name"], row["type"], repr(row["value"]), row["help"])
            out.print(t)
        for key in ("needs", "capabilities", "likelihood", "metrics_reported", "monitor",
                    "fits", "visualizers", "requires", "applies_to", "data", "source"):
            if key in doc:
                value = doc[key]
                if isinstance(value, dict):
                    for k, v in value.items():
                        out.print(f"{key} {k}: {v}")
                else:
                    out.print(f"{key}: {', '.join(value) if isinstance(value, list) else value}")


# -- zoo plugins ----------------------------------------------------------------------------
@cli.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Plain JSON on stdout.")
def plugins_(as_json):
    """Installed plugin packages with their hooks, and any that failed to load."""
    host = P.get_host()
    _ = host.registry  # registering may record more failures
    if as_json:
        _print_json({"loaded": [vars(p) | {"hooks": list(p.hooks)} for p in host.loaded],
                     "failed": [vars(f) for f in host.failures],
                     "conflicts": [{"kind": k, "name": n, "packages": p}
                                   for (k, n), p in host.registry.conflicts.items()]})
        return
    t = Table("plugin", "package", "version", "hooks")
    for p in host.loaded:
        t.add_row(p.name, p.package, p.version, ", ".join(p.hooks))
    out.print(t)
    for f in host.failures:
        out.print(f"[red]failed[/] {f.name} ({f.package}): {f.error}")
    _warn_conflicts(host.registry)


# -- zoo run --------------------------------------------------------------------------------
@cli.command()
@click.argument("model", required=False)
@click.option("--dataset", "-d", help="Dataset plugin name (models that train on data).")
@click.option("--env", help="Environment id (models that act in an environment).")
@click.option("--viz", "viz", multiple=True,
              help="Visualizer to draw after training; repeat. Default: the model's own.")
@click.option("--no-viz", is_flag=True, help="Draw no figures.")
@click.option("--epochs", type=click.IntRange(min=1), help="Override the model's epochs.")
@click.option("--batch-size", type=click.IntRange(min=1), help="Override the batch size.")
@click.option("--seed", type=SEED, default=0, show_default=True, help="Random seed.")
@click.option("--seeds", metavar="S1,S2,...",
              help="Several seeds, e.g. 0,1,2: one run each in a group folder, mean ± std.")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
              help="Override a setting; scope with NAME.key. Repeat.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False),
              help="Experiment file (TOML, see configs/); flags given beside it override it.")
@click.option("--like", "like_run", type=click.Path(file_okay=False),
              help="Repeat this run's config (model, data, settings, seed); flags override.")
@click.option("--strategy", type=click.Choice(runner.STRATEGIES), default="default",
              show_default=True, help="tf.distribute strategy.")
@click.option("--out", type=click.Path(file_okay=False),
              help="Run directory to create (with --seeds: the group's folder).")
@click.option("--resume", type=click.Path(), help="Continue an interrupted run directory.")
@click.option("--svg", is_flag=True, help="Also save figures as SVG.")
@click.option("--tensorboard/--no-tensorboard", default=True, show_default=True,
              help="Write TensorBoard summaries to RUN/tensorboard/.")
def run(model, dataset, env, viz, no_viz, epochs, batch_size, seed, seeds, sets, config_file,
        like_run, strategy, out, resume, svg, tensorboard):
    """Train MODEL on --dataset (or in --env), evaluate it and draw figures.

    `tensorboard --logdir runs/` shows every run's curves and sample images side by side."""
    from . import experiment as X

    _terminate_as_interrupt()
    formats = ("png", "svg") if svg else ("png",)
    given = _given_flags(click.get_current_context())
    if no_viz and viz:
        raise UsageError("--no-viz and --viz contradict each other; give one of them")
    reg = registry()
    if resume:
        if given & {"model", "dataset", "env", "viz", "no_viz", "sets", "epochs", "batch_size",
                    "seed", "seeds", "config_file", "like_run", "strategy"}:
            raise UsageError("--resume takes no other options: the run's config.json says "
                             "what to train")
        from .groups import read_group, resume_group

        if read_group(resume) is not None:  # a seed group: its unfinished members
            path, summary, seeds = resume_group(reg, resume, err, formats=formats)
            _report_group(path, summary, seeds)
            return
        run_dir, test, paths = runner.resume(reg, resume, err, formats=formats)
        if read_group(run_dir.path.parent) is not None:
            from .groups import refresh

            refresh(run_dir.path.parent)
        _report(run_dir, test, paths)
        return
    if config_file and like_run:
        raise UsageError("--config and --like both say what to run; give one of them")
    if seeds and "seed" in given:
        raise UsageError("--seed and --seeds contradict each other; give one of them")
    lines = None
    if config_file or like_run:
        if model:
            raise UsageError(f"{'--config' if config_file else '--like'} names the model; "
                             f"drop MODEL ('{model}') or drop "
                             f"{'--config' if config_file else '--like'}")
        exp, lines = X.load(config_file) if config_file else (X.from_run(like_run), None)
    else:
        if not model:
            raise UsageError("missing MODEL; e.g. `zoo run vae --dataset fashion_mnist` "
                             "(see `zoo list models`, or give --config FILE)")
        exp = X.Experiment(model=model)
    overrides = {k: v for k, v in (("dataset", dataset), ("env", env), ("epochs", epochs),
                                   ("batch_size", batch_size)) if k in given}
    if "strategy" in given or not (config_file or like_run):
        overrides["strategy"] = strategy
    if no_viz or viz:
        overrides["visualizers"] = [] if no_viz else list(viz)
    seed_list = _parse_seeds(seeds) if seeds else (
        [seed] if "seed" in given or not exp.seeds else exp.seeds)
    board = tensorboard if "tensorboard" in given or exp.tensorboard is None \
        else exp.tensorboard
    plans = []
    for s in seed_list:
        plan = X.plan(reg, exp, lines, sets=sets, seed=s, overrides=overrides)
        plan.tensorboard = board
        plans.append(plan)
        lines = None  # the file is checked line by line once
    for note in plans[0].notes:
        err.print(f"[yellow]note:[/] {note}")
    if len(plans) == 1:
        run_dir, test, paths = runner.execute(plans[0], err, out=out, formats=formats)
        _report(run_dir, test, paths)
        return
    from .groups import run_group

    path, summary = run_group(plans, err, out=out, formats=formats)
    _report_group(path, summary, seed_list)


def _given_flags(ctx) -> set[str]:
    """The parameters the user typed (not left at their defaults)."""
    from click.core import ParameterSource

    return {name for name in ctx.params
            if ctx.get_parameter_source(name) in (ParameterSource.COMMANDLINE,
                                                  ParameterSource.ENVIRONMENT)}


def _parse_seeds(text: str) -> list[int]:
    try:
        out = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise UsageError(f"--seeds takes whole numbers separated by commas, e.g. 0,1,2; "
                         f"got {text!r}") from None
    if not out or any(not 0 <= s <= 2**32 - 1 for s in out):
        raise UsageError(f"--seeds takes seeds in [0, {2**32 - 1}], e.g. 0,1,2; got {text!r}")
    if len(set(out)) != len(out):
        raise UsageError(f"--seeds repeats a seed ({text}); give each once")
    return out


def _report_group(path, summary, seeds):
    if summary:
        t = Table("test metric", "mean ± std", *[f"seed {s}" for s in seeds],
                  title=f"{path} ({len(seeds)} seeds)")
        for k, rec in summary.items():
            t.add_row(k, f"{rec['mean']:.4f} ± {rec['std']:.4f}",
                      *[f"{rec['values'][str(s)]:.4f}" if str(s) in rec["values"] else "–"
                        for s in seeds])
        err.print(t)
    else:
        err.print(f"{path}: no test metrics to aggregate")
    click.echo(str(path))


def _terminate_as_interrupt() -> None:
    """SIGTERM (a scheduler, `kill`) stops a run the way Ctrl-C does: checkpoints kept, the
    run marked interrupted, `--resume` possible."""
    import signal

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread (a test's runner): leave it
        pass


def _report(run_dir, metrics, paths):
    if metrics:  # a model without a test pass has nothing to table
        t = Table("test metric", "value", title=str(run_dir.path))
        for k, v in metrics.items():
            t.add_row(k, f"{v:.4f}" if isinstance(v, float) else str(v))
        err.print(t)
    else:
        err.print(f"{run_dir.path}: no test metrics; measure it with `zoo eval "
                  f"{run_dir.path}`")
    for p in paths:
        err.print(f"figure: {p}")
    click.echo(str(run_dir.path))


# -- zoo runs -------------------------------------------------------------------------------
@cli.command("runs")
@click.argument("root", required=False, default="runs")
@click.option("--model", "model_glob", metavar="PATTERN", help="Only models matching, e.g. 'vae*'.")
@click.option("--status", type=click.Choice(("running", "finished", "interrupted", "failed",
                                             "pruned", "unknown")),
              help="Only runs with this status.")
@click.option("--json", "as_json", is_flag=True, help="Plain JSON on stdout.")
def runs_command(root, model_glob, status, as_json):
    """The runs under ROOT (default runs/): status, progress, the monitored metric, size."""
    from .run_index import human_size, list_runs

    rows = list_runs(root, model=model_glob, status=status)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        err.print(f"no runs under {root}" + (" match" if model_glob or status else ""))
        return
    colour = {"finished": "green", "running": "cyan", "interrupted": "yellow",
              "failed": "red", "pruned": "magenta"}
    t = Table("run", "model", "source", "seed", "status", "progress", "monitor (best)",
              "started", "size")
    for r in rows:
        progress = "–" if r["done"] is None else (
            f"{r['done']:,}/{r['planned']:,} {r['unit']}" if r["planned"] else
            f"{r['done']:,} {r['unit']}")
        best = "–" if r["best"] is None else f"{r['monitor']} {r['best']:.4g}"
        st = f"[{colour.get(r['status'], 'white')}]{r['status']}[/]" + (
            f" ({r['note']})" if r["note"] and r["status"] != "failed" else "")
        if r["status"] == "failed" and r["note"]:
            st += f": {r['note'][:60]}"
        t.add_row(r["run"], r["model"] or "?", r["source"] or "?", str(r["seed"]), st,
                  progress, best, (r["started"] or "")[5:16].replace("T", " "),
                  human_size(r["bytes"]))
    out.print(t)


# -- zoo tune -------------------------------------------------------------------------------
@cli.command()
@click.argument("model", required=False)
@click.option("--dataset", "-d", help="Dataset plugin name.")
@click.option("--env", help="Environment id (models that act in an environment).")
@click.option("--space", "spaces", multiple=True, metavar="KEY=RANGE",
              help="A setting to search: lr=1e-4:1e-2:log, epochs=1:5, latent_dim=2,4,8. "
                   "Repeat.")
@click.option("--trials", type=click.IntRange(min=1), default=20, show_default=True,
              help="Trials to finish (complete, pruned or failed).")
@click.option("--metric", help="What to optimise: a test metric or a per-epoch metric. "
                               "Default: the model's monitored metric.")
@click.option("--direction", type=click.Choice(("minimize", "maximize")),
              help="Default: the monitored metric's own, else minimize.")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
              help="A fixed setting for every trial; scope with NAME.key. Repeat.")
@click.option("--epochs", type=click.IntRange(min=1), help="Epochs of every trial.")
@click.option("--seed", type=SEED, default=0, show_default=True,
              help="Seed of every trial and of the sampler.")
@click.option("--pruner", type=click.Choice(("median", "none")), default="median",
              show_default=True, help="Stop trials below the median of earlier ones.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False),
              help="Search folder to create.")
@click.option("--resume", type=click.Path(file_okay=False),
              help="Continue an interrupted search folder (--trials may raise its count).")
@click.option("--tensorboard/--no-tensorboard", default=True, show_default=True,
              help="TensorBoard summaries in each trial's run folder.")
@click.option("--json", "as_json", is_flag=True, help="The trials as plain JSON on stdout.")
def tune(model, dataset, env, spaces, trials, metric, direction, sets, epochs, seed, pruner,
         out_dir, resume, tensorboard, as_json):
    """Search MODEL's settings with Optuna: each trial a run folder, bad ones pruned, the
    best written as a config file (OUT/best.toml)."""
    from pathlib import Path

    from . import tune as T

    _terminate_as_interrupt()
    try:
        import optuna  # noqa: F401
    except ImportError:
        raise UsageError("zoo tune needs Optuna: pip install 'zoo[tune]' (or pip install "
                         "optuna)") from None
    given = _given_flags(click.get_current_context())
    reg = registry()
    if resume:
        if given & {"model", "dataset", "env", "spaces", "metric", "direction", "sets",
                    "epochs", "seed", "pruner", "out_dir"}:
            raise UsageError("--resume takes only --trials: the search's tune.json says "
                             "what to search")
        path = Path(resume)
        spec = T.load_spec(path)
        if "trials" in given:
            spec.trials = trials
    else:
        if not model:
            raise UsageError("missing MODEL; e.g. `zoo tune vae_2d --dataset fashion_mnist "
                             "--space learning_rate=1e-4:1e-2:log`")
        if not spaces:
            raise UsageError("give at least one --space KEY=RANGE, e.g. "
                             "--space learning_rate=1e-4:1e-2:log")
        parsed = [T.parse_space(s) for s in spaces]
        if len({s.key for s in parsed}) != len(parsed):
            raise UsageError("a --space key is given twice; give each once")
        spec = T.TuneSpec(model=model, dataset=dataset, env=env,
                          spaces=[T.asdict(s) for s in parsed], metric="", direction="",
                          trials=trials, seed=seed, sets=list(sets), epochs=epochs,
                          pruner=pruner, tensorboard=tensorboard)
        base = T.check(reg, spec)
        mon, mode = T.default_metric(base)
        spec.metric = metric or mon
        spec.direction = direction or (mode if spec.metric == mon else "minimize")
        from .runs import fresh_path

        path = Path(out_dir) if out_dir else fresh_path("runs", f"tune-{base.model.name}")
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            raise UsageError(f"--out {path} is not an empty folder; choose another, or "
                             f"continue that search with `zoo tune --resume {path}`")
    err.print(f"search: {spec.model}, {spec.metric} ({spec.direction}), {spec.trials} trials, "
              f"into {path}")

    def done(number, run_path, state, value):
        shown = "–" if value is None else f"{value:.6g}"
        err.print(f"trial {number}: {state}, {spec.metric} = {shown} ({run_path})")

    study = T.search(reg, spec, path, err, resume=bool(resume), on_trial=done)
    best = T.write_best(study, path, spec)
    rows = T.trial_rows(study, spec)
    if as_json:
        _print_json({"search": str(path), "metric": spec.metric, "direction": spec.direction,
                     "trials": rows, "best_config": str(best) if best else None})
        return
    keys = list(dict.fromkeys(k for r in rows for k in r["params"]))
    t = Table("trial", "state", spec.metric, "epochs", *keys, "run",
              title=f"{path}: {spec.metric} ({spec.direction})")
    best_n = study.best_trial.number if best else None
    for r in rows:
        mark = " ★" if r["trial"] == best_n else ""
        t.add_row(str(r["trial"]) + mark, r["state"], _fmt(r["value"]),
                  _fmt(r["epochs"]), *[_fmt_param(r["params"].get(k)) for k in keys],
                  r["run"] or "")
    out.print(t)
    if best:
        err.print(f"best: trial {best_n}; `zoo run --config {best}` repeats it")
    else:
        err.print("no trial completed; nothing to write as best.toml")
    click.echo(str(path))


# -- zoo eval / viz / sample / compare ------------------------------------------------------
@cli.command("eval")
@click.argument("run_dir", type=click.Path())
@click.option("--metric", "metric_names", multiple=True,
              help="Metric to run; repeat. Default: every metric that applies.")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
              help="Metric setting, e.g. k=100 or nll.k=100, episodes=20.")
@click.option("--json", "as_json", is_flag=True, help="Plain JSON on stdout.")
def eval_(run_dir, metric_names, sets, as_json):
    """Measure a trained run with metric plugins; results are kept in metrics.json."""
    from .runs import RunDir

    run = RunDir.open(run_dir)
    plan = runner.plan_from_run(registry(), run, visualizers=[])
    metrics = runner.plan_metrics(registry(), plan, metric_names or None, sets)  # refuse first
    err.print(f"metrics: {', '.join(c.name for c in metrics)}")
    model, dataset = runner.build(plan)
    runner.load_reporting(model, run, err)
    records = runner.evaluate(plan, metrics, model, dataset, run, err)
    if as_json:
        flat = {}
        for r in records.values():
            flat.update(r["values"])
        flat["details"] = {name: {k: r[k] for k in ("settings", "units", "notes", "seconds")}
                           for name, r in records.items()}
        _print_json(flat)
        return
    t = Table("metric", "value", "unit", "how (settings, notes)", title=f"eval {run.path}")
    for name, r in records.items():
        how = ", ".join(f"{k} {v}" for k, v in {**r["settings"], **r["notes"]}.items()
                        if k not in ("classifier", "classifier_sha256"))
        for i, (k, v) in enumerate(r["values"].items()):
            t.add_row(k, _fmt(v), r["units"].get(k, ""), f"{name}: {how}" if i == 0 else "",
                      end_section=i == len(r["values"]) - 1)
    out.print(t)


@cli.command()
@click.argument("run_dir", type=click.Path())
@click.option("--viz", "viz", multiple=True, required=True, help="Visualizer; repeat.")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Visualizer setting.")
@click.option("--svg", is_flag=True, help="Also save SVG.")
def viz(run_dir, viz, sets, svg):
    """Draw figures from a saved run, without retraining."""
    plan, run, model, dataset = runner.open_trained(registry(), run_dir, visualizers=list(viz),
                                                    sets=sets)
    for p in runner.draw(plan, model, dataset, run, formats=("png", "svg") if svg else ("png",)):
        click.echo(str(p))


@cli.command()
@click.argument("run_dir", type=click.Path())
@click.option("--n", "n", type=click.IntRange(min=1, max=1024), default=64, show_default=True,
              help="Samples to draw.")
@click.option("--z", "z", help="One latent point to decode, e.g. 1.4,-1.3.")
@click.option("--label", help="Class name or index (conditional models).")
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--out", "out_file", type=click.Path(dir_okay=False), help="PNG file to write.")
def sample(run_dir, n, z, label, seed, out_file):
    """Draw samples from a trained model (or decode one point with --z) into a PNG."""
    from .runs import RunDir
    from .sampling import sample_figure

    source = click.get_current_context().get_parameter_source("n")
    if z is not None and source is not None and source.name == "COMMANDLINE":
        raise UsageError("--z decodes one point and --n draws samples; give one of them")
    check_output_file(out_file, (".png", ".svg", ".pdf"))
    need = DECODE if z is not None else SAMPLE
    run = RunDir.open(run_dir)
    plan = runner.plan_from_run(registry(), run, visualizers=[])
    cls = plan.model.cls
    if need not in cls.capabilities:
        raise UsageError(f"model '{plan.model.name}' cannot {need}, which `zoo sample"
                         f"{' --z' if z is not None else ''}` needs")
    index, name = _label(plan, label)
    point = None
    if z is not None:
        shape = cls.latent_shape_of(plan.model.settings, plan.data_spec) or ()
        size = math.prod(shape)
        try:
            point = [float(v) for v in z.split(",")]
        except ValueError:
            raise UsageError(f"--z must be comma-separated numbers, got {z!r}") from None
        if len(shape) != 1 or len(point) != size:
            raise UsageError(f"--z has {len(point)} values but the model's latent space has "
                             f"{size}; e.g. --z {','.join(['0'] * min(size, 8))}"
                             f"{',...' if size > 8 else ''}")
    model, _ = runner.build(plan)
    runner.load_reporting(model, run, err)
    path = sample_figure(model, run, n=n, z=point, seed=seed, out=out_file,
                         title=runner.figure_title(plan, run), label=index, label_name=name)
    click.echo(str(path))


def _label(plan, label):
    """``--label`` as (class index, class name); refused for unconditional models."""
    if label is None:
        return None, ""
    if CONDITIONAL not in plan.model.cls.capabilities:
        raise UsageError(f"--label applies to conditional models; '{plan.model.name}' is not")
    names = list(plan.data_spec.class_names)
    if label.isdigit() and int(label) < len(names):
        return int(label), names[int(label)]
    folded = {n.lower(): i for i, n in enumerate(names)}
    if label.lower() in folded:
        return folded[label.lower()], names[folded[label.lower()]]
    raise UsageError(f"unknown label {label!r}; use a class name or index 0..{len(names) - 1}: "
                     f"{', '.join(names)}")


@cli.command()
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path())
@click.option("--out", "out_file", type=click.Path(dir_okay=False),
              default="compare.png", show_default=True, help="PNG of the loss curves.")
@click.option("--each", is_flag=True,
              help="One column per run, even for runs that differ only in their seed.")
@click.option("--json", "as_json", is_flag=True, help="Plain JSON on stdout.")
def compare(run_dirs, out_file, each, as_json):
    """Compare runs side by side: final metrics, parameters, time, and loss curves.

    Runs that differ only in their seed (a --seeds group, or runs named one by one) are one
    column, mean ± std, their curves shaded; --each keeps them apart."""
    from .compare import compare_runs

    check_output_file(out_file, (".png", ".svg", ".pdf"))
    rows, path = compare_runs(run_dirs, out_file, group=not each)
    if as_json:
        _print_json({"runs": rows, "figure": str(path)})
        return
    keys = [k for k in rows[0] if k not in ("run", "members")]
    t = Table("", *[r["run"] for r in rows], title="comparison")
    for k in keys:
        t.add_row(k, *[_fmt(r.get(k)) for r in rows])
    out.print(t)
    err.print(f"figure: {path}")


@cli.command()
@click.argument("run_dirs", nargs=-1, type=click.Path())
@click.option("--root", default="runs", show_default=True, type=click.Path(),
              help="Where to look for finished runs when none are named.")
@click.option("--sort", "sort_key", help="Metric to rank by (best first), e.g. fid.")
@click.option("--json", "as_json", is_flag=True, help="Plain JSON on stdout.")
@click.option("--markdown", "as_markdown", is_flag=True, help="A Markdown table on stdout.")
@click.option("--figure", type=click.Path(dir_okay=False),
              help="Also draw every run's samples side by side into this PNG.")
@click.option("--n", "n", type=click.IntRange(min=1, max=256), default=16, show_default=True,
              help="Samples per run in the figure.")
@click.option("--seed", type=SEED, default=0, show_default=True, help="Seed of the samples.")
def leaderboard(run_dirs, root, sort_key, as_json, as_markdown, figure, n, seed):
    """Rank runs by their evaluated metrics: a row per run (default: every finished run)."""
    from . import leaderboard as L

    if figure:
        check_output_file(figure, (".png", ".svg", ".pdf"))
    from .groups import expand

    runs = expand(run_dirs) if run_dirs else L.finished_runs(root)
    if not runs:
        raise UsageError(f"no finished runs under {root}; train one with `zoo run`")
    rows, units, higher = L.rows_of(runs)
    rows = L.sort_rows(rows, sort_key, higher)
    if figure:
        by_path = {str(r.path): r for r in runs}
        path = L.sample_figure(registry(), [by_path[(r.get("members") or [r["path"]])[0]]
                                            for r in rows], figure, n=n, seed=seed)
        err.print(f"figure: {path}")
    if as_json:
        _print_json({"rows": rows, "units": units, "higher_is_better": sorted(higher)})
        return
    if as_markdown:
        click.echo(L.markdown(rows, units))
        return
    keys = [k for k in dict.fromkeys(k for r in rows for k in r) if k not in ("members", "path")]
    t = Table(*[f"{k}\n({units[k]})" if units.get(k) else k for k in keys], title="leaderboard")
    for r in rows:
        t.add_row(*[_fmt(r.get(k)) for k in keys])
    out.print(t)


def check_output_file(path, suffixes) -> None:
    """Refuse, before any work, a figure path matplotlib cannot write."""
    if path is None:
        return
    from pathlib import Path

    p = Path(path)
    if p.suffix.lower() not in suffixes:
        raise UsageError(f"cannot write {p}: give a file ending in {', '.join(suffixes)}")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"cannot write {p}: the folder {parent} does not exist")
    if not os.access(parent, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise UsageError(f"cannot write {p}: permission denied; choose another path")


def _fmt_param(v):
    """A searched value: three significant digits (a learning rate of 8.5e-3 reads so)."""
    return f"{v:.3g}" if isinstance(v, float) else _fmt(v)


def _fmt(v):
    if isinstance(v, dict) and "mean" in v:  # a seed group's number
        return f"{_fmt(float(v['mean']))} ± {_fmt(float(v['std']))}"
    if isinstance(v, float):
        return f"{v:.4f}" if abs(v) < 1e5 else f"{v:.4g}"
    return "-" if v is None else str(v)


def main():
    # TensorFlow's C++ start-up chatter is not for users; set before it is ever imported
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from .quiet_tf import install

    install()  # and the native lines that variable no longer silences
    # plugins may add commands, one plugin at a time; a failure is recorded for
    # `zoo plugins` and never stops the other plugins' commands or zoo itself
    P.register_commands(P.get_host(), cli)
    cli(prog_name="zoo")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
