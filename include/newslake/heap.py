"""Freezing the process's heap out of the garbage collector's reach (``gc.freeze``), and giving
back only what was frozen here.

Two places freeze: the extraction pool before it forks (a scanned object is written to, which
would copy the page a worker shares with the task) and the validate step (GX's import and its
validation set off full collections that walk the whole process). Airflow's LocalExecutor forks
its workers from a frozen heap, so a task process may start with part of it frozen; unfreezing
then would hand the executor's objects back to the collector too, and copy their pages.
"""

from __future__ import annotations

import gc
from collections.abc import Callable


def freeze_heap() -> Callable[[], None]:
    """Freeze every object the process holds now; returns the function that gives them back to
    the collector — which does nothing if part of the heap was frozen before this was called."""
    frozen_before = gc.get_freeze_count()
    gc.freeze()

    def give_back_heap() -> None:
        if not frozen_before:
            gc.unfreeze()

    return give_back_heap
