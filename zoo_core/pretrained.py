"""Shipped trained runs, as the contract knows them: a package registers a folder under a
name (:func:`zoo_core.hookspecs.register_pretrained`); its ``pretrained.json`` (written by
``zoo pretrained pack``) says what it is and how it was trained. Opening, checking and
caching one is the ``zoo_pretrained`` plugin's job (the ``resolve_run`` hook)."""

from __future__ import annotations

import json
from pathlib import Path

PREFIX = "pretrained:"
MANIFEST = "pretrained.json"


def listing(registry) -> list[dict]:
    """Every registered pretrained run with what its ``pretrained.json`` says (not
    checked here: opening one checks it)."""
    rows = []
    for name, entry in sorted(registry.pretrained.items()):
        folder = Path(entry.folder)
        try:
            manifest = json.loads((folder / MANIFEST).read_text())
        except (OSError, ValueError):
            manifest = {}
        size = (
            sum(p.stat().st_size for p in folder.iterdir() if p.is_file()) if folder.is_dir() else 0
        )
        rows.append(
            {
                "name": name,
                "reference": PREFIX + name,
                "package": entry.package,
                "folder": str(folder),
                "bytes": size,
                "model": manifest.get("model"),
                "dataset": manifest.get("dataset"),
                "summary": manifest.get("summary", entry.summary),
                "trained": manifest.get("trained", {}),
                "recorded": manifest.get("recorded", {}),
                "checks": manifest.get("checks", []),
            }
        )
    return rows
