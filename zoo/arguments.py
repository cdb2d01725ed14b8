"""The arguments of ``import zoo``, checked in one place at the API's edge.

What NumPy users pass is taken as they pass it: a NumPy integer wherever a whole number goes
(a seed, ``n``, a label: what indexing an array gives), arrays, lists and tuples wherever a
batch or a list setting goes. Anything else is refused with a :class:`UsageError` (a
:class:`~zoo_core.errors.ZooError`) in one sentence saying what was given and what is
taken, before any model work starts: never a raw ``TypeError``, never a silent NaN image.
"""

from __future__ import annotations

import numbers
from typing import Any

from zoo_core.errors import UsageError
from zoo_core.run.request import check_seed

#: the most images one ``sample()`` call draws (``zoo sample --n`` has the same bound)
MAX_SAMPLES = 1024

__all__ = ["MAX_SAMPLES", "check_seed", "flag", "images", "latent", "name", "names", "whole"]


def name(value, what: str, example: str, *, optional: bool = False) -> str | None:
    """A name or pattern: a non-empty string (None where it is optional)."""
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value:
        raise UsageError(f"{what} takes a string, e.g. {example}; got {_shown(value)}")
    return value


def names(values, what: str, example: str) -> list[str]:
    """Names given one by one (``evaluate("fid", "kid")``): each a non-empty string."""
    return [name(v, what, example) for v in values]


def whole(value, what: str, least: int, most: int | None = None) -> int:
    """A count as a plain ``int`` (a NumPy integer is one; ``True`` and ``2.0`` are not)."""
    bound = f" and <= {most:,}" if most is not None else ""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise UsageError(f"{what} must be a whole number >= {least}{bound}; got {_shown(value)}")
    if value < least or (most is not None and value > most):
        raise UsageError(f"{what} must be a whole number >= {least}{bound}; got {value!r}")
    return int(value)


def flag(value, what: str) -> bool:
    """A yes/no argument: ``True`` or ``False`` (a NumPy bool too), not the string 'no'."""
    import numpy as np

    if not isinstance(value, (bool, np.bool_)):
        raise UsageError(f"{what} takes True or False; got {_shown(value)}")
    return bool(value)


def _array(value, what: str, want: str):
    import numpy as np

    if isinstance(value, (str, bytes)) or value is None:
        raise UsageError(f"{what} takes {want}; got {_shown(value)}")
    try:
        with np.errstate(over="ignore"):  # beyond float32: infinite, refused as such
            x = np.asarray(value, dtype="float32")
    except (TypeError, ValueError, OverflowError):
        raise UsageError(f"{what} takes {want}; got {_shown(value)}") from None
    return x


def latent(z, shape: tuple[int, ...] | None, method: str, model: str):
    """Latent points as a float32 batch ``(n, *shape)``; one point gets its batch axis."""
    import numpy as np

    want = f"latent points of shape (n, {', '.join(map(str, shape))})" if shape else "points"
    z = _array(z, f"{method}()", want)
    if shape is not None and z.shape == tuple(shape):
        z = z[None]
    if z.ndim < 2 or len(z) == 0 or (shape is not None and z.shape[1:] != tuple(shape)):
        raise UsageError(
            f"{method}() takes {want} for model '{model}'; got an array of shape {z.shape}"
        )
    if not np.isfinite(z).all():
        raise UsageError(f"{method}() takes finite latent points; got NaN or infinite values")
    return z


def images(x, shape: tuple[int, ...] | None, method: str):
    """Images as a float32 batch in [0, 1] of the data's shape; one image gets its axis."""
    import numpy as np

    want = f"(n, {', '.join(map(str, shape))})" if shape else "(n, ...)"
    x = _array(x, f"{method}()", f"images as an array of shape {want}")
    if shape is not None and x.shape == tuple(shape):
        x = x[None]
    if x.ndim < 2 or len(x) == 0 or (shape is not None and x.shape[1:] != tuple(shape)):
        raise UsageError(
            f"{method}() takes images as an array of shape {want}; got shape {x.shape}"
        )
    if not np.isfinite(x).all() or x.min() < 0 or x.max() > 1:
        finite = x[np.isfinite(x)]
        seen = f"[{finite.min():g}, {finite.max():g}]" if finite.size else "no finite values"
        raise UsageError(
            f"{method}() takes finite pixel values in [0, 1]; got values in {seen}"
            + (" (divide 8-bit images by 255)" if finite.size and finite.max() > 1 else "")
        )
    return x


def label_items(label, n: int, names_: list[str]) -> list[int]:
    """``label=``: one class (a name or an index, NumPy integers included) for all ``n``, or
    one per example (a list, tuple or array); None: the classes in turn."""
    import numpy as np

    from zoo_core.contract import classes_in_turn

    if label is None or isinstance(label, (str, numbers.Integral)) or np.ndim(label) == 0:
        items = [label] * n
    elif isinstance(label, (list, tuple, np.ndarray)):
        items = list(np.asarray(label).tolist() if isinstance(label, np.ndarray) else label)
    else:
        raise UsageError(
            f"label= takes a class name or index, or one per example; got {_shown(label)}"
        )
    if len(items) != n:
        raise UsageError(f"label= has {len(items)} entries for {n} examples")
    out, in_turn = [], classes_in_turn(n, len(names_))  # as the metrics draw them
    folded = {c.lower(): j for j, c in enumerate(names_)}
    for i, item in enumerate(items):
        if item is None:
            item = int(in_turn[i])
        elif isinstance(item, str):
            if item.lower() not in folded:
                raise UsageError(f"unknown label {item!r}; use one of: {', '.join(names_)}")
            item = folded[item.lower()]
        elif isinstance(item, bool) or not isinstance(item, numbers.Integral):
            raise UsageError(
                f"label= takes class names or whole-number indices; got {_shown(item)}"
            )
        if not 0 <= int(item) < len(names_):
            raise UsageError(f"label {item} is out of range; use 0..{len(names_) - 1}")
        out.append(int(item))
    return out


def _shown(value: Any) -> str:
    """A value as an error shows it: short, with its type when that is what is wrong."""
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"
