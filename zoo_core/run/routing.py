"""Where each ``--set`` goes in a plan, and what a trained run lets change.

One rule for every command: a scoped key (``model.steps=10``, ``samples.n=8``) goes to the
plugin it names; an unscoped one to every plugin of the run that has it, or, where the
command names a role (``zoo viz``: its visualizers), to those of that role. On a trained
run (a request with ``saved`` settings), a model setting fixed at training may not change:
only the ones its Settings declare free at sampling (:mod:`zoo_core.settings`).
"""

from __future__ import annotations

from typing import Any

from zoo_core import settings as S
from zoo_core.errors import SettingsError

PlannedPlugin = Any  # zoo_core.run.plan.PlannedPlugin (which imports this module)


def route(
    assignments,
    components: list[tuple[PlannedPlugin, tuple[str, ...]]],
    given_from=0,
    reach: str | None = None,
):
    """Send each ``--set`` to the components it names or, unscoped, to all that have it
    (of the role ``reach`` only, when given: ``zoo viz``'s unscoped keys are its
    visualizers'). From index ``given_from`` on (the command line's, after a config
    file's), a setting reaching one component twice (``k=1`` and ``model.k=2``) is refused."""
    layers: dict[int, dict[str, str]] = {id(c): {} for c, _ in components}
    given: dict[int, dict[str, str]] = {id(c): {} for c, _ in components}
    for i, (scope, key, value) in enumerate(assignments):
        if scope is not None:
            targets = [c for c, scopes in components if scope in scopes]
            if not targets:
                names = sorted({s for _, scopes in components for s in scopes})
                raise SettingsError(
                    f"--set {scope}.{key}: '{scope}' is not part of this run; "
                    f"scopes: {', '.join(names)}"
                )
            for c in targets:
                if key not in S.field_names(c.cls.Settings):
                    raise SettingsError(
                        S.unknown_key_message(
                            key, S.field_names(c.cls.Settings), f"{c.role} '{c.name}'"
                        )
                    )
        else:
            near = [c for c, _ in components if reach is None or c.role == reach]
            targets = [c for c in near if key in S.field_names(c.cls.Settings)]
            if not targets:
                valid = sorted({f for c in near for f in S.field_names(c.cls.Settings)})
                where = "this run" if reach is None else f"the {reach}s"
                other = "" if reach is None else " (another plugin's: scope it, NAME.key=value)"
                model = [c for c, _ in components if c.role == "model"]
                if reach is not None and model and key in model[0].cls.sampling_settings:
                    other = f" (the model's sampling setting: model.{key}={value})"
                raise SettingsError(S.unknown_key_message(key, valid, where) + other)
        for c in targets:
            shown = f"{scope}.{key}={value}" if scope else f"{key}={value}"
            if i >= given_from and key in given[id(c)]:
                raise SettingsError(
                    f"--set {given[id(c)][key]} and --set {shown} both set "
                    f"{c.role} '{c.name}' setting '{key}'; give it once"
                )
            if i >= given_from:
                given[id(c)][key] = shown
            layers[id(c)][key] = value
    return layers


def check_trained(m: PlannedPlugin, trained: dict, given: dict, run: str | None = None) -> None:
    """On a trained run, refuse a model setting fixed at training (every one not declared
    free at sampling) given a value other than the one the run was trained with."""
    free, owner = m.cls.sampling_settings, f"model '{m.name}'"
    for key, value in given.items():
        if key in free or key not in trained:
            continue
        now = S.as_dict_value(S.convert(m.cls.Settings, key, value, owner))
        if now != S.as_dict_value(S.convert(m.cls.Settings, key, trained[key], owner)):
            shown = (
                ",".join(map(str, trained[key])) if isinstance(trained[key], list) else trained[key]
            )
            raise SettingsError(
                f"model '{m.name}' setting '{key}' is fixed at training: this run was trained "
                f"with {key}={shown}; at sampling only "
                f"{', '.join(free) or 'nothing'} may change (for another {key}, train a run "
                f"with it: `zoo run --like {run or 'RUN'} --set {key}=...`)"
            )
