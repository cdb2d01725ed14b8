"""Planning a run: names -> classes -> settings -> fit check. Pure: no TensorFlow, no data.

Everything here works on names, classes, settings and data specs only, so a model, dataset,
visualizer, metric or strategy that does not fit is refused before a run directory exists,
any data loads or TensorFlow is imported. :mod:`zoo_core.run.runner` executes a plan.
"""

from __future__ import annotations

import datetime as _dt
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from zoo_core import settings as S
from zoo_core.contract import DataSpec
from zoo_core.errors import IncompatibleError, SettingsError, UsageError, ZooError
from zoo_core.machine import cpu_model, package_versions
from zoo_core.registry import Registry, Resolved
from zoo_core.run.request import RunRequest
from zoo_core.run.routing import check_trained, route
from zoo_core.strategies import check_variables


@dataclass
class PlannedPlugin:
    """A resolved plugin and its settings, within a plan."""

    role: str  # "model", "dataset", "visualizer" or "metric"
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
        return {
            "name": self.name,
            "plugin": e.name,
            "package": e.package,
            "settings": S.as_dict(self.settings),
        }


@dataclass
class Plan:
    model: PlannedPlugin
    dataset: PlannedPlugin | None
    visualizers: list[PlannedPlugin]
    seed: int
    strategy: str = "default"
    notes: list[str] = field(default_factory=list)
    tensorboard: bool = True  # scalars and images under RUN/tensorboard/
    #: the ``zoo`` arguments config.json records (default: this process's own)
    command: list[str] | None = None

    @property
    def data_spec(self) -> DataSpec | None:
        if self.dataset is None:
            return None
        return self.dataset.cls.spec(self.dataset.settings)

    @property
    def trained_on(self) -> str:
        """What the model trains on: the dataset's name, or the value of the setting the
        model declares as its source (:attr:`zoo_core.Model.source_setting`)."""
        if self.dataset is not None:
            folder = self.dataset.cls.folder_setting  # a folder's own name says more
            value = getattr(self.dataset.settings, folder, None) if folder else None
            return f"{self.dataset.name}:{os.path.basename(value)}" if value else self.dataset.name
        key = self.model.cls.source_setting
        return str(getattr(self.model.settings, key, "") or key) if key else "none"

    def to_config(self) -> dict:
        cfg = {
            "model": self.model.to_config(),
            "dataset": self.dataset.to_config() if self.dataset else None,
            "visualizers": [v.to_config() for v in self.visualizers],
            "seed": self.seed,
            "strategy": self.strategy,
            "tensorboard": self.tensorboard,
            "created": _dt.datetime.now().isoformat(timespec="seconds"),
            "command": self.command if self.command is not None else sys.argv[1:],
            "versions": package_versions(),
            "machine": cpu_model(),
        }
        cfg["fingerprint"] = fingerprint(cfg)
        return cfg


def fingerprint(cfg: dict) -> str:
    """SHA-256 of what decides the training (model and dataset settings, seed, strategy):
    ``--resume`` refuses a config.json edited after the run started."""
    import hashlib
    import json

    keep = {k: cfg.get(k) for k in ("model", "dataset", "seed", "strategy")}
    return hashlib.sha256(json.dumps(keep, sort_keys=True, default=str).encode()).hexdigest()


# -- planning -------------------------------------------------------------------------------
def _folder_dataset(registry: Registry, name: str):
    """``--dataset ~/photos``: a path given for a dataset names the installed dataset that
    declares it reads a folder (``Dataset.folder_setting``); ``(its name, (scope, setting,
    path))``, or None for a plain name."""
    if "/" not in name and "\\" not in name and not name.startswith(("~", ".")):
        return None
    takers = [e for e in registry.entries("dataset") if getattr(e.cls, "folder_setting", None)]
    if not takers:
        raise UsageError(
            f"--dataset {name}: a folder was given, but no installed dataset reads a folder; "
            "give a dataset name (zoo list datasets)"
        )
    e = takers[0]
    return e.name, (e.name, e.cls.folder_setting, name)


