"""Serve ``notebooks/dashboards/`` with Voila on 127.0.0.1 (``crm dashboard``, ``make dashboard``).

The command line: sources stripped, tracebacks never sent to viewers, one pre-heated kernel per
dashboard (a kernel that has already run the notebook, so that a page opens at once; the pool
refills after each use), and idle kernels culled. It listens on 127.0.0.1 only: to give a team
access, put a reverse proxy with a login in front of it (README, "Dashboards").
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from crmlib import config

__all__ = ["DASHBOARDS_DIR", "voila_command", "serve"]

DASHBOARDS_DIR = config.PROJECT_ROOT / "notebooks" / "dashboards"


def voila_command(target: Path | str = DASHBOARDS_DIR, *, port: int = 8866,
                  preheat: bool = True, pool_size: int = 1, fill_delay: float = 10,
                  cull_idle_timeout: int = 900, cull_interval: int = 60,
                  base_url: str = "/") -> list[str]:
    """Build the ``voila`` command line serving ``target`` (a folder or one notebook).

    Voila listens on 127.0.0.1 only, strips the notebooks' sources, hides tracebacks and culls
    idle kernels.

    Parameters
    ----------
    target : path, default=notebooks/dashboards
        The folder of dashboard notebooks, or one notebook.
    port : int, default=8866
        TCP port on 127.0.0.1.
    preheat : bool, default=True
        Keep ``pool_size`` kernels per notebook that have already run it.
    pool_size : int, default=1
        Pre-heated kernels kept per notebook (0: none).
    fill_delay : float, default=10
        Seconds after a viewer took a pre-heated kernel before a new one is started: starting
        one runs the notebook (seconds of CPU: workers start, the customer value dashboard fits
        its CLV models), which would slow the viewer's first clicks on a small machine; a second
        viewer within the delay gets a kernel that is not pre-heated (Voila's default is 1).
    cull_idle_timeout : int, default=900
        Seconds without activity after which a viewer's kernel is shut down.
    cull_interval : int, default=60
        Seconds between two checks for idle kernels.
    base_url : str, default="/"
        URL prefix, for a reverse proxy that serves the dashboards under a path.

    Returns
    -------
    list[str]
        The arguments, starting with this Python's ``-m voila``, for :func:`subprocess.call`.

    Examples
    --------
    >>> cmd = voila_command(port=9000)
    >>> "--show_tracebacks=False" in cmd and "--Voila.ip=127.0.0.1" in cmd
    True
    """
    cmd = [sys.executable, "-m", "voila", str(target), "--no-browser", f"--port={port}",
           "--Voila.ip=127.0.0.1", f"--Voila.base_url={base_url}", "--strip_sources=True",
           "--show_tracebacks=False",
           f"--MappingKernelManager.cull_idle_timeout={int(cull_idle_timeout)}",
           f"--MappingKernelManager.cull_interval={int(cull_interval)}",
           "--MappingKernelManager.cull_connected=False"]
    if preheat and pool_size > 0:
        cmd += ["--preheat_kernel=True", f"--pool_size={int(pool_size)}",
                f"--VoilaKernelManager.fill_delay={float(fill_delay)}"]
    return cmd


def serve(target: Path | str = DASHBOARDS_DIR, *, source: str | None = None,
          workers: int | None = None, **options) -> int:
    """Serve the dashboards with Voila (:func:`voila_command`) until interrupted.

    ``source`` is passed to the kernels as ``$CRM_DASHBOARD_SOURCE`` (a file path made absolute)
    and ``workers`` as ``$CRM_DASHBOARD_WORKERS``.

    Parameters
    ----------
    target : path, default=notebooks/dashboards
        The folder of dashboard notebooks, or one notebook.
    source : str, optional
        The data source, as for :func:`crmlib.connect`.
    workers : int, optional
        Processes per viewer that render the sections (see :mod:`crmlib.dashboards.workers`;
        None: the default).
    **options
        Options of :func:`voila_command` (``port``, ``preheat``, ...).

    Returns
    -------
    int
        Voila's exit status (0 after Ctrl-C).
    """
    from crmlib.dashboards.common import SOURCE_ENV
    from crmlib.dashboards.workers import WORKERS_ENV

    env = dict(os.environ)
    if workers is not None:
        env[WORKERS_ENV] = str(int(workers))
    if source:  # the kernels run in the notebooks' folder: a file path must be absolute
        env[SOURCE_ENV] = str(source) if "://" in str(source) else str(Path(source).resolve())
    try:
        return subprocess.call(voila_command(target, **options), env=env)
    except KeyboardInterrupt:
        return 0
