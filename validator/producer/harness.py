"""The validator's side of a producer test: a controller that answers as scripted, and a sink.

:class:`Harness` serves the protocol's message endpoints on loopback (or on the
``--listen`` address) and one sink path. Every request is recorded as a
:class:`~validator.model.Received` with the answer given; the session runner reads
the records of each scenario and changes the scripted answer phase by phase.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from validator.model import Received
from validator.protocol import Protocol

MAX_BODY = 4 * 1024 * 1024
SINK = "sink"


@dataclass(frozen=True, kw_only=True)
class Scripted:
    """The answer of one phase for one endpoint: a status, field overrides, extra headers or a fixed body."""

    status: int = 200
    set_fields: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None


def count_items(body: bytes, content_type: str) -> int:
    """Items in a sink delivery: a JSON array counts its elements, NDJSON its lines, anything else 1."""
    stripped = body.strip()
    if not stripped:
        return 0
    if stripped.startswith(b"["):
        try:
            value = json.loads(stripped)
        except (ValueError, RecursionError):
            return 1
        return len(value) if isinstance(value, list) else 1
    lines = [line for line in stripped.split(b"\n") if line.strip()]
    if "ndjson" in content_type or "jsonlines" in content_type or len(lines) > 1:
        return len(lines)
    return 1


def _fill(template: Any, request: dict[str, Any], now_ms: int) -> Any:
    if isinstance(template, dict):
        return {k: _fill(v, request, now_ms) for k, v in template.items()}
    if isinstance(template, list):
        return [_fill(v, request, now_ms) for v in template]
    if template == "{{now_ms}}":
        return now_ms
    if isinstance(template, str) and template.startswith("{{request.") and template.endswith("}}"):
        echoed = request.get(template[len("{{request.") : -2])
        return echoed if isinstance(echoed, str) and echoed else "unknown"
    return template


class Harness:
    """A threaded HTTP server that answers a producer under test and records what it did."""

    def __init__(
        self,
        protocol: Protocol,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        paths: dict[str, str] | None = None,
        sink_path: str | None = None,
    ) -> None:
        side = protocol.producer
        if side is None:
            raise ValueError(f"protocol {protocol.id} defines no producer role")
        self.protocol = protocol
        self.side = side
        overrides = paths or {}
        self.routes: dict[tuple[str, str], str] = {}
        for name in side.answers:
            endpoint = protocol.endpoints[name]
            self.routes[(endpoint.method, overrides.get(name, endpoint.path))] = name
        self.sink_path = sink_path or overrides.get(SINK, side.sink_path)
        self._lock = threading.Lock()
        self._events: list[Received] = []
        self._script: dict[str, Scripted] = {}
        self._t0 = time.monotonic()
        self.first_contact = threading.Event()
        handler = self._handler_class()
        self.server = ThreadingHTTPServer((host, port), handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, name="producer-harness", daemon=True)

    # ------------------------------------------------------------ lifecycle
    @property
    def base_url(self) -> str:
        """``http://host:port`` the producer reaches the validator at."""
        host, port = self.server.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else str(host)
        return f"http://{name}:{port}"

    def url_of(self, name: str) -> str:
        """Full URL of an endpoint (or ``sink``)."""
        if name == SINK:
            return self.base_url + self.sink_path
        for (_, path), endpoint in self.routes.items():
            if endpoint == name:
                return f"{self.base_url}{path}"
        raise KeyError(name)

    def start(self) -> Harness:
        """Serve in a background thread."""
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving and release the port."""
        self.server.shutdown()
        self.server.server_close()

    # ---------------------------------------------------------------- script
    def begin_session(self) -> None:
        """Forget what was recorded and restart the session clock."""
        with self._lock:
            self._events = []
            self._t0 = time.monotonic()

    def script(self, endpoint: str, answer: Scripted | None) -> None:
        """Answer ``endpoint`` this way from now on (``None``: the protocol's default answer)."""
        with self._lock:
            if answer is None:
                self._script.pop(endpoint, None)
            else:
                self._script[endpoint] = answer

    def elapsed(self) -> float:
        """Seconds since the session began."""
        return time.monotonic() - self._t0

    def events(self) -> tuple[Received, ...]:
        """What was recorded in this session so far, in arrival order."""
        with self._lock:
            return tuple(self._events)

    # ------------------------------------------------------------- answering
    def answer(self, endpoint: str, message: Any) -> tuple[int, dict[str, str], Any]:
        """Status, headers and JSON body for a request to ``endpoint``."""
        with self._lock:
            scripted = self._script.get(endpoint)
        default = self.side.answers[endpoint]
        status = scripted.status if scripted else default.status
        headers = dict(scripted.headers) if scripted else {}
        if scripted is not None and scripted.body is not None:
            return status, headers, scripted.body
        if status // 100 != 2:
            return status, headers, {"error": "scripted refusal"}
        if default.message is not None:
            request = message if isinstance(message, dict) else {}
            body = _fill(self.protocol.templates[default.message], request, int(time.time() * 1000))
            if scripted is not None:
                body.update(scripted.set_fields)
            return status, headers, body
        return status, headers, default.body

    def _record(self, event: Received) -> None:
        with self._lock:
            self._events.append(event)
        self.first_contact.set()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        harness = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "nexus-validate-controller"

            def setup(self) -> None:
                super().setup()
                self.connection.setsockopt(6, 1, 1)  # TCP_NODELAY: answers leave at once

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _body(self) -> bytes | None:
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_BODY:
                    self._send(413, {}, {"error": "body too large"})
                    return None
                return self.rfile.read(length) if length else b""

            def _send(self, status: int, headers: dict[str, str], body: Any) -> None:
                data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if data:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self) -> None:
                path = self.path.split("?", 1)[0]
                method = self.command
                arrived = time.monotonic()
                wall_ms = int(time.time() * 1000)
                body = self._body() if method in ("POST", "PUT", "PATCH") else b""
                if body is None:
                    return
                t = arrived - harness._t0
                if path == harness.sink_path:
                    items = count_items(body, self.headers.get("Content-Type", "")) if method == "POST" else 0
                    status = 200 if method == "POST" else 405
                    answered = time.monotonic() - harness._t0
                    self._send(status, {}, {"received": items} if status == 200 else {"error": "POST only"})
                    harness._record(
                        Received(
                            t=t,
                            wall_ms=wall_ms,
                            endpoint=SINK,
                            method=method,
                            path=path,
                            body=body[:4096],
                            message=None,
                            items=items,
                            status=status,
                            answered_t=answered,
                        )
                    )
                    return
                endpoint = harness.routes.get((method, path))
                if endpoint is None:
                    known_path = any(p == path for _, p in harness.routes)
                    status = 405 if known_path else 404
                    answered = time.monotonic() - harness._t0
                    self._send(status, {}, {"error": "method not allowed" if known_path else "not found"})
                    harness._record(
                        Received(
                            t=t,
                            wall_ms=wall_ms,
                            endpoint="other",
                            method=method,
                            path=path,
                            body=body[:4096],
                            message=None,
                            status=status,
                            answered_t=answered,
                        )
                    )
                    return
                try:
                    message = json.loads(body) if body else None
                except (ValueError, RecursionError):
                    message = None
                status, headers, answer = harness.answer(endpoint, message)
                # taken before the answer leaves: the producer can act on it (on another connection,
                # served by another thread) before this thread gets to run again
                answered = time.monotonic() - harness._t0
                self._send(status, headers, answer)
                harness._record(
                    Received(
                        t=t,
                        wall_ms=wall_ms,
                        endpoint=endpoint,
                        method=method,
                        path=path,
                        body=body,
                        message=message,
                        status=status,
                        answer=answer,
                        answer_headers=tuple(headers.items()),
                        answered_t=answered,
                    )
                )

            do_POST = do_GET = do_PUT = do_DELETE = do_PATCH = _handle

        return Handler