def plan(registry: Registry, request: RunRequest) -> Plan:
    """The one way into planning: resolve a request's names and settings and check that
    everything fits, before any run folder, data or TensorFlow. The CLI, ``zoo.run()``, an
    experiment file, a tune trial and every command that reopens a saved run call it.

    Settings, lowest first: the model's defaults, its variant, the saved run's
    (``request.saved``), ``request.assignments``, ``request.flags``, ``request.sets``.
    """
    model, dataset, flags = request.model, request.dataset, dict(request.flags)
    visualizers, saved, assignments = request.visualizers, request.saved, request.assignments
    sets = request.sets
    m_res = registry.resolve("model", model)
    m_cls = m_res.entry.cls
    notes: list[str] = []
    # the data: a dataset, or the setting the model trains on
    d_comp = folder = None
    src = m_cls.source_setting
    if src is not None:
        if dataset:
            raise IncompatibleError(
                f"model '{model}' takes no dataset: it trains on its "
                f"'{src}' setting; use --{src} instead of --dataset"
            )
    else:
        if not dataset:
            names = ", ".join(registry.all_names("dataset")) or "(none installed)"
            raise UsageError(f"model '{model}' needs --dataset NAME; available: {names}")
        folder = _folder_dataset(registry, dataset)
        if folder is not None:  # --dataset ~/photos: the dataset that reads a folder
            dataset, folder = folder
        d_res = registry.resolve("dataset", dataset)
        d_comp = PlannedPlugin("dataset", d_res, None)

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
    v_comps = [PlannedPlugin("visualizer", registry.resolve("visualizer", v), None) for v in wanted]

    # settings: defaults < variant < saved run < flags < --set
    m_comp = PlannedPlugin("model", m_res, None)
    comps = [(m_comp, ("model", m_res.entry.name, m_res.display_name))]
    if d_comp:
        comps.append((d_comp, ("dataset", d_comp.resolved.entry.name, d_comp.name)))
    comps += [(v, (v.resolved.entry.name, v.name)) for v in v_comps]
    assignments = list(assignments)
    sets = list(sets)
    given = S.parse_assignments(sets)
    if d_comp is not None and folder is not None:
        given.insert(0, folder)
    layers = route(assignments + given, comps, len(assignments), request.unscoped)

    for key, value in flags.items():
        flag = "--" + key.replace("_", "-")
        if key in layers[id(m_comp)]:
            raise UsageError(
                f"{flag} {value} and --set {key}={layers[id(m_comp)][key]} "
                "contradict each other; give one of them"
            )
        if key not in S.field_names(m_cls.Settings):
            hint = (
                "use --dataset NAME"
                if src is None
                else f"it counts training in {m_cls.progress_unit}s ('{m_cls.progress_setting}')"
            )
            raise SettingsError(
                f"model '{model}' has no setting '{key}', so {flag} does not apply; {hint}; "
                f"its settings: {', '.join(S.field_names(m_cls.Settings))}"
            )
    saved = saved or {}

    def saved_settings(role_cfg):
        return (role_cfg or {}).get("settings", {})

    if request.trained and saved.get("model"):
        given_now = {**flags, **layers[id(m_comp)]}
        check_trained(m_comp, saved_settings(saved["model"]), given_now, request.reference)
    m_comp.settings = S.resolve(
        m_cls.Settings,
        m_res.overrides,
        saved_settings(saved.get("model")),
        flags,
        layers[id(m_comp)],
        owner=f"model '{m_comp.name}'",
    )
    if d_comp:
        d_comp.settings = S.resolve(
            d_comp.cls.Settings,
            d_comp.resolved.overrides,
            saved_settings(saved.get("dataset")),
            layers[id(d_comp)],
            owner=f"dataset '{d_comp.name}'",
        )
    saved_viz = {v["name"]: v for v in saved.get("visualizers", [])}
    for v in v_comps:
        v.settings = S.resolve(
            v.cls.Settings,
            v.resolved.overrides,
            saved_settings(saved_viz.get(v.name)),
            layers[id(v)],
            owner=f"visualizer '{v.name}'",
        )

    result = Plan(
        m_comp,
        d_comp,
        v_comps,
        seed=request.seed,
        strategy=request.strategy,
        notes=notes,
        tensorboard=request.tensorboard,
    )
    check_fit(registry, result)
    return result


