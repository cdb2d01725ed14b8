"""Experiment files: a run (or a group of seeds) written down in TOML, and runs repeated.

``zoo run --config experiment.toml`` reads one; ``zoo run --like RUN`` repeats a run from its
``config.json``; ``zoo tune`` writes its best trial as one. The file says what the flags say,
with the settings scoped exactly like ``--set``::

    model = "vae_2d"                       # a model or variant name, as `zoo run MODEL`
    dataset = "fashion_mnist"              # or the model's own source setting
    visualizers = ["manifold", "curves"]   # optional; [] for none; default: the model's
    seed = 0                               # or: seeds = [0, 1, 2] (a group, mean ± std)
    strategy = "default"
    tensorboard = true

    [settings]                             # unscoped, like --set epochs=30
    epochs = 30

    [settings.dataset]                     # scoped, like --set dataset.limit=1000
    limit = 1000

    [settings.manifold]
    n = 20

Every value is checked the way the flags are, before anything runs, and an error names the
file and the line. Flags given beside ``--config`` override it; ``--set`` entries are
applied after the file's settings.

Pure: no TensorFlow. TOML is read with the standard library's ``tomllib``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import tomllib

from zoo_core import settings as S
from zoo_core.errors import UsageError, ZooError
from zoo_core.run.plan import plan
from zoo_core.run.request import RunRequest, check_seed

TOP_KEYS = {
    "model": str,
    "dataset": str,
    "visualizers": list,
    "seed": int,
    "seeds": list,
    "strategy": str,
    "tensorboard": bool,
    "settings": dict,
}
#: Any other top-level key with a plain value is a model setting given as a flag (the
#: setting a model trains on instead of a dataset, e.g. ``env = "CartPole-v1"``); the
#: planner refuses it, at its line, when the model has no such setting.
FLAG_TYPES = (str, int, float, bool)


class ConfigError(UsageError):
    """A config file that cannot be used; the message starts with ``FILE:LINE:``."""


@dataclass
class Experiment:
    """What a config file (or a saved run) asks for; the CLI's flags override it."""

    model: str | None = None
    dataset: str | None = None
    #: model settings given as top-level keys, as flags (``env = "CartPole-v1"``)
    flags: dict[str, Any] = field(default_factory=dict)
    visualizers: list[str] | None = None
    seeds: list[int] | None = None
    strategy: str | None = None
    tensorboard: bool | None = None
    #: ``(scope or None, key, value)`` in file order, typed values as TOML gives them
    assignments: list[tuple[str | None, str, Any]] = field(default_factory=list)
    #: a run's config.json, when repeating one (its exact settings)
    saved: dict | None = None
    source: str = ""


