"""The VAE family keeps the zoo's contract: one test per promise (``zoo_core.testing``),
on Fashion-MNIST and on a 32x32 colour folder."""

import pytest
from conftest import OnColourFolder, OnFashionMnist


@pytest.mark.slow  # make test-all: vae_2d runs on colour in make test (and end to end in test_vae)
class TestVae2d(OnFashionMnist):
    model = "vae_2d"
    sets = ("limit=256", "batch_size=64")


class TestCvae2d(OnFashionMnist):
    model = "cvae_2d"
    fresh_process = False  # resumed here from the files alone; TestVae2dOnColour: fresh
    sets = ("limit=256", "batch_size=64")


class TestVae2dOnColour(OnColourFolder):
    model = "vae_2d"
    sets = ("batch_size=16", *OnColourFolder.folder_sets)


@pytest.mark.slow  # make test-all: the family's other member runs on colour in make test
class TestCvae2dOnColour(OnColourFolder):
    model = "cvae_2d"
    sets = ("batch_size=16", *OnColourFolder.folder_sets)


@pytest.mark.slow  # make test-all: the family's other member runs on colour in make test
class TestBetaVaeOnColour(OnColourFolder):
    model = "beta_vae"
    sets = ("batch_size=16", *OnColourFolder.folder_sets)
