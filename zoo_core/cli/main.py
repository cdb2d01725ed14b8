"""The ``zoo`` command line: compose plugins by name.

The core's commands are the ones every family needs (list, info, plugins, run, eval, viz);
plugins add the rest through ``register_commands`` (the reports, ``tune``, ``sample``).
Core errors become one-line messages in one place (:class:`ZooGroup`); human output goes
through rich, machine output (``--json``) is plain JSON on stdout.
"""

from __future__ import annotations

import os
import sys

import click
from rich.table import Table

from zoo_core import plugins
from zoo_core.cli.output import (attach_setting_options, err, fmt, out, print_json,
                                 reset_setting_options)
from zoo_core.errors import UsageError, ZooError, one_line, os_error_message
from zoo_core.registry import KINDS, unknown_name_message
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
        host = plugins.get_host()
        if self._host is host:
            return
        for name in self._added:
            self.commands.pop(name, None)
        before = set(self.commands)
        reset_setting_options()
        plugins.register_commands(host, self)
        self._added = set(self.commands) - before
        attach_setting_options(self)
        self._host = host

    def main(self, *args, **kwargs):  # every way in (the shell, tests, completion)
        self.plugin_commands()
        return super().main(*args, **kwargs)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ZooError as exc:
            raise ZooCliError(str(exc), exc.exit_code) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            if os.environ.get("ZOO_DEBUG"):
                raise
            if isinstance(exc, OSError):  # a path the system refused: full disk, no access
                raise ZooCliError(os_error_message(exc), 1) from None
            # a bug, most often a plugin's: one line saying where
            raise ZooCliError(f"unexpected {one_line(exc)} ({plugins.where_raised(exc)}); "
                              "ZOO_DEBUG=1 shows the traceback", 1) from None


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
    return plugins.get_registry()


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
_INFO_HEAD = ("kind", "name", "plugin", "package", "summary", "variants", "settings")


@cli.command()
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Plain JSON on stdout.")
def info(name, as_json):
    """Describe a plugin: summary, settings with defaults, and what it fits with."""
    from zoo_core.describe import describe

    docs = describe(registry(), name)
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
        for key, value in doc.items():  # what it fits with, in describe()'s order
            if key in _INFO_HEAD:
                continue
            for k, v in value.items() if isinstance(value, dict) else [("", value)]:
                v = ", ".join(v) if isinstance(v, list) and not k else v
                out.print(f"{key}{' ' + k if k else ''}: {v}")


# -- zoo plugins ----------------------------------------------------------------------------
@cli.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Plain JSON on stdout.")
def plugins_(as_json):
    """Installed plugin packages with their hooks, and any that failed to load."""
    host = plugins.get_host()
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
        flat = {k: v for r in records.values() for k, v in r["values"].items()}
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


from zoo_core.cli import run_command  # noqa: E402  (registers `zoo run` on cli)


def main():
    from zoo_core.quiet_tf import install

    install()  # TensorFlow's native start-up lines are not for users
    cli(prog_name="zoo")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
