"""``zoo runs``, ``zoo compare`` and ``zoo leaderboard``."""

from __future__ import annotations

import json

import click
from rich.table import Column, Table

from zoo_core import plugins
from zoo_core.cli.output import SEED, check_output_file, err, fmt, out, print_json
from zoo_core.errors import UsageError


def add_commands(group: click.Group) -> None:
    @group.command("runs")
    @click.argument("root", required=False, default="runs")
    @click.option(
        "--model", "model_glob", metavar="PATTERN", help="Only models matching, e.g. 'vae*'."
    )
    @click.option(
        "--status",
        type=click.Choice(("running", "finished", "interrupted", "failed", "pruned", "unknown")),
        help="Only runs with this status.",
    )
    @click.option("--json", "as_json", is_flag=True, help="Plain JSON on stdout.")
    def runs_command(root, model_glob, status, as_json):
        """The runs under ROOT (default runs/): status, progress, the monitored metric, size."""
        from zoo_reports.listing import human_size, list_runs

        rows = list_runs(root, model=model_glob, status=status)
        if as_json:
            click.echo(json.dumps(rows, indent=2))
            return
        if not rows:
            err.print(f"no runs under {root}" + (" match" if model_glob or status else ""))
            return
        colour = {
            "finished": "green",
            "running": "cyan",
            "interrupted": "yellow",
            "failed": "red",
            "pruned": "magenta",
        }
        # the run's name is what the next command takes: it is never cut; in a narrow
        # terminal the start time and size (in --json) make room
        wide = out.width >= 110
        t = Table(
            Column(
                "run",
                no_wrap=True,
                overflow="fold",
                min_width=min(max(len(r["run"]) for r in rows), 48),
            ),
            "model",
            "source",
            "seed",
            "status",
            "progress",
            "monitor (best)",
            *(("started", "size") if wide else ()),
        )
        for r in rows:
            progress = (
                "–"
                if r["done"] is None
                else (
                    f"{r['done']:,}/{r['planned']:,} {r['unit']}"
                    if r["planned"]
                    else f"{r['done']:,} {r['unit']}"
                )
            )
            best = "–" if r["best"] is None else f"{r['monitor']} {r['best']:.4g}"
            st = f"[{colour.get(r['status'], 'white')}]{r['status']}[/]" + (
                f" ({r['note']})" if r["note"] and r["status"] != "failed" else ""
            )
            if r["status"] == "failed" and r["note"]:
                st += f": {r['note'][:60]}"
            t.add_row(
                r["run"],
                r["model"] or "?",
                r["source"] or "?",
                str(r["seed"]),
                st,
                progress,
                best,
                *(
                    ((r["started"] or "")[5:16].replace("T", " "), human_size(r["bytes"]))
                    if wide
                    else ()
                ),
            )
        out.print(t)

    @group.command()
    @click.argument("run_dirs", nargs=-1, required=True, type=click.Path())
    @click.option(
        "--out",
        "out_file",
        type=click.Path(dir_okay=False),
        default="compare.png",
        show_default=True,
        help="PNG of the loss curves.",
    )
    @click.option(
        "--each",
        is_flag=True,
        help="One column per run, even for runs that differ only in their seed.",
    )
    @click.option("--json", "as_json", is_flag=True, help="Plain JSON on stdout.")
    def compare(run_dirs, out_file, each, as_json):
        """Compare runs side by side: final metrics, parameters, time, and loss curves.

        Runs that differ only in their seed (a --seeds group, or runs named one by one) are one
        column, mean ± std, their curves shaded; --each keeps them apart."""
        from zoo_reports.compare import compare_runs

        check_output_file(out_file, (".png", ".svg", ".pdf"))
        rows, path = compare_runs(run_dirs, out_file, group=not each)
        if as_json:
            print_json({"runs": rows, "figure": str(path)})
            return
        keys = [k for k in rows[0] if k not in ("run", "members")]
        t = Table("", *[r["run"] for r in rows], title="comparison")
        for k in keys:
            t.add_row(k, *[fmt(r.get(k)) for r in rows])
        out.print(t)
        err.print(f"figure: {path}")

    @group.command()
    @click.argument("run_dirs", nargs=-1, type=click.Path())
    @click.option(
        "--root",
        default="runs",
        show_default=True,
        type=click.Path(),
        help="Where to look for finished runs when none are named.",
    )
    @click.option("--sort", "sort_key", help="Metric to rank by (best first), e.g. fid.")
    @click.option("--json", "as_json", is_flag=True, help="Plain JSON on stdout.")
    @click.option("--markdown", "as_markdown", is_flag=True, help="A Markdown table on stdout.")
    @click.option(
        "--figure",
        type=click.Path(dir_okay=False),
        help="Also draw every run's samples side by side into this PNG.",
    )
    @click.option(
        "--n",
        "n",
        type=click.IntRange(min=1, max=256),
        default=16,
        show_default=True,
        help="Samples per run in the figure.",
    )
    @click.option("--seed", type=SEED, default=0, show_default=True, help="Seed of the samples.")
    def leaderboard(run_dirs, root, sort_key, as_json, as_markdown, figure, n, seed):
        """Rank runs by their evaluated metrics: a row per run (default: every finished run)."""
        from zoo_reports import leaderboard as ranking

        if as_json and as_markdown:
            raise UsageError("--json and --markdown both say how to print; give one of them")

        if figure:
            check_output_file(figure, (".png", ".svg", ".pdf"))
        from zoo_reports.aggregate import expand

        runs = expand(run_dirs) if run_dirs else ranking.finished_runs(root)
        if not runs:
            raise UsageError(f"no finished runs under {root}; train one with `zoo run`")
        rows, units, higher, notes = ranking.rows_of(runs)
        for note in notes:
            err.print(f"[yellow]note:[/] {note}", soft_wrap=True)
        rows = ranking.sort_rows(rows, sort_key, higher)
        if figure:
            by_path = {str(r.path): r for r in runs}
            path = ranking.sample_figure(
                plugins.get_registry(),
                [by_path[(r.get("members") or [r["path"]])[0]] for r in rows],
                figure,
                n=n,
                seed=seed,
            )
            err.print(f"figure: {path}")
        if as_json:
            print_json(
                {"rows": rows, "units": units, "higher_is_better": sorted(higher), "notes": notes}
            )
            return
        if as_markdown:
            click.echo(ranking.markdown(rows, units))
            return
        groups = ranking.by_feature_space(rows)
        for space, group in groups:
            keys = [
                k
                for k in dict.fromkeys(k for r in group for k in r)
                if k not in ("members", "path") and (k != "features" or len(groups) == 1)
            ]
            title = "leaderboard" + (f": features {space or 'none'}" if len(groups) > 1 else "")
            t = Table(*[f"{k}\n({units[k]})" if units.get(k) else k for k in keys], title=title)
            for r in group:
                t.add_row(*[fmt(r.get(k)) for k in keys])
            out.print(t)
