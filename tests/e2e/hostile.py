"""Hostile targets: servers that misbehave in the ways real ones do, for the robustness matrix.

Usage: python hostile.py MODE [CERT_DIR]  — prints "serving MODE on URL" on the first line of stdout.
Modes answer every request the same way; most close the connection after answering.
"""

from __future__ import annotations

import json
import socket
import socketserver
import ssl
import sys
import time

MODES = (
    "silent",
    "drip",
    "huge",
    "garbage",
    "reset",
    "html",
    "text",
    "stacktrace",
    "redirect",
    "bad-utf8",
    "deep-json",
    "many-headers",
    "echo",
)


def _response(status: str, body: bytes, content_type: str = "application/json", extra: str = "") -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        f"Connection: close\r\n{extra}\r\n"
    )
    return head.encode("latin-1") + body


class Handler(socketserver.BaseRequestHandler):
    server: HostileServer

    def _read_request(self) -> bytes:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.request.recv(65536)
            if not chunk:
                return data
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip() or 0)
        while len(body) < length:
            chunk = self.request.recv(min(65536, length - len(body)))
            if not chunk:
                break
            body += chunk
        return head

    def handle(self) -> None:
        try:
            head = self._read_request()
            getattr(self, "mode_" + self.server.mode.replace("-", "_"))(head)
        except OSError:
            pass

    def mode_silent(self, head: bytes) -> None:
        while self.request.recv(1024):  # hold the connection open, answer nothing
            pass

    def mode_drip(self, head: bytes) -> None:
        self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
        for _ in range(100000):
            self.request.sendall(b" ")
            time.sleep(0.25)

    def mode_huge(self, head: bytes) -> None:
        size = 200 * 1024 * 1024
        self.request.sendall(
            f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n\r\n".encode()
        )
        chunk = b"[" * 65536
        for _ in range(size // len(chunk)):
            self.request.sendall(chunk)

    def mode_garbage(self, head: bytes) -> None:
        self.request.sendall(b"SSH-2.0-OpenSSH_9.6\r\n\x00\x01\x02\xff\xfe garbage")

    def mode_reset(self, head: bytes) -> None:
        self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        self.request.close()

    def mode_html(self, head: bytes) -> None:
        self.request.sendall(_response("200 OK", b"<html><body><h1>It works!</h1></body></html>", "text/html"))

    def mode_text(self, head: bytes) -> None:
        self.request.sendall(_response("400 Bad Request", b"bad request", "text/plain"))

    def mode_stacktrace(self, head: bytes) -> None:
        trace = b"Traceback (most recent call last):\n  File \"app.py\", line 12, in capacity\nKeyError: 'rate'\n"
        self.request.sendall(_response("500 Internal Server Error", trace, "text/plain"))

    def mode_redirect(self, head: bytes) -> None:
        path = head.split(b" ")[1].decode("latin-1") if b" " in head else "/"
        self.request.sendall(_response("302 Found", b"", extra=f"Location: {path}\r\n"))

    def mode_bad_utf8(self, head: bytes) -> None:
        self.request.sendall(_response("200 OK", b'{"action": "Flow\xff\xfeControl", "version": "1.0"}'))

    def mode_deep_json(self, head: bytes) -> None:
        self.request.sendall(_response("200 OK", b"[" * 100_000 + b"]" * 100_000))

    def mode_many_headers(self, head: bytes) -> None:
        extra = "".join(f"X-Header-{i}: value-{i}\r\n" for i in range(10_000))
        self.request.sendall(_response("200 OK", b"{}", extra=extra))

    def mode_echo(self, head: bytes) -> None:
        """Rejects everything, echoing the request headers (credentials included) in the reason."""
        reason = head.decode("latin-1")
        self.request.sendall(
            _response(
                "400 Bad Request",
                json.dumps({"error": reason}).encode(),
                extra=f"X-Echo: {reason.splitlines()[-1] if reason else ''}\r\n",
            )
        )


class HostileServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, mode: str) -> None:
        self.mode = mode
        super().__init__(("127.0.0.1", 0), Handler)


def serve_bad_tls(cert_dir: str) -> None:
    """The reference controller over TLS with a self-signed certificate for the wrong host name."""
    from validator.reference.controller import ReferenceController
    from validator.reference.server import ControllerServer

    server = ControllerServer(ReferenceController())
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(f"{cert_dir}/cert.pem", f"{cert_dir}/key.pem")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print(f"serving tls-bad-cert on https://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


PAYLOAD = (
    "<script>document.body.setAttribute('data-pwned','script')</script>"
    "<img src=x onerror=\"document.body.setAttribute('data-pwned','img')\">"
)


def serve_markup() -> None:
    """The reference, but every reason string and the echoed producer id carry HTML that would run if unescaped."""
    from typing import Any

    from validator.reference.controller import ReferenceController, Reply
    from validator.reference.server import ControllerServer

    class Markup(ReferenceController):
        def error_reply(self, status: int, reason: str, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
            return super().error_reply(status, reason + " " + PAYLOAD, headers)

        def flow_control(self, msg: dict[str, Any], rate: int, load: int, cap: int) -> dict[str, Any]:
            fc = super().flow_control(msg, rate, load, cap)
            return {**fc, "producer_id": PAYLOAD, "reason": PAYLOAD}

    server = ControllerServer(Markup())
    print(f"serving markup on {server.url}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    if sys.argv[1] == "tls-bad-cert":
        serve_bad_tls(sys.argv[2])
    elif sys.argv[1] == "markup":
        serve_markup()
    else:
        hostile = HostileServer(sys.argv[1])
        print(f"serving {sys.argv[1]} on http://127.0.0.1:{hostile.server_address[1]}", flush=True)
        hostile.serve_forever()
