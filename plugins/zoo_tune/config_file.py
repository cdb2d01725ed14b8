"""A run's ``config.json`` written as an experiment file (``best.toml``), which
``zoo run --config`` replays (:mod:`zoo_core.experiments.config_file` reads it)."""

from __future__ import annotations


def dumps(
    cfg: dict, *, seeds: list[int] | None = None, comment: str = "", visualizers: bool = True
) -> str:
    """A config file for a run's ``config.json``: every recorded setting, scoped (not just
    the ones that differ from today's defaults, which may change); ``zoo run --config``
    replays it. ``visualizers=False`` leaves the figures to the model's defaults."""
    lines = [f"# {c}" for c in comment.splitlines()] if comment else []
    lines.append(f"model = {_toml(cfg['model']['name'])}")
    if cfg.get("dataset"):
        lines.append(f"dataset = {_toml(cfg['dataset']['name'])}")
    if visualizers:
        lines.append(f"visualizers = {_toml([v['name'] for v in cfg.get('visualizers', [])])}")
    if seeds and len(seeds) > 1:
        lines.append(f"seeds = {_toml(list(seeds))}")
    else:
        lines.append(f"seed = {_toml(int((seeds or [cfg.get('seed', 0)])[0]))}")
    lines.append(f"strategy = {_toml(cfg.get('strategy', 'default'))}")
    lines.append(f"tensorboard = {_toml(bool(cfg.get('tensorboard', True)))}")
    sections = [("model", cfg["model"])]
    if cfg.get("dataset"):
        sections.append(("dataset", cfg["dataset"]))
    sections += [(v["name"], v) for v in cfg.get("visualizers", [])] if visualizers else []
    for scope, part in sections:
        values = {k: v for k, v in (part.get("settings") or {}).items() if v is not None}
        if values:
            lines += ["", f"[settings.{scope}]"]
            lines += [f"{k} = {_toml(v)}" for k, v in values.items()]
    return "\n".join(lines) + "\n"


def _toml(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml(x) for x in v) + "]"
    raise TypeError(f"cannot write {v!r} to TOML")
