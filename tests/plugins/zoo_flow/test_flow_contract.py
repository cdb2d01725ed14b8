"""RealNVP keeps the zoo's contract: one test per promise (``zoo_core.testing``)."""

from conftest import OnColourFolder, OnFashionMnist


class TestRealnvp(OnFashionMnist):
    model = "realnvp"
    sets = (
        "limit=128",
        "batch_size=64",
        "filters=8",
        "blocks=0",
        "scales=1",
        "couplings=1",
        "final_couplings=1",
    )
    progress = 2
    metric_sets = ("n=200", "subsets=5", "subset_size=100", "splits=2")
    viz_sets = ("n=4", "limit=128", "pairs=2", "steps=3")


class TestRealnvpOnColour(OnColourFolder):
    model = "realnvp"
    sets = (
        "batch_size=16",
        "filters=8",
        "blocks=0",
        "scales=1",
        "couplings=1",
        "final_couplings=1",
        *OnColourFolder.folder_sets,
    )
    progress = 2
    metric_sets = TestRealnvp.metric_sets
    viz_sets = TestRealnvp.viz_sets
