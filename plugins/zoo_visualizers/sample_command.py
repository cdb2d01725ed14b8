"""``zoo sample``: a trained model's samples (``Model.sample``), or one latent point decoded
(``--z``), into a picture; the grid is the ``samples`` visualizer's."""

from __future__ import annotations

import math
from pathlib import Path

import click

from zoo_core import CONDITIONAL, DECODE, SAMPLE, UsageError, plugins
from zoo_core.cli.output import SEED, check_output_file, err, given_flags
from zoo_core.contract import classes_in_turn
from zoo_core.run import runner


@click.command()
@click.argument("run_dir", type=click.Path())
@click.option(
    "--n",
    "n",
    type=click.IntRange(min=1, max=1024),
    default=64,
    show_default=True,
    help="Samples to draw.",
)
@click.option("--z", "z", help="One latent point to decode, e.g. 1.4,-1.3.")
@click.option("--label", help="Class name or index (conditional models).")
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="KEY=VALUE",
    help="A model setting for sampling, e.g. temperature=0.7 (a flow's).",
)
@click.option("--out", "out_file", type=click.Path(dir_okay=False), help="PNG file to write.")
def sample(run_dir, n, z, label, seed, sets, out_file):
    """Draw samples from a trained model (or decode one point with --z) into a PNG."""
    if z is not None and "n" in given_flags(click.get_current_context()):
        raise UsageError("--z decodes one point and --n draws samples; give one of them")
    check_output_file(out_file, (".png", ".svg", ".pdf"))
    state = {}

    def check(plan):  # refuse before the model loads
        cls = plan.model.cls
        need = DECODE if z is not None else SAMPLE
        if need not in cls.capabilities:
            raise UsageError(
                f"model '{plan.model.name}' cannot {need}, which `zoo sample"
                f"{' --z' if z is not None else ''}` needs"
            )
        state["label"] = _label(plan, label)
        if z is not None:
            state["z"] = _point(z, cls.latent_shape_of(plan.model.settings, plan.data_spec))

    plan, run, model, _ = runner.open_trained(
        plugins.get_registry(), run_dir, visualizers=[], sets=sets, before_load=check, console=err
    )
    index, name = state["label"]
    path = draw(
        model,
        run,
        n=n,
        z=state.get("z"),
        seed=seed,
        out=out_file,
        title=runner.figure_title(plan, run),
        label=index,
        label_name=name,
        note=", ".join(sets),
    )
    click.echo(str(path))


def _point(text: str, shape) -> list[float]:
    shape = tuple(shape or ())
    size = math.prod(shape)
    try:
        point = [float(v) for v in text.split(",")]
    except ValueError:
        raise UsageError(f"--z must be comma-separated numbers, got {text!r}") from None
    if not all(math.isfinite(v) for v in point):
        raise UsageError(f"--z must be finite numbers (no nan or inf), got {text!r}")
    if len(point) != size:
        shaped = f" (shape {'x'.join(map(str, shape))})" if len(shape) > 1 else ""
        raise UsageError(
            f"--z has {len(point)} values but a latent point of this model has "
            f"{size}{shaped}; e.g. --z {','.join(['0'] * min(size, 8))}"
            f"{',...' if size > 8 else ''}"
        )
    return point


def _label(plan, label):
    """``--label`` as (class index, class name); refused for unconditional models."""
    if label is None:
        return None, ""
    if CONDITIONAL not in plan.model.cls.capabilities:
        raise UsageError(f"--label applies to conditional models; '{plan.model.name}' is not")
    names = list(plan.data_spec.class_names)
    if label.isascii() and label.isdigit() and int(label) < len(names):  # not '²'
        return int(label), names[int(label)]
    folded = {n.lower(): i for i, n in enumerate(names)}
    if label.lower() in folded:
        return folded[label.lower()], names[folded[label.lower()]]
    raise UsageError(
        f"unknown label {label!r}; use a class name or index 0..{len(names) - 1}: "
        f"{', '.join(names)}"
    )


def draw(
    model,
    run,
    *,
    n: int = 64,
    z=None,
    seed: int = 0,
    out=None,
    title="",
    label: int | None = None,
    label_name: str = "",
    note: str = "",
) -> Path:
    """Draw ``n`` samples (or decode the one point ``z``) into a PNG; return its path.
    ``label``: the class a conditional model is asked for (all ``n`` samples; without it,
    the classes in turn, as ``zoo.pretrained(...).model.sample`` and the metrics draw them,
    and the first class for ``z``). ``note``: the settings given, for the title."""
    import numpy as np

    from ._figure import gray, image_grid, new_figure

    kw, tag = {}, f", {label_name}" if label_name else ""
    if CONDITIONAL in model.capabilities:
        names = list(model.data_spec.class_names) if model.data_spec else []
        if label is not None:
            kw["labels"] = np.full(1 if z is not None else n, label, dtype="int32")
        elif z is not None:
            kw["labels"] = np.zeros(1, dtype="int32")
            tag = f", {names[0]}" if names else ""
        else:
            kw["labels"] = classes_in_turn(n, len(names))
            tag = ", classes in turn"
    tag += f"; {note}" if note else ""
    fig = new_figure(6, 6)
    ax = fig.add_subplot()
    if z is not None:
        point = np.asarray(z, dtype="float32").reshape(1, *model.latent_shape)  # any rank
        image = image_grid(model.decode(point, **kw)[:1])
        im = ax.imshow(image, cmap="Greys_r", vmin=0, vmax=1)
        fig.colorbar(im, ax=ax)
        ax.set_title(f"z = [{', '.join(f'{v:g}' for v in z)}]{tag}")
        default = run.figures / ("point_" + "_".join(f"{v:g}" for v in z) + ".png")
    else:
        gray(ax, image_grid(model.sample(n, seed=seed, **kw)))
        ax.set_axis_off()
        ax.set_title(f"{n} samples (seed {seed}{tag})")
        suffix = f"_label{label}" if label is not None and kw else ""
        default = run.figures / f"samples_n{n}_seed{seed}{suffix}.png"
    fig.suptitle(title)
    path = Path(out) if out else default
    fig.savefig(path)
    return path
