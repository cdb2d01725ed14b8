"""One run, as data flows: resolve names -> fit-check -> run dir -> train -> evaluate -> draw.

Everything up to :func:`execute` works on names, classes and settings only, so a mismatch is
refused before any data loads or TensorFlow is imported.
"""

from __future__ import annotations

import datetime as _dt
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from . import settings as S
from .errors import IncompatibleError, SettingsError, UsageError
from .registry import Registry, Resolved
from .runs import RunDir, package_versions
from .types import DataSpec, DrawContext, RunContext

STRATEGIES = ("default", "mirrored", "multi-worker")


@dataclass
class Component:
    """A resolved plugin and its settings, within a plan."""

    role: str  # "model", "dataset" or "visualizer"
    resolved: Resolved
    settings: Any

    @property
    def name(self) -> str:
        return self.resolved.display_name

    @property
    def cls(self) -> type:
        return self.resolved.entry.cls

    def to_config(self) -> dict:
        e = self.resolved.entry
        return {"name": self.name, "plugin": e.name, "package": e.package,
                "settings": S.as_dict(self.settings)}


@dataclass
class Plan:
    model: Component
    dataset: Component | None
    visualizers: list[Component]
    seed: int
    strategy: str = "default"
    notes: list[str] = field(default_factory=list)

    @property
    def data_spec(self) -> DataSpec | None:
        if self.dataset is None:
            return None
        return self.dataset.cls.spec(self.dataset.settings)

    def to_config(self) -> dict:
        return {
            "model": self.model.to_config(),
            "dataset": self.dataset.to_config() if self.dataset else None,
            "visualizers": [v.to_config() for v in self.visualizers],
            "seed": self.seed,
            "strategy": self.strategy,
            "created": _dt.datetime.now().isoformat(timespec="seconds"),
            "command": sys.argv[1:] if sys.argv else [],
            "versions": package_versions(),
        }


# -- planning -------------------------------------------------------------------------------
def _route(assignments, components: list[tuple[Component, tuple[str, ...]]]):
    """Send each ``--set`` to the components it names (or, unscoped, to all that have it)."""
    layers: dict[int, dict[str, str]] = {id(c): {} for c, _ in components}
    for scope, key, value in assignments:
        if scope is not None:
            targets = [c for c, scopes in components if scope in scopes]
            if not targets:
                names = sorted({s for _, scopes in components for s in scopes})
                raise SettingsError(f"--set {scope}.{key}: '{scope}' is not part of this run; "
                                    f"scopes: {', '.join(names)}")
            for c in targets:
                if key not in S.field_names(c.cls.Settings):
                    raise SettingsError(S.unknown_key_message(
                        key, S.field_names(c.cls.Settings), f"{c.role} '{c.name}'"))
        else:
            targets = [c for c, _ in components if key in S.field_names(c.cls.Settings)]
            if not targets:
                valid = sorted({f for c, _ in components for f in S.field_names(c.cls.Settings)})
                raise SettingsError(S.unknown_key_message(key, valid, "this run"))
        for c in targets:
            layers[id(c)][key] = value
    return layers


