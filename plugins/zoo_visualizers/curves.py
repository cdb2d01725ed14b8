"""``curves``: training and test loss curves per epoch (total, reconstruction, KL)."""

from __future__ import annotations

from zoo_core import IncompatibleError, Visualizer

from ._figure import new_figure


class Curves(Visualizer):
    """Per-epoch training (solid) and test (dashed) metrics from the run's metrics.json."""

    requires = frozenset()

    @classmethod
    def check_model(cls, model_cls, settings):
        if model_cls.needs == "environment":
            raise IncompatibleError("plots per-epoch metrics; this model reports episodes")

    def draw(self, ctx):
        hist = ctx.run.metrics().get("history", [])
        keys = sorted((k for k in (hist[0] if hist else {}) if k not in ("epoch", "seconds")
                       and not k.startswith("val_")), key=lambda k: (k != "loss", k))
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
            ax.set_title(k)
            ax.set_xlabel("epoch")
            ax.set_ylabel("nats per image")
        return fig
