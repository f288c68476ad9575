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

When the database cannot be reached (a server restart, a dropped network, a lock held past
the lock timeout), an edit is not refused: it joins the queue like a busy one, and the worker
retries the head of the queue with a growing pause (RETRY_DELAYS) until the server answers,
then saves the rest in order. `problem` holds the reason while it waits, so the screen can say
"waiting for the database" with the count of queued edits. Nothing is shown as saved before
its transaction committed, and a queued edit is run once it succeeds, never again. A commit
whose acknowledgement was lost (the connection dropped just after COMMIT) looks like an
outage, so every edit carries a key stored with its action-log entry under a unique index:
a retry first looks for its key, and an edit found there is shown as saved, not saved twice.

A lock held past the busy timeout (a colleague's import that runs for a minute) is waited out
the same way: the edit stays first in the queue and is tried again until it is saved, and the
screen is told which edits are unsaved and for how long (`on_unsaved`), so none is reported
once and lost, and no later edit shows "Saved" while an earlier one still waits. Since a lock
or an outage may last, `abandon` lets the annotator leave without the waiting edits, named.

Callbacks always run on the UI thread, in submission order.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from textual.app import App

from copydesk.projects.errors import StoreBusy, StoreError, StoreUnavailable

if TYPE_CHECKING:
    from copydesk.projects.db import Database


# Seconds between attempts while the database is unreachable or locked: quick at first (a
# restart takes a second or two), then every few seconds.
RETRY_DELAYS: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0, 3.0)
# What makes an edit wait and be retried rather than refused.
WAIT_ERRORS = (StoreBusy, StoreUnavailable)
# What a retry returns when the edit's first attempt turns out to have been committed.
_ALREADY_SAVED = object()


