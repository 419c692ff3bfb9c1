"""Real local receivers for the message channels: an SMTP server (aiosmtpd) and an HTTP
server standing in for an SMS gateway. Both record what they received; the gateway keeps
each request's ``Idempotency-Key`` like a real gateway that drops a repeated key."""

from __future__ import annotations

import json
import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


class SmtpServer:
    """``with SmtpServer() as smtp:`` → ``smtp.port``, ``smtp.messages``."""

    def __enter__(self) -> SmtpServer:
        self.inbox = _Inbox()
        self.port = free_port()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    @property
    def messages(self) -> list[EmailMessage]:
        return self.inbox.messages

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


class SmsGateway:
    """``with SmsGateway() as gateway:`` → ``gateway.url``, ``gateway.requests`` (headers and
    parsed JSON body of each), ``gateway.delivered`` (one per distinct Idempotency-Key)."""

    def __init__(self, fail_first: int = 0) -> None:
        self.requests: list[dict[str, Any]] = []
        self.fail_first = fail_first
        self.lock = threading.Lock()

    def __enter__(self) -> SmsGateway:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with gateway.lock:
                    if gateway.fail_first > 0:
                        gateway.fail_first -= 1
                        self.send_response(503)
                        self.end_headers()
                        return
                    gateway.requests.append({"headers": dict(self.headers),
                                             "body": json.loads(body.decode("utf-8"))})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def delivered(self) -> dict[str, dict[str, Any]]:
        with self.lock:
            return {r["headers"]["Idempotency-Key"]: r for r in self.requests}

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