def check_fit(registry: Registry, plan: Plan) -> None:
    """Refuse a model/dataset/visualizer/strategy combination that cannot work."""
    m = plan.model
    m.cls.check_settings(m.settings)
    spec = plan.data_spec
    if plan.dataset is not None:
        try:
            m.cls.check_data(m.settings, spec)
        except IncompatibleError as exc:
            raise IncompatibleError(
                f"model '{m.name}' does not fit dataset '{plan.dataset.name}': {exc}"
            ) from None
    for v in plan.visualizers:
        try:
            v.cls.check_model(m.cls, m.settings, spec)
        except IncompatibleError as exc:
            fitting = applicable_visualizers(registry, m, spec)
            raise IncompatibleError(
                f"visualizer '{v.name}' does not apply to model '{m.name}' ({exc}); "
                f"visualizers that apply: {', '.join(fitting) or '(none)'}"
            ) from None
    check_variables(plan.strategy)
    if plan.strategy not in m.cls.strategies:
        raise IncompatibleError(
            f"model '{m.name}' does not support the '{plan.strategy}' strategy; it supports "
            f"{', '.join(m.cls.strategies)}"
        )


def fits(check, *args) -> bool:
    """Whether a declaration check (``check_model``, ``check``, ``check_data``) passes."""
    try:
        check(*args)
    except ZooError:
        return False
    return True


def applicable_visualizers(
    registry: Registry, m: PlannedPlugin, spec: DataSpec | None = None
) -> list[str]:
    return [
        e.name
        for e in registry.entries("visualizer")
        if fits(e.cls.check_model, m.cls, m.settings, spec)
    ]


def applicable_metrics(registry: Registry, plan: Plan) -> list[str]:
    d_cls = plan.dataset.cls if plan.dataset else None
    return [
        e.name
        for e in registry.entries("metric")
        if fits(e.cls.check, plan.model.cls, plan.model.settings, plan.data_spec, d_cls)
    ]


def plan_metrics(
    registry: Registry,
    plan: Plan,
    names: Iterable[str] | None = None,
    sets: Iterable[str] = (),
    assignments: Iterable[tuple[str | None, str, Any]] = (),
) -> list[PlannedPlugin]:
    """The metrics ``zoo eval`` runs on a planned run: the ones named (each refused with
    what it needs when it does not apply) or every one that applies, with ``--set``
    settings routed to them (``k=100`` or scoped, ``nll.k=100``)."""
    fitting = applicable_metrics(registry, plan)
    comps = [
        PlannedPlugin("metric", registry.resolve("metric", n), None)
        for n in (dict.fromkeys(names) if names else fitting)
    ]
    d_cls = plan.dataset.cls if plan.dataset else None
    for c in comps:  # each named one refused with what it needs
        try:
            c.cls.check(plan.model.cls, plan.model.settings, plan.data_spec, d_cls)
        except IncompatibleError as exc:
            raise IncompatibleError(
                f"metric '{c.name}' does not apply to model '{plan.model.name}' on "
                f"{plan.trained_on} ({exc}); metrics that apply: "
                f"{', '.join(fitting) or '(none)'}"
            ) from None
    if not comps:
        raise IncompatibleError(
            f"no installed metric applies to model '{plan.model.name}'; see `zoo list metrics`"
        )
    layers = route(
        [*assignments, *S.parse_assignments(sets)],
        [(c, (c.resolved.entry.name, c.name)) for c in comps],
    )
    for c in comps:
        c.settings = S.resolve(
            c.cls.Settings, c.resolved.overrides, layers[id(c)], owner=f"metric '{c.name}'"
        )
    return comps
