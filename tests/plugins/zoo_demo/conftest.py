"""A page served on a loopback port for the module's tests, over three shipped models (an
unconditional VAE, a conditional one, a diffusion model) and a root with one tiny run."""

from __future__ import annotations

import socket

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


NAMED = ["pretrained:vae_2d", "pretrained:cvae_2d", "pretrained:ddpm"]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """``(page, library, root)``: the page running on 127.0.0.1, stopped after the module."""
    pytest.importorskip("gradio", reason="the page needs the demo extra (gradio)")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ZOO_CACHE", str(tmp_path_factory.getbasetemp() / "zoo-cache"))
        from zoo_demo.command import start
        from zoo_demo.library import Library

        root = tmp_path_factory.mktemp("demo-root")
        lib = Library(root, NAMED, cache_size=2)
        page = start(lib, port=free_port(), block=False)
        try:
            yield page, lib, root
        finally:
            page.close()
