"""DDPM and its conditional variant keep the zoo's contract: one test per promise
(``zoo_core.testing``)."""

from conftest import OnColourFolder, OnFashionMnist


class TinyDiffusion(OnFashionMnist):
    sets = (
        "limit=128",
        "batch_size=64",
        "channels=8",
        "timesteps=20",
        "steps=4",
        "attention=false",
    )
    progress = 2
    metric_sets = ("n=200", "subsets=5", "subset_size=100", "splits=2")
    viz_sets = ("n=4", "columns=3", "steps=2,30", "fid_samples=50")


class TestDdpm(TinyDiffusion):
    model = "ddpm"


class TestDdpmCond(TinyDiffusion):
    model = "ddpm_cond"


class TinyDiffusionOnColour(OnColourFolder):
    sets = (
        "batch_size=16",
        "model.channels=8",
        "timesteps=20",
        "steps=4",
        "attention=false",
        *OnColourFolder.folder_sets,
    )
    progress = 2
    metric_sets = TinyDiffusion.metric_sets
    viz_sets = TinyDiffusion.viz_sets


class TestDdpmOnColour(TinyDiffusionOnColour):
    model = "ddpm"


class TestDdpmCondOnColour(TinyDiffusionOnColour):
    model = "ddpm_cond"
