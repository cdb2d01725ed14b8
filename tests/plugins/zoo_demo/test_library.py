"""What the page may open: the named runs and the runs under its root, nothing else; and the
models it keeps loaded, at most ``--cache`` of them."""

from __future__ import annotations

import json
import os

import pytest

from zoo_core.errors import UsageError, ZooError


def fake_run(folder, model="vae_2d"):
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"model": {"name": model, "settings": {}}}))
    return folder


@pytest.fixture
def lib(tmp_path):
    from zoo_demo.library import Library

    root = tmp_path / "runs"
    fake_run(root / "mine")
    fake_run(tmp_path / "outside")
    os.symlink(tmp_path / "outside", root / "link-out")
    return Library(root, ["pretrained:vae_2d"])


def test_the_page_offers_the_named_runs_and_the_runs_under_its_root_and_no_link_out(lib):
    refs = [o.reference for o in lib.offered()]
    assert refs == ["pretrained:vae_2d", "mine"]


@pytest.mark.parametrize(
    "reference, says",
    [
        ("../outside", "leaves the root"),
        ("mine/../../outside", "leaves the root"),
        ("/etc", "absolute path"),
        ("C:\\runs\\x", "absolute path"),
        ("link-out", "leads out of the root"),
        ("pretrained:dcgan", "was not named"),
        ("nothing-here", "is not a run under the root"),
        ("", "choose a model"),
        (None, "choose a model"),
    ],
)
def test_a_reference_outside_what_was_offered_is_refused_in_one_line(lib, reference, says):
    with pytest.raises(ZooError) as caught:
        lib.resolve(reference)
    assert says in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_run_under_the_root_and_a_named_one_resolve_to_their_folders(lib):
    assert lib.resolve("mine") == lib.root / "mine"
    assert (lib.resolve("pretrained:vae_2d") / "pretrained.json").is_file()


def test_models_stay_loaded_up_to_the_cache_size_least_recently_used_leaving_first(tmp_path):
    from zoo_demo.library import Library

    lib = Library(tmp_path, ["pretrained:vae_2d", "pretrained:cvae_2d"], cache_size=1)
    first = lib.run("pretrained:vae_2d")
    assert lib.run("pretrained:vae_2d") is first  # kept, not loaded again
    lib.run("pretrained:cvae_2d")
    assert lib.loaded() == ["pretrained:cvae_2d"]
    assert lib.run("pretrained:vae_2d") is not first  # it had left; loaded anew


def test_a_cache_of_no_models_and_a_named_folder_that_is_no_run_are_refused(tmp_path):
    from zoo_demo.library import Library

    with pytest.raises(UsageError, match="--cache must be at least 1"):
        Library(tmp_path, [], cache_size=0)
    with pytest.raises(ZooError, match="is not a run folder"):
        Library(tmp_path, [str(tmp_path)])


def test_a_runs_page_shows_its_own_pictures_and_not_a_link_out_of_it(tmp_path):
    from zoo_demo.runs import figures_in

    run = fake_run(tmp_path / "runs" / "mine")
    (run / "figures").mkdir()
    (run / "samples.png").write_bytes(b"png")
    (run / "figures" / "manifold.png").write_bytes(b"png")
    (tmp_path / "secret.png").write_bytes(b"png")
    os.symlink(tmp_path / "secret.png", run / "figures" / "zz-link.png")
    assert figures_in(run) == [str(run / "samples.png"), str(run / "figures" / "manifold.png")]
