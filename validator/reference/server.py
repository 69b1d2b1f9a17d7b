"""Serve a controller over real HTTP on loopback (or any address) with the standard library."""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from validator.reference.controller import ReferenceController, Reply

READ_LIMIT = 8 * 1024 * 1024


class _Handler(BaseHTTPRequestHandler):
    server: ControllerServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in one write with Nagle off; otherwise delayed ACKs add ~40 ms per request.
    disable_nagle_algorithm = True
    wbufsize = -1

    def _serve(self) -> None:
        length_text = self.headers.get("Content-Length", "0") or "0"
        try:
            length = int(length_text)
        except ValueError:
            length = -1
        if length < 0 or length > READ_LIMIT:
            self.close_connection = True
            self._write(
                self.server.controller.error_reply(413 if length > 0 else 400, "bad or too large Content-Length")
            )
            return
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        self._write(self.server.controller.handle(self.command, self.path, headers, body))

    def _write(self, reply: Reply) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _serve

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


class ControllerServer(ThreadingHTTPServer):
    """A threading HTTP server around one controller instance."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, controller: ReferenceController, host: str = "127.0.0.1", port: int = 0, verbose: bool = False
    ) -> None:
        self.controller = controller
        self.verbose = verbose
        super().__init__((host, port), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client hanging up is normal under load; anything else is one line on stderr, not a traceback."""
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionResetError, BrokenPipeError, TimeoutError)):
            return
        sys.stderr.write(f"nexus-validate reference: error serving {client_address}: {exc!r}\n")

    @property
    def url(self) -> str:
        """Base URL the server listens on."""
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def start_in_thread(self) -> threading.Thread:
        """Serve in a daemon thread (for tests and in-process use); stop with ``shutdown()``."""
        thread = threading.Thread(target=self.serve_forever, name="nexus-reference", daemon=True)
        thread.start()
        return thread
