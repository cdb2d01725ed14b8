"""Contract checks a model plugin runs in its own tests: ``check_model_plugin``.

    from zoo_core.testing import check_model_plugin

    def test_my_model_keeps_the_contract(tmp_path):
        check_model_plugin("my_model", "fashion_mnist", workdir=tmp_path,
                           sets=["limit=256", "batch_size=64"], metric_sets=["k=2"])

It checks, with the plugin installed (registered through its entry point):

1. a tiny run trains, through the planner and runner as ``zoo run`` does, and records the
   metrics the model declares, for every epoch;
2. for a model that declares ``resumable`` (every :class:`zoo_core.KerasModel`): a run
   interrupted after epoch 1 and resumed **in a fresh process** (``fresh_process=False``:
   in this one, from the files alone, a new model instance) ends with weights and
   optimizer state ``array_equal`` to the uninterrupted run's, and the same history;
3. the saved model loads into a fresh instance (rebuilt, no code read from the file) with
   exactly the trained weights, samples, encodings and likelihoods;
4. every installed visualizer that applies draws a non-blank figure, and every one that
   does not is refused at planning, before any run folder exists, with a one-line message
   saying what it needs;
5. every installed metric that applies gives finite numbers, and every one that does not
   is refused before any work.

A model that trains on no dataset names its source as a setting (``sets=["env=..."]``,
for an environment).
With no settings given, the model's own :attr:`zoo_core.Model.tiny_run` is used. The
training goes through :func:`zoo_core.run.runner.execute`, the path ``zoo run`` takes. The
interruption is
a Keras callback that raises ``KeyboardInterrupt`` (what Ctrl-C raises), handed to the model
through ``RunContext.extra["callbacks"]``, which :class:`zoo_core.KerasModel` honours.
"""

from __future__ import annotations

import dataclasses
import math
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from zoo_core import plugins
from zoo_core import settings as S
from zoo_core.contract import CONDITIONAL, ENCODE, LIKELIHOOD, SAMPLE, DrawContext
from zoo_core.errors import IncompatibleError
from zoo_core.run import runner
from zoo_core.run.plan import Plan, applicable_metrics, plan_metrics, plan_run
from zoo_core.run.run_dir import RunDir


@dataclass
class ContractReport:
    """What :func:`check_model_plugin` checked, for a test to look at further."""

    model: str
    run: RunDir
    resumed_exactly: bool | None = None  # None: the model does not declare resume
    drawn: list[str] = field(default_factory=list)
    refused_visualizers: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, dict] = field(default_factory=dict)
    refused_metrics: dict[str, str] = field(default_factory=dict)


def _quiet():
    from rich.console import Console

    return Console(file=open(os.devnull, "w"))


def _model_name(registry, model) -> str:
    if isinstance(model, str):
        return model
    for e in registry.entries("model"):
        if e.cls is model:
            return e.name
    raise AssertionError(
        f"{model!r} is not registered: install the plugin (its entry point "
        "in the 'zoo' group) before checking it"
    )


def _plan(registry, name, dataset, sets, epochs, visualizers=()) -> Plan:
    cls = registry.resolve("model", name).entry.cls
    kw = {"epochs": epochs} if "epochs" in S.field_names(cls.Settings) else {}
    return plan_run(
        registry,
        name,
        dataset=dataset,
        visualizers=list(visualizers),
        sets=list(sets),
        seed=0,
        tensorboard=False,
        **kw,
    )


def _train(plan: Plan, out: Path, extra=None):
    """``runner.execute`` (drawing nothing), keeping the trained model in memory."""
    kept = {}
    run, _, _ = runner.execute(
        dataclasses.replace(plan, visualizers=[]),
        _quiet(),
        out=str(out),
        extra=extra,
        on_trained=lambda model, data: kept.update(m=model, d=data),
    )
    return run, kept["m"], kept["d"]


