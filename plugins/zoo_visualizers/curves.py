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
            raise IncompatibleError(
                "needs a model that trains in epochs; this one reports "
                "environment steps and episodes"
            )

    def draw(self, ctx):
        m = ctx.run.metrics()
        hist = m.get("history", [])
        declared = m.get("metrics") or {}  # name -> unit, description (what the model said)
        # every key some epoch logged (a metric measured every few epochs, such as a GAN's
        # FID with fid_every > 1, is drawn at the epochs that have it)
        logged = [
            k
            for k in dict.fromkeys(k for h in hist for k in h)
            if k not in ("epoch", "seconds", "step") and not k.startswith("val_")
        ]
        keys = [k for k in declared if k in logged] + [k for k in logged if k not in declared]
        fig = new_figure(4.5 * max(1, len(keys)), 4)
        for i, k in enumerate(keys or ["loss"]):
            ax = fig.add_subplot(1, max(1, len(keys)), i + 1)
            if hist:
                rows = [h for h in hist if k in h]
                ax.plot(
                    [h["epoch"] for h in rows],
                    [h[k] for h in rows],
                    marker="o",
                    ms=3,
                    label="train",
                )
                tested = [h for h in hist if f"val_{k}" in h]
                if tested:
                    ax.plot(
                        [h["epoch"] for h in tested],
                        [h[f"val_{k}"] for h in tested],
                        "--",
                        marker="o",
                        ms=3,
                        label="test",
                    )
                ax.legend()
            info = declared.get(k, {})
            ax.set_title(f"{k} ({info['description']})" if info.get("description") else k)
            ax.set_xlabel("epoch")
            ax.set_ylabel(info.get("unit") or k)
        return fig
