"""What ``zoo run --resume`` (and ``Run.resume()``) may continue: an interrupted or failed
run of this checkout. A shipped model's working copy and a finished run are refused before
anything in the folder is touched (no lock, no status, no checkpoint): resuming them would
train a finished model again from its first epoch, or rewrite its ``model.keras``."""

from __future__ import annotations

from zoo_core.errors import UsageError
from zoo_core.pretrained import MANIFEST


def check_resumable(run, reference: str | None = None) -> None:
    """Refuse, in one line, a run that ``--resume`` must leave as it is."""
    shown = reference or str(run.path)
    if (run.path / MANIFEST).is_file():  # a pretrained:NAME working copy carries it
        raise UsageError(
            f"{shown} is a shipped pretrained model: it is finished and is not trained "
            "further; to train more, start a new run with its settings: "
            f"`zoo run --like {shown} --epochs N`"
        )
    status, _ = run.status()
    if status == "finished":
        raise UsageError(
            f"{shown} is finished; --resume continues an interrupted "
            "run and leaves a finished one as it is; to train longer, start a new run "
            f"with its settings: `zoo run --like {shown} --epochs N`"
        )
