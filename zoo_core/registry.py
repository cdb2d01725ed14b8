"""The registry: every Model, Dataset, Visualizer and Metric plugin, by name.

Built from the ``register`` callbacks the hooks receive, so name checks, variants, aliases,
duplicates and "which package provided this" live in one place.
"""

from __future__ import annotations

import difflib
import fnmatch
import inspect
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from zoo_core.contract import (
    CAPABILITIES,
    DECODE,
    ENCODE,
    LIKELIHOOD,
    SAMPLE,
    Dataset,
    Metric,
    Model,
    Visualizer,
)
from zoo_core.errors import DuplicateNameError, UnknownNameError, ZooError
from zoo_core.tracking import Tracker

KINDS = ("model", "dataset", "visualizer", "metric", "tracker")
BASES = {
    "model": Model,
    "dataset": Dataset,
    "visualizer": Visualizer,
    "metric": Metric,
    "tracker": Tracker,
}
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
#: a pretrained name may carry a version tag after a dot, as timm tags its weights
#: (``dcgan.fmnist-v1``), so an updated model is a new name, never a silent replacement
PRETRAINED_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9][a-z0-9_-]*)?$")


@dataclass(frozen=True)
class Entry:
    """One registered plugin object."""

    kind: str
    name: str
    cls: type
    summary: str
    package: str
    variants: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    default_variant: str | None = None
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """Every name this entry answers to."""
        return (self.name, *self.variants, *self.aliases)


@dataclass(frozen=True)
class Resolved:
    """A name looked up: the entry and the variant it selects (with its overrides)."""

    entry: Entry
    variant: str | None
    overrides: Mapping[str, Any]

    @property
    def display_name(self) -> str:
        return self.variant or self.entry.name


@dataclass(frozen=True)
class Pretrained:
    """A trained run a package ships (``pretrained:NAME``): its folder, as registered."""

    name: str
    folder: str
    package: str
    summary: str = ""


class Registry:
    def __init__(self):
        self._entries: dict[str, dict[str, Entry]] = {k: {} for k in KINDS}
        self._names: dict[str, dict[str, Entry]] = {k: {} for k in KINDS}
        #: (kind, name) -> packages that all registered it
        self.conflicts: dict[tuple[str, str], list[str]] = {}
        #: the plugin host's load failures (:func:`zoo_core.plugins.build_registry`)
        self.failures: list = []
        #: shipped trained runs by name (:func:`zoo_core.hookspecs.register_pretrained`)
        self.pretrained: dict[str, Pretrained] = {}

    # -- building ----------------------------------------------------------------------
    def registrar(self, kind: str, package: str):
        """The ``register`` callback handed to a plugin's hook implementation."""

        def register(
            name: str,
            cls: type,
            *,
            variants: Mapping[str, Mapping[str, Any]] | None = None,
            default_variant: str | None = None,
            aliases: tuple[str, ...] | list[str] = (),
            summary: str | None = None,
        ):
            self.add(
                Entry(
                    kind=kind,
                    name=name,
                    cls=cls,
                    package=package,
                    summary=summary or _first_line(cls.__doc__),
                    variants=dict(variants or {}),
                    default_variant=default_variant,
                    aliases=tuple(aliases),
                )
            )

        return register

    def pretrained_registrar(self, package: str):
        def register(name: str, folder, *, summary: str | None = None):
            if not PRETRAINED_NAME.match(name):
                raise ZooError(
                    f"{package}: invalid pretrained name {name!r}; use lower_snake_case, "
                    "optionally with a version tag (dcgan.fmnist-v1)"
                )
            other = self.pretrained.get(name)
            if other is not None and other.package != package:
                self.conflicts.setdefault(("pretrained", name), [other.package, package])
            self.pretrained[name] = Pretrained(name, str(folder), package, summary or "")

        return register

    def add(self, entry: Entry) -> None:
        base = BASES[entry.kind]
        if not (inspect.isclass(entry.cls) and issubclass(entry.cls, base)):
            raise ZooError(
                f"{entry.package}: {entry.kind} '{entry.name}' must be a subclass "
                f"of zoo_core.{base.__name__}, got {entry.cls!r}"
            )
        for n in entry.names:
            if not _NAME.match(n):
                raise ZooError(
                    f"{entry.package}: invalid {entry.kind} name {n!r}; use lower_snake_case"
                )
        if entry.default_variant and entry.default_variant not in entry.variants:
            raise ZooError(
                f"{entry.package}: default variant {entry.default_variant!r} of "
                f"'{entry.name}' is not one of its variants"
            )
        problem = declaration_problem(entry.kind, entry.cls)
        if problem:
            raise ZooError(f"{entry.package}: {entry.kind} '{entry.name}' {problem}")
        # A name another package already holds is a conflict: that one name becomes
        # unusable (resolving it names both packages); the entry's other names still work.
        taken = []
        for n in entry.names:
            other = self._names[entry.kind].get(n)
            if other is not None and other is not entry:
                pkgs = self.conflicts.setdefault((entry.kind, n), [other.package])
                if entry.package not in pkgs:
                    pkgs.append(entry.package)
                taken.append(n)
        self._entries[entry.kind][(entry.package, entry.name)] = entry
        for n in entry.names:
            if n not in taken:
                self._names[entry.kind][n] = entry

    # -- looking up --------------------------------------------------------------------
    def entries(self, kind: str, pattern: str | None = None) -> list[Entry]:
        out = sorted(self._entries[kind].values(), key=lambda e: (e.name, e.package))
        if pattern:
            out = [e for e in out if any(fnmatch.fnmatchcase(n, pattern) for n in e.names)]
        return out

    def all_names(self, kind: str) -> list[str]:
        return sorted(self._names[kind])

    def resolve(self, kind: str, name: str) -> Resolved:
        if (kind, name) in self.conflicts:
            pkgs = self.conflicts[(kind, name)]
            raise DuplicateNameError(
                f"{kind} '{name}' is registered by more than one package: "
                f"{' and '.join(sorted(pkgs))}. Uninstall one, or choose with "
                f"ZOO_LOAD_PLUGINS=<package>,..."
            )
        entry = self._names[kind].get(name)
        if entry is None:
            message = unknown_name_message(kind, name, self.all_names(kind))
            if self.failures:  # a plugin that failed to load may be what would provide it
                names = ", ".join(sorted({f.package for f in self.failures}))
                message += f" Plugins that failed to load: {names} (see `zoo plugins`)."
            elif not difflib.get_close_matches(name, self.all_names(kind), cutoff=0.5):
                message += (
                    " A plugin package provides names through an entry point in the "
                    "'zoo' group ([project.entry-points.zoo] in its pyproject.toml) "
                    "once it is pip-installed."
                )
            raise UnknownNameError(message)
        variant = name if name in entry.variants else entry.default_variant
        overrides = entry.variants.get(variant, {}) if variant else {}
        return Resolved(entry, variant, overrides)

    def find_any(self, name: str) -> list[Resolved]:
        """Every kind's entry answering to ``name`` (for ``zoo info``)."""
        found = [
            self.resolve(kind, name)
            for kind in KINDS
            if name in self._names[kind] or (kind, name) in self.conflicts
        ]
        if not found:
            names = sorted({n for k in KINDS for n in self._names[k]})
            raise UnknownNameError(unknown_name_message("plugin", name, names))
        return found


