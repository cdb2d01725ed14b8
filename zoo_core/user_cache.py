"""Where zoo keeps what it can make again (pretrained working copies, decoded image
folders, feature classifiers): ``$ZOO_CACHE``, else ``$XDG_CACHE_HOME/zoo``, else
``~/.cache/zoo``; and the SHA-256 of a file, read in blocks, that names or checks them."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def cache_root() -> Path:
    if os.environ.get("ZOO_CACHE"):
        return Path(os.environ["ZOO_CACHE"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "zoo"


def file_sha256(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def data_root() -> Path:
    """Where zoo keeps what a user installed and cannot make again (pretrained models added
    from archives): ``$ZOO_HOME``, else ``$XDG_DATA_HOME/zoo``, else ``~/.local/share/zoo``."""
    if os.environ.get("ZOO_HOME"):
        return Path(os.environ["ZOO_HOME"]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base).expanduser() / "zoo"
