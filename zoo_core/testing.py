"""The contract kit: a pytest mixin a model plugin's own tests inherit, one test per promise
(as diffusers' ``ModelTesterMixin`` is for its models)::

    from zoo_core.testing import ModelContractTests

    class TestMyModel(ModelContractTests):
        model = "my_model"                        # registered through its entry point
        dataset = "fashion_mnist"
        sets = ("limit=256", "batch_size=64")     # a run of seconds
        progress = 2                              # the model's progress_setting (epochs)

The class trains one tiny run through the planner and runner, as ``zoo run`` does (once per
class and test process), and each promise is a test of its own, so a failure names the
promise it broke:

- ``test_a_tiny_run_records_every_declared_metric``: each history row holds the metrics
  the model declares, one row per epoch for a model that counts in epochs;
- ``test_the_saved_model_loads_with_the_trained_weights_and_outputs``: a fresh instance
  loaded from the run folder has exactly the trained weights, samples, encodings and
  likelihoods;
- ``test_an_interrupted_run_resumes_exactly``: a run stopped after its first epoch (the
  ``KeyboardInterrupt`` Ctrl-C raises, from a callback in :attr:`RunContext.callbacks`)
  and resumed in a fresh process (``fresh_process = False``: in this one, from the files
  alone) ends with the uninterrupted run's weights, optimizer state and history;
- ``test_samples_are_images_of_the_data_shape_in_0_1``;
- ``test_its_endpoints_export_and_match_the_zoo``: the endpoints the family defines for
  ``zoo export``, each traced as the export traces it and compared with the model's own
  outputs (or one line refusing, for a model that defines none);
- ``test_every_visualizer_that_applies_draws_a_figure`` and
  ``test_every_visualizer_that_does_not_apply_is_refused_at_planning`` (one line saying
  what it needs, before any run folder exists);
- ``test_every_metric_that_applies_gives_finite_numbers`` and
  ``test_every_metric_that_does_not_apply_is_refused``.

A plugin the test installs itself (not through pip) overrides :meth:`install`. Settings
that keep the installed metrics and figures quick are :attr:`metric_sets` and
:attr:`viz_sets`; each goes only to the plugins that have that setting.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

from zoo_core import plugins
from zoo_core.contract import (
    CONDITIONAL,
    ENCODE,
    LIKELIHOOD,
    SAMPLE,
    classes_in_turn,
)
from zoo_core.errors import IncompatibleError
from zoo_core.run import plan as planner
from zoo_core.run import runner
from zoo_core.run.request import RunRequest
from zoo_core.run_dir import RunDir
from zoo_core.tiny_run import TinyRun, only_theirs, quiet_console  # noqa: F401


def interrupt_after_first_epoch():
    """What Ctrl-C does after the first epoch: a Keras callback that raises
    ``KeyboardInterrupt`` as epoch 2 begins (a loop of its own calls it the same way)."""
    import keras

    class InterruptAfterFirstEpoch(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt

    return InterruptAfterFirstEpoch()


def history(run: RunDir) -> list[dict]:
    """A run's history without its wall times (what an exact resume must repeat)."""
    return [{k: v for k, v in h.items() if k != "seconds"} for h in run.metrics()["history"]]


def same_arrays(a: list, b: list) -> bool:
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


def outputs(model, dataset, seed: int = 0) -> dict:
    """What a model computes for fixed inputs, by capability (compared after loading)."""
    found = {}
    x, y = dataset.arrays("test") if dataset is not None else (None, None)
    kw = {"labels": np.asarray(y[:4], "int32")} if CONDITIONAL in model.capabilities else {}
    if SAMPLE in model.capabilities:
        found["sample"] = model.sample(4, seed=seed, **kw)
    if ENCODE in model.capabilities and x is not None:
        found["encode"] = model.encode(x[:4], **kw)
    if LIKELIHOOD in model.capabilities and x is not None:
        found["log_likelihood"] = model.log_likelihood(x[:4], seed=seed, k=2, **kw)
    return found


_KEPT: dict[type, TinyRun] = {}


