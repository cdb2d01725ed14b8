"""What every ``zoo`` command shares, the core's and the plugins' alike: the consoles, the
seed type, plain JSON, number cells, output-file checks, which flags the user typed, and
the *setting options* (``--env`` for the DQN) a plugin gives the run commands.

A plugin command imports these rather than copying them, so its output reads like the
core's::

    from zoo_core.cli.output import err, out, print_json, fmt
"""

from __future__ import annotations

import json
import os

import click
from rich.console import Console

err = Console(stderr=True, highlight=False)
out = Console(highlight=False, soft_wrap=True)


class _Seed(click.ParamType):
    """``--seed``: a whole number, held to :func:`zoo_core.run.request.check_seed`."""

    name = "integer"

    def convert(self, value, param, ctx):
        from zoo_core.errors import UsageError
        from zoo_core.run.request import check_seed

        try:
            return check_seed(int(value) if isinstance(value, str) else value, "the seed")
        except ValueError:
            self.fail(f"{value!r} is not a whole number", param, ctx)
        except UsageError as exc:
            self.fail(str(exc), param, ctx)


SEED = _Seed()


def print_json(obj) -> None:
    click.echo(json.dumps(obj, indent=2, default=str))


def fmt(v) -> str:
    """A table cell: four decimals for numbers, ``mean ± std`` for a seed group's."""
    if isinstance(v, dict) and "mean" in v:
        return f"{fmt(float(v['mean']))} ± {fmt(float(v['std']))}"
    if isinstance(v, float):
        return f"{v:.4f}" if abs(v) < 1e5 else f"{v:.4g}"
    return "-" if v is None else str(v)


def check_output_file(path, suffixes) -> None:
    """Refuse, before any work, a figure path matplotlib cannot write."""
    if path is None:
        return
    from pathlib import Path

    from zoo_core.errors import UsageError

    p = Path(path)
    if p.suffix.lower() not in suffixes:
        raise UsageError(f"cannot write {p}: give a file ending in {', '.join(suffixes)}")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"cannot write {p}: the folder {parent} does not exist")
    if not os.access(parent, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise UsageError(f"cannot write {p}: permission denied; choose another path")


def given_flags(ctx: click.Context) -> set[str]:
    """The parameters the user typed (not left at their defaults)."""
    from click.core import ParameterSource

    return {
        name
        for name in ctx.params
        if ctx.get_parameter_source(name)
        not in (None, ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP)
    }


def terminate_as_interrupt() -> None:
    """SIGTERM (a scheduler, `kill`) stops a run the way Ctrl-C does: checkpoints kept, the
    run marked interrupted, `--resume` possible (:mod:`zoo_core.stop_signals`)."""
    from zoo_core import stop_signals

    stop_signals.install()


# -- setting options: a model setting as a flag of the run commands -------------------------
_SETTING_OPTIONS: dict[str, str] = {}


def add_setting_option(name: str, help: str) -> None:
    """Give ``zoo run`` (and every command marked :func:`takes_setting_options`) a flag
    ``--NAME`` that sets the model setting ``NAME``, as ``--epochs`` sets ``epochs``. Call
    it from a plugin's ``register_commands`` hook; a model without the setting refuses the
    flag with its list of settings."""
    _SETTING_OPTIONS[name] = help


def takes_setting_options(command: click.Command) -> click.Command:
    """Mark a command that accepts the plugins' setting options as ``**setting_flags``."""
    command.takes_setting_options = True
    return command


def attach_setting_options(group: click.Group) -> None:
    """Add (again) every registered setting option to the commands that take them."""
    for command in group.commands.values():
        if not getattr(command, "takes_setting_options", False):
            continue
        command.params = [p for p in command.params if not getattr(p, "setting_option", 0)]
        for name, text in _SETTING_OPTIONS.items():
            opt = click.Option([f"--{name.replace('_', '-')}", name], help=text)
            opt.setting_option = True
            command.params.append(opt)


def reset_setting_options() -> None:
    _SETTING_OPTIONS.clear()
