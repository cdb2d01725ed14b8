"""Where a run ran, as its ``config.json``, a model card or a benchmark records it: the
machine's CPU and the versions of Python and of every package zoo requires."""

from __future__ import annotations

import importlib.metadata
import os
import platform
from pathlib import Path


def cpu_model() -> str:
    """The machine, as a card or a benchmark names it: e.g. "AMD EPYC, 2 cores"."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return f"{line.split(':', 1)[1].strip()}, {os.cpu_count()} cores"
    except OSError:
        pass
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"


def package_versions() -> dict:
    """Python's version and those of zoo and every package it requires (from zoo's own
    metadata, so the list follows ``pyproject.toml``, never a list kept here)."""
    import re

    out = {"python": platform.python_version()}
    try:
        wanted = ["zoo"] + [
            re.split(r"[\s;<>=!~\[(]", r, maxsplit=1)[0]
            for r in importlib.metadata.requires("zoo") or []
            if "extra ==" not in r
        ]
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover (not installed)
        wanted = []
    for n in dict.fromkeys(wanted + ["tensorflow-cpu"]):
        try:
            out[n] = importlib.metadata.version(n)
        except importlib.metadata.PackageNotFoundError:
            pass
    return out
