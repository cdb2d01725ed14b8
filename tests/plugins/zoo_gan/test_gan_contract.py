"""DCGAN and WGAN-GP keep the zoo's contract: one test per promise (``zoo_core.testing``),
on Fashion-MNIST and on a 32x32 colour folder."""

import pytest
from conftest import OnColourFolder, OnFashionMnist

TINY = ("latent_dim=16", "filters=8,16", "fid_samples=64")


@pytest.mark.slow  # make test-all: dcgan runs on colour in make test
class TestDcgan(OnFashionMnist):
    model = "dcgan"
    sets = ("limit=256", "batch_size=32", *TINY)


class TestWganGp(OnFashionMnist):
    model = "wgan_gp"
    fresh_process = False  # resumed here from the files alone (make test-all: fresh)
    sets = ("limit=256", "batch_size=16", *TINY)


class TestDcganOnColour(OnColourFolder):
    model = "dcgan"
    sets = ("batch_size=16", *TINY, *OnColourFolder.folder_sets)


@pytest.mark.slow  # make test-all: the family's other member runs on colour in make test
class TestWganGpOnColour(OnColourFolder):
    model = "wgan_gp"
    sets = ("batch_size=16", *TINY, *OnColourFolder.folder_sets)
