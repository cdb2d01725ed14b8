"""Every endpoint of the page, called through Gradio's own client against a server on a
loopback port: images of the right shape and range, the same seed the same images, and
each wrong request answered with its one-line message."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

gradio_client = pytest.importorskip("gradio_client", reason="the page needs the demo extra")


@pytest.fixture(scope="module")
def client(served):
    page, _, _ = served
    return gradio_client.Client(page.local_url, verbose=False)


def picture(path) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(path))


def refused(client, *args, api_name) -> str:
    with pytest.raises(gradio_client.exceptions.AppError) as caught:
        client.predict(*args, api_name=api_name)
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def test_the_page_publishes_one_endpoint_per_action(client):
    named = set(client.view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert named == {
        "/sample", "/decode", "/interpolate", "/figure", "/runs", "/leaderboard", "/run",
        "/compare",
    }  # fmt: skip


def test_sample_returns_a_grid_and_the_images_in_0_1_the_same_for_the_same_seed(client):
    grid, npz, message = client.predict("pretrained:vae_2d", 6, 3, "", {}, api_name="/sample")
    images = np.load(npz)["images"]
    assert images.shape == (6, 28, 28, 1) and images.dtype == np.float32
    assert 0.0 <= images.min() and images.max() <= 1.0 and images.std() > 0.01
    shown = picture(grid)
    cols = 4  # at least four columns, so a few images are not one tall strip
    cell = shown.shape[1] // cols
    assert shown.shape[:2] == (math.ceil(6 / cols) * cell, cols * cell) and cell % 28 == 0
    assert message.startswith("6 images in ") and "(server)" in message
    again = np.load(client.predict("pretrained:vae_2d", 6, 3, "", {}, api_name="/sample")[1])
    np.testing.assert_array_equal(again["images"], images)
    other = np.load(client.predict("pretrained:vae_2d", 6, 4, "", {}, api_name="/sample")[1])
    assert not np.array_equal(other["images"], images)


def test_a_models_sampling_settings_are_taken_and_checked_as_the_cli_checks_them(client):
    _, npz, message = client.predict(
        "pretrained:realnvp", 2, 0, "", {"temperature": 0.5}, api_name="/sample"
    )
    cooler = np.load(npz)["images"]
    assert cooler.shape == (2, 28, 28, 1) and "temperature=0.5" in message
    _, npz, _ = client.predict("pretrained:realnvp", 2, 0, "", {}, api_name="/sample")
    assert not np.array_equal(np.load(npz)["images"], cooler)  # the setting was used
    says = refused(client, "pretrained:realnvp", 2, 0, "", {"temperature": 5}, api_name="/sample")
    assert "'temperature' must be <= 2" in says
    says = refused(client, "pretrained:realnvp", 2, 0, "", {"scales": 3}, api_name="/sample")
    assert "no sampling option 'scales'" in says
    says = refused(client, "pretrained:vae_2d", 2, 0, "", {"steps": 3}, api_name="/sample")
    assert "no sampling option 'steps'" in says


def test_more_than_the_bound_or_no_images_are_refused(client):
    assert "256" in refused(client, "pretrained:vae_2d", 257, 0, "", {}, api_name="/sample")
    assert refused(client, "pretrained:vae_2d", 0, 0, "", {}, api_name="/sample")


def test_a_conditional_model_samples_the_class_asked_for_and_refuses_an_unknown_one(client):
    _, npz, _ = client.predict("pretrained:cvae_2d", 3, 0, "Trouser", {}, api_name="/sample")
    assert np.load(npz)["images"].shape == (3, 28, 28, 1)
    assert "Trouser" in refused(client, "pretrained:cvae_2d", 3, 0, "Trousers", {},
                                api_name="/sample")  # fmt: skip


@pytest.mark.parametrize(
    "reference, says",
    [
        ("../../etc", "leaves the root"),
        ("/etc/passwd", "absolute path"),
        ("pretrained:dcgan", "was not named"),
        ("escape", "leads out of the root"),
    ],
)
def test_a_path_outside_the_root_is_refused_by_every_endpoint(served, client, reference, says):
    _, _, root = served
    if reference == "escape" and not (root / "escape").exists():
        (root / "escape").symlink_to(root.parent)
    assert says in refused(client, reference, 2, 0, "", {}, api_name="/sample")
    assert says in refused(client, reference, "", [0.0, 0.0], api_name="/decode")
    assert says in refused(client, reference, api_name="/run")
    assert says in refused(client, "pretrained:vae_2d", reference, api_name="/compare")


def test_decode_answers_a_latent_point_with_its_image_and_refuses_a_wrong_one(client):
    image, took = client.predict("pretrained:vae_2d", "", [0.5, -1.0], api_name="/decode")
    shown = picture(image)
    assert shown.shape[0] == shown.shape[1] and shown.shape[0] % 28 == 0
    assert took.startswith("decoded in ") and took.endswith(" ms (server)")
    other = picture(client.predict("pretrained:vae_2d", "", [-2.0, 2.0], api_name="/decode")[0])
    assert not np.array_equal(other, shown)
    assert "2 values" in refused(client, "pretrained:vae_2d", "", [1.0], api_name="/decode")
    huge = refused(client, "pretrained:vae_2d", "", [1e39, 0.0], api_name="/decode")
    assert "finite" in huge
    assert "is 2 numbers" in refused(client, "pretrained:vae_2d", "", ["a", 0], api_name="/decode")
    says = refused(client, "pretrained:realnvp", "", [0.0] * 10, api_name="/decode")
    assert "'realnvp' has 784 values; got 10" in says


def test_interpolation_is_a_strip_from_one_seed_to_the_other(client):
    strip = picture(client.predict("pretrained:vae_2d", "", 0, 1, 5, api_name="/interpolate"))
    cell = strip.shape[0]
    assert strip.shape[1] == 5 * cell
    ends = np.load(client.predict("pretrained:vae_2d", 1, 0, "", {}, api_name="/sample")[1])
    assert ends["images"].shape == (1, 28, 28, 1)  # the strip starts at seed 0's sample
    first = strip[:cell, :cell].astype("float32") / 255
    small = first[:: cell // 28, :: cell // 28][:28, :28]
    np.testing.assert_allclose(small, ends["images"][0, ..., 0], atol=1 / 255 + 1e-6)


def test_a_figure_of_the_model_is_drawn_and_one_that_does_not_apply_is_refused(client):
    drawn = client.predict("pretrained:vae_2d", "manifold", api_name="/figure")
    assert drawn and "plot" in str(drawn)
    says = refused(client, "pretrained:realnvp", "manifold", api_name="/figure")
    assert "does not apply" in says  # a flow's latent is image-shaped, not a plane


def test_the_runs_tables_list_what_the_page_offers(client):
    runs = client.predict(api_name="/runs")
    assert [row[0] for row in runs["data"]] == [
        "pretrained:vae_2d", "pretrained:cvae_2d", "pretrained:realnvp"
    ]  # fmt: skip
    board = client.predict(api_name="/leaderboard")
    assert "fid" in board["headers"] and len(board["data"]) == 3


def test_a_run_page_and_two_runs_side_by_side(served, client):
    config, numbers, curves, figures, card = client.predict("pretrained:vae_2d", api_name="/run")
    assert config["model"]["name"] == "vae_2d"
    assert "fid" in numbers["evaluations"]
    assert curves["columns"] == ["epoch", "metric", "value"]
    epochs = {row[0] for row in curves["data"]}
    assert epochs == set(range(1, config["model"]["settings"]["epochs"] + 1))
    assert [f["caption"] for f in figures] == ["samples.png"]
    assert (
        picture(figures[0]["image"]).shape[:2]
        == picture(Path(served[1].resolve("pretrained:vae_2d")) / "samples.png").shape[:2]
    )
    assert card.startswith("# vae_2d") and "license:" not in card  # the hub's metadata left out
    table, _ = client.predict("pretrained:vae_2d", "pretrained:cvae_2d", api_name="/compare")
    rows = {row[0]: row[1:] for row in table["data"]}
    assert rows["model"] == ["vae_2d", "cvae_2d"]
    same = refused(client, "pretrained:vae_2d", "pretrained:vae_2d", api_name="/compare")
    assert "two different runs" in same
