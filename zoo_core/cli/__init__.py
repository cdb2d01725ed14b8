"""The ``zoo`` command: :mod:`.main` (the group and the core's commands) and :mod:`.output`
(what every command, the plugins' included, shares)."""

from zoo_core.cli.group import registry
from zoo_core.cli.main import cli, main

__all__ = ["cli", "main", "registry"]
