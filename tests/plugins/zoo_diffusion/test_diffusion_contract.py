"""DDPM, flow matching and their conditional variants keep the zoo's contract: one test per
promise (``zoo_core.testing``), on Fashion-MNIST and on a 32x32 colour folder. ``make test``
runs the family's two networks once each, ``ddpm`` (noise, unconditional, on Fashion-MNIST)
and ``flow_matching_cond`` (velocity, guided, on the labelled colour folder);
``make test-all`` runs every model on both. They resume in this process, from the run's
files alone (the kit's fresh-process resume is checked on its stub families and on the
other families' models)."""

import pytest
from conftest import OnColourFolder, OnFashionMnist

#: ``model.``: an image folder has a ``channels`` setting of its own
TINY = ("model.channels=8", "timesteps=20", "steps=4", "attention=false")
TINY_FLOW = ("model.channels=8", "steps=4", "attention=false")


class TinyDiffusion:
    fresh_process = False
    progress = 2
    metric_sets = ("n=200", "subsets=5", "subset_size=100", "splits=2")
    viz_sets = ("n=4", "columns=3", "steps=3,30", "fid_samples=50")


class TestDdpm(TinyDiffusion, OnFashionMnist):
    model = "ddpm"
    sets = ("limit=128", "batch_size=64", *TINY)


@pytest.mark.slow  # make test-all: make test runs ddpm on Fashion-MNIST
class TestDdpmCond(TinyDiffusion, OnFashionMnist):
    model = "ddpm_cond"
    sets = ("limit=128", "batch_size=64", *TINY)


@pytest.mark.slow  # make test-all: make test runs ddpm on Fashion-MNIST
class TestDdpmOnColour(TinyDiffusion, OnColourFolder):
    model = "ddpm"
    sets = ("batch_size=16", *TINY, *OnColourFolder.folder_sets)


@pytest.mark.slow  # make test-all: make test runs flow_matching_cond on the colour folder
class TestDdpmCondOnColour(TinyDiffusion, OnColourFolder):
    model = "ddpm_cond"
    sets = ("batch_size=16", *TINY, *OnColourFolder.folder_sets)


@pytest.mark.slow  # make test-all: make test runs ddpm on Fashion-MNIST
class TestFlowMatching(TinyDiffusion, OnFashionMnist):
    model = "flow_matching"
    sets = ("limit=128", "batch_size=64", *TINY_FLOW)


@pytest.mark.slow  # make test-all: make test runs flow_matching_cond on the colour folder
class TestFlowMatchingCond(TinyDiffusion, OnFashionMnist):
    model = "flow_matching_cond"
    sets = ("limit=128", "batch_size=64", *TINY_FLOW)


@pytest.mark.slow  # make test-all: make test runs flow_matching_cond on the colour folder
class TestFlowMatchingOnColour(TinyDiffusion, OnColourFolder):
    model = "flow_matching"
    sets = ("batch_size=16", *TINY_FLOW, *OnColourFolder.folder_sets)


class TestFlowMatchingCondOnColour(TinyDiffusion, OnColourFolder):
    model = "flow_matching_cond"
    sets = ("batch_size=16", *TINY_FLOW, *OnColourFolder.folder_sets)
