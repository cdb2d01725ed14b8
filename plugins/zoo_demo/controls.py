"""The sampling widgets of a model, read from its own declaration.

A model's ``Settings`` field declared ``"sampling": True`` is free at sampling (the planner
and ``zoo info`` read the same flag); its type and its ``"min"`` / ``"max"`` /
``"choices"`` metadata say which widget it becomes: a choice of a ``Literal`` is a dropdown,
a number with both bounds a slider, a number with one bound a number box, a flag a checkbox.
Nothing here names a family: a new model's sampling settings appear on the page as declared.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Control:
    """One sampling setting as a widget: ``kind`` is ``choice``, ``int``, ``float``, ``bool``
    or ``text``; ``value`` the trained run's own value."""

    name: str
    kind: str
    value: Any
    help: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple = ()

    @property
    def slider(self) -> bool:
        return self.kind in ("int", "float") and None not in (self.minimum, self.maximum)


def _kind(tp) -> tuple[str, tuple]:
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        return "choice", typing.get_args(tp)
    if origin is typing.Union or type(tp).__name__ == "UnionType":
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _kind(args[0]) if len(args) == 1 else ("text", ())
    if tp is bool:
        return "bool", ()
    if tp is int:
        return "int", ()
    if tp is float:
        return "float", ()
    return "text", ()


def controls(settings, sampling: tuple[str, ...]) -> list[Control]:
    """The widgets of the ``sampling`` settings of a settings object (a loaded model's
    ``settings``, set to the values it runs with; or a class's defaults)."""
    hints = typing.get_type_hints(type(settings))
    out = []
    for f in dataclasses.fields(settings):
        if f.name not in sampling:
            continue
        kind, choices = _kind(hints[f.name])
        meta = f.metadata
        if "choices" in meta:
            kind, choices = "choice", tuple(meta["choices"])
        out.append(
            Control(
                name=f.name,
                kind=kind,
                value=getattr(settings, f.name),
                help=meta.get("help", ""),
                minimum=meta.get("min"),
                maximum=meta.get("max"),
                choices=tuple(choices),
            )
        )
    return out


def slider_step(control: Control) -> float:
    """1 for whole numbers; about a hundredth of the range for the others."""
    if control.kind == "int":
        return 1
    span = float(control.maximum) - float(control.minimum)
    return float(f"{span / 100:.1g}") or 0.01
