"""The ``zoo demo`` command: serve the page (:mod:`zoo_demo.page`) on this machine."""

from __future__ import annotations

import ipaddress
import os

import click

from zoo_core.cli.output import err
from zoo_core.errors import UsageError, ZooError

LOOPBACK = "127.0.0.1"


def is_loopback(host: str) -> bool:
    """``localhost`` or an address in 127.0.0.0/8 or ::1."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def shipped() -> list[str]:
    """Every shipped model that draws images, as ``pretrained:NAME`` (what the page offers
    beside the root's runs when no run is named)."""
    from zoo_core import DECODE, SAMPLE, plugins
    from zoo_core.pretrained import listing

    reg = plugins.get_registry()
    out = []
    for row in listing(reg):
        try:
            cls = reg.resolve("model", row["model"]).entry.cls
        except ZooError:  # a package of a model no longer installed
            continue
        if {SAMPLE, DECODE} & set(cls.capabilities):
            out.append(f"pretrained:{row['name']}")
    return out


def start(lib, host: str = LOOPBACK, port: int | None = None, *, block: bool = True):
    """Build the page for ``lib`` and serve it; returns the running ``gr.Blocks`` (with
    ``block=False``, for tests and notebooks: ``page.close()`` stops it)."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # nothing leaves the machine
    from zoo_demo.page import build

    page = build(lib)
    page.zoo_library = lib  # what it serves, for a caller that drives it (tests, benchmarks)
    page.queue(default_concurrency_limit=1)
    page.launch(
        server_name=host,
        server_port=port,
        prevent_thread_lock=not block,
        quiet=True,
        show_error=True,
        ssr_mode=False,
        footer_links=["api"],
    )
    return page


@click.command()
@click.argument("runs", nargs=-1, metavar="[RUN|pretrained:NAME]...")
@click.option(
    "--root",
    default="runs",
    show_default=True,
    help="Runs under this folder are offered (and nothing outside it but the named ones).",
)
@click.option(
    "--port", type=click.IntRange(1, 65535), help="Port (default: 7860 or the next free)."
)
@click.option(
    "--host",
    default=LOOPBACK,
    show_default=True,
    help="Address to serve on; another than loopback lets anyone who reaches it run models.",
)
@click.option(
    "--cache",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="Models kept loaded at once (least recently used leave first).",
)
def demo(runs, root, port, host, cache):
    """A page to look at models: sample with every sampling setting, drag through a latent
    space, browse and compare runs. Offered: the RUNs named (default: every shipped model
    that draws images) and the runs under --root."""
    try:
        import gradio  # noqa: F401
    except ImportError:
        raise UsageError("zoo demo needs Gradio: pip install 'zoo[demo]'") from None
    from zoo_demo.library import Library

    lib = Library(root, list(runs) or shipped(), cache_size=cache)
    if not is_loopback(host):
        err.print(
            f"warning: serving on {host}: anyone who can reach this address can run the models",
            soft_wrap=True,
        )
    n = len(lib.offered())
    err.print(f"offering {n} run{'' if n == 1 else 's'}; Ctrl-C stops the page", soft_wrap=True)
    page = start(lib, host, port, block=False)
    click.echo(page.local_url)
    try:
        page.block_thread()
    except KeyboardInterrupt:
        pass
    finally:
        page.close()
