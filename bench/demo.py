"""Benchmark: how live ``zoo demo`` feels on this machine, and the screenshots of its tabs.

``latency`` serves the page on loopback over shipped models and measures, warm (each model's
first call, which traces its graph, is reported apart):

- a VAE's one-point decode, server time (what the page prints beside the image) and the
  round trip through ``gradio_client`` (the browser's path: queue, PNG, file URL);
- 16 samples of ``ddpm`` (DDIM) and ``flow_matching`` (Euler) at 10 steps: seconds and
  samples per second, server time and round trip.

Targets (issue: a page that feels live on 2 cores): decode under 50 ms server time; 16
samples at 10 steps under 1 s. ``screenshots OUT`` drives the page in headless Chromium
(Debian's, through Playwright) and writes one PNG per tab.

    python bench/demo.py latency --repeats 30
    python bench/demo.py screenshots docs/figures
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from benchlib import cpu_info, record, row  # noqa: E402

#: the first is what the Sample and Runs tabs open with; the Explore tab opens with the first
#: that decodes (vae_2d)
MODELS = ["pretrained:ddpm", "pretrained:vae_2d", "pretrained:flow_matching", "pretrained:cvae_2d"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(root="runs-none"):
    from zoo_demo.command import start
    from zoo_demo.library import Library

    return start(Library(root, MODELS, cache_size=4), port=free_port(), block=False)


def spread(values: list[float]) -> str:
    return f"min {min(values):.3g}, max {max(values):.3g}, n={len(values)}"


def latency(repeats: int) -> None:
    from gradio_client import Client

    from zoo_demo import actions

    page = serve()
    lib = page.zoo_library
    client = Client(page.local_url, verbose=False)
    rows = []

    start = time.perf_counter()
    actions.decode(lib, "pretrained:vae_2d", [0.0, 0.0])
    first = time.perf_counter() - start
    server, trip = [], []
    for i in range(repeats):
        z = [float(i % 7) / 2 - 1.5, 1.0 - float(i % 5) / 2]
        server.append(actions.decode(lib, "pretrained:vae_2d", z)[1])
        start = time.perf_counter()
        client.predict("pretrained:vae_2d", "", z, api_name="/decode")
        trip.append((time.perf_counter() - start) * 1000)
    print(f"vae_2d decode: first call (load + trace) {first:.2f} s")
    for name, values in (("server", server), ("round trip", trip)):
        med = statistics.median(values)
        print(f"vae_2d decode, one point, {name}: median {med:.1f} ms ({spread(values)})")
        rows.append(row(f"demo: VAE decode, {name}", f"{med:.1f} ms", spread=spread(values),
                        target="< 50 ms" if name == "server" else ""))  # fmt: skip

    for ref, options in (
        ("pretrained:ddpm", {"sampler": "ddim", "steps": 10}),
        ("pretrained:flow_matching", {"sampler": "euler", "steps": 10}),
    ):
        start = time.perf_counter()
        actions.sample(lib, ref, 16, 0, None, options)
        first = time.perf_counter() - start
        server, trip = [], []
        for i in range(max(3, repeats // 6)):
            start = time.perf_counter()
            actions.sample(lib, ref, 16, i, None, options)
            server.append(time.perf_counter() - start)
            start = time.perf_counter()
            client.predict(ref, 16, i, "", options, api_name="/sample")
            trip.append(time.perf_counter() - start)
        print(f"{ref} 16 samples at 10 steps: first call {first:.2f} s")
        for name, values in (("server", server), ("round trip", trip)):
            med = statistics.median(values)
            print(
                f"{ref} 16 samples at 10 steps ({options['sampler']}), {name}: median "
                f"{med:.2f} s = {16 / med:.0f} samples/s ({spread(values)})"
            )
            rows.append(
                row(
                    f"demo: 16 samples, {ref.split(':')[1]} {options['sampler']} 10 steps, {name}",
                    f"{med:.2f} s ({16 / med:.0f}/s)",
                    spread=spread(values),
                    target="< 1 s" if name == "server" else "",
                )
            )
    page.close()
    print(cpu_info())
    print("recorded in", record("demo", rows))


def screenshots(out: str) -> None:
    from pathlib import Path

    from playwright.sync_api import sync_playwright

    page = serve()
    out = Path(out)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
        tab = browser.new_page(viewport={"width": 1280, "height": 1100})
        tab.goto(page.local_url)

        # Sample: the diffusion model with its sampling settings, 10 DDIM steps
        tab.get_by_text("network evaluations per image").wait_for(timeout=60_000)
        tab.get_by_label("steps").last.fill("10")
        tab.keyboard.press("Enter")
        tab.get_by_role("button", name="Sample", exact=True).click()
        tab.get_by_text("16 images in").wait_for(timeout=120_000)
        tab.screenshot(path=str(out / "demo_sample.png"), full_page=True)

        tab.get_by_role("tab", name="Explore").click()
        image = tab.locator("#decoded img")
        image.wait_for(timeout=60_000)
        before = image.get_attribute("src")
        tab.locator("#z0 input[type=range]").fill("1.5")
        tab.wait_for_function(
            "s => document.querySelector('#decoded img').getAttribute('src') !== s", arg=before
        )
        tab.get_by_role("button", name="Interpolate", exact=True).click()
        tab.locator("#strip img").wait_for(timeout=60_000)
        tab.screenshot(path=str(out / "demo_explore.png"), full_page=True)

        tab.get_by_role("tab", name="Runs").click()
        tab.get_by_role("button", name="Open", exact=True).click()
        time.sleep(8.0)
        tab.screenshot(path=str(out / "demo_runs.png"))
        browser.close()
    page.close()
    print("wrote", *(out / f"demo_{t}.png" for t in ("sample", "explore", "runs")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    lat = sub.add_parser("latency")
    lat.add_argument("--repeats", type=int, default=30)
    shots = sub.add_parser("screenshots")
    shots.add_argument("out")
    args = parser.parse_args()
    if args.what == "latency":
        latency(args.repeats)
    else:
        screenshots(args.out)


if __name__ == "__main__":
    main()