def plan_run(registry: Registry, model: str, *, dataset: str | None = None,
             env: str | None = None, visualizers: Iterable[str] | None = None,
             sets: Iterable[str] = (), epochs: int | None = None,
             batch_size: int | None = None, seed: int = 0, strategy: str = "default",
             saved: dict | None = None) -> Plan:
    """Resolve names and settings and check that everything fits. Imports no TensorFlow.

    ``saved`` (a run's ``config.json``) supplies settings to rebuild a run exactly.
    """
    m_res = registry.resolve("model", model)
    m_cls = m_res.entry.cls
    notes: list[str] = []

    # the data: a dataset, or an environment
    d_comp = None
    if m_cls.needs == "environment":
        if dataset:
            raise IncompatibleError(f"model '{model}' trains in an environment, not on a "
                                    f"dataset; use --env instead of --dataset")
    else:
        if env:
            raise IncompatibleError(f"model '{model}' trains on a dataset, not in an "
                                    "environment; use --dataset instead of --env")
        if not dataset:
            names = ", ".join(registry.all_names("dataset")) or "(none installed)"
            raise UsageError(f"model '{model}' needs --dataset NAME; available: {names}")
        d_res = registry.resolve("dataset", dataset)
        d_comp = Component("dataset", d_res, None)

    # the visualizers: given, or the model's defaults that are installed
    if visualizers is None:
        wanted = []
        for v in getattr(m_cls, "default_visualizers", ()):
            if v in registry.all_names("visualizer"):
                wanted.append(v)
            else:
                notes.append(f"default visualizer '{v}' is not installed; skipped")
    else:
        wanted = list(dict.fromkeys(visualizers))
    v_comps = [Component("visualizer", registry.resolve("visualizer", v), None) for v in wanted]

    # settings: defaults < variant < saved run < flags < --set
    m_comp = Component("model", m_res, None)
    comps = [(m_comp, ("model", m_res.entry.name, m_res.display_name))]
    if d_comp:
        comps.append((d_comp, ("dataset", d_comp.resolved.entry.name, d_comp.name)))
    comps += [(v, (v.resolved.entry.name, v.name)) for v in v_comps]
    layers = _route(S.parse_assignments(sets), comps)

    flags = {}
    for key, value in (("epochs", epochs), ("batch_size", batch_size), ("env", env)):
        if value is None:
            continue
        if key not in S.field_names(m_cls.Settings):
            flag = "--" + key.replace("_", "-")
            raise SettingsError(f"model '{model}' has no setting '{key}', so {flag} does not "
                                f"apply; its settings: {', '.join(S.field_names(m_cls.Settings))}")
        flags[key] = value
    saved = saved or {}

    def saved_settings(role_cfg):
        return (role_cfg or {}).get("settings", {})

    m_comp.settings = S.resolve(m_cls.Settings, m_res.overrides, saved_settings(saved.get("model")),
                                flags, layers[id(m_comp)], owner=f"model '{m_comp.name}'")
    if d_comp:
        d_comp.settings = S.resolve(d_comp.cls.Settings, d_comp.resolved.overrides,
                                    saved_settings(saved.get("dataset")), layers[id(d_comp)],
                                    owner=f"dataset '{d_comp.name}'")
    saved_viz = {v["name"]: v for v in saved.get("visualizers", [])}
    for v in v_comps:
        v.settings = S.resolve(v.cls.Settings, v.resolved.overrides,
                               saved_settings(saved_viz.get(v.name)), layers[id(v)],
                               owner=f"visualizer '{v.name}'")

    plan = Plan(m_comp, d_comp, v_comps, seed=seed, strategy=strategy, notes=notes)
    check_fit(registry, plan)
    return plan


def check_fit(registry: Registry, plan: Plan) -> None:
    """Refuse a model/dataset/visualizer/strategy combination that cannot work."""
    m = plan.model
    m.cls.check_settings(m.settings)
    if plan.dataset is not None:
        spec = plan.data_spec
        try:
            m.cls.check_data(m.settings, spec)
        except IncompatibleError as exc:
            raise IncompatibleError(
                f"model '{m.name}' does not fit dataset '{plan.dataset.name}': {exc}") from None
    for v in plan.visualizers:
        try:
            v.cls.check_model(m.cls, m.settings)
        except IncompatibleError as exc:
            fitting = applicable_visualizers(registry, m)
            raise IncompatibleError(
                f"visualizer '{v.name}' does not apply to model '{m.name}' ({exc}); "
                f"visualizers that apply: {', '.join(fitting) or '(none)'}") from None
    if plan.strategy not in STRATEGIES:
        raise UsageError(f"unknown strategy '{plan.strategy}'; choose {', '.join(STRATEGIES)}")
    if plan.strategy not in m.cls.strategies:
        raise IncompatibleError(
            f"model '{m.name}' does not support the '{plan.strategy}' strategy; it supports "
            f"{', '.join(m.cls.strategies)}")


def applicable_visualizers(registry: Registry, m: Component) -> list[str]:
    out = []
    for e in registry.entries("visualizer"):
        try:
            e.cls.check_model(m.cls, m.settings)
        except IncompatibleError:
            continue
        out.append(e.name)
    return out


def plan_from_run(registry: Registry, run: RunDir, *, visualizers=None, sets=()) -> Plan:
    """Rebuild the plan a run was made with (for resume, eval, viz, sample)."""
    cfg = run.config
    try:
        model = cfg["model"]["name"]
    except (KeyError, TypeError):
        raise UsageError(f"{run.path}/config.json names no model; is it a zoo run?") from None
    ds = (cfg.get("dataset") or {}).get("name")
    return plan_run(registry, model, dataset=ds, visualizers=visualizers, sets=sets,
                    seed=cfg.get("seed", 0), strategy=cfg.get("strategy", "default"),
                    saved=cfg)


