"""The sampling widgets come from each model's own declaration, never from a list per
family: a new sampling setting appears on the page as it is declared."""

from __future__ import annotations

import dataclasses
from typing import Literal

import pytest

from zoo_core import plugins


@pytest.mark.parametrize("name", ["ddpm", "flow_matching", "realnvp", "vae_2d", "dcgan"])
def test_every_sampling_setting_of_a_model_is_a_widget_with_its_declared_range(name):
    from zoo_demo.controls import controls

    cls = plugins.get_registry().resolve("model", name).entry.cls
    found = controls(cls.Settings(), cls.sampling_settings)
    assert [c.name for c in found] == list(cls.sampling_settings)
    for c, f in zip(found, [f for f in dataclasses.fields(cls.Settings) if f.name in
                            cls.sampling_settings]):  # fmt: skip
        assert (c.minimum, c.maximum) == (f.metadata.get("min"), f.metadata.get("max"))
        assert c.value == f.default


def test_a_literal_is_a_choice_and_two_bounds_make_a_slider():
    from zoo_demo.controls import controls, slider_step

    cls = plugins.get_registry().resolve("model", "ddpm").entry.cls
    by_name = {c.name: c for c in controls(cls.Settings(), cls.sampling_settings)}
    assert by_name["sampler"].kind == "choice" and "ddim" in by_name["sampler"].choices
    assert by_name["steps"].slider and slider_step(by_name["steps"]) == 1
    assert by_name["eta"].slider and slider_step(by_name["eta"]) == pytest.approx(0.01)


def test_a_new_models_declaration_is_read_as_it_is():
    from zoo_demo.controls import controls

    @dataclasses.dataclass(frozen=True)
    class Settings:
        width: int = 8
        mode: Literal["fast", "exact"] = "fast"
        noise: float = dataclasses.field(default=0.5, metadata={"min": 0.0, "sampling": True})
        clip: bool = dataclasses.field(default=False, metadata={"sampling": True})

    found = controls(Settings(), ("noise", "clip"))
    assert [(c.name, c.kind, c.slider) for c in found] == [
        ("noise", "float", False),
        ("clip", "bool", False),
    ]
