"""``zoo pretrained``: the shipped models with what they measured; ``zoo pretrained pack``
makes one from a finished run (how the built-ins were made, and how a third-party package
makes its own to register through ``register_pretrained``)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from zoo_core import plugins
from zoo_core.cli.output import err, out, print_json

#: the numbers the listing shows, when a model measured them (metric key: column)
HEADLINE = {
    "fid": "FID",
    "neg_elbo": "-ELBO nats",
    "bits_per_dim": "bits/dim",
    "mean_return": "return",
}


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Plain JSON on stdout.")
@click.option(
    "--markdown",
    "as_markdown",
    is_flag=True,
    help="A Markdown table on stdout, with each model's training command.",
)
@click.pass_context
def pretrained(ctx, as_json, as_markdown):
    """Shipped pretrained models: use one as pretrained:NAME wherever a run is taken,
    e.g. zoo sample pretrained:dcgan --n 16."""
    if ctx.invoked_subcommand is not None:
        return
    if as_json and as_markdown:
        from zoo_core.errors import UsageError

        raise UsageError("--json and --markdown both say how to print; give one of them")
    from zoo_core.pretrained import listing

    rows = listing(plugins.get_registry())
    if as_json:
        print_json(rows)
        return
    if not rows:
        err.print("no pretrained models installed")
        return
    # FID numbers compare only within one dataset's feature space: the data is a column
    headers = ("model", "data", *HEADLINE.values(), "train min", "MB")
    cells = []
    for r in rows:
        ev = {**r["recorded"].get("test", {}), **r["recorded"].get("eval", {})}
        cells.append(
            [
                r["name"],
                r["model"],
                str(r.get("dataset") or "–"),
                *[f"{ev[k]:.4g}" if isinstance(ev.get(k), (int, float)) else "–" for k in HEADLINE],
                f"{r['trained'].get('train_seconds', 0) / 60:.1f}",
                f"{r['bytes'] / 1e6:.2f}",
            ]
        )
    if as_markdown:
        click.echo("| pretrained:NAME | " + " | ".join(headers) + " | trained with |")
        click.echo("|---" * (len(headers) + 2) + "|")
        for r, row in zip(rows, cells):
            click.echo("| " + " | ".join(row) + f" | `{r['trained'].get('command', '')}` |")
        return
    t = Table(title="pretrained:NAME")
    t.add_column("NAME", no_wrap=True)
    for header in headers:
        t.add_column(header, justify="left" if header in ("model", "data") else "right")
    for row in cells:
        t.add_row(*row)
    out.print(t)
    total = sum(r["bytes"] for r in rows)
    err.print(f"{len(rows)} models, {total / 1e6:.1f} MB in all")


@pretrained.command("pack")
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.argument("name")
@click.option(
    "--into",
    "into",
    type=click.Path(file_okay=False),
    help="Folder to create the package folder in (it is named NAME).",
)
@click.option(
    "--archive",
    "archive",
    type=click.Path(dir_okay=False),
    help="Write one archive file to share instead (install it with `zoo pretrained add`).",
)
@click.option(
    "--dtype",
    type=click.Choice(["float16", "float32"]),
    default="float16",
    show_default=True,
    help="Precision of the shipped weight matrices.",
)
@click.option("--summary", default="", help="One line for `zoo pretrained`.")
@click.option(
    "--check",
    "checks",
    multiple=True,
    metavar="METRIC[:KEY=VALUE,...]",
    help="A quick measurement of the packed weights to record (e.g. fid:n=1000), "
    "which tests repeat; repeat.",
)
def pack_(run_dir, name, into, archive, dtype, summary, checks):
    """Package the finished run RUN_DIR as the pretrained model NAME (a version tag after
    a dot is part of the name: dcgan.fmnist-v1)."""
    import tempfile

    from zoo_core.errors import UsageError
    from zoo_core.registry import PRETRAINED_NAME

    from .archive import write_archive
    from .pack import pack

    if not PRETRAINED_NAME.match(name) or len(name) > 64:
        raise UsageError(
            f"invalid pretrained name {name!r}; use lower_snake_case of at most 64 "
            "characters, optionally with a version tag after a dot (dcgan.fmnist-v1)"
        )
    if (into is None) == (archive is None):
        raise UsageError("give one of --into DIR (a package folder) or --archive FILE")
    if into is not None and Path(into).exists() and not Path(into).is_dir():
        raise UsageError(f"--into {into} is a file; give a folder for the package")
    if archive is not None and Path(archive).exists():
        raise UsageError(f"{archive} exists; choose a new file name for the archive")
    with tempfile.TemporaryDirectory() as tmp:
        dest = Path(into or tmp) / name
        manifest = pack(
            run_dir, dest, name, dtype=dtype, summary=summary, checks=checks, console=err
        )
        if archive is not None:
            digest = write_archive(dest, name, Path(archive))
            err.print(f"archive {archive}: SHA-256 {digest} (publish it beside the file)")
            into = None
    w = manifest["weights"]
    err.print(
        f"{name}: weights {w['bytes'] / 1e6:.2f} MB ({dtype}; the run's "
        f"{w['run_bytes'] / 1e6:.2f} MB)"
    )
    for c in manifest["checks"]:
        err.print(
            f"check {c['metric']} {' '.join(c['sets'])}: "
            + ", ".join(f"{k} {v:.4g}" for k, v in c["values"].items())
            + f" ({c['seconds']} s)"
        )
    click.echo(str(Path(into) / name) if into is not None else str(archive))


@pretrained.command("add")
@click.argument("archive", type=click.Path(dir_okay=False))
@click.option("--sha256", "digest", help="The archive's SHA-256 as published: checked first.")
def add_(archive, digest):
    """Install a pretrained archive (from `zoo pretrained pack --archive`) into your store,
    after checking every file; then pretrained:NAME works everywhere."""
    from .archive import add, store_root

    name = add(archive, expected_sha256=digest, registry=plugins.get_registry())
    plugins.reset()
    err.print(f"installed pretrained:{name} in {store_root() / name}")
    click.echo(f"pretrained:{name}")
