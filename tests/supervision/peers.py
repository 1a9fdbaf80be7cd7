"""Real peers the deliveries talk to: an SMTP server (aiosmtpd) and an HTTP receiver (stdlib http.server in a
thread) that records each POST and answers as its path says (``/ok/...`` 200, ``/flaky/N/...`` 500 for
the first N posts then 200, anything else 500)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Mailbox:
    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"


@dataclass
class Post:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    """The HTTP receiver; ``posts`` in arrival order."""

    def __init__(self) -> None:
        self.posts: list[Post] = []
        self.seen: dict[str, int] = {}
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with outer.lock:
                    outer.posts.append(Post(self.path, dict(self.headers.items()), body))
                    outer.seen[self.path] = outer.seen.get(self.path, 0) + 1
                    count = outer.seen[self.path]
                parts = self.path.strip("/").split("/")
                ok = parts[0] == "ok" or (parts[0] == "flaky" and count > int(parts[1]))
                self.send_response(200 if ok else 500)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def clear(self) -> None:
        with self.lock:
            self.posts.clear()
            self.seen.clear()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
