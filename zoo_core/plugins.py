"""Plugin loading: one entry-point group, ``zoo``, for built-ins and third parties alike.

Each entry point is loaded on its own, so a package that fails to import (or implements a
misspelled hook) is recorded and reported by ``zoo plugins`` instead of breaking ``zoo``.
``ZOO_LOAD_PLUGINS`` restricts what loads (empty: nothing; a comma list of distribution or
entry-point names: only those); it is read when plugins load, not at import time.
"""

from __future__ import annotations

import importlib.metadata
import os
import traceback
from dataclasses import dataclass, field

import pluggy

from zoo_core import hookspecs
from zoo_core.errors import UsageError, one_line
from zoo_core.registry import Registry

ENTRY_POINT_GROUP = "zoo"


@dataclass(frozen=True)
class PluginInfo:
    """A loaded plugin module and the distribution that provided it."""

    name: str  # entry-point name
    package: str  # distribution name
    version: str
    hooks: tuple[str, ...]


@dataclass(frozen=True)
class PluginFailure:
    """An entry point that could not be loaded, with the error a user can act on."""

    name: str
    package: str
    error: str


@dataclass
class PluginHost:
    """The plugin manager, what it loaded, what failed, and the registry built from it."""

    pm: pluggy.PluginManager
    loaded: list[PluginInfo] = field(default_factory=list)
    failures: list[PluginFailure] = field(default_factory=list)
    _registry: Registry | None = None

    @property
    def registry(self) -> Registry:
        if self._registry is None:
            self._registry = build_registry(self)
        return self._registry


def _allowed() -> set[str] | None:
    raw = os.environ.get("ZOO_LOAD_PLUGINS")
    if raw is None:
        return None
    return {p.strip() for p in raw.split(",") if p.strip()}


def load_plugins() -> PluginHost:
    pm = pluggy.PluginManager("zoo")
    pm.add_hookspecs(hookspecs)
    host = PluginHost(pm)
    allowed = _allowed()
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist.name if ep.dist else "?"
        version = ep.dist.version if ep.dist else "?"
        if allowed is not None and dist not in allowed and ep.name not in allowed:
            continue
        if pm.has_plugin(ep.name):
            host.failures.append(
                PluginFailure(
                    ep.name, dist, f"another package already uses the plugin name '{ep.name}'"
                )
            )
            continue
        try:
            plugin = ep.load()
            pm.register(plugin, name=ep.name)
        except Exception as exc:  # a broken plugin must not break zoo
            if os.environ.get("ZOO_DEBUG"):
                traceback.print_exc()
            host.failures.append(PluginFailure(ep.name, dist, one_line(exc)))
            continue
        try:
            pm.check_pending()
        except pluggy.PluginValidationError as exc:
            pm.unregister(name=ep.name)
            host.failures.append(PluginFailure(ep.name, dist, one_line(exc)))
            continue
        hooks = tuple(sorted(h.name for h in pm.get_hookcallers(plugin) or []))
        host.loaded.append(PluginInfo(ep.name, dist, version, hooks))
    if allowed:
        known = {
            n
            for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
            for n in (ep.name, ep.dist.name if ep.dist else "?")
        }
        for name in sorted(allowed - known):
            host.failures.append(
                PluginFailure(
                    name,
                    "?",
                    f"ZOO_LOAD_PLUGINS names '{name}', which is no installed zoo "
                    "plugin package or entry point (see `pip list`)",
                )
            )
    if os.environ.get("ZOO_TRACE_PLUGINS"):
        pm.trace.root.setwriter(lambda msg: print(msg, end=""))
        pm.enable_tracing()
    return host


def build_registry(host: PluginHost) -> Registry:
    """Call the register hooks of every loaded plugin, one plugin at a time, so the
    registry records which package provided each entry and a hook that raises is
    reported rather than fatal."""
    registry = Registry()
    registry.failures = host.failures  # the same list: later failures show too
    for kind in ("model", "dataset", "visualizer", "metric", "tracker"):
        _call_each(
            host,
            f"register_{kind}s",
            lambda info, kind=kind: {"register": registry.registrar(kind, info.package)},
        )
    _call_each(
        host,
        "register_pretrained",
        lambda info: {"register": registry.pretrained_registrar(info.package)},
    )
    return registry


def register_commands(host: PluginHost, cli) -> None:
    """Let each plugin add its commands, one plugin at a time; a failure is recorded in
    ``host.failures`` (shown by ``zoo plugins``) and the other plugins' commands load."""
    _call_each(host, "register_commands", lambda info: {"cli": cli})


def _call_each(host: PluginHost, hook: str, arguments) -> None:
    """Call ``hook`` of each loaded plugin that implements it, alone, with
    ``arguments(info)``; one that raises is recorded in ``host.failures``."""
    plugins = {info.name: host.pm.get_plugin(info.name) for info in host.loaded}
    for info in list(host.loaded):
        if hook not in info.hooks:
            continue
        others = [p for n, p in plugins.items() if n != info.name]
        try:
            host.pm.subset_hook_caller(hook, remove_plugins=others)(**arguments(info))
        except Exception as exc:
            host.failures.append(
                PluginFailure(info.name, info.package, f"{hook} failed: {one_line(exc)}")
            )


def run_path(text) -> str:
    """A run argument as a folder: a ``SCHEME:NAME`` reference resolved by the plugin that
    knows the scheme (:func:`zoo_core.hookspecs.resolve_run`), anything else as given."""
    import re

    if not re.match(r"^[a-z][a-z0-9_]*:[^/\\]", str(text)) or os.path.exists(str(text)):
        return text
    found = get_host().pm.hook.resolve_run(reference=str(text))
    if found is None:
        raise UsageError(
            f"no installed plugin resolves {str(text)!r} "
            f"('{str(text).split(':')[0]}:' references); is it a run folder?"
        )
    return str(found)


def where_raised(exc: BaseException) -> str:
    """Where an unexpected error came from, for its one-line message: the innermost frame
    in a loaded plugin's code (``plugin NAME from PACKAGE, FILE:LINE``), else the
    innermost frame."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "where is not known"
    roots = {}
    for info in _host.loaded if _host is not None else []:
        file = getattr(_host.pm.get_plugin(info.name), "__file__", None) or ""
        if file:
            roots[os.path.dirname(file) if file.endswith("__init__.py") else file] = info
    for frame in reversed(frames):
        for root, info in roots.items():
            if frame.filename == root or frame.filename.startswith(root + os.sep):
                return (
                    f"in plugin {info.name} from {info.package}, "
                    f"{os.path.basename(frame.filename)}:{frame.lineno}"
                )
    return f"at {os.path.basename(frames[-1].filename)}:{frames[-1].lineno}"


_host: PluginHost | None = None


def get_host() -> PluginHost:
    """The process-wide plugin host, loaded on first use."""
    global _host
    if _host is None:
        _host = load_plugins()
    return _host


def get_registry() -> Registry:
    return get_host().registry


def reset() -> None:
    """Forget loaded plugins, so the next use reloads them (tests, ZOO_LOAD_PLUGINS)."""
    global _host
    _host = None
