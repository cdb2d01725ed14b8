"""A run as a Python object: what it recorded, its trained model, its figures.

:class:`Run` wraps a run folder (made by ``zoo run``, ``zoo.run`` or shipped as
``pretrained:NAME``) and opens its model through ``runner.open_trained``, the opener every
``zoo`` command uses, the first time something needs it. :class:`TrainedModel` is the
family's own Model plugin with friendlier calls: lists in, NumPy out, a default seed, and
class names accepted where a conditional model takes labels.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zoo import arguments as A
from zoo_core.contract import CONDITIONAL, DECODE, ENCODE, LIKELIHOOD, SAMPLE
from zoo_core.errors import IncompatibleError, UsageError


def console(progress: bool):
    """Where progress goes: stderr, as plain lines in a notebook (no widget, no cursor
    codes), quiet with ``progress=False``."""
    import sys

    from rich.console import Console

    notebook = "ipykernel" in sys.modules
    return Console(
        stderr=True,
        highlight=False,
        quiet=not progress,
        force_jupyter=False if notebook else None,
        force_terminal=False if notebook else None,
    )


class History(list):
    """One dict per epoch (``epoch``, the losses, ``seconds``), as ``metrics.json``
    records them; :meth:`to_pandas` for a frame."""

    def to_pandas(self):
        """A pandas DataFrame indexed by epoch (needs pandas)."""
        try:
            import pandas as pd
        except ImportError:
            raise UsageError("History.to_pandas() needs pandas: pip install pandas") from None
        return (
            pd.DataFrame(self).set_index("epoch")
            if self and "epoch" in self[0]
            else pd.DataFrame(self)
        )

    def column(self, key: str) -> list:
        """One metric over the epochs, e.g. ``run.history.column("val_loss")``."""
        return [row.get(key) for row in self]


class TrainedModel:
    """A trained model: ``sample``, ``encode``, ``decode`` and ``log_likelihood`` as it
    declares them (:attr:`capabilities`). Anything else is the plugin's own
    (:attr:`plugin`)."""

    def __init__(self, plugin, name: str):
        self.plugin, self.name = plugin, name

    def __getattr__(self, attr):  # the plugin's own methods and attributes
        return getattr(self.__dict__["plugin"], attr)

    def __repr__(self) -> str:
        caps = ", ".join(sorted(self.capabilities))
        return f"<TrainedModel {self.name}: {caps or 'no generative capabilities'}>"

    @property
    def capabilities(self) -> frozenset[str]:
        """What it can do: ``sample``, ``encode``, ``decode``, ``likelihood``, ..."""
        return frozenset(self.plugin.capabilities)

    @property
    def class_names(self) -> list[str]:
        """The data's class names (what ``label=`` takes), or ``[]``."""
        spec = self.plugin.data_spec
        return list(spec.class_names) if spec is not None else []

    def _need(self, capability: str) -> None:
        if capability not in self.capabilities:
            have = ", ".join(sorted(self.capabilities)) or "none"
            raise IncompatibleError(f"model '{self.name}' cannot {capability} (it can: {have})")

    def _labels(self, label, n: int) -> dict:
        """``labels=`` for a conditional model (:func:`zoo.arguments.label_items`);
        nothing for an unconditional model (a label is refused)."""
        import numpy as np

        if CONDITIONAL not in self.capabilities:
            if label is not None:
                raise UsageError(f"model '{self.name}' is not conditional; drop label=")
            return {}
        index = A.label_items(label, n, self.class_names)
        return {"labels": np.asarray(index, dtype="int32")}

    def sample(self, n: int = 16, *, seed: int = 0, label=None, **options):
        """``n`` images in [0, 1] (NumPy, ``(n, H, W, C)``), at most
        :data:`~zoo.arguments.MAX_SAMPLES` a call; the same seed, the same images.
        ``label``: a class name or index (or one per image) for a conditional model;
        default: the classes in turn. ``options``: the model's sampling settings for this
        call (e.g. ``steps=10`` for ``ddpm``, ``temperature=0.7`` for ``realnvp``)."""
        self._need(SAMPLE)
        n = A.whole(n, "sample(n=...)", 1, A.MAX_SAMPLES)
        seed = A.check_seed(seed, "sample(seed=...)")
        labels = self._labels(label, n)
        self.plugin.sampling(**options)  # refused before any work
        return self.plugin.sample(n, seed=seed, **labels, **options)

    def _shape(self):
        spec = self.plugin.data_spec
        return tuple(spec.element_shape) if spec is not None else None

    def encode(self, x, *, label=None):
        """Latent means of images ``x`` (``(n, H, W, C)`` in [0, 1])."""
        self._need(ENCODE)
        x = A.images(x, self._shape(), "encode")
        return self.plugin.encode(x, **self._labels(label, len(x)))

    def decode(self, z, *, label=None):
        """Images from latent points, e.g. ``decode([[1.4, -1.3]])`` for one point."""
        self._need(DECODE)
        shape = self.plugin.latent_shape
        z = A.latent(z, tuple(shape) if shape is not None else None, "decode", self.name)
        return self.plugin.decode(z, **self._labels(label, len(z)))

    def log_likelihood(self, x, *, k: int = 1, seed: int = 0, label=None):
        """log p(x) per image, in the model's unit (a bound for a VAE, tighter with
        ``k``; exact for a flow)."""
        self._need(LIKELIHOOD)
        x = A.images(x, self._shape(), "log_likelihood")
        k = A.whole(k, "log_likelihood(k=...)", 1, 10_000)
        seed = A.check_seed(seed, "log_likelihood(seed=...)")
        return self.plugin.log_likelihood(x, seed=seed, k=k, **self._labels(label, len(x)))


