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
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Visualizer setting.")
@click.option("--svg", is_flag=True, help="Also save SVG.")
def viz(run_dir, viz, sets, svg):
    """Draw figures from a saved run, without retraining."""
    plan, run, model, dataset = runner.open_trained(
        registry(), run_dir, visualizers=list(viz), sets=sets, console=err
    )
    for p in runner.draw(plan, model, dataset, run, formats=("png", "svg") if svg else ("png",)):
        click.echo(str(p))