class ModelContractTests:
    """Mix into a ``Test...`` class of a model plugin's tests; see the module's docs."""

    #: the model (or variant) under test, by its registered name
    model: ClassVar[str]
    dataset: ClassVar[str | None] = None
    #: ``--set`` items for a run of seconds
    sets: ClassVar[tuple[str, ...]] = ()
    #: model settings given as flags, e.g. ``{"env": "CartPole-v1"}``
    flags: ClassVar[dict[str, Any]] = {}
    #: how far the tiny run trains, in the model's own unit (its ``progress_setting``:
    #: epochs for a Keras family); None: the settings' own value
    progress: ClassVar[int | None] = 2
    #: settings that keep the installed metrics and figures quick
    metric_sets: ClassVar[tuple[str, ...]] = (
        "k=2",
        "n=200",
        "subsets=5",
        "subset_size=100",
        "splits=2",
    )
    viz_sets: ClassVar[tuple[str, ...]] = ("n=4", "limit=128")
    #: resume in a fresh process (False: in this one, a new instance from the files alone)
    fresh_process: ClassVar[bool] = True

    def install(self, stack: contextlib.ExitStack, folder: Path) -> None:
        """Install what the test brings itself (a plugin written for the test) for the
        class's tests; ``stack`` undoes it after the last. Default: nothing."""

    def request(self, **changes) -> RunRequest:
        cls = plugins.get_registry().resolve("model", self.model).entry.cls
        flags = dict(self.flags)
        if self.progress is not None:
            flags[cls.progress_setting] = self.progress
        base = RunRequest(
            self.model,
            dataset=self.dataset,
            visualizers=(),
            sets=self.sets,
            flags=flags,
            seed=0,
            tensorboard=False,
        )
        return dataclasses.replace(base, **changes)

    def train(self, out: Path, callbacks=()) -> tuple[RunDir, Any, Any]:
        """``runner.execute`` as ``zoo run`` calls it, keeping the model in memory."""
        kept = {}
        run, _, _ = runner.execute(
            planner.plan(plugins.get_registry(), self.request()),
            quiet_console(),
            out=str(out),
            callbacks=callbacks,
            on_trained=lambda model, data: kept.update(m=model, d=data),
        )
        return run, kept["m"], kept["d"]

    #: Keep the trained tiny run for the whole test process: when pytest sets the class
    #: up again (its tests ran apart, e.g. under xdist), it is not trained twice. Only for
    #: a class whose :meth:`install` leaves nothing that must be undone.
    keep_tiny_run: ClassVar[bool] = False

    @pytest.fixture(scope="class")
    @classmethod
    def tiny(cls, tmp_path_factory):
        """The class's one trained tiny run (per test process)."""
        if cls.keep_tiny_run and cls in _KEPT:
            yield _KEPT[cls]
            return
        case, folder = cls(), tmp_path_factory.mktemp(cls.__name__)
        with contextlib.ExitStack() as stack:
            case.install(stack, folder)
            plugins.reset()
            plan = planner.plan(plugins.get_registry(), case.request())
            run, model, dataset = case.train(folder / "full")
            tiny = TinyRun(case, plan, run, model, dataset, folder)
            if cls.keep_tiny_run:
                _KEPT[cls] = tiny
            yield tiny
        plugins.reset()

    # -- the promises ----------------------------------------------------------------------
    def test_a_tiny_run_records_every_declared_metric(self, tiny):
        cls, rows = tiny.plan.model.cls, history(tiny.run)
        assert rows, "training recorded no history in metrics.json"
        declared = [m.name for m in cls.metrics]
        for row in rows:
            missing = [k for k in declared if k not in row]
            assert not missing, f"declared metrics {missing} missing from {row}"
        if cls.progress_unit == "epoch":
            planned = getattr(tiny.plan.model.settings, cls.progress_setting)
            assert [h["epoch"] for h in rows] == list(range(1, planned + 1))
        assert tiny.run.file("model.keras").is_file(), "no model.keras written"

    def test_the_saved_model_loads_with_the_trained_weights_and_outputs(self, tiny):
        loaded, _ = tiny.loaded(tiny.run)
        assert same_arrays(loaded.get_weights(), tiny.model.get_weights())
        before, after = outputs(tiny.model, tiny.dataset), outputs(loaded, tiny.dataset)
        assert before.keys() == after.keys()
        for key in before:
            assert np.array_equal(before[key], after[key]), f"{key} differs after loading"

    def test_its_endpoints_export_and_match_the_zoo(self, tiny):
        """Each endpoint's graph, traced as an export traces it, gives the zoo's outputs
        (``tests/core/test_export.py`` writes and loads the files of each format)."""
        import tensorflow as tf

        from zoo_core.export import example_inputs

        try:
            endpoints = tiny.model.endpoints(**dict(self.export_options))
        except IncompatibleError as exc:  # a family without endpoints refuses in one line
            assert "\n" not in str(exc) and "export" in str(exc), str(exc)
            return
        for e in endpoints:
            inputs = example_inputs(e, 3, seed=0)
            got = tf.function(e.graph)(*[tf.constant(a) for a in inputs]).numpy()
            want = np.asarray(e.reference(*inputs)).reshape(got.shape)
            assert np.max(np.abs(got - want)) <= e.tolerance, e.name

    #: sampling settings for the export check (e.g. few steps for a diffusion model)
    export_options: ClassVar[tuple[tuple[str, Any], ...]] = ()

    def test_an_interrupted_run_resumes_exactly(self, tiny, tmp_path):
        if not tiny.plan.model.cls.resumable:
            pytest.skip(f"{self.model} does not declare resumable")
        cut = tmp_path / "cut"
        with pytest.raises(KeyboardInterrupt):
            self.train(cut, callbacks=[interrupt_after_first_epoch()])
        assert RunDir(cut).state().get("epoch") == 1, RunDir(cut).state()
        if self.fresh_process:
            path = os.pathsep.join(p for p in sys.path if p)
            proc = subprocess.run(
                [sys.executable, "-c", _RESUME, str(cut), path], capture_output=True, text=True
            )
            assert proc.returncode == 0, f"resume failed:\n{proc.stderr[-3000:]}"
            again, _ = tiny.loaded(RunDir(cut))  # what the fresh process saved
        else:  # a new instance from the run's files alone; the model it trained, compared
            kept = {}
            on_trained = lambda model, data: kept.update(model=model)  # noqa: E731
            runner.resume(plugins.get_registry(), str(cut), quiet_console(), on_trained=on_trained)
            again = kept["model"]
        assert history(RunDir(cut)) == history(tiny.run)
        assert same_arrays(again.get_weights(), tiny.model.get_weights()), (
            "resumed weights or optimizer state differ from the uninterrupted run"
        )

    def test_samples_are_images_of_the_data_shape_in_0_1(self, tiny):
        if SAMPLE not in tiny.plan.model.cls.capabilities:
            assert "samples" in tiny.refused_visualizers  # and nothing offers to draw them
            return
        kw = {}
        if CONDITIONAL in tiny.plan.model.cls.capabilities:
            kw["labels"] = classes_in_turn(4, tiny.plan.data_spec.num_classes)
        s = np.asarray(tiny.model.sample(4, seed=0, **kw))
        assert s.min() >= 0.0 and s.max() <= 1.0, f"samples in [{s.min()}, {s.max()}]"
        if tiny.dataset is not None:
            assert s.shape == (4, *tiny.plan.data_spec.element_shape)

    def test_every_visualizer_that_applies_draws_a_figure(self, tiny):
        installed = {e.name for e in tiny.registry.entries("visualizer")}
        assert set(tiny.drawn) | set(tiny.refused_visualizers) == installed
        blank = [name for name, var in tiny.drawn.items() if var <= 1e-4]
        assert not blank, f"blank figures: {blank}"

    def test_every_visualizer_that_does_not_apply_is_refused_at_planning(self, tiny):
        unclear = {
            name: msg
            for name, msg in tiny.refused_visualizers.items()
            if not msg or "\n" in msg or "needs" not in msg
        }
        assert not unclear, f"planned, or refused without saying what it needs: {unclear}"
        assert not tiny.left_behind, f"a refusal left files behind: {tiny.left_behind}"

    def test_every_metric_that_applies_gives_finite_numbers(self, tiny):
        installed = {e.name for e in tiny.registry.entries("metric")}
        assert set(tiny.metrics) | set(tiny.refused_metrics) == installed
        bad = {
            name: values
            for name, values in tiny.metrics.items()
            if not values or not all(math.isfinite(float(v)) for v in values.values())
        }
        assert not bad, f"metrics without finite numbers: {bad}"

    def test_every_metric_that_does_not_apply_is_refused(self, tiny):
        unclear = {n: m for n, m in tiny.refused_metrics.items() if not m or "\n" in m}
        assert not unclear, f"measured, or refused in more than one line: {unclear}"


_RESUME = """
import os, sys
sys.path[:0] = sys.argv[2].split(os.pathsep)  # what the checking process imports from
from rich.console import Console
from zoo_core import plugins
from zoo_core.run import runner
runner.resume(plugins.get_registry(), sys.argv[1], Console(file=open(os.devnull, "w")))
"""