def _scoped(settings: dict, scope: str | None = None) -> list[tuple[str | None, str, Any]]:
    """Keyword settings as the planner's typed ``(scope, key, value)``: ``"fid.samples"``
    names its plugin, a bare key goes to ``scope`` (None: whichever plugin has it). Values
    keep their Python types: a list or tuple is a list setting, not text to parse again."""
    out = []
    for key, value in settings.items():
        named, _, bare = key.rpartition(".")
        out.append((named or scope, bare, value))
    return out


class Run:
    """A run folder: ``config``, ``history``, ``test_metrics``, ``evaluations``; its
    ``model`` (loaded on first use), ``figure(name)``, ``evaluate()``, ``resume()``."""

    def __init__(self, path: str | Path, *, reference: str | None = None, progress: bool = True):
        from zoo_core.run_dir import RunDir

        self._dir = RunDir.open(path)
        self.path = self._dir.path
        self.reference = reference
        self.progress = progress
        self._opened = None  # (plan, run, model, dataset) once loaded

    def __repr__(self) -> str:
        cfg = self.config
        where = self.reference or str(self.path)
        data = (cfg.get("dataset") or {}).get("name") or ""
        return (
            f"<Run {where}: {cfg['model']['name']}{' on ' + data if data else ''}, "
            f"{self.status}, {len(self.history)} epochs>"
        )

    # -- what it recorded ----------------------------------------------------------------
    @property
    def config(self) -> dict:
        """``config.json``: model, dataset and visualizer settings, seed, command, versions."""
        return self._dir.config

    @property
    def status(self) -> str:
        """``finished``, ``running``, ``interrupted`` or ``failed``."""
        return self._dir.status()[0]

    @property
    def history(self) -> History:
        """The per-epoch records (a :class:`History`, a list of dicts)."""
        return History(self._dir.metrics().get("history", []))

    @property
    def test_metrics(self) -> dict:
        """The declared metrics on the test split, measured after training."""
        return dict(self._dir.metrics().get("test") or {})

    @property
    def evaluations(self) -> dict:
        """The latest value of each metric ``zoo eval`` (or :meth:`evaluate`) measured."""
        return dict(self._dir.metrics().get("eval") or {})

    # -- the trained model ------------------------------------------------------------------
    def _console(self):
        return console(self.progress)

    def _open(self):
        if self._opened is None:
            from zoo_core import plugins
            from zoo_core.run import runner

            self._opened = runner.open_trained(
                plugins.get_registry(), str(self.path), visualizers=[], console=self._console()
            )
        return self._opened

    @property
    def model(self) -> TrainedModel:
        """The trained model (a :class:`TrainedModel`), loaded on first use."""
        plan, _, model, _ = self._open()
        return TrainedModel(model, plan.model.name)

    def sample(self, n: int = 16, *, seed: int = 0, label=None, **options):
        """``self.model.sample(...)``."""
        return self.model.sample(n, seed=seed, label=label, **options)

    def figure(self, name: str, **settings: Any):
        """Draw the visualizer ``name`` (e.g. ``"manifold"``, ``"samples"``) with its
        settings as keywords; returns the matplotlib Figure (shown inline in Jupyter).
        Nothing is written; ``fig.savefig(path)`` keeps it."""
        from zoo_core import plugins
        from zoo_core.contract import DrawContext
        from zoo_core.run import runner
        from zoo_core.run.plan import plan as make_plan
        from zoo_core.run.request import RunRequest

        A.name(name, "figure()", "run.figure('samples')")
        _, run, model, dataset = self._open()
        plan = make_plan(
            plugins.get_registry(),
            RunRequest.of_run(run, visualizers=[name], assignments=_scoped(settings, name)),
        )
        v = plan.visualizers[0]
        title = runner.figure_title(plan, run)
        fig = v.cls(v.settings).draw(
            DrawContext(model=model, dataset=dataset, run=run, title=title, seed=plan.seed)
        )
        if not fig.get_suptitle():
            fig.suptitle(f"{name}: {title}")
        return fig

    def evaluate(self, *names: str, **settings: Any) -> dict[str, float]:
        """Measure the model with metric plugins (default: every one that applies), as
        ``zoo eval`` does; the numbers are also kept in the run's ``metrics.json``.
        Settings are scoped by metric: ``evaluate("fid", **{"fid.samples": 1000})``, or
        unscoped when one metric takes them: ``evaluate("fid", samples=1000)``."""
        from zoo_core import plugins
        from zoo_core.run import plan as planner
        from zoo_core.run import runner

        names = tuple(A.names(names, "evaluate()", "run.evaluate('fid')"))
        plan, run, model, dataset = self._open()
        metrics = planner.plan_metrics(
            plugins.get_registry(), plan, list(names) or None, assignments=_scoped(settings)
        )
        records = runner.evaluate(plan, metrics, model, dataset, run, self._console())
        return {k: v for r in records.values() for k, v in r["values"].items()}

    def export(self, out, *formats: str, **options: Any) -> dict:
        """Write the trained model's endpoints (``decode``, ``encode``, ``sample``, ...)
        to the folder ``out`` in each format (``"savedmodel"`` by default, ``"onnx"``,
        ``"litert"``), checked in a fresh process against this model's outputs, as ``zoo
        export`` does; ``options``: sampling settings fixed into an exported sampler (e.g.
        ``steps=10``). Returns what ``export.json`` records, the check included."""
        from zoo_core.run.export import export_run, target_folder

        target_folder(out)
        plan, run, model, _ = self._open()
        return export_run(
            plan,
            run,
            model,
            out,
            list(formats) or ["savedmodel"],
            reference=self.reference or str(self.path),
            options=options,
            console=self._console(),
        )

    def resume(self) -> Run:
        """Continue an interrupted run to its planned end (``zoo run --resume``)."""
        from zoo_core import plugins
        from zoo_core.experiments import seed_groups

        seed_groups.resume_run(plugins.get_registry(), str(self.path), self._console())
        self._opened = None
        return self
