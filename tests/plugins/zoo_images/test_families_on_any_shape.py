"""Every built-in family sizes itself from the data: 64x64 colour builds and samples that
shape; a size a family cannot take is refused at planning, before any folder exists, with
one line saying which sizes work. (The 28x28 grayscale and 32x32 colour folders are in
each family's contract classes: ``OnFashionMnist``, ``OnColourFolder``.)"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import write_colour_folder

from zoo_core import IncompatibleError, plugins
from zoo_core.run import plan as planner
from zoo_core.run import runner
from zoo_core.run.request import RunRequest

#: Small networks (the shape is what is checked, not the quality).
TINY = {
    "vae_2d": ("filters=4,8", "dense=8"),
    "cvae_2d": ("filters=4,8", "dense=8"),
    "beta_vae": ("filters=4,8", "dense=8"),
    "dcgan": ("latent_dim=8", "filters=8,16"),
    "wgan_gp": ("latent_dim=8", "filters=8,16"),
    "ddpm": ("model.channels=8,8", "attention=false"),
    "ddpm_cond": ("model.channels=8,8", "attention=false"),
    "flow_matching": ("model.channels=8,8", "attention=false"),
    "flow_matching_cond": ("model.channels=8,8", "attention=false"),
    "realnvp": ("filters=8", "blocks=0", "scales=2", "couplings=1", "final_couplings=1"),
}


def test_every_built_in_image_family_is_checked_here():
    registry = plugins.get_registry()
    unchecked = [
        e.name
        for e in registry.entries("model")
        if e.cls.source_setting is None
        and e.cls.__module__.split(".")[0] in {"zoo_vae", "zoo_gan", "zoo_diffusion", "zoo_flow"}
        and not ({e.name, *e.variants} & set(TINY))
    ]
    assert not unchecked


@pytest.fixture(scope="module")
def colour(tmp_path_factory):
    return write_colour_folder(tmp_path_factory.mktemp("colour"), per_class=3)


def request(model, folder, size, *extra):
    sets = (f"images.path={folder}", f"images.size={size}", *TINY[model], *extra)
    return RunRequest(model, dataset="images", visualizers=(), sets=sets, seed=0)


@pytest.mark.parametrize("model", sorted(TINY))
def test_a_family_builds_and_samples_64x64_colour(colour, model):
    plan = planner.plan(plugins.get_registry(), request(model, colour, 64))
    assert plan.data_spec.element_shape == (64, 64, 3)
    m, _ = runner.build(plan)
    m.steps_per_epoch = 1
    m._build_network(0)
    kw = {"steps": 3} if "steps" in m.sampling_settings else {}
    if m.data_spec.num_classes and "labels" in m.sample.__code__.co_varnames:
        kw["labels"] = np.array([0, 2], "int32")
    s = np.asarray(m.sample(2, seed=0, **kw))
    assert s.shape == (2, 64, 64, 3)
    assert 0.0 <= s.min() and s.max() <= 1.0


@pytest.mark.parametrize(
    ("model", "size", "extra", "works"),
    [
        ("vae_2d", 30, (), "divisible by 4"),
        ("dcgan", 30, (), "divisible by 4"),
        ("ddpm", 33, (), "divisible by 2"),
        ("flow_matching", 33, (), "divisible by 2"),
        ("realnvp", 30, (), "divisible by 4"),
    ],
)
def test_a_size_a_family_cannot_take_is_refused_at_planning(
    colour, tmp_path, model, size, extra, works
):
    with pytest.raises(IncompatibleError, match=works) as info:
        planner.plan(plugins.get_registry(), request(model, colour, size, *extra))
    assert "\n" not in str(info.value)
    assert f"({size}, {size}, 3)" in str(info.value)
    assert not any(tmp_path.iterdir())  # nothing was created


@pytest.mark.parametrize(
    ("classes", "message"),
    [
        ((), r"at least 2 classes.*no class names.*sub-folder"),
        (("only",), r"at least 2 classes.*has 1"),
    ],
    ids=["flat", "one-class"],
)
def test_a_conditional_model_refuses_a_folder_without_two_classes(tmp_path, classes, message):
    from PIL import Image

    for name in classes or ("",):
        (tmp_path / "f" / name).mkdir(parents=True, exist_ok=True)
        for i in range(3):
            Image.new("RGB", (8, 8), (i * 80, 0, 0)).save(tmp_path / "f" / name / f"{i}.png")
    req = RunRequest(
        "cvae_2d", dataset="images", visualizers=(), sets=(f"images.path={tmp_path / 'f'}",)
    )
    with pytest.raises(IncompatibleError, match=message) as info:
        planner.plan(plugins.get_registry(), req)
    assert "\n" not in str(info.value)
