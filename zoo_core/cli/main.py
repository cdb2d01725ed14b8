"""The ``zoo`` command line: compose plugins by name.

The core's commands are the ones every family needs (list, info, plugins, run, eval, viz);
plugins add the rest through ``register_commands`` (the reports, ``tune``, ``sample``).
Core errors become one-line messages in one place (:class:`ZooGroup`); human output goes
through rich, machine output (``--json``) is plain JSON on stdout.
"""

from __future__ import annotations

import dataclasses
import os
import sys

import click
from rich.table import Table

from zoo_core import plugins as P
from zoo_core import settings as S
from zoo_core.cli.output import (SEED, attach_setting_options, err, fmt, given_flags, out,
                                 print_json, takes_setting_options, terminate_as_interrupt)
from zoo_core.errors import UsageError, ZooError
from zoo_core.registry import KINDS
from zoo_core.run import runner


class ZooCliError(click.ClickException):
    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


class ZooGroup(click.Group):
    """Turns :class:`ZooError` into a one-line message and its exit code, and adds the
    plugins' commands (and setting options) from the plugin host in use."""

    _host = None
    _added: set[str] = set()

    def plugin_commands(self) -> None:
        host = P.get_host()
        if self._host is host:
            return
        for name in self._added:
            self.commands.pop(name, None)
        before = set(self.commands)
        from zoo_core.cli.output import reset_setting_options

        reset_setting_options()
        P.register_commands(host, self)
        self._added = set(self.commands) - before
        attach_setting_options(self)
        self._host = host

    def get_command(self, ctx, cmd_name):
        self.plugin_commands()
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx):
        self.plugin_commands()
        return super().list_commands(ctx)

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


def warn_conflicts(reg):
    for (kind, name), pkgs in reg.conflicts.items():
        err.print(f"[yellow]warning:[/] {kind} '{name}' is registered by "
                  f"{' and '.join(sorted(pkgs))}; it cannot be used until one is removed")


