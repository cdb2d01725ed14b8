"""Settings: one frozen dataclass per plugin, overridden by variants and ``--set``.

Values given as text (``--set latent_dim=4``) are converted to the field's type; unknown keys
are refused with the list of valid ones. Fields may carry ``metadata={"help": ...,
"choices": (...), "min": ..., "max": ..., "path": True, "sampling": True}``; a ``path``
setting is recorded resolved (``~`` expanded, absolute), so a saved run finds its files from
any folder.

A model's setting is **fixed at training** (what the trained network is: its size, its noise
schedule, how it was optimised) unless its field says ``"sampling": True``: **free at
sampling**, how a trained model draws (a sampler, its steps, a temperature). That one
declaration is what ``zoo info`` prints, what ``Model.sampling_settings`` lists, and what the
planner checks: on a trained run, a fixed setting given a value other than the one it was
trained with is refused.
"""

from __future__ import annotations

import dataclasses
import difflib
import typing
from collections.abc import Mapping
from typing import Any

from zoo_core.errors import SettingsError


@dataclasses.dataclass(frozen=True)
class NoSettings:
    """For plugins without settings."""


def fields(cls) -> list[dataclasses.Field]:
    return list(dataclasses.fields(cls))


def field_names(cls) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


def _type_of(cls, name: str):
    return typing.get_type_hints(cls)[name]


def _describe_type(tp) -> str:
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        return "|".join(str(a) for a in typing.get_args(tp))
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _describe_type(args[0]) + " or none"
    if origin is tuple:
        args = typing.get_args(tp)
        return f"comma list of {getattr(args[0], '__name__', args[0])}"
    return getattr(tp, "__name__", str(tp))


def convert(cls, name: str, value: Any, owner: str = "") -> Any:
    """Convert ``value`` (text from the CLI, or a JSON value) to the type of field ``name``."""
    tp = _type_of(cls, name)
    where = f"{owner} setting '{name}'" if owner else f"setting '{name}'"
    try:
        out = _convert(tp, value)
    except (TypeError, ValueError):
        raise SettingsError(
            f"{where} must be {_finite(_describe_type(tp))}, got {value!r}"
        ) from None
    (spec,) = [f for f in dataclasses.fields(cls) if f.name == name]
    meta = spec.metadata
    if out == () and spec.default not in ((), dataclasses.MISSING):  # empty means nothing
        example = ",".join(map(str, spec.default))
        raise SettingsError(f"{where} needs at least one value, e.g. {example}; got {value!r}")
    if "choices" in meta and out not in meta["choices"]:
        raise SettingsError(
            f"{where} must be one of {', '.join(map(str, meta['choices']))}, got {value!r}"
        )
    for item in out if isinstance(out, tuple) else (out,):
        if "min" in meta and item is not None and item < meta["min"]:
            raise SettingsError(f"{where} must be >= {meta['min']}, got {value!r}")
        if "max" in meta and item is not None and item > meta["max"]:
            raise SettingsError(f"{where} must be <= {meta['max']}, got {value!r}")
    if meta.get("path") and out:
        import os

        out = os.path.abspath(os.path.expanduser(out))
    return out


def _finite(described: str) -> str:
    return "a finite float" if described == "float" else described


def _convert(tp, value):
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        choices = typing.get_args(tp)
        if value in choices:
            return value
        raise ValueError(value)
    if origin is typing.Union or type(tp).__name__ == "UnionType":
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None or (isinstance(value, str) and value.lower() in ("", "none", "null")):
            return None
        return _convert(args[0], value)
    if origin is tuple:
        (inner, *_rest) = typing.get_args(tp)
        if isinstance(value, str):
            value = [v for v in value.split(",") if v.strip()]
        return tuple(_convert(inner, v) for v in value)
    if tp is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise ValueError(value)
    if tp is int:
        if isinstance(value, bool):
            raise ValueError(value)
        if isinstance(value, float) and not value.is_integer():
            raise ValueError(value)
        return int(str(value).replace("_", "")) if isinstance(value, str) else int(value)
    if tp is float:
        out = float(value)
        if out != out or out in (float("inf"), float("-inf")):
            raise ValueError(value)
        return out
    if tp is str:
        if not isinstance(value, str):
            raise ValueError(value)
        return value
    raise TypeError(tp)


def resolve(cls, *layers: Mapping[str, Any], owner: str = ""):
    """Build ``cls`` from its defaults, then each layer of overrides in order."""
    valid = field_names(cls)
    values: dict[str, Any] = {}
    for layer in layers:
        for key, value in layer.items():
            if key not in valid:
                raise SettingsError(unknown_key_message(key, valid, owner))
            values[key] = convert(cls, key, value, owner)
    return cls(**values)


def unknown_key_message(key: str, valid: list[str], owner: str = "") -> str:
    close = difflib.get_close_matches(key, valid, n=3)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    scope = f" for {owner}" if owner else ""
    listing = ", ".join(valid) if valid else "(none)"
    return f"unknown setting {key!r}{scope}.{hint} Valid settings: {listing}"


def sampling_names(cls) -> tuple[str, ...]:
    """The fields declared free at sampling (``metadata={"sampling": True}``)."""
    if not dataclasses.is_dataclass(cls):  # refused by name when its plugin registers
        return ()
    return tuple(f.name for f in dataclasses.fields(cls) if f.metadata.get("sampling"))


def value_range(meta: Mapping[str, Any]) -> str:
    """A field's valid range as text: ``">= 1"``, ``"0..1"``, ``"ddim|ancestral"`` or ``""``."""
    if "choices" in meta:
        return "|".join(map(str, meta["choices"]))
    low, high = meta.get("min"), meta.get("max")
    if low is not None and high is not None:
        return f"{low:g}..{high:g}"
    return f">= {low:g}" if low is not None else (f"<= {high:g}" if high is not None else "")


def describe(cls, *, model: bool = False) -> list[dict[str, Any]]:
    """Rows for ``zoo info``: name, type, default, valid range and help of each field; for
    a model's settings also ``when``: ``"training"`` (fixed once trained) or ``"sampling"``."""
    rows = []
    for f in dataclasses.fields(cls):
        default = f.default if f.default is not dataclasses.MISSING else None
        rows.append(
            {
                "name": f.name,
                "type": _describe_type(_type_of(cls, f.name)),
                "default": default,
                "range": value_range(f.metadata),
                "help": f.metadata.get("help", ""),
                **(
                    {"when": "sampling" if f.metadata.get("sampling") else "training"}
                    if model
                    else {}
                ),
            }
        )
    return rows


def as_dict_value(value: Any) -> Any:
    """A setting's value as ``config.json`` records it (a tuple as a list)."""
    return list(value) if isinstance(value, tuple) else value


def as_dict(settings) -> dict[str, Any]:
    return {k: as_dict_value(v) for k, v in dataclasses.asdict(settings).items()}


def parse_assignments(items: typing.Iterable[str]) -> list[tuple[str | None, str, str]]:
    """Parse ``key=value`` / ``scope.key=value`` into ``(scope, key, value)`` triples."""
    out = []
    for item in items:
        if "=" not in item:
            raise SettingsError(f"--set expects key=value, got {item!r}")
        key, value = item.split("=", 1)
        key = key.strip()
        if not key:
            raise SettingsError(f"--set expects key=value, got {item!r}")
        scope, _, bare = key.rpartition(".")
        if any((scope or None, bare) == (s, k) for s, k, _ in out):
            raise SettingsError(f"--set {key} is given twice; give each setting once")
        out.append((scope or None, bare, value))
    return out
