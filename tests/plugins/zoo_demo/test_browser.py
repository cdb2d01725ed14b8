"""The page in a real headless Chromium (Debian's ``chromium``, driven by Playwright): it
loads, a latent slider moves, the decoded image changes. Skipped, with the reason, only
where Chromium or Playwright is not installed (``make test`` installs both)."""

from __future__ import annotations

import shutil

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser():
    sync = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    if not shutil.which("chromium"):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    with sync.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield b
        b.close()


def test_moving_a_latent_slider_changes_the_decoded_image(served, browser, tmp_path):
    page, _, _ = served
    tab = browser.new_page(viewport={"width": 1280, "height": 900})
    tab.goto(page.local_url)
    tab.get_by_role("tab", name="Explore").click()
    image = tab.locator("#decoded img")
    image.wait_for(timeout=60_000)
    before = image.get_attribute("src")
    assert "/gradio_api/file=" in before
    assert tab.locator("#z0 input[type=range]").is_visible()
    assert not tab.locator("#z2 input[type=range]").is_visible()  # vae_2d: two sliders

    tab.locator("#z0 input[type=range]").fill("2.5")
    tab.wait_for_function(
        "s => document.querySelector('#decoded img').getAttribute('src') !== s",
        arg=before,
        timeout=30_000,
    )
    assert tab.locator("#z0 input[type=number]").input_value() == "2.5"
    shot = tab.screenshot(path=str(tmp_path / "explore.png"), full_page=False)
    assert shot[:8] == b"\x89PNG\r\n\x1a\n"
    assert tab.get_by_text("decoded in").is_visible()
    tab.close()


def test_a_click_on_the_2d_latent_space_decodes_the_point_under_it(served, browser):
    page, _, _ = served
    tab = browser.new_page(viewport={"width": 1280, "height": 900})
    tab.goto(page.local_url)
    tab.get_by_role("tab", name="Explore").click()
    the_map = tab.locator("#manifold img")  # vae_2d: 15 x 15 cells over [-3, 3]^2
    the_map.wait_for(timeout=60_000)
    tab.locator("#decoded img").wait_for(timeout=60_000)
    before = tab.locator("#decoded img").get_attribute("src")
    box = the_map.bounding_box()
    # the middle of the top-right cell: z = (3, 3)
    the_map.click(position={"x": box["width"] * 14.5 / 15, "y": box["height"] * 0.5 / 15})
    tab.wait_for_function(
        "s => document.querySelector('#decoded img').getAttribute('src') !== s",
        arg=before,
        timeout=30_000,
    )
    z = [float(tab.locator(f"#z{i} input[type=number]").input_value()) for i in (0, 1)]
    assert z == pytest.approx([3.0, 3.0], abs=0.05)
    tab.close()


def test_an_error_is_shown_in_the_page_as_its_message(served, browser):
    page, _, _ = served
    tab = browser.new_page()
    tab.goto(page.local_url)
    tab.get_by_role("tab", name="Runs").click()
    tab.get_by_role("button", name="Compare").click()  # nothing chosen to compare
    toast = tab.get_by_text("choose two different runs to compare")
    toast.wait_for(timeout=30_000)
    assert "Traceback" not in tab.content()
    tab.close()