# -- zoo list -------------------------------------------------------------------------------
_KIND_ARGS = {f"{k}s": k for k in KINDS} | {k: k for k in KINDS}


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
    warn_conflicts(reg)
    rows = [e for k in kinds for e in reg.entries(k, pattern)]
    if as_json:
        print_json([{"kind": e.kind, "name": e.name, "variants": list(e.variants),
                     "default_variant": e.default_variant, "aliases": list(e.aliases),
                     "summary": e.summary, "package": e.package} for e in rows])
        return
    if not rows and pattern and not any(ch in pattern for ch in "*?["):
        from zoo_core.registry import unknown_name_message

        names = sorted(set(_KIND_ARGS) | {n for k in kinds for n in reg.all_names(k)})
        raise UsageError(unknown_name_message("kind or plugin", pattern, names))
    if not rows:
        allowed = os.environ.get("ZOO_LOAD_PLUGINS")
        hint = f" (ZOO_LOAD_PLUGINS={allowed!r} restricts what loads)" \
            if allowed is not None else ""
        err.print((f"no plugins match {pattern!r}" if pattern else "no plugins installed")
                  + hint)
        return
    table = Table("kind", "name", "variants / aliases", "summary", "package")
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
    from zoo_core.run.plan import fits_of

    reg = registry()
    docs = []
    for r in reg.find_any(name):
        e = r.entry
        settings = S.resolve(e.cls.Settings, r.overrides)
        rows = S.describe(e.cls.Settings)
        for row in rows:
            row["value"] = S.as_dict(settings)[row["name"]]
        doc = {"kind": e.kind, "name": r.display_name, "plugin": e.name, "package": e.package,
               "summary": e.summary, "variants": {k: dict(v) for k, v in e.variants.items()},
               "settings": rows}
        doc.update(fits_of(reg, e, settings))
        docs.append(doc)
    if as_json:
        print_json(docs if len(docs) > 1 else docs[0])
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
        print_json({"loaded": [vars(p) | {"hooks": list(p.hooks)} for p in host.loaded],
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
    warn_conflicts(host.registry)


# -- zoo run --------------------------------------------------------------------------------
@takes_setting_options
@cli.command()
@click.argument("model", required=False)
@click.option("--dataset", "-d", help="Dataset plugin name (models that train on data).")
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
def run(model, dataset, viz, no_viz, epochs, batch_size, seed, seeds, sets, config_file,
        like_run, strategy, out, resume, svg, tensorboard, **setting_flags):
    """Train MODEL on --dataset (or on what its own flag names), evaluate it and draw
    figures.

    `tensorboard --logdir runs/` shows every run's curves and sample images side by side."""
    from zoo_core.run import experiment as X
    from zoo_core.run import seed_groups

    terminate_as_interrupt()
    formats = ("png", "svg") if svg else ("png",)
    given = given_flags(click.get_current_context())
    if no_viz and viz:
        raise UsageError("--no-viz and --viz contradict each other; give one of them")
    reg = registry()
    if resume:
        if given - {"resume", "svg", "out", "tensorboard"}:
            raise UsageError("--resume takes no other options: the run's config.json says "
                             "what to train")
        if seed_groups.read_group(resume) is not None:  # a seed group: its unfinished members
            path, summary, seed_list = seed_groups.resume_group(reg, resume, err,
                                                                formats=formats)
            _report_group(path, summary, seed_list)
            return
        run_dir, test, paths = runner.resume(reg, resume, err, formats=formats)
        if seed_groups.read_group(run_dir.path.parent) is not None:
            seed_groups.refresh(run_dir.path.parent)
        _report(run_dir, test, paths)
        return
    if config_file and like_run:
        raise UsageError("--config and --like both say what to run; give one of them")
    if seeds and "seed" in given:
        raise UsageError("--seed and --seeds contradict each other; give one of them")
    lines = None
    if config_file or like_run:
        flag = "--config" if config_file else "--like"
        if model:
            raise UsageError(f"{flag} names the model; drop MODEL ('{model}') or drop {flag}")
        exp, lines = X.load(config_file) if config_file else (X.from_run(like_run), None)
    elif not model:
        raise UsageError("missing MODEL; e.g. `zoo run MODEL --dataset NAME` (see "
                         "`zoo list models` and `zoo list datasets`, or give --config FILE)")
    else:
        exp = X.Experiment(model=model)
    overrides = {k: v for k, v in (("dataset", dataset), ("epochs", epochs),
                                   ("batch_size", batch_size), ("tensorboard", tensorboard),
                                   ("strategy", strategy)) if k in given}
    overrides["flags"] = {k: v for k, v in setting_flags.items() if k in given}
    if not (config_file or like_run):
        overrides.setdefault("strategy", strategy)
    if no_viz or viz:
        overrides["visualizers"] = [] if no_viz else list(viz)
    seed_list = _parse_seeds(seeds) if seeds else (
        [seed] if "seed" in given or not exp.seeds else exp.seeds)
    plan = X.plan(reg, exp, lines, sets=sets, seed=seed_list[0], overrides=overrides)
    for note in plan.notes:
        err.print(f"[yellow]note:[/] {note}")
    if len(seed_list) == 1:
        run_dir, test, paths = runner.execute(plan, err, out=out, formats=formats)
        _report(run_dir, test, paths)
        return
    plans = [dataclasses.replace(plan, seed=s) for s in seed_list]  # one plan, per seed
    path, summary = seed_groups.run_group(plans, err, out=out, formats=formats)
    _report_group(path, summary, seed_list)


def _parse_seeds(text: str) -> list[int]:
    try:
        seeds = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise UsageError(f"--seeds takes whole numbers separated by commas, e.g. 0,1,2; "
                         f"got {text!r}") from None
    if not seeds or any(not 0 <= s <= 2**32 - 1 for s in seeds):
        raise UsageError(f"--seeds takes seeds in [0, {2**32 - 1}], e.g. 0,1,2; got {text!r}")
    if len(set(seeds)) != len(seeds):
        raise UsageError(f"--seeds repeats a seed ({text}); give each once")
    return seeds


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


# -- zoo eval / viz -------------------------------------------------------------------------
@cli.command("eval")
@click.argument("run_dir", type=click.Path())
@click.option("--metric", "metric_names", multiple=True,
              help="Metric to run; repeat. Default: every metric that applies.")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
              help="Metric setting, e.g. k=100 or scoped, nll.k=100.")
@click.option("--json", "as_json", is_flag=True, help="Plain JSON on stdout.")
def eval_(run_dir, metric_names, sets, as_json):
    """Measure a trained run with metric plugins; results are kept in metrics.json."""
    reg, metrics = registry(), []

    def refuse_first(plan):  # every metric is checked before the model loads
        metrics.extend(runner.plan_metrics(reg, plan, metric_names or None, sets))
        err.print(f"metrics: {', '.join(c.name for c in metrics)}")

    plan, run, model, dataset = runner.open_trained(reg, run_dir, visualizers=[],
                                                    before_load=refuse_first, console=err)
    records = runner.evaluate(plan, metrics, model, dataset, run, err)
    if as_json:
        flat = {}
        for r in records.values():
            flat.update(r["values"])
        flat["details"] = {name: {k: r[k] for k in ("settings", "units", "notes", "seconds")}
                           for name, r in records.items()}
        print_json(flat)
        return
    t = Table("metric", "value", "unit", "how (settings, notes)", title=f"eval {run.path}")
    for name, r in records.items():
        how = ", ".join(f"{k} {v}" for k, v in {**r["settings"], **r["notes"]}.items()
                        if k not in ("classifier", "classifier_sha256"))
        for i, (k, v) in enumerate(r["values"].items()):
            t.add_row(k, fmt(v), r["units"].get(k, ""), f"{name}: {how}" if i == 0 else "",
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
                                                    sets=sets, console=err)
    for p in runner.draw(plan, model, dataset, run, formats=("png", "svg") if svg else ("png",)):
        click.echo(str(p))


def main():
    # TensorFlow's C++ start-up chatter is not for users; set before it is ever imported
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from zoo_core.quiet_tf import install

    install()  # and the native lines that variable no longer silences
    cli(prog_name="zoo")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
