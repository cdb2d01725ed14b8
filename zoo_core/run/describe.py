"""What a plugin is and fits with, from class declarations only: ``zoo info`` and
``zoo.info()`` print the same description. Pure: no TensorFlow, no data."""

from __future__ import annotations

from zoo_core import settings as S
from zoo_core.errors import DataError
from zoo_core.registry import Registry
from zoo_core.run.plan import PlannedPlugin, applicable_visualizers, fits


def describe(registry: Registry, name: str) -> list[dict]:
    """One description per kind that answers to ``name`` (a model and a metric may share
    one): summary, variants, every setting with its type, value and help, and what fits."""
    docs = []
    for r in registry.find_any(name):
        e = r.entry
        settings = S.resolve(e.cls.Settings, r.overrides)
        rows = S.describe(e.cls.Settings, model=e.kind == "model")
        for row in rows:
            row["value"] = S.as_dict(settings)[row["name"]]
        doc = {
            "kind": e.kind,
            "name": r.display_name,
            "plugin": e.name,
            "package": e.package,
            "summary": e.summary,
            "variants": {k: dict(v) for k, v in e.variants.items()},
            "settings": rows,
        }
        doc.update(fits_of(registry, e, settings))
        docs.append(doc)
    return docs


def fits_of(registry: Registry, entry, settings) -> dict:
    """What a registry entry fits with, from class declarations only (for ``zoo info``)."""
    if entry.kind == "model":
        cls = entry.cls
        comp = PlannedPlugin("model", registry.resolve("model", entry.name), settings)
        datasets = [d.name for d in registry.entries("dataset") if _fits(cls, settings, d.cls)]
        spec = _first_spec(registry, cls, settings)
        doc = {"needs": cls.needs, "capabilities": sorted(cls.capabilities)}
        if cls.likelihood:
            doc["likelihood"] = f"{cls.likelihood} ({cls.likelihood_unit})"
        doc |= {
            "metrics_reported": [m.name for m in cls.metrics],
            "monitor": cls.monitor,
            "strategies": list(cls.strategies),
        }
        if cls.source_setting is None:
            doc["fits"] = datasets
        return doc | {"visualizers": applicable_visualizers(registry, comp, spec)}
    if entry.kind == "dataset":
        ds = entry.cls(settings)
        try:
            spec = entry.cls.spec(settings)
        except DataError as exc:  # a dataset whose shape depends on a setting not yet given
            return {"data": {"unknown until set": str(exc)}, "source": ds.describe()}
        return {
            "data": {
                "shape": list(spec.element_shape),
                "dtype": spec.dtype,
                "classes": len(spec.class_names),
                "splits": list(spec.splits),
                "features": entry.cls.provides_features,
            },
            "source": ds.describe(),
        }
    applies = [m.name for m in registry.entries("model") if _applies(registry, entry, m)]
    return {"requires": sorted(entry.cls.requires), "applies_to": applies}


def _applies(registry, entry, model) -> bool:
    """Whether a visualizer or metric fits a model's default variant, on the first
    installed dataset it trains on."""
    settings = S.resolve(model.cls.Settings, model.variants.get(model.default_variant or "", {}))
    spec = _first_spec(registry, model.cls, settings)
    if entry.kind == "visualizer":
        return fits(entry.cls.check_model, model.cls, settings, spec)
    dataset = _first_dataset(registry, model.cls, settings)
    return fits(entry.cls.check, model.cls, settings, spec, dataset)


def _fits(model_cls, settings, dataset_cls) -> bool:
    return fits(
        lambda: model_cls.check_data(settings, dataset_cls.spec(S.resolve(dataset_cls.Settings)))
    )


def _first_dataset(registry, model_cls, settings):
    return next(
        (d.cls for d in registry.entries("dataset") if _fits(model_cls, settings, d.cls)), None
    )


def _first_spec(registry, model_cls, settings):
    d = _first_dataset(registry, model_cls, settings)
    return d.spec(S.resolve(d.Settings)) if d is not None else None
