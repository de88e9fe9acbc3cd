"""Background jobs: each job runs in its own process (so it can be cancelled), fed by worker threads.

A job's inputs are stored when it is submitted and never changed. Status goes ``queued`` -> ``running`` ->
``done`` | ``failed`` | ``cancelled``. On start-up, jobs left ``running`` by a crashed or killed server are
marked ``failed`` (inputs kept) and ``queued`` jobs are queued again.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from nanodds.web.db import Dataset, Job, now

__all__ = ["CRASH_MESSAGE", "JobRunner"]

CRASH_MESSAGE = "the server stopped while this job was running; its inputs are kept, submit it again to rerun"
_POLL_S = 0.1


def _child(kind: str, inputs: dict[str, Any], workdir: str, conn: Any) -> None:  # pragma: no cover - subprocess
    """Process entry: run the task, send progress lines and the result (or a one-line error)."""
    from nanodds.web.tasks import run_task

    def progress(fraction: float, message: str) -> None:
        conn.send(("progress", float(fraction), str(message)))

    try:
        result = run_task(kind, inputs, Path(workdir), progress)
    except Exception as exc:  # every failure becomes one line on the job
        from nanodds.errors import InputError

        line = str(exc) if isinstance(exc, InputError) else f"internal error: {type(exc).__name__}: {exc}"
        conn.send(("error", line.splitlines()[0] if line else type(exc).__name__))
    else:
        conn.send(("done", result))
    conn.close()


class JobRunner:
    """Queue and run jobs.

    Parameters
    ----------
    session_factory : Callable
        Returns SQLAlchemy sessions on the app's database.
    jobs_dir : Path
        Parent folder of the per-job working directories.
    workers : int
        Jobs run at the same time.
    """

    def __init__(self, session_factory: Callable[[], Any], jobs_dir: Path, workers: int = 1) -> None:
        self._sessions = session_factory
        self._jobs_dir = jobs_dir
        self._workers = max(1, int(workers))
        self._queue: queue.Queue[int | None] = queue.Queue()
        self._cancel: set[int] = set()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._ctx = mp.get_context("spawn")

    # -- life cycle -------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Recover from a previous crash, then start the worker threads."""
        self.recover()
        for i in range(self._workers):
            t = threading.Thread(target=self._work, name=f"nanodds-job-{i}", daemon=True)
            t.start()
            self._threads.append(t)

    def recover(self) -> None:
        """Mark jobs left ``running`` as failed (inputs kept); queue again the ``queued`` ones."""
        with self._sessions() as s:
            for job in s.scalars(select(Job).where(Job.status == "running")):
                job.status, job.error, job.finished = "failed", CRASH_MESSAGE, now()
            s.commit()
            queued = list(s.scalars(select(Job.id).where(Job.status == "queued").order_by(Job.id)))
        for jid in queued:
            self._queue.put(jid)

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop the workers; a running job's process is terminated and the job marked failed."""
        self._stopping.set()
        for _ in self._threads:
            self._queue.put(None)
        for t in self._threads:
            t.join(timeout_s)
        self._threads.clear()

    # -- API ---------------------------------------------------------------------------------------------------
    def submit(self, kind: str, inputs: dict[str, Any]) -> Job:
        """Store a new job and queue it."""
        with self._sessions() as s:
            job = Job(kind=kind, inputs=inputs, status="queued", progress=0.0, message="queued")
            s.add(job)
            s.commit()
        self._queue.put(job.id)
        return job

    def cancel(self, job_id: int) -> str | None:
        """Cancel a queued or running job; returns its new status (None when there is no such job)."""
        with self._sessions() as s:
            job = s.get(Job, job_id)
            if job is None:
                return None
            if job.status == "queued":
                job.status, job.message, job.finished = "cancelled", "cancelled before it started", now()
                s.commit()
            elif job.status == "running":
                with self._lock:
                    self._cancel.add(job_id)
                return "cancelling"
            return job.status

    # -- worker ------------------------------------------------------------------------------------------------
    def _work(self) -> None:
        while not self._stopping.is_set():
            jid = self._queue.get()
            if jid is None:
                return
            try:
                self._run(jid)
            except Exception as exc:  # a bug here must not kill the worker thread
                self._finish(jid, "failed", error=f"internal error: {type(exc).__name__}: {exc}")

    def _update(self, jid: int, **fields: Any) -> None:
        with self._sessions() as s:
            job = s.get(Job, jid)
            if job is not None:
                for k, v in fields.items():
                    setattr(job, k, v)
                s.commit()

    def _finish(self, jid: int, status: str, *, result: Any = None, error: str | None = None,
                message: str | None = None) -> None:
        fields: dict[str, Any] = {"status": status, "finished": now(), "error": error}
        if result is not None:
            fields["result"], fields["progress"] = result, 1.0
        fields["message"] = message or status
        self._update(jid, **fields)
        with self._lock:
            self._cancel.discard(jid)

    def _run(self, jid: int) -> None:
        with self._sessions() as s:
            job = s.get(Job, jid)
            if job is None or job.status != "queued":
                return
            job.status, job.started, job.message = "running", now(), "starting"
            s.commit()
            kind, inputs = job.kind, dict(job.inputs)
        workdir = self._jobs_dir / str(jid)
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir(parents=True, exist_ok=True)
        if inputs.get("dataset_id") is not None:  # uploaded data: the task reads it as the CLI reads a file
            with self._sessions() as s:
                ds = s.get(Dataset, int(inputs["dataset_id"]))
                if ds is None:
                    self._finish(jid, "failed", error=f"dataset_id: got {inputs['dataset_id']!r}; allowed: an "
                                 "uploaded data set (this one was deleted)")
                    return
                (workdir / "data.csv").write_bytes(ds.content)
        parent, child = self._ctx.Pipe(duplex=False)
        proc = self._ctx.Process(target=_child, args=(kind, inputs, str(workdir), child), daemon=True)
        proc.start()
        child.close()
        last_write = 0.0
        try:
            while True:
                with self._lock:
                    cancelled = jid in self._cancel
                if cancelled or self._stopping.is_set():
                    proc.terminate()
                    proc.join(5)
                    if cancelled:
                        self._finish(jid, "cancelled", message="cancelled while running")
                    else:
                        self._finish(jid, "failed", error=CRASH_MESSAGE)
                    return
                if parent.poll(_POLL_S):
                    try:
                        msg = parent.recv()
                    except EOFError:
                        msg = None
                    if msg is None:
                        proc.join(5)
                        self._finish(jid, "failed", error=f"worker process exited (code {proc.exitcode})")
                        return
                    if msg[0] == "progress":
                        if time.monotonic() - last_write > 0.25 or msg[1] >= 1.0:
                            self._update(jid, progress=min(max(msg[1], 0.0), 1.0), message=msg[2])
                            last_write = time.monotonic()
                    elif msg[0] == "done":
                        self._finish(jid, "done", result=msg[1], message="finished")
                        proc.join(5)
                        return
                    else:
                        self._finish(jid, "failed", error=msg[1])
                        proc.join(5)
                        return
                elif not proc.is_alive() and not parent.poll():
                    self._finish(jid, "failed", error=f"worker process exited (code {proc.exitcode})")
                    return
        finally:
            parent.close()
            if proc.is_alive():
                proc.kill()
