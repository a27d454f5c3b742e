"""Start and stop a throw-away PostgreSQL server on loopback, for the backend tests.

The server binaries come from Debian's `postgresql` package (scripts/system-deps.sh installs it).
The data directory is temporary; the server listens on 127.0.0.1 on a free port, trusts local
connections, and is stopped and deleted afterwards.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager


def _bindir() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise RuntimeError("PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin); "
                           "run `make system-deps` (apt-get install postgresql).")
    return os.path.dirname(found[-1])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(cmd: list[str], as_postgres: bool) -> None:
    if as_postgres:  # initdb and postgres refuse to run as root
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                   stdin=subprocess.DEVNULL)


@contextmanager
def postgres_server(dbname: str = "crm"):
    """Yield a ``postgresql://`` URL of a fresh server with an empty database ``dbname``."""
    bindir = _bindir()
    root = os.geteuid() == 0
    tmp = tempfile.mkdtemp(prefix="crm-pg-")
    data, sock = os.path.join(tmp, "data"), os.path.join(tmp, "sock")
    os.mkdir(sock)
    if root:
        shutil.chown(tmp, "postgres")
        shutil.chown(sock, "postgres")
    port = _free_port()
    user = "postgres" if root else os.environ.get("USER", "postgres")
    try:
        _run([f"{bindir}/initdb", "-D", data, "-A", "trust", "-U", user, "-E", "UTF8",
              "--no-sync"], root)
        _run([f"{bindir}/pg_ctl", "-D", data, "-w", "-t", "60", "-l",
              os.path.join(tmp, "log"), "-o",
              f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off "
              "-c full_page_writes=off -c synchronous_commit=off", "start"], root)
        try:
            deadline = time.time() + 30
            while True:
                try:
                    _run([f"{bindir}/createdb", "-h", "127.0.0.1", "-p", str(port), "-U", user,
                          dbname], root)
                    break
                except subprocess.CalledProcessError:
                    if time.time() > deadline:
                        raise
                    time.sleep(0.5)
            yield f"postgresql://{user}@127.0.0.1:{port}/{dbname}"
        finally:
            _run([f"{bindir}/pg_ctl", "-D", data, "-m", "fast", "-w", "stop"], root)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
