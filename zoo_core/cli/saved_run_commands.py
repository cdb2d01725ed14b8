"""``zoo eval`` and ``zoo viz``: measure and draw a saved run, through the one opener
(:func:`zoo_core.run.runner.open_trained`)."""

from __future__ import annotations

import click
from rich.table import Table

from zoo_core.cli.group import registry
from zoo_core.cli.output import err, fmt, out, print_json
from zoo_core.run import plan as planner
from zoo_core.run import runner


# -- zoo eval / viz -------------------------------------------------------------------------
@click.command("eval")
@click.argument("run_dir", type=click.Path())
@click.option(
    "--metric",
    "metric_names",
    multiple=True,
    help="Metric to run; repeat. Default: every metric that applies.",
)
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="KEY=VALUE",
    help="Metric setting, e.g. k=100 or scoped, nll.k=100.",
)
@click.option("--json", "as_json", is_flag=True, help="Plain JSON on stdout.")
def eval_(run_dir, metric_names, sets, as_json):
    """Measure a trained run with metric plugins; results are kept in metrics.json."""
    reg, metrics = registry(), []

    def refuse_first(plan):  # every metric is checked before the model loads
        metrics.extend(planner.plan_metrics(reg, plan, metric_names or None, sets))
        err.print(f"metrics: {', '.join(c.name for c in metrics)}")

    plan, run, model, dataset = runner.open_trained(
        reg, run_dir, visualizers=[], before_load=refuse_first, console=err
    )
    records = runner.evaluate(plan, metrics, model, dataset, run, err)
    if as_json:
        flat = {k: v for r in records.values() for k, v in r["values"].items()}
        flat["details"] = {
            name: {k: r[k] for k in ("settings", "units", "notes", "seconds")}
            for name, r in records.items()
        }
        print_json(flat)
        return
    t = Table("metric", "value", "unit", "how (settings, notes)", title=f"eval {run.path}")
    for name, r in records.items():
        how = ", ".join(
            f"{k} {v}"
            for k, v in {**r["settings"], **r["notes"]}.items()
            if k not in ("classifier", "classifier_sha256", "feature_space")
        )
        for i, (k, v) in enumerate(r["values"].items()):
            t.add_row(
                k,
                fmt(v),
                r["units"].get(k, ""),
                f"{name}: {how}" if i == 0 else "",
                end_section=i == len(r["values"]) - 1,
            )
    out.print(t)
    spaces = {
        r["notes"]["feature_space"] for r in records.values() if "feature_space" in r["notes"]
    }
    for space in sorted(spaces):
        out.print(f"features: {space} (numbers compare only with numbers in this space)")


@click.command()
@click.argument("run_dir", type=click.Path())
@click.option("--viz", "viz", multiple=True, required=True, help="Visualizer; repeat.")
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="KEY=VALUE",
    help="A visualizer's setting (n=8; one of several: samples.n=8), or the model's "
    "sampling setting, scoped: model.steps=10.",
)
@click.option("--svg", is_flag=True, help="Also save SVG.")
def viz(run_dir, viz, sets, svg):
    """Draw figures from a saved run, without retraining."""
    plan, run, model, dataset = runner.open_trained(
        registry(), run_dir, visualizers=list(viz), sets=sets, unscoped="visualizer", console=err
    )
    before = {p.name for p in run.figures.glob("*")} if run.figures.is_dir() else set()
    for p in runner.draw(plan, model, dataset, run, formats=("png", "svg") if svg else ("png",)):
        if p.name in before:
            err.print(f"[yellow]note:[/] {p} was drawn before; replaced", soft_wrap=True)
        click.echo(str(p))


# -- zoo export -------------------------------------------------------------------------------
@click.command("export")
@click.argument("run_dir", type=click.Path())
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(["savedmodel", "onnx", "litert"]),
    default=("savedmodel",),
    show_default=True,
    help="Format to write; repeat for several.",
)
@click.option(
    "--out",
    "out",
    type=click.Path(),
    required=True,
    help="Folder to write the export in (new, empty, or an earlier export).",
)
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="KEY=VALUE",
    help="A sampling setting fixed into an exported sampler, e.g. steps=10.",
)
@click.option("--json", "as_json", is_flag=True, help="The check's report as JSON on stdout.")
def export(run_dir, formats, out, sets, as_json):
    """Export a trained run's endpoints (decode, encode, sample, ...) as files that load
    without zoo; each format is checked in a fresh process against the zoo's outputs."""
    from zoo_core import settings as S
    from zoo_core.run.export import export_run, target_folder

    target_folder(out)  # refused before the model loads
    options = {}
    for scope, key, value in S.parse_assignments(sets):
        options[key if scope is None else f"{scope}.{key}"] = value
    plan, run, model, _ = runner.open_trained(registry(), run_dir, visualizers=[], console=err)
    manifest = export_run(
        plan, run, model, out, list(formats), reference=run_dir, options=options, console=err
    )
    if as_json:
        print_json(manifest["check"])
        return
    t = Table("format", "endpoint", "max abs diff", "tolerance", "ms/call", title=f"export {out}")
    for form, rows in manifest["check"].items():
        if isinstance(rows, dict):
            for name, r in rows.items():
                t.add_row(
                    form,
                    name,
                    "shape differs" if r["max_abs_diff"] is None else f"{r['max_abs_diff']:.2e}",
                    f"{r['tolerance']:g}",
                    f"{r['ms_per_call']:.1f}",
                )
    err.print(t)
    err.print("checked in a fresh process with no zoo code: every endpoint within tolerance")
    click.echo(str(out))


# -- zoo card ---------------------------------------------------------------------------------
@click.command("card")
@click.argument("run_dir", type=click.Path())
@click.option("--print", "to_stdout", is_flag=True, help="Print it instead of writing it.")
def card(run_dir, to_stdout):
    """Write the run's model card (README.md in its folder) again from its files."""
    from pathlib import Path

    from zoo_core.errors import NotARunError
    from zoo_core.plugins import run_path
    from zoo_core.run.card import card as make_card
    from zoo_core.run.card import plugin_classes, write_card
    from zoo_core.run_dir import RunDir

    folder = Path(run_path(run_dir))
    if not (folder / "config.json").is_file():
        raise NotARunError(f"{folder} is not a run directory (no config.json)")
    run = RunDir(folder)  # not RunDir.open: a card adds nothing else to the folder
    model_cls, dataset_cls = plugin_classes(registry(), folder)
    if to_stdout:
        click.echo(make_card(run.path, model_cls, dataset_cls), nl=False)
        return
    click.echo(str(write_card(run, model_cls, dataset_cls=dataset_cls)))