@dataclass
class WriteJob:
    """One edit: `run` makes the store write; `done`/`failed` update the screen after it.

    `key` names the edit in the action log (projects.db.Database.client_key): when a commit
    went through but its acknowledgement was lost (the connection dropped after COMMIT), the
    retry finds the key stored and calls `already_saved` instead of saving the edit again.
    """

    run: Callable[[], Any]
    done: Callable[[Any], None]
    failed: Callable[[StoreError], None]
    what: str = "edit"
    already_saved: Callable[[], None] | None = None
    key: str = field(default_factory=lambda: uuid.uuid4().hex)
    tried: bool = False  # run at least once: a retry first asks whether it was saved


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
        self.locked = False  # the head edit is waiting out a lock held past the busy timeout
        self._jobs: deque[WriteJob] = deque()
        self._lock = threading.Lock()
        self._draining = False
        self._idle_callbacks: list[Callable[[], None]] = []
        # Why the queue is waiting (the database's one-line error), or None while it is not.
        self.problem: str | None = None
        self._stop = threading.Event()
        self.retry_delays = RETRY_DELAYS

    @property
    def pending(self) -> int:
        """Edits submitted but not yet saved or refused."""
        with self._lock:
            return len(self._jobs)  # the one running stays at the head until done

    def submit(self, job: WriteJob) -> None:
        with self._lock:
            queued = self._draining or bool(self._jobs)
        if not queued:
            try:
                job.tried = True
                with self.db.no_wait(), self.db.client_key(job.key):
                    result = job.run()
            except WAIT_ERRORS as exc:
                # Someone else is writing, or the server is away: wait in the worker, not here.
                if isinstance(exc, StoreUnavailable):
                    self.problem = str(exc)
            except StoreError as exc:
                job.failed(exc)
                return
            else:
                job.done(result)
                return
        with self._lock:
            self._jobs.append(job)
            count = len(self._jobs)
            start = not self._draining
            self._draining = True
        if self.on_waiting is not None:
            self.on_waiting(count, job.what)
        if start:
            self.app.run_worker(self._drain, thread=True, group="copydesk-writes",
                                name="copydesk-writes", exit_on_error=False)

    def when_idle(self, callback: Callable[[], None]) -> None:
        """Run `callback` on the UI thread once every submitted edit is saved or refused."""
        if self.pending == 0:
            callback()
        else:
            with self._lock:
                self._idle_callbacks.append(callback)

    def stop(self) -> None:
        """Stop retrying (the app is leaving without the queued edits)."""
        self._stop.set()

    def unsaved(self) -> list[str]:
        """What every edit not yet saved is (for the screen, and for a quit that leaves them)."""
        with self._lock:
            return [j.what for j in self._jobs]

    def abandon(self) -> list[str]:
        """Stop retrying and drop the waiting edits (the annotator quits while the database
        stays locked or away); returns what they were, so the caller can name them."""
        left = self.unsaved()
        self._stop.set()
        with self._lock:
            self._jobs.clear()
        return left

    @property
    def stalled(self) -> bool:
        """True while queued edits wait for an unreachable or locked database."""
        return self.problem is not None and self.pending > 0

    def _drain(self) -> None:
        """Worker thread: run queued writes one by one; report each on the UI thread."""
        tries = 0
        locked_since: float | None = None
        while True:
            with self._lock:
                if not self._jobs or self._stop.is_set():
                    self._draining = False
                    idle, self._idle_callbacks = self._idle_callbacks, []
                    break
                job = self._jobs[0]
            try:
                result = self._run_once(job)
            except WAIT_ERRORS as exc:
                # Nothing of it was committed (the transaction failed): keep it at the head,
                # say why, and try again after a pause, so later edits stay behind it.
                self.problem = str(exc)
                if self.on_waiting is not None:
                    self._report(self.on_waiting, self.pending, job.what)
                self.locked = isinstance(exc, StoreBusy)  # a lock, not an unreachable server
                if self.locked:
                    now = time.monotonic()
                    locked_since = now if locked_since is None else locked_since
                    if self.on_unsaved is not None:
                        self._report(self.on_unsaved, self.unsaved(), now - locked_since)
                delay = self.retry_delays[min(tries, len(self.retry_delays) - 1)]
                tries += 1
                self._stop.wait(delay)
                continue
            # The screen is told before the edit leaves the queue: `pending` reaching 0 means
            # every outcome is on the screen (a test that waits for it read a stale line).
            except StoreError as exc:
                self._report(job.failed, exc)
                self._pop(job)
            except Exception as exc:  # a bug: say so on the screen rather than lose the edit
                self._report(job.failed, StoreError(f"not saved: {type(exc).__name__}: {exc}"))
                self._pop(job)
            else:
                if result is _ALREADY_SAVED:
                    if job.already_saved is not None:
                        self._report(job.already_saved)
                else:
                    self._report(job.done, result)
                self._pop(job)
            tries = 0
            self.problem = None
            self.locked = False
            if locked_since is not None:
                locked_since = None
                if self.on_unsaved is not None:
                    self._report(self.on_unsaved, [], 0.0)
        if self.on_waiting is not None:
            self._report(self.on_waiting, 0, "")
        for callback in idle:
            self._report(callback)

    def _run_once(self, job: WriteJob) -> Any:
        """Run `job` under its key, unless an earlier attempt was committed after all (its
        acknowledgement lost with the connection): then `_ALREADY_SAVED`, nothing run."""
        if job.tried and self.db.saved_under_key(job.key):
            return _ALREADY_SAVED
        job.tried = True
        with self.db.client_key(job.key):
            return job.run()

    def _pop(self, job: WriteJob) -> None:
        with self._lock:
            if self._jobs and self._jobs[0] is job:
                self._jobs.popleft()

    def _report(self, callback: Callable[..., None], *args: Any) -> None:
        # RuntimeError: the app has closed; the write itself is committed (or refused) anyway
        try:
            self.app.call_from_thread(callback, *args)
        except RuntimeError:
            pass
        except StoreError as exc:
            # The edit is saved, but showing it needed a read the database could not answer
            # (it went away just after the commit): the app says so and re-reads later.
            tell = getattr(self.app, "database_trouble", None)
            if tell is not None:
                with contextlib.suppress(RuntimeError, StoreError):
                    self.app.call_from_thread(tell, exc)
