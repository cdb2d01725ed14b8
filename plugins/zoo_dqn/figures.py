"""The DQN's own figure, ``returns``: episode returns of an agent, their 100-episode mean,
and the solve line, from the ``returns.json`` the loop writes (the agent declares the
``episodes`` capability)."""

from __future__ import annotations

from dataclasses import dataclass, field

from zoo_core import Visualizer


@dataclass(frozen=True)
class ReturnsSettings:
    window: int = field(default=100, metadata={"help": "moving-average window", "min": 1})
    threshold: float | None = field(
        default=None,
        metadata={
            "help": "solve threshold to draw (default: the environment's own reward_threshold)"
        },
    )


class Returns(Visualizer):
    """Episode returns with their moving average and the solve threshold."""

    Settings = ReturnsSettings
    requires = frozenset({"episodes"})

    def draw(self, ctx):
        import numpy as np

        s = self.settings
        rec = ctx.run.read_json("returns.json", {}) or {}
        returns = np.asarray(rec.get("returns", []), dtype=float)
        steps = np.asarray(rec.get("steps", np.arange(1, len(returns) + 1)), dtype=float)
        from matplotlib.figure import Figure

        fig = Figure(figsize=(9, 5), layout="constrained")
        ax = fig.add_subplot()
        ax.plot(steps, returns, lw=0.6, alpha=0.5, label="episode return")
        if len(returns):
            c = np.cumsum(np.insert(returns, 0, 0.0))
            w = np.minimum(np.arange(1, len(returns) + 1), s.window)
            avg = (c[1:] - c[np.arange(1, len(returns) + 1) - w]) / w
            ax.plot(steps, avg, lw=2, label=f"mean of last {s.window}")
        threshold = s.threshold
        if threshold is None and hasattr(ctx.model, "reward_threshold"):
            threshold = ctx.model.reward_threshold()
        if threshold is not None:
            ax.axhline(threshold, color="k", ls="--", lw=1, label=f"solved ({threshold:g})")
        ax.set_xlabel("environment steps")
        ax.set_ylabel("return")
        ax.legend(loc="upper left")
        return fig
