"""RealNVP keeps the zoo's contract: one test per promise (``zoo_core.testing``), on
Fashion-MNIST and on a 32x32 colour folder."""

from conftest import OnColourFolder, OnFashionMnist

TINY = ("filters=8", "blocks=0", "scales=1", "couplings=1", "final_couplings=1")


class TinyRealnvp:
    model = "realnvp"
    progress = 2
    metric_sets = ("n=200", "subsets=5", "subset_size=100", "splits=2")
    viz_sets = ("n=4", "limit=128", "pairs=2", "steps=3")


class TestRealnvp(TinyRealnvp, OnFashionMnist):
    sets = ("limit=128", "batch_size=64", *TINY)


class TestRealnvpOnColour(TinyRealnvp, OnColourFolder):
    sets = ("batch_size=16", *TINY, *OnColourFolder.folder_sets)
