"""Progress for long measurements: ``track(ctx, items, description)``.

``zoo eval`` puts a rich ``Progress`` into ``RunContext.progress``; a metric wraps
its slow loop in :func:`track` and the user sees a bar. Without one (tests, library use)
``track`` just iterates.
"""

from __future__ import annotations


def track(ctx, items, description: str):
    progress = getattr(ctx, "progress", None)
    items = list(items)
    if progress is None:
        yield from items
        return
    task = progress.add_task(description, total=len(items))
    for item in items:
        yield item
        progress.advance(task)
    progress.remove_task(task)


def chunks(n: int, size: int):
    """``(start, stop)`` pairs covering ``range(n)`` in steps of ``size``."""
    return [(i, min(n, i + size)) for i in range(0, n, size)]