def declaration_problem(kind: str, cls: type) -> str | None:
    """What a plugin class declares wrongly, caught at registration (before any run): a
    ``Settings`` that is not a dataclass with a default for every field; for a model, a
    capability name that does not exist, or one declared with neither its method nor a
    fallback (``sample`` falls back to ``decode`` of ``prior``)."""
    import dataclasses

    settings = getattr(cls, "Settings", None)
    if not (inspect.isclass(settings) and dataclasses.is_dataclass(settings)):
        return (
            "has a Settings that is not a dataclass; decorate it with "
            "@dataclasses.dataclass(frozen=True)"
        )
    for f in dataclasses.fields(settings):
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            return (
                f"has a setting '{f.name}' without a default; every setting needs one "
                "(variants and --set change it)"
            )
    if kind != "model":
        return None
    for name in sorted(set(cls.capabilities) - set(CAPABILITIES)):
        # a family may declare its own (its visualizers require them); one a letter or two
        # from zoo's own is a typo that would silently turn a capability off
        close = difflib.get_close_matches(name, CAPABILITIES, n=1, cutoff=0.8)
        if close:
            return (
                f"declares the capability {name!r}, which zoo does not know; did you "
                f"mean {close[0]!r}? (zoo's: {', '.join(CAPABILITIES)})"
            )

    def overrides(method: str) -> bool:
        mine, base = getattr(cls, method), getattr(Model, method)
        return getattr(mine, "__func__", mine) is not getattr(base, "__func__", base)

    needs = {ENCODE: "encode", DECODE: "decode", LIKELIHOOD: "log_likelihood"}
    for capability, method in needs.items():
        if capability in cls.capabilities and not overrides(method):
            return f"declares '{capability}' but does not define {method}(); define it"
    if (
        SAMPLE in cls.capabilities
        and not overrides("sample")
        and not (
            DECODE in cls.capabilities and (overrides("prior") or overrides("latent_shape_of"))
        )
    ):
        return (
            "declares 'sample' but defines neither sample() nor the decode() and "
            "latent_shape_of() (or prior()) it falls back to; define sample()"
        )
    return None


def unknown_name_message(kind: str, name: str, available: list[str]) -> str:
    close = difflib.get_close_matches(name, available, n=3, cutoff=0.5)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    listing = ", ".join(available) if available else "(none installed)"
    return f"unknown {kind} {name!r}.{hint} Available: {listing}. See `zoo list`."


def _first_line(doc: str | None) -> str:
    return (doc or "").strip().splitlines()[0] if (doc or "").strip() else ""
