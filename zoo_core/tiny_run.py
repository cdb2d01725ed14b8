"""The contract kit's one trained tiny run per test class (:class:`TinyRun`), and what it
measures of itself once, when a promise of :class:`zoo_core.testing.ModelContractTests`
first asks (figures drawn, metrics measured, refusals)."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from zoo_core import plugins
from zoo_core import settings as S
from zoo_core.contract import DrawContext
from zoo_core.errors import IncompatibleError
from zoo_core.run import plan as planner
from zoo_core.run import runner
from zoo_core.run.plan import Plan, applicable_metrics, plan_metrics
from zoo_core.run_dir import RunDir


def quiet_console():
    from rich.console import Console

    return Console(file=open(os.devnull, "w"))


def only_theirs(assignments, plugin_cls, name: str) -> list[str]:
    """The ``KEY=VALUE`` items a plugin has a setting for (``NAME.key`` only for it)."""
    keep = []
    for a in assignments:
        scope, _, key = a.split("=", 1)[0].strip().rpartition(".")
        if scope in ("", name) and key in S.field_names(plugin_cls.Settings):
            keep.append(a)
    return keep


@dataclass
class TinyRun:
    """One trained tiny run of the model under test, and what was measured of it (each
    measured once, when a test first asks)."""

    case: Any  # the ModelContractTests instance
    plan: Plan
    run: RunDir
    model: Any
    dataset: Any
    workdir: Path
    left_behind: list = dataclasses.field(default_factory=list)

    @property
    def registry(self):
        return plugins.get_registry()

    def replan(self, **request) -> Plan:
        return planner.plan(self.registry, self.case.request(**request))

    def loaded(self, run: RunDir):
        model, dataset = runner.build(self.plan)
        model.load(run)
        return model, dataset

    @cached_property
    def drawn(self) -> dict[str, float]:
        """Each visualizer that applies, drawn: ``{name: pixel variance of its figure}``."""
        from matplotlib.image import imread

        found = {}
        for e in self.registry.entries("visualizer"):
            if not planner.fits(e.cls.check_model, *self._model_and_spec):
                continue
            layer = dict(
                (k, v)
                for _, k, v in S.parse_assignments(only_theirs(self.case.viz_sets, e.cls, e.name))
            )
            fig = e.cls(S.resolve(e.cls.Settings, layer)).draw(
                DrawContext(model=self.model, dataset=self.dataset, run=self.run, title="contract")
            )
            path = self.workdir / f"{e.name}.png"
            fig.savefig(path, dpi=40)
            found[e.name] = float(imread(path)[..., :3].var())
        return found

    @cached_property
    def refused_visualizers(self) -> dict[str, str]:
        """Each visualizer that does not apply: the planner's one-line refusal."""
        found, before = {}, sorted(self.workdir.iterdir())
        for e in self.registry.entries("visualizer"):
            if planner.fits(e.cls.check_model, *self._model_and_spec):
                continue
            try:
                self.replan(visualizers=[e.name])
            except IncompatibleError as exc:
                found[e.name] = str(exc)
            else:
                found[e.name] = ""  # planned: a broken promise the test reports
        self.left_behind = sorted(set(self.workdir.iterdir()) - set(before))
        return found

    @cached_property
    def metrics(self) -> dict[str, dict]:
        """Every metric that applies, measured together as ``zoo eval`` measures them."""
        fitting = applicable_metrics(self.registry, self.plan)
        comps = []
        for e in self.registry.entries("metric"):
            if e.name in fitting:
                sets = only_theirs(self.case.metric_sets, e.cls, e.name)
                comps += plan_metrics(self.registry, self.plan, [e.name], sets)
        records = runner.evaluate(
            self.plan, comps, self.model, self.dataset, self.run, quiet_console()
        )
        return {name: r["values"] for name, r in records.items()}

    @cached_property
    def refused_metrics(self) -> dict[str, str]:
        fitting = applicable_metrics(self.registry, self.plan)
        found = {}
        for e in self.registry.entries("metric"):
            if e.name in fitting:
                continue
            try:
                plan_metrics(self.registry, self.plan, [e.name])
            except IncompatibleError as exc:
                found[e.name] = str(exc)
            else:
                found[e.name] = ""
        return found

    @property
    def _model_and_spec(self):
        return self.plan.model.cls, self.plan.model.settings, self.plan.data_spec