def _interrupt_after_first_epoch():
    import keras

    class InterruptAfterFirstEpoch(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt

    return InterruptAfterFirstEpoch()


def _history(run: RunDir) -> list[dict]:
    return [{k: v for k, v in h.items() if k != "seconds"} for h in run.metrics()["history"]]


def _same_arrays(a: list, b: list) -> bool:
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


def _loaded(plan: Plan, run: RunDir):
    model, dataset = runner.build(plan)
    model.load(run)
    return model, dataset


def _probe(model, dataset, seed: int = 0) -> dict:
    """What a model computes for fixed inputs, by capability (compared after loading)."""
    out = {}
    x, y = dataset.arrays("test") if dataset is not None else (None, None)
    kw = {"labels": np.asarray(y[:4], "int32")} if CONDITIONAL in model.capabilities else {}
    if SAMPLE in model.capabilities:
        out["sample"] = model.sample(4, seed=seed, **kw)
    if ENCODE in model.capabilities and x is not None:
        out["encode"] = model.encode(x[:4], **kw)
    if LIKELIHOOD in model.capabilities and x is not None:
        out["log_likelihood"] = model.log_likelihood(x[:4], seed=seed, k=2, **kw)
    return out


def _not_blank(fig, path: Path) -> float:
    from matplotlib.image import imread

    fig.savefig(path, dpi=40)
    img = imread(path)[..., :3]
    return float(img.var())


def check_model_plugin(
    model,
    dataset: str | None = None,
    *,
    workdir,
    sets=None,
    epochs: int | None = None,
    metric_sets=None,
    viz_sets=None,
    resume: bool = True,
    fresh_process: bool = True,
) -> ContractReport:
    """Run the contract checks for one registered model; raise ``AssertionError`` on the
    first broken promise. ``sets``: ``--set`` items for a tiny run (``limit=256``);
    ``metric_sets``/``viz_sets``: settings that keep metrics and figures quick. What is not
    given comes from the model's :attr:`~zoo_core.Model.tiny_run` (then: 3 epochs)."""
    registry = plugins.get_registry()
    name = _model_name(registry, model)
    tiny = dict(registry.resolve("model", name).entry.cls.tiny_run)
    dataset = dataset if dataset is not None else tiny.get("dataset")
    sets = list(sets if sets is not None else tiny.get("sets", ()))
    epochs = epochs if epochs is not None else tiny.get("epochs", 3)
    metric_sets = list(metric_sets if metric_sets is not None else tiny.get("metric_sets", ()))
    viz_sets = list(viz_sets if viz_sets is not None else tiny.get("viz_sets", ()))
    workdir = Path(workdir)
    plan = _plan(registry, name, dataset, sets, epochs)
    cls = plan.model.cls

    # 1. a tiny run trains and records what the model declares
    run, trained, data = _train(plan, workdir / "full")
    hist = _history(run)
    assert hist, f"{name}: training recorded no history in metrics.json"
    declared = [m.name for m in cls.metrics]
    for row in hist:
        missing = [k for k in declared if k not in row]
        assert not missing, f"{name}: declared metrics {missing} missing from {row}"
    if "epochs" in S.field_names(cls.Settings):
        assert [h["epoch"] for h in hist] == list(range(1, epochs + 1)), (
            f"{name}: expected epochs 1..{epochs}, history has {[h['epoch'] for h in hist]}"
        )
    assert run.file("model.keras").is_file(), f"{name}: no model.keras written"
    report = ContractReport(model=name, run=run)

    # 2. interrupted after epoch 1, resumed in a fresh process: identical
    if resume and cls.resumable:
        cut = workdir / "cut"
        try:
            _train(plan, cut, extra={"callbacks": [_interrupt_after_first_epoch()]})
        except KeyboardInterrupt:
            pass
        else:
            raise AssertionError(
                f"{name}: ignored RunContext.extra['callbacks'], so the "
                "check could not interrupt it"
            )
        state = RunDir(cut).state()
        assert state.get("epoch") == 1, (
            f"{name}: after the interruption state.json says {state}, expected epoch 1"
        )
        if fresh_process:
            proc = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    _RESUME,
                    str(cut),
                    os.pathsep.join(p for p in sys.path if p),
                ],
                capture_output=True,
                text=True,
            )
            assert proc.returncode == 0, f"{name}: resume failed:\n{proc.stderr[-3000:]}"
        else:
            runner.resume(registry, str(cut), _quiet())
        resumed = RunDir(cut)
        assert _history(resumed) == hist, (
            f"{name}: resumed history differs:\n{_history(resumed)}\nvs\n{hist}"
        )
        again, _ = _loaded(plan, resumed)
        assert _same_arrays(again.get_weights(), trained.get_weights()), (
            f"{name}: resumed weights or optimizer state differ from the uninterrupted run"
        )
        report.resumed_exactly = True

    # 3. save/load round trip into a fresh instance
    loaded, _ = _loaded(plan, run)
    assert _same_arrays(loaded.get_weights(), trained.get_weights()), (
        f"{name}: weights loaded from {run.path} differ from the trained ones"
    )
    before, after = _probe(trained, data), _probe(loaded, data)
    for key in before:
        assert np.array_equal(before[key], after[key]), f"{name}: {key} differs after loading"
    if "sample" in before:
        s = np.asarray(before["sample"])
        assert s.min() >= 0.0 and s.max() <= 1.0, f"{name}: samples outside [0, 1]"
        if data is not None:
            assert s.shape[1:] == tuple(plan.data_spec.element_shape), (
                f"{name}: samples of shape {s.shape[1:]}, data {plan.data_spec.element_shape}"
            )

    # 4. visualizers: each that applies draws; each that does not is refused at planning
    spec = plan.data_spec
    title = f"{name} contract check"
    for e in registry.entries("visualizer"):
        try:
            e.cls.check_model(cls, plan.model.settings, spec)
        except IncompatibleError:
            before_dirs = sorted(workdir.iterdir())
            try:
                _plan(registry, name, dataset, sets, epochs, visualizers=[e.name])
            except IncompatibleError as exc:
                msg = str(exc)
                assert "\n" not in msg and "needs" in msg, f"{e.name}: unclear refusal {msg!r}"
                report.refused_visualizers[e.name] = msg
            else:
                raise AssertionError(f"{name}: visualizer {e.name} was not refused")
            assert sorted(workdir.iterdir()) == before_dirs
            continue
        v_sets = [
            a
            for a in viz_sets
            if a.split("=", 1)[0].rpartition(".")[0] in ("", e.name)
            and a.split("=", 1)[0].rpartition(".")[2] in S.field_names(e.cls.Settings)
        ]
        layer = {k: v for _, k, v in S.parse_assignments(v_sets)}
        viz = e.cls(S.resolve(e.cls.Settings, layer))
        fig = viz.draw(DrawContext(model=trained, dataset=data, run=run, title=title))
        var = _not_blank(fig, workdir / f"{e.name}.png")
        assert var > 1e-4, f"{name}: visualizer {e.name} drew a blank figure"
        report.drawn.append(e.name)

    # 5. metrics: each that applies gives finite numbers (measured together, as `zoo eval`
    #    measures them, so they share the samples and features); the others are refused
    fitting = applicable_metrics(registry, plan)
    comps = []
    for e in registry.entries("metric"):
        if e.name not in fitting:
            try:
                plan_metrics(registry, plan, [e.name])
            except IncompatibleError as exc:
                assert "\n" not in str(exc)
                report.refused_metrics[e.name] = str(exc)
                continue
            raise AssertionError(f"{name}: metric {e.name} was not refused")
        m_sets = [
            a
            for a in metric_sets
            if a.split("=", 1)[0].rpartition(".")[2] in S.field_names(e.cls.Settings)
        ]
        comps += plan_metrics(registry, plan, [e.name], m_sets)
    for metric, record in runner.evaluate(plan, comps, trained, data, run, _quiet()).items():
        values = record["values"]
        bad = {k: v for k, v in values.items() if not math.isfinite(float(v))}
        assert values and not bad, f"{name}: metric {metric} gave {values}"
        report.metrics[metric] = values
    return report


_RESUME = """
import os, sys
sys.path[:0] = sys.argv[2].split(os.pathsep)  # what the checking process imports from
from rich.console import Console
from zoo_core import plugins
from zoo_core.run import runner
runner.resume(plugins.get_registry(), sys.argv[1], Console(file=open(os.devnull, "w")))
"""
