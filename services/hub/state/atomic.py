"""All or nothing: a change takes effect only once its durable write succeeded.

A mutation changes the hub's memory, appends events and writes the store. Inside
:class:`Atomic` the events are held and the writes batched; when the write succeeds
the events go out, and when anything fails — the disk is full or read-only, or a
rule refuses half-way — the store's cache returns to the file's content, the held
events are dropped (their seq numbers given back), the durable objects are reloaded
from the store, and what lives only in memory returns to what it was (each
``Saver`` takes such a copy and gives back the function that restores it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from services.hub.state.events import EventLog
from storage.hub_store import HubStore

# Take a copy of something kept in memory only; the result puts it back.
Saver = Callable[[], Callable[[], None]]


class Atomic:
    """``with atomic(*savers):`` — the hub's unit of work (nestable; the outermost decides)."""

    def __init__(
        self, store: HubStore, events: EventLog, reload: Callable[[], None], *always: Saver
    ) -> None:
        self._store = store
        self._events = events
        self._reload = reload
        self._always = always
        self._depth = 0
        self._restores: list[Callable[[], None]] = []
        self.rollbacks = 0

    @contextmanager
    def __call__(self, *savers: Saver) -> Iterator[None]:
        if self._depth:
            self._restores.extend(save() for save in savers)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._restores = [save() for save in (*self._always, *savers)]
        changes = self._store.changes
        self._events.hold()
        self._depth = 1
        try:
            with self._store.transaction():
                yield
        except BaseException:
            touched = self._events.holding > 0 or self._store.changes != changes
            self._events.discard()
            if touched:
                self.rollbacks += 1
                self._reload()
                for restore in reversed(self._restores):
                    restore()
            raise
        else:
            self._events.release()
        finally:
            self._depth = 0
            self._restores = []
