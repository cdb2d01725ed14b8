"""``curves``: the model's declared training metrics per epoch, train and test."""

from __future__ import annotations

from zoo_core import IncompatibleError, Visualizer

from ._figure import new_figure


class Curves(Visualizer):
    """Per-epoch training (solid) and test (dashed) metrics from the run's metrics.json."""

    requires = frozenset()

    @classmethod
    def check_model(cls, model_cls, settings, data_spec=None):
        if model_cls.needs == "environment":
            raise IncompatibleError("needs a model that trains in epochs; this one reports "
                                    "environment steps and episodes")

    def draw(self, ctx):
        m = ctx.run.metrics()
        hist = m.get("history", [])
        declared = m.get("metrics") or {}  # name -> unit, description (what the model said)
        logged = [k for k in (hist[0] if hist else {}) if k not in ("epoch", "seconds", "step")
                  and not k.startswith("val_")]
        keys = [k for k in declared if k in logged] + [k for k in logged if k not in declared]
        fig = new_figure(4.5 * max(1, len(keys)), 4)
        epochs = [h["epoch"] for h in hist]
        for i, k in enumerate(keys or ["loss"]):
            ax = fig.add_subplot(1, max(1, len(keys)), i + 1)
            if hist:
                ax.plot(epochs, [h[k] for h in hist], marker="o", ms=3, label="train")
                if f"val_{k}" in hist[0]:
                    ax.plot(epochs, [h[f"val_{k}"] for h in hist], "--", marker="o", ms=3,
                            label="test")
                ax.legend()
            info = declared.get(k, {})
            ax.set_title(f"{k} ({info['description']})" if info.get("description") else k)
            ax.set_xlabel("epoch")
            ax.set_ylabel(info.get("unit") or k)
        return fig
