"""``zoo list``, ``zoo info`` and ``zoo plugins``: what is installed, and how it fits.
None of them imports TensorFlow."""

from __future__ import annotations

import os

import click
from rich.table import Table

from zoo_core import plugins
from zoo_core.cli.group import registry, warn_conflicts
from zoo_core.cli.output import err, out, print_json
from zoo_core.errors import UsageError
from zoo_core.registry import KINDS, unknown_name_message

# -- zoo list -------------------------------------------------------------------------------
_KIND_ARGS = {f"{k}s": k for k in KINDS} | {k: k for k in KINDS}


@click.command("list")
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
        print_json(
            [
                {
                    "kind": e.kind,
                    "name": e.name,
                    "variants": list(e.variants),
                    "default_variant": e.default_variant,
                    "aliases": list(e.aliases),
                    "summary": e.summary,
                    "package": e.package,
                }
                for e in rows
            ]
        )
        return
    if not rows and pattern and not any(ch in pattern for ch in "*?["):
        names = sorted(set(_KIND_ARGS) | {n for k in kinds for n in reg.all_names(k)})
        raise UsageError(unknown_name_message("kind or plugin", pattern, names))
    if not rows:
        allowed = os.environ.get("ZOO_LOAD_PLUGINS")
        hint = (
            f" (ZOO_LOAD_PLUGINS={allowed!r} restricts what loads)" if allowed is not None else ""
        )
        err.print((f"no plugins match {pattern!r}" if pattern else "no plugins installed") + hint)
        return
    table = Table("kind", "name", "variants / aliases", "summary", "package")
    for e in rows:
        extra = [f"{v}*" if v == e.default_variant else v for v in e.variants] + list(e.aliases)
        table.add_row(e.kind, e.name, ", ".join(extra), e.summary, e.package)
    out.print(table)


# -- zoo info -------------------------------------------------------------------------------
_INFO_HEAD = ("kind", "name", "plugin", "package", "summary", "variants", "settings")


@click.command()
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Plain JSON on stdout.")
def info(name, as_json):
    """Describe a plugin: summary, settings with defaults, and what it fits with."""
    from zoo_core.run.describe import describe

    docs = describe(registry(), name)
    if as_json:
        print_json(docs if len(docs) > 1 else docs[0])
        return
    for doc in docs:
        out.print(
            f"[bold]{doc['name']}[/] ({doc['kind']}, from {doc['package']}): {doc['summary']}"
        )
        if doc["variants"]:
            out.print("variants: " + ", ".join(doc["variants"]))
        if doc["settings"]:
            model = doc["kind"] == "model"  # fixed at training, or free at sampling
            t = Table("setting", "type", "value", "range", *(["when"] if model else []), "help")
            for row in doc["settings"]:
                when = [row["when"]] if model else []
                t.add_row(
                    row["name"], row["type"], repr(row["value"]), row["range"], *when, row["help"]
                )
            out.print(t)
            if model:
                out.print(
                    "when: training = fixed once trained (a trained run refuses another "
                    "value); sampling = free per call (zoo sample --set KEY=VALUE, zoo viz "
                    "--set model.KEY=VALUE, sample(..., KEY=VALUE) in Python)"
                )
        for key, value in doc.items():  # what it fits with, in describe()'s order
            if key in _INFO_HEAD:
                continue
            for k, v in value.items() if isinstance(value, dict) else [("", value)]:
                v = ", ".join(v) if isinstance(v, list) and not k else v
                out.print(f"{key}{' ' + k if k else ''}: {v}")


# -- zoo plugins ----------------------------------------------------------------------------
@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Plain JSON on stdout.")
def plugins_(as_json):
    """Installed plugin packages with their hooks, and any that failed to load."""
    host = plugins.get_host()
    _ = host.registry  # registering may record more failures
    if as_json:
        print_json(
            {
                "loaded": [vars(p) | {"hooks": list(p.hooks)} for p in host.loaded],
                "failed": [vars(f) for f in host.failures],
                "conflicts": [
                    {"kind": k, "name": n, "packages": p}
                    for (k, n), p in host.registry.conflicts.items()
                ],
            }
        )
        return
    t = Table("plugin", "package", "version", "hooks")
    for p in host.loaded:
        t.add_row(p.name, p.package, p.version, ", ".join(p.hooks))
    out.print(t)
    for f in host.failures:
        out.print(f"[red]failed[/] {f.name} ({f.package}): {f.error}")
    warn_conflicts(host.registry)
