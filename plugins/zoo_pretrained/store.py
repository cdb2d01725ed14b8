"""``pretrained:NAME``: a trained run a package ships, resolved (through the core's
``resolve_run`` hook) to a folder usable wherever a run folder is.

A shipped run is read-only (it may sit in site-packages, and its checksums must keep
meaning something), while ``zoo eval`` and ``zoo viz`` write into the run they open. So a
reference resolves to a working copy under the cache folder (``ZOO_CACHE``, else
``$XDG_CACHE_HOME/zoo``, else ``~/.cache/zoo``), made from the shipped files after every
one of them matched the SHA-256 recorded in its ``pretrained.json``; the copy's files are
checked against the same digests each time and restored from the package when they differ,
so a damaged or edited shipped file is refused by name and a damaged copy is repaired.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from zoo_core.errors import RunError, UnknownNameError
from zoo_core.pretrained import MANIFEST, PREFIX  # noqa: F401 (the package's own names)
from zoo_core.user_cache import cache_root
from zoo_core.user_cache import file_sha256 as sha256

#: files of the copy that grow as it is used (evaluations, figures): never restored
KEPT = ("metrics.json",)


def read_manifest(folder: Path, name: str) -> dict:
    """The package's ``pretrained.json`` with every file it lists checked."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
        files = dict(manifest["files"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RunError(
            f"pretrained '{name}': {folder / MANIFEST} is missing or damaged "
            f"({type(exc).__name__}); reinstall the package that ships it"
        ) from None
    for rel, digest in files.items():
        if Path(rel).is_absolute() or ".." in Path(rel).parts:
            raise RunError(
                f"pretrained '{name}': {folder / MANIFEST} lists {rel!r}, outside "
                "its folder; reinstall the package that ships it"
            )
        path = folder / rel
        if not path.is_file() or sha256(path) != digest:
            state = "is missing" if not path.is_file() else "does not match its SHA-256"
            raise RunError(
                f"pretrained '{name}': {path} {state} in {MANIFEST} (damaged or "
                "edited); reinstall the package that ships it"
            )
    return manifest


def resolve(registry, reference: str) -> str:
    """The working copy's folder for ``pretrained:NAME`` (made or repaired as needed)."""
    name = reference[len(PREFIX) :]
    if ("pretrained", name) in registry.conflicts:
        from zoo_core.errors import DuplicateNameError

        raise DuplicateNameError(
            f"pretrained '{name}' is registered by more than one package: "
            f"{' and '.join(sorted(registry.conflicts[('pretrained', name)]))}; uninstall "
            "one, or choose with ZOO_LOAD_PLUGINS=<package>,..."
        )
    entry = registry.pretrained.get(name)
    if entry is None:
        from zoo_core.registry import unknown_name_message

        raise UnknownNameError(
            unknown_name_message("pretrained model", name, sorted(registry.pretrained)).replace(
                "`zoo list`", "`zoo pretrained`"
            )
        )
    folder = Path(entry.folder)
    manifest = read_manifest(folder, name)
    copy = cache_root() / "pretrained" / f"{name}-{sha256(folder / MANIFEST)[:12]}"
    try:
        copy.mkdir(parents=True, exist_ok=True)
        for rel, digest in manifest["files"].items():
            target = copy / rel
            if target.is_file() and (rel in KEPT or sha256(target) == digest):
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(target.name + ".tmp")
            shutil.copyfile(folder / rel, tmp)
            os.replace(tmp, target)
        shutil.copyfile(folder / MANIFEST, copy / MANIFEST)
    except OSError as exc:
        raise RunError(
            f"pretrained '{name}': cannot make its working copy in {copy} "
            f"({exc.strerror or exc}); set ZOO_CACHE to a writable folder"
        ) from None
    return str(copy)
