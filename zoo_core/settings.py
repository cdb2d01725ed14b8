"""Settings: one frozen dataclass per plugin, overridden by variants and ``--set``.

Values given as text (``--set latent_dim=4``) are converted to the field's type; unknown keys
are refused with the list of valid ones. Fields may carry ``metadata={"help": ...,
"choices": (...), "min": ..., "path": True}``; a ``path`` setting is recorded resolved
(``~`` expanded, absolute), so a saved run finds its files from any folder.
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
    meta = {f.name: f.metadata for f in dataclasses.fields(cls)}[name]
    if "choices" in meta and out not in meta["choices"]:
        raise SettingsError(
            f"{where} must be one of {', '.join(map(str, meta['choices']))}, got {value!r}"
        )
    if "min" in meta and out is not None and out < meta["min"]:
        raise SettingsError(f"{where} must be >= {meta['min']}, got {value!r}")
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
    return f"unknown setting '{key}'{scope}.{hint} Valid settings: {listing}"


def describe(cls) -> list[dict[str, Any]]:
    """Rows for ``zoo info``: name, type, default and help of each field."""
    rows = []
    for f in dataclasses.fields(cls):
        default = f.default if f.default is not dataclasses.MISSING else None
        rows.append(
            {
                "name": f.name,
                "type": _describe_type(_type_of(cls, f.name)),
                "default": default,
                "help": f.metadata.get("help", ""),
            }
        )
    return rows


def as_dict(settings) -> dict[str, Any]:
    return {
        k: (list(v) if isinstance(v, tuple) else v) for k, v in dataclasses.asdict(settings).items()
    }


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