# -- reading ----------------------------------------------------------------------------------
def load(path: str | Path) -> tuple[Experiment, LineFinder]:
    """Parse and shape-check a TOML experiment file (names are checked by :func:`plan`)."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(
            f"config file {path} does not exist; give the path of a .toml file "
            "(see configs/ for examples)"
        )
    text = path.read_text(encoding="utf-8-sig", errors="replace")  # a byte-order mark: fine
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        n = (
            line.group(1)
            if line
            else (len(text.splitlines()) or 1 if "end of document" in str(exc) else None)
        )
        where = f"{path}:{n}" if n else str(path)
        raise ConfigError(f"{where}: not valid TOML ({exc})") from None
    lines = LineFinder(path, text)
    exp = Experiment(source=str(path))
    for key, value in data.items():
        if key not in TOP_KEYS:
            if isinstance(value, FLAG_TYPES):
                exp.flags[key] = value
                continue
            raise ConfigError(
                f"{lines.at(None, key)}: unknown key '{key}'; a config file "
                f"takes {', '.join(TOP_KEYS)}, or a model setting that names "
                "what the model trains on"
            )
        want = TOP_KEYS[key]
        if not isinstance(value, want) or (want is int and isinstance(value, bool)):
            raise ConfigError(
                f"{lines.at(None, key)}: '{key}' must be {_type_name(want)}, got {value!r}"
            )
    if "seed" in data and "seeds" in data:
        raise ConfigError(f"{lines.at(None, 'seeds')}: give 'seed' or 'seeds', not both")
    exp.model = data.get("model")
    exp.dataset = data.get("dataset")
    if "visualizers" in data:
        if not all(isinstance(v, str) for v in data["visualizers"]):
            raise ConfigError(
                f"{lines.at(None, 'visualizers')}: 'visualizers' must be a list "
                'of names, e.g. ["manifold", "curves"]'
            )
        exp.visualizers = list(data["visualizers"])
    if "seed" in data:
        exp.seeds = [_seed(data["seed"], lines.at(None, "seed"))]
    if "seeds" in data:
        exp.seeds = [_seed(s, lines.at(None, "seeds")) for s in data["seeds"]]
        if not exp.seeds:
            raise ConfigError(f"{lines.at(None, 'seeds')}: 'seeds' is empty; give at least one")
        if len(set(exp.seeds)) != len(exp.seeds):
            raise ConfigError(f"{lines.at(None, 'seeds')}: 'seeds' repeats a seed")
    exp.strategy = data.get("strategy")
    exp.tensorboard = data.get("tensorboard")
    for key, value in data.get("settings", {}).items():
        if isinstance(value, dict):
            for k, v in value.items():
                if isinstance(v, dict):
                    raise ConfigError(
                        f"{lines.at(('settings', key), k)}: settings nest one "
                        f"level ([settings.{key}]); '{k}' is a table"
                    )
                exp.assignments.append((key, k, v))
        else:
            exp.assignments.append((None, key, value))
    return exp, lines


def _seed(value, where) -> int:
    try:
        return check_seed(value, "a seed")
    except UsageError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _type_name(tp) -> str:
    return {
        str: "a string",
        int: "a whole number",
        list: "a list",
        bool: "true or false",
        dict: "a table",
    }[tp]


class LineFinder:
    """Where a key is written in a TOML file (for error messages): ``FILE:LINE``."""

    def __init__(self, path: Path | str, text: str = ""):
        self.path = str(path)
        self.positions: dict[tuple, int] = {}
        table: tuple = ()
        for n, raw in enumerate(text.splitlines(), start=1):
            line = raw.split("#", 1)[0].strip()
            head = re.fullmatch(r"\[\s*([^\[\]]+?)\s*\]", line)
            if head:
                table = tuple(p.strip().strip('"') for p in head.group(1).split("."))
                self.positions.setdefault((table, None), n)
                continue
            key = re.match(r'"?([A-Za-z0-9_\-.]+)"?\s*=', line)
            if key:
                parts = tuple(p.strip('"') for p in key.group(1).split("."))
                self.positions.setdefault((table + parts[:-1], parts[-1]), n)

    def at(self, table, key) -> str:
        table = tuple(table) if table else ()
        n = self.positions.get((table, key)) or self.positions.get((table, None))
        return f"{self.path}:{n}" if n else self.path

    def of_assignment(self, scope, key) -> str:
        return self.at(("settings", scope) if scope else ("settings",), key)


# -- a saved run ------------------------------------------------------------------------------
def from_run(path: str | Path) -> Experiment:
    """What ``zoo run --like RUN`` repeats: RUN's model, data, visualizers, seed and every
    setting exactly as its ``config.json`` recorded them."""
    from zoo_core.plugins import run_path
    from zoo_core.run_dir import RunDir

    run = RunDir.open(run_path(path))
    return from_config(run.config, source=str(run.file("config.json")))


def from_config(cfg: dict, source: str = "") -> Experiment:
    """The experiment a ``config.json`` records (a run's, or the one a seed group keeps)."""
    try:
        model = cfg["model"]["name"]
    except (KeyError, TypeError):
        raise UsageError(f"{source or 'config.json'} names no model; is it a zoo run?") from None
    seeds = [int(cfg["seed"])] if "seed" in cfg else None
    return Experiment(
        model=model,
        dataset=(cfg.get("dataset") or {}).get("name"),
        visualizers=[v["name"] for v in cfg.get("visualizers", [])],
        seeds=seeds,
        strategy=cfg.get("strategy"),
        tensorboard=cfg.get("tensorboard"),
        saved=cfg,
        source=source,
    )


# -- planning ---------------------------------------------------------------------------------
def request(
    exp: Experiment,
    *,
    seed: int | None = None,
    flags: dict[str, Any] | None = None,
    sets=(),
    **given,
) -> RunRequest:
    """The :class:`RunRequest` of an experiment with the command line's values over the
    file's: ``given`` holds the ones typed (dataset, visualizers, strategy, tensorboard);
    ``flags`` (model settings given as flags, ``--epochs``) replace the file's value of that
    setting; ``sets`` (``--set`` text) apply last."""
    if not exp.model:
        raise ConfigError(f'{exp.source}: no model; add model = "NAME" (see `zoo list models`)')
    flags = {**exp.flags, **(flags or {})}
    # a setting given as a flag replaces the file's value of it (unscoped or model-scoped)
    scopes = {None, "model", exp.model}
    kept = tuple(a for a in exp.assignments if not (a[1] in flags and a[0] in scopes))
    return RunRequest(
        exp.model,
        dataset=given.get("dataset", exp.dataset),
        visualizers=given.get("visualizers", exp.visualizers),
        seed=seed if seed is not None else (exp.seeds or [0])[0],
        strategy=given.get("strategy", exp.strategy or "default"),
        tensorboard=given.get("tensorboard", True if exp.tensorboard is None else exp.tensorboard),
        flags=flags,
        assignments=kept,
        sets=tuple(sets),
        saved=exp.saved,
    )


def plan_file(registry, req: RunRequest, exp: Experiment, lines: LineFinder):
    """:func:`~zoo_core.run.plan.plan` of a request made from a file; when it fails, each
    part of the file is planned alone so that the error names the line at fault."""
    try:
        res = registry.resolve("model", req.model)
    except ZooError as exc:
        raise ConfigError(f"{lines.at(None, 'model')}: {exc}") from None
    for key in exp.flags:  # a top-level key that is no setting of the model: a typo
        if key not in S.field_names(res.entry.cls.Settings):
            raise ConfigError(
                f"{lines.at(None, key)}: unknown key '{key}'; a config file takes "
                f"{', '.join(TOP_KEYS)}, or a setting of model "
                f"'{res.display_name}' that names what it trains on"
            )
    try:
        return plan(registry, req)
    except ZooError:
        pass
    alone = replace(req, flags=exp.flags, assignments=(), sets=())
    try:
        plan(registry, alone)
    except ZooError as exc:
        key = next((k for k in exp.flags if f"'{k}'" in str(exc) or f"--{k}" in str(exc)), None)
        raise ConfigError(
            f"{lines.at(None, key or _blame(str(exc), exp))}: {in_words_of('file', exc)}"
        ) from None
    for a in exp.assignments:
        try:
            plan(registry, replace(alone, assignments=(a,)))
        except ZooError as exc:
            raise ConfigError(
                f"{lines.of_assignment(a[0], a[1])}: {in_words_of('file', exc)}"
            ) from None
    return plan(registry, req)  # the command line's part is at fault: its own message


#: the planner speaks in flags; a run written in a file, or asked of ``zoo.run()``, is told
#: in its own words (what the user wrote, never a flag they did not type)
_WORDS = {
    "file": (
        (r"--set ([\w.]+)=", r"\1 = "),
        (r"--set ", ""),
        (r"--dataset NAME", 'dataset = "NAME"'),
        (r"--([a-z][a-z-]*)", lambda m: m.group(1).replace("-", "_") + " ="),
    ),
    "python": (
        (r"--set ([\w.]+)=", r"\1="),
        (r"--set ", ""),
        (r"--dataset NAME", 'dataset="NAME"'),
        (r"--([a-z][a-z-]*)", lambda m: m.group(1).replace("-", "_") + "="),
    ),
}


def in_words_of(speaker: str, exc: Exception) -> str:
    text = str(exc)
    for pattern, replacement in _WORDS[speaker]:
        text = re.sub(pattern, replacement, text)
    return text


def _blame(message: str, exp: Experiment) -> str:
    """The top-level key a planning error is about."""
    text = message.lower()
    for key in ("visualizer", "strategy", "dataset"):
        if key in text and getattr(exp, key + ("s" if key == "visualizer" else ""), None):
            return key + ("s" if key == "visualizer" else "")
    return "model"
