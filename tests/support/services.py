"""Private service processes for tests: a Redis server on a free port, RQ workers, gunicorn in
its own process group, a private PostgreSQL cluster."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """``redis-server`` on 127.0.0.1:<port>, nothing kept on disk; can stop and start again."""

    def __init__(self) -> None:
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            raise RuntimeError("redis-server is not installed (Debian package redis-server)")
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def restart(self, down_for: float = 0.0) -> None:
        """Stop (everything in it is lost: nothing is kept on disk), wait, start on the same port."""
        self.stop()
        time.sleep(down_for)
        self.start()


def worker_env(database_url: str, redis_url: str, files: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(DISPATCH_ENV="testing", SECRET_KEY="test-secret-key", DATABASE_URL=database_url,
               REDIS_URL=redis_url, FILE_STORAGE=files, **extra)
    return env


def start_worker(env: dict[str, str], *args: str, script: str | None = None,
                 new_session: bool = False, log_path: Path | None = None) -> subprocess.Popen:
    """``flask --app dispatch worker`` (or a test script) as a separate process; its output is
    piped, or written to ``log_path`` (for a long-running worker nobody reads). With
    ``new_session`` it gets its own process group: stop it with :func:`kill_group`."""
    command = [sys.executable, script] if script else [
        sys.executable, "-m", "flask", "--app", "dispatch", "worker"]
    log = open(log_path, "a") if log_path else subprocess.PIPE  # noqa: SIM115
    try:
        return subprocess.Popen([*command, *args], cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT, text=True, start_new_session=new_session)
    finally:
        if log_path:
            log.close()  # type: ignore[union-attr]


def kill_group(process: subprocess.Popen | None, sig: int = signal.SIGKILL, timeout: float = 10) -> None:
    """Signal a process and, when it leads its own group (``start_new_session=True``),
    everything it started; wait for it and close its pipes."""
    if process is None:
        return

    def send(signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            if os.getpgid(process.pid) == process.pid:
                os.killpg(process.pid, signum)
            else:
                process.send_signal(signum)

    if process.poll() is None:
        send(sig)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            send(signal.SIGKILL)
            process.wait(timeout=timeout)
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


def _check_alive(alive: Callable[[], bool] | None, what: str) -> None:
    if alive is not None and not alive():
        raise RuntimeError(f"{what} exited before it was ready")


def wait_for_port(port: int, timeout: float = 30, alive: Callable[[], bool] | None = None) -> None:
    """Wait until something accepts connections on 127.0.0.1:``port``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _check_alive(alive, f"the server for port {port}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def wait_for_http(url: str, timeout: float = 30, alive: Callable[[], bool] | None = None) -> None:
    """Poll ``url`` until it answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _check_alive(alive, f"the server for {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - 127.0.0.1
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Gunicorn:
    """gunicorn serving the app on 127.0.0.1:<port>, each start a fresh master in its own
    process group, so a SIGKILL takes the master and every worker at once. ``app`` defaults to
    the real factory; tests may name a wrapping module (``tests.support.drill_app:app``).

    The masters are forked by one ``python -m tests.support.gunicorn_standby`` process that
    imported the app once: starting again after a kill takes a fraction of a second."""

    def __init__(self, env: dict[str, str], app: str = "dispatch:create_app()", workers: int = 2,
                 threads: int = 4, log_path: Path | None = None) -> None:
        self.port = free_port()
        log = open(log_path, "a") if log_path else subprocess.DEVNULL  # noqa: SIM115
        try:
            self.standby: subprocess.Popen | None = subprocess.Popen(
                [sys.executable, "-m", "tests.support.gunicorn_standby", app, str(self.port),
                 str(workers), str(threads)], cwd=ROOT, env=env, stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=log, text=True, start_new_session=True)
        finally:
            if log_path:
                log.close()  # type: ignore[union-attr]
        self.log_path = log_path
        self.pid: int | None = None
        self.starts = 0

    def log_tail(self, lines: int = 40) -> str:
        """The end of the log (the app's tracebacks), to explain a failed drill."""
        if self.log_path is None or not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.pid is not None and _group_alive(self.pid)

    def start(self, timeout: float = 60, ready: str = "http") -> None:
        """Serve, and wait until ``/healthz`` answers (``ready="http"``) or only until the port
        accepts connections (``ready="tcp"``: requests already queued may hold every thread)."""
        assert self.standby is not None and self.standby.stdin and self.standby.stdout
        self.standby.stdin.write("serve\n")
        self.standby.stdin.flush()
        line = self.standby.stdout.readline()
        if not line.strip().isdigit():
            raise RuntimeError(f"gunicorn standby failed (exit {self.standby.poll()}); see its log")
        self.pid = int(line)
        self.starts += 1
        if ready == "tcp":
            wait_for_port(self.port, timeout, self.alive)
        else:
            wait_for_http(f"{self.url}/healthz", timeout, self.alive)

    def _signal(self, sig: int, timeout: float) -> None:
        if self.pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, sig)
        deadline = time.monotonic() + timeout
        while _group_alive(self.pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        if _group_alive(self.pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGKILL)
            while _group_alive(self.pid) and time.monotonic() < deadline + 10:
                time.sleep(0.02)
        self.pid = None

    def kill(self) -> None:
        """SIGKILL the master and its workers (no graceful anything); returns once all are gone."""
        self._signal(signal.SIGKILL, 10)

    def stop(self, graceful: bool = True) -> None:
        """Stop the serving gunicorn (SIGTERM, then SIGKILL; at once unless ``graceful``) and
        the standby."""
        self._signal(signal.SIGTERM if graceful else signal.SIGKILL, 10)
        kill_group(self.standby)
        self.standby = None


def postgres_bin() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` with initdb, if any."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    return found[-1].parent if found else None


class PostgresCluster:
    """A private PostgreSQL cluster (initdb in a temp dir, 127.0.0.1:<port>, trust, fsync off)
    that a test may restart without disturbing the shared server. PostgreSQL refuses to run as
    root, so as root its commands run as the ``postgres`` OS user."""

    def __init__(self) -> None:
        self.bin = postgres_bin()
        if self.bin is None:
            raise RuntimeError("PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin")
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="dispatch-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            import pwd

            owner = pwd.getpwnam("postgres")
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.initialised = False

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *command: str, timeout: float = 60) -> None:
        result = subprocess.run([*self.as_user, *command], capture_output=True, text=True,
                                timeout=timeout, check=False)
        if result.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{command[0]} failed: {result.stdout}{result.stderr}{log[-2000:]}")

    def _ctl(self, action: str, *extra: str) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -c fsync=off "
                   f"-c synchronous_commit=off -c full_page_writes=off "
                   f"-c unix_socket_directories={self.dir}")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w",
                  "-t", "30", "-o", options, action, *extra)

    def start(self) -> None:
        if not self.initialised:
            self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
                      "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8")
            self.initialised = True
        self._ctl("start")

    def restart(self) -> None:
        """``pg_ctl restart -m fast``: every session is cut, in-flight transactions roll back."""
        self._ctl("restart", "-m", "fast")

    def stop(self) -> None:
        if self.initialised and (self.data / "postmaster.pid").exists():
            self._ctl("stop", "-m", "immediate")

    def remove(self) -> None:
        with contextlib.suppress(Exception):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
