"""A throw-away PostgreSQL server for tests: Debian's binaries, a temp dir, 127.0.0.1.

``postgres_server()`` runs ``initdb`` into a fresh temp dir, starts ``postgres``
on a free loopback port (its unix socket also inside the temp dir, so it never
touches /var/run/postgresql or the system's 'main' cluster), waits until it
accepts connections and yields a SQLAlchemy URL. On exit it stops the server
(fast shutdown: open connections are cut) and deletes the directory.

PostgreSQL refuses to run as root, and tests run as root here and in CI: then
the server runs as the ``postgres`` system user that Debian's package creates,
owning the temp dir. The temp dir lives directly under the system temp dir
because pytest's own (``/tmp/pytest-of-root``, mode 0700) is closed to that user.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from servers import free_port

USER = "interviewer"  # the superuser initdb creates (trust auth, tests only)
DATABASE = "interviewer"
SYSTEM_USER = "postgres"  # who runs the server when the tests run as root
BIN_ENV = "INTERVIEWER_TEST_PG_BIN"  # optional: a bin dir holding initdb, postgres, pg_isready


def find_bin_dir() -> Path | None:
    """The newest ``/usr/lib/postgresql/<major>/bin`` (Debian's layout), or $INTERVIEWER_TEST_PG_BIN.

    Deliberately not $PATH: /usr/local/bin may hold stray links to another
    version, and postgresql-common's wrappers on PATH pick clusters, not binaries.
    """
    override = os.environ.get(BIN_ENV)
    candidates = [Path(override)] if override else []
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else -1,
        reverse=True,
    )
    for bin_dir in [*candidates, *debian]:
        if all((bin_dir / tool).is_file() for tool in ("initdb", "postgres", "pg_isready")):
            return bin_dir
    return None


def _as_server_user() -> dict[str, Any]:
    """Popen arguments that drop root to the postgres system user (nothing when not root)."""
    if os.geteuid() != 0:
        return {}
    return {"user": SYSTEM_USER, "group": SYSTEM_USER, "extra_groups": []}


def _run(cmd: list[str], cwd: Path) -> None:
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120, **_as_server_user())
    if result.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]


def _wait_until_ready(bin_dir: Path, port: int, proc: subprocess.Popen[bytes], log: Path, deadline_s: float) -> None:
    """Poll pg_isready (it asks the server itself, so 'starting up' is not 'ready')."""
    deadline = time.monotonic() + deadline_s
    cmd = [str(bin_dir / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(port), "-U", USER, "-d", "postgres", "-t", "2"]  # fmt: skip
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"postgres exited with code {proc.returncode}:\n{_tail(log)}")
        if subprocess.run(cmd, check=False).returncode == 0:
            return
        time.sleep(0.1)  # polling interval, bounded by the deadline above
    raise RuntimeError(f"postgres not ready after {deadline_s:.0f} s:\n{_tail(log)}")


@contextlib.contextmanager
def postgres_server(bin_dir: Path | None = None, *, deadline_s: float = 60) -> Iterator[str]:
    """Start a fresh server; yield ``postgresql+psycopg://interviewer@127.0.0.1:PORT/interviewer``."""
    bin_dir = bin_dir or find_bin_dir()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin")
    root = Path(tempfile.mkdtemp(prefix="interviewer-pg-"))
    try:
        data, sock = root / "data", root / "sock"
        sock.mkdir()
        if os.geteuid() == 0:
            for path in (root, sock):
                shutil.chown(path, SYSTEM_USER, SYSTEM_USER)
        _run(
            [str(bin_dir / "initdb"), "-D", str(data), "-U", USER, "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8",
             "--no-sync", "--no-instructions"],
            cwd=root,
        )  # fmt: skip
        port = free_port()
        settings = {
            "listen_addresses": "127.0.0.1",
            "port": str(port),
            "unix_socket_directories": str(sock),
            # A test server: losing data on a crash is fine, waiting on fsync is not.
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
        }
        cmd = [str(bin_dir / "postgres"), "-D", str(data)]
        for name, value in settings.items():
            cmd += ["-c", f"{name}={value}"]
        log = root / "postgres.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(cmd, cwd=root, stdout=out, stderr=subprocess.STDOUT, **_as_server_user())
        try:
            _wait_until_ready(bin_dir, port, proc, log, deadline_s)
            _run(
                [str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", USER, DATABASE],
                cwd=root,
            )
            yield f"postgresql+psycopg://{USER}@127.0.0.1:{port}/{DATABASE}"
        finally:
            proc.send_signal(signal.SIGINT)  # fast shutdown: don't wait for clients to disconnect
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=30)
    finally:
        shutil.rmtree(root, ignore_errors=True)


_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def fresh_database(url: str, name: str) -> str:
    """Create an empty database ``name`` on the server of ``url``; return its URL.

    For tests that need isolation from each other on one session-wide server
    (CREATE DATABASE takes a fraction of a second, a new server seconds).
    """
    if not _NAME.fullmatch(name):
        raise ValueError(f"not a plain database name: {name!r}")
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return url.rsplit("/", 1)[0] + "/" + name
