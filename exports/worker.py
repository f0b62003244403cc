"""The in-process export worker, for a deployment with no Celery broker (`make run`, SQLite).

One daemon thread per process, started lazily: by the first request the process serves
(`ExportsConfig.ready`) and by every job request (`export_worker_wake`). It drains the queue
of jobs in the database, then sleeps until woken or until the poll interval passes, so jobs
queued by another process, and jobs left queued or interrupted by a restart, are run too.
Two processes never run the same job: `exports.services.export_job_run` claims it under a lock.
"""

import logging
import threading

from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_wake = threading.Event()
_stop = threading.Event()
_thread: threading.Thread | None = None


def export_worker_wake() -> None:
    """Start the worker if this process has none running, and make it look at the queue now."""
    global _thread
    with _lock:
        if _thread is None or not _thread.is_alive():
            _stop.clear()
            _thread = threading.Thread(target=_run, name="export-worker", daemon=True)
            _thread.start()
    _wake.set()


def _run() -> None:
    from exports.services import export_jobs_drain

    while not _stop.is_set():
        _wake.clear()
        try:
            export_jobs_drain()
        except Exception:
            # A database that is briefly away must not end the worker: try again next poll.
            logger.exception("The export worker could not drain the queue")
        finally:
            close_old_connections()
        _wake.wait(timeout=settings.EXPORT_WORKER_POLL_SECONDS)


def export_worker_stop(timeout: float = 30) -> None:
    """Stop this process's worker after the job it is running, if any (tests, shutdown)."""
    global _thread
    with _lock:
        thread, _thread = _thread, None
    if thread is not None:
        _stop.set()
        _wake.set()
        thread.join(timeout)
        _stop.clear()
