"""DDPM, flow matching and their conditional variants keep the zoo's contract: one test per promise
(``zoo_core.testing``), on Fashion-MNIST and on a 32x32 colour folder."""

import pytest
from conftest import OnColourFolder, OnFashionMnist

#: ``model.``: an image folder has a ``channels`` setting of its own
TINY = ("model.channels=8", "timesteps=20", "steps=4", "attention=false")
TINY_FLOW = ("model.channels=8", "steps=4", "attention=false")


class TinyDiffusion:
    progress = 2
    metric_sets = ("n=200", "subsets=5", "subset_size=100", "splits=2")
    viz_sets = ("n=4", "columns=3", "steps=2,30", "fid_samples=50")


class TestDdpm(TinyDiffusion, OnFashionMnist):
    model = "ddpm"
    sets = ("limit=128", "batch_size=64", *TINY)


class TestDdpmCond(TinyDiffusion, OnFashionMnist):
    model = "ddpm_cond"
    sets = ("limit=128", "batch_size=64", *TINY)


@pytest.mark.slow  # make test-all: the family's other member runs on colour in make test
class TestDdpmOnColour(TinyDiffusion, OnColourFolder):
    model = "ddpm"
    sets = ("batch_size=16", *TINY, *OnColourFolder.folder_sets)


class TestDdpmCondOnColour(TinyDiffusion, OnColourFolder):
    model = "ddpm_cond"
    sets = ("batch_size=16", *TINY, *OnColourFolder.folder_sets)


class TestFlowMatching(TinyDiffusion, OnFashionMnist):
    model = "flow_matching"
    sets = ("limit=128", "batch_size=64", *TINY_FLOW)


class TestFlowMatchingCond(TinyDiffusion, OnFashionMnist):
    model = "flow_matching_cond"
    sets = ("limit=128", "batch_size=64", *TINY_FLOW)


class TestFlowMatchingOnColour(TinyDiffusion, OnColourFolder):
    model = "flow_matching"
    sets = ("batch_size=16", *TINY_FLOW, *OnColourFolder.folder_sets)