# -- executing ------------------------------------------------------------------------------
def build(plan: Plan):
    """Instantiate the dataset and the model of a plan (heavy imports happen later)."""
    dataset = plan.dataset.cls(plan.dataset.settings) if plan.dataset else None
    model = plan.model.cls(plan.model.settings, plan.data_spec)
    return model, dataset


def execute(plan: Plan, console, *, out: str | None = None, root: str = "runs",
            formats: tuple[str, ...] = ("png",), extra: dict | None = None
            ) -> tuple[RunDir, dict, list[Path]]:
    """Train, evaluate and draw a planned run; returns the run, test metrics, figure paths.

    ``extra`` reaches the model as ``RunContext.extra`` (e.g. ``{"callbacks": [...]}``).
    """
    run = RunDir.create(plan.model.name, plan.dataset.name if plan.dataset else
                        getattr(plan.model.settings, "env", "env").lower().replace("-", "_"),
                        root=root, out=out)
    run.write_json("config.json", plan.to_config())
    model, dataset = build(plan)
    if dataset is not None:
        run.write_json("manifest.json", dataset.manifest())
    return _train_eval_draw(plan, run, model, dataset, console, resume=False, formats=formats,
                            extra=extra)


def resume(registry: Registry, path: str, console, formats=("png",), extra=None):
    run = RunDir.open(path)
    cfg = run.config
    plan = plan_from_run(registry, run,
                         visualizers=[v["name"] for v in cfg.get("visualizers", [])])
    model, dataset = build(plan)
    return _train_eval_draw(plan, run, model, dataset, console, resume=True, formats=formats,
                            extra=extra)


def _train_eval_draw(plan, run, model, dataset, console, *, resume, formats, extra=None):
    ctx = RunContext(run=run, dataset=dataset, seed=plan.seed, console=console,
                     strategy=plan.strategy, resume=resume, extra=dict(extra or {}))
    model.train(ctx)
    test = model.test_metrics(ctx)
    run.update_metrics(test=test)
    paths = draw(plan, model, dataset, run, formats=formats)
    return run, test, paths


def open_trained(registry: Registry, path: str, *, visualizers=None, sets=(),
                 requires: frozenset[str] = frozenset(), purpose: str = ""):
    """A finished run's plan, with its model loaded from ``model.keras`` (or the last
    checkpoint) and its dataset. ``requires``: capabilities checked before loading."""
    run = RunDir.open(path)
    plan = plan_from_run(registry, run, visualizers=visualizers, sets=sets)
    missing = sorted(set(requires) - plan.model.cls.capabilities)
    if missing:
        raise IncompatibleError(f"model '{plan.model.name}' cannot {', '.join(missing)}, "
                                f"which {purpose or 'this command'} needs")
    model, dataset = build(plan)
    model.load(run)
    return plan, run, model, dataset


def figure_title(plan: Plan, run: RunDir) -> str:
    """E.g. "vae_2d on fashion_mnist, epoch 30" or "dqn on CartPole-v1, 50,000 steps"."""
    hist = run.metrics().get("history", [])
    on = plan.dataset.name if plan.dataset else getattr(plan.model.settings, "env", "")
    if hist and "step" in hist[-1]:
        return f"{plan.model.name} on {on}, {hist[-1]['step']:,} steps"
    return f"{plan.model.name} on {on}, epoch {len(hist)}"


def draw(plan: Plan, model, dataset, run: RunDir, formats=("png",)) -> list[Path]:
    """Draw each visualizer of the plan into ``run/figures``; return the files written."""
    paths = []
    title = figure_title(plan, run)
    for v in plan.visualizers:
        viz = v.cls(v.settings)
        fig = viz.draw(DrawContext(model=model, dataset=dataset, run=run, title=title,
                                   seed=plan.seed))
        if not fig.get_suptitle():
            fig.suptitle(f"{v.name}: {title}")
        for fmt in formats:
            p = run.figures / f"{v.name}.{fmt}"
            fig.savefig(p, format=fmt)
            paths.append(p)
        fig.clear()
    return paths
