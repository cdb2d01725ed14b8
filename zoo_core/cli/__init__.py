"""The ``zoo`` command: :mod:`.main` (the core's commands) and :mod:`.output` (what every
command, the plugins' included, shares)."""

from zoo_core.cli.main import cli, main, registry

__all__ = ["cli", "main", "registry"]
