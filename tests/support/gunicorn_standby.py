"""One import of the app, any number of fresh gunicorns forked from it.

``python -m tests.support.gunicorn_standby MODULE:APP[()] PORT WORKERS THREADS`` imports the app
once, then for every line read on stdin forks a new gunicorn master (in its own session, so its
process group is the master and its workers), which writes its pid on stdout. The fault
drills SIGKILL a gunicorn and start another many times; importing the app costs seconds of
CPU, a fork does not. The forked master is plain gunicorn that forks its workers from the loaded
app (like ``--preload``); nothing connects to a database or Redis before it serves.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import os
import signal
import sys

from gunicorn.app.base import BaseApplication

target, port, workers, threads = sys.argv[1:5]
module_name, _, attribute = target.partition(":")
loaded = getattr(importlib.import_module(module_name), attribute.removesuffix("()"))
application = loaded() if attribute.endswith("()") else loaded


class Standby(BaseApplication):
    def load_config(self) -> None:
        for key, value in {
            "bind": f"127.0.0.1:{port}", "workers": int(workers), "worker_class": "gthread",
            "threads": int(threads), "graceful_timeout": 2, "timeout": 60,
            "control_socket_disable": True,  # gunicorn 27 shares one socket path in $HOME otherwise
        }.items():
            self.cfg.set(key, value)

    def load(self):
        return application


# The kernel reaps what we fork at once (SIGCHLD ignored), and, as a subreaper, also the workers
# orphaned when a master is killed: the test knows a killed gunicorn is gone when its process
# group is empty, without waiting for the machine's init to reap.
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
with contextlib.suppress(OSError, AttributeError):
    ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER (Linux)
for _line in sys.stdin:
    pid = os.fork()
    if pid == 0:
        os.setsid()  # before the pid is announced: the test signals this process group
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        print(os.getpid(), flush=True)
        try:
            Standby().run()
        finally:
            os._exit(0)
