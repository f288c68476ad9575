"""The app's one write queue: edits are saved in order, and a locked database never freezes keys.

Every edit from a screen is `submit`ted here as a function that makes one store write (one
transaction), plus what to do when it is saved or refused. The rule:

- While nothing is waiting, the edit is tried at once on the UI thread with `no_wait`: on a free
  database that is one ~1 ms transaction and the screen shows "Saved" in the same key press.
- If another process holds the write lock (a long import, a `schema apply`), the attempt fails
  at `BEGIN IMMEDIATE` before anything ran, and the edit goes into the queue. So does every
  later edit while one is waiting, so edits are saved in the order they were made.
- One thread worker drains the queue, waiting on the lock with the store's usual busy timeout
  and retries; the screen keeps taking keys and shows "Saving…", then "Saved" or "Not saved"
  for each edit as its transaction ends.

Callbacks always run on the UI thread, in submission order.

A lock held past the busy timeout (a colleague's import that runs for a minute) is not a refusal:
the edit stays first in the queue and is tried again until it is saved, and the screen is told
which edits are unsaved and for how long (`on_unsaved`), so none is reported once and lost, and
no later edit shows "Saved" while an earlier one is still waiting (`_run_through_locks`).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.app import App

from copydesk.projects.errors import StoreBusy, StoreError

if TYPE_CHECKING:
    from copydesk.projects.db import Database


@dataclass
class WriteJob:
    """One edit: `run` makes the store write; `done`/`failed` update the screen after it."""

    run: Callable[[], Any]
    done: Callable[[Any], None]
    failed: Callable[[StoreError], None]
    what: str = "edit"


# Pause between two tries of an edit whose database stayed locked past the busy timeout.
LOCK_RETRY_PAUSE = 0.5


class WriteQueue:
    """A single serial queue of store writes for one running app (see module docstring)."""

    def __init__(self, app: App[Any], db: Database,
                 on_waiting: Callable[[int, str], None] | None = None,
                 on_unsaved: Callable[[list[str], float], None] | None = None) -> None:
        self.app = app
        self.db = db
        # Told (pending count, what) when an edit has to wait, and (0, "") when all are saved.
        self.on_waiting = on_waiting
        # Told (what of every unsaved edit, seconds locked) while the database stays locked past
        # the busy timeout, and ([], 0) once the edit that waited is saved.
        self.on_unsaved = on_unsaved
        self.locked = False  # an edit is waiting out a lock held past the busy timeout
        self._abandoned = threading.Event()  # the annotator quit without the unsaved edits
        self._jobs: deque[WriteJob] = deque()
        self._lock = threading.Lock()
        self._draining = False
        self._idle_callbacks: list[Callable[[], None]] = []
        self._current: list[str] = []  # what the worker is running now (for `unsaved`)

    @property
    def pending(self) -> int:
        """Edits submitted but not yet saved or refused."""
        with self._lock:
            return len(self._jobs) + (1 if self._draining else 0)

    def submit(self, job: WriteJob) -> None:
        with self._lock:
            queued = self._draining or bool(self._jobs)
        if not queued:
            try:
                with self.db.no_wait():
                    result = job.run()
            except StoreBusy:
                pass  # someone else is writing: wait for them in the worker, not here
            except StoreError as exc:
                job.failed(exc)
                return
            else:
                job.done(result)
                return
        with self._lock:
            self._jobs.append(job)
            count = len(self._jobs) + (1 if self._draining else 0)
            start = not self._draining
            self._draining = True
        if self.on_waiting is not None:
            self.on_waiting(count, job.what)
        if start:
            self.app.run_worker(self._drain, thread=True, group="copydesk-writes",
                                name="copydesk-writes", exit_on_error=False)

    def unsaved(self) -> list[str]:
        """What every edit not yet saved is (for the screen, and for a quit that leaves them)."""
        with self._lock:
            return [*self._current, *(j.what for j in self._jobs)]

    def abandon(self) -> list[str]:
        """Stop retrying (the annotator quits while the database stays locked): the edits
        still waiting are dropped, and returned so the caller can name them."""
        left = self.unsaved()
        with self._lock:
            self._jobs.clear()
        self._abandoned.set()
        return left

    def when_idle(self, callback: Callable[[], None]) -> None:
        """Run `callback` on the UI thread once every submitted edit is saved or refused."""
        if self.pending == 0:
            callback()
        else:
            with self._lock:
                self._idle_callbacks.append(callback)

    def _drain(self) -> None:
        """Worker thread: run queued writes one by one; report each on the UI thread."""
        while True:
            with self._lock:
                if not self._jobs:
                    self._draining = False
                    idle, self._idle_callbacks = self._idle_callbacks, []
                    break
                job = self._jobs.popleft()
            try:
                result = self._run_through_locks(job)
            except StoreError as exc:
                self._report(job.failed, exc)
            except Exception as exc:  # a bug: say so on the screen rather than lose the edit
                self._report(job.failed, StoreError(f"not saved: {type(exc).__name__}: {exc}"))
            else:
                self._report(job.done, result)
        if self.on_waiting is not None:
            self._report(self.on_waiting, 0, "")
        for callback in idle:
            self._report(callback)

    def _run_through_locks(self, job: WriteJob) -> Any:
        """Run ``job``; while the database stays locked (StoreBusy after the busy timeout), keep
        it first in line and try again, telling the screen what is unsaved. Other refusals are
        final and go to ``job.failed`` as before."""
        locked_since: float | None = None
        with self._lock:
            self._current = [job.what]
        try:
            while True:
                try:
                    result = job.run()
                except StoreBusy:
                    if self._abandoned.is_set():
                        raise
                    now = time.monotonic()
                    locked_since = now if locked_since is None else locked_since
                    self.locked = True
                    if self.on_unsaved is not None:
                        self._report(self.on_unsaved, self.unsaved(), now - locked_since)
                    if self._abandoned.wait(LOCK_RETRY_PAUSE):
                        raise
                    continue
                if locked_since is not None and self.on_unsaved is not None:
                    self._report(self.on_unsaved, [], 0.0)
                return result
        finally:
            self.locked = False
            with self._lock:
                self._current = []

    def _report(self, callback: Callable[..., None], *args: Any) -> None:
        # RuntimeError: the app has closed; the write itself is committed (or refused) anyway
        with contextlib.suppress(RuntimeError):
            self.app.call_from_thread(callback, *args)
