"""The page: three tabs built with Gradio Blocks over :mod:`zoo_demo.actions` and
:mod:`zoo_demo.runs`.

Every widget that sets how a model samples is made from the model's declaration
(:mod:`zoo_demo.controls`): one group of widgets per installed model class that samples,
shown when a run of that class is chosen. Each public event is an API endpoint named as
the page names it (``/sample``, ``/decode``, ``/interpolate``, ``/figure``, ``/runs``,
``/leaderboard``, ``/run``, ``/compare``), so ``gradio_client`` drives exactly what the
browser drives. An error in a request is shown in the page as its one-line message, never a
traceback.
"""

import functools
from pathlib import Path

from zoo_core import DECODE, SAMPLE
from zoo_core.errors import ZooError

from . import actions, runs
from .controls import Control, controls, slider_step
from .library import MAX_IMAGES, Library

TITLE = "zoo: look at your models"


def guarded(fn):
    """A handler whose errors reach the page as one line (``gr.Error``): a
    :class:`ZooError`'s own message, anything else its type and first line."""
    import gradio as gr

    @functools.wraps(fn)
    def handler(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ZooError as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        except Exception as exc:  # a plugin's bug: named, the page keeps working
            first = (str(exc).splitlines() or [""])[0]
            raise gr.Error(f"{type(exc).__name__}: {first}", print_exception=False) from None

    return handler


def _widget(control: Control, visible: bool):
    import gradio as gr

    common = {"label": control.name, "info": control.help or None, "visible": visible}
    if control.kind == "choice":
        return gr.Dropdown(list(control.choices), value=control.value, **common)
    if control.kind == "bool":
        return gr.Checkbox(value=bool(control.value), **common)
    if control.slider:
        return gr.Slider(
            control.minimum,
            control.maximum,
            value=control.value,
            step=slider_step(control),
            **common,
        )
    if control.kind in ("int", "float"):
        return gr.Number(
            value=control.value,
            minimum=control.minimum,
            maximum=control.maximum,
            precision=0 if control.kind == "int" else None,
            **common,
        )
    return gr.Textbox(value=str(control.value), **common)


def _menu(choices: list[str], label: str, **kw):
    """A drop-down of runs, the first chosen. Any text is let through to the handlers, so
    :meth:`Library.resolve` (not the widget) is what refuses a run that is not offered."""
    import gradio as gr

    first = choices[0] if choices else None
    return gr.Dropdown(choices, value=first, label=label, allow_custom_value=True, **kw)


def build(lib: Library):
    """The page as a ``gr.Blocks``, ready to ``launch``."""
    import gradio as gr

    samplers = lib.offering(SAMPLE)
    decoders = lib.offering(DECODE)
    everything = [item.reference for item in lib.offered()]

    # one widget per (model class, sampling setting), from the class's declaration: every
    # installed model that samples, so a run trained after the page started has its own
    from zoo_core import plugins

    classes = {
        e.cls
        for e in plugins.get_registry().entries("model")
        if SAMPLE in e.cls.capabilities and e.cls.sampling_settings
    }
    pool: list[tuple[type, Control, object]] = []

    with gr.Blocks(title=TITLE) as page:
        gr.Markdown(f"## {TITLE}")
        with gr.Tab("Sample", id="sample"):
            with gr.Row():
                with gr.Column(scale=1):
                    s_model = _menu(samplers, "model", elem_id="sample-model")
                    s_n = gr.Slider(1, MAX_IMAGES, value=16, step=1, label="n (images)")
                    s_seed = gr.Number(0, precision=0, minimum=0, label="seed")
                    s_label = gr.Dropdown([], label="class", visible=False, allow_custom_value=True)
                    for cls in sorted(classes, key=lambda k: k.__name__):
                        for c in controls(cls.Settings(), cls.sampling_settings):
                            pool.append((cls, c, _widget(c, visible=False)))
                    s_settings = gr.JSON({}, label="sampling settings used")
                    s_go = gr.Button("Sample", variant="primary")
                with gr.Column(scale=2):
                    s_grid = gr.Image(label="samples", format="png", interactive=False)
                    s_time = gr.Markdown()
                    s_file = gr.File(label="the images as NumPy (.npz)")

        with gr.Tab("Explore", id="explore"):
            with gr.Row():
                with gr.Column(scale=1):
                    e_model = _menu(decoders, "model")
                    e_label = gr.Dropdown([], label="class", visible=False, allow_custom_value=True)
                    with gr.Row():
                        e_seed = gr.Number(0, precision=0, minimum=0, label="seed")
                        e_from_seed = gr.Button("start from this seed")
                    sliders = [
                        gr.Slider(
                            -4,
                            4,
                            value=0,
                            step=0.05,
                            label=f"z[{i}]",
                            visible=False,
                            elem_id=f"z{i}",
                        )  # fmt: skip
                        for i in range(actions.MAX_SLIDERS)
                    ]
                    e_point = gr.JSON([], label="latent point")
                    e_go = gr.Button("decode this point")
                with gr.Column(scale=1):
                    e_image = gr.Image(
                        label="decoded", format="png", interactive=False, elem_id="decoded"
                    )
                    e_ms = gr.Markdown()
                    e_map = gr.Image(
                        label="the 2-D latent space: click a point to decode it",
                        format="png",
                        interactive=False,
                        visible=False,
                        elem_id="manifold",
                        height=360,
                    )
            with gr.Accordion("Interpolate between two seeds", open=True):
                with gr.Row():
                    i_a = gr.Number(0, precision=0, minimum=0, label="seed A")
                    i_b = gr.Number(1, precision=0, minimum=0, label="seed B")
                    i_steps = gr.Slider(2, 32, value=10, step=1, label="steps")
                    i_go = gr.Button("Interpolate")
                i_strip = gr.Image(
                    label="A ... B", format="png", interactive=False, elem_id="strip"
                )
            with gr.Accordion("Figures of this model", open=False):
                with gr.Row():
                    f_model = _menu(samplers, "model")
                    f_name = gr.Dropdown([], label="figure", allow_custom_value=True)
                    f_go = gr.Button("Draw")
                f_plot = gr.Plot(label="figure")

        with gr.Tab("Runs", id="runs"):
            r_refresh = gr.Button("Refresh")
            r_table = gr.Dataframe(label="runs", interactive=False, show_search="filter")
            r_board = gr.Dataframe(label="leaderboard", interactive=False, show_search="filter")
            with gr.Row():
                r_pick = _menu(everything, "run")
                r_go = gr.Button("Open")
            with gr.Row():
                r_config = gr.JSON(label="config")
                r_numbers = gr.JSON(label="test and evaluated metrics")
            r_curves = gr.LinePlot(x="epoch", y="value", color="metric", label="curves")
            r_figures = gr.Gallery(
                label="figures", columns=4, height=320, object_fit="contain", elem_id="run-figures"
            )
            with gr.Accordion("model card", open=False):
                r_card = gr.Markdown(elem_id="run-card")
            with gr.Row():
                c_a = gr.Dropdown(everything, label="compare", allow_custom_value=True)
                c_b = gr.Dropdown(everything, label="with", allow_custom_value=True)
                c_go = gr.Button("Compare")
            c_table = gr.Dataframe(label="side by side", interactive=False)
            c_plot = gr.Plot(label="curves")

        sample = (s_model, s_n, s_seed, s_label, s_settings, s_go, s_grid, s_time, s_file, pool)
        _wire_sample(page, lib, *sample)
        explore = (e_model, e_label, e_seed, e_from_seed, sliders, e_point, e_go, e_image, e_ms,
                   e_map)  # fmt: skip
        _wire_explore(page, lib, *explore)
        rest = (e_model, e_label, i_a, i_b, i_steps, i_go, i_strip, f_model, f_name, f_go, f_plot)
        _wire_rest(page, lib, *rest)
        _wire_runs(lib, r_refresh, r_table, r_board, r_pick, r_go, r_config, r_numbers, r_curves,
                   r_figures, r_card, c_a, c_b, c_go, c_table, c_plot)  # fmt: skip

        def offered_again():
            every = [item.reference for item in lib.offered()]
            can_sample, can_decode = lib.offering(SAMPLE), lib.offering(DECODE)
            menus = (every, every, every, can_sample, can_decode, can_sample)
            return [gr.update(choices=c) for c in menus]

        # runs trained since the page started appear in every list
        r_refresh.click(
            guarded(offered_again),
            None,
            [r_pick, c_a, c_b, s_model, e_model, f_model],
            api_visibility="private",
        )
        page.load(guarded(lambda: _runs_table(lib)), None, r_table, api_visibility="private")
        page.load(guarded(lambda: _leaderboard(lib)), None, r_board, api_visibility="private")
    return page


def _label_update(info: dict):
    import gradio as gr

    classes = info["classes"]
    return gr.update(
        choices=[("each class in turn", "")] + [(c, c) for c in classes],
        value="",
        visible=bool(classes),
    )


def _wire_sample(page, lib, model, n, seed, label, settings, go, grid, took, file, pool):
    import gradio as gr

    def chosen(ref):
        info = actions.describe(lib, ref)
        cls = lib.model_class(ref)
        values = {c.name: c.value for c in info["controls"]}
        updates = [
            gr.update(visible=True, value=values[c.name])
            if owner is cls
            else gr.update(visible=False)
            for owner, c, _ in pool
        ]
        return [_label_update(info), *updates]

    def collect(ref, *values):
        cls = lib.model_class(ref)
        return {c.name: v for (owner, c, _), v in zip(pool, values) if owner is cls}

    widgets = [w for _, _, w in pool]
    model.change(guarded(chosen), model, [label, *widgets], api_visibility="private")
    go.click(guarded(collect), [model, *widgets], settings, api_visibility="private").then(
        guarded(lambda ref, k, s, y, st: actions.sample(lib, ref, k, s, y, st)),
        [model, n, seed, label, settings],
        [grid, file, took],
        api_name="sample",
    )
    page.load(guarded(chosen), model, [label, *widgets], api_visibility="private")


def _wire_explore(page, lib, model, label, seed, from_seed, sliders, point, go, image, ms, the_map):
    import gradio as gr

    def shown_point(ref, seed_value):
        info = actions.describe(lib, ref)
        z = actions.prior_point(lib, ref, seed_value)
        d = len(z)
        updates = [
            gr.update(visible=i < d, value=round(z[i], 2) if i < d else 0)
            for i in range(len(sliders))
        ]
        has_map = info["latent_dim"] == 2
        picture = actions.manifold(lib, ref) if has_map else None
        return [_label_update(info), *updates, z, gr.update(visible=has_map, value=picture)]

    def with_sliders(current, values) -> list[float]:
        z = [float(v) for v in (current or [])]
        for i, v in enumerate(values[: len(z)]):
            z[i] = float(v)
        return z

    def decoded(ref, lab, z):
        picture, took = actions.decode(lib, ref, z, lab)
        return picture, f"decoded in {took:.1f} ms (server)"

    def dragged(ref, lab, current, *values):
        z = with_sliders(current, values)
        if not z:  # the page is still loading the model's point
            return gr.update(), gr.update(), gr.update()
        return (*decoded(ref, lab, z), z)

    def clicked(ref, lab, picture, current, evt: gr.SelectData):
        import numpy as np

        height, width = np.asarray(picture).shape[:2]
        z01 = actions.point_at(evt.index[0], evt.index[1], (width, height))
        z = [float(v) for v in (current or [0.0, 0.0])]
        z[:2] = z01
        return (*(gr.update(value=v) for v in z01), *decoded(ref, lab, z), z)

    outs = [label, *sliders, point, the_map]
    loaded = [page.load, model.change, from_seed.click]
    gr.on(loaded, guarded(shown_point), [model, seed], outs, api_visibility="private").then(
        guarded(decoded), [model, label, point], [image, ms], api_visibility="private"
    )
    gr.on(
        [*(s.release for s in sliders), *(s.input for s in sliders), label.input],
        guarded(dragged), [model, label, point, *sliders], [image, ms, point],
        api_visibility="private", show_progress="hidden", trigger_mode="always_last",
    )  # fmt: skip
    the_map.select(guarded(clicked), [model, label, the_map, point],
                   [*sliders[:2], image, ms, point], api_visibility="private")  # fmt: skip
    go.click(guarded(decoded), [model, label, point], [image, ms], api_name="decode")


def _wire_rest(page, lib, model, label, a, b, steps, go, strip, f_model, f_name, f_go, plot):
    import gradio as gr

    go.click(
        guarded(lambda ref, lab, x, y, k: actions.interpolate(lib, ref, x, y, k, lab)),
        [model, label, a, b, steps],
        strip,
        api_name="interpolate",
    )

    def offered(ref):
        names = actions.figures_for(lib, ref)
        return gr.update(choices=names, value=names[0] if names else None)

    gr.on([page.load, f_model.change], guarded(offered), f_model, f_name,
          api_visibility="private")  # fmt: skip
    f_go.click(
        guarded(lambda ref, name: actions.figure(lib, ref, name)),
        [f_model, f_name],
        plot,
        api_name="figure",
    )


def _runs_table(lib):
    import pandas as pd

    return pd.DataFrame(runs.runs_table(lib))


def _leaderboard(lib):
    import pandas as pd

    return pd.DataFrame(runs.leaderboard(lib))


def _picture(path):
    from PIL import Image

    with Image.open(path) as im:
        return im.convert("RGB")


def _wire_runs(lib, refresh, table, board, pick, go, config, numbers, curves, figures, card,
               a, b, c_go, c_table, c_plot):  # fmt: skip
    import pandas as pd

    refresh.click(guarded(lambda: _runs_table(lib)), None, table, api_name="runs")
    refresh.click(guarded(lambda: _leaderboard(lib)), None, board, api_name="leaderboard")

    def opened(ref):
        page = runs.run_page(lib, ref)
        points = pd.DataFrame(runs.curves(page["history"]), columns=["epoch", "metric", "value"])
        numbers_ = {"test": page["test"], "evaluations": page["evaluations"]}
        # as pictures, not paths: Gradio serves files only from its own folders, and a run
        # may live anywhere (a shipped model's working copy is in the user's cache)
        shown = [(_picture(p), Path(p).name) for p in page["figures"]]
        return page["config"], numbers_, points, shown, page["card"]

    go.click(guarded(opened), pick, [config, numbers, curves, figures, card], api_name="run")

    def compared(x, y):
        rows, fig = runs.compare(lib, x, y)
        return pd.DataFrame(rows), fig

    c_go.click(guarded(compared), [a, b], [c_table, c_plot], api_name="compare")
