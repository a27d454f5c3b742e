"""A dashboard's sections computed in worker processes, so that one selection uses every core.

The sections of a dashboard are independent. On a team change the sales overview runs about 30
queries and draws 4 charts: 1.3 s in one process on the 1M-line demo, most of it Python (ibis
compiling queries, pandas, matplotlib) that threads would run one at a time (the GIL). A
:class:`SectionPool` starts ``workers`` processes (``spawn``), each with its own connection to
the same source (a DuckDB file is opened read-only, so several processes may read it), and gives
each process a fixed group of sections: a process keeps what its sections cache (the company
CLV fit of the customer value dashboard lives in the process that draws the CLV sections). The
kernel sends the selection and receives HTML.

Only sources that a process can open again (a path or URL, or the default) use workers; a
backend object or in-memory frames are rendered in the kernel.
"""

from __future__ import annotations

import gc
import importlib
import multiprocessing as mp
import os
import signal
import threading
import time
import traceback
import warnings
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

__all__ = ["WORKERS_ENV", "default_workers", "SectionPool", "SectionError"]

# `crm dashboard --workers N` passes the number of worker processes through this variable.
WORKERS_ENV = "CRM_DASHBOARD_WORKERS"

_STATE: dict = {}  # in a worker process: its connection and the section function


def default_workers() -> int:
    """Decide how many worker processes render a dashboard's sections.

    ``$CRM_DASHBOARD_WORKERS`` when set, else 2 when the machine has 2 cores or more, else 0.

    Returns
    -------
    int
        The number of processes; 0 means render in the kernel.

    Raises
    ------
    ValueError
        ``$CRM_DASHBOARD_WORKERS`` is not a whole number of 0 or more.
    """
    value = os.environ.get(WORKERS_ENV, "").strip()
    if value:
        try:
            n = int(value)
        except ValueError:
            raise ValueError(f"${WORKERS_ENV} must be a whole number of processes, got "
                             f"{value!r}.") from None
        if n < 0:
            raise ValueError(f"${WORKERS_ENV} must be 0 or more, got {n}.")
        return n
    return 2 if (os.cpu_count() or 1) >= 2 else 0


class SectionError(Exception):
    """A section failed in a worker process.

    Parameters
    ----------
    message : str
        The exception's text.
    plain : bool
        Whether it is one of crmlib's own errors (worth showing to the viewer).
    remote : str
        The traceback in the worker.
    """

    def __init__(self, message: str, plain: bool, remote: str):
        super().__init__(message)
        self.plain, self.remote = plain, remote

    def __reduce__(self):  # pickled back to the kernel with every field
        """Return how to pickle the error (every field, back to the kernel)."""
        return SectionError, (str(self), self.plain, self.remote)


def _watch_parent(parent: int) -> None:
    """Exit when the kernel that started this process is gone (culled, killed)."""
    while True:
        time.sleep(2)
        if os.getppid() != parent:
            os._exit(0)


def _start(source, module: str, function: str, parent: int, workers: int) -> None:
    warnings.simplefilter("ignore")  # a warning is recorded per section (see _render)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    from crmlib.dashboards.common import connect_source

    crm = _STATE["crm"] = connect_source(source)
    if getattr(crm.backend, "name", "") == "duckdb":  # the workers share the cores
        crm.backend.raw_sql(f"SET threads = {max(1, (os.cpu_count() or 1) // workers)}")
    _STATE["section"] = getattr(importlib.import_module(module), function)
    gc.freeze()  # the modules and the connection: no collection ever walks them again


def _render(key: str, selection: dict):
    """Return the HTML of section ``key`` for ``selection``, in a worker.

    ``selection`` holds the keyword arguments of
    :func:`~crmlib.dashboards.common.dashboard_context`; the warnings raised on the way come
    along.
    """
    from crmlib.dashboards.common import dashboard_context
    from crmlib.exceptions import CRMError

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ctx = dashboard_context(_STATE["crm"], **selection)
            html = _STATE["section"](ctx, key)._repr_html_()
        return html, [(w.category.__name__, str(w.message)) for w in caught]
    except Exception as e:  # noqa: BLE001 - sent back as text: exceptions may not unpickle
        raise SectionError(str(e), isinstance(e, CRMError), traceback.format_exc()) from None


class SectionPool:
    """``workers`` processes that render the sections of one dashboard.

    Parameters
    ----------
    source : str, pathlib.Path or None
        What each process passes to :func:`crmlib.connect` (None: ``$CRM_DASHBOARD_SOURCE`` or
        the embedded data, as in the kernel).
    section : callable
        A module-level function ``section(ctx, key) -> Section`` (e.g.
        :func:`crmlib.dashboards.overview.overview_section`).
    groups : sequence of sequences of str
        Section keys per process; with fewer processes than groups, group ``i`` goes to
        process ``i % workers``.
    workers : int
        Processes to start (1 or more, at most one per group); started at once.
    """

    def __init__(self, source, section, groups, workers: int):
        if workers < 1:
            raise ValueError(f"a SectionPool needs 1 worker or more, got {workers}.")
        n = min(int(workers), len(groups))
        spawn = mp.get_context("spawn")  # no fork of a kernel's threads and connections
        args = (None if source is None else str(source), section.__module__, section.__name__,
                os.getpid(), n)
        self._pools = [ProcessPoolExecutor(1, mp_context=spawn, initializer=_start,
                                           initargs=args) for _ in range(n)]
        self._process = {k: i % n for i, group in enumerate(groups) for k in group}
        # Start the processes now with SIGINT ignored, which they keep through exec: the
        # kernel's "interrupt" (and Jupyter's shutdown) signal its whole process group.
        main = threading.current_thread() is threading.main_thread()
        old = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
        try:
            for p in self._pools:
                p.submit(os.getpid)
        finally:
            if main:
                signal.signal(signal.SIGINT, old)

    @property
    def workers(self) -> int:
        """Count the processes started.

        Returns
        -------
        int
            The number of worker processes (at most one per group).
        """
        return len(self._pools)

    def submit(self, key: str, selection: dict) -> Future:
        """Render section ``key`` for ``selection`` in its process.

        Parameters
        ----------
        key : str
            The section's key.
        selection : dict
            The viewer's selection (keyword arguments of :func:`dashboard_context`).

        Returns
        -------
        concurrent.futures.Future
            Its result is ``(html, warnings)``: the section's HTML and the (category name, message)
            pairs of the warnings raised; it raises :class:`SectionError` when the section failed
            and ``concurrent.futures.process.BrokenProcessPool`` when its process died.
        """
        return self._pools[self._process[key]].submit(_render, key, selection)

    def warm(self, selection: dict, done=None) -> None:
        """Render every section for ``selection`` and drop the results (failures included).

        Parameters
        ----------
        selection : dict
            The viewer's selection (keyword arguments of :func:`dashboard_context`).
        done : callable, optional
            Called with no argument (in a pool thread) once every process has finished.
        """
        try:
            futures = [self.submit(key, selection) for key in self._process]
        except BrokenProcessPool:  # a process died already: the next render says so
            return
        left = [len(futures)]
        lock = threading.Lock()

        def finished(future):
            if not future.cancelled():  # retrieved: no "exception never retrieved" log
                future.exception()
            with lock:
                left[0] -= 1
                if left[0] == 0 and done is not None:
                    done()

        for f in futures:
            f.add_done_callback(finished)

    def close(self) -> None:
        """Shut the processes down without waiting, cancelling pending renders."""
        for p in self._pools:
            p.shutdown(wait=False, cancel_futures=True)
