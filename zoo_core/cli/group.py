"""The ``zoo`` command group: plugin commands added from the plugin host in use, and every
:class:`~zoo_core.errors.ZooError` turned into one line and its exit code, in one place."""

from __future__ import annotations

import os

import click

from zoo_core import plugins
from zoo_core.cli.output import attach_setting_options, err, reset_setting_options
from zoo_core.errors import ZooError, one_line, os_error_message


class ZooCliError(click.ClickException):
    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


class ZooGroup(click.Group):
    """Turns :class:`ZooError` into a one-line message and its exit code, and adds the
    plugins' commands (and setting options) from the plugin host in use."""

    _host = None
    _added: set[str] = set()

    def plugin_commands(self) -> None:
        host = plugins.get_host()
        if self._host is host:
            return
        for name in self._added:
            self.commands.pop(name, None)
        before = set(self.commands)
        reset_setting_options()
        plugins.register_commands(host, self)
        self._added = set(self.commands) - before
        attach_setting_options(self)
        self._host = host

    def main(self, *args, **kwargs):  # every way in (the shell, tests, completion)
        self.plugin_commands()
        return super().main(*args, **kwargs)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ZooError as exc:
            raise ZooCliError(str(exc), exc.exit_code) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            if os.environ.get("ZOO_DEBUG"):
                raise
            if isinstance(exc, OSError):  # a path the system refused: full disk, no access
                raise ZooCliError(os_error_message(exc), 1) from None
            # a bug, most often a plugin's: one line saying where
            raise ZooCliError(
                f"unexpected {one_line(exc)} ({plugins.where_raised(exc)}); "
                "ZOO_DEBUG=1 shows the traceback",
                1,
            ) from None


def registry():
    return plugins.get_registry()


def warn_conflicts(reg):
    for (kind, name), pkgs in reg.conflicts.items():
        err.print(
            f"[yellow]warning:[/] {kind} '{name}' is registered by "
            f"{' and '.join(sorted(pkgs))}; it cannot be used until one is removed"
        )
